//! One record as a page: the fields of its JSON detail as a list, its
//! nested lists (milestones, updates, roles, findings…) as tables, with the
//! same links as the tables (records, source lines, web addresses).

use std::collections::HashMap;

use askama::Template;
use serde_json::Value;

use super::table::{link, Cell};
use super::{Alternate, Frame, Lang, PageNames};

pub struct Field {
    pub name: String,
    /// What people call it, in the page's language.
    pub label: String,
    pub help: String,
    /// One cell, or one per item of a list (each finding, each result).
    pub cells: Vec<Cell>,
}

/// A nested list of objects, as a table.
pub struct SubTable {
    pub name: String,
    pub label: String,
    pub headers: Vec<String>,
    pub header_labels: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// A source document's text, a line per row with its anchor.
pub struct Line {
    pub number: i64,
    pub text: String,
    /// The records taken from this line: (what, its page).
    pub records: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "record.html")]
pub struct RecordPage {
    pub frame: Frame,
    pub heading: String,
    pub fields: Vec<Field>,
    pub tables: Vec<SubTable>,
    pub lines: Vec<Line>,
    pub json: String,
    pub csv: String,
    /// The record's charts.
    pub charts: Vec<super::charts::Chart>,
    /// A source document's neighbouring stretches of lines: (label, link).
    pub more_lines: Vec<(&'static str, String)>,
    /// The oEmbed discovery link, for records that have a card.
    pub oembed: Option<String>,
    /// schema.org JSON-LD describing the record (every `<` escaped, so it cannot end the script).
    pub json_ld: String,
}

/// Links to the stretches of lines before and after the one shown.
fn more_lines(lang: Lang, page: &str, detail: &Value) -> Vec<(&'static str, String)> {
    let n = |p: &str| detail.pointer(p).and_then(Value::as_i64);
    let (Some(from), Some(to), Some(count)) = (n("/lines_from"), n("/lines_to"), n("/line_count")) else {
        return Vec::new();
    };
    let per = super::SOURCE_PAGE_LINES as i64;
    let mut out = Vec::new();
    if from > 1 {
        out.push((
            lang.pick("← líneas anteriores", "← earlier lines"),
            format!("{page}?lines={}-{}", (from - per).max(1), from - 1),
        ));
    }
    if to < count {
        out.push((
            lang.pick("líneas siguientes →", "later lines →"),
            format!("{page}?lines={}-{}", to + 1, (to + per).min(count)),
        ));
    }
    out
}

/// schema.org JSON-LD for a record's page: a suitable type, its name, URL
/// and identifier, the dataset it is part of, and the source it is based on.
fn json_ld(api_path: &str, detail: &Value, name: &str, url: &str, base: &str, lang: Lang) -> String {
    let kind = match api_path {
        "institutions" if detail.get("kind").and_then(Value::as_str) == Some("government") => "GovernmentOrganization",
        "institutions" => "Organization",
        "source-documents" => "DigitalDocument",
        _ => "CreativeWork",
    };
    let id = detail.get("id").or_else(|| detail.pointer("/document/id")).cloned().unwrap_or(Value::Null);
    let mut ld = serde_json::json!({
        "@context": "https://schema.org/",
        "@type": kind,
        "name": name,
        "url": url,
        "identifier": id,
        "inLanguage": "es",
        "isPartOf": {"@type": "Dataset", "url": format!("{}{}", base.trim_end_matches('/'), lang.pick("/", "/en/"))},
    });
    if let Some(doc) = detail.pointer("/source/document").and_then(Value::as_str) {
        if let Some(path) = super::record_path(lang, "source-documents", doc) {
            ld["isBasedOn"] = Value::String(format!("{}{path}", base.trim_end_matches('/')));
        }
    }
    serde_json::to_string(&ld).unwrap_or_default().replace('<', "\\u003c")
}

/// A record taken from a source line, as a link to its page: its kind and id.
fn line_record(lang: Lang, r: &Value) -> Option<(String, String)> {
    let kind = r.get("record_type")?.as_str()?;
    let id = r.get("id")?.as_str()?;
    let collection = super::collection_of_type(kind)?;
    let shown = super::shown_value(lang, "record_type", kind);
    Some((format!("{shown} {id}"), super::record_path(lang, collection, id)?))
}

/// The text of a scalar, as the CSV writes it (`null`: empty).
fn text_of(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            items.iter().map(text_of).collect::<Vec<_>>().join("; ")
        }
        other => other.to_string(),
    }
}

fn scalar(v: &Value) -> bool {
    match v {
        Value::Object(_) => false,
        Value::Array(items) => items.iter().all(|i| !i.is_object() && !i.is_array()),
        _ => true,
    }
}

/// Which collection a nested list's objects belong to, by the list's name.
fn collection_of(key: &str) -> Option<&'static str> {
    [
        ("plans", "plans"),
        ("commitments", "commitments"),
        ("milestones", "milestones"),
        ("updates", "progress-updates"),
        ("institutions", "institutions"),
        ("children", "institutions"),
        ("findings", "quality-findings"),
        ("documents", "source-documents"),
    ]
    .iter()
    .find(|(suffix, _)| key.ends_with(suffix))
    .map(|(_, path)| *path)
}

/// Flatten `object` into fields (`prefix.name` for nested objects) and
/// tables (lists of objects), leaving out its keys in `skip`.
#[allow(clippy::too_many_arguments)]
fn walk(
    lang: Lang,
    api_path: &str,
    prefix: &str,
    object: &serde_json::Map<String, Value>,
    skip: &[&str],
    help: &dyn Fn(&str, Lang) -> Option<String>,
    fields: &mut Vec<Field>,
    tables: &mut Vec<SubTable>,
) {
    let shown = || object.iter().filter(|(k, _)| !skip.contains(&k.as_str()));
    let texts: Vec<(&str, String)> =
        shown().filter(|(_, v)| scalar(v)).map(|(k, v)| (k.as_str(), text_of(v))).collect();
    let row: HashMap<&str, &str> = texts.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for (k, v) in shown() {
        // The page itself (a record's `html_url`) needs no link to itself.
        if k == "html_url" {
            continue;
        }
        let name = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            Value::Object(inner) => walk(lang, api_path, &name, inner, &[], help, fields, tables),
            Value::Array(items) if !scalar(v) => {
                let target = collection_of(k).unwrap_or("");
                // A source document's headings link to their lines.
                let lines_here = api_path == "source-documents" && prefix.is_empty();
                let doc = object.get("id").and_then(Value::as_str).unwrap_or_default();
                tables.push(sub_table(lang, target, &name, items, lines_here, doc));
            }
            Value::Array(items) => {
                // A list of texts or ids: one line each, ids linked to their pages.
                let target = collection_of(k);
                let cells = items
                    .iter()
                    .map(|item| {
                        let text = text_of(item);
                        let href = target.and_then(|t| super::record_path(lang, t, &text));
                        Cell { text, href, external: false }
                    })
                    .collect();
                fields.push(Field {
                    label: super::label(lang, &name),
                    name: name.clone(),
                    help: help(k, lang).unwrap_or_default(),
                    cells,
                });
            }
            _ => {
                let text = row.get(k.as_str()).copied().unwrap_or_default();
                let link = link(lang, if prefix.is_empty() { api_path } else { "" }, k, text, &row);
                let shown = super::shown_value(lang, k, text);
                fields.push(Field {
                    label: super::label(lang, &name),
                    name: name.clone(),
                    help: help(k, lang).unwrap_or_default(),
                    cells: vec![Cell::linked(shown.into_owned(), link)],
                });
            }
        }
    }
}

fn sub_table(
    lang: Lang,
    api_path: &str,
    name: &str,
    items: &[Value],
    lines_here: bool,
    id_of_document: &str,
) -> SubTable {
    let mut headers: Vec<String> = Vec::new();
    for item in items {
        if let Value::Object(o) = item {
            for (k, v) in o {
                if scalar(v) && !headers.contains(k) && k != "html_url" {
                    headers.push(k.clone());
                }
            }
        }
    }
    let rows = items
        .iter()
        .map(|item| {
            let texts: Vec<String> = headers.iter().map(|h| item.get(h).map(text_of).unwrap_or_default()).collect();
            let row: HashMap<&str, &str> =
                headers.iter().map(String::as_str).zip(texts.iter().map(String::as_str)).collect();
            headers
                .iter()
                .zip(&texts)
                .map(|(h, v)| {
                    let link = match h.as_str() {
                        "line" | "heading_line" if lines_here && !v.is_empty() => {
                            v.parse().ok().and_then(|n| super::source_line(lang, id_of_document, n)).map(|h| (h, false))
                        }
                        _ => link(lang, api_path, h, v, &row),
                    };
                    let shown = super::shown_value(lang, h, v);
                    Cell::linked(shown.into_owned(), link)
                })
                .collect()
        })
        .collect();
    let header_labels = headers.iter().map(|h| super::label(lang, h)).collect();
    SubTable { name: name.to_string(), label: super::label(lang, name), headers, header_labels, rows }
}

/// Everything a record page needs besides its detail.
pub struct RecordContext<'a> {
    pub lang: Lang,
    pub base: &'a str,
    pub api_path: &'a str,
    pub names: &'a PageNames,
    pub id: &'a str,
    pub help: &'a dyn Fn(&str, Lang) -> Option<String>,
}

impl RecordContext<'_> {
    pub fn page(self, detail: &Value) -> RecordPage {
        let RecordContext { lang, base, api_path, names, id, help } = self;
        let (mut fields, mut tables) = (Vec::new(), Vec::new());
        let mut lines = Vec::new();
        if let Value::Object(o) = detail {
            // A source document's text is shown as numbered lines, with
            // links to the stretches before and after (`more_lines`), not
            // the API's `next_lines`.
            if let Some(Value::Array(ls)) = o.get("lines") {
                lines = ls
                    .iter()
                    .map(|l| Line {
                        number: l.get("number").and_then(Value::as_i64).unwrap_or(0),
                        text: l.get("text").and_then(Value::as_str).unwrap_or_default().to_string(),
                        records: l
                            .get("records")
                            .and_then(Value::as_array)
                            .map(|rs| rs.iter().filter_map(|r| line_record(lang, r)).collect())
                            .unwrap_or_default(),
                    })
                    .collect();
            }
            walk(lang, api_path, "", o, &["next_lines", "lines"], help, &mut fields, &mut tables);
        }
        let title = ["title", "name", "document.title", "description", "code", "number"]
            .iter()
            .find_map(|k| fields.iter().find(|f| f.name == *k && f.cells.first().is_some_and(|c| !c.text.is_empty())))
            .map(|f| f.cells[0].text.clone())
            .unwrap_or_else(|| id.to_string());
        let heading = title.chars().take(300).collect::<String>();
        let path = |l: Lang| format!("{}/{}", names.path(l), super::encode(id));
        let mut frame = Frame::new(
            lang,
            base,
            format!("{} — {}", heading.chars().take(90).collect::<String>(), names.title(lang)),
            lang.text().site_description,
            path(Lang::Es),
            path(Lang::En),
            Some(api_path),
        );
        let json = format!("/v1/{api_path}/{}", super::encode(id));
        let csv = format!("{json}.csv");
        frame.alternates = vec![
            Alternate { media: "application/json", href: json.clone() },
            Alternate { media: "text/csv", href: csv.clone() },
        ];
        let charts = super::charts::of_record(lang, api_path, id, detail);
        let json_ld = json_ld(api_path, detail, &heading, &frame.canonical, base, lang);
        let oembed = super::embeds::discovery(lang, api_path, id, base);
        let more_lines = more_lines(lang, &path(lang), detail);
        RecordPage { frame, heading, fields, tables, lines, json, csv, charts, more_lines, oembed, json_ld }
    }
}
