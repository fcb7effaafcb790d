//! Queries run on the backend's own connection instead of through diesel's
//! `MultiConnection`, for the reads every first-time request makes.
//!
//! Through `MultiConnection` diesel writes a statement's SQL text again on
//! every run (its `SerializedQuery` serialises before binding), and an
//! `eq_any` list is one placeholder per id, which SQLite's statement cache
//! cannot keep. On the backend's own connection a fixed-shape query is found
//! in the statement cache by its type and only bound (BENCHMARKS.md, "the
//! cold path": a commitment read the first time spent 48 % of its time
//! writing and compiling SQL).

use std::marker::PhantomData;

use diesel::expression::{is_aggregate, ValidGrouping};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Array, Bool, Text};
use diesel::sqlite::Sqlite;
use diesel::{AppearsOnTable, Expression, QueryResult, SelectableExpression};

/// Every row of a query, run on the backend's own connection. A macro
/// rather than a function: the query is written once and typed for each
/// backend (`as_select()` fixes the backend of the query it is in).
macro_rules! load {
    ($conn:expr, $query:expr $(,)?) => {{
        let conn: &mut $crate::db::DbConnection = $conn;
        match conn {
            $crate::db::DbConnection::Sqlite(c) => diesel::RunQueryDsl::load($query, c),
            $crate::db::DbConnection::Pg(c) => diesel::RunQueryDsl::load($query, c),
        }
    }};
}
pub(crate) use load;

/// The first row of a query (`LIMIT 1`), if any, run on the backend's own
/// connection (see [`load!`]).
macro_rules! first {
    ($conn:expr, $query:expr $(,)?) => {{
        let conn: &mut $crate::db::DbConnection = $conn;
        diesel::OptionalExtension::optional(match conn {
            $crate::db::DbConnection::Sqlite(c) => diesel::RunQueryDsl::first($query, c),
            $crate::db::DbConnection::Pg(c) => diesel::RunQueryDsl::first($query, c),
        })
    }};
}
pub(crate) use first;

/// `column IN (ids)` written the same whatever the number of ids: the ids
/// travel as one bound value, a JSON array read by `json_each` on SQLite and
/// a text array on PostgreSQL, so the statement is prepared once per
/// connection and kept.
#[derive(Debug, Clone)]
pub struct AnyOf<'a, C> {
    column: C,
    ids: &'a [String],
    json: String,
}

/// `column` is one of `ids` (see [`AnyOf`]).
pub fn any_of<C>(column: C, ids: &[String]) -> AnyOf<'_, C> {
    // A list of strings always serialises.
    let json = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    AnyOf { column, ids, json }
}

/// The statement-cache key of an [`AnyOf`]: its column's.
pub struct AnyOfId<C>(PhantomData<C>);

impl<C: QueryId> QueryId for AnyOf<'_, C> {
    type QueryId = AnyOfId<C::QueryId>;
    const HAS_STATIC_QUERY_ID: bool = C::HAS_STATIC_QUERY_ID;
}

impl<C: Expression<SqlType = Text>> Expression for AnyOf<'_, C> {
    type SqlType = Bool;
}

impl<QS, C: AppearsOnTable<QS>> AppearsOnTable<QS> for AnyOf<'_, C> where Self: Expression {}
impl<QS, C: SelectableExpression<QS>> SelectableExpression<QS> for AnyOf<'_, C> where Self: AppearsOnTable<QS> {}

impl<C> ValidGrouping<()> for AnyOf<'_, C> {
    type IsAggregate = is_aggregate::Never;
}

impl<C: QueryFragment<Sqlite>> QueryFragment<Sqlite> for AnyOf<'_, C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, _>(&self.json)?;
        out.push_sql("))");
        Ok(())
    }
}

impl<C: QueryFragment<Pg>> QueryFragment<Pg> for AnyOf<'_, C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" = ANY(");
        out.push_bind_param::<Array<Text>, [String]>(self.ids)?;
        out.push_sql(")");
        Ok(())
    }
}
