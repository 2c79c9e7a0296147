//! NHS England's review of a round, offline: a workbook with the supplier's answers locked and
//! the reviewer's columns open, and reading it back.
//!
//! - one worksheet per sheet of the round, every item on a row: its ID, level, requirement, the
//!   supplier's answer, justification, mitigation and target date, its colour and its evidence
//!   files, all locked (sheet protection without a password);
//! - then the reviewer's columns, open: the verdict (a drop-down of the verdicts the item's colour
//!   allows, `Verdict::allowed_for`), the decision on a red item's explanation and mitigation (a
//!   drop-down, on red rows only: other rows' decision and conditions cells are locked), NHS
//!   England's comments, and conditions, one a line as `text | YYYY-MM-DD`;
//! - verdicts already recorded are filled in;
//! - a hidden `_review` sheet records the round, and each row's sheet and requirement ID with
//!   what its review cells held when exported and the verdict it was exported from: rows are
//!   matched by requirement ID (so sorted rows and renamed sheets still match), a row whose
//!   cells are as exported was not reviewed offline, and one edited over a verdict recorded since
//!   in scal can be told apart.
//!
//! What a verdict may say is not decided here: `read_review` returns the cells as typed, with
//! where each is, and the application holds them to `review::parse_item_review`.

use std::collections::{HashMap, HashSet};

use rust_xlsxwriter::{Color, Format, FormatAlign, Workbook, Worksheet, XlsxError};
use scal_domain::review::{Decision, Verdict};
use scal_domain::template::Rag;

use crate::export::{fitted_height, list_dropdown, print_setup, protection, sheet_names_besides, ExportError};
use crate::{Grid, Limits, ReadError};

/// The name of the review workbook's hidden sheet.
pub const REVIEW_SHEET: &str = "_review";

/// The supplier's columns (locked), with their widths.
const SUPPLIER_COLUMNS: [(&str, f64); 9] = [
    ("ID", 14.0),
    ("Level", 10.0),
    ("Requirement", 50.0),
    ("Answer", 10.0),
    ("Justification", 36.0),
    ("Mitigation", 36.0),
    ("Target date", 12.0),
    ("RAG", 8.0),
    ("Evidence", 24.0),
];

/// The reviewer's columns (open), in [`ReviewCells`] order.
pub const REVIEW_COLUMNS: [(&str, f64); 4] = [
    ("NHS England verdict", 16.0),
    ("Decision (red items)", 20.0),
    ("NHS England comments", 40.0),
    ("Conditions (one per line: text | YYYY-MM-DD)", 40.0),
];

const FIRST_REVIEW_COL: u16 = SUPPLIER_COLUMNS.len() as u16;
const VERDICT_COL: u16 = FIRST_REVIEW_COL;
const DECISION_COL: u16 = FIRST_REVIEW_COL + 1;
const CONDITIONS_COL: u16 = FIRST_REVIEW_COL + 3;

/// The hidden sheet's row table.
const REVIEW_SHEET_COLUMNS: [&str; 9] = [
    "Sheet",
    "Round sheet",
    "Row",
    "Requirement ID",
    "Exported verdict",
    "Exported decision",
    "Exported comments",
    "Exported conditions",
    "Exported from verdict",
];

/// What a row's review cells hold, as typed (trimmed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewCells {
    pub verdict: String,
    pub decision: String,
    pub comment: String,
    /// One condition a line, `text | due date`.
    pub conditions: String,
}

impl ReviewCells {
    /// The cells for a recorded verdict, as the reviewer would type them.
    pub fn of(review: &scal_domain::review::ItemReview) -> Self {
        Self {
            verdict: review.verdict.label().to_string(),
            decision: review.decision.map(Decision::label).unwrap_or_default().to_string(),
            comment: review.comment.clone().unwrap_or_default(),
            conditions: review
                .conditions
                .iter()
                .map(|c| format!("{} | {}", c.text.replace(['\r', '\n'], " "), c.due))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    pub fn is_empty(&self) -> bool {
        [&self.verdict, &self.decision, &self.comment, &self.conditions]
            .iter()
            .all(|v| v.trim().is_empty())
    }

    /// Whether two sets of cells say the same: verdicts and decisions compared as scal reads them
    /// (`Not accepted` is `not_accepted`), text by its lines, trimmed.
    pub fn same_as(&self, other: &Self) -> bool {
        fn lines(text: &str) -> Vec<&str> {
            text.lines().map(str::trim).filter(|l| !l.is_empty()).collect()
        }
        let verdict = |raw: &str| {
            Verdict::parse(raw)
                .map(Verdict::as_str)
                .unwrap_or(raw.trim())
                .to_string()
        };
        let decision = |raw: &str| {
            Decision::parse(raw)
                .map(Decision::as_str)
                .unwrap_or(raw.trim())
                .to_string()
        };
        verdict(&self.verdict) == verdict(&other.verdict)
            && decision(&self.decision) == decision(&other.decision)
            && lines(&self.comment) == lines(&other.comment)
            && lines(&self.conditions) == lines(&other.conditions)
    }

    /// The conditions, each as (text, due date) as typed: a line is split at its last `|`; a line
    /// without one is all text and no date (which the rule reports).
    pub fn conditions(&self) -> Vec<(String, String)> {
        self.conditions
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|line| match line.rsplit_once('|') {
                Some((text, due)) => (text.trim().to_string(), due.trim().to_string()),
                None => (line.to_string(), String::new()),
            })
            .collect()
    }
}

/// One item of the round, as the supplier submitted it, with its verdict so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewRow {
    pub sheet: String,
    pub requirement_id: String,
    pub level: String,
    pub text: String,
    pub answer: Option<String>,
    pub justification: Option<String>,
    pub mitigation: Option<String>,
    pub target_date: Option<String>,
    pub rag: Option<Rag>,
    /// Linked files' names.
    pub evidence: Vec<String>,
    /// The verdict recorded so far (empty cells if none).
    pub review: ReviewCells,
    /// The recorded verdict's ID, if any: an upload tells whether it changed since.
    pub verdict_id: Option<String>,
}

/// A round to review offline.
#[derive(Debug, Clone)]
pub struct ReviewExport<'a> {
    pub submission_id: &'a str,
    pub round: i64,
    /// The product, for the reader.
    pub product: &'a str,
    /// When it was exported (RFC 3339).
    pub stamp: &'a str,
    /// In the round's order; consecutive rows of one sheet make its worksheet.
    pub rows: &'a [ReviewRow],
}

fn rag_label(rag: Option<Rag>) -> &'static str {
    match rag {
        Some(Rag::Red) => "Red",
        Some(Rag::Amber) => "Amber",
        Some(Rag::Green) => "Green",
        _ => "",
    }
}

/// Writes the review workbook.
pub fn export_review(input: &ReviewExport<'_>) -> Result<Vec<u8>, ExportError> {
    let mut workbook = Workbook::new();
    workbook.set_zip_compression_level(1);
    // The round's sheets, in order, each with its rows.
    let mut sheets: Vec<(&str, Vec<&ReviewRow>)> = Vec::new();
    for row in input.rows {
        match sheets.iter_mut().find(|(name, _)| *name == row.sheet) {
            Some((_, rows)) => rows.push(row),
            None => sheets.push((&row.sheet, vec![row])),
        }
    }
    let names = sheet_names_besides(sheets.iter().map(|(name, _)| *name), REVIEW_SHEET);
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_background_color(Color::RGB(0xE8EDEE))
        .set_locked();
    let locked = Format::new().set_text_wrap().set_align(FormatAlign::Top).set_locked();
    let open = Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_unlocked()
        .set_background_color(Color::RGB(0xFFFBE6));
    // A red item's decision and conditions are open; on any other item they are locked and grey.
    let closed = Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_locked()
        .set_background_color(Color::RGB(0xD8DDE0));
    let rag_format = |rag: Option<Rag>| {
        let fill = match rag {
            Some(Rag::Red) => 0xF8D7DA,
            Some(Rag::Amber) => 0xFFE5B4,
            Some(Rag::Green) => 0xD4EDDA,
            _ => 0xFFFFFF,
        };
        Format::new()
            .set_align(FormatAlign::Top)
            .set_locked()
            .set_background_color(Color::RGB(fill))
    };
    let widths: Vec<f64> = SUPPLIER_COLUMNS
        .iter()
        .chain(REVIEW_COLUMNS.iter())
        .map(|(_, w)| *w)
        .collect();
    let mut recorded: Vec<(String, u32, &ReviewRow)> = Vec::new();

    for ((_, rows), name) in sheets.iter().zip(&names) {
        let worksheet = workbook.add_worksheet();
        worksheet.set_name(name)?;
        let titles = SUPPLIER_COLUMNS.iter().chain(REVIEW_COLUMNS.iter());
        for (col, (title, width)) in titles.enumerate() {
            let col = col as u16;
            worksheet.write_string_with_format(0, col, *title, &header)?;
            worksheet.set_column_width(col, *width)?;
            worksheet.set_column_format(col, if col >= FIRST_REVIEW_COL { &open } else { &locked })?;
        }
        let titles = SUPPLIER_COLUMNS.iter().chain(REVIEW_COLUMNS.iter());
        if let Some(height) = fitted_height(titles.map(|(title, width)| (*width, *title))) {
            worksheet.set_row_height(0, height)?;
        }
        for (i, item) in rows.iter().enumerate() {
            let row = i as u32 + 1;
            let cells: [String; 13] = [
                item.requirement_id.clone(),
                item.level.clone(),
                item.text.clone(),
                item.answer.clone().unwrap_or_default(),
                item.justification.clone().unwrap_or_default(),
                item.mitigation.clone().unwrap_or_default(),
                item.target_date.clone().unwrap_or_default(),
                rag_label(item.rag).to_string(),
                item.evidence.join("\n"),
                item.review.verdict.clone(),
                item.review.decision.clone(),
                item.review.comment.clone(),
                item.review.conditions.clone(),
            ];
            for (col, value) in cells.iter().enumerate() {
                let col = col as u16;
                // Always text, never a formula: `=cmd|...` in an answer stays what it is.
                if col == FIRST_REVIEW_COL - 2 {
                    worksheet.write_string_with_format(row, col, value, &rag_format(item.rag))?;
                } else if col < FIRST_REVIEW_COL {
                    if !value.is_empty() {
                        worksheet.write_string(row, col, value)?;
                    }
                } else {
                    // Review cells are written even when empty, with their own format: a
                    // program that ignores column formats (openpyxl) still sees them open.
                    let format = if item.rag != Some(Rag::Red) && (col == DECISION_COL || col == CONDITIONS_COL) {
                        &closed
                    } else {
                        &open
                    };
                    if value.is_empty() {
                        worksheet.write_blank(row, col, format)?;
                    } else {
                        worksheet.write_string_with_format(row, col, value, format)?;
                    }
                }
            }
            let texts = cells.iter().enumerate().map(|(col, text)| (widths[col], text.as_str()));
            if let Some(height) = fitted_height(texts) {
                worksheet.set_row_height(row, height)?;
            }
            recorded.push((name.clone(), row + 1, item));
        }
        add_dropdowns(worksheet, rows)?;
        print_setup(worksheet)?;
        let last_col = (SUPPLIER_COLUMNS.len() + REVIEW_COLUMNS.len()) as u16 - 1;
        worksheet.autofilter(0, 0, rows.len().max(1) as u32, last_col)?;
        worksheet.protect_with_options(&protection());
    }

    let hidden = workbook.add_worksheet();
    hidden.set_name(REVIEW_SHEET)?;
    let facts = [
        ("submission_id", input.submission_id.to_string()),
        ("round", input.round.to_string()),
        ("product", input.product.to_string()),
        ("exported_at", input.stamp.to_string()),
    ];
    for (i, (key, value)) in facts.iter().enumerate() {
        hidden.write_string(i as u32, 0, *key)?;
        hidden.write_string(i as u32, 1, value)?;
    }
    let start = facts.len() as u32 + 1;
    for (col, title) in REVIEW_SHEET_COLUMNS.iter().enumerate() {
        hidden.write_string(start, col as u16, *title)?;
    }
    for (i, (sheet, row, item)) in recorded.iter().enumerate() {
        let r = start + 1 + i as u32;
        let values = [
            sheet.as_str(),
            item.sheet.as_str(),
            "",
            item.requirement_id.as_str(),
            item.review.verdict.as_str(),
            item.review.decision.as_str(),
            item.review.comment.as_str(),
            item.review.conditions.as_str(),
            item.verdict_id.as_deref().unwrap_or_default(),
        ];
        for (col, value) in values.iter().enumerate() {
            if !value.is_empty() {
                hidden.write_string(r, col as u16, *value)?;
            }
        }
        hidden.write_number(r, 2, f64::from(*row))?;
    }
    hidden.set_hidden(true);
    Ok(workbook.save_to_buffer()?)
}

/// The verdict drop-down on every row (amber rows offered only what an amber item may be given),
/// and the decision drop-down on red rows: one data validation per run of rows offering the same.
fn add_dropdowns(worksheet: &mut Worksheet, rows: &[&ReviewRow]) -> Result<(), XlsxError> {
    let all: Vec<&str> = Verdict::ALL.iter().map(|v| v.label()).collect();
    let amber: Vec<&str> = Verdict::allowed_for(Rag::Amber).iter().map(|v| v.label()).collect();
    let decisions: Vec<&str> = Decision::ALL.iter().map(|d| d.label()).collect();
    let mut run: Option<(u32, u32, bool)> = None;
    let verdicts = |worksheet: &mut Worksheet, (first, last, is_amber): (u32, u32, bool)| {
        let (items, message) = if is_amber {
            (&amber, "An amber item is accepted or queried.")
        } else {
            (&all, "Choose Accepted, Query or Not accepted.")
        };
        list_dropdown(worksheet, (first, last), VERDICT_COL, items, message)
    };
    for (i, item) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        let is_amber = item.rag == Some(Rag::Amber);
        run = match run {
            Some((first, last, kind)) if last + 1 == row && kind == is_amber => Some((first, row, kind)),
            Some(done) => {
                verdicts(worksheet, done)?;
                Some((row, row, is_amber))
            }
            None => Some((row, row, is_amber)),
        };
        if item.rag == Some(Rag::Red) {
            list_dropdown(
                worksheet,
                (row, row),
                DECISION_COL,
                &decisions,
                "Choose Agreed, Agreed with conditions or Not agreed.",
            )?;
        }
    }
    if let Some(done) = run {
        verdicts(worksheet, done)?;
    }
    Ok(())
}

/// Where a reviewed row is in the uploaded workbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellLocation {
    /// The worksheet's name as uploaded.
    pub sheet: String,
    /// 1-based, as the spreadsheet shows it.
    pub row: usize,
    /// The column letters of the verdict, decision, comments and conditions, in that order.
    pub columns: [String; 4],
}

impl CellLocation {
    /// `Sheet 'Send Document', row 5, column J (NHS England verdict)` for the review column `n`.
    pub fn describe(&self, n: usize) -> String {
        let n = n.min(REVIEW_COLUMNS.len() - 1);
        format!(
            "Sheet '{}', row {}, column {} ({})",
            self.sheet, self.row, self.columns[n], REVIEW_COLUMNS[n].0
        )
    }

    /// `'Send Document'!J5`: the cell of review column `n`.
    pub fn cell(&self, n: usize) -> String {
        let n = n.min(REVIEW_COLUMNS.len() - 1);
        format!("'{}'!{}{}", self.sheet, self.columns[n], self.row)
    }
}

/// One row of an uploaded review workbook with anything in its review cells, or with something
/// in them when exported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewedRow {
    /// The round's sheet name and the requirement ID: the item.
    pub sheet: String,
    pub requirement_id: String,
    /// What the review cells hold now.
    pub cells: ReviewCells,
    /// What they held when exported.
    pub exported: ReviewCells,
    /// The verdict the export was made from, if any.
    pub exported_from: Option<String>,
    pub location: CellLocation,
}

impl ReviewedRow {
    /// Whether the reviewer changed the row offline.
    pub fn changed(&self) -> bool {
        !self.cells.same_as(&self.exported)
    }
}

/// Something about a row that no verdict rule decides: a row the workbook cannot be matched to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewProblem {
    pub sheet: String,
    pub row: usize,
    pub message: String,
}

impl std::fmt::Display for ReviewProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sheet '{}', row {}: {}", self.sheet, self.row, self.message)
    }
}

/// A review workbook as uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewUpload {
    pub submission_id: String,
    pub round: Option<i64>,
    /// Rows with a review cell filled in, or filled in when exported, in the workbook's order.
    pub rows: Vec<ReviewedRow>,
    /// Rows that cannot be matched or read: reported with the verdicts' problems.
    pub problems: Vec<ReviewProblem>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewReadError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("this is not a review workbook from scal (it has no {REVIEW_SHEET} sheet): download the round's review workbook and fill that in")]
    NotAReviewWorkbook,
    #[error("sheet '{sheet}' has no \"{column}\" column in its first row: put the column back, or download the review workbook again")]
    MissingColumn { sheet: String, column: &'static str },
}

/// Reads a review workbook back: for each item the `_review` sheet lists, its review cells, found
/// by its requirement ID in its sheet (matched by name, or, when renamed, the sheet holding its
/// IDs) and its columns found by their headings.
pub fn read_review(bytes: &[u8], limits: Limits) -> Result<ReviewUpload, ReviewReadError> {
    let grids = crate::read(bytes, "review", limits)?;
    let hidden = grids
        .iter()
        .find(|g| g.name == REVIEW_SHEET)
        .ok_or(ReviewReadError::NotAReviewWorkbook)?;
    let cell = |grid: &Grid, r: usize, c: usize| -> String {
        grid.rows.get(r).and_then(|row| row.get(c)).cloned().unwrap_or_default()
    };
    let fact = |key: &str| {
        hidden
            .rows
            .iter()
            .find(|r| r.first().is_some_and(|k| k == key))
            .and_then(|r| r.get(1).cloned())
            .unwrap_or_default()
    };
    let submission_id = fact("submission_id");
    if submission_id.is_empty() {
        return Err(ReviewReadError::NotAReviewWorkbook);
    }
    let round = fact("round").parse().ok();
    let Some(start) = hidden
        .rows
        .iter()
        .position(|r| r.first().is_some_and(|c| c == REVIEW_SHEET_COLUMNS[0]))
    else {
        return Err(ReviewReadError::NotAReviewWorkbook);
    };
    // The items, grouped by the worksheet they were exported to.
    struct Recorded {
        round_sheet: String,
        id: String,
        exported: ReviewCells,
        from: Option<String>,
    }
    let mut by_sheet: Vec<(String, Vec<Recorded>)> = Vec::new();
    for r in start + 1..hidden.rows.len() {
        let get = |c: usize| cell(hidden, r, c);
        let (sheet, id) = (get(0), get(3));
        if sheet.is_empty() || id.is_empty() {
            continue;
        }
        let recorded = Recorded {
            round_sheet: get(1),
            id,
            exported: ReviewCells {
                verdict: get(4),
                decision: get(5),
                comment: get(6),
                conditions: get(7),
            },
            from: Some(get(8)).filter(|v| !v.is_empty()),
        };
        match by_sheet.iter_mut().find(|(name, _)| *name == sheet) {
            Some((_, rows)) => rows.push(recorded),
            None => by_sheet.push((sheet, vec![recorded])),
        }
    }
    let worksheets: Vec<&Grid> = grids.iter().filter(|g| g.name != REVIEW_SHEET).collect();
    let mut taken: HashSet<&str> = HashSet::new();
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (sheet, recorded) in &by_sheet {
        // By name; else, renamed, the worksheet not yet matched holding most of its IDs.
        let ids: HashSet<&str> = recorded.iter().map(|r| r.id.as_str()).collect();
        let grid = worksheets
            .iter()
            .find(|g| g.name == *sheet && !taken.contains(g.name.as_str()))
            .or_else(|| {
                worksheets
                    .iter()
                    .filter(|g| !taken.contains(g.name.as_str()) && !by_sheet.iter().any(|(n, _)| *n == g.name))
                    .map(|g| (g, id_rows(g, 0).keys().filter(|id| ids.contains(id.as_str())).count()))
                    .filter(|(_, n)| *n > 0)
                    .max_by_key(|(_, n)| *n)
                    .map(|(g, _)| g)
            });
        let Some(grid) = grid else {
            // A deleted sheet: none of its items were reviewed offline.
            continue;
        };
        taken.insert(grid.name.as_str());
        let header: Vec<String> = (0..grid.rows.first().map_or(0, Vec::len))
            .map(|c| cell(grid, 0, c))
            .collect();
        let find = |title: &'static str| -> Result<usize, ReviewReadError> {
            header
                .iter()
                .position(|h| h == title)
                .map(|c| c + grid.first_col)
                .ok_or(ReviewReadError::MissingColumn {
                    sheet: grid.name.clone(),
                    column: title,
                })
        };
        let id_col = find(SUPPLIER_COLUMNS[0].0)?;
        let mut review_cols = [0usize; 4];
        for (n, (title, _)) in REVIEW_COLUMNS.iter().enumerate() {
            review_cols[n] = find(title)?;
        }
        let columns = review_cols.map(Grid::column_letter);
        let at = |r: usize, col: usize| cell(grid, r, col.saturating_sub(grid.first_col));
        let found = id_rows(grid, id_col - grid.first_col);
        for (id, at_rows) in &found {
            if at_rows.len() > 1 {
                problems.push(ReviewProblem {
                    sheet: grid.name.clone(),
                    row: at_rows[1] + grid.first_row,
                    message: format!(
                        "{id} is on rows {} and {}: keep one row per requirement",
                        at_rows[0] + grid.first_row,
                        at_rows[1] + grid.first_row
                    ),
                });
            }
        }
        // Rows whose ID is not an item of this sheet, with a verdict typed in.
        let mut unknown: Vec<(usize, &str)> = found
            .iter()
            .filter(|(id, _)| !ids.contains(id.as_str()))
            .flat_map(|(id, at_rows)| at_rows.iter().map(move |r| (*r, id.as_str())))
            .filter(|(r, _)| review_cols.iter().any(|c| !at(*r, *c).is_empty()))
            .collect();
        unknown.sort();
        for (r, id) in unknown {
            problems.push(ReviewProblem {
                sheet: grid.name.clone(),
                row: r + grid.first_row,
                message: format!(
                    "{id} is not a requirement of this sheet in the round: a verdict can only be given on the round's items"
                ),
            });
        }
        let mut sheet_rows = Vec::new();
        for item in recorded {
            let Some(&r) = found.get(&item.id).and_then(|rs| rs.first()) else {
                // A deleted row: not reviewed offline.
                continue;
            };
            let cells = ReviewCells {
                verdict: at(r, review_cols[0]),
                decision: at(r, review_cols[1]),
                comment: at(r, review_cols[2]),
                conditions: at(r, review_cols[3]),
            };
            if cells.is_empty() && item.exported.is_empty() {
                continue;
            }
            sheet_rows.push(ReviewedRow {
                sheet: item.round_sheet.clone(),
                requirement_id: item.id.clone(),
                cells,
                exported: item.exported.clone(),
                exported_from: item.from.clone(),
                location: CellLocation {
                    sheet: grid.name.clone(),
                    row: r + grid.first_row,
                    columns: columns.clone(),
                },
            });
        }
        sheet_rows.sort_by_key(|r| r.location.row);
        rows.extend(sheet_rows);
    }
    Ok(ReviewUpload {
        submission_id,
        round,
        rows,
        problems,
    })
}

/// Each ID in column `col` (of the grid's own columns) below the header, and the grid rows
/// (0-based) it is on.
fn id_rows(grid: &Grid, col: usize) -> HashMap<String, Vec<usize>> {
    let mut ids: HashMap<String, Vec<usize>> = HashMap::new();
    for (r, row) in grid.rows.iter().enumerate().skip(1) {
        if let Some(id) = row.get(col).filter(|v| !v.is_empty()) {
            ids.entry(id.clone()).or_default().push(r);
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use scal_domain::review::{Condition, ItemReview};
    use time::macros::date;

    use super::*;

    fn row(sheet: &str, id: &str, rag: Rag) -> ReviewRow {
        ReviewRow {
            sheet: sheet.into(),
            requirement_id: id.into(),
            level: "MUST".into(),
            text: format!("{id} MUST work"),
            answer: Some("Yes".into()),
            rag: Some(rag),
            ..Default::default()
        }
    }

    #[test]
    fn cells_of_a_verdict_read_back_as_the_same_verdict() {
        let review = ItemReview {
            verdict: Verdict::Accepted,
            comment: Some("Fine\nreally".into()),
            decision: Some(Decision::AgreedWithConditions),
            conditions: vec![Condition {
                text: "Pen | test it".into(),
                due: date!(2027 - 01 - 31),
            }],
        };
        let cells = ReviewCells::of(&review);
        assert_eq!(cells.verdict, "Accepted");
        assert_eq!(cells.decision, "Agreed with conditions");
        assert_eq!(cells.conditions, "Pen | test it | 2027-01-31");
        assert_eq!(
            cells.conditions(),
            vec![("Pen | test it".to_string(), "2027-01-31".to_string())]
        );
        let typed = ReviewCells {
            verdict: "accepted".into(),
            decision: "AGREED_WITH_CONDITIONS".into(),
            comment: " Fine \r\n really".into(),
            conditions: "Pen | test it | 2027-01-31\n\n".into(),
        };
        assert!(typed.same_as(&cells));
        let changed = ReviewCells {
            verdict: "Query".into(),
            ..cells.clone()
        };
        assert!(!changed.same_as(&cells));
        assert_eq!(
            ReviewCells {
                conditions: "No date here".into(),
                ..Default::default()
            }
            .conditions(),
            vec![("No date here".to_string(), String::new())]
        );
    }

    #[test]
    fn an_untouched_export_reads_back_as_unchanged_rows_matched_by_id() {
        let mut rows = vec![
            row("Send Document", "A-1", Rag::Green),
            row("Send Document", "A-2", Rag::Amber),
            row("A sheet with a name far longer than Excel allows", "B-1", Rag::Red),
        ];
        rows[0].review = ReviewCells {
            verdict: "Accepted".into(),
            ..Default::default()
        };
        rows[0].verdict_id = Some("v1".into());
        let bytes = export_review(&ReviewExport {
            submission_id: "sub-1",
            round: 2,
            product: "Acme PAS",
            stamp: "2026-12-01T09:00:00Z",
            rows: &rows,
        })
        .unwrap();
        let upload = read_review(&bytes, Limits::default()).unwrap();
        assert_eq!(upload.submission_id, "sub-1");
        assert_eq!(upload.round, Some(2));
        assert!(upload.problems.is_empty(), "{:?}", upload.problems);
        assert_eq!(upload.rows.len(), 1, "only the row with a verdict: {:?}", upload.rows);
        let first = &upload.rows[0];
        assert_eq!(
            (first.sheet.as_str(), first.requirement_id.as_str()),
            ("Send Document", "A-1")
        );
        assert!(!first.changed());
        assert_eq!(first.exported_from.as_deref(), Some("v1"));
        assert_eq!(
            first.location.describe(0),
            "Sheet 'Send Document', row 2, column J (NHS England verdict)"
        );
        assert_eq!(first.location.cell(3), "'Send Document'!M2");

        let grids = crate::read(&bytes, "x", Limits::default()).unwrap();
        assert!(grids[1].name.chars().count() <= 31, "{}", grids[1].name);
        assert_eq!(grids[0].rows[2][7], "Amber");
    }

    #[test]
    fn a_workbook_without_its_review_sheet_is_refused() {
        let bytes = crate::export(&crate::Export {
            template_id: "t",
            template_name: "T",
            version: 1,
            product_id: None,
            stamp: "s",
            sheets: &[],
            answers: &crate::Answers::new(),
        })
        .unwrap();
        assert_eq!(
            read_review(&bytes, Limits::default()),
            Err(ReviewReadError::NotAReviewWorkbook)
        );
        assert!(matches!(
            read_review(b"", Limits::default()),
            Err(ReviewReadError::Read(ReadError::Empty))
        ));
    }
}
