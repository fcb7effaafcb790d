//! Charts drawn on the server as SVG with plotters: progress over time of a
//! milestone, or of every milestone of a commitment (each update a point at
//! its date and percentage). Each chart has its own URL, and the record's
//! page has the same figures as a table (its text alternative).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use plotters::prelude::*;

use super::{error_page, Lang};
use crate::api::http::error::ApiError;
use crate::api::http::state::AppState;
use crate::models;

/// One line of a chart: a milestone's updates as (days since 1970, percent).
struct Series {
    name: String,
    points: Vec<(f64, f64)>,
}

fn days(at: &str) -> Option<f64> {
    let t = chrono::NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%M:%S").ok()?;
    Some(t.and_utc().timestamp() as f64 / 86_400.0)
}

fn date_of(days: f64) -> String {
    chrono::DateTime::from_timestamp((days * 86_400.0) as i64, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn chart_error(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(format!("chart: {e}"))
}

/// The SVG of `series` over time, 0 to 100 %.
fn draw(title: &str, series: &[Series], lang: Lang) -> Result<String, ApiError> {
    let all: Vec<f64> = series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).collect();
    let (min, max) = all.iter().fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(*x), b.max(*x)));
    let (min, max) = if all.is_empty() { (0.0, 1.0) } else { (min - 7.0, max + 7.0) };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (800, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        if all.is_empty() {
            // No dated percentage: say so rather than draw an empty time axis.
            let (w, h) = root.dim_in_pixel();
            let centre = |size: u32| (size / 2) as i32;
            root.draw(&Text::new(title.to_string(), (24, 24), ("sans-serif", 18)))
                .and_then(|_| {
                    root.draw(&Text::new(
                        lang.pick(
                            "Sin datos: la fuente no publica avances con fecha y porcentaje.",
                            "No data: the source publishes no dated percentages.",
                        ),
                        (centre(w) - 260, centre(h)),
                        ("sans-serif", 18),
                    ))
                })
                .map_err(chart_error)?;
            root.present().map_err(chart_error)?;
            drop(root);
            return Ok(svg);
        }
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(48)
            .build_cartesian_2d(min..max, 0f64..100f64)
            .map_err(chart_error)?;
        chart
            .configure_mesh()
            .x_labels(6)
            .x_label_formatter(&|d| date_of(*d))
            .y_label_formatter(&|p| format!("{p:.0}"))
            .light_line_style(WHITE)
            .y_desc(lang.pick("avance (%)", "progress (%)"))
            .draw()
            .map_err(chart_error)?;
        for (i, s) in series.iter().enumerate() {
            let color = Palette99::pick(i).to_rgba();
            chart
                .draw_series(LineSeries::new(s.points.iter().copied(), color.stroke_width(2)))
                .map_err(chart_error)?
                .label(s.name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2)));
            chart.draw_series(s.points.iter().map(|p| Circle::new(*p, 4, color.filled()))).map_err(chart_error)?;
        }
        if series.len() > 1 {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.3))
                .draw()
                .map_err(chart_error)?;
        }
        root.present().map_err(chart_error)?;
    }
    Ok(svg)
}

fn points(updates: &[models::ProgressUpdateRow]) -> Vec<(f64, f64)> {
    let mut points: Vec<(f64, f64)> =
        updates.iter().filter_map(|u| Some((days(&u.reported_at)?, u.percent? as f64 / 100.0))).collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    points
}

fn svg_response(svg: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'unsafe-inline'"))
        .body(svg)
}

/// `/hitos/{id}/avance.svg`: a milestone's progress over time.
async fn milestone(lang: Lang, id: String, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let found = state
        .db(move |c| {
            let Some(m) = models::milestone::find(c, &id)? else {
                return Err(ApiError::not_found("milestone", &id));
            };
            let updates = models::progress_update::for_milestone(c, &m.id)?;
            Ok((m, updates))
        })
        .await?;
    let (m, updates) = found;
    let title = format!("{} {} — {}", lang.pick("Hito", "Milestone"), m.code, crate::text::shorten(&m.description, 60));
    let series = vec![Series { name: m.id.clone(), points: points(&updates) }];
    Ok(svg_response(draw(&title, &series, lang)?))
}

/// `/compromisos/{id}/avance.svg`: every milestone of a commitment over time.
async fn commitment(lang: Lang, id: String, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let found = state
        .db(move |c| {
            let Some(k) = models::commitment::find(c, &id)? else {
                return Err(ApiError::not_found("commitment", &id));
            };
            let mut lines = Vec::new();
            for m in models::milestone::for_commitment(c, &k.id)? {
                let updates = models::progress_update::for_milestone(c, &m.id)?;
                lines.push((m, updates));
            }
            Ok((k, lines))
        })
        .await?;
    let (k, lines) = found;
    let title =
        format!("{} {} — {}", lang.pick("Compromiso", "Commitment"), k.number, crate::text::shorten(&k.title, 60));
    let series: Vec<Series> = lines
        .iter()
        .map(|(m, u)| Series { name: format!("{} {}", lang.pick("hito", "milestone"), m.code), points: points(u) })
        .filter(|s| !s.points.is_empty())
        .collect();
    Ok(svg_response(draw(&title, &series, lang)?))
}

/// Horizontal bars, one group per row label: each value a bar from 0, in
/// its colour; a missing value is written as "sin datos" instead of a bar.
struct Bars<'a> {
    title: String,
    /// (label, values in the order of `keys`)
    rows: Vec<(String, Vec<Option<f64>>)>,
    keys: &'a [(&'a str, RGBColor)],
    /// The scale's end (100 for percentages, else the largest total).
    max: f64,
    x_desc: &'a str,
    /// Stack the values (counts that add up) instead of grouping them.
    stacked: bool,
}

fn draw_bars(b: &Bars, lang: Lang) -> Result<String, ApiError> {
    let n = b.rows.len().max(1) as f64;
    // Room under the rows for the legend, in rows of 34 px.
    let reserve = (b.keys.len() as f64 * 18.0 + 24.0) / ROW_PX;
    let height = bars_height(b.rows.len(), b.keys.len());
    // Labels sit left of 0, inside the plot, in 35 % of its width.
    let left = -b.max.max(1.0) * 0.55;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (800, height)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(&b.title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(36)
            .build_cartesian_2d(left..b.max.max(1.0), -reserve..n)
            .map_err(chart_error)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .disable_y_axis()
            .x_label_formatter(&|x| if *x < 0.0 { String::new() } else { format!("{x:.0}") })
            .x_desc(b.x_desc)
            .light_line_style(WHITE)
            .draw()
            .map_err(chart_error)?;
        let no_data = lang.pick("sin datos", "no data");
        for (i, (label, values)) in b.rows.iter().enumerate() {
            // Row i from the top.
            let top = n - i as f64 - 0.1;
            chart
                .draw_series(std::iter::once(Text::new(
                    crate::text::shorten(label, 40),
                    (left * 0.98, top - 0.3),
                    ("sans-serif", 13),
                )))
                .map_err(chart_error)?;
            let band = 0.8 / if b.stacked { 1.0 } else { b.keys.len() as f64 };
            let mut start = 0.0;
            for (k, ((_, colour), v)) in b.keys.iter().zip(values).enumerate() {
                let (y0, y1) =
                    if b.stacked { (top - 0.8, top) } else { (top - band * (k + 1) as f64, top - band * k as f64) };
                match v {
                    Some(v) => {
                        let (x0, x1) = if b.stacked { (start, start + v) } else { (0.0, *v) };
                        start = x1;
                        chart
                            .draw_series(std::iter::once(Rectangle::new([(x0, y0), (x1, y1)], colour.filled())))
                            .map_err(chart_error)?;
                    }
                    None if !b.stacked => {
                        chart
                            .draw_series(std::iter::once(Text::new(
                                no_data.to_string(),
                                (b.max * 0.01, y1 - band * 0.1),
                                ("sans-serif", 12),
                            )))
                            .map_err(chart_error)?;
                    }
                    None => {}
                }
            }
        }
        for (label, colour) in b.keys {
            let c = *colour;
            chart
                .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())
                .map_err(chart_error)?
                .label(*label)
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], c.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .draw()
            .map_err(chart_error)?;
        root.present().map_err(chart_error)?;
    }
    Ok(svg)
}

/// The height of a row of bars, in pixels.
const ROW_PX: f64 = 34.0;

/// How tall a bar chart of `rows` rows and `keys` keys is drawn.
fn bars_height(rows: usize, keys: usize) -> u32 {
    (80.0 + ROW_PX * rows.max(1) as f64 + keys as f64 * 18.0 + 24.0) as u32
}

const BLUE: RGBColor = RGBColor(26, 95, 180);
const GREEN: RGBColor = RGBColor(47, 125, 79);
const AMBER: RGBColor = RGBColor(229, 165, 10);
const GREY: RGBColor = RGBColor(154, 153, 150);
const LIGHT: RGBColor = RGBColor(222, 221, 218);

/// `/planes/{id}/reportado-vs-calculado.svg`: per commitment, the progress
/// the source reports beside the mean latest progress of its milestones.
async fn plan_gap(lang: Lang, id: String, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let found = state
        .db(move |c| {
            let Some(p) = models::plan::find(c, &id)? else {
                return Err(ApiError::not_found("plan", &id));
            };
            Ok((p.short_name.clone(), models::commitment::for_plan(c, &p.id)?))
        })
        .await?;
    let (name, commitments) = found;
    let pct = |h: Option<i32>| h.map(|h| h as f64 / 100.0);
    let bars = Bars {
        title: format!("{} — {name}", lang.pick("Avance reportado y calculado", "Reported and computed progress")),
        rows: commitments
            .iter()
            .map(|k| {
                (
                    format!("{} {}", lang.pick("Compromiso", "Commitment"), k.number),
                    vec![pct(k.reported_progress), pct(k.computed_progress)],
                )
            })
            .collect(),
        keys: &[
            (lang.pick("reportado por la fuente", "reported by the source"), BLUE),
            (lang.pick("calculado de sus hitos", "computed from its milestones"), GREEN),
        ],
        max: 100.0,
        x_desc: lang.pick("avance (%)", "progress (%)"),
        stacked: false,
    };
    Ok(svg_response(draw_bars(&bars, lang)?))
}

/// `/instituciones/{id}/cumplimiento.svg`: per plan, the milestones an
/// institution is responsible for by status.
async fn scorecard(lang: Lang, id: String, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let found = state
        .db(move |c| {
            let Some(i) = models::institution::find(c, &id)? else {
                return Err(ApiError::not_found("institution", &id));
            };
            let rollups = models::institution::plan_rollups(c, std::slice::from_ref(&i.id))?;
            Ok((i.name.clone(), rollups))
        })
        .await?;
    let (name, rollups) = found;
    let rows: Vec<(String, Vec<Option<f64>>)> = rollups
        .iter()
        .filter(|r| r.milestone_count > 0)
        .map(|r| {
            let v = |n: i32| Some(n as f64);
            (
                r.plan_id.clone(),
                vec![
                    v(r.completed_milestone_count),
                    v(r.started_milestone_count),
                    v(r.not_started_milestone_count),
                    v(r.no_data_milestone_count),
                ],
            )
        })
        .collect();
    let max = rollups.iter().map(|r| r.milestone_count).max().unwrap_or(1) as f64;
    let bars = Bars {
        title: format!(
            "{} — {}",
            lang.pick("Hitos a su cargo", "Milestones it is responsible for"),
            crate::text::shorten(&name, 50)
        ),
        rows,
        keys: &[
            (lang.pick("completados", "completed"), GREEN),
            (lang.pick("iniciados", "started"), AMBER),
            (lang.pick("no iniciados", "not started"), GREY),
            (lang.pick("sin datos", "no data"), LIGHT),
        ],
        max,
        x_desc: lang.pick("hitos", "milestones"),
        stacked: true,
    };
    Ok(svg_response(draw_bars(&bars, lang)?))
}

/// The chart routes, in both languages.
pub fn routes(config: &mut web::ServiceConfig) {
    for lang in [Lang::Es, Lang::En] {
        let chart = lang.pick("avance.svg", "progress.svg");
        let names = |api: &str| super::names_of(api).map(|n| n.path(lang)).unwrap_or_default();
        config.route(
            &format!("{}/{{id}}/{chart}", names("milestones")),
            web::get().to(move |req: HttpRequest, id: web::Path<String>, state: web::Data<AppState>| async move {
                milestone(lang, id.into_inner(), state).await.unwrap_or_else(|e| error_page(lang, &req, e))
            }),
        );
        config.route(
            &format!("{}/{{id}}/{chart}", names("commitments")),
            web::get().to(move |req: HttpRequest, id: web::Path<String>, state: web::Data<AppState>| async move {
                commitment(lang, id.into_inner(), state).await.unwrap_or_else(|e| error_page(lang, &req, e))
            }),
        );
        config.route(
            &format!("{}/{{id}}/{}", names("plans"), lang.pick(GAP_ES, GAP_EN)),
            web::get().to(move |req: HttpRequest, id: web::Path<String>, state: web::Data<AppState>| async move {
                plan_gap(lang, id.into_inner(), state).await.unwrap_or_else(|e| error_page(lang, &req, e))
            }),
        );
        config.route(
            &format!("{}/{{id}}/{}", names("institutions"), lang.pick(SCORE_ES, SCORE_EN)),
            web::get().to(move |req: HttpRequest, id: web::Path<String>, state: web::Data<AppState>| async move {
                scorecard(lang, id.into_inner(), state).await.unwrap_or_else(|e| error_page(lang, &req, e))
            }),
        );
    }
}

const GAP_ES: &str = "reportado-vs-calculado.svg";
const GAP_EN: &str = "reported-vs-computed.svg";
const SCORE_ES: &str = "cumplimiento.svg";
const SCORE_EN: &str = "scorecard.svg";

/// A chart of a record's page: its URL and words for it.
pub struct Chart {
    pub src: String,
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
                src: url(lang.pick(GAP_ES, GAP_EN)),
                alt: t.gap_alt,
                caption: t.gap_caption,
                width: 800,
                height: bars_height(commitments.len(), 2),
            }]
        }
        "institutions" => {
            let plans = list("plans");
            let tracked = plans.iter().filter(|p| p["milestones"].as_i64().unwrap_or(0) > 0).count();
            if tracked == 0 {
                return Vec::new();
            }
            vec![Chart {
                src: url(lang.pick(SCORE_ES, SCORE_EN)),
                alt: t.score_alt,
                caption: t.score_caption,
                width: 800,
                height: bars_height(tracked, 4),
            }]
        }
        _ => Vec::new(),
    }
}
