//! `/`: a server-rendered page for people — what the data is, each plan
//! with its progress, downloads with sizes and checksums, the data
//! dictionary in Spanish and English, and schema.org JSON-LD for dataset
//! search engines. No JavaScript, no build step.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde_json::json;

use super::downloads;
use super::feeds::escape;
use crate::api::http::error::ApiError;
use crate::api::http::state::AppState;
use crate::models;
use crate::snapshot::{self, dictionary};

fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / (1 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} kB", b as f64 / (1 << 10) as f64),
        b => format!("{b} B"),
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:72rem;margin:0 auto;padding:1rem 1.5rem;color:#1d2430;line-height:1.45}\
h1{font-size:1.7rem;margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:2px solid #dde3ea;padding-bottom:.2rem}\
table{border-collapse:collapse;width:100%;font-size:.92rem}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #e4e8ee;vertical-align:top}\
.bar{background:#e4e8ee;border-radius:4px;height:.8rem;width:12rem;display:inline-block;vertical-align:middle}\
.bar span{display:block;height:100%;border-radius:4px;background:#2f7d4f}.muted{color:#5b6675;font-size:.88rem}\
code{background:#f2f4f7;padding:0 .25rem;border-radius:3px}a{color:#1a5fb4}nav a{margin-right:1rem}\
.primary{font-weight:600}details{margin:.4rem 0}";

pub async fn page(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let plans = state.db(|c| Ok(models::plan::list_all(c)?)).await?;
    let d = downloads::current(&state).ok();
    let config = &state.config;
    let base = config.public_url.trim_end_matches('/');
    let mut h = String::with_capacity(64 * 1024);
    h.push_str("<!doctype html>\n<html lang=\"es\"><head><meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str("<title>Gobierno Abierto Guatemala — datos abiertos</title>\n");
    h.push_str("<meta name=\"description\" content=\"Planes de acción de gobierno abierto de Guatemala: compromisos, hitos, instituciones y avances, como datos abiertos.\">\n");
    h.push_str(&format!("<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Avances\" href=\"/v1/feeds/progress-updates.atom\">\n<style>{STYLE}</style>\n"));
    // schema.org Dataset with DCAT-style distributions.
    if let Some(d) = &d {
        let distribution: Vec<serde_json::Value> = d
            .files
            .iter()
            .map(|f| {
                json!({"@type": "DataDownload", "name": f.file.name, "encodingFormat": f.file.media_type,
                    "contentUrl": format!("{base}{}", f.url), "contentSize": f.file.bytes,
                    "description": format!("sha256 {}", f.file.sha256)})
            })
            .collect();
        let ld = json!({
            "@context": "https://schema.org/",
            "@type": "Dataset",
            "name": "Gobierno Abierto Guatemala — planes de acción, compromisos, hitos y avances",
            "description": "Planes de acción de gobierno abierto de Guatemala con sus compromisos, hitos, instituciones responsables, el historial completo de avances reportados y hallazgos de calidad de datos. Guatemala's open-government action plans with commitments, milestones, responsible institutions, the full history of reported progress and data-quality findings.",
            "url": format!("{base}/"),
            "sameAs": format!("{base}/v1"),
            "version": format!("r{}", d.revision),
            "dateModified": d.created_at,
            "license": config.license_url,
            "isAccessibleForFree": true,
            "inLanguage": ["es", "en"],
            "keywords": ["gobierno abierto", "open government", "Guatemala", "OGP", "rendición de cuentas"],
            "spatialCoverage": {"@type": "Place", "name": "Guatemala"},
            "creator": {"@type": "Organization", "name": "Gobierno Abierto Guatemala — datos abiertos", "url": format!("{base}/")},
            "citation": d.citation,
            "variableMeasured": ["reported_progress", "computed_progress", "percent", "status"],
            "distribution": distribution,
        });
        h.push_str("<script type=\"application/ld+json\">");
        h.push_str(&serde_json::to_string(&ld).unwrap_or_default().replace("</", "<\\/"));
        h.push_str("</script>\n");
    }
    h.push_str("</head><body>\n");
    h.push_str("<nav><a href=\"#descargas\">Descargas</a><a href=\"#planes\">Planes</a><a href=\"#diccionario\">Diccionario</a><a href=\"/docs/\">API (Swagger)</a><a href=\"/v1\">/v1</a><a href=\"/v1/feeds/progress-updates.atom\">Atom</a></nav>\n");
    h.push_str("<h1>Gobierno Abierto Guatemala — datos abiertos</h1>\n");
    h.push_str("<p>Los planes de acción de gobierno abierto de Guatemala como datos abiertos: qué se prometió, quién lo prometió, para cuándo y cuánto avanzó — tal como lo publicaron las fuentes, con la línea de origen de cada dato, y con los <a href=\"/v1/quality-findings\">hallazgos</a> donde lo reportado y lo registrado no coinciden.</p>\n");
    h.push_str("<p class=\"muted\">Guatemala's open-government action plans as open data: what was promised, by whom, by when and how far it got — exactly as the sources published it, each record traced to its source line, with data-quality findings where reported progress and the records disagree.</p>\n");
    if let Some(d) = &d {
        h.push_str(&format!(
            "<p>Revisión <strong>{}</strong> del {} · Licencia <a href=\"{}\">{}</a> · Cita sugerida: <em>{}</em></p>\n",
            d.revision,
            escape(&d.created_at[..10.min(d.created_at.len())]),
            escape(&config.license_url),
            escape(&config.license_name),
            escape(&d.citation)
        ));
    }
    // Downloads: the Excel-ready CSV is one click from here.
    h.push_str("<h2 id=\"descargas\">Descargas / Downloads</h2>\n");
    match &d {
        Some(d) => {
            h.push_str("<p>Para Excel o Google Sheets use <strong>CSV (Excel)</strong>: UTF-8 con marca BOM, los acentos se ven bien. For Excel or Google Sheets use <strong>CSV (Excel)</strong>.</p>\n");
            h.push_str("<table><thead><tr><th>Tabla / table</th><th>Filas</th><th>CSV (Excel)</th><th>CSV</th><th>JSON</th><th>NDJSON</th></tr></thead><tbody>\n");
            for table in snapshot::TABLES {
                let get =
                    |fmt: &str| d.files.iter().find(|f| f.file.table.as_deref() == Some(table) && f.file.format == fmt);
                let cell = |fmt: &str, label: &str, class: &str| {
                    match get(fmt) {
                    Some(f) => format!(
                        "<td><a class=\"{class}\" href=\"{}\" download>{label}</a> <span class=\"muted\">{}</span></td>",
                        escape(&f.url),
                        size(f.file.bytes)
                    ),
                    None => "<td></td>".into(),
                }
                };
                let rows = get("csv").and_then(|f| f.file.rows).unwrap_or(0);
                h.push_str(&format!(
                    "<tr><td><code>{table}</code></td><td>{rows}</td>{}{}{}{}</tr>\n",
                    cell("csv-excel", &format!("{table}-excel.csv"), "primary"),
                    cell("csv", "csv", ""),
                    cell("json", "json", ""),
                    cell("ndjson", "ndjson", "")
                ));
            }
            h.push_str("</tbody></table>\n<p>Todo junto / everything:</p><table><tbody>\n");
            for f in d.files.iter().filter(|f| f.file.table.is_none()) {
                h.push_str(&format!(
                    "<tr><td><a href=\"{}\" download>{}</a></td><td>{}</td><td class=\"muted\"><code>sha256 {}</code></td></tr>\n",
                    escape(&f.url),
                    escape(f.url.rsplit('/').next().unwrap_or_default()),
                    size(f.file.bytes),
                    escape(&f.file.sha256)
                ));
            }
            h.push_str("</tbody></table>\n<p class=\"muted\">Cada revisión tiene también URLs inmutables; lista completa con tamaños, sumas y filas en <a href=\"/v1/downloads\">/v1/downloads</a>. Cambios entre revisiones: <a href=\"/v1/changes?since=0\">/v1/changes</a>.</p>\n");
        }
        None => h.push_str("<p>Las descargas se están generando. / Downloads are being written.</p>\n"),
    }
    // Plans with progress.
    h.push_str("<h2 id=\"planes\">Planes / Plans</h2>\n<table><thead><tr><th>Plan</th><th>Compromisos</th><th>Hitos completados</th><th>Avances</th><th></th></tr></thead><tbody>\n");
    for p in &plans {
        // "No data" is never shown as 0 %: a plan whose source publishes no
        // progress says so.
        let bar = if !p.tracks_progress && p.milestone_count == 0 {
            "<strong>sin datos</strong> <span class=\"muted\">la fuente no publica avances ni hitos / no progress or milestones published</span>".to_string()
        } else if !p.tracks_progress {
            format!(
                "<strong>sin datos</strong> <span class=\"muted\">la fuente no publica avances de sus {} hitos / no progress published</span>",
                p.milestone_count
            )
        } else if p.milestone_count > 0 {
            let done = p.milestones_completed * 100 / p.milestone_count;
            let mean = match (p.computed_progress, p.computed_progress_milestones) {
                (Some(m), Some(n)) => format!(" · avance medio {} % ({n} hitos)", crate::percent::format_hundredths(m)),
                _ => String::new(),
            };
            format!(
                "<span class=\"bar\" title=\"{done}%\"><span style=\"width:{done}%\"></span></span> {} de {} ({done}%){mean}",
                p.milestones_completed, p.milestone_count
            )
        } else {
            "<span class=\"muted\">sin hitos en la fuente</span>".into()
        };
        h.push_str(&format!(
            "<tr><td><a href=\"/v1/plans/{id}\">{}</a><br><span class=\"muted\">{}</span></td><td>{}</td><td>{bar}</td><td>{}</td><td><a href=\"/v1/commitments.csv?plan={id}&amp;bom=1\">CSV</a> · <a href=\"/v1/feeds/progress-updates.atom?plan={id}\">Atom</a></td></tr>\n",
            escape(&p.title),
            escape(p.kind.as_str()),
            p.commitment_count,
            p.progress_update_count,
            id = escape(&p.id)
        ));
    }
    h.push_str("</tbody></table>\n");
    // Data dictionary.
    h.push_str("<h2 id=\"diccionario\">Diccionario de datos / Data dictionary</h2>\n");
    for table in snapshot::TABLES {
        h.push_str(&format!("<details><summary><code>{table}</code></summary><table><thead><tr><th>Columna</th><th>Tipo</th><th>Español</th><th>English</th></tr></thead><tbody>\n"));
        for c in dictionary::public(table) {
            h.push_str(&format!(
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                escape(&c.column),
                escape(c.kind.as_str()),
                escape(&c.description_es),
                escape(&c.description_en)
            ));
        }
        h.push_str("</tbody></table></details>\n");
    }
    h.push_str("<h2>API</h2><p><a href=\"/docs/\">Documentación interactiva (Swagger UI)</a> · <a href=\"/v1/openapi.json\">OpenAPI</a> · <a href=\"/v1\">Índice /v1</a> · <a href=\"/v1/search?q=informacion%20publica\">Búsqueda</a> · <a href=\"/v1/quality-findings\">Hallazgos de calidad</a> · <a href=\"/v1/feeds/progress-updates.atom\">Feed Atom de avances</a></p>\n");
    h.push_str("</body></html>\n");
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ))
        .body(h))
}
