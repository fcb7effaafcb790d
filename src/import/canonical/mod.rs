//! The canonical dataset format: one UTF-8 CSV file per table, with a header
//! row, in a directory. Files and columns are listed in `TABLES`; the data
//! dictionary (`data/DICTIONARY.md`) explains each column. Derived columns
//! (counts, status, computed progress) are not part of it: the importer
//! computes them.
//!
//! Reading a folder: each file is parsed and its fields checked
//! (`record`), its rows typed (`rows`), the source documents read
//! (`sources`), then ids and references checked (`checks`) before the
//! derived columns are computed.

use rayon::prelude::*;
use std::collections::HashMap;
use std::path::Path;

pub use super::dataset::Dataset;
use super::derive;
use super::Problem;

mod checks;
mod record;
mod rows;
mod sources;

pub use crate::text::parse_location;
pub use checks::validate;
use record::{read_table, RawRow};
pub use sources::source_path;

/// (file, required, columns) for every table of the canonical format.
pub const TABLES: &[(&str, bool, &[&str])] = &[
    ("source_documents.csv", true, &["id", "file_name", "title", "description", "sha256"]),
    ("institutions.csv", true, &["id", "name", "acronym", "kind", "parent_id", "source_document", "source_location"]),
    ("institution_aliases.csv", false, &["institution_id", "alias", "in_text"]),
    (
        "plans.csv",
        true,
        &[
            "id",
            "title",
            "short_name",
            "country",
            "kind",
            "period_start",
            "period_end",
            "objective",
            "description",
            "stated_commitment_total",
            "published_milestones_not_started",
            "published_milestones_started",
            "published_milestones_completed",
            "source_document",
            "source_location",
        ],
    ),
    ("plan_sections.csv", false, &["id", "plan_id", "kind", "title", "body", "source_document", "source_location"]),
    (
        "plan_participants.csv",
        false,
        &["id", "plan_id", "name", "position", "institution_id", "source_document", "source_location"],
    ),
    (
        "plan_risks.csv",
        false,
        &[
            "id",
            "plan_id",
            "scenario",
            "warning_signs",
            "preventive_actions",
            "damage_reduction",
            "adjustments",
            "source_document",
            "source_location",
        ],
    ),
    (
        "commitments.csv",
        true,
        &[
            "id",
            "plan_id",
            "number",
            "title",
            "description",
            "reported_progress",
            "reported_progress_raw",
            "source_document",
            "source_location",
        ],
    ),
    (
        "milestones.csv",
        true,
        &[
            "id",
            "commitment_id",
            "code",
            "description",
            "expected_results",
            "start_raw",
            "start_date",
            "start_precision",
            "end_raw",
            "end_date",
            "end_precision",
            "term",
            "source_document",
            "source_location",
        ],
    ),
    (
        "progress_updates.csv",
        true,
        &[
            "id",
            "milestone_id",
            "position",
            "reported_at",
            "description",
            "percent",
            "percent_raw",
            "verification_line",
            "verification",
            "source_document",
            "source_location",
        ],
    ),
    (
        "institution_roles.csv",
        true,
        &[
            "institution_id",
            "role",
            "participant_group",
            "subject_type",
            "subject_id",
            "source_document",
            "source_location",
        ],
    ),
    (
        "source_headings.csv",
        false,
        &["id", "document_id", "line", "kind", "level", "number", "title", "page", "heading_line"],
    ),
    ("retired_ids.csv", false, &["record_type", "record_id"]),
];

/// Read and validate a canonical directory.
pub fn read_dir(dir: &Path) -> Result<Dataset, Vec<Problem>> {
    read_dir_with(dir, None)
}

/// Read a canonical directory whose platform report `report_file` is about to
/// be replaced by a new export of the same file: the old records of that
/// document are not checked against the new text (the records that replace
/// them are, once the report is applied).
pub fn read_dir_before_report(dir: &Path, report_file: &str) -> Result<Dataset, Vec<Problem>> {
    read_dir_with(dir, Some(report_file))
}

fn read_dir_with(dir: &Path, report_file: Option<&str>) -> Result<Dataset, Vec<Problem>> {
    let mut problems = Vec::new();
    if !dir.is_dir() {
        return Err(vec![Problem {
            file: dir.display().to_string(),
            line: 0,
            field: "directory".into(),
            message: "is not a directory".into(),
        }]);
    }
    let started = std::time::Instant::now();
    let bytes: u64 =
        TABLES.iter().filter_map(|(file, _, _)| std::fs::metadata(dir.join(file)).ok()).map(|m| m.len()).sum();
    crate::progress::begin(crate::progress::Step::Read, bytes);
    let mut raw: HashMap<&str, Vec<RawRow>> = HashMap::new();
    // Files are parsed in parallel, the progress updates typed as they are
    // read; problems and files keep the table order.
    let ((updates, update_lines, mut update_problems), read) = rayon::join(
        || {
            let mut problems = Vec::new();
            let (updates, lines) = rows::progress_updates(dir, &mut problems);
            (updates, lines, problems)
        },
        || {
            TABLES
                .par_iter()
                .map(|(file, required, columns)| {
                    let mut problems = Vec::new();
                    let rows = match *file == rows::UPDATES {
                        true => Vec::new(),
                        false => read_table(dir, file, *required, columns, &mut problems),
                    };
                    (*file, rows, problems)
                })
                .collect::<Vec<_>>()
        },
    );
    for (file, rows, found) in read {
        raw.insert(file, rows);
        problems.extend(found);
        if file == rows::UPDATES {
            problems.append(&mut update_problems);
        }
    }
    crate::progress::finish(crate::progress::Step::Read);
    log::debug!("read: files parsed in {:.2} s", started.elapsed().as_secs_f64());
    let mut lines: HashMap<&'static str, Vec<usize>> = HashMap::from([(rows::UPDATES, update_lines)]);
    let mut take = |name: &'static str| {
        let rows = raw.remove(name).unwrap_or_default();
        lines.insert(name, rows.iter().map(|(l, _)| *l).collect());
        rows
    };
    let (mut ds, untyped_roles) = rows::typed(&mut take, updates, &mut problems);
    log::debug!("read: rows typed in {:.2} s", started.elapsed().as_secs_f64());
    sources::read_sources(dir, &mut ds, &lines, &mut problems);
    let stale = report_file.and_then(|f| ds.source_documents.iter().find(|d| d.file_name == f)).map(|d| d.id.clone());
    checks::check_references(&ds, &lines, stale.as_deref(), &untyped_roles, &mut problems);
    if !problems.is_empty() {
        return Err(problems);
    }
    log::debug!("read: references checked in {:.2} s", started.elapsed().as_secs_f64());
    derive::compute(&mut ds);
    log::debug!("read: derived in {:.2} s", started.elapsed().as_secs_f64());
    Ok(ds)
}

/// The lines of a text: `\n` separates them, and a final `\n` ends the
/// last line rather than starting an empty one.
pub fn text_lines(text: &str) -> Vec<&str> {
    crate::text::lines_of(text).collect()
}
