//! Finding requirement tables in grids and turning them into template sheets.

use std::collections::HashMap;

use scal_domain::template::{AnswerKind, Level, Requirement, SheetKind};
use serde::Serialize;

use crate::read::Grid;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Id,
    Text,
    Level,
    Response,
    Justification,
    Mitigation,
    EvidenceRequired,
    TestCases,
    UseCase,
    Type,
    Link,
    Item,
    TestEnvironment,
    Guidance,
    AnswerKind,
    TargetDate,
}

impl Field {
    pub const ALL: [Field; 16] = [
        Field::Id,
        Field::Text,
        Field::Level,
        Field::Response,
        Field::Justification,
        Field::Mitigation,
        Field::EvidenceRequired,
        Field::TestCases,
        Field::UseCase,
        Field::Type,
        Field::Link,
        Field::Item,
        Field::TestEnvironment,
        Field::Guidance,
        Field::AnswerKind,
        Field::TargetDate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Text => "text",
            Self::Level => "level",
            Self::Response => "response",
            Self::Justification => "justification",
            Self::Mitigation => "mitigation",
            Self::EvidenceRequired => "evidence_required",
            Self::TestCases => "test_cases",
            Self::UseCase => "use_case",
            Self::Type => "type",
            Self::Link => "link",
            Self::Item => "item",
            Self::TestEnvironment => "test_environment",
            Self::Guidance => "guidance",
            Self::AnswerKind => "answer_kind",
            Self::TargetDate => "target_date",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str() == raw.trim().to_ascii_lowercase())
    }

    /// Header texts (normalised: lower case, single spaces, no punctuation) that mean this field.
    pub(crate) fn synonyms(self) -> &'static [&'static str] {
        match self {
            Self::Id => &[
                "identifier",
                "id",
                "req id",
                "requirement id",
                "ref",
                "reference",
                "req ref",
                "requirement ref",
                "requirement reference",
                "scal requirement id",
                "scal id",
                "requirement number",
                "req no",
                "req number",
                "requirement no",
                "solution req id",
                "story id",
                "user story id",
            ],
            Self::Text => &[
                "description",
                "requirement",
                "requirement text",
                "question",
                "requirement description",
                "detail",
                "scal detail",
                "requirement detail",
                "statement",
                "declaration",
                "specification requirement",
                "story",
                "user story",
            ],
            Self::Level => &[
                "level",
                "priority",
                "requirement level",
                "req level",
                "moscow",
                "moscow priority",
                "rfc 2119 level",
            ],
            Self::Response => &[
                "response",
                "compliant",
                "answer",
                "compliance",
                "supplier response",
                "compliant y n",
                "compliant yes no",
                "response yes no n a",
                "supplier answer",
            ],
            Self::Justification => &[
                "justification",
                "comments",
                "comment",
                "supplier comments",
                "explanation",
                "reason",
            ],
            Self::Mitigation => &["mitigation", "mitigations", "mitigating actions", "mitigation plan"],
            Self::EvidenceRequired => &["evidence required", "evidence", "required evidence"],
            Self::TestCases => &["test cases", "test case", "test case ids", "tests"],
            Self::UseCase => &["use case", "use cases"],
            Self::Type => &["type", "requirement type"],
            Self::Link => &["link", "url", "specification link", "spec link"],
            Self::Item => &["item", "section", "category", "group", "scal item", "area"],
            Self::TestEnvironment => &["test environment", "environment", "test env"],
            Self::Guidance => &["guidance", "notes", "help", "guidance notes"],
            Self::AnswerKind => &["answer type", "response type", "answer kind"],
            Self::TargetDate => &[
                "target date",
                "mitigation target date",
                "mitigation date",
                "remediation date",
                "target completion date",
                "date of compliance",
            ],
        }
    }
}

use crate::columns::{self, normalise};

/// How far down a sheet the header row may be.
const HEADER_SEARCH_ROWS: usize = 30;

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Explicit columns for fields recognition misses: `(field, column letter or header text)`.
    pub map: Vec<(Field, String)>,
}

/// How a column's field was decided, so the report can say why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Recognition {
    /// Named with `--map`.
    Map,
    /// The header is one of the field's synonyms.
    Exact,
    /// The header's words mean the field (`Compliant (Yes/No/N/A)`).
    Words,
    /// The header says nothing recognisable, but the column offers a Yes/No/N/A drop-down.
    Validation,
}

/// A recognised column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    pub field: Field,
    /// Spreadsheet column letter.
    pub column: String,
    pub header: String,
    pub recognised_by: Recognition,
    /// The column offers a Yes/No/N/A drop-down (a list data validation).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub yes_no_list: bool,
    #[serde(skip)]
    index: usize,
}

/// A header cell on the header row that became no field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IgnoredHeader {
    pub column: String,
    pub header: String,
}

/// A field that two or more columns fit equally well: left out rather than guessed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ambiguity {
    pub field: Field,
    /// Their letters and headers, left to right.
    pub columns: Vec<IgnoredHeader>,
}

impl Ambiguity {
    /// `columns E ("Response") and F ("Answer") both look like the response column; name the
    /// one to use with --map response=E`.
    pub fn message(&self) -> String {
        let named: Vec<String> = self
            .columns
            .iter()
            .map(|c| format!("{} ({:?})", c.column, c.header))
            .collect();
        let (last, rest) = named
            .split_last()
            .map_or((String::new(), &[][..]), |(l, r)| (l.clone(), r));
        let first = self.columns.first().map(|c| c.column.as_str()).unwrap_or("A");
        format!(
            "columns {} and {last} both look like the {} column; name the one to use with --map {}={first}",
            rest.join(", "),
            self.field.as_str(),
            self.field.as_str(),
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedRow {
    pub row: usize,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SheetReport {
    pub name: String,
    /// `information`, `service`, or `skipped`.
    pub kind: String,
    /// Why the whole sheet was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped_because: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header_row: Option<usize>,
    /// Which header became which field.
    pub columns: Vec<Column>,
    /// Headers on the header row that became no field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignored: Vec<IgnoredHeader>,
    /// Fields two columns fit equally well, left out (answer fields stop the import).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ambiguous: Vec<Ambiguity>,
    /// How many requirements were imported.
    pub requirements: usize,
    pub skipped_rows: Vec<SkippedRow>,
    pub blank_rows: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub sheets: Vec<SheetReport>,
}

/// One requirement row with whatever answers the file carries (for `scal check` and re-import).
pub use scal_domain::check::AnsweredRow as ImportedRow;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportedSheet {
    pub name: String,
    pub kind: SheetKind,
    pub rows: Vec<ImportedRow>,
    /// Columns holding answers, by field, as letters (for reporting findings).
    pub answer_columns: HashMap<String, String>,
    /// The Level and Answer type columns' letters, if the sheet has them (for reporting findings).
    pub level_column: Option<String>,
    pub answer_kind_column: Option<String>,
}

impl ImportedSheet {
    /// The sheet as the domain's check rules take it.
    pub fn answered(&self) -> scal_domain::check::AnsweredSheet {
        scal_domain::check::AnsweredSheet {
            name: self.name.clone(),
            kind: self.kind,
            rows: self.rows.clone(),
        }
    }
}

/// A problem that stops the import, located by sheet, row and column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub sheet: String,
    pub row: Option<usize>,
    pub column: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sheet {:?}", self.sheet)?;
        if let Some(row) = self.row {
            write!(f, ", row {row}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column {column}")?;
        }
        write!(f, ": {}", self.message)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("{} problem(s): {}", .problems.len(), .problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid {
        problems: Vec<Problem>,
        report: ImportReport,
    },
    #[error("no sheet holds a requirement table (a header row with an ID column and a requirement text column in its first {HEADER_SEARCH_ROWS} rows): {}", .report.sheets.iter().map(|s| format!("{:?}: {}", s.name, s.skipped_because.clone().unwrap_or_default())).collect::<Vec<_>>().join("; "))]
    NoRequirements { report: ImportReport },
}

fn is_information_sheet(name: &str) -> bool {
    let n = normalise(name);
    n.contains("information") || n.contains("supplier and product") || n == "general" || n.contains("supplier details")
}

struct Header {
    row_index: usize,
    columns: Vec<Column>,
    ignored: Vec<IgnoredHeader>,
    ambiguous: Vec<Ambiguity>,
}

impl Header {
    fn col(&self, field: Field) -> Option<&Column> {
        self.columns.iter().find(|c| c.field == field)
    }

    fn usable(&self, information: bool) -> bool {
        let has = |f: Field| self.col(f).is_some();
        has(Field::Text) && (has(Field::Id) || information)
    }
}

/// Whether column `index` offers a Yes/No/N/A drop-down below the header row `header_row`
/// (1-based): a list on a form's single cell above the table says nothing about the column.
fn has_yes_no_list(grid: &Grid, index: usize, header_row: usize) -> bool {
    grid.lists.iter().any(|rule| {
        let r = rule.cells;
        rule.list.is_declaration()
            && (r.first_col..=r.last_col).contains(&index)
            && usize::try_from(r.last_row).is_ok_and(|last| last > header_row)
    })
}

/// What one row would give as a header: `--map` first, then the best unambiguous assignment of
/// the remaining headers by their words (`columns::assign`).
fn header_in_row(grid: &Grid, row_index: usize, row: &[String], options: &ImportOptions) -> Header {
    let mut columns: Vec<Column> = Vec::new();
    let mut open: Vec<(usize, &String)> = Vec::new();
    for (j, cell) in row.iter().enumerate() {
        let index = grid.first_col + j;
        if cell.is_empty() {
            continue;
        }
        let mapped = options.map.iter().find(|(_, target)| {
            target.eq_ignore_ascii_case(&Grid::column_letter(index)) || normalise(target) == normalise(cell)
        });
        match mapped {
            Some((field, _)) if !columns.iter().any(|c| c.field == *field) => columns.push(Column {
                field: *field,
                column: Grid::column_letter(index),
                header: cell.clone(),
                recognised_by: Recognition::Map,
                yes_no_list: has_yes_no_list(grid, index, grid.first_row + row_index),
                index,
            }),
            _ => open.push((index, cell)),
        }
    }
    let answer_mapped = columns.iter().any(|c| c.field == Field::Response);
    let candidates: Vec<Vec<(Field, u8)>> = open
        .iter()
        .map(|(index, cell)| {
            let mut scores: Vec<(Field, u8)> = columns::score(cell)
                .into_iter()
                .filter(|(f, _)| !columns.iter().any(|c| c.field == *f))
                .collect();
            // The workbook's own word: a Yes/No/N/A drop-down makes a column the answer column
            // when its header says nothing, and breaks a tie between two answer headers.
            if has_yes_no_list(grid, *index, grid.first_row + row_index) && !answer_mapped {
                if scores.is_empty() {
                    scores.push((Field::Response, columns::VALIDATION_ONLY));
                } else if let Some((_, s)) = scores.iter_mut().find(|(f, _)| *f == Field::Response) {
                    *s = s.saturating_add(columns::VALIDATION_BONUS);
                }
            }
            scores
        })
        .collect();
    let assignment = columns::assign(&candidates);
    let mut taken = vec![false; open.len()];
    for (position, field, score) in assignment.chosen {
        if let (Some((index, cell)), Some(flag)) = (open.get(position), taken.get_mut(position)) {
            *flag = true;
            let yes_no_list = has_yes_no_list(grid, *index, grid.first_row + row_index);
            columns.push(Column {
                field,
                column: Grid::column_letter(*index),
                header: (*cell).clone(),
                recognised_by: if score >= columns::EXACT {
                    Recognition::Exact
                } else if score == columns::VALIDATION_ONLY && yes_no_list {
                    Recognition::Validation
                } else {
                    Recognition::Words
                },
                yes_no_list,
                index: *index,
            });
        }
    }
    columns.sort_by_key(|c| c.index);
    let named = |position: &usize| {
        open.get(*position).map(|(index, cell)| IgnoredHeader {
            column: Grid::column_letter(*index),
            header: (*cell).clone(),
        })
    };
    let ambiguous = assignment
        .ambiguous
        .iter()
        .map(|(field, positions)| Ambiguity {
            field: *field,
            columns: positions.iter().filter_map(named).collect(),
        })
        .collect();
    let ignored = (0..open.len())
        .filter(|p| !taken.get(*p).copied().unwrap_or(true))
        .filter_map(|p| named(&p))
        .collect();
    Header {
        row_index,
        columns,
        ignored,
        ambiguous,
    }
}

/// Why no header row was found: the row that came closest, what it had and what it lacked.
fn near_miss(grid: &Grid, options: &ImportOptions, information: bool) -> String {
    let mut best: Option<Header> = None;
    for (row_index, row) in grid.rows.iter().enumerate().take(HEADER_SEARCH_ROWS) {
        let header = header_in_row(grid, row_index, row, options);
        let weight = |h: &Header| h.columns.len() + h.ambiguous.len();
        if weight(&header) > 0 && best.as_ref().is_none_or(|b| weight(&header) > weight(b)) {
            best = Some(header);
        }
    }
    let needed = if information {
        "a question column"
    } else {
        "an ID column and a requirement text column"
    };
    match best {
        None => format!("no header row with {needed} in the first {HEADER_SEARCH_ROWS} rows"),
        Some(header) => {
            let has: Vec<String> = header
                .columns
                .iter()
                .map(|c| format!("{} in column {}", c.field.as_str(), c.column))
                .collect();
            let missing: Vec<&str> = [Field::Id, Field::Text]
                .into_iter()
                .filter(|f| !(header.col(*f).is_some() || (information && *f == Field::Id)))
                .map(Field::as_str)
                .collect();
            let mut out = format!(
                "row {} has {} but no {} column",
                grid.first_row + header.row_index,
                if has.is_empty() {
                    "no recognised column".to_string()
                } else {
                    has.join(", ")
                },
                missing.join(" or "),
            );
            let unclear: Vec<String> = header
                .ambiguous
                .iter()
                .filter(|a| missing.contains(&a.field.as_str()))
                .map(Ambiguity::message)
                .collect();
            if unclear.is_empty() {
                out.push_str(&format!(
                    " (name it with --map {}=COLUMN if it is there)",
                    missing.first().copied().unwrap_or("text")
                ));
            } else {
                out.push_str(&format!(": {}", unclear.join("; ")));
            }
            out
        }
    }
}

fn find_header(grid: &Grid, options: &ImportOptions, information: bool) -> Result<Option<Header>, Problem> {
    let mut best: Option<Header> = None;
    for (row_index, row) in grid.rows.iter().enumerate().take(HEADER_SEARCH_ROWS) {
        let header = header_in_row(grid, row_index, row, options);
        if header.usable(information) && best.as_ref().is_none_or(|b| header.columns.len() > b.columns.len()) {
            best = Some(header);
        }
    }
    // A mapping by letter for a field recognition could not find on the chosen header row.
    if let Some(header) = best.as_mut() {
        for (field, target) in &options.map {
            if header.col(*field).is_none() {
                if let Some(index) = letter_index(target) {
                    let text = grid
                        .rows
                        .get(header.row_index)
                        .and_then(|r| r.get(index.wrapping_sub(grid.first_col)))
                        .cloned()
                        .unwrap_or_default();
                    header.columns.retain(|c| c.index != index);
                    header.ignored.retain(|c| c.column != Grid::column_letter(index));
                    header.columns.push(Column {
                        field: *field,
                        column: Grid::column_letter(index),
                        header: text,
                        recognised_by: Recognition::Map,
                        yes_no_list: has_yes_no_list(grid, index, grid.first_row + header.row_index),
                        index,
                    });
                } else {
                    return Err(Problem {
                        sheet: grid.name.clone(),
                        row: Some(grid.first_row + header.row_index),
                        column: None,
                        message: format!("--map {}={target:?}: no column has that header", field.as_str()),
                    });
                }
            }
        }
        // A field named with --map is no longer in doubt.
        header
            .ambiguous
            .retain(|a| !header.columns.iter().any(|c| c.field == a.field));
    }
    Ok(best)
}

fn letter_index(raw: &str) -> Option<usize> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > 3 || !raw.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let n = raw
        .bytes()
        .fold(0usize, |n, b| n * 26 + usize::from(b.to_ascii_uppercase() - b'A' + 1));
    Some(n - 1)
}

pub(crate) fn parse_answer_kind(raw: &str) -> Option<AnswerKind> {
    let n = normalise(raw);
    Some(match n.as_str() {
        "declaration" | "yes no" | "yes no n a" | "y n" => AnswerKind::Declaration,
        "free text" | "text" => AnswerKind::FreeText,
        "date" => AnswerKind::Date,
        "ods code" | "ods" => AnswerKind::OdsCode,
        "attachment" | "file" | "upload" => AnswerKind::Attachment,
        _ if n.starts_with("choice") => {
            let options = raw.split_once(':').map(|(_, list)| list).unwrap_or("");
            AnswerKind::Choice(
                options
                    .split(';')
                    .map(str::trim)
                    .filter(|o| !o.is_empty())
                    .map(String::from)
                    .collect(),
            )
        }
        _ => return None,
    })
}

/// Fields whose column decides whether a sheet is ready: a tie between two columns for one of
/// them is a problem, not a guess.
const DECIDING: [Field; 6] = [
    Field::Response,
    Field::Justification,
    Field::Mitigation,
    Field::TargetDate,
    Field::Level,
    Field::AnswerKind,
];

/// Imports every sheet that holds a requirement table; other sheets are reported as skipped.
pub fn import(grids: &[Grid], options: &ImportOptions) -> Result<(Vec<ImportedSheet>, ImportReport), ImportError> {
    let mut sheets = Vec::new();
    let mut reports = Vec::new();
    let mut problems = Vec::new();
    // scal's own exports say what each sheet was called before Excel's limits shortened it.
    let originals = grids
        .iter()
        .find(|g| g.name == crate::export::METADATA_SHEET)
        .map(crate::export::original_sheet_names)
        .unwrap_or_default();
    // The certificate sheet of a SCAL export states a certificate's facts: nothing to import.
    let certificate = grids
        .iter()
        .find(|g| g.name == crate::export::METADATA_SHEET)
        .and_then(crate::export::certificate_sheet_name);
    let renamed: Vec<std::borrow::Cow<'_, Grid>> = grids
        .iter()
        .map(|g| match originals.get(&g.name) {
            Some(original) if *original != g.name => std::borrow::Cow::Owned(Grid {
                name: original.clone(),
                ..g.clone()
            }),
            _ => std::borrow::Cow::Borrowed(g),
        })
        .collect();
    for grid in renamed.iter().map(|g| g.as_ref()) {
        let is_certificate = certificate.as_deref() == Some(grid.name.as_str());
        if grid.name == crate::export::METADATA_SHEET || is_certificate {
            reports.push(SheetReport {
                name: grid.name.clone(),
                kind: "skipped".into(),
                skipped_because: Some(if is_certificate {
                    "the certificate of technical conformance, for information".into()
                } else {
                    "scal's export metadata".into()
                }),
                header_row: None,
                columns: Vec::new(),
                ignored: Vec::new(),
                ambiguous: Vec::new(),
                requirements: 0,
                skipped_rows: Vec::new(),
                blank_rows: 0,
            });
            continue;
        }
        let information = is_information_sheet(&grid.name);
        let header = match find_header(grid, options, information) {
            Ok(header) => header,
            Err(problem) => {
                problems.push(problem);
                None
            }
        };
        let Some(header) = header else {
            reports.push(SheetReport {
                name: grid.name.clone(),
                kind: "skipped".into(),
                skipped_because: Some(if grid.rows.iter().all(|r| r.iter().all(String::is_empty)) {
                    "the sheet is empty".into()
                } else {
                    near_miss(grid, options, information)
                }),
                header_row: None,
                columns: Vec::new(),
                ignored: Vec::new(),
                ambiguous: Vec::new(),
                requirements: 0,
                skipped_rows: Vec::new(),
                blank_rows: 0,
            });
            continue;
        };
        // Reading answers from a guessed column could call a sheet ready (or not) wrongly, so a
        // tie on a field that decides readiness stops the import, naming both columns.
        for ambiguity in &header.ambiguous {
            if DECIDING.contains(&ambiguity.field) {
                problems.push(Problem {
                    sheet: grid.name.clone(),
                    row: Some(grid.first_row + header.row_index),
                    column: None,
                    message: ambiguity.message(),
                });
            }
        }
        let (sheet, report, sheet_problems) = read_table(grid, &header, information);
        problems.extend(sheet_problems);
        reports.push(report);
        if !sheet.rows.is_empty() {
            sheets.push(sheet);
        }
    }
    let report = ImportReport { sheets: reports };
    if !problems.is_empty() {
        return Err(ImportError::Invalid { problems, report });
    }
    if sheets.is_empty() {
        return Err(ImportError::NoRequirements { report });
    }
    Ok((sheets, report))
}

/// A workbook read and held to what its export recorded (see [`import_exported`]).
#[derive(Debug, Clone)]
pub struct ExportedImport {
    /// The sheets, renamed sheets under their template names and edited levels put back.
    pub sheets: Vec<ImportedSheet>,
    pub report: ImportReport,
    /// What the comparison found: deleted sheets and rows (blocking), renamed sheets and edited
    /// levels (warnings), a scal export without its `_scal` sheet (blocking).
    pub findings: Vec<scal_domain::check::Finding>,
    /// The `_scal` sheet's record, if the workbook has one.
    pub manifest: Option<scal_domain::manifest::Manifest>,
}

/// [`import`], then the domain's one rule comparing the workbook against its `_scal` record
/// (`scal_domain::manifest::reconcile`), applied. Every surface reading a returned workbook
/// (`scal check`, answer import) goes through here, so none can forget the comparison.
pub fn import_exported(grids: &[Grid], options: &ImportOptions) -> Result<ExportedImport, ImportError> {
    let (mut sheets, report) = import(grids, options)?;
    let manifest = grids
        .iter()
        .find(|g| g.name == crate::export::METADATA_SHEET)
        .map(crate::export::manifest);
    let exported_layout = grids.iter().any(crate::export::has_export_layout);
    let views: Vec<scal_domain::manifest::SheetRows<'_>> = sheets
        .iter()
        .map(|s| scal_domain::manifest::SheetRows {
            name: &s.name,
            rows: &s.rows,
            level_column: s.level_column.as_deref(),
            answer_kind_column: s.answer_kind_column.as_deref(),
            response_column: s.answer_columns.get("response").map(String::as_str),
        })
        .collect();
    let reconciled = scal_domain::manifest::reconcile(&views, manifest.as_ref(), exported_layout);
    for (index, name) in reconciled.renames {
        if let Some(sheet) = sheets.get_mut(index) {
            // The kind follows the name: a renamed information sheet must still get the
            // information sheet's rules (DSPT, penetration test), or renaming would skip them.
            sheet.kind = if is_information_sheet(&name) {
                SheetKind::Information
            } else {
                SheetKind::Service
            };
            sheet.name = name;
        }
    }
    for (index, row, level) in reconciled.levels {
        if let Some(row) = sheets.get_mut(index).and_then(|s| s.rows.get_mut(row)) {
            row.requirement.level = level;
        }
    }
    for (index, row, kind) in reconciled.kinds {
        if let Some(row) = sheets.get_mut(index).and_then(|s| s.rows.get_mut(row)) {
            row.requirement.answer_kind = kind;
        }
    }
    for (index, row) in reconciled.ignored_responses {
        if let Some(row) = sheets.get_mut(index).and_then(|s| s.rows.get_mut(row)) {
            row.response = None;
        }
    }
    Ok(ExportedImport {
        sheets,
        report,
        findings: reconciled.findings,
        manifest,
    })
}

/// An information question's kind from the drop-down on its answer cell: a Yes/No/N/A list is a
/// declaration, any other list a choice between its items. `None` when the cell offers no list,
/// or one not read (a defined name, a formula, an empty range).
fn listed_kind(grid: &Grid, header: &Header, row_number: usize) -> Option<AnswerKind> {
    use crate::validations::List;
    let column = header.col(Field::Response)?.index;
    let row = u32::try_from(row_number).ok()?;
    let rule = grid.lists.iter().rev().find(|rule| rule.covers(column, row))?;
    match &rule.list {
        list if list.is_declaration() => Some(AnswerKind::Declaration),
        List::Items(items) if !items.is_empty() => Some(AnswerKind::Choice(items.clone())),
        _ => None,
    }
}

fn read_table(grid: &Grid, header: &Header, information: bool) -> (ImportedSheet, SheetReport, Vec<Problem>) {
    let cell = |row: &[String], field: Field| -> Option<String> {
        let column = header.col(field)?;
        row.get(column.index.checked_sub(grid.first_col)?)
            .filter(|v| !v.is_empty())
            .cloned()
    };
    let mut rows = Vec::new();
    let mut skipped_rows = Vec::new();
    let mut problems = Vec::new();
    let mut blank_rows = 0;
    let mut section: Option<String> = None;
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, row) in grid.rows.iter().enumerate().skip(header.row_index + 1) {
        let row_number = grid.first_row + i;
        let filled: Vec<&String> = row.iter().filter(|c| !c.is_empty()).collect();
        if filled.is_empty() {
            blank_rows += 1;
            continue;
        }
        if filled.len() == 1 && cell(row, Field::Text).is_none() {
            section = Some(filled[0].clone());
            skipped_rows.push(SkippedRow {
                row: row_number,
                reason: format!("section heading {:?}", filled[0]),
            });
            continue;
        }
        let Some(text) = cell(row, Field::Text) else {
            let column = header.col(Field::Text).map(|c| c.column.clone()).unwrap_or_default();
            skipped_rows.push(SkippedRow {
                row: row_number,
                reason: format!("no requirement text in column {column}"),
            });
            continue;
        };
        let id = match cell(row, Field::Id) {
            Some(id) => id,
            None if information && header.col(Field::Id).is_none() => {
                format!("INFO-{:03}", rows.len() + 1)
            }
            None => {
                let column = header.col(Field::Id).map(|c| c.column.clone()).unwrap_or_default();
                skipped_rows.push(SkippedRow {
                    row: row_number,
                    reason: format!("no requirement ID in column {column}"),
                });
                continue;
            }
        };
        if let Some(first) = seen.get(&id) {
            problems.push(Problem {
                sheet: grid.name.clone(),
                row: Some(row_number),
                column: header.col(Field::Id).map(|c| c.column.clone()),
                message: format!("requirement ID {id:?} appears twice, in rows {first} and {row_number}; IDs must be unique in a sheet"),
            });
            continue;
        }
        seen.insert(id.clone(), row_number);
        let level = cell(row, Field::Level)
            .and_then(|l| Level::from_column(&l))
            .unwrap_or_else(|| Level::detect(&text));
        let answer_kind = cell(row, Field::AnswerKind)
            .and_then(|k| parse_answer_kind(&k))
            .or_else(|| information.then(|| listed_kind(grid, header, row_number)).flatten())
            .unwrap_or_else(|| {
                if information {
                    AnswerKind::infer_from_question(&text)
                } else {
                    AnswerKind::Declaration
                }
            });
        let requirement = Requirement {
            id,
            section: cell(row, Field::Item).or_else(|| section.clone()),
            text,
            level,
            answer_kind,
            use_case: cell(row, Field::UseCase),
            requirement_type: cell(row, Field::Type),
            link: cell(row, Field::Link),
            test_cases: cell(row, Field::TestCases),
            test_environment: cell(row, Field::TestEnvironment),
            evidence_required: cell(row, Field::EvidenceRequired),
            guidance: cell(row, Field::Guidance),
        };
        rows.push(ImportedRow {
            row: row_number,
            requirement,
            response: cell(row, Field::Response),
            justification: cell(row, Field::Justification),
            mitigation: cell(row, Field::Mitigation),
            target_date: cell(row, Field::TargetDate),
        });
    }
    let kind = if information {
        SheetKind::Information
    } else {
        SheetKind::Service
    };
    let answer_columns = [
        Field::Response,
        Field::Justification,
        Field::Mitigation,
        Field::TargetDate,
    ]
    .into_iter()
    .filter_map(|f| header.col(f).map(|c| (f.as_str().to_string(), c.column.clone())))
    .collect();
    let report = SheetReport {
        name: grid.name.clone(),
        kind: if information { "information" } else { "service" }.into(),
        skipped_because: None,
        header_row: Some(grid.first_row + header.row_index),
        columns: header.columns.clone(),
        ignored: header.ignored.clone(),
        ambiguous: header.ambiguous.clone(),
        requirements: rows.len(),
        skipped_rows,
        blank_rows,
    };
    (
        ImportedSheet {
            name: grid.name.clone(),
            kind,
            rows,
            answer_columns,
            level_column: header.col(Field::Level).map(|c| c.column.clone()),
            answer_kind_column: header.col(Field::AnswerKind).map(|c| c.column.clone()),
        },
        report,
        problems,
    )
}

/// Parses `FIELD=COLUMN` mappings (`id=B`, `text="Requirement wording"`), as given to `--map`.
pub fn parse_map(entries: &[String]) -> Result<ImportOptions, String> {
    let mut map = Vec::new();
    for entry in entries {
        let (field, column) = entry
            .split_once('=')
            .ok_or_else(|| format!("map {entry:?}: write it as FIELD=COLUMN"))?;
        let field = Field::parse(field).ok_or_else(|| {
            let known: Vec<&str> = Field::ALL.iter().map(|f| f.as_str()).collect();
            format!(
                "map {entry:?}: unknown field {field:?}; fields are {}",
                known.join(", ")
            )
        })?;
        let column = column.trim().trim_matches('"').trim();
        if column.is_empty() {
            return Err(format!("map {entry:?}: name a column letter or header"));
        }
        map.push((field, column.to_string()));
    }
    Ok(ImportOptions { map })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::read_text;

    fn grid(text: &str) -> Grid {
        read_text(text.as_bytes(), "Sheet").unwrap()
    }

    #[test]
    fn finds_a_header_below_a_title_with_synonyms_and_reads_sections() {
        let g = grid("SCAL for X||\n\n Req ID |Requirement text|Priority\nSection A||\nA-1|It MUST work|\nA-2|It is nice|Should have\n||\nA-3|Line one\nline two MAY|");
        let (sheets, report) = import(&[g], &ImportOptions::default()).unwrap();
        let rows = &sheets[0].rows;
        assert_eq!(report.sheets[0].header_row, Some(3));
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].requirement.section.as_deref(), Some("Section A"));
        assert_eq!(rows[0].requirement.level, Level::Must);
        assert_eq!(
            rows[1].requirement.level,
            Level::Should,
            "the level column wins over the text"
        );
        assert_eq!(rows[0].row, 5);
        assert_eq!(report.sheets[0].blank_rows, 1);
        assert_eq!(report.sheets[0].skipped_rows[0].reason, "section heading \"Section A\"");
    }

    /// A section heading merged across the table's width in a real .xlsx: only its first cell holds
    /// the text, so it reads as a heading, and the rows under it take that section.
    #[test]
    fn headings_merged_across_cells_in_xlsx_are_sections() {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.set_name("PDS").unwrap();
        for (col, title) in ["Requirement ID", "Requirement", "Evidence"].iter().enumerate() {
            sheet.write_string(0, col as u16, *title).unwrap();
        }
        let merged = rust_xlsxwriter::Format::new().set_bold();
        sheet
            .merge_range(1, 0, 1, 2, "  Retrieving patients\u{a0}", &merged)
            .unwrap();
        sheet.write_string(2, 0, "PDS-1").unwrap();
        sheet
            .write_string(2, 1, "The system MUST trace\nwith the NHS number")
            .unwrap();
        sheet.merge_range(3, 0, 3, 2, "Updating patients", &merged).unwrap();
        sheet.write_string(4, 0, "PDS-2").unwrap();
        sheet.write_string(4, 1, "Updates SHOULD be sent").unwrap();
        let bytes = workbook.save_to_buffer().unwrap();
        let grids = crate::read(&bytes, "x", crate::Limits::default()).unwrap();
        let (sheets, report) = import(&grids, &ImportOptions::default()).unwrap();
        let rows = &sheets[0].rows;
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0].requirement.section.as_deref(),
            Some("Retrieving patients"),
            "trimmed, NBSP included"
        );
        assert_eq!(
            rows[0].requirement.text, "The system MUST trace\nwith the NHS number",
            "line breaks kept"
        );
        assert_eq!(rows[1].requirement.section.as_deref(), Some("Updating patients"));
        assert_eq!(rows[1].requirement.level, Level::Should);
        assert_eq!(
            report.sheets[0].skipped_rows.len(),
            2,
            "both headings are listed as skipped rows"
        );
    }

    #[test]
    fn duplicate_ids_name_both_rows() {
        let g = grid("ID|Description\nX-1|MUST a\nX-2|MUST b\nX-1|MUST c");
        let Err(ImportError::Invalid { problems, .. }) = import(&[g], &ImportOptions::default()) else {
            panic!("duplicates refused")
        };
        assert_eq!(problems[0].row, Some(4));
        assert_eq!(problems[0].column.as_deref(), Some("A"));
        assert!(problems[0].message.contains("rows 2 and 4"), "{}", problems[0].message);
    }

    #[test]
    fn sheets_without_a_requirement_table_are_skipped_and_listed() {
        let notes = grid("Version history\n1.0|First");
        let table = Grid {
            name: "PDS".into(),
            ..grid("Identifier|Description\nP-1|MUST x")
        };
        let (sheets, report) = import(&[notes, table], &ImportOptions::default()).unwrap();
        assert_eq!(sheets.len(), 1);
        assert_eq!(report.sheets[0].kind, "skipped");
        assert!(
            report.sheets[0]
                .skipped_because
                .as_deref()
                .unwrap_or_default()
                .contains("no header row"),
            "{report:?}"
        );
    }

    #[test]
    fn explicit_mapping_rescues_unrecognised_headers() {
        let g = grid("Code|Wording\nZ-1|It MUST be so");
        assert!(matches!(
            import(std::slice::from_ref(&g), &ImportOptions::default()),
            Err(ImportError::NoRequirements { .. })
        ));
        let options = ImportOptions {
            map: vec![(Field::Id, "A".into()), (Field::Text, "Wording".into())],
        };
        let (sheets, _) = import(&[g], &options).unwrap();
        assert_eq!(sheets[0].rows[0].requirement.id, "Z-1");
    }

    #[test]
    fn information_sheets_infer_answer_kinds_from_questions() {
        let g = Grid {
            name: "Supplier and product information".into(),
            ..grid("Question|Answer\nOrganisation ODS code|\nDate of last penetration test|\nProduct name|")
        };
        let (sheets, _) = import(&[g], &ImportOptions::default()).unwrap();
        let kinds: Vec<&str> = sheets[0]
            .rows
            .iter()
            .map(|r| r.requirement.answer_kind.as_str())
            .collect();
        assert_eq!(kinds, ["ods_code", "date", "free_text"]);
        assert_eq!(sheets[0].kind, SheetKind::Information);
    }
}

/// "Never a wrong ready": whatever a supplier deletes or edits in an exported workbook, `scal
/// check`'s pipeline (read, [`import_exported`], the domain's check) never calls it ready when it
/// is not.
#[cfg(test)]
mod never_a_wrong_ready {
    use proptest::prelude::*;
    use scal_domain::template::{AnswerKind, Level, Requirement, SheetKind, TemplateSheet};

    use super::*;
    use crate::{export, read, Answers, Export, ExportedAnswer, Limits};

    /// What happens to one row in Excel.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Edit {
        Keep,
        Delete,
        /// The Level cell set to MAY and the answer to No.
        LevelToMayAnsweredNo,
        /// The Level cell set to MAY, the answer left Yes (a warning, not a reason to block).
        LevelToMay,
        /// Answered No with a justification and no mitigation.
        NoWithoutMitigation,
        /// The Answer type cell set to free text and the answer to No (so No would not be red).
        KindToFreeTextAnsweredNo,
    }

    fn edit() -> impl Strategy<Value = Edit> {
        prop_oneof![
            4 => Just(Edit::Keep),
            1 => Just(Edit::Delete),
            1 => Just(Edit::LevelToMayAnsweredNo),
            1 => Just(Edit::LevelToMay),
            1 => Just(Edit::NoWithoutMitigation),
            1 => Just(Edit::KindToFreeTextAnsweredNo),
        ]
    }

    fn level() -> impl Strategy<Value = Level> {
        prop::sample::select(Level::ALL.to_vec())
    }

    /// Sheets of `(level, edit)` rows, and whether each sheet is deleted.
    fn workbook() -> impl Strategy<Value = Vec<(bool, Vec<(Level, Edit)>)>> {
        prop::collection::vec(
            (
                prop::bool::weighted(0.15),
                prop::collection::vec((level(), edit()), 1..6),
            ),
            1..4,
        )
    }

    fn requirement(id: String, level: Level) -> Requirement {
        Requirement {
            id,
            section: None,
            text: "The system does it".into(),
            level,
            answer_kind: AnswerKind::Declaration,
            use_case: None,
            requirement_type: None,
            link: None,
            test_cases: None,
            test_environment: None,
            evidence_required: None,
            guidance: None,
        }
    }

    /// A renamed information sheet is matched back, and checked as the information sheet.
    #[test]
    fn a_renamed_information_sheet_keeps_its_rules() {
        let sheets = [TemplateSheet {
            name: "Supplier and product information".into(),
            kind: SheetKind::Information,
            requirements: vec![Requirement {
                answer_kind: AnswerKind::Date,
                text: "Date of last penetration test".into(),
                ..requirement("INFO-1".into(), Level::Unspecified)
            }],
        }];
        let mut answers = Answers::new();
        answers.insert(
            (sheets[0].name.clone(), "INFO-1".into()),
            ExportedAnswer {
                response: Some("2020-01-01".into()),
                ..Default::default()
            },
        );
        let bytes = export(&Export {
            template_id: "t",
            template_name: "T",
            version: 1,
            product_id: Some("p"),
            stamp: "2026-11-24T09:00:00Z",
            sheets: &sheets,
            answers: &answers,
        })
        .unwrap();
        let mut grids = read(&bytes, "x", Limits::default()).unwrap();
        grids[0].name = "Our details".into();
        let imported = import_exported(&grids, &ImportOptions::default()).unwrap();
        assert_eq!(imported.sheets[0].name, "Supplier and product information");
        assert_eq!(imported.sheets[0].kind, SheetKind::Information);
        let answered: Vec<_> = imported.sheets.iter().map(ImportedSheet::answered).collect();
        let report = scal_domain::check::check(&answered, time::macros::date!(2026 - 11 - 24));
        assert!(!report.ready_to_submit(), "a six-year-old penetration test: {report:?}");
    }

    /// Exports made before `_scal` recorded levels, answer types and linked files (four columns)
    /// are still read: deleted rows are still found, and nothing else is guessed.
    #[test]
    fn an_old_four_column_record_is_still_read() {
        let sheets = [TemplateSheet {
            name: "S".into(),
            kind: SheetKind::Service,
            requirements: vec![
                requirement("A-1".into(), Level::Must),
                requirement("A-2".into(), Level::Must),
            ],
        }];
        let bytes = export(&Export {
            template_id: "t",
            template_name: "T",
            version: 1,
            product_id: Some("p"),
            stamp: "2026-11-24T09:00:00Z",
            sheets: &sheets,
            answers: &Answers::new(),
        })
        .unwrap();
        let mut grids = read(&bytes, "x", Limits::default()).unwrap();
        for grid in &mut grids {
            if grid.name == crate::METADATA_SHEET {
                grid.rows.iter_mut().for_each(|r| r.truncate(4));
            } else {
                grid.rows.retain(|r| r.first().is_none_or(|c| c != "A-2"));
                set(&mut grid.rows[1], 3, "MAY");
            }
        }
        let imported = import_exported(&grids, &ImportOptions::default()).unwrap();
        let found: Vec<(&str, bool)> = imported
            .findings
            .iter()
            .map(|f| (f.requirement_id.as_str(), f.blocking))
            .collect();
        assert_eq!(found, [("A-2", true)], "{:?}", imported.findings);
        assert_eq!(imported.manifest.unwrap().rows[0].level, None);
    }

    fn set(row: &mut Vec<String>, column: usize, value: &str) {
        row.resize(row.len().max(column + 1), String::new());
        row[column] = value.into();
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn an_edited_export_is_never_ready(shape in workbook()) {
            let sheets: Vec<TemplateSheet> = shape
                .iter()
                .enumerate()
                .map(|(s, (_, rows))| TemplateSheet {
                    name: format!("Sheet {s}"),
                    kind: SheetKind::Service,
                    requirements: rows
                        .iter()
                        .enumerate()
                        .map(|(r, (level, _))| requirement(format!("R-{s}-{r}"), *level))
                        .collect(),
                })
                .collect();
            let mut answers = Answers::new();
            for sheet in &sheets {
                for r in &sheet.requirements {
                    answers.insert(
                        (sheet.name.clone(), r.id.clone()),
                        ExportedAnswer { response: Some("Yes".into()), ..Default::default() },
                    );
                }
            }
            let bytes = export(&Export {
                template_id: "t",
                template_name: "T",
                version: 1,
                product_id: Some("p"),
                stamp: "2026-11-24T09:00:00Z",
                sheets: &sheets,
                answers: &answers,
            })
            .unwrap();
            let mut grids = read(&bytes, "x", Limits::default()).unwrap();

            // Apply the edits; note whether any of them must block.
            let mut must_block = false;
            for (s, (deleted, rows)) in shape.iter().enumerate() {
                let name = format!("Sheet {s}");
                if *deleted {
                    grids.retain(|g| g.name != name);
                    must_block = true;
                    continue;
                }
                let grid = grids.iter_mut().find(|g| g.name == name).unwrap();
                for (r, (level, edit)) in rows.iter().enumerate() {
                    let id = format!("R-{s}-{r}");
                    let red = matches!(level, Level::Must | Level::MustNot);
                    let Some(i) = grid.rows.iter().position(|row| row.first() == Some(&id)) else {
                        continue;
                    };
                    match edit {
                        Edit::Keep => {}
                        Edit::Delete => {
                            grid.rows.remove(i);
                            must_block = true;
                        }
                        Edit::LevelToMay => set(&mut grid.rows[i], 3, "MAY"),
                        Edit::LevelToMayAnsweredNo => {
                            set(&mut grid.rows[i], 3, "MAY");
                            set(&mut grid.rows[i], 12, "No");
                            // No to a MUST is red, to a SHOULD amber without a justification:
                            // both block once the template's level is put back.
                            must_block |= *level != Level::May;
                        }
                        Edit::KindToFreeTextAnsweredNo => {
                            set(&mut grid.rows[i], 4, "free text");
                            set(&mut grid.rows[i], 12, "No");
                            must_block |= *level != Level::May;
                        }
                        Edit::NoWithoutMitigation => {
                            set(&mut grid.rows[i], 12, "No");
                            set(&mut grid.rows[i], 13, "Because");
                            must_block |= red;
                        }
                    }
                }
            }

            let ready = match import_exported(&grids, &ImportOptions::default()) {
                Ok(imported) => {
                    let answered: Vec<_> = imported.sheets.iter().map(ImportedSheet::answered).collect();
                    let mut report = scal_domain::check::check(&answered, time::macros::date!(2026 - 11 - 24));
                    report.findings.extend(imported.findings);
                    report.ready_to_submit()
                }
                // Nothing left to read is never ready either.
                Err(_) => false,
            };
            if must_block {
                prop_assert!(!ready, "ready after {shape:?}");
            }
            let untouched = shape.iter().all(|(deleted, rows)| !deleted && rows.iter().all(|(_, e)| *e == Edit::Keep));
            if untouched {
                prop_assert!(ready, "the export as written is ready: {shape:?}");
            }
        }
    }
}
