//! Signing in and out.

use crate::client::ClientAddr;
use crate::extract::{PageForm, PageQuery};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::html;
use scal_app::AppError;
use scal_domain::FieldError;
use serde::Deserialize;

use super::layout::{button, csrf, error_summary, page, text_input, Chrome, InputOptions};
use super::see_other;
use crate::session::{cookie, pre_session_csrf_cookie, session_cookie, set_cookie, MaybeSession, PageActor};
use crate::{AppState, PageError};

#[derive(Debug, Default, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
    /// A success banner to show (`password-reset`).
    done: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// Only same-site paths, so the sign-in page cannot be used to send people elsewhere.
fn safe_next(next: &str) -> &str {
    // Browsers drop tabs and line breaks from URLs and read `\` as `/`, so `/\t/evil.example`
    // would become `//evil.example`: refuse anything but a plain path on this site.
    let plain = next.starts_with('/')
        && !next.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\')
        && !next[1..].starts_with('/');
    if plain {
        next
    } else {
        "/"
    }
}

pub async fn login_form(
    State(state): State<AppState>,
    MaybeSession(session): MaybeSession,
    headers: HeaderMap,
    PageQuery(query): PageQuery<NextQuery>,
) -> Response {
    if session.is_some() {
        return see_other("/");
    }
    let existing = cookie(&headers, pre_session_csrf_cookie(state.settings.cookie_secure));
    let token = match existing.clone() {
        Some(token) => token,
        None => match scal_app::secrets::random_hex(32) {
            Ok(token) => token,
            Err(error) => return PageError::from(error).into_response(),
        },
    };
    let banner = super::password::sign_in_banner(query.done.as_deref());
    let body = login_page_with(&token, "", query.next.as_deref().unwrap_or("/"), &[], banner);
    let mut response = body.into_response();
    if existing.is_none() {
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
    response
}

fn login_page(csrf_token: &str, email: &str, next: &str, errors: &[FieldError]) -> maud::Markup {
    login_page_with(csrf_token, email, next, errors, None)
}

fn login_page_with(
    csrf_token: &str,
    email: &str,
    next: &str,
    errors: &[FieldError],
    banner: Option<maud::Markup>,
) -> maud::Markup {
    page(
        "Sign in",
        &Chrome::anonymous(),
        !errors.is_empty(),
        html! {
            div class="nhsuk-grid-row" {
                div class="nhsuk-grid-column-two-thirds" {
                    @if let Some(banner) = banner { (banner) }
                    (error_summary(errors))
                    h1 class="nhsuk-heading-xl" { "Sign in" }
                    form method="post" action="/login" novalidate {
                        (csrf(csrf_token))
                        input type="hidden" name="next" value=(safe_next(next));
                        (text_input("email", "Email address", email, errors, InputOptions {
                            input_type: Some("email"), autocomplete: Some("username"), spellcheck_off: true, ..Default::default()
                        }))
                        (text_input("password", "Password", "", errors, InputOptions {
                            input_type: Some("password"), autocomplete: Some("current-password"), ..Default::default()
                        }))
                        (button("Sign in"))
                    }
                }
            }
        },
    )
}

pub async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    PageForm(form): PageForm<LoginForm>,
) -> Response {
    let csrf_token = cookie(&headers, pre_session_csrf_cookie(state.settings.cookie_secure)).unwrap_or_default();
    match scal_app::auth::login(&state.app, &form.email, &form.password, client, state.now()).await {
        Ok(session) => {
            let max_age = state.app.settings.session_ttl.whole_seconds();
            let mut response = see_other(safe_next(&form.next));
            let cookies = [
                set_cookie(
                    session_cookie(state.settings.cookie_secure),
                    &session.cookie,
                    max_age,
                    state.settings.cookie_secure,
                ),
                set_cookie(
                    pre_session_csrf_cookie(state.settings.cookie_secure),
                    "",
                    0,
                    state.settings.cookie_secure,
                ),
            ];
            for value in cookies {
                if let Ok(value) = HeaderValue::from_str(&value) {
                    response.headers_mut().append(header::SET_COOKIE, value);
                }
            }
            response
        }
        Err(AppError::Invalid(_)) => {
            // One message for unknown email and wrong password alike.
            let errors = [FieldError::new("email", scal_app::auth::BAD_CREDENTIALS)];
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                login_page(&csrf_token, &form.email, &form.next, &errors),
            )
                .into_response()
        }
        Err(AppError::Throttled { retry_after_secs }) => {
            let minutes = retry_after_secs.div_ceil(60);
            let message = format!("Too many failed attempts to sign in. Try again in {minutes} minutes.");
            let errors = [FieldError::new("email", message)];
            let mut response = (
                StatusCode::TOO_MANY_REQUESTS,
                login_page(&csrf_token, &form.email, &form.next, &errors),
            )
                .into_response();
            if let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        Err(other) => PageError::from(other).into_response(),
    }
}

pub async fn logout(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    PageActor(session): PageActor,
) -> Response {
    if let Err(error) = scal_app::auth::logout(&state.app, &session.cookie, client, state.now()).await {
        return PageError::from(error).into_response();
    }
    let mut response = see_other("/login");
    if let Ok(value) = HeaderValue::from_str(&set_cookie(
        session_cookie(state.settings.cookie_secure),
        "",
        0,
        state.settings.cookie_secure,
    )) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}
