//! The supplier journey through the API, with two users: a supplier (Acme) and an NHS England
//! reviewer. From the request to a second round after a return, through bad input, a red item and
//! its notification, a refused submission and the fix.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{fixture, TestApp};

const SUPPLIER: &str = "admin@acme.example";
const REVIEWER: &str = "reviewer@nhse.example";

fn sheet<'a>(scal: &'a Value, kind: &str) -> &'a Value {
    scal["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == kind)
        .unwrap_or_else(|| panic!("a {kind} sheet in {scal}"))
}

fn requirement<'a>(sheet: &'a Value, id: &str) -> &'a Value {
    sheet["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["requirement_id"] == id)
        .unwrap_or_else(|| panic!("{id} on {}", sheet["name"]))
}

/// The supplier asks for `services` for Acme PAS and the reviewer issues the SCAL with the
/// defaults; returns the SCAL's ID. Each service gets a use case, which some services require.
async fn request_and_issue(app: &TestApp, supplier: &str, reviewer: &str, services: &[&str]) -> String {
    let product = app.product_id("Acme PAS").await;
    let use_cases: serde_json::Map<String, Value> = services
        .iter()
        .map(|s| (s.to_string(), json!("Patient administration")))
        .collect();
    let (status, enquiry) = app
        .api(
            Method::POST,
            "/api/v1/enquiries",
            Some(supplier),
            Some(json!({"product_id": product, "services": services, "details": "", "use_cases": use_cases})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{enquiry}");
    let (status, issued) = app
        .api(
            Method::POST,
            &format!("/api/v1/enquiries/{}/issue", enquiry["id"].as_str().unwrap()),
            Some(reviewer),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{issued}");
    issued["scal_id"].as_str().unwrap().to_string()
}

/// Imports and publishes a template for `service`, as NHS England would.
async fn publish_template(app: &TestApp, file_name: &str, bytes: Vec<u8>, name: &str, service: &str) {
    let request = scal_app::templates::ImportRequest {
        file_name: file_name.into(),
        bytes: bytes.into(),
        template_id: None,
        name: Some(name.into()),
        service: Some(service.into()),
        publish: true,
        options: Default::default(),
    };
    scal_app::templates::import(
        app.app(),
        &scal_app::Actor::System,
        &request,
        Default::default(),
        app.now(),
    )
    .await
    .unwrap();
}

struct Journey<'a> {
    app: &'a TestApp,
    supplier: String,
    scal: String,
}

impl Journey<'_> {
    async fn get(&self) -> Value {
        let (status, scal) = self
            .app
            .api(
                Method::GET,
                &format!("/api/v1/scals/{}", self.scal),
                Some(&self.supplier),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{scal}");
        scal
    }

    async fn answer(&self, sheet_id: &Value, body: Value) -> (StatusCode, Value) {
        let mut body = body;
        body["sheet_id"] = sheet_id.clone();
        self.app
            .api(
                Method::PUT,
                &format!("/api/v1/scals/{}/answers", self.scal),
                Some(&self.supplier),
                Some(body),
            )
            .await
    }

    async fn upload(&self, name: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
        let request = axum::http::Request::builder()
            .method(Method::POST)
            .uri(format!(
                "/api/v1/scals/{}/evidence?file_name={}",
                self.scal,
                urlencoding::encode(name)
            ))
            .header("authorization", format!("Bearer {}", self.supplier))
            .header("content-type", "application/octet-stream")
            .body(axum::body::Body::from(bytes))
            .unwrap();
        let (status, _, body) = self.app.send(request).await;
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    async fn link(&self, evidence: &Value, sheet_id: &Value, requirement_id: &str) {
        let (status, body) = self
            .app
            .api(
                Method::POST,
                &format!(
                    "/api/v1/scals/{}/evidence/{}/links",
                    self.scal,
                    evidence.as_str().unwrap()
                ),
                Some(&self.supplier),
                Some(json!({"sheet_id": sheet_id, "requirement_id": requirement_id})),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    }

    async fn submit(&self) -> (StatusCode, Value) {
        self.app
            .api(
                Method::POST,
                &format!("/api/v1/scals/{}/submissions", self.scal),
                Some(&self.supplier),
                None,
            )
            .await
    }
}

#[tokio::test]
async fn a_supplier_goes_from_request_to_a_second_round() {
    let app = TestApp::demo().await;
    let supplier = app.token_for(SUPPLIER).await;
    let reviewer = app.token_for(REVIEWER).await;
    let product = app.product_id("Acme PAS").await;

    // Step 2: the request, and NHS England's queue.
    let (status, enquiry) = app
        .api(
            Method::POST,
            "/api/v1/enquiries",
            Some(&supplier),
            Some(json!({"product_id": product, "services": ["GPC-SEND-DOC"], "details": "Discharge summaries to GPs"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{enquiry}");
    let (_, queue) = app.api(Method::GET, "/api/v1/enquiries", Some(&reviewer), None).await;
    assert_eq!(queue[0]["id"], enquiry["id"]);
    assert_eq!(queue[0]["status"], "open");

    // A tailored SCAL: the default template, one requirement scoped out.
    let issue = format!("/api/v1/enquiries/{}/issue", enquiry["id"].as_str().unwrap());
    let (status, issued) = app
        .api(
            Method::POST,
            &issue,
            Some(&reviewer),
            Some(json!({"scoped_out": [{"service": "GPC-SEND-DOC", "requirement_id": "GPCM-SD-028", "reason": "No organisation resource in this use case"}]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{issued}");
    assert_eq!(issued["cases_opened"], json!(["GPC-SEND-DOC"]));
    let (status, _) = app.api(Method::POST, &issue, Some(&reviewer), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "issued once");
    let journey = Journey {
        app: &app,
        supplier: supplier.clone(),
        scal: issued["scal_id"].as_str().unwrap().to_string(),
    };
    let scal = journey.get().await;
    let service = sheet(&scal, "service").clone();
    let info = sheet(&scal, "information").clone();
    assert_eq!(service["service"], "GPC-SEND-DOC");
    assert!(service["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["requirement_id"] != "GPCM-SD-028"));
    assert_eq!(service["scoped_out"][0]["requirement_id"], "GPCM-SD-028");
    assert_eq!(scal["summary"]["unanswered"], scal["summary"]["unanswered"]);
    assert_eq!(scal["summary"]["red"], 0);

    // Bad input: clear field errors, nothing stored.
    for (body, field) in [
        (json!({"requirement_id": "GPCM-C-1", "answer": "Maybe"}), "answer"),
        (
            json!({"requirement_id": "NOT-IN-SCAL", "answer": "Yes"}),
            "requirement_id",
        ),
        (
            json!({"requirement_id": "GPCM-SD-028", "answer": "Yes"}),
            "requirement_id",
        ),
        (
            json!({"requirement_id": "GPCM-C-1", "answer": "No", "target_date": "next spring"}),
            "target_date",
        ),
    ] {
        let (status, error) = journey.answer(&service["id"], body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {error}");
        assert_eq!(error["error"]["field"], field, "{error}");
    }
    let (status, error) = journey
        .answer(
            &info["id"],
            json!({"requirement_id": "INFO-PENTEST-DATE", "answer": "2027-01-01"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error["error"]["message"].as_str().unwrap().contains("in the future"),
        "{error}"
    );
    let (status, _) = journey
        .answer(
            &json!("3f1c9a40-0000-4000-8000-000000000000"),
            json!({"requirement_id": "GPCM-C-1", "answer": "Yes"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a sheet of another SCAL");
    // An attachment question is answered by linking a file, not by typing its name.
    let (status, typed) = journey
        .answer(
            &info["id"],
            json!({"requirement_id": "INFO-HAZARD-LOG", "answer": "hazards.pdf"}),
        )
        .await;
    assert_eq!((status, &typed["answer"]), (StatusCode::OK, &Value::Null), "{typed}");
    // Control characters are refused, naming the field, on both databases.
    let (status, error) = app
        .api(
            Method::POST,
            "/api/v1/enquiries",
            Some(&supplier),
            Some(json!({"product_id": product, "services": ["GPC-SEND-DOC"], "details": "a\u{0}b"})),
        )
        .await;
    assert_eq!(
        (status, error["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("details"))
    );
    assert_eq!(journey.get().await["summary"], scal["summary"], "nothing stored");

    // A red item: No to a MUST. NHS England's reviewers are told at once, in the app and by email.
    let (status, red) = journey
        .answer(&service["id"], json!({"requirement_id": "GPCM-C-1", "answer": "no"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{red}");
    assert_eq!((red["answer"].as_str(), red["rag"].as_str()), (Some("No"), Some("red")));
    let (_, notes) = app
        .api(Method::GET, "/api/v1/notifications", Some(&reviewer), None)
        .await;
    let red_note = notes
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "red_item")
        .unwrap_or_else(|| panic!("{notes}"));
    assert!(red_note["message"].as_str().unwrap().contains("GPCM-C-1"), "{red_note}");
    let outbox = scal_app::notifications::outbox(app.app(), true).await.unwrap();
    assert!(outbox
        .iter()
        .any(|m| m.to_address == REVIEWER && m.subject.contains("red item") && m.body.contains("GPCM-C-1")));
    let (_, theirs) = app
        .api(Method::GET, "/api/v1/notifications", Some(&supplier), None)
        .await;
    assert!(
        theirs.as_array().unwrap().iter().all(|n| n["kind"] != "red_item"),
        "only reviewers"
    );

    // Submitting now is refused with every blocking finding.
    let (status, refused) = journey.submit().await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let findings: Vec<&str> = refused["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        findings
            .iter()
            .any(|f| f.contains("GPCM-C-1") && f.contains("give a justification, a mitigation and a target date")),
        "{findings:#?}"
    );
    assert!(
        findings.iter().any(|f| f.contains("step 5") && f.contains("DSPT")),
        "{findings:#?}"
    );
    assert!(findings.iter().any(|f| f.contains("Not answered")), "{findings:#?}");

    // The fix: explain the red item, answer everything else, attach evidence.
    let (status, red) = journey
        .answer(
            &service["id"],
            json!({"requirement_id": "GPCM-C-1", "answer": "No", "justification": "MESH mailbox pending",
                   "mitigation": "Interim transport agreed with NHS England", "target_date": "2027-03-31"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{red}");
    assert_eq!(red["target_date"], "2027-03-31");
    for r in service["requirements"].as_array().unwrap() {
        let id = r["requirement_id"].as_str().unwrap();
        if id != "GPCM-C-1" {
            let (status, body) = journey
                .answer(&service["id"], json!({"requirement_id": id, "answer": "Yes"}))
                .await;
            assert_eq!(status, StatusCode::OK, "{id}: {body}");
        }
    }
    for (id, answer, justification) in [
        ("INFO-ORG", "Acme Health Systems", ""),
        ("INFO-ODS", "8jk21", ""),
        ("INFO-PRODUCT", "Acme PAS 4.2", ""),
        ("INFO-HSCN", "N/A", "Internet-facing service only"),
        ("INFO-DSPT-STATUS", "Standards Met", ""),
        ("INFO-DSPT-DATE", "15/07/2026", ""),
        ("INFO-CSO-NAME", "Dr Amira Clinician", ""),
        ("INFO-CSO-REG", "GMC 7654321", ""),
        ("INFO-DEVICE", "Not a medical device", ""),
        ("INFO-PENTEST-DATE", "2026-03-01", ""),
        ("INFO-PENTEST-CLOSED", "Yes", ""),
        ("INFO-SERVICE-DESK", "NSD-44120", ""),
        ("INFO-DEV-COMMUNITY", "Yes", ""),
    ] {
        let (status, body) = journey
            .answer(
                &info["id"],
                json!({"requirement_id": id, "answer": answer, "justification": justification}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{id}: {body}");
    }
    // Evidence: the type comes from the bytes; one file backs requirements on two sheets.
    let (status, error) = journey
        .upload("report.pdf", b"MZ\x90\x00\x03\x00\x00\x00".to_vec())
        .await;
    assert_eq!(
        (status, error["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("file"))
    );
    let hazard_log = std::fs::read(fixture("GP_Connect_Hazard_Log_Consumers_v2.0.xlsx")).unwrap();
    let (status, hazards) = journey.upload("../../Hazard Log.xlsx", hazard_log.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{hazards}");
    assert_eq!(hazards["file_name"], "Hazard Log.xlsx");
    assert_eq!(
        hazards["content_type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    use sha2::Digest;
    assert_eq!(hazards["sha256"], hex::encode(sha2::Sha256::digest(&hazard_log)));
    let (_, report) = journey
        .upload("safety-case.pdf", b"%PDF-1.7\nClinical safety case report\n".to_vec())
        .await;
    let (_, pentest) = journey
        .upload("pentest.pdf", b"%PDF-1.7\nPenetration test report\n".to_vec())
        .await;
    journey.link(&hazards["id"], &info["id"], "INFO-HAZARD-LOG").await;
    journey.link(&hazards["id"], &service["id"], "GPCM-C-2").await;
    journey.link(&report["id"], &info["id"], "INFO-SAFETY-CASE").await;
    journey.link(&pentest["id"], &info["id"], "INFO-PENTEST-REPORT").await;
    let scal = journey.get().await;
    assert_eq!(
        requirement(sheet(&scal, "information"), "INFO-HAZARD-LOG")["answer"],
        "Hazard Log.xlsx"
    );
    assert_eq!(
        requirement(sheet(&scal, "service"), "GPCM-C-2")["evidence"][0]["file_name"],
        "Hazard Log.xlsx"
    );
    let (status, _, bytes) = app
        .send(
            axum::http::Request::builder()
                .uri(format!("/api/v1/evidence/{}", hazards["id"].as_str().unwrap()))
                .header("authorization", format!("Bearer {reviewer}"))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(
        (status, bytes == hazard_log),
        (StatusCode::OK, true),
        "NHS England reads the evidence"
    );

    // Every step that gates submission is now done or not applicable.
    let (_, cases) = app
        .api(
            Method::GET,
            &format!("/api/v1/scals/{}/cases", journey.scal),
            Some(&supplier),
            None,
        )
        .await;
    let steps = cases[0]["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 10);
    let states: Vec<&str> = steps.iter().map(|s| s["state"].as_str().unwrap()).collect();
    assert_eq!(
        states,
        [
            "not_applicable",
            "done",
            "done",
            "not_applicable",
            "done",
            "done",
            "done",
            "done",
            "done",
            "not_started"
        ],
        "{cases}"
    );
    assert_eq!(steps[2]["updated_by"], SUPPLIER);
    let files: Vec<&str> = steps[5]["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["file_name"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["safety-case.pdf", "Hazard Log.xlsx"], "step 6's evidence");
    assert_eq!(cases[0]["next_step"], 10);

    // Round 1.
    let (status, round1) = journey.submit().await;
    assert_eq!(status, StatusCode::CREATED, "{round1}");
    assert_eq!(round1["round"], 1);
    assert_eq!(round1["sha256"].as_str().unwrap().len(), 64);
    let (status, locked) = journey
        .answer(&service["id"], json!({"requirement_id": "GPCM-C-2", "answer": "No"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{locked}");
    assert!(
        locked["error"]["message"].as_str().unwrap().contains("submitted"),
        "{locked}"
    );
    let (status, _) = journey.submit().await;
    assert_eq!(status, StatusCode::CONFLICT, "one round at a time");
    let (_, cases) = app
        .api(
            Method::GET,
            &format!("/api/v1/scals/{}/cases", journey.scal),
            Some(&supplier),
            None,
        )
        .await;
    // Step 10 is under way once submitted; it is done when the case goes live (agreements.rs).
    assert_eq!(cases[0]["steps"][9]["state"], "in_progress");
    assert!(cases[0]["steps"][9].to_string().contains("Submitted to NHS England"));

    // NHS England's queue, and a return for changes.
    let (_, queue) = app
        .api(
            Method::GET,
            "/api/v1/submissions?status=submitted",
            Some(&reviewer),
            None,
        )
        .await;
    assert_eq!(queue.as_array().unwrap().len(), 1, "{queue}");
    assert_eq!(queue[0]["id"], round1["id"]);
    let (status, error) = app
        .api(
            Method::POST,
            &format!("/api/v1/submissions/{}/return", round1["id"].as_str().unwrap()),
            Some(&reviewer),
            Some(json!({"reason": " "})),
        )
        .await;
    assert_eq!(
        (status, error["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("reason"))
    );
    let (status, returned) = app
        .api(
            Method::POST,
            &format!("/api/v1/submissions/{}/return", round1["id"].as_str().unwrap()),
            Some(&reviewer),
            Some(json!({"reason": "Attach the MESH mailbox request"})),
        )
        .await;
    assert_eq!(
        (status, returned["status"].as_str()),
        (StatusCode::OK, Some("returned")),
        "{returned}"
    );
    let (_, notes) = app
        .api(Method::GET, "/api/v1/notifications", Some(&supplier), None)
        .await;
    assert!(notes.as_array().unwrap().iter().any(|n| n["kind"] == "returned"
        && n["message"]
            .as_str()
            .unwrap()
            .contains("Attach the MESH mailbox request")));

    // Round 2 after the change.
    let (status, _) = journey
        .answer(
            &service["id"],
            json!({"requirement_id": "GPCM-C-1", "answer": "No", "justification": "MESH mailbox requested (ref 1234)",
                   "mitigation": "Interim transport agreed with NHS England", "target_date": "2027-03-31"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, round2) = journey.submit().await;
    assert_eq!(status, StatusCode::CREATED, "{round2}");
    assert_eq!(round2["round"], 2);
    assert_ne!(round2["sha256"], round1["sha256"]);
    let scal = journey.get().await;
    assert_eq!(scal["rounds"].as_array().unwrap().len(), 2);
    assert_eq!(scal["rounds"][0]["status"], "returned");
    assert!(scal["locked"].as_bool().unwrap());
    // Nothing is issued into a SCAL under review either.
    let (_, another) = app
        .api(
            Method::POST,
            "/api/v1/enquiries",
            Some(&supplier),
            Some(json!({"product_id": product, "services": ["GPC-SEND-DOC"], "details": "again"})),
        )
        .await;
    let (status, refused) = app
        .api(
            Method::POST,
            &format!("/api/v1/enquiries/{}/issue", another["id"].as_str().unwrap()),
            Some(&reviewer),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");

    // Everything was audited.
    let admin = app.token_for("admin@nhse.example").await;
    for kind in [
        "enquiry.created",
        "scal.issued",
        "answer.saved",
        "evidence.uploaded",
        "evidence.linked",
        "scal.submitted",
        "submission.returned",
    ] {
        let (_, log) = app
            .api(Method::GET, &format!("/api/v1/audit?kind={kind}"), Some(&admin), None)
            .await;
        assert!(!log.as_array().unwrap().is_empty(), "{kind}");
    }
}

#[tokio::test]
async fn onboarding_another_service_asks_to_confirm_the_information_sheet_again() {
    let app = TestApp::demo().await;
    let supplier = app.token_for(SUPPLIER).await;
    let reviewer = app.token_for(REVIEWER).await;
    // A second service with its own published template.
    let psv = std::fs::read(fixture("scal-gpc-send-document.psv")).unwrap();
    publish_template(&app, "e-rs.psv", psv, "e-RS", "ERS-FHIR").await;
    let mut scal_id = String::new();
    for service in ["GPC-SEND-DOC", "ERS-FHIR"] {
        scal_id = request_and_issue(&app, &supplier, &reviewer, &[service]).await;
        let (_, scal) = app
            .api(Method::GET, &format!("/api/v1/scals/{scal_id}"), Some(&supplier), None)
            .await;
        let information: Vec<&Value> = scal["sheets"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["kind"] == "information")
            .collect();
        assert_eq!(information.len(), 1, "one information sheet serves every service");
        assert_eq!(scal["information_review"], service == "ERS-FHIR", "{service}");
    }
    let (_, cases) = app
        .api(
            Method::GET,
            &format!("/api/v1/scals/{scal_id}/cases"),
            Some(&supplier),
            None,
        )
        .await;
    let ers = |cases: &Value| {
        cases
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["service"] == "ERS-FHIR")
            .cloned()
            .unwrap()
    };
    assert_eq!(cases.as_array().unwrap().len(), 2);
    // ERS-FHIR needs a use case: the one given when asking is already on its case.
    assert_eq!(ers(&cases)["use_case"], "Patient administration", "{cases}");
    assert_eq!(ers(&cases)["steps"][0]["state"], "done");
    let (status, refused) = app
        .api(
            Method::POST,
            &format!("/api/v1/scals/{scal_id}/submissions"),
            Some(&supplier),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.to_string().contains("confirm it"), "{refused}");
    let (status, _) = app
        .api(
            Method::PUT,
            &format!("/api/v1/scals/{scal_id}/cases/ERS-FHIR/use-case"),
            Some(&supplier),
            Some(json!({"use_case": "Refer patients from the PAS"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/scals/{scal_id}/information/confirm"),
            Some(&supplier),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, scal) = app
        .api(Method::GET, &format!("/api/v1/scals/{scal_id}"), Some(&supplier), None)
        .await;
    assert_eq!(scal["information_review"], false);
    let (_, cases) = app
        .api(
            Method::GET,
            &format!("/api/v1/scals/{scal_id}/cases"),
            Some(&supplier),
            None,
        )
        .await;
    assert_eq!(ers(&cases)["steps"][0]["state"], "done");
}

#[tokio::test]
async fn evidence_over_the_limit_is_refused_and_nothing_is_stored() {
    let app = TestApp::demo().await;
    let system = scal_app::Actor::System;
    let product = app.product_id("Acme PAS").await;
    let template = scal_app::templates::list(app.app(), &system).await.unwrap()[0]
        .0
        .id
        .clone();
    scal_app::scals::issue(app.app(), &system, &product, &template, None, app.now())
        .await
        .unwrap();
    let scal_id = scal_app::scals::sheets(app.app(), &system, &product).await.unwrap()[0]
        .record
        .scal_id
        .clone();
    let limit = app.app().settings.max_evidence_bytes;
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(limit + 1, b'a');
    let Err(scal_app::AppError::Invalid(invalid)) =
        scal_app::evidence::upload(app.app(), &system, &scal_id, "big.pdf", &big, app.now()).await
    else {
        panic!("refused")
    };
    assert_eq!(invalid.0[0].field, "file");
    assert!(invalid.0[0].message.contains("25 MiB"), "{invalid:?}");
    assert!(scal_app::evidence::list(app.app(), &system, &scal_id)
        .await
        .unwrap()
        .is_empty());
}

/// A local stand-in for the ODS ORD API serving recorded responses; counts the requests.
async fn ods_directory() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use axum::routing::get;
    let record = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ods/8JK21.json"),
    )
    .unwrap();
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = hits.clone();
    let router = axum::Router::new().route(
        "/ORD/2-0-0/organisations/{code}",
        get(move |axum::extract::Path(code): axum::extract::Path<String>| {
            let record = record.clone();
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async move {
                match code.as_str() {
                    "8JK21" => (StatusCode::OK, record),
                    "8BAD1" => (StatusCode::OK, "<html>not json</html>".to_string()),
                    _ => (
                        StatusCode::NOT_FOUND,
                        r#"{"errorCode":404,"errorText":"Not Found"}"#.to_string(),
                    ),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{address}/ORD/2-0-0"), hits)
}

#[tokio::test]
async fn the_live_ods_lookup_reads_the_directory_and_failures_are_only_warnings() {
    use scal_domain::onboarding::OdsLookup;
    let db = crate::support::TestDb::fresh().await;
    let store = scal_store::Store::open(&db.url, 2).await.unwrap();
    let app_with = |base: Option<String>| {
        scal_app::App::new(
            store.clone(),
            scal_app::AppSettings {
                data_dir: db.data_dir().to_path_buf(),
                ods_base_url: base,
                ..Default::default()
            },
        )
    };
    let code = |c: &str| scal_domain::OdsCode::parse(c).unwrap();
    let now = crate::support::start_time();
    assert_eq!(
        scal_app::ods::lookup(&app_with(None), &code("8JK21"), now).await,
        None,
        "off by default"
    );
    let (directory, hits) = ods_directory().await;
    let app = app_with(Some(directory));
    let acme = Some(OdsLookup::Active {
        name: "ACME HEALTH SYSTEMS LTD".into(),
    });
    assert_eq!(scal_app::ods::lookup(&app, &code("8JK21"), now).await, acme);
    // An answer is kept for a day, so pages showing cases do not ask every time.
    let later = now + time::Duration::hours(2);
    assert_eq!(scal_app::ods::lookup(&app, &code("8JK21"), later).await, acme);
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 1);
    let tomorrow = now + time::Duration::days(2);
    assert_eq!(scal_app::ods::lookup(&app, &code("8JK21"), tomorrow).await, acme);
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 2);
    assert_eq!(
        scal_app::ods::lookup(&app, &code("8ZZ99"), now).await,
        Some(OdsLookup::NotFound)
    );
    assert!(matches!(
        scal_app::ods::lookup(&app, &code("8BAD1"), now).await,
        Some(OdsLookup::Failed(_))
    ));
    // Nothing listening: a warning-level failure, not an error.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let app = app_with(Some(format!("http://{closed}/ORD/2-0-0")));
    assert!(matches!(
        scal_app::ods::lookup(&app, &code("8JK21"), now).await,
        Some(OdsLookup::Failed(_))
    ));
}

#[tokio::test]
async fn scal_status_shows_the_steps_and_what_blocks_submission() {
    let app = TestApp::demo().await;
    let supplier = app.token_for(SUPPLIER).await;
    let reviewer = app.token_for(REVIEWER).await;
    let product = app.product_id("Acme PAS").await;
    let scal = request_and_issue(&app, &supplier, &reviewer, &["GPC-SEND-DOC"]).await;
    // A red row justified and mitigated but without a target date.
    let journey = Journey {
        app: &app,
        supplier: supplier.clone(),
        scal,
    };
    let view = journey.get().await;
    let sheet = view["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["requirements"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["requirement_id"] == "GPCM-C-1")
        })
        .unwrap();
    let (status, saved) = journey
        .answer(
            &sheet["id"],
            json!({"requirement_id": "GPCM-C-1", "answer": "No", "justification": "Why", "mitigation": "Plan"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let run = |json: bool| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_scal"));
        command
            .arg("--data-dir")
            .arg(app.db.data_dir())
            .args(["--database-url", &app.db.url, "status", "--product", &product])
            .env("SCAL_LOG", "warn");
        if json {
            command.arg("--json");
        }
        command.output().unwrap()
    };
    let text = run(false);
    assert_eq!(text.status.code(), Some(1), "blocked");
    let out = String::from_utf8_lossy(&text.stdout);
    assert!(out.contains(" 5. Complete the DSPT"), "{out}");
    assert!(out.contains("block submission"), "{out}");
    let json = run(true);
    let value: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["cases"][0]["service"], "GPC-SEND-DOC");
    assert_eq!(value["cases"][0]["steps"].as_array().unwrap().len(), 10);
    assert_eq!(value["cases"][0]["next_step"], 3);
    assert!(!value["blockers"].as_array().unwrap().is_empty());
    // `status` and the gate report it in the same words, by the one rule `scal check` applies.
    let missing = "scal-gpc-send-document, GPCM-C-1: MUST answered No: give a target date";
    assert!(
        value["blockers"].as_array().unwrap().iter().any(|b| b == missing),
        "{value}"
    );
    let (status, refused) = journey.submit().await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(
        refused["error"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["message"] == missing),
        "{refused}"
    );
}

#[tokio::test]
async fn scal_check_holds_a_downloaded_scal_to_the_same_step_rules() {
    let app = TestApp::demo().await;
    let system = scal_app::Actor::System;
    let product = app.product_id("Acme PAS").await;
    let template = scal_app::templates::list(app.app(), &system).await.unwrap()[0]
        .0
        .id
        .clone();
    scal_app::scals::issue(app.app(), &system, &product, &template, None, app.now())
        .await
        .unwrap();
    let workbook = scal_app::scals::workbook(app.app(), &system, &product, app.now())
        .await
        .unwrap();
    let file = app.db.data_dir().join("scal.xlsx");
    std::fs::write(&file, &workbook.bytes).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_scal"))
        .args(["check", "--json", "--as-of", "2026-11-24"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let steps: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["requirement_id"].as_str().unwrap().starts_with("step "))
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        steps.contains(&"Manage clinical risk (DCB0129): Name your Clinical Safety Officer"),
        "{steps:#?}"
    );
    assert!(steps.contains(&"Service desk and developer community: Join the NHS developer community"));
}

/// A mail server that accepts everything and keeps what it was sent.
async fn mail_server() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let kept = received.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 test ESMTP\r\n").await.ok();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(message) = data.as_mut() {
                        if line == "." {
                            kept.lock().unwrap().push(data.take().unwrap_or_default());
                            write.write_all(b"250 queued\r\n").await.ok();
                        } else {
                            message.push_str(&line);
                            message.push('\n');
                        }
                        continue;
                    }
                    let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 test\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.ok();
                            break;
                        }
                        _ => b"250 ok\r\n",
                    };
                    write.write_all(reply).await.ok();
                }
            });
        }
    });
    (format!("smtp://{address}"), received)
}

#[tokio::test]
async fn the_outbox_is_sent_by_smtp_when_configured_and_kept_when_it_fails() {
    let app = TestApp::demo().await;
    let supplier = app.token_for(SUPPLIER).await;
    let product = app.product_id("Acme PAS").await;
    let (status, _) = app
        .api(
            Method::POST,
            "/api/v1/enquiries",
            Some(&supplier),
            Some(json!({"product_id": product, "services": ["GPC-SEND-DOC"], "details": ""})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let queued = scal_app::notifications::outbox(app.app(), true).await.unwrap();
    assert_eq!(queued.len(), 1, "the reviewer");
    let with_smtp = |url: Option<String>| {
        scal_app::App::new(
            app.app().store.clone(),
            scal_app::AppSettings {
                data_dir: app.db.data_dir().to_path_buf(),
                smtp_url: url.map(scal_app::notifications::SmtpUrl::new),
                smtp_from: "scal <scal@nhse.example>".into(),
                ..Default::default()
            },
        )
    };
    // Off by default: nothing is sent, nothing is marked.
    let off = scal_app::notifications::send_outbox(&with_smtp(None), app.now())
        .await
        .unwrap();
    assert_eq!(off, Default::default());
    // The mail server is down: the attempt is recorded and the message kept.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let down = scal_app::notifications::send_outbox(&with_smtp(Some(format!("smtp://{closed}"))), app.now())
        .await
        .unwrap();
    assert_eq!((down.sent, down.failed), (0, 1));
    let kept = scal_app::notifications::outbox(app.app(), true).await.unwrap();
    assert_eq!(
        (kept.len(), kept[0].attempts, kept[0].last_error.is_some()),
        (1, 1, true)
    );
    // Claimed by another sender a moment ago: left to it.
    let id = &kept[0].id;
    let at = scal_app::micros(app.now());
    assert!(
        scal_store::records::notifications::claim(app.app().store.pool(), id, at, at - 1)
            .await
            .unwrap()
    );
    let busy = scal_app::notifications::send_outbox(&with_smtp(Some(format!("smtp://{closed}"))), app.now())
        .await
        .unwrap();
    assert_eq!(busy, Default::default(), "not sent twice");
    // That sender died: ten minutes on, the claim is stale.
    app.clock.advance(time::Duration::minutes(11));
    // Up: sent once, then marked sent.
    let (url, received) = mail_server().await;
    let sent = scal_app::notifications::send_outbox(&with_smtp(Some(url.clone())), app.now())
        .await
        .unwrap();
    assert_eq!((sent.sent, sent.failed), (1, 0));
    let mail = received.lock().unwrap().clone();
    assert_eq!(mail.len(), 1);
    assert!(mail[0].contains("To: reviewer@nhse.example"), "{}", mail[0]);
    assert!(mail[0].contains("Subject: SCAL requested: Acme PAS 4.2"), "{}", mail[0]);
    assert!(scal_app::notifications::outbox(app.app(), true)
        .await
        .unwrap()
        .is_empty());
    let again = scal_app::notifications::send_outbox(&with_smtp(Some(url)), app.now())
        .await
        .unwrap();
    assert_eq!(again.sent, 0, "sent once");
}

/// Two senders, as two instances are, each with its own connections to one database, going over
/// the same outbox at once: every message is delivered exactly once.
#[tokio::test]
async fn two_senders_at_once_deliver_each_email_exactly_once() {
    let app = TestApp::empty().await;
    for n in 0..40 {
        let message = scal_store::records::notifications::OutboxRecord {
            id: format!("message-{n:02}"),
            to_address: format!("person{n}@nhse.example"),
            subject: format!("Message {n}"),
            body: "Hello".into(),
            created_at: scal_app::micros(app.now()),
            sent_at: None,
            attempts: 0,
            last_error: None,
        };
        scal_store::records::notifications::enqueue_email(app.app().store.pool(), &message)
            .await
            .unwrap();
    }
    let (url, received) = mail_server().await;
    let mut senders = Vec::new();
    for _ in 0..2 {
        let store = scal_store::Store::open(&app.db.url, 4).await.unwrap();
        senders.push(scal_app::App::new(
            store,
            scal_app::AppSettings {
                data_dir: app.db.data_dir().to_path_buf(),
                smtp_url: Some(scal_app::notifications::SmtpUrl::new(url.clone())),
                smtp_from: "scal <scal@nhse.example>".into(),
                ..Default::default()
            },
        ));
    }
    let (one, two) = tokio::join!(
        scal_app::notifications::send_outbox(&senders[0], app.now()),
        scal_app::notifications::send_outbox(&senders[1], app.now()),
    );
    let (one, two) = (one.unwrap(), two.unwrap());
    assert_eq!((one.failed, two.failed), (0, 0));
    assert_eq!(one.sent + two.sent, 40, "{one:?} {two:?}");
    let mut to: Vec<String> = received
        .lock()
        .unwrap()
        .iter()
        .filter_map(|m| m.lines().find(|l| l.starts_with("To: ")).map(str::to_string))
        .collect();
    to.sort();
    let delivered = to.len();
    to.dedup();
    assert_eq!((delivered, to.len()), (40, 40), "each delivered once");
    assert!(scal_app::notifications::outbox(app.app(), true)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn red_items_go_to_the_reviewers_assigned_to_the_service() {
    let app = TestApp::demo().await;
    let supplier = app.token_for(SUPPLIER).await;
    let reviewer = app.token_for(REVIEWER).await;
    let admin = app.token_for("admin@nhse.example").await;
    let (status, assigned) = app
        .api(
            Method::POST,
            "/api/v1/services/GPC-SEND-DOC/reviewers",
            Some(&admin),
            Some(json!({"email": "admin@nhse.example"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{assigned}");
    assert_eq!(assigned[0]["email"], "admin@nhse.example");
    let (status, refused) = app
        .api(
            Method::POST,
            "/api/v1/services/GPC-SEND-DOC/reviewers",
            Some(&admin),
            Some(json!({"email": "dev@acme.example"})),
        )
        .await;
    assert_eq!(
        (status, refused["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("email"))
    );
    let scal_id = &request_and_issue(&app, &supplier, &reviewer, &["GPC-SEND-DOC"]).await;
    let (_, scal) = app
        .api(Method::GET, &format!("/api/v1/scals/{scal_id}"), Some(&supplier), None)
        .await;
    let (status, _) = app
        .api(
            Method::PUT,
            &format!("/api/v1/scals/{scal_id}/answers"),
            Some(&supplier),
            Some(json!({"sheet_id": sheet(&scal, "service")["id"], "requirement_id": "GPCM-C-1", "answer": "No"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let reds = |notes: &Value| {
        notes
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["kind"] == "red_item")
            .count()
    };
    let (_, theirs) = app.api(Method::GET, "/api/v1/notifications", Some(&admin), None).await;
    assert_eq!(reds(&theirs), 1, "the service's reviewer");
    let (_, others) = app
        .api(Method::GET, "/api/v1/notifications", Some(&reviewer), None)
        .await;
    assert_eq!(reds(&others), 0, "not assigned to this service");
}

#[tokio::test]
async fn a_template_with_its_own_information_sheet_still_gets_the_built_in_one() {
    use scal_domain::template::{AnswerKind, Level, Requirement, SheetKind, TemplateSheet};
    let app = TestApp::demo().await;
    let supplier = app.token_for(SUPPLIER).await;
    let reviewer = app.token_for(REVIEWER).await;
    let requirement = |id: &str, text: &str| Requirement {
        id: id.into(),
        section: None,
        text: text.into(),
        level: Level::detect(text),
        answer_kind: AnswerKind::Declaration,
        use_case: None,
        requirement_type: None,
        link: None,
        test_cases: None,
        test_environment: None,
        evidence_required: None,
        guidance: None,
    };
    let sheets = [
        TemplateSheet {
            name: "Supplier information".into(),
            kind: SheetKind::Information,
            requirements: vec![requirement(
                "PDS-INFO-1",
                "Do you hold a PDS access agreement? (Yes/No)",
            )],
        },
        TemplateSheet {
            name: "PDS".into(),
            kind: SheetKind::Service,
            requirements: vec![requirement("PDS-1", "The system MUST trace patients")],
        },
    ];
    let bytes = scal_workbook::export(&scal_workbook::Export {
        template_id: "",
        template_name: "PDS",
        version: 0,
        product_id: None,
        stamp: "",
        sheets: &sheets,
        answers: &Default::default(),
    })
    .unwrap();
    publish_template(&app, "pds.xlsx", bytes, "PDS", "PDS-FHIR").await;
    let scal_id = request_and_issue(&app, &supplier, &reviewer, &["PDS-FHIR"]).await;
    let (_, scal) = app
        .api(Method::GET, &format!("/api/v1/scals/{scal_id}"), Some(&supplier), None)
        .await;
    let names: Vec<(&str, &str, &Value)> = scal["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["kind"].as_str().unwrap(), &s["service"]))
        .collect();
    assert_eq!(
        names,
        [
            ("Supplier information", "information", &json!("PDS-FHIR")),
            ("PDS", "service", &json!("PDS-FHIR")),
            ("Supplier and product information", "information", &Value::Null),
        ]
    );
    let (_, cases) = app
        .api(
            Method::GET,
            &format!("/api/v1/scals/{scal_id}/cases"),
            Some(&supplier),
            None,
        )
        .await;
    assert_eq!(
        cases[0]["steps"][2]["checks"][0]["message"], "Give your organisation's ODS code",
        "{cases}"
    );
}

#[tokio::test]
async fn a_scoped_out_requirement_is_neither_downloaded_nor_answered_from_a_workbook() {
    let app = TestApp::demo().await;
    let supplier = app.token_for(SUPPLIER).await;
    let reviewer = app.token_for(REVIEWER).await;
    let product = app.product_id("Acme PAS").await;
    let (_, enquiry) = app
        .api(
            Method::POST,
            "/api/v1/enquiries",
            Some(&supplier),
            Some(json!({"product_id": product, "services": ["GPC-SEND-DOC"], "details": ""})),
        )
        .await;
    let (status, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/enquiries/{}/issue", enquiry["id"].as_str().unwrap()),
            Some(&reviewer),
            Some(json!({"scoped_out": [{"service": "GPC-SEND-DOC", "requirement_id": "GPCM-SD-028", "reason": "Not in this use case"}]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let system = scal_app::Actor::System;
    let download = scal_app::scals::workbook(app.app(), &system, &product, app.now())
        .await
        .unwrap();
    let grids = scal_workbook::read(&download.bytes, "x", Default::default()).unwrap();
    let (downloaded, _) = scal_workbook::import(&grids, &Default::default()).unwrap();
    assert!(downloaded[0].rows.iter().all(|r| r.requirement.id != "GPCM-SD-028"));
    assert!(downloaded[0].rows.iter().any(|r| r.requirement.id == "GPCM-C-1"));

    // The untailored template, as a supplier might still have it.
    let template = scal_app::templates::list(app.app(), &system).await.unwrap()[0]
        .0
        .id
        .clone();
    let (_, _, content) = scal_app::templates::version(app.app(), &system, &template, 1)
        .await
        .unwrap();
    let upload = |answers: &[(&str, &str)]| {
        let mut given = scal_workbook::Answers::new();
        for (id, answer) in answers {
            given.insert(
                (content[0].name.clone(), id.to_string()),
                scal_workbook::ExportedAnswer {
                    response: Some(answer.to_string()),
                    justification: None,
                    mitigation: None,
                    target_date: None,
                },
            );
        }
        scal_app::scals::AnswersUpload {
            file_name: "answers.xlsx".into(),
            bytes: scal_workbook::export(&scal_workbook::Export {
                template_id: "",
                template_name: "SCAL",
                version: 0,
                product_id: Some(&product),
                stamp: "",
                sheets: &content,
                answers: &given,
            })
            .unwrap()
            .into(),
            overwrite: false,
        }
    };
    let supplier_actor = {
        let user = scal_store::records::users::get_by_email(app.app().store.pool(), SUPPLIER)
            .await
            .unwrap()
            .unwrap();
        scal_app::auth::actor_for(&user)
    };
    let refused = scal_app::scals::import_answers(
        app.app(),
        &supplier_actor,
        &product,
        &upload(&[("GPCM-C-1", "Yes"), ("GPCM-SD-028", "Yes")]),
        Default::default(),
        app.now(),
    )
    .await;
    let Err(scal_app::AppError::Invalid(invalid)) = refused else {
        panic!("refused: {refused:?}")
    };
    assert_eq!(invalid.0.len(), 1, "{invalid:?}");
    assert!(
        invalid.0[0]
            .message
            .contains("\"GPCM-SD-028\" is scoped out of this SCAL"),
        "{invalid:?}"
    );
    // Left blank, the row is simply not there for this SCAL.
    let report = scal_app::scals::import_answers(
        app.app(),
        &supplier_actor,
        &product,
        &upload(&[("GPCM-C-1", "Yes")]),
        Default::default(),
        app.now(),
    )
    .await
    .unwrap();
    assert_eq!(report.applied, 1);
}

#[tokio::test]
async fn a_sent_reset_email_keeps_no_usable_link_in_the_database() {
    let app = TestApp::demo().await;
    let dev = app.user_id("dev@acme.example").await;
    let admin = scal_app::auth::actor_for(
        &scal_store::records::users::get_by_email(app.app().store.pool(), "admin@acme.example")
            .await
            .unwrap()
            .unwrap(),
    );
    scal_app::passwords::send_reset(app.app(), &admin, &dev, app.now())
        .await
        .unwrap();
    let (url, received) = mail_server().await;
    let sender = scal_app::App::new(
        app.app().store.clone(),
        scal_app::AppSettings {
            data_dir: app.db.data_dir().to_path_buf(),
            smtp_url: Some(scal_app::notifications::SmtpUrl::new(url)),
            smtp_from: "scal <scal@nhse.example>".into(),
            ..Default::default()
        },
    );
    let sent = scal_app::notifications::send_outbox(&sender, app.now()).await.unwrap();
    assert_eq!(sent.sent, 1);
    let mail = received.lock().unwrap().clone();
    let delivered = mail.iter().find(|m| m.contains("To: dev@acme.example")).unwrap();
    // Quoted-printable: undo its soft line breaks.
    let delivered = delivered.replace("=\r\n", "").replace("=\n", "");
    let start = delivered.find("/password-reset/").unwrap() + "/password-reset/".len();
    let secret: String = delivered[start..].chars().take_while(char::is_ascii_hexdigit).collect();
    assert_eq!(secret.len(), 64, "the person gets the link: {delivered}");

    let stored = scal_app::notifications::outbox(app.app(), false).await.unwrap();
    let reset = stored.iter().find(|m| m.to_address == "dev@acme.example").unwrap();
    assert!(!reset.body.contains(&secret), "{}", reset.body);
    assert!(reset.body.contains("/password-reset/[removed once sent]"));
    // And the link still works for its owner.
    let page = app
        .page(None, Method::GET, &format!("/password-reset/{secret}"), &[])
        .await;
    assert_eq!(page.status, StatusCode::OK);
}
