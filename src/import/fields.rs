//! Checks on every field of a canonical CSV file that the CSV reader lets
//! through: quotes RFC 4180 does not allow (the `csv` crate reads `ab"c` and
//! `"ab"c` as text), NUL bytes (PostgreSQL cannot store them, SQLite can: both
//! refuse them here, with file, line and field) and texts longer than a
//! spreadsheet cell (the XLSX download could not hold them).

use super::Problem;
use crate::text::{cell_chars, MAX_CELL_CHARS};

/// Problems of one record. `raw` is the file from the record's first byte
/// (the scan stops at the record's end); `line` is its first line.
pub fn check_record(
    file: &str,
    line: usize,
    header: &[String],
    record: &csv::StringRecord,
    raw: &[u8],
) -> Vec<Problem> {
    let name = |i: usize| header.get(i).cloned().unwrap_or_else(|| format!("field {}", i + 1));
    let mut out = Vec::new();
    if let Some((field, lines)) = stray_quote(raw) {
        out.push(Problem {
            file: file.into(),
            line: line + lines,
            field: name(field),
            message: "has a quote (\") that is not allowed here: a field holding quotes must be enclosed in \
                      quotes, with each quote inside doubled (\"say \"\"yes\"\"\")"
                .into(),
        });
    }
    for (i, value) in record.iter().enumerate() {
        if let Some(at) = value.find('\0') {
            let lines = value[..at].matches('\n').count();
            out.push(Problem {
                file: file.into(),
                line: line + lines,
                field: name(i),
                message: "contains a NUL byte (U+0000), which a text may not hold".into(),
            });
        }
        if value.len() > MAX_CELL_CHARS {
            let n = cell_chars(value);
            if n > MAX_CELL_CHARS {
                out.push(Problem {
                    file: file.into(),
                    line,
                    field: name(i),
                    message: format!(
                        "is {n} characters long; a text may hold at most {MAX_CELL_CHARS} \
                         (a spreadsheet cell's limit: the XLSX download could not hold it)"
                    ),
                });
            }
        }
    }
    out
}

/// Where a record breaks RFC 4180's quoting, as (field index, lines from
/// the record's first line): a quote in a field that does not start with
/// one, or text after a field's closing quote. None for a well-formed record.
pub fn stray_quote(raw: &[u8]) -> Option<(usize, usize)> {
    let (mut field, mut lines, mut i) = (0, 0, 0);
    loop {
        if raw.get(i) == Some(&b'"') {
            i += 1;
            loop {
                match raw.get(i) {
                    // Unterminated: the CSV reader has taken the rest of the file.
                    None => return None,
                    Some(b'"') if raw.get(i + 1) == Some(&b'"') => i += 2,
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(b) => {
                        lines += usize::from(*b == b'\n');
                        i += 1;
                    }
                }
            }
            match raw.get(i) {
                None | Some(b'\n' | b'\r') => return None,
                Some(b',') => i += 1,
                Some(_) => return Some((field, lines)),
            }
        } else {
            loop {
                match raw.get(i) {
                    None | Some(b'\n' | b'\r') => return None,
                    Some(b',') => {
                        i += 1;
                        break;
                    }
                    Some(b'"') => return Some((field, lines)),
                    Some(_) => i += 1,
                }
            }
        }
        field += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_allowed_only_as_rfc_4180_says() {
        assert_eq!(stray_quote(b"a,b,c\nx\"y"), None);
        assert_eq!(stray_quote(b"a,\"b, \"\"c\"\"\nd\",e\n"), None);
        assert_eq!(stray_quote(b"\"\",,\r\n"), None);
        assert_eq!(stray_quote(b"a,b\"c,d\n"), Some((1, 0)));
        assert_eq!(stray_quote(b"a,\"b\nc\"d,e\n"), Some((1, 1)));
        assert_eq!(stray_quote(b"a,b,c\"\n"), Some((2, 0)));
    }

    #[test]
    fn the_csv_reader_alone_accepts_stray_quotes() {
        // Why this module exists: both records parse without an error.
        let mut rdr = csv::ReaderBuilder::new().has_headers(false).from_reader(&b"a,b\"c\n\"x\"y,z\n"[..]);
        let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
        assert_eq!((&rows[0][1], &rows[1][0]), ("b\"c", "xy"));
    }
}
