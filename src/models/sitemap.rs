//! The ids of every record that has a page, in the order of its list, a
//! stretch at a time (for `sitemap.xml`).

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::schema::*;

/// How many records the collection at `/v1/{api_path}` holds.
pub fn count(c: &mut DbConnection, api_path: &str) -> QueryResult<i64> {
    macro_rules! count_of {
        ($t:ident) => {
            $t::table.count().get_result(c)
        };
    }
    match api_path {
        "plans" => count_of!(plans),
        "commitments" => count_of!(commitments),
        "milestones" => count_of!(milestones),
        "progress-updates" => count_of!(progress_updates),
        "institutions" => count_of!(institutions),
        "quality-findings" => count_of!(quality_findings),
        "source-documents" => count_of!(source_documents),
        _ => Ok(0),
    }
}

/// Ids `offset..offset + limit` of the collection at `/v1/{api_path}`.
pub fn ids(c: &mut DbConnection, api_path: &str, offset: i64, limit: i64) -> QueryResult<Vec<String>> {
    macro_rules! ids_of {
        ($t:ident) => {
            $t::table.select($t::id).order(($t::seq, $t::id)).offset(offset).limit(limit).load(c)
        };
    }
    match api_path {
        "plans" => ids_of!(plans),
        "commitments" => ids_of!(commitments),
        "milestones" => ids_of!(milestones),
        "progress-updates" => ids_of!(progress_updates),
        "institutions" => ids_of!(institutions),
        "quality-findings" => ids_of!(quality_findings),
        "source-documents" => ids_of!(source_documents),
        _ => Ok(Vec::new()),
    }
}
