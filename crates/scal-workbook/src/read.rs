//! Bytes to grids.

use std::io::Cursor;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use calamine::{DataRef, Reader, Xlsx, XlsxError};
use scal_domain::check::UnsavedFormula;

/// One sheet as text. `rows[i][j]` is the cell at spreadsheet row `first_row + i` (1-based) and
/// column `first_col + j` (0-based, A = 0), trimmed of whitespace including non-breaking spaces,
/// line breaks inside the text kept. Rows may be shorter than others: a missing cell is empty
/// (an xlsx row ends at its last value, a text row at its last `|`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    pub name: String,
    pub first_row: usize,
    pub first_col: usize,
    pub rows: Vec<Vec<String>>,
    /// The sheet's drop-down lists (xlsx only), cell ranges already looked up: the workbook's own
    /// word on what a cell takes (a Yes/No/N/A list marks a declaration column).
    pub lists: Vec<crate::validations::ListRule>,
}

impl Grid {
    /// `A`, `B`, ... `AA` for a 0-based column index.
    pub fn column_letter(col: usize) -> String {
        let mut n = col + 1;
        let mut letters = Vec::new();
        while n > 0 {
            let rem = (n - 1) % 26;
            letters.push(char::from(b'A' + u8::try_from(rem).unwrap_or(0)));
            n = (n - 1) / 26;
        }
        letters.iter().rev().collect()
    }
}

/// Caps against hostile files.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Total uncompressed size of an xlsx's parts.
    pub max_uncompressed_bytes: u64,
    pub max_zip_entries: usize,
    /// A sheet's real range (the bounding box of the cells holding a value after trimming; empty
    /// and format-only cells do not count) may span at most this many rows, ...
    pub max_sheet_rows: u64,
    /// ... this many columns ...
    pub max_sheet_columns: u64,
    /// ... and this many cells (rows × columns).
    pub max_sheet_cells: u64,
    /// What the whole workbook's grids may take in memory: the cells' text, plus the rows and
    /// cells they are laid out in. Each sheet can be within the limits above and a workbook still
    /// have thousands of sheets, and a shared string is stored once in the file but copied into
    /// every cell that uses it, so this bounds what a small file can make scal hold.
    pub max_content_bytes: u64,
}

impl Default for Limits {
    /// Real SCAL sheets have hundreds to a few thousand rows and 10 to 40 columns; the hidden
    /// `_scal` sheet of an exported workbook has a row per requirement (10,000 in the benchmark's
    /// whole SCAL, whose 21 sheets with every row answered, justified and mitigated take about
    /// 19 MiB of the content budget). These leave room for several times that and refuse what
    /// only a crafted file has.
    fn default() -> Self {
        Self {
            max_uncompressed_bytes: 100 * 1024 * 1024,
            max_zip_entries: 10_000,
            max_sheet_rows: 100_000,
            max_sheet_columns: 1_000,
            max_sheet_cells: 2_000_000,
            max_content_bytes: 128 * 1024 * 1024,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("the workbook is encrypted (password-protected); save an unprotected copy and upload that")]
    Encrypted,
    #[error("this is an old Excel 97-2003 (.xls) file; save it as an Excel Workbook (.xlsx) and upload that")]
    LegacyXls,
    #[error("the workbook would expand to more than {limit} bytes, which is more than any SCAL needs")]
    TooLarge { limit: u64 },
    #[error("the workbook has more than {limit} parts, which is more than any SCAL needs")]
    TooManyEntries { limit: usize },
    #[error("the file is not a readable .xlsx workbook: {0}")]
    BadXlsx(String),
    #[error("the text file is not UTF-8 (line {line}); save it as UTF-8")]
    NotUtf8 { line: usize },
    #[error("the file is empty")]
    Empty,
    #[error(
        "sheet {sheet:?} spans {range} ({} × {}); a SCAL sheet can have at most {} rows, {} columns and {} cells",
        counted(.rows, "row"), counted(.columns, "column"), thousands(.max_rows), thousands(.max_columns), thousands(.max_cells)
    )]
    SheetTooLarge {
        sheet: String,
        /// `A1:XFD1048576`.
        range: String,
        rows: u64,
        columns: u64,
        max_rows: u64,
        max_columns: u64,
        max_cells: u64,
    },
    #[error("the workbook's shared strings part says it holds {} different texts, more than its size allows or any SCAL needs", thousands(.declared))]
    TooManySharedStrings { declared: u64 },
    #[error("the workbook's cells would take more than {} MiB to hold (reached in sheet {sheet:?}), which is more than any SCAL needs", .limit / (1024 * 1024))]
    TooMuchContent { sheet: String, limit: u64 },
}

/// `1 row`, `1,048,576 rows`.
fn counted(n: &u64, noun: &str) -> String {
    format!("{} {noun}{}", thousands(n), if *n == 1 { "" } else { "s" })
}

/// `1048576` as `1,048,576`.
fn thousands(n: &u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Reads a workbook: xlsx when the bytes are a zip, an old `.xls` or encrypted workbook when they
/// are an OLE compound file (both refused), otherwise pipe-separated text named `text_sheet_name`.
pub fn read(bytes: &[u8], text_sheet_name: &str, limits: Limits) -> Result<Vec<Grid>, ReadError> {
    read_with_formulas(bytes, text_sheet_name, limits).map(|(grids, _)| grids)
}

/// [`read`], and the cells holding a formula with no saved value (their grid cell is empty), so
/// those reading answers can say so rather than call the cell unanswered
/// (`check::report_unsaved_formulas`). Text files hold no formulas.
pub fn read_with_formulas(
    bytes: &[u8],
    text_sheet_name: &str,
    limits: Limits,
) -> Result<(Vec<Grid>, Vec<UnsavedFormula>), ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    if bytes.starts_with(ZIP_MAGIC) {
        return read_xlsx(bytes, limits);
    }
    if bytes.starts_with(CFB_MAGIC) {
        // Encrypted OOXML is an OLE file holding an "EncryptionInfo" stream (names are UTF-16).
        let marker: Vec<u8> = "EncryptionInfo".encode_utf16().flat_map(u16::to_le_bytes).collect();
        return Err(if bytes.windows(marker.len()).any(|w| w == marker.as_slice()) {
            ReadError::Encrypted
        } else {
            ReadError::LegacyXls
        });
    }
    Ok((vec![read_text_within(bytes, text_sheet_name, limits)?], Vec::new()))
}

/// NHS pipe-separated text: UTF-8 with or without a BOM, LF or CRLF, `|` between cells, no quoting.
pub fn read_text(bytes: &[u8], sheet_name: &str) -> Result<Grid, ReadError> {
    read_text_within(bytes, sheet_name, Limits::default())
}

/// [`read_text`] under `limits`: a line of nothing but `|` is a row of empty cells, so a 25 MB
/// file could otherwise ask for 25 million of them (600 MB). The same real range as a sheet's is
/// capped (from A1 to the last value), and a row ends at its last value.
fn read_text_within(bytes: &[u8], sheet_name: &str, limits: Limits) -> Result<Grid, ReadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        ReadError::NotUtf8 { line }
    })?;
    let lines = || text.split('\n').map(|line| line.strip_suffix('\r').unwrap_or(line));
    // How many cells of a line are kept: up to its last value.
    let width = |line: &str| {
        line.split('|')
            .enumerate()
            .filter(|(_, cell)| !clean(cell).is_empty())
            .last()
            .map_or(0, |(j, _)| j + 1)
    };
    // First pass, allocating nothing: the real range and the cells it would take.
    let (mut rows, mut columns, mut slots) = (0u64, 0u64, 0u64);
    for (i, line) in lines().enumerate() {
        let width = width(line) as u64;
        if width > 0 {
            rows = i as u64 + 1;
            columns = columns.max(width);
        }
        slots = slots.saturating_add(width);
    }
    let within = rows <= limits.max_sheet_rows
        && columns <= limits.max_sheet_columns
        && rows.saturating_mul(columns) <= limits.max_sheet_cells;
    if !within {
        return Err(ReadError::SheetTooLarge {
            sheet: sheet_name.to_string(),
            range: format!(
                "A1:{}{rows}",
                Grid::column_letter(usize::try_from(columns.saturating_sub(1)).unwrap_or(usize::MAX))
            ),
            rows,
            columns,
            max_rows: limits.max_sheet_rows,
            max_columns: limits.max_sheet_columns,
            max_cells: limits.max_sheet_cells,
        });
    }
    let budget = Budget {
        used: AtomicU64::new(0),
        limit: limits.max_content_bytes,
    };
    budget.charge(
        (rows.saturating_add(slots)).saturating_mul(SLOT_COST) + text.len() as u64,
        sheet_name,
    )?;
    let rows = lines()
        .take(usize::try_from(rows).unwrap_or(usize::MAX))
        .map(|line| {
            line.split('|')
                .take(width(line))
                .map(|cell| clean(cell).to_string())
                .collect()
        })
        .collect::<Vec<Vec<String>>>();
    Ok(Grid {
        name: sheet_name.to_string(),
        first_row: 1,
        first_col: 0,
        rows,
        lists: Vec::new(),
    })
}

/// A sheet's grid and its formula cells without a saved value.
type Parsed = (Grid, Vec<UnsavedFormula>);

fn read_xlsx(bytes: &[u8], limits: Limits) -> Result<(Vec<Grid>, Vec<UnsavedFormula>), ReadError> {
    let shared_strings = check_zip(bytes, limits)?;
    // calamine can panic on malformed sheets (fuzzing found an integer overflow on an absurd cell
    // reference). A hostile upload must get an error, never take the process down.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let (mut grids, unsaved) = parse_xlsx(bytes, shared_strings, limits)?;
        let mut lists = crate::validations::lists(bytes);
        for grid in &mut grids {
            grid.lists = lists.remove(&grid.name).unwrap_or_default();
        }
        look_up_lists(&mut grids);
        Ok((grids, unsaved))
    }))
    .unwrap_or_else(|_| Err(ReadError::BadXlsx("the workbook's contents are malformed".into())))
}

/// The most items a list drawn from cells may have; a longer range is not a list of answers.
const MAX_LIST_ITEMS: usize = 500;

/// Replaces each list drawn from a range of cells with the items those cells hold (in the sheet
/// named, or the validation's own): a list in a hidden `Lists` sheet is still the question's
/// options. A range that is not one row or column, is too long, or names no sheet read becomes
/// [`List::Other`](crate::validations::List::Other).
fn look_up_lists(grids: &mut [Grid]) {
    use crate::validations::List;
    let items_of = |grids: &[Grid], own: &str, list: &List| -> List {
        let List::Cells { sheet, range } = list else {
            return list.clone();
        };
        let name = sheet.as_deref().unwrap_or(own);
        let Some(grid) = grids
            .iter()
            .find(|g| g.name == name || g.name.eq_ignore_ascii_case(name))
        else {
            return List::Other;
        };
        let rows = (range.last_row - range.first_row) as usize + 1;
        let cols = range.last_col - range.first_col + 1;
        if (rows > 1 && cols > 1) || rows * cols > MAX_LIST_ITEMS {
            return List::Other;
        }
        let mut items = Vec::new();
        for row in range.first_row..=range.last_row {
            for col in range.first_col..=range.last_col {
                let value = (row as usize)
                    .checked_sub(grid.first_row)
                    .and_then(|r| grid.rows.get(r))
                    .and_then(|cells| cells.get(col.checked_sub(grid.first_col)?))
                    .map(|v| v.trim())
                    .filter(|v| !crate::validations::is_prompt(v));
                items.extend(value.map(String::from));
            }
        }
        List::Items(items)
    };
    let looked_up: Vec<Vec<crate::validations::List>> = grids
        .iter()
        .map(|g| {
            g.lists
                .iter()
                .map(|rule| items_of(grids, &g.name, &rule.list))
                .collect()
        })
        .collect();
    for (grid, lists) in grids.iter_mut().zip(looked_up) {
        for (rule, list) in grid.lists.iter_mut().zip(lists) {
            rule.list = list;
        }
    }
}

fn open_xlsx(bytes: &[u8]) -> Result<Xlsx<Cursor<&[u8]>>, ReadError> {
    Xlsx::new(Cursor::new(bytes)).map_err(|e| ReadError::BadXlsx(e.to_string()))
}

/// Above this, each thread's own copy of the shared strings would cost more than the threads save.
const PARALLEL_SHARED_STRINGS_BYTES: u64 = 8 * 1024 * 1024;

/// Large workbooks are parsed on several threads, a share of the sheets each (every thread opens
/// its own reader over the same bytes, so each holds the shared strings: only when those are
/// small); small ones on this thread.
fn parse_xlsx(
    bytes: &[u8],
    shared_strings: u64,
    limits: Limits,
) -> Result<(Vec<Grid>, Vec<UnsavedFormula>), ReadError> {
    let names = open_xlsx(bytes)?.sheet_names();
    let budget = Budget {
        used: AtomicU64::new(0),
        limit: limits.max_content_bytes,
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4)
        .min(names.len());
    if threads <= 1 || bytes.len() < 256 * 1024 || shared_strings > PARALLEL_SHARED_STRINGS_BYTES {
        return parse_sheets(bytes, &names, limits, &budget).map(flatten);
    }
    let shares: Vec<Vec<String>> = (0..threads)
        .map(|t| names.iter().skip(t).step_by(threads).cloned().collect())
        .collect();
    let budget = &budget;
    let parsed: Vec<Result<Vec<Parsed>, ReadError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = shares
            .iter()
            .map(|share| scope.spawn(move || parse_sheets(bytes, share, limits, budget)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(ReadError::BadXlsx("the workbook's contents are malformed".into())))
            })
            .collect()
    });
    let mut by_name: std::collections::HashMap<String, Parsed> = std::collections::HashMap::new();
    for result in parsed {
        for (grid, formulas) in result? {
            by_name.insert(grid.name.clone(), (grid, formulas));
        }
    }
    Ok(flatten(names.iter().filter_map(|name| by_name.remove(name)).collect()))
}

/// The sheets' grids in order, and all their formula cells without a saved value.
fn flatten(parsed: Vec<Parsed>) -> (Vec<Grid>, Vec<UnsavedFormula>) {
    let (grids, formulas): (Vec<Grid>, Vec<Vec<UnsavedFormula>>) = parsed.into_iter().unzip();
    (grids, formulas.into_iter().flatten().collect())
}

/// What one workbook's grids may take in memory, shared by the threads reading its sheets.
struct Budget {
    used: AtomicU64,
    limit: u64,
}

/// Roughly what keeping a value costs beyond its text while a sheet is read (its place in the
/// sorted map), and what a grid's row or cell costs.
const VALUE_COST: u64 = 64;
const SLOT_COST: u64 = std::mem::size_of::<String>() as u64;

impl Budget {
    /// Counts `bytes` against the limit before they are allocated.
    fn charge(&self, bytes: u64, sheet: &str) -> Result<(), ReadError> {
        let used = self.used.fetch_add(bytes, Ordering::Relaxed).saturating_add(bytes);
        if used > self.limit {
            return Err(ReadError::TooMuchContent {
                sheet: sheet.to_string(),
                limit: self.limit,
            });
        }
        Ok(())
    }
}

fn parse_sheets(bytes: &[u8], names: &[String], limits: Limits, budget: &Budget) -> Result<Vec<Parsed>, ReadError> {
    let mut workbook = open_xlsx(bytes)?;
    names
        .iter()
        .map(|name| parse_sheet(&mut workbook, name, limits, budget))
        .collect()
}

/// The smallest rectangle holding every cell seen so far (0-based, inclusive).
#[derive(Debug, Clone, Copy)]
struct Bounds {
    first_row: u32,
    last_row: u32,
    first_col: u32,
    last_col: u32,
}

impl Bounds {
    fn with(self, (row, col): (u32, u32)) -> Self {
        Self {
            first_row: self.first_row.min(row),
            last_row: self.last_row.max(row),
            first_col: self.first_col.min(col),
            last_col: self.last_col.max(col),
        }
    }

    fn rows(self) -> u64 {
        u64::from(self.last_row - self.first_row) + 1
    }

    fn columns(self) -> u64 {
        u64::from(self.last_col - self.first_col) + 1
    }

    fn within(self, limits: Limits) -> bool {
        self.rows() <= limits.max_sheet_rows
            && self.columns() <= limits.max_sheet_columns
            && self.rows().saturating_mul(self.columns()) <= limits.max_sheet_cells
    }

    fn range(self) -> String {
        format!(
            "{}{}:{}{}",
            Grid::column_letter(self.first_col as usize),
            u64::from(self.first_row) + 1,
            Grid::column_letter(self.last_col as usize),
            u64::from(self.last_row) + 1
        )
    }
}

/// Reads one sheet cell by cell, keeping only cells that hold a value. calamine's own ranges are
/// dense over the cells' addresses, so a file with one cell at A1 and one at XFD1048576 would ask
/// for hundreds of GiB (an allocation failure aborts the process; it cannot be caught). Here
/// memory follows the values: each is kept once, and the sheet is refused as soon as their
/// bounding box passes the limits (reading on, without keeping anything, only to name the whole
/// range in the error). Every value, row and cell is counted against the workbook's budget
/// before it is kept, so many sheets, each within the limits, cannot add up to too much either.
fn parse_sheet(
    workbook: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
    limits: Limits,
    budget: &Budget,
) -> Result<Parsed, ReadError> {
    let bad = |e: XlsxError| ReadError::BadXlsx(format!("sheet {name:?}: {e}"));
    let mut reader = match workbook.worksheet_cells_reader(name) {
        Ok(reader) => reader,
        // A chart sheet or dialog sheet holds no cells.
        Err(XlsxError::NotAWorksheet(_)) => {
            return Ok((
                Grid {
                    name: name.to_string(),
                    first_row: 1,
                    first_col: 0,
                    rows: Vec::new(),
                    lists: Vec::new(),
                },
                Vec::new(),
            ))
        }
        Err(e) => return Err(bad(e)),
    };
    // Sorted by position, and a cell written twice keeps its last value, as calamine's ranges do.
    let mut cells: BTreeMap<(u32, u32), String> = BTreeMap::new();
    let mut bounds: Option<Bounds> = None;
    let mut too_large = false;
    let mut unsaved = Vec::new();
    // With each cell's formula, unexpanded (no per-cell formula text is built for shared ones).
    while let Some(cell) = reader.next_cell_with_formula_metadata().map_err(bad)? {
        let value = cell_text(&cell.value);
        if value.is_empty() {
            // A formula whose computed value was never saved (openpyxl writes `<c><f>…</f></c>`):
            // the cell reads as empty, but the supplier put something there. Counted against the
            // budget like a value, so a sheet of them cannot grow without bound.
            if cell.formula.is_some() {
                budget.charge(VALUE_COST + name.len() as u64, name)?;
                unsaved.push(UnsavedFormula {
                    sheet: name.to_string(),
                    row: cell.pos.0 as usize + 1,
                    column: Grid::column_letter(cell.pos.1 as usize),
                });
            }
            continue;
        }
        let position = cell.pos;
        let grown = bounds.map_or(
            Bounds {
                first_row: position.0,
                last_row: position.0,
                first_col: position.1,
                last_col: position.1,
            },
            |b| b.with(position),
        );
        bounds = Some(grown);
        if too_large {
            continue;
        }
        if !grown.within(limits) {
            too_large = true;
            cells = BTreeMap::new();
            continue;
        }
        budget.charge(value.len() as u64 + VALUE_COST, name)?;
        cells.insert(position, value);
    }
    let Some(bounds) = bounds else {
        return Ok((
            Grid {
                name: name.to_string(),
                first_row: 1,
                first_col: 0,
                rows: Vec::new(),
                lists: Vec::new(),
            },
            unsaved,
        ));
    };
    if too_large {
        return Err(ReadError::SheetTooLarge {
            sheet: name.to_string(),
            range: bounds.range(),
            rows: bounds.rows(),
            columns: bounds.columns(),
            max_rows: limits.max_sheet_rows,
            max_columns: limits.max_sheet_columns,
            max_cells: limits.max_sheet_cells,
        });
    }
    // Within the limits, and each allocation counted first: an empty row is an empty `Vec` (no
    // allocation), and a row ends at its last value.
    budget.charge(bounds.rows() * SLOT_COST, name)?;
    let mut rows: Vec<Vec<String>> = (0..bounds.rows()).map(|_| Vec::new()).collect();
    for ((row, col), value) in cells {
        let (i, j) = ((row - bounds.first_row) as usize, (col - bounds.first_col) as usize);
        if let Some(row) = rows.get_mut(i) {
            budget.charge((j.saturating_sub(row.len()) as u64 + 1) * SLOT_COST, name)?;
            if row.len() < j {
                row.resize(j, String::new());
            }
            row.push(value);
        }
    }
    Ok((
        Grid {
            name: name.to_string(),
            first_row: bounds.first_row as usize + 1,
            first_col: bounds.first_col as usize,
            rows,
            lists: Vec::new(),
        },
        unsaved,
    ))
}

/// What one entry of calamine's shared-strings table costs before any text is stored (a `String`).
const SHARED_STRING_SLOT_BYTES: u64 = 24;

/// calamine reserves room for as many shared strings as the part's `uniqueCount` attribute says,
/// before reading any: a 1 KB file declaring a trillion would make it ask for terabytes and abort
/// the process (an allocation failure cannot be caught). So the declaration is read here first and
/// refused when it is more than the part could hold (every `<si/>` takes at least 5 bytes) or more
/// than half the content budget would pay for.
fn check_shared_strings_count(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    index: usize,
    limits: Limits,
) -> Result<(), ReadError> {
    use std::io::Read as _;
    let mut entry = archive.by_index(index).map_err(|e| ReadError::BadXlsx(e.to_string()))?;
    let declared_size = entry.size();
    // The `<sst …>` start tag comes first, after at most an XML declaration and a comment or two.
    let mut head = Vec::with_capacity(16 * 1024);
    (&mut entry)
        .take(16 * 1024)
        .read_to_end(&mut head)
        .map_err(|e| ReadError::BadXlsx(format!("shared strings: {e}")))?;
    let Some(declared) = declared_unique_count(&head) else {
        return Ok(());
    };
    let fits_the_part = declared <= declared_size / 5 + 1;
    let fits_the_budget = declared.saturating_mul(SHARED_STRING_SLOT_BYTES) <= limits.max_content_bytes / 2;
    if fits_the_part && fits_the_budget {
        Ok(())
    } else {
        Err(ReadError::TooManySharedStrings { declared })
    }
}

/// The largest `uniqueCount` in the first `sst` start tag (with or without a namespace prefix), as
/// calamine would read it: digits only (anything else it does not act on).
fn declared_unique_count(xml: &[u8]) -> Option<u64> {
    let mut at = 0;
    while let Some(offset) = xml[at..].iter().position(|b| *b == b'<') {
        let start = at + offset + 1;
        let end = xml[start..]
            .iter()
            .position(|b| *b == b'>')
            .map_or(xml.len(), |e| start + e);
        let tag = &xml[start..end];
        let name_end = tag
            .iter()
            .position(|b| b.is_ascii_whitespace() || *b == b'/')
            .unwrap_or(tag.len());
        let name = &tag[..name_end];
        let local = name.rsplit(|b| *b == b':').next().unwrap_or(name);
        if local == b"sst" {
            let attributes = &tag[name_end..];
            let needle = b"uniqueCount";
            let mut largest = None;
            let mut from = 0;
            while let Some(found) = attributes[from..].windows(needle.len()).position(|w| w == needle) {
                let after = &attributes[from + found + needle.len()..];
                let value: Vec<u8> = after
                    .iter()
                    .skip_while(|b| b.is_ascii_whitespace() || **b == b'=' || **b == b'"' || **b == b'\'')
                    .take_while(|b| b.is_ascii_digit())
                    .copied()
                    .collect();
                if !value.is_empty() {
                    // Saturating: a number too long for u64 is simply huge.
                    let n = value
                        .iter()
                        .fold(0u64, |n, d| n.saturating_mul(10).saturating_add(u64::from(d - b'0')));
                    largest = largest.max(Some(n));
                }
                from += found + needle.len();
            }
            return largest;
        }
        at = end.min(xml.len());
        if at >= xml.len() {
            break;
        }
    }
    None
}

/// Refuses zip bombs before anything is decompressed, from the sizes the archive declares.
/// Returns the declared size of the shared strings part.
fn check_zip(bytes: &[u8], limits: Limits) -> Result<u64, ReadError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| ReadError::BadXlsx(e.to_string()))?;
    if archive.len() > limits.max_zip_entries {
        return Err(ReadError::TooManyEntries {
            limit: limits.max_zip_entries,
        });
    }
    let mut total: u64 = 0;
    let mut shared_strings: u64 = 0;
    let mut strings_parts = Vec::new();
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| ReadError::BadXlsx(e.to_string()))?;
        if entry.encrypted() {
            return Err(ReadError::Encrypted);
        }
        total = total.saturating_add(entry.size());
        if total > limits.max_uncompressed_bytes {
            return Err(ReadError::TooLarge {
                limit: limits.max_uncompressed_bytes,
            });
        }
        if entry
            .name()
            .is_ok_and(|n| n.to_ascii_lowercase().ends_with("sharedstrings.xml"))
        {
            shared_strings = shared_strings.saturating_add(entry.size());
            strings_parts.push(i);
        }
    }
    for i in strings_parts {
        check_shared_strings_count(&mut archive, i, limits)?;
    }
    Ok(shared_strings)
}

fn cell_text(cell: &DataRef<'_>) -> String {
    match cell {
        DataRef::Empty => String::new(),
        DataRef::String(s) => clean(s).to_string(),
        DataRef::SharedString(s) => clean(s).to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Float(f) => f.to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        DataRef::DateTime(dt) => excel_serial_to_text(dt.as_f64()),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => format!("#{e:?}"),
    }
}

/// Excel stores dates as days since 1899-12-30. Whole days become `YYYY-MM-DD`, others
/// `YYYY-MM-DD HH:MM:SS`.
fn excel_serial_to_text(serial: f64) -> String {
    let epoch = time::macros::datetime!(1899-12-30 0:00);
    let seconds = (serial * 86_400.0).round();
    if !seconds.is_finite() || seconds.abs() > 1e12 {
        return serial.to_string();
    }
    let at = epoch + time::Duration::seconds(seconds as i64);
    let date = time::macros::format_description!("[year]-[month]-[day]");
    let date_time = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    if at.time() == time::Time::MIDNIGHT {
        at.format(&date)
    } else {
        at.format(&date_time)
    }
    .unwrap_or_else(|_| serial.to_string())
}

/// Surrounding whitespace, including non-breaking spaces, is not part of a value.
pub fn clean(raw: &str) -> &str {
    raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{a0}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_declared_shared_string_count_is_read_as_calamine_reads_it() {
        let plain = br#"<?xml version="1.0"?><sst xmlns="m" count="3" uniqueCount="2"><si><t>a</t></si>"#;
        assert_eq!(declared_unique_count(plain), Some(2));
        let prefixed = br#"<x:sst xmlns:x="m" uniqueCount = '99'>"#;
        assert_eq!(declared_unique_count(prefixed), Some(99));
        let twice = br#"<sst uniqueCount="5" uniqueCount="123456789012345678901234567890">"#;
        assert_eq!(declared_unique_count(twice), Some(u64::MAX));
        assert_eq!(declared_unique_count(br#"<sst count="4">"#), None);
        assert_eq!(declared_unique_count(br#"<other uniqueCount="4"><sst>"#), None);
        assert_eq!(declared_unique_count(b"<"), None);
    }

    #[test]
    fn text_files_accept_bom_and_crlf_and_trim_cells() {
        let grid = read_text(
            b"\xEF\xBB\xBFIdentifier|Description\r\n A-1 |\xC2\xA0Text MUST work\xC2\xA0\r\n\r\n",
            "S",
        )
        .unwrap();
        assert_eq!(
            grid.rows,
            vec![vec!["Identifier", "Description"], vec!["A-1", "Text MUST work"]]
        );
    }

    #[test]
    fn refuses_old_and_encrypted_excel_and_non_utf8_text() {
        let mut xls = CFB_MAGIC.to_vec();
        xls.extend_from_slice(&[0; 64]);
        assert_eq!(read(&xls, "s", Limits::default()), Err(ReadError::LegacyXls));
        let mut encrypted = xls.clone();
        encrypted.extend("EncryptionInfo".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(read(&encrypted, "s", Limits::default()), Err(ReadError::Encrypted));
        assert_eq!(
            read(b"ID|Text\n\xFF\xFE", "s", Limits::default()),
            Err(ReadError::NotUtf8 { line: 2 })
        );
        assert_eq!(read(b"", "s", Limits::default()), Err(ReadError::Empty));
        assert!(matches!(
            read(b"PK\x03\x04garbage", "s", Limits::default()),
            Err(ReadError::BadXlsx(_))
        ));
    }

    #[test]
    fn text_rows_end_at_their_last_value_and_the_real_range_is_capped() {
        let grid = read_text(b"ID|Text||\n|||\nA-1||x|\n||\n", "S").unwrap();
        assert_eq!(
            grid.rows,
            vec![vec!["ID", "Text"], vec![], vec!["A-1", "", "x"]],
            "trailing empty cells and rows are not kept"
        );
        let pipes = "|".repeat(5000);
        let error = read(pipes.as_bytes(), "S", Limits::default());
        assert!(
            matches!(error, Ok(ref grids) if grids[0].rows.is_empty()),
            "only pipes: no values"
        );
        let wide = format!("{pipes}x");
        let error = read(wide.as_bytes(), "S", Limits::default()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "sheet \"S\" spans A1:GJI1 (1 row × 5,001 columns); a SCAL sheet can have at most 100,000 rows, \
             1,000 columns and 2,000,000 cells"
        );
        let tall = "x\n".repeat(100_001);
        assert!(matches!(
            read(tall.as_bytes(), "S", Limits::default()),
            Err(ReadError::SheetTooLarge {
                rows: 100_001,
                columns: 1,
                ..
            })
        ));
    }

    #[test]
    fn counts_are_written_with_thousands_separators() {
        assert_eq!(thousands(&0), "0");
        assert_eq!(thousands(&999), "999");
        assert_eq!(thousands(&16_384), "16,384");
        assert_eq!(thousands(&1_048_576), "1,048,576");
    }

    #[test]
    fn column_letters() {
        assert_eq!(Grid::column_letter(0), "A");
        assert_eq!(Grid::column_letter(25), "Z");
        assert_eq!(Grid::column_letter(26), "AA");
        assert_eq!(Grid::column_letter(701), "ZZ");
    }
}
