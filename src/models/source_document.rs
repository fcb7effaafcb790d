use diesel::prelude::*;

use crate::db::DbConnection;
use crate::schema::source_documents;

#[derive(Queryable, Selectable, Insertable, Clone, Debug, PartialEq, serde::Serialize)]
#[diesel(table_name = source_documents)]
#[diesel(treat_none_as_default_value = false)]
pub struct SourceDocumentRow {
    pub id: String,
    pub seq: i32,
    pub file_name: String,
    pub title: String,
    pub description: Option<String>,
    pub sha256: String,
}

pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<SourceDocumentRow>> {
    source_documents::table.order(source_documents::seq).select(SourceDocumentRow::as_select()).load(conn)
}
