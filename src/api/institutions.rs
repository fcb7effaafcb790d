//! `/v1/institutions`: institutions and what they are responsible for.

use std::sync::LazyLock;

use actix_web::{get, web, HttpRequest, HttpResponse};
use utoipa::IntoParams;

use super::error::{ApiError, Problem};
use super::format::{self, negotiate, Format};
use super::pagination::{self, ListPage};
use super::query::{names_of, QueryArgs};
use super::state::AppState;
use super::stream;
use super::{assemble, bad_cursor, item_id, ItemParams, ITEM_PARAMS, ROLES};
use crate::models::{self, institution::InstitutionFilter, institution::InstitutionSort};
use crate::views::institution::{self as view, Institution, InstitutionDetail, Role};
use crate::views::Source;

pub const KINDS: &[&str] = &["government", "civil_society", "international", "other"];

/// Filters, sorting and paging for institutions.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
// Read by `QueryArgs`, not by serde: the struct documents the parameters
// and its field names are the list of accepted ones.
#[allow(dead_code)]
pub struct InstitutionListParams {
    /// government, civil_society, international or other.
    kind: Option<String>,
    /// Only units of this parent institution id.
    parent: Option<String>,
    /// Only institutions with a role in this plan id; their `rollup` and the
    /// sort are then those within the plan (for example
    /// `plan=gt-ogp-nap6&sort=average_progress`: furthest behind first).
    plan: Option<String>,
    /// Only institutions with this role somewhere: responsible, participating, involved or partner.
    role: Option<String>,
    /// Words that must all appear in the name, acronym or aliases (accents and case ignored).
    q: Option<String>,
    /// Only records created or changed at or after this time: `YYYY-MM-DD` or RFC 3339 (see also /v1/changes).
    updated_since: Option<String>,
    /// name (default), id, commitment_count, milestone_count, average_progress; prefix `-` for descending.
    /// Institutions without a value (no tracked milestone) sort last either way.
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

static PARAMS: LazyLock<Vec<String>> = LazyLock::new(names_of::<InstitutionListParams>);

#[utoipa::path(
    tag = "institutions",
    operation_id = "list_institutions",
    summary = "List institutions",
    params(InstitutionListParams),
    responses(
        (status = 200, description = "A page of institutions; in CSV, `aliases` holds one name per line", content(
            (ListPage<Institution> = "application/json"),
            (String = "text/csv")
        )),
        (status = 400, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`plan` names no record (the problem names the parameter)", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "Unsupported Accept", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/institutions")]
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let args = QueryArgs::parse(&req, &PARAMS)?;
    let format = negotiate(&req, &args)?;
    let refs = super::references::check(&state, &args, false).await?;
    let filter = InstitutionFilter {
        updated_since: args.timestamp("updated_since")?,
        kind: args.one_of("kind", KINDS)?,
        parent: args.string("parent"),
        plan: refs.plan.clone(),
        role: args.one_of("role", ROLES)?,
        terms: args.terms()?,
    };
    let (page, label) = pagination::page(&args, InstitutionSort::FIELDS)?;
    if args.all(format)? {
        return stream::csv(
            &state,
            &args,
            "institutions",
            view::CSV_HEADERS,
            page,
            move |c, page| {
                let mut rows = models::institution::rows(c, &filter, page)?.map_err(|_| bad_cursor())?;
                let next = stream::split_last(&mut rows, page.limit, |r| (page.sort.value(r), r.id.clone()));
                Ok((assemble::institutions(c, &rows)?, next))
            },
            |records, w| stream::write(w, records.iter().map(view::csv_row)),
        )
        .await;
    }
    let (sort, limit) = (page.sort, page.limit);
    let a = args.clone();
    let (data, total, next) = state
        .db(move |c| {
            let (rows, total) = models::institution::list(c, &filter, &page)?.map_err(|_| bad_cursor())?;
            let (rows, next) = pagination::finish(rows, limit, &label, &a, |r| (sort.value(r), r.id.clone()));
            Ok((assemble::institutions(c, &rows)?, total, next))
        })
        .await?;
    pagination::respond(&req, &args, format, "institutions", data, total, next, |d| {
        format::csv_body(view::CSV_HEADERS, d.iter().map(view::csv_row))
    })
}

#[utoipa::path(
    tag = "institutions",
    operation_id = "get_institution",
    summary = "One institution with its roles, commitments, milestones and rollups",
    params(("id" = String, Path, description = "Institution id (slug); append `.csv` for CSV"), ItemParams),
    responses(
        (status = 200, description = "The institution; CSV has its one row", content(
            (InstitutionDetail = "application/json"),
            (String = "text/csv")
        )),
        (status = 400, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such institution", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "Removed by a later revision: the problem gives `removed_in_revision`", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "Unsupported Accept", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/institutions/{id}")]
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
            let row = models::institution::find(c, &id)?
                .ok_or_else(|| ApiError::missing(c, "institution", "institution", &id))?;
            let institution = assemble::institutions(c, std::slice::from_ref(&row))?.remove(0);
            let roles = models::institution::roles_of(c, &id)?;
            let ids_of = |t: &str| {
                let mut ids: Vec<String> = Vec::new();
                for r in roles.iter().filter(|r| r.subject_type == t) {
                    if !ids.contains(&r.subject_id) {
                        ids.push(r.subject_id.clone());
                    }
                }
                ids
            };
            let commitments = models::commitment::by_ids(c, &ids_of("commitment"))?;
            let milestones = models::milestone::by_ids(c, &ids_of("milestone"))?;
            let children = models::institution::children(c, &id)?;
            let plans = models::institution::plan_rollups(c, std::slice::from_ref(&id))?;
            Ok(InstitutionDetail {
                institution,
                children: children.iter().map(|r| Institution::reference(r, None)).collect(),
                plans: plans.iter().map(view::InstitutionPlanRollup::new).collect(),
                roles: roles
                    .iter()
                    .map(|r| Role {
                        role: r.role,
                        group: r.participant_group,
                        subject_type: r.subject_type,
                        subject_id: r.subject_id.clone(),
                        plan_id: r.plan_id.clone(),
                        origin: r.origin,
                        source: Source::new(&r.source_document, &r.source_location),
                    })
                    .collect(),
                commitments: assemble::commitments(c, &commitments)?,
                milestones: assemble::milestones(c, &milestones)?,
            })
        })
        .await?;
    Ok(match format {
        Format::Json => format::json(&detail),
        Format::Csv => format::csv(
            &detail.institution.id,
            format::csv_body(view::CSV_HEADERS, &[view::csv_row(&detail.institution)])?,
        ),
    })
}
