//! The HTTP surface: routes under `/v1`, the OpenAPI document, Swagger UI,
//! and the request plumbing every route shares (CSV suffix, HEAD, 404/405).

pub mod assemble;
pub mod caching;
pub mod changes;
pub mod commitments;
pub mod consistency;
pub mod downloads;
pub mod edge;
pub mod error;
pub mod feeds;
pub mod files;
pub mod format;
pub mod health;
pub mod index;
pub mod institutions;
pub mod landing;
pub mod limits;
pub mod milestones;
pub mod pagination;
pub mod plans;
pub mod progress_updates;
pub mod quality_findings;
pub mod query;
pub mod ratelimit;
pub mod references;
pub mod search;
pub mod source_documents;
pub mod state;
pub mod stream;

use std::sync::LazyLock;

use actix_web::body::MessageBody;
use actix_web::dev::{ResourceDef, Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, Uri};
use actix_web::{get, middleware, web, App, HttpMessage, HttpRequest, HttpResponse};
use utoipa::{IntoParams, OpenApi};
use utoipa_actix_web::{scope, AppExt};
use utoipa_swagger_ui::SwaggerUi;

use error::ApiError;
use format::CsvSuffix;
pub use state::AppState;

pub use crate::vocabulary::{ROLES, STATUSES};

/// Parameters of single-record endpoints.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
// Read by `QueryArgs`, not by serde: the struct documents the parameters
// and its field names are the list of accepted ones.
#[allow(dead_code)]
pub struct ItemParams {
    /// json (default) or csv; also `Accept: text/csv` or a `.csv` suffix.
    #[param(pattern = "^(json|csv)$")]
    format: Option<String>,
    /// With CSV: `1` starts the file with a UTF-8 byte-order mark so that Excel opens accents correctly.
    #[param(pattern = "^(0|1|true|false)$")]
    bom: Option<String>,
}

pub static ITEM_PARAMS: LazyLock<Vec<String>> = LazyLock::new(query::names_of::<ItemParams>);

pub(crate) fn bad_cursor() -> ApiError {
    ApiError::bad("cursor", "does not fit this sort order; use the `next` link as given")
}

/// Path ids are slugs; a `.csv` suffix has already been taken off by the middleware.
pub(crate) fn item_id(id: String) -> String {
    id
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Gobierno Abierto Guatemala — API de datos abiertos",
        version = "1.0.0",
        description = "Read-only open data on Guatemala's open-government action plans: plans, commitments, \
milestones, the institutions responsible for them and the full history of reported progress, exactly as \
published in the source documents, with provenance.\n\n\
Every list and item is available as JSON (default) or CSV (`Accept: text/csv`, `format=csv`, or a `.csv` \
suffix on the path). Lists take `limit` (1-1000, default 50), `sort` (`-field` for descending) and an \
opaque `cursor`; the next page is in `next` and in an RFC 8288 `Link` header, the total in `total` and \
`X-Total-Count`. Percentages are exact decimals as published (12.5 stays 12.5). Unknown or repeated \
parameters are rejected. Errors are RFC 9457 `application/problem+json`.\n\n\
Datos abiertos de los planes de acción de gobierno abierto de Guatemala.",
        license(name = "CC BY 4.0", url = "https://creativecommons.org/licenses/by/4.0/"),
    ),
    tags(
        (name = "meta", description = "Index and health"),
        (name = "plans", description = "Action plans"),
        (name = "commitments", description = "Commitments (compromisos, resultados, logros)"),
        (name = "milestones", description = "Milestones (hitos, acciones, metas) with their dates as written and normalised"),
        (name = "progress-updates", description = "Dated progress reports (avances) with percentages as published"),
        (name = "institutions", description = "Institutions, their aliases and roles"),
        (name = "quality-findings", description = "Data-quality findings computed from the data: where reported figures and the records disagree"),
        (name = "search", description = "Accent- and case-insensitive search across everything"),
        (name = "source-documents", description = "The source documents themselves: checksum, structure (headings, tables of contents) and text by line, where every record's `source.url` points"),
        (name = "downloads", description = "Bulk downloads: every table as CSV (plain and Excel), JSON, NDJSON, XLSX, ZIP, a Frictionless datapackage and SHA256SUMS, per dataset revision"),
    )
)]
struct ApiDoc;

/// Every route pattern, for telling 405 (known path, wrong method) from 404.
const ROUTES: &[&str] = &[
    "/v1",
    "/v1/openapi.json",
    "/v1/plans",
    "/v1/plans/{id}",
    "/v1/commitments",
    "/v1/commitments/{id}",
    "/v1/milestones",
    "/v1/milestones/{id}",
    "/v1/progress-updates",
    "/v1/progress-updates/{id}",
    "/v1/institutions",
    "/v1/institutions/{id}",
    "/v1/quality-findings",
    "/v1/quality-findings/{id}",
    "/v1/search",
    "/v1/source-documents",
    "/v1/source-documents/{id}",
    "/v1/downloads",
    "/v1/changes",
    "/v1/feeds/progress-updates.atom",
    "/",
    "/v1/downloads/latest/{file}",
    "/v1/downloads/{revision}/{file}",
    "/healthz",
    "/readyz",
];

fn with_routes<T>(app: utoipa_actix_web::UtoipaApp<T>) -> utoipa_actix_web::UtoipaApp<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.openapi(ApiDoc::openapi())
        .service(
            scope::scope("/v1")
                .service(index::index)
                .service(plans::list)
                .service(plans::get)
                .service(commitments::list)
                .service(commitments::get)
                .service(milestones::list)
                .service(milestones::get)
                .service(progress_updates::list)
                .service(progress_updates::get)
                .service(institutions::list)
                .service(institutions::get)
                .service(quality_findings::list)
                .service(quality_findings::get)
                .service(search::search)
                .service(source_documents::list)
                .service(source_documents::get)
                .service(downloads::list)
                .service(changes::list)
                .service(feeds::progress_updates)
                .service(downloads::latest)
                .service(downloads::by_revision)
                .service(serve_openapi),
        )
        .service(health::healthz)
        .service(health::readyz)
}

/// The OpenAPI document, generated from the routes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = with_routes(App::new().into_utoipa_app()).split_for_parts().1;
    add_shared_responses(&mut doc);
    doc
}

/// Answers any operation can give, whatever it does: a request the parser
/// refuses (400), too long (414) or with too many or too large headers
/// (431), a client past its rate or connection limit (429), a server at its
/// connection limit or without its database (503); and 304 to a conditional
/// GET of anything cached by revision.
fn add_shared_responses(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, HeaderBuilder, Ref, RefOr, ResponseBuilder};
    let problem = |description: &str, retry: bool| {
        let mut r = ResponseBuilder::new().description(description).content(
            "application/problem+json",
            ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build(),
        );
        if retry {
            r = r.header(
                "Retry-After",
                HeaderBuilder::new()
                    .schema(Some(utoipa::openapi::ObjectBuilder::new().schema_type(utoipa::openapi::Type::Integer)))
                    .description(Some("Seconds to wait before retrying"))
                    .build(),
            );
        }
        RefOr::T(r.build())
    };
    let shared = [
        ("400", problem("The request is not valid: a parameter, or HTTP itself", false)),
        ("414", problem("The path or query string is longer than the server accepts", false)),
        ("429", problem("Too many requests or connections from this client; see Retry-After", true)),
        ("431", problem("The request headers are larger than the server accepts", false)),
        ("503", problem("Busy or without its database for a moment; see Retry-After", true)),
    ];
    for (path, item) in doc.paths.paths.iter_mut() {
        let Some(op) = item.get.as_mut() else { continue };
        let responses = &mut op.responses.responses;
        for (code, response) in &shared {
            responses.entry(code.to_string()).or_insert_with(|| response.clone());
        }
        let cached = path == "/" || (path.starts_with("/v1") && !path.starts_with("/v1/downloads/"));
        if cached && path != "/v1/openapi.json" {
            responses.entry("304".into()).or_insert_with(|| {
                RefOr::T(
                    ResponseBuilder::new()
                        .description("Not modified: the ETag or date given still names this revision's answer")
                        .build(),
                )
            });
        }
    }
}

/// The OpenAPI document as committed in `openapi/openapi.json`.
pub fn openapi_json() -> String {
    let mut s = openapi().to_pretty_json().expect("OpenAPI serialises");
    s.push('\n');
    s
}

static OPENAPI_JSON: LazyLock<String> = LazyLock::new(openapi_json);

/// This document (the same bytes as `openapi/openapi.json` in the repository).
#[utoipa::path(
    tag = "meta",
    operation_id = "get_openapi",
    summary = "The OpenAPI 3.1 description of this API",
    responses((status = 200, description = "OpenAPI document", content_type = "application/json", body = Object))
)]
#[get("/openapi.json")]
pub async fn serve_openapi() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(OPENAPI_JSON.as_str())
}

async fn docs_redirect() -> HttpResponse {
    HttpResponse::MovedPermanently().insert_header((header::LOCATION, "/docs/")).finish()
}

/// Anything no route took: 405 with `Allow` on a known path (204 for a plain
/// OPTIONS), otherwise a 404 problem.
async fn fallback(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let path = req.path();
    let known = ROUTES.iter().any(|p| ResourceDef::new(*p).is_match(path));
    if !known {
        return Err(ApiError::NotFound(format!(
            "no resource at `{}`; see /v1 for what exists",
            crate::text::shorten(path, 200)
        )));
    }
    if req.method() == Method::OPTIONS {
        return Ok(HttpResponse::NoContent().insert_header((header::ALLOW, "GET, HEAD, OPTIONS")).finish());
    }
    Err(ApiError::MethodNotAllowed)
}

/// `/v1/...something.csv` is `/v1/...something` asked for as CSV; HEAD is
/// answered by the GET handler (the HTTP codec drops the body).
fn rewrite(req: &mut ServiceRequest) {
    let path = req.path();
    if path.starts_with("/v1") && path.len() > 4 && path.ends_with(".csv") && !path.starts_with("/v1/downloads/") {
        let stripped = &path[..path.len() - 4];
        let new = match req.query_string() {
            "" => stripped.to_string(),
            q => format!("{stripped}?{q}"),
        };
        if let Ok(uri) = new.parse::<Uri>() {
            req.match_info_mut().get_mut().update(&uri);
            req.head_mut().uri = uri;
            req.extensions_mut().insert(CsvSuffix);
        }
    }
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
}

/// Build the application: the one function the binary and the tests share.
pub fn build_app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, _) = with_routes(App::new().into_utoipa_app().app_data(web::Data::new(state))).split_for_parts();
    let cors = actix_cors::Cors::default()
        .allow_any_origin()
        .allowed_methods(vec!["GET", "HEAD", "OPTIONS"])
        .allow_any_header()
        .expose_headers(vec![
            "link",
            "x-total-count",
            "etag",
            "content-disposition",
            "x-request-id",
            "retry-after",
            "ratelimit",
            "ratelimit-policy",
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
        ])
        .max_age(86400);
    app.route("/docs", web::get().to(docs_redirect))
        .route("/", web::get().to(landing::page))
        .service(SwaggerUi::new("/docs/{_:.*}").config(utoipa_swagger_ui::Config::from("/v1/openapi.json")))
        .default_service(web::to(fallback))
        .wrap_fn(|mut req, srv| {
            rewrite(&mut req);
            srv.call(req)
        })
        .wrap(middleware::from_fn(format::with_bom))
        .wrap(middleware::from_fn(caching::conditional))
        .wrap(cors)
        .wrap(middleware::from_fn(edge::edge))
        .wrap(
            middleware::DefaultHeaders::new()
                .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                .add((header::REFERRER_POLICY, "no-referrer")),
        )
        // The access log, one line per request with its id; not even built
        // when `RUST_LOG` leaves it out (it renders every request's parts).
        .wrap(middleware::Condition::new(
            log::log_enabled!(target: "actix_web::middleware::logger", log::Level::Info),
            middleware::Logger::new("[%{x-request-id}o] %a \"%r\" %s %b %Dms \"%{User-Agent}i\""),
        ))
}
