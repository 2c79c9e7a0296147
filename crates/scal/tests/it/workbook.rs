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

/// A sheet's real range is capped: the two hostile shapes are refused by name and range, before
/// anything dense is built (without the cap the first aborts the process on a failed allocation
/// of 512 GiB and the second takes about 600 MB).
#[test]
fn a_sheet_spanning_more_than_a_scal_needs_is_refused_naming_its_range() {
    use crate::support::{tall_sheet_xlsx, whole_sheet_xlsx};
    let error = read(&whole_sheet_xlsx(), "x", Limits::default()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "sheet \"Requirements\" spans A1:XFD1048576 (1,048,576 rows × 16,384 columns); a SCAL sheet can have at \
         most 100,000 rows, 1,000 columns and 2,000,000 cells"
    );
    let error = read(&tall_sheet_xlsx(), "x", Limits::default()).unwrap_err();
    assert!(
        matches!(&error, scal_workbook::ReadError::SheetTooLarge { sheet, range, rows: 400_000, columns: 26, .. }
            if sheet == "Requirements" && range == "A1:Z400000"),
        "{error}"
    );
}

/// Only cells holding a value count: format-only and whitespace cells far away do not widen the
/// range, and the grid starts at the first value. Each limit is inclusive.
#[test]
fn the_real_range_is_the_values_bounding_box_and_each_limit_is_inclusive() {
    let bytes = crate::support::xlsx_with_cells(
        "S",
        &[
            ("C3", "ID"),
            ("D3", "Text"),
            ("E4", "  "),
            ("D5", "x"),
            ("XFD1048576", ""),
        ],
    );
    let grids = read(&bytes, "x", Limits::default()).unwrap();
    assert_eq!(grids[0].first_row, 3);
    assert_eq!(grids[0].first_col, 2);
    assert_eq!(
        grids[0].rows,
        vec![
            vec!["ID".to_string(), "Text".into()],
            vec![],
            vec!["".into(), "x".into()]
        ]
    );
    let exact = Limits {
        max_sheet_rows: 3,
        max_sheet_columns: 2,
        max_sheet_cells: 6,
        ..Limits::default()
    };
    assert!(read(&bytes, "x", exact).is_ok());
    for tighter in [
        Limits {
            max_sheet_rows: 2,
            ..exact
        },
        Limits {
            max_sheet_columns: 1,
            ..exact
        },
        Limits {
            max_sheet_cells: 5,
            ..exact
        },
    ] {
        let error = read(&bytes, "x", tighter).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("sheet \"S\" spans C3:D5 (3 rows × 2 columns)"),
            "{error}"
        );
    }
}

/// Many sheets, each within the limits, cannot add up to more than the workbook's budget: a
/// 3 MB file of 9,000 sheets each spanning A1:A100000 once took over 20 GB and aborted. Here ten
/// such sheets against a 10 MiB budget (each needs about 2.4 MB of rows).
#[test]
fn many_sheets_within_the_limits_cannot_add_up_to_more_than_the_budget() {
    let cells: &[(&str, &str)] = &[("A1", "x"), ("A100000", "x")];
    let names: Vec<String> = (1..=10).map(|n| format!("S{n}")).collect();
    let sheets: Vec<(&str, &[(&str, &str)])> = names.iter().map(|n| (n.as_str(), cells)).collect();
    let bytes = crate::support::xlsx_with_sheets(&sheets);
    let limits = Limits {
        max_content_bytes: 10 * 1024 * 1024,
        ..Limits::default()
    };
    let error = read(&bytes, "x", limits).unwrap_err();
    assert!(
        matches!(&error, scal_workbook::ReadError::TooMuchContent { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("more than 10 MiB"), "{error}");
    let grids = read(&bytes, "x", Limits::default()).unwrap();
    assert_eq!(grids.len(), 10, "within the default budget");
    assert_eq!(grids[9].rows.len(), 100_000);

    // The cells' text counts too (a shared string is stored once in the file but copied into
    // every cell that uses it).
    let long = "x".repeat(4000);
    let bytes = crate::support::xlsx_with_cells("S", &[("A1", &long), ("A2", &long)]);
    let tight = Limits {
        max_content_bytes: 6000,
        ..Limits::default()
    };
    assert!(
        matches!(read(&bytes, "x", tight), Err(scal_workbook::ReadError::TooMuchContent { sheet, .. }) if sheet == "S")
    );
}

/// The fuzzing seeds of the hostile shapes (`fuzz/seeds/import`) are the files these tests build.
#[test]
fn the_fuzz_seeds_are_the_hostile_shapes() {
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds/import");
    for (name, bytes) in [
        ("sheet-spans-whole-grid.xlsx", crate::support::whole_sheet_xlsx()),
        ("sheet-spans-400000-rows.xlsx", crate::support::tall_sheet_xlsx()),
        (
            "shared-strings-declare-a-trillion.xlsx",
            crate::support::huge_shared_strings_xlsx(),
        ),
    ] {
        let path = seeds.join(name);
        if std::env::var_os("SCAL_WRITE_FUZZ_SEEDS").is_some() {
            std::fs::create_dir_all(&seeds).unwrap();
            std::fs::write(&path, &bytes).unwrap();
        }
        let seed = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            seed == bytes,
            "{name} differs from what the tests build: rewrite the seeds"
        );
        assert!(
            matches!(
                read(&seed, "x", Limits::default()),
                Err(scal_workbook::ReadError::SheetTooLarge { .. }
                    | scal_workbook::ReadError::TooManySharedStrings { .. })
            ),
            "{name}"
        );
    }
}

#[test]
fn a_shared_strings_part_declaring_more_texts_than_it_holds_is_refused_before_calamine_reserves_them() {
    let refused = read(&crate::support::huge_shared_strings_xlsx(), "x", Limits::default());
    assert_eq!(
        refused,
        Err(scal_workbook::ReadError::TooManySharedStrings {
            declared: 1_000_000_000_000
        })
    );
    assert!(refused
        .unwrap_err()
        .to_string()
        .contains("says it holds 1,000,000,000,000 different texts"));
}

/// Drop-down lists are read from a real Excel file's worksheet XML (calamine does not expose
/// them): the Service Desk form offers `Please select….,Yes,No` in G4, a Yes/No list; the 111 test
/// plan's `Pass, Fail` and the hazard logs' named-range lists are not. None of this changes what
/// those files import as (the tests above pin that).
#[test]
fn yes_no_drop_downs_are_read_from_real_workbooks() {
    let lists = |name: &str| -> Vec<(String, Vec<scal_workbook::validations::CellRange>)> {
        read(&fixture(name), "x", Limits::default())
            .unwrap()
            .into_iter()
            .map(|g| {
                let yes_no = g
                    .lists
                    .iter()
                    .filter(|l| l.list.is_declaration())
                    .map(|l| l.cells)
                    .collect();
                (g.name, yes_no)
            })
            .filter(|(_, yes_no): &(String, Vec<_>)| !yes_no.is_empty())
            .collect()
    };
    let form = lists("NHS-Digital-National-Service-Desk-Discovery-Form-v6.0_Published.xlsx");
    assert_eq!(form.len(), 1, "{form:?}");
    assert_eq!(
        form[0].1,
        [scal_workbook::validations::CellRange {
            first_col: 6,
            last_col: 6,
            first_row: 4,
            last_row: 4
        }]
    );
    for other in [
        "111_to_Registered_GP-Operational_Test_Plan_v3.xlsx",
        "NRL_Hazard_Log_V1.7.xlsx",
        "CDS-API-Implementation-Guide-v2.0-Hazard-Log-v2.0.xlsx",
    ] {
        assert_eq!(lists(other), [], "{other}");
    }
}
