//! The source documents' texts, read beside the canonical folder and
//! checked against their SHA-256.

use std::collections::HashMap;
use std::path::Path;

use super::{text_lines, Dataset, Problem};

/// Where a source document's file is: in a `sources` folder inside the
/// canonical folder, or beside it (`data/sources` for `data/canonical`).
pub fn source_path(dir: &Path, file_name: &str) -> std::path::PathBuf {
    let inside = dir.join("sources").join(file_name);
    if inside.is_file() {
        return inside;
    }
    dir.join("..").join("sources").join(file_name)
}

/// Read every source document's text, checking it against its SHA-256.
pub(super) fn read_sources(
    dir: &Path,
    ds: &mut Dataset,
    lines: &HashMap<&'static str, Vec<usize>>,
    problems: &mut Vec<Problem>,
) {
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
