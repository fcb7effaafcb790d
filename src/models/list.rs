//! Keyset pagination shared by every list query.
//!
//! Lists are ordered by one documented field plus the id as tie-breaker, and
//! a page continues strictly after the last row of the previous one, so deep
//! pages cost the same as the first. Nullable fields sort last in both
//! directions on both backends (`ORDER BY field IS NULL, field, id`).

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::DbConnection;

/// The sort-field value of the last row on a page, as stored in a cursor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SortValue {
    Int(i64),
    Text(String),
    Null,
}

impl From<i32> for SortValue {
    fn from(v: i32) -> Self {
        SortValue::Int(v.into())
    }
}
impl From<&String> for SortValue {
    fn from(v: &String) -> Self {
        SortValue::Text(v.clone())
    }
}
impl From<Option<i32>> for SortValue {
    fn from(v: Option<i32>) -> Self {
        v.map(SortValue::from).unwrap_or(SortValue::Null)
    }
}
impl From<String> for SortValue {
    fn from(v: String) -> Self {
        SortValue::Text(v)
    }
}

impl From<Option<String>> for SortValue {
    fn from(v: Option<String>) -> Self {
        v.map(SortValue::Text).unwrap_or(SortValue::Null)
    }
}

impl From<&Option<String>> for SortValue {
    fn from(v: &Option<String>) -> Self {
        v.as_ref().map(SortValue::from).unwrap_or(SortValue::Null)
    }
}

impl SortValue {
    pub fn as_int(&self) -> Option<Option<i32>> {
        match self {
            SortValue::Int(i) => i32::try_from(*i).ok().map(Some),
            SortValue::Null => Some(None),
            SortValue::Text(_) => None,
        }
    }
    pub fn as_text(&self) -> Option<Option<String>> {
        match self {
            SortValue::Text(s) => Some(Some(s.clone())),
            SortValue::Null => Some(None),
            SortValue::Int(_) => None,
        }
    }
}

/// Where a page starts and how long it is.
#[derive(Clone, Debug)]
pub struct Page<S> {
    pub sort: S,
    pub desc: bool,
    /// Sort value and id of the last row already seen.
    pub after: Option<(SortValue, String)>,
    pub limit: i64,
}

/// A cursor whose sort value does not fit the sort field.
#[derive(Debug)]
pub struct BadCursor;

/// Order a boxed query by `$col` then `$id`, starting after `$after`.
/// `$kind` is `int`, `text`, `nint` (nullable integer) or `ntext`.
macro_rules! keyset {
    ($q:expr, $col:expr, $id:expr, $desc:expr, $after:expr, int) => {
        $crate::models::list::keyset!(@plain $q, $col, $id, $desc, $after, as_int)
    };
    ($q:expr, $col:expr, $id:expr, $desc:expr, $after:expr, text) => {
        $crate::models::list::keyset!(@plain $q, $col, $id, $desc, $after, as_text)
    };
    ($q:expr, $col:expr, $id:expr, $desc:expr, $after:expr, nint) => {
        $crate::models::list::keyset!(@nullable $q, $col, $id, $desc, $after, as_int)
    };
    ($q:expr, $col:expr, $id:expr, $desc:expr, $after:expr, ntext) => {
        $crate::models::list::keyset!(@nullable $q, $col, $id, $desc, $after, as_text)
    };
    (@plain $q:expr, $col:expr, $id:expr, $desc:expr, $after:expr, $conv:ident) => {(|| {
        let mut q = $q;
        q = if $desc {
            q.order_by($col.desc()).then_order_by($id.desc())
        } else {
            q.order_by($col.asc()).then_order_by($id.asc())
        };
        if let Some((value, last_id)) = $after {
            let v = value.$conv().flatten().ok_or($crate::models::list::BadCursor)?;
            let last_id: String = last_id.clone();
            // The redundant bound lets both engines seek the (col, id)
            // index instead of scanning it from the start (SQLite does not
            // see a range in the OR alone).
            q = if $desc {
                q.filter($col.le(v.clone())).filter($col.lt(v.clone()).or($col.eq(v).and($id.lt(last_id))))
            } else {
                q.filter($col.ge(v.clone())).filter($col.gt(v.clone()).or($col.eq(v).and($id.gt(last_id))))
            };
        }
        Ok::<_, $crate::models::list::BadCursor>(q)
    })()};
    (@nullable $q:expr, $col:expr, $id:expr, $desc:expr, $after:expr, $conv:ident) => {(|| {
        let mut q = $q.order_by($col.is_null());
        q = if $desc {
            q.then_order_by($col.desc()).then_order_by($id.desc())
        } else {
            q.then_order_by($col.asc()).then_order_by($id.asc())
        };
        if let Some((value, last_id)) = $after {
            let v = value.$conv().ok_or($crate::models::list::BadCursor)?;
            let last_id: String = last_id.clone();
            q = match (v, $desc) {
                (Some(v), false) => q.filter(
                    $col.is_null()
                        .or($col.assume_not_null().gt(v.clone()))
                        .or($col.assume_not_null().eq(v).and($id.gt(last_id))),
                ),
                (Some(v), true) => q.filter(
                    $col.is_null()
                        .or($col.assume_not_null().lt(v.clone()))
                        .or($col.assume_not_null().eq(v).and($id.lt(last_id))),
                ),
                (None, false) => q.filter($col.is_null().and($id.gt(last_id))),
                (None, true) => q.filter($col.is_null().and($id.lt(last_id))),
            };
        }
        Ok::<_, $crate::models::list::BadCursor>(q)
    })()};
}
pub(crate) use keyset;

/// The sort values and ids of at most `page.limit + 1` rows of the query
/// `$q` after the page's start, sorted by `$col` (a column of kind `$kind`,
/// read as `$t`): a page's keys without the rest of its rows.
macro_rules! thin {
    ($conn:expr, $q:expr, $col:expr, $id:expr, $page:expr, $kind:ident, $t:ty) => {
        match $crate::models::list::keyset!($q.select(($id, $col)), $col, $id, $page.desc, &$page.after, $kind) {
            Err(e) => Ok(Err(e)),
            Ok(q) => q
                .limit($page.limit + 1)
                .load::<(String, $t)>($conn)
                .map(|rows| Ok(rows.into_iter().map(|(i, v)| ($crate::models::list::SortValue::from(v), i)).collect())),
        }
    };
}
pub(crate) use thin;

/// Places (seq − 1: positions in the default order) per value, from
/// `(value, seq)` rows in any order: what the prepared store keeps of a
/// filter (`Collection::index_values`).
pub fn places_by_value(
    rows: impl IntoIterator<Item = QueryResult<(String, i32)>>,
) -> QueryResult<std::collections::BTreeMap<String, Vec<u32>>> {
    let mut out: std::collections::BTreeMap<String, Vec<u32>> = std::collections::BTreeMap::new();
    for row in rows {
        let (value, seq) = row?;
        let place =
            u32::try_from(seq - 1).map_err(|_| diesel::result::Error::QueryBuilderError("a seq below 1".into()))?;
        out.entry(value).or_default().push(place);
    }
    for places in out.values_mut() {
        places.sort_unstable();
        places.dedup();
    }
    Ok(out)
}

/// A page's keys (sort value and id) and the number of rows matching the filters.
pub type ThinPage = QueryResult<Result<(Vec<(SortValue, String)>, i64), BadCursor>>;

/// A thin page's `keys` (at most `page.limit + 1`) with the list's total:
/// when the first page holds every row, the total is their number, read in
/// the same transaction, and `count` is not run.
pub fn with_total<S>(
    keys: QueryResult<Result<Vec<(SortValue, String)>, BadCursor>>,
    page: &Page<S>,
    count: impl FnOnce() -> QueryResult<i64>,
) -> ThinPage {
    let keys = match keys? {
        Ok(keys) => keys,
        Err(bad) => return Ok(Err(bad)),
    };
    let all_here = page.after.is_none() && i64::try_from(keys.len()).is_ok_and(|n| n <= page.limit);
    let total = if all_here { keys.len() as i64 } else { count()? };
    Ok(Ok((keys, total)))
}

/// Only records whose published content changed at or after a UTC time
/// (`YYYY-MM-DDTHH:MM:SSZ`), per the import history.
macro_rules! updated_since {
    ($q:expr, $id:expr, $rtype:expr, $since:expr) => {{
        use $crate::schema::record_versions as rv;
        let mut q = $q;
        if let Some(s) = $since {
            q = q.filter($id.eq_any(
                rv::table.filter(rv::record_type.eq($rtype)).filter(rv::updated_at.ge(s.clone())).select(rv::record_id),
            ));
        }
        q
    }};
}
pub(crate) use updated_since;

/// Require every search term as the start of a word of the record, through
/// the full-text index (see `db::backend::MatchesTerms`).
macro_rules! text_terms {
    ($q:expr, $table:literal, $terms:expr) => {{
        let terms: &[String] = $terms;
        let q = $q;
        if terms.is_empty() {
            q
        } else {
            q.filter($crate::db::backend::MatchesTerms::new($table, terms))
        }
    }};
}
pub(crate) use text_terms;

/// Exact counts per value of one column among the rows a filtered query
/// matches: `(value, count)`, most frequent first (then by value). (diesel
/// cannot group a boxed query, nor use one as a subquery of an unboxed one on
/// the multi-backend connection, so the column is read and counted here: one
/// query per dimension. A whole list's counts are stored by the import.)
macro_rules! facet {
    ($conn:expr, $q:expr, $col:expr) => {{
        let values: Vec<String> = $q.select($col).load($conn)?;
        super::list::count_values(values)
    }};
}
pub(crate) use facet;

/// Counts per institution of the records of `subject_type` with these ids
/// that it has a part in other than a mere mention. (The ids come loaded:
/// a boxed query cannot be a subquery on the multi-backend connection.)
pub fn institution_counts(
    conn: &mut DbConnection,
    subject_type: &str,
    ids: Vec<String>,
) -> QueryResult<Vec<(String, i64)>> {
    use crate::schema::institution_roles as r;
    let roles = || {
        r::table
            .filter(r::subject_type.eq(subject_type.to_string()))
            .filter(r::role.ne(crate::vocabulary::Role::Mentioned))
            .select((r::institution_id, r::subject_id))
    };
    let mut pairs: Vec<(String, String)> = Vec::new();
    if ids.len() > 20_000 {
        // Most of a large table: one pass over its roles.
        let wanted: std::collections::HashSet<&str> = ids.iter().map(String::as_str).collect();
        let all: Vec<(String, String)> = roles().load(conn)?;
        pairs.extend(all.into_iter().filter(|(_, s)| wanted.contains(s.as_str())));
    } else {
        for chunk in ids.chunks(5_000) {
            pairs.extend(roles().filter(r::subject_id.eq_any(chunk)).load::<(String, String)>(conn)?);
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    Ok(count_values(pairs.into_iter().map(|(institution, _)| institution)))
}

/// The ids of the records of a type that some quality finding is about.
macro_rules! flagged {
    ($record_type:expr) => {
        crate::schema::quality_findings::table
            .filter(crate::schema::quality_findings::record_type.eq($record_type))
            .select(crate::schema::quality_findings::record_id)
    };
}
pub(crate) use flagged;

/// Up to this many filtered ids, [`with_findings`] counts by the ids.
const FEW_IDS: usize = 5_000;

/// How many of `ids` (distinct) have a quality finding. For a few ids, asked
/// by those ids (an index lookup each), because `id IN (flagged ids)` first
/// lists every finding of the type: 16 ms at scale 100 for a plan's hundred
/// milestones. For many, `whole` counts the filtered list against that list.
pub fn with_findings(
    conn: &mut DbConnection,
    record_type: &str,
    ids: &[String],
    whole: impl FnOnce(&mut DbConnection) -> QueryResult<i64>,
) -> QueryResult<i64> {
    use crate::schema::quality_findings as q;
    if ids.len() > FEW_IDS {
        return whole(conn);
    }
    let mut flagged = std::collections::HashSet::new();
    for chunk in ids.chunks(1_000) {
        let found: Vec<String> = q::table
            .filter(q::record_type.eq(record_type))
            .filter(q::record_id.eq_any(chunk))
            .select(q::record_id)
            .load(conn)?;
        flagged.extend(found);
    }
    Ok(flagged.len() as i64)
}

/// `(value, count)` of a column's values, most frequent first.
pub fn count_values(values: impl IntoIterator<Item = String>) -> Vec<(String, i64)> {
    let mut counts: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    for v in values {
        *counts.entry(v).or_default() += 1;
    }
    most_first(counts.into_iter().collect())
}

/// Counts most frequent first, then by value.
pub fn most_first(mut counts: Vec<(String, i64)>) -> Vec<(String, i64)> {
    counts.retain(|(_, n)| *n > 0);
    counts.sort_by(|(a, n), (b, m)| m.cmp(n).then_with(|| a.cmp(b)));
    counts
}

/// `with` rows of `total`, as the values `true` and `false` of a yes-or-no
/// dimension.
pub fn yes_no(with: i64, total: i64) -> Vec<(String, i64)> {
    most_first(vec![("true".into(), with), ("false".into(), total - with)])
}

/// `(value, count)` pairs of one dimension.
pub type Counts = Vec<(String, i64)>;

/// A list's facets: per query parameter, the counts of its values.
pub type Facets = Vec<(&'static str, Counts)>;

/// The facets of a whole collection (no filters), as the import counted and
/// stored them (`facet_counts`): a first look at a table of a million rows
/// costs an index range, not a scan. `None` when the revision was imported
/// before they were stored.
pub fn stored(conn: &mut DbConnection, record_type: &str, dims: &[&'static str]) -> QueryResult<Option<Facets>> {
    use crate::schema::facet_counts as t;
    let rows: Vec<(String, String, i64)> =
        t::table.filter(t::record_type.eq(record_type)).select((t::dimension, t::value, t::count)).load(conn)?;
    if rows.is_empty() {
        return Ok(None);
    }
    let mut facets: Facets = dims.iter().map(|d| (*d, Vec::new())).collect();
    for (dim, value, count) in rows {
        if let Some((_, values)) = facets.iter_mut().find(|(d, _)| *d == dim) {
            values.push((value, count));
        }
    }
    Ok(Some(facets.into_iter().map(|(d, v)| (d, most_first(v))).collect()))
}

/// The facet dimension and value that a filter names when it filters by
/// that one field and nothing else (each field named is also the facet's
/// dimension): `alone!(f, MilestoneFilter, plan, status)`.
macro_rules! alone {
    ($f:expr, $filter:ident, $($field:ident),+) => {{
        let f = $f;
        Option::<(&'static str, &str)>::None
            $(.or_else(|| {
                let v = f.$field.as_deref()?;
                (*f == $filter { $field: f.$field.clone(), ..Default::default() }).then_some((stringify!($field), v))
            }))+
    }};
}
pub(crate) use alone;

/// The number of rows of `table` matching a list's filters: the revision's
/// recorded count when unfiltered, the import's count of one facet value
/// when the filters name that value alone (`alone`, see [`alone!`]), and
/// otherwise `count`.
pub fn total(
    conn: &mut DbConnection,
    table: &str,
    record_type: &str,
    unfiltered: bool,
    alone: Option<(&str, &str)>,
    count: impl FnOnce(&mut DbConnection) -> QueryResult<i64>,
) -> QueryResult<i64> {
    if let Some((dimension, value)) = alone {
        if let Some(n) = stored_facet_count(conn, record_type, dimension, value)? {
            return Ok(n);
        }
    }
    super::revision::total_or(conn, table, unfiltered, count)
}

/// How many `record_type` records have `value` in the facet `dimension`, as
/// the import stored it (`facet_counts`): one keyed read instead of counting
/// the rows of a list filtered by that one value. `None` when none is stored
/// (an import before facets were kept, or no record with that value).
fn stored_facet_count(
    conn: &mut DbConnection,
    record_type: &str,
    dimension: &str,
    value: &str,
) -> QueryResult<Option<i64>> {
    use crate::schema::facet_counts as t;
    crate::db::native::first!(conn, t::table.find((record_type, dimension, value)).select(t::count))
}

/// The whole collection's facets as rows of `facet_counts`, for the import.
pub fn rows_to_store(record_type: &str, facets: &Facets) -> Vec<FacetCountRow> {
    facets
        .iter()
        .flat_map(|(dim, values)| {
            values.iter().map(move |(value, count)| FacetCountRow {
                record_type: record_type.to_string(),
                dimension: dim.to_string(),
                value: value.clone(),
                count: *count,
            })
        })
        .collect()
}

#[derive(Insertable, Clone, Debug)]
#[diesel(table_name = crate::schema::facet_counts)]
#[diesel(treat_none_as_default_value = false)]
pub struct FacetCountRow {
    pub record_type: String,
    pub dimension: String,
    pub value: String,
    pub count: i64,
}
