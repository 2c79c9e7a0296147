//! Browser sessions and CSRF protection for the HTML pages.
//!
//! The session cookie holds a random secret; the database holds its digest (see
//! `scal_app::auth`). Every state-changing form carries a `_csrf` field that must equal the
//! session's token (or, before sign-in, the `scal_csrf` cookie), checked here for every non-API
//! route so no handler can forget it. The API does not read cookies at all: it takes bearer tokens
//! only, so it needs no CSRF defence.

use axum::body::{to_bytes, Body};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use scal_app::secrets::same_secret;
use scal_app::Actor;
use scal_store::UserRecord;

use crate::{AppState, PageError};

pub const SESSION_COOKIE: &str = "scal_session";
pub const PRE_SESSION_CSRF_COOKIE: &str = "scal_csrf";
pub const CSRF_FIELD: &str = "_csrf";

/// The signed-in user of this request, put in the request's extensions by [`resolve_session`].
#[derive(Debug, Clone)]
pub struct CurrentSession {
    pub cookie: String,
    pub user: UserRecord,
    pub actor: Actor,
    pub csrf_token: String,
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
}

pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}")
}

pub async fn resolve_session(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let mut current = None;
    if !is_api {
        if let Some(value) = cookie(request.headers(), SESSION_COOKIE) {
            match scal_app::auth::session(&state.app, &value, state.now()).await {
                Ok(Some(session)) => {
                    current = Some(CurrentSession {
                        actor: scal_app::auth::actor_for(&session.user),
                        cookie: value,
                        user: session.user,
                        csrf_token: session.csrf_token,
                    });
                }
                Ok(None) => {}
                Err(error) => return PageError::from(error).into_response(),
            }
        }
    }
    let unsafe_method = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !is_api && unsafe_method {
        let expected = match &current {
            Some(session) => Some(session.csrf_token.clone()),
            None => cookie(request.headers(), PRE_SESSION_CSRF_COOKIE),
        };
        let multipart = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if multipart {
            // Uploads are streamed to their handler, so their token travels in the form's action
            // URL instead of the body.
            let presented = request
                .uri()
                .query()
                .and_then(|q| form_urlencoded_field(q.as_bytes(), CSRF_FIELD));
            if !matches!((&expected, &presented), (Some(e), Some(p)) if same_secret(e, p)) {
                return csrf_refused();
            }
            return continue_with(current, request, next).await;
        }
        let (parts, body) = request.into_parts();
        let bytes = match to_bytes(body, state.settings.max_body_bytes).await {
            Ok(bytes) => bytes,
            Err(_) => {
                return PageError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "The form is too large",
                    "Send less data and try again.",
                )
                .into_response()
            }
        };
        let presented = form_urlencoded_field(&bytes, CSRF_FIELD);
        let valid = matches!((&expected, &presented), (Some(e), Some(p)) if same_secret(e, p));
        if !valid {
            return csrf_refused();
        }
        request = Request::from_parts(parts, Body::from(bytes));
    }
    continue_with(current, request, next).await
}

fn csrf_refused() -> Response {
    PageError::new(
        StatusCode::FORBIDDEN,
        "This form has expired",
        "For your security the form could not be accepted. Go back, reload the page and try again.",
    )
    .into_response()
}

/// Runs the handler with the session in the request, and gives error pages the signed-in header.
async fn continue_with(current: Option<CurrentSession>, mut request: Request, next: Next) -> Response {
    let Some(session) = current else {
        return next.run(request).await;
    };
    request.extensions_mut().insert(session.clone());
    let response = next.run(request).await;
    match response.extensions().get::<crate::error::ErrorPageInfo>().cloned() {
        Some(info) => {
            let (mut parts, _) = response.into_parts();
            parts.headers.remove(axum::http::header::CONTENT_LENGTH);
            let body = crate::pages::layout::error_page(&info.title, &info.message, Some(&session));
            Response::from_parts(parts, Body::from(body.into_string()))
        }
        None => response,
    }
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    text.split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .and_then(|(_, value)| {
            urlencoding::decode(&value.replace('+', " "))
                .ok()
                .map(|v| v.into_owned())
        })
}

/// A page handler's signed-in user. Without a session, the browser is sent to sign in and brought
/// back afterwards.
pub struct PageActor(pub CurrentSession);

impl<S: Send + Sync> FromRequestParts<S> for PageActor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<CurrentSession>() {
            Some(session) => Ok(Self(session.clone())),
            None => {
                let next = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
                let target = if parts.method == Method::GET && next != "/" {
                    format!("/login?next={}", urlencoding::encode(next))
                } else {
                    "/login".to_string()
                };
                Err(Redirect::to(&target).into_response())
            }
        }
    }
}

/// The session when there is one, for pages that anonymous visitors also see.
pub struct MaybeSession(pub Option<CurrentSession>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeSession {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.extensions.get::<CurrentSession>().cloned()))
    }
}
