//! Bytes to grids.

use std::io::Cursor;

use calamine::{DataRef, Reader, ReaderRef, Xlsx};

/// One sheet as text. `rows[i][j]` is the cell at spreadsheet row `first_row + i` (1-based) and
/// column `first_col + j` (0-based, A = 0), trimmed of whitespace including non-breaking spaces,
/// line breaks inside the text kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    pub name: String,
    pub first_row: usize,
    pub first_col: usize,
    pub rows: Vec<Vec<String>>,
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
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_uncompressed_bytes: 100 * 1024 * 1024,
            max_zip_entries: 10_000,
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
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Reads a workbook: xlsx when the bytes are a zip, an old `.xls` or encrypted workbook when they
/// are an OLE compound file (both refused), otherwise pipe-separated text named `text_sheet_name`.
pub fn read(bytes: &[u8], text_sheet_name: &str, limits: Limits) -> Result<Vec<Grid>, ReadError> {
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
    Ok(vec![read_text(bytes, text_sheet_name)?])
}

/// NHS pipe-separated text: UTF-8 with or without a BOM, LF or CRLF, `|` between cells, no quoting.
pub fn read_text(bytes: &[u8], sheet_name: &str) -> Result<Grid, ReadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        ReadError::NotUtf8 { line }
    })?;
    let rows = text
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .map(|line| line.split('|').map(|cell| clean(cell).to_string()).collect())
        .collect::<Vec<Vec<String>>>();
    let mut rows = rows;
    while rows.last().is_some_and(|r| r.iter().all(String::is_empty)) {
        rows.pop();
    }
    Ok(Grid {
        name: sheet_name.to_string(),
        first_row: 1,
        first_col: 0,
        rows,
    })
}

fn read_xlsx(bytes: &[u8], limits: Limits) -> Result<Vec<Grid>, ReadError> {
    check_zip(bytes, limits)?;
    // calamine can panic on malformed sheets (fuzzing found an integer overflow on an absurd cell
    // reference). A hostile upload must get an error, never take the process down.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parse_xlsx(bytes)))
        .unwrap_or_else(|_| Err(ReadError::BadXlsx("the workbook's contents are malformed".into())))
}

fn open_xlsx(bytes: &[u8]) -> Result<Xlsx<Cursor<&[u8]>>, ReadError> {
    Xlsx::new(Cursor::new(bytes)).map_err(|e| ReadError::BadXlsx(e.to_string()))
}

/// Large workbooks are parsed on several threads, a share of the sheets each (every thread opens
/// its own reader over the same bytes); small ones on this thread.
fn parse_xlsx(bytes: &[u8]) -> Result<Vec<Grid>, ReadError> {
    let names = open_xlsx(bytes)?.sheet_names();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4)
        .min(names.len());
    if threads <= 1 || bytes.len() < 256 * 1024 {
        return parse_sheets(bytes, &names);
    }
    let shares: Vec<Vec<String>> = (0..threads)
        .map(|t| names.iter().skip(t).step_by(threads).cloned().collect())
        .collect();
    let parsed: Vec<Result<Vec<Grid>, ReadError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = shares
            .iter()
            .map(|share| scope.spawn(move || parse_sheets(bytes, share)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(ReadError::BadXlsx("the workbook's contents are malformed".into())))
            })
            .collect()
    });
    let mut by_name: std::collections::HashMap<String, Grid> = std::collections::HashMap::new();
    for result in parsed {
        for grid in result? {
            by_name.insert(grid.name.clone(), grid);
        }
    }
    Ok(names.iter().filter_map(|name| by_name.remove(name)).collect())
}

fn parse_sheets(bytes: &[u8], names: &[String]) -> Result<Vec<Grid>, ReadError> {
    let mut workbook = open_xlsx(bytes)?;
    let mut grids = Vec::new();
    for name in names {
        // Borrowing shared strings saves an allocation per cell; `cell_text` copies each once.
        let range = workbook
            .worksheet_range_ref(name)
            .map_err(|e| ReadError::BadXlsx(format!("sheet {name:?}: {e}")))?;
        let (first_row, first_col) = range.start().map_or((0, 0), |(r, c)| (r as usize, c as usize));
        let rows = range.rows().map(|row| row.iter().map(cell_text).collect()).collect();
        grids.push(Grid {
            name: name.clone(),
            first_row: first_row + 1,
            first_col,
            rows,
        });
    }
    Ok(grids)
}

/// Refuses zip bombs before anything is decompressed, from the sizes the archive declares.
fn check_zip(bytes: &[u8], limits: Limits) -> Result<(), ReadError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| ReadError::BadXlsx(e.to_string()))?;
    if archive.len() > limits.max_zip_entries {
        return Err(ReadError::TooManyEntries {
            limit: limits.max_zip_entries,
        });
    }
    let mut total: u64 = 0;
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
    }
    Ok(())
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
    fn column_letters() {
        assert_eq!(Grid::column_letter(0), "A");
        assert_eq!(Grid::column_letter(25), "Z");
        assert_eq!(Grid::column_letter(26), "AA");
        assert_eq!(Grid::column_letter(701), "ZZ");
    }
}
