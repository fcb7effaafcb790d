//! Percentages kept exactly, as integer hundredths: "12.5%" is 1250 and
//! "8.34%" is 834. Never rounded, never a float in storage.

/// Parse "12", "12.5", "12.50", "8.34" or the same with a trailing "%".
pub fn parse_hundredths(s: &str) -> Option<i32> {
    let s = s.trim().trim_end_matches('%').trim();
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s, ""),
    };
    if whole.is_empty() || whole.len() > 6 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) || (s.contains('.') && frac.is_empty()) {
        return None;
    }
    let whole: i32 = whole.parse().ok()?;
    let frac: i32 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i32>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    whole.checked_mul(100)?.checked_add(frac)
}

/// Hundredths as a JSON number: 1250 -> 12.5, 834 -> 8.34, 5000 -> 50.
pub fn to_number(h: i32) -> serde_json::Number {
    let text = format_hundredths(h);
    text.parse::<serde_json::Number>().unwrap_or_else(|_| serde_json::Number::from(h / 100))
}

/// Hundredths as the shortest decimal text: 1250 -> "12.5".
pub fn format_hundredths(h: i32) -> String {
    let sign = if h < 0 { "-" } else { "" };
    let h = h.unsigned_abs();
    let (whole, frac) = (h / 100, h % 100);
    match frac {
        0 => format!("{sign}{whole}"),
        f if f % 10 == 0 => format!("{sign}{whole}.{}", f / 10),
        f => format!("{sign}{whole}.{f:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_exactly() {
        assert_eq!(parse_hundredths("12.5%"), Some(1250));
        assert_eq!(parse_hundredths("8.34"), Some(834));
        assert_eq!(parse_hundredths("50.00%"), Some(5000));
        assert_eq!(parse_hundredths("100%"), Some(10000));
        assert_eq!(parse_hundredths("1.234"), None);
        assert_eq!(parse_hundredths("abc"), None);
        assert_eq!(parse_hundredths("12."), None);
        assert_eq!(format_hundredths(1250), "12.5");
        assert_eq!(format_hundredths(834), "8.34");
        assert_eq!(format_hundredths(805), "8.05");
        assert_eq!(to_number(834).to_string(), "8.34");
    }

    /// CSV cells (`format_hundredths`) and JSON numbers (`to_number`) spell
    /// every percent the same way.
    #[test]
    fn csv_text_and_json_number_agree() {
        for h in (-20_000..=20_000).chain([i32::MIN + 1, i32::MAX, 123_456_789, -99_999_999]) {
            assert_eq!(to_number(h).to_string(), format_hundredths(h), "{h}");
        }
    }
}
