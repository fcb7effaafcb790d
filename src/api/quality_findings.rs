//! `/v1/quality-findings`: where the sources disagree with themselves.

use std::sync::LazyLock;

use actix_web::{get, web, HttpRequest, HttpResponse};
use utoipa::IntoParams;

use super::error::{ApiError, Problem};
use super::format::{self, negotiate, Format};
use super::pagination::{self, ListPage};
use super::query::{names_of, QueryArgs};
use super::state::AppState;
use super::stream;
use super::{bad_cursor, item_id, ItemParams, ITEM_PARAMS};
use crate::import::quality::KINDS;
use crate::models::{self, quality_finding::FindingFilter, quality_finding::FindingSort};
use crate::views::quality_finding::{self as view, QualityFinding};

pub const RECORD_TYPES: &[&str] = &["plan", "commitment", "milestone", "progress_update", "source_document"];

/// Filters and paging for findings.
// Read by `QueryArgs`, not by serde: the struct documents the parameters
// and its field names are the list of accepted ones.
#[allow(dead_code)]
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FindingListParams {
    /// Plan id (unknown: 404).
    plan: Option<String>,
    /// One kind, or several separated by commas: published_counts_mismatch, numbering_gap,
    /// reported_vs_computed_progress, structure_announced_but_absent, milestone_overdue,
    /// identical_milestones, progress_without_evidence, timestamps_out_of_order, update_burst,
    /// duplicate_progress_update, progress_decrease, update_after_end_date or text_cut_off.
    /// Where reported progress and the evidence disagree:
    /// `kind=reported_vs_computed_progress,progress_without_evidence`.
    #[param(pattern = "^[a-z_]+(,[a-z_]+)*$")]
    kind: Option<String>,
    /// plan, commitment, milestone, progress_update or source_document.
    record_type: Option<String>,
    /// The id of the record concerned.
    record: Option<String>,
    /// Only records created or changed at or after this time: `YYYY-MM-DD` or RFC 3339 (see also /v1/changes).
    updated_since: Option<String>,
    /// position (default: plans first, then source order) or id; prefix `-` for descending.
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

static PARAMS: LazyLock<Vec<String>> = LazyLock::new(names_of::<FindingListParams>);

#[utoipa::path(
    tag = "quality-findings",
    operation_id = "list_quality_findings",
    summary = "List data-quality findings",
    params(FindingListParams),
    responses(
        (status = 200, description = "A page of findings, each in Spanish and English with the numbers involved", content(
            (ListPage<QualityFinding> = "application/json"),
            (String = "text/csv")
        )),
        (status = 400, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`plan` names no record (the problem names the parameter)", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "Unsupported Accept", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/quality-findings")]
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let args = QueryArgs::parse(&req, &PARAMS)?;
    let format = negotiate(&req, &args)?;
    let refs = super::references::check(&state, &args, false).await?;
    let filter = FindingFilter {
        updated_since: args.timestamp("updated_since")?,
        plan: refs.plan.clone(),
        kind: args.any_of("kind", KINDS)?,
        record_type: args.one_of("record_type", RECORD_TYPES)?,
        record: args.string("record"),
    };
    let (page, label) = pagination::page(&args, FindingSort::FIELDS)?;
    if args.all(format)? {
        return stream::csv(
            &state,
            &args,
            "quality-findings",
            view::CSV_HEADERS,
            page,
            move |c, page| {
                let mut rows = models::quality_finding::rows(c, &filter, page)?.map_err(|_| bad_cursor())?;
                let next = stream::split_last(&mut rows, page.limit, |r| (page.sort.value(r), r.id.clone()));
                Ok((rows, next))
            },
            |rows, w| stream::write(w, rows.iter().map(QualityFinding::from).map(|f| view::csv_row(&f))),
        )
        .await;
    }
    let (sort, limit) = (page.sort, page.limit);
    let (rows, total) =
        state.db(move |c| models::quality_finding::list(c, &filter, &page)?.map_err(|_| bad_cursor())).await?;
    let (rows, next) = pagination::finish(rows, limit, &label, &args, |r| (sort.value(r), r.id.clone()));
    let data: Vec<QualityFinding> = rows.iter().map(QualityFinding::from).collect();
    pagination::respond(&req, &args, format, "quality-findings", data, total, next, |d| {
        format::csv_body(view::CSV_HEADERS, d.iter().map(view::csv_row))
    })
}

#[utoipa::path(
    tag = "quality-findings",
    operation_id = "get_quality_finding",
    summary = "One data-quality finding",
    params(("id" = String, Path, description = "Finding id (`kind:record_id`); append `.csv` for CSV"), ItemParams),
    responses(
        (status = 200, description = "The finding", content((QualityFinding = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such finding", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "Removed by a later revision: the problem gives `removed_in_revision`", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "Unsupported Accept", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/quality-findings/{id}")]
pub async fn get(
    req: HttpRequest,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let args = QueryArgs::parse(&req, &ITEM_PARAMS)?;
    let format = negotiate(&req, &args)?;
    let id = item_id(id.into_inner());
    let finding = state
        .db(move |c| {
            let row = models::quality_finding::find(c, &id)?
                .ok_or_else(|| ApiError::missing(c, "quality_finding", "finding", &id))?;
            Ok(QualityFinding::from(&row))
        })
        .await?;
    Ok(match format {
        Format::Json => format::json(&finding),
        Format::Csv => format::csv("quality-finding", format::csv_body(view::CSV_HEADERS, &[view::csv_row(&finding)])?),
    })
}
