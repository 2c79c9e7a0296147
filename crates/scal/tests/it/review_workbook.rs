//! Reviewing a round offline: NHS England downloads the round as a workbook (the supplier's
//! answers locked, verdict, decision, comments and conditions open with drop-downs), fills it in
//! with a spreadsheet library (openpyxl, as a reviewer's own tooling would) and uploads it back:
//! matched by requirement ID, all or nothing, every invalid value named by sheet, row and column.
//!
//! The edits need Python 3 with openpyxl; without it these tests are skipped unless
//! `SCAL_OPENPYXL=required` (CI sets it).

use std::io::Read as _;
use std::process::Command;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};

use crate::onboarding_pages::submitted_scal_with;
use crate::support::{TestApp, PASSWORD};

const SUPPLIER: &str = "admin@acme.example";
const REVIEWER: &str = "reviewer@nhse.example";
const RED: &str = "GPCM-C-1";
/// A SHOULD answered No, with its justification: amber.
const AMBER: &str = "GPCM-SD-032";
const GREEN: &str = "GPCM-C-2";

const VERDICT: &str = "NHS England verdict";
const DECISION: &str = "Decision (red items)";
const COMMENTS: &str = "NHS England comments";
const CONDITIONS: &str = "Conditions (one per line: text | YYYY-MM-DD)";

/// The Python with openpyxl: `SCAL_PYTHON` (CI names the one its package manager installed it
/// for, which a version manager's `python3` on PATH may not be), else `python3`.
fn python() -> String {
    std::env::var("SCAL_PYTHON")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "python3".into())
}

/// Whether openpyxl can be used; panics if it is required and cannot.
fn openpyxl() -> bool {
    let found = Command::new(python())
        .args(["-c", "import openpyxl"])
        .status()
        .is_ok_and(|s| s.success());
    if !found && std::env::var("SCAL_OPENPYXL").as_deref() == Ok("required") {
        panic!("SCAL_OPENPYXL=required but {} cannot import openpyxl", python());
    }
    if !found {
        eprintln!("skipped: python3 with openpyxl is not installed");
    }
    found
}

fn script() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/review_workbook.py")
}

/// The workbook edited by openpyxl (`edits` as `review_workbook.py` takes them).
fn edit(bytes: &[u8], edits: Value) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in.xlsx"), dir.path().join("out.xlsx"));
    std::fs::write(&input, bytes).unwrap();
    let run = Command::new(python())
        .arg(script())
        .arg("edit")
        .arg(&input)
        .arg(&output)
        .arg(edits.to_string())
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    std::fs::read(output).unwrap()
}

/// openpyxl's reading of each sheet: protection, list validations, row 2's locked cells.
fn describe(bytes: &[u8]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.xlsx");
    std::fs::write(&input, bytes).unwrap();
    let run = Command::new(python())
        .arg(script())
        .arg("describe")
        .arg(&input)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    serde_json::from_slice(&run.stdout).unwrap()
}

fn set(id: &str, column: &str, value: &str) -> Value {
    json!({"id": id, "column": column, "value": value})
}

/// Acme PAS submitted with a red item (explained and mitigated) and an amber one (justified).
async fn submitted_round(app: &TestApp) -> String {
    let scal = submitted_scal_with(
        app,
        "Acme PAS",
        SUPPLIER,
        &[
            (
                RED,
                "No",
                "MESH mailbox pending",
                "Documents sent by secure email meanwhile",
                "2027-03-31",
            ),
            (AMBER, "No", "Our system does not hold it", "", ""),
        ],
    )
    .await;
    let view = scal_app::scals::view_scal(app.app(), &scal_app::Actor::System, &scal)
        .await
        .unwrap();
    view.rounds.last().unwrap().id.clone()
}

/// A GET with a bearer token: status, headers and raw bytes.
async fn download(app: &TestApp, path: &str, token: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let request = Request::builder()
        .method(Method::GET)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    app.send(request).await
}

async fn upload(app: &TestApp, submission: &str, token: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(Method::PUT)
        .uri(format!("/api/v1/submissions/{submission}/review/workbook"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(Body::from(bytes))
        .unwrap();
    let (status, _, body) = app.send(request).await;
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

async fn workbook(app: &TestApp, submission: &str, token: &str) -> Vec<u8> {
    let (status, headers, bytes) =
        download(app, &format!("/api/v1/submissions/{submission}/review/workbook"), token).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&bytes));
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    bytes
}

fn item<'a>(review: &'a Value, id: &str) -> &'a Value {
    review["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["requirement_id"] == id)
        .unwrap_or_else(|| panic!("{id} in {review}"))
}

/// Every item's verdict, by requirement ID (the round's IDs are unique across its sheets here).
fn verdicts(review: &Value) -> Vec<(String, Value)> {
    review["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["requirement_id"].as_str().unwrap().to_string(), i["verdict"].clone()))
        .collect()
}

/// Where a requirement is in the workbook: (sheet name as written, 1-based row).
fn place(bytes: &[u8], id: &str) -> (String, usize) {
    let grids = scal_workbook::read(bytes, "x", scal_workbook::Limits::default()).unwrap();
    for grid in grids.iter().filter(|g| g.name != "_review") {
        if let Some(i) = grid.rows.iter().position(|r| r.first().is_some_and(|c| c == id)) {
            return (grid.name.clone(), grid.first_row + i);
        }
    }
    panic!("{id} not in the workbook");
}

async fn audit_count(app: &TestApp) -> usize {
    let filter = scal_store::records::AuditFilter {
        kind: Some("review.verdict_recorded".into()),
        limit: 100_000,
        ..Default::default()
    };
    scal_store::records::audit::list(app.app().store.pool(), &filter)
        .await
        .unwrap()
        .len()
}

fn zip_part(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    archive.by_name(name).unwrap().read_to_string(&mut xml).unwrap();
    xml
}

#[tokio::test]
async fn the_workbook_locks_the_suppliers_answers_and_offers_the_verdicts_each_item_allows() {
    let app = TestApp::demo().await;
    let reviewer = app.token_for(REVIEWER).await;
    let round = submitted_round(&app).await;
    let bytes = workbook(&app, &round, &reviewer).await;
    let (red_sheet, red_row) = place(&bytes, RED);
    let (amber_sheet, amber_row) = place(&bytes, AMBER);
    assert_eq!(red_sheet, amber_sheet, "one service sheet");

    // As the file says it (the sheet XML), whatever reads it.
    let workbook_xml = zip_part(&bytes, "xl/workbook.xml");
    let sheets: Vec<&str> = workbook_xml
        .split("<sheet ")
        .skip(1)
        .map(|s| s.split("name=\"").nth(1).unwrap().split('"').next().unwrap())
        .collect();
    let n = sheets.iter().position(|s| *s == red_sheet).unwrap() + 1;
    let xml = zip_part(&bytes, &format!("xl/worksheets/sheet{n}.xml"));
    assert!(xml.contains("<sheetProtection "), "{xml}");
    assert!(!xml.contains("password="), "protected without a password");
    assert!(
        xml.contains(&format!(
            "sqref=\"K{red_row}\"><formula1>\"Agreed,Agreed with conditions,Not agreed\"</formula1>"
        )),
        "a decision drop-down on the red row: {xml}"
    );
    assert_eq!(xml.matches("<formula1>\"Agreed,").count(), 1, "and on no other row");
    assert!(xml.contains("<formula1>\"Accepted,Query,Not accepted\"</formula1>"));
    assert!(xml.contains(&format!(
        "sqref=\"J{amber_row}\"><formula1>\"Accepted,Query\"</formula1>"
    )));
    assert!(zip_part(&bytes, "xl/workbook.xml").contains("_xlnm.Print_Titles"));

    if !openpyxl() {
        return;
    }
    let described = describe(&bytes);
    let red = &described[&red_sheet];
    assert_eq!(red["protected"], true, "{described}");
    for column in ["ID", "Requirement", "Answer", "Justification", "Mitigation", "RAG"] {
        assert_eq!(red["locked"][column], true, "{column}: {described}");
    }
    for column in [VERDICT, DECISION, COMMENTS, CONDITIONS] {
        assert_eq!(red["locked"][column], false, "{column}: {described}");
    }
    assert_eq!(described["_review"]["hidden"], true);
    let lists: Vec<String> = red["validations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| format!("{} {}", v["range"].as_str().unwrap(), v["list"].as_str().unwrap()))
        .collect();
    assert!(lists.contains(&format!("J{amber_row} \"Accepted,Query\"")), "{lists:?}");
}

#[tokio::test]
async fn a_reviewed_workbook_round_trips_matched_by_id_and_all_or_nothing() {
    if !openpyxl() {
        return;
    }
    let app = TestApp::demo().await;
    let reviewer = app.token_for(REVIEWER).await;
    let round = submitted_round(&app).await;
    let review_path = format!("/api/v1/submissions/{round}/review");

    // Untouched (only opened and saved by openpyxl): nothing changes.
    let bytes = workbook(&app, &round, &reviewer).await;
    let (status, body) = upload(&app, &round, &reviewer, edit(&bytes, json!([]))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["recorded"].as_u64(), body["unchanged"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(audit_count(&app).await, 0);

    // Filled in: stored exactly, each audited. The red item agreed with two conditions.
    let (sheet, red_row) = place(&bytes, RED);
    let filled = edit(
        &bytes,
        json!([
            set(GREEN, VERDICT, "Accepted"),
            set(AMBER, VERDICT, "Query"),
            set(AMBER, COMMENTS, "Which system holds it, then?"),
            set(RED, VERDICT, "Accepted"),
            set(RED, DECISION, "Agreed with conditions"),
            set(RED, COMMENTS, "Secure email is acceptable for now."),
            set(
                RED,
                CONDITIONS,
                "Go live with MESH | 2027-03-31\nRe-test sending | 31/05/2027"
            ),
        ]),
    );
    let (status, body) = upload(&app, &round, &reviewer, filled.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["recorded"], 3);
    let (_, review) = app.api(Method::GET, &review_path, Some(&reviewer), None).await;
    assert_eq!(item(&review, GREEN)["verdict"]["verdict"], "accepted");
    assert_eq!(item(&review, GREEN)["verdict"]["comment"], Value::Null);
    assert_eq!(item(&review, AMBER)["verdict"]["verdict"], "query");
    assert_eq!(
        item(&review, AMBER)["verdict"]["comment"],
        "Which system holds it, then?"
    );
    let red = &item(&review, RED)["verdict"];
    assert_eq!(red["verdict"], "accepted");
    assert_eq!(red["decision"], "agreed_with_conditions");
    assert_eq!(red["comment"], "Secure email is acceptable for now.");
    assert_eq!(
        red["conditions"],
        json!([
            {"text": "Go live with MESH", "due_date": "2027-03-31"},
            {"text": "Re-test sending", "due_date": "2027-05-31"},
        ])
    );
    assert_eq!(audit_count(&app).await, 3, "audited like any verdict");
    assert_eq!(body["review"]["items"], review["items"], "the response is the review");

    // The same file again, and a fresh download untouched: nothing recorded twice.
    let before = verdicts(&review);
    let (status, body) = upload(&app, &round, &reviewer, filled).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("after this workbook was downloaded"),
        "the old file was edited over verdicts recorded since: {body}"
    );
    let fresh = workbook(&app, &round, &reviewer).await;
    let (status, body) = upload(&app, &round, &reviewer, edit(&fresh, json!([]))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["recorded"].as_u64(), body["unchanged"].as_u64()),
        (Some(0), Some(3))
    );
    let (_, review) = app.api(Method::GET, &review_path, Some(&reviewer), None).await;
    assert_eq!(verdicts(&review), before);
    assert_eq!(audit_count(&app).await, 3);

    // Invalid values: every one named by sheet, row and column, nothing stored.
    let (_, green_row) = place(&fresh, GREEN);
    let (_, amber_row) = place(&fresh, AMBER);
    let bad = edit(
        &fresh,
        json!([
            set(AMBER, VERDICT, "Not accepted"),
            set(GREEN, DECISION, "Agreed"),
            set(
                RED,
                CONDITIONS,
                "Go live with MESH | 2026-01-31\nRe-test sending | soon"
            ),
        ]),
    );
    let (status, body) = upload(&app, &round, &reviewer, bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let problems: Vec<(String, String)> = body["error"]["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expect = [
        (
            format!("'{sheet}'!J{amber_row}"),
            format!("Sheet '{sheet}', row {amber_row}, column J (NHS England verdict): Accept or query an amber item"),
        ),
        (
            format!("'{sheet}'!K{green_row}"),
            format!("Sheet '{sheet}', row {green_row}, column K (Decision (red items)): Only a red item takes a decision"),
        ),
        (
            format!("'{sheet}'!M{red_row}"),
            format!("Sheet '{sheet}', row {red_row}, column M (Conditions (one per line: text | YYYY-MM-DD)): line 1: Condition 1 cannot be due in the past"),
        ),
        (
            format!("'{sheet}'!M{red_row}"),
            format!("Sheet '{sheet}', row {red_row}, column M (Conditions (one per line: text | YYYY-MM-DD)): line 2: "),
        ),
    ];
    for (field, message) in &expect {
        assert!(
            problems
                .iter()
                .any(|(f, m)| f == field && m.starts_with(message.as_str())),
            "{field} {message:?} in {problems:#?}"
        );
    }
    assert_eq!(problems.len(), expect.len(), "{problems:#?}");
    let (_, review) = app.api(Method::GET, &review_path, Some(&reviewer), None).await;
    assert_eq!(verdicts(&review), before, "nothing stored");
    assert_eq!(audit_count(&app).await, 3);

    // Rows sorted the other way and the sheet renamed: still matched by requirement ID.
    let moved = edit(
        &fresh,
        json!([
            {"reverse_rows": sheet},
            {"rename": sheet, "to": "Reviewed"},
            set(AMBER, VERDICT, "Accepted"),
        ]),
    );
    let (status, body) = upload(&app, &round, &reviewer, moved).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["recorded"], 1);
    assert_eq!(item(&body["review"], AMBER)["verdict"]["verdict"], "accepted");
    assert_eq!(
        item(&body["review"], AMBER)["verdict"]["comment"],
        "Which system holds it, then?",
        "the comment kept in the workbook is kept"
    );
}

#[tokio::test]
async fn another_rounds_workbook_and_other_organisations_are_refused() {
    let app = TestApp::demo().await;
    let reviewer = app.token_for(REVIEWER).await;
    let supplier = app.token_for(SUPPLIER).await;
    let other = app.token_for("admin@brightwater.example").await;
    let round = submitted_round(&app).await;
    let path = format!("/api/v1/submissions/{round}/review/workbook");

    // Another product's round, also waiting for review: its workbook is not this round's.
    let referrals = crate::onboarding_pages::submitted_scal_for(&app, "Acme Referrals", "dev@acme.example").await;
    let theirs = scal_app::scals::view_scal(app.app(), &scal_app::Actor::System, &referrals)
        .await
        .unwrap()
        .rounds
        .last()
        .unwrap()
        .id
        .clone();
    let their_workbook = workbook(&app, &theirs, &reviewer).await;
    let (status, body) = upload(&app, &round, &reviewer, their_workbook).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("review of another round"),
        "{body}"
    );
    // Not a review workbook at all.
    let (status, body) = upload(&app, &round, &reviewer, b"ID|Answer\nA|Yes\n".to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not a review workbook"),
        "{body}"
    );

    // Only NHS England: the supplier may not (its own round), another supplier finds nothing.
    let mine = workbook(&app, &round, &reviewer).await;
    assert_eq!(download(&app, &path, &supplier).await.0, StatusCode::FORBIDDEN);
    assert_eq!(download(&app, &path, &other).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        upload(&app, &round, &supplier, mine.clone()).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(upload(&app, &round, &other, mine).await.0, StatusCode::NOT_FOUND);
    let session = app.sign_in("admin@brightwater.example", PASSWORD).await.unwrap();
    let page = app
        .page(
            Some(&session),
            Method::GET,
            &format!("/submissions/{round}/review.xlsx"),
            &[],
        )
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_offline_page_downloads_and_uploads_with_every_problem_listed() {
    let app = TestApp::demo().await;
    let round = submitted_round(&app).await;
    let session = app.sign_in(REVIEWER, PASSWORD).await.unwrap();

    let submission = app
        .page(Some(&session), Method::GET, &format!("/submissions/{round}"), &[])
        .await;
    assert!(submission
        .html
        .contains(&format!("href=\"/submissions/{round}/offline\"")));
    let page = app
        .page(
            Some(&session),
            Method::GET,
            &format!("/submissions/{round}/offline"),
            &[],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.html.contains("<h1 class=\"nhsuk-heading-xl\">Review offline</h1>"),
        "{}",
        page.html
    );
    assert!(page
        .html
        .contains(&format!("href=\"/submissions/{round}/review.xlsx\"")));
    let request = Request::builder()
        .uri(format!("/submissions/{round}/review.xlsx"))
        .header(header::COOKIE, session.cookie.clone())
        .body(Body::empty())
        .unwrap();
    let (status, headers, bytes) = app.send(request).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"Review-of-"));

    let upload_path = format!("/submissions/{round}/review-workbook");
    let none = app.multipart(&session, &upload_path, None, &[]).await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(none.html.contains("Choose the review workbook to upload"));

    if !openpyxl() {
        return;
    }
    let (sheet, amber_row) = place(&bytes, AMBER);
    let bad = edit(
        &bytes,
        json!([set(AMBER, VERDICT, "Not accepted"), set(RED, VERDICT, "Maybe")]),
    );
    let refused = app
        .multipart(&session, &upload_path, Some(("review.xlsx", &bad)), &[])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("No verdict was recorded"), "{}", refused.html);
    assert!(
        refused.html.contains(&format!(
            "Sheet &#39;{sheet}&#39;, row {amber_row}, column J (NHS England verdict)"
        )) || refused.html.contains(&format!(
            "Sheet '{sheet}', row {amber_row}, column J (NHS England verdict)"
        )),
        "{}",
        refused.html
    );
    assert!(
        refused.html.contains("column K (Decision (red items))"),
        "the red item's missing decision"
    );

    let good = edit(
        &bytes,
        json!([
            set(AMBER, VERDICT, "Accepted"),
            set(RED, VERDICT, "Not accepted"),
            set(RED, DECISION, "Not agreed"),
            set(RED, COMMENTS, "Use MESH")
        ]),
    );
    let done = app
        .multipart(&session, &upload_path, Some(("review.xlsx", &good)), &[])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    assert_eq!(done.location(), Some(format!("/submissions/{round}/offline").as_str()));
    let shown = app.follow(&session, &done).await;
    assert!(shown.html.contains("The verdicts in the workbook have been recorded"));
}
