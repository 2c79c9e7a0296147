//! The supplier onboarding journey through the HTML pages, in-process: ask for a SCAL, NHS
//! England issues it, answer requirements, upload and link evidence, check answers, and the
//! refusals (422 with field errors, 404 for another organisation's SCAL, 409 when locked).

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};

use crate::support::{Session, TestApp, PASSWORD};

async fn upload(app: &TestApp, session: &Session, scal: &str, name: &str, bytes: &[u8]) -> (StatusCode, String) {
    let boundary = "scal-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
        session.csrf
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("/scals/{scal}/evidence"))
        .header(header::COOKIE, session.cookie.clone())
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    let (status, _, body) = app.send(request).await;
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn a_supplier_asks_answers_attaches_and_checks_through_the_pages() {
    let app = TestApp::demo().await;
    let product = app.product_id("Acme Referrals").await;
    let admin = app.sign_in("admin@acme.example", PASSWORD).await.unwrap();
    let reviewer = app.sign_in("reviewer@nhse.example", PASSWORD).await.unwrap();
    let bright = app.sign_in("admin@brightwater.example", PASSWORD).await.unwrap();

    // Ask for a SCAL: no service chosen is a field error; then a good one.
    let form = app.page(Some(&admin), Method::GET, "/enquiries/new", &[]).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.html.contains("GP Connect: Send Document"));
    let missing = app
        .page(Some(&admin), Method::POST, "/enquiries", &[("product_id", &product)])
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.html.contains("href=\"#services\""), "{}", missing.html);
    assert!(missing.html.contains("Choose at least one service"));
    let asked = app
        .page(
            Some(&admin),
            Method::POST,
            "/enquiries",
            &[
                ("product_id", &product),
                ("services", "GPC-SEND-DOC"),
                ("details", "Sends discharge summaries"),
            ],
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.html);
    let sent = asked.location().unwrap().to_string();
    assert!(sent.starts_with("/enquiries/") && sent.ends_with("/sent"), "{sent}");
    let confirmation = app.page(Some(&admin), Method::GET, &sent, &[]).await;
    assert!(confirmation.html.contains("Request sent"));
    assert!(confirmation.html.contains("Your reference"));
    assert!(confirmation.html.contains("ENQ-"));
    assert!(confirmation.html.contains("What happens next"));
    let enquiry = sent.trim_end_matches("/sent").to_string();

    // NHS England sees it in its queue and issues it with the default template.
    let queue = app.page(Some(&reviewer), Method::GET, "/enquiries", &[]).await;
    assert!(queue.html.contains("Acme Referrals 1.0"));
    let shown = app.page(Some(&reviewer), Method::GET, &enquiry, &[]).await;
    assert!(shown.html.contains("Issue the SCAL"), "{}", shown.html);
    // Scoping out is by ticking; a tick without a reason is an error on the reason, with the tick kept.
    assert!(
        shown.html.contains("value=\"GPC-SEND-DOC|GPCM-SD-098\""),
        "{}",
        shown.html
    );
    let bad = app
        .page(
            Some(&reviewer),
            Method::POST,
            &format!("{enquiry}/issue"),
            &[("scope_out", "GPC-SEND-DOC|GPCM-SD-098")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.html.contains("href=\"#reason-GPC-SEND-DOC\""), "{}", bad.html);
    assert!(bad
        .html
        .contains("Give a reason for scoping out the requirements you ticked for GP Connect: Send Document"));
    assert!(
        bad.html.contains("value=\"GPC-SEND-DOC|GPCM-SD-098\" checked"),
        "{}",
        bad.html
    );
    let issued = app
        .page(
            Some(&reviewer),
            Method::POST,
            &format!("{enquiry}/issue"),
            &[
                ("template-GPC-SEND-DOC", ""),
                ("scope_out", "GPC-SEND-DOC|GPCM-SD-098"),
                ("reason-GPC-SEND-DOC", "Not used by this product"),
            ],
        )
        .await;
    assert_eq!(issued.status, StatusCode::SEE_OTHER, "{}", issued.html);
    let scal = issued.location().unwrap().trim_start_matches("/scals/").to_string();
    let again = app
        .page(Some(&reviewer), Method::POST, &format!("{enquiry}/issue"), &[])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "issued once only");

    // The supplier's overview: a task list per service, the sheets with progress.
    let overview = app
        .page(Some(&admin), Method::GET, &format!("/scals/{scal}"), &[])
        .await;
    assert_eq!(overview.status, StatusCode::OK);
    assert!(overview.html.contains("nhsuk-task-list"));
    assert!(overview.html.contains("Complete the DSPT"));
    assert!(
        overview.html.contains("0 of 47 answered, 0 red, 0 amber"),
        "{}",
        overview.html
    );
    let home = app.page(Some(&admin), Method::GET, "/", &[]).await;
    assert!(home.html.contains(&format!("/scals/{scal}")));
    let product_page = app
        .page(Some(&admin), Method::GET, &format!("/products/{product}"), &[])
        .await;
    assert!(product_page.html.contains(&format!("/scals/{scal}")));

    let view = scal_app::scals::view_scal(app.app(), &scal_app::Actor::System, &scal)
        .await
        .unwrap();
    let sheet = view
        .sheets
        .iter()
        .find(|s| s.service_code.is_some())
        .unwrap()
        .id
        .clone();
    let sheet_page = app
        .page(Some(&admin), Method::GET, &format!("/scals/{scal}/sheets/{sheet}"), &[])
        .await;
    assert_eq!(sheet_page.status, StatusCode::OK);
    assert!(sheet_page.html.contains("id=\"req-GPCM-C-1\""));
    assert!(sheet_page.html.contains("1 requirement scoped out"), "scoped out");

    // Answer a MUST with No: a bad answer and date are field errors, then it saves.
    let requirement = format!("/scals/{scal}/sheets/{sheet}/requirements/GPCM-C-1");
    let form = app.page(Some(&admin), Method::GET, &requirement, &[]).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.html.contains("type=\"radio\""));
    let wrong = app
        .page(
            Some(&admin),
            Method::POST,
            &requirement,
            &[("answer", "maybe"), ("target_date", "31/02/2027")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.html.contains("href=\"#answer\""));
    assert!(wrong.html.contains("href=\"#target_date\""));
    assert!(wrong.html.starts_with("<!DOCTYPE html>"));
    assert!(wrong.html.contains("<title>Error: "));
    let saved = app
        .page(
            Some(&admin),
            Method::POST,
            &requirement,
            &[
                ("answer", "No"),
                ("justification", "MESH mailbox not yet provisioned"),
                ("mitigation", "Documents are sent by secure email until then"),
                ("target_date", "2027-03-31"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(
        saved.location(),
        Some(format!("/scals/{scal}/sheets/{sheet}#req-GPCM-C-1").as_str())
    );
    let sheet_page = app
        .page(Some(&admin), Method::GET, &format!("/scals/{scal}/sheets/{sheet}"), &[])
        .await;
    assert!(sheet_page.html.contains("MESH mailbox not yet provisioned"));
    assert!(sheet_page.html.contains("1 of 47 answered, 1 red, 0 amber"));

    // Evidence: a wrong kind is refused with a field error, a PDF is kept and linked.
    let (status, html) = upload(&app, &admin, &scal, "tool.exe", b"MZ\x90\x00\x03\x00").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("href=\"#file\""));
    let (status, _) = upload(&app, &admin, &scal, "mesh.pdf", b"%PDF-1.4 test").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let files = app
        .page(Some(&admin), Method::GET, &format!("/scals/{scal}/evidence"), &[])
        .await;
    assert!(files.html.contains("mesh.pdf"));
    let file = scal_app::evidence::list(app.app(), &scal_app::Actor::System, &scal)
        .await
        .unwrap()[0]
        .clone();
    assert!(files.html.contains(&file.sha256));
    let linked = app
        .page(
            Some(&admin),
            Method::POST,
            &format!("/scals/{scal}/evidence/link"),
            &[
                ("evidence_id", &file.id),
                ("sheet_id", &sheet),
                ("requirement_id", "GPCM-C-1"),
            ],
        )
        .await;
    assert_eq!(linked.status, StatusCode::SEE_OTHER);
    let twice = app
        .page(
            Some(&admin),
            Method::POST,
            &format!("/scals/{scal}/evidence/link"),
            &[
                ("evidence_id", &file.id),
                ("sheet_id", &sheet),
                ("requirement_id", "GPCM-C-1"),
            ],
        )
        .await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(twice.html.contains("href=\"#evidence_id\""));
    // "Link the file" with the list left on "Choose a file" sends nothing: a field error, not a
    // missing page.
    let unchosen = app
        .page(
            Some(&admin),
            Method::POST,
            &format!("/scals/{scal}/evidence/link"),
            &[
                ("evidence_id", ""),
                ("sheet_id", &sheet),
                ("requirement_id", "GPCM-C-1"),
            ],
        )
        .await;
    assert_eq!(unchosen.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unchosen.html.contains("Choose a file to link"));
    let form = app.page(Some(&admin), Method::GET, &requirement, &[]).await;
    assert!(form.html.contains(&format!("/evidence/{}", file.id)));
    let download = app
        .page(Some(&admin), Method::GET, &format!("/evidence/{}", file.id), &[])
        .await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.headers[header::CONTENT_TYPE], "application/pdf");
    assert!(download.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"mesh.pdf\""));

    // Use case and check your answers: blockers listed, submitting refused with them.
    let check = app
        .page(Some(&admin), Method::GET, &format!("/scals/{scal}/submit"), &[])
        .await;
    assert_eq!(check.status, StatusCode::OK);
    assert!(check.html.contains("You cannot submit this SCAL yet"));
    assert!(check.html.contains("Documents are sent by secure email until then"));
    // Each blocker links to where it is put right; no Submit button while anything blocks.
    assert!(
        check.html.contains(&format!("<a href=\"/scals/{scal}/sheets/")),
        "{}",
        check.html
    );
    assert!(
        !check.html.contains(&format!("action=\"/scals/{scal}/submit\"")),
        "no Submit button"
    );
    let submit = app
        .page(Some(&admin), Method::POST, &format!("/scals/{scal}/submit"), &[])
        .await;
    assert_eq!(submit.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(submit.html.contains("You cannot submit this SCAL yet"));

    // NHS England reads but cannot answer; another supplier cannot tell the SCAL exists.
    let read_only = app.page(Some(&reviewer), Method::GET, &requirement, &[]).await;
    assert_eq!(read_only.status, StatusCode::OK);
    assert!(!read_only.html.contains("Save answer"));
    let refused = app
        .page(Some(&reviewer), Method::POST, &requirement, &[("answer", "Yes")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let unknown = "3f1c9a40-0000-4000-8000-000000000000";
    for path in [
        format!("/scals/{}", "{}"),
        format!("/scals/{}/evidence", "{}"),
        format!("/scals/{}/submit", "{}"),
        format!("/scals/{}/sheets/{sheet}", "{}"),
    ] {
        let theirs = app
            .page(Some(&bright), Method::GET, &path.replace("{}", &scal), &[])
            .await;
        let missing = app
            .page(Some(&bright), Method::GET, &path.replace("{}", unknown), &[])
            .await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            (theirs.status, crate::support::without_csrf(&theirs.html)),
            (missing.status, crate::support::without_csrf(&missing.html)),
            "{path}"
        );
    }
    let theirs = app
        .page(Some(&bright), Method::GET, &format!("/evidence/{}", file.id), &[])
        .await;
    let missing = app
        .page(Some(&bright), Method::GET, &format!("/evidence/{unknown}"), &[])
        .await;
    assert_eq!(
        (theirs.status, crate::support::without_csrf(&theirs.html)),
        (missing.status, crate::support::without_csrf(&missing.html))
    );

    // Notifications: the reviewer was told about the enquiry and the red item.
    let notes = app.page(Some(&reviewer), Method::GET, "/notifications", &[]).await;
    assert!(notes.html.contains("asks to onboard to GPC-SEND-DOC"), "{}", notes.html);
    assert!(notes.html.contains("answered No to a MUST"));
    assert!(notes.html.contains("Unread"));
    let read = app
        .page(Some(&reviewer), Method::POST, "/notifications/read", &[])
        .await;
    assert_eq!(read.status, StatusCode::SEE_OTHER);
    let notes = app.page(Some(&reviewer), Method::GET, "/notifications", &[]).await;
    assert!(!notes.html.contains("nhsuk-tag--blue\">Unread"));
}

/// A submitted SCAL cannot be changed: answering it is refused with 409 and a clear message, and
/// NHS England can return it with a reason, after which it can be changed again.
#[tokio::test]
async fn a_submitted_scal_is_locked_until_returned() {
    let app = TestApp::demo().await;
    let scal = crate::onboarding_pages::submitted_scal(&app).await;
    let admin = app.sign_in("admin@acme.example", PASSWORD).await.unwrap();
    let reviewer = app.sign_in("reviewer@nhse.example", PASSWORD).await.unwrap();
    let view = scal_app::scals::view_scal(app.app(), &scal_app::Actor::System, &scal)
        .await
        .unwrap();
    let sheet = view
        .sheets
        .iter()
        .find(|s| s.service_code.is_some())
        .unwrap()
        .id
        .clone();
    let requirement = format!("/scals/{scal}/sheets/{sheet}/requirements/GPCM-C-1");
    let form = app.page(Some(&admin), Method::GET, &requirement, &[]).await;
    assert!(!form.html.contains("Save answer"), "read-only while submitted");
    let locked = app
        .page(Some(&admin), Method::POST, &requirement, &[("answer", "Yes")])
        .await;
    assert_eq!(locked.status, StatusCode::CONFLICT);
    assert!(locked.html.contains("This cannot be changed now"));
    assert!(locked.html.contains("is with NHS England"));

    // One status, everywhere: the dashboard, the SCAL page and the API say the same.
    let token = app.token_for("admin@acme.example").await;
    let said_everywhere = |want: &'static str, code: &'static str| {
        let (app, admin, scal, token) = (&app, &admin, scal.clone(), token.clone());
        async move {
            let dashboard = app.page(Some(admin), Method::GET, "/", &[]).await;
            assert!(
                dashboard.html.contains(want),
                "dashboard lacks {want:?}: {}",
                dashboard.html
            );
            let overview = app.page(Some(admin), Method::GET, &format!("/scals/{scal}"), &[]).await;
            assert!(overview.html.contains(want), "SCAL page lacks {want:?}");
            let (status, json) = app
                .api(Method::GET, &format!("/api/v1/scals/{scal}"), Some(&token), None)
                .await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(json["status"]["code"], code, "{}", json["status"]);
            assert_eq!(json["status"]["label"], want);
            (dashboard.html, json)
        }
    };
    let (dashboard, _) = said_everywhere("With NHS England for review (round 1)", "with_nhs_england").await;
    assert!(
        !dashboard.html_contains_any(&["Ready to submit", "step 10"]),
        "{dashboard}"
    );

    let queue = app.page(Some(&reviewer), Method::GET, "/submissions", &[]).await;
    assert!(queue.html.contains("Waiting for review"));
    let submission = view.rounds.last().unwrap().id.clone();
    let page = app
        .page(Some(&reviewer), Method::GET, &format!("/submissions/{submission}"), &[])
        .await;
    assert!(page.html.contains(&view.rounds[0].sha256));
    let empty = app
        .page(
            Some(&reviewer),
            Method::POST,
            &format!("/submissions/{submission}/return"),
            &[("reason", " ")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.html.contains("href=\"#reason\""));
    let returned = app
        .page(
            Some(&reviewer),
            Method::POST,
            &format!("/submissions/{submission}/return"),
            &[("reason", "Add the penetration test report")],
        )
        .await;
    assert_eq!(returned.status, StatusCode::SEE_OTHER);
    // The page it lands on says it worked, once: it clears the notice, and a reload shows none.
    let landed = app.follow(&reviewer, &returned).await;
    assert!(
        landed.html.contains("The SCAL has been returned to the supplier"),
        "{}",
        landed.html
    );
    assert_eq!(
        landed.set_cookie("scal_notice").as_deref(),
        Some(""),
        "cleared once shown"
    );
    let reloaded = app
        .page(Some(&reviewer), Method::GET, returned.location().unwrap(), &[])
        .await;
    assert!(!reloaded.html.contains("nhsuk-notification-banner--success"));
    let overview = app
        .page(Some(&admin), Method::GET, &format!("/scals/{scal}"), &[])
        .await;
    assert!(overview.html.contains("Add the penetration test report"));
    // The supplier's notification says it in the same words.
    let notes = app.page(Some(&admin), Method::GET, "/notifications", &[]).await;
    assert!(
        notes.html.contains("Returned: changes needed (round 1)"),
        "{}",
        notes.html
    );
    let (dashboard, json) = said_everywhere("Returned: changes needed (round 1)", "returned").await;
    assert!(
        dashboard.contains("Add the penetration test report"),
        "the reason is on the dashboard too"
    );
    assert!(
        !dashboard.html_contains_any(&["Ready to submit", "step 10"]),
        "{dashboard}"
    );
    assert_eq!(json["status"]["return_reason"], "Add the penetration test report");
    let saved = app
        .page(Some(&admin), Method::POST, &requirement, &[("answer", "Yes")])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);

    // Submitted again: round 2 is with NHS England, on every surface.
    // Check your answers: nothing blocks, so the declaration and the Submit button are offered,
    // every answer is listed with a Change link; submitting without the declaration is refused.
    let check = app
        .page(Some(&admin), Method::GET, &format!("/scals/{scal}/submit"), &[])
        .await;
    assert!(check.html.contains("I confirm that these answers are accurate"));
    assert!(check.html.contains("Submit the SCAL"));
    assert!(
        check.html.contains(&format!("{requirement}\">Change")),
        "a Change link per answer"
    );
    let undeclared = app
        .page(Some(&admin), Method::POST, &format!("/scals/{scal}/submit"), &[])
        .await;
    assert_eq!(undeclared.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(undeclared.html.contains("href=\"#declaration\""), "{}", undeclared.html);
    let again = app
        .page(
            Some(&admin),
            Method::POST,
            &format!("/scals/{scal}/submit"),
            &[("declaration", "confirmed")],
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.html);
    assert_eq!(again.location(), Some(format!("/scals/{scal}/submitted").as_str()));
    let confirmation = app.follow(&admin, &again).await;
    assert!(confirmation.html.contains("SCAL submitted"));
    assert!(confirmation.html.contains("SUB-"));
    assert!(confirmation.html.contains("Round 2"));
    assert!(confirmation.html.contains("What happens next"));
    said_everywhere("With NHS England for review (round 2)", "with_nhs_england").await;
}

trait ContainsAny {
    fn html_contains_any(&self, needles: &[&str]) -> bool;
}

impl ContainsAny for String {
    fn html_contains_any(&self, needles: &[&str]) -> bool {
        needles.iter().any(|n| self.contains(n))
    }
}

/// Acme PAS's SCAL, issued, fully answered and submitted through the services.
pub(crate) async fn submitted_scal(app: &TestApp) -> String {
    submitted_scal_for(app, "Acme PAS", "admin@acme.example").await
}

/// A product's SCAL, issued, fully answered (as Acme Health Systems) and submitted by `email`.
pub(crate) async fn submitted_scal_for(app: &TestApp, product_name: &str, email: &str) -> String {
    submitted_scal_with(app, product_name, email, &[]).await
}

/// As [`submitted_scal_for`], with some answers given in full: `(requirement ID, answer,
/// justification, mitigation, target date)`, e.g. a red item explained.
pub(crate) async fn submitted_scal_with(
    app: &TestApp,
    product_name: &str,
    email: &str,
    given: &[(&str, &str, &str, &str, &str)],
) -> String {
    use scal_domain::onboarding::info;
    let scal = app.issue_scal(product_name, None).await;
    let user = scal_store::records::users::get_by_email(app.app().store.pool(), email)
        .await
        .unwrap()
        .unwrap();
    let admin = scal_app::auth::actor_for(&user);
    // The supplier's own organisation, which the ODS step checks against.
    let organisation = scal_store::records::organisations::get(app.app().store.pool(), &user.org_id)
        .await
        .unwrap()
        .unwrap();
    let ods = organisation.ods_code.to_string();
    let information = [
        (info::ORGANISATION, organisation.name.as_str()),
        (info::ODS, ods.as_str()),
        (info::PRODUCT, "Acme product"),
        (info::HSCN, "Yes"),
        (info::HSCN_DATE, "2026-01-10"),
        (info::DSPT_STATUS, "Standards Met"),
        (info::DSPT_DATE, "2026-06-20"),
        (info::CSO_NAME, "Dr A Clinician"),
        (info::CSO_REGISTRATION, "GMC 1234567"),
        (info::SAFETY_CASE, "cscr.pdf"),
        (info::HAZARD_LOG, "hazards.xlsx"),
        (info::DEVICE, "Class I"),
        (info::DEVICE_REFERENCE, "MHRA 9911"),
        (info::PENTEST_DATE, "2026-03-01"),
        (info::PENTEST_REPORT, "pentest.pdf"),
        (info::PENTEST_CLOSED, "Yes"),
        (info::SERVICE_DESK, "NSD-4411"),
        (info::DEVELOPER_COMMUNITY, "Yes"),
    ];
    let view = scal_app::scals::view_scal(app.app(), &admin, &scal).await.unwrap();
    for sheet in &view.sheets {
        for row in &sheet.requirements {
            let answer = information
                .iter()
                .find(|(id, _)| *id == row.requirement.id)
                .map_or("Yes", |(_, v)| v);
            let mut input = scal_app::scals::AnswerInput {
                sheet_id: sheet.id.clone(),
                requirement_id: row.requirement.id.clone(),
                answer: Some(answer.into()),
                ..Default::default()
            };
            if let Some((_, answer, justification, mitigation, target)) =
                given.iter().find(|(id, ..)| *id == row.requirement.id)
            {
                input.answer = Some(answer.to_string());
                input.justification = Some(justification.to_string());
                input.mitigation = Some(mitigation.to_string());
                input.target_date = Some(target.to_string());
            }
            scal_app::scals::save_answer(app.app(), &admin, &scal, &input, app.now())
                .await
                .unwrap();
        }
    }
    // Attachment questions are answered by linking files, never by typing.
    let information = view.information_sheet().unwrap();
    for (question, name, bytes) in [
        (info::SAFETY_CASE, "cscr.pdf", &b"%PDF-1.7 safety case"[..]),
        (info::HAZARD_LOG, "hazards.txt", &b"H1 wrong patient"[..]),
        (info::PENTEST_REPORT, "pentest.pdf", &b"%PDF-1.7 pen test"[..]),
    ] {
        let file = scal_app::evidence::upload(app.app(), &admin, &scal, name, bytes, app.now())
            .await
            .unwrap();
        scal_app::evidence::link(app.app(), &admin, &scal, &file.id, &information.id, question, app.now())
            .await
            .unwrap();
    }
    scal_app::submissions::submit(app.app(), &admin, &scal, app.now())
        .await
        .unwrap();
    scal
}

/// A freshly issued SCAL is "In progress" with every untouched step "Not started": what a step
/// still needs is listed without a red tag, because nothing has gone wrong yet.
#[tokio::test]
async fn a_fresh_scal_is_in_progress_and_untouched_steps_are_not_errors() {
    let app = TestApp::demo().await;
    let system = scal_app::Actor::System;
    let product = app.product_id("Acme PAS").await;
    let scal = app.issue_scal("Acme PAS", None).await;
    let admin = app.sign_in("admin@acme.example", PASSWORD).await.unwrap();
    let overview = app
        .page(Some(&admin), Method::GET, &format!("/scals/{scal}"), &[])
        .await;
    assert_eq!(overview.status, StatusCode::OK);
    assert!(overview.html.contains(">In progress<"), "{}", overview.html);
    assert!(
        overview
            .html
            .contains(&format!("action=\"/products/{product}/answers\"")),
        "the answers upload sits beside the download on the SCAL page"
    );
    assert!(overview.html.contains("Not started"));
    assert!(
        !overview.html.contains("Needs attention"),
        "untouched steps are not errors"
    );
    assert!(!overview.html.contains(">Error<"));
    let dashboard = app.page(Some(&admin), Method::GET, "/", &[]).await;
    assert!(dashboard.html.contains(">In progress<"));
    assert!(!dashboard.html.contains("Ready to submit"));

    // "Save and continue" goes on to the next unanswered question, saying the answer was saved;
    // the other button goes back to the sheet.
    let view = scal_app::scals::view_scal(app.app(), &system, &scal).await.unwrap();
    let sheet = view.sheets.iter().find(|s| s.service_code.is_some()).unwrap();
    let (first, second, third) = (
        &sheet.requirements[0].requirement.id,
        &sheet.requirements[1].requirement.id,
        &sheet.requirements[2].requirement.id,
    );
    let base = format!("/scals/{scal}/sheets/{}", sheet.id);
    let saved = app
        .page(
            Some(&admin),
            Method::POST,
            &format!("{base}/requirements/{first}"),
            &[("answer", "Yes"), ("then", "next")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
    assert_eq!(saved.location(), Some(format!("{base}/requirements/{second}").as_str()));
    let next = app.follow(&admin, &saved).await;
    assert!(next.html.contains("Your answer has been saved"));
    assert!(next.html.contains("Save and continue"));
    // Answering the third skips to the fourth: the second is still unanswered, after it in turn.
    let saved = app
        .page(
            Some(&admin),
            Method::POST,
            &format!("{base}/requirements/{third}"),
            &[("answer", "Yes"), ("then", "next")],
        )
        .await;
    let fourth = &sheet.requirements[3].requirement.id;
    assert_eq!(saved.location(), Some(format!("{base}/requirements/{fourth}").as_str()));
    let back = app
        .page(
            Some(&admin),
            Method::POST,
            &format!("{base}/requirements/{second}"),
            &[("answer", "Yes"), ("then", "sheet")],
        )
        .await;
    assert_eq!(back.location(), Some(format!("{base}#req-{second}").as_str()));

    // Question pages: the question is the heading, the ID a caption; only the fields that fit.
    let must = sheet
        .requirements
        .iter()
        .find(|r| r.requirement.level == scal_domain::template::Level::Must && r.answer.is_none())
        .unwrap();
    let page = app
        .page(
            Some(&admin),
            Method::GET,
            &format!("{base}/requirements/{}", must.requirement.id),
            &[],
        )
        .await;
    assert!(
        page.html.contains(&format!(">{}</h1>", must.requirement.text)),
        "{}",
        page.html
    );
    assert!(page.html.contains("Do you meet this requirement?"));
    assert!(page.html.contains("id=\"mitigation\"") && page.html.contains("id=\"target_date\""));
    if let Some(should) = sheet
        .requirements
        .iter()
        .find(|r| r.requirement.level == scal_domain::template::Level::Should)
    {
        let page = app
            .page(
                Some(&admin),
                Method::GET,
                &format!("{base}/requirements/{}", should.requirement.id),
                &[],
            )
            .await;
        assert!(page.html.contains("id=\"justification\""));
        assert!(!page.html.contains("id=\"mitigation\""), "no mitigation for a SHOULD");
    }
    // Radios must have a choice.
    let none = app
        .page(
            Some(&admin),
            Method::POST,
            &format!("{base}/requirements/{}", must.requirement.id),
            &[("answer", "")],
        )
        .await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(none.html.contains("Select Yes, No or Not applicable"));
    // A No to a MUST without its explanation is saved, with a warning that it blocks submission.
    let red = app
        .page(
            Some(&admin),
            Method::POST,
            &format!("{base}/requirements/{}", must.requirement.id),
            &[("answer", "No"), ("then", "sheet")],
        )
        .await;
    assert_eq!(red.status, StatusCode::SEE_OTHER);
    let warned = app.follow(&admin, &red).await;
    assert!(warned.html.contains("it will stop you submitting"), "{}", warned.html);
    assert!(warned.html.contains("nhsuk-warning-callout"));

    // The information sheet: known facts pre-filled; a free-text question has no justification;
    // the ODS code must be the organisation's own; the HSCN question reads as itself.
    let info = view.information_sheet().unwrap();
    let ibase = format!("/scals/{scal}/sheets/{}", info.id);
    let org = app
        .page(
            Some(&admin),
            Method::GET,
            &format!("{ibase}/requirements/INFO-ORG"),
            &[],
        )
        .await;
    assert!(org.html.contains(">Organisation name</h1>"), "{}", org.html);
    assert!(
        org.html.contains("Acme Health Systems</textarea>"),
        "pre-filled from the records"
    );
    assert!(!org.html.contains("id=\"justification\""));
    let ods = app
        .page(
            Some(&admin),
            Method::GET,
            &format!("{ibase}/requirements/INFO-ODS"),
            &[],
        )
        .await;
    assert!(
        ods.html.contains("value=\"8JK21\""),
        "the organisation's ODS code offered"
    );
    let wrong = app
        .page(
            Some(&admin),
            Method::POST,
            &format!("{ibase}/requirements/INFO-ODS"),
            &[("answer", "acme")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong
        .html
        .contains("ACME is not your organisation's ODS code: Acme Health Systems is registered with 8JK21"));
    let token = app.token_for("admin@acme.example").await;
    let (status, body) = app
        .api(
            Method::PUT,
            &format!("/api/v1/scals/{scal}/answers"),
            Some(&token),
            Some(serde_json::json!({"sheet_id": info.id, "requirement_id": "INFO-ODS", "answer": "8QW47"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let hscn = app
        .page(
            Some(&admin),
            Method::GET,
            &format!("{ibase}/requirements/INFO-HSCN"),
            &[],
        )
        .await;
    assert!(hscn.html.contains(">Is the product connected to HSCN?</h1>"));
    assert!(!hscn.html.contains("Do you meet this requirement?"));
    assert!(
        hscn.html.contains("id=\"mitigation\""),
        "a No to HSCN may need a mitigation"
    );
    let no = app
        .page(
            Some(&admin),
            Method::POST,
            &format!("{ibase}/requirements/INFO-HSCN"),
            &[("answer", "No")],
        )
        .await;
    assert_eq!(no.status, StatusCode::SEE_OTHER);
    let view = scal_app::scals::view_scal(app.app(), &system, &scal).await.unwrap();
    let hscn = view
        .information_sheet()
        .unwrap()
        .requirements
        .iter()
        .find(|r| r.requirement.id == "INFO-HSCN")
        .unwrap();
    assert_ne!(
        hscn.rag,
        scal_domain::template::Rag::Amber,
        "a No to a fact is not amber"
    );
}

/// `scal demo` shows the lifecycle at once: a SCAL in progress with a red item explained and
/// evidenced, one in review with its red item under discussion, an accepted one with a
/// condition, and a request waiting to be issued.
#[tokio::test]
async fn the_demo_world_shows_each_stage_of_the_journey() {
    let app = TestApp::demo().await;
    scal_app::demo::seed_journeys(app.app(), app.now()).await.unwrap();
    let system = scal_app::Actor::System;
    let status_of = |name: &'static str| {
        let (app, system) = (&app, system.clone());
        async move {
            let product = app.product_id(name).await;
            let sheets = scal_app::scals::sheets(app.app(), &system, &product).await.unwrap();
            let scal = sheets[0].record.scal_id.clone();
            let (view, cases) = scal_app::cases::cases(app.app(), &system, &scal, app.now())
                .await
                .unwrap();
            (scal_app::cases::status(&view, &cases), view)
        }
    };
    let (status, view) = status_of("Acme Referrals").await;
    assert_eq!(status, scal_domain::status::ScalStatus::InProgress);
    // Uplifted to version 2 of its template: the changed requirements flagged to confirm, due in
    // three weeks, so it is on the supplier's upcoming list.
    assert_eq!(view.reopened.len(), 1, "uplifted");
    assert_eq!(view.to_confirm.len(), 2, "{:?}", view.to_confirm);
    let acme = app.sign_in("dev@acme.example", PASSWORD).await.unwrap();
    let home = app.page(Some(&acme), Method::GET, "/", &[]).await;
    assert!(
        home.html.to_lowercase().contains("uplift"),
        "the upcoming uplift: {}",
        home.html
    );
    assert_eq!(view.summary.red, 1, "one red item");
    let red = view
        .sheets
        .iter()
        .flat_map(|s| s.requirements.iter())
        .find(|r| r.rag == scal_domain::template::Rag::Red)
        .unwrap();
    assert!(red.mitigation.is_some() && red.target_date.is_some());
    assert_eq!(red.evidence.len(), 1, "evidence linked to the red item");
    let (status, view) = status_of("Brightwater EPR").await;
    assert_eq!(status, scal_domain::status::ScalStatus::WithNhsEngland { round: 1 });
    // In review: the red item queried, not agreed yet, and a question about it answered by the
    // supplier and waiting for NHS England.
    let round = view.rounds.last().unwrap().id.clone();
    let review = scal_app::review::get(app.app(), &system, &round, app.now().date())
        .await
        .unwrap();
    let red_item = review
        .items
        .iter()
        .find(|i| i.rag == scal_domain::template::Rag::Red)
        .expect("a red item in review");
    let verdict = review.verdict(&red_item.key()).expect("a verdict on the red item");
    assert_eq!(verdict.review.verdict, scal_domain::review::Verdict::Query);
    assert!(review.round.reviewer.is_some(), "the reviewer has taken it");
    assert!(review.unreviewed() >= 1, "the amber item waits");
    let threads = scal_app::threads::list_for_scal(app.app(), &system, &view.scal.id)
        .await
        .unwrap();
    assert_eq!(threads.len(), 1);
    assert_eq!(threads[0].state, scal_domain::thread::ThreadState::Answered);
    // Live: Brightwater Connect, its red item agreed on a condition, certified, its agreement
    // signed by Brightwater's administrator and go-live approved.
    let (status, view) = status_of("Brightwater Connect").await;
    assert_eq!(status, scal_domain::status::ScalStatus::Live { round: 1 });
    let accepted = scal_app::review::get(app.app(), &system, &view.rounds[0].id, app.now().date())
        .await
        .unwrap();
    assert!(accepted
        .items
        .iter()
        .filter_map(|i| accepted.verdict(&i.key()))
        .any(|v| v.review.conditions.len() == 1));
    let certificates = scal_app::certificates::for_scal(app.app(), &system, &view.scal.id, app.now().date())
        .await
        .unwrap();
    assert_eq!(certificates.len(), 1, "tested and certified");
    assert!(certificates[0].status.is_valid());
    let agreements = scal_app::agreements::for_scal(app.app(), &system, &view.scal.id, app.now().date())
        .await
        .unwrap();
    assert_eq!(agreements.len(), 1, "its agreement");
    assert_eq!(agreements[0].state, scal_domain::agreement::AgreementState::Active);
    assert_eq!(agreements[0].signatory_email, "admin@brightwater.example");
    assert!(agreements[0].seal.is_some(), "signed and sealed");
    let bright = app.sign_in("admin@brightwater.example", PASSWORD).await.unwrap();
    let home = app.page(Some(&bright), Method::GET, "/", &[]).await;
    assert!(
        home.html.contains("Live: go-live approved"),
        "the dashboard row says so"
    );
    // Shared: Riverside sees Brightwater Connect among its assured products, its certificate
    // valid, the policy acknowledged and its local assurance in progress.
    let riverside = app.sign_in("practice@riverside.example", PASSWORD).await.unwrap();
    let home = app.page(Some(&riverside), Method::GET, "/", &[]).await;
    assert!(home.html.contains("Assured products"), "{}", home.html);
    assert!(home.html.contains("Brightwater Connect 1.4"), "{}", home.html);
    assert!(home.html.contains("Acknowledged"), "{}", home.html);
    assert!(
        home.html.contains("Upload your clinical safety case report"),
        "the next action: {}",
        home.html
    );

    // NHS England's day: what waits on the dashboard, the queue with supplier, services, round
    // and red and amber counts, the submission's amber item listed, and notifications that open
    // the item itself and count down.
    let reviewer = app.sign_in("reviewer@nhse.example", PASSWORD).await.unwrap();
    let home = app.page(Some(&reviewer), Method::GET, "/", &[]).await;
    assert!(home.html.contains("1 request waiting to be issued"), "{}", home.html);
    assert!(home.html.contains("1 SCAL waiting for review"));
    let queue = app.page(Some(&reviewer), Method::GET, "/submissions", &[]).await;
    assert!(queue.html.contains("Brightwater EPR"), "{}", queue.html);
    assert!(queue.html.contains("Brightwater Clinical"), "the supplier");
    assert!(queue.html.contains("GPC-SEND-DOC"), "the services");
    let submission = scal_app::submissions::list(app.app(), &system, Some("submitted"))
        .await
        .unwrap()[0]
        .submission
        .id
        .clone();
    let page = app
        .page(Some(&reviewer), Method::GET, &format!("/submissions/{submission}"), &[])
        .await;
    assert!(page.html.contains("Red and amber items"), "{}", page.html);
    assert!(page.html.contains("Retries are handled by the practice system"));
    let enquiries = app.page(Some(&reviewer), Method::GET, "/enquiries", &[]).await;
    assert!(enquiries.html.contains("Acme PAS"), "{}", enquiries.html);
    assert!(
        home.html
            .contains("<span class=\"nhsuk-u-visually-hidden\"> unread</span>"),
        "the header counts unread notifications"
    );
    let reviewer_actor = scal_app::auth::actor_for(
        &scal_store::records::users::get_by_email(app.app().store.pool(), "reviewer@nhse.example")
            .await
            .unwrap()
            .unwrap(),
    );
    let notes = scal_app::notifications::list(app.app(), &reviewer_actor).await.unwrap();
    let red = notes
        .iter()
        .find(|n| n.kind == "red_item")
        .expect("told about the red item");
    let opened = app
        .page(Some(&reviewer), Method::GET, &format!("/notifications/{}", red.id), &[])
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER);
    assert!(
        opened.location().unwrap().contains("/requirements/"),
        "goes to the red requirement itself"
    );
    let after = scal_app::notifications::list(app.app(), &reviewer_actor).await.unwrap();
    assert!(
        after.iter().find(|n| n.id == red.id).unwrap().read_at.is_some(),
        "opening marks it read"
    );
    // Another user's notification is not found, as an unknown one.
    let admin = app.sign_in("admin@nhse.example", PASSWORD).await.unwrap();
    let theirs = app
        .page(Some(&admin), Method::GET, &format!("/notifications/{}", red.id), &[])
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    let dev = app.sign_in("dev@acme.example", PASSWORD).await.unwrap();
    let dashboard = app.page(Some(&dev), Method::GET, "/", &[]).await;
    assert!(dashboard.html.contains("Acme Referrals"));
    assert!(dashboard.html.contains(">In progress<"));

    // A SCAL under way whose product asks for another service says it waits on that request.
    let referrals = app.product_id("Acme Referrals").await;
    let dev_actor = scal_app::auth::actor_for(
        &scal_store::records::users::get_by_email(app.app().store.pool(), "dev@acme.example")
            .await
            .unwrap()
            .unwrap(),
    );
    let input = scal_app::enquiries::EnquiryInput {
        product_id: referrals,
        services: vec!["MESH".into()],
        details: "Also MESH".into(),
        ..Default::default()
    };
    scal_app::enquiries::create(app.app(), &dev_actor, &input, app.now())
        .await
        .unwrap();
    let dashboard = app.page(Some(&dev), Method::GET, "/", &[]).await;
    assert!(
        dashboard.html.contains("Waiting for NHS England to issue MESH"),
        "{}",
        dashboard.html
    );
}

/// Evidence where it is needed: upload and link in one step from a question's page (coming back
/// to it), unlink, delete a file no submitted round names (refused, on the page and the API, for
/// one a submitted round names), file kinds in words and the SHA-256 shortened.
#[tokio::test]
async fn evidence_is_uploaded_linked_unlinked_and_deleted_from_where_it_is_needed() {
    let app = TestApp::demo().await;
    let system = scal_app::Actor::System;
    let scal = app.issue_scal("Acme PAS", None).await;
    let admin = app.sign_in("admin@acme.example", PASSWORD).await.unwrap();
    let view = scal_app::scals::view_scal(app.app(), &system, &scal).await.unwrap();
    let info = view.information_sheet().unwrap();
    let question = format!("/scals/{scal}/sheets/{}/requirements/INFO-SAFETY-CASE", info.id);

    // Upload and link from the question's page: back to it, the file linked, the question answered.
    let page = app.page(Some(&admin), Method::GET, &question, &[]).await;
    assert!(page.html.contains("Upload and link"));
    let uploaded = app
        .multipart(
            &admin,
            &format!("/scals/{scal}/evidence"),
            Some(("safety-case.pdf", b"%PDF-1.7 safety case")),
            &[("sheet_id", &info.id), ("requirement_id", "INFO-SAFETY-CASE")],
        )
        .await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.html);
    assert_eq!(uploaded.location(), Some(format!("{question}#evidence").as_str()));
    let back = app.follow(&admin, &uploaded).await;
    assert!(back.html.contains("The file has been linked to the question"));
    assert!(back.html.contains("safety-case.pdf"));
    let answer = |view: &scal_app::scals::ScalView| {
        view.information_sheet()
            .unwrap()
            .requirements
            .iter()
            .find(|r| r.requirement.id == "INFO-SAFETY-CASE")
            .unwrap()
            .answer
            .clone()
    };
    let now = scal_app::scals::view_scal(app.app(), &system, &scal).await.unwrap();
    assert_eq!(answer(&now).as_deref(), Some("safety-case.pdf"));
    let file = scal_app::evidence::list(app.app(), &system, &scal).await.unwrap()[0].clone();

    // A bad file from the question's page is an error on that page.
    let bad = app
        .multipart(
            &admin,
            &format!("/scals/{scal}/evidence"),
            Some(("run.exe", b"MZ\x90\x00")),
            &[("sheet_id", &info.id), ("requirement_id", "INFO-SAFETY-CASE")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.html.contains("href=\"#file\""), "{}", bad.html);
    assert!(bad.html.contains(">Clinical safety case report") || bad.html.contains("INFO-SAFETY-CASE"));

    // Unlink: the question is unanswered again.
    let unlinked = app
        .page(
            Some(&admin),
            Method::POST,
            &format!("/scals/{scal}/evidence/unlink"),
            &[
                ("evidence_id", &file.id),
                ("sheet_id", &info.id),
                ("requirement_id", "INFO-SAFETY-CASE"),
            ],
        )
        .await;
    assert_eq!(unlinked.status, StatusCode::SEE_OTHER, "{}", unlinked.html);
    assert!(app
        .follow(&admin, &unlinked)
        .await
        .html
        .contains("The file has been unlinked"));
    let now = scal_app::scals::view_scal(app.app(), &system, &scal).await.unwrap();
    assert_eq!(answer(&now), None);

    // The evidence page: the kind in words, the hash shortened with the full value available.
    let list = app
        .page(Some(&admin), Method::GET, &format!("/scals/{scal}/evidence"), &[])
        .await;
    assert!(list.html.contains(">PDF<"));
    assert!(list.html.contains(&file.sha256[..12]));
    assert!(list
        .html
        .contains(&format!("<code class=\"scal-hash\">{}</code>", file.sha256)));

    // Delete it: a confirmation, then gone, audited.
    let confirm = app
        .page(
            Some(&admin),
            Method::GET,
            &format!("/scals/{scal}/evidence/{}/delete", file.id),
            &[],
        )
        .await;
    assert!(confirm.html.contains("Delete safety-case.pdf?"));
    let deleted = app
        .page(
            Some(&admin),
            Method::POST,
            &format!("/scals/{scal}/evidence/{}/delete", file.id),
            &[],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.html);
    assert!(app
        .follow(&admin, &deleted)
        .await
        .html
        .contains("The file has been deleted"));
    assert!(scal_app::evidence::list(app.app(), &system, &scal)
        .await
        .unwrap()
        .is_empty());

    // A file a submitted round names is kept, on the page and in the API.
    let submitted = crate::onboarding_pages::submitted_scal_for(&app, "Acme Referrals", "dev@acme.example").await;
    let kept = scal_app::evidence::list(app.app(), &system, &submitted).await.unwrap()[0].clone();
    let token = app.token_for("dev@acme.example").await;
    let (status, body) = app
        .api(
            Method::DELETE,
            &format!("/api/v1/evidence/{}", kept.id),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("submitted round 1"));
    let dev = app.sign_in("dev@acme.example", PASSWORD).await.unwrap();
    let confirm = app
        .page(
            Some(&dev),
            Method::GET,
            &format!("/scals/{submitted}/evidence/{}/delete", kept.id),
            &[],
        )
        .await;
    assert!(confirm.html.contains("cannot be deleted"));
    // Another organisation's file is not found.
    let bright = app.token_for("admin@brightwater.example").await;
    let (status, _) = app
        .api(
            Method::DELETE,
            &format!("/api/v1/evidence/{}", kept.id),
            Some(&bright),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// A long sheet is read a section at a time, with filters (unanswered, red, amber, changed since
/// the last round), not as one page of thousands of pixels.
#[tokio::test]
async fn a_long_sheet_has_sections_and_filters() {
    let app = TestApp::demo().await;
    let system = scal_app::Actor::System;
    // 120 requirements in four sections.
    let mut psv = String::from("Identifier|Description|Item\n");
    for n in 1..=120 {
        psv.push_str(&format!(
            "LONG-{n:03}|The system MUST do thing {n}.|Section {}\n",
            (n - 1) / 30 + 1
        ));
    }
    let request = scal_app::templates::ImportRequest {
        file_name: "long.psv".into(),
        bytes: bytes::Bytes::from(psv),
        name: Some("Long template".into()),
        service: Some("GPC-SEND-DOC".into()),
        template_id: None,
        publish: true,
        options: Default::default(),
    };
    scal_app::templates::import(
        app.app(),
        &system,
        &request,
        scal_workbook::Limits::default(),
        app.now(),
    )
    .await
    .unwrap();
    let template = scal_app::templates::list(app.app(), &system)
        .await
        .unwrap()
        .into_iter()
        .find(|(t, _)| t.name == "Long template")
        .unwrap()
        .0
        .id;
    let scal = app.issue_scal("Acme PAS", Some(&template)).await;
    let view = scal_app::scals::view_scal(app.app(), &system, &scal).await.unwrap();
    let sheet = view.sheets.iter().find(|s| s.service_code.is_some()).unwrap();
    let base = format!("/scals/{scal}/sheets/{}", sheet.id);
    let admin = app.sign_in("admin@acme.example", PASSWORD).await.unwrap();

    let first = app.page(Some(&admin), Method::GET, &base, &[]).await;
    assert!(first.html.contains("id=\"req-LONG-001\""));
    assert!(!first.html.contains("id=\"req-LONG-031\""), "only the first section");
    assert!(first.html.contains("Section 2"), "the other sections are listed");
    let second = app
        .page(Some(&admin), Method::GET, &format!("{base}?section=Section%202"), &[])
        .await;
    assert!(second.html.contains("id=\"req-LONG-031\"") && !second.html.contains("id=\"req-LONG-001\""));

    // Answer one in section 3 No: red filter finds it across sections; saving returns to its section.
    let saved = app
        .page(
            Some(&admin),
            Method::POST,
            &format!("{base}/requirements/LONG-070"),
            &[("answer", "No"), ("then", "sheet")],
        )
        .await;
    assert_eq!(
        saved.location(),
        Some(format!("{base}?section=Section%203#req-LONG-070").as_str())
    );
    let red = app
        .page(Some(&admin), Method::GET, &format!("{base}?show=red"), &[])
        .await;
    assert!(red.html.contains("id=\"req-LONG-070\""));
    assert_eq!(red.html.matches("id=\"req-LONG-").count(), 1, "only the red one");
    let unanswered = app
        .page(Some(&admin), Method::GET, &format!("{base}?show=unanswered"), &[])
        .await;
    assert_eq!(unanswered.html.matches("id=\"req-LONG-").count(), 119);
    assert!(
        !first.html.contains("Changed since the last round"),
        "no round yet: no changed filter"
    );
}

/// "Changed since the last round" lists what the supplier changed after NHS England returned it.
#[tokio::test]
async fn changed_since_the_last_round_lists_what_was_changed_after_a_return() {
    let app = TestApp::demo().await;
    let scal = crate::onboarding_pages::submitted_scal(&app).await;
    let system = scal_app::Actor::System;
    let view = scal_app::scals::view_scal(app.app(), &system, &scal).await.unwrap();
    let round = view.rounds.last().unwrap().id.clone();
    let reviewer = app.sign_in("reviewer@nhse.example", PASSWORD).await.unwrap();
    app.page(
        Some(&reviewer),
        Method::POST,
        &format!("/submissions/{round}/return"),
        &[("reason", "Explain GPCM-C-2")],
    )
    .await;
    let sheet = view.sheets.iter().find(|s| s.service_code.is_some()).unwrap();
    let base = format!("/scals/{scal}/sheets/{}", sheet.id);
    let admin = app.sign_in("admin@acme.example", PASSWORD).await.unwrap();
    app.page(
        Some(&admin),
        Method::POST,
        &format!("{base}/requirements/GPCM-C-2"),
        &[("answer", "N/A"), ("justification", "We do not send FHIR messages")],
    )
    .await;
    let changed = app
        .page(Some(&admin), Method::GET, &format!("{base}?show=changed"), &[])
        .await;
    assert!(
        changed.html.contains("Changed since the last round (1)"),
        "{}",
        changed.html
    );
    assert_eq!(changed.html.matches("id=\"req-").count(), 1);
    assert!(changed.html.contains("id=\"req-GPCM-C-2\""));
}

#[tokio::test]
async fn asking_for_a_scal_preselects_the_product_says_what_each_service_needs_and_reports_every_error() {
    // The demo catalogue has MESH, assured through the Digital Onboarding Service.
    let app = TestApp::demo().await;
    let product = app.product_id("Acme Referrals").await;
    let admin = app.sign_in("admin@acme.example", PASSWORD).await.unwrap();

    // The product's row on the dashboard, and its page, ask for a SCAL for that product.
    let home = app.page(Some(&admin), Method::GET, "/", &[]).await;
    let ask = format!("/enquiries/new?product={product}");
    assert!(home.html.contains(&ask), "{}", home.html);
    let product_page = app
        .page(Some(&admin), Method::GET, &format!("/products/{product}"), &[])
        .await;
    assert!(product_page.html.contains(&ask), "{}", product_page.html);
    let form = app.page(Some(&admin), Method::GET, &ask, &[]).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.html.contains(&format!("<option value=\"{product}\" selected>")),
        "{}",
        form.html
    );
    // Each service says whether a template is published, whether it uses another route, and asks
    // for a use case where the service needs one.
    assert!(form.html.contains("SCAL template published"), "{}", form.html);
    assert!(form.html.contains("No template published yet"));
    assert!(form
        .html
        .contains("Uses another onboarding route (Digital Onboarding Service)"));
    assert!(form.html.contains("Needs a use case"));
    assert!(form.html.contains("name=\"use_case-ERS-FHIR\""), "{}", form.html);
    assert!(!form.html.contains("name=\"use_case-GPC-SEND-DOC\""));

    // Nothing chosen: the product and the services are both reported.
    let empty = app.page(Some(&admin), Method::POST, "/enquiries", &[]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.html.contains("href=\"#product_id\""), "{}", empty.html);
    assert!(empty.html.contains("Choose one of your products"));
    assert!(empty.html.contains("href=\"#services\""));
    assert!(empty.html.contains("Choose at least one service"));
    // A service needing a use case without one, with an unknown product: both at once, and what
    // was typed is kept.
    let missing = app
        .page(
            Some(&admin),
            Method::POST,
            "/enquiries",
            &[
                ("product_id", "not-a-product"),
                ("services", "ERS-FHIR"),
                ("services", "GPC-SEND-DOC"),
                ("use_case-ERS-FHIR", "  "),
                ("details", "Referrals"),
            ],
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.html.contains("href=\"#product_id\""), "{}", missing.html);
    assert!(missing.html.contains("href=\"#use_case-ERS-FHIR\""), "{}", missing.html);
    assert!(missing
        .html
        .contains("Describe what the product will use e-Referral Service (FHIR) for"));
    assert!(missing.html.contains(">Referrals</textarea>"));

    // A good request with a use case: stored on the enquiry and shown on its page by name.
    let asked = app
        .page(
            Some(&admin),
            Method::POST,
            "/enquiries",
            &[
                ("product_id", &product),
                ("services", "ERS-FHIR"),
                ("use_case-ERS-FHIR", "Refers patients to physiotherapy"),
            ],
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.html);
    let enquiry = asked.location().unwrap().trim_end_matches("/sent").to_string();
    let shown = app.page(Some(&admin), Method::GET, &enquiry, &[]).await;
    assert!(
        shown.html.contains("e-Referral Service (FHIR) (ERS-FHIR)"),
        "{}",
        shown.html
    );
    assert!(shown.html.contains("Use case: Refers patients to physiotherapy"));

    // While it waits, the dashboard and the product page say so instead of offering "Ask".
    let home = app.page(Some(&admin), Method::GET, "/", &[]).await;
    assert!(!home.html.contains(&ask), "{}", home.html);
    assert!(home.html.contains("Waiting for NHS England to issue the SCAL"));
    assert!(home.html.contains(&format!("href=\"{enquiry}\"")));
    let product_page = app
        .page(Some(&admin), Method::GET, &format!("/products/{product}"), &[])
        .await;
    assert!(!product_page.html.contains(&ask));
    assert!(product_page.html.contains("Waiting for NHS England to issue the SCAL"));
}

#[tokio::test]
async fn the_api_takes_use_cases_and_reports_every_problem_at_once() {
    let app = TestApp::demo().await;
    let product = app.product_id("Acme Referrals").await;
    let token = app.token_for("admin@acme.example").await;
    let (status, body) = app
        .api(
            Method::POST,
            "/api/v1/enquiries",
            Some(&token),
            Some(serde_json::json!({"services": ["ERS-FHIR"], "use_cases": {"GPC-SEND-DOC": "Not asked for"}})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let text = body.to_string();
    assert!(text.contains("Choose one of your products"), "{text}");
    let (status, body) = app
        .api(
            Method::POST,
            "/api/v1/enquiries",
            Some(&token),
            Some(serde_json::json!({"product_id": product, "services": ["ERS-FHIR"]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "use_case-ERS-FHIR");
    let (status, body) = app
        .api(
            Method::POST,
            "/api/v1/enquiries",
            Some(&token),
            Some(serde_json::json!({"product_id": product, "services": ["GPC-SEND-DOC"], "use_cases": {"GPC-SEND-DOC": "Discharge summaries"}})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["use_cases"]["GPC-SEND-DOC"], "Discharge summaries");

    // Issued, the use case is the service's case's use case.
    let reviewer = app.token_for("reviewer@nhse.example").await;
    let (status, issued) = app
        .api(
            Method::POST,
            &format!("/api/v1/enquiries/{}/issue", body["id"].as_str().unwrap()),
            Some(&reviewer),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{issued}");
    let (_, cases) = scal_app::cases::cases(
        app.app(),
        &scal_app::Actor::System,
        issued["scal_id"].as_str().unwrap(),
        app.now(),
    )
    .await
    .unwrap();
    assert_eq!(cases[0].use_case.as_deref(), Some("Discharge summaries"));
}

#[tokio::test]
async fn nhs_england_chooses_only_the_services_templates_and_scopes_out_by_ticking() {
    let app = TestApp::demo().await;
    let product = app.product_id("Acme Referrals").await;
    let admin = app.sign_in("admin@acme.example", PASSWORD).await.unwrap();
    let reviewer = app.sign_in("reviewer@nhse.example", PASSWORD).await.unwrap();
    // Another service's published template must not be offered for GP Connect.
    let other = scal_app::templates::ImportRequest {
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
        &scal_app::Actor::System,
        &other,
        scal_workbook::Limits::default(),
        app.now(),
    )
    .await
    .unwrap();
    let asked = app
        .page(
            Some(&admin),
            Method::POST,
            "/enquiries",
            &[("product_id", &product), ("services", "GPC-SEND-DOC")],
        )
        .await;
    let enquiry = asked.location().unwrap().trim_end_matches("/sent").to_string();
    let shown = app.page(Some(&reviewer), Method::GET, &enquiry, &[]).await;
    assert!(
        shown.html.contains("GP Connect: Send Document, version 1"),
        "{}",
        shown.html
    );
    assert!(
        !shown.html.contains("e-RS SCAL"),
        "another service's template is not offered"
    );
    // Requirements are grouped by section in details, with one reason per service.
    assert!(shown.html.contains("nhsuk-details__summary"));
    assert!(
        shown.html.contains("Using MESH to support GP Connect Messaging ("),
        "{}",
        shown.html
    );
    assert!(shown.html.contains("id=\"reason-GPC-SEND-DOC\""));
    assert!(
        !shown.html.contains("name=\"scoped_out\""),
        "no special syntax any more"
    );

    // The API refuses another service's template for a service.
    let ers = scal_app::templates::list(app.app(), &scal_app::Actor::System)
        .await
        .unwrap()
        .into_iter()
        .find(|(t, _)| t.name == "e-RS SCAL")
        .unwrap()
        .0
        .id;
    let wrong = app
        .page(
            Some(&reviewer),
            Method::POST,
            &format!("{enquiry}/issue"),
            &[("template-GPC-SEND-DOC", &ers)],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.html.contains("That template is for ERS-FHIR"), "{}", wrong.html);

    let issued = app
        .page(
            Some(&reviewer),
            Method::POST,
            &format!("{enquiry}/issue"),
            &[
                ("scope_out", "GPC-SEND-DOC|GPCM-SD-028"),
                ("scope_out", "GPC-SEND-DOC|GPCM-SD-098"),
                ("reason-GPC-SEND-DOC", "Not in this product's use case"),
            ],
        )
        .await;
    assert_eq!(issued.status, StatusCode::SEE_OTHER, "{}", issued.html);

    // The enquiry page now says what was issued and what was scoped out, and why.
    for session in [&reviewer, &admin] {
        let page = app.page(Some(session), Method::GET, &enquiry, &[]).await;
        assert!(page.html.contains("What was issued"), "{}", page.html);
        assert!(page.html.contains("GP Connect: Send Document, version 1"));
        assert!(page.html.contains("GPCM-SD-028"));
        assert!(page.html.contains("GPCM-SD-098"));
        assert!(
            page.html.contains("Not in this product&#39;s use case")
                || page.html.contains("Not in this product's use case")
        );
        assert!(!page.html.contains("Issue the SCAL"));
    }
}

/// Someone imports a version over the built-in information template that lacks its sheet: the
/// next SCAL issued still gets the built-in sheet, as that template's next version (not a second
/// template of the same name, which the store would refuse).
#[tokio::test]
async fn a_version_imported_over_the_built_in_information_template_does_not_break_issuing() {
    let app = TestApp::demo().await;
    let system = scal_app::Actor::System;
    app.issue_scal("Acme PAS", None).await;
    let builtin = scal_app::templates::list(app.app(), &system)
        .await
        .unwrap()
        .into_iter()
        .find(|(t, _)| t.name == scal_domain::onboarding::info::SHEET_NAME)
        .unwrap()
        .0
        .id;
    let request = scal_app::templates::ImportRequest {
        file_name: "other.psv".into(),
        bytes: bytes::Bytes::from_static(b"Identifier|Description\nX-1|The system MUST be good.\n"),
        name: None,
        service: None,
        template_id: Some(builtin.clone()),
        publish: true,
        options: Default::default(),
    };
    scal_app::templates::import(
        app.app(),
        &system,
        &request,
        scal_workbook::Limits::default(),
        app.now(),
    )
    .await
    .unwrap();
    let scal = app.issue_scal("Acme Referrals", None).await;
    let view = scal_app::scals::view_scal(app.app(), &system, &scal).await.unwrap();
    assert!(view.information_sheet().is_some(), "the built-in sheet is issued");
    let named: Vec<_> = scal_app::templates::list(app.app(), &system)
        .await
        .unwrap()
        .into_iter()
        .filter(|(t, _)| t.name == scal_domain::onboarding::info::SHEET_NAME)
        .collect();
    assert_eq!(named.len(), 1, "one template of that name");
}

/// A submitted round is due 5 working days after it was submitted (weekends and England and Wales
/// bank holidays skipped); the queue and the API say when, and which are overdue.
#[tokio::test]
async fn submitted_rounds_are_due_in_working_days_and_shown_overdue_after() {
    let app = TestApp::demo().await;
    // Submitted on Tuesday 24 November 2026: due Tuesday 1 December.
    let scal = crate::onboarding_pages::submitted_scal(&app).await;
    let system = scal_app::Actor::System;
    let round = scal_app::scals::view_scal(app.app(), &system, &scal)
        .await
        .unwrap()
        .rounds[0]
        .id
        .clone();
    let token = app.token_for("reviewer@nhse.example").await;
    let (status, body) = app
        .api(Method::GET, &format!("/api/v1/submissions/{round}"), Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["due_date"], "2026-12-01");
    assert_eq!(body["overdue"], false);
    let reviewer = app.sign_in("reviewer@nhse.example", PASSWORD).await.unwrap();
    let queue = app.page(Some(&reviewer), Method::GET, "/submissions", &[]).await;
    assert!(queue.html.contains("1 December 2026"), "{}", queue.html);
    assert!(!queue.html.contains(">Overdue<"));

    app.clock.advance(time::Duration::days(8));
    let (_, body) = app
        .api(Method::GET, &format!("/api/v1/submissions/{round}"), Some(&token), None)
        .await;
    assert_eq!(body["overdue"], true);
    // A new day's session (the old one has expired).
    let reviewer = app.sign_in("reviewer@nhse.example", PASSWORD).await.unwrap();
    let queue = app.page(Some(&reviewer), Method::GET, "/submissions", &[]).await;
    assert!(queue.html.contains(">Overdue<"), "{}", queue.html);
}

/// A round waiting for review gets a reviewer: a reviewer takes it, an administrator gives it to
/// anyone at NHS England (the service's reviewers offered first); the queue shows who has it and
/// filters to one's own; a reviewer cannot give it to someone else.
#[tokio::test]
async fn a_reviewer_takes_a_round_and_an_administrator_can_give_it_to_someone_else() {
    let app = TestApp::demo().await;
    let scal = crate::onboarding_pages::submitted_scal(&app).await;
    let system = scal_app::Actor::System;
    let round = scal_app::scals::view_scal(app.app(), &system, &scal)
        .await
        .unwrap()
        .rounds[0]
        .id
        .clone();
    let reviewer = app.sign_in("reviewer@nhse.example", PASSWORD).await.unwrap();
    let page = app
        .page(Some(&reviewer), Method::GET, &format!("/submissions/{round}"), &[])
        .await;
    assert!(page.html.contains("Nobody has taken it yet"));
    assert!(page.html.contains("Take this review"));
    let me = app.user_id("reviewer@nhse.example").await;
    let taken = app
        .page(
            Some(&reviewer),
            Method::POST,
            &format!("/submissions/{round}/reviewer"),
            &[("reviewer_id", &me)],
        )
        .await;
    assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}", taken.html);
    let page = app.follow(&reviewer, &taken).await;
    assert!(page.html.contains("The review has a reviewer"));
    assert!(!page.html.contains("Take this review"), "it is theirs now");
    let mine = app
        .page(
            Some(&reviewer),
            Method::GET,
            "/submissions?state=submitted&reviewer=me",
            &[],
        )
        .await;
    assert!(mine.html.contains("Acme PAS"), "{}", mine.html);
    let nobody = app
        .page(
            Some(&reviewer),
            Method::GET,
            "/submissions?state=submitted&reviewer=none",
            &[],
        )
        .await;
    assert!(nobody.html.contains("No submission matches"));

    // A reviewer cannot give it to someone else; an administrator can, through the API.
    let admin_id = app.user_id("admin@nhse.example").await;
    let reviewer_token = app.token_for("reviewer@nhse.example").await;
    let (status, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/submissions/{round}/reviewer"),
            Some(&reviewer_token),
            Some(serde_json::json!({"reviewer_id": admin_id})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let admin_token = app.token_for("admin@nhse.example").await;
    let (status, body) = app
        .api(
            Method::POST,
            &format!("/api/v1/submissions/{round}/reviewer"),
            Some(&admin_token),
            Some(serde_json::json!({"reviewer_id": admin_id})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["reviewer_id"], admin_id.as_str());
    // The queue filters by any reviewer and by service.
    let theirs = app
        .page(
            Some(&reviewer),
            Method::GET,
            &format!("/submissions?reviewer={admin_id}"),
            &[],
        )
        .await;
    assert!(theirs.html.contains("Acme PAS"), "{}", theirs.html);
    let by_service = app
        .page(Some(&reviewer), Method::GET, "/submissions?service=GPC-SEND-DOC", &[])
        .await;
    assert!(by_service.html.contains("Acme PAS"));
    let other_service = app
        .page(Some(&reviewer), Method::GET, "/submissions?service=MESH", &[])
        .await;
    assert!(other_service.html.contains("No submission matches"));
    // Only someone at NHS England.
    let supplier = app.user_id("admin@acme.example").await;
    let (status, body) = app
        .api(
            Method::POST,
            &format!("/api/v1/submissions/{round}/reviewer"),
            Some(&admin_token),
            Some(serde_json::json!({"reviewer_id": supplier})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "reviewer_id");
    // Audited.
    let admin = app.sign_in("admin@nhse.example", PASSWORD).await.unwrap();
    let audit = app.page(Some(&admin), Method::GET, "/audit", &[]).await;
    assert!(audit.html.contains("review.assigned"), "{}", audit.html);
}

/// At national size the queue is long: it shows 50 rounds a page, oldest first within the
/// filters, with Previous and Next that keep the filters, and reads only the shown rounds'
/// snapshots. Every round is on exactly one page.
#[tokio::test]
async fn the_queue_pages_fifty_rounds_at_a_time_keeping_its_filters() {
    let app = TestApp::demo().await;
    scal_app::demo::seed_journeys(app.app(), app.now()).await.unwrap();
    let system = scal_app::Actor::System;
    let user = |email: &'static str| {
        let app = &app;
        async move {
            scal_app::auth::actor_for(
                &scal_store::records::users::get_by_email(app.app().store.pool(), email)
                    .await
                    .unwrap()
                    .unwrap(),
            )
        }
    };
    let (reviewer_actor, supplier) = (
        user("reviewer@nhse.example").await,
        user("admin@brightwater.example").await,
    );
    // Brightwater's round, returned and submitted again until the queue holds over two pages.
    let waiting = scal_app::submissions::list(app.app(), &system, Some("submitted"))
        .await
        .unwrap();
    let scal = waiting[0].submission.scal_id.clone();
    let mut round = waiting[0].submission.id.clone();
    while scal_app::submissions::list(app.app(), &system, None)
        .await
        .unwrap()
        .len()
        < 105
    {
        app.clock.advance(time::Duration::minutes(1));
        scal_app::review::return_for_changes(app.app(), &reviewer_actor, &round, "Again", app.now())
            .await
            .unwrap();
        app.clock.advance(time::Duration::minutes(1));
        round = scal_app::submissions::submit(app.app(), &supplier, &scal, app.now())
            .await
            .unwrap()
            .id;
    }
    let all = scal_app::submissions::list(app.app(), &system, None).await.unwrap();
    let reviewer = app.sign_in("reviewer@nhse.example", PASSWORD).await.unwrap();
    let links = |html: &str| -> Vec<String> {
        html.split("href=\"/submissions/")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .filter(|id| id.len() == 36)
            .map(str::to_string)
            .collect()
    };
    let mut seen = Vec::new();
    let mut path = "/submissions?service=GPC-SEND-DOC".to_string();
    for number in 1..=3 {
        let page = app.page(Some(&reviewer), Method::GET, &path, &[]).await;
        assert_eq!(page.status, StatusCode::OK);
        let shown = links(&page.html);
        assert!(
            shown.len() <= 50 && !shown.is_empty(),
            "page {number}: {} rows",
            shown.len()
        );
        assert!(
            page.html.contains(&format!("of {} submissions", all.len())),
            "page {number} says how many: {}",
            page.html
        );
        seen.extend(shown);
        if number < 3 {
            let next = format!("/submissions?page={}&amp;service=GPC-SEND-DOC", number + 1);
            assert!(page.html.contains(&next), "Next keeps the filter: {}", page.html);
            path = next.replace("&amp;", "&");
        } else {
            assert!(
                !page.html.contains("nhsuk-pagination__link--next"),
                "no Next on the last page"
            );
            assert!(
                page.html.contains("/submissions?page=2&amp;service=GPC-SEND-DOC"),
                "Previous"
            );
        }
    }
    let mut expected: Vec<String> = all.iter().map(|v| v.submission.id.clone()).collect();
    expected.sort();
    seen.sort();
    assert_eq!(seen, expected, "every round on exactly one page");
    // Past the last page is the last page; a service no SCAL has lists nothing.
    let beyond = app
        .page(Some(&reviewer), Method::GET, "/submissions?page=99", &[])
        .await;
    assert!(beyond.html.contains("Page 2 of 3"), "{}", beyond.html);
    let none = app
        .page(Some(&reviewer), Method::GET, "/submissions?service=NO-SUCH", &[])
        .await;
    assert!(none.html.contains("No submission matches."));
}
