//! Your account, changing your password, and password-reset links (sending one, and the page the
//! link opens, which needs no sign-in).

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use scal_app::passwords::PasswordChange;
use scal_app::AppError;
use scal_domain::password::MIN_LEN;
use scal_domain::FieldError;
use serde::Deserialize;

use super::layout::{
    back_link, button, csrf, error_summary, page, success_banner, summary_list, text_input, Chrome, InputOptions, Nav,
};
use super::{form_page, see_other, FormOutcome};
use crate::extract::{PageForm, PageQuery};
use crate::session::{cookie, pre_session_csrf_cookie, set_cookie, CurrentSession, MaybeSession, PageActor};
use crate::{AppState, PageError};

type PageResult = Result<Response, PageError>;

/// Which success banner to show after a redirect. Only these fixed values are recognised.
#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

impl DoneQuery {
    pub(crate) fn done(&self) -> Option<&str> {
        self.done.as_deref()
    }
}

fn password_hint() -> String {
    format!(
        "Use at least {MIN_LEN} characters. A few random words together are easy to remember and hard to guess. \
         Do not use a common password or your email address."
    )
}

/// The signed-in user's own details, and the way to change their password.
pub async fn account(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    PageQuery(query): PageQuery<DoneQuery>,
) -> PageResult {
    let user = &session.user;
    let org = scal_app::organisations::get(&state.app, &session.actor, &user.org_id).await?;
    let changed = query.done.as_deref() == Some("password-changed");
    let content = html! {
        @if changed {
            (success_banner("Your password has been changed", Some("You have been signed out everywhere else. API tokens keep working; revoke them under API tokens if you need to.")))
        }
        h1 class="nhsuk-heading-xl" { "Your account" }
        (summary_list(&[
            ("Name", html! { (user.name) }, None),
            ("Email", html! { (user.email.as_str()) }, None),
            ("Role", html! { (user.role.label()) }, None),
            ("Organisation", html! { (org.name) }, None),
            ("Password", html! { "••••••••••••" }, Some(("/account/password", "password"))),
        ]))
    };
    Ok(page("Your account", &Chrome::signed_in(&session, Nav::None), false, content).into_response())
}

fn change_page(session: &CurrentSession, errors: &[FieldError]) -> Markup {
    let content = html! {
        (back_link("/account", "Back to your account"))
        div class="nhsuk-grid-row" {
            div class="nhsuk-grid-column-two-thirds" {
                (error_summary(errors))
                h1 class="nhsuk-heading-xl" { "Change your password" }
                p class="nhsuk-body" { "You will stay signed in here. You will be signed out on other devices and browsers." }
                form method="post" action="/account/password" novalidate {
                    (csrf(&session.csrf_token))
                    (text_input("current_password", "Current password", "", errors, InputOptions {
                        input_type: Some("password"), autocomplete: Some("current-password"), ..Default::default()
                    }))
                    (new_password_inputs(errors))
                    (button("Change password"))
                }
            }
        }
    };
    page(
        "Change your password",
        &Chrome::signed_in(session, Nav::None),
        !errors.is_empty(),
        content,
    )
}

fn new_password_inputs(errors: &[FieldError]) -> Markup {
    let hint = password_hint();
    html! {
        (text_input("new_password", "New password", "", errors, InputOptions {
            hint: Some(&hint), input_type: Some("password"), autocomplete: Some("new-password"), ..Default::default()
        }))
        (text_input("confirm_password", "Confirm new password", "", errors, InputOptions {
            input_type: Some("password"), autocomplete: Some("new-password"), ..Default::default()
        }))
    }
}

pub async fn change_form(PageActor(session): PageActor) -> Response {
    change_page(&session, &[]).into_response()
}

#[derive(Debug, Default, Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

pub async fn change(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    crate::client::ClientAddr(client): crate::client::ClientAddr,
    PageForm(form): PageForm<ChangeForm>,
) -> PageResult {
    let change = PasswordChange {
        current_password: form.current_password,
        new_password: form.new_password,
        confirm_password: Some(form.confirm_password),
    };
    let result = scal_app::passwords::change_own(
        &state.app,
        &session.actor,
        &change,
        Some(&session.cookie),
        client,
        state.now(),
    )
    .await;
    match result {
        Ok(changed) => {
            let mut response = see_other("/account?done=password-changed");
            // This browser carries on under a new session; its old cookie has ended.
            if let Some(renewed) = changed.renewed {
                let max_age = state.app.settings.session_ttl.whole_seconds();
                let value = set_cookie(
                    crate::session::session_cookie(state.settings.cookie_secure),
                    &renewed.cookie,
                    max_age,
                    state.settings.cookie_secure,
                );
                if let Ok(value) = HeaderValue::from_str(&value) {
                    response.headers_mut().append(header::SET_COOKIE, value);
                }
            }
            Ok(response)
        }
        Err(AppError::Throttled { retry_after_secs }) => {
            let minutes = retry_after_secs.div_ceil(60);
            let errors = [FieldError::new(
                "current_password",
                format!("Too many wrong passwords for this account. Try again in {minutes} minutes."),
            )];
            let mut response = (StatusCode::TOO_MANY_REQUESTS, change_page(&session, &errors)).into_response();
            if let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            Ok(response)
        }
        Err(error) => match FormOutcome::from(error) {
            FormOutcome::Errors(errors) => Ok(form_page(change_page(&session, &errors), &errors)),
            FormOutcome::Failed(error) => Err(error),
        },
    }
}

/// An administrator sends a user a reset link; back on the user's page with a banner.
pub async fn send_reset(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
) -> PageResult {
    let sent = scal_app::passwords::send_reset(&state.app, &session.actor, &id, state.now()).await?;
    Ok(see_other(&format!("/users/{}?done=reset-sent", sent.user.id)))
}

/// The same page for an unknown, used, superseded or expired link, so none can be told apart.
fn expired_link(session: Option<&CurrentSession>) -> Response {
    let chrome = match session {
        Some(session) => Chrome::signed_in(session, Nav::None),
        None => Chrome::anonymous(),
    };
    let content = html! {
        h1 class="nhsuk-heading-xl" { "This link has expired or has already been used" }
        p class="nhsuk-body" { "Links to set a new password work once, for a limited time. Sending a new link also stops earlier ones working." }
        p class="nhsuk-body" { "Ask an administrator of your organisation to send you a new link." }
        p class="nhsuk-body" { a href="/login" { "Go to sign in" } }
    };
    (
        StatusCode::NOT_FOUND,
        page(
            "This link has expired or has already been used",
            &chrome,
            false,
            content,
        ),
    )
        .into_response()
}

fn reset_page(
    csrf_token: &str,
    secret: &str,
    email: &str,
    errors: &[FieldError],
    session: Option<&CurrentSession>,
) -> Markup {
    let chrome = match session {
        Some(session) => Chrome::signed_in(session, Nav::None),
        None => Chrome::anonymous(),
    };
    let content = html! {
        div class="nhsuk-grid-row" {
            div class="nhsuk-grid-column-two-thirds" {
                (error_summary(errors))
                h1 class="nhsuk-heading-xl" { "Create a new password" }
                p class="nhsuk-body" { "For " strong { (email) } ". You will need to sign in with your new password afterwards." }
                form method="post" action=(format!("/password-reset/{secret}")) novalidate {
                    (csrf(csrf_token))
                    (new_password_inputs(errors))
                    (button("Set new password"))
                }
            }
        }
    };
    page("Create a new password", &chrome, !errors.is_empty(), content)
}

/// The CSRF token for a form that may be shown before sign-in: the session's, or the pre-session
/// cookie's (made now, with the `Set-Cookie` to send, when the browser has none).
fn form_token(
    session: Option<&CurrentSession>,
    headers: &HeaderMap,
    secure: bool,
) -> Result<(String, bool), PageError> {
    if let Some(session) = session {
        return Ok((session.csrf_token.clone(), false));
    }
    match cookie(headers, pre_session_csrf_cookie(secure)) {
        Some(token) => Ok((token, false)),
        None => Ok((scal_app::secrets::random_hex(32)?, true)),
    }
}

/// The page a reset link opens. No sign-in: the link's secret is the credential.
pub async fn reset_form(
    State(state): State<AppState>,
    MaybeSession(session): MaybeSession,
    headers: HeaderMap,
    Path(secret): Path<String>,
) -> PageResult {
    let user = match scal_app::passwords::reset_link_user(&state.app, &secret, state.now()).await {
        Ok(user) => user,
        Err(AppError::NotFound) => return Ok(expired_link(session.as_ref())),
        Err(other) => return Err(other.into()),
    };
    let (token, new_cookie) = form_token(session.as_ref(), &headers, state.settings.cookie_secure)?;
    let mut response = reset_page(&token, &secret, user.email.as_str(), &[], session.as_ref()).into_response();
    if new_cookie {
        let value = set_cookie(
            pre_session_csrf_cookie(state.settings.cookie_secure),
            &token,
            60 * 60 * 2,
            state.settings.cookie_secure,
        );
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    Ok(response)
}

#[derive(Debug, Default, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

pub async fn reset(
    State(state): State<AppState>,
    MaybeSession(session): MaybeSession,
    headers: HeaderMap,
    Path(secret): Path<String>,
    PageForm(form): PageForm<ResetForm>,
) -> PageResult {
    let result = scal_app::passwords::complete_reset(
        &state.app,
        &secret,
        &form.new_password,
        Some(&form.confirm_password),
        state.now(),
    )
    .await;
    match result {
        // Nobody is signed in by a reset: the person signs in with the new password, which also
        // proves they know it. A browser signed in as the user has just lost its session too.
        Ok(_) => Ok(see_other("/login?done=password-reset")),
        Err(AppError::NotFound) => Ok(expired_link(session.as_ref())),
        Err(AppError::Invalid(invalid)) => {
            let user = match scal_app::passwords::reset_link_user(&state.app, &secret, state.now()).await {
                Ok(user) => user,
                Err(AppError::NotFound) => return Ok(expired_link(session.as_ref())),
                Err(other) => return Err(other.into()),
            };
            let (token, _) = form_token(session.as_ref(), &headers, state.settings.cookie_secure)?;
            let errors = invalid.0;
            Ok(form_page(
                reset_page(&token, &secret, user.email.as_str(), &errors, session.as_ref()),
                &errors,
            ))
        }
        Err(other) => Err(other.into()),
    }
}

/// The reset link's success banner on the sign-in page, when the address asks for it.
pub(crate) fn sign_in_banner(done: Option<&str>) -> Option<Markup> {
    (done == Some("password-reset")).then(|| {
        success_banner(
            "Your password has been changed",
            Some("Sign in with your new password."),
        )
    })
}

/// The banner on a user's page after an administrator sent them a reset link.
pub(crate) fn user_banner(done: Option<&str>, email: &str, ttl_minutes: i64) -> Option<Markup> {
    (done == Some("reset-sent")).then(|| {
        success_banner(
            &format!("A link to set a new password has been sent to {email}"),
            Some(&format!(
                "It works once, for {ttl_minutes} minutes. Their current password keeps working until they use it."
            )),
        )
    })
}
