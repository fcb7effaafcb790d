//! Charts drawn on the server with plotters, as SVG, and as PNG rasterised
//! from that SVG by resvg: progress over time of a milestone or a
//! commitment (`time.rs`), a plan's reported against computed progress and
//! an institution's milestones by status (`bars.rs`). Each chart has its
//! own URLs in both languages, and the record's page has the same figures
//! as a table (its text alternative).

mod bars;
mod time;

use std::sync::{Arc, LazyLock};

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use resvg::{tiny_skia, usvg};

use super::{error_page, Lang};
use crate::api::http::error::ApiError;
use crate::api::http::state::AppState;

fn chart_error(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(format!("chart: {e}"))
}

/// The charts: which collection's records have them and their file names.
#[derive(Clone, Copy)]
enum Kind {
    Milestone,
    Commitment,
    PlanGap,
    Scorecard,
}

const GAP_ES: &str = "reportado-vs-calculado";
const GAP_EN: &str = "reported-vs-computed";
const SCORE_ES: &str = "cumplimiento";
const SCORE_EN: &str = "scorecard";

impl Kind {
    const ALL: [Kind; 4] = [Kind::Milestone, Kind::Commitment, Kind::PlanGap, Kind::Scorecard];

    fn collection(self) -> &'static str {
        match self {
            Kind::Milestone => "milestones",
            Kind::Commitment => "commitments",
            Kind::PlanGap => "plans",
            Kind::Scorecard => "institutions",
        }
    }

    /// The file name, without its extension.
    fn stem(self, lang: Lang) -> &'static str {
        match self {
            Kind::Milestone | Kind::Commitment => lang.pick("avance", "progress"),
            Kind::PlanGap => lang.pick(GAP_ES, GAP_EN),
            Kind::Scorecard => lang.pick(SCORE_ES, SCORE_EN),
        }
    }

    async fn svg(self, lang: Lang, id: String, state: web::Data<AppState>) -> Result<String, ApiError> {
        match self {
            Kind::Milestone => time::milestone(lang, id, state).await,
            Kind::Commitment => time::commitment(lang, id, state).await,
            Kind::PlanGap => bars::plan_gap(lang, id, state).await,
            Kind::Scorecard => bars::scorecard(lang, id, state).await,
        }
    }
}

fn svg_response(svg: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'unsafe-inline'"))
        .body(svg)
}

/// The machine's fonts, loaded once; plotters' `sans-serif` is the first
/// of the usual free sans-serif families installed.
static FONTS: LazyLock<Arc<usvg::fontdb::Database>> = LazyLock::new(|| {
    let mut db = usvg::fontdb::Database::new();
    db.load_system_fonts();
    let installed = |family: &str| db.faces().any(|f| f.families.iter().any(|(name, _)| name == family));
    if let Some(family) = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial"].into_iter().find(|f| installed(f)) {
        db.set_sans_serif_family(family);
    }
    Arc::new(db)
});

/// An SVG chart as PNG, at its own size.
fn png(svg: &str) -> Result<Vec<u8>, ApiError> {
    let options = usvg::Options { fontdb: Arc::clone(&FONTS), ..Default::default() };
    let tree = usvg::Tree::from_str(svg, &options).map_err(chart_error)?;
    let size = tree.size().to_int_size();
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height()).ok_or_else(|| chart_error("empty chart"))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(chart_error)
}

/// Every chart's routes, in both languages, as SVG and as PNG.
pub fn routes(config: &mut web::ServiceConfig) {
    for lang in [Lang::Es, Lang::En] {
        for kind in Kind::ALL {
            let page = super::names_of(kind.collection()).map(|n| n.path(lang)).unwrap_or_default();
            for as_png in [false, true] {
                let file = format!("{}.{}", kind.stem(lang), if as_png { "png" } else { "svg" });
                config.route(
                    &format!("{page}/{{id}}/{file}"),
                    web::get().to(
                        move |req: HttpRequest, id: web::Path<String>, state: web::Data<AppState>| async move {
                            let svg = match kind.svg(lang, id.into_inner(), state).await {
                                Ok(svg) => svg,
                                Err(e) => return error_page(lang, &req, e),
                            };
                            if !as_png {
                                return svg_response(svg);
                            }
                            // Rasterising takes milliseconds of CPU: off the server's threads.
                            match web::block(move || png(&svg)).await {
                                Ok(Ok(bytes)) => HttpResponse::Ok().content_type("image/png").body(bytes),
                                Ok(Err(e)) => error_page(lang, &req, e),
                                Err(e) => error_page(lang, &req, chart_error(e)),
                            }
                        },
                    ),
                );
            }
        }
    }
}

/// A chart of a record's page: its URL and words for it.
pub struct Chart {
    /// The SVG.
    pub src: String,
    /// The same chart as PNG.
    pub png: String,
    pub alt: &'static str,
    pub caption: &'static str,
    pub width: u32,
    pub height: u32,
}

/// The charts of a record's page, from its detail: progress over time
/// (milestones, commitments), reported against computed progress (plans
/// whose commitments have either), milestones by status per plan
/// (institutions responsible for some).
pub fn of_record(lang: Lang, api_path: &str, id: &str, detail: &serde_json::Value) -> Vec<Chart> {
    let t = lang.text();
    let url = |file: &str| {
        format!("{}/{}/{file}", super::names_of(api_path).map(|n| n.path(lang)).unwrap_or_default(), super::encode(id))
    };
    let list = |key: &str| detail.get(key).and_then(|v| v.as_array()).cloned().unwrap_or_default();
    match api_path {
        "milestones" | "commitments" => vec![Chart {
            src: url(lang.pick("avance.svg", "progress.svg")),
            png: url(lang.pick("avance.png", "progress.png")),
            alt: t.chart_alt,
            caption: t.chart_caption,
            width: 800,
            height: 420,
        }],
        "plans" => {
            let commitments = list("commitments");
            let has = |k: &serde_json::Value| !k["reported_progress"].is_null() || !k["computed_progress"].is_null();
            if !commitments.iter().any(has) {
                return Vec::new();
            }
            vec![Chart {
                src: url(&format!("{}.svg", lang.pick(GAP_ES, GAP_EN))),
                png: url(&format!("{}.png", lang.pick(GAP_ES, GAP_EN))),
                alt: t.gap_alt,
                caption: t.gap_caption,
                width: 800,
                height: bars::bars_height(commitments.len(), 2),
            }]
        }
        "institutions" => {
            let plans = list("plans");
            let tracked = plans.iter().filter(|p| p["milestones"].as_i64().unwrap_or(0) > 0).count();
            if tracked == 0 {
                return Vec::new();
            }
            vec![Chart {
                src: url(&format!("{}.svg", lang.pick(SCORE_ES, SCORE_EN))),
                png: url(&format!("{}.png", lang.pick(SCORE_ES, SCORE_EN))),
                alt: t.score_alt,
                caption: t.score_caption,
                width: 800,
                height: bars::bars_height(tracked, 4),
            }]
        }
        _ => Vec::new(),
    }
}
