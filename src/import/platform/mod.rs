//! Parser for the national tracking platform's text export (the format of
//! source document 002): headline milestone counts, then commitments with
//! their institutions, milestones and dated progress updates.
//!
//! Every line must be understood: a line the parser cannot place is an
//! error with its number, never skipped. Institution names are kept as
//! written; `resolve` maps them to canonical institutions through aliases.

use std::collections::HashMap;

use super::Problem;
use crate::percent;
use crate::vocabulary::{DatePrecision, ParticipantGroup};

mod lines;
use lines::Parser;

/// One institution mention, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub name: String,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Update {
    pub line: usize,
    /// The last line of the update (its percentage or verification line).
    pub end_line: usize,
    /// `YYYY-MM-DDTHH:MM:SS`.
    pub reported_at: String,
    pub description: String,
    pub percent: i32,
    pub percent_raw: String,
    /// Whether the update has a `Medios de verificación:` line at all.
    pub verification_line: bool,
    /// The text of that line (and of any lines under it), when not empty.
    pub verification: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Milestone {
    pub line: usize,
    /// The last line of the milestone's own text (its `AVANCES` heading or
    /// the last line before it), not counting its updates.
    pub end_line: usize,
    pub responsible: Vec<Mention>,
    pub start: Option<(String, String, DatePrecision)>,
    pub end: Option<(String, String, DatePrecision)>,
    pub description: String,
    /// One entry per expected result; a result the export wraps over several
    /// lines keeps its line breaks (`\n`), exactly as published.
    pub expected_results: Vec<String>,
    pub updates: Vec<Update>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Commitment {
    pub line: usize,
    /// The last line of the commitment's own block (before its first milestone).
    pub end_line: usize,
    pub number: String,
    pub title: String,
    pub responsible: Vec<Mention>,
    pub description: String,
    pub progress: Option<(i32, String)>,
    pub participants: Vec<(ParticipantGroup, Mention)>,
    pub milestones: Vec<Milestone>,
}

/// A whole report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// Published milestone counts: not started, started, completed.
    pub headline: Option<(i32, i32, i32)>,
    pub headline_lines: (usize, usize),
    pub commitments: Vec<Commitment>,
}

const MONTHS: &[&str] = &[
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

/// Normalise a platform date: `06/02/2025` (day) or `Febrero 2024` (month).
/// Returns (first day, last day, precision).
pub fn parse_date(raw: &str) -> Option<(String, String, DatePrecision)> {
    let raw = raw.trim();
    if let Ok(d) = chrono::NaiveDate::parse_from_str(raw, "%d/%m/%Y") {
        if raw.len() == 10 {
            let s = d.format("%Y-%m-%d").to_string();
            return Some((s.clone(), s, DatePrecision::Day));
        }
    }
    let (month, year) = raw.split_once(' ')?;
    let m = MONTHS.iter().position(|n| crate::text::fold(month) == *n)? as u32 + 1;
    let y: i32 = year.trim().parse().ok().filter(|y| (1900..2200).contains(y))?;
    let first = chrono::NaiveDate::from_ymd_opt(y, m, 1)?;
    let next = if m == 12 {
        chrono::NaiveDate::from_ymd_opt(y + 1, 1, 1)?
    } else {
        chrono::NaiveDate::from_ymd_opt(y, m + 1, 1)?
    };
    let last = next.pred_opt()?;
    Some((first.format("%Y-%m-%d").to_string(), last.format("%Y-%m-%d").to_string(), DatePrecision::Month))
}

/// Whether a line of an expected-results list continues the result above it:
/// the export wraps a long result over several lines, and a wrapped line
/// starts in the middle of a sentence, with a lower-case letter. Every new
/// result starts with a capital (or a digit, or a quote).
pub fn continues_previous(line: &str) -> bool {
    line.chars().next().is_some_and(|c| c.is_lowercase())
}

/// ASCII blanks only: a non-breaking space at the end of a line is part of
/// the text as published, not layout.
fn blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

pub use crate::text::links;

/// Parse a report's text. `file` names it in problems.
pub fn parse(file: &str, text: &str) -> Result<Report, Vec<Problem>> {
    let mut p = Parser::new(file);
    if text.trim().is_empty() {
        return Err(vec![Problem { file: file.into(), line: 0, field: "file".into(), message: "is empty".into() }]);
    }
    if text.contains('\r') {
        p.problem(0, "file", "mixes line endings: use \\n only (found \\r)");
    }
    for (i, line) in text.split('\n').enumerate() {
        p.line(i + 1, line.trim_end_matches('\r'));
    }
    let Parser { mut problems, report, .. } = p;
    check_complete(file, &report, &mut problems);
    if problems.is_empty() {
        Ok(report)
    } else {
        Err(problems)
    }
}

/// What a complete report must have; catches truncated files.
fn check_complete(file: &str, r: &Report, problems: &mut Vec<Problem>) {
    let mut need = |line: usize, field: &str, message: &str| {
        problems.push(Problem { file: file.into(), line, field: field.into(), message: message.into() })
    };
    match r.headline {
        Some((a, b, c)) if a >= 0 && b >= 0 && c >= 0 => {}
        _ => need(1, "headline", "the report must start with the three HITOS counts"),
    }
    if r.commitments.is_empty() {
        need(0, "file", "has no `COMPROMISO <n>:` section (truncated?)");
    }
    for c in &r.commitments {
        if c.title.is_empty() {
            need(c.line, "COMPROMISO", "has no title");
        }
        if c.progress.is_none() {
            need(c.line, "PORCENTAJE DE AVANCE", "is missing (truncated?)");
        }
        for m in &c.milestones {
            if m.responsible.is_empty() {
                need(m.line, "INSTITUCIÓN RESPONSABLE", "names no institution");
            }
            if m.description.is_empty() {
                need(m.line, "DESCRIPCIÓN", "is missing (truncated?)");
            }
            for u in &m.updates {
                if u.description.is_empty() {
                    need(u.line, "Descripción", "is missing (truncated?)");
                }
                if u.percent_raw.is_empty() {
                    need(u.line, "Porcentaje avance", "is missing (truncated?)");
                }
            }
        }
    }
}

/// Map every mention to an institution id through the alias table.
pub fn resolve(
    file: &str,
    aliases: &HashMap<String, String>,
    mention: &Mention,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    match aliases.get(&mention.name) {
        Some(id) => Some(id.clone()),
        None => {
            problems.push(Problem {
                file: file.into(),
                line: mention.line,
                field: "institution".into(),
                message: format!("`{}` is not a known institution name or alias", mention.name),
            });
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_normalise_to_first_and_last_day() {
        assert_eq!(parse_date("06/02/2025"), Some(("2025-02-06".into(), "2025-02-06".into(), DatePrecision::Day)));
        assert_eq!(parse_date("Febrero 2024"), Some(("2024-02-01".into(), "2024-02-29".into(), DatePrecision::Month)));
        assert_eq!(parse_date("Junio 2025").unwrap().1, "2025-06-30");
        assert_eq!(parse_date("Diciembre 2023").unwrap().1, "2023-12-31");
        assert_eq!(parse_date("31/02/2025"), None);
        assert_eq!(parse_date("Brumario 2024"), None);
    }

    const REPORT: &str = include_str!("../../../data/sources/002_51e5fa75739f974e.txt");

    fn milestone(r: &Report, c: usize, m: usize) -> &Milestone {
        &r.commitments[c - 1].milestones[m - 1]
    }

    #[test]
    fn an_expected_result_wrapped_over_lines_is_one_result() {
        let r = parse("002", REPORT).unwrap();
        // Commitment 4, milestone 1: four results, the first over four lines.
        let m = milestone(&r, 4, 1);
        assert_eq!(m.expected_results.len(), 4);
        assert!(m.expected_results[0].starts_with("Ampliada la participación de la MMM"));
        assert!(m.expected_results[0].ends_with("con el acompañamiento de\ncooperación internacional."));
        assert_eq!(m.expected_results[2].lines().count(), 2);
        // Commitment 3, milestone 3: one result over four lines.
        assert_eq!(milestone(&r, 3, 3).expected_results.len(), 1);
        assert_eq!(milestone(&r, 3, 3).expected_results[0].lines().count(), 4);
        // Separate results that start with capitals stay separate.
        assert_eq!(milestone(&r, 1, 4).expected_results.len(), 4);
        assert_eq!(milestone(&r, 1, 3).expected_results.len(), 2);
    }

    #[test]
    fn records_span_their_lines_and_keep_the_verification_line_as_published() {
        let r = parse("002", REPORT).unwrap();
        let c1 = &r.commitments[0];
        assert_eq!((c1.line, c1.end_line), (5, 33));
        let m2 = milestone(&r, 1, 2);
        assert_eq!((m2.line, m2.end_line), (43, 49));
        let u = &m2.updates[0];
        assert_eq!((u.line, u.end_line, u.verification_line, u.verification.as_deref()), (50, 53, true, None));
        // The SESAN update has no verification line; its link stays in the text.
        let u = &milestone(&r, 1, 4).updates[1];
        assert!(!u.verification_line);
        assert!(u.description.ends_with("https://www.facebook.com/share/v/1DHug9Dcne/"));
    }

    #[test]
    fn text_is_kept_exactly_including_trailing_non_breaking_spaces() {
        let report = "8\nHITOS NO INICIADOS1\nHITOS INICIADOS0\nHITOS COMPLETADOS\nCOMPROMISO 1:\nTítulo\u{a0}\n\
            Responsables de implementación:\nGAE\nPORCENTAJE DE AVANCE:\n10.00%\nINSTITUCIÓN RESPONSABLE:\nGAE\n\
            DESCRIPCIÓN:\nHacer  algo\u{a0}\nAVANCES\nFecha: 2025-01-02 03:04:05\nDescripción: Primera línea\u{a0}\n\
            segunda línea\nPorcentaje avance: 10%\nMedios de verificación: Acta 3\u{a0}\n";
        let r = parse("x", report).unwrap();
        assert_eq!(r.commitments[0].title, "Título\u{a0}");
        let m = &r.commitments[0].milestones[0];
        assert_eq!(m.description, "Hacer  algo\u{a0}");
        assert_eq!(m.updates[0].description, "Primera línea\u{a0}\nsegunda línea");
        assert_eq!(m.updates[0].verification.as_deref(), Some("Acta 3\u{a0}"));
    }

    #[test]
    fn links_are_found_inside_text() {
        assert_eq!(links("ver https://x.org/a. y http://y.gt"), vec!["https://x.org/a", "http://y.gt"]);
    }
}
