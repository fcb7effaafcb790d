//! Wire types: what clients receive, as JSON and as flat CSV rows.
//! Built from table rows in `crate::models`, never derived from them, so a
//! column rename cannot silently change the public API.

pub mod commitment;
pub mod institution;
pub mod milestone;
pub mod plan;
pub mod progress_update;
pub mod quality_finding;
pub mod source_document;

use serde::Serialize;
use utoipa::ToSchema;

use crate::percent;
use crate::vocabulary::{ParticipantGroup, Role};

/// Where a record comes from in the source documents.
#[derive(Serialize, ToSchema, Clone, Debug)]
#[schema(example = json!({"document": "002", "location": "lines 5-33", "url": "/v1/source-documents/002?lines=5-33"}))]
pub struct Source {
    /// Source document id (see `/v1/source-documents`).
    pub document: String,
    /// `line N` or `lines N-M` of that document.
    pub location: String,
    /// Those lines of the document's text, in the API.
    pub url: Option<String>,
}

impl Source {
    pub fn new(document: &str, location: &str) -> Source {
        Source { document: document.to_string(), location: location.to_string(), url: source_url(document, location) }
    }
}

/// The API URL of a document's lines, from a `source_location`.
pub fn source_url(document: &str, location: &str) -> Option<String> {
    let (a, b) = crate::text::parse_location(location)?;
    Some(format!("/v1/source-documents/{document}?lines={a}-{b}"))
}

/// The Spanish path of each record type's pages (`pages::COLLECTIONS` serves
/// them; a test holds the two to the same paths).
pub const PAGE_PATHS: &[(&str, &str)] = &[
    ("plan", "/planes"),
    ("commitment", "/compromisos"),
    ("milestone", "/hitos"),
    ("progress_update", "/avances"),
    ("institution", "/instituciones"),
    ("quality_finding", "/hallazgos"),
    ("source_document", "/fuentes"),
];

/// A record's page for people (`/compromisos/gt-ogp-nap6-c1`), its id
/// percent-encoded.
pub fn html_url(record_type: &str, id: &str) -> String {
    let page = PAGE_PATHS.iter().find(|(t, _)| *t == record_type).map(|(_, p)| *p).unwrap_or("");
    let id: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
    format!("{page}/{id}")
}

/// Where a record of a given type lives in the API, if it is served on its own.
pub fn record_url(record_type: &str, id: &str) -> Option<String> {
    let collection = match record_type {
        "plan" => "plans",
        "commitment" => "commitments",
        "milestone" => "milestones",
        "progress_update" => "progress-updates",
        "institution" => "institutions",
        "quality_finding" => "quality-findings",
        "source_document" => "source-documents",
        _ => return None,
    };
    Some(format!("/v1/{collection}/{id}"))
}

/// A percentage from stored hundredths, exact: 12.5 stays 12.5.
pub fn pct(h: Option<i32>) -> Option<serde_json::Number> {
    h.map(percent::to_number)
}

/// Same for CSV cells.
pub fn pct_text(h: Option<i32>) -> Option<String> {
    h.map(percent::format_hundredths)
}

/// Split a stored one-per-line list.
pub fn lines(s: &str) -> Vec<String> {
    s.lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect()
}

/// A stored one-per-line list as [`lines`] joined by `\n`, borrowed when it
/// already is exactly that.
pub fn joined_lines(s: &str) -> std::borrow::Cow<'_, str> {
    let clean = !s.contains('\r') && !s.ends_with('\n') && s.split('\n').all(|l| !l.trim().is_empty());
    if clean || s.is_empty() {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(lines(s).join("\n"))
    }
}

/// A short reference to an institution inside another record.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct InstitutionRef {
    pub id: String,
    pub name: String,
    pub acronym: Option<String>,
    /// For participating institutions: the group the source lists it under.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<ParticipantGroup>,
    /// In lists of non-responsible institutions: participating, involved or partner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
}

/// Join ids for a CSV cell.
pub fn join_ids(refs: &[InstitutionRef]) -> String {
    refs.iter().map(|r| r.id.as_str()).collect::<Vec<_>>().join(";")
}

/// The names of the records a CSV row belongs to, by id, so that a row
/// reads without looking anything up: plan titles, commitment numbers and
/// titles, milestone codes, texts and responsible institutions, and
/// institution names.
#[derive(Default, Debug)]
pub struct Parents {
    pub plans: std::collections::HashMap<String, String>,
    /// (number, title)
    pub commitments: std::collections::HashMap<String, (String, String)>,
    /// (code, description, responsible institutions' names joined)
    pub milestones: std::collections::HashMap<String, (String, String, String)>,
    pub institutions: std::collections::HashMap<String, String>,
}

impl Parents {
    pub fn plan(&self, id: &str) -> &str {
        self.plans.get(id).map_or("", String::as_str)
    }

    /// (number, title)
    pub fn commitment(&self, id: &str) -> (&str, &str) {
        self.commitments.get(id).map_or(("", ""), |(n, t)| (n.as_str(), t.as_str()))
    }

    /// (code, description, responsible institutions)
    pub fn milestone(&self, id: &str) -> (&str, &str, &str) {
        self.milestones.get(id).map_or(("", "", ""), |(c, d, r)| (c.as_str(), d.as_str(), r.as_str()))
    }

    pub fn institution(&self, id: &str) -> &str {
        self.institutions.get(id).map_or("", String::as_str)
    }
}

/// Which records' names a CSV needs: plans, commitments, milestones (with
/// their responsible institutions) and institutions, by id.
#[derive(Default)]
pub struct ParentIds {
    pub plans: Vec<String>,
    pub commitments: Vec<String>,
    pub milestones: Vec<String>,
    pub institutions: Vec<String>,
}

/// A record and the names of what it belongs to: what its CSV row is
/// written from.
pub struct Named<T> {
    pub record: T,
    pub parents: std::sync::Arc<Parents>,
}

/// Each record with the same names.
pub fn named<T>(records: Vec<T>, parents: Parents) -> Vec<Named<T>> {
    let parents = std::sync::Arc::new(parents);
    records.into_iter().map(|record| Named { record, parents: parents.clone() }).collect()
}

/// Join names for a CSV cell.
pub fn join_names(refs: &[InstitutionRef]) -> String {
    refs.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joined_lines_is_lines_joined_and_borrows_clean_lists() {
        for s in ["", "a", "https://a\nhttps://b", "a\n", "\na", "a\n\nb", "a\n  \nb", "a\r\nb", " \n", "  x  \ny"] {
            assert_eq!(joined_lines(s), lines(s).join("\n"), "{s:?}");
        }
        assert!(matches!(joined_lines("https://a\nhttps://b"), std::borrow::Cow::Borrowed(_)));
    }
}
