//! Text helpers: accent- and case-folding for search, slugs.

/// Fold text for matching: decompose, drop accents, lowercase, and turn every
/// run of non-alphanumeric characters into one space. "Información Pública"
/// and "informacion publica" fold to the same string; ñ folds to n.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = true;
    let mut emit = |c: char, out: &mut String| {
        if c.is_alphanumeric() {
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.extend(c.to_lowercase());
            }
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    };
    for c in s.chars() {
        if c.is_ascii() {
            // Fast path: most text is ASCII and needs no decomposition.
            emit(c, &mut out);
        } else {
            unicode_normalization::char::decompose_canonical(c, |d| {
                if !unicode_normalization::char::is_combining_mark(d) {
                    emit(d, &mut out);
                }
            });
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// The distinct search terms of a query, folded.
pub fn terms(q: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in fold(q).split(' ').filter(|t| !t.is_empty()) {
        if !out.iter().any(|o| o == t) {
            out.push(t.to_string());
        }
    }
    out
}

/// At most `max` characters, with an ellipsis when cut.
pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>().trim_end())
    }
}

/// A lowercase ASCII slug.
pub fn slug(s: &str) -> String {
    fold(s).replace(' ', "-")
}

/// A list stored as a JSON array of strings (expected results); an empty or
/// malformed value is an empty list (the importer refuses malformed ones).
pub fn json_list(stored: &str) -> Vec<String> {
    if stored.is_empty() {
        return Vec::new();
    }
    serde_json::from_str(stored).unwrap_or_default()
}

/// Whether `needle` occurs in `haystack` as a whole word or phrase: not
/// preceded or followed by a letter or digit.
pub fn contains_word(haystack: &str, needle: &str) -> bool {
    find_words(haystack, needle).next().is_some()
}

/// Byte offsets where `needle` occurs in `haystack` as a whole word or phrase.
pub fn find_words<'a>(haystack: &'a str, needle: &'a str) -> impl Iterator<Item = usize> + 'a {
    haystack.match_indices(needle).map(|(i, _)| i).filter(move |i| {
        let before = haystack[..*i].chars().next_back();
        let after = haystack[i + needle.len()..].chars().next();
        !needle.is_empty() && !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// A list for one spreadsheet cell: one item per line. An item that the
/// source wraps over several lines is put on one line here (its line breaks
/// become spaces); the JSON keeps the items exactly as published.
pub fn one_per_line(items: &[String]) -> String {
    items.iter().map(|i| i.replace('\n', " ")).collect::<Vec<_>>().join("\n")
}

/// A `source_location`: `line N` or `lines N-M` (N <= M), as (N, M).
pub fn parse_location(location: &str) -> Option<(usize, usize)> {
    if let Some(n) = location.strip_prefix("line ") {
        let n: usize = n.parse().ok().filter(|n| *n > 0)?;
        return Some((n, n));
    }
    let (a, b) = location.strip_prefix("lines ")?.split_once('-')?;
    let (a, b): (usize, usize) = (a.parse().ok()?, b.parse().ok()?);
    (a > 0 && a <= b).then_some((a, b))
}

/// The lines of a text: `\n` ends each line (a final one does not start
/// another), and a `\r` before it is part of the line.
pub fn lines_of(text: &str) -> impl Iterator<Item = &str> {
    text.strip_suffix('\n').unwrap_or(text).split('\n').filter(move |_| !text.is_empty())
}

/// The longest text a spreadsheet cell holds (Excel's limit, which the XLSX
/// writer enforces), counted as Excel counts: in UTF-16 units.
pub const MAX_CELL_CHARS: usize = 32_767;

/// A text's length as a spreadsheet counts it.
pub fn cell_chars(s: &str) -> usize {
    s.encode_utf16().count()
}

/// Every http(s) link in a text, trailing punctuation removed.
pub fn links(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
        .map(|w| w.trim_end_matches(['.', ',', ';', ')', '"', '”']).to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_removes_accents_case_and_punctuation() {
        assert_eq!(fold("Información  Pública, ¡Ñandú!"), "informacion publica nandu");
        assert_eq!(terms("informacion  PUBLICA publica"), vec!["informacion", "publica"]);
        assert_eq!(slug("Comisión de Gobierno Abierto"), "comision-de-gobierno-abierto");
    }
}
