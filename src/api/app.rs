//! The application: every route in one list (the `/v1` scope, whose
//! operations also make the OpenAPI document), the pages outside it, and
//! the middleware around them, outermost last.

use std::sync::LazyLock;

use actix_web::body::MessageBody;
use actix_web::dev::{ResourceDef, Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, Uri};
use actix_web::{get, middleware, web, App, HttpMessage, HttpRequest, HttpResponse};
use utoipa_actix_web::{scope, AppExt};
use utoipa_swagger_ui::SwaggerUi;

use super::http::collection::{Pages, Routes};
use super::http::negotiate::{Format, Suffix};
use super::http::{caching, edge, error::ApiError, state::AppState};
use super::openapi::{add_shared_responses, ApiDoc};
use super::resources::commitments::Commitments;
use super::resources::institutions::Institutions;
use super::resources::milestones::Milestones;
use super::resources::plans::Plans;
use super::resources::progress_updates::ProgressUpdates;
use super::resources::quality_findings::QualityFindings;
use super::resources::source_documents::SourceDocuments;
use super::resources::{changes, downloads, feeds, health, index, landing, search, sitemap};

/// Pages served beside the documented operations: the home pages, the
/// API documentation, the stylesheet, and every collection's pages.
static PAGES: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut out: Vec<String> =
        ["/", "/en", "/en/", "/docs", "/static/site.css", "/robots.txt", "/sitemap.xml", "/sitemaps/{name}"]
            .map(String::from)
            .into();
    out.extend([super::pages::Lang::Es, super::pages::Lang::En].map(|l| super::pages::SEARCH.path(l)));
    out.extend(super::pages::embeds::patterns());
    for (_, names) in super::pages::COLLECTIONS {
        for lang in [super::pages::Lang::Es, super::pages::Lang::En] {
            out.push(names.path(lang));
            out.push(format!("{}/{{id}}", names.path(lang)));
            out.push(format!("{}/{{id}}/{}", names.path(lang), lang.pick("avance.svg", "progress.svg")));
        }
    }
    out
});

/// Write the JSON detail of every record of every collection served above
/// into a revision's prepared items (`http::prepared`).
pub fn prepare_items(
    pool: &crate::db::Pool,
    names: &crate::models::names::NameIndex,
    w: &mut super::http::prepared::Writer,
) -> Result<(), ApiError> {
    use super::http::collection::prepare;
    prepare::<Plans>(pool, names, w)?;
    prepare::<Commitments>(pool, names, w)?;
    prepare::<Milestones>(pool, names, w)?;
    prepare::<ProgressUpdates>(pool, names, w)?;
    prepare::<Institutions>(pool, names, w)?;
    prepare::<QualityFindings>(pool, names, w)?;
    prepare::<SourceDocuments>(pool, names, w)
}

/// Every documented operation, registered on `app`; also the OpenAPI
/// document they make.
pub fn routes<T>(app: App<T>) -> (App<T>, utoipa::openapi::OpenApi)
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    use utoipa::OpenApi;
    app.into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(
            scope::scope("/v1")
                .service(index::index)
                .service(Routes::<Plans>::new())
                .service(Routes::<Commitments>::new())
                .service(Routes::<Milestones>::new())
                .service(Routes::<ProgressUpdates>::new())
                .service(Routes::<Institutions>::new())
                .service(Routes::<QualityFindings>::new())
                .service(search::search)
                .service(Routes::<SourceDocuments>::new())
                .service(downloads::list)
                .service(changes::list)
                .service(feeds::progress_updates)
                .service(feeds::revisions)
                .service(downloads::latest)
                .service(downloads::by_revision)
                .service(serve_openapi),
        )
        .service(health::healthz)
        .service(health::readyz)
        .split_for_parts()
}

/// The OpenAPI document, generated from the routes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = routes(App::new()).1;
    add_shared_responses(&mut doc);
    doc
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

/// Every path something answers at, for telling 405 (known path, wrong
/// method) from 404: the document's paths and the pages.
static KNOWN: LazyLock<Vec<ResourceDef>> = LazyLock::new(|| {
    let doc = openapi();
    doc.paths.paths.keys().map(String::as_str).chain(PAGES.iter().map(String::as_str)).map(ResourceDef::new).collect()
});

async fn docs_redirect() -> HttpResponse {
    HttpResponse::MovedPermanently().insert_header((header::LOCATION, "/docs/")).finish()
}

async fn english_home_redirect() -> HttpResponse {
    HttpResponse::MovedPermanently().insert_header((header::LOCATION, "/en/")).finish()
}

/// Anything no route took: 405 with `Allow` on a known path (204 for a plain
/// OPTIONS), otherwise a 404 problem.
async fn fallback(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let path = req.path();
    let known = KNOWN.iter().any(|p| p.is_match(path));
    if !known {
        let e = ApiError::NotFound(format!(
            "no resource at `{}`; see /v1 for what exists",
            crate::text::shorten(path, 200)
        ));
        // A person who follows a wrong link outside the API gets a page.
        let wants_html =
            req.headers().get(header::ACCEPT).and_then(|a| a.to_str().ok()).is_some_and(|a| a.contains("text/html"));
        if wants_html && !path.starts_with("/v1") {
            let lang = if path.starts_with("/en/") { super::pages::Lang::En } else { super::pages::Lang::Es };
            return Ok(super::pages::error_page(lang, &req, e));
        }
        return Err(e);
    }
    if req.method() == Method::OPTIONS {
        return Ok(HttpResponse::NoContent().insert_header((header::ALLOW, "GET, HEAD, OPTIONS")).finish());
    }
    Err(ApiError::MethodNotAllowed)
}

/// `/v1/...something.csv` (`.xlsx`) is `/v1/...something` asked for as CSV
/// (XLSX); HEAD is answered by the GET handler (the HTTP codec drops the body).
fn rewrite(req: &mut ServiceRequest) {
    let path = req.path();
    let suffixed = [(".csv", Format::Csv), (".xlsx", Format::Xlsx)].into_iter().find(|(ext, _)| {
        path.starts_with("/v1") && path.len() > 4 && path.ends_with(ext) && !path.starts_with("/v1/downloads/")
    });
    if let Some((ext, format)) = suffixed {
        let stripped = &path[..path.len() - ext.len()];
        let new = match req.query_string() {
            "" => stripped.to_string(),
            q => format!("{stripped}?{q}"),
        };
        if let Ok(uri) = new.parse::<Uri>() {
            req.match_info_mut().get_mut().update(&uri);
            req.head_mut().uri = uri;
            req.extensions_mut().insert(Suffix(format));
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
    let (app, _) = routes(App::new().app_data(web::Data::new(state)));
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
        .route("/", web::get().to(landing::es))
        .route("/en/", web::get().to(landing::en))
        .route("/en", web::get().to(english_home_redirect))
        .route("/static/site.css", web::get().to(super::pages::stylesheet))
        .route(&super::pages::SEARCH.path(super::pages::Lang::Es), web::get().to(search::page_es))
        .route(&super::pages::SEARCH.path(super::pages::Lang::En), web::get().to(search::page_en))
        .route("/robots.txt", web::get().to(sitemap::robots))
        .route("/sitemap.xml", web::get().to(sitemap::index))
        .route("/sitemaps/{name}", web::get().to(sitemap::part))
        .configure(super::pages::charts::routes)
        .configure(super::pages::embeds::routes)
        .service(Pages::<Plans>::new())
        .service(Pages::<Commitments>::new())
        .service(Pages::<Milestones>::new())
        .service(Pages::<ProgressUpdates>::new())
        .service(Pages::<Institutions>::new())
        .service(Pages::<QualityFindings>::new())
        .service(Pages::<SourceDocuments>::new())
        .service(SwaggerUi::new("/docs/{_:.*}").config(utoipa_swagger_ui::Config::from("/v1/openapi.json")))
        .default_service(web::to(fallback))
        .wrap_fn(|mut req, srv| {
            rewrite(&mut req);
            srv.call(req)
        })
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
