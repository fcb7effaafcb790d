//! Bars: a plan's reported against computed progress per commitment, and
//! an institution's milestones by status per plan.

use actix_web::web;
use plotters::prelude::*;

use super::chart_error;
use crate::api::http::error::ApiError;
use crate::api::http::state::AppState;
use crate::api::pages::Lang;
use crate::models;

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
pub fn bars_height(rows: usize, keys: usize) -> u32 {
    (80.0 + ROW_PX * rows.max(1) as f64 + keys as f64 * 18.0 + 24.0) as u32
}

const BLUE: RGBColor = RGBColor(26, 95, 180);
const GREEN: RGBColor = RGBColor(47, 125, 79);
const AMBER: RGBColor = RGBColor(229, 165, 10);
const GREY: RGBColor = RGBColor(154, 153, 150);
const LIGHT: RGBColor = RGBColor(222, 221, 218);

/// `/planes/{id}/reportado-vs-calculado.svg`: per commitment, the progress
/// the source reports beside the mean latest progress of its milestones.
pub async fn plan_gap(lang: Lang, id: String, state: web::Data<AppState>) -> Result<String, ApiError> {
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
    draw_bars(&bars, lang)
}

/// `/instituciones/{id}/cumplimiento.svg`: per plan, the milestones an
/// institution is responsible for by status.
pub async fn scorecard(lang: Lang, id: String, state: web::Data<AppState>) -> Result<String, ApiError> {
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
    draw_bars(&bars, lang)
}
