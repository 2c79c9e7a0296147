//! Headless Chromium against a real server on loopback: every page for every demo role, each
//! checked with axe-core (no serious or critical violation) and for Content-Security-Policy
//! violations, and the sign-in and create-product
//! journey with JavaScript switched off.

use std::time::Duration;

use crate::support::{TestApp, PASSWORD};
use crate::webdriver::{browser_available, Browser};

struct Server {
    runtime: tokio::runtime::Runtime,
    app: TestApp,
    base: String,
}

fn start_server() -> Server {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let app = runtime.block_on(async {
        let app = TestApp::demo().await;
        // Acme PAS has a SCAL, so its page shows the download and upload forms.
        app.issue_scal("Acme PAS", None).await;
        app
    });
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = app.router.clone();
    // As the real server does, so handlers can read the client's address.
    runtime.spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
    });
    Server { runtime, app, base }
}

fn available() -> bool {
    match browser_available() {
        Ok(true) => true,
        Ok(false) => {
            eprintln!("skipping browser test: Chromium, chromedriver or axe-core missing (set SCAL_BROWSER_TESTS=required to fail instead)");
            false
        }
        Err(message) => panic!("{message}"),
    }
}

const WAIT: Duration = Duration::from_secs(10);

/// Clicks and waits for the page that follows to show `expect` (a click on a submit button may
/// return before the next page has loaded).
/// Clicks a form's button and waits for the next page: first for the current document to go (so
/// an `expect` that the old page also has cannot match it), then for `expect`.
fn submit(browser: &Browser, button: &str, expect: &str) {
    let old = browser.find("html").unwrap();
    browser.find(button).unwrap().click().unwrap();
    let deadline = std::time::Instant::now() + WAIT;
    while old.text().is_ok() {
        assert!(
            std::time::Instant::now() < deadline,
            "after clicking {button}, the page did not change"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    if let Err(e) = browser.wait_for(expect, WAIT) {
        panic!(
            "after clicking {button}, expected {expect}: {e}\n{}",
            browser.page_source().unwrap_or_default()
        );
    }
}

fn sign_in(browser: &Browser, base: &str, email: &str, password: &str, expect: &str) {
    browser.goto(&format!("{base}/login")).unwrap();
    browser.find("#email").unwrap().send_keys(email).unwrap();
    browser.find("#password").unwrap().send_keys(password).unwrap();
    submit(browser, "form[action='/login'] button[type=submit]", expect);
}

/// Checks the page at 1280 and 375 px: axe's serious and critical violations, and any sideways
/// scrolling, each noted in `problems` with what the page is; then back to 1280 px.
fn at_both_widths(browser: &Browser, what: &str, problems: &mut Vec<String>) {
    for width in [1280, 375] {
        browser.set_window_size(width, 900).unwrap();
        for v in browser.axe_serious_violations().unwrap() {
            problems.push(format!("{what} at {width} px: {v}"));
        }
        let overflow = browser.sideways_overflow().unwrap();
        if overflow > 0 {
            problems.push(format!(
                "{what} at {width} px: {overflow} px too wide: {}",
                browser.overflowing_elements().unwrap()
            ));
        }
    }
    browser.set_window_size(1280, 900).unwrap();
}

fn sign_out(browser: &Browser) {
    submit(browser, "form[action='/logout'] button", "form[action='/login']");
}

#[test]
fn every_page_for_every_role_passes_axe() {
    if !available() {
        return;
    }
    let server = start_server();
    let base = &server.base;
    let (acme, bright, product, acme_user, template) = server.runtime.block_on(async {
        (
            server.app.org_id("8JK21").await,
            server.app.org_id("8QW47").await,
            server.app.product_id("Acme PAS").await,
            server.app.user_id("dev@acme.example").await,
            scal_app::templates::list(server.app.app(), &scal_app::Actor::System)
                .await
                .unwrap()[0]
                .0
                .id
                .clone(),
        )
    });
    let (scal, sheet) = server.runtime.block_on(async {
        let view = scal_app::scals::sheets(server.app.app(), &scal_app::Actor::System, &product)
            .await
            .unwrap();
        let sheet = view.iter().find(|s| s.record.service_code.is_some()).unwrap();
        (sheet.record.scal_id.clone(), sheet.record.id.clone())
    });
    let (enquiry, submission) = server.runtime.block_on(async {
        let input = scal_app::enquiries::EnquiryInput {
            product_id: product.clone(),
            services: vec!["GPC-SEND-DOC".into()],
            details: "Discharge summaries".into(),
            ..Default::default()
        };
        let enquiry = scal_app::enquiries::create(server.app.app(), &scal_app::Actor::System, &input, server.app.now())
            .await
            .unwrap();
        // A returned round, written directly: the gate is tested in `journey`.
        let round = scal_store::records::submissions::SubmissionRecord {
            id: "5b7e0a1c-0000-4000-8000-0000000000a1".into(),
            scal_id: scal.clone(),
            round: 1,
            status: "returned".into(),
            snapshot: crate::access::ACCESS_SNAPSHOT.into(),
            sha256: "0".repeat(64),
            submitted_by: "admin@acme.example".into(),
            submitted_at: 0,
            decided_by: Some("reviewer@nhse.example".into()),
            decided_at: Some(0),
            summary: Some("Attach the hazard log".into()),
        };
        scal_store::records::submissions::insert(server.app.app().store.pool(), &round)
            .await
            .unwrap();
        (enquiry.id, round.id)
    });
    // A question thread with an answer, and an internal note.
    let thread = server.runtime.block_on(async {
        let system = scal_app::Actor::System;
        let now = server.app.now();
        let thread = scal_app::threads::open(
            server.app.app(),
            &system,
            &scal,
            &scal_app::threads::WHOLE_SCAL,
            "Who is your clinical safety officer?\nPlease give their registration.",
            now,
        )
        .await
        .unwrap();
        let user = scal_store::records::users::get_by_email(server.app.app().store.pool(), "dev@acme.example")
            .await
            .unwrap()
            .unwrap();
        scal_app::threads::reply(
            server.app.app(),
            &scal_app::auth::actor_for(&user),
            &thread.thread.id,
            "Dr A Clinician, GMC 1234567.",
            now,
        )
        .await
        .unwrap();
        scal_app::threads::add_note(
            server.app.app(),
            &system,
            &scal,
            &scal_app::threads::WHOLE_SCAL,
            "Check the registration",
            now,
        )
        .await
        .unwrap();
        thread.thread.id
    });
    // A product whose name, version and description are long single words, as someone might
    // paste them: they must wrap (or, in a table, scroll with it), never widen the page.
    let long_product = server.runtime.block_on(async {
        let user = scal_store::records::users::get_by_email(server.app.app().store.pool(), "admin@brightwater.example")
            .await
            .unwrap()
            .unwrap();
        let input = scal_app::products::ProductInput {
            name: format!("Brightwater{}", "Clinical".repeat(20)),
            version: format!("1.0.0-{}", "rc".repeat(20)),
            description: format!("https://example.org/{}", "a".repeat(300)),
            medical_device_class: String::new(),
        };
        scal_app::products::create(
            server.app.app(),
            &scal_app::auth::actor_for(&user),
            &input,
            server.app.now(),
        )
        .await
        .unwrap()
        .id
    });
    let pages = [
        "/".to_string(),
        format!("/products/{long_product}"),
        "/organisations".into(),
        "/organisations/new".into(),
        format!("/organisations/{acme}"),
        format!("/organisations/{bright}"),
        format!("/organisations/{acme}/edit"),
        format!("/organisations/{acme}/users/new"),
        format!("/users/{acme_user}"),
        format!("/users/{acme_user}?done=reset-sent"),
        format!("/users/{acme_user}/edit"),
        "/account?done=password-changed".into(),
        "/account/password".into(),
        "/products".into(),
        "/products/new".into(),
        format!("/products/{product}"),
        format!("/products/{product}/edit"),
        "/services".into(),
        "/services/new".into(),
        "/services/PDS-FHIR/edit".into(),
        "/tokens".into(),
        "/audit".into(),
        "/templates".into(),
        format!("/templates/{template}"),
        format!("/templates/{template}/versions/1"),
        format!("/templates/{template}/diff"),
        "/enquiries".into(),
        "/enquiries/new".into(),
        "/submissions".into(),
        "/notifications".into(),
        format!("/scals/{scal}"),
        format!("/scals/{scal}/sheets/{sheet}"),
        format!("/scals/{scal}/sheets/{sheet}/requirements/GPCM-C-1"),
        format!("/scals/{scal}/evidence"),
        format!("/scals/{scal}/submit"),
        format!("/enquiries/{enquiry}"),
        format!("/enquiries/{enquiry}/sent"),
        format!("/scals/{scal}/sheets/{sheet}?show=unanswered"),
        format!("/submissions/{submission}"),
        format!("/submissions/{submission}/changes"),
        format!("/scals/{scal}/threads"),
        format!("/scals/{scal}/threads/new"),
        format!("/scals/{scal}/threads/new?service=GPC-SEND-DOC&step=5"),
        format!("/threads/{thread}"),
        // Before acceptance: what testing will cover (the question pages need an accepted round:
        // see the reviewer's test below).
        format!("/scals/{scal}/testing"),
        format!("/submissions/{submission}/offline"),
        "/services/GPC-SEND-DOC/reviewers".into(),
        "/no-such-page".into(),
    ];
    let browser = Browser::start(true).unwrap();

    // The Content-Security-Policy check below can see a violation: an inline style attribute set
    // by a script (scripts run by WebDriver itself are not subject to the policy) is refused and
    // reported.
    browser.goto(&format!("{base}/login")).unwrap();
    assert!(browser.csp_violations().unwrap().is_empty());
    browser
        .execute("document.body.setAttribute('style', 'color: red');", vec![])
        .unwrap();
    let deadline = std::time::Instant::now() + WAIT;
    while browser.csp_violations().unwrap().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "an inline style was not reported as a CSP violation"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let mut violations = Vec::new();
    // Every page at a desktop's width and at a phone's (375 px): axe and no sideways scrolling at
    // both (a wide table scrolls inside its own region instead).
    let mut check = |browser: &Browser, what: &str| {
        for v in browser.axe_serious_violations().unwrap() {
            violations.push(format!("{what}: {v}"));
        }
        let overflow = browser.sideways_overflow().unwrap();
        if overflow > 0 {
            let culprits = browser.overflowing_elements().unwrap();
            violations.push(format!(
                "{what} at 1280 px: {overflow} px wider than the screen: {culprits}"
            ));
        }
        browser.set_window_size(375, 812).unwrap();
        for v in browser.axe_serious_violations().unwrap() {
            violations.push(format!("{what} at 375 px: {v}"));
        }
        let overflow = browser.sideways_overflow().unwrap();
        if overflow > 0 {
            let culprits = browser.overflowing_elements().unwrap();
            violations.push(format!(
                "{what} at 375 px: {overflow} px wider than the screen: {culprits}"
            ));
        }
        browser.set_window_size(1280, 1024).unwrap();
        for v in browser.csp_violations().unwrap() {
            violations.push(format!("{what}: Content-Security-Policy: {v}"));
        }
    };

    browser.goto(&format!("{base}/login")).unwrap();
    check(&browser, "sign-in page");
    browser.goto(&format!("{base}/login?done=password-reset")).unwrap();
    check(&browser, "sign-in page after a password reset");
    // A reset link's page, with errors, and once the link is no longer usable.
    let (_, reset_link, _) = server.runtime.block_on(async {
        scal_app::passwords::reset_link_for_operator(
            server.app.app(),
            &scal_app::Actor::System,
            "practice@riverside.example",
            server.app.now(),
        )
        .await
        .unwrap()
    });
    let reset_path = &reset_link[reset_link.find("/password-reset/").unwrap()..];
    browser.goto(&format!("{base}{reset_path}")).unwrap();
    check(&browser, "password reset link");
    browser.find("#new_password").unwrap().send_keys("short").unwrap();
    submit(&browser, "button[type=submit].nhsuk-button", ".nhsuk-error-summary");
    check(&browser, "password reset link with errors");
    browser
        .goto(&format!("{base}/password-reset/{}", "0".repeat(64)))
        .unwrap();
    check(&browser, "expired password reset link");
    sign_in(
        &browser,
        base,
        "admin@acme.example",
        "wrong password",
        ".nhsuk-error-summary",
    );
    check(&browser, "sign-in page with an error");

    for login in scal_app::demo::DEMO_LOGINS {
        sign_in(&browser, base, login.email, PASSWORD, "form[action='/logout']");
        for path in &pages {
            browser.goto(&format!("{base}{path}")).unwrap();
            check(&browser, &format!("{} {path}", login.email));
        }
        sign_out(&browser);
    }

    // States that only appear after a post: an import report, a form with errors, a created token.
    sign_in(
        &browser,
        base,
        "reviewer@nhse.example",
        PASSWORD,
        "form[action='/logout']",
    );
    browser.goto(&format!("{base}/templates")).unwrap();
    let file =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/real/scal-gpc-send-document.xlsx");
    browser
        .find("#file")
        .unwrap()
        .send_keys(&file.canonicalize().unwrap().display().to_string())
        .unwrap();
    browser
        .find("#name")
        .unwrap()
        .send_keys("Uploaded in the browser")
        .unwrap();
    submit(&browser, "form[enctype='multipart/form-data'] button", ".nhsuk-panel");
    assert!(browser
        .page_source()
        .unwrap()
        .contains("48 requirements on a service sheet"));
    check(&browser, "import report");
    // The draft just imported is published from its version page, after the question.
    submit(
        &browser,
        "a[href^='/templates/']:not([href*='?'])",
        "a[href$='/versions/1']",
    );
    submit(&browser, "a[href$='/versions/1']", "a.nhsuk-button[href$='/publish']");
    submit(&browser, "a.nhsuk-button[href$='/publish']", "form[action$='/publish']");
    check(&browser, "publish question");
    submit(
        &browser,
        "form[action$='/publish'] button",
        ".nhsuk-notification-banner",
    );
    assert!(browser
        .page_source()
        .unwrap()
        .contains("The version has been published"));
    check(&browser, "published banner");
    sign_out(&browser);

    sign_in(&browser, base, "dev@acme.example", PASSWORD, "form[action='/logout']");
    let completed = server.runtime.block_on(async {
        let supplier = scal_app::auth::actor_for(
            &scal_store::records::users::get_by_email(server.app.app().store.pool(), "dev@acme.example")
                .await
                .unwrap()
                .unwrap(),
        );
        scal_app::scals::workbook(server.app.app(), &supplier, &product, server.app.now())
            .await
            .unwrap()
            .bytes
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("completed.xlsx");
    std::fs::write(&file, completed).unwrap();
    browser.goto(&format!("{base}/products/{product}")).unwrap();
    browser
        .find("#file")
        .unwrap()
        .send_keys(&file.display().to_string())
        .unwrap();
    submit(&browser, "form[enctype='multipart/form-data'] button", ".nhsuk-panel");
    assert!(browser.page_source().unwrap().contains("Answers uploaded"));
    check(&browser, "answers upload report");
    browser.goto(&format!("{base}/products/new")).unwrap();
    submit(&browser, "button[type=submit].nhsuk-button", ".nhsuk-error-summary");
    check(&browser, "product form with errors");
    browser.goto(&format!("{base}/account/password")).unwrap();
    browser
        .find("#current_password")
        .unwrap()
        .send_keys("not my password")
        .unwrap();
    submit(&browser, "button[type=submit].nhsuk-button", ".nhsuk-error-summary");
    check(&browser, "change password with errors");
    browser.goto(&format!("{base}/tokens")).unwrap();
    browser.find("#name").unwrap().send_keys("Browser test").unwrap();
    submit(&browser, "form[action='/tokens'] button", "#new-token");
    check(&browser, "token created");

    assert!(
        violations.is_empty(),
        "{} serious or critical axe or CSP violations:\n{}",
        violations.len(),
        violations.join("\n")
    );
}

#[test]
fn signing_in_and_creating_a_product_works_without_javascript() {
    if !available() {
        return;
    }
    let server = start_server();
    let base = &server.base;
    let browser = Browser::start(false).unwrap();
    browser.goto(&format!("{base}/products/new")).unwrap();
    assert!(
        browser.current_url().unwrap().contains("/login?next="),
        "sent to sign in first"
    );
    browser
        .find("#email")
        .unwrap()
        .send_keys("admin@brightwater.example")
        .unwrap();
    browser.find("#password").unwrap().send_keys(PASSWORD).unwrap();
    submit(&browser, "form[action='/login'] button", "form[action='/products']");
    assert!(
        browser.current_url().unwrap().ends_with("/products/new"),
        "brought back after sign-in"
    );

    browser.find("#name").unwrap().send_keys("Brightwater Mobile").unwrap();
    submit(&browser, "button[type=submit].nhsuk-button", ".nhsuk-error-summary");
    assert!(
        browser.page_source().unwrap().contains("Enter the product version"),
        "server-side validation"
    );

    browser.find("#version").unwrap().send_keys("1.0").unwrap();
    browser
        .find("#description")
        .unwrap()
        .send_keys("Mobile app for clinicians")
        .unwrap();
    submit(&browser, "button[type=submit].nhsuk-button", ".nhsuk-summary-list");
    let heading = browser.find("h1").unwrap().text().unwrap();
    assert_eq!(heading, "Brightwater Mobile 1.0");
    let stored = server
        .runtime
        .block_on(scal_store::records::products::list(server.app.app().store.pool(), None))
        .unwrap();
    assert!(stored
        .iter()
        .any(|p| p.details.name == "Brightwater Mobile" && p.details.description == "Mobile app for clinicians"));
}

#[test]
fn supplier_journey_in_the_browser() {
    if !available() {
        return;
    }
    let server = start_server();
    let base = &server.base;
    let app = &server.app;
    let product = server.runtime.block_on(app.product_id("Acme Referrals"));
    let browser = Browser::start(true).unwrap();
    let mut violations = Vec::new();
    // Every page at a desktop's width and at a phone's (375 px): axe and no sideways scrolling at
    // both (a wide table scrolls inside its own region instead).
    let mut check = |browser: &Browser, what: &str| {
        for v in browser.axe_serious_violations().unwrap() {
            violations.push(format!("{what}: {v}"));
        }
        let overflow = browser.sideways_overflow().unwrap();
        if overflow > 0 {
            let culprits = browser.overflowing_elements().unwrap();
            violations.push(format!(
                "{what} at 1280 px: {overflow} px wider than the screen: {culprits}"
            ));
        }
        browser.set_window_size(375, 812).unwrap();
        for v in browser.axe_serious_violations().unwrap() {
            violations.push(format!("{what} at 375 px: {v}"));
        }
        let overflow = browser.sideways_overflow().unwrap();
        if overflow > 0 {
            let culprits = browser.overflowing_elements().unwrap();
            violations.push(format!(
                "{what} at 375 px: {overflow} px wider than the screen: {culprits}"
            ));
        }
        browser.set_window_size(1280, 1024).unwrap();
        for v in browser.csp_violations().unwrap() {
            violations.push(format!("{what}: Content-Security-Policy: {v}"));
        }
    };
    sign_in(&browser, base, "admin@acme.example", PASSWORD, "form[action='/logout']");
    check(&browser, "supplier dashboard");

    // Ask for a SCAL from the product's row: the form has it chosen. Sent first without a service
    // (an error), then properly.
    browser
        .find(&format!("a[href='/enquiries/new?product={product}']"))
        .unwrap()
        .click()
        .unwrap();
    browser.wait_for("form[action='/enquiries']", WAIT).unwrap();
    browser
        .find(&format!("#product_id option[value='{product}']:checked"))
        .expect("the product is chosen");
    check(&browser, "enquiry form");
    submit(&browser, "form[action='/enquiries'] button", ".nhsuk-error-summary");
    check(&browser, "enquiry form with errors");
    browser
        .find("input[name=services][value='GPC-SEND-DOC']")
        .unwrap()
        .click()
        .unwrap();
    browser
        .find("#details")
        .unwrap()
        .send_keys("Sends discharge summaries to GP practices")
        .unwrap();
    submit(&browser, "form[action='/enquiries'] button", ".nhsuk-panel");
    assert!(browser.page_source().unwrap().contains("What happens next"));
    check(&browser, "enquiry sent");
    let enquiry = browser.current_url().unwrap().rsplit('/').nth(1).unwrap().to_string();
    browser.goto(&format!("{base}/enquiries/{enquiry}")).unwrap();
    assert!(browser.page_source().unwrap().contains("Waiting for NHS England"));
    check(&browser, "enquiry");
    // While it waits, the dashboard does not offer to ask again.
    browser.goto(&format!("{base}/")).unwrap();
    let dashboard = browser.page_source().unwrap();
    assert!(dashboard.contains("Waiting for NHS England to issue the SCAL"));
    assert!(!dashboard.contains(&format!("/enquiries/new?product={product}")));

    // NHS England issues it (as the operator would).
    let scal = server.runtime.block_on(async {
        scal_app::enquiries::issue(
            app.app(),
            &scal_app::Actor::System,
            &enquiry,
            &scal_app::enquiries::IssueInput::default(),
            app.now(),
        )
        .await
        .unwrap()
        .scal_id
    });
    let sheet = server.runtime.block_on(async {
        scal_app::scals::view_scal(app.app(), &scal_app::Actor::System, &scal)
            .await
            .unwrap()
            .sheets
            .iter()
            .find(|s| s.service_code.is_some())
            .unwrap()
            .id
            .clone()
    });

    // The SCAL's task list, then a sheet.
    browser.goto(&format!("{base}/scals/{scal}")).unwrap();
    browser.wait_for(".nhsuk-task-list", WAIT).unwrap();
    check(&browser, "SCAL overview");
    browser.goto(&format!("{base}/scals/{scal}/sheets/{sheet}")).unwrap();
    check(&browser, "sheet");

    // Answer a MUST with No: a bad target date first, then justification and mitigation.
    let requirement = format!("/scals/{scal}/sheets/{sheet}/requirements/GPCM-C-1");
    browser.goto(&format!("{base}{requirement}")).unwrap();
    check(&browser, "requirement form");
    browser.find("input[name=answer][value=No]").unwrap().click().unwrap();
    browser.find("#target_date").unwrap().send_keys("31/02/2027").unwrap();
    submit(
        &browser,
        &format!("form[action='{requirement}'] button"),
        ".nhsuk-error-summary",
    );
    assert!(browser.page_source().unwrap().contains("href=\"#target_date\""));
    check(&browser, "requirement form with errors");
    browser.find("#target_date").unwrap().clear().unwrap();
    browser.find("#target_date").unwrap().send_keys("2027-03-31").unwrap();
    browser
        .find("#justification")
        .unwrap()
        .send_keys("Our MESH mailbox is not provisioned yet")
        .unwrap();
    browser
        .find("#mitigation")
        .unwrap()
        .send_keys("Documents go by secure email until then")
        .unwrap();
    submit(
        &browser,
        &format!("form[action='{requirement}'] button[value=sheet]"),
        "#req-GPCM-C-1",
    );
    let html = browser.page_source().unwrap();
    assert!(html.contains("Your answer has been saved"), "the success banner");
    assert!(html.contains("Our MESH mailbox is not provisioned yet"));
    assert!(html.contains("1 of 48 answered, 1 red, 0 amber"));
    check(&browser, "sheet with a red answer");

    // Upload an evidence file and link it to the requirement.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mesh-plan.pdf");
    std::fs::write(&file, b"%PDF-1.4\n% scal browser test\n").unwrap();
    browser.goto(&format!("{base}/scals/{scal}/evidence")).unwrap();
    check(&browser, "evidence page");
    browser
        .find("#file")
        .unwrap()
        .send_keys(&file.display().to_string())
        .unwrap();
    submit(
        &browser,
        "form[enctype='multipart/form-data'] button",
        "a[href^='/evidence/']",
    );
    assert!(browser.page_source().unwrap().contains("mesh-plan.pdf"));
    check(&browser, "evidence page with a file");
    // The delete question page (not answered here: the file is linked next).
    let delete = browser
        .find("a[href$='/delete']")
        .unwrap()
        .attr("href")
        .unwrap()
        .unwrap();
    browser.goto(&format!("{base}{delete}")).unwrap();
    assert!(browser.page_source().unwrap().contains("Delete mesh-plan.pdf?"));
    check(&browser, "delete a file?");
    browser.goto(&format!("{base}{requirement}")).unwrap();
    browser
        .find("#evidence_id option:nth-child(2)")
        .unwrap()
        .click()
        .unwrap();
    submit(
        &browser,
        "form[action$='/evidence/link'] button",
        "#evidence + ul a[href^='/evidence/']",
    );
    check(&browser, "requirement with evidence");

    // The task list again, and check your answers: submitting is refused with the blockers.
    browser.goto(&format!("{base}/scals/{scal}")).unwrap();
    check(&browser, "SCAL overview after answering");
    browser.goto(&format!("{base}/scals/{scal}/submit")).unwrap();
    let html = browser.page_source().unwrap();
    assert!(html.contains("Check your answers before submitting"));
    assert!(html.contains("Documents go by secure email until then"));
    assert!(html.contains("You cannot submit this SCAL yet"));
    assert!(
        !html.contains(&format!("action=\"/scals/{scal}/submit\"")),
        "no Submit button while blocked"
    );
    check(&browser, "check your answers");
    browser.goto(&format!("{base}/notifications")).unwrap();
    let html = browser.page_source().unwrap();
    assert!(html.contains("NHS England issued the SCAL"), "{html}");
    check(&browser, "notifications");
    sign_out(&browser);

    // NHS England's side of the same SCAL.
    sign_in(
        &browser,
        base,
        "reviewer@nhse.example",
        PASSWORD,
        "form[action='/logout']",
    );
    for path in [
        "/enquiries".to_string(),
        format!("/enquiries/{enquiry}"),
        "/submissions".into(),
        format!("/scals/{scal}"),
        requirement.clone(),
        "/notifications".into(),
    ] {
        browser.goto(&format!("{base}{path}")).unwrap();
        check(&browser, &format!("reviewer {path}"));
    }

    // The reviewer's day: another SCAL (Acme PAS) waits for review; it is returned with a reason,
    // the banner says so; the supplier sees the same status, makes the declaration and submits
    // again, and gets a confirmation with a reference.
    let pas = server.runtime.block_on(crate::onboarding_pages::submitted_scal_for(
        app,
        "Acme PAS",
        "admin@acme.example",
    ));
    browser.goto(&format!("{base}/")).unwrap();
    assert!(browser.page_source().unwrap().contains("1 SCAL waiting for review"));
    check(&browser, "reviewer dashboard");
    browser.goto(&format!("{base}/submissions")).unwrap();
    browser.find("a[href^='/submissions/']").unwrap().click().unwrap();
    browser.wait_for("a[href$='/decide']", WAIT).unwrap();
    check(&browser, "submission to review");
    // Returning is decided on the check-your-review page.
    submit(&browser, "a[href$='/decide']", "#reason");
    browser
        .find("#reason")
        .unwrap()
        .send_keys("Attach the penetration test summary")
        .unwrap();
    submit(
        &browser,
        "form[action$='/return'] button",
        ".nhsuk-notification-banner--success",
    );
    assert!(browser
        .page_source()
        .unwrap()
        .contains("The SCAL has been returned to the supplier"));
    check(&browser, "submission returned");
    sign_out(&browser);

    sign_in(&browser, base, "admin@acme.example", PASSWORD, "form[action='/logout']");
    assert!(browser
        .page_source()
        .unwrap()
        .contains("Returned: changes needed (round 1)"));
    browser.goto(&format!("{base}/scals/{pas}")).unwrap();
    assert!(browser
        .page_source()
        .unwrap()
        .contains("Attach the penetration test summary"));
    check(&browser, "returned SCAL");
    browser.goto(&format!("{base}/scals/{pas}/submit")).unwrap();
    browser.find("#declaration").unwrap().click().unwrap();
    check(&browser, "check your answers, ready");
    submit(
        &browser,
        &format!("form[action='/scals/{pas}/submit'] button"),
        ".nhsuk-panel",
    );
    let html = browser.page_source().unwrap();
    assert!(html.contains("SCAL submitted") && html.contains("SUB-") && html.contains("Round 2"));
    check(&browser, "submission confirmation");
    browser.goto(&format!("{base}/")).unwrap();
    assert!(browser
        .page_source()
        .unwrap()
        .contains("With NHS England for review (round 2)"));
    // The supplier may withdraw the round while it waits: the confirmation page asks first.
    let round2 = server.runtime.block_on(async {
        let view = scal_app::scals::view_scal(app.app(), &scal_app::Actor::System, &pas)
            .await
            .unwrap();
        view.rounds.last().unwrap().id.clone()
    });
    browser.goto(&format!("{base}/submissions/{round2}/withdraw")).unwrap();
    let html = browser.page_source().unwrap();
    assert!(
        html.contains("Are you sure you want to withdraw round 2?") && html.contains("Withdraw round 2"),
        "{html}"
    );
    check(&browser, "withdraw round confirmation");

    assert!(
        violations.is_empty(),
        "{} serious or critical axe or CSP violations:\n{}",
        violations.len(),
        violations.join("\n")
    );
}

/// What changed since round 1, with every one of its tables, passes axe and does not scroll
/// sideways at a desktop's width or a phone's.
#[test]
fn the_changes_since_the_last_round_page_passes_axe_at_both_widths() {
    if !available() {
        return;
    }
    let server = start_server();
    let rounds = server.runtime.block_on(crate::changes::two_rounds(&server.app));
    let browser = Browser::start(true).unwrap();
    sign_in(
        &browser,
        &server.base,
        "reviewer@nhse.example",
        PASSWORD,
        "form[action='/logout']",
    );
    browser
        .goto(&format!("{}/submissions/{}/changes", server.base, rounds.second))
        .unwrap();
    browser.wait_for("table", WAIT).unwrap();
    let mut problems = Vec::new();
    for width in [1280, 375] {
        browser.set_window_size(width, 900).unwrap();
        problems.extend(browser.axe_serious_violations().unwrap());
        let overflow = browser.sideways_overflow().unwrap();
        if overflow > 0 {
            problems.push(format!(
                "{width} px: {overflow} px too wide: {}",
                browser.overflowing_elements().unwrap()
            ));
        }
    }
    problems.extend(browser.csp_violations().unwrap());
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The reviewer's part of NHS England's review in a real browser, axe and no sideways scrolling
/// at both widths on every page it visits, errors included: round 1 with a red item is queried
/// and returned; round 2 is reviewed from what changed, the red item agreed with a condition, and
/// accepted.
#[test]
fn the_reviewers_part_of_a_review_in_the_browser() {
    use crate::review::{submitted_with_a_red_item_for, RED};
    if !available() {
        return;
    }
    let server = start_server();
    let app = &server.app;
    let supplier_email = "admin@brightwater.example";
    let (scal, round1) = server
        .runtime
        .block_on(submitted_with_a_red_item_for(app, "Brightwater EPR", supplier_email));
    let base = &server.base;
    let browser = Browser::start(true).unwrap();
    let mut problems = Vec::new();
    let mut check = |browser: &Browser, what: &str| at_both_widths(browser, what, &mut problems);
    sign_in(
        &browser,
        base,
        "reviewer@nhse.example",
        PASSWORD,
        "form[action='/logout']",
    );
    browser.goto(&format!("{base}/submissions/{round1}")).unwrap();
    check(&browser, "round 1");
    submit(&browser, &format!("a[href='/submissions/{round1}/items']"), "table");
    check(&browser, "the items");
    submit(
        &browser,
        &format!("a[href='/submissions/{round1}/items?show=red']"),
        "table",
    );
    let red_link = browser.find("table a").unwrap();
    assert_eq!(red_link.text().unwrap(), RED);
    submit(&browser, "table a", "form input[name='verdict']");
    check(&browser, "the red item");

    // A query without a comment or a decision: the error summary, checked too.
    browser
        .find("input[name='verdict'][value='query']")
        .unwrap()
        .click()
        .unwrap();
    submit(
        &browser,
        "form button[type=submit].nhsuk-button:not(.nhsuk-button--secondary)",
        ".nhsuk-error-summary",
    );
    let summary = browser.find(".nhsuk-error-summary").unwrap().text().unwrap();
    assert!(summary.contains("needs a comment"), "{summary}");
    assert!(
        summary.contains("Decide on the supplier's explanation and mitigation"),
        "{summary}"
    );
    check(&browser, "the red item with errors");
    browser
        .find("#comment")
        .unwrap()
        .send_keys("When will the MESH mailbox be live?")
        .unwrap();
    browser
        .find("input[name='decision'][value='not_agreed']")
        .unwrap()
        .click()
        .unwrap();
    submit(
        &browser,
        "form button[type=submit].nhsuk-button:not(.nhsuk-button--secondary)",
        ".nhsuk-notification-banner",
    );

    // Everything else accepted (as a reviewer would, item by item; here in one call), then the
    // check page and the return.
    server.runtime.block_on(async {
        let reviewer = app.token_for("reviewer@nhse.example").await;
        let (_, review) = app
            .api(axum::http::Method::GET, &format!("/api/v1/submissions/{round1}/review"), Some(&reviewer), None)
            .await;
        let verdicts: Vec<serde_json::Value> = review["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["requirement_id"] != RED)
            .map(|i| serde_json::json!({"sheet": i["sheet"], "requirement_id": i["requirement_id"], "verdict": "accepted"}))
            .collect();
        let (status, body) = app
            .api(
                axum::http::Method::POST,
                &format!("/api/v1/submissions/{round1}/verdicts"),
                Some(&reviewer),
                Some(serde_json::json!({ "verdicts": verdicts })),
            )
            .await;
        assert_eq!(status, axum::http::StatusCode::OK, "{body}");
    });
    browser.goto(&format!("{base}/submissions/{round1}/decide")).unwrap();
    assert!(browser.body_text().unwrap().contains("What stops you accepting it"));
    check(&browser, "check your review");
    submit(&browser, "form[action$='/return'] button", ".nhsuk-error-summary");
    check(&browser, "return without a summary");
    browser
        .find("#reason")
        .unwrap()
        .send_keys("Tell us when the MESH mailbox will be live")
        .unwrap();
    submit(&browser, "form[action$='/return'] button", ".nhsuk-notification-banner");
    assert!(browser
        .body_text()
        .unwrap()
        .contains("The SCAL has been returned to the supplier"));
    check(&browser, "round 1 returned");

    // The supplier changes the red item's mitigation and submits round 2.
    let round2 = server.runtime.block_on(async {
        let user = scal_store::records::users::get_by_email(app.app().store.pool(), supplier_email)
            .await
            .unwrap()
            .unwrap();
        let supplier = scal_app::auth::actor_for(&user);
        let view = scal_app::scals::view_scal(app.app(), &supplier, &scal).await.unwrap();
        let sheet = view
            .sheets
            .iter()
            .find(|s| s.requirements.iter().any(|r| r.requirement.id == RED))
            .unwrap();
        let input = scal_app::scals::AnswerInput {
            sheet_id: sheet.id.clone(),
            requirement_id: RED.into(),
            answer: Some("No".into()),
            justification: Some("MESH mailbox pending".into()),
            mitigation: Some("Mailbox ordered (ref 1234); secure email meanwhile".into()),
            target_date: Some("2027-02-28".into()),
        };
        scal_app::scals::save_answer(app.app(), &supplier, &scal, &input, app.now())
            .await
            .unwrap();
        scal_app::submissions::submit(app.app(), &supplier, &scal, app.now())
            .await
            .unwrap()
            .id
    });
    browser.goto(&format!("{base}/submissions/{round2}")).unwrap();
    check(&browser, "round 2");
    submit(&browser, &format!("a[href='/submissions/{round2}/changes']"), "table");
    check(&browser, "what changed since round 1");
    browser
        .goto(&format!("{base}/submissions/{round2}/items?show=changed"))
        .unwrap();
    assert!(browser
        .body_text()
        .unwrap()
        .contains("Changed since the last round: 1 item"));
    check(&browser, "the changed items");
    submit(&browser, "table a", "form input[name='verdict']");
    assert!(browser.body_text().unwrap().contains("Changed"));
    browser
        .find("input[name='verdict'][value='accepted']")
        .unwrap()
        .click()
        .unwrap();
    browser
        .find("#comment")
        .unwrap()
        .send_keys("Mitigation agreed")
        .unwrap();
    browser
        .find("input[name='decision'][value='agreed_with_conditions']")
        .unwrap()
        .click()
        .unwrap();
    browser
        .find("[id='conditions[1].text']")
        .unwrap()
        .send_keys("Confirm the MESH mailbox is live")
        .unwrap();
    browser
        .find("[id='conditions[1].due']")
        .unwrap()
        .send_keys("2027-02-28")
        .unwrap();
    submit(
        &browser,
        "form button[type=submit].nhsuk-button:not(.nhsuk-button--secondary)",
        "form[action$='/accept']",
    );
    check(&browser, "check your review, ready to accept");
    submit(&browser, "form[action$='/accept'] button", ".nhsuk-notification-banner");
    let text = browser.body_text().unwrap();
    assert!(text.contains("The round has been accepted"), "{text}");
    assert!(text.contains("Confirm the MESH mailbox is live"), "{text}");
    check(&browser, "round 2 accepted");

    // Technical testing of the accepted SCAL: a test case's question page, its error, and the
    // result on the testing page (with its wide table) at both widths.
    browser.goto(&format!("{base}/scals/{scal}")).unwrap();
    browser.find(&format!("a[href='/scals/{scal}/testing']")).unwrap();
    browser.goto(&format!("{base}/scals/{scal}/testing")).unwrap();
    browser
        .find(&format!("a[href='/scals/{scal}/testing/GPC-SEND-DOC/GPCM-SD-TST-01']"))
        .unwrap();
    check(&browser, "testing, not started");
    browser
        .goto(&format!("{base}/scals/{scal}/testing/GPC-SEND-DOC/GPCM-SD-TST-01"))
        .unwrap();
    check(&browser, "a test case's question page");
    browser
        .find("input[name='outcome'][value='remedial_action_needed']")
        .unwrap()
        .click()
        .unwrap();
    submit(
        &browser,
        "form[action$='/GPCM-SD-TST-01'] button[type=submit]",
        ".nhsuk-error-summary",
    );
    check(&browser, "a test case's question page with an error");
    browser
        .find("#remedial_action")
        .unwrap()
        .send_keys("Request the ITK3 acknowledgement")
        .unwrap();
    submit(
        &browser,
        "form[action$='/GPCM-SD-TST-01'] button[type=submit]",
        ".nhsuk-notification-banner",
    );
    let text = browser.body_text().unwrap();
    assert!(text.contains("The test result has been saved"), "{text}");
    assert!(text.contains("Request the ITK3 acknowledgement"), "{text}");
    check(&browser, "testing in progress");

    // Every test case passed (here through the API), then the certificate: its issue page, a
    // bad expiry date, the issued certificate, and the public verify page signed out.
    server.runtime.block_on(async {
        app.app().keys.generate(app.now()).unwrap();
        let reviewer = app.token_for("reviewer@nhse.example").await;
        let (_, testing) = app
            .api(
                axum::http::Method::GET,
                &format!("/api/v1/scals/{scal}/testing"),
                Some(&reviewer),
                None,
            )
            .await;
        for case in testing["cases"].as_array().unwrap() {
            for test in case["test_cases"].as_array().unwrap() {
                let (status, body) = app
                    .api(
                        axum::http::Method::POST,
                        &format!(
                            "/api/v1/scals/{scal}/testing/{}/results",
                            case["service"].as_str().unwrap()
                        ),
                        Some(&reviewer),
                        Some(serde_json::json!({"test_case_id": test["id"], "outcome": "passed"})),
                    )
                    .await;
                assert!(status.is_success(), "{body}");
            }
        }
    });
    browser.goto(&format!("{base}/scals/{scal}/certificates")).unwrap();
    check(&browser, "certificates, none issued");
    browser.find("#expires_on").unwrap().send_keys("2020-01-01").unwrap();
    submit(&browser, "form[action$='/certificates'] button", ".nhsuk-error-summary");
    check(&browser, "issuing with a past expiry");
    browser.find("#expires_on").unwrap().clear().unwrap();
    submit(
        &browser,
        "form[action$='/certificates'] button",
        ".nhsuk-notification-banner",
    );
    let text = browser.body_text().unwrap();
    assert!(text.contains("The certificate has been issued"), "{text}");
    assert!(text.contains("SCAL-C-000001"), "{text}");
    check(&browser, "the certificate");
    let verify = browser
        .find("a[href^='/verify/']")
        .unwrap()
        .attr("href")
        .unwrap()
        .unwrap();
    sign_out(&browser);
    browser.goto(&format!("{base}{verify}")).unwrap();
    assert!(browser.body_text().unwrap().contains("is valid"));
    check(&browser, "the public verify page");

    // The connection agreement: NHS England's administrator publishes a version (a missing title
    // first) and prepares it for the supplier's administrator, who accepts it (a missing job
    // title first); then go-live is approved and the SCAL is live.
    sign_in(&browser, base, "admin@nhse.example", PASSWORD, "form[action='/logout']");
    browser.goto(&format!("{base}/agreement-versions")).unwrap();
    check(&browser, "agreement versions, none published");
    browser
        .find("#text")
        .unwrap()
        .send_keys("1. Connect only as the accepted SCAL describes.")
        .unwrap();
    browser
        .find("#effective_date")
        .unwrap()
        .send_keys("2026-01-01")
        .unwrap();
    submit(
        &browser,
        "form[action='/agreement-versions'] button",
        ".nhsuk-error-summary",
    );
    check(&browser, "publishing a version without a title");
    browser
        .find("#title")
        .unwrap()
        .send_keys("Connection agreement 2026")
        .unwrap();
    submit(
        &browser,
        "form[action='/agreement-versions'] button",
        ".nhsuk-notification-banner",
    );
    assert!(browser.body_text().unwrap().contains("Connection agreement 2026"));
    check(&browser, "agreement versions");
    browser.goto(&format!("{base}/scals/{scal}/agreements")).unwrap();
    check(&browser, "the agreement and go-live, nothing prepared");
    browser.find("#signatory").unwrap().send_keys(supplier_email).unwrap();
    submit(
        &browser,
        "form[action$='/agreements'] button",
        ".nhsuk-notification-banner",
    );
    let text = browser.body_text().unwrap();
    assert!(text.contains("CNTR0000001"), "{text}");
    check(&browser, "the prepared agreement");
    let agreement = browser.current_url().unwrap();
    sign_out(&browser);
    sign_in(&browser, base, supplier_email, PASSWORD, "form[action='/logout']");
    browser.goto(&agreement).unwrap();
    check(&browser, "the agreement to accept");
    browser.find("#full_name").unwrap().send_keys("Priya Shah").unwrap();
    submit(&browser, "form[action$='/accept'] button", ".nhsuk-error-summary");
    check(&browser, "accepting without a job title");
    browser
        .find("#job_title")
        .unwrap()
        .send_keys("Managing Director")
        .unwrap();
    submit(&browser, "form[action$='/accept'] button", ".nhsuk-notification-banner");
    let text = browser.body_text().unwrap();
    assert!(text.contains("Seal SHA-256"), "{text}");
    check(&browser, "the accepted agreement with its seal");
    sign_out(&browser);
    sign_in(&browser, base, "admin@nhse.example", PASSWORD, "form[action='/logout']");
    browser.goto(&format!("{base}/scals/{scal}/agreements")).unwrap();
    submit(
        &browser,
        "form[action$='/go-live'] button",
        ".nhsuk-notification-banner",
    );
    let text = browser.body_text().unwrap();
    assert!(text.contains("Go-live has been approved"), "{text}");
    check(&browser, "go-live approved");
    browser.goto(&format!("{base}/scals/{scal}")).unwrap();
    assert!(browser.body_text().unwrap().contains("Live: go-live approved"));
    problems.extend(browser.csp_violations().unwrap());
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The end user organisation's side in a browser, every page checked with axe at both widths:
/// Riverside's assured products, the shared product, the accepted SCAL, the acceptable use
/// policy, local assurance (an approval refused with each reason in the error summary, the
/// files uploaded, the decision, the go-live date); Brightwater's sharing pages (an error
/// summary, the revoke confirmation); NHS England's list of every share.
#[test]
fn the_end_user_organisations_part_in_the_browser() {
    if !available() {
        return;
    }
    let server = start_server();
    let app = &server.app;
    server
        .runtime
        .block_on(scal_app::demo::seed_journeys(app.app(), app.now()))
        .unwrap();
    let share = server.runtime.block_on(async {
        scal_app::shares::list(app.app(), &scal_app::Actor::System, app.now().date())
            .await
            .unwrap()[0]
            .record
            .clone()
    });
    let (id, product) = (share.id.clone(), share.product_id.clone());
    let base = &server.base;
    let browser = Browser::start(true).unwrap();
    let mut problems = Vec::new();
    let mut check = |browser: &Browser, what: &str| at_both_widths(browser, what, &mut problems);
    sign_in(
        &browser,
        base,
        "practice@riverside.example",
        PASSWORD,
        "form[action='/logout']",
    );
    assert!(browser.body_text().unwrap().contains("Brightwater Connect"));
    check(&browser, "assured products");
    submit(
        &browser,
        &format!("table a[href='/shares/{id}']"),
        "dl.nhsuk-summary-list",
    );
    check(&browser, "the shared product");
    browser.goto(&format!("{base}/shares/{id}/scal")).unwrap();
    check(&browser, "the accepted SCAL");
    browser.goto(&format!("{base}/shares/{id}/use-policy")).unwrap();
    assert!(browser.body_text().unwrap().contains("Acknowledged"));
    check(&browser, "the acceptable use policy");
    browser.goto(&format!("{base}/shares/{id}/local-assurance")).unwrap();
    check(&browser, "local assurance");
    // An approval before the EUO's own documents are there: each reason in the error summary.
    browser
        .goto(&format!("{base}/shares/{id}/local-assurance/decision"))
        .unwrap();
    check(&browser, "the decision question");
    browser
        .find("input[name='decision'][value='approved']")
        .unwrap()
        .click()
        .unwrap();
    submit(
        &browser,
        "form button[type=submit].nhsuk-button",
        ".nhsuk-error-summary",
    );
    let refused = browser.body_text().unwrap();
    assert!(refused.contains("Upload your clinical safety case report"), "{refused}");
    assert!(refused.contains("Upload your local hazard log"), "{refused}");
    check(&browser, "the decision refused");
    let dir = tempfile::tempdir().unwrap();
    for which in ["safety-case", "hazard-log"] {
        browser
            .goto(&format!("{base}/shares/{id}/local-assurance/files/{which}"))
            .unwrap();
        check(&browser, &format!("the {which} question"));
        let file = dir.path().join(format!("riverside-{which}.txt"));
        std::fs::write(&file, format!("Riverside's {which}")).unwrap();
        browser
            .find("#file")
            .unwrap()
            .send_keys(&file.display().to_string())
            .unwrap();
        submit(&browser, "form button[type=submit].nhsuk-button", ".nhsuk-summary-list");
        assert!(browser.body_text().unwrap().contains(&format!("riverside-{which}.txt")));
    }
    check(&browser, "local assurance with its files");
    browser
        .goto(&format!("{base}/shares/{id}/local-assurance/local-controls"))
        .unwrap();
    check(&browser, "the local controls question");
    browser
        .find("#local_controls")
        .unwrap()
        .send_keys("Only GP partners send documents")
        .unwrap();
    submit(&browser, "form button[type=submit].nhsuk-button", ".nhsuk-summary-list");
    browser
        .goto(&format!("{base}/shares/{id}/local-assurance/decision"))
        .unwrap();
    browser
        .find("input[name='decision'][value='approved']")
        .unwrap()
        .click()
        .unwrap();
    submit(&browser, "form button[type=submit].nhsuk-button", ".nhsuk-summary-list");
    assert!(browser.body_text().unwrap().contains("Your decision has been recorded"));
    browser
        .goto(&format!("{base}/shares/{id}/local-assurance/go-live"))
        .unwrap();
    check(&browser, "the go-live question");
    browser.find("#go_live_on").unwrap().send_keys("2030-01-15").unwrap();
    submit(&browser, "form button[type=submit].nhsuk-button", ".nhsuk-summary-list");
    assert!(browser.body_text().unwrap().contains("2030-01-15"));
    sign_out(&browser);

    sign_in(
        &browser,
        base,
        "admin@brightwater.example",
        PASSWORD,
        "form[action='/logout']",
    );
    browser.goto(&format!("{base}/products/{product}/shares")).unwrap();
    assert!(browser.body_text().unwrap().contains("Approved for deployment"));
    check(&browser, "sharing and deployments");
    browser.goto(&format!("{base}/products/{product}/shares/new")).unwrap();
    check(&browser, "the share question");
    browser.find("#euo_ods").unwrap().send_keys("8JK21").unwrap();
    submit(
        &browser,
        "form button[type=submit].nhsuk-button",
        ".nhsuk-error-summary",
    );
    assert!(browser.body_text().unwrap().contains("not an end user organisation"));
    check(&browser, "the share question with an error");
    browser.goto(&format!("{base}/products/{product}/use-policy")).unwrap();
    check(&browser, "the policy versions");
    browser.goto(&format!("{base}/shares/{id}")).unwrap();
    check(&browser, "the share");
    browser.goto(&format!("{base}/shares/{id}/revoke")).unwrap();
    check(&browser, "the revoke confirmation");
    sign_out(&browser);

    sign_in(&browser, base, "admin@nhse.example", PASSWORD, "form[action='/logout']");
    browser.goto(&format!("{base}/shares")).unwrap();
    assert!(browser.body_text().unwrap().contains("Riverside Health Centre"));
    check(&browser, "every share");
    browser.quit().unwrap();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Re-assurance in a browser, every page checked with axe at both widths: NHS England's impact
/// page for version 2 (an error summary for a past due date, then the uplift), and the supplier's
/// reopened SCAL, the sheet with its changed requirements marked, a changed requirement's page
/// ("Keep my answer") and the product change question page (with an error, then declared).
#[test]
fn re_assurance_in_the_browser() {
    if !available() {
        return;
    }
    let server = start_server();
    let app = &server.app;
    let (template, connect) = server.runtime.block_on(crate::uplift::world_with_version_2(app));
    let base = &server.base;
    let browser = Browser::start(true).unwrap();
    let mut problems = Vec::new();
    let mut check = |browser: &Browser, what: &str| at_both_widths(browser, what, &mut problems);
    sign_in(&browser, base, "admin@nhse.example", PASSWORD, "form[action='/logout']");
    browser.goto(&format!("{base}/templates/{template}")).unwrap();
    submit(
        &browser,
        &format!("a[href='/templates/{template}/impact?version=2']"),
        "form input[name='due_date']",
    );
    assert!(browser.body_text().unwrap().contains("Brightwater Connect"));
    check(&browser, "the impact page");
    browser.find("#due_date").unwrap().send_keys("2020-01-01").unwrap();
    submit(
        &browser,
        "form button[type=submit].nhsuk-button",
        ".nhsuk-error-summary",
    );
    check(&browser, "the impact page with an error");
    browser.find("#due_date").unwrap().clear().unwrap();
    browser.find("#due_date").unwrap().send_keys("2030-01-31").unwrap();
    submit(
        &browser,
        "form button[type=submit].nhsuk-button",
        ".nhsuk-notification-banner, .nhsuk-panel, h1",
    );
    assert!(
        browser.body_text().unwrap().contains("The SCALs have been uplifted"),
        "{}",
        browser.body_text().unwrap()
    );
    sign_out(&browser);

    sign_in(
        &browser,
        base,
        "admin@brightwater.example",
        PASSWORD,
        "form[action='/logout']",
    );
    browser.goto(&format!("{base}/scals/{connect}")).unwrap();
    let text = browser.body_text().unwrap();
    assert!(text.contains("This SCAL has been reopened"), "{text}");
    check(&browser, "the reopened SCAL");
    submit(
        &browser,
        ".nhsuk-warning-callout li a",
        "form input[name='requirement_id']",
    );
    assert!(browser
        .body_text()
        .unwrap()
        .contains("Requirement changed: confirm or change your answer"));
    check(&browser, "a changed requirement");
    submit(&browser, ".nhsuk-warning-callout form button", "h1");
    assert!(browser.body_text().unwrap().contains("Confirmed"));
    browser.goto(&format!("{base}/scals/{connect}")).unwrap();
    submit(&browser, ".nhsuk-warning-callout li a", "h1");
    let sheet_url = browser.current_url().unwrap();
    let sheet = sheet_url.split("/requirements/").next().unwrap().to_string();
    browser.goto(&sheet).unwrap();
    assert!(browser.body_text().unwrap().contains("Changed: confirm your answer"));
    check(&browser, "a sheet with a changed requirement");
    browser.goto(&format!("{base}/scals/{connect}/product-change")).unwrap();
    check(&browser, "the product change question");
    submit(
        &browser,
        "form button[type=submit].nhsuk-button",
        ".nhsuk-error-summary",
    );
    check(&browser, "the product change question with errors");
    browser
        .find("input[name='kind'][value='significant_change']")
        .unwrap()
        .click()
        .unwrap();
    browser
        .find("#description")
        .unwrap()
        .send_keys("New hosting provider")
        .unwrap();
    browser.find("#service-0").unwrap().click().unwrap();
    submit(&browser, "form button[type=submit].nhsuk-button", "h1");
    assert!(browser
        .body_text()
        .unwrap()
        .contains("NHS England has been told about the change"));
    check(&browser, "the SCAL after a product change");
    browser.quit().unwrap();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
