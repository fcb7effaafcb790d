//! A collection declared once and served in every representation.
//!
//! A resource implements [`Collection`]: its typed filters (the struct that
//! is deserialized is the one OpenAPI documents), its sort fields, how rows
//! become records, CSV rows and the item's detail. [`Routes`] then serves
//! `/v1/{path}` (a JSON page, a CSV page, or the whole list as one CSV
//! stream) and `/v1/{path}/{id}` (JSON detail or one CSV row) through the
//! one path below, and writes both operations into the OpenAPI document.
//! [`Pages`] serves the same two through the same path as HTML for people,
//! in Spanish (`/compromisos`) and English (`/en/commitments`).

use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::sync::Arc;

use actix_web::dev::{AppService, HttpServiceFactory};
use actix_web::{guard, web, HttpMessage, HttpRequest, HttpResponse};
use serde::de::DeserializeOwned;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::error::ApiError;
use super::negotiate::{Format, Representation};
use super::pagination::{self, PageParams, Position, SortField};
use super::params;
use super::prepared::Kind;
use super::query::{names_of, QueryArgs};
use super::state::AppState;
use super::stream;
use crate::api::pages::{self, table, Lang};
use crate::db::DbConnection;
use crate::models::list::{BadCursor, Facets, Page, SortValue, ThinPage};
use crate::models::names::NameIndex;

/// Rows of one page and the number matching the filters (`None` when the
/// cursor's value does not fit the sort column).
pub type PageRows<R> = diesel::QueryResult<Result<(Vec<R>, i64), BadCursor>>;
/// At most `page.limit + 1` rows after the page's start.
pub type ChunkRows<R> = diesel::QueryResult<Result<Vec<R>, BadCursor>>;

/// What the OpenAPI document says of a collection's two operations.
pub struct Docs {
    pub list_summary: &'static str,
    /// The 200 of the list: what a page holds and how CSV flattens it.
    pub list_ok: &'static str,
    /// The 404 of the list, when a filter names other records.
    pub list_not_found: Option<&'static str>,
    /// The `sort` parameter: its fields and the default order.
    pub sort: &'static str,
    pub item_summary: &'static str,
    pub item_ok: &'static str,
    /// The `id` path parameter.
    pub id: &'static str,
    pub item_not_found: &'static str,
}

/// One collection of records.
pub trait Collection: Send + Sync + 'static {
    /// The path under `/v1`, also the name of its CSV files: `commitments`.
    const PATH: &'static str;
    const TAG: &'static str;
    /// The record type (`commitment`): `get_{RECORD}` is the item operation,
    /// and retired ids of this type answer 410.
    const RECORD: &'static str;
    /// The record in words, for "no such …" problems.
    const LABEL: &'static str;
    /// Whether removed ids answer 410 Gone (from the import history).
    const RETIRED: bool = true;
    const DOCS: Docs;
    const CSV_HEADERS: &'static [&'static str];
    /// The dimensions [`Collection::facets`] counts, by the query parameter
    /// that filters by each; `facets=` takes these.
    const FACETS: &'static [&'static str] = &[];
    /// Whether a list's rows hold everything the detail reads (false: a
    /// prepared detail reads its row again by id, as the item does, and
    /// its CSV is made by [`Collection::item_csv`], which a collection that
    /// overrides it must say here).
    const LIST_ROWS_ARE_WHOLE: bool = true;
    /// Whether a record's page shows the API's detail (false when
    /// [`Collection::page_detail`] is overridden): the page is then drawn
    /// from the prepared detail.
    const PAGE_SHOWS_DETAIL: bool = true;

    /// The list's filters, deserialized from the query and documented by the same struct.
    type Params: DeserializeOwned + IntoParams + Send + 'static;
    /// Parameters of the item (beyond `format` and `bom`).
    type ItemParams: DeserializeOwned + IntoParams + Send + 'static;
    /// The model's filter, with references checked.
    type Filter: Send + 'static;
    type Sort: SortField;
    type Row: Send + 'static;
    /// What a list's JSON holds per record.
    type Record: Serialize + ToSchema + Send + 'static;
    /// What an item's JSON is.
    type Detail: Serialize + ToSchema + Send + 'static;
    /// What a CSV row is written from (no more than the CSV shows).
    type CsvSource: Send + 'static;

    /// Check the filters against the database (records they name exist) in
    /// the request's read transaction.
    fn filter(c: &mut DbConnection, names: &NameIndex, p: Self::Params) -> Result<Self::Filter, ApiError>;
    fn page(c: &mut DbConnection, f: &Self::Filter, page: &Page<Self::Sort>) -> PageRows<Self::Row>;
    fn chunk(c: &mut DbConnection, f: &Self::Filter, page: &Page<Self::Sort>) -> ChunkRows<Self::Row>;
    /// [`Collection::page`] reading only the rows' sort values and ids: what
    /// a JSON page needs when its records are prepared. `None` (the default):
    /// the collection reads whole rows, and the ids are taken from them.
    fn thin_page(_c: &mut DbConnection, _f: &Self::Filter, _page: &Page<Self::Sort>) -> Option<ThinPage> {
        None
    }
    /// The filters whose values' records the prepared store keeps, as
    /// places in the default order (`seq`, a dense position from 1): a JSON
    /// page in that order filtered by these alone is then read from the
    /// store, without the database (none by default).
    const INDEXED: &'static [&'static str] = &[];
    /// Every record's places (seq − 1, ascending) per value of `filter`,
    /// one of [`Collection::INDEXED`], meaning what the filter means.
    fn index_values(_c: &mut DbConnection, _filter: &str) -> diesel::QueryResult<BTreeMap<String, Vec<u32>>> {
        Ok(BTreeMap::new())
    }
    /// The filter as `(filter, value)` pairs when it filters by indexed
    /// filters alone, at least one (`None` otherwise).
    fn indexed_filter(_f: &Self::Filter) -> Option<Vec<(&'static str, String)>> {
        None
    }
    /// Exact counts per value of the list's main dimensions under the
    /// filters, by the query parameter that filters by each (none by default).
    fn facets(_c: &mut DbConnection, _f: &Self::Filter) -> diesel::QueryResult<Facets> {
        Ok(Vec::new())
    }
    /// The row's sort value under `sort`, and its id.
    fn key(sort: Self::Sort, row: &Self::Row) -> (SortValue, String);
    fn records(c: &mut DbConnection, rows: Vec<Self::Row>) -> Result<Vec<Self::Record>, ApiError>;
    fn csv_sources(c: &mut DbConnection, rows: Vec<Self::Row>) -> Result<Vec<Self::CsvSource>, ApiError>;
    fn csv_row(source: &Self::CsvSource) -> impl Serialize + '_;
    fn find(c: &mut DbConnection, id: &str) -> diesel::QueryResult<Option<Self::Row>>;
    fn detail(c: &mut DbConnection, row: Self::Row, p: Self::ItemParams) -> Result<Self::Detail, ApiError>;
    /// The detail a record's page shows (the API's, unless a page should
    /// hold less: a source document's page shows a stretch of its lines).
    fn page_detail(c: &mut DbConnection, row: Self::Row, p: Self::ItemParams) -> Result<Self::Detail, ApiError> {
        Self::detail(c, row, p)
    }

    /// The columns a table page shows, in order (none: every column of
    /// the CSV); the downloads keep every column.
    fn page_columns(_lang: Lang) -> &'static [&'static str] {
        &[]
    }

    /// What a table page explains above its rows, for the filters asked
    /// (a finding kind's meaning): (term, explanation) pairs.
    fn page_notes(_lang: Lang, _args: &QueryArgs) -> Vec<(String, String)> {
        Vec::new()
    }

    /// The item as CSV: its one row, in a file named after its id.
    fn item_csv(
        c: &mut DbConnection,
        row: Self::Row,
        _p: Self::ItemParams,
        csv: CsvWriter,
    ) -> Result<CsvFile, ApiError> {
        let sources = Self::csv_sources(c, vec![row])?;
        let name = sources.first().map(|s| Self::item_file_name(s)).unwrap_or_default();
        csv.file(name, Self::CSV_HEADERS, sources.iter().map(Self::csv_row))
    }

    /// The file name (without `.csv`) of one record's CSV.
    fn item_file_name(source: &Self::CsvSource) -> String;
}

/// Parameters of an item that takes none beyond its representation.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NoParams {}

/// Writes CSV bytes the way the request asked (byte-order mark or not).
#[derive(Clone, Copy)]
pub struct CsvWriter {
    bom: bool,
}

/// A CSV body and the name of its file.
pub struct CsvFile {
    name: String,
    body: Vec<u8>,
}

impl CsvWriter {
    pub fn file<R: Serialize, H: AsRef<[u8]>>(
        self,
        name: String,
        headers: &[H],
        rows: impl IntoIterator<Item = R>,
    ) -> Result<CsvFile, ApiError> {
        Ok(CsvFile { name, body: super::negotiate::csv_bytes(self.bom, headers, rows)? })
    }
}

/// Both routes of a collection, for the `/v1` scope.
pub struct Routes<C>(PhantomData<C>);

impl<C: Collection> Routes<C> {
    pub fn new() -> Self {
        Routes(PhantomData)
    }
}

impl<C: Collection> Default for Routes<C> {
    fn default() -> Self {
        Self::new()
    }
}

/// The parameter names each operation accepts, from the structs that document them.
struct Accepted {
    list: Vec<String>,
    item: Vec<String>,
    /// The list's filters alone (a file's name is made of them).
    filters: Vec<String>,
}

impl Accepted {
    fn of<C: Collection>() -> Accepted {
        let filters = names_of::<C::Params>();
        let mut list = filters.clone();
        list.push("sort".into());
        if !C::FACETS.is_empty() {
            list.push("facets".into());
        }
        list.extend(names_of::<PageParams>());
        list.extend(names_of::<super::negotiate::RepresentationParams>());
        let mut item = names_of::<C::ItemParams>();
        item.extend(names_of::<super::negotiate::RepresentationParams>());
        Accepted { list, item, filters }
    }
}

impl<C: Collection> HttpServiceFactory for Routes<C> {
    fn register(self, config: &mut AppService) {
        let accepted = Arc::new(Accepted::of::<C>());
        let a = accepted.clone();
        // Other methods fall through to the app's fallback (405 with Allow).
        web::resource(format!("/{}", C::PATH))
            .guard(guard::Get())
            .route(
                web::get().to(move |req: HttpRequest, state: web::Data<AppState>| {
                    list::<C>(Site::Api, a.clone(), req, state)
                }),
            )
            .register(config);
        web::resource(format!("/{}/{{id}}", C::PATH))
            .guard(guard::Get())
            .route(web::get().to(move |req: HttpRequest, state: web::Data<AppState>| {
                item::<C>(Site::Api, accepted.clone(), req, state)
            }))
            .register(config);
    }
}

/// Both routes of a collection as pages for people, in both languages.
pub struct Pages<C>(PhantomData<C>);

impl<C: Collection> Pages<C> {
    pub fn new() -> Self {
        Pages(PhantomData)
    }
}

impl<C: Collection> Default for Pages<C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C: Collection> HttpServiceFactory for Pages<C> {
    fn register(self, config: &mut AppService) {
        let accepted = Arc::new(Accepted::of::<C>());
        let names = page_names::<C>();
        for lang in [Lang::Es, Lang::En] {
            let (a, b) = (accepted.clone(), accepted.clone());
            web::resource(names.path(lang))
                .guard(guard::Get())
                .route(web::get().to(move |req: HttpRequest, state: web::Data<AppState>| {
                    let a = a.clone();
                    async move {
                        let r = req.clone();
                        list::<C>(Site::Page(lang), a, req, state)
                            .await
                            .unwrap_or_else(|e| pages::error_page(lang, &r, e))
                    }
                }))
                .register(config);
            web::resource(format!("{}/{{id}}", names.path(lang)))
                .guard(guard::Get())
                .route(web::get().to(move |req: HttpRequest, state: web::Data<AppState>| {
                    let b = b.clone();
                    async move {
                        let r = req.clone();
                        item::<C>(Site::Page(lang), b, req, state)
                            .await
                            .unwrap_or_else(|e| pages::error_page(lang, &r, e))
                    }
                }))
                .register(config);
        }
    }
}

/// The collection's pages: every collection has them (`pages::COLLECTIONS`,
/// checked when the routes are built).
fn page_names<C: Collection>() -> &'static pages::PageNames {
    pages::names_of(C::PATH).expect("every collection has pages")
}

/// Whom a route serves: clients of the API (JSON or CSV, negotiated), or
/// people (an HTML page in their language).
#[derive(Clone, Copy)]
enum Site {
    Api,
    Page(Lang),
}

/// What a column holds, in words, from the data dictionary of the
/// collection's published table.
fn column_help<C: Collection>() -> impl Fn(&str, Lang) -> Option<String> {
    let columns = crate::publication::dictionary::public(&C::PATH.replace('-', "_"));
    move |column, lang| {
        columns.iter().find(|c| c.column == column).map(|c| match lang {
            Lang::Es => c.description_es.clone(),
            Lang::En => c.description_en.clone(),
        })
    }
}

/// `GET /v1/{path}`: a page as JSON, every matching row as CSV (a page when
/// `limit` or `cursor` asks); for people, a page of the table.
async fn list<C: Collection>(
    site: Site,
    accepted: Arc<Accepted>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let args = match site {
        Site::Api => QueryArgs::parse(&req, &accepted.list)?,
        Site::Page(_) => QueryArgs::parse_filled(&req, &accepted.list)?,
    }
    .with_cursor_key(&state.cursor_key()?);
    let repr = match site {
        Site::Api => Representation::of(&req, &args)?,
        Site::Page(_) => Representation::html(),
    };
    let filters: C::Params = params::from_query(&args)?;
    let paging: PageParams = params::from_query(&args)?;
    let (page, label) = pagination::page::<C::Sort>(&args, &paging)?;
    let wanted = facets_asked::<C>(&args, repr.format, paging.all == Some(true))?;
    let names = state.names.clone();
    // A CSV without `limit` or `cursor` is the whole list: in one body when
    // it fits in one stream chunk (so that it is cached like a page),
    // streamed otherwise.
    let whole = paging.all(repr.format)?;
    let mut page = page;
    if whole {
        page.limit = state.config.stream_chunk_rows.max(1);
    }
    // Named in the language of its columns: `hitos_gt-ogp-nap6.csv` with `lang=es`.
    let base = match pages::names_of(C::PATH) {
        Some(n) if repr.spanish => n.es,
        _ => C::PATH,
    };
    let file_name = super::negotiate::file_name(base, &args, &accepted.filters);
    let headers = repr.headers(C::CSV_HEADERS);
    let stream_from = whole.then(|| page.clone());
    let limit = page.limit;
    let a = args.clone();
    let sort_label = label.clone();
    let csv = CsvWriter { bom: repr.bom };
    let (csv_name, csv_headers) = (file_name.clone(), headers.clone());
    let config = state.config.clone();
    let described = sheet_of::<C>(&req, &config, repr.spanish);
    let xlsx_name = file_name.clone();
    let stream_names = names.clone();
    let (prepared, served_from_store) = (state.prepared.clone(), state.revision.prepared_lists.clone());
    let indexed_lists = state.revision.indexed_lists.clone();
    let body = state
        .db_at(move |c, seen| {
            let filter = C::filter(c, &names, filters)?;
            let facets_of = |c: &mut DbConnection, filter: &C::Filter| -> Result<Option<Facets>, ApiError> {
                Ok(match &wanted {
                    Some(w) => Some(C::facets(c, filter)?.into_iter().filter(|(n, _)| w.contains(n)).collect()),
                    None => None,
                })
            };
            // A JSON page's records, written once per revision, when its store is in use.
            let store = seen
                .filter(|_| matches!((site, repr.format), (Site::Api, Format::Json)))
                .filter(|r| prepared.is_ready(r.id, &r.content_hash));
            let written = |keys: Vec<(SortValue, String)>| {
                let r = store?;
                // The store holds each collection in its default order, `seq`,
                // a dense position from 1: under that sort a record's value
                // says where it is (checked by its id; any other is looked up).
                let places: Vec<Option<usize>> = keys
                    .iter()
                    .map(|(v, _)| match v {
                        SortValue::Int(n) => usize::try_from(n - 1).ok(),
                        _ => None,
                    })
                    .collect();
                let ids: Vec<String> = keys.into_iter().map(|(_, id)| id).collect();
                let start = pagination::LIST_START.to_vec();
                let records = prepared.list_records(r.id, &r.content_hash, C::PATH, &ids, |i| places[i], start)?;
                served_from_store.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Some(records)
            };
            // Filtered by kept filters alone, in the default order: the store answers.
            let default_order = page.sort == <C::Sort as SortField>::FIELDS[0].1 && !page.desc;
            let indexed = C::indexed_filter(&filter).filter(|_| default_order && wanted.is_none());
            if let (Some(r), Some(filters)) = (store, indexed) {
                let after = match &page.after {
                    None => Some(None),
                    Some((SortValue::Int(s), _)) => Some(Some(*s)),
                    Some(_) => None,
                };
                let found = after.and_then(|after| {
                    let max = usize::try_from(limit).ok()?;
                    let start = pagination::LIST_START.to_vec();
                    prepared.indexed_page(r.id, &r.content_hash, C::PATH, &filters, after, max, start)
                });
                if let Some(found) = found {
                    let last = found.last_id.unwrap_or_default();
                    let key = |p: &u32| (SortValue::Int(i64::from(*p) + 1), last.clone());
                    let (_, next) = pagination::finish(found.places, limit, &label, &a, key);
                    served_from_store.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    indexed_lists.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    return Ok((Body::Written(found.records, None), found.total, next));
                }
            }
            if store.is_some() {
                if let Some(thin) = C::thin_page(c, &filter, &page) {
                    let (keys, total) = thin?.map_err(|_| pagination::bad_cursor())?;
                    let (keys, next) = pagination::finish(keys, limit, &label, &a, Clone::clone);
                    if let Some(records) = written(keys) {
                        return Ok((Body::Written(records, facets_of(c, &filter)?), total, next));
                    }
                }
            }
            let (rows, total) = C::page(c, &filter, &page)?.map_err(|_| pagination::bad_cursor())?;
            let sort = page.sort;
            let (rows, next) = pagination::finish(rows, limit, &label, &a, |r| C::key(sort, r));
            Ok(match (site, repr.format) {
                (Site::Page(_), _) => {
                    // The table shows what the CSV holds, cell for cell.
                    let sources = C::csv_sources(c, rows)?;
                    let file = csv.file(C::PATH.to_string(), C::CSV_HEADERS, sources.iter().map(C::csv_row))?;
                    let facets = C::facets(c, &filter)?;
                    let facets = table::ShownFacets::read(c, &a, facets)?;
                    (Body::Table(table::cells(&file.body)?, facets), total, next)
                }
                (Site::Api, Format::Json) => {
                    let facets = facets_of(c, &filter)?;
                    let keys = || rows.iter().map(|r| C::key(sort, r)).collect::<Vec<_>>();
                    match store.and_then(|_| written(keys())) {
                        Some(records) => (Body::Written(records, facets), total, next),
                        None => (Body::Json(C::records(c, rows)?, facets), total, next),
                    }
                }
                (Site::Api, Format::Xlsx) => {
                    super::spreadsheet::fits(total)?;
                    let last = if whole && next.is_some() { rows.last().map(|r| C::key(sort, r)) } else { None };
                    let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
                    stream::write(&mut w, C::csv_sources(c, rows)?.iter().map(C::csv_row))?;
                    // The rest of the list, chunk after chunk, in this transaction.
                    let mut more = page.clone();
                    more.after = last;
                    while more.after.is_some() {
                        let mut rows = C::chunk(c, &filter, &more)?.map_err(|_| pagination::bad_cursor())?;
                        let after = stream::split_last(&mut rows, more.limit, |r| C::key(sort, r));
                        stream::write(&mut w, C::csv_sources(c, rows)?.iter().map(C::csv_row))?;
                        more.after = after;
                    }
                    let body = w.into_inner().map_err(|e| ApiError::Internal(e.to_string()))?;
                    (
                        Body::Xlsx(
                            super::spreadsheet::from_csv(&super::spreadsheet::revision(c)?, &config, described, &body)?,
                            xlsx_name,
                        ),
                        total,
                        next,
                    )
                }
                (Site::Api, Format::Csv) if whole && next.is_some() => (Body::Stream, total, next),
                (Site::Api, Format::Csv) => {
                    let sources = C::csv_sources(c, rows)?;
                    let file = csv.file(csv_name, &csv_headers, sources.iter().map(C::csv_row))?;
                    (Body::Csv(file), total, next)
                }
            })
        })
        .await?;
    let (body, total, next) = body;
    if let (Body::Stream, Some(page)) = (&body, stream_from) {
        // Read again from the start, in the stream's own transaction.
        let filters: C::Params = params::from_query(&args)?;
        let encoding =
            req.extensions().get::<super::encoding::Encoding>().copied().unwrap_or(super::encoding::Encoding::Identity);
        let file = stream::File { name: file_name, headers, bom: repr.bom, encoding };
        return all_rows::<C>(&state, &args, file, page, filters, stream_names).await;
    }
    let position = Position::new(&req, &args, repr, total, limit, next);
    Ok(match (body, site) {
        (Body::Json(records, facets), _) => position.json_with_facets(records, facets),
        (Body::Written(records, facets), _) => position.json_of_written::<C::Record>(records, facets)?,
        (Body::Csv(file), _) => position.stamp(super::negotiate::csv_response(&file.name, file.body)),
        (Body::Xlsx(bytes, name), _) => position.stamp(super::negotiate::xlsx_response(&name, bytes)),
        (Body::Table(cells, facets), Site::Page(lang)) => {
            let names = page_names::<C>();
            let sortable: Vec<&str> = <C::Sort as SortField>::FIELDS.iter().map(|(n, _, _)| *n).collect();
            let help = column_help::<C>();
            let (headers, rows) = table::project(
                C::CSV_HEADERS,
                table::rows(lang, C::PATH, C::CSV_HEADERS, cells),
                C::page_columns(lang),
            );
            let page = table::ListContext {
                lang,
                base: &state.config.public_url,
                api_path: C::PATH,
                names,
                headers: &headers,
                help: &help,
                sortable: &sortable,
                sort: &sort_label,
                args: &args,
                total,
                next: position.next.clone(),
                form: table::filter_fields(
                    lang,
                    C::Params::into_params(|| Some(utoipa::openapi::path::ParameterIn::Query)),
                    &args,
                ),
            }
            .page(rows)
            .with_facets(&args, facets)
            .with_notes(C::page_notes(lang, &args));
            position.stamp(pages::html(actix_web::http::StatusCode::OK, &page)?)
        }
        _ => return Err(ApiError::Internal("a body for another site".into())),
    })
}

/// What a collection's spreadsheet holds: its rows typed and described by
/// the collection's table in the data dictionary, on a sheet named like its
/// file (`hitos` with `lang=es`).
fn sheet_of<C: Collection>(
    req: &HttpRequest,
    config: &crate::config::Config,
    spanish: bool,
) -> super::spreadsheet::Described {
    let es = pages::names_of(C::PATH).map(|n| n.es).unwrap_or(C::PATH);
    let table = C::PATH.replace('-', "_");
    super::spreadsheet::Described::list(&table, C::PATH, es, req, config, C::CSV_HEADERS, spanish)
}

/// Every row of a list as one streamed CSV, read in chunks in one transaction.
async fn all_rows<C: Collection>(
    state: &AppState,
    args: &QueryArgs,
    file: stream::File,
    page: Page<C::Sort>,
    filters: C::Params,
    names: Arc<crate::models::names::NameIndex>,
) -> Result<HttpResponse, ApiError> {
    let (mut filters, mut filter) = (Some(filters), None);
    stream::csv(
        state,
        args,
        file,
        page,
        move |c, page| {
            // Checked in the stream's own transaction, before its first chunk.
            if let Some(p) = filters.take() {
                filter = Some(C::filter(c, &names, p)?);
            }
            let f = filter.as_ref().ok_or_else(|| ApiError::Internal("stream without filters".into()))?;
            let mut rows = C::chunk(c, f, page)?.map_err(|_| pagination::bad_cursor())?;
            let next = stream::split_last(&mut rows, page.limit, |r| C::key(page.sort, r));
            Ok((C::csv_sources(c, rows)?, next))
        },
        |sources, w| stream::write(w, sources.iter().map(C::csv_row)),
    )
    .await
}

/// The dimensions `facets=` asks for (each one of the collection's), or
/// none; only JSON pages carry them.
fn facets_asked<C: Collection>(
    args: &QueryArgs,
    format: Format,
    all: bool,
) -> Result<Option<Vec<&'static str>>, ApiError> {
    let Some(raw) = args.str("facets") else { return Ok(None) };
    if format != Format::Json || all {
        return Err(ApiError::bad("facets", "is for JSON pages (the counts come back in `facets`)"));
    }
    let mut wanted = Vec::new();
    for name in raw.split(',') {
        let known = C::FACETS.iter().find(|f| **f == name).ok_or_else(|| {
            ApiError::bad("facets", format!("must be one or more of: {} (separated by commas)", C::FACETS.join(", ")))
        })?;
        if !wanted.contains(known) {
            wanted.push(*known);
        }
    }
    Ok(Some(wanted))
}

/// A response body built on the database thread, sent from the handler.
enum Body<T> {
    /// Records or a detail, and a list's facets when asked for.
    Json(T, Option<Facets>),
    /// A list's records already written as JSON (prepared) after `LIST_START`, and its facets.
    Written(Vec<u8>, Option<Facets>),
    Csv(CsvFile),
    /// A spreadsheet's bytes and its file's name.
    Xlsx(Vec<u8>, String),
    /// A page's rows as text, for a table, and the list's facets.
    Table(Vec<Vec<String>>, table::ShownFacets),
    /// A record as JSON values, for its page.
    Record(serde_json::Value),
    /// Too many rows for one body: the list is streamed instead.
    Stream,
}

/// `GET /v1/{path}/{id}`: the detail as JSON, or the record's CSV; for
/// people, the record's page.
async fn item<C: Collection>(
    site: Site,
    accepted: Arc<Accepted>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let args = QueryArgs::parse(&req, &accepted.item)?;
    let repr = match site {
        Site::Api => Representation::of(&req, &args)?,
        Site::Page(_) => Representation::html(),
    };
    let p: C::ItemParams = params::from_query(&args)?;
    // A `.csv` suffix has already been taken off by the middleware.
    let id = req.match_info().get("id").unwrap_or_default().to_string();
    // The plain JSON detail, CSV or page, when this revision's is prepared: one key read.
    let preparable = match site {
        Site::Api => matches!(repr.format, Format::Json | Format::Csv),
        Site::Page(_) => C::PAGE_SHOWS_DETAIL,
    };
    if preparable && args.pairs().is_empty() {
        if let Some(rev) = super::consistency::peek().or_else(|| state.revision.get()) {
            let found = match site {
                Site::Page(lang) => state.prepared.page(&rev, C::PATH, lang.code(), &id).map(|page| {
                    state.revision.prepared_pages.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    pages::html_bytes(actix_web::http::StatusCode::OK, page)
                }),
                Site::Api => {
                    state.prepared.get(&rev, C::PATH, repr.format == Format::Csv, &id).map(|(body, name)| match name {
                        Some(name) => super::negotiate::csv_response(&name, body),
                        None => super::negotiate::json_bytes(body),
                    })
                }
            };
            if let Some(response) = found {
                // The response is now built from that revision.
                let _ = state.served_revision();
                return Ok(response);
            }
        }
    }
    let csv = CsvWriter { bom: false };
    let config = state.config.clone();
    let described = sheet_of::<C>(&req, &config, repr.spanish);
    let csv = if repr.format == Format::Csv { CsvWriter { bom: repr.bom } } else { csv };
    let body = state
        .db(move |c| {
            let row = C::find(c, &id)?.ok_or_else(|| match C::RETIRED {
                true => ApiError::missing(c, C::RECORD, C::LABEL, &id),
                false => ApiError::not_found(C::LABEL, &id),
            })?;
            Ok(match (site, repr.format) {
                (Site::Page(_), _) => Body::Record(
                    serde_json::to_value(C::page_detail(c, row, p)?).map_err(|e| ApiError::Internal(e.to_string()))?,
                ),
                (Site::Api, Format::Json) => Body::Json(C::detail(c, row, p)?, None),
                (Site::Api, Format::Csv) => Body::Csv(C::item_csv(c, row, p, csv)?),
                (Site::Api, Format::Xlsx) => {
                    let file = C::item_csv(c, row, p, csv)?;
                    let rows = super::spreadsheet::rows_of(&file.body);
                    Body::Xlsx(
                        super::spreadsheet::from_csv(&super::spreadsheet::revision(c)?, &config, described, rows)?,
                        file.name,
                    )
                }
            })
        })
        .await?;
    Ok(match (body, site) {
        (Body::Json(detail, _), _) => super::negotiate::json(&detail),
        (Body::Csv(file), _) => super::negotiate::csv_response(&file.name, file.body),
        (Body::Xlsx(bytes, name), _) => super::negotiate::xlsx_response(&name, bytes),
        (Body::Record(detail), Site::Page(lang)) => record_page::<C>(lang, &req, &state, detail)?,
        _ => return Err(ApiError::Internal("a body for another site".into())),
    })
}

/// A record's page, from its detail as JSON values.
fn record_page<C: Collection>(
    lang: Lang,
    req: &HttpRequest,
    state: &AppState,
    detail: serde_json::Value,
) -> Result<HttpResponse, ApiError> {
    let id = req.match_info().get("id").unwrap_or_default();
    let page = record_html::<C>(lang, &state.config.public_url, id, &column_help::<C>(), &detail)?;
    Ok(pages::html_bytes(actix_web::http::StatusCode::OK, page))
}

/// The HTML of record `id`'s page, from its detail as JSON values
/// (`help`: [`column_help`]); `base`: the public URL.
fn record_html<C: Collection>(
    lang: Lang,
    base: &str,
    id: &str,
    help: &dyn Fn(&str, Lang) -> Option<String>,
    detail: &serde_json::Value,
) -> Result<String, ApiError> {
    let page =
        pages::record::RecordContext { lang, base, api_path: C::PATH, names: page_names::<C>(), id, help }.page(detail);
    pages::render(&page)
}

/// The filters given, as `(filter, value)` pairs: `None` when none is
/// (an unfiltered list is no filtered list; see [`Collection::indexed_filter`]).
pub fn indexed<const N: usize>(filters: [(&'static str, &Option<String>); N]) -> Option<Vec<(&'static str, String)>> {
    let given: Vec<_> = filters.into_iter().filter_map(|(name, v)| Some((name, v.clone()?))).collect();
    (!given.is_empty()).then_some(given)
}

/// Preparing stops when the revision being prepared is no longer the current one.
fn still_current(c: &mut DbConnection, revision: i32) -> Result<(), ApiError> {
    if crate::models::revision::current(c)?.map(|r| r.id) != Some(revision) {
        return Err(ApiError::Internal(format!("revision {revision} is not the current one any more")));
    }
    Ok(())
}

/// What is prepared of one record: the kind, its id, the body and (for a
/// CSV) its file's name.
type Prepared = (Kind, String, Vec<u8>, Option<String>);

/// Prepare the JSON detail and the CSV of every record of `C` in the
/// revision `w` is written for, as `GET /v1/{path}/{id}` answers them
/// without parameters, and the record as a JSON list page holds it:
/// the rows in the default order, a chunk per read transaction, each
/// transaction checking that the revision is still the one being prepared.
pub fn prepare<C: Collection>(
    pool: &crate::db::Pool,
    names: &NameIndex,
    w: &mut super::prepared::Writer,
) -> Result<(), ApiError> {
    let args = QueryArgs::parse_str("", &[])?;
    let paging: PageParams = params::from_query(&args)?;
    let (mut page, _) = pagination::page::<C::Sort>(&args, &paging)?;
    page.limit = 500;
    let revision = w.revision;
    let began = std::time::Instant::now();
    let (help, base) = (column_help::<C>(), w.public_url.clone());
    // Whether the n-th record written has seq n (from 1), which the kept
    // filters' places rely on (`indexed_page`): when not, none are kept.
    let (mut dense, mut count) = (true, 0i64);
    loop {
        if w.stopped() {
            return Err(ApiError::Internal("the server is stopping".into()));
        }
        let mut conn = pool.get()?;
        let (mut details, next, seqs) = crate::db::read_snapshot(&mut conn, |c| {
            still_current(c, revision)?;
            let filter = C::filter(c, names, params::from_query(&args)?)?;
            let mut rows = C::chunk(c, &filter, &page)?.map_err(|_| pagination::bad_cursor())?;
            let next = stream::split_last(&mut rows, page.limit, |r| C::key(page.sort, r));
            let mut details: Vec<Prepared> = Vec::with_capacity(3 * rows.len());
            // Each record as a list page's `data` holds it.
            let mut listed = C::chunk(c, &filter, &page)?.map_err(|_| pagination::bad_cursor())?;
            listed.truncate(rows.len());
            let (seqs, ids): (Vec<SortValue>, Vec<String>) = listed.iter().map(|r| C::key(page.sort, r)).unzip();
            for (id, record) in ids.into_iter().zip(C::records(c, listed)?) {
                let body = serde_json::to_vec(&record).map_err(|e| ApiError::Internal(e.to_string()))?;
                details.push((Kind::ListRecord, id, body, None));
            }
            if C::LIST_ROWS_ARE_WHOLE {
                // The item's CSV is its row of the list's CSV, one file each.
                let mut again = C::chunk(c, &filter, &page)?.map_err(|_| pagination::bad_cursor())?;
                again.truncate(rows.len());
                let ids: Vec<String> = again.iter().map(|r| C::key(page.sort, r).1).collect();
                for (id, source) in ids.into_iter().zip(C::csv_sources(c, again)?) {
                    let name = C::item_file_name(&source);
                    let file = CsvWriter { bom: false }.file(name, C::CSV_HEADERS, [C::csv_row(&source)])?;
                    details.push((Kind::Csv, id, file.body, Some(file.name)));
                }
            }
            for row in rows {
                let (_, id) = C::key(page.sort, &row);
                let row = if C::LIST_ROWS_ARE_WHOLE {
                    row
                } else {
                    // The whole row, as the item reads it: once for its CSV, once for its detail.
                    let whole = |c: &mut DbConnection| {
                        C::find(c, &id)?.ok_or_else(|| ApiError::Internal(format!("{id} went away")))
                    };
                    let for_csv = whole(c)?;
                    let file = C::item_csv(c, for_csv, params::from_query(&args)?, CsvWriter { bom: false })?;
                    details.push((Kind::Csv, id.clone(), file.body, Some(file.name)));
                    whole(c)?
                };
                let detail = C::detail(c, row, params::from_query(&args)?)?;
                let body = serde_json::to_vec(&detail).map_err(|e| ApiError::Internal(e.to_string()))?;
                details.push((Kind::Detail, id, body, None));
            }
            Ok::<_, ApiError>((details, next, seqs))
        })?;
        drop(conn);
        if C::PAGE_SHOWS_DETAIL {
            // The records' pages in both languages, drawn from their JSON
            // details as a page is drawn from a detail; on every core, as
            // drawing is most of the preparing.
            use rayon::prelude::*;
            let pages = details
                .par_iter()
                .filter(|(kind, ..)| *kind == Kind::Detail)
                .map(|(_, id, body, _)| {
                    let value: serde_json::Value =
                        serde_json::from_slice(body).map_err(|e| ApiError::Internal(e.to_string()))?;
                    [Lang::Es, Lang::En]
                        .map(|lang| {
                            let page = record_html::<C>(lang, &base, id, &help, &value)?;
                            Ok((Kind::Page(lang.code()), id.clone(), page.into_bytes(), None))
                        })
                        .into_iter()
                        .collect::<Result<Vec<Prepared>, ApiError>>()
                })
                .collect::<Result<Vec<_>, ApiError>>()?;
            details.extend(pages.into_iter().flatten());
        }
        for seq in seqs {
            count += 1;
            dense &= seq == SortValue::Int(count);
        }
        for (kind, id, body, name) in details {
            w.put(C::PATH, kind, id, body, name)?;
        }
        match next {
            Some(after) => page.after = Some(after),
            None => break,
        }
    }
    // The kept filters' places, read in one transaction of this revision.
    for filter in C::INDEXED.iter().filter(|_| dense) {
        let mut conn = pool.get()?;
        let values = crate::db::read_snapshot(&mut conn, |c| {
            still_current(c, revision)?;
            Ok::<_, ApiError>(C::index_values(c, filter)?)
        })?;
        w.put_index(C::PATH, filter, &values)?;
    }
    log::debug!("prepared {} {} records in {:.1} s", count, C::PATH, began.elapsed().as_secs_f64());
    Ok(())
}
