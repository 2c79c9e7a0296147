//! Changing one's own password, and administrators' password-reset links.

use axum::http::{Method, StatusCode};
use scal_store::records::audit::AuditFilter;
use serde_json::json;

use crate::support::{Page, Session, TestApp, PASSWORD};

const NEW_PASSWORD: &str = "violet tractor moonlight";

async fn audit_of(app: &TestApp, kind: &str) -> Vec<scal_domain::audit::AuditEntry> {
    let filter = AuditFilter {
        kind: Some(kind.into()),
        limit: 100,
        ..AuditFilter::default()
    };
    scal_store::records::audit::list(app.app().store.pool(), &filter)
        .await
        .unwrap()
}

/// Every stored audit entry as text, to check no secret reached it.
async fn whole_audit_log(app: &TestApp) -> String {
    let filter = AuditFilter {
        limit: 100_000,
        ..AuditFilter::default()
    };
    let entries = scal_store::records::audit::list(app.app().store.pool(), &filter)
        .await
        .unwrap();
    entries
        .iter()
        .map(|e| format!("{} {:?} {:?}", e.kind, e.before, e.after))
        .collect::<Vec<_>>()
        .join("\n")
}

async fn signed_in(app: &TestApp, session: &Session) -> bool {
    let home = app.page(Some(session), Method::GET, "/", &[]).await;
    home.status == StatusCode::OK
}

async fn change(app: &TestApp, session: &Session, current: &str, new: &str, confirm: &str) -> Page {
    app.page(
        Some(session),
        Method::POST,
        "/account/password",
        &[
            ("current_password", current),
            ("new_password", new),
            ("confirm_password", confirm),
        ],
    )
    .await
}

#[tokio::test]
async fn changing_your_password_needs_the_current_one_keeps_this_session_and_ends_the_others() {
    let app = TestApp::demo().await;
    let here = app.sign_in("dev@acme.example", PASSWORD).await.unwrap();
    let elsewhere = app.sign_in("dev@acme.example", PASSWORD).await.unwrap();

    let form = app.page(Some(&here), Method::GET, "/account/password", &[]).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.html.contains("Change your password"));

    let wrong = change(&app, &here, "not my password", NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.html.contains("href=\"#current_password\""), "{}", wrong.html);
    assert!(wrong.html.contains(scal_app::passwords::WRONG_CURRENT_PASSWORD));

    for (new, confirm, field, message) in [
        ("too short", "too short", "new_password", "at least 12 characters"),
        (
            "qwertyuiop123",
            "qwertyuiop123",
            "new_password",
            "most common passwords",
        ),
        (
            "QwertyUIOP123",
            "QwertyUIOP123",
            "new_password",
            "most common passwords",
        ),
        ("dev@acme.example", "dev@acme.example", "new_password", "email address"),
        (
            NEW_PASSWORD,
            "something else entirely",
            "confirm_password",
            "do not match",
        ),
        (PASSWORD, PASSWORD, "new_password", "different from your current"),
    ] {
        let refused = change(&app, &here, PASSWORD, new, confirm).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{new}");
        assert!(refused.html.contains(&format!("href=\"#{field}\"")), "{new}");
        assert!(refused.html.contains(message), "{new}: {}", refused.html);
    }
    // Refused changes change nothing.
    assert!(signed_in(&app, &elsewhere).await);

    let done = change(&app, &here, PASSWORD, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.location(), Some("/account?done=password-changed"));
    // This browser stays signed in under a new session: its old cookie ends too, in case that
    // cookie is what was stolen.
    let renewed = done
        .set_cookie("scal_session")
        .filter(|v| !v.is_empty())
        .expect("the browser gets a new session");
    assert!(!signed_in(&app, &here).await, "the old cookie has ended");
    let here = Session {
        cookie: format!("scal_session={renewed}"),
        csrf: String::new(),
    };
    let account = app
        .page(Some(&here), Method::GET, "/account?done=password-changed", &[])
        .await;
    assert_eq!(account.status, StatusCode::OK, "this session stays");
    assert!(account.html.contains("nhsuk-notification-banner--success"));
    assert!(account.html.contains("Your password has been changed"));
    assert!(!signed_in(&app, &elsewhere).await, "the other session is signed out");

    assert!(app.sign_in("dev@acme.example", PASSWORD).await.is_err(), "old password");
    assert!(
        app.sign_in("dev@acme.example", NEW_PASSWORD).await.is_ok(),
        "new password"
    );

    let entries = audit_of(&app, "password.changed").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].actor_label, "dev@acme.example");
    assert_eq!(entries[0].entity_id, app.user_id("dev@acme.example").await);
    let log = whole_audit_log(&app).await;
    assert!(!log.contains(NEW_PASSWORD) && !log.contains("argon2"), "{log}");
}

#[tokio::test]
async fn wrong_current_passwords_count_towards_the_sign_in_limit() {
    let app = TestApp::demo().await;
    let session = app.sign_in("dev@acme.example", PASSWORD).await.unwrap();
    for _ in 0..5 {
        let wrong = change(&app, &session, "not my password", NEW_PASSWORD, NEW_PASSWORD).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let limited = change(&app, &session, PASSWORD, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers.contains_key("retry-after"));
    assert!(
        app.sign_in("dev@acme.example", PASSWORD).await.is_err(),
        "sign-in shares the limit"
    );
    let refused = audit_of(&app, "password.change_refused").await;
    assert_eq!(refused.len(), 5, "each wrong current password is a security event");
    assert_eq!(refused[0].after.as_ref().unwrap()["reason"], "wrong current password");
}

#[tokio::test]
async fn the_api_changes_the_callers_password_and_tokens_keep_working() {
    let app = TestApp::demo().await;
    let token = app.token_for("admin@acme.example").await;
    let browser = app.sign_in("admin@acme.example", PASSWORD).await.unwrap();
    let path = "/api/v1/me/password";

    let (status, body) = app
        .api(
            Method::POST,
            path,
            Some(&token),
            Some(json!({"current_password": "wrong password", "new_password": NEW_PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "current_password");

    let (status, body) = app
        .api(
            Method::POST,
            path,
            Some(&token),
            Some(json!({"current_password": PASSWORD, "new_password": "password1234"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "new_password");

    let (status, _) = app
        .api(
            Method::POST,
            path,
            Some(&token),
            Some(json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.api(Method::GET, "/api/v1/me", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "API tokens are separate credentials");
    assert!(!signed_in(&app, &browser).await, "browser sessions end");
    assert!(app.sign_in("admin@acme.example", NEW_PASSWORD).await.is_ok());
    assert_eq!(audit_of(&app, "password.changed").await.len(), 1);
}

/// The path of the reset link in the newest email to `to`.
async fn emailed_link(app: &TestApp, to: &str) -> String {
    let outbox = scal_app::notifications::outbox(app.app(), false).await.unwrap();
    let email = outbox
        .iter()
        .rev()
        .find(|m| m.to_address == to && m.body.contains("/password-reset/"))
        .expect("a reset email");
    let start = email.body.find("/password-reset/").unwrap();
    let path: String = email.body[start..].chars().take_while(|c| !c.is_whitespace()).collect();
    let url = format!("{}{path}", app.app().settings.public_url);
    assert!(email.body.contains(&url), "the link is absolute: {}", email.body);
    path
}

fn secret_of(path: &str) -> &str {
    path.trim_start_matches("/password-reset/")
}

async fn send_reset(app: &TestApp, token: &str, user_id: &str) -> (StatusCode, serde_json::Value) {
    app.api(
        Method::POST,
        &format!("/api/v1/users/{user_id}/password-reset"),
        Some(token),
        None,
    )
    .await
}

async fn complete(app: &TestApp, path: &str, new: &str, confirm: &str) -> Page {
    // Like a browser that has never signed in: the form's CSRF token comes from its own cookie.
    let form = app.page(None, Method::GET, path, &[]).await;
    let session = match (form.set_cookie("scal_csrf"), form.csrf()) {
        (Some(cookie), Some(csrf)) => Session {
            cookie: format!("scal_csrf={cookie}"),
            csrf,
        },
        _ => return form,
    };
    app.page(
        Some(&session),
        Method::POST,
        path,
        &[("new_password", new), ("confirm_password", confirm)],
    )
    .await
}

const EXPIRED: &str = "This link has expired or has already been used";

#[tokio::test]
async fn an_administrator_sends_a_reset_link_that_works_once() {
    let app = TestApp::demo().await;
    let admin = app.token_for("admin@nhse.example").await;
    let dev = app.user_id("dev@acme.example").await;
    let devs_session = app.sign_in("dev@acme.example", PASSWORD).await.unwrap();
    // Locked out by failed sign-ins, which the reset clears.
    for _ in 0..5 {
        assert!(app.sign_in("dev@acme.example", "forgotten password").await.is_err());
    }

    let (status, body) = send_reset(&app, &admin, &dev).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["email"], "dev@acme.example");
    assert_eq!(body["expires_at"], "2026-11-24T10:00:00Z");
    assert!(body.get("link").is_none(), "the administrator never sees the link");
    let path = emailed_link(&app, "dev@acme.example").await;
    let secret = secret_of(&path).to_string();
    assert_eq!(secret.len(), 64, "256 bits, hex");

    // Stored only as its SHA-256.
    let rows: Vec<(String,)> = sqlx::query_as("SELECT token_hash FROM password_resets")
        .fetch_all(app.app().store.pool())
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_ne!(rows[0].0, secret);
    assert_eq!(rows[0].0, scal_app::secrets::digest(&secret));
    // Sending a link changes nothing yet.
    assert!(signed_in(&app, &devs_session).await);

    let form = app.page(None, Method::GET, &path, &[]).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.html.contains("Create a new password") && form.html.contains("dev@acme.example"));
    let mismatch = complete(&app, &path, NEW_PASSWORD, "not the same at all").await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mismatch.html.contains("href=\"#confirm_password\""));
    let common = complete(&app, &path, "1qaz2wsx3edc", "1qaz2wsx3edc").await;
    assert_eq!(common.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(common.html.contains("most common passwords"));

    let done = complete(&app, &path, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.location(), Some("/login?done=password-reset"));
    assert!(done.set_cookie("scal_session").is_none(), "nobody is signed in");
    let used: Vec<(Option<i64>,)> = sqlx::query_as("SELECT used_at FROM password_resets")
        .fetch_all(app.app().store.pool())
        .await
        .unwrap();
    assert!(matches!(used.as_slice(), [(Some(_),)]), "the link is marked used");
    let login = app.page(None, Method::GET, "/login?done=password-reset", &[]).await;
    assert!(login.html.contains("nhsuk-notification-banner--success"));

    assert!(!signed_in(&app, &devs_session).await, "sessions end");
    assert!(app.sign_in("dev@acme.example", PASSWORD).await.is_err());
    assert!(
        app.sign_in("dev@acme.example", NEW_PASSWORD).await.is_ok(),
        "failed sign-ins were cleared"
    );

    // Used: the same page as an unknown link, on both methods.
    let again = app.page(None, Method::GET, &path, &[]).await;
    let unknown = app
        .page(None, Method::GET, &format!("/password-reset/{}", "ab".repeat(32)), &[])
        .await;
    let junk = app.page(None, Method::GET, "/password-reset/not-a-secret", &[]).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert!(again.html.contains(EXPIRED));
    assert_eq!((unknown.status, &unknown.html), (again.status, &again.html));
    assert_eq!((junk.status, &junk.html), (again.status, &again.html));
    let reused = complete_with_pre_session(&app, &path).await;
    assert_eq!(reused.status, StatusCode::NOT_FOUND);
    assert!(reused.html.contains(EXPIRED));
    assert!(app.sign_in("dev@acme.example", NEW_PASSWORD).await.is_ok());

    let requested = audit_of(&app, "password.reset_requested").await;
    assert_eq!(requested.len(), 1);
    assert_eq!(requested[0].actor_label, "admin@nhse.example");
    assert_eq!(requested[0].entity_id, dev);
    let reset = audit_of(&app, "password.reset").await;
    assert_eq!(reset.len(), 1);
    assert_eq!(reset[0].actor_label, "dev@acme.example");
    let log = whole_audit_log(&app).await;
    assert!(!log.contains(&secret), "no secret in the audit log");
    assert!(!log.contains(&scal_app::secrets::digest(&secret)), "nor its hash");
    assert!(!log.contains(NEW_PASSWORD));
}

/// A POST to a link from a browser that has a CSRF cookie but never opened that link's form.
async fn complete_with_pre_session(app: &TestApp, path: &str) -> Page {
    let login = app.page(None, Method::GET, "/login", &[]).await;
    let session = Session {
        cookie: format!("scal_csrf={}", login.set_cookie("scal_csrf").unwrap()),
        csrf: login.csrf().unwrap(),
    };
    app.page(
        Some(&session),
        Method::POST,
        path,
        &[("new_password", NEW_PASSWORD), ("confirm_password", NEW_PASSWORD)],
    )
    .await
}

#[tokio::test]
async fn a_link_expires_and_a_new_one_ends_the_old() {
    let app = TestApp::demo().await;
    let admin = app.token_for("admin@acme.example").await;
    let dev = app.user_id("dev@acme.example").await;

    assert_eq!(send_reset(&app, &admin, &dev).await.0, StatusCode::ACCEPTED);
    let first = emailed_link(&app, "dev@acme.example").await;
    // A minute later, so the outbox's order (by time) tells the emails apart.
    app.clock.advance(time::Duration::minutes(1));
    assert_eq!(send_reset(&app, &admin, &dev).await.0, StatusCode::ACCEPTED);
    let second = emailed_link(&app, "dev@acme.example").await;
    assert_ne!(first, second);
    let old = app.page(None, Method::GET, &first, &[]).await;
    assert_eq!(old.status, StatusCode::NOT_FOUND);
    assert!(old.html.contains(EXPIRED));
    assert_eq!(app.page(None, Method::GET, &second, &[]).await.status, StatusCode::OK);

    app.clock.advance(time::Duration::minutes(59));
    assert_eq!(app.page(None, Method::GET, &second, &[]).await.status, StatusCode::OK);
    app.clock.advance(time::Duration::minutes(1));
    let expired = app.page(None, Method::GET, &second, &[]).await;
    assert_eq!((expired.status, &expired.html), (old.status, &old.html));
    let late = complete_with_pre_session(&app, &second).await;
    assert_eq!(late.status, StatusCode::NOT_FOUND);
    assert!(app.sign_in("dev@acme.example", PASSWORD).await.is_ok(), "unchanged");
}

#[tokio::test]
async fn only_administrators_send_resets_and_only_for_users_they_administer() {
    let app = TestApp::demo().await;
    let acme_admin = app.token_for("admin@acme.example").await;
    let dev = app.token_for("dev@acme.example").await;
    let bright_user = app.user_id("admin@brightwater.example").await;
    let acme_user = app.user_id("admin@acme.example").await;
    let unknown = "3f1c9a40-0000-4000-8000-000000000000";

    let theirs = send_reset(&app, &acme_admin, &bright_user).await;
    let missing = send_reset(&app, &acme_admin, unknown).await;
    assert_eq!(theirs.0, StatusCode::NOT_FOUND);
    assert_eq!(theirs, missing, "another organisation's user is as good as unknown");
    assert_eq!(send_reset(&app, &dev, &acme_user).await.0, StatusCode::FORBIDDEN);
    let outbox = scal_app::notifications::outbox(app.app(), false).await.unwrap();
    assert!(!outbox.iter().any(|m| m.body.contains("/password-reset/")));
    assert!(audit_of(&app, "password.reset_requested").await.is_empty());

    // The page: the button shows only where a reset may be sent, and sends it.
    let admin_session = app.sign_in("admin@acme.example", PASSWORD).await.unwrap();
    let dev_id = app.user_id("dev@acme.example").await;
    let user_page = app
        .page(Some(&admin_session), Method::GET, &format!("/users/{dev_id}"), &[])
        .await;
    assert!(user_page.html.contains("Send password reset"));
    let sent = app
        .page(
            Some(&admin_session),
            Method::POST,
            &format!("/users/{dev_id}/password-reset"),
            &[],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let banner = app
        .page(Some(&admin_session), Method::GET, sent.location().unwrap(), &[])
        .await;
    assert!(banner.html.contains("nhsuk-notification-banner--success"));
    assert!(banner.html.contains("has been sent to dev@acme.example"));
    let dev_session = app.sign_in("dev@acme.example", PASSWORD).await.unwrap();
    let as_member = app
        .page(Some(&dev_session), Method::GET, &format!("/users/{acme_user}"), &[])
        .await;
    assert!(!as_member.html.contains("Send password reset"));
    let other = app
        .page(
            Some(&admin_session),
            Method::POST,
            &format!("/users/{bright_user}/password-reset"),
            &[],
        )
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_deactivated_user_gets_no_reset() {
    let app = TestApp::demo().await;
    let admin = app.token_for("admin@acme.example").await;
    let dev = app.user_id("dev@acme.example").await;
    assert_eq!(send_reset(&app, &admin, &dev).await.0, StatusCode::ACCEPTED);
    let link = emailed_link(&app, "dev@acme.example").await;
    let (status, _) = app
        .api(
            Method::PATCH,
            &format!("/api/v1/users/{dev}"),
            Some(&admin),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(send_reset(&app, &admin, &dev).await.0, StatusCode::CONFLICT);
    let page = app.page(None, Method::GET, &link, &[]).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND, "an earlier link stops working too");
}

#[tokio::test]
async fn adding_a_user_with_a_chosen_password_follows_the_same_rules() {
    let app = TestApp::demo().await;
    let admin = app.token_for("admin@acme.example").await;
    let acme = app.org_id("8JK21").await;
    for (password, message) in [
        ("qwertyuiop123", "most common passwords"),
        ("i am grace.hopper!", "email address"),
    ] {
        let (status, body) = app
            .api(
                Method::POST,
                &format!("/api/v1/organisations/{acme}/users"),
                Some(&admin),
                Some(json!({"email": "grace.hopper@acme.example", "name": "Grace", "role": "supplier_member", "password": password})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{password}");
        assert_eq!(body["error"]["field"], "password");
        assert!(body["error"]["message"].as_str().unwrap().contains(message), "{body}");
    }
}

#[tokio::test]
async fn changing_your_password_ends_an_open_reset_link() {
    let app = TestApp::demo().await;
    let admin = app.token_for("admin@acme.example").await;
    let dev = app.user_id("dev@acme.example").await;
    assert_eq!(send_reset(&app, &admin, &dev).await.0, StatusCode::ACCEPTED);
    let link = emailed_link(&app, "dev@acme.example").await;
    let session = app.sign_in("dev@acme.example", PASSWORD).await.unwrap();
    let done = change(&app, &session, PASSWORD, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let page = app.page(None, Method::GET, &link, &[]).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.html.contains(EXPIRED));
}
