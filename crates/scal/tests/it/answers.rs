//! The offline loop: a product's SCAL downloaded as a workbook, completed in Excel, uploaded back.

use std::collections::HashMap;
use std::process::Command;

use scal_app::scals::AnswersUpload;
use scal_app::{Actor, AppError};
use scal_workbook::{Answers, ExportedAnswer, Limits};

use crate::support::TestApp;

async fn actor(app: &TestApp, email: &str) -> Actor {
    let user = scal_store::records::users::get_by_email(app.app().store.pool(), email)
        .await
        .unwrap()
        .unwrap();
    scal_app::auth::actor_for(&user)
}

/// What Excel would save after the supplier's edits: the SCAL's sheets with `answers`, carrying
/// the export stamp of the workbook they downloaded.
async fn completed(app: &TestApp, product: &str, stamp: &str, answers: &[(&str, &str, &str, &str)]) -> Vec<u8> {
    let supplier = actor(app, "admin@acme.example").await;
    let issued = scal_app::scals::sheets(app.app(), &supplier, product).await.unwrap();
    let sheets: Vec<_> = issued.iter().map(|s| s.sheet.clone()).collect();
    let mut given = Answers::new();
    for (id, response, justification, mitigation) in answers {
        let value = |v: &str| (!v.is_empty()).then(|| v.to_string());
        given.insert(
            (sheets[0].name.clone(), (*id).to_string()),
            ExportedAnswer {
                response: value(response),
                justification: value(justification),
                mitigation: value(mitigation),
                target_date: None,
            },
        );
    }
    scal_workbook::export(&scal_workbook::Export {
        template_id: "",
        template_name: "SCAL",
        version: 0,
        product_id: Some(product),
        stamp,
        sheets: &sheets,
        answers: &given,
    })
    .unwrap()
}

async fn upload(
    app: &TestApp,
    who: &str,
    product: &str,
    bytes: Vec<u8>,
    overwrite: bool,
) -> Result<scal_app::scals::AnswersReport, AppError> {
    let upload = AnswersUpload {
        file_name: "scal.xlsx".into(),
        bytes: bytes.into(),
        overwrite,
    };
    scal_app::scals::import_answers(
        app.app(),
        &actor(app, who).await,
        product,
        &upload,
        Limits::default(),
        app.now(),
    )
    .await
}

#[tokio::test]
async fn answers_round_trip_with_conflicts_and_all_or_nothing_validation() {
    let app = TestApp::demo().await;
    let product = app.product_id("Acme PAS").await;
    let template = scal_app::templates::list(app.app(), &Actor::System).await.unwrap()[0]
        .0
        .id
        .clone();
    let reviewer = actor(&app, "reviewer@nhse.example").await;
    let added = scal_app::scals::issue(app.app(), &reviewer, &product, &template, None, app.now())
        .await
        .unwrap();
    assert_eq!(added, ["scal-gpc-send-document", "Supplier and product information"]);
    let again = scal_app::scals::issue(app.app(), &reviewer, &product, &template, None, app.now())
        .await
        .unwrap();
    assert!(again.is_empty(), "a sheet is issued once");

    // 09:00 the supplier downloads; 09:10 a colleague uploads an answer; 09:20 the supplier uploads.
    let downloaded_at = "2026-11-24T09:00:00Z";
    app.clock.advance(time::Duration::minutes(10));
    let colleague = completed(
        &app,
        &product,
        "2026-11-24T09:05:00Z",
        &[("GPCM-C-2", "No", "Uses a partner's client", "")],
    )
    .await;
    let report = upload(&app, "dev@acme.example", &product, colleague, false)
        .await
        .unwrap();
    assert_eq!((report.applied, report.conflicts.len()), (1, 0));

    app.clock.advance(time::Duration::minutes(10));
    let mine = completed(
        &app,
        &product,
        downloaded_at,
        &[
            ("GPCM-C-1", "Yes", "", ""),
            ("GPCM-C-2", "Yes", "", ""),
            ("GPCM-SD-056", "No", "Why", "Plan"),
        ],
    )
    .await;
    let report = upload(&app, "admin@acme.example", &product, mine.clone(), false)
        .await
        .unwrap();
    assert_eq!(report.applied, 2, "{report:?}");
    let applied: Vec<&str> = report.applied_rows.iter().map(|r| r.requirement_id.as_str()).collect();
    assert_eq!(applied, ["GPCM-C-1", "GPCM-SD-056"], "the report says what was applied");
    assert_eq!(report.applied_rows[0].row, 2);
    assert_eq!(report.conflicts.len(), 1);
    let conflict = &report.conflicts[0];
    assert_eq!(
        (conflict.requirement_id.as_str(), conflict.changed_by.as_str()),
        ("GPCM-C-2", "dev@acme.example")
    );
    assert_eq!(conflict.row, 3, "the row in the uploaded sheet");

    let report = upload(&app, "admin@acme.example", &product, mine, true).await.unwrap();
    assert_eq!(
        (report.applied, report.overwritten, report.unchanged),
        // 47 other rows of the service sheet and the 18 of the information sheet.
        (1, 1, 65),
        "{report:?}"
    );

    // Invalid values anywhere: every one reported by sheet, row and column, nothing applied.
    let before = current_answers(&app, &product).await;
    let bad = completed(
        &app,
        &product,
        "2026-11-24T09:30:00Z",
        &[("GPCM-C-1", "Maybe", "", ""), ("GPCM-SD-028", "No", "", "")],
    )
    .await;
    let Err(AppError::Invalid(invalid)) = upload(&app, "admin@acme.example", &product, bad, false).await else {
        panic!("refused")
    };
    let messages: Vec<String> = invalid.0.iter().map(|e| e.message.clone()).collect();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].contains("sheet \"scal-gpc-send-document\", row 2, column M: \"Maybe\" is not an answer"),
        "{messages:?}"
    );
    assert_eq!(current_answers(&app, &product).await, before, "all or nothing");

    // The next download carries the answers.
    let supplier = actor(&app, "admin@acme.example").await;
    let workbook = scal_app::scals::workbook(app.app(), &supplier, &product, app.now())
        .await
        .unwrap();
    let grids = scal_workbook::read(&workbook.bytes, "x", Limits::default()).unwrap();
    let (sheets, _) = scal_workbook::import(&grids, &Default::default()).unwrap();
    let answered: HashMap<String, Option<String>> = sheets[0]
        .rows
        .iter()
        .map(|r| (r.requirement.id.clone(), r.response.clone()))
        .collect();
    assert_eq!(answered["GPCM-C-1"].as_deref(), Some("Yes"));
    assert_eq!(answered["GPCM-SD-056"].as_deref(), Some("No"));
    assert_eq!(answered["GPCM-SD-028"], None);

    // The same rule colours the SCAL in the API and on the product page.
    let token = app.token_for("dev@acme.example").await;
    let (status, scal) = app
        .api(
            axum::http::Method::GET,
            &format!("/api/v1/products/{product}/scal"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, axum::http::StatusCode::OK, "{scal}");
    let rows = scal["sheets"][0]["requirements"].as_array().unwrap();
    let rag = |id: &str| {
        rows.iter()
            .find(|r| r["requirement_id"] == id)
            .map(|r| r["rag"].as_str().unwrap().to_string())
    };
    assert_eq!(rag("GPCM-C-1").as_deref(), Some("green"));
    assert_eq!(rag("GPCM-SD-056").as_deref(), Some("red"), "No to a MUST");
    assert_eq!(rag("GPCM-SD-028").as_deref(), Some("none"));
    assert_eq!(
        scal["summary"],
        // 45 rows of the service sheet and the 18 questions of the information sheet.
        serde_json::json!({"red": 1, "amber": 0, "green": 2, "unanswered": 63})
    );
    let session = app.sign_in("dev@acme.example", crate::support::PASSWORD).await.unwrap();
    let page = app
        .page(
            Some(&session),
            axum::http::Method::GET,
            &format!("/products/{product}"),
            &[],
        )
        .await;
    assert!(page.html.contains("3 of 48 answered"), "{}", page.html);
    assert!(page.html.contains(">1 red<"));
    assert!(page.html.contains("Answers that need a decision (1 red, 0 amber)"));

    let nhse = app.token_for("admin@nhse.example").await;
    let (_, log) = app
        .api(
            axum::http::Method::GET,
            "/api/v1/audit?kind=answers.imported",
            Some(&nhse),
            None,
        )
        .await;
    assert_eq!(
        log.as_array().unwrap().len(),
        3,
        "every applied import is audited with before and after"
    );
    assert_eq!(log[0]["after"]["changes"][0]["before"]["response"], "No");
}

async fn current_answers(app: &TestApp, product: &str) -> Vec<(String, Option<String>)> {
    let scal = scal_store::records::scals::scal_for_product(app.app().store.pool(), product)
        .await
        .unwrap()
        .unwrap();
    let mut answers: Vec<_> = scal_store::records::scals::answers(&mut app.app().store.acquire().await.unwrap(), &scal)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.requirement_id, a.response))
        .collect();
    answers.sort();
    answers
}

#[tokio::test]
async fn only_the_products_supplier_answers_and_other_tenants_see_nothing() {
    let app = TestApp::demo().await;
    let product = app.product_id("Acme PAS").await;
    let template = scal_app::templates::list(app.app(), &Actor::System).await.unwrap()[0]
        .0
        .id
        .clone();
    let supplier = actor(&app, "admin@acme.example").await;
    let refused = scal_app::scals::issue(app.app(), &supplier, &product, &template, None, app.now()).await;
    assert!(
        matches!(refused, Err(AppError::Forbidden)),
        "suppliers do not issue their own SCAL"
    );
    scal_app::scals::issue(
        app.app(),
        &actor(&app, "reviewer@nhse.example").await,
        &product,
        &template,
        None,
        app.now(),
    )
    .await
    .unwrap();
    let bytes = completed(&app, &product, "2026-11-24T09:00:00Z", &[("GPCM-C-1", "Yes", "", "")]).await;
    assert!(matches!(
        upload(&app, "admin@brightwater.example", &product, bytes.clone(), false).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        upload(&app, "reviewer@nhse.example", &product, bytes.clone(), false).await,
        Err(AppError::Forbidden)
    ));
    let other = actor(&app, "admin@brightwater.example").await;
    assert!(matches!(
        scal_app::scals::workbook(app.app(), &other, &product, app.now()).await,
        Err(AppError::NotFound)
    ));
    assert!(upload(&app, "dev@acme.example", &product, bytes, false).await.is_ok());
}

#[tokio::test]
async fn the_cli_exports_a_products_scal_and_imports_answers() {
    let app = TestApp::demo().await;
    let product = app.product_id("Acme PAS").await;
    let template = scal_app::templates::list(app.app(), &Actor::System).await.unwrap()[0]
        .0
        .id
        .clone();
    let run = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_scal"))
            .arg("--data-dir")
            .arg(app.db.data_dir())
            .args(["--database-url", &app.db.url])
            .args(args)
            .env("SCAL_LOG", "warn")
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (code, out, err) = run(&["issue", "--product", &product, "--template", &template]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("issued 2 sheet(s): scal-gpc-send-document, Supplier and product information"),
        "{out}"
    );
    let file = app.db.data_dir().join("pas.xlsx");
    let (code, _, err) = run(&["export", "--product", &product, "--out", file.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    let grids = scal_workbook::read(&std::fs::read(&file).unwrap(), "x", Limits::default()).unwrap();
    let meta = grids.iter().find(|g| g.name == "_scal").unwrap();
    assert!(meta.rows.iter().any(|r| r[0] == "product_id" && r[1] == product));

    let filled = app.db.data_dir().join("filled.xlsx");
    std::fs::write(
        &filled,
        completed(&app, &product, "2026-11-24T09:00:00Z", &[("GPCM-C-1", "Yes", "", "")]).await,
    )
    .unwrap();
    let (code, out, err) = run(&[
        "import-answers",
        "--product",
        &product,
        filled.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, Some(0), "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["applied"], 1);
    assert_eq!(report["exported_at"], "2026-11-24T09:00:00Z");
}

/// A supplier member's answers upload whose sheet spans far more than a SCAL needs is refused as
/// a field error naming the sheet and its range, through the API and the upload form, and the
/// server goes on serving (before the sheet cap the first file aborted the whole process).
#[tokio::test]
async fn a_sheet_spanning_more_than_a_scal_needs_is_refused_and_the_server_keeps_serving() {
    let app = TestApp::demo().await;
    let product = app.product_id("Acme PAS").await;
    let template = scal_app::templates::list(app.app(), &Actor::System).await.unwrap()[0]
        .0
        .id
        .clone();
    let reviewer = actor(&app, "reviewer@nhse.example").await;
    scal_app::scals::issue(app.app(), &reviewer, &product, &template, None, app.now())
        .await
        .unwrap();
    let member = app.token_for("dev@acme.example").await;
    let session = app.sign_in("dev@acme.example", crate::support::PASSWORD).await.unwrap();
    for (bytes, range) in [
        (crate::support::whole_sheet_xlsx(), "A1:XFD1048576"),
        (crate::support::tall_sheet_xlsx(), "A1:Z400000"),
    ] {
        let (status, _, body) = app
            .api_upload(
                &format!("/api/v1/products/{product}/answers/import?file_name=scal.xlsx"),
                &member,
                bytes.clone(),
            )
            .await;
        assert_eq!(status, axum::http::StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["field"], "file");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("sheet \"Requirements\" spans {range}")),
            "{message}"
        );

        let page = app
            .multipart(
                &session,
                &format!("/products/{product}/answers"),
                Some(("scal.xlsx", &bytes)),
                &[],
            )
            .await;
        assert_eq!(
            page.status,
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            page.html
        );
        assert!(
            page.html
                .contains(&format!("sheet &quot;Requirements&quot; spans {range}")),
            "{}",
            page.html
        );
        // The refusal page has its heading and the upload form again, the error linking to it.
        assert!(page.html.contains(">Upload your answers</h1>"));
        assert!(page.html.contains(&format!("action=\"/products/{product}/answers\"")));
        assert!(page.html.contains("href=\"#file\""));
    }
    let (status, _) = app
        .api(
            axum::http::Method::GET,
            &format!("/api/v1/products/{product}"),
            Some(&member),
            None,
        )
        .await;
    assert_eq!(status, axum::http::StatusCode::OK, "still serving");
    assert!(
        current_answers(&app, &product)
            .await
            .iter()
            .all(|(_, answer)| answer.is_none()),
        "nothing applied"
    );
}

/// Acme PAS with the demo template issued to it.
async fn issued_product(app: &TestApp) -> String {
    let product = app.product_id("Acme PAS").await;
    let template = scal_app::templates::list(app.app(), &Actor::System).await.unwrap()[0]
        .0
        .id
        .clone();
    let reviewer = actor(app, "reviewer@nhse.example").await;
    scal_app::scals::issue(app.app(), &reviewer, &product, &template, None, app.now())
        .await
        .unwrap();
    product
}

/// The supplier downloads the SCAL now: the workbook and the export stamp it carries.
async fn download(app: &TestApp, product: &str) -> (Vec<u8>, String) {
    let supplier = actor(app, "admin@acme.example").await;
    let workbook = scal_app::scals::workbook(app.app(), &supplier, product, app.now())
        .await
        .unwrap();
    let grids = scal_workbook::read(&workbook.bytes, "x", Limits::default()).unwrap();
    let stamp = grids
        .iter()
        .find(|g| g.name == scal_workbook::METADATA_SHEET)
        .and_then(|g| g.rows.iter().find(|r| r[0] == "exported_at"))
        .map(|r| r[1].clone())
        .unwrap();
    (workbook.bytes.to_vec(), stamp)
}

/// Saves one answer through the API's single-answer save, as `who`.
async fn save_through_api(app: &TestApp, who: &str, product: &str, id: &str, answer: &str, justification: &str) {
    let supplier = actor(app, who).await;
    let sheet = scal_app::scals::sheets(app.app(), &supplier, product).await.unwrap()[0]
        .record
        .clone();
    let token = app.token_for(who).await;
    let (status, body) = app
        .api(
            axum::http::Method::PUT,
            &format!("/api/v1/scals/{}/answers", sheet.scal_id),
            Some(&token),
            Some(serde_json::json!({
                "sheet_id": sheet.id, "requirement_id": id, "answer": answer, "justification": justification,
            })),
        )
        .await;
    assert_eq!(status, axum::http::StatusCode::OK, "{body}");
}

fn conflicting(report: &scal_app::scals::AnswersReport) -> Vec<(&str, &str)> {
    report
        .conflicts
        .iter()
        .map(|c| (c.requirement_id.as_str(), c.changed_by.as_str()))
        .collect()
}

/// Export, import, edit the same file further, import again: the rows the first import wrote are
/// the supplier's own, not conflicts, and the new edits are applied.
#[tokio::test]
async fn importing_an_edited_copy_of_your_own_export_again_is_not_a_conflict() {
    let app = TestApp::demo().await;
    let product = issued_product(&app).await;
    let (_, stamp) = download(&app, &product).await;

    app.clock.advance(time::Duration::minutes(10));
    let first = completed(
        &app,
        &product,
        &stamp,
        &[("GPCM-C-1", "Yes", "", ""), ("GPCM-SD-056", "No", "Why", "Plan")],
    )
    .await;
    let report = upload(&app, "admin@acme.example", &product, first, false)
        .await
        .unwrap();
    assert_eq!((report.applied, conflicting(&report)), (2, vec![]), "{report:?}");

    // The same file, edited further: both rows imported changed again, and a new one.
    app.clock.advance(time::Duration::minutes(10));
    let further = completed(
        &app,
        &product,
        &stamp,
        &[
            ("GPCM-C-1", "Yes", "Checked", ""),
            ("GPCM-SD-056", "No", "Why", "Plan B"),
            ("GPCM-C-2", "No", "Uses a partner's client", ""),
        ],
    )
    .await;
    let report = upload(&app, "admin@acme.example", &product, further.clone(), false)
        .await
        .unwrap();
    assert_eq!(conflicting(&report), vec![], "{report:?}");
    let applied: Vec<&str> = report.applied_rows.iter().map(|r| r.requirement_id.as_str()).collect();
    assert_eq!(applied, ["GPCM-C-1", "GPCM-C-2", "GPCM-SD-056"], "{report:?}");
    assert_eq!(report.overwritten, 0);
    let answers: HashMap<String, Option<String>> = current_answers(&app, &product).await.into_iter().collect();
    assert_eq!(answers["GPCM-C-2"].as_deref(), Some("No"));

    // Imported once more as it is: nothing to do.
    let report = upload(&app, "admin@acme.example", &product, further, false)
        .await
        .unwrap();
    assert_eq!((report.applied, report.conflicts.len()), (0, 0), "{report:?}");

    // Someone else importing a copy of the same export is not the supplier carrying on with
    // their own file: the supplier's rows are conflicts for them.
    app.clock.advance(time::Duration::minutes(10));
    let colleague = completed(&app, &product, &stamp, &[("GPCM-C-1", "No", "Not yet", "")]).await;
    let report = upload(&app, "dev@acme.example", &product, colleague, false)
        .await
        .unwrap();
    assert_eq!(
        conflicting(&report),
        [
            ("GPCM-C-1", "admin@acme.example"),
            ("GPCM-C-2", "admin@acme.example"),
            ("GPCM-SD-056", "admin@acme.example")
        ],
        "{report:?}"
    );
}

/// After the export, another user of the organisation changes a row through the API: importing
/// the old workbook reports exactly that row. The same user changing a row through the API (as
/// through the form) after the export is a conflict too: their file does not know of it.
#[tokio::test]
async fn a_change_after_the_export_by_someone_else_or_through_another_path_is_a_conflict() {
    let app = TestApp::demo().await;
    let product = issued_product(&app).await;
    let (_, stamp) = download(&app, &product).await;

    app.clock.advance(time::Duration::minutes(10));
    save_through_api(
        &app,
        "dev@acme.example",
        &product,
        "GPCM-C-2",
        "No",
        "A colleague's reason",
    )
    .await;

    app.clock.advance(time::Duration::minutes(10));
    let mine = completed(
        &app,
        &product,
        &stamp,
        &[("GPCM-C-1", "Yes", "", ""), ("GPCM-C-2", "Yes", "", "")],
    )
    .await;
    let report = upload(&app, "admin@acme.example", &product, mine, false).await.unwrap();
    assert_eq!(conflicting(&report), [("GPCM-C-2", "dev@acme.example")], "{report:?}");
    assert_eq!(report.applied, 1, "{report:?}");

    // The supplier takes the colleague's answer into their file, and changes GPCM-C-1 (which
    // they imported) through the API before importing the file again.
    app.clock.advance(time::Duration::minutes(10));
    save_through_api(
        &app,
        "admin@acme.example",
        &product,
        "GPCM-C-1",
        "Yes",
        "Typed on the web",
    )
    .await;
    app.clock.advance(time::Duration::minutes(10));
    let again = completed(
        &app,
        &product,
        &stamp,
        &[
            ("GPCM-C-1", "Yes", "From the file", ""),
            ("GPCM-C-2", "No", "A colleague's reason", ""),
        ],
    )
    .await;
    let report = upload(&app, "admin@acme.example", &product, again, false)
        .await
        .unwrap();
    assert_eq!(conflicting(&report), [("GPCM-C-1", "admin@acme.example")], "{report:?}");
    assert_eq!((report.applied, report.unchanged), (0, 65), "{report:?}");
    let answers = scal_app::scals::view(app.app(), &actor(&app, "admin@acme.example").await, &product)
        .await
        .unwrap()
        .0;
    let c1 = answers[0]
        .requirements
        .iter()
        .find(|r| r.requirement.id == "GPCM-C-1")
        .unwrap();
    assert_eq!(c1.justification.as_deref(), Some("Typed on the web"), "left alone");
}

/// The download from the server: printable (landscape, one page wide, the header on every page)
/// and with rows as tall as their wrapped text, taller for longer text.
#[tokio::test]
async fn the_downloaded_workbook_prints_one_page_wide_and_sizes_rows_to_their_text() {
    use std::io::Read;

    let app = TestApp::demo().await;
    let product = issued_product(&app).await;
    let short = "Because.".to_string();
    let long = "Because ".repeat(60);
    let filled = completed(
        &app,
        &product,
        "2026-11-24T09:00:00Z",
        &[("GPCM-C-1", "Yes", &short, ""), ("GPCM-C-2", "Yes", &long, "")],
    )
    .await;
    upload(&app, "admin@acme.example", &product, filled, false)
        .await
        .unwrap();
    let (bytes, _) = download(&app, &product).await;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut part = |name: &str| {
        let mut xml = String::new();
        archive.by_name(name).unwrap().read_to_string(&mut xml).unwrap();
        xml
    };
    let workbook = part("xl/workbook.xml");
    let sheet = part("xl/worksheets/sheet1.xml");
    let height = |r: u32| -> Option<f64> {
        let start = sheet.find(&format!("<row r=\"{r}\""))?;
        let tag = &sheet[start..start + sheet[start..].find('>')?];
        let at = tag.find(" ht=\"")? + 5;
        assert!(tag.contains("customHeight=\"1\""), "{tag}");
        tag[at..at + tag[at..].find('"')?].parse().ok()
    };
    // GPCM-C-1 and GPCM-C-2 are rows 2 and 3.
    let (short_row, long_row) = (height(2).unwrap_or(15.0), height(3).unwrap());
    assert!(short_row < long_row, "{short_row} < {long_row}");
    assert!(long_row >= 13.0 * 15.0, "480 characters at 36 a line: {long_row}");

    let setup = &sheet[sheet.find("<pageSetup ").unwrap()..];
    let setup = &setup[..setup.find("/>").unwrap()];
    assert!(
        setup.contains("orientation=\"landscape\"") && setup.contains("fitToHeight=\"0\""),
        "{setup}"
    );
    // fitToWidth defaults to 1, and rust_xlsxwriter writes it only when it is not.
    assert!(
        !setup.contains("fitToWidth") || setup.contains("fitToWidth=\"1\""),
        "{setup}"
    );
    assert!(
        sheet.contains("<pageSetUpPr fitToPage=\"1\"/>"),
        "fit to page, in sheetPr"
    );
    assert!(
        workbook.contains(
            "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"0\">'scal-gpc-send-document'!$1:$1</definedName>"
        ) || workbook.contains(
            "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"0\">scal-gpc-send-document!$1:$1</definedName>"
        ),
        "{workbook}"
    );
}

/// The workbook a supplier holds is checked against what scal exported: one made for another
/// product is refused naming both, and rows deleted or levels edited in Excel are reported rather
/// than silently ignored.
#[tokio::test]
async fn an_edited_or_misdirected_workbook_is_reported_or_refused_through_the_api() {
    let app = TestApp::demo().await;
    let pas = app.product_id("Acme PAS").await;
    let referrals = app.product_id("Acme Referrals").await;
    let template = scal_app::templates::list(app.app(), &Actor::System).await.unwrap()[0]
        .0
        .id
        .clone();
    let reviewer = actor(&app, "reviewer@nhse.example").await;
    for product in [&pas, &referrals] {
        scal_app::scals::issue(app.app(), &reviewer, product, &template, None, app.now())
            .await
            .unwrap();
    }
    let supplier = actor(&app, "admin@acme.example").await;
    let token = app.token_for("admin@acme.example").await;
    let download = |product: String| {
        let (app, supplier) = (&app, &supplier);
        async move {
            let workbook = scal_app::scals::workbook(app.app(), supplier, &product, app.now())
                .await
                .unwrap();
            scal_workbook::read(&workbook.bytes, "x", Limits::default()).unwrap()
        }
    };
    let answer = |grids: &mut [scal_workbook::Grid], id: &str, column: usize, value: &str| {
        let row = grids
            .iter_mut()
            .flat_map(|g| g.rows.iter_mut())
            .find(|r| r.first().is_some_and(|c| c == id))
            .unwrap();
        row.resize(row.len().max(column + 1), String::new());
        row[column] = value.into();
    };

    // Acme Referrals' workbook, answered, uploaded to Acme PAS: refused, naming both products.
    let mut theirs = download(referrals.clone()).await;
    answer(&mut theirs, "GPCM-C-1", 12, "Yes");
    let (status, _, body) = app
        .api_upload(
            &format!("/api/v1/products/{pas}/answers/import"),
            &token,
            crate::support::xlsx_from_grids(&theirs),
        )
        .await;
    assert_eq!(status, axum::http::StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default().to_string();
    assert!(
        message.contains("exported for product \"Acme Referrals 1.0\"") && message.contains("not for \"Acme PAS 4.2\""),
        "{body}"
    );
    assert!(
        current_answers(&app, &pas).await.iter().all(|(_, r)| r.is_none()),
        "nothing applied"
    );

    // Acme PAS's own workbook with a row deleted and a level edited: applied, both reported.
    let mut mine = download(pas.clone()).await;
    answer(&mut mine, "GPCM-C-1", 12, "Yes");
    answer(&mut mine, "GPCM-C-1", 3, "MAY");
    // A red row with its target date, given offline in the exported column.
    for (column, value) in [(12, "No"), (13, "Why"), (14, "Plan"), (15, "30/06/2027")] {
        answer(&mut mine, "GPCM-SD-056", column, value);
    }
    for grid in &mut mine {
        grid.rows.retain(|r| r.first().is_none_or(|c| c != "GPCM-C-2"));
    }
    // ...and the sheet renamed: matched through the `_scal` record.
    mine.iter_mut()
        .find(|g| g.name == "scal-gpc-send-document")
        .unwrap()
        .name = "Our answers".into();
    let (status, _, body) = app
        .api_upload(
            &format!("/api/v1/products/{pas}/answers/import"),
            &token,
            crate::support::xlsx_from_grids(&mine),
        )
        .await;
    assert_eq!(status, axum::http::StatusCode::OK, "{body}");
    assert_eq!(body["applied"], 2, "{body}");
    let warnings = body["warnings"].as_array().unwrap();
    let named = |id: &str, says: &str| {
        warnings.iter().any(|w| {
            w["sheet"] == "scal-gpc-send-document"
                && w["requirement_id"] == id
                && w["message"].as_str().unwrap_or_default().contains(says)
        })
    };
    assert!(named("GPCM-C-2", "deleted from the workbook (it was row 3"), "{body}");
    assert!(named("GPCM-C-1", "Level edited to MAY"), "{body}");
    assert!(named("", "renamed \"Our answers\""), "{body}");
    assert_eq!(body["applied_rows"][0]["sheet"], "scal-gpc-send-document");
    let scal = scal_store::records::scals::scal_for_product(app.app().store.pool(), &pas)
        .await
        .unwrap()
        .unwrap();
    let stored = scal_store::records::scals::answers(&mut app.app().store.acquire().await.unwrap(), &scal)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.requirement_id == "GPCM-SD-056")
        .unwrap();
    assert_eq!(
        stored.target_date.as_deref(),
        Some("2027-06-30"),
        "read back, as a date"
    );

    // Without the `_scal` sheet the renamed sheet cannot be matched, and that is the reason given.
    mine.retain(|g| g.name != scal_workbook::METADATA_SHEET);
    let (status, _, body) = app
        .api_upload(
            &format!("/api/v1/products/{pas}/answers/import"),
            &token,
            crate::support::xlsx_from_grids(&mine),
        )
        .await;
    assert_eq!(status, axum::http::StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.to_string()
            .contains(r#"sheet \"Our answers\": not part of this product's SCAL (the workbook has no _scal sheet"#),
        "{body}"
    );
}

/// Declarations as people type them (`y`, ` NO `, `na`) are stored in the one spelling, `Yes`,
/// `No`, `N/A`, whichever path stores them: answer import, the API's single save, the page's form.
#[tokio::test]
async fn every_path_stores_declarations_in_one_spelling() {
    let app = TestApp::demo().await;
    let product = issued_product(&app).await;
    let stored = |answers: Vec<(String, Option<String>)>, id: &str| {
        answers
            .into_iter()
            .find(|(i, _)| i == id)
            .and_then(|(_, r)| r)
            .unwrap_or_default()
    };

    let (_, stamp) = download(&app, &product).await;
    let typed = completed(
        &app,
        &product,
        &stamp,
        &[
            ("GPCM-C-1", "y", "", ""),
            ("GPCM-C-2", " NO ", "Uses a partner's client", ""),
            ("GPCM-SD-028", "na", "Not used", ""),
        ],
    )
    .await;
    let report = upload(&app, "admin@acme.example", &product, typed, false)
        .await
        .unwrap();
    assert_eq!(report.applied, 3, "{report:?}");
    let answers = current_answers(&app, &product).await;
    assert_eq!(stored(answers.clone(), "GPCM-C-1"), "Yes");
    assert_eq!(stored(answers.clone(), "GPCM-C-2"), "No");
    assert_eq!(stored(answers, "GPCM-SD-028"), "N/A");

    save_through_api(&app, "admin@acme.example", &product, "GPCM-SD-056", " YES ", "").await;
    assert_eq!(stored(current_answers(&app, &product).await, "GPCM-SD-056"), "Yes");

    let supplier = actor(&app, "admin@acme.example").await;
    let sheet = scal_app::scals::sheets(app.app(), &supplier, &product).await.unwrap()[0]
        .record
        .clone();
    let session = app
        .sign_in("admin@acme.example", crate::support::PASSWORD)
        .await
        .unwrap();
    let page = app
        .page(
            Some(&session),
            axum::http::Method::POST,
            &format!("/scals/{}/sheets/{}/requirements/GPCM-C-1", sheet.scal_id, sheet.id),
            &[("answer", "n/a"), ("justification", "Not used")],
        )
        .await;
    assert_eq!(page.status, axum::http::StatusCode::SEE_OTHER, "{}", page.html);
    assert_eq!(stored(current_answers(&app, &product).await, "GPCM-C-1"), "N/A");
}

/// A formula never computed reads as empty; importing it would clear the stored answer. It is
/// refused naming the cell, and nothing is applied.
#[tokio::test]
async fn answer_import_refuses_a_formula_without_a_saved_value() {
    let app = TestApp::demo().await;
    let product = issued_product(&app).await;
    save_through_api(&app, "admin@acme.example", &product, "GPCM-C-1", "Yes", "").await;
    let before = current_answers(&app, &product).await;
    let (bytes, _) = download(&app, &product).await;
    let mut grids = scal_workbook::read(&bytes, "x", Limits::default()).unwrap();
    let sheet = &mut grids[0];
    let row = sheet
        .rows
        .iter_mut()
        .find(|r| r.first().is_some_and(|c| c == "GPCM-C-1"))
        .unwrap();
    row[12] = "<f>TODAY()</f>".into();
    let file = crate::support::xlsx_from_grids(&grids);
    let Err(AppError::Invalid(invalid)) = upload(&app, "admin@acme.example", &product, file, false).await else {
        panic!("refused")
    };
    let messages: Vec<String> = invalid.0.iter().map(|e| e.message.clone()).collect();
    assert_eq!(
        messages,
        ["sheet \"scal-gpc-send-document\", row 2, column M holds a formula with no saved value: open and save the workbook in Excel or LibreOffice"]
    );
    assert_eq!(current_answers(&app, &product).await, before, "nothing applied");
}

/// The answers are read back as one aggregated JSON value from the database (see
/// `records::scals::answers`): any text a supplier writes survives it exactly, on both databases,
/// and a SCAL with no answers (PostgreSQL's aggregate of no rows is NULL) reads as none.
#[tokio::test]
async fn answers_read_back_exactly_whatever_their_text() {
    let app = TestApp::demo().await;
    let product = issued_product(&app).await;
    let scal = scal_store::records::scals::scal_for_product(app.app().store.pool(), &product)
        .await
        .unwrap()
        .unwrap();
    let read = || async {
        scal_store::records::scals::answers(&mut app.app().store.acquire().await.unwrap(), &scal)
            .await
            .unwrap()
    };
    assert_eq!(read().await, Vec::new(), "none yet");
    let awkward = "Quotes \" ' and \\ backslashes \\\" , a tab\there,\nnew lines\r\n, \
                   unicode: café, 日本語, 🏥, a JSON look-alike: [\"x\", null, 1]";
    save_through_api(&app, "admin@acme.example", &product, "GPCM-C-1", "No", awkward).await;
    let answers = read().await;
    assert_eq!(answers.len(), 1, "{answers:?}");
    let answer = &answers[0];
    assert_eq!(answer.requirement_id, "GPCM-C-1");
    assert_eq!(answer.response.as_deref(), Some("No"));
    assert_eq!(answer.justification.as_deref(), Some(awkward));
    assert_eq!(answer.mitigation, None, "NULL stays None");
    assert_eq!(answer.imported_from, None);
    assert!(
        answer.updated_at > 1_700_000_000_000_000,
        "microseconds, exactly: {}",
        answer.updated_at
    );
    assert_eq!(read().await, answers, "the same on every read");
    let unknown = scal_store::records::scals::answers(
        &mut app.app().store.acquire().await.unwrap(),
        "00000000-0000-4000-8000-000000000000",
    )
    .await
    .unwrap();
    assert!(unknown.is_empty());
}
