//! Workbook import and export, against Python's openpyxl on the same content, in the same run.
//!
//! `cargo bench --bench workbook` generates a 21-sheet SCAL with 10,000 requirement rows and
//! answers, then times (median of 5) and measures peak memory (each operation in its own child
//! process, read from /proc/self/status VmHWM, or ru_maxrss for Python):
//! - scal import: read the .xlsx, recognise and validate every sheet, store it in a fresh SQLite
//!   database (`scal_app::templates::import`);
//! - openpyxl read: `load_workbook` of the same file;
//! - scal export: write the same content with answers (`scal_workbook::export`);
//! - openpyxl write: the same cells into a new workbook, saved.
//!
//! Results go to stdout as a Markdown table for docs/benchmarks.md. Needs `pip install openpyxl`.

// A measuring tool, not server code: failing loudly is what it should do.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use scal_domain::template::{AnswerKind, Level, Requirement, SheetKind, TemplateSheet};
use scal_workbook::{Answers, Export, ExportedAnswer};

const SHEETS: usize = 21;
const ROWS: usize = 10_000;
const RUNS: usize = 5;

fn content() -> (Vec<TemplateSheet>, Answers) {
    let mut sheets = Vec::new();
    let mut answers = Answers::new();
    let mut n = 0;
    for s in 0..SHEETS {
        let name = if s == 0 {
            "Supplier and product information".to_string()
        } else {
            format!("Service {s:02}")
        };
        let rows = ROWS / SHEETS + usize::from(s < ROWS % SHEETS);
        let mut requirements = Vec::new();
        for r in 0..rows {
            n += 1;
            let level = [Level::Must, Level::Should, Level::May, Level::MustNot][n % 4];
            let id = format!("REQ-{s:02}-{r:04}");
            requirements.push(Requirement {
                id: id.clone(),
                section: Some(format!("Section {}", r / 25)),
                text: format!("The system {} record requirement {n} as the specification describes, including audit of each change.", level.label()),
                level,
                answer_kind: AnswerKind::Declaration,
                use_case: Some("All".into()),
                requirement_type: Some("General".into()),
                link: Some(format!("https://digital.nhs.uk/spec/{n}")),
                test_cases: Some(format!("TST-{n:05}")),
                test_environment: Some("INT".into()),
                evidence_required: Some("Screenshots of the message and response".into()),
                guidance: None,
            });
            let response = ["Yes", "No", "N/A", "Yes"][n % 4];
            answers.insert(
                (name.clone(), id),
                ExportedAnswer {
                    response: Some(response.into()),
                    justification: (response != "Yes").then(|| "Explained in the attached note".into()),
                    mitigation: (response == "No").then(|| "Planned for the next release".into()),
                    target_date: (response == "No").then(|| "2027-06-30".into()),
                },
            );
        }
        let kind = if s == 0 {
            SheetKind::Information
        } else {
            SheetKind::Service
        };
        sheets.push(TemplateSheet {
            name,
            kind,
            requirements,
        });
    }
    (sheets, answers)
}

fn export(sheets: &[TemplateSheet], answers: &Answers) -> Vec<u8> {
    scal_workbook::export(&Export {
        template_id: "bench",
        template_name: "Benchmark SCAL",
        version: 1,
        product_id: None,
        stamp: "2026-11-24T09:00:00Z",
        sheets,
        answers,
    })
    .expect("export")
}

fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Child-process modes: one operation, then seconds and peak KiB on stdout.
fn child(mode: &str, file: &Path) {
    let started = Instant::now();
    match mode {
        "import" => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let dir = tempfile::tempdir().expect("tempdir");
                let store = scal_store::Store::open(&scal_store::sqlite_url_in(dir.path()), 4)
                    .await
                    .expect("store");
                let app = scal_app::App::new(store, Default::default());
                let request = scal_app::templates::ImportRequest {
                    file_name: "bench.xlsx".into(),
                    bytes: std::fs::read(file).expect("read").into(),
                    name: Some("Benchmark".into()),
                    ..Default::default()
                };
                let outcome = scal_app::templates::import(
                    &app,
                    &scal_app::Actor::System,
                    &request,
                    scal_workbook::Limits::default(),
                    time::OffsetDateTime::now_utc(),
                )
                .await
                .expect("import");
                let stored: usize = outcome.report.sheets.iter().map(|s| s.requirements).sum();
                assert_eq!(stored, ROWS);
            });
        }
        "export" => {
            let (sheets, answers) = content();
            let started_export = Instant::now();
            let bytes = export(&sheets, &answers);
            std::fs::write(file, bytes).expect("write");
            println!("{} {}", started_export.elapsed().as_secs_f64(), peak_kib());
            return;
        }
        other => panic!("unknown mode {other}"),
    }
    println!("{} {}", started.elapsed().as_secs_f64(), peak_kib());
}

const OPENPYXL_READ: &str = r#"
import sys, time, resource
from openpyxl import load_workbook
t = time.perf_counter()
wb = load_workbook(sys.argv[1])
n = sum(1 for ws in wb.worksheets for _ in ws.iter_rows(values_only=True))
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"#;

const OPENPYXL_WRITE: &str = r#"
import sys, time, resource
from openpyxl import load_workbook, Workbook
src = load_workbook(sys.argv[1])
rows = [(ws.title, [list(r) for r in ws.iter_rows(values_only=True)]) for ws in src.worksheets]
del src
import gc; gc.collect()
t = time.perf_counter()
wb = Workbook(); wb.remove(wb.active)
for title, data in rows:
    ws = wb.create_sheet(title)
    for r in data:
        ws.append(r)
wb.save(sys.argv[2])
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"#;

fn measure(mut command: Command) -> (f64, u64) {
    let output = command.output().expect("run");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8_lossy(&output.stdout);
    let mut parts = text.split_whitespace();
    let seconds = parts.next().and_then(|s| s.parse().ok()).expect("seconds");
    let kib = parts.next().and_then(|s| s.parse().ok()).expect("peak");
    (seconds, kib)
}

fn median(mut runs: Vec<(f64, u64)>) -> (f64, u64) {
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let peak = runs.iter().map(|r| r.1).max().unwrap_or(0);
    (runs[runs.len() / 2].0, peak)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let (Some(mode), Some(file)) = (args.get(1).filter(|a| a.starts_with("child-")), args.get(2)) {
        child(mode.trim_start_matches("child-"), Path::new(file));
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bench.xlsx");
    let (sheets, answers) = content();
    std::fs::write(&file, export(&sheets, &answers)).expect("write");
    let me = std::env::current_exe().expect("exe");
    let run_self = |mode: &str, path: &Path| {
        let mut c = Command::new(&me);
        c.arg(format!("child-{mode}")).arg(path);
        c
    };
    let python = |script: &str, extra: Option<&Path>| {
        let mut c = Command::new("python3");
        c.arg("-c").arg(script).arg(&file);
        if let Some(extra) = extra {
            c.arg(extra);
        }
        c
    };
    let out = dir.path().join("out.xlsx");
    let scal_import = median((0..RUNS).map(|_| measure(run_self("import", &file))).collect());
    let py_read = median((0..RUNS).map(|_| measure(python(OPENPYXL_READ, None))).collect());
    let scal_export = median((0..RUNS).map(|_| measure(run_self("export", &out))).collect());
    let py_write = median((0..RUNS).map(|_| measure(python(OPENPYXL_WRITE, Some(&out)))).collect());

    println!(
        "Workbook: {SHEETS} sheets, {ROWS} requirement rows with answers, {} bytes.",
        std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0)
    );
    println!();
    println!("| operation | scal | openpyxl | scal is faster by | peak memory scal / openpyxl |");
    println!("|---|---|---|---|---|");
    for (name, ours, theirs) in [
        (
            "import (scal: read, validate, store in SQLite) vs load_workbook",
            scal_import,
            py_read,
        ),
        ("export vs write and save", scal_export, py_write),
    ] {
        println!(
            "| {name} | {:.3} s | {:.3} s | {:.1}x | {} MiB / {} MiB |",
            ours.0,
            theirs.0,
            theirs.0 / ours.0,
            ours.1 / 1024,
            theirs.1 / 1024
        );
    }
}
