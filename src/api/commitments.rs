//! `/v1/commitments`: commitments (compromisos, resultados, logros).

use std::sync::LazyLock;

use actix_web::{get, web, HttpRequest, HttpResponse};
use utoipa::IntoParams;

use super::error::{ApiError, Problem};
use super::format::{self, negotiate, Format};
use super::pagination::{self, ListPage};
use super::query::{names_of, QueryArgs};
use super::state::AppState;
use super::stream;
use super::{assemble, bad_cursor, item_id, ItemParams, ITEM_PARAMS, ROLES, STATUSES};
use crate::models::{self, commitment::CommitmentFilter, commitment::CommitmentSort};
use crate::views::commitment::{self as view, Commitment, CommitmentDetail};

/// Filters, sorting and paging for commitments.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
// Read by `QueryArgs`, not by serde: the struct documents the parameters
// and its field names are the list of accepted ones.
#[allow(dead_code)]
pub struct CommitmentListParams {
    /// Plan id (unknown: 404).
    plan: Option<String>,
    /// not_started, started, completed or no_data (the source publishes no progress).
    status: Option<String>,
    /// Only commitments where this institution has a role (any but `mentioned`, unless `role` says): its id, name, acronym or any alias
    /// the sources use (accents and case ignored), e.g. `mintrab` or `MINTRAB`. Unknown: 404.
    institution: Option<String>,
    /// The role `institution` plays: responsible, participating, involved, partner or mentioned
    /// (named in the text). Needs `institution` (400 without it).
    role: Option<String>,
    /// Minimum reported progress %, e.g. 12.5.
    progress_min: Option<f64>,
    /// Maximum reported progress %.
    progress_max: Option<f64>,
    /// Words that must all appear, each as the start of a word of the record (accents and case ignored).
    q: Option<String>,
    /// Only records created or changed at or after this time: `YYYY-MM-DD` or RFC 3339 (see also /v1/changes).
    updated_since: Option<String>,
    /// position (default: plan and source order), id, reported_progress, computed_progress, milestone_count; prefix `-` for descending.
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

static PARAMS: LazyLock<Vec<String>> = LazyLock::new(names_of::<CommitmentListParams>);

#[utoipa::path(
    tag = "commitments",
    operation_id = "list_commitments",
    summary = "List commitments",
    params(CommitmentListParams),
    responses(
        (status = 200, description = "A page of commitments; in CSV, institutions flatten into `;`-joined id columns", content(
            (ListPage<Commitment> = "application/json"),
            (String = "text/csv")
        )),
        (status = 400, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`plan` or `institution` names no record (the problem names the parameter)", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "Unsupported Accept", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/commitments")]
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let args = QueryArgs::parse(&req, &PARAMS)?;
    let format = negotiate(&req, &args)?;
    let refs = super::references::check(&state, &args, true).await?;
    let filter = CommitmentFilter {
        updated_since: args.timestamp("updated_since")?,
        plan: refs.plan.clone(),
        status: args.one_of("status", STATUSES)?,
        institution: refs.institution.clone(),
        role: args.one_of("role", ROLES)?,
        progress_min: args.percent("progress_min")?,
        progress_max: args.percent("progress_max")?,
        terms: args.terms()?,
    };
    let (page, label) = pagination::page(&args, CommitmentSort::FIELDS)?;
    if args.all(format)? {
        return stream::csv(
            &state,
            &args,
            "commitments",
            view::CSV_HEADERS,
            page,
            move |c, page| {
                let mut rows = models::commitment::rows(c, &filter, page)?.map_err(|_| bad_cursor())?;
                let next = stream::split_last(&mut rows, page.limit, |r| (page.sort.value(r), r.id.clone()));
                Ok((assemble::commitments(c, &rows)?, next))
            },
            |records, w| stream::write(w, records.iter().map(view::csv_row)),
        )
        .await;
    }
    let (sort, limit) = (page.sort, page.limit);
    let a = args.clone();
    let (data, total, next) = state
        .db(move |c| {
            let (rows, total) = models::commitment::list(c, &filter, &page)?.map_err(|_| bad_cursor())?;
            let (rows, next) = pagination::finish(rows, limit, &label, &a, |r| (sort.value(r), r.id.clone()));
            Ok((assemble::commitments(c, &rows)?, total, next))
        })
        .await?;
    pagination::respond(&req, &args, format, "commitments", data, total, next, |d| {
        format::csv_body(view::CSV_HEADERS, d.iter().map(view::csv_row))
    })
}

#[utoipa::path(
    tag = "commitments",
    operation_id = "get_commitment",
    summary = "One commitment with its milestones and institutions",
    params(("id" = String, Path, description = "Commitment id; append `.csv` for CSV"), ItemParams),
    responses(
        (status = 200, description = "The commitment; CSV has its one row", content(
            (CommitmentDetail = "application/json"),
            (String = "text/csv")
        )),
        (status = 400, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such commitment", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "Removed by a later revision: the problem gives `removed_in_revision`", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "Unsupported Accept", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/commitments/{id}")]
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
            let row = models::commitment::find(c, &id)?
                .ok_or_else(|| ApiError::missing(c, "commitment", "commitment", &id))?;
            let commitment = assemble::commitments(c, std::slice::from_ref(&row))?.remove(0);
            let milestones = models::milestone::for_commitment(c, &id)?;
            Ok(CommitmentDetail { commitment, milestones: assemble::milestones(c, &milestones)? })
        })
        .await?;
    Ok(match format {
        Format::Json => format::json(&detail),
        Format::Csv => format::csv(
            &detail.commitment.id,
            format::csv_body(view::CSV_HEADERS, &[view::csv_row(&detail.commitment)])?,
        ),
    })
}
