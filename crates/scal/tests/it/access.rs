//! Who may do what, route by route. Each row names a route and the status each role gets, acting
//! on Acme's data (Acme is the suppliers' own organisation) and on Brightwater's (another
//! supplier). NHS England sees every organisation; the EUO sees only its own.
//!
//! `every_route_is_covered` fails when a route is added to the router without a row here.

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{TestApp, PASSWORD};

/// Acting users, in the column order of the tables below.
const ACTORS: [&str; 5] = [
    "admin@acme.example",
    "dev@acme.example",
    "reviewer@nhse.example",
    "admin@nhse.example",
    "practice@riverside.example",
];

/// A round's canonical snapshot with one item (the shape `submissions::submit` writes).
pub(crate) const ACCESS_SNAPSHOT: &str = r#"{"scal_id":"s","product_id":"p","product":"P","round":1,"sheets":[{"name":"Sheet","kind":"service","service":"GPC-SEND-DOC","requirements":[{"id":"R-1","level":"must","text":"It MUST work","answer":"Yes","justification":null,"mitigation":null,"target_date":null,"rag":"green","evidence":[]}],"scoped_out":[]}],"cases":[]}"#;

struct Ids {
    acme_org: String,
    bright_org: String,
    acme_product: String,
    bright_product: String,
    acme_user: String,
    bright_user: String,
    bright_token: String,
    template: String,
    acme_scal: String,
    bright_scal: String,
    acme_sheet: String,
    bright_sheet: String,
    acme_enquiry: String,
    bright_enquiry: String,
    acme_evidence: String,
    bright_evidence: String,
    /// Returned: Acme's SCAL stays editable.
    acme_submission: String,
    /// Waiting for NHS England.
    bright_submission: String,
    reviewer_user: String,
    /// A question thread on each SCAL (opened by NHS England).
    acme_thread: String,
    bright_thread: String,
    /// Acme PAS shared with Riverside (active, sharing `acme_evidence`), Brightwater EPR shared
    /// with Riverside and revoked. Written directly: the sharing rules are tested elsewhere.
    acme_share: String,
    bright_share: String,
    /// A token of the acting user, filled in per actor.
    own_token: String,
}

async fn ids(app: &TestApp) -> Ids {
    let bright_token = scal_app::tokens::create_for_email(
        app.app(),
        &scal_app::Actor::System,
        "admin@brightwater.example",
        "theirs",
        app.now(),
    )
    .await
    .unwrap()
    .token
    .id;
    let template = scal_app::templates::list(app.app(), &scal_app::Actor::System)
        .await
        .unwrap()[0]
        .0
        .id
        .clone();
    for product in ["Acme PAS", "Brightwater EPR"] {
        let id = app.product_id(product).await;
        scal_app::scals::issue(app.app(), &scal_app::Actor::System, &id, &template, None, app.now())
            .await
            .unwrap();
    }
    let system = scal_app::Actor::System;
    let mut journey = Vec::new();
    for (product, status, submission_id) in [
        ("Acme PAS", "returned", "5b7e0a1c-0000-4000-8000-000000000001"),
        ("Brightwater EPR", "submitted", "5b7e0a1c-0000-4000-8000-000000000002"),
    ] {
        let id = app.product_id(product).await;
        let sheets = scal_app::scals::sheets(app.app(), &system, &id).await.unwrap();
        let scal_id = sheets[0].record.scal_id.clone();
        let input = scal_app::enquiries::EnquiryInput {
            product_id: id.clone(),
            services: vec!["GPC-SEND-DOC".into()],
            details: "Send discharge summaries".into(),
            ..Default::default()
        };
        let enquiry = scal_app::enquiries::create(app.app(), &system, &input, app.now())
            .await
            .unwrap()
            .id;
        let evidence = scal_app::evidence::upload(app.app(), &system, &scal_id, "plan.txt", b"a plan", app.now())
            .await
            .unwrap()
            .id;
        // A round as NHS England would see it, written directly: the gate is tested elsewhere.
        // Its snapshot holds one item, which no verdict here accepts, so it cannot be accepted.
        let submission = scal_store::records::submissions::SubmissionRecord {
            id: submission_id.into(),
            scal_id: scal_id.clone(),
            round: 1,
            status: status.into(),
            snapshot: ACCESS_SNAPSHOT.into(),
            sha256: "0".repeat(64),
            submitted_by: "admin@example".into(),
            submitted_at: 0,
            decided_by: None,
            decided_at: None,
            summary: None,
        };
        scal_store::records::submissions::insert(app.app().store.pool(), &submission)
            .await
            .unwrap();
        journey.push((scal_id, sheets[0].record.id.clone(), enquiry, evidence, submission.id));
    }
    let [(acme_scal, acme_sheet, acme_enquiry, acme_evidence, acme_submission), (bright_scal, bright_sheet, bright_enquiry, bright_evidence, bright_submission)] =
        <[_; 2]>::try_from(journey).unwrap();
    let mut threads = Vec::new();
    for scal in [&acme_scal, &bright_scal] {
        let thread = scal_app::threads::open(
            app.app(),
            &system,
            scal,
            &scal_app::threads::WHOLE_SCAL,
            "Who is your clinical safety officer?",
            app.now(),
        )
        .await
        .unwrap();
        threads.push(thread.thread.id);
    }
    let [acme_thread, bright_thread] = <[_; 2]>::try_from(threads).unwrap();
    let mut shares = Vec::new();
    for (id, scal, product, org, evidence, revoked) in [
        (
            "5b7e0a1c-0000-4000-8000-0000000000a1",
            &acme_scal,
            "Acme PAS",
            "8JK21",
            &acme_evidence,
            false,
        ),
        (
            "5b7e0a1c-0000-4000-8000-0000000000a2",
            &bright_scal,
            "Brightwater EPR",
            "8QW47",
            &bright_evidence,
            true,
        ),
    ] {
        let record = scal_store::records::shares::ShareRecord {
            id: id.into(),
            product_id: app.product_id(product).await,
            scal_id: scal.clone(),
            supplier_org_id: app.org_id(org).await,
            euo_ods: "Y0R1V".into(),
            expires_on: None,
            shared_by: "cli".into(),
            shared_at: 0,
            revoked_by: revoked.then(|| "cli".into()),
            revoked_at: revoked.then_some(1),
            revoke_reason: None,
        };
        scal_store::records::shares::insert(app.app().store.pool(), &record)
            .await
            .unwrap();
        let mut tx = app.app().store.begin().await.unwrap();
        scal_store::records::shares::set_files(&mut tx, &record.id, std::slice::from_ref(evidence))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        scal_app::use_policies::publish(
            app.app(),
            &system,
            &record.product_id,
            "Use it for direct care only",
            &app.now().date().to_string(),
            app.now(),
        )
        .await
        .unwrap();
        shares.push(record.id);
    }
    let [acme_share, bright_share] = <[_; 2]>::try_from(shares).unwrap();
    Ids {
        acme_share,
        bright_share,
        acme_thread,
        bright_thread,
        reviewer_user: app.user_id("reviewer@nhse.example").await,
        acme_scal,
        bright_scal,
        acme_sheet,
        bright_sheet,
        acme_enquiry,
        bright_enquiry,
        acme_evidence,
        bright_evidence,
        acme_submission,
        bright_submission,
        acme_org: app.org_id("8JK21").await,
        bright_org: app.org_id("8QW47").await,
        acme_product: app.product_id("Acme PAS").await,
        bright_product: app.product_id("Brightwater EPR").await,
        acme_user: app.user_id("dev@acme.example").await,
        bright_user: app.user_id("admin@brightwater.example").await,
        bright_token,
        own_token: String::new(),
        template: scal_app::templates::list(app.app(), &scal_app::Actor::System)
            .await
            .unwrap()[0]
            .0
            .id
            .clone(),
    }
}

async fn own_token(app: &TestApp, email: &str) -> String {
    scal_app::tokens::create_for_email(app.app(), &scal_app::Actor::System, email, "own", app.now())
        .await
        .unwrap()
        .token
        .id
}

fn fill(template: &str, ids: &Ids, actor: usize) -> String {
    template
        .replace("{acme_org}", &ids.acme_org)
        .replace("{bright_org}", &ids.bright_org)
        .replace("{acme_product}", &ids.acme_product)
        .replace("{bright_product}", &ids.bright_product)
        .replace("{acme_user}", &ids.acme_user)
        .replace("{bright_user}", &ids.bright_user)
        .replace("{bright_token}", &ids.bright_token)
        .replace("{own_token}", &ids.own_token)
        .replace("{template}", &ids.template)
        .replace("{acme_scal}", &ids.acme_scal)
        .replace("{bright_scal}", &ids.bright_scal)
        .replace("{acme_sheet}", &ids.acme_sheet)
        .replace("{bright_sheet}", &ids.bright_sheet)
        .replace("{acme_enquiry}", &ids.acme_enquiry)
        .replace("{bright_enquiry}", &ids.bright_enquiry)
        .replace("{acme_evidence}", &ids.acme_evidence)
        .replace("{bright_evidence}", &ids.bright_evidence)
        .replace("{acme_submission}", &ids.acme_submission)
        .replace("{bright_submission}", &ids.bright_submission)
        .replace("{reviewer_user}", &ids.reviewer_user)
        .replace("{acme_thread}", &ids.acme_thread)
        .replace("{bright_thread}", &ids.bright_thread)
        .replace("{acme_share}", &ids.acme_share)
        .replace("{bright_share}", &ids.bright_share)
        .replace("{which}", "safety-case")
        .replace("{unknown}", "3f1c9a40-0000-4000-8000-000000000000")
        .replace("{requirement}", "GPCM-C-1")
        .replace("{service}", "GPC-SEND-DOC")
        .replace("{test_case}", "GPCM-SD-TST-01")
        .replace("{n}", &actor.to_string())
        .replace("LONG10K", &"x".repeat(10_001))
        .replace("LONG", &"x".repeat(2_001))
}

/// (method, path, body, expected status per actor)
fn api_cases() -> Vec<(Method, &'static str, Option<Value>, [u16; 5])> {
    use Method as M;
    vec![
        // Re-assurance: NHS England sees a template's impact and uplifts; the supplier declares a
        // product change and confirms what a reopening flagged.
        (
            M::GET,
            "/api/v1/templates/{template}/impact",
            None,
            [403, 403, 200, 200, 403],
        ),
        (
            M::POST,
            "/api/v1/templates/{template}/uplifts",
            Some(json!({"due_date": "2020-01-01"})),
            [403, 403, 422, 422, 403],
        ),
        (
            M::GET,
            "/api/v1/scals/{acme_scal}/reopenings",
            None,
            [200, 200, 200, 200, 404],
        ),
        (
            M::GET,
            "/api/v1/scals/{bright_scal}/reopenings",
            None,
            [404, 404, 200, 200, 404],
        ),
        (
            M::POST,
            "/api/v1/scals/{acme_scal}/product-changes",
            Some(json!({})),
            [422, 422, 403, 403, 404],
        ),
        (
            M::POST,
            "/api/v1/scals/{bright_scal}/product-changes",
            Some(json!({})),
            [404, 404, 403, 403, 404],
        ),
        (
            M::POST,
            "/api/v1/scals/{acme_scal}/confirmations",
            Some(json!({"sheet_id": "{acme_sheet}"})),
            [409, 409, 403, 403, 404],
        ),
        (
            M::POST,
            "/api/v1/scals/{bright_scal}/confirmations",
            Some(json!({"sheet_id": "{bright_sheet}"})),
            [404, 404, 403, 403, 404],
        ),
        // End user organisations: a supplier's administrators share; an EUO sees a share made to
        // it while active; only the EUO keeps its local assurance. The demo SCALs here have no
        // accepted round, so the accepted SCAL and its workbook are not found to anyone (the
        // journey in `shares` reads them).
        (M::GET, "/api/v1/shares", None, [200, 200, 200, 200, 200]),
        (M::GET, "/api/v1/shares/{acme_share}", None, [200, 200, 200, 200, 200]),
        (M::GET, "/api/v1/shares/{bright_share}", None, [404, 404, 200, 200, 404]),
        (M::GET, "/api/v1/shares/{unknown}", None, [404, 404, 404, 404, 404]),
        (
            M::POST,
            "/api/v1/products/{acme_product}/shares",
            Some(json!({"euo_ods": "Y0R1V"})),
            [422, 403, 403, 403, 404],
        ),
        (
            M::POST,
            "/api/v1/products/{bright_product}/shares",
            Some(json!({"euo_ods": "Y0R1V"})),
            [404, 404, 403, 403, 404],
        ),
        (
            M::GET,
            "/api/v1/products/{acme_product}/shares",
            None,
            [200, 200, 200, 200, 404],
        ),
        (
            M::GET,
            "/api/v1/products/{bright_product}/shares",
            None,
            [404, 404, 200, 200, 404],
        ),
        (
            M::POST,
            "/api/v1/shares/{acme_share}/revoke",
            Some(json!({"reason": "LONG"})),
            [422, 403, 403, 403, 404],
        ),
        (
            M::POST,
            "/api/v1/shares/{bright_share}/revoke",
            Some(json!({})),
            [404, 404, 403, 403, 404],
        ),
        (
            M::PUT,
            "/api/v1/shares/{acme_share}/files",
            Some(json!({"evidence_ids": ["{bright_evidence}"]})),
            [422, 403, 403, 403, 404],
        ),
        (
            M::PUT,
            "/api/v1/shares/{bright_share}/files",
            Some(json!({"evidence_ids": []})),
            [404, 404, 403, 403, 404],
        ),
        (
            M::GET,
            "/api/v1/shares/{acme_share}/files/{acme_evidence}",
            None,
            [200, 200, 200, 200, 200],
        ),
        (
            M::GET,
            "/api/v1/shares/{acme_share}/files/{bright_evidence}",
            None,
            [404, 404, 404, 404, 404],
        ),
        (
            M::GET,
            "/api/v1/shares/{bright_share}/files/{bright_evidence}",
            None,
            [404, 404, 200, 200, 404],
        ),
        (
            M::GET,
            "/api/v1/shares/{acme_share}/scal",
            None,
            [404, 404, 404, 404, 404],
        ),
        (
            M::GET,
            "/api/v1/shares/{acme_share}/workbook",
            None,
            [404, 404, 404, 404, 404],
        ),
        (
            M::POST,
            "/api/v1/products/{acme_product}/use-policy",
            Some(json!({})),
            [422, 403, 403, 403, 404],
        ),
        (
            M::POST,
            "/api/v1/products/{bright_product}/use-policy",
            Some(json!({})),
            [404, 404, 403, 403, 404],
        ),
        (
            M::GET,
            "/api/v1/products/{acme_product}/use-policy",
            None,
            [200, 200, 200, 200, 404],
        ),
        (
            M::GET,
            "/api/v1/products/{bright_product}/use-policy",
            None,
            [404, 404, 200, 200, 404],
        ),
        (
            M::GET,
            "/api/v1/shares/{acme_share}/use-policy",
            None,
            [200, 200, 200, 200, 200],
        ),
        (
            M::GET,
            "/api/v1/shares/{bright_share}/use-policy",
            None,
            [404, 404, 200, 200, 404],
        ),
        (
            M::POST,
            "/api/v1/shares/{acme_share}/use-policy/acknowledgements",
            Some(json!({"policy_id": "{unknown}"})),
            [403, 403, 403, 403, 422],
        ),
        (
            M::POST,
            "/api/v1/shares/{bright_share}/use-policy/acknowledgements",
            Some(json!({"policy_id": "{unknown}"})),
            [404, 404, 403, 403, 404],
        ),
        (
            M::GET,
            "/api/v1/shares/{acme_share}/local-assurance",
            None,
            [403, 403, 403, 403, 200],
        ),
        (
            M::GET,
            "/api/v1/shares/{bright_share}/local-assurance",
            None,
            [404, 404, 403, 403, 404],
        ),
        (
            M::PUT,
            "/api/v1/shares/{acme_share}/local-assurance/safety-officer",
            Some(json!({})),
            [403, 403, 403, 403, 422],
        ),
        (
            M::PUT,
            "/api/v1/shares/{acme_share}/local-assurance/local-controls",
            Some(json!({"local_controls": "LONG10K"})),
            [403, 403, 403, 403, 422],
        ),
        (
            M::POST,
            "/api/v1/shares/{acme_share}/local-assurance/decision",
            Some(json!({})),
            [403, 403, 403, 403, 422],
        ),
        (
            M::PUT,
            "/api/v1/shares/{acme_share}/local-assurance/go-live",
            Some(json!({})),
            [403, 403, 403, 403, 422],
        ),
        (
            M::PUT,
            "/api/v1/shares/{acme_share}/local-assurance/files/{which}",
            None,
            [403, 403, 403, 403, 422],
        ),
        (
            M::GET,
            "/api/v1/shares/{acme_share}/local-assurance/files/{which}",
            None,
            [403, 403, 403, 403, 404],
        ),
        (
            M::GET,
            "/api/v1/shares/{bright_share}/local-assurance/files/{which}",
            None,
            [404, 404, 403, 403, 404],
        ),
        (M::GET, "/api/v1/me", None, [200, 200, 200, 200, 200]),
        (
            M::POST,
            "/api/v1/me/password",
            Some(json!({"current_password": PASSWORD, "new_password": "matrix passphrase {n}"})),
            [204, 204, 204, 204, 204],
        ),
        (M::GET, "/api/v1/organisations", None, [200, 200, 200, 200, 200]),
        (
            M::POST,
            "/api/v1/organisations",
            Some(json!({"ods_code": "8NEW{n}", "name": "New", "kind": "supplier"})),
            [403, 403, 403, 201, 403],
        ),
        (
            M::GET,
            "/api/v1/organisations/{acme_org}",
            None,
            [200, 200, 200, 200, 404],
        ),
        (
            M::GET,
            "/api/v1/organisations/{bright_org}",
            None,
            [404, 404, 200, 200, 404],
        ),
        (
            M::PATCH,
            "/api/v1/organisations/{acme_org}",
            Some(json!({"name": "Acme Health Systems"})),
            [403, 403, 403, 200, 404],
        ),
        (
            M::PATCH,
            "/api/v1/organisations/{bright_org}",
            Some(json!({"name": "Brightwater Clinical"})),
            [404, 404, 403, 200, 404],
        ),
        (
            M::GET,
            "/api/v1/organisations/{acme_org}/users",
            None,
            [200, 200, 200, 200, 404],
        ),
        (
            M::GET,
            "/api/v1/organisations/{bright_org}/users",
            None,
            [404, 404, 200, 200, 404],
        ),
        (
            M::POST,
            "/api/v1/organisations/{acme_org}/users",
            Some(json!({"email": "a{n}@acme.example", "name": "A", "role": "supplier_member"})),
            [201, 403, 403, 201, 404],
        ),
        (
            M::POST,
            "/api/v1/organisations/{bright_org}/users",
            Some(json!({"email": "b{n}@bright.example", "name": "B", "role": "supplier_member"})),
            [404, 404, 403, 201, 404],
        ),
        (M::GET, "/api/v1/users/{acme_user}", None, [200, 200, 200, 200, 404]),
        (M::GET, "/api/v1/users/{bright_user}", None, [404, 404, 200, 200, 404]),
        (
            M::PATCH,
            "/api/v1/users/{acme_user}",
            Some(json!({"name": "Dev Okafor"})),
            [200, 403, 403, 200, 404],
        ),
        (
            M::PATCH,
            "/api/v1/users/{bright_user}",
            Some(json!({"name": "Grace Lin"})),
            [404, 404, 403, 200, 404],
        ),
        (
            M::POST,
            "/api/v1/users/{acme_user}/password-reset",
            None,
            [202, 403, 403, 202, 404],
        ),
        (
            M::POST,
            "/api/v1/users/{bright_user}/password-reset",
            None,
            [404, 404, 403, 202, 404],
        ),
        (M::GET, "/api/v1/products", None, [200, 200, 200, 200, 200]),
        (
            M::POST,
            "/api/v1/products",
            Some(json!({"name": "P{n}", "version": "1"})),
            [201, 201, 403, 403, 403],
        ),
        (
            M::GET,
            "/api/v1/products/{acme_product}",
            None,
            [200, 200, 200, 200, 404],
        ),
        (
            M::GET,
            "/api/v1/products/{bright_product}",
            None,
            [404, 404, 200, 200, 404],
        ),
        (
            M::PATCH,
            "/api/v1/products/{acme_product}",
            Some(json!({"description": "Changed"})),
            [200, 200, 403, 200, 404],
        ),
        (
            M::PATCH,
            "/api/v1/products/{bright_product}",
            Some(json!({"description": "Changed"})),
            [404, 404, 403, 200, 404],
        ),
        (M::GET, "/api/v1/services", None, [200, 200, 200, 200, 200]),
        (
            M::POST,
            "/api/v1/services",
            Some(json!({"code": "NEW-{n}", "name": "New", "network": "internet", "onboarding_route": "scal"})),
            [403, 403, 403, 201, 403],
        ),
        (M::GET, "/api/v1/services/PDS-FHIR", None, [200, 200, 200, 200, 200]),
        (
            M::PATCH,
            "/api/v1/services/PDS-FHIR",
            Some(json!({"use_case_required": true})),
            [403, 403, 403, 200, 403],
        ),
        (M::GET, "/api/v1/tokens", None, [200, 200, 200, 200, 200]),
        (
            M::POST,
            "/api/v1/tokens",
            Some(json!({"name": "t"})),
            [201, 201, 201, 201, 201],
        ),
        (
            M::DELETE,
            "/api/v1/tokens/{bright_token}",
            None,
            [404, 404, 404, 404, 404],
        ),
        (M::DELETE, "/api/v1/tokens/{own_token}", None, [200, 200, 200, 200, 200]),
        (M::GET, "/api/v1/audit", None, [403, 403, 403, 200, 403]),
        (M::GET, "/api/v1/templates", None, [200, 200, 200, 200, 200]),
        (M::GET, "/api/v1/templates/{template}", None, [200, 200, 200, 200, 200]),
        (
            M::POST,
            "/api/v1/products/{acme_product}/scal/issue",
            Some(json!({"template_id": "{template}"})),
            [403, 403, 200, 200, 404],
        ),
        (
            M::POST,
            "/api/v1/products/{bright_product}/scal/issue",
            Some(json!({"template_id": "{template}"})),
            // Brightwater's round is with NHS England (409) until the reviewer returns it below.
            [404, 404, 409, 200, 404],
        ),
        (
            M::GET,
            "/api/v1/products/{acme_product}/scal",
            None,
            [200, 200, 200, 200, 404],
        ),
        (
            M::GET,
            "/api/v1/products/{bright_product}/scal",
            None,
            [404, 404, 200, 200, 404],
        ),
        (
            M::GET,
            "/api/v1/products/{acme_product}/workbook",
            None,
            [200, 200, 200, 200, 404],
        ),
        (
            M::GET,
            "/api/v1/products/{bright_product}/workbook",
            None,
            [404, 404, 200, 200, 404],
        ),
        (
            M::POST,
            "/api/v1/products/{acme_product}/answers/import",
            Some(json!("not a workbook")),
            [422, 422, 403, 403, 404],
        ),
        (
            M::POST,
            "/api/v1/products/{bright_product}/answers/import",
            Some(json!("not a workbook")),
            [404, 404, 403, 403, 404],
        ),
        (
            M::GET,
            "/api/v1/templates/{template}/versions/1/export",
            None,
            [200, 200, 200, 200, 200],
        ),
        (
            M::GET,
            "/api/v1/templates/{template}/versions/1",
            None,
            [200, 200, 200, 200, 200],
        ),
        (
            M::GET,
            "/api/v1/templates/{template}/diff",
            None,
            [200, 200, 200, 200, 200],
        ),
        (
            M::POST,
            "/api/v1/templates/{template}/versions/1/publish",
            None,
            [403, 403, 422, 422, 403],
        ),
        (
            M::POST,
            "/api/v1/templates/import",
            Some(json!("not a workbook")),
            [403, 403, 422, 422, 403],
        ),
        // The supplier journey.
        (
            M::POST,
            "/api/v1/enquiries",
            Some(json!({"product_id": "{acme_product}", "services": ["GPC-SEND-DOC"], "details": "d"})),
            [201, 201, 403, 403, 403],
        ),
        (
            M::POST,
            "/api/v1/enquiries",
            Some(json!({"product_id": "{bright_product}", "services": ["GPC-SEND-DOC"], "details": "d"})),
            [422, 422, 403, 403, 403],
        ),
        (M::GET, "/api/v1/enquiries", None, [200, 200, 200, 200, 403]),
        (
            M::GET,
            "/api/v1/enquiries/{acme_enquiry}",
            None,
            [200, 200, 200, 200, 404],
        ),
        (
            M::GET,
            "/api/v1/enquiries/{bright_enquiry}",
            None,
            [404, 404, 200, 200, 404],
        ),
        // Only NHS England asks about or declines an enquiry (an empty question or reason is
        // refused, so the enquiry stays open); only its supplier answers, once asked.
        (
            M::POST,
            "/api/v1/enquiries/{acme_enquiry}/question",
            Some(json!({"question": ""})),
            [403, 403, 422, 422, 404],
        ),
        (
            M::POST,
            "/api/v1/enquiries/{acme_enquiry}/decline",
            Some(json!({"reason": " "})),
            [403, 403, 422, 422, 404],
        ),
        (
            M::POST,
            "/api/v1/enquiries/{acme_enquiry}/answer",
            Some(json!({"answer": "More detail"})),
            [409, 409, 403, 403, 404],
        ),
        (
            M::POST,
            "/api/v1/enquiries/{bright_enquiry}/answer",
            Some(json!({"answer": "More detail"})),
            [404, 404, 403, 403, 404],
        ),
        // Issued once; issuing again is a conflict.
        (
            M::POST,
            "/api/v1/enquiries/{acme_enquiry}/issue",
            None,
            [403, 403, 200, 409, 404],
        ),
        (
            M::POST,
            "/api/v1/enquiries/{bright_enquiry}/issue",
            None,
            // Under review (409) for the reviewer; returned by then for the administrator.
            [404, 404, 409, 200, 404],
        ),
        (M::GET, "/api/v1/scals/{acme_scal}", None, [200, 200, 200, 200, 404]),
        (M::GET, "/api/v1/scals/{bright_scal}", None, [404, 404, 200, 200, 404]),
        (
            M::PUT,
            "/api/v1/scals/{acme_scal}/answers",
            Some(json!({"sheet_id": "{acme_sheet}", "requirement_id": "GPCM-C-1", "answer": "Yes"})),
            [200, 200, 403, 403, 404],
        ),
        (
            M::PUT,
            "/api/v1/scals/{bright_scal}/answers",
            Some(json!({"sheet_id": "{bright_sheet}", "requirement_id": "GPCM-C-1", "answer": "Yes"})),
            [404, 404, 403, 403, 404],
        ),
        (
            M::GET,
            "/api/v1/scals/{acme_scal}/cases",
            None,
            [200, 200, 200, 200, 404],
        ),
        (
            M::GET,
            "/api/v1/scals/{bright_scal}/cases",
            None,
            [404, 404, 200, 200, 404],
        ),
        (
            M::PUT,
            "/api/v1/scals/{acme_scal}/cases/GPC-SEND-DOC/use-case",
            Some(json!({"use_case": "Send discharge summaries"})),
            [204, 204, 403, 403, 404],
        ),
        (
            M::PUT,
            "/api/v1/scals/{bright_scal}/cases/GPC-SEND-DOC/use-case",
            Some(json!({"use_case": "Send discharge summaries"})),
            [404, 404, 403, 403, 404],
        ),
        (
            M::POST,
            "/api/v1/scals/{acme_scal}/information/confirm",
            None,
            [204, 204, 403, 403, 404],
        ),
        (
            M::POST,
            "/api/v1/scals/{bright_scal}/information/confirm",
            None,
            [404, 404, 403, 403, 404],
        ),
        (
            M::POST,
            "/api/v1/scals/{acme_scal}/evidence",
            Some(json!("a plain text plan")),
            [201, 201, 403, 403, 404],
        ),
        (
            M::POST,
            "/api/v1/scals/{bright_scal}/evidence",
            Some(json!("a plain text plan")),
            [404, 404, 403, 403, 404],
        ),
        (
            M::GET,
            "/api/v1/scals/{acme_scal}/evidence",
            None,
            [200, 200, 200, 200, 404],
        ),
        (
            M::GET,
            "/api/v1/scals/{bright_scal}/evidence",
            None,
            [404, 404, 200, 200, 404],
        ),
        // Linked once; linking the same file again is refused.
        (
            M::POST,
            "/api/v1/scals/{acme_scal}/evidence/{acme_evidence}/links",
            Some(json!({"sheet_id": "{acme_sheet}", "requirement_id": "GPCM-C-1"})),
            [204, 422, 403, 403, 404],
        ),
        (
            M::POST,
            "/api/v1/scals/{acme_scal}/evidence/{bright_evidence}/links",
            Some(json!({"sheet_id": "{acme_sheet}", "requirement_id": "GPCM-C-2"})),
            // Another organisation's file is not found, as an unknown one is.
            [404, 404, 403, 403, 404],
        ),
        // Unlinking what is not linked is refused; only the supplier may unlink.
        (
            M::DELETE,
            "/api/v1/scals/{acme_scal}/evidence/{acme_evidence}/links",
            Some(json!({"sheet_id": "{acme_sheet}", "requirement_id": "GPCM-C-2"})),
            [422, 422, 403, 403, 404],
        ),
        (
            M::DELETE,
            "/api/v1/scals/{bright_scal}/evidence/{bright_evidence}/links",
            Some(json!({"sheet_id": "{bright_sheet}", "requirement_id": "GPCM-C-3"})),
            [404, 404, 403, 403, 404],
        ),
        // Deleting: an unknown file is not found; another organisation's file reads the same.
        (M::DELETE, "/api/v1/evidence/{unknown}", None, [404, 404, 404, 404, 404]),
        (
            M::DELETE,
            "/api/v1/evidence/{bright_evidence}",
            None,
            [404, 404, 403, 403, 404],
        ),
        (
            M::GET,
            "/api/v1/evidence/{acme_evidence}",
            None,
            [200, 200, 200, 200, 404],
        ),
        (
            M::GET,
            "/api/v1/evidence/{bright_evidence}",
            None,
            [404, 404, 200, 200, 404],
        ),
        // Acme's SCAL is not ready; Brightwater's is with NHS England.
        (
            M::POST,
            "/api/v1/scals/{acme_scal}/submissions",
            None,
            [422, 422, 403, 403, 404],
        ),
        (
            M::POST,
            "/api/v1/scals/{bright_scal}/submissions",
            None,
            [404, 404, 403, 403, 404],
        ),
        (M::GET, "/api/v1/submissions", None, [200, 200, 200, 200, 403]),
        (
            M::GET,
            "/api/v1/submissions/{acme_submission}",
            None,
            [200, 200, 200, 200, 404],
        ),
        (
            M::GET,
            "/api/v1/submissions/{bright_submission}",
            None,
            [404, 404, 200, 200, 404],
        ),
        // What changed since the last round: seen as the round is.
        (
            M::GET,
            "/api/v1/submissions/{acme_submission}/changes",
            None,
            [200, 200, 200, 200, 404],
        ),
        (
            M::GET,
            "/api/v1/submissions/{bright_submission}/changes",
            None,
            [404, 404, 200, 200, 404],
        ),
        // A round with NHS England is taken by the reviewer (the administrator, after the
        // reviewer has returned it below, finds it no longer with NHS England); suppliers may not.
        (
            M::POST,
            "/api/v1/submissions/{bright_submission}/reviewer",
            Some(json!({"reviewer_id": "{reviewer_user}"})),
            [404, 404, 200, 409, 404],
        ),
        (
            M::POST,
            "/api/v1/submissions/{acme_submission}/reviewer",
            Some(json!({"reviewer_id": "{reviewer_user}"})),
            [403, 403, 409, 409, 404],
        ),
        // The review: suppliers read their own round's review; only NHS England records verdicts
        // (an item not in the round is refused) and accepts (blocked: the item has no verdict);
        // only the supplier withdraws, and a decided round is final.
        (
            M::GET,
            "/api/v1/submissions/{acme_submission}/review",
            None,
            [200, 200, 200, 200, 404],
        ),
        (
            M::GET,
            "/api/v1/submissions/{bright_submission}/review",
            None,
            [404, 404, 200, 200, 404],
        ),
        (
            M::POST,
            "/api/v1/submissions/{bright_submission}/verdicts",
            Some(json!({"verdicts": [{"sheet": "Sheet", "requirement_id": "NOPE-1", "verdict": "accepted"}]})),
            [404, 404, 422, 409, 404],
        ),
        (
            M::POST,
            "/api/v1/submissions/{acme_submission}/verdicts",
            Some(json!({"verdicts": [{"sheet": "Sheet", "requirement_id": "R-1", "verdict": "accepted"}]})),
            [403, 403, 409, 409, 404],
        ),
        // The review workbook: NHS England only. Uploading is refused once the round is decided
        // (Brightwater's, for the administrator, after the reviewer returned it below; Acme's).
        (
            M::GET,
            "/api/v1/submissions/{acme_submission}/review/workbook",
            None,
            [403, 403, 200, 200, 404],
        ),
        (
            M::GET,
            "/api/v1/submissions/{bright_submission}/review/workbook",
            None,
            [404, 404, 200, 200, 404],
        ),
        (
            M::PUT,
            "/api/v1/submissions/{bright_submission}/review/workbook",
            Some(json!("not a workbook")),
            [404, 404, 422, 409, 404],
        ),
        (
            M::PUT,
            "/api/v1/submissions/{acme_submission}/review/workbook",
            Some(json!("not a workbook")),
            [403, 403, 409, 409, 404],
        ),
        (
            M::POST,
            "/api/v1/submissions/{bright_submission}/accept",
            None,
            [404, 404, 409, 409, 404],
        ),
        (
            M::POST,
            "/api/v1/submissions/{acme_submission}/accept",
            None,
            [403, 403, 409, 409, 404],
        ),
        (
            M::POST,
            "/api/v1/submissions/{bright_submission}/withdraw",
            None,
            [404, 404, 403, 403, 404],
        ),
        (
            M::POST,
            "/api/v1/submissions/{acme_submission}/withdraw",
            None,
            [409, 409, 403, 403, 404],
        ),
        // Connection agreements and go-live: NHS England's administrators publish versions; NHS
        // England prepares and approves (neither SCAL is certified, so go-live is blocked); an
        // agreement nobody can see is not found.
        (M::GET, "/api/v1/agreement-versions", None, [200, 200, 200, 200, 403]),
        (
            M::POST,
            "/api/v1/agreement-versions",
            Some(json!({"title": "Agreement", "text": "The text", "effective_date": "2027-01-01"})),
            [403, 403, 403, 201, 403],
        ),
        (
            M::POST,
            "/api/v1/agreement-versions/{unknown}/request-acceptance",
            None,
            [403, 403, 404, 404, 403],
        ),
        (
            M::POST,
            "/api/v1/scals/{acme_scal}/agreements",
            Some(json!({"version_id": "{unknown}", "signatory": "admin@acme.example"})),
            [403, 403, 422, 422, 404],
        ),
        (
            M::POST,
            "/api/v1/scals/{bright_scal}/agreements",
            Some(json!({"version_id": "{unknown}", "signatory": "admin@brightwater.example"})),
            [404, 404, 422, 422, 404],
        ),
        (
            M::GET,
            "/api/v1/scals/{acme_scal}/agreements",
            None,
            [200, 200, 200, 200, 404],
        ),
        (
            M::GET,
            "/api/v1/scals/{bright_scal}/agreements",
            None,
            [404, 404, 200, 200, 404],
        ),
        (M::GET, "/api/v1/agreements/{unknown}", None, [404, 404, 404, 404, 404]),
        (
            M::POST,
            "/api/v1/agreements/{unknown}/accept",
            Some(json!({"full_name": "A B", "job_title": "Director"})),
            [404, 404, 404, 404, 404],
        ),
        (
            M::GET,
            "/api/v1/agreements/{unknown}/seal",
            None,
            [404, 404, 404, 404, 404],
        ),
        (
            M::POST,
            "/api/v1/agreements/{unknown}/signatory",
            Some(json!({"signatory": "admin@acme.example"})),
            [404, 404, 404, 404, 404],
        ),
        (
            M::POST,
            "/api/v1/agreements/{unknown}/withdraw",
            None,
            [404, 404, 404, 404, 404],
        ),
        (
            M::POST,
            "/api/v1/agreements/{unknown}/seal/check",
            Some(json!({})),
            [404, 404, 404, 404, 404],
        ),
        (
            M::GET,
            "/api/v1/scals/{acme_scal}/go-live",
            None,
            [200, 200, 200, 200, 404],
        ),
        (
            M::GET,
            "/api/v1/scals/{bright_scal}/go-live",
            None,
            [404, 404, 200, 200, 404],
        ),
        (
            M::POST,
            "/api/v1/scals/{acme_scal}/go-live",
            Some(json!({"service": "GPC-SEND-DOC"})),
            [403, 403, 409, 409, 404],
        ),
        (
            M::POST,
            "/api/v1/scals/{bright_scal}/go-live",
            Some(json!({"service": "GPC-SEND-DOC"})),
            [404, 404, 409, 409, 404],
        ),
        // Certificates: only NHS England issues (neither SCAL is accepted, so it is blocked);
        // a certificate nobody can see is not found, its public status and JWS included.
        (
            M::POST,
            "/api/v1/scals/{acme_scal}/certificates",
            Some(json!({})),
            [403, 403, 409, 409, 404],
        ),
        (
            M::POST,
            "/api/v1/scals/{bright_scal}/certificates",
            Some(json!({})),
            [404, 404, 409, 409, 404],
        ),
        (
            M::GET,
            "/api/v1/scals/{acme_scal}/certificates",
            None,
            [200, 200, 200, 200, 404],
        ),
        (
            M::GET,
            "/api/v1/scals/{bright_scal}/certificates",
            None,
            [404, 404, 200, 200, 404],
        ),
        (
            M::GET,
            "/api/v1/certificates/{unknown}",
            None,
            [404, 404, 404, 404, 404],
        ),
        (
            M::GET,
            "/api/v1/certificates/{unknown}/status",
            None,
            [404, 404, 404, 404, 404],
        ),
        (
            M::GET,
            "/api/v1/certificates/{unknown}/jws",
            None,
            [404, 404, 404, 404, 404],
        ),
        (
            M::GET,
            "/api/v1/certificates/{unknown}/pdf",
            None,
            [404, 404, 404, 404, 404],
        ),
        (
            M::POST,
            "/api/v1/certificates/{unknown}/revoke",
            Some(json!({"reason": "x"})),
            [404, 404, 404, 404, 404],
        ),
        (
            M::POST,
            "/api/v1/conditions/{unknown}/met",
            Some(json!({"note": "x"})),
            [404, 404, 404, 404, 404],
        ),
        (
            M::POST,
            "/api/v1/conditions/{unknown}/confirm",
            None,
            [404, 404, 404, 404, 404],
        ),
        (
            M::POST,
            "/api/v1/submissions/{acme_submission}/return",
            Some(json!({"reason": "Attach the hazard log"})),
            [403, 403, 409, 409, 404],
        ),
        (
            M::POST,
            "/api/v1/submissions/{bright_submission}/return",
            Some(json!({"reason": "Attach the hazard log"})),
            [404, 404, 200, 409, 404],
        ),
        (M::GET, "/api/v1/notifications", None, [200, 200, 200, 200, 200]),
        // What falls due for the caller: every signed-in user has a list (their own).
        (M::GET, "/api/v1/upcoming", None, [200, 200, 200, 200, 200]),
        // Question threads: NHS England opens and resolves them, the SCAL's supplier answers.
        // The reviewer resolves Acme's thread, so the administrator after them finds it
        // resolved (409); another organisation's threads are not found.
        (
            M::GET,
            "/api/v1/scals/{acme_scal}/threads",
            None,
            [200, 200, 200, 200, 404],
        ),
        (
            M::GET,
            "/api/v1/scals/{bright_scal}/threads",
            None,
            [404, 404, 200, 200, 404],
        ),
        (
            M::POST,
            "/api/v1/scals/{acme_scal}/threads",
            Some(json!({"subject": "scal", "body": "Question {n}"})),
            [403, 403, 201, 201, 404],
        ),
        (
            M::POST,
            "/api/v1/scals/{bright_scal}/threads",
            Some(json!({"subject": "scal", "body": "Question {n}"})),
            [404, 404, 201, 201, 404],
        ),
        (M::GET, "/api/v1/threads/{acme_thread}", None, [200, 200, 200, 200, 404]),
        (
            M::GET,
            "/api/v1/threads/{bright_thread}",
            None,
            [404, 404, 200, 200, 404],
        ),
        (
            M::POST,
            "/api/v1/threads/{acme_thread}/messages",
            Some(json!({"body": "Answer {n}"})),
            [201, 201, 201, 409, 404],
        ),
        (
            M::POST,
            "/api/v1/threads/{bright_thread}/messages",
            Some(json!({"body": "Answer {n}"})),
            [404, 404, 201, 409, 404],
        ),
        (
            M::POST,
            "/api/v1/threads/{acme_thread}/resolve",
            None,
            [403, 403, 200, 409, 404],
        ),
        (
            M::POST,
            "/api/v1/threads/{bright_thread}/resolve",
            None,
            [404, 404, 200, 409, 404],
        ),
        // Internal notes do not exist for anyone outside NHS England, their own SCAL or not.
        (
            M::GET,
            "/api/v1/scals/{acme_scal}/notes",
            None,
            [404, 404, 200, 200, 404],
        ),
        (
            M::GET,
            "/api/v1/scals/{bright_scal}/notes",
            None,
            [404, 404, 200, 200, 404],
        ),
        (
            M::POST,
            "/api/v1/scals/{acme_scal}/notes",
            Some(json!({"body": "Note {n}"})),
            [404, 404, 201, 201, 404],
        ),
        (
            M::POST,
            "/api/v1/scals/{bright_scal}/notes",
            Some(json!({"body": "Note {n}"})),
            [404, 404, 201, 201, 404],
        ),
        // Technical testing: the SCAL's supplier and NHS England see it; only NHS England records,
        // and only once the SCAL is accepted (neither SCAL here is: 409).
        (
            M::GET,
            "/api/v1/scals/{acme_scal}/testing",
            None,
            [200, 200, 200, 200, 404],
        ),
        (
            M::GET,
            "/api/v1/scals/{bright_scal}/testing",
            None,
            [404, 404, 200, 200, 404],
        ),
        (
            M::POST,
            "/api/v1/scals/{acme_scal}/testing/{service}/results",
            Some(json!({"test_case_id": "GPCM-SD-TST-01", "outcome": "passed"})),
            [403, 403, 409, 409, 404],
        ),
        (
            M::POST,
            "/api/v1/scals/{bright_scal}/testing/{service}/results",
            Some(json!({"test_case_id": "GPCM-SD-TST-01", "outcome": "passed"})),
            [404, 404, 409, 409, 404],
        ),
        (
            M::GET,
            "/api/v1/services/GPC-SEND-DOC/reviewers",
            None,
            [403, 403, 200, 200, 403],
        ),
        (
            M::POST,
            "/api/v1/services/GPC-SEND-DOC/reviewers",
            Some(json!({"email": "reviewer@nhse.example"})),
            [403, 403, 403, 200, 403],
        ),
        (
            M::DELETE,
            "/api/v1/services/GPC-SEND-DOC/reviewers/{reviewer_user}",
            None,
            [403, 403, 403, 204, 403],
        ),
    ]
}

/// (method, path, form fields, expected status per actor). 303 is a successful post.
type PageCase = (Method, &'static str, Vec<(&'static str, &'static str)>, [u16; 5]);

fn page_cases() -> Vec<PageCase> {
    use Method as M;
    vec![
        (
            M::GET,
            "/templates/{template}/impact",
            vec![],
            [403, 403, 200, 200, 403],
        ),
        (
            M::POST,
            "/templates/{template}/uplifts",
            vec![("due_date", "2020-01-01")],
            [403, 403, 422, 422, 403],
        ),
        (
            M::GET,
            "/scals/{acme_scal}/product-change",
            vec![],
            [200, 200, 403, 403, 404],
        ),
        (
            M::GET,
            "/scals/{bright_scal}/product-change",
            vec![],
            [404, 404, 403, 403, 404],
        ),
        (
            M::POST,
            "/scals/{acme_scal}/product-change",
            vec![],
            [422, 422, 403, 403, 404],
        ),
        (
            M::POST,
            "/scals/{acme_scal}/confirmations",
            vec![("sheet_id", "{acme_sheet}")],
            [409, 409, 403, 403, 404],
        ),
        (
            M::POST,
            "/scals/{bright_scal}/confirmations",
            vec![("sheet_id", "{bright_sheet}")],
            [404, 404, 403, 403, 404],
        ),
        (M::GET, "/shares", vec![], [200, 200, 200, 200, 200]),
        (
            M::GET,
            "/products/{acme_product}/shares",
            vec![],
            [200, 200, 200, 200, 404],
        ),
        (
            M::GET,
            "/products/{bright_product}/shares",
            vec![],
            [404, 404, 200, 200, 404],
        ),
        (
            M::GET,
            "/products/{acme_product}/shares/new",
            vec![],
            [200, 403, 403, 403, 404],
        ),
        (
            M::GET,
            "/products/{bright_product}/shares/new",
            vec![],
            [404, 404, 403, 403, 404],
        ),
        (
            M::POST,
            "/products/{acme_product}/shares/new",
            vec![("euo_ods", "Y0R1V")],
            [422, 403, 403, 403, 404],
        ),
        (
            M::GET,
            "/products/{acme_product}/use-policy",
            vec![],
            [200, 200, 200, 200, 404],
        ),
        (
            M::GET,
            "/products/{bright_product}/use-policy",
            vec![],
            [404, 404, 200, 200, 404],
        ),
        (
            M::POST,
            "/products/{acme_product}/use-policy",
            vec![],
            [422, 403, 403, 403, 404],
        ),
        (M::GET, "/shares/{acme_share}", vec![], [200, 200, 200, 200, 200]),
        (M::GET, "/shares/{bright_share}", vec![], [404, 404, 200, 200, 404]),
        (M::GET, "/shares/{unknown}", vec![], [404, 404, 404, 404, 404]),
        (
            M::POST,
            "/shares/{acme_share}/files",
            vec![("evidence_ids", "{bright_evidence}")],
            [422, 403, 403, 403, 404],
        ),
        (
            M::GET,
            "/shares/{acme_share}/files/{acme_evidence}",
            vec![],
            [200, 200, 200, 200, 200],
        ),
        (
            M::GET,
            "/shares/{acme_share}/files/{bright_evidence}",
            vec![],
            [404, 404, 404, 404, 404],
        ),
        (M::GET, "/shares/{acme_share}/revoke", vec![], [200, 403, 403, 403, 404]),
        (
            M::POST,
            "/shares/{acme_share}/revoke",
            vec![("reason", "LONG")],
            [422, 403, 403, 403, 404],
        ),
        (M::GET, "/shares/{acme_share}/scal", vec![], [404, 404, 404, 404, 404]),
        (
            M::GET,
            "/shares/{acme_share}/workbook",
            vec![],
            [404, 404, 404, 404, 404],
        ),
        (
            M::GET,
            "/shares/{acme_share}/use-policy",
            vec![],
            [200, 200, 200, 200, 200],
        ),
        (
            M::GET,
            "/shares/{bright_share}/use-policy",
            vec![],
            [404, 404, 200, 200, 404],
        ),
        (
            M::POST,
            "/shares/{acme_share}/use-policy",
            vec![("policy_id", "{unknown}")],
            [403, 403, 403, 403, 422],
        ),
        (
            M::GET,
            "/shares/{acme_share}/local-assurance",
            vec![],
            [403, 403, 403, 403, 200],
        ),
        (
            M::GET,
            "/shares/{bright_share}/local-assurance",
            vec![],
            [404, 404, 403, 403, 404],
        ),
        (
            M::GET,
            "/shares/{acme_share}/local-assurance/safety-officer",
            vec![],
            [403, 403, 403, 403, 200],
        ),
        (
            M::POST,
            "/shares/{acme_share}/local-assurance/safety-officer",
            vec![],
            [403, 403, 403, 403, 422],
        ),
        (
            M::GET,
            "/shares/{acme_share}/local-assurance/files/{which}",
            vec![],
            [403, 403, 403, 403, 200],
        ),
        (
            M::POST,
            "/shares/{acme_share}/local-assurance/files/{which}",
            vec![],
            [403, 403, 403, 403, 400],
        ),
        (
            M::GET,
            "/shares/{acme_share}/local-assurance/files/{which}/file",
            vec![],
            [403, 403, 403, 403, 404],
        ),
        (
            M::GET,
            "/shares/{acme_share}/local-assurance/local-controls",
            vec![],
            [403, 403, 403, 403, 200],
        ),
        (
            M::POST,
            "/shares/{acme_share}/local-assurance/local-controls",
            vec![("local_controls", "LONG10K")],
            [403, 403, 403, 403, 422],
        ),
        (
            M::GET,
            "/shares/{acme_share}/local-assurance/decision",
            vec![],
            [403, 403, 403, 403, 200],
        ),
        (
            M::POST,
            "/shares/{acme_share}/local-assurance/decision",
            vec![],
            [403, 403, 403, 403, 422],
        ),
        (
            M::GET,
            "/shares/{acme_share}/local-assurance/go-live",
            vec![],
            [403, 403, 403, 403, 200],
        ),
        (
            M::POST,
            "/shares/{acme_share}/local-assurance/go-live",
            vec![],
            [403, 403, 403, 403, 422],
        ),
        (M::GET, "/", vec![], [200, 200, 200, 200, 200]),
        (M::GET, "/organisations", vec![], [200, 200, 200, 200, 200]),
        (M::GET, "/account", vec![], [200, 200, 200, 200, 200]),
        (M::GET, "/account/password", vec![], [200, 200, 200, 200, 200]),
        (
            M::POST,
            "/account/password",
            vec![
                ("current_password", PASSWORD),
                ("new_password", "matrix passphrase {n}"),
                ("confirm_password", "matrix passphrase {n}"),
            ],
            [303, 303, 303, 303, 303],
        ),
        (
            M::POST,
            "/users/{acme_user}/password-reset",
            vec![],
            [303, 403, 403, 303, 404],
        ),
        (
            M::POST,
            "/users/{bright_user}/password-reset",
            vec![],
            [404, 404, 403, 303, 404],
        ),
        (M::GET, "/organisations/new", vec![], [403, 403, 403, 200, 403]),
        (
            M::POST,
            "/organisations",
            vec![("ods_code", "8UI{n}"), ("name", "New"), ("kind", "supplier")],
            [403, 403, 403, 303, 403],
        ),
        (M::GET, "/organisations/{acme_org}", vec![], [200, 200, 200, 200, 404]),
        (M::GET, "/organisations/{bright_org}", vec![], [404, 404, 200, 200, 404]),
        (
            M::GET,
            "/organisations/{acme_org}/edit",
            vec![],
            [403, 403, 403, 200, 404],
        ),
        (
            M::GET,
            "/organisations/{bright_org}/edit",
            vec![],
            [404, 404, 403, 200, 404],
        ),
        (
            M::POST,
            "/organisations/{bright_org}/edit",
            vec![("name", "Brightwater Clinical")],
            [404, 404, 403, 303, 404],
        ),
        (
            M::GET,
            "/organisations/{acme_org}/users/new",
            vec![],
            [200, 403, 403, 200, 404],
        ),
        (
            M::GET,
            "/organisations/{bright_org}/users/new",
            vec![],
            [404, 404, 403, 200, 404],
        ),
        (
            M::POST,
            "/organisations/{acme_org}/users",
            vec![
                ("email", "ui{n}@acme.example"),
                ("name", "U"),
                ("role", "supplier_member"),
            ],
            [200, 403, 403, 200, 404],
        ),
        (
            M::POST,
            "/organisations/{bright_org}/users",
            vec![
                ("email", "ui{n}@bright.example"),
                ("name", "U"),
                ("role", "supplier_member"),
            ],
            [404, 404, 403, 200, 404],
        ),
        (M::GET, "/users/{acme_user}", vec![], [200, 200, 200, 200, 404]),
        (M::GET, "/users/{bright_user}", vec![], [404, 404, 200, 200, 404]),
        (M::GET, "/users/{acme_user}/edit", vec![], [200, 403, 403, 200, 404]),
        (M::GET, "/users/{bright_user}/edit", vec![], [404, 404, 403, 200, 404]),
        (
            M::POST,
            "/users/{bright_user}/edit",
            vec![("name", "Grace Lin"), ("role", "supplier_admin"), ("active", "true")],
            [404, 404, 403, 303, 404],
        ),
        (M::GET, "/products", vec![], [200, 200, 200, 200, 200]),
        (M::GET, "/products/new", vec![], [200, 200, 403, 403, 403]),
        (
            M::POST,
            "/products",
            vec![("name", "UI{n}"), ("version", "1")],
            [303, 303, 403, 403, 403],
        ),
        (M::GET, "/products/{acme_product}", vec![], [200, 200, 200, 200, 404]),
        (M::GET, "/products/{bright_product}", vec![], [404, 404, 200, 200, 404]),
        (
            M::GET,
            "/products/{acme_product}/edit",
            vec![],
            [200, 200, 403, 200, 404],
        ),
        (
            M::GET,
            "/products/{bright_product}/edit",
            vec![],
            [404, 404, 403, 200, 404],
        ),
        (
            M::POST,
            "/products/{bright_product}/edit",
            vec![
                ("name", "Brightwater EPR"),
                ("version", "2.3"),
                ("medical_device_class", "I"),
            ],
            [404, 404, 403, 303, 404],
        ),
        (M::GET, "/services", vec![], [200, 200, 200, 200, 200]),
        (M::GET, "/services/new", vec![], [403, 403, 403, 200, 403]),
        (
            M::POST,
            "/services",
            vec![
                ("code", "UI-{n}"),
                ("name", "New"),
                ("network", "internet"),
                ("onboarding_route", "scal"),
            ],
            [403, 403, 403, 303, 403],
        ),
        (M::GET, "/services/PDS-FHIR/edit", vec![], [403, 403, 403, 200, 403]),
        (
            M::POST,
            "/services/PDS-FHIR/edit",
            vec![
                ("name", "Personal Demographics Service (FHIR)"),
                ("network", "internet"),
                ("onboarding_route", "scal"),
                ("use_case_required", "true"),
            ],
            [403, 403, 403, 303, 403],
        ),
        (M::GET, "/tokens", vec![], [200, 200, 200, 200, 200]),
        (M::POST, "/tokens", vec![("name", "t")], [200, 200, 200, 200, 200]),
        (
            M::POST,
            "/tokens/{bright_token}/revoke",
            vec![],
            [404, 404, 404, 404, 404],
        ),
        (M::POST, "/tokens/{own_token}/revoke", vec![], [303, 303, 303, 303, 303]),
        (
            M::POST,
            "/organisations/{acme_org}/edit",
            vec![("name", "Acme Health Systems")],
            [403, 403, 403, 303, 404],
        ),
        (
            M::POST,
            "/users/{acme_user}/edit",
            vec![("name", "Dev Okafor"), ("role", "supplier_member"), ("active", "true")],
            [303, 403, 403, 303, 404],
        ),
        (
            M::POST,
            "/products/{acme_product}/edit",
            vec![("name", "Acme PAS"), ("version", "4.2"), ("medical_device_class", "")],
            [303, 303, 403, 303, 404],
        ),
        (M::GET, "/audit", vec![], [403, 403, 403, 200, 403]),
        (M::GET, "/templates", vec![], [200, 200, 200, 200, 200]),
        (
            M::GET,
            "/products/{acme_product}/workbook",
            vec![],
            [200, 200, 200, 200, 404],
        ),
        (
            M::GET,
            "/products/{bright_product}/workbook",
            vec![],
            [404, 404, 200, 200, 404],
        ),
        (
            M::POST,
            "/products/{acme_product}/scal/issue",
            vec![("template_id", "{template}")],
            [403, 403, 303, 303, 404],
        ),
        (
            M::POST,
            "/products/{bright_product}/scal/issue",
            vec![("template_id", "{template}")],
            // Brightwater's round is with NHS England (409) until the reviewer returns it below.
            [404, 404, 409, 303, 404],
        ),
        // Not a multipart body: refused before it is read unless the user may answer.
        (
            M::POST,
            "/products/{acme_product}/answers",
            vec![],
            [400, 400, 403, 403, 404],
        ),
        (
            M::POST,
            "/products/{bright_product}/answers",
            vec![],
            [404, 404, 403, 403, 404],
        ),
        // Not a multipart body: refused before it is read unless the user may import.
        (M::POST, "/templates", vec![], [403, 403, 400, 400, 403]),
        (M::GET, "/templates/{template}", vec![], [200, 200, 200, 200, 200]),
        (
            M::GET,
            "/templates/{template}/versions/1",
            vec![],
            [200, 200, 200, 200, 200],
        ),
        (M::GET, "/templates/{template}/diff", vec![], [200, 200, 200, 200, 200]),
        (
            M::GET,
            "/templates/{template}/versions/1/export",
            vec![],
            [200, 200, 200, 200, 200],
        ),
        // Version 1 is published: the question is not asked again.
        (
            M::GET,
            "/templates/{template}/versions/1/publish",
            vec![],
            [403, 403, 422, 422, 403],
        ),
        (
            M::POST,
            "/templates/{template}/versions/1/publish",
            vec![],
            [403, 403, 422, 422, 403],
        ),
        // The supplier journey. Acme's SCAL has a returned round (editable); Brightwater's is
        // with NHS England. {requirement} is GPCM-C-1 and {service} GPC-SEND-DOC.
        (M::GET, "/enquiries", vec![], [200, 200, 200, 200, 403]),
        (M::GET, "/enquiries/new", vec![], [200, 200, 403, 403, 403]),
        (
            M::POST,
            "/enquiries",
            vec![
                ("product_id", "{acme_product}"),
                ("services", "GPC-SEND-DOC"),
                ("details", "d"),
            ],
            [303, 303, 403, 403, 403],
        ),
        (
            M::POST,
            "/enquiries",
            vec![("product_id", "{bright_product}"), ("services", "GPC-SEND-DOC")],
            [422, 422, 403, 403, 403],
        ),
        (M::GET, "/enquiries/{acme_enquiry}", vec![], [200, 200, 200, 200, 404]),
        (M::GET, "/enquiries/{bright_enquiry}", vec![], [404, 404, 200, 200, 404]),
        (
            M::GET,
            "/enquiries/{acme_enquiry}/sent",
            vec![],
            [200, 200, 200, 200, 404],
        ),
        (
            M::GET,
            "/enquiries/{bright_enquiry}/sent",
            vec![],
            [404, 404, 200, 200, 404],
        ),
        // Issued once; issuing again is a conflict.
        (
            M::POST,
            "/enquiries/{acme_enquiry}/question",
            vec![("question", "")],
            [403, 403, 422, 422, 404],
        ),
        (
            M::POST,
            "/enquiries/{acme_enquiry}/decline",
            vec![("reason", "")],
            [403, 403, 422, 422, 404],
        ),
        (
            M::POST,
            "/enquiries/{acme_enquiry}/answer",
            vec![("answer", "More detail")],
            [409, 409, 403, 403, 404],
        ),
        (
            M::POST,
            "/enquiries/{acme_enquiry}/issue",
            vec![],
            [403, 403, 303, 409, 404],
        ),
        (
            M::POST,
            "/enquiries/{bright_enquiry}/issue",
            vec![],
            // Under review (409) for the reviewer; returned by then for the administrator.
            [404, 404, 409, 303, 404],
        ),
        (M::GET, "/scals/{acme_scal}", vec![], [200, 200, 200, 200, 404]),
        (M::GET, "/scals/{bright_scal}", vec![], [404, 404, 200, 200, 404]),
        (
            M::POST,
            "/scals/{acme_scal}/information/confirm",
            vec![],
            [303, 303, 403, 403, 404],
        ),
        (
            M::POST,
            "/scals/{bright_scal}/information/confirm",
            vec![],
            [404, 404, 403, 403, 404],
        ),
        (
            M::POST,
            "/scals/{acme_scal}/cases/{service}/use-case",
            vec![("use_case", "Send discharge summaries")],
            [303, 303, 403, 403, 404],
        ),
        (
            M::POST,
            "/scals/{bright_scal}/cases/{service}/use-case",
            vec![("use_case", "Send discharge summaries")],
            [404, 404, 403, 403, 404],
        ),
        (
            M::GET,
            "/scals/{acme_scal}/sheets/{acme_sheet}",
            vec![],
            [200, 200, 200, 200, 404],
        ),
        (
            M::GET,
            "/scals/{bright_scal}/sheets/{bright_sheet}",
            vec![],
            [404, 404, 200, 200, 404],
        ),
        (
            M::GET,
            "/scals/{acme_scal}/sheets/{acme_sheet}/requirements/{requirement}",
            vec![],
            [200, 200, 200, 200, 404],
        ),
        (
            M::GET,
            "/scals/{bright_scal}/sheets/{bright_sheet}/requirements/{requirement}",
            vec![],
            [404, 404, 200, 200, 404],
        ),
        (
            M::POST,
            "/scals/{acme_scal}/sheets/{acme_sheet}/requirements/{requirement}",
            vec![("answer", "Yes")],
            [303, 303, 403, 403, 404],
        ),
        (
            M::POST,
            "/scals/{bright_scal}/sheets/{bright_sheet}/requirements/{requirement}",
            vec![("answer", "Yes")],
            [404, 404, 403, 403, 404],
        ),
        (M::GET, "/scals/{acme_scal}/evidence", vec![], [200, 200, 200, 200, 404]),
        (
            M::GET,
            "/scals/{bright_scal}/evidence",
            vec![],
            [404, 404, 200, 200, 404],
        ),
        // Not a multipart body: refused before it is read unless the user may upload.
        (
            M::POST,
            "/scals/{acme_scal}/evidence",
            vec![],
            [400, 400, 403, 403, 404],
        ),
        (
            M::POST,
            "/scals/{bright_scal}/evidence",
            vec![],
            [404, 404, 403, 403, 404],
        ),
        // A different requirement per supplier (GPCM-SD-090, GPCM-SD-091): linking twice is refused.
        (
            M::POST,
            "/scals/{acme_scal}/evidence/link",
            vec![
                ("evidence_id", "{acme_evidence}"),
                ("sheet_id", "{acme_sheet}"),
                ("requirement_id", "GPCM-SD-09{n}"),
            ],
            [303, 303, 403, 403, 404],
        ),
        (
            M::POST,
            "/scals/{bright_scal}/evidence/link",
            vec![
                ("evidence_id", "{bright_evidence}"),
                ("sheet_id", "{bright_sheet}"),
                ("requirement_id", "GPCM-SD-09{n}"),
            ],
            [404, 404, 403, 403, 404],
        ),
        (
            M::POST,
            "/scals/{acme_scal}/evidence/unlink",
            vec![
                ("evidence_id", "{acme_evidence}"),
                ("sheet_id", "{acme_sheet}"),
                ("requirement_id", "GPCM-C-2"),
            ],
            [422, 422, 403, 403, 404],
        ),
        (
            M::POST,
            "/scals/{bright_scal}/evidence/unlink",
            vec![
                ("evidence_id", "{bright_evidence}"),
                ("sheet_id", "{bright_sheet}"),
                ("requirement_id", "GPCM-C-3"),
            ],
            [404, 404, 403, 403, 404],
        ),
        (
            M::GET,
            "/scals/{acme_scal}/evidence/{acme_evidence}/delete",
            vec![],
            [200, 200, 403, 403, 404],
        ),
        (
            M::GET,
            "/scals/{bright_scal}/evidence/{bright_evidence}/delete",
            vec![],
            [404, 404, 403, 403, 404],
        ),
        (
            M::POST,
            "/scals/{acme_scal}/evidence/{unknown}/delete",
            vec![],
            [404, 404, 404, 404, 404],
        ),
        (
            M::POST,
            "/scals/{bright_scal}/evidence/{bright_evidence}/delete",
            vec![],
            [404, 404, 403, 403, 404],
        ),
        (M::GET, "/evidence/{acme_evidence}", vec![], [200, 200, 200, 200, 404]),
        (M::GET, "/evidence/{bright_evidence}", vec![], [404, 404, 200, 200, 404]),
        (M::GET, "/scals/{acme_scal}/submit", vec![], [200, 200, 200, 200, 404]),
        (M::GET, "/scals/{bright_scal}/submit", vec![], [404, 404, 200, 200, 404]),
        // Not submitted: the confirmation page sends the reader to the SCAL.
        (
            M::GET,
            "/scals/{acme_scal}/submitted",
            vec![],
            [303, 303, 303, 303, 404],
        ),
        (
            M::GET,
            "/scals/{bright_scal}/submitted",
            vec![],
            [404, 404, 303, 303, 404],
        ),
        // Nothing is answered yet: the gate refuses with the blockers.
        (M::POST, "/scals/{acme_scal}/submit", vec![], [422, 422, 403, 403, 404]),
        (
            M::POST,
            "/scals/{bright_scal}/submit",
            vec![],
            [404, 404, 403, 403, 404],
        ),
        (M::GET, "/submissions", vec![], [200, 200, 200, 200, 403]),
        (
            M::GET,
            "/submissions/{acme_submission}",
            vec![],
            [200, 200, 200, 200, 404],
        ),
        (
            M::GET,
            "/submissions/{bright_submission}",
            vec![],
            [404, 404, 200, 200, 404],
        ),
        (
            M::GET,
            "/submissions/{acme_submission}/changes",
            vec![],
            [200, 200, 200, 200, 404],
        ),
        (
            M::GET,
            "/submissions/{bright_submission}/changes",
            vec![],
            [404, 404, 200, 200, 404],
        ),
        // Acme's round was already returned; Brightwater's is returned once.
        (
            M::POST,
            "/submissions/{bright_submission}/reviewer",
            vec![("reviewer_id", "{reviewer_user}")],
            [404, 404, 303, 409, 404],
        ),
        (
            M::POST,
            "/submissions/{acme_submission}/reviewer",
            vec![("reviewer_id", "{reviewer_user}")],
            [403, 403, 409, 409, 404],
        ),
        // Reviewing offline: NHS England only. Not a multipart body: refused before it is read
        // unless the user may review.
        (
            M::GET,
            "/submissions/{acme_submission}/offline",
            vec![],
            [403, 403, 200, 200, 404],
        ),
        (
            M::GET,
            "/submissions/{bright_submission}/offline",
            vec![],
            [404, 404, 200, 200, 404],
        ),
        (
            M::GET,
            "/submissions/{acme_submission}/review.xlsx",
            vec![],
            [403, 403, 200, 200, 404],
        ),
        (
            M::GET,
            "/submissions/{bright_submission}/review.xlsx",
            vec![],
            [404, 404, 200, 200, 404],
        ),
        (
            M::POST,
            "/submissions/{acme_submission}/review-workbook",
            vec![],
            [403, 403, 400, 400, 404],
        ),
        (
            M::POST,
            "/submissions/{bright_submission}/review-workbook",
            vec![],
            [404, 404, 400, 400, 404],
        ),
        // The review pages: items and verdicts for NHS England (an empty verdict is a form
        // error; the round holds one item), the check page and acceptance (blocked: no verdict),
        // and the supplier's withdrawal (Acme's round is already decided).
        (
            M::GET,
            "/submissions/{acme_submission}/items",
            vec![],
            [200, 200, 200, 200, 404],
        ),
        (
            M::GET,
            "/submissions/{bright_submission}/items",
            vec![],
            [404, 404, 200, 200, 404],
        ),
        (
            M::GET,
            "/submissions/{bright_submission}/items/1",
            vec![],
            [404, 404, 200, 200, 404],
        ),
        (
            M::GET,
            "/submissions/{bright_submission}/items/2",
            vec![],
            [404, 404, 404, 404, 404],
        ),
        (
            M::POST,
            "/submissions/{bright_submission}/items/1",
            vec![("verdict", "")],
            [404, 404, 422, 409, 404],
        ),
        (
            M::POST,
            "/submissions/{acme_submission}/items/1",
            vec![("verdict", "accepted")],
            [403, 403, 409, 409, 404],
        ),
        (
            M::GET,
            "/submissions/{bright_submission}/decide",
            vec![],
            [404, 404, 200, 409, 404],
        ),
        (
            M::GET,
            "/submissions/{acme_submission}/decide",
            vec![],
            [403, 403, 409, 409, 404],
        ),
        (
            M::POST,
            "/submissions/{bright_submission}/accept",
            vec![],
            [404, 404, 422, 409, 404],
        ),
        (
            M::POST,
            "/submissions/{acme_submission}/accept",
            vec![],
            [403, 403, 409, 409, 404],
        ),
        (
            M::GET,
            "/submissions/{acme_submission}/withdraw",
            vec![],
            [200, 200, 403, 403, 404],
        ),
        (
            M::POST,
            "/submissions/{acme_submission}/withdraw",
            vec![],
            [409, 409, 403, 403, 404],
        ),
        (
            M::POST,
            "/submissions/{bright_submission}/withdraw",
            vec![],
            [404, 404, 403, 403, 404],
        ),
        (
            M::GET,
            "/scals/{acme_scal}/certificates",
            vec![],
            [200, 200, 200, 200, 404],
        ),
        (
            M::GET,
            "/scals/{bright_scal}/certificates",
            vec![],
            [404, 404, 200, 200, 404],
        ),
        (
            M::POST,
            "/scals/{acme_scal}/certificates",
            vec![],
            [403, 403, 422, 422, 404],
        ),
        (M::GET, "/certificates/{unknown}", vec![], [404, 404, 404, 404, 404]),
        (
            M::GET,
            "/certificates/{unknown}/certificate.pdf",
            vec![],
            [404, 404, 404, 404, 404],
        ),
        (
            M::POST,
            "/certificates/{unknown}/revoke",
            vec![("reason", "x")],
            [404, 404, 404, 404, 404],
        ),
        (
            M::POST,
            "/conditions/{unknown}/met",
            vec![("note", "x")],
            [404, 404, 404, 404, 404],
        ),
        (
            M::POST,
            "/conditions/{unknown}/confirm",
            vec![],
            [404, 404, 404, 404, 404],
        ),
        (M::GET, "/verify/{unknown}", vec![], [404, 404, 404, 404, 404]),
        (M::GET, "/agreement-versions", vec![], [200, 200, 200, 200, 403]),
        (
            M::POST,
            "/agreement-versions",
            vec![
                ("title", "Agreement"),
                ("text", "The text"),
                ("effective_date", "2027-01-01"),
            ],
            [403, 403, 403, 303, 403],
        ),
        (
            M::POST,
            "/agreement-versions/{unknown}/request-acceptance",
            vec![],
            [403, 403, 404, 404, 403],
        ),
        (
            M::GET,
            "/scals/{acme_scal}/agreements",
            vec![],
            [200, 200, 200, 200, 404],
        ),
        (
            M::GET,
            "/scals/{bright_scal}/agreements",
            vec![],
            [404, 404, 200, 200, 404],
        ),
        (
            M::POST,
            "/scals/{acme_scal}/agreements",
            vec![("version_id", "{unknown}"), ("signatory", "admin@acme.example")],
            [403, 403, 422, 422, 404],
        ),
        (
            M::POST,
            "/scals/{acme_scal}/go-live",
            vec![("service", "GPC-SEND-DOC")],
            [403, 403, 422, 422, 404],
        ),
        (M::GET, "/agreements/{unknown}", vec![], [404, 404, 404, 404, 404]),
        (M::GET, "/agreements/{unknown}/seal", vec![], [404, 404, 404, 404, 404]),
        (
            M::POST,
            "/agreements/{unknown}/accept",
            vec![("full_name", "A B"), ("job_title", "Director")],
            [404, 404, 404, 404, 404],
        ),
        (
            M::POST,
            "/agreements/{unknown}/signatory",
            vec![("signatory", "admin@acme.example")],
            [404, 404, 404, 404, 404],
        ),
        (
            M::POST,
            "/agreements/{unknown}/withdraw",
            vec![],
            [404, 404, 404, 404, 404],
        ),
        (
            M::POST,
            "/submissions/{acme_submission}/return",
            vec![("reason", "Add the hazard log")],
            [403, 403, 409, 409, 404],
        ),
        (
            M::POST,
            "/submissions/{bright_submission}/return",
            vec![("reason", "Add the hazard log")],
            [404, 404, 303, 409, 404],
        ),
        (M::GET, "/notifications", vec![], [200, 200, 200, 200, 200]),
        (M::GET, "/scals/{acme_scal}/threads", vec![], [200, 200, 200, 200, 404]),
        (
            M::GET,
            "/scals/{bright_scal}/threads",
            vec![],
            [404, 404, 200, 200, 404],
        ),
        (
            M::GET,
            "/scals/{acme_scal}/threads/new",
            vec![],
            [403, 403, 200, 200, 404],
        ),
        (
            M::GET,
            "/scals/{bright_scal}/threads/new",
            vec![],
            [404, 404, 200, 200, 404],
        ),
        (
            M::POST,
            "/scals/{acme_scal}/threads",
            vec![("body", "Question {n}")],
            [403, 403, 303, 303, 404],
        ),
        (
            M::POST,
            "/scals/{bright_scal}/threads",
            vec![("body", "Question {n}")],
            [404, 404, 303, 303, 404],
        ),
        (
            M::POST,
            "/scals/{acme_scal}/notes",
            vec![("body", "Note {n}")],
            [404, 404, 303, 303, 404],
        ),
        (
            M::POST,
            "/scals/{bright_scal}/notes",
            vec![("body", "Note {n}")],
            [404, 404, 303, 303, 404],
        ),
        (M::GET, "/scals/{acme_scal}/testing", vec![], [200, 200, 200, 200, 404]),
        (
            M::GET,
            "/scals/{bright_scal}/testing",
            vec![],
            [404, 404, 200, 200, 404],
        ),
        (
            M::GET,
            "/scals/{acme_scal}/testing/{service}/{test_case}",
            vec![],
            [403, 403, 409, 409, 404],
        ),
        (
            M::GET,
            "/scals/{bright_scal}/testing/{service}/{test_case}",
            vec![],
            [404, 404, 409, 409, 404],
        ),
        (
            M::POST,
            "/scals/{acme_scal}/testing/{service}/{test_case}",
            vec![("outcome", "passed")],
            [403, 403, 409, 409, 404],
        ),
        (
            M::POST,
            "/scals/{bright_scal}/testing/{service}/{test_case}",
            vec![("outcome", "passed")],
            [404, 404, 409, 409, 404],
        ),
        (M::GET, "/threads/{acme_thread}", vec![], [200, 200, 200, 200, 404]),
        (M::GET, "/threads/{bright_thread}", vec![], [404, 404, 200, 200, 404]),
        (
            M::POST,
            "/threads/{acme_thread}/messages",
            vec![("body", "Answer {n}")],
            [303, 303, 303, 409, 404],
        ),
        (
            M::POST,
            "/threads/{bright_thread}/messages",
            vec![("body", "Answer {n}")],
            [404, 404, 303, 409, 404],
        ),
        (
            M::POST,
            "/threads/{acme_thread}/resolve",
            vec![],
            [403, 403, 303, 409, 404],
        ),
        (
            M::POST,
            "/threads/{bright_thread}/resolve",
            vec![],
            [404, 404, 303, 409, 404],
        ),
        // Only one's own notifications open; an unknown one (or another user's) is not found.
        (M::GET, "/notifications/{unknown}", vec![], [404, 404, 404, 404, 404]),
        (M::POST, "/notifications/read", vec![], [303, 303, 303, 303, 303]),
        (
            M::GET,
            "/services/GPC-SEND-DOC/reviewers",
            vec![],
            [403, 403, 200, 200, 403],
        ),
        (
            M::POST,
            "/services/GPC-SEND-DOC/reviewers",
            vec![("email", "reviewer@nhse.example")],
            [403, 403, 403, 303, 403],
        ),
        (
            M::POST,
            "/services/GPC-SEND-DOC/reviewers/{reviewer_user}/remove",
            vec![],
            [403, 403, 403, 303, 403],
        ),
    ]
}

/// Routes anyone may use without signing in: checking a certificate.
const PUBLIC: [&str; 4] = [
    "/api/v1/certificates/{unknown}/status",
    "/api/v1/certificates/{unknown}/jws",
    "/api/v1/certificates/{unknown}/pdf",
    "/verify/{unknown}",
];

#[tokio::test]
async fn every_api_route_enforces_the_policy_for_every_role() {
    let app = TestApp::demo().await;
    let mut ids = ids(&app).await;
    let mut failures = Vec::new();
    for (n, email) in ACTORS.iter().enumerate() {
        let token = app.token_for(email).await;
        ids.own_token = own_token(&app, email).await;
        for (method, template, body, expected) in api_cases() {
            let path = fill(template, &ids, n);
            let body = body.map(|b| serde_json::from_str(&fill(&b.to_string(), &ids, n)).unwrap());
            let (status, response) = app.api(method.clone(), &path, Some(&token), body.clone()).await;
            if status.as_u16() != expected[n] {
                failures.push(format!(
                    "{email} {method} {path}: expected {} got {status}: {response}",
                    expected[n]
                ));
            }
            let (anonymous, _) = app.api(method.clone(), &path, None, body).await;
            // A public route answers anyone as it answers a signed-in caller.
            let want = if PUBLIC.contains(&template) { expected[n] } else { 401 };
            if anonymous.as_u16() != want {
                failures.push(format!("anonymous {method} {path}: expected {want} got {anonymous}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn every_page_enforces_the_policy_for_every_role() {
    let app = TestApp::demo().await;
    let mut ids = ids(&app).await;
    let mut failures = Vec::new();
    for (n, email) in ACTORS.iter().enumerate() {
        let mut session = app.sign_in(email, PASSWORD).await.unwrap();
        ids.own_token = own_token(&app, email).await;
        for (method, template, fields, expected) in page_cases() {
            let path = fill(template, &ids, n);
            let filled: Vec<(String, String)> = fields.iter().map(|(k, v)| (k.to_string(), fill(v, &ids, n))).collect();
            let fields: Vec<(&str, &str)> = filled.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let page = app.page(Some(&session), method.clone(), &path, &fields).await;
            // Changing the password renews the browser's session: carry on with the new one.
            if let Some(renewed) = page.set_cookie("scal_session").filter(|v| !v.is_empty()) {
                session.cookie = format!("scal_session={renewed}");
                let home = app.page(Some(&session), Method::GET, "/", &[]).await;
                session.csrf = home.csrf().expect("signed-in pages carry the CSRF token");
            }
            if page.status.as_u16() != expected[n] {
                failures.push(format!(
                    "{email} {method} {path}: expected {} got {}",
                    expected[n], page.status
                ));
            }
            let anonymous = app.page(None, method.clone(), &path, &fields).await;
            let refused = if PUBLIC.contains(&template) {
                anonymous.status.as_u16() == expected[n]
            } else if method == Method::GET {
                anonymous.status == StatusCode::SEE_OTHER
                    && anonymous.location().is_some_and(|l| l.starts_with("/login"))
            } else {
                anonymous.status == StatusCode::FORBIDDEN
            };
            if !refused {
                failures.push(format!(
                    "anonymous {method} {path}: got {} {:?}",
                    anonymous.status,
                    anonymous.location()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// NHS England's internal notes reach nobody else: no page or API response any other role can
/// get, on any route above, holds a note's text.
#[tokio::test]
async fn internal_notes_never_reach_anyone_outside_nhs_england() {
    let app = TestApp::demo().await;
    let mut ids = ids(&app).await;
    let secret = "Internal: the supplier's hazard log looks thin";
    for scal in [&ids.acme_scal, &ids.bright_scal] {
        scal_app::threads::add_note(
            app.app(),
            &scal_app::Actor::System,
            scal,
            &scal_app::threads::WHOLE_SCAL,
            secret,
            app.now(),
        )
        .await
        .unwrap();
    }
    let mut checked = 0;
    for (n, email) in ACTORS.iter().enumerate() {
        if email.ends_with("@nhse.example") {
            continue;
        }
        let token = app.token_for(email).await;
        let session = app.sign_in(email, PASSWORD).await.unwrap();
        ids.own_token = own_token(&app, email).await;
        for (_, path, _, _) in api_cases().into_iter().filter(|c| c.0 == Method::GET) {
            let path = fill(path, &ids, n);
            let (_, body) = app.api(Method::GET, &path, Some(&token), None).await;
            assert!(!body.to_string().contains(secret), "{email} GET {path}");
            checked += 1;
        }
        for (_, path, _, _) in page_cases().into_iter().filter(|c| c.0 == Method::GET) {
            let path = fill(path, &ids, n);
            let page = app.page(Some(&session), Method::GET, &path, &[]).await;
            assert!(!page.html.contains(secret), "{email} GET {path}");
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked}");
    // The same pages do show it to NHS England, so the check above can fail.
    let reviewer = app.sign_in("reviewer@nhse.example", PASSWORD).await.unwrap();
    let page = app
        .page(
            Some(&reviewer),
            Method::GET,
            &format!("/scals/{}/threads", ids.acme_scal),
            &[],
        )
        .await;
    assert!(page.html.contains(secret));
}

#[tokio::test]
async fn another_tenants_ids_are_indistinguishable_from_unknown_ids() {
    let app = TestApp::demo().await;
    let ids = ids(&app).await;
    let token = app.token_for("admin@acme.example").await;
    let session = app.sign_in("admin@acme.example", PASSWORD).await.unwrap();
    let unknown = "3f1c9a40-0000-4000-8000-000000000000";
    for template in [
        "/api/v1/products/{}",
        "/api/v1/organisations/{}",
        "/api/v1/users/{}",
        "/api/v1/organisations/{}/users",
    ] {
        for (method, body) in [(Method::GET, None), (Method::PATCH, Some(json!({"name": "x"})))] {
            if template.ends_with("/users") && method == Method::PATCH {
                continue;
            }
            let theirs = template.replace(
                "{}",
                match template {
                    t if t.contains("products") => &ids.bright_product,
                    t if t.contains("/users/") => &ids.bright_user,
                    _ => &ids.bright_org,
                },
            );
            let other = app.api(method.clone(), &theirs, Some(&token), body.clone()).await;
            let missing = app
                .api(
                    method.clone(),
                    &template.replace("{}", unknown),
                    Some(&token),
                    body.clone(),
                )
                .await;
            assert_eq!(other, missing, "{method} {template}");
        }
    }
    // The supplier journey: another organisation's SCAL, case, evidence, enquiry or submission.
    for (theirs, template) in [
        (&ids.bright_scal, "/api/v1/scals/{}"),
        (&ids.bright_scal, "/api/v1/scals/{}/cases"),
        (&ids.bright_scal, "/api/v1/scals/{}/evidence"),
        (&ids.bright_evidence, "/api/v1/evidence/{}"),
        (&ids.bright_enquiry, "/api/v1/enquiries/{}"),
        (&ids.bright_submission, "/api/v1/submissions/{}"),
        (&ids.bright_submission, "/api/v1/submissions/{}/changes"),
        (&ids.bright_scal, "/api/v1/scals/{}/threads"),
        (&ids.bright_thread, "/api/v1/threads/{}"),
        (&ids.bright_scal, "/api/v1/scals/{}/notes"),
    ] {
        let other = app
            .api(Method::GET, &template.replace("{}", theirs), Some(&token), None)
            .await;
        let missing = app
            .api(Method::GET, &template.replace("{}", unknown), Some(&token), None)
            .await;
        assert_eq!(other, missing, "{template}");
    }
    for (method, template, body) in [
        (
            Method::PUT,
            "/api/v1/scals/{}/answers",
            json!({"sheet_id": ids.bright_sheet, "requirement_id": "GPCM-C-1", "answer": "Yes"}),
        ),
        (
            Method::PUT,
            "/api/v1/scals/{}/cases/GPC-SEND-DOC/use-case",
            json!({"use_case": "x"}),
        ),
        (Method::POST, "/api/v1/scals/{}/submissions", json!({})),
        (Method::POST, "/api/v1/scals/{}/information/confirm", json!({})),
    ] {
        let other = app
            .api(
                method.clone(),
                &template.replace("{}", &ids.bright_scal),
                Some(&token),
                Some(body.clone()),
            )
            .await;
        let missing = app
            .api(
                method.clone(),
                &template.replace("{}", unknown),
                Some(&token),
                Some(body),
            )
            .await;
        assert_eq!(other, missing, "{method} {template}");
    }
    for template in [
        "/products/{}",
        "/products/{}/edit",
        "/organisations/{}",
        "/users/{}/edit",
    ] {
        let theirs = template.replace(
            "{}",
            if template.contains("products") {
                &ids.bright_product
            } else if template.contains("users") {
                &ids.bright_user
            } else {
                &ids.bright_org
            },
        );
        let other = app.page(Some(&session), Method::GET, &theirs, &[]).await;
        let missing = app
            .page(Some(&session), Method::GET, &template.replace("{}", unknown), &[])
            .await;
        assert_eq!(
            (other.status, crate::support::without_csrf(&other.html)),
            (missing.status, crate::support::without_csrf(&missing.html)),
            "{template}"
        );
    }
}

/// The public operations routes (health, readiness, the signing keys) answer everyone alike:
/// anonymous callers, every role, with a session or a token.
#[tokio::test]
async fn public_routes_answer_everyone_signed_in_or_not() {
    let public = ["/healthz", "/readyz", "/.well-known/jwks.json"];
    assert_eq!(
        public.iter().collect::<BTreeSet<_>>(),
        scal_web::ops::PUBLIC_ROUTES.iter().collect::<BTreeSet<_>>(),
        "a public route without a row here"
    );
    let app = TestApp::demo().await;
    app.app().keys.generate(app.now()).unwrap();
    let mut failures = Vec::new();
    for path in public {
        let (anonymous, _) = app.api(Method::GET, path, None, None).await;
        let page = app.page(None, Method::GET, path, &[]).await;
        for (who, status) in [("anonymous (API)", anonymous), ("anonymous (browser)", page.status)] {
            if status != StatusCode::OK {
                failures.push(format!("{who} GET {path}: expected 200 got {status}"));
            }
        }
        for email in ACTORS {
            let token = app.token_for(email).await;
            let (status, _) = app.api(Method::GET, path, Some(&token), None).await;
            let session = app.sign_in(email, PASSWORD).await.unwrap();
            let page = app.page(Some(&session), Method::GET, path, &[]).await;
            for (how, status) in [("token", status), ("session", page.status)] {
                if status != StatusCode::OK {
                    failures.push(format!("{email} ({how}) GET {path}: expected 200 got {status}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every route the router serves has rows above (or is public by design).
#[test]
fn every_route_is_covered() {
    let documented: BTreeSet<String> = scal_web::openapi()
        .paths
        .paths
        .iter()
        .flat_map(|(path, item)| {
            let mut methods = Vec::new();
            for (method, op) in [
                ("GET", &item.get),
                ("POST", &item.post),
                ("PATCH", &item.patch),
                ("DELETE", &item.delete),
                ("PUT", &item.put),
            ] {
                if op.is_some() {
                    methods.push(format!("{method} {path}"));
                }
            }
            methods
        })
        .collect();
    let normalise = |p: &str| {
        p.split('/')
            .map(|s| {
                if s.starts_with('{')
                    || s == "PDS-FHIR"
                    || s == "GPC-SEND-DOC"
                    || s.bytes().all(|b| b.is_ascii_digit()) && !s.is_empty()
                {
                    "{}"
                } else {
                    s
                }
            })
            .collect::<Vec<_>>()
            .join("/")
    };
    let covered: BTreeSet<String> = api_cases()
        .iter()
        .map(|(m, p, _, _)| format!("{m} {}", normalise(p)))
        .collect();
    for route in &documented {
        let (method, path) = route.split_once(' ').unwrap();
        assert!(
            covered.contains(&format!("{method} {}", normalise(path))),
            "API route {route} has no access rows"
        );
    }
    let page_covered: BTreeSet<String> = page_cases()
        .iter()
        .map(|(m, p, _, _)| format!("{m} {}", normalise(p)))
        .collect();
    for (method, path) in scal_web::pages::routes() {
        // Signing out is exercised in `pages`; here it would end the session under test.
        if scal_web::pages::PUBLIC_ROUTES.contains(&path) || path == "/logout" {
            continue;
        }
        assert!(
            page_covered.contains(&format!("{method} {}", normalise(path))),
            "page route {method} {path} has no access rows"
        );
    }
}
