//! `scal check`: is a completed workbook ready to submit? Offline, read-only.

use std::process::ExitCode;

use scal_domain::check::{check, CheckReport, Severity};
use scal_workbook::{import_exported, read_with_formulas, ImportError, Limits};

use crate::CheckArgs;

const UNREADABLE: u8 = 2;

pub fn run(args: &CheckArgs) -> ExitCode {
    match evaluate(args) {
        Ok(report) => {
            if args.json {
                println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
            } else {
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

fn evaluate(args: &CheckArgs) -> Result<CheckReport, String> {
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
    Ok(report)
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
