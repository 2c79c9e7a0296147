//! What a scal export says it is, and the rule comparing a returned workbook against it.
//!
//! A workbook comes back after a supplier has had it in Excel, where rows and sheets can be
//! deleted, sheets renamed and locked cells unlocked. Reading the file alone, a deleted row looks
//! like a requirement that never existed, so `scal check` would say "ready". The export's hidden
//! `_scal` sheet records every row it wrote; [`reconcile`] is the one rule, used by `scal check`
//! and answer import, that holds the workbook to that record. Pure: the caller parses the sheet.

use std::collections::{HashMap, HashSet};

use crate::check::{AnsweredRow, Finding, Severity};
use crate::template::{AnswerKind, Level};

/// One row an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestRow {
    /// The template's sheet name (the workbook's may be shortened; import restores it).
    pub sheet: String,
    /// 1-based row in the exported sheet.
    pub row: usize,
    pub requirement_id: String,
    /// The template's level at export; `None` in exports made before levels were recorded.
    pub level: Option<Level>,
    /// The template's answer kind at export; `None` in exports made before it was recorded.
    pub answer_kind: Option<AnswerKind>,
    /// For an attachment question, the names of the files linked to it in scal at export (what
    /// the export wrote as its answer); `None` when none were, or the export did not record it.
    pub linked: Option<String>,
}

/// The `_scal` sheet of an export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    pub product_id: Option<String>,
    pub rows: Vec<ManifestRow>,
}

/// A workbook sheet as the rule sees it: its name (already restored from a shortened one) and
/// its rows.
#[derive(Debug, Clone, Copy)]
pub struct SheetRows<'a> {
    pub name: &'a str,
    pub rows: &'a [AnsweredRow],
    /// Column letters, for naming them in findings.
    pub level_column: Option<&'a str>,
    pub answer_kind_column: Option<&'a str>,
    pub response_column: Option<&'a str>,
}

/// What [`reconcile`] found and what the caller must change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciled {
    pub findings: Vec<Finding>,
    /// `(sheet index, template sheet name)`: a sheet renamed in the workbook, matched by IDs.
    pub renames: Vec<(usize, String)>,
    /// `(sheet index, row index, level)`: a level edited in the workbook, back to the template's.
    pub levels: Vec<(usize, usize, Level)>,
    /// `(sheet index, row index, kind)`: an answer type edited in the workbook, back to the
    /// template's (a declaration turned into free text would make No stop being red).
    pub kinds: Vec<(usize, usize, AnswerKind)>,
    /// `(sheet index, row index)`: an attachment answered by typed text, which does not count.
    pub ignored_responses: Vec<(usize, usize)>,
}

/// The name of the metadata sheet, repeated here so findings can name it.
pub const METADATA_SHEET: &str = "_scal";

/// Holds a returned workbook to what its export recorded:
///
/// - a sheet whose name is not in the record is matched to a recorded sheet missing from the
///   workbook by its requirement IDs (a renamed sheet; a warning);
/// - a recorded sheet not in the workbook, or a recorded row not in its sheet, is a blocking
///   finding naming it: deleting a row must never make a workbook "ready";
/// - a level or answer type differing from the recorded one is put back (a warning naming sheet,
///   row, column and ID): they are the template's, not the supplier's to change.
/// - an attachment question counts as answered only by the files linked to it in scal when it
///   was exported (what the export wrote); other typed text is ignored, with a warning, as the
///   server ignores it ([`crate::template::AnswerKind::answered_by_typing`]).
///
/// Without a record (`manifest` is `None`) nothing can be compared; when the workbook is laid out
/// as a scal export (`exported_layout`), the missing `_scal` sheet is itself a blocking finding,
/// since a deleted row could not be noticed.
pub fn reconcile(sheets: &[SheetRows<'_>], manifest: Option<&Manifest>, exported_layout: bool) -> Reconciled {
    let mut out = Reconciled::default();
    let names = match manifest {
        Some(manifest) => compare(sheets, manifest, &mut out),
        None => {
            if exported_layout {
                out.findings.push(finding(
                    METADATA_SHEET,
                    0,
                    "",
                    Severity::Error,
                    true,
                    "The workbook is a scal export without its hidden _scal sheet, so deleted or renamed \
                     sheets and rows cannot be detected: download the workbook again and copy the answers in"
                        .into(),
                ));
            }
            sheets.iter().map(|s| s.name.to_string()).collect()
        }
    };
    let recorded: HashMap<(&str, &str), &ManifestRow> = manifest
        .iter()
        .flat_map(|m| &m.rows)
        .map(|r| ((r.sheet.as_str(), r.requirement_id.as_str()), r))
        .collect();
    for (index, sheet) in sheets.iter().enumerate() {
        for (i, row) in sheet.rows.iter().enumerate() {
            let record = recorded.get(&(names[index].as_str(), row.requirement.id.as_str()));
            // The template's kind, not an edited one.
            let kind = record
                .and_then(|r| r.answer_kind.as_ref())
                .unwrap_or(&row.requirement.answer_kind);
            if kind.answered_by_typing() {
                continue;
            }
            let Some(typed) = row.response.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
                continue;
            };
            if record.and_then(|r| r.linked.as_deref()) == Some(typed) {
                continue;
            }
            out.findings.push(finding(
                &names[index],
                row.row,
                &row.requirement.id,
                Severity::Warning,
                false,
                format!(
                    "{typed:?} was typed{}, which does not attach a file: link the file to this question in scal",
                    column(sheet.response_column)
                ),
            ));
            out.ignored_responses.push((index, i));
        }
    }
    out
}

/// The comparison against the record; returns each sheet's name after matching renamed ones.
fn compare(sheets: &[SheetRows<'_>], manifest: &Manifest, out: &mut Reconciled) -> Vec<String> {
    // Recorded sheets in export order, each with its rows.
    let mut recorded: Vec<(&str, Vec<&ManifestRow>)> = Vec::new();
    for row in &manifest.rows {
        match recorded.iter_mut().find(|(name, _)| *name == row.sheet) {
            Some((_, rows)) => rows.push(row),
            None => recorded.push((row.sheet.as_str(), vec![row])),
        }
    }
    let present: HashSet<&str> = sheets.iter().map(|s| s.name).collect();
    // Renamed sheets: an unrecorded name whose IDs best match a recorded sheet that is missing.
    let mut names: Vec<String> = sheets.iter().map(|s| s.name.to_string()).collect();
    let mut claimed: HashSet<&str> = HashSet::new();
    for (index, sheet) in sheets.iter().enumerate() {
        if recorded.iter().any(|(name, _)| *name == sheet.name) {
            continue;
        }
        let ids: HashSet<&str> = sheet.rows.iter().map(|r| r.requirement.id.as_str()).collect();
        let best = recorded
            .iter()
            .filter(|(name, _)| !present.contains(name) && !claimed.contains(name))
            .map(|(name, rows)| {
                let shared = rows.iter().filter(|r| ids.contains(r.requirement_id.as_str())).count();
                (*name, shared)
            })
            .filter(|(_, shared)| *shared > 0)
            .max_by_key(|(_, shared)| *shared);
        match best {
            Some((template, _)) => {
                claimed.insert(template);
                out.findings.push(finding(
                    template,
                    0,
                    "",
                    Severity::Warning,
                    false,
                    format!(
                        "The sheet was renamed {:?} in the workbook; matched by its requirement IDs",
                        sheet.name
                    ),
                ));
                out.renames.push((index, template.to_string()));
                names[index] = template.to_string();
            }
            None => out.findings.push(finding(
                sheet.name,
                0,
                "",
                Severity::Warning,
                false,
                "This sheet is not part of the exported SCAL".into(),
            )),
        }
    }
    for (template, rows) in &recorded {
        let Some(index) = names.iter().position(|n| n == template) else {
            let ids: Vec<&str> = rows.iter().map(|r| r.requirement_id.as_str()).collect();
            out.findings.push(finding(
                template,
                0,
                "",
                Severity::Error,
                true,
                format!(
                    "The sheet is missing from the workbook (deleted, emptied, or its header row removed): its {} requirement(s) {} are missing",
                    ids.len(),
                    ids.join(", ")
                ),
            ));
            continue;
        };
        let by_id: HashMap<&str, usize> = sheets[index]
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.requirement.id.as_str(), i))
            .collect();
        for recorded_row in rows {
            let Some(&i) = by_id.get(recorded_row.requirement_id.as_str()) else {
                out.findings.push(finding(
                    template,
                    recorded_row.row,
                    &recorded_row.requirement_id,
                    Severity::Error,
                    true,
                    format!(
                        "The requirement was deleted from the workbook (it was row {} when exported)",
                        recorded_row.row
                    ),
                ));
                continue;
            };
            let row = &sheets[index].rows[i];
            if let Some(level) = recorded_row.level {
                if row.requirement.level != level {
                    out.findings.push(finding(
                        template,
                        row.row,
                        &row.requirement.id,
                        Severity::Warning,
                        false,
                        format!(
                            "Level edited to {} in the workbook{}; the template's {} applies",
                            row.requirement.level.label(),
                            column(sheets[index].level_column),
                            level.label()
                        ),
                    ));
                    out.levels.push((index, i, level));
                }
            }
            if let Some(kind) = &recorded_row.answer_kind {
                if row.requirement.answer_kind != *kind {
                    out.findings.push(finding(
                        template,
                        row.row,
                        &row.requirement.id,
                        Severity::Warning,
                        false,
                        format!(
                            "Answer type edited to {} in the workbook{}; the template's {} applies",
                            row.requirement.answer_kind.as_str(),
                            column(sheets[index].answer_kind_column),
                            kind.as_str()
                        ),
                    ));
                    out.kinds.push((index, i, kind.clone()));
                }
            }
        }
    }
    names
}

fn column(letter: Option<&str>) -> String {
    letter.map(|c| format!(" (column {c})")).unwrap_or_default()
}

fn finding(sheet: &str, row: usize, id: &str, severity: Severity, blocking: bool, message: String) -> Finding {
    Finding {
        sheet: sheet.to_string(),
        row,
        requirement_id: id.to_string(),
        severity,
        message,
        blocking,
    }
}

/// The product-match rule for answer import: a workbook exported for another product must not be
/// applied to this one. `None` when it may be applied (an export for this product, or a file that
/// does not say).
pub fn product_mismatch(manifest: Option<&Manifest>, product_id: &str) -> Option<String> {
    let exported_for = manifest?.product_id.as_deref().filter(|p| !p.is_empty())?;
    (exported_for != product_id).then(|| exported_for.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::{AnswerKind, Requirement};

    fn row(id: &str, level: Level, at: usize) -> AnsweredRow {
        AnsweredRow {
            row: at,
            requirement: Requirement {
                id: id.into(),
                section: None,
                text: "It MUST".into(),
                level,
                answer_kind: AnswerKind::Declaration,
                use_case: None,
                requirement_type: None,
                link: None,
                test_cases: None,
                test_environment: None,
                evidence_required: None,
                guidance: None,
            },
            response: Some("Yes".into()),
            justification: None,
            mitigation: None,
            target_date: None,
        }
    }

    fn sheet_rows<'a>(name: &'a str, rows: &'a [AnsweredRow]) -> SheetRows<'a> {
        SheetRows {
            name,
            rows,
            level_column: Some("D"),
            answer_kind_column: Some("E"),
            response_column: Some("M"),
        }
    }

    fn manifest() -> Manifest {
        let m = |sheet: &str, row, id: &str| ManifestRow {
            sheet: sheet.into(),
            row,
            requirement_id: id.into(),
            level: Some(Level::Must),
            answer_kind: Some(AnswerKind::Declaration),
            linked: None,
        };
        Manifest {
            product_id: Some("p1".into()),
            rows: vec![m("A", 2, "A-1"), m("A", 3, "A-2"), m("B", 2, "B-1")],
        }
    }

    #[test]
    fn deleted_rows_and_sheets_block_and_levels_are_put_back() {
        let a = [row("A-2", Level::May, 2)];
        let r = reconcile(&[sheet_rows("A", &a)], Some(&manifest()), true);
        let found: Vec<(&str, &str, bool)> = r
            .findings
            .iter()
            .map(|f| (f.sheet.as_str(), f.requirement_id.as_str(), f.blocking))
            .collect();
        assert_eq!(found, [("A", "A-1", true), ("A", "A-2", false), ("B", "", true)]);
        assert_eq!(r.levels, [(0, 0, Level::Must)]);
    }

    #[test]
    fn a_renamed_sheet_is_matched_by_its_ids() {
        let a = [row("A-1", Level::Must, 2), row("A-2", Level::Must, 3)];
        let b = [row("B-1", Level::Must, 2)];
        let r = reconcile(&[sheet_rows("Mine", &a), sheet_rows("B", &b)], Some(&manifest()), true);
        assert_eq!(r.renames, [(0, "A".to_string())]);
        assert!(r.findings.iter().all(|f| !f.blocking), "{:?}", r.findings);
    }

    #[test]
    fn a_missing_record_blocks_only_a_scal_export() {
        let a = [row("A-1", Level::Must, 2)];
        let sheets = [sheet_rows("A", &a)];
        assert!(reconcile(&sheets, None, false).findings.is_empty());
        assert!(reconcile(&sheets, None, true).findings[0].blocking);
    }

    #[test]
    fn another_products_export_is_named() {
        assert_eq!(product_mismatch(Some(&manifest()), "p2"), Some("p1".into()));
        assert_eq!(product_mismatch(Some(&manifest()), "p1"), None);
        assert_eq!(product_mismatch(None, "p1"), None);
    }
}
