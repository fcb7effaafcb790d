//! Spreadsheets that are ready to use: a first sheet saying what the data
//! is (revision, license, citation, every column's meaning), then one sheet
//! per table with a frozen, filterable header, widths that fit, real numbers
//! and dates, and ids kept as text. The snapshot's workbooks and every
//! list's `format=xlsx` are written here (with `rust_xlsxwriter`).

use super::{Cell, Rows};
use rust_xlsxwriter::{ExcelDateTime, Format, FormatBorder, Workbook, Worksheet, XlsxError};

use super::{dictionary, labels};
use crate::vocabulary::FieldType;

/// Data rows per worksheet (Excel's limit, less the header row).
pub const MAX_ROWS: usize = 1_048_575;

/// What the first sheet says about the data.
pub struct About {
    /// What the workbook holds, in Spanish ("Hitos del plan gt-ogp-nap6").
    pub title: String,
    pub revision: i32,
    /// The revision's time, `2026-11-22T10:00:00.000Z`.
    pub created_at: String,
    pub license: String,
    pub citation: String,
    /// Where the data comes from (the API address of the list, or the service).
    pub url: String,
}

/// One column of a sheet: the header shown, the field it holds, its type and meaning.
#[derive(Clone, Debug)]
pub struct Column {
    pub header: String,
    pub field: String,
    pub kind: FieldType,
    pub meaning_es: String,
    pub meaning_en: String,
}

impl Column {
    /// Field `field` of table `table` (a list's CSV column, or a published
    /// table's), described by the data dictionary (that table's column
    /// first, then any table's of that name) or by its label's help; headed
    /// by its Spanish label when `spanish`, by the field name otherwise.
    pub fn of(table: &str, field: &str, spanish: bool) -> Column {
        // A table the dictionary does not know (search hits, changes) is
        // described by the labels alone: another table's `id` is not its.
        let known = dictionary::COLUMNS.iter().any(|c| c.table == table);
        let described = dictionary::COLUMNS
            .iter()
            .filter(|c| known && c.column == field && c.public)
            .min_by_key(|c| (c.table != table, !c.table.starts_with("flat_")));
        let label = labels::field(field);
        let (meaning_es, meaning_en) = match (described, label) {
            (Some(c), _) => (c.description_es.clone(), c.description_en.clone()),
            (None, Some(l)) if !l.help_es.is_empty() => (l.help_es.clone(), l.help_en.clone()),
            (None, Some(l)) => (l.es.clone(), l.en.clone()),
            (None, None) => (String::new(), String::new()),
        };
        Column {
            header: if spanish { labels::spanish(field) } else { field.to_string() },
            field: field.to_string(),
            kind: described.map(|c| c.kind).unwrap_or_default(),
            meaning_es,
            meaning_en,
        }
    }
}

/// One sheet's data: its name, columns and rows of cells (`Null` and empty
/// strings are blank cells).
pub struct Sheet<'a> {
    pub name: String,
    pub columns: Vec<Column>,
    /// The table's rows (made one at a time as the sheet is written, for a made table).
    pub rows: Rows<'a>,
    /// Which of them, in order (`None`: all).
    pub picked: Option<Vec<usize>>,
}

impl Sheet<'_> {
    fn len(&self) -> usize {
        self.picked.as_ref().map_or(self.rows.len(), Vec::len)
    }

    /// The rows of `range` of the sheet's rows.
    fn part(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = std::borrow::Cow<'_, [Cell]>> + '_ {
        range.map(|i| self.rows.get(self.picked.as_ref().map_or(i, |p| p[i])))
    }
}

/// The cell formats of a workbook, made once.
struct Formats {
    header: Format,
    date: Format,
    datetime: Format,
    title: Format,
    bold: Format,
    wrap: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            header: Format::new().set_bold().set_background_color("#DDE6F0").set_border_bottom(FormatBorder::Thin),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            datetime: Format::new().set_num_format("yyyy-mm-dd hh:mm"),
            title: Format::new().set_bold().set_font_size(14),
            bold: Format::new().set_bold(),
            wrap: Format::new().set_text_wrap(),
        }
    }
}

/// A workbook: the "Acerca de" sheet, then each sheet (a sheet longer than
/// Excel allows continues on sheets named `name (2)`, `name (3)`…).
pub fn write(about: &About, sheets: &[Sheet]) -> Result<Workbook, XlsxError> {
    let mut wb = Workbook::new();
    wb.set_zip_compression_level(3);
    let when = ExcelDateTime::parse_from_str(about.created_at.trim_end_matches('Z').split('.').next().unwrap_or(""))?;
    wb.set_properties(
        &rust_xlsxwriter::DocProperties::new()
            .set_title(&about.title)
            .set_company("Gobierno Abierto Guatemala")
            .set_creation_datetime(&when),
    );
    let f = Formats::new();
    about_sheet(wb.add_worksheet(), about, sheets, &f)?;
    for sheet in sheets {
        let parts = sheet.len().div_ceil(MAX_ROWS).max(1);
        for i in 0..parts {
            let name = if i == 0 { sheet.name.clone() } else { format!("{} ({})", sheet.name, i + 1) };
            let (start, end) = (i * MAX_ROWS, sheet.len().min((i + 1) * MAX_ROWS));
            let ws = wb.add_worksheet_with_constant_memory()?;
            ws.set_name(&name)?;
            data_sheet(ws, &sheet.columns, end - start, || sheet.part(start..end), &f)?;
        }
    }
    Ok(wb)
}

/// The first sheet: what the data is, where it comes from, how to cite it,
/// and every column of every sheet with its type and meaning.
fn about_sheet(ws: &mut Worksheet, about: &About, sheets: &[Sheet], f: &Formats) -> Result<(), XlsxError> {
    ws.set_name("Acerca de")?;
    ws.set_column_width(0, 24)?;
    ws.set_column_width(1, 28)?;
    ws.set_column_width(2, 26)?;
    ws.set_column_width(3, 10)?;
    ws.set_column_width(4, 60)?;
    ws.set_column_width(5, 60)?;
    ws.write_string_with_format(0, 0, &about.title, &f.title)?;
    let facts: [(&str, String); 7] = [
        (
            "Datos / Data",
            "Gobierno Abierto Guatemala: planes de acción, compromisos, hitos, instituciones y avances".into(),
        ),
        ("Revisión / Revision", about.revision.to_string()),
        ("Fecha / Date", about.created_at.clone()),
        ("Licencia / License", about.license.clone()),
        ("Cómo citar / Citation", about.citation.clone()),
        ("Fuente / Source", about.url.clone()),
        ("Filas / Rows", sheets.iter().map(|s| format!("{}: {}", s.name, s.len())).collect::<Vec<_>>().join("; ")),
    ];
    for (i, (key, value)) in facts.iter().enumerate() {
        let row = 2 + i as u32;
        ws.write_string_with_format(row, 0, *key, &f.bold)?;
        match value.parse::<u32>() {
            Ok(n) => ws.write_number(row, 1, n)?,
            Err(_) => ws.write_string(row, 1, value)?,
        };
    }
    let mut row = 3 + facts.len() as u32;
    let heads = ["Hoja / Sheet", "Columna / Column", "Campo / Field", "Tipo / Type", "Significado", "Meaning"];
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(row, c as u16, *h, &f.header)?;
    }
    ws.set_freeze_panes(row + 1, 0)?;
    for sheet in sheets {
        for col in &sheet.columns {
            row += 1;
            ws.write_string(row, 0, &sheet.name)?;
            ws.write_string(row, 1, &col.header)?;
            ws.write_string(row, 2, &col.field)?;
            ws.write_string(row, 3, col.kind.as_ref())?;
            ws.write_string_with_format(row, 4, &col.meaning_es, &f.wrap)?;
            ws.write_string_with_format(row, 5, &col.meaning_en, &f.wrap)?;
        }
    }
    Ok(())
}

/// A data sheet: header row frozen and filterable, widths from the header
/// and the first rows, each cell as its column's type.
fn data_sheet<'r, I: Iterator<Item = std::borrow::Cow<'r, [Cell]>>>(
    ws: &mut Worksheet,
    columns: &[Column],
    len: usize,
    rows: impl Fn() -> I,
    f: &Formats,
) -> Result<(), XlsxError> {
    let sample: Vec<_> = rows().take(200).collect();
    for (c, col) in columns.iter().enumerate() {
        let sample = sample.iter().filter_map(|r| r.get(c)).map(shown_width).max().unwrap_or(0);
        let width = match col.kind {
            FieldType::Date => 11,
            FieldType::Datetime => 17,
            _ => sample.max(col.header.chars().count() + 3).clamp(8, 60),
        };
        ws.set_column_width(c as u16, width as f64)?;
    }
    for (c, col) in columns.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, &col.header, &f.header)?;
    }
    ws.set_freeze_panes(1, 0)?;
    if !columns.is_empty() {
        ws.autofilter(0, 0, len as u32, columns.len() as u16 - 1)?;
    }
    drop(sample);
    for (r, row) in rows().enumerate() {
        for (c, (v, col)) in row.iter().zip(columns).enumerate() {
            cell(ws, r as u32 + 1, c as u16, v, col.kind, f)?;
        }
    }
    Ok(())
}

/// How wide a cell shows (its longest line, in characters).
fn shown_width(v: &Cell) -> usize {
    match v {
        Cell::String(s) => s.lines().map(|l| l.chars().count()).max().unwrap_or(0),
        Cell::Null => 0,
        other => other.to_string().len(),
    }
}

/// One cell as its column's type: numbers and dates as Excel numbers and
/// dates, everything else (ids included: `001` stays `001`) as text.
fn cell(ws: &mut Worksheet, r: u32, c: u16, v: &Cell, kind: FieldType, f: &Formats) -> Result<(), XlsxError> {
    let text = match v {
        Cell::Null => return Ok(()),
        Cell::Number(n) => {
            ws.write_number(r, c, n.as_f64().unwrap_or_default())?;
            return Ok(());
        }
        Cell::Bool(b) => {
            ws.write_boolean(r, c, *b)?;
            return Ok(());
        }
        Cell::String(s) => &**s,
    };
    if text.is_empty() {
        return Ok(());
    }
    match kind {
        FieldType::Integer | FieldType::Number => {
            if let Ok(n) = text.parse::<f64>() {
                ws.write_number(r, c, n)?;
                return Ok(());
            }
        }
        FieldType::Boolean if text == "true" || text == "false" => {
            ws.write_boolean(r, c, text == "true")?;
            return Ok(());
        }
        FieldType::Date | FieldType::Datetime => {
            if let Some(d) = date(text) {
                let format = if text.len() > 10 { &f.datetime } else { &f.date };
                ws.write_datetime_with_format(r, c, &d, format)?;
                return Ok(());
            }
        }
        _ => {}
    }
    ws.write_string(r, c, text)?;
    Ok(())
}

/// A date (`2024-01-31`) or a local time (`2024-01-31T10:20:00`, seconds
/// and a `Z` optional) as Excel's; anything else (`2024-03`, `marzo 2024`) stays text.
fn date(text: &str) -> Option<ExcelDateTime> {
    let t = text.trim_end_matches('Z');
    let t = t.split('.').next().unwrap_or(t);
    let bytes = t.as_bytes();
    let shaped = bytes.len() >= 10 && bytes[4] == b'-' && bytes[7] == b'-';
    if !shaped {
        return None;
    }
    let t = if t.len() == 16 { format!("{t}:00") } else { t.to_string() };
    ExcelDateTime::parse_from_str(&t.replacen('T', " ", 1)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times_parse_and_partial_dates_stay_text() {
        assert!(date("2024-01-31").is_some());
        assert!(date("2024-01-31T10:20:00").is_some());
        assert!(date("2024-01-31T10:20").is_some());
        assert!(date("2026-11-22T10:00:00.123Z").is_some());
        assert!(date("2024-03").is_none());
        assert!(date("marzo de 2024").is_none());
        assert!(date("2024-02-30").is_none());
    }

    #[test]
    fn a_column_is_described_by_its_own_table_first() {
        let c = Column::of("progress_updates", "percent", true);
        assert_eq!(c.header, "Avance (%)");
        assert_eq!(c.kind, FieldType::Number);
        assert!(!c.meaning_es.is_empty() && !c.meaning_en.is_empty());
        let id = Column::of("milestones", "id", false);
        assert_eq!((id.header.as_str(), id.kind), ("id", FieldType::String));
    }
}
