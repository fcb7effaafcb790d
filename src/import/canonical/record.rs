//! One canonical file read into rows, its header and fields checked, and
//! one row's values parsed field by field (each bad value a problem with
//! its file, line and field).

use std::path::Path;

use super::Problem;
use crate::percent;
use crate::vocabulary::Vocabulary;

/// One data row of a canonical file.
pub(super) struct Record<'p> {
    pub(super) file: &'static str,
    pub(super) line: usize,
    pub(super) columns: &'static [&'static str],
    pub(super) values: csv::StringRecord,
    pub(super) problems: &'p mut Vec<Problem>,
}

impl Record<'_> {
    pub(super) fn problem(&mut self, field: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            file: self.file.to_string(),
            line: self.line,
            field: field.to_string(),
            message: message.into(),
        });
    }

    pub(super) fn opt(&self, field: &str) -> Option<String> {
        let at = self.columns.iter().position(|c| *c == field)?;
        self.values.get(at).filter(|v| !v.is_empty()).map(str::to_string)
    }

    pub(super) fn req(&mut self, field: &str) -> String {
        match self.opt(field) {
            Some(v) => v,
            None => {
                self.problem(field, "is required");
                String::new()
            }
        }
    }

    /// A value of a closed list (see `crate::vocabulary`).
    pub(super) fn one_of<T: Vocabulary>(&mut self, field: &str, required: bool) -> Option<T> {
        let v = if required { Some(self.req(field)).filter(|v| !v.is_empty()) } else { self.opt(field) }?;
        match v.parse::<T>() {
            Ok(value) => Some(value),
            Err(e) => {
                self.problem(field, format!("`{v}` is not one of: {}", e.allowed.join(", ")));
                None
            }
        }
    }

    pub(super) fn boolean(&mut self, field: &str) -> bool {
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

    pub(super) fn int(&mut self, field: &str) -> Option<i32> {
        let v = self.opt(field)?;
        match v.parse::<i32>() {
            Ok(n) if n >= 0 => Some(n),
            _ => {
                self.problem(field, format!("`{v}` is not a whole number"));
                None
            }
        }
    }

    pub(super) fn percent(&mut self, field: &str) -> Option<i32> {
        let v = self.opt(field)?;
        match percent::parse_hundredths(&v).filter(|h| (0..=10000).contains(h)) {
            Some(h) => Some(h),
            None => {
                self.problem(field, format!("`{v}` is not a percentage from 0 to 100 with at most two decimals"));
                None
            }
        }
    }

    pub(super) fn date(&mut self, field: &str) -> Option<String> {
        let v = self.opt(field)?;
        if v.len() == 10 && chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d").is_ok() {
            Some(v)
        } else {
            self.problem(field, format!("`{v}` is not a date written YYYY-MM-DD"));
            None
        }
    }

    pub(super) fn timestamp(&mut self, field: &str) -> String {
        let v = self.req(field);
        if !v.is_empty() && chrono::NaiveDateTime::parse_from_str(&v, "%Y-%m-%dT%H:%M:%S").is_err() {
            self.problem(field, format!("`{v}` is not a timestamp written YYYY-MM-DDTHH:MM:SS"));
        }
        v
    }

    /// A plan period bound: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub(super) fn period(&mut self, field: &str) -> Option<String> {
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
    pub(super) fn json_list(&mut self, field: &str) -> String {
        let Some(v) = self.opt(field) else { return "[]".into() };
        match serde_json::from_str::<Vec<String>>(&v) {
            Ok(_) => v,
            Err(_) => {
                self.problem(field, "is not a JSON array of strings, like [\"first\",\"second\"]");
                "[]".into()
            }
        }
    }

    pub(super) fn source(&mut self) -> (String, String) {
        (self.req("source_document"), self.req("source_location"))
    }
}

/// A data row: its line in the file and its values, in the file's columns.
pub(super) type RawRow = (usize, csv::StringRecord);

/// Read one file into records (header checked); a missing optional file is empty.
pub(super) fn read_table(
    dir: &Path,
    file: &'static str,
    required: bool,
    columns: &'static [&'static str],
    problems: &mut Vec<Problem>,
) -> Vec<RawRow> {
    let mut out = Vec::new();
    read_each(dir, file, required, columns, problems, |line, rec, _| out.push((line, rec)));
    out
}

/// Hand each record of one file to `each` (its line, its values, the
/// problems), header checked; a missing optional file has none.
pub(super) fn read_each(
    dir: &Path,
    file: &'static str,
    required: bool,
    columns: &'static [&'static str],
    problems: &mut Vec<Problem>,
    mut each: impl FnMut(usize, csv::StringRecord, &mut Vec<Problem>),
) {
    let path = dir.join(file);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => return,
        Err(e) => {
            problems.push(Problem {
                file: file.into(),
                line: 0,
                field: "file".into(),
                message: format!("cannot read: {e}"),
            });
            return;
        }
    };
    let fail = |problems: &mut Vec<Problem>, line: usize, field: &str, message: String| {
        problems.push(Problem { file: file.into(), line, field: field.into(), message });
    };
    if bytes.is_empty() {
        fail(problems, 0, "file", "is empty; expected a header row".into());
        return;
    }
    let mut rdr = csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(bytes.as_slice());
    let header: Vec<String> = match rdr.headers() {
        Ok(h) => h.iter().map(str::to_string).collect(),
        Err(e) => {
            fail(problems, 1, "header", format!("cannot read the header: {}", csv_reason(&e)));
            return;
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
        return;
    }
    // Bytes parsed, reported a megabyte at a time.
    let mut reported = 0usize;
    for result in rdr.records() {
        match result {
            Ok(rec) => {
                let (line, start) = rec.position().map_or((0, 0), |p| (p.line() as usize, p.byte() as usize));
                if start - reported >= 1 << 20 {
                    crate::progress::advance(crate::progress::Step::Read, (start - reported) as u64);
                    reported = start;
                }
                problems.extend(crate::import::fields::check_record(file, line, &header, &rec, &bytes[start..]));
                each(line, rec, problems);
            }
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
                fail(problems, line, "row", csv_reason(&e));
            }
        }
    }
    crate::progress::advance(crate::progress::Step::Read, bytes.len().saturating_sub(reported) as u64);
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
