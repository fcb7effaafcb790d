//! A page of a collection as a table for people: the columns of its CSV,
//! each cell as text, with links where a column names a record, a source
//! line or a web address, sortable columns as links, and the next page.

use std::collections::HashMap;

use askama::Template;

use super::{encode, record_path, Alternate, Frame, Lang, PageNames};
use crate::api::http::error::ApiError;
use crate::api::http::query::QueryArgs;

pub struct Header {
    pub name: String,
    /// What people call the column, in the page's language.
    pub label: String,
    /// What the column holds, in the page's language (from the data dictionary).
    pub help: String,
    /// The link that sorts by this column (ascending, or descending when
    /// it is the current ascending sort).
    pub sort: Option<String>,
    /// `ascending` or `descending` when the table is sorted by it.
    pub sorted: Option<&'static str>,
}

pub struct Cell {
    pub text: String,
    pub href: Option<String>,
    /// A link that leaves the site (evidence the sources cite).
    pub external: bool,
}

impl Cell {
    /// A cell's text and where it links to, if anywhere (see [`link`]).
    pub fn linked(text: String, link: Option<(String, bool)>) -> Cell {
        Cell { text, external: link.as_ref().is_some_and(|l| l.1), href: link.map(|l| l.0) }
    }

    /// Prose, which needs room to be read.
    pub fn wide(&self) -> bool {
        self.text.len() > 40 && self.text.contains(' ')
    }
}

/// A filter the page was asked for, and the link that drops it.
pub struct Filter {
    pub name: String,
    pub label: String,
    pub value: String,
    pub remove: String,
}

/// A field of the filter form: one of the list's filters.
pub struct FilterField {
    pub name: String,
    pub label: String,
    /// What it filters by: the label's help in the page's language, else
    /// the API's documentation of the parameter (English).
    pub description: String,
    pub value: String,
    /// The allowed values and their labels, for a closed list (a select
    /// instead of a text box).
    pub options: Vec<(String, String)>,
}

/// The filter form of a list whose filters `params` documents (the same
/// documentation OpenAPI shows), filled in from the request.
pub fn filter_fields(lang: Lang, params: Vec<utoipa::openapi::path::Parameter>, args: &QueryArgs) -> Vec<FilterField> {
    fn enum_values(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(o) => {
                if let Some(serde_json::Value::Array(items)) = o.get("enum") {
                    out.extend(items.iter().filter_map(|i| i.as_str().map(str::to_string)));
                }
                o.values().for_each(|v| enum_values(v, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| enum_values(v, out)),
            _ => {}
        }
    }
    params
        .into_iter()
        .map(|p| {
            let mut options = Vec::new();
            if let Some(schema) = &p.schema {
                enum_values(&serde_json::to_value(schema).unwrap_or_default(), &mut options);
            }
            options.dedup();
            let schema = p.schema.as_ref().map(|s| serde_json::to_value(s).unwrap_or_default());
            if options.is_empty()
                && schema.is_some_and(|s| s.get("type").is_some_and(|t| t.to_string().contains("boolean")))
            {
                options = vec!["true".into(), "false".into()];
            }
            let help = crate::publication::labels::field(&p.name).map(|l| lang.pick(&l.help_es, &l.help_en));
            let description = match help {
                Some(h) if !h.is_empty() => h.to_string(),
                // A closed list speaks for itself; the API's words are English.
                _ if lang == Lang::Es && !options.is_empty() => String::new(),
                _ => p.description.unwrap_or_default(),
            };
            FilterField {
                value: args.str(&p.name).unwrap_or_default().to_string(),
                description,
                label: super::label(lang, &p.name),
                options: options.into_iter().map(|o| (super::shown_value(lang, &p.name, &o).into_owned(), o)).collect(),
                name: p.name,
            }
        })
        .collect()
}

/// One value of a facet: its count under the current filters and the link
/// that filters by it (none: it is the current filter).
pub struct FacetValue {
    pub value: String,
    /// What the page shows for the value.
    pub label: String,
    pub count: i64,
    pub href: Option<String>,
}

pub struct Facet {
    /// The query parameter it filters by.
    pub name: &'static str,
    pub label: String,
    pub values: Vec<FacetValue>,
    /// Values not listed (the filter form takes any of them).
    pub more: usize,
}

/// How many values of a facet a page lists: the most frequent, and the one
/// filtered by.
const FACET_VALUES_SHOWN: usize = 12;

/// A list's facets as a page shows them: each cut to its most frequent
/// values, with how many more there are, and the names of the plans and
/// institutions they count.
pub struct ShownFacets {
    /// Per dimension: the values listed, and how many more there are.
    facets: Vec<(&'static str, crate::models::list::Counts, usize)>,
    names: HashMap<String, String>,
}

impl ShownFacets {
    /// Read on the request's connection, so the names are of its revision.
    pub fn read(
        c: &mut crate::db::DbConnection,
        args: &QueryArgs,
        facets: crate::models::list::Facets,
    ) -> diesel::QueryResult<ShownFacets> {
        let mut shown = Vec::new();
        let (mut plans, mut institutions) = (Vec::new(), Vec::new());
        for (name, mut values) in facets {
            let all = values.len();
            let chosen = args.str(name).and_then(|v| values.iter().position(|(value, _)| value == v));
            if let Some(i) = chosen.filter(|i| *i >= FACET_VALUES_SHOWN) {
                values.swap(i, FACET_VALUES_SHOWN - 1);
            }
            values.truncate(FACET_VALUES_SHOWN);
            let ids = values.iter().map(|(v, _)| v.clone());
            match name {
                "plan" => plans.extend(ids),
                "institution" => institutions.extend(ids),
                _ => {}
            }
            let more = all - values.len();
            shown.push((name, values, more));
        }
        let mut names: HashMap<String, String> = crate::models::plan::titles(c, &plans)?.into_iter().collect();
        names.extend(crate::models::institution::by_ids(c, &institutions)?.into_iter().map(|i| {
            let name = match &i.acronym {
                Some(a) => format!("{} ({a})", i.name),
                None => i.name,
            };
            (i.id, name)
        }));
        Ok(ShownFacets { facets: shown, names })
    }
}

pub struct Download {
    pub label: &'static str,
    pub href: String,
}

#[derive(Template)]
#[template(path = "list.html")]
pub struct ListPage {
    pub frame: Frame,
    pub total: i64,
    pub headers: Vec<Header>,
    pub rows: Vec<Vec<Cell>>,
    pub filters: Vec<Filter>,
    pub form: Vec<FilterField>,
    /// Where the form goes (this page), and the sort it keeps.
    pub action: String,
    pub sort: Option<String>,
    pub clear: Option<String>,
    pub downloads: Vec<Download>,
    pub next: Option<String>,
    pub first: Option<String>,
    /// The search page: its form is open and comes first.
    pub searching: bool,
    pub facets: Vec<Facet>,
    /// What the page's terms mean (finding kinds): (term, explanation).
    pub notes: Vec<(String, String)>,
}

impl ListPage {
    pub fn with_notes(mut self, notes: Vec<(String, String)>) -> ListPage {
        self.notes = notes;
        self
    }

    /// The list's facets, each value a link that adds it to the filters.
    pub fn with_facets(mut self, args: &QueryArgs, shown: ShownFacets) -> ListPage {
        let lang = self.frame.lang;
        let names = shown.names;
        self.facets = shown
            .facets
            .into_iter()
            .filter(|(_, values, _)| !values.is_empty())
            .map(|(name, values, more)| Facet {
                name,
                label: super::label(lang, name),
                values: values
                    .into_iter()
                    .map(|(value, count)| FacetValue {
                        href: (args.str(name) != Some(value.as_str()))
                            .then(|| with_query(&self.action, &query_with(args, name, Some(&value)))),
                        label: match names.get(&value).filter(|_| matches!(name, "plan" | "institution")) {
                            Some(n) => n.clone(),
                            None => super::shown_value(lang, name, &value).into_owned(),
                        },
                        value,
                        count,
                    })
                    .collect(),
                more,
            })
            .collect();
        self
    }
}

/// The CSV bytes of a page read back as rows of text (the CSV writer is the
/// one place that turns records into flat text; the table shows the same).
pub fn cells(csv: &[u8]) -> Result<Vec<Vec<String>>, ApiError> {
    let mut r = csv::ReaderBuilder::new().has_headers(true).from_reader(csv);
    r.records()
        .map(|rec| {
            rec.map(|rec| rec.iter().map(str::to_string).collect())
                .map_err(|e| ApiError::Internal(format!("reading back a CSV page: {e}")))
        })
        .collect()
}

/// The collection a column's value names, by the column's name.
fn names_collection(column: &str, row: &HashMap<&str, &str>) -> Option<&'static str> {
    Some(match column {
        "plan_id" | "plan" => "plans",
        "commitment_id" => "commitments",
        "milestone_id" => "milestones",
        "progress_update_id" => "progress-updates",
        "institution_id" | "parent_id" | "responsible_institution_id" => "institutions",
        "source_document" | "document_id" => "source-documents",
        "document" if row.contains_key("location") => "source-documents",
        "subject_id" | "record_id" | "id" => {
            let kind = row.get("subject_type").or_else(|| row.get("record_type")).or_else(|| row.get("type"))?;
            return super::collection_of_type(kind);
        }
        _ => return None,
    })
}

/// The first line a source location (`line 12`, `lines 12-15`) names.
pub fn first_line(location: &str) -> Option<usize> {
    crate::text::parse_location(location).map(|(a, _)| a)
}

/// Where a cell links to, if anywhere.
pub fn link(
    lang: Lang,
    api_path: &str,
    column: &str,
    value: &str,
    row: &HashMap<&str, &str>,
) -> Option<(String, bool)> {
    if value.is_empty() {
        return None;
    }
    if column == "id" && api_path != "search" {
        return record_path(lang, api_path, value).map(|h| (h, false));
    }
    // `source_location`, or `location` beside `document` in a `source` object.
    if column == "source_location" || (column == "location" && row.contains_key("document")) {
        let doc = row.get("source_document").or_else(|| row.get("document_id")).or_else(|| row.get("document"))?;
        let line = first_line(value)?;
        return super::source_line(lang, doc, line).map(|h| (h, false));
    }
    if let Some(target) = names_collection(column, row) {
        return record_path(lang, target, value).map(|h| (h, false));
    }
    // The API's own URLs (a record's JSON, its source lines).
    if value.starts_with("/v1/") && !value.contains(char::is_whitespace) {
        return Some((value.to_string(), false));
    }
    if (value.starts_with("https://") || value.starts_with("http://")) && !value.contains(char::is_whitespace) {
        return Some((value.to_string(), true));
    }
    None
}

/// The longest text a table cell shows; the record's page shows all of it.
const CELL_CHARS: usize = 160;

/// A cell's text as a table shows it: cut after [`CELL_CHARS`] characters.
fn shown(text: &str) -> String {
    match text.char_indices().nth(CELL_CHARS) {
        Some((at, _)) => format!("{}…", text[..at].trim_end()),
        None => text.to_string(),
    }
}

/// A finding's figures (`{"reported_progress": 50, …}`) in words:
/// "Avance reportado (%): 50 · …"; anything else as it is.
fn figures(lang: Lang, json: &str) -> String {
    fn walk(lang: Lang, prefix: &str, v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(o) => {
                for (k, v) in o {
                    let name = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                    walk(lang, &name, v, out);
                }
            }
            serde_json::Value::String(s) => out.push(format!("{}: {s}", super::label(lang, prefix))),
            other => out.push(format!("{}: {other}", super::label(lang, prefix))),
        }
    }
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(v @ serde_json::Value::Object(_)) => {
            let mut out = Vec::new();
            walk(lang, "", &v, &mut out);
            out.join(" · ")
        }
        _ => json.to_string(),
    }
}

/// Columns of percentages, where an empty cell means the source has none.
const PROGRESS: &[&str] = &["average_progress", "computed_progress", "latest_progress", "reported_progress", "percent"];

/// One page's table: the columns (`headers`), the rows as text, links added.
pub fn rows(lang: Lang, api_path: &str, headers: &[&str], rows: Vec<Vec<String>>) -> Vec<Vec<Cell>> {
    rows.into_iter()
        .map(|values| {
            let by_name: HashMap<&str, &str> = headers.iter().copied().zip(values.iter().map(String::as_str)).collect();
            values
                .iter()
                .zip(headers)
                .map(|(v, h)| {
                    let link = link(lang, api_path, h, v, &by_name);
                    // A link shows its whole target (ids and addresses are short).
                    let text = if link.is_some() {
                        super::shown_value(lang, h, v).into_owned()
                    } else if v.is_empty() && PROGRESS.contains(h) {
                        // No data is not 0 %.
                        lang.text().no_data.to_string()
                    } else if *h == "details" {
                        shown(&figures(lang, v))
                    } else {
                        shown(&super::shown_value(lang, h, v))
                    };
                    Cell::linked(text, link)
                })
                .collect()
        })
        .collect()
}

/// The columns `keep` of a table (all of them when `keep` is empty). When
/// the record's id is not among them, the first column kept links to the
/// record's page instead.
pub fn project<'a>(headers: &[&'a str], rows: Vec<Vec<Cell>>, keep: &[&'a str]) -> (Vec<&'a str>, Vec<Vec<Cell>>) {
    if keep.is_empty() {
        return (headers.to_vec(), rows);
    }
    let at: Vec<usize> = keep.iter().filter_map(|k| headers.iter().position(|h| h == k)).collect();
    let id = headers.iter().position(|h| *h == "id").filter(|i| !at.contains(i));
    let rows = rows
        .into_iter()
        .map(|row| {
            let mut row: Vec<Option<Cell>> = row.into_iter().map(Some).collect();
            let record = id.and_then(|i| row[i].as_ref()).and_then(|c| c.href.clone());
            let mut kept: Vec<Cell> = at.iter().filter_map(|&i| row[i].take()).collect();
            if let (Some(first), Some(href)) = (kept.first_mut(), record) {
                if first.href.is_none() {
                    first.href = Some(href);
                    first.external = false;
                }
            }
            kept
        })
        .collect();
    (at.iter().map(|&i| headers[i]).collect(), rows)
}

/// Everything the list page needs beyond its rows.
pub struct ListContext<'a> {
    pub lang: Lang,
    pub base: &'a str,
    pub api_path: &'a str,
    pub names: &'a PageNames,
    pub headers: &'a [&'a str],
    /// What each column holds, by language (from the data dictionary).
    pub help: &'a dyn Fn(&str, Lang) -> Option<String>,
    /// The sortable columns, and the sort as asked (`-field` or `field`).
    pub sortable: &'a [&'a str],
    pub sort: &'a str,
    pub args: &'a QueryArgs,
    pub total: i64,
    pub next: Option<String>,
    pub form: Vec<FilterField>,
}

/// The query string of `args` without the cursor, with `name` set to
/// `value` (or dropped).
fn query_with(args: &QueryArgs, name: &str, value: Option<&str>) -> String {
    let mut pairs: Vec<(&str, &str)> = args
        .pairs()
        .iter()
        .filter(|(k, _)| k != "cursor" && k != name)
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    if let Some(v) = value {
        pairs.push((name, v));
    }
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

impl ListContext<'_> {
    pub fn page(self, rows: Vec<Vec<Cell>>) -> ListPage {
        let ListContext { lang, base, api_path, names, headers, help, sortable, sort, args, total, next, form } = self;
        let t = lang.text();
        let query = query_with(args, "", None);
        let path_es = with_query(&names.path(Lang::Es), &query);
        let path_en = with_query(&names.path(Lang::En), &query);
        let here = names.path(lang);
        let mut frame = Frame::new(lang, base, names.title(lang), t.site_description, path_es, path_en, Some(api_path));
        let api = with_query(&format!("/v1/{api_path}"), &query_with(args, "limit", None));
        // Every row of this view, not only this page: a CSV without `limit`.
        let all_csv = if api_path == "search" {
            // Search is ranked, not streamed: its longest page.
            with_query("/v1/search.csv", &query_with(args, "limit", Some("1000")))
        } else {
            with_query(&format!("/v1/{api_path}.csv"), &query_with(args, "limit", None))
        };
        frame.alternates = vec![
            Alternate { media: "application/json", href: api.clone() },
            Alternate { media: "text/csv", href: all_csv.clone() },
        ];
        // For a spreadsheet: a byte-order mark, and on Spanish pages the
        // columns named in Spanish.
        let excel = match lang {
            Lang::Es => "bom=1&lang=es",
            Lang::En => "bom=1",
        };
        let sep = if all_csv.contains('?') { '&' } else { '?' };
        // The same rows as a workbook, when one spreadsheet response holds them.
        let xlsx = all_csv.replacen(".csv", ".xlsx", 1);
        let xlsx = match lang {
            Lang::Es => format!("{xlsx}{sep}lang=es"),
            Lang::En => xlsx,
        };
        let mut downloads = vec![Download { label: t.csv_for_excel, href: format!("{all_csv}{sep}{excel}") }];
        if total <= crate::api::http::spreadsheet::MAX_ROWS {
            downloads.push(Download { label: "Excel (XLSX)", href: xlsx });
        }
        downloads.extend([Download { label: "CSV", href: all_csv }, Download { label: "JSON", href: api }]);
        let (desc, current) = match sort.strip_prefix('-') {
            Some(f) => (true, f),
            None => (false, sort),
        };
        let headers = headers
            .iter()
            .map(|h| {
                let is_current = *h == current && sortable.contains(h);
                let sort = sortable.contains(h).then(|| {
                    let value = if is_current && !desc { format!("-{h}") } else { h.to_string() };
                    with_query(&here, &query_with(args, "sort", Some(&value)))
                });
                Header {
                    name: h.to_string(),
                    label: super::label(lang, h),
                    help: help(h, lang).unwrap_or_default(),
                    sort,
                    sorted: is_current.then_some(if desc { "descending" } else { "ascending" }),
                }
            })
            .collect();
        let filters: Vec<Filter> = args
            .pairs()
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "cursor" | "sort" | "limit"))
            .map(|(k, v)| Filter {
                name: k.clone(),
                label: super::label(lang, k),
                value: v.split(',').map(|part| super::shown_value(lang, k, part)).collect::<Vec<_>>().join(", "),
                remove: with_query(&here, &query_with(args, k, None)),
            })
            .collect();
        let clear = (!filters.is_empty()).then(|| here.clone());
        let here = here.clone();
        let first = args.str("cursor").map(|_| with_query(&here, &query));
        let kept_sort = args.str("sort").map(str::to_string);
        ListPage {
            frame,
            total,
            headers,
            rows,
            filters,
            form,
            action: here,
            sort: kept_sort,
            clear,
            downloads,
            next,
            first,
            searching: false,
            facets: Vec::new(),
            notes: Vec::new(),
        }
    }
}

/// `encode` for templates that build query strings by hand.
pub fn q(s: &str) -> String {
    encode(s)
}
