//! `/v1/progress-updates`: dated progress reports (avances).

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
use crate::models::{self, progress_update::ProgressUpdateFilter, progress_update::ProgressUpdateSort};
use crate::views::progress_update::{self as view, ProgressUpdate};

/// Filters, sorting and paging for progress updates.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
// Read by `QueryArgs`, not by serde: the struct documents the parameters
// and its field names are the list of accepted ones.
#[allow(dead_code)]
pub struct ProgressUpdateListParams {
    /// Plan id (unknown: 404).
    plan: Option<String>,
    /// Commitment id.
    commitment: Option<String>,
    /// Milestone id.
    milestone: Option<String>,
    /// Only updates on milestones this institution has a role in: its id, name, acronym or any
    /// alias the sources use (accents and case ignored). Unknown: 404.
    institution: Option<String>,
    /// Minimum percent, e.g. 12.5.
    percent_min: Option<f64>,
    /// Maximum percent.
    percent_max: Option<f64>,
    /// Reported on or after this day (YYYY-MM-DD).
    reported_from: Option<String>,
    /// Reported on or before this day (YYYY-MM-DD).
    reported_to: Option<String>,
    /// Words that must all appear, each as the start of a word of the record (accents and case ignored).
    q: Option<String>,
    /// Only records created or changed at or after this time: `YYYY-MM-DD` or RFC 3339 (see also /v1/changes).
    updated_since: Option<String>,
    /// position (default: source order), id, reported_at, percent; prefix `-` for descending.
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

static PARAMS: LazyLock<Vec<String>> = LazyLock::new(names_of::<ProgressUpdateListParams>);

#[utoipa::path(
    tag = "progress-updates",
    operation_id = "list_progress_updates",
    summary = "List progress updates",
    params(ProgressUpdateListParams),
    responses(
        (status = 200, description = "A page of progress updates; in CSV, `links` holds one URL per line", content(
            (ListPage<ProgressUpdate> = "application/json"),
            (String = "text/csv")
        )),
        (status = 400, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`plan`, `commitment`, `milestone` or `institution` names no record (the problem names the parameter)", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "Unsupported Accept", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/progress-updates")]
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let args = QueryArgs::parse(&req, &PARAMS)?;
    let format = negotiate(&req, &args)?;
    let refs = super::references::check(&state, &args, true).await?;
    let filter = ProgressUpdateFilter {
        updated_since: args.timestamp("updated_since")?,
        plan: refs.plan.clone(),
        commitment: refs.commitment.clone(),
        milestone: refs.milestone.clone(),
        institution: refs.institution.clone(),
        percent_min: args.percent("percent_min")?,
        percent_max: args.percent("percent_max")?,
        reported_from: args.date("reported_from")?,
        reported_to: args.date("reported_to")?,
        terms: args.terms()?,
    };
    let (page, label) = pagination::page(&args, ProgressUpdateSort::FIELDS)?;
    if args.all(format)? {
        return stream::csv(
            &state,
            &args,
            "progress-updates",
            view::CSV_HEADERS,
            page,
            move |c, page| {
                let mut rows = models::progress_update::rows(c, &filter, page)?.map_err(|_| bad_cursor())?;
                let next = stream::split_last(&mut rows, page.limit, |r| (page.sort.value(r), r.id.clone()));
                Ok((rows, next))
            },
            // Straight from the table rows: the CSV has no quality findings.
            |rows, w| stream::write(w, rows.iter().map(view::csv_row_of)),
        )
        .await;
    }
    let (sort, limit) = (page.sort, page.limit);
    let a = args.clone();
    let (data, total, next) = state
        .db(move |c| {
            let (rows, total) = models::progress_update::list(c, &filter, &page)?.map_err(|_| bad_cursor())?;
            let (rows, next) = pagination::finish(rows, limit, &label, &a, |r| (sort.value(r), r.id.clone()));
            Ok((assemble::progress_updates(c, &rows)?, total, next))
        })
        .await?;
    pagination::respond(&req, &args, format, "progress-updates", data, total, next, |d| {
        format::csv_body(view::CSV_HEADERS, d.iter().map(view::csv_row))
    })
}

#[utoipa::path(
    tag = "progress-updates",
    operation_id = "get_progress_update",
    summary = "One progress update",
    params(("id" = String, Path, description = "Progress update id; append `.csv` for CSV"), ItemParams),
    responses(
        (status = 200, description = "The update; CSV has its one row", content(
            (ProgressUpdate = "application/json"),
            (String = "text/csv")
        )),
        (status = 400, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such progress update", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "Removed by a later revision: the problem gives `removed_in_revision`", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "Unsupported Accept", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/progress-updates/{id}")]
pub async fn get(
    req: HttpRequest,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let args = QueryArgs::parse(&req, &ITEM_PARAMS)?;
    let format = negotiate(&req, &args)?;
    let id = item_id(id.into_inner());
    let update = state
        .db(move |c| {
            let row = models::progress_update::find(c, &id)?
                .ok_or_else(|| ApiError::missing(c, "progress_update", "progress update", &id))?;
            Ok(assemble::progress_updates(c, std::slice::from_ref(&row))?.remove(0))
        })
        .await?;
    Ok(match format {
        Format::Json => format::json(&update),
        Format::Csv => format::csv(&update.id, format::csv_body(view::CSV_HEADERS, &[view::csv_row(&update)])?),
    })
}
