//! Progress over time: a milestone's updates, or every milestone of a
//! commitment, each update a point at its date and percentage.

use plotters::prelude::*;

use super::chart_error;
use crate::api::http::error::ApiError;
use crate::api::http::state::AppState;
use crate::api::pages::Lang;
use crate::models;
use actix_web::web;

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

/// `/hitos/{id}/avance.svg`: a milestone's progress over time.
pub async fn milestone(lang: Lang, id: String, state: web::Data<AppState>) -> Result<String, ApiError> {
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
    draw(&title, &series, lang)
}

/// `/compromisos/{id}/avance.svg`: every milestone of a commitment over time.
pub async fn commitment(lang: Lang, id: String, state: web::Data<AppState>) -> Result<String, ApiError> {
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
    draw(&title, &series, lang)
}
