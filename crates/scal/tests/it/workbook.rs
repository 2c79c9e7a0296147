//! The importer against real NHS documents, as published (`tests/fixtures/real`, see SOURCES.md).

use scal_domain::template::{AnswerKind, Level};
use scal_workbook::{import, read, ImportError, ImportOptions, Limits};

fn fixture(name: &str) -> Vec<u8> {
    let path = crate::support::fixture(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn import_fixture(name: &str) -> Result<(Vec<scal_workbook::ImportedSheet>, scal_workbook::ImportReport), String> {
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    let grids = read(&fixture(name), stem, Limits::default()).map_err(|e| format!("read: {e}"))?;
    import(&grids, &ImportOptions::default()).map_err(|e| e.to_string())
}

#[test]
fn both_send_document_scals_import_48_requirements_identically() {
    let (psv, psv_report) = import_fixture("scal-gpc-send-document.psv").unwrap();
    let (xlsx, _) = import_fixture("scal-gpc-send-document.xlsx").unwrap();
    assert_eq!(psv_report.sheets[0].requirements, 48);
    assert_eq!(psv.len(), 1);
    assert_eq!(xlsx[0].name, "Send Document");
    let requirements = |sheets: &[scal_workbook::ImportedSheet]| {
        sheets[0].rows.iter().map(|r| r.requirement.clone()).collect::<Vec<_>>()
    };
    assert_eq!(
        requirements(&psv),
        requirements(&xlsx),
        "the PSV and the xlsx say the same thing"
    );

    let rows = &psv[0].rows;
    let first = &rows[0].requirement;
    assert_eq!(first.id, "GPCM-C-1");
    assert_eq!(first.level, Level::Must);
    assert_eq!(first.answer_kind, AnswerKind::Declaration);
    assert_eq!(
        first.section.as_deref(),
        Some("Using MESH to support GP Connect Messaging")
    );
    assert_eq!(first.link.as_deref(), Some("{{pagelink:Home/Design/Using-MESH}}"));
    assert_eq!(
        first.evidence_required.as_deref(),
        Some("Provide details of MESH and ITK3 compliance")
    );
    let ids: Vec<&str> = rows.iter().map(|r| r.requirement.id.as_str()).collect();
    assert!(
        ids.contains(&"GPCM-SD-028") && ids.contains(&"GPCM-SD-088"),
        "IDs kept as published, unsorted"
    );
    let sd088 = rows.iter().find(|r| r.requirement.id == "GPCM-SD-088").unwrap();
    assert_eq!(sd088.requirement.link, None, "the empty Link cell stays empty");
    assert!(
        rows.iter().any(|r| r.requirement.text.contains("origiN/Ating")),
        "source quirks are kept verbatim"
    );
    assert!(
        rows.iter().any(|r| r.requirement.text.contains("<WorkflowId>")),
        "markup in text is text"
    );
    let levels: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.requirement.level.as_str()).collect();
    assert!(levels.contains("must"));
}

/// A fixture and what importing it must give: sheets with their requirement counts, or a refusal
/// containing this text.
type Outcome = (&'static str, Result<&'static [(&'static str, usize)], &'static str>);

/// What every other real fixture does. A change here is a deliberate change to what scal accepts.
#[test]
fn every_other_real_fixture_imports_or_is_refused_with_a_clear_reason() {
    let outcomes: [Outcome; 11] = [
        (
            "cc_consumer.xlsx",
            Err("requirement ID \"C18\" appears twice, in rows 19 and 20"),
        ),
        ("cc_provider.xlsx", Ok(&[("Sheet1", 26)])),
        (
            "GPConnectMessaging-Requirements.xlsx",
            Err("row 2 has id in column B, link in column C but no text column"),
        ),
        (
            "GPConnectMessaging-BusinessRequirements.xlsx",
            Ok(&[("User Stories - Send Document", 9)]),
        ),
        (
            "GP_Connect_Req_Cat_Access_Record_Structured_Data_v2.4.xlsx",
            Ok(&[("User Stories - Structured", 5), ("User Stories - Meds", 12)]),
        ),
        (
            "GP_Connect_Appointment_Mgmt_Capability_Requirements.xlsx",
            Ok(&[("User Stories", 42), ("API Functional Spec. Reqs", 37)]),
        ),
        (
            "GP_Connect_Hazard_Log_Consumers_v2.0.xlsx",
            Err("no sheet holds a requirement table"),
        ),
        ("NRL_Hazard_Log_V1.7.xlsx", Err("no sheet holds a requirement table")),
        (
            "CDS-API-Implementation-Guide-v2.0-Hazard-Log-v2.0.xlsx",
            Err("no sheet holds a requirement table"),
        ),
        (
            "111_to_Registered_GP-Operational_Test_Plan_v3.xlsx",
            Err("no sheet holds a requirement table"),
        ),
        (
            "NHS-Digital-National-Service-Desk-Discovery-Form-v6.0_Published.xlsx",
            Err("no sheet holds a requirement table"),
        ),
    ];
    for (name, expected) in outcomes {
        let outcome = import_fixture(name);
        match (expected, outcome) {
            (Ok(sheets), Ok((_, report))) => {
                for (sheet, count) in sheets {
                    let found = report
                        .sheets
                        .iter()
                        .find(|s| s.name == *sheet)
                        .unwrap_or_else(|| panic!("{name}: no sheet {sheet}"));
                    assert_eq!(found.requirements, *count, "{name} / {sheet}");
                }
                assert!(
                    report.sheets.iter().any(|s| s.kind == "skipped") || name.starts_with("cc_"),
                    "{name}: non-requirement sheets are listed as skipped"
                );
            }
            (Err(reason), Err(message)) => assert!(message.contains(reason), "{name}: {message}"),
            (expected, got) => panic!("{name}: expected {expected:?}, got {:?}", got.map(|(_, r)| r)),
        }
    }
}

#[test]
fn a_mapping_imports_a_layout_recognition_refuses() {
    let grids = read(&fixture("cc_consumer.xlsx"), "cc", Limits::default()).unwrap();
    let options = ImportOptions {
        map: vec![(scal_workbook::Field::Id, "A".into())],
    };
    let (sheets, report) = import(&grids, &options).unwrap();
    assert_eq!(report.sheets[0].requirements, sheets[0].rows.len());
    assert!(
        sheets[0].rows.iter().all(|r| r.requirement.id.starts_with('C')),
        "test IDs in column A"
    );
    let Err(ImportError::Invalid { problems, .. }) = import(&grids, &ImportOptions::default()) else {
        panic!()
    };
    assert!(problems
        .iter()
        .all(|p| p.sheet == "Sheet1" && p.column.as_deref() == Some("B")));
}

#[test]
fn hostile_workbooks_are_refused_without_panicking() {
    let real = fixture("scal-gpc-send-document.xlsx");
    let tiny = Limits {
        max_uncompressed_bytes: 10_000,
        ..Limits::default()
    };
    assert!(matches!(
        read(&real, "x", tiny),
        Err(scal_workbook::ReadError::TooLarge { limit: 10_000 })
    ));
    let few = Limits {
        max_zip_entries: 3,
        ..Limits::default()
    };
    assert!(matches!(
        read(&real, "x", few),
        Err(scal_workbook::ReadError::TooManyEntries { limit: 3 })
    ));
    // Every truncation of a real workbook: an error or a result, never a panic.
    for cut in (0..real.len()).step_by(97) {
        let _ = read(&real[..cut], "x", Limits::default()).map(|grids| import(&grids, &ImportOptions::default()));
    }
}

/// Found by fuzzing: calamine panics on an absurd cell reference; scal reports a malformed file.
#[test]
fn a_workbook_that_crashes_the_xlsx_parser_is_refused() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/fuzz/calamine-cell-reference-overflow.xlsx");
    let bytes = std::fs::read(path).unwrap();
    let error = read(&bytes, "x", Limits::default()).map(|_| ()).unwrap_err();
    assert!(error.to_string().contains("not a readable .xlsx workbook"), "{error}");
}
