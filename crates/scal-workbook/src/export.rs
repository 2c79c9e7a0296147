//! Writing SCAL workbooks: one worksheet per template sheet, ready to complete offline.
//!
//! - the header is bold, frozen and filtered;
//! - requirement columns are locked (sheet protection without a password), answer columns are not;
//! - declarations get a Yes / No / N/A drop-down;
//! - rows turn red, amber or green by conditional formatting that Excel works out from the cells,
//!   so the colour stays right while the supplier edits; the formulas are derived from
//!   `scal_domain::template::rag`, the one rule;
//! - a hidden `_scal` sheet records the template, version, product, export stamp and each row's
//!   stable ID, for re-import;
//! - text is always written as text, never as a formula;
//! - rows with wrapped text get an explicit height, so LibreOffice (which does not fit rows to
//!   their text on opening, as Excel does) shows it all;
//! - each sheet prints landscape, one page wide, with the header row on every page.

use std::collections::HashMap;

use rust_xlsxwriter::{
    Color, ConditionalFormatFormula, DataValidation, Format, FormatAlign, ProtectionOptions, Workbook, Worksheet,
    XlsxError,
};
use scal_domain::template::{rag, AnswerKind, Declaration, Level, Rag, Requirement, TemplateSheet};

/// The name of the hidden metadata sheet.
pub const METADATA_SHEET: &str = "_scal";

/// The metadata sheet's row table: each exported row's sheet (as named in the workbook, which
/// Excel's 31-character limit may have shortened), the template's own sheet name, the row, the
/// requirement's stable ID, its level (so an edited Level cell can be put back) and, for an
/// attachment question, the files linked to it in scal (so `scal check` can tell them from typed
/// text) and its answer type (so an edited Answer type cell cannot turn a declaration into free
/// text). Exports made before the last three were recorded have four columns and are still read.
pub const METADATA_COLUMNS: [&str; 7] = [
    "Sheet",
    "Template sheet",
    "Row",
    "Requirement ID",
    "Level",
    "Linked files",
    "Answer type",
];

/// The metadata sheet's header row, if it has one.
fn metadata_header(metadata: &crate::Grid) -> Option<usize> {
    metadata
        .rows
        .iter()
        .position(|r| r.len() >= 2 && r[0] == METADATA_COLUMNS[0] && r[1] == METADATA_COLUMNS[1])
}

/// What an exported workbook's metadata sheet records: the product and every row written. Rows
/// the sheet holds that are not a well-formed record (a hostile or damaged file) are skipped, so
/// the worst a damaged record can do is make [`scal_domain::manifest::reconcile`] report rows as
/// missing, never hide one.
pub fn manifest(metadata: &crate::Grid) -> scal_domain::manifest::Manifest {
    let fact = |key: &str| {
        metadata
            .rows
            .iter()
            .find(|r| r.first().is_some_and(|k| k == key))
            .and_then(|r| r.get(1).cloned())
            .filter(|v| !v.is_empty())
    };
    let mut rows = Vec::new();
    if let Some(header) = metadata_header(metadata) {
        for row in &metadata.rows[header + 1..] {
            let get = |i: usize| row.get(i).map(String::as_str).unwrap_or_default();
            let (sheet, id) = (get(1), get(3));
            if sheet.is_empty() || id.is_empty() {
                continue;
            }
            rows.push(scal_domain::manifest::ManifestRow {
                sheet: sheet.to_string(),
                row: get(2).parse().unwrap_or(0),
                requirement_id: id.to_string(),
                level: Level::from_column(get(4)),
                linked: Some(get(5)).filter(|v| !v.is_empty()).map(str::to_string),
                answer_kind: crate::import::parse_answer_kind(get(6)),
            });
        }
    }
    scal_domain::manifest::Manifest {
        product_id: fact("product_id"),
        rows,
    }
}

/// Whether a sheet is laid out as scal exports its sheets (the same header row), so a workbook
/// of them that lacks its `_scal` sheet had it removed.
pub fn has_export_layout(grid: &crate::Grid) -> bool {
    grid.rows.first().is_some_and(|r| {
        r.len() >= EXPORT_LAYOUT_COLUMNS
            && r.iter()
                .zip(&COLUMNS[..EXPORT_LAYOUT_COLUMNS])
                .all(|(cell, (title, _))| cell == title)
    })
}

/// From an exported workbook's metadata sheet: workbook sheet name to template sheet name.
pub fn original_sheet_names(metadata: &crate::Grid) -> HashMap<String, String> {
    let mut names = HashMap::new();
    let Some(header) = metadata_header(metadata) else {
        return names;
    };
    for row in &metadata.rows[header + 1..] {
        if let (Some(sheet), Some(original)) = (row.first(), row.get(1)) {
            if !sheet.is_empty() && !original.is_empty() {
                names.insert(sheet.clone(), original.clone());
            }
        }
    }
    names
}

/// Answers already given, by `(sheet name, requirement ID)`.
pub type Answers = HashMap<(String, String), ExportedAnswer>;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportedAnswer {
    pub response: Option<String>,
    pub justification: Option<String>,
    pub mitigation: Option<String>,
    /// When a red row's mitigation will be in place.
    pub target_date: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Export<'a> {
    pub template_id: &'a str,
    pub template_name: &'a str,
    pub version: i64,
    pub product_id: Option<&'a str>,
    /// When the export was made (RFC 3339); re-import compares changes against it.
    pub stamp: &'a str,
    pub sheets: &'a [TemplateSheet],
    pub answers: &'a Answers,
}

/// The columns, in order: requirement columns first (locked), then the answers (unlocked). The ID
/// and the requirement lead, so they are what a reader sees first on screen and on paper; import
/// finds columns by their names, so the order is free.
const COLUMNS: [(&str, f64); 16] = [
    ("ID", 16.0),
    ("Requirement", 60.0),
    ("Section", 24.0),
    ("Level", 12.0),
    ("Answer type", 14.0),
    ("Use case", 14.0),
    ("Type", 12.0),
    ("Link", 20.0),
    ("Test cases", 20.0),
    ("Test environment", 16.0),
    ("Evidence required", 30.0),
    ("Guidance", 30.0),
    ("Response", 12.0),
    ("Justification", 40.0),
    ("Mitigation", 40.0),
    ("Target date", 14.0),
];
/// The columns every scal export has had (later ones were added over time), by which a sheet is
/// recognised as exported.
const EXPORT_LAYOUT_COLUMNS: usize = 15;
const LEVEL_COL: u16 = 3;
const RESPONSE_COL: u16 = 12;
const FIRST_ANSWER_COL: u16 = 12;

#[derive(Debug, thiserror::Error)]
#[error("cannot write the workbook: {0}")]
pub struct ExportError(String);

impl From<XlsxError> for ExportError {
    fn from(e: XlsxError) -> Self {
        Self(e.to_string())
    }
}

/// Makes sheet names Excel accepts: at most 31 characters, none of `[]:*?/\`, no leading or
/// trailing apostrophe, not blank, not the reserved `History`, unique ignoring case.
pub fn sheet_names<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    sheet_names_besides(names, METADATA_SHEET)
}

/// [`sheet_names`] for a workbook whose hidden sheet is `hidden`.
pub(crate) fn sheet_names_besides<'a>(names: impl Iterator<Item = &'a str>, hidden: &str) -> Vec<String> {
    let mut taken: Vec<String> = vec![hidden.to_lowercase(), "history".into()];
    let mut out = Vec::new();
    for name in names {
        let cleaned: String = name
            .chars()
            .map(|c| {
                if "[]:*?/\\".contains(c) || c.is_control() {
                    '-'
                } else {
                    c
                }
            })
            .collect();
        let cleaned = cleaned.trim().trim_matches('\'').trim().to_string();
        let base = if cleaned.is_empty() {
            "Sheet".to_string()
        } else {
            cleaned
        };
        let mut candidate = truncate(&base, 31);
        let mut n = 2;
        while taken.contains(&candidate.to_lowercase()) {
            let suffix = format!(" ({n})");
            candidate = format!("{}{suffix}", truncate(&base, 31 - suffix.chars().count()));
            n += 1;
        }
        taken.push(candidate.to_lowercase());
        out.push(candidate);
    }
    out
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect::<String>().trim_end().to_string()
}

fn answer_kind_label(kind: &AnswerKind) -> String {
    match kind {
        AnswerKind::Choice(options) => format!("choice: {}", options.join("; ")),
        other => other.as_str().replace('_', " "),
    }
}

/// The Excel condition for one colour: every (level, answer) pair the rule gives that colour, an
/// answer being any spelling import accepts for it (`Declaration::spellings`: `y`, `NA`, `n/a`...).
/// Excel's `=` ignores case; the response is trimmed as import trims it (non-breaking spaces made
/// plain first, since TRIM keeps them, and line breaks and tabs removed by CLEAN), so a cell
/// coloured green is one import reads as Yes or N/A, and a typed ` no ` turns red as it will be.
fn rag_condition(colour: Rag, row: u32) -> Option<String> {
    let level_cell = format!("${}{}", crate::Grid::column_letter(usize::from(LEVEL_COL)), row + 1);
    let response_cell = format!("${}{}", crate::Grid::column_letter(usize::from(RESPONSE_COL)), row + 1);
    let response = format!("UPPER(TRIM(CLEAN(SUBSTITUTE({response_cell},CHAR(160),\" \"))))");
    let any_of = |value: &str, options: &[String]| {
        let equals: Vec<String> = options.iter().map(|o| format!("{value}=\"{o}\"")).collect();
        match equals.as_slice() {
            [one] => one.clone(),
            _ => format!("OR({})", equals.join(",")),
        }
    };
    let mut terms = Vec::new();
    for answer in Declaration::ALL {
        let levels: Vec<String> = Level::ALL
            .into_iter()
            .filter(|level| rag(*level, Some(answer)) == colour)
            .map(|level| level.label().to_uppercase())
            .collect();
        if levels.is_empty() {
            continue;
        }
        let spellings: Vec<String> = answer.spellings().iter().map(|s| s.to_uppercase()).collect();
        terms.push(format!(
            "AND({},{})",
            any_of(&response, &spellings),
            any_of(&format!("UPPER({level_cell})"), &levels)
        ));
    }
    match terms.as_slice() {
        [] => None,
        [one] => Some(format!("={one}")),
        _ => Some(format!("=OR({})", terms.join(","))),
    }
}

/// One row of the metadata sheet's table, in [`METADATA_COLUMNS`] order.
struct MetadataRow {
    sheet: String,
    original: String,
    row: u32,
    id: String,
    level: Level,
    linked: Option<String>,
    kind: String,
}

pub fn export(input: &Export<'_>) -> Result<Vec<u8>, ExportError> {
    export_with_certificate(input, None)
}

/// The `_scal` fact naming the certificate sheet, which import skips.
pub const CERTIFICATE_SHEET_FACT: &str = "certificate_sheet";

/// What an exported workbook's certificate sheet is called, by its `_scal` sheet, if it has one.
pub fn certificate_sheet_name(metadata: &crate::Grid) -> Option<String> {
    let header = metadata_header(metadata).unwrap_or(metadata.rows.len());
    metadata.rows[..header]
        .iter()
        .find(|r| r.first().is_some_and(|k| k == CERTIFICATE_SHEET_FACT))
        .and_then(|r| r.get(1).cloned())
        .filter(|v| !v.is_empty())
}

/// [`export`], with a "Certificate" sheet after the template's sheets when `certificate` is
/// given: its (label, value) rows, read-only. The `_scal` sheet names it, so import skips it.
pub fn export_with_certificate(
    input: &Export<'_>,
    certificate: Option<&[(&str, String)]>,
) -> Result<Vec<u8>, ExportError> {
    let mut workbook = Workbook::new();
    // Fastest deflate: a SCAL workbook is at most a few MB, and exports should feel instant.
    workbook.set_zip_compression_level(1);
    let mut names = sheet_names(
        input
            .sheets
            .iter()
            .map(|s| s.name.as_str())
            .chain(certificate.map(|_| "Certificate")),
    );
    let certificate_name = certificate.and_then(|_| names.pop());
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_background_color(Color::RGB(0xE8EDEE))
        .set_locked();
    let locked = Format::new().set_text_wrap().set_align(FormatAlign::Top).set_locked();
    let unlocked = Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_unlocked()
        .set_background_color(Color::RGB(0xFFFBE6));
    let mut metadata_rows: Vec<MetadataRow> = Vec::new();

    for (sheet, name) in input.sheets.iter().zip(&names) {
        let worksheet = workbook.add_worksheet();
        worksheet.set_name(name)?;
        for (col, (title, width)) in COLUMNS.iter().enumerate() {
            let col = col as u16;
            worksheet.write_string_with_format(0, col, *title, &header)?;
            worksheet.set_column_width(col, *width)?;
            // Formats are set per column, once: cells written without one take their column's
            // (locked and wrapped for the requirement, open for the answers), which saves a
            // format look-up per cell, and empty answer cells need not be written at all.
            worksheet.set_column_format(col, if col >= FIRST_ANSWER_COL { &unlocked } else { &locked })?;
        }
        let mut declaration_run: Option<(u32, u32)> = None;
        for (i, requirement) in sheet.requirements.iter().enumerate() {
            let row = i as u32 + 1;
            let mut cells = write_requirement(worksheet, row, requirement)?;
            let answer = input.answers.get(&(sheet.name.clone(), requirement.id.clone()));
            if let Some(answer) = answer {
                let values = [
                    &answer.response,
                    &answer.justification,
                    &answer.mitigation,
                    &answer.target_date,
                ];
                for (offset, value) in values.into_iter().enumerate() {
                    if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
                        let col = FIRST_ANSWER_COL + offset as u16;
                        worksheet.write_string(row, col, value)?;
                        cells.push((col, value.to_string()));
                    }
                }
            }
            if let Some(height) = row_height(cells.iter().map(|(col, text)| (*col, text.as_str()))) {
                worksheet.set_row_height(row, height)?;
            }
            if let AnswerKind::Choice(options) = &requirement.answer_kind {
                add_choice_dropdown(worksheet, row, options)?;
            }
            // One drop-down per run of declaration rows, not one per row.
            if requirement.answer_kind == AnswerKind::Declaration {
                declaration_run = match declaration_run {
                    Some((first, last)) if last + 1 == row => Some((first, row)),
                    Some(run) => {
                        add_dropdown(worksheet, run)?;
                        Some((row, row))
                    }
                    None => Some((row, row)),
                };
            }
            metadata_rows.push(MetadataRow {
                sheet: name.clone(),
                original: sheet.name.clone(),
                row: row + 1,
                id: requirement.id.clone(),
                level: requirement.level,
                // An attachment's answer is the names of its linked files (only linking sets it).
                linked: answer
                    .filter(|_| !requirement.answer_kind.answered_by_typing())
                    .and_then(|a| a.response.clone())
                    .filter(|v| !v.trim().is_empty()),
                kind: answer_kind_label(&requirement.answer_kind),
            });
        }
        if let Some(run) = declaration_run {
            add_dropdown(worksheet, run)?;
        }
        let last_row = sheet.requirements.len().max(1) as u32;
        let last_col = COLUMNS.len() as u16 - 1;
        if let Some(height) = row_height(COLUMNS.iter().enumerate().map(|(col, (title, _))| (col as u16, *title))) {
            worksheet.set_row_height(0, height)?;
        }
        print_setup(worksheet)?;
        worksheet.autofilter(0, 0, last_row, last_col)?;
        for (colour, fill) in [(Rag::Red, 0xF8D7DA), (Rag::Amber, 0xFFE5B4), (Rag::Green, 0xD4EDDA)] {
            if let Some(rule) = rag_condition(colour, 1) {
                let format = Format::new().set_background_color(Color::RGB(fill));
                let condition = ConditionalFormatFormula::new()
                    .set_rule(rule.as_str())
                    .set_format(format);
                worksheet.add_conditional_format(1, 0, last_row, last_col, &condition)?;
            }
        }
        worksheet.protect_with_options(&protection());
    }

    if let (Some(rows), Some(name)) = (certificate, &certificate_name) {
        let worksheet = workbook.add_worksheet();
        worksheet.set_name(name)?;
        worksheet.set_column_width(0, 24.0)?;
        worksheet.set_column_width(1, 90.0)?;
        let bold = Format::new().set_bold().set_align(FormatAlign::Top);
        let title = Format::new().set_bold().set_font_size(14.0);
        worksheet.write_string_with_format(0, 0, "Certificate of technical conformance", &title)?;
        for (i, (label, value)) in rows.iter().enumerate() {
            let row = i as u32 + 2;
            worksheet.write_string_with_format(row, 0, *label, &bold)?;
            worksheet.write_string_with_format(row, 1, value, &locked)?;
            if let Some(height) = fitted_height([(24.0, *label), (90.0, value.as_str())]) {
                worksheet.set_row_height(row, height)?;
            }
        }
        worksheet.set_portrait();
        worksheet.set_print_fit_to_pages(1, 0);
        worksheet.protect_with_options(&protection());
    }

    let metadata = workbook.add_worksheet();
    metadata.set_name(METADATA_SHEET)?;
    let mut facts = vec![
        ("template_id", input.template_id.to_string()),
        ("template_name", input.template_name.to_string()),
        ("template_version", input.version.to_string()),
        ("product_id", input.product_id.unwrap_or_default().to_string()),
        ("exported_at", input.stamp.to_string()),
    ];
    if let Some(name) = &certificate_name {
        facts.push((CERTIFICATE_SHEET_FACT, name.clone()));
    }
    for (i, (key, value)) in facts.iter().enumerate() {
        metadata.write_string(i as u32, 0, *key)?;
        metadata.write_string(i as u32, 1, value)?;
    }
    let start = facts.len() as u32 + 1;
    for (col, title) in METADATA_COLUMNS.iter().enumerate() {
        metadata.write_string(start, col as u16, *title)?;
    }
    for (i, m) in metadata_rows.iter().enumerate() {
        let r = start + 1 + i as u32;
        metadata.write_string(r, 0, &m.sheet)?;
        metadata.write_string(r, 1, &m.original)?;
        metadata.write_number(r, 2, f64::from(m.row))?;
        metadata.write_string(r, 3, &m.id)?;
        metadata.write_string(r, 4, m.level.label())?;
        if let Some(linked) = &m.linked {
            metadata.write_string(r, 5, linked)?;
        }
        metadata.write_string(r, 6, &m.kind)?;
    }
    metadata.set_hidden(true);
    Ok(workbook.save_to_buffer()?)
}

/// The frozen header row, and on paper: landscape, all the columns on one page's width (as many
/// pages down as it takes), and the header row again at the top of every page.
pub(crate) fn print_setup(worksheet: &mut Worksheet) -> Result<(), XlsxError> {
    worksheet.set_freeze_panes(1, 0)?;
    worksheet.set_landscape();
    worksheet.set_print_fit_to_pages(1, 0);
    worksheet.set_repeat_rows(0, 0)?;
    Ok(())
}

/// Sheet protection without a password: locked cells cannot be edited, unlocked ones can, and
/// the reader may still select, resize, sort and filter.
pub(crate) fn protection() -> ProtectionOptions {
    ProtectionOptions {
        select_locked_cells: true,
        select_unlocked_cells: true,
        format_columns: true,
        format_rows: true,
        sort: true,
        use_autofilter: true,
        ..ProtectionOptions::default()
    }
}

/// A drop-down of `items` on the cells of `col` from row `first` to `last` (0-based). A warning,
/// not a stop, when something else is typed: scal reads typed spellings too (`y`, `NA`,
/// `not_accepted`), so Excel must not refuse what scal accepts; scal itself reports what it does
/// not.
pub(crate) fn list_dropdown(
    worksheet: &mut Worksheet,
    (first, last): (u32, u32),
    col: u16,
    items: &[&str],
    message: &str,
) -> Result<(), XlsxError> {
    let options = DataValidation::new()
        .allow_list_strings(items)?
        .set_error_style(rust_xlsxwriter::DataValidationErrorStyle::Warning)
        .set_error_message(message)?;
    worksheet.add_data_validation(first, col, last, col, &options)?;
    Ok(())
}

fn add_dropdown(worksheet: &mut Worksheet, run: (u32, u32)) -> Result<(), XlsxError> {
    list_dropdown(
        worksheet,
        run,
        RESPONSE_COL,
        &["Yes", "No", "N/A"],
        "Answer Yes, No or N/A. Typed answers like y, n or NA are read as those too.",
    )
}

/// A choice question's options as its answer cell's drop-down, so Excel and LibreOffice offer
/// them (and import reads the choice back from the list too). Excel holds at most 255 characters
/// in an inline list and splits items at commas: options that do not fit get no drop-down, and
/// the answer-type column still names them.
fn add_choice_dropdown(worksheet: &mut Worksheet, row: u32, options: &[String]) -> Result<(), XlsxError> {
    let fits = !options.is_empty()
        && options.iter().all(|o| !o.contains(',') && !o.contains('"'))
        && options.iter().map(|o| o.chars().count() + 1).sum::<usize>() <= 255;
    if !fits {
        return Ok(());
    }
    let options: Vec<&str> = options.iter().map(String::as_str).collect();
    list_dropdown(
        worksheet,
        (row, row),
        RESPONSE_COL,
        &options,
        "Choose one of the options in the list.",
    )
}

/// Points per line of text in the default font (11-point Calibri): Excel's default row height.
const LINE_HEIGHT: f64 = 15.0;
/// Excel's tallest row, 409 points, rounded down to the whole pixel (¾ point) rust_xlsxwriter
/// stores.
const MAX_ROW_HEIGHT: f64 = 408.75;

/// How many lines `text` wraps to in a column `width` characters wide, wrapping at spaces as
/// spreadsheets do, and breaking a word longer than a line. A width counts the default font's
/// digits; prose averages about as wide, so a line is taken to hold 10% fewer characters than the
/// width, which errs towards a row a little too tall rather than text cut off.
fn wrapped_lines(text: &str, width: f64) -> usize {
    let capacity = ((width * 0.9).floor() as usize).max(1);
    text.split('\n')
        .map(|paragraph| {
            let (mut lines, mut used) = (1, 0);
            for word in paragraph.split_whitespace() {
                let len = word.chars().count();
                let needed = if used == 0 { len } else { used + 1 + len };
                if needed <= capacity {
                    used = needed;
                    continue;
                }
                if used > 0 {
                    lines += 1;
                }
                lines += (len - 1) / capacity;
                used = (len - 1) % capacity + 1;
            }
            lines
        })
        .sum()
}

/// The height a row needs to show all of its wrapped cells, `(column, text)`, or `None` when one
/// line is enough. Excel fits a row to its wrapped text when it opens the file, but LibreOffice
/// draws a row written without a height at one line, so long text overlapped the next rows; an
/// explicit height is drawn the same by both.
fn row_height<'a>(cells: impl IntoIterator<Item = (u16, &'a str)>) -> Option<f64> {
    fitted_height(cells.into_iter().map(|(col, text)| (COLUMNS[usize::from(col)].1, text)))
}

/// [`row_height`] for cells given as `(column width, text)`.
pub(crate) fn fitted_height<'a>(cells: impl IntoIterator<Item = (f64, &'a str)>) -> Option<f64> {
    let lines = cells
        .into_iter()
        .map(|(width, text)| wrapped_lines(text, width))
        .max()
        .unwrap_or(1);
    (lines > 1).then(|| (lines as f64 * LINE_HEIGHT).min(MAX_ROW_HEIGHT))
}

/// Writes a requirement's cells and returns them, by column, for the row's height.
fn write_requirement(worksheet: &mut Worksheet, row: u32, r: &Requirement) -> Result<Vec<(u16, String)>, XlsxError> {
    let cells: [Option<String>; 12] = [
        Some(r.id.clone()),
        Some(r.text.clone()),
        r.section.clone(),
        Some(r.level.label().to_string()),
        Some(answer_kind_label(&r.answer_kind)),
        r.use_case.clone(),
        r.requirement_type.clone(),
        r.link.clone(),
        r.test_cases.clone(),
        r.test_environment.clone(),
        r.evidence_required.clone(),
        r.guidance.clone(),
    ];
    let mut written = Vec::new();
    for (col, value) in cells.into_iter().enumerate() {
        // write_string stores text as text: `=cmd|...` in a requirement is never a formula.
        // Empty cells are left unwritten: unwritten cells are locked like written ones.
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            worksheet.write_string(row, col as u16, &value)?;
            written.push((col as u16, value));
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_made_valid_and_unique() {
        let names = sheet_names(
            [
                "Send Document",
                "a/b:c*d?e[f]",
                "",
                "'quoted'",
                "History",
                "A very long sheet name that goes on and on",
                "send document",
            ]
            .into_iter(),
        );
        assert_eq!(names[0], "Send Document");
        assert_eq!(names[1], "a-b-c-d-e-f-");
        assert_eq!(names[2], "Sheet");
        assert_eq!(names[3], "quoted");
        assert_eq!(names[4], "History (2)");
        assert!(names[5].chars().count() <= 31, "{}", names[5]);
        assert_eq!(names[6], "send document (2)");
    }

    #[test]
    fn the_colour_formulas_come_from_the_rule() {
        let red = rag_condition(Rag::Red, 1).unwrap();
        let response = "UPPER(TRIM(CLEAN(SUBSTITUTE($M2,CHAR(160),\" \"))))";
        assert_eq!(
            red,
            format!(
                "=AND(OR({r}=\"NO\",{r}=\"N\",{r}=\"FALSE\",{r}=\"NON-COMPLIANT\",{r}=\"NOT COMPLIANT\"),\
                 OR(UPPER($D2)=\"MUST\",UPPER($D2)=\"MUST NOT\"))",
                r = response
            )
        );
        let amber = rag_condition(Rag::Amber, 1).unwrap();
        assert!(
            amber.contains("\"SHOULD\"") && amber.contains("\"UNSPECIFIED\"") && !amber.contains("\"MAY\""),
            "{amber}"
        );
        let green = rag_condition(Rag::Green, 1).unwrap();
        assert!(green.contains("\"N/A\"") && green.contains("\"NA\""), "{green}");
    }

    /// The formulas as written into the workbook (unzipped, not as generated): every spelling
    /// import accepts for an answer is in the formula of the colour the rule gives it, and in no
    /// other colour's. The spellings come from the domain, so the test cannot drift from import.
    #[test]
    fn the_exported_colour_rules_accept_every_spelling_import_accepts() {
        use std::io::Read as _;
        let requirement = |id: &str, text: &str| Requirement {
            id: id.into(),
            section: None,
            text: text.into(),
            level: Level::detect(text),
            answer_kind: AnswerKind::Declaration,
            use_case: None,
            requirement_type: None,
            link: None,
            test_cases: None,
            test_environment: None,
            evidence_required: None,
            guidance: None,
        };
        let sheets = [TemplateSheet {
            name: "S".into(),
            kind: scal_domain::template::SheetKind::Service,
            requirements: vec![requirement("A", "It MUST work"), requirement("B", "It SHOULD work")],
        }];
        let bytes = export(&Export {
            template_id: "t",
            template_name: "T",
            version: 1,
            product_id: None,
            stamp: "2026-11-24T09:00:00Z",
            sheets: &sheets,
            answers: &Answers::new(),
        })
        .unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        zip.by_name("xl/worksheets/sheet1.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        // Each conditional format's fill (dxf 0, 1, 2 in the order written) and its formula.
        let formulas: Vec<String> = xml
            .split("<formula>")
            .skip(1)
            .map(|f| f.split("</formula>").next().unwrap().replace("&quot;", "\""))
            .collect();
        assert_eq!(formulas.len(), 3, "{xml}");
        let by_colour = [Rag::Red, Rag::Amber, Rag::Green].into_iter().zip(&formulas);
        for (colour, formula) in by_colour {
            assert!(
                formula.contains("TRIM("),
                "spaces around an answer are ignored: {formula}"
            );
            for answer in Declaration::ALL {
                let coloured = Level::ALL.iter().any(|level| rag(*level, Some(answer)) == colour);
                for spelling in answer.spellings() {
                    assert_eq!(
                        Declaration::parse(&format!(" {spelling} ")),
                        Ok(Some(answer)),
                        "import reads {spelling:?}"
                    );
                    let quoted = format!("=\"{}\"", spelling.to_uppercase());
                    assert_eq!(
                        formula.contains(&quoted),
                        coloured,
                        "{colour:?} and {spelling:?} ({answer:?}): {formula}"
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod round_trip {
    use proptest::prelude::*;
    use scal_domain::template::SheetKind;

    use super::*;
    use crate::{import, read, ImportOptions, Limits};

    /// Trimmed, non-empty text with the characters SCALs contain, including formula triggers and
    /// line breaks inside.
    fn text() -> impl Strategy<Value = String> {
        "[A-Za-z0-9=+@<>&'\"(){}|,.:/ -]{0,40}(\n[A-Za-z0-9 .]{1,20})?"
            .prop_map(|s| s.trim().to_string())
            .prop_filter("non-empty", |s| !s.is_empty())
    }

    fn optional() -> impl Strategy<Value = Option<String>> {
        prop::option::of(text())
    }

    fn answer_kind() -> impl Strategy<Value = AnswerKind> {
        prop_oneof![
            Just(AnswerKind::Declaration),
            Just(AnswerKind::FreeText),
            Just(AnswerKind::Date),
            Just(AnswerKind::OdsCode),
            Just(AnswerKind::Attachment),
            prop::collection::vec("[A-Za-z][A-Za-z ]{0,10}[A-Za-z]", 1..4).prop_map(AnswerKind::Choice),
        ]
    }

    fn requirement(id: String) -> impl Strategy<Value = Requirement> {
        (
            optional(),
            text(),
            prop::sample::select(Level::ALL.to_vec()),
            answer_kind(),
            (
                optional(),
                optional(),
                optional(),
                optional(),
                optional(),
                optional(),
                optional(),
            ),
        )
            .prop_map(move |(section, text, level, answer_kind, o)| Requirement {
                id: id.clone(),
                section,
                text,
                level,
                answer_kind,
                use_case: o.0,
                requirement_type: o.1,
                link: o.2,
                test_cases: o.3,
                test_environment: o.4,
                evidence_required: o.5,
                guidance: o.6,
            })
    }

    fn sheet(name: &'static str, kind: SheetKind) -> impl Strategy<Value = TemplateSheet> {
        prop::collection::btree_set("[A-Z]{2,4}-[0-9]{1,3}", 1..12)
            .prop_flat_map(|ids| ids.into_iter().map(requirement).collect::<Vec<_>>())
            .prop_map(move |requirements| TemplateSheet {
                name: name.into(),
                kind,
                requirements,
            })
    }

    fn answer() -> impl Strategy<Value = ExportedAnswer> {
        (
            prop::sample::select(vec![None, Some("Yes"), Some("No"), Some("N/A")]),
            optional(),
            optional(),
            prop::sample::select(vec![None, Some("2027-06-30")]),
        )
            .prop_map(|(response, justification, mitigation, target_date)| ExportedAnswer {
                response: response.map(String::from),
                justification,
                mitigation,
                target_date: target_date.map(String::from),
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn export_then_import_gives_back_the_template_and_answers(
            info in sheet("Supplier and product information", SheetKind::Information),
            service in sheet("Send Document", SheetKind::Service),
            answers in prop::collection::vec(answer(), 24),
        ) {
            let sheets = vec![info, service];
            let mut given = Answers::new();
            let mut pick = answers.iter().cycle();
            for sheet in &sheets {
                for requirement in &sheet.requirements {
                    if let Some(answer) = pick.next() {
                        given.insert((sheet.name.clone(), requirement.id.clone()), answer.clone());
                    }
                }
            }
            let bytes = export(&Export {
                template_id: "t", template_name: "T", version: 1, product_id: None,
                stamp: "2026-11-24T09:00:00Z", sheets: &sheets, answers: &given,
            }).unwrap();
            let grids = read(&bytes, "x", Limits::default()).unwrap();
            let (imported, report) = import(&grids, &ImportOptions::default()).unwrap();
            prop_assert_eq!(report.sheets.last().map(|s| s.kind.as_str()), Some("skipped"), "the metadata sheet is skipped");
            prop_assert_eq!(imported.len(), 2);
            for (original, back) in sheets.iter().zip(&imported) {
                prop_assert_eq!(&original.name, &back.name);
                prop_assert_eq!(original.kind, back.kind);
                let requirements: Vec<Requirement> = back.rows.iter().map(|r| r.requirement.clone()).collect();
                prop_assert_eq!(&original.requirements, &requirements);
                for row in &back.rows {
                    let expected = given.get(&(original.name.clone(), row.requirement.id.clone())).cloned().unwrap_or_default();
                    prop_assert_eq!(&row.response, &expected.response);
                    prop_assert_eq!(&row.justification, &expected.justification);
                    prop_assert_eq!(&row.mitigation, &expected.mitigation);
                    prop_assert_eq!(&row.target_date, &expected.target_date);
                }
            }
            // A choice's options are its answer cell's drop-down, as Excel and LibreOffice show it.
            for (i, requirement) in sheets[0].requirements.iter().enumerate() {
                if let AnswerKind::Choice(options) = &requirement.answer_kind {
                    let row = i as u32 + 2;
                    let offered = grids[0]
                        .lists
                        .iter()
                        .find(|rule| rule.covers(usize::from(RESPONSE_COL), row))
                        .map(|rule| rule.list.clone());
                    prop_assert_eq!(offered, Some(crate::validations::List::Items(options.clone())));
                }
            }
        }
    }
}

#[cfg(test)]
mod injection {
    use std::io::Read;

    use scal_domain::template::SheetKind;

    use super::*;

    /// Text that a spreadsheet would take for a formula (`=`, `+`, `-`, `@`) is stored as text.
    #[test]
    fn formula_like_text_is_never_a_formula() {
        let requirement = |id: &str, text: &str| Requirement {
            id: id.into(),
            section: Some("@SUM(A1:A9)".into()),
            text: text.into(),
            level: Level::Must,
            answer_kind: AnswerKind::Declaration,
            use_case: Some("+44 20 7946 0000".into()),
            requirement_type: None,
            link: Some("=HYPERLINK(\"http://evil.example\",\"click\")".into()),
            test_cases: Some("-1+1".into()),
            test_environment: None,
            evidence_required: Some("=cmd|' /C calc'!A0".into()),
            guidance: None,
        };
        let sheets = vec![TemplateSheet {
            name: "S".into(),
            kind: SheetKind::Service,
            requirements: vec![requirement("=A1", "=1+1 MUST")],
        }];
        let mut answers = Answers::new();
        answers.insert(
            ("S".into(), "=A1".into()),
            ExportedAnswer {
                response: None,
                justification: Some("=2+2".into()),
                mitigation: None,
                target_date: None,
            },
        );
        let bytes = export(&Export {
            template_id: "t",
            template_name: "T",
            version: 1,
            product_id: None,
            stamp: "s",
            sheets: &sheets,
            answers: &answers,
        })
        .unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
        let mut xml = String::new();
        archive
            .by_name("xl/worksheets/sheet1.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        assert!(!xml.contains("<f>"), "no cell holds a formula: {xml}");
        let grids = crate::read(&bytes, "x", crate::Limits::default()).unwrap();
        let row = &grids[0].rows[1];
        assert_eq!(row[0], "=A1");
        assert_eq!(row[7], "=HYPERLINK(\"http://evil.example\",\"click\")");
        assert_eq!(row[13], "=2+2");
    }
}

#[cfg(test)]
mod layout {
    use std::io::Read;

    use scal_domain::template::SheetKind;

    use super::*;

    fn part(bytes: &[u8], name: &str) -> String {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        archive.by_name(name).unwrap().read_to_string(&mut xml).unwrap();
        xml
    }

    /// The `<row>` element of the 1-based row `r`.
    fn row_tag(xml: &str, r: u32) -> String {
        let start = xml
            .find(&format!("<row r=\"{r}\""))
            .unwrap_or_else(|| panic!("row {r} in {xml}"));
        let end = start + xml[start..].find('>').unwrap();
        xml[start..=end].to_string()
    }

    fn height(tag: &str) -> Option<f64> {
        let at = tag.find(" ht=\"")? + 5;
        let value = &tag[at..at + tag[at..].find('"')?];
        assert!(tag.contains("customHeight=\"1\""), "{tag}");
        Some(value.parse().unwrap())
    }

    #[test]
    fn lines_wrap_at_spaces_and_break_long_words() {
        assert_eq!(wrapped_lines("", 10.0), 1);
        assert_eq!(wrapped_lines("abc def", 10.0), 1, "9 characters a line");
        assert_eq!(wrapped_lines("abcd efgh ij", 10.0), 2);
        assert_eq!(
            wrapped_lines("a\nb\n\nc", 60.0),
            4,
            "line breaks count, blank lines too"
        );
        assert_eq!(
            wrapped_lines(&"x".repeat(19), 10.0),
            3,
            "a word longer than a line breaks"
        );
        assert_eq!(wrapped_lines(&"word ".repeat(100), 60.0), 10);
    }

    #[test]
    fn rows_are_as_tall_as_their_wrapped_text_and_each_sheet_prints_one_page_wide() {
        let requirement = |id: &str, text: String| Requirement {
            id: id.into(),
            section: None,
            text,
            level: Level::Must,
            answer_kind: AnswerKind::Declaration,
            use_case: None,
            requirement_type: None,
            link: None,
            test_cases: None,
            test_environment: None,
            evidence_required: None,
            guidance: None,
        };
        let sheets = vec![TemplateSheet {
            name: "S".into(),
            kind: SheetKind::Service,
            requirements: vec![
                requirement("R-1", "The system MUST work.".into()),
                requirement("R-2", "The system MUST work. ".repeat(10)),
                requirement("R-3", "The system MUST work. ".repeat(20)),
                requirement("R-4", "Short MUST.".into()),
                requirement("R-5", "Short MUST.".into()),
            ],
        }];
        let mut answers = Answers::new();
        answers.insert(
            ("S".into(), "R-4".into()),
            ExportedAnswer {
                justification: Some("Because ".repeat(40)),
                ..Default::default()
            },
        );
        answers.insert(
            ("S".into(), "R-5".into()),
            ExportedAnswer {
                justification: Some("line\n".repeat(500)),
                ..Default::default()
            },
        );
        let bytes = export(&Export {
            template_id: "t",
            template_name: "T",
            version: 1,
            product_id: None,
            stamp: "s",
            sheets: &sheets,
            answers: &answers,
        })
        .unwrap();
        let sheet = part(&bytes, "xl/worksheets/sheet1.xml");

        assert_eq!(height(&row_tag(&sheet, 2)), None, "one line keeps the default height");
        let medium = height(&row_tag(&sheet, 3)).unwrap();
        let long = height(&row_tag(&sheet, 4)).unwrap();
        assert!(LINE_HEIGHT < medium && medium < long, "{medium} < {long}");
        // 220 and 440 characters at 54 a line, wrapped at spaces (as Python's textwrap does).
        assert_eq!((medium, long), (4.0 * LINE_HEIGHT, 8.0 * LINE_HEIGHT));
        assert_eq!(
            height(&row_tag(&sheet, 5)),
            Some(10.0 * LINE_HEIGHT),
            "an answer's text counts too (320 characters at 36 a line)"
        );
        assert_eq!(
            height(&row_tag(&sheet, 6)),
            Some(MAX_ROW_HEIGHT),
            "capped at Excel's tallest"
        );

        let setup_start = sheet.find("<pageSetup ").expect("a page setup");
        let setup = &sheet[setup_start..setup_start + sheet[setup_start..].find("/>").unwrap()];
        assert!(setup.contains("orientation=\"landscape\""), "{setup}");
        assert!(setup.contains("fitToHeight=\"0\""), "any number of pages down: {setup}");
        // One page wide: fitToWidth is 1 by default, so rust_xlsxwriter writes it only otherwise.
        assert!(
            !setup.contains("fitToWidth") || setup.contains("fitToWidth=\"1\""),
            "{setup}"
        );
        let properties = &sheet[sheet.find("<sheetPr").unwrap()..sheet.find("</sheetPr>").unwrap()];
        assert!(properties.contains("<pageSetUpPr fitToPage=\"1\"/>"), "{properties}");
        let workbook = part(&bytes, "xl/workbook.xml");
        assert!(
            workbook.contains("<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"0\">S!$1:$1</definedName>"),
            "the header row repeats on every printed page: {workbook}"
        );
    }
}
