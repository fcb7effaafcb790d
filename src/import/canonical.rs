//! The canonical dataset format: one UTF-8 CSV file per table, with a header
//! row, in a directory. Files and columns are listed in `TABLES`; the data
//! dictionary (`data/DICTIONARY.md`) explains each column. Derived columns
//! (counts, status, computed progress) are not part of it: the importer
//! computes them.

use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::Path;

pub use super::dataset::Dataset;
use super::derive;
use super::Problem;
use crate::models::*;
use crate::percent;
use crate::vocabulary::*;

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

/// One data row of a canonical file.
struct Record<'p> {
    file: &'static str,
    line: usize,
    columns: &'static [&'static str],
    values: csv::StringRecord,
    problems: &'p mut Vec<Problem>,
}

impl Record<'_> {
    fn problem(&mut self, field: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            file: self.file.to_string(),
            line: self.line,
            field: field.to_string(),
            message: message.into(),
        });
    }

    fn opt(&self, field: &str) -> Option<String> {
        let at = self.columns.iter().position(|c| *c == field)?;
        self.values.get(at).filter(|v| !v.is_empty()).map(str::to_string)
    }

    fn req(&mut self, field: &str) -> String {
        match self.opt(field) {
            Some(v) => v,
            None => {
                self.problem(field, "is required");
                String::new()
            }
        }
    }

    /// A value of a closed list (see `crate::vocabulary`).
    fn one_of<T: Vocabulary>(&mut self, field: &str, required: bool) -> Option<T> {
        let v = if required { Some(self.req(field)).filter(|v| !v.is_empty()) } else { self.opt(field) }?;
        match v.parse::<T>() {
            Ok(value) => Some(value),
            Err(e) => {
                self.problem(field, format!("`{v}` is not one of: {}", e.allowed.join(", ")));
                None
            }
        }
    }

    fn boolean(&mut self, field: &str) -> bool {
        match self.req(field).as_str() {
            "true" => true,
            "false" => false,
            "" => false,
            v => {
                let v = v.to_string();
                self.problem(field, format!("`{v}` is not true or false"));
                false
            }
        }
    }

    fn int(&mut self, field: &str) -> Option<i32> {
        let v = self.opt(field)?;
        match v.parse::<i32>() {
            Ok(n) if n >= 0 => Some(n),
            _ => {
                self.problem(field, format!("`{v}` is not a whole number"));
                None
            }
        }
    }

    fn percent(&mut self, field: &str) -> Option<i32> {
        let v = self.opt(field)?;
        match percent::parse_hundredths(&v).filter(|h| (0..=10000).contains(h)) {
            Some(h) => Some(h),
            None => {
                self.problem(field, format!("`{v}` is not a percentage from 0 to 100 with at most two decimals"));
                None
            }
        }
    }

    fn date(&mut self, field: &str) -> Option<String> {
        let v = self.opt(field)?;
        if v.len() == 10 && chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d").is_ok() {
            Some(v)
        } else {
            self.problem(field, format!("`{v}` is not a date written YYYY-MM-DD"));
            None
        }
    }

    fn timestamp(&mut self, field: &str) -> String {
        let v = self.req(field);
        if !v.is_empty() && chrono::NaiveDateTime::parse_from_str(&v, "%Y-%m-%dT%H:%M:%S").is_err() {
            self.problem(field, format!("`{v}` is not a timestamp written YYYY-MM-DDTHH:MM:SS"));
        }
        v
    }

    /// A plan period bound: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    fn period(&mut self, field: &str) -> Option<String> {
        let v = self.opt(field)?;
        let ok = match v.len() {
            4 => v.parse::<u16>().is_ok(),
            7 => chrono::NaiveDate::parse_from_str(&format!("{v}-01"), "%Y-%m-%d").is_ok(),
            10 => chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d").is_ok(),
            _ => false,
        };
        if !ok {
            self.problem(field, format!("`{v}` is not YYYY, YYYY-MM or YYYY-MM-DD"));
        }
        Some(v)
    }

    /// A list stored as a JSON array of strings (its items may hold line breaks).
    fn json_list(&mut self, field: &str) -> String {
        let Some(v) = self.opt(field) else { return "[]".into() };
        match serde_json::from_str::<Vec<String>>(&v) {
            Ok(_) => v,
            Err(_) => {
                self.problem(field, "is not a JSON array of strings, like [\"first\",\"second\"]");
                "[]".into()
            }
        }
    }

    fn source(&mut self) -> (String, String) {
        (self.req("source_document"), self.req("source_location"))
    }
}

/// A data row: its line in the file and its values, in the file's columns.
type RawRow = (usize, csv::StringRecord);

/// Read one file into records (header checked); a missing optional file is empty.
fn read_table(
    dir: &Path,
    file: &'static str,
    required: bool,
    columns: &'static [&'static str],
    problems: &mut Vec<Problem>,
) -> Vec<RawRow> {
    let path = dir.join(file);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => return vec![],
        Err(e) => {
            problems.push(Problem {
                file: file.into(),
                line: 0,
                field: "file".into(),
                message: format!("cannot read: {e}"),
            });
            return vec![];
        }
    };
    let fail = |problems: &mut Vec<Problem>, line: usize, field: &str, message: String| {
        problems.push(Problem { file: file.into(), line, field: field.into(), message });
    };
    if bytes.is_empty() {
        fail(problems, 0, "file", "is empty; expected a header row".into());
        return vec![];
    }
    let mut rdr = csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(bytes.as_slice());
    let header: Vec<String> = match rdr.headers() {
        Ok(h) => h.iter().map(str::to_string).collect(),
        Err(e) => {
            fail(problems, 1, "header", format!("cannot read the header: {}", csv_reason(&e)));
            return vec![];
        }
    };
    if header != columns {
        let missing: Vec<&str> = columns.iter().copied().filter(|c| !header.iter().any(|h| h == c)).collect();
        let unknown: Vec<&str> = header.iter().map(String::as_str).filter(|h| !columns.contains(h)).collect();
        fail(
            problems,
            1,
            "header",
            format!(
                "columns must be exactly: {} (missing: {}; unknown: {})",
                columns.join(","),
                if missing.is_empty() { "none".into() } else { missing.join(",") },
                if unknown.is_empty() { "none".into() } else { unknown.join(",") }
            ),
        );
        return vec![];
    }
    let mut out = Vec::new();
    for result in rdr.records() {
        match result {
            Ok(rec) => {
                let (line, start) = rec.position().map_or((0, 0), |p| (p.line() as usize, p.byte() as usize));
                problems.extend(super::fields::check_record(file, line, &header, &rec, &bytes[start..]));
                out.push((line, rec));
            }
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
                fail(problems, line, "row", csv_reason(&e));
            }
        }
    }
    out
}

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "is not valid UTF-8 (files must be UTF-8 encoded)".into(),
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("has {len} fields where the header has {expected_len}")
        }
        _ => e.to_string(),
    }
}

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
    let mut ds = Dataset::default();
    let mut raw: HashMap<&str, Vec<RawRow>> = HashMap::new();
    // Files are parsed in parallel; problems and files keep the table order.
    let read: Vec<_> = TABLES
        .par_iter()
        .map(|(file, required, columns)| {
            let mut problems = Vec::new();
            let rows = read_table(dir, file, *required, columns, &mut problems);
            (*file, rows, problems)
        })
        .collect();
    for (file, rows, found) in read {
        raw.insert(file, rows);
        problems.extend(found);
    }
    log::debug!("read: files parsed in {:.2} s", started.elapsed().as_secs_f64());
    let mut lines: HashMap<&'static str, Vec<usize>> = HashMap::new();
    let mut take = |name: &'static str| {
        let rows = raw.remove(name).unwrap_or_default();
        lines.insert(name, rows.iter().map(|(l, _)| *l).collect());
        rows
    };
    let p = &mut problems;

    macro_rules! each {
        ($file:expr, |$r:ident, $seq:ident| $body:block) => {{
            let mut out = Vec::new();
            let columns = TABLES.iter().find(|(f, _, _)| *f == $file).map_or(&[][..], |(_, _, c)| *c);
            for (i, (line, values)) in take($file).into_iter().enumerate() {
                let $seq = i as i32 + 1;
                let mut $r = Record { file: $file, line, columns, values, problems: p };
                out.push($body);
            }
            out
        }};
    }

    ds.source_documents = each!("source_documents.csv", |r, seq| {
        SourceDocumentRow {
            id: r.req("id"),
            seq,
            file_name: r.req("file_name"),
            title: r.req("title"),
            description: r.opt("description"),
            sha256: r.req("sha256"),
            text: String::new(),
            line_count: 0,
        }
    });
    ds.institutions = each!("institutions.csv", |r, seq| {
        let (sd, sl) = r.source();
        InstitutionRow {
            id: r.req("id"),
            seq,
            name: r.req("name"),
            name_key: String::new(),
            acronym: r.opt("acronym"),
            kind: r.one_of::<InstitutionKind>("kind", true).unwrap_or_default(),
            parent_id: r.opt("parent_id"),
            source_document: sd,
            source_location: sl,
            commitment_count: 0,
            milestone_count: 0,
            completed_milestone_count: 0,
            average_progress: None,
            search_text: String::new(),
            name_in_sources: false,
            acronym_in_sources: None,
            started_milestone_count: 0,
            not_started_milestone_count: 0,
            no_data_milestone_count: 0,
            overdue_milestone_count: 0,
            average_progress_milestones: 0,
        }
    });
    ds.aliases = each!("institution_aliases.csv", |r, seq| {
        InstitutionAliasRow {
            institution_id: r.req("institution_id"),
            alias: r.req("alias"),
            seq,
            in_text: r.boolean("in_text"),
            in_sources: false,
        }
    });
    ds.plans = each!("plans.csv", |r, seq| {
        let (sd, sl) = r.source();
        let country = r.req("country");
        if !country.is_empty() && (country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase())) {
            r.problem("country", format!("`{country}` is not an ISO 3166-1 alpha-2 code"));
        }
        PlanRow {
            id: r.req("id"),
            seq,
            title: r.req("title"),
            short_name: r.req("short_name"),
            country,
            kind: r.one_of::<PlanKind>("kind", true).unwrap_or_default(),
            period_start: r.period("period_start"),
            period_end: r.period("period_end"),
            objective: r.opt("objective"),
            description: r.opt("description"),
            stated_commitment_total: r.int("stated_commitment_total"),
            published_milestones_not_started: r.int("published_milestones_not_started"),
            published_milestones_started: r.int("published_milestones_started"),
            published_milestones_completed: r.int("published_milestones_completed"),
            source_document: sd,
            source_location: sl,
            commitment_count: 0,
            milestone_count: 0,
            milestones_not_started: 0,
            milestones_started: 0,
            milestones_completed: 0,
            progress_update_count: 0,
            search_text: String::new(),
            tracks_progress: false,
            progress_as_of: None,
            milestones_no_data: 0,
            milestones_overdue: 0,
            computed_progress: None,
            computed_progress_milestones: None,
            title_in_sources: false,
        }
    });
    ds.sections = each!("plan_sections.csv", |r, seq| {
        let (sd, sl) = r.source();
        PlanSectionRow {
            id: r.req("id"),
            plan_id: r.req("plan_id"),
            seq,
            kind: r.req("kind"),
            title: r.req("title"),
            body: r.req("body"),
            source_document: sd,
            source_location: sl,
            search_text: String::new(),
            title_in_sources: false,
        }
    });
    ds.participants = each!("plan_participants.csv", |r, seq| {
        let (sd, sl) = r.source();
        PlanParticipantRow {
            id: r.req("id"),
            plan_id: r.req("plan_id"),
            seq,
            name: r.req("name"),
            position: r.opt("position"),
            institution_id: r.opt("institution_id"),
            source_document: sd,
            source_location: sl,
            search_text: String::new(),
        }
    });
    ds.risks = each!("plan_risks.csv", |r, seq| {
        let (sd, sl) = r.source();
        PlanRiskRow {
            id: r.req("id"),
            plan_id: r.req("plan_id"),
            seq,
            scenario: r.req("scenario"),
            warning_signs: r.opt("warning_signs"),
            preventive_actions: r.opt("preventive_actions"),
            damage_reduction: r.opt("damage_reduction"),
            adjustments: r.opt("adjustments"),
            source_document: sd,
            source_location: sl,
            search_text: String::new(),
        }
    });
    ds.commitments = each!("commitments.csv", |r, seq| {
        let (sd, sl) = r.source();
        CommitmentRow {
            id: r.req("id"),
            seq,
            plan_id: r.req("plan_id"),
            number: r.req("number"),
            title: r.req("title"),
            description: r.opt("description"),
            reported_progress: r.percent("reported_progress"),
            reported_progress_raw: r.opt("reported_progress_raw"),
            source_document: sd,
            source_location: sl,
            computed_progress: None,
            status: Status::default(),
            milestone_count: 0,
            search_text: String::new(),
            computed_progress_milestones: None,
        }
    });
    ds.milestones = each!("milestones.csv", |r, seq| {
        let (sd, sl) = r.source();
        MilestoneRow {
            id: r.req("id"),
            seq,
            commitment_id: r.req("commitment_id"),
            plan_id: String::new(),
            code: r.req("code"),
            description: r.req("description"),
            expected_results: r.json_list("expected_results"),
            start_raw: r.opt("start_raw"),
            start_date: r.date("start_date"),
            start_precision: r.one_of("start_precision", false),
            end_raw: r.opt("end_raw"),
            end_date: r.date("end_date"),
            end_precision: r.one_of("end_precision", false),
            term: r.opt("term"),
            source_document: sd,
            source_location: sl,
            status: Status::default(),
            latest_progress: None,
            latest_progress_at: None,
            progress_update_count: 0,
            search_text: String::new(),
            overdue: None,
        }
    });
    ds.progress_updates = each!("progress_updates.csv", |r, seq| {
        let (sd, sl) = r.source();
        let position = r.int("position");
        if position.is_none() {
            r.problem("position", "is required: the update's order within its milestone, from 1");
        }
        ProgressUpdateRow {
            id: r.req("id"),
            seq,
            milestone_id: r.req("milestone_id"),
            commitment_id: String::new(),
            plan_id: String::new(),
            position: position.unwrap_or(0),
            reported_at: r.timestamp("reported_at"),
            description: r.req("description"),
            percent: r.percent("percent"),
            percent_raw: r.opt("percent_raw"),
            verification_line: r.boolean("verification_line"),
            verification: r.opt("verification"),
            links: String::new(),
            source_document: sd,
            source_location: sl,
            search_text: String::new(),
        }
    });
    // Roles whose subject_type was refused: their subject_id is checked
    // against no type (see `check_references`).
    let mut untyped_roles: HashSet<i32> = HashSet::new();
    ds.roles = each!("institution_roles.csv", |r, seq| {
        let (sd, sl) = r.source();
        let institution_id = r.req("institution_id");
        let role = r.one_of::<Role>("role", true);
        let subject_type = r.one_of::<RoleSubject>("subject_type", true);
        let subject_id = r.req("subject_id");
        if subject_type.is_none() {
            untyped_roles.insert(seq);
        }
        // An invalid value is a problem already; the id leaves it empty.
        let (t, n) = (subject_type.map_or("", RoleSubject::as_str), role.map_or("", Role::as_str));
        InstitutionRoleRow {
            id: format!("{t}:{subject_id}:{n}:{institution_id}"),
            seq,
            institution_id,
            role: role.unwrap_or_default(),
            participant_group: r.one_of("participant_group", false),
            subject_type: subject_type.unwrap_or_default(),
            subject_id,
            plan_id: String::new(),
            source_document: sd,
            source_location: sl,
            origin: RoleOrigin::Curated,
        }
    });
    ds.headings = each!("source_headings.csv", |r, seq| {
        let line = r.int("line").unwrap_or(0);
        let level = r.int("level").unwrap_or(0);
        if line == 0 {
            r.problem("line", "is required: a line of the document, from 1");
        }
        SourceHeadingRow {
            id: r.req("id"),
            seq,
            document_id: r.req("document_id"),
            line,
            kind: r.one_of::<HeadingKind>("kind", true).unwrap_or_default(),
            level: level.max(1),
            number: r.opt("number"),
            title: r.req("title"),
            page: r.opt("page"),
            heading_line: r.int("heading_line"),
        }
    });
    ds.retired = each!("retired_ids.csv", |r, seq| {
        RetiredIdRow {
            record_type: r.one_of::<RetirableType>("record_type", true).unwrap_or_default(),
            record_id: r.req("record_id"),
            seq,
        }
    });
    log::debug!("read: rows typed in {:.2} s", started.elapsed().as_secs_f64());
    read_sources(dir, &mut ds, &lines, &mut problems);
    let stale = report_file.and_then(|f| ds.source_documents.iter().find(|d| d.file_name == f)).map(|d| d.id.clone());
    check_references(&ds, &lines, stale.as_deref(), &untyped_roles, &mut problems);
    if !problems.is_empty() {
        return Err(problems);
    }
    log::debug!("read: references checked in {:.2} s", started.elapsed().as_secs_f64());
    derive::compute(&mut ds);
    log::debug!("read: derived in {:.2} s", started.elapsed().as_secs_f64());
    Ok(ds)
}

/// Where a source document's file is: in a `sources` folder inside the
/// canonical folder, or beside it (`data/sources` for `data/canonical`).
pub fn source_path(dir: &Path, file_name: &str) -> std::path::PathBuf {
    let inside = dir.join("sources").join(file_name);
    if inside.is_file() {
        return inside;
    }
    dir.join("..").join("sources").join(file_name)
}

/// The lines of a text: `\n` separates them, and a final `\n` ends the
/// last line rather than starting an empty one.
pub fn text_lines(text: &str) -> Vec<&str> {
    crate::text::lines_of(text).collect()
}

/// Read every source document's text, checking it against its SHA-256.
fn read_sources(dir: &Path, ds: &mut Dataset, lines: &HashMap<&'static str, Vec<usize>>, problems: &mut Vec<Problem>) {
    use sha2::{Digest, Sha256};
    for (i, d) in ds.source_documents.iter_mut().enumerate() {
        let line = lines.get("source_documents.csv").and_then(|l| l.get(i)).copied().unwrap_or(0);
        let mut fail = |field: &str, message: String| {
            problems.push(Problem { file: "source_documents.csv".into(), line, field: field.into(), message })
        };
        if d.file_name.is_empty() || d.file_name.contains(['/', '\\']) || d.file_name.starts_with('.') {
            fail("file_name", format!("`{}` is not a plain file name", d.file_name));
            continue;
        }
        let path = source_path(dir, &d.file_name);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                fail(
                    "file_name",
                    format!(
                        "cannot read the source file `{}` (looked in sources/ inside and beside the folder): {e}",
                        d.file_name
                    ),
                );
                continue;
            }
        };
        let digest = hex::encode(Sha256::digest(&bytes));
        if digest != d.sha256 {
            fail(
                "sha256",
                format!("`{}` does not match the file `{}` (its SHA-256 is {digest})", d.sha256, d.file_name),
            );
        }
        match String::from_utf8(bytes) {
            Ok(text) => {
                d.line_count = text_lines(&text).len() as i32;
                d.text = text;
            }
            Err(e) => fail(
                "file_name",
                format!(
                    "the source file `{}` is not valid UTF-8 (at byte {})",
                    d.file_name,
                    e.utf8_error().valid_up_to()
                ),
            ),
        }
    }
}

pub use crate::text::parse_location;

/// Check a dataset assembled in memory (e.g. after merging a report):
/// unique ids and references. Problems carry no line numbers.
pub fn validate(ds: &Dataset) -> Vec<Problem> {
    let mut problems = Vec::new();
    check_references(ds, &HashMap::new(), None, &HashSet::new(), &mut problems);
    problems
}

/// Every `source_location` names lines that its document has (when the
/// documents' texts are known), and every heading is on such a line.
fn check_locations(
    ds: &Dataset,
    line_of: &dyn Fn(&str, i32) -> usize,
    stale: Option<&str>,
    problems: &mut Vec<Problem>,
) {
    let counts: HashMap<&str, i32> = ds
        .source_documents
        .iter()
        .filter(|d| !d.text.is_empty() && Some(d.id.as_str()) != stale)
        .map(|d| (d.id.as_str(), d.line_count))
        .collect();
    let mut check = |file: &str, seq: i32, document: &str, location: &str| match parse_location(location) {
        None => problems.push(Problem {
            file: file.into(),
            line: line_of(file, seq),
            field: "source_location".into(),
            message: format!("`{location}` is not `line N` or `lines N-M`"),
        }),
        Some((_, last)) => {
            if let Some(n) = counts.get(document) {
                if last > *n as usize {
                    problems.push(Problem {
                        file: file.into(),
                        line: line_of(file, seq),
                        field: "source_location".into(),
                        message: format!("`{location}` is past the end of document {document} ({n} lines)"),
                    });
                }
            }
        }
    };
    for r in &ds.institutions {
        check("institutions.csv", r.seq, &r.source_document, &r.source_location);
    }
    for r in &ds.plans {
        check("plans.csv", r.seq, &r.source_document, &r.source_location);
    }
    for r in &ds.sections {
        check("plan_sections.csv", r.seq, &r.source_document, &r.source_location);
    }
    for r in &ds.participants {
        check("plan_participants.csv", r.seq, &r.source_document, &r.source_location);
    }
    for r in &ds.risks {
        check("plan_risks.csv", r.seq, &r.source_document, &r.source_location);
    }
    for r in &ds.commitments {
        check("commitments.csv", r.seq, &r.source_document, &r.source_location);
    }
    for r in &ds.milestones {
        check("milestones.csv", r.seq, &r.source_document, &r.source_location);
    }
    for r in &ds.progress_updates {
        check("progress_updates.csv", r.seq, &r.source_document, &r.source_location);
    }
    for r in ds.roles.iter().filter(|r| r.origin == RoleOrigin::Curated) {
        check("institution_roles.csv", r.seq, &r.source_document, &r.source_location);
    }
    for r in &ds.headings {
        for (field, line) in [("line", Some(r.line)), ("heading_line", r.heading_line)] {
            let n = counts.get(r.document_id.as_str());
            if let (Some(line), Some(n)) = (line, n) {
                if line < 1 || line > *n {
                    problems.push(Problem {
                        file: "source_headings.csv".into(),
                        line: line_of("source_headings.csv", r.seq),
                        field: field.into(),
                        message: format!("{line} is not a line of document {} ({n} lines)", r.document_id),
                    });
                }
            }
        }
    }
}

/// A curated role's lines name its institution: one of its names or aliases
/// is written there (accents and case aside), so that every role traces to
/// where the source names the institution.
fn check_role_lines(
    ds: &Dataset,
    line_of: &dyn Fn(&str, i32) -> usize,
    stale: Option<&str>,
    problems: &mut Vec<Problem>,
) {
    let texts: HashMap<&str, Vec<&str>> = ds
        .source_documents
        .iter()
        .filter(|d| !d.text.is_empty() && Some(d.id.as_str()) != stale)
        .map(|d| (d.id.as_str(), text_lines(&d.text)))
        .collect();

    let mut names: HashMap<&str, Vec<String>> = HashMap::new();
    for i in &ds.institutions {
        names.entry(i.id.as_str()).or_default().push(crate::text::fold(&i.name));
    }
    for a in &ds.aliases {
        names.entry(a.institution_id.as_str()).or_default().push(crate::text::fold(&a.alias));
    }
    // On all cores: a role's lines are folded where it is checked.
    let found: Vec<&InstitutionRoleRow> = ds
        .roles
        .par_iter()
        .with_min_len(1024)
        .filter(|r| r.origin == RoleOrigin::Curated)
        .filter_map(|r| {
            let lines = texts.get(r.source_document.as_str())?;
            let (a, b) = parse_location(&r.source_location)?;
            let known = names.get(r.institution_id.as_str()).map(Vec::as_slice).unwrap_or_default();
            let named = (a..=b).any(|n| {
                lines.get(n - 1).is_some_and(|line| {
                    let line = crate::text::fold(line);
                    known.iter().any(|k| crate::text::contains_word(&line, k))
                })
            });
            (!named && !known.is_empty()).then_some(r)
        })
        .collect();
    for r in found {
        problems.push(Problem {
            file: "institution_roles.csv".into(),
            line: line_of("institution_roles.csv", r.seq),
            field: "source_location".into(),
            message: format!(
                "{} of document {} does not name `{}` (none of its names or aliases is written there)",
                r.source_location, r.source_document, r.institution_id
            ),
        });
    }
}

/// A retired id is not in use again.
fn check_retired(ds: &Dataset, line_of: &dyn Fn(&str, i32) -> usize, problems: &mut Vec<Problem>) {
    let live: HashSet<(&str, &str)> = ds
        .commitments
        .iter()
        .map(|r| ("commitment", r.id.as_str()))
        .chain(ds.milestones.iter().map(|r| ("milestone", r.id.as_str())))
        .chain(ds.progress_updates.iter().map(|r| ("progress_update", r.id.as_str())))
        .collect();
    for r in &ds.retired {
        if live.contains(&(r.record_type.as_str(), r.record_id.as_str())) {
            problems.push(Problem {
                file: "retired_ids.csv".into(),
                line: line_of("retired_ids.csv", r.seq),
                field: "record_id".into(),
                message: format!("`{}` was retired and cannot be used by a {} again", r.record_id, r.record_type),
            });
        }
    }
}

/// Unique ids and every reference pointing at something that exists.
fn check_references(
    ds: &Dataset,
    lines: &HashMap<&'static str, Vec<usize>>,
    stale: Option<&str>,
    untyped_roles: &HashSet<i32>,
    problems: &mut Vec<Problem>,
) {
    let line_of = |file: &str, seq: i32| -> usize {
        lines.get(file).and_then(|l| l.get((seq.max(1) - 1) as usize)).copied().unwrap_or(0)
    };
    let ids = |file: &str, rows: &mut dyn Iterator<Item = (&'_ str, i32)>, problems: &mut Vec<Problem>| {
        let mut seen: HashSet<String> = HashSet::new();
        for (id, seq) in rows {
            if !id.is_empty() && !seen.insert(id.to_string()) {
                problems.push(Problem {
                    file: file.into(),
                    line: line_of(file, seq),
                    field: "id".into(),
                    message: format!("`{id}` appears more than once"),
                });
            }
        }
        seen
    };
    let docs = ids("source_documents.csv", &mut ds.source_documents.iter().map(|r| (r.id.as_str(), r.seq)), problems);
    let insts = ids("institutions.csv", &mut ds.institutions.iter().map(|r| (r.id.as_str(), r.seq)), problems);
    let plans = ids("plans.csv", &mut ds.plans.iter().map(|r| (r.id.as_str(), r.seq)), problems);
    let commitments = ids("commitments.csv", &mut ds.commitments.iter().map(|r| (r.id.as_str(), r.seq)), problems);
    let milestones = ids("milestones.csv", &mut ds.milestones.iter().map(|r| (r.id.as_str(), r.seq)), problems);
    let updates =
        ids("progress_updates.csv", &mut ds.progress_updates.iter().map(|r| (r.id.as_str(), r.seq)), problems);
    let sections = ids("plan_sections.csv", &mut ds.sections.iter().map(|r| (r.id.as_str(), r.seq)), problems);
    let participants =
        ids("plan_participants.csv", &mut ds.participants.iter().map(|r| (r.id.as_str(), r.seq)), problems);
    let risks = ids("plan_risks.csv", &mut ds.risks.iter().map(|r| (r.id.as_str(), r.seq)), problems);
    ids("source_headings.csv", &mut ds.headings.iter().map(|r| (r.id.as_str(), r.seq)), problems);
    check_locations(ds, &line_of, stale, problems);
    check_role_lines(ds, &line_of, stale, problems);
    check_retired(ds, &line_of, problems);
    ids("institution_roles.csv", &mut ds.roles.iter().map(|r| (r.id.as_str(), r.seq)), problems);

    let mut refcheck = |file: &str, seq: i32, field: &str, value: &str, set: &HashSet<String>, what: &str| {
        if !value.is_empty() && !set.contains(value) {
            problems.push(Problem {
                file: file.into(),
                line: line_of(file, seq),
                field: field.into(),
                message: format!("`{value}` is not a known {what}"),
            });
        }
    };
    for r in &ds.institutions {
        refcheck("institutions.csv", r.seq, "source_document", &r.source_document, &docs, "source document");
        if let Some(p) = &r.parent_id {
            refcheck("institutions.csv", r.seq, "parent_id", p, &insts, "institution");
        }
    }
    for r in &ds.aliases {
        refcheck("institution_aliases.csv", r.seq, "institution_id", &r.institution_id, &insts, "institution");
    }
    for r in &ds.plans {
        refcheck("plans.csv", r.seq, "source_document", &r.source_document, &docs, "source document");
    }
    for r in &ds.sections {
        refcheck("plan_sections.csv", r.seq, "plan_id", &r.plan_id, &plans, "plan");
        refcheck("plan_sections.csv", r.seq, "source_document", &r.source_document, &docs, "source document");
    }
    for r in &ds.participants {
        refcheck("plan_participants.csv", r.seq, "plan_id", &r.plan_id, &plans, "plan");
        if let Some(i) = &r.institution_id {
            refcheck("plan_participants.csv", r.seq, "institution_id", i, &insts, "institution");
        }
        refcheck("plan_participants.csv", r.seq, "source_document", &r.source_document, &docs, "source document");
    }
    for r in &ds.risks {
        refcheck("plan_risks.csv", r.seq, "plan_id", &r.plan_id, &plans, "plan");
        refcheck("plan_risks.csv", r.seq, "source_document", &r.source_document, &docs, "source document");
    }
    for r in &ds.commitments {
        refcheck("commitments.csv", r.seq, "plan_id", &r.plan_id, &plans, "plan");
        refcheck("commitments.csv", r.seq, "source_document", &r.source_document, &docs, "source document");
    }
    for r in &ds.milestones {
        refcheck("milestones.csv", r.seq, "commitment_id", &r.commitment_id, &commitments, "commitment");
        refcheck("milestones.csv", r.seq, "source_document", &r.source_document, &docs, "source document");
    }
    for r in &ds.progress_updates {
        refcheck("progress_updates.csv", r.seq, "milestone_id", &r.milestone_id, &milestones, "milestone");
        refcheck("progress_updates.csv", r.seq, "source_document", &r.source_document, &docs, "source document");
    }
    for r in &ds.headings {
        refcheck("source_headings.csv", r.seq, "document_id", &r.document_id, &docs, "source document");
    }
    for r in &ds.roles {
        refcheck("institution_roles.csv", r.seq, "institution_id", &r.institution_id, &insts, "institution");
        let set = match r.subject_type {
            RoleSubject::Plan => &plans,
            RoleSubject::Commitment => &commitments,
            RoleSubject::Milestone => &milestones,
            RoleSubject::ProgressUpdate => &updates,
            RoleSubject::PlanSection => &sections,
            RoleSubject::PlanParticipant => &participants,
            RoleSubject::PlanRisk => &risks,
        };
        // A refused subject_type has no type to name (the problem has always
        // said "is not a known " then, checked against the risks).
        let (set, what) = if untyped_roles.contains(&r.seq) { (&risks, "") } else { (set, r.subject_type.as_str()) };
        refcheck("institution_roles.csv", r.seq, "subject_id", &r.subject_id, set, what);
        refcheck("institution_roles.csv", r.seq, "source_document", &r.source_document, &docs, "source document");
    }
}
