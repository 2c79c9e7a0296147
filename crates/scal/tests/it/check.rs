//! `scal check` on workbooks a supplier would send back: the real Send Document SCAL with answer
//! columns added, an information sheet, and files it cannot read.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::fixture;

/// The real Send Document SCAL with `Response|Justification|Mitigation|Target date` columns, every row
/// answered by `answer(id)`.
fn answered_send_document(dir: &Path, answer: impl Fn(&str) -> [&'static str; 4]) -> PathBuf {
    let source = std::fs::read_to_string(fixture("scal-gpc-send-document.psv")).unwrap();
    let mut lines = source.lines();
    let mut out = format!(
        "{}|Response|Justification|Mitigation|Target date\n",
        lines.next().unwrap()
    );
    for line in lines {
        let id = line.split('|').next().unwrap();
        out.push_str(&format!("{line}|{}\n", answer(id).join("|")));
    }
    let path = dir.join("send-document-answered.psv");
    std::fs::write(&path, out).unwrap();
    path
}

fn check(file: &Path, extra: &[&str]) -> (i32, Value, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_scal"))
        .arg("check")
        .arg(file)
        .arg("--json")
        .args(if extra.contains(&"--as-of") {
            &[][..]
        } else {
            &["--as-of", "2026-11-24"][..]
        })
        .args(extra)
        .current_dir(file.parent().unwrap())
        .output()
        .unwrap();
    let json = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    (
        output.status.code().unwrap_or(-1),
        json,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_fully_answered_scal_is_ready_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let file = answered_send_document(dir.path(), |_| ["Yes", "", "", ""]);
    let (code, report, stderr) = check(&file, &[]);
    assert_eq!(code, 0, "{report} {stderr}");
    assert_eq!(report["sheets"][0]["requirements"], 48);
    assert_eq!(report["sheets"][0]["answered"], 48);
    assert_eq!(report["findings"], serde_json::json!([]));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "offline and read-only: no data directory appears"
    );
}

#[test]
fn red_amber_invalid_and_unanswered_rows_block_with_their_location() {
    let dir = tempfile::tempdir().unwrap();
    let file = answered_send_document(dir.path(), |id| match id {
        "GPCM-C-1" => ["No", "", "", ""],
        "GPCM-C-2" => [
            "No",
            "We use a partner's MESH client",
            "Migrating to our own by 2027-03",
            "2027-03-31",
        ],
        "GPCM-SD-056" => ["Maybe", "", "", ""],
        "GPCM-SD-028" => ["", "", "", ""],
        _ => ["Yes", "", "", ""],
    });
    let (code, report, _) = check(&file, &[]);
    assert_eq!(code, 1, "{report}");
    let findings: Vec<(String, u64, String, bool)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["requirement_id"].as_str().unwrap().into(),
                f["row"].as_u64().unwrap(),
                f["severity"].as_str().unwrap().into(),
                f["blocking"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        findings,
        [
            ("GPCM-C-1".into(), 2, "red".into(), true),
            ("GPCM-C-2".into(), 3, "red".into(), false),
            ("GPCM-SD-056".into(), 4, "error".into(), true),
            ("GPCM-SD-028".into(), 5, "error".into(), true),
        ]
    );
    assert_eq!(report["findings"][0]["sheet"], "send-document-answered");
    assert!(report["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("give a justification, a mitigation and a target date"));
    assert!(report["findings"][2]["message"]
        .as_str()
        .unwrap()
        .contains("\"Maybe\" is not an answer"));
    assert_eq!(report["sheets"][0]["answered"], 47);
}

#[test]
fn a_red_row_with_justification_mitigation_and_target_date_alone_does_not_block() {
    let dir = tempfile::tempdir().unwrap();
    let file = answered_send_document(dir.path(), |id| {
        if id == "GPCM-C-1" {
            ["No", "Reason", "Plan", "2027-03-31"]
        } else {
            ["Yes", "", "", ""]
        }
    });
    let (code, report, _) = check(&file, &[]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["findings"][0]["severity"], "red", "still listed for NHS England");

    // Without the date the mitigation will be in place, it blocks, naming what is missing.
    let file = answered_send_document(dir.path(), |id| {
        if id == "GPCM-C-1" {
            ["No", "Reason", "Plan", ""]
        } else {
            ["Yes", "", "", ""]
        }
    });
    let (code, report, _) = check(&file, &[]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["findings"][0]["message"], "MUST answered No: give a target date");
}

#[test]
fn the_information_sheet_is_checked_as_of_the_given_date() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("Supplier and product information.psv");
    std::fs::write(
        &file,
        "Question|Answer|Comments|Mitigation\n\
         Organisation ODS code|8km90||\n\
         What is your DSPT status?|Standards Met||\n\
         Date your DSPT was published|2025-05-01||\n\
         Date of last penetration test|2026-01-10||\n\
         Product name|Acme PAS||\n",
    )
    .unwrap();
    let (code, report, _) = check(&file, &[]);
    assert_eq!(code, 1);
    let messages: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].contains("before the current assessment period (from 2025-07-01)"),
        "{}",
        messages[0]
    );
    let (code, _, _) = check(&file, &["--as-of", "2026-06-29"]);
    assert_eq!(code, 0, "before the 30 June deadline last year's DSPT still counts");
}

#[test]
fn unreadable_files_exit_2_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let xls = dir.path().join("old.xls");
    let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    bytes.extend([0u8; 512]);
    std::fs::write(&xls, bytes).unwrap();
    let (code, _, stderr) = check(&xls, &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("Excel 97-2003 (.xls)"), "{stderr}");

    let (code, _, stderr) = check(&fixture("NRL_Hazard_Log_V1.7.xlsx"), &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no sheet holds a requirement table"), "{stderr}");

    let (code, _, stderr) = check(&fixture("cc_consumer.xlsx"), &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("row 20, column B"), "{stderr}");

    let (code, report, _) = check(&fixture("cc_consumer.xlsx"), &["--map", "id=A"]);
    assert_eq!(code, 1, "with the mapping it reads, and nothing is answered: {report}");
}

#[test]
fn the_real_xlsx_scal_as_published_is_all_unanswered() {
    let (code, report, _) = check(&fixture("scal-gpc-send-document.xlsx"), &[]);
    assert_eq!(code, 1);
    assert_eq!(report["sheets"][0]["name"], "Send Document");
    assert_eq!(report["sheets"][0]["answered"], 0);
    assert_eq!(report["findings"].as_array().unwrap().len(), 48);
}

/// The two hostile shapes, run under a 400 MB address-space limit: before the sheet cap the
/// first aborted on a 512 GiB allocation and the second needed about 600 MB, so either would die
/// here instead of exiting 2 with the sheet and its range.
#[test]
fn a_sheet_spanning_more_than_a_scal_needs_exits_2_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes, problem) in [
        (
            "whole.xlsx",
            crate::support::whole_sheet_xlsx(),
            "sheet \"Requirements\" spans A1:XFD1048576",
        ),
        (
            "tall.xlsx",
            crate::support::tall_sheet_xlsx(),
            "sheet \"Requirements\" spans A1:Z400000",
        ),
        (
            "strings.xlsx",
            crate::support::huge_shared_strings_xlsx(),
            "shared strings part says it holds 1,000,000,000,000 different texts",
        ),
    ] {
        let file = dir.path().join(name);
        std::fs::write(&file, bytes).unwrap();
        let output = Command::new("sh")
            .arg("-c")
            .arg("ulimit -v 400000 && exec \"$0\" check \"$1\"")
            .arg(env!("CARGO_BIN_EXE_scal"))
            .arg(&file)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}: {:?} {stderr}", output.status);
        assert!(stderr.contains(problem), "{name}: {stderr}");
    }
}

/// A requirement as a template holds it.
fn requirement(
    id: &str,
    text: &str,
    answer_kind: scal_domain::template::AnswerKind,
) -> scal_domain::template::Requirement {
    scal_domain::template::Requirement {
        id: id.into(),
        section: None,
        text: text.into(),
        level: scal_domain::template::Level::detect(text),
        answer_kind,
        use_case: None,
        requirement_type: None,
        link: None,
        test_cases: None,
        test_environment: None,
        evidence_required: None,
        guidance: None,
    }
}

/// A two-sheet SCAL exported by scal with every row answered Yes, read back as grids to edit.
fn answered_export() -> Vec<scal_workbook::Grid> {
    use scal_domain::template::{AnswerKind::Declaration as D, SheetKind, TemplateSheet};
    let sheets = [
        TemplateSheet {
            name: "Send Document".into(),
            kind: SheetKind::Service,
            requirements: vec![
                requirement("SD-1", "The system MUST send", D),
                requirement("SD-2", "The system MUST log", D),
                requirement("SD-3", "The system SHOULD retry", D),
                requirement(
                    "SD-4",
                    "Attach the hazard log",
                    scal_domain::template::AnswerKind::Attachment,
                ),
            ],
        },
        TemplateSheet {
            name: "Messaging".into(),
            kind: SheetKind::Service,
            requirements: vec![
                requirement("M-1", "Messages MUST be signed", D),
                requirement("M-2", "Messages MUST be encrypted", D),
            ],
        },
    ];
    let mut answers = scal_workbook::Answers::new();
    for sheet in &sheets {
        for r in &sheet.requirements {
            // An attachment's answer, as scal exports it, is the names of the files linked to it.
            let response = if r.id == "SD-4" { "hazard-log.pdf" } else { "Yes" };
            answers.insert(
                (sheet.name.clone(), r.id.clone()),
                scal_workbook::ExportedAnswer {
                    response: Some(response.into()),
                    ..Default::default()
                },
            );
        }
    }
    let bytes = scal_workbook::export(&scal_workbook::Export {
        template_id: "t1",
        template_name: "SCAL",
        version: 1,
        product_id: Some("p1"),
        stamp: "2026-11-24T09:00:00Z",
        sheets: &sheets,
        answers: &answers,
    })
    .unwrap();
    scal_workbook::read(&bytes, "scal", scal_workbook::Limits::default()).unwrap()
}

fn grid<'a>(grids: &'a mut [scal_workbook::Grid], name: &str) -> &'a mut scal_workbook::Grid {
    grids.iter_mut().find(|g| g.name == name).unwrap()
}

fn row_of<'a>(grid: &'a mut scal_workbook::Grid, id: &str) -> &'a mut Vec<String> {
    grid.rows
        .iter_mut()
        .find(|r| r.first().is_some_and(|c| c == id))
        .unwrap()
}

/// `(sheet, requirement ID, blocking)` of each finding, and the message of each.
fn findings(report: &Value) -> Vec<(String, String, bool, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["sheet"].as_str().unwrap().into(),
                f["requirement_id"].as_str().unwrap().into(),
                f["blocking"].as_bool().unwrap(),
                f["message"].as_str().unwrap().into(),
            )
        })
        .collect()
}

/// Edits a supplier can make in Excel to a workbook scal exported: each must leave it not ready,
/// with a finding naming what was done; none may turn into "Ready to submit".
#[test]
fn an_edited_export_is_never_ready_and_each_edit_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, grids: &[scal_workbook::Grid]| {
        let file = dir.path().join(format!("{name}.xlsx"));
        std::fs::write(&file, crate::support::xlsx_from_grids(grids)).unwrap();
        let (code, report, stderr) = check(&file, &[]);
        (code, findings(&report), stderr)
    };
    let untouched = answered_export();
    let (code, found, stderr) = run("untouched", &untouched);
    assert_eq!(
        (code, found.len()),
        (0, 0),
        "the export as written is ready: {found:?} {stderr}"
    );

    let blocking = |found: &[(String, String, bool, String)], sheet: &str, id: &str, says: &str| {
        assert!(
            found
                .iter()
                .any(|(s, i, b, m)| s == sheet && i == id && *b && m.contains(says)),
            "{sheet} {id} {says:?} in {found:?}"
        );
    };

    // A requirement row deleted.
    let mut grids = untouched.clone();
    grid(&mut grids, "Send Document")
        .rows
        .retain(|r| r.first().is_none_or(|c| c != "SD-2"));
    let (code, found, _) = run("row-deleted", &grids);
    assert_eq!(code, 1, "{found:?}");
    blocking(
        &found,
        "Send Document",
        "SD-2",
        "deleted from the workbook (it was row 3",
    );

    // A whole sheet deleted.
    let mut grids = untouched.clone();
    grids.retain(|g| g.name != "Messaging");
    let (code, found, _) = run("sheet-deleted", &grids);
    assert_eq!(code, 1, "{found:?}");
    blocking(&found, "Messaging", "", "M-1, M-2 are missing");

    // A level edited MUST to MAY on a No answer: the template's MUST applies, so it is red.
    let mut grids = untouched.clone();
    let row = row_of(grid(&mut grids, "Send Document"), "SD-1");
    row[3] = "MAY".into();
    row[12] = "No".into();
    let (code, found, _) = run("level-edited", &grids);
    assert_eq!(code, 1, "{found:?}");
    blocking(&found, "Send Document", "SD-1", "MUST answered No");
    assert!(
        found.iter().any(|(s, i, b, m)| s == "Send Document"
            && i == "SD-1"
            && !b
            && m.contains("Level edited to MAY in the workbook (column D)")),
        "{found:?}"
    );

    // The Answer type edited to free text on a No: still a declaration, so still red.
    let mut grids = untouched.clone();
    let row = row_of(grid(&mut grids, "Send Document"), "SD-2");
    row[4] = "free text".into();
    row[12] = "No".into();
    let (code, found, _) = run("answer-type-edited", &grids);
    assert_eq!(code, 1, "{found:?}");
    blocking(&found, "Send Document", "SD-2", "MUST answered No");
    assert!(
        found.iter().any(|(_, i, _, m)| i == "SD-2" && m.contains("Answer type edited to free_text in the workbook (column E)")),
        "{found:?}"
    );

    // A sheet renamed, and a row deleted from it: matched through the metadata, so the deleted
    // row is found and named under the template's sheet name.
    let mut grids = untouched.clone();
    let messaging = grid(&mut grids, "Messaging");
    messaging.name = "Msgs".into();
    messaging.rows.retain(|r| r.first().is_none_or(|c| c != "M-2"));
    let (code, found, _) = run("sheet-renamed", &grids);
    assert_eq!(code, 1, "{found:?}");
    blocking(&found, "Messaging", "M-2", "deleted from the workbook");
    assert!(
        found
            .iter()
            .any(|(s, _, _, m)| s == "Messaging" && m.contains("renamed \"Msgs\"")),
        "{found:?}"
    );

    // The `_scal` sheet removed: nothing can be compared, which is itself the finding.
    let mut grids = untouched.clone();
    grids.retain(|g| g.name != scal_workbook::METADATA_SHEET);
    let (code, found, _) = run("metadata-removed", &grids);
    assert_eq!(code, 1, "{found:?}");
    blocking(&found, "_scal", "", "without its hidden _scal sheet");

    // A red row justified and mitigated but without a target date.
    let mut grids = untouched.clone();
    let row = row_of(grid(&mut grids, "Send Document"), "SD-1");
    row[12] = "No".into();
    row.resize(15, String::new());
    row[13] = "Not yet".into();
    row[14] = "Next release".into();
    let (code, found, _) = run("red-without-target-date", &grids);
    assert_eq!(code, 1, "{found:?}");
    blocking(&found, "Send Document", "SD-1", "MUST answered No: give a target date");
    // ...and given offline in the exported Target date column, it no longer blocks.
    grid(&mut grids, "Send Document")
        .rows
        .iter_mut()
        .find(|r| r[0] == "SD-1")
        .unwrap()
        .push("2027-06-30".into());
    let (code, found, _) = run("red-with-target-date", &grids);
    assert_eq!(code, 0, "{found:?}");

    // An attachment answered by typed text: not a linked file, as on the server.
    let mut grids = untouched.clone();
    row_of(grid(&mut grids, "Send Document"), "SD-4")[12] = "hazard-log-v2.pdf".into();
    let (code, found, _) = run("attachment-typed", &grids);
    assert_eq!(code, 1, "{found:?}");
    blocking(
        &found,
        "Send Document",
        "SD-4",
        "link the file to this question in scal",
    );
    assert!(
        found
            .iter()
            .any(|(_, i, _, m)| i == "SD-4" && m.contains("\"hazard-log-v2.pdf\" was typed (column M)")),
        "{found:?}"
    );
}

/// Dates as a spreadsheet holds them: a date cell formatted General is a plain day number, and a
/// date typed as text is day first. Both are read as dates where a date is asked for, and the
/// reading is said; a number in free text stays a number.
#[test]
fn day_numbers_and_british_text_dates_are_read_as_dates_on_the_information_sheet() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("information.xlsx");
    let bytes = crate::support::xlsx_with_cells(
        "Supplier and product information",
        &[
            ("A1", "Question"),
            ("B1", "Answer"),
            ("A2", "Date your DSPT was published"),
            // 1 September 2025, as a General-formatted date cell holds it.
            ("B2", "<v>45901</v>"),
            ("A3", "Date of last penetration test"),
            ("B3", "03/04/2026"),
            ("A4", "Number of staff"),
            ("B4", "<v>45901</v>"),
        ],
    );
    std::fs::write(&file, bytes).unwrap();
    let (code, report, stderr) = check(&file, &[]);
    let messages: Vec<(&str, bool)> = report["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("{report} {stderr}"))
        .iter()
        .map(|f| (f["message"].as_str().unwrap(), f["blocking"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        messages,
        [
            (
                "read 45901 as 1 September 2025 (a spreadsheet date number: format the cell as a date to see it)",
                false
            ),
            ("read 03/04/2026 as 3 April 2026 (day first, the British order)", false),
        ],
        "both in date: the DSPT within this period, the test within 12 months; the free-text number untouched"
    );
    assert_eq!(code, 0, "{report}");
}

/// A formula whose value was never saved (openpyxl writes `<c><f>…</f></c>` and leaves computing
/// it to Excel) reads as empty: it is reported as what it is, not as "Not answered".
#[test]
fn a_formula_without_a_saved_value_is_reported_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("formulas.xlsx");
    let bytes = crate::support::xlsx_with_cells(
        "Send",
        &[
            ("A1", "Identifier"),
            ("B1", "Description"),
            ("C1", "Response"),
            ("A2", "R-1"),
            ("B2", "The system MUST send"),
            ("C2", "<f>IF(TRUE,&quot;Yes&quot;)</f>"),
            ("A3", "R-2"),
            ("B3", "The system MUST log"),
            ("C3", "Yes"),
        ],
    );
    std::fs::write(&file, bytes).unwrap();
    let (code, report, stderr) = check(&file, &[]);
    assert_eq!(code, 1, "{report} {stderr}");
    assert_eq!(
        findings(&report),
        [(
            "Send".to_string(),
            "R-1".to_string(),
            true,
            "row 2, column C holds a formula with no saved value: open and save the workbook in Excel or LibreOffice"
                .to_string()
        )]
    );
}

/// A supplier's own layout, headers worded as NHS England's workbooks word them, every row
/// answered: `(cell, value)` pairs for [`crate::support::xlsx_with_cells`].
fn own_layout(headers: [&'static str; 5]) -> Vec<(String, String)> {
    let rows: [[&str; 5]; 3] = [
        ["R-1", "The system MUST trace patients", "Yes", "", ""],
        [
            "R-2",
            "The system SHOULD send alerts",
            "No",
            "Alerts go by email instead",
            "Add alerts in 2027",
        ],
        ["R-3", "The system MAY print", "N/A", "No printer in scope", ""],
    ];
    let mut cells = Vec::new();
    for (j, header) in headers.iter().enumerate() {
        cells.push((format!("{}1", letter(j)), header.to_string()));
    }
    for (i, row) in rows.iter().enumerate() {
        for (j, value) in row.iter().enumerate() {
            if !value.is_empty() {
                cells.push((format!("{}{}", letter(j), i + 2), value.to_string()));
            }
        }
    }
    cells
}

fn letter(j: usize) -> String {
    scal_workbook::Grid::column_letter(j)
}

fn write_xlsx(dir: &Path, name: &str, cells: &[(String, String)]) -> PathBuf {
    let borrowed: Vec<(&str, &str)> = cells.iter().map(|(c, v)| (c.as_str(), v.as_str())).collect();
    let file = dir.join(name);
    std::fs::write(&file, crate::support::xlsx_with_cells("Requirements", &borrowed)).unwrap();
    file
}

/// Headers recognised by their words (`Compliant (Yes/No/N/A)` is no exact synonym): the sheet is
/// answered and ready, and the report says which header became which field.
#[test]
fn headers_are_recognised_by_their_words_and_the_mapping_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let cells = own_layout([
        "Requirement ID",
        "Requirement text",
        "Compliant (Yes/No/N/A)",
        "Supplier comments / justification",
        "Mitigating actions",
    ]);
    let file = write_xlsx(dir.path(), "own.xlsx", &cells);
    let (code, report, stderr) = check(&file, &[]);
    assert_eq!(code, 0, "{report} {stderr}");
    assert_eq!(report["sheets"][0]["answered"], 3, "{report}");
    let columns: Vec<(String, String, String)> = report["import"][0]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["column"].as_str().unwrap().into(),
                c["field"].as_str().unwrap().into(),
                c["recognised_by"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expected = [
        ("A", "id", "exact"),
        ("B", "text", "exact"),
        ("C", "response", "words"),
        ("D", "justification", "words"),
        ("E", "mitigation", "exact"),
    ]
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()));
    assert_eq!(columns, expected);

    // The text form names the mapping too.
    let output = Command::new(env!("CARGO_BIN_EXE_scal"))
        .args(["check", "--as-of", "2026-11-24"])
        .arg(&file)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains(r#"C "Compliant (Yes/No/N/A)" as response (by its words)"#),
        "{text}"
    );
    assert!(text.contains("Ready to submit."), "{text}");
}

/// Two columns that fit the answer equally well: not guessed, named both, and `--map` decides.
#[test]
fn two_equally_good_answer_columns_are_named_and_map_resolves_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut cells = own_layout(["ID", "Description", "Response", "Justification", "Mitigation"]);
    // Column C is the supplier's draft; F, also headed as an answer, holds the final answers.
    cells.extend([
        ("F1".to_string(), "Answer".to_string()),
        ("F2".into(), "Yes".into()),
        ("F3".into(), "No".into()),
        ("F4".into(), "N/A".into()),
    ]);
    cells.sort_by_key(|(c, _)| {
        c.trim_start_matches(|ch: char| ch.is_ascii_uppercase())
            .parse::<u32>()
            .unwrap()
    });
    let file = write_xlsx(dir.path(), "two-answers.xlsx", &cells);
    let (code, _, stderr) = check(&file, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(
            r#"sheet "Requirements", row 1: columns C ("Response") and F ("Answer") both look like the response column; name the one to use with --map response=C"#
        ),
        "{stderr}"
    );
    let (code, report, stderr) = check(&file, &["--map", "response=F"]);
    assert_eq!(code, 0, "{report} {stderr}");
    let import = &report["import"][0];
    assert_eq!(import["columns"][2]["header"], "Justification", "{import}");
    assert!(
        import["columns"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["column"] == "F" && c["field"] == "response" && c["recognised_by"] == "map"),
        "{import}"
    );
    assert_eq!(
        import["ignored"],
        serde_json::json!([{"column": "C", "header": "Response"}])
    );
}

/// Cells in the order a worksheet holds them: by row, then column.
fn in_sheet_order(cells: &mut [(String, String)]) {
    let key = |reference: &str| {
        let letters: String = reference.chars().take_while(char::is_ascii_uppercase).collect();
        let row: u32 = reference[letters.len()..].parse().unwrap();
        (row, letters.len(), letters)
    };
    cells.sort_by_key(|(c, _)| key(c));
}

/// The answers moved from column C to F, under a header that says nothing (`Column F`).
fn answers_in_column_f() -> Vec<(String, String)> {
    let mut cells = own_layout(["Requirement ID", "Requirement text", "", "Comments", "Mitigation"]);
    for (reference, _) in &mut cells {
        if reference.starts_with('C') {
            *reference = reference.replacen('C', "F", 1);
        }
    }
    cells.push(("F1".into(), "Column F".into()));
    in_sheet_order(&mut cells);
    cells
}

fn write_with_lists(dir: &Path, name: &str, cells: &[(String, String)], lists: &[(&str, &str)]) -> PathBuf {
    let borrowed: Vec<(&str, &str)> = cells.iter().map(|(c, v)| (c.as_str(), v.as_str())).collect();
    let file = dir.join(name);
    std::fs::write(
        &file,
        crate::support::xlsx_with_list_validations("Requirements", &borrowed, lists),
    )
    .unwrap();
    file
}

/// What the workbook itself says: a column offering a Yes/No/N/A drop-down is the answer column
/// when its header says nothing, and settles a tie between two answer headers.
#[test]
fn a_yes_no_list_validation_marks_the_answer_column() {
    let dir = tempfile::tempdir().unwrap();
    let cells = answers_in_column_f();

    // Without the list, `Column F` means nothing: every row reads as unanswered.
    let file = write_with_lists(dir.path(), "no-list.xlsx", &cells, &[]);
    let (code, report, stderr) = check(&file, &[]);
    assert_eq!(code, 1, "{report} {stderr}");
    assert_eq!(report["sheets"][0]["answered"], 0, "{report}");
    assert_eq!(
        report["import"][0]["ignored"],
        serde_json::json!([{"column": "F", "header": "Column F"}])
    );

    // With it (spelt as suppliers' workbooks spell it), F is the answer column.
    let file = write_with_lists(
        dir.path(),
        "list.xlsx",
        &cells,
        &[("B2:B4", "\"Red,Green\""), ("F2:F100", "\" yes, No ,n/a\"")],
    );
    let (code, report, stderr) = check(&file, &[]);
    assert_eq!(code, 0, "{report} {stderr}");
    assert_eq!(report["sheets"][0]["answered"], 3, "{report}");
    let f = report["import"][0]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["column"] == "F")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        f,
        serde_json::json!({"field": "response", "column": "F", "header": "Column F", "recognised_by": "validation", "yes_no_list": true})
    );

    // Two answer headers, one of them with the list: no tie, the list decides.
    let mut cells = own_layout(["ID", "Description", "Response", "Justification", "Mitigation"]);
    cells.extend([
        ("F1".to_string(), "Answer".to_string()),
        ("F2".into(), "Yes".into()),
        ("F3".into(), "No".into()),
        ("F4".into(), "N/A".into()),
    ]);
    in_sheet_order(&mut cells);
    let file = write_with_lists(dir.path(), "tie.xlsx", &cells, &[("F2:F4", "\"Yes,No,N/A\"")]);
    let (code, report, stderr) = check(&file, &[]);
    assert_eq!(code, 0, "{report} {stderr}");
    assert!(
        report["import"][0]["columns"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["column"] == "F" && c["field"] == "response" && c["yes_no_list"] == true),
        "{report}"
    );
}

/// Information questions of every kind, as foreign information sheets mix them: a drop-down on
/// the answer cell says what it takes (inline, or drawn from cells on a hidden sheet), else the
/// wording does (alternatives offered with "or" are a choice), else it is free text. Free text is
/// never "not an answer", and only a declaration answered No is amber.
#[test]
fn information_questions_take_their_kind_from_their_list_then_their_wording() {
    let dir = tempfile::tempdir().unwrap();
    let info: &[(&str, &str)] = &[
        ("A1", "Question"),
        ("B1", "Answer"),
        ("A2", "Are you the data controller, the data processor, or both?"),
        ("B2", "the data processor"),
        ("A3", "Which hosting model do you use?"),
        ("B3", "hybrid"),
        ("A4", "Describe your support arrangements"),
        ("B4", "No"),
        ("A5", "Do you store or process patient data?"),
        ("B5", "Sometimes"),
        ("A6", "Is the product hosted in the UK?"),
        ("B6", "Partly"),
        ("A7", "Is the product a medical device?"),
        ("B7", "No"),
        ("A8", "Are you the data controller or the data processor?"),
        ("B8", "Both"),
        ("A9", "Product name"),
        ("B9", "Maybe"),
    ];
    let lists: &[(&str, &str)] = &[("A1", "Cloud"), ("A2", "On premise"), ("A3", "Hybrid")];
    let file = dir.path().join("information.xlsx");
    std::fs::write(
        &file,
        crate::support::xlsx_with_lists(
            &[("Supplier information", info), ("Lists", lists)],
            &[
                ("B3", "Lists!$A$1:$A$3"),
                ("B6", "\"Please select,Yes,Partly,No\""),
                ("B9", "\"Yes,No\""),
            ],
        ),
    )
    .unwrap();
    let (code, report, stderr) = check(&file, &[]);
    assert_eq!(code, 1, "{report} {stderr}");
    let findings: Vec<(u64, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["row"].as_u64().unwrap(), f["message"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(
        findings,
        [
            (7, "Answered No: give a justification".to_string()),
            (8, "\"Both\" is not one of: Data controller, Data processor".to_string()),
            (9, "\"Maybe\" is not an answer: use Yes, No or N/A".to_string()),
        ],
        "{report}"
    );
    assert_eq!(report["sheets"][0]["answered"], 8, "{report}");
}
