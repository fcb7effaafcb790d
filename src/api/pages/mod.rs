//! Pages for people: every collection's HTML representation (a table to
//! browse, a page per record), the home page and error pages, in Spanish
//! (the default) and English, rendered by askama templates from
//! `templates/` (checked when the crate compiles, escaped automatically).

pub mod charts;
pub mod embeds;
pub mod i18n;
pub mod record;
pub mod table;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use chrono::Datelike;

use crate::api::http::error::ApiError;
pub use i18n::{Lang, Text};

/// A collection's pages: its path in each language and its name.
#[derive(Clone, Copy)]
pub struct PageNames {
    pub es: &'static str,
    pub en: &'static str,
    pub title_es: &'static str,
    pub title_en: &'static str,
}

impl PageNames {
    pub fn path(&self, lang: Lang) -> String {
        format!("{}/{}", lang.prefix(), lang.pick(self.es, self.en))
    }

    pub fn title(&self, lang: Lang) -> &'static str {
        lang.pick(self.title_es, self.title_en)
    }
}

/// Every collection's pages, by API path (`plans`): the order of the menu.
pub const COLLECTIONS: &[(&str, PageNames)] = &[
    ("plans", PageNames { es: "planes", en: "plans", title_es: "Planes", title_en: "Plans" }),
    (
        "commitments",
        PageNames { es: "compromisos", en: "commitments", title_es: "Compromisos", title_en: "Commitments" },
    ),
    ("milestones", PageNames { es: "hitos", en: "milestones", title_es: "Hitos", title_en: "Milestones" }),
    (
        "progress-updates",
        PageNames { es: "avances", en: "progress-updates", title_es: "Avances", title_en: "Progress updates" },
    ),
    (
        "institutions",
        PageNames { es: "instituciones", en: "institutions", title_es: "Instituciones", title_en: "Institutions" },
    ),
    ("quality-findings", PageNames { es: "hallazgos", en: "findings", title_es: "Hallazgos", title_en: "Findings" }),
    ("source-documents", PageNames { es: "fuentes", en: "sources", title_es: "Fuentes", title_en: "Sources" }),
];

/// Lines of a source document per page (a provenance link to a later line
/// names its stretch).
pub const SOURCE_PAGE_LINES: i32 = 300;

/// The link to line `line` of source document `doc`, on the page that shows it.
pub fn source_line(lang: Lang, doc: &str, line: usize) -> Option<String> {
    let page = record_path(lang, "source-documents", doc)?;
    let per = SOURCE_PAGE_LINES as usize;
    Some(if line <= per {
        format!("{page}#L{line}")
    } else {
        let from = (line - 1) / per * per + 1;
        format!("{page}?lines={from}-{}#L{line}", from + per - 1)
    })
}

/// The search page.
pub const SEARCH: PageNames = PageNames { es: "buscar", en: "search", title_es: "Buscar", title_en: "Search" };

/// The pages of the collection served at `/v1/{api_path}`.
pub fn names_of(api_path: &str) -> Option<&'static PageNames> {
    COLLECTIONS.iter().find(|(p, _)| *p == api_path).map(|(_, n)| n)
}

/// Whether `path` is one of the pages for people (a home page or a
/// collection's page), whose responses depend only on the revision.
pub fn is_page(path: &str) -> bool {
    if path == "/en/" {
        return true;
    }
    let rest = path.strip_prefix("/en").unwrap_or(path);
    let lang = if rest.len() < path.len() { Lang::En } else { Lang::Es };
    let Some(rest) = rest.strip_prefix('/') else { return false };
    let slug = rest.split('/').next().unwrap_or_default();
    COLLECTIONS.iter().chain([("search", SEARCH)].iter()).any(|(_, n)| lang.pick(n.es, n.en) == slug)
}

/// The collection whose pages show records of `record_type` (`plan`,
/// `commitment`, `milestone`, `progress_update`, `institution`), as its API
/// path.
pub fn collection_of_type(record_type: &str) -> Option<&'static str> {
    Some(match record_type {
        "plan" => "plans",
        "commitment" => "commitments",
        "milestone" => "milestones",
        "progress_update" => "progress-updates",
        "institution" => "institutions",
        _ => return None,
    })
}

/// The page of one record of the collection at `/v1/{api_path}`.
pub fn record_path(lang: Lang, api_path: &str, id: &str) -> Option<String> {
    names_of(api_path).map(|n| format!("{}/{}", n.path(lang), encode(id)))
}

/// A path segment or query value, percent-encoded.
pub fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A link of the menu.
pub struct NavLink {
    pub href: String,
    pub label: &'static str,
    pub current: bool,
}

/// Another representation of the page (`rel=alternate`).
pub struct Alternate {
    pub media: &'static str,
    pub href: String,
}

/// What every page's frame shows: its language, title, links to itself in
/// both languages and to its other representations.
pub struct Frame {
    pub lang: Lang,
    pub t: &'static Text,
    pub title: String,
    pub description: String,
    /// The page's absolute URL, in this language.
    pub canonical: String,
    pub url_es: String,
    pub url_en: String,
    pub alternates: Vec<Alternate>,
    pub nav: Vec<NavLink>,
    pub home: String,
}

impl Frame {
    /// The frame of the page at `path_es` / `path_en` (with their query).
    pub fn new(
        lang: Lang,
        base: &str,
        title: impl Into<String>,
        description: impl Into<String>,
        path_es: String,
        path_en: String,
        current: Option<&str>,
    ) -> Frame {
        let here = match lang {
            Lang::Es => &path_es,
            Lang::En => &path_en,
        };
        let nav = COLLECTIONS
            .iter()
            .chain([("search", SEARCH)].iter())
            .map(|(api, n)| NavLink { href: n.path(lang), label: n.title(lang), current: current == Some(*api) })
            .collect();
        Frame {
            lang,
            t: lang.text(),
            title: title.into(),
            description: description.into(),
            canonical: format!("{}{here}", base.trim_end_matches('/')),
            url_es: path_es,
            url_en: path_en,
            alternates: Vec::new(),
            nav,
            home: match lang {
                Lang::Es => "/".into(),
                Lang::En => "/en/".into(),
            },
        }
    }

    /// The URL of this page in the other language.
    pub fn other_url(&self) -> &str {
        match self.lang {
            Lang::Es => &self.url_en,
            Lang::En => &self.url_es,
        }
    }

    pub fn other_lang(&self) -> Lang {
        self.lang.other()
    }
}

/// What a page may load: its own stylesheet and inline style attributes
/// (progress bars); no script runs (JSON-LD is data, not script).
pub const PAGE_CSP: &str = "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// A rendered page as a response.
pub fn html(status: StatusCode, page: &impl Template) -> Result<HttpResponse, ApiError> {
    Ok(html_bytes(status, render(page)?))
}

/// A page's HTML.
pub fn render(page: &impl Template) -> Result<String, ApiError> {
    page.render().map_err(|e| ApiError::Internal(format!("template: {e}")))
}

/// A page already written (`body`, its HTML), as [`html`] answers it.
pub fn html_bytes(status: StatusCode, body: impl actix_web::body::MessageBody + 'static) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, PAGE_CSP))
        .body(body)
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    frame: Frame,
    status: u16,
    detail: String,
}

/// An error on a page, as a page: its status and what went wrong, in
/// words; the problem's headers (`Retry-After`, `Allow`) and its cause (for
/// the log line) stay.
pub fn error_page(lang: Lang, req: &HttpRequest, e: ApiError) -> HttpResponse {
    use actix_web::ResponseError;
    let status = e.status_code();
    let detail = match &e {
        ApiError::Internal(_) => lang.pick("Error interno; intente de nuevo.", "Internal error; try again.").into(),
        other => other.to_string(),
    };
    let path = req.path().to_string();
    let frame = Frame::new(lang, "", lang.text().error_title, "", path.clone(), path, None);
    let body = ErrorPage { frame, status: status.as_u16(), detail }.render().unwrap_or_default();
    let mut res = e.error_response().set_body(actix_web::body::BoxBody::new(body));
    res.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("text/html; charset=utf-8"));
    res
}

/// The site's stylesheet (one small file, cached by every page).
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(include_str!("../../../templates/site.css"))
}

/// What a page calls field or filter `name` (`rollup.average_progress`:
/// "Resumen › Avance promedio (%)"); a name without a label shows as itself.
pub fn label(lang: Lang, name: &str) -> String {
    use crate::publication::labels;
    name.split('.')
        .map(|part| {
            labels::field(part).map(|l| lang.pick(&l.es, &l.en).to_string()).unwrap_or_else(|| part.to_string())
        })
        .collect::<Vec<_>>()
        .join(" › ")
}

/// Columns whose values come from a closed list, shown by their labels.
const CLOSED_LISTS: &[&str] = &[
    "status",
    "kind",
    "role",
    "record_type",
    "subject_type",
    "origin",
    "group",
    "participant_group",
    "precision",
    "type",
];

/// What a page shows for `value` in column `column`: the label of a
/// closed-list value, else the value itself.
pub fn shown_value<'a>(lang: Lang, column: &str, value: &'a str) -> std::borrow::Cow<'a, str> {
    let last = column.rsplit('.').next().unwrap_or(column);
    if matches!(last, "source_location" | "location") && lang == Lang::Es {
        if let Some(n) = value.strip_prefix("lines ") {
            return std::borrow::Cow::Owned(format!("líneas {n}"));
        }
        if let Some(n) = value.strip_prefix("line ") {
            return std::borrow::Cow::Owned(format!("línea {n}"));
        }
    }
    if value == "no_data" && is_boolean(last) {
        if let Some(l) = crate::publication::labels::value(value) {
            return std::borrow::Cow::Owned(lang.pick(&l.es, &l.en).to_string());
        }
    }
    if matches!(value, "true" | "false") && is_boolean(last) {
        return std::borrow::Cow::Borrowed(match (value, lang) {
            ("true", Lang::Es) => "sí",
            ("true", Lang::En) => "yes",
            _ => "no",
        });
    }
    match CLOSED_LISTS.contains(&last).then(|| crate::publication::labels::value(value)).flatten() {
        Some(l) => std::borrow::Cow::Owned(lang.pick(&l.es, &l.en).to_string()),
        None => std::borrow::Cow::Borrowed(value),
    }
}

/// A month (`YYYY-MM`) as people name it ("marzo de 2025", "March 2025"),
/// with its first and last days (`YYYY-MM-DD`).
pub fn month(lang: Lang, month: &str) -> Option<(String, String, String)> {
    let (y, m) = month.split_once('-')?;
    let (year, n): (i32, u32) = (y.parse().ok()?, m.parse().ok()?);
    let first = chrono::NaiveDate::from_ymd_opt(year, n, 1)?;
    let next = if n == 12 { chrono::NaiveDate::from_ymd_opt(year + 1, 1, 1)? } else { first.with_month(n + 1)? };
    let last = next.pred_opt()?;
    let name = lang.text().months[n as usize - 1];
    let label = match lang {
        Lang::Es => format!("{name} de {year}"),
        Lang::En => format!("{name} {year}"),
    };
    Some((label, first.format("%Y-%m-%d").to_string(), last.format("%Y-%m-%d").to_string()))
}

/// Whether the data dictionary types a column of this name as boolean.
fn is_boolean(column: &str) -> bool {
    // Filters that are yes or no without being a published column.
    column == "has_findings"
        || crate::publication::dictionary::COLUMNS
            .iter()
            .any(|c| c.column == column && c.kind == crate::vocabulary::FieldType::Boolean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_names_the_same_pages_the_site_serves() {
        for (record_type, _) in crate::views::PAGE_PATHS {
            let api = crate::views::record_url(record_type, "x").unwrap();
            let collection = api.trim_start_matches("/v1/").trim_end_matches("/x");
            assert_eq!(
                Some(crate::views::html_url(record_type, "a:b")),
                record_path(Lang::Es, collection, "a:b"),
                "{record_type}"
            );
        }
        assert_eq!(crate::views::PAGE_PATHS.len(), COLLECTIONS.len());
    }
}
