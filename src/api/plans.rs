//! `/v1/plans`: action plans.

use std::sync::LazyLock;

use actix_web::{get, web, HttpRequest, HttpResponse};
use utoipa::IntoParams;

use super::error::{ApiError, Problem};
use super::format::{self, negotiate, Format};
use super::pagination::{self, ListPage};
use super::query::{names_of, QueryArgs};
use super::state::AppState;
use super::stream;
use super::{assemble, bad_cursor, item_id, ItemParams, ITEM_PARAMS};
use crate::models::{self, plan::PlanFilter, plan::PlanSort};
use crate::views::pct;
use crate::views::plan::{self as view, CommitmentBrief, Plan, PlanDetail};

pub const KINDS: &[&str] = &["ogp_national_action_plan", "regional_action_plan", "donor_implementation_plan"];

/// Filters, sorting and paging for plans.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
// Read by `QueryArgs`, not by serde: the struct documents the parameters
// and its field names are the list of accepted ones.
#[allow(dead_code)]
pub struct PlanListParams {
    /// Plan kind: ogp_national_action_plan, regional_action_plan or donor_implementation_plan.
    kind: Option<String>,
    /// ISO 3166-1 alpha-2 country code, e.g. GT.
    country: Option<String>,
    /// Only plans in which this institution has any role: its id, name, acronym or any alias. Unknown: 404.
    institution: Option<String>,
    /// Words that must all appear, each as the start of a word of the record (accents and case ignored).
    q: Option<String>,
    /// Only records created or changed at or after this time: `YYYY-MM-DD` or RFC 3339 (see also /v1/changes).
    updated_since: Option<String>,
    /// position (default), id, period_start, commitment_count; prefix `-` for descending.
    sort: Option<String>,
    /// Page size, 1 to 1000 (default 50).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
    /// Opaque cursor from the previous page's `next_cursor`.
    cursor: Option<String>,
    /// With CSV: `1` returns every matching row in one streamed response (no paging; leave out `limit` and `cursor`).
    all: Option<bool>,
    /// json (default) or csv; also `Accept: text/csv` or a `.csv` suffix.
    #[param(pattern = "^(json|csv)$")]
    format: Option<String>,
    /// With CSV: `1` starts the file with a UTF-8 byte-order mark so that Excel opens accents correctly.
    #[param(pattern = "^(0|1|true|false)$")]
    bom: Option<String>,
}

static PARAMS: LazyLock<Vec<String>> = LazyLock::new(names_of::<PlanListParams>);

#[utoipa::path(
    tag = "plans",
    operation_id = "list_plans",
    summary = "List action plans",
    params(PlanListParams),
    responses(
        (status = 200, description = "A page of plans; CSV has one row per plan", content(
            (ListPage<Plan> = "application/json"),
            (String = "text/csv")
        )),
        (status = 400, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`institution` names no record (the problem names the parameter)", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "Unsupported Accept", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/plans")]
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let args = QueryArgs::parse(&req, &PARAMS)?;
    let format = negotiate(&req, &args)?;
    let refs = super::references::check(&state, &args, false).await?;
    let filter = PlanFilter {
        updated_since: args.timestamp("updated_since")?,
        kind: args.one_of("kind", KINDS)?,
        country: args.string("country"),
        institution: refs.institution.clone(),
        terms: args.terms()?,
    };
    let (page, label) = pagination::page(&args, PlanSort::FIELDS)?;
    if args.all(format)? {
        return stream::csv(
            &state,
            &args,
            "plans",
            view::CSV_HEADERS,
            page,
            move |c, page| {
                let mut rows = models::plan::rows(c, &filter, page)?.map_err(|_| bad_cursor())?;
                let next = stream::split_last(&mut rows, page.limit, |r| (page.sort.value(r), r.id.clone()));
                Ok((assemble::plans(c, &rows)?, next))
            },
            |records, w| stream::write(w, records.iter().map(view::csv_row)),
        )
        .await;
    }
    let (sort, limit) = (page.sort, page.limit);
    let a = args.clone();
    let (data, total, next) = state
        .db(move |c| {
            let (rows, total) = models::plan::list(c, &filter, &page)?.map_err(|_| bad_cursor())?;
            let (rows, next) = pagination::finish(rows, limit, &label, &a, |r| (sort.value(r), r.id.clone()));
            Ok((assemble::plans(c, &rows)?, total, next))
        })
        .await?;
    pagination::respond(&req, &args, format, "plans", data, total, next, |d| {
        format::csv_body(view::CSV_HEADERS, d.iter().map(view::csv_row))
    })
}

#[utoipa::path(
    tag = "plans",
    operation_id = "get_plan",
    summary = "One plan with its sections, commitments, institutions, participants and risks",
    params(("id" = String, Path, description = "Plan id (slug); append `.csv` for CSV"), ItemParams),
    responses(
        (status = 200, description = "The plan; CSV has the plan's one row", content(
            (PlanDetail = "application/json"),
            (String = "text/csv")
        )),
        (status = 400, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such plan", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "Removed by a later revision: the problem gives `removed_in_revision`", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "Unsupported Accept", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/plans/{id}")]
pub async fn get(
    req: HttpRequest,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let args = QueryArgs::parse(&req, &ITEM_PARAMS)?;
    let format = negotiate(&req, &args)?;
    let id = item_id(id.into_inner());
    let detail = state
        .db(move |c| {
            let row = models::plan::find(c, &id)?.ok_or_else(|| ApiError::missing(c, "plan", "plan", &id))?;
            let docs = models::source_document::all(c)?;
            let commitments = models::commitment::for_plan(c, &id)?;
            let roles = models::institution::roles_in_plan(c, &id)?;
            Ok(PlanDetail {
                plan: assemble::plans(c, std::slice::from_ref(&row))?.remove(0),
                source_documents: docs
                    .iter()
                    .filter(|d| d.id == row.source_document)
                    .map(view::SourceDocument::from)
                    .collect(),
                sections: models::plan::sections(c, &id)?.iter().map(Into::into).collect(),
                commitments: commitments
                    .iter()
                    .map(|r| CommitmentBrief {
                        id: r.id.clone(),
                        number: r.number.clone(),
                        title: r.title.clone(),
                        status: r.status,
                        reported_progress: pct(r.reported_progress),
                        computed_progress: pct(r.computed_progress),
                    })
                    .collect(),
                institutions: assemble::institution_refs(c, &roles)?,
                participants: models::plan::participants(c, &id)?.iter().map(Into::into).collect(),
                risks: models::plan::risks(c, &id)?.iter().map(Into::into).collect(),
            })
        })
        .await?;
    Ok(match format {
        Format::Json => format::json(&detail),
        Format::Csv => {
            format::csv(&detail.plan.id, format::csv_body(view::CSV_HEADERS, &[view::csv_row(&detail.plan)])?)
        }
    })
}
