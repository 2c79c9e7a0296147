//! What changed since the last round (#11 point 4): a round returned, changed and submitted again
//! is compared with the round before it, through the API, the page and `scal review diff`.

use axum::http::{Method, StatusCode};
use scal_domain::onboarding::info;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::support::{TestApp, PASSWORD};

const HAZARDS_V1: &[u8] = b"H1 wrong patient";
const HAZARDS_V2: &[u8] = b"H1 wrong patient\nH2 message lost";

pub(crate) struct Rounds {
    pub scal: String,
    pub first: String,
    pub second: String,
    /// The service sheet's ID and the information sheet's.
    pub sheet: String,
}

/// Round 1 as `submitted_scal` makes it; returned; then through the API an answer changed (with
/// a justification), a justification alone added, a new file linked, the hazard log replaced by
/// a file of the same name with other content, a use case declared (step 1: not applicable to
/// done); submitted again.
pub(crate) async fn two_rounds(app: &TestApp) -> Rounds {
    let scal = crate::onboarding_pages::submitted_scal(app).await;
    let supplier = app.token_for("admin@acme.example").await;
    let reviewer = app.token_for("reviewer@nhse.example").await;
    let system = scal_app::Actor::System;
    let view = scal_app::scals::view_scal(app.app(), &system, &scal).await.unwrap();
    let first = view.rounds[0].id.clone();
    let (status, body) = app
        .api(
            Method::POST,
            &format!("/api/v1/submissions/{first}/return"),
            Some(&reviewer),
            Some(json!({"reason": "Explain GPCM-C-2 and attach the full hazard log"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let sheet = view
        .sheets
        .iter()
        .find(|s| s.service_code.is_some())
        .unwrap()
        .id
        .clone();
    let information = view.information_sheet().unwrap();
    for body in [
        json!({"sheet_id": sheet, "requirement_id": "GPCM-C-2", "answer": "N/A",
            "justification": "We do not send FHIR messages"}),
        json!({"sheet_id": sheet, "requirement_id": "GPCM-SD-056", "answer": "Yes",
            "justification": "Routing tested with NHS England in March"}),
    ] {
        let (status, saved) = app
            .api(
                Method::PUT,
                &format!("/api/v1/scals/{scal}/answers"),
                Some(&supplier),
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{saved}");
    }
    let admin = scal_app::auth::actor_for(
        &scal_store::records::users::get_by_email(app.app().store.pool(), "admin@acme.example")
            .await
            .unwrap()
            .unwrap(),
    );
    // A new file on a requirement.
    let spec = scal_app::evidence::upload(app.app(), &admin, &scal, "mesh-spec.pdf", b"%PDF-1.7 mesh", app.now())
        .await
        .unwrap();
    let (status, body) = app
        .api(
            Method::POST,
            &format!("/api/v1/scals/{scal}/evidence/{}/links", spec.id),
            Some(&supplier),
            Some(json!({"sheet_id": sheet, "requirement_id": "GPCM-C-1"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    // The hazard log: the same name, other content.
    let old = information
        .requirements
        .iter()
        .find(|r| r.requirement.id == info::HAZARD_LOG)
        .unwrap()
        .evidence[0]
        .id
        .clone();
    let new = scal_app::evidence::upload(app.app(), &admin, &scal, "hazards.txt", HAZARDS_V2, app.now())
        .await
        .unwrap();
    scal_app::evidence::link(
        app.app(),
        &admin,
        &scal,
        &new.id,
        &information.id,
        info::HAZARD_LOG,
        app.now(),
    )
    .await
    .unwrap();
    scal_app::evidence::unlink(
        app.app(),
        &admin,
        &scal,
        &old,
        &information.id,
        info::HAZARD_LOG,
        app.now(),
    )
    .await
    .unwrap();
    let (status, body) = app
        .api(
            Method::PUT,
            &format!("/api/v1/scals/{scal}/cases/GPC-SEND-DOC/use-case"),
            Some(&supplier),
            Some(json!({"use_case": "Discharge summaries to GP practices"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = app
        .api(
            Method::POST,
            &format!("/api/v1/scals/{scal}/submissions"),
            Some(&supplier),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["round"], 2);
    Rounds {
        second: body["id"].as_str().unwrap().to_string(),
        scal,
        first,
        sheet,
    }
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[tokio::test]
async fn round_two_lists_exactly_what_the_supplier_changed() {
    let app = TestApp::demo().await;
    let rounds = two_rounds(&app).await;
    let reviewer = app.token_for("reviewer@nhse.example").await;
    let (status, diff) = app
        .api(
            Method::GET,
            &format!("/api/v1/submissions/{}/changes", rounds.second),
            Some(&reviewer),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{diff}");
    assert_eq!(diff["round"], 2);
    assert_eq!(diff["previous_round"], 1);
    assert_eq!(diff["previous_submission_id"], rounds.first.as_str());
    assert_eq!(diff["scal_id"], rounds.scal.as_str());
    let items = diff["items"].as_array().unwrap();
    let ids: Vec<&str> = items.iter().map(|i| i["requirement_id"].as_str().unwrap()).collect();
    // In the SCAL's order: the service's sheet, then the information sheet issued with it.
    assert_eq!(
        ids,
        ["GPCM-C-1", "GPCM-C-2", "GPCM-SD-056", info::HAZARD_LOG],
        "{diff:#}"
    );
    assert!(items.iter().all(|i| i["change"] == "changed"));
    assert_ne!(items[0]["sheet"], items[3]["sheet"]);
    assert_eq!(items[0]["fields"], json!([]));
    assert_eq!(
        items[0]["evidence"],
        json!([{"file_name": "mesh-spec.pdf", "change": "added",
            "sha256_before": null, "sha256_after": sha(b"%PDF-1.7 mesh")}])
    );
    assert_eq!(
        items[1]["fields"],
        json!([
            {"field": "answer", "before": "Yes", "after": "N/A"},
            {"field": "justification", "before": null, "after": "We do not send FHIR messages"},
        ])
    );
    assert_eq!(items[1]["evidence"], json!([]));
    assert_eq!(
        items[2]["fields"],
        json!([{"field": "justification", "before": null,
            "after": "Routing tested with NHS England in March"}])
    );
    assert_eq!(items[2]["rag_before"], "green");
    assert_eq!(items[2]["rag_after"], "green");
    // The attachment's answer is its files' names: the same name, so only the file changed.
    assert_eq!(items[3]["fields"], json!([]));
    assert_eq!(
        items[3]["evidence"],
        json!([{"file_name": "hazards.txt", "change": "replaced",
            "sha256_before": sha(HAZARDS_V1), "sha256_after": sha(HAZARDS_V2)}])
    );
    // Scoping out is decided when sheets are issued, and a sheet already issued is never issued
    // again, so between these rounds nothing was scoped in or out.
    assert_eq!(diff["scoped_out"], json!([]));
    assert_eq!(
        diff["cases"],
        json!([{
            "service": "GPC-SEND-DOC",
            "change": "changed",
            "use_case": {"before": null, "after": "Discharge summaries to GP practices"},
            "steps": [{"number": 1, "name": "Confirm your use case", "before": "not_applicable", "after": "done"}],
        }])
    );

    // The supplier sees the same; another supplier cannot tell it exists.
    let supplier = app.token_for("dev@acme.example").await;
    let (status, theirs) = app
        .api(
            Method::GET,
            &format!("/api/v1/submissions/{}/changes", rounds.second),
            Some(&supplier),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(theirs, diff);
    let other = app.token_for("admin@brightwater.example").await;
    for id in [&rounds.first, &rounds.second] {
        let (status, body) = app
            .api(
                Method::GET,
                &format!("/api/v1/submissions/{id}/changes"),
                Some(&other),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert_eq!(body["error"]["code"], "not_found");
    }

    // Round 1 has nothing to compare with.
    let (status, first) = app
        .api(
            Method::GET,
            &format!("/api/v1/submissions/{}/changes", rounds.first),
            Some(&reviewer),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        first,
        json!({"submission_id": rounds.first, "scal_id": rounds.scal, "round": 1,
            "previous_round": null, "previous_submission_id": null,
            "items": [], "scoped_out": [], "cases": []})
    );
    let (status, _) = app
        .api(
            Method::GET,
            &format!("/api/v1/submissions/{}/changes", rounds.second),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// Moving the snapshot into the domain must not change a byte of what rounds were hashed over:
/// each stored round reads back and writes the same text, whose SHA-256 is the one stored.
#[tokio::test]
async fn every_round_still_hashes_to_its_stored_sha256() {
    let app = TestApp::demo().await;
    let rounds = two_rounds(&app).await;
    for id in [&rounds.first, &rounds.second] {
        let stored = scal_store::records::submissions::get(app.app().store.pool(), id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(sha(stored.snapshot.as_bytes()), stored.sha256);
        let read = scal_domain::snapshot::Snapshot::from_json(&stored.snapshot).unwrap();
        assert_eq!(read.to_json(), stored.snapshot);
        assert_eq!(read.round, stored.round);
    }
}

#[tokio::test]
async fn the_page_shows_only_what_changed_and_links_each_requirement() {
    let app = TestApp::demo().await;
    let rounds = two_rounds(&app).await;
    let reviewer = app.sign_in("reviewer@nhse.example", PASSWORD).await.unwrap();
    let round = app
        .page(
            Some(&reviewer),
            Method::GET,
            &format!("/submissions/{}", rounds.second),
            &[],
        )
        .await;
    let link = format!("href=\"/submissions/{}/changes\"", rounds.second);
    assert!(round.html.contains(&link), "{}", round.html);
    assert!(round.html.contains("What changed since round 1"));
    let first = app
        .page(
            Some(&reviewer),
            Method::GET,
            &format!("/submissions/{}", rounds.first),
            &[],
        )
        .await;
    assert!(!first.html.contains("/changes\""), "round 1 has no earlier round");

    let page = app
        .page(
            Some(&reviewer),
            Method::GET,
            &format!("/submissions/{}/changes", rounds.second),
            &[],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let html = &page.html;
    assert!(
        html.contains("<h1 class=\"nhsuk-heading-xl\">What changed since round 1</h1>"),
        "{html}"
    );
    assert_eq!(html.matches("id=\"change-").count(), 4, "{html}");
    for id in ["GPCM-C-1", "GPCM-C-2", "GPCM-SD-056"] {
        let href = format!("href=\"/scals/{}/sheets/{}#req-{id}\"", rounds.scal, rounds.sheet);
        assert!(html.contains(&href), "{id}: {html}");
    }
    assert!(
        !html.contains("id=\"change-GPCM-SD-028\""),
        "unchanged items are not shown"
    );
    assert!(
        html.contains("was <em>nothing</em>, now <q class=\"scal-pre-line\">We do not send FHIR messages</q>"),
        "{html}"
    );
    assert!(html.contains("replaced by a file of the same name with other content"));
    assert!(html.contains(&sha(HAZARDS_V2)[..12]));
    assert!(
        html.contains("1. Confirm your use case: </strong>was Not applicable, now Done"),
        "{html}"
    );
    assert!(html.contains("scal-table"), "tables go through data_table");

    let first = app
        .page(
            Some(&reviewer),
            Method::GET,
            &format!("/submissions/{}/changes", rounds.first),
            &[],
        )
        .await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.html.contains("This is the first round"));

    let other = app.sign_in("admin@brightwater.example", PASSWORD).await.unwrap();
    let theirs = app
        .page(
            Some(&other),
            Method::GET,
            &format!("/submissions/{}/changes", rounds.second),
            &[],
        )
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
}

/// The sheet's "Changed since the last round" filter reads the same comparison: after round 2,
/// nothing has changed since it; a file replaced afterwards shows the requirement as changed.
#[tokio::test]
async fn the_sheet_filter_counts_a_replaced_file_as_a_change() {
    let app = TestApp::demo().await;
    let rounds = two_rounds(&app).await;
    let system = scal_app::Actor::System;
    let view = scal_app::scals::view_scal(app.app(), &system, &rounds.scal)
        .await
        .unwrap();
    let changed = scal_app::submissions::changed_since_last_round(app.app(), &system, &view)
        .await
        .unwrap()
        .unwrap();
    assert!(changed.is_empty(), "{changed:?}");
    let reviewer = app.token_for("reviewer@nhse.example").await;
    app.api(
        Method::POST,
        &format!("/api/v1/submissions/{}/return", rounds.second),
        Some(&reviewer),
        Some(json!({"reason": "One more thing"})),
    )
    .await;
    let admin = scal_app::auth::actor_for(
        &scal_store::records::users::get_by_email(app.app().store.pool(), "admin@acme.example")
            .await
            .unwrap()
            .unwrap(),
    );
    let information = view.information_sheet().unwrap();
    let linked = information
        .requirements
        .iter()
        .find(|r| r.requirement.id == info::SAFETY_CASE)
        .unwrap()
        .evidence[0]
        .clone();
    let new = scal_app::evidence::upload(
        app.app(),
        &admin,
        &rounds.scal,
        &linked.file_name,
        b"%PDF-1.7 v2",
        app.now(),
    )
    .await
    .unwrap();
    scal_app::evidence::link(
        app.app(),
        &admin,
        &rounds.scal,
        &new.id,
        &information.id,
        info::SAFETY_CASE,
        app.now(),
    )
    .await
    .unwrap();
    scal_app::evidence::unlink(
        app.app(),
        &admin,
        &rounds.scal,
        &linked.id,
        &information.id,
        info::SAFETY_CASE,
        app.now(),
    )
    .await
    .unwrap();
    let view = scal_app::scals::view_scal(app.app(), &system, &rounds.scal)
        .await
        .unwrap();
    let changed = scal_app::submissions::changed_since_last_round(app.app(), &system, &view)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        changed.into_iter().collect::<Vec<_>>(),
        [(information.name.clone(), info::SAFETY_CASE.to_string())]
    );
}

/// `scal review diff`: the same JSON as the API, and a readable listing.
#[tokio::test]
async fn the_operator_reads_the_changes_at_the_command_line() {
    let app = TestApp::demo().await;
    let rounds = two_rounds(&app).await;
    let reviewer = app.token_for("reviewer@nhse.example").await;
    let (_, api) = app
        .api(
            Method::GET,
            &format!("/api/v1/submissions/{}/changes", rounds.second),
            Some(&reviewer),
            None,
        )
        .await;
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_scal"))
            .arg("--data-dir")
            .arg(app.db.data_dir())
            .args(["--database-url", &app.db.url, "review", "diff"])
            .args(args)
            .env_remove("DATABASE_URL")
            .env("SCAL_LOG", "warn")
            .output()
            .unwrap()
    };
    let json = run(&["--submission", &rounds.second, "--json"]);
    assert!(json.status.success(), "{}", String::from_utf8_lossy(&json.stderr));
    let printed: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(printed, api);

    let text = run(&["--submission", &rounds.second]);
    assert!(text.status.success(), "{}", String::from_utf8_lossy(&text.stderr));
    let out = String::from_utf8_lossy(&text.stdout);
    assert!(out.contains("round 2 compared with round 1"), "{out}");
    assert!(out.contains("4 requirement(s) changed"), "{out}");
    assert!(out.contains("GPCM-C-2\n    answer: \"Yes\" -> \"N/A\""), "{out}");
    assert!(
        out.contains(&format!(
            "file hazards.txt: replaced (sha256 {} -> {})",
            sha(HAZARDS_V1),
            sha(HAZARDS_V2)
        )),
        "{out}"
    );
    assert!(
        out.contains("step 1 Confirm your use case: Not applicable -> Done"),
        "{out}"
    );

    let first = run(&["--submission", &rounds.first]);
    assert!(first.status.success());
    assert!(String::from_utf8_lossy(&first.stdout).contains("the first round, nothing to compare it with"));

    let unknown = run(&["--submission", "5b7e0a1c-0000-4000-8000-00000000dead"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("not found"));
}

/// Scoping out is decided when sheets are issued and a sheet already issued is never issued again,
/// so rows are scoped out between rounds only with a service added: its sheet's requirements are
/// new, its scoped-out rows are listed, and so is its case; nothing else changed.
#[tokio::test]
async fn a_service_issued_between_rounds_brings_its_items_case_and_scoped_out_rows() {
    let app = TestApp::demo().await;
    let system = scal_app::Actor::System;
    let scal = crate::onboarding_pages::submitted_scal(&app).await;
    let product = app.product_id("Acme PAS").await;
    let view = scal_app::scals::view_scal(app.app(), &system, &scal).await.unwrap();
    let first = view.rounds[0].id.clone();
    let reviewer = app.token_for("reviewer@nhse.example").await;
    app.api(
        Method::POST,
        &format!("/api/v1/submissions/{first}/return"),
        Some(&reviewer),
        Some(json!({"reason": "Add e-RS too"})),
    )
    .await;
    let template = scal_app::templates::ImportRequest {
        file_name: "ers.psv".into(),
        bytes: std::fs::read(crate::support::fixture("scal-gpc-send-document.psv"))
            .unwrap()
            .into(),
        name: Some("e-RS SCAL".into()),
        service: Some("ERS-FHIR".into()),
        template_id: None,
        publish: true,
        options: Default::default(),
    };
    scal_app::templates::import(
        app.app(),
        &system,
        &template,
        scal_workbook::Limits::default(),
        app.now(),
    )
    .await
    .unwrap();
    let input = scal_app::enquiries::EnquiryInput {
        product_id: product,
        services: vec!["ERS-FHIR".into()],
        details: "Referrals".into(),
        use_cases: [("ERS-FHIR".to_string(), "Referrals from GP practices".to_string())].into(),
    };
    let enquiry = scal_app::enquiries::create(app.app(), &system, &input, app.now())
        .await
        .unwrap();
    let issue = scal_app::enquiries::IssueInput {
        scoped_out: vec![scal_app::scals::ScopeOut {
            service: "ERS-FHIR".into(),
            requirement_id: "GPCM-C-1".into(),
            reason: "Referrals do not use MESH".into(),
        }],
        ..Default::default()
    };
    scal_app::enquiries::issue(app.app(), &system, &enquiry.id, &issue, app.now())
        .await
        .unwrap();
    let admin = scal_app::auth::actor_for(
        &scal_store::records::users::get_by_email(app.app().store.pool(), "admin@acme.example")
            .await
            .unwrap()
            .unwrap(),
    );
    let view = scal_app::scals::view_scal(app.app(), &admin, &scal).await.unwrap();
    let ers = view
        .sheets
        .iter()
        .find(|s| s.service_code.as_deref() == Some("ERS-FHIR"))
        .unwrap();
    for row in &ers.requirements {
        let input = scal_app::scals::AnswerInput {
            sheet_id: ers.id.clone(),
            requirement_id: row.requirement.id.clone(),
            answer: Some("Yes".into()),
            ..Default::default()
        };
        scal_app::scals::save_answer(app.app(), &admin, &scal, &input, app.now())
            .await
            .unwrap();
    }
    // A SCAL onboarded to another service has its information sheet confirmed again.
    scal_app::scals::confirm_information(app.app(), &admin, &scal, app.now())
        .await
        .unwrap();
    let second = scal_app::submissions::submit(app.app(), &admin, &scal, app.now())
        .await
        .unwrap();
    let (status, diff) = app
        .api(
            Method::GET,
            &format!("/api/v1/submissions/{}/changes", second.id),
            Some(&reviewer),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{diff}");
    let items = diff["items"].as_array().unwrap();
    assert_eq!(items.len(), ers.requirements.len(), "{diff:#}");
    assert!(items
        .iter()
        .all(|i| i["sheet"] == ers.name.as_str() && i["change"] == "added"));
    assert!(!items.iter().any(|i| i["requirement_id"] == "GPCM-C-1"), "scoped out");
    assert_eq!(items[0]["rag_before"], Value::Null);
    assert_eq!(items[0]["rag_after"], "green");
    assert_eq!(
        diff["scoped_out"],
        json!([{"sheet": ers.name, "added": [{"requirement_id": "GPCM-C-1", "reason": "Referrals do not use MESH"}], "removed": []}])
    );
    let cases = diff["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 1, "{diff:#}");
    assert_eq!(cases[0]["service"], "ERS-FHIR");
    assert_eq!(cases[0]["change"], "added");
    assert_eq!(
        cases[0]["use_case"],
        json!({"before": null, "after": "Referrals from GP practices"})
    );
    assert_eq!(cases[0]["steps"].as_array().unwrap().len(), 10);
    assert!(cases[0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["before"].is_null()));
}
