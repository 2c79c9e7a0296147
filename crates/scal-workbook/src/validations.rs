//! The drop-down lists an xlsx's sheets offer: what the workbook itself says a cell takes. A
//! Yes/No/N/A list marks a declaration column; any other list makes an information question a
//! choice between its items. calamine does not expose data validations, so the worksheet XML is
//! read here, from the same bytes, after `read::check_zip` has refused archives whose declared
//! sizes are too large.
//!
//! Best effort by design: a validation is a hint for recognising columns, never a reason to
//! refuse a workbook calamine could read, so a part that is missing, malformed or too long simply
//! yields fewer hints. Every part is read through a byte cap, so time and memory stay bounded
//! whatever the archive claims.

use std::collections::HashMap;
use std::io::{BufReader, Cursor, Read, Seek};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// The workbook and relationship parts are small; anything past this is not read.
const MAX_INDEX_PART_BYTES: u64 = 4 * 1024 * 1024;
/// Validations come after a sheet's cells, so a sheet's part is streamed past them, up to this.
const MAX_SHEET_PART_BYTES: u64 = 64 * 1024 * 1024;
/// No real sheet has more list validations than this; the rest are ignored.
const MAX_RANGES_PER_SHEET: usize = 1_000;
/// The highest column Excel allows (XFD), 0-based.
const MAX_COLUMN: usize = 16_383;

/// A rectangle of cells: 0-based columns and 1-based rows, both inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellRange {
    pub first_col: usize,
    pub last_col: usize,
    pub first_row: u32,
    pub last_row: u32,
}

/// What a list validation offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum List {
    /// The items in the order offered, prompts (`Please select…`) left out: an inline list
    /// (`"Yes,No,N/A"`), or a range of cells once `read` has looked them up.
    Items(Vec<String>),
    /// A range of cells, on the same sheet (`$Z$1:$Z$3`) or another (`Lists!$A$1:$A$3`,
    /// `'My lists'!A1:A3`), not yet looked up.
    Cells { sheet: Option<String>, range: CellRange },
    /// A defined name or a formula: not followed.
    Other,
}

impl List {
    /// Whether this is a Yes/No(/N/A) list in any of the spellings declarations accept.
    pub fn is_declaration(&self) -> bool {
        let Self::Items(items) = self else {
            return false;
        };
        let items: Vec<String> = items.iter().map(|i| crate::columns::normalise(i)).collect();
        let yes = items.iter().any(|i| i == "yes" || i == "y");
        let no = items.iter().any(|i| i == "no" || i == "n");
        let known = items
            .iter()
            .all(|i| matches!(i.as_str(), "yes" | "y" | "no" | "n" | "n a" | "na" | "not applicable"));
        yes && no && known
    }
}

/// A list validation: the cells that offer it and what they offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRule {
    pub cells: CellRange,
    pub list: List,
}

impl ListRule {
    pub fn covers(&self, col: usize, row: u32) -> bool {
        (self.cells.first_col..=self.cells.last_col).contains(&col)
            && (self.cells.first_row..=self.cells.last_row).contains(&row)
    }
}

/// Per sheet name, its list validations.
pub type Lists = HashMap<String, Vec<ListRule>>;

/// What all the sheet parts together may take to read: a workbook can list the same part under a
/// thousand sheet names, and each read must not start again from a fresh allowance.
const MAX_TOTAL_BYTES: u64 = 128 * 1024 * 1024;

/// Reads every worksheet's list validations. Never fails: see the module's note.
pub fn lists(bytes: &[u8]) -> Lists {
    let mut out = Lists::new();
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return out;
    };
    let mut read: HashMap<String, Vec<ListRule>> = HashMap::new();
    let mut left = MAX_TOTAL_BYTES;
    for (name, part) in sheet_parts(&mut archive) {
        if let Some(rules) = read.get(&part) {
            if !rules.is_empty() {
                out.insert(name, rules.clone());
            }
            continue;
        }
        let cap = MAX_SHEET_PART_BYTES.min(left);
        let Some(mut xml) = open_capped(&mut archive, &part, cap) else {
            continue;
        };
        let validations = from_first_validation(&mut xml)
            .map(|tail| list_validations(tail.as_slice()))
            .unwrap_or_default();
        left = left.saturating_sub(cap - xml.get_ref().limit());
        let rules = validations
            .into_iter()
            .flat_map(|v| {
                let list = parse_list(&v.formula);
                column_ranges(&v.sqref).into_iter().map(move |cells| ListRule {
                    cells,
                    list: list.clone(),
                })
            })
            .take(MAX_RANGES_PER_SHEET)
            .collect::<Vec<_>>();
        read.insert(part, rules.clone());
        if !rules.is_empty() {
            out.insert(name, rules);
        }
        if left == 0 {
            break;
        }
    }
    out
}

/// Whether an item is a prompt rather than an answer (`Please select…`, `- Select -`, `Choose`).
pub fn is_prompt(item: &str) -> bool {
    let item = crate::columns::normalise(item);
    item.is_empty()
        || item.starts_with("please select")
        || item.starts_with("please choose")
        || item == "select"
        || item == "choose"
}

/// A validation's `formula1` as a list: quoted items, a cell range, or something not followed.
pub fn parse_list(formula: &str) -> List {
    let formula = formula.trim().trim_start_matches('=');
    if let Some(inner) = formula.strip_prefix('"').and_then(|f| f.strip_suffix('"')) {
        return List::Items(
            inner
                .split(',')
                .map(str::trim)
                .filter(|i| !is_prompt(i))
                .map(String::from)
                .collect(),
        );
    }
    let (sheet, reference) = match formula.rsplit_once('!') {
        Some((sheet, reference)) => {
            let sheet = sheet
                .strip_prefix('\'')
                .and_then(|s| s.strip_suffix('\''))
                .map_or_else(|| sheet.to_string(), |s| s.replace("''", "'"));
            (Some(sheet), reference)
        }
        None => (None, formula),
    };
    // One rectangle of explicit cells (`A1:A3`, not `A:A`, a name or a function).
    let explicit = reference
        .split(':')
        .all(|c| cell_of(c).is_some_and(|(_, row)| row.is_some()));
    match column_ranges(reference).as_slice() {
        [range] if explicit && !reference.contains(char::is_whitespace) => List::Cells { sheet, range: *range },
        _ => List::Other,
    }
}

/// Whether a list validation's `formula1` is an inline Yes/No list (`"Yes,No,N/A"`, any case and
/// spacing, `Y`/`N`, `NA`, `Not applicable`, after an optional `Please select…` prompt).
pub fn is_declaration_list(formula: &str) -> bool {
    parse_list(formula).is_declaration()
}

/// A part's bytes, decompressed through a cap (a lying size header cannot make it read more).
fn open_capped<'a, R: Read + Seek>(
    archive: &'a mut zip::ZipArchive<R>,
    name: &str,
    cap: u64,
) -> Option<BufReader<std::io::Take<zip::read::ZipFile<'a, R>>>> {
    // Part names are case-insensitive in OPC; most files match exactly.
    let index = archive.index_for_name(name).or_else(|| {
        (0..archive.len()).find(|i| {
            archive
                .name_for_index(*i)
                .and_then(Result::ok)
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
    })?;
    let entry = archive.by_index(index).ok()?;
    Some(BufReader::new(entry.take(cap)))
}

/// `(sheet name, worksheet part path)` in workbook order: the package relationship to the
/// workbook, the workbook's `<sheet name r:id>`s and its relationships to their parts.
fn sheet_parts<R: Read + Seek>(archive: &mut zip::ZipArchive<R>) -> Vec<(String, String)> {
    let workbook = open_capped(archive, "_rels/.rels", MAX_INDEX_PART_BYTES)
        .map(relationships)
        .and_then(|rels| {
            rels.into_iter()
                .find(|r| r.kind.ends_with("/officeDocument"))
                .map(|r| resolve("", &r.target))
        })
        .unwrap_or_else(|| "xl/workbook.xml".to_string());
    let folder = workbook.rsplit_once('/').map_or("", |(f, _)| f).to_string();
    let file = workbook.rsplit_once('/').map_or(workbook.as_str(), |(_, f)| f);
    let rels_path = if folder.is_empty() {
        format!("_rels/{file}.rels")
    } else {
        format!("{folder}/_rels/{file}.rels")
    };
    let Some(rels) = open_capped(archive, &rels_path, MAX_INDEX_PART_BYTES).map(relationships) else {
        return Vec::new();
    };
    let Some(sheets) = open_capped(archive, &workbook, MAX_INDEX_PART_BYTES).map(workbook_sheets) else {
        return Vec::new();
    };
    sheets
        .into_iter()
        .filter_map(|(name, id)| {
            let target = &rels.iter().find(|r| r.id == id)?.target;
            Some((name, resolve(&folder, target)))
        })
        .collect()
}

/// A relationship target as a part path: absolute (`/xl/…`) or relative to `folder`.
fn resolve(folder: &str, target: &str) -> String {
    let mut parts: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        folder.split('/').filter(|p| !p.is_empty()).collect()
    };
    for piece in target.split('/') {
        match piece {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

struct Relationship {
    id: String,
    kind: String,
    target: String,
}

fn attribute(element: &BytesStart<'_>, local: &str) -> Option<String> {
    element
        .attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local)
        .map(|a| unescape(&a.value))
}

/// Calls `visit` with every start or empty element, until the end or the first XML error.
fn each_element(xml: impl std::io::BufRead, mut visit: impl FnMut(&BytesStart<'_>)) {
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) => visit(&e),
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
        buf.clear();
    }
}

fn relationships(xml: impl std::io::BufRead) -> Vec<Relationship> {
    let mut out = Vec::new();
    each_element(xml, |e| {
        if e.local_name().as_ref() == "Relationship" {
            if let (Some(id), Some(target)) = (attribute(e, "Id"), attribute(e, "Target")) {
                let kind = attribute(e, "Type").unwrap_or_default();
                out.push(Relationship { id, kind, target });
            }
        }
    });
    out
}

/// `(name, relationship id)` of each `<sheet>`.
fn workbook_sheets(xml: impl std::io::BufRead) -> Vec<(String, String)> {
    let mut out = Vec::new();
    each_element(xml, |e| {
        if e.local_name().as_ref() == "sheet" {
            if let (Some(name), Some(id)) = (attribute(e, "name"), attribute(e, "id")) {
                out.push((name, id));
            }
        }
    });
    out
}

/// One list validation as written: its cells and its `formula1`.
#[derive(Debug, Default, PartialEq, Eq)]
struct ListValidation {
    sqref: String,
    formula: String,
}

/// The sheet's `type="list"` validations: the classic `<dataValidation type="list" sqref>` with
/// its `<formula1>`, and Excel 2010's `<x14:dataValidation>` (in `extLst`, used for lists on other
/// sheets) whose `<x14:formula1><xm:f>` and `<xm:sqref>` are elements. Reading stops at the
/// first XML error or the byte cap, keeping what came before.
/// The part from its first validation element on, or `None` when it has none. The cells before it
/// (nearly all of a sheet) are only searched for the element's name, never parsed as XML: parsing
/// them cost as much as reading the cells themselves. The rest is capped at 4 MiB.
fn from_first_validation(mut xml: impl Read) -> Option<Vec<u8>> {
    const NAME: &[u8] = b"dataValidation";
    const CHUNK: usize = 256 * 1024;
    const MAX_TAIL: u64 = 4 * 1024 * 1024;
    // Kept between chunks: the name may be split across two, and its tag's `<` and prefix
    // (`x14:`) come just before it.
    const OVERLAP: usize = 64;
    let mut window: Vec<u8> = Vec::with_capacity(CHUNK + OVERLAP);
    let mut chunk = vec![0u8; CHUNK];
    loop {
        let n = xml.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        window.extend_from_slice(&chunk[..n]);
        let mut from = 0;
        while let Some(found) = memchr::memmem::find(&window[from..], NAME) {
            let at = from + found;
            // Only a tag counts (`<dataValidations`, `<x14:dataValidation`): the word inside a
            // cell's text must not start the parse in the middle of the cells.
            let name_start = window[..at]
                .iter()
                .rposition(|b| !(b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'-' | b'.')))
                .map_or(0, |i| i + 1);
            if name_start > 0 && window[name_start - 1] == b'<' {
                let mut tail = window.split_off(name_start - 1);
                let room = MAX_TAIL.saturating_sub(tail.len() as u64);
                (&mut xml).take(room).read_to_end(&mut tail).ok()?;
                return Some(tail);
            }
            from = at + NAME.len();
        }
        let keep = window.len().min(OVERLAP + NAME.len());
        window.drain(..window.len() - keep);
    }
}

fn list_validations(xml: impl std::io::BufRead) -> Vec<ListValidation> {
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut current: Option<ListValidation> = None;
    // Where text goes while inside a validation: its formula or its sqref element.
    let mut into_formula = false;
    let mut into_sqref = false;
    let mut text = String::new();
    loop {
        let event = reader.read_event_into(&mut buf);
        match event {
            Ok(Event::Start(ref e)) | Ok(Event::Empty(ref e)) => {
                let empty = matches!(event, Ok(Event::Empty(_)));
                match e.local_name().as_ref() {
                    // The cells are most of a sheet and hold no validations: skipped unparsed.
                    "sheetData" if !empty => {
                        let end = e.name().as_ref().to_string();
                        if reader
                            .read_to_end_into(quick_xml::name::QName(&end), &mut Vec::new())
                            .is_err()
                        {
                            break;
                        }
                    }
                    "dataValidation" => {
                        let is_list = attribute(e, "type").is_some_and(|t| t == "list");
                        let validation = ListValidation {
                            sqref: attribute(e, "sqref").unwrap_or_default(),
                            formula: String::new(),
                        };
                        if is_list && empty {
                            out.push(validation);
                        } else if is_list {
                            current = Some(validation);
                        } else if !empty {
                            current = None;
                        }
                    }
                    "formula1" if current.is_some() && !empty => {
                        into_formula = true;
                        text.clear();
                    }
                    "sqref" if current.is_some() && !empty => {
                        into_sqref = true;
                        text.clear();
                    }
                    _ => {}
                }
            }
            Ok(Event::Text(t)) if into_formula || into_sqref => {
                if text.len() < 8 * 1024 {
                    text.push_str(&t);
                }
            }
            Ok(Event::GeneralRef(r)) if (into_formula || into_sqref) && text.len() < 8 * 1024 => {
                text.push('&');
                text.push_str(&r);
                text.push(';');
            }
            Ok(Event::End(ref e)) => match e.local_name().as_ref() {
                "formula1" if into_formula => {
                    into_formula = false;
                    if let Some(v) = current.as_mut() {
                        v.formula = unescape(&text);
                    }
                }
                "sqref" if into_sqref => {
                    into_sqref = false;
                    if let Some(v) = current.as_mut() {
                        v.sqref = unescape(&text);
                    }
                }
                "dataValidation" => {
                    if let Some(v) = current.take() {
                        out.push(v);
                    }
                }
                _ => {}
            },
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
        if out.len() >= MAX_RANGES_PER_SHEET {
            break;
        }
        buf.clear();
    }
    out
}

fn unescape(raw: &str) -> String {
    quick_xml::escape::unescape(raw).map_or_else(|_| raw.to_string(), |v| v.into_owned())
}

/// `F2:F100 H5` as cell ranges; parts that are not cell references are skipped.
pub fn column_ranges(sqref: &str) -> Vec<CellRange> {
    sqref
        .split_whitespace()
        .filter_map(|area| {
            let (from, to) = area.split_once(':').unwrap_or((area, area));
            let ((c1, r1), (c2, r2)) = (cell_of(from)?, cell_of(to)?);
            Some(CellRange {
                first_col: c1.min(c2),
                last_col: c1.max(c2),
                first_row: r1.unwrap_or(1).min(r2.unwrap_or(MAX_ROW)),
                last_row: r1.unwrap_or(1).max(r2.unwrap_or(MAX_ROW)),
            })
        })
        .collect()
}

/// The highest row Excel allows.
const MAX_ROW: u32 = 1_048_576;

/// The 0-based column and 1-based row of `F2` or `$F$2` (a whole column, `F`, has no row).
fn cell_of(reference: &str) -> Option<(usize, Option<u32>)> {
    let reference = reference.trim_start_matches('$');
    let letters: String = reference.chars().take_while(char::is_ascii_alphabetic).collect();
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let n = letters
        .bytes()
        .fold(0usize, |n, b| n * 26 + usize::from(b.to_ascii_uppercase() - b'A' + 1));
    if n == 0 || n - 1 > MAX_COLUMN {
        return None;
    }
    let digits = reference[letters.len()..].trim_start_matches('$');
    let row = if digits.is_empty() {
        None
    } else {
        Some(digits.parse::<u32>().ok().filter(|r| (1..=MAX_ROW).contains(r))?)
    };
    Some((n - 1, row))
}

/// Reads a worksheet part's validations from text, without a zip.
#[cfg(test)]
fn from_xml(xml: &str) -> Vec<ListValidation> {
    list_validations(xml.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scan_starts_at_the_first_validation_tag_not_at_the_word_in_a_cell() {
        let cells = "<c t=\"inlineStr\"><is><t>see dataValidation notes</t></is></c>".repeat(20_000);
        let xml = format!(
            "<worksheet><sheetData><row>{cells}</row></sheetData><dataValidations count=\"1\">\
             <dataValidation type=\"list\" sqref=\"C2:C9\"><formula1>\"Yes,No,N/A\"</formula1></dataValidation>\
             </dataValidations></worksheet>"
        );
        let tail = from_first_validation(xml.as_bytes()).unwrap();
        assert!(
            tail.starts_with(b"<dataValidations"),
            "{}",
            String::from_utf8_lossy(&tail[..40])
        );
        let found = list_validations(tail.as_slice());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].sqref, "C2:C9");
        assert_eq!(
            from_first_validation(b"<worksheet><sheetData/></worksheet>".as_slice()),
            None
        );
        let prefixed = b"<ext><x14:dataValidations><x14:dataValidation type=\"list\">".as_slice();
        assert!(from_first_validation(prefixed)
            .unwrap()
            .starts_with(b"<x14:dataValidations"));
    }

    #[test]
    fn yes_no_lists_are_declarations_in_any_spelling() {
        for list in [
            "\"Yes,No,N/A\"",
            "\" yes , no , n/a \"",
            "\"YES,NO\"",
            "\"Y,N,NA\"",
            "\"Yes,No,Not applicable\"",
            "\"Please select….,Yes,No\"",
        ] {
            assert!(is_declaration_list(list), "{list}");
        }
        for other in [
            "\"Red,Amber,Green\"",
            "\"Yes,No,Partially\"",
            "\"Yes\"",
            "$Z$1:$Z$3",
            "Lists!$A$1:$A$3",
            "YesNo",
            "",
            "\"",
        ] {
            assert!(!is_declaration_list(other), "{other}");
        }
    }

    #[test]
    fn formulas_become_items_cell_ranges_or_nothing_followed() {
        assert_eq!(
            parse_list("\"Please select…, Data controller ,Data processor,Both\""),
            List::Items(vec!["Data controller".into(), "Data processor".into(), "Both".into()])
        );
        let range = |first_col, last_col, first_row, last_row| CellRange {
            first_col,
            last_col,
            first_row,
            last_row,
        };
        assert_eq!(
            parse_list("Lists!$A$1:$A$3"),
            List::Cells {
                sheet: Some("Lists".into()),
                range: range(0, 0, 1, 3)
            }
        );
        assert_eq!(
            parse_list("='Bob''s lists'!B2:B9"),
            List::Cells {
                sheet: Some("Bob's lists".into()),
                range: range(1, 1, 2, 9)
            }
        );
        assert_eq!(
            parse_list("$Z$1:$Z$3"),
            List::Cells {
                sheet: None,
                range: range(25, 25, 1, 3)
            }
        );
        for other in ["YesNo", "INDIRECT(A1)", "Lists!A:A", "OFFSET(A1,0,0,5)", "A1:A3 C1", ""] {
            assert_eq!(parse_list(other), List::Other, "{other}");
        }
    }

    #[test]
    fn sqref_ranges_become_columns() {
        let range = |first_col, last_col, first_row, last_row| CellRange {
            first_col,
            last_col,
            first_row,
            last_row,
        };
        assert_eq!(column_ranges("F2:F100 H5"), [range(5, 5, 2, 100), range(7, 7, 5, 5)]);
        assert_eq!(column_ranges("$C$2:$E$9"), [range(2, 4, 2, 9)]);
        assert_eq!(column_ranges("A1:XFD1048576"), [range(0, 16_383, 1, 1_048_576)]);
        assert_eq!(column_ranges("F:F"), [range(5, 5, 1, 1_048_576)]);
        assert_eq!(column_ranges("ZZZZ1 1:2 #REF! A0 B99999999999"), []);
    }

    #[test]
    fn classic_and_x14_list_validations_are_read_and_cells_skipped() {
        let xml = r#"<worksheet xmlns="m" xmlns:x14="x" xmlns:xm="xm"><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>
            <dataValidations count="3">
              <dataValidation type="list" allowBlank="1" sqref="F2:F10"><formula1>"Yes,No,N/A"</formula1></dataValidation>
              <dataValidation type="whole" sqref="G2"><formula1>1</formula1></dataValidation>
              <dataValidation type="list" sqref="H2"><formula1>&quot;Y,N&quot;</formula1></dataValidation>
            </dataValidations>
            <extLst><ext><x14:dataValidations><x14:dataValidation type="list"><x14:formula1><xm:f>Lists!$A$1:$A$3</xm:f></x14:formula1><xm:sqref>J2:J9</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst></worksheet>"#;
        let found = from_xml(xml);
        assert_eq!(
            found,
            [
                ListValidation {
                    sqref: "F2:F10".into(),
                    formula: "\"Yes,No,N/A\"".into()
                },
                ListValidation {
                    sqref: "H2".into(),
                    formula: "\"Y,N\"".into()
                },
                ListValidation {
                    sqref: "J2:J9".into(),
                    formula: "Lists!$A$1:$A$3".into()
                },
            ]
        );
        // Malformed or cut-off XML keeps what came before and never panics.
        assert_eq!(
            from_xml(&xml[..xml.find("<dataValidation type=\"whole\"").unwrap()]).len(),
            1
        );
        assert_eq!(from_xml("<<<>>>").len(), 0);
    }

    #[test]
    fn unreadable_archives_give_no_hints_rather_than_an_error() {
        assert!(lists(b"").is_empty());
        assert!(lists(b"PK\x03\x04garbage").is_empty());
    }

    #[test]
    fn part_paths_resolve_against_their_folder() {
        assert_eq!(resolve("xl", "worksheets/sheet1.xml"), "xl/worksheets/sheet1.xml");
        assert_eq!(resolve("xl", "/xl/worksheets/sheet1.xml"), "xl/worksheets/sheet1.xml");
        assert_eq!(resolve("xl", "../xl/./worksheets/s.xml"), "xl/worksheets/s.xml");
        assert_eq!(resolve("", "xl/workbook.xml"), "xl/workbook.xml");
    }
}
