//! `scal check`: is a completed workbook ready to submit? Offline, read-only.

use std::process::ExitCode;

use scal_domain::check::{check, CheckReport, Severity};
use scal_workbook::{import_exported, read_with_formulas, ImportError, Limits, Recognition, SheetReport};

use crate::CheckArgs;

const UNREADABLE: u8 = 2;

pub fn run(args: &CheckArgs) -> ExitCode {
    match evaluate(args) {
        Ok((report, import)) => {
            if args.json {
                // The check's own fields, plus how each sheet's columns were read (the same shape
                // as `template import --json`'s sheets), so a wrong reading can be seen.
                let mut json = serde_json::to_value(&report).unwrap_or_default();
                if let Some(object) = json.as_object_mut() {
                    object.insert("import".into(), serde_json::to_value(&import).unwrap_or_default());
                }
                println!("{}", serde_json::to_string_pretty(&json).unwrap_or_default());
            } else {
                for sheet in &import {
                    if sheet.skipped_because.is_none() {
                        println!("{}: {}", sheet.name, describe_columns(sheet));
                    }
                }
                print_text(&report);
            }
            if report.ready_to_submit() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(UNREADABLE)
        }
    }
}

/// Which header became which field and how, then the headers ignored: `A "Requirement ID" as id,
/// C "Compliant (Yes/No/N/A)" as response (by its words); ignored: G "Owner"`.
pub(crate) fn describe_columns(sheet: &SheetReport) -> String {
    let columns: Vec<String> = sheet
        .columns
        .iter()
        .map(|c| {
            let how = match c.recognised_by {
                Recognition::Exact => "",
                Recognition::Words => " (by its words)",
                Recognition::Map => " (--map)",
                Recognition::Validation => " (by its Yes/No/N/A list)",
            };
            format!("{} {:?} as {}{how}", c.column, c.header, c.field.as_str())
        })
        .collect();
    let mut out = format!(
        "header row {}, columns {}",
        sheet.header_row.unwrap_or_default(),
        columns.join(", ")
    );
    if !sheet.ignored.is_empty() {
        let ignored: Vec<String> = sheet
            .ignored
            .iter()
            .map(|c| format!("{} {:?}", c.column, c.header))
            .collect();
        out.push_str(&format!("; ignored {}", ignored.join(", ")));
    }
    for ambiguity in &sheet.ambiguous {
        out.push_str(&format!("; {}", ambiguity.message()));
    }
    out
}

fn evaluate(args: &CheckArgs) -> Result<(CheckReport, Vec<SheetReport>), String> {
    let as_of = match &args.as_of {
        Some(raw) => scal_domain::check::parse_date(raw).map_err(|e| format!("--as-of: {}", e.message))?,
        None => time::OffsetDateTime::now_utc().date(),
    };
    let options = scal_workbook::parse_map(&args.map).map_err(|e| format!("--{e}"))?;
    let bytes = std::fs::read(&args.file).map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
    let stem = args.file.file_stem().and_then(|s| s.to_str()).unwrap_or("Sheet");
    let (grids, unsaved_formulas) =
        read_with_formulas(&bytes, stem, Limits::default()).map_err(|e| format!("{}: {e}", args.file.display()))?;
    // Held to its `_scal` record: a deleted row or sheet must never read as "ready".
    let imported = match import_exported(&grids, &options) {
        Ok(imported) => imported,
        Err(ImportError::Invalid { problems, .. }) => {
            let lines: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
            return Err(format!(
                "{} cannot be checked:\n{}",
                args.file.display(),
                lines.join("\n")
            ));
        }
        Err(other) => return Err(format!("{}: {other}", args.file.display())),
    };
    let answered: Vec<_> = imported.sheets.iter().map(|s| s.answered()).collect();
    let mut report = check(&answered, as_of);
    // A formula never computed is reported as such, not as the empty answer it reads as.
    scal_domain::check::report_unsaved_formulas(&mut report, &answered, &unsaved_formulas);
    report.findings.splice(0..0, imported.findings);
    // The onboarding steps that read the information sheet, as at submission.
    let steps = scal_domain::onboarding::workbook_findings(&answered, &report.findings, as_of);
    report.findings.extend(steps);
    Ok((report, imported.report.sheets))
}

fn print_text(report: &CheckReport) {
    for sheet in &report.sheets {
        println!("{}: {} of {} answered", sheet.name, sheet.answered, sheet.requirements);
    }
    for finding in &report.findings {
        let severity = match finding.severity {
            Severity::Red => "RED",
            Severity::Amber => "AMBER",
            Severity::Error => "ERROR",
            Severity::Warning => "warning",
        };
        let blocks = if finding.blocking { "" } else { " (does not block)" };
        // A finding about a whole sheet (deleted, renamed) has no row or requirement.
        let mut place = finding.sheet.clone();
        if finding.row > 0 {
            place.push_str(&format!(" row {}", finding.row));
        }
        if !finding.requirement_id.is_empty() {
            place.push_str(&format!(" {}", finding.requirement_id));
        }
        println!("{place} {severity}: {}{blocks}", finding.message);
    }
    let blocking = report.findings.iter().filter(|f| f.blocking).count();
    if blocking == 0 {
        println!("Ready to submit.");
    } else {
        println!("Not ready to submit: {blocking} finding(s) block submission.");
    }
}
