//! SCAL templates: importing real NHS files, versions, publishing and differences, from the CLI
//! and the API.

use std::process::Command;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::Value;

use crate::support::{fixture, TestApp, TestDb};

fn scal(db: &TestDb, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_scal"))
        .args(["--data-dir"])
        .arg(db.data_dir())
        .args(["--database-url", &db.url])
        .args(args)
        .env("SCAL_LOG", "warn")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn the_cli_imports_both_real_send_document_files_and_diffs_versions() {
    let db = TestDb::fresh().await;
    let psv = fixture("scal-gpc-send-document.psv");
    let (code, out, err) = scal(
        &db,
        &[
            "template",
            "import",
            psv.to_str().unwrap(),
            "--name",
            "Send Document",
            "--publish",
            "--json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["template"]["name"], "Send Document");
    assert_eq!(report["template"]["version"], 1);
    assert_eq!(report["sheets"][0]["requirements"], 48);
    assert_eq!(report["sheets"][0]["kind"], "service");
    assert_eq!(
        report["diff"]["added"].as_array().unwrap().len(),
        48,
        "everything is new in version 1"
    );
    let id = report["template"]["id"].as_str().unwrap().to_string();

    // Version 2: the same table with one requirement changed, one removed and one added.
    let original = std::fs::read_to_string(&psv).unwrap();
    let edited: Vec<String> = original
        .lines()
        .filter(|l| !l.starts_with("GPCM-SD-096|"))
        .map(|l| {
            if l.starts_with("GPCM-C-1|") {
                l.replace("MESH MUST be used", "MESH SHOULD be used")
            } else {
                l.to_string()
            }
        })
        .chain(std::iter::once(
            "GPCM-SD-200|All|General||New systems MUST log every send|Logging||Logs".to_string(),
        ))
        .collect();
    let v2 = db.data_dir().join("send-document-v2.psv");
    std::fs::write(&v2, edited.join("\n")).unwrap();
    // The same name again is not a silent second template, nor a silent new version: the error
    // says which option adds the version.
    let (code, _, err) = scal(
        &db,
        &["template", "import", v2.to_str().unwrap(), "--name", "send document"],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!(
            "A template called Send Document already exists: import this file as its new version, or choose another name (to import it as a new version: --template {id})"
        )),
        "{err}"
    );
    let (code, out, err) = scal(&db, &["template", "import", v2.to_str().unwrap(), "--template", &id]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("as version 2 of template \"Send Document\" (draft)"),
        "{out}"
    );

    let (code, out, _) = scal(&db, &["template", "diff", "--template", &id, "--json"]);
    assert_eq!(code, 0);
    let diff: Value = serde_json::from_str(&out).unwrap();
    assert_eq!((diff["from"].as_i64(), diff["to"].as_i64()), (Some(1), Some(2)));
    let ids = |key: &str| {
        diff["diff"][key]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["requirement_id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids("added"), ["GPCM-SD-200"]);
    assert_eq!(ids("removed"), ["GPCM-SD-096"]);
    assert_eq!(ids("text_changed"), ["GPCM-C-1"]);
    assert_eq!(ids("level_changed"), ["GPCM-C-1"]);
    assert_eq!(diff["diff"]["level_changed"][0]["before"], "MUST");

    let (code, out, _) = scal(&db, &["template", "publish", "--template", &id, "--version", "2"]);
    assert_eq!(code, 0);
    assert!(out.contains("+ GPCM-SD-200"), "{out}");
    let (code, _, err) = scal(&db, &["template", "publish", "--template", &id, "--version", "2"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("already published; published versions never change"),
        "{err}"
    );

    let xlsx = fixture("scal-gpc-send-document.xlsx");
    let (code, out, err) = scal(&db, &["template", "import", xlsx.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        report["template"]["name"], "scal-gpc-send-document",
        "named after the file by default"
    );
    assert_eq!(report["sheets"][0]["name"], "Send Document");
    assert_eq!(report["sheets"][0]["requirements"], 48);
}

#[tokio::test]
async fn a_refused_file_names_sheet_row_and_column_and_stores_nothing() {
    let db = TestDb::fresh().await;
    let (code, _, err) = scal(
        &db,
        &["template", "import", fixture("cc_consumer.xlsx").to_str().unwrap()],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("sheet \"Sheet1\", row 20, column B: requirement ID \"C18\" appears twice"),
        "{err}"
    );
    let (code, out, _) = scal(&db, &["template", "list"]);
    assert_eq!(code, 0);
    assert_eq!(out.trim(), "", "nothing half-imported");
    let (code, _, err) = scal(
        &db,
        &[
            "template",
            "import",
            fixture("cc_consumer.xlsx").to_str().unwrap(),
            "--map",
            "id=A",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = scal(
        &db,
        &[
            "template",
            "import",
            fixture("scal-gpc-send-document.psv").to_str().unwrap(),
            "--map",
            "colour=B",
        ],
    );
    assert_eq!(code, 1);
    assert!(err.contains("unknown field \"colour\""), "{err}");
}

async fn upload(app: &TestApp, token: &str, query: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/templates/import?{query}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(Body::from(bytes))
        .unwrap();
    let (status, _, body) = app.send(request).await;
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn nhs_england_imports_through_the_api_and_suppliers_see_published_versions_only() {
    let app = TestApp::demo().await;
    let reviewer = app.token_for("reviewer@nhse.example").await;
    let supplier = app.token_for("admin@acme.example").await;
    let bytes = std::fs::read(fixture("scal-gpc-send-document.xlsx")).unwrap();

    let (status, body) = upload(&app, &supplier, "file_name=x.xlsx", bytes.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    let (status, body) = upload(
        &app,
        &reviewer,
        "file_name=send.xlsx&name=Draft%20only&service=GPC-SEND-DOC",
        bytes.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["status"], "draft");
    assert_eq!(body["sheets"][0]["requirements"], 48);
    let draft = body["template"]["id"].as_str().unwrap().to_string();

    let (status, _) = app
        .api(
            Method::GET,
            &format!("/api/v1/templates/{draft}"),
            Some(&supplier),
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "drafts are NHS England's work in progress"
    );
    let (_, list) = app.api(Method::GET, "/api/v1/templates", Some(&supplier), None).await;
    assert!(list.as_array().unwrap().iter().all(|t| t["id"] != draft.as_str()));

    let (status, diff) = app
        .api(
            Method::POST,
            &format!("/api/v1/templates/{draft}/versions/1/publish"),
            Some(&reviewer),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{diff}");
    assert_eq!(diff["diff"]["added"].as_array().unwrap().len(), 48);
    let (status, version) = app
        .api(
            Method::GET,
            &format!("/api/v1/templates/{draft}/versions/1"),
            Some(&supplier),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let first = &version["sheets"][0]["requirements"][0];
    assert_eq!(
        (first["id"].as_str(), first["level"].as_str()),
        (Some("GPCM-C-1"), Some("must"))
    );

    let (status, body) = upload(
        &app,
        &reviewer,
        "file_name=old.xls",
        vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "file");
    assert!(body["error"]["message"].as_str().unwrap().contains(".xls"), "{body}");

    let cc = std::fs::read(fixture("cc_consumer.xlsx")).unwrap();
    let (status, body) = upload(&app, &reviewer, "file_name=cc.xlsx", cc.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["error"]["fields"].as_array().unwrap().len(),
        3,
        "every problem is listed: {body}"
    );
    let (status, body) = upload(&app, &reviewer, "file_name=cc.xlsx&map=id%3DA", cc).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let nhse = app.token_for("admin@nhse.example").await;
    let (_, log) = app
        .api(Method::GET, "/api/v1/audit?kind=template.imported", Some(&nhse), None)
        .await;
    assert_eq!(
        log.as_array().unwrap().len(),
        3,
        "demo, draft and mapped imports are audited: {log}"
    );
}

#[tokio::test]
async fn oversized_uploads_and_zip_bombs_are_refused() {
    let app = TestApp::demo_with(scal_web::WebSettings {
        max_upload_bytes: 400 * 1024,
        max_workbook_uncompressed_bytes: 20_000,
        ..Default::default()
    })
    .await;
    let reviewer = app.token_for("reviewer@nhse.example").await;
    let (status, body) = upload(&app, &reviewer, "file_name=big.psv", vec![b'x'; 401 * 1024]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    let bytes = std::fs::read(fixture("GP_Connect_Req_Cat_Access_Record_Structured_Data_v2.4.xlsx")).unwrap();
    let (status, body) = upload(&app, &reviewer, "file_name=cat.xlsx", bytes).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("more than 20000 bytes"),
        "{body}"
    );
}

async fn ui_upload(
    app: &TestApp,
    session: &crate::support::Session,
    csrf: &str,
    file: Option<(&str, &[u8])>,
    fields: &[(&str, &str)],
) -> crate::support::Page {
    let mut with_token = vec![("_csrf", csrf)];
    with_token.extend_from_slice(fields);
    app.multipart(session, "/templates", file, &with_token).await
}

#[tokio::test]
async fn the_upload_form_imports_reports_and_refuses_with_an_error_summary() {
    let app = TestApp::demo().await;
    let session = app
        .sign_in("reviewer@nhse.example", crate::support::PASSWORD)
        .await
        .unwrap();
    let bytes = std::fs::read(fixture("GPConnectMessaging-BusinessRequirements.xlsx")).unwrap();

    let forged = ui_upload(&app, &session, "guess", Some(("br.xlsx", &bytes)), &[]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "the token in the form is checked");

    let page = ui_upload(
        &app,
        &session,
        &session.csrf,
        Some(("br.xlsx", &bytes)),
        &[
            ("template_id", "new"),
            ("name", ""),
            ("service", "GPC-SEND-DOC"),
            ("map", ""),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("Imported version 1"));
    assert!(
        page.html.contains("9 requirements on a service sheet, header in row 4"),
        "{}",
        page.html
    );
    assert!(
        page.html.contains("Skipped: "),
        "non-requirement sheets are listed as skipped"
    );

    let cc = std::fs::read(fixture("cc_consumer.xlsx")).unwrap();
    let page = ui_upload(&app, &session, &session.csrf, Some(("cc.xlsx", &cc)), &[("name", "CC")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("There is a problem"));
    assert!(
        page.html.contains("sheet &quot;Sheet1&quot;, row 20, column B"),
        "{}",
        page.html
    );

    let page = ui_upload(&app, &session, &session.csrf, None, &[("name", "Nothing")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("Choose a file to import"));
}

#[tokio::test]
async fn an_exported_template_reads_back_through_check_and_import() {
    let app = TestApp::demo().await;
    let supplier = app.token_for("admin@acme.example").await;
    let (_, list) = app.api(Method::GET, "/api/v1/templates", Some(&supplier), None).await;
    let id = list[0]["id"].as_str().unwrap().to_string();
    let request = Request::builder()
        .uri(format!("/api/v1/templates/{id}/versions/1/export"))
        .header(header::AUTHORIZATION, format!("Bearer {supplier}"))
        .body(Body::empty())
        .unwrap();
    let (status, headers, bytes) = app.send(request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .contains("GP-Connect--Send-Document-v1.xlsx"));

    // What the supplier downloads is a real workbook that scal reads back exactly.
    let grids = scal_workbook::read(&bytes, "x", scal_workbook::Limits::default()).unwrap();
    let names: Vec<&str> = grids.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["scal-gpc-send-document", "_scal"]);
    let (sheets, _) = scal_workbook::import(&grids, &scal_workbook::ImportOptions::default()).unwrap();
    let (_, version) = app
        .api(
            Method::GET,
            &format!("/api/v1/templates/{id}/versions/1"),
            Some(&supplier),
            None,
        )
        .await;
    let stored: Vec<scal_domain::template::Requirement> =
        serde_json::from_value(version["sheets"][0]["requirements"].clone()).unwrap();
    let exported: Vec<_> = sheets[0].rows.iter().map(|r| r.requirement.clone()).collect();
    assert_eq!(exported, stored);

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("blank.xlsx");
    std::fs::write(&file, &bytes).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_scal"))
        .args(["check", "--json"])
        .arg(&file)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(1), "a blank SCAL is not ready");
    assert_eq!(report["sheets"][0]["requirements"], 48);
    assert_eq!(report["sheets"][0]["answered"], 0);
}

/// The workbook's own structure, read from its XML: locked and unlocked cells, the drop-down,
/// the conditional formats, protection, frozen header and hidden metadata.
#[tokio::test]
async fn the_exported_workbook_is_protected_with_dropdowns_and_colour_rules() {
    let db = TestDb::fresh().await;
    let psv = fixture("scal-gpc-send-document.psv");
    let (code, out, err) = scal(
        &db,
        &["template", "import", psv.to_str().unwrap(), "--publish", "--json"],
    );
    assert_eq!(code, 0, "{err}");
    let id = serde_json::from_str::<Value>(&out).unwrap()["template"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let file = db.data_dir().join("out.xlsx");
    let (code, _, err) = scal(&db, &["export", "--template", &id, "--out", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(std::fs::read(&file).unwrap())).unwrap();
    let mut part = |name: &str| {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut archive.by_name(name).unwrap(), &mut text).unwrap();
        text
    };
    let xml = part("xl/worksheets/sheet1.xml") + &part("xl/workbook.xml");
    assert!(xml.contains("<sheetProtection"), "the sheet is protected");
    assert!(!xml.contains("password="), "without a password");
    assert!(xml.contains("<pane ySplit=\"1\""), "the header is frozen");
    assert!(xml.contains("<autoFilter"), "the header is filtered");
    assert!(
        xml.contains("<dataValidation") && xml.contains("\"Yes,No,N/A\""),
        "Yes/No/N/A drop-down"
    );
    assert!(
        xml.contains("OR(UPPER($D2)=\"MUST\",UPPER($D2)=\"MUST NOT\")") && xml.contains("=\"NO\""),
        "red for No to a MUST"
    );
    assert_eq!(xml.matches("<cfRule").count(), 3, "red, amber and green");
    assert!(xml.contains("state=\"hidden\""), "the metadata sheet is hidden");
}

/// On a terminal the CLI draws a progress bar; in pipes and logs it draws nothing.
#[tokio::test]
async fn long_imports_show_a_progress_bar_on_a_terminal_only() {
    let db = TestDb::fresh().await;
    let file = fixture("scal-gpc-send-document.xlsx");
    let command = format!(
        "{} --data-dir {} --database-url '{}' template import {} --name Bar",
        env!("CARGO_BIN_EXE_scal"),
        db.data_dir().display(),
        db.url,
        file.display()
    );
    // `script` (util-linux) runs the command on a pseudo-terminal.
    let output = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("SCAL_LOG", "warn")
        .output()
        .unwrap();
    let seen = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{seen}");
    assert!(seen.contains("[##############################] 3/3 Imported"), "{seen}");
    let (code, _, err) = scal(&db, &["template", "import", file.to_str().unwrap(), "--name", "NoBar"]);
    assert_eq!(code, 0);
    assert!(!err.contains("3/3"), "no bar without a terminal: {err}");
}

/// A sheet whose cells span far more than a SCAL needs is refused as a field error naming the
/// sheet and its range, in the API and on the upload page, and the server goes on serving (before
/// the sheet cap the first file aborted the whole process).
#[tokio::test]
async fn a_sheet_spanning_more_than_a_scal_needs_is_refused_and_the_server_keeps_serving() {
    let app = TestApp::demo().await;
    let reviewer = app.token_for("reviewer@nhse.example").await;
    let session = app
        .sign_in("reviewer@nhse.example", crate::support::PASSWORD)
        .await
        .unwrap();
    for (bytes, range) in [
        (crate::support::whole_sheet_xlsx(), "A1:XFD1048576"),
        (crate::support::tall_sheet_xlsx(), "A1:Z400000"),
    ] {
        let (status, body) = upload(&app, &reviewer, "file_name=hostile.xlsx", bytes.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["field"], "file");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("sheet \"Requirements\" spans {range}")),
            "{message}"
        );
        assert!(message.contains("a SCAL sheet can have at most"), "{message}");

        let page = ui_upload(
            &app,
            &session,
            &session.csrf,
            Some(("hostile.xlsx", &bytes)),
            &[("name", "H")],
        )
        .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.html.contains("There is a problem"));
        assert!(
            page.html
                .contains(&format!("sheet &quot;Requirements&quot; spans {range}")),
            "{}",
            page.html
        );
    }
    let (status, templates) = app.api(Method::GET, "/api/v1/templates", Some(&reviewer), None).await;
    assert_eq!(status, StatusCode::OK, "still serving");
    assert_eq!(
        templates.as_array().map(Vec::len),
        Some(1),
        "only the demo's template: {templates}"
    );
}

/// Workbook parsing runs behind its gate: with the only parser busy, an upload waits briefly and
/// is then told to come back (503 with Retry-After), on the API and the upload page; once the
/// parser is free the same upload goes through.
#[tokio::test]
async fn a_workbook_upload_beyond_the_parsing_limit_gets_503_with_retry_after() {
    let app = TestApp::demo_with_app(scal_web::WebSettings::default(), |settings| {
        settings.workbook_parsers = 1;
        settings.busy_queue_wait = std::time::Duration::from_millis(20);
    })
    .await;
    let reviewer = app.token_for("reviewer@nhse.example").await;
    let session = app
        .sign_in("reviewer@nhse.example", crate::support::PASSWORD)
        .await
        .unwrap();
    let bytes = std::fs::read(fixture("scal-gpc-send-document.psv")).unwrap();

    let gate = app.app().gates.workbook.clone();
    let (release, wait) = std::sync::mpsc::channel::<()>();
    let holder = tokio::spawn(async move { gate.run(move || wait.recv().is_ok()).await });
    while app.app().gates.workbook.available() > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }

    let (status, headers, body) = app
        .api_upload("/api/v1/templates/import?file_name=busy.psv", &reviewer, bytes.clone())
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let retry_after: u64 = headers[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!(retry_after > 0);
    assert_eq!(body["error"]["code"], "unavailable");
    let page = ui_upload(
        &app,
        &session,
        &session.csrf,
        Some(("busy.psv", &bytes)),
        &[("name", "Busy")],
    )
    .await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.headers.contains_key(header::RETRY_AFTER));

    release.send(()).unwrap();
    assert!(matches!(holder.await, Ok(Ok(true))));
    let (status, _, body) = app
        .api_upload("/api/v1/templates/import?file_name=busy.psv", &reviewer, bytes)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// The import report says which header became which field and how, and which were ignored, in
/// the CLI's text and `--json`.
#[tokio::test]
async fn the_import_report_names_each_column_mapping_and_the_ignored_headers() {
    let db = TestDb::fresh().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("own-layout.xlsx");
    std::fs::write(
        &file,
        crate::support::xlsx_with_cells(
            "Requirements",
            &[
                ("A1", "Ref"),
                ("B1", "Requirement wording"),
                ("C1", "Level of obligation"),
                ("D1", "Compliant (Yes/No/N/A)"),
                ("E1", "Owner"),
                ("A2", "R-1"),
                ("B2", "The system MUST trace patients"),
                ("C2", "MUST"),
            ],
        ),
    )
    .unwrap();
    let (code, out, err) = scal(&db, &["template", "import", file.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let sheet = &report["sheets"][0];
    let columns: Vec<String> = sheet["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {} {}",
                c["column"].as_str().unwrap(),
                c["field"].as_str().unwrap(),
                c["recognised_by"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        columns,
        ["A id exact", "B text words", "C level words", "D response words"]
    );
    assert_eq!(
        sheet["ignored"],
        serde_json::json!([{"column": "E", "header": "Owner"}])
    );

    let (code, out, err) = scal(
        &db,
        &["template", "import", file.to_str().unwrap(), "--name", "Text form"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(r#"header row 1, columns A "Ref" as id, B "Requirement wording" as text (by its words), C "Level of obligation" as level (by its words), D "Compliant (Yes/No/N/A)" as response (by its words); ignored E "Owner""#),
        "{out}"
    );
}

async fn demo_template_id(app: &TestApp) -> String {
    scal_app::templates::list(app.app(), &scal_app::Actor::System)
        .await
        .unwrap()
        .into_iter()
        .find(|(t, _)| t.name == "GP Connect: Send Document")
        .unwrap()
        .0
        .id
}

/// The checked radio of the import form's "What is this file?" question, by its label.
fn checked_target(html: &str) -> Option<String> {
    let input = html
        .split("<input")
        .find(|i| i.contains(r#"name="template_id""#) && i.contains("checked"))?;
    let id = input.split(r#"id=""#).nth(1)?.split('"').next()?;
    let label = html.split(&format!(r#"for="{id}">"#)).nth(1)?.split('<').next()?;
    Some(label.to_string())
}

/// A file for a service that has a template, or named like one, is offered (and by default
/// imported) as that template's new version; choosing "a new template" with an existing name is
/// refused, naming the template, on the page and in the API.
#[tokio::test]
async fn importing_a_template_that_exists_offers_and_defaults_to_its_new_version() {
    let app = TestApp::demo().await;
    let session = app
        .sign_in("reviewer@nhse.example", crate::support::PASSWORD)
        .await
        .unwrap();
    let template = demo_template_id(&app).await;
    let psv = std::fs::read(fixture("scal-gpc-send-document.psv")).unwrap();

    let form = app.page(Some(&session), Method::GET, "/templates", &[]).await;
    assert!(form.html.contains("What is this file?"), "{}", form.html);
    assert!(form.html.contains("A new version of GP Connect: Send Document"));
    assert!(form.html.contains("For GP Connect: Send Document (GPC-SEND-DOC)"));
    assert!(form.html.contains("A new template"));
    assert_eq!(checked_target(&form.html), None, "nothing known yet, nothing chosen");
    for query in [
        format!("/templates?template_id={template}"),
        "/templates?service=GPC-SEND-DOC".to_string(),
    ] {
        let form = app.page(Some(&session), Method::GET, &query, &[]).await;
        assert_eq!(
            checked_target(&form.html).as_deref(),
            Some("A new version of GP Connect: Send Document"),
            "{query}"
        );
    }

    // Unchosen, a file for the template's service becomes its version 2.
    let page = ui_upload(
        &app,
        &session,
        &session.csrf,
        Some(("send-document-2026.psv", &psv)),
        &[("service", "GPC-SEND-DOC")],
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("Imported version 2"), "{}", page.html);
    assert!(page.html.contains("GP Connect: Send Document"));

    // Chosen explicitly, whatever the name says.
    let page = ui_upload(
        &app,
        &session,
        &session.csrf,
        Some(("anything.psv", &psv)),
        &[("template_id", &template), ("name", "ignored")],
    )
    .await;
    assert!(page.html.contains("Imported version 3"), "{}", page.html);

    // "A new template" named like an existing one: refused, naming it, and the form comes back
    // with its new version chosen.
    let page = ui_upload(
        &app,
        &session,
        &session.csrf,
        Some(("send.psv", &psv)),
        &[("template_id", "new"), ("name", "gp connect: send document")],
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("There is a problem"));
    assert!(
        page.html.contains(
            "A template called GP Connect: Send Document already exists: import this file as its new version, or choose another name"
        ),
        "{}",
        page.html
    );
    assert!(page.html.contains(r##"href="#name""##), "the summary links to the name");
    assert_eq!(
        checked_target(&page.html).as_deref(),
        Some("A new version of GP Connect: Send Document")
    );

    let reviewer = app.token_for("reviewer@nhse.example").await;
    let (status, body) = upload(
        &app,
        &reviewer,
        "file_name=send.psv&name=GP%20Connect%3A%20Send%20Document",
        psv.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "name");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("A template called GP Connect: Send Document already exists"),
        "{body}"
    );
    let (status, body) = upload(
        &app,
        &reviewer,
        &format!("file_name=send.psv&template_id={template}"),
        psv.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        (body["template"]["id"].as_str(), body["template"]["version"].as_i64()),
        (Some(template.as_str()), Some(4))
    );
    let (status, body) = upload(&app, &reviewer, "file_name=send.psv&template_id=nope", psv).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "template_id");

    let (_, list) = app.api(Method::GET, "/api/v1/templates", Some(&reviewer), None).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "still one template: {list}");
}

/// Publishing asks first, from the version page, and says it was done.
#[tokio::test]
async fn publishing_asks_for_confirmation_from_the_version_page_and_shows_a_banner() {
    let app = TestApp::demo().await;
    let session = app
        .sign_in("reviewer@nhse.example", crate::support::PASSWORD)
        .await
        .unwrap();
    let template = demo_template_id(&app).await;
    let psv = std::fs::read(fixture("scal-gpc-send-document.psv")).unwrap();
    let edited: String = String::from_utf8(psv)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("GPCM-SD-096|"))
        .map(|l| format!("{l}\n"))
        .collect();
    let page = ui_upload(
        &app,
        &session,
        &session.csrf,
        Some(("v2.psv", edited.as_bytes())),
        &[("template_id", &template)],
    )
    .await;
    assert!(page.html.contains("Imported version 2"), "{}", page.html);

    let confirm = format!("/templates/{template}/versions/2/publish");
    let version = app
        .page(
            Some(&session),
            Method::GET,
            &format!("/templates/{template}/versions/2"),
            &[],
        )
        .await;
    assert!(
        version
            .html
            .contains(&format!(r#"href="{confirm}">Publish version 2</a>"#)),
        "{}",
        version.html
    );
    let diff = app
        .page(
            Some(&session),
            Method::GET,
            &format!("/templates/{template}/diff?to=2"),
            &[],
        )
        .await;
    assert!(
        diff.html.contains(&format!(r#"href="{confirm}""#)),
        "and from its changes"
    );
    let versions = app
        .page(Some(&session), Method::GET, &format!("/templates/{template}"), &[])
        .await;
    assert!(
        versions.html.contains(&format!(r#"href="{confirm}""#)),
        "and from the list"
    );

    let question = app.page(Some(&session), Method::GET, &confirm, &[]).await;
    assert_eq!(question.status, StatusCode::OK, "{}", question.html);
    assert!(question
        .html
        .contains(r#"<h1 class="nhsuk-heading-xl">Publish version 2 of GP Connect: Send Document?</h1>"#));
    assert!(question
        .html
        .contains("A published version can never change. Suppliers can then be issued it."));
    assert!(question.html.contains("0 added, 1 removed"), "{}", question.html);
    assert!(question
        .html
        .contains(&format!(r#"<form method="post" action="{confirm}""#)));

    let published = app.page(Some(&session), Method::POST, &confirm, &[]).await;
    assert_eq!(published.status, StatusCode::SEE_OTHER);
    let landed = app.follow(&session, &published).await;
    assert!(
        landed.html.contains("The version has been published"),
        "{}",
        landed.html
    );
    assert!(landed.html.contains("GPCM-SD-096"), "the changes it published");
    assert!(
        !landed.html.contains(&format!(r#"href="{confirm}""#)),
        "nothing left to publish"
    );

    let again = app.page(Some(&session), Method::GET, &confirm, &[]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.html.contains("already published"), "{}", again.html);
    let supplier = app
        .sign_in("admin@acme.example", crate::support::PASSWORD)
        .await
        .unwrap();
    let version = app
        .page(
            Some(&supplier),
            Method::GET,
            &format!("/templates/{template}/versions/2"),
            &[],
        )
        .await;
    assert!(!version.html.contains("/publish"), "suppliers cannot publish");
}

/// The template page names its service, linked to the catalogue; requirement IDs sit whole in
/// code elements inside the scrolling table region (nowrap there, so never cut mid-word).
#[tokio::test]
async fn the_template_page_names_its_service_and_ids_are_whole() {
    let app = TestApp::demo().await;
    let session = app
        .sign_in("admin@acme.example", crate::support::PASSWORD)
        .await
        .unwrap();
    let template = demo_template_id(&app).await;
    let page = app
        .page(Some(&session), Method::GET, &format!("/templates/{template}"), &[])
        .await;
    assert!(
        page.html.contains(
            r##"<a href="/services#service-GPC-SEND-DOC">GP Connect: Send Document</a> <code>(GPC-SEND-DOC)</code>"##
        ),
        "{}",
        page.html
    );
    assert!(!page.html.contains("Import a new version"), "only for NHS England");
    let services = app.page(Some(&session), Method::GET, "/services", &[]).await;
    assert!(services.html.contains(r#"id="service-GPC-SEND-DOC""#));

    let version = app
        .page(
            Some(&session),
            Method::GET,
            &format!("/templates/{template}/versions/1"),
            &[],
        )
        .await;
    let table = version.html.split(r#"<div class="scal-table""#).nth(1).unwrap();
    assert!(
        table.contains(r#"<td class="nhsuk-table__cell"><code>GPCM-SD-096</code></td>"#),
        "{table}"
    );
    let css = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../scal-web/assets/scal.css")).unwrap();
    assert!(css.contains(".scal-table code { white-space: nowrap; }"));

    let reviewer = app
        .sign_in("reviewer@nhse.example", crate::support::PASSWORD)
        .await
        .unwrap();
    let page = app
        .page(Some(&reviewer), Method::GET, &format!("/templates/{template}"), &[])
        .await;
    assert!(page.html.contains(&format!(
        r##"href="/templates?template_id={template}#import">Import a new version</a>"##
    )));
}
