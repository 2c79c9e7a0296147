//! The certificate's documents besides the JWS: the PDF (its text read back with poppler's
//! `pdftotext`, its QR code read with zbar's `zbarimg` from the page as poppler renders it), and
//! the certificate sheet of the SCAL workbook, which answer import and `scal check` pass over.
//!
//! `pdftotext` and `pdftoppm` come with poppler-utils, required where `SCAL_LIBREOFFICE=required`
//! (as `.ci/run` sets); `zbarimg` with zbar-tools, required where `SCAL_ZBAR=required`. Elsewhere
//! a missing tool skips only the check that needs it.

use std::path::{Path, PathBuf};
use std::process::Command;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use scal_app::scals::AnswersUpload;
use scal_workbook::{Answers, ExportedAnswer, Limits};
use serde_json::{json, Value};

use crate::certificates::{accepted_with_a_condition, pass_every_test, REVIEWER, SUPPLIER};
use crate::support::{TestApp, PASSWORD};

/// A program on PATH, if there; `required` names the variable that makes its absence a failure.
fn tool(name: &str, required: (&str, &str)) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() && std::env::var(required.0).as_deref() == Ok(required.1) {
        panic!("{}={} but {name} is not on PATH", required.0, required.1);
    }
    found
}

const POPPLER: (&str, &str) = ("SCAL_LIBREOFFICE", "required");
const ZBAR: (&str, &str) = ("SCAL_ZBAR", "required");

/// The PDF's text by `pdftotext`, its whitespace (line ends where text wrapped) made single spaces.
fn pdf_text(pdftotext: &Path, pdf: &Path) -> String {
    let output = Command::new(pdftotext).arg(pdf).arg("-").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// What the QR codes on the PDF's last page say, as a phone's camera would read them: the page
/// rendered by `pdftoppm`, then read by `zbarimg`.
fn qr_codes(pdftoppm: &Path, zbarimg: &Path, pdf: &Path, pages: usize) -> Vec<String> {
    let dir = pdf.parent().unwrap();
    let stem = dir.join("page");
    let status = Command::new(pdftoppm)
        .args([
            "-r",
            "150",
            "-png",
            "-f",
            &pages.to_string(),
            "-l",
            &pages.to_string(),
            "-singlefile",
        ])
        .arg(pdf)
        .arg(&stem)
        .status()
        .unwrap();
    assert!(status.success());
    let output = Command::new(zbarimg)
        .args(["--quiet", "--raw"])
        .arg(stem.with_extension("png"))
        .output()
        .unwrap();
    assert!(output.status.success(), "zbarimg found no code");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

async fn download(app: &TestApp, path: &str, cookie: Option<&str>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut builder = Request::builder().method(Method::GET).uri(path);
    if let Some(cookie) = cookie {
        builder = builder.header(header::COOKIE, cookie);
    }
    app.send(builder.body(Body::empty()).unwrap()).await
}

/// The SCAL workbook the supplier downloads now, read back (calamine, through scal's reader).
async fn workbook(app: &TestApp, product: &str) -> (Vec<u8>, Vec<scal_workbook::Grid>) {
    let supplier = scal_app::auth::actor_for(
        &scal_store::records::users::get_by_email(app.app().store.pool(), SUPPLIER)
            .await
            .unwrap()
            .unwrap(),
    );
    let file = scal_app::scals::workbook(app.app(), &supplier, product, app.now())
        .await
        .unwrap();
    let grids = scal_workbook::read(&file.bytes, "x", Limits::default()).unwrap();
    (file.bytes.to_vec(), grids)
}

/// `scal check --json` on a workbook: its exit code and its report without how columns were read.
fn check(dir: &Path, name: &str, bytes: &[u8]) -> (Option<i32>, Value, Value) {
    let file = dir.join(name);
    std::fs::write(&file, bytes).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_scal"))
        .args(["check", "--json"])
        .arg(&file)
        .env("SCAL_LOG", "warn")
        .output()
        .unwrap();
    let mut report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&output.stderr)));
    let import = report.as_object_mut().unwrap().remove("import").unwrap_or_default();
    (output.status.code(), report, import)
}

#[tokio::test]
async fn the_certificate_prints_as_a_pdf_with_its_verify_address_and_sits_in_the_scal_workbook() {
    let app = TestApp::demo().await;
    app.app().keys.generate(app.now()).unwrap();
    let reviewer = app.token_for(REVIEWER).await;
    let due = (app.now() + time::Duration::days(30)).date().to_string();
    let (scal, _) = accepted_with_a_condition(&app, &due).await;
    pass_every_test(&app, &scal).await;
    let product = app.product_id("Acme PAS").await;
    let (before, before_grids) = workbook(&app, &product).await;
    assert!(
        !before_grids.iter().any(|g| g.name == "Certificate"),
        "no certificate yet, no certificate sheet"
    );
    let (status, cert) = app
        .api(
            Method::POST,
            &format!("/api/v1/scals/{scal}/certificates"),
            Some(&reviewer),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{cert}");
    let id = cert["id"].as_str().unwrap();
    let verify_url = format!("{}/verify/{id}", app.app().settings.public_url);
    let facts = [
        "SCAL-C-000001",
        cert["supplier"].as_str().unwrap(),
        "8JK21",
        cert["snapshot_sha256"].as_str().unwrap(),
        cert["product"].as_str().unwrap(),
        "Confirm the MESH mailbox is live",
        &due,
        &verify_url,
    ];

    // The PDF: anyone with the ID, like the verify page; signed in, NHS England and the supplier.
    let (status, headers, public_pdf) = download(&app, &format!("/api/v1/certificates/{id}/pdf"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/pdf");
    assert_eq!(
        headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"SCAL-C-000001.pdf\""
    );
    assert!(public_pdf.starts_with(b"%PDF-"));
    let page = format!("/certificates/{id}/certificate.pdf");
    let (status, _, _) = download(&app, &page, None).await;
    assert!(status.is_redirection(), "signed out: to sign in ({status})");
    for email in [SUPPLIER, REVIEWER] {
        let session = app.sign_in(email, PASSWORD).await.unwrap();
        let (status, headers, pdf) = download(&app, &page, Some(&session.cookie)).await;
        assert_eq!(status, StatusCode::OK, "{email}");
        assert_eq!(
            headers[header::CONTENT_DISPOSITION],
            "attachment; filename=\"SCAL-C-000001.pdf\""
        );
        assert_eq!(pdf, public_pdf, "the same document for everyone on the same day");
        let html = app
            .page(Some(&session), Method::GET, &format!("/certificates/{id}"), &[])
            .await
            .html;
        assert!(
            html.contains(&format!("href=\"{page}\"")),
            "the certificate page links to it"
        );
    }
    let other = app.sign_in("admin@brightwater.example", PASSWORD).await.unwrap();
    let (status, _, _) = download(&app, &page, Some(&other.cookie)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another supplier cannot tell it exists");
    let html = app.page(None, Method::GET, &format!("/verify/{id}"), &[]).await.html;
    assert!(
        html.contains(&format!("href=\"/api/v1/certificates/{id}/pdf\"")),
        "the verify page links to it"
    );

    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("SCAL-C-000001.pdf");
    std::fs::write(&pdf, &public_pdf).unwrap();
    if let Some(pdftotext) = tool("pdftotext", POPPLER) {
        let text = pdf_text(&pdftotext, &pdf);
        assert!(text.contains("Certificate of technical conformance"), "{text}");
        for fact in facts {
            assert!(text.contains(fact), "{fact:?} is not in the PDF's text: {text}");
        }
        assert!(
            text.contains(&format!("Status on {}: Valid", app.now().date())),
            "{text}"
        );
    }
    if let (Some(pdftoppm), Some(zbarimg)) = (tool("pdftoppm", POPPLER), tool("zbarimg", ZBAR)) {
        assert_eq!(qr_codes(&pdftoppm, &zbarimg, &pdf, 1), vec![verify_url.clone()]);
    }

    // The status is the download's day's: revoked, the PDF says so.
    let (status, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/certificates/{id}/revoke"),
            Some(&reviewer),
            Some(json!({"reason": "The product was withdrawn"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, revoked) = download(&app, &format!("/api/v1/certificates/{id}/pdf"), None).await;
    std::fs::write(&pdf, &revoked).unwrap();
    if let Some(pdftotext) = tool("pdftotext", POPPLER) {
        let text = pdf_text(&pdftotext, &pdf);
        assert!(text.contains("Revoked: The product was withdrawn"), "{text}");
    }

    // The workbook: a Certificate sheet with the facts, label by label.
    let (after, grids) = workbook(&app, &product).await;
    let sheet = grids
        .iter()
        .find(|g| g.name == "Certificate")
        .expect("a Certificate sheet");
    let value = |label: &str| {
        sheet
            .rows
            .iter()
            .find(|r| r.first().is_some_and(|l| l == label))
            .and_then(|r| r.get(1).cloned())
            .unwrap_or_else(|| panic!("no {label} row: {:?}", sheet.rows))
    };
    assert_eq!(value("Certificate number"), "SCAL-C-000001");
    assert_eq!(value("Supplier"), cert["supplier"].as_str().unwrap());
    assert_eq!(value("Supplier ODS code"), "8JK21");
    assert_eq!(value("Snapshot SHA-256"), cert["snapshot_sha256"].as_str().unwrap());
    assert!(value("Conditions").contains("Confirm the MESH mailbox is live"));
    assert_eq!(value("Status"), "Revoked: The product was withdrawn");
    assert_eq!(value("Check it at"), verify_url);

    // ... which import passes over: the requirement sheets read as before, and `scal check`
    // says exactly what it said of the workbook without it.
    let options = scal_workbook::ImportOptions::default();
    let imported = scal_workbook::import_exported(&grids, &options).unwrap();
    let imported_before = scal_workbook::import_exported(&before_grids, &options).unwrap();
    assert_eq!(imported.sheets, imported_before.sheets);
    assert_eq!(imported.findings, imported_before.findings);
    let skipped = imported.report.sheets.iter().find(|s| s.name == "Certificate").unwrap();
    assert!(
        skipped.skipped_because.as_deref().unwrap().contains("certificate"),
        "{skipped:?}"
    );
    let (code_before, report_before, _) = check(dir.path(), "before.xlsx", &before);
    let (code_after, report_after, import_after) = check(dir.path(), "after.xlsx", &after);
    assert_eq!((code_after, &report_after), (code_before, &report_before));
    assert!(import_after.to_string().contains("Certificate"), "{import_after}");
}

/// Answers typed into a SCAL workbook that carries a certificate sheet are imported as from any
/// other: the sheet is not mistaken for requirements.
#[tokio::test]
async fn answers_import_from_a_workbook_with_a_certificate_sheet() {
    let app = TestApp::demo().await;
    let product = app.product_id("Acme PAS").await;
    app.issue_scal("Acme PAS", None).await;
    let user = scal_store::records::users::get_by_email(app.app().store.pool(), SUPPLIER)
        .await
        .unwrap()
        .unwrap();
    let supplier = scal_app::auth::actor_for(&user);
    let issued = scal_app::scals::sheets(app.app(), &supplier, &product).await.unwrap();
    let sheets: Vec<_> = issued.iter().map(|s| s.sheet.clone()).collect();
    let requirement = sheets[0].requirements[0].id.clone();
    let mut answers = Answers::new();
    answers.insert(
        (sheets[0].name.clone(), requirement.clone()),
        ExportedAnswer {
            response: Some("Yes".into()),
            justification: Some("Done in release 4".into()),
            ..Default::default()
        },
    );
    let certificate = [
        ("Certificate number", "SCAL-C-000007".to_string()),
        ("Requirement", "Response".to_string()),
    ];
    let stamp = app
        .now()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let bytes = scal_workbook::export_with_certificate(
        &scal_workbook::Export {
            template_id: "",
            template_name: "SCAL",
            version: 0,
            product_id: Some(&product),
            stamp: &stamp,
            sheets: &sheets,
            answers: &answers,
        },
        Some(&certificate[..]),
    )
    .unwrap();
    let report = scal_app::scals::import_answers(
        app.app(),
        &supplier,
        &product,
        &AnswersUpload {
            file_name: "scal.xlsx".into(),
            bytes: bytes.into(),
            overwrite: false,
        },
        Limits::default(),
        app.now(),
    )
    .await
    .unwrap();
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert!(
        report.applied_rows.iter().any(|r| r.requirement_id == requirement),
        "{report:?}"
    );
}
