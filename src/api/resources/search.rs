//! `/v1/search`: one ranked search across every record type.

use std::sync::LazyLock;

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::http::error::{ApiError, Problem};
use crate::api::http::negotiate::{Format, Representation, RepresentationParams};
use crate::api::http::pagination::{self, ListPage, Position};
use crate::api::http::params::{self, Limit, Terms};
use crate::api::http::query::DEFAULT_LIMIT;
use crate::api::http::query::{names_of, QueryArgs};
use crate::api::http::spreadsheet::{self, Described};
use crate::api::http::state::AppState;
use crate::api::pages::{self, table, Lang};
use crate::models::list::SortValue;
use crate::models::search::{candidates, Candidate};

pub const TYPES: &[&str] = &[
    "plan",
    "commitment",
    "milestone",
    "progress_update",
    "institution",
    "plan_section",
    "plan_participant",
    "plan_risk",
];

/// The search query.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words to find, all of them, each as the start of a word (accents and case ignored): `informacion publ` finds "información pública".
    /// Required: at most 200 characters, with at least one letter or digit.
    #[param(value_type = String, required = true, min_length = 1, max_length = 200, pattern = "[0-9A-Za-zÀ-ÖØ-öø-ÿ]")]
    q: Option<Terms>,
    /// Only this record type: plan, commitment, milestone, progress_update, institution,
    /// plan_section, plan_participant or plan_risk.
    #[param(
        rename = "type",
        pattern = "^(plan|commitment|milestone|progress_update|institution|plan_section|plan_participant|plan_risk)$"
    )]
    #[serde(rename = "type")]
    r#type: Option<String>,
    /// Only records of this plan id (unknown: 404).
    plan: Option<String>,
    /// Page size, 1 to 1000 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    limit: Option<Limit>,
    /// Opaque cursor from the previous page's `next_cursor`.
    cursor: Option<String>,
}

static PARAMS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut names = names_of::<SearchParams>();
    names.extend(names_of::<RepresentationParams>());
    names
});

/// One search hit.
#[derive(Serialize, ToSchema, Clone, Debug)]
#[schema(example = json!({
    "type": "milestone", "id": "gt-ogp-nap6-c1-m3",
    "title": "Fortalecimiento del acceso a la información pública desde la perspectiva de la ciudadanía",
    "plan_id": "gt-ogp-nap6", "score": 17, "url": "/v1/milestones/gt-ogp-nap6-c1-m3"
}))]
pub struct SearchHit {
    /// plan, commitment, milestone, progress_update, institution, plan_section,
    /// plan_participant or plan_risk.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    /// Title, name or (for milestones and updates) the start of the description.
    pub title: String,
    pub plan_id: Option<String>,
    /// Higher is better: whole-phrase and title matches weigh most.
    pub score: i64,
    /// Where the record lives in the API (for a plan's section, participant or
    /// risk: the plan, which lists them).
    pub url: String,
}

/// Score a candidate: every term present is worth 1, 3 more in the title;
/// the whole phrase is worth 10 in the title and 4 in the text.
fn score(c: &Candidate, terms: &[String]) -> i64 {
    let title = crate::text::fold(&c.title);
    let phrase = terms.join(" ");
    let mut s = 0;
    for t in terms {
        s += 1;
        if title.contains(t.as_str()) {
            s += 3;
        }
    }
    if title.contains(&phrase) {
        s += 10;
    } else if c.search_text.contains(&phrase) {
        s += 4;
    }
    s
}

fn type_rank(kind: &str) -> usize {
    TYPES.iter().position(|t| *t == kind).unwrap_or(TYPES.len())
}

pub const CSV_HEADERS: &[&str] = &["type", "id", "title", "plan_id", "score", "url"];

#[utoipa::path(
    tag = "search",
    operation_id = "search",
    summary = "Search plans, commitments, milestones, progress updates and institutions",
    params(SearchParams, RepresentationParams),
    responses(
        (status = 200, description = "Ranked hits, best first. The first 500 matches of each record type (in source order) are ranked; `total` counts them", content(
            (ListPage<SearchHit> = "application/json"),
            (String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        )),
        (status = 400, description = "Missing or invalid parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`plan` names no record (the problem names the parameter)", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "Unsupported Accept", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/search")]
pub async fn search(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let args = QueryArgs::parse(&req, &PARAMS)?.with_cursor_key(&state.cursor_key()?);
    let repr = Representation::of(&req, &args)?;
    let (data, total, limit, next) = find(&args, &state).await?;
    let position = Position::new(&req, &args, repr, total, limit, next);
    Ok(match repr.format {
        Format::Json => position.json(data),
        Format::Csv => position.stamp(repr.csv("search", CSV_HEADERS, data)?),
        Format::Xlsx => {
            let what = Described::list("search", "search", "búsqueda", &req, &state.config, CSV_HEADERS, repr.spanish);
            position.stamp(spreadsheet::respond(&state, what, "search", data).await?)
        }
    })
}

/// The search page for people (`/buscar`, `/en/search`): the same search,
/// a form, and the hits as a table linking each record's page.
pub async fn page_es(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    page(Lang::Es, &req, state).await.unwrap_or_else(|e| pages::error_page(Lang::Es, &req, e))
}

pub async fn page_en(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    page(Lang::En, &req, state).await.unwrap_or_else(|e| pages::error_page(Lang::En, &req, e))
}

async fn page(lang: Lang, req: &HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let args = QueryArgs::parse_filled(req, &PARAMS)?.with_cursor_key(&state.cursor_key()?);
    let (data, total, limit, next) = match args.str("q") {
        Some(_) => find(&args, &state).await?,
        None => (Vec::new(), 0, DEFAULT_LIMIT, None),
    };
    let repr = Representation::html();
    let position = Position::new(req, &args, repr, total, limit, next);
    let headers: &[&str] = &["type", "id", "title", "plan_id", "score"];
    let cells: Vec<Vec<String>> = data
        .into_iter()
        .map(|h| vec![h.kind, h.id, h.title, h.plan_id.unwrap_or_default(), h.score.to_string()])
        .collect();
    let form = table::filter_fields(
        lang,
        SearchParams::into_params(|| Some(utoipa::openapi::path::ParameterIn::Query))
            .into_iter()
            .filter(|p| p.name != "limit" && p.name != "cursor")
            .collect(),
        &args,
    );
    let no_help = |_: &str, _: Lang| None;
    let mut page = table::ListContext {
        lang,
        base: &state.config.public_url,
        api_path: "search",
        names: &pages::SEARCH,
        headers,
        help: &no_help,
        sortable: &[],
        sort: "",
        args: &args,
        total,
        next: position.next.clone(),
        form,
    }
    .page(table::rows(lang, "search", headers, cells));
    page.searching = true;
    if args.str("q").is_none() {
        // Nothing asked yet: nothing to download (the API needs `q`).
        page.downloads.clear();
        page.frame.alternates.clear();
    }
    Ok(position.stamp(pages::html(actix_web::http::StatusCode::OK, &page)?))
}

/// The hits of one page of a search: records, total, page size, next cursor.
async fn find(
    args: &QueryArgs,
    state: &web::Data<AppState>,
) -> Result<(Vec<SearchHit>, i64, i64, Option<String>), ApiError> {
    let p: SearchParams = params::from_query(args)?;
    let terms = Terms::of(p.q);
    if terms.is_empty() {
        return Err(ApiError::bad("q", "is required and must contain at least one letter or digit"));
    }
    let kind = params::one_of("type", p.r#type, TYPES)?;
    let limit = p.limit.map(|l| l.0).unwrap_or(DEFAULT_LIMIT);
    let offset = match pagination::decode("score", args, p.cursor.as_deref())? {
        Some((SortValue::Int(o), _)) if o >= 0 => o as usize,
        Some(_) => return Err(ApiError::bad("cursor", "is not a cursor issued for this search")),
        None => 0,
    };
    let t = terms.clone();
    let (found, plan) = state
        .db(move |c| {
            let plan = super::references::plan(c, p.plan)?;
            let types: Vec<&str> = kind.as_deref().into_iter().collect();
            Ok((candidates(c, &t, &types)?, plan))
        })
        .await?;
    // Scoring folds every candidate's title: on all cores.
    let mut hits: Vec<(i64, Candidate)> = {
        use rayon::prelude::*;
        found.into_par_iter().filter(|c| plan.is_none() || c.plan_id == plan).map(|c| (score(&c, &terms), c)).collect()
    };
    hits.sort_by(|(sa, a), (sb, b)| {
        sb.cmp(sa).then(type_rank(a.kind).cmp(&type_rank(b.kind))).then(a.seq.cmp(&b.seq)).then(a.id.cmp(&b.id))
    });
    let total = hits.len() as i64;
    let end = (offset + limit as usize).min(hits.len());
    let next =
        (end < hits.len()).then(|| pagination::encode_cursor("score", args, SortValue::Int(end as i64), String::new()));
    let data: Vec<SearchHit> = hits
        .get(offset.min(hits.len())..end)
        .unwrap_or_default()
        .iter()
        .map(|(s, c)| SearchHit {
            kind: c.kind.to_string(),
            id: c.id.clone(),
            title: crate::text::shorten(&c.title, 160),
            plan_id: c.plan_id.clone(),
            score: *s,
            url: crate::views::record_url(c.kind, &c.id)
                .or_else(|| c.plan_id.as_ref().map(|p| format!("/v1/plans/{p}")))
                .unwrap_or_default(),
        })
        .collect();
    Ok((data, total, limit, next))
}
