//! Keyset pagination shared by every list query.
//!
//! Lists are ordered by one documented field plus the id as tie-breaker, and
//! a page continues strictly after the last row of the previous one, so deep
//! pages cost the same as the first. Nullable fields sort last in both
//! directions on both backends (`ORDER BY field IS NULL, field, id`).

use serde::{Deserialize, Serialize};

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
/// matches: `(value, count)`, most frequent first (then by value).
/// (diesel cannot group a boxed query, so the column is read and counted
/// here: one query per dimension.)
macro_rules! facet {
    ($conn:expr, $q:expr, $col:expr) => {{
        let values: Vec<String> = $q.select($col).load($conn)?;
        super::list::count_values(values)
    }};
}
pub(crate) use facet;

/// `(value, count)` of a column's values, most frequent first.
pub fn count_values(values: Vec<String>) -> Vec<(String, i64)> {
    let mut counts: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    for v in values {
        *counts.entry(v).or_default() += 1;
    }
    let mut out: Vec<(String, i64)> = counts.into_iter().collect();
    out.sort_by(|(a, n), (b, m)| m.cmp(n).then_with(|| a.cmp(b)));
    out
}

/// A list's facets: per query parameter, the counts of its values.
pub type Facets = Vec<(&'static str, Vec<(String, i64)>)>;
