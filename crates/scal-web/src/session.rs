//! Browser sessions and CSRF protection for the HTML pages.
//!
//! The session cookie holds a random secret; the database holds its digest (see
//! `scal_app::auth`). Every state-changing form carries a `_csrf` field that must equal the
//! session's token (or, before sign-in, the `scal_csrf` cookie), checked here for every non-API
//! route so no handler can forget it. The token only ever travels in form bodies, never in a URL
//! (where history, proxy logs and `Referer` would keep it): upload forms send it as their first
//! part, which is read here before the handler streams the rest. As defence in depth, a form post
//! a browser marks as coming from another site (`Sec-Fetch-Site`, or failing that `Origin`) is
//! refused before its token is even looked at. The API does not read cookies at all: it takes
//! bearer tokens only, so it needs no CSRF defence.
//!
//! When cookies are `Secure` their names carry the `__Host-` prefix, so the browser only accepts
//! them from this host over HTTPS, with `Path=/` and no `Domain`: a sibling subdomain or a
//! plain-HTTP man in the middle cannot plant a session or a pre-sign-in token.

use std::task::Poll;

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use scal_app::secrets::same_secret;
use scal_app::Actor;
use scal_store::UserRecord;

use crate::{AppState, PageError};

pub const CSRF_FIELD: &str = "_csrf";

/// How much of an upload is read before its handler runs, at most: the `_csrf` part must be
/// complete within it.
const UPLOAD_CSRF_PREFIX_BYTES: usize = 16 * 1024;

/// The session cookie's name: `__Host-scal_session` when cookies are Secure.
pub fn session_cookie(secure: bool) -> &'static str {
    if secure {
        "__Host-scal_session"
    } else {
        "scal_session"
    }
}

/// The pre-sign-in CSRF cookie's name: `__Host-scal_csrf` when cookies are Secure.
pub fn pre_session_csrf_cookie(secure: bool) -> &'static str {
    if secure {
        "__Host-scal_csrf"
    } else {
        "scal_csrf"
    }
}

/// The signed-in user of this request, put in the request's extensions by [`resolve_session`].
#[derive(Debug, Clone)]
pub struct CurrentSession {
    pub cookie: String,
    pub user: UserRecord,
    pub actor: Actor,
    pub csrf_token: String,
    /// The banner to show after the action that led here (see `crate::notice`).
    pub notice: Option<crate::notice::Notice>,
    /// Unread notifications, for the header's count (read on pages, not on form posts).
    pub unread: i64,
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

/// A `Set-Cookie` value. `Path=/` and no `Domain`, as the `__Host-` prefix requires.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}")
}

pub async fn resolve_session(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let secure = state.settings.cookie_secure;
    let mut current = None;
    if !is_api {
        if let Some(value) = cookie(request.headers(), session_cookie(secure)) {
            match scal_app::auth::session(&state.app, &value, state.now()).await {
                Ok(Some(session)) => {
                    current = Some(CurrentSession {
                        actor: scal_app::auth::actor_for(&session.user),
                        cookie: value,
                        user: session.user,
                        csrf_token: session.csrf_token,
                        notice: None,
                        unread: 0,
                    });
                }
                Ok(None) => {}
                Err(error) => return PageError::from(error).into_response(),
            }
        }
    }
    let unsafe_method = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !is_api && unsafe_method {
        if from_another_site(request.headers()) {
            return csrf_refused();
        }
        let expected = match &current {
            Some(session) => Some(session.csrf_token.clone()),
            None => cookie(request.headers(), pre_session_csrf_cookie(secure)),
        };
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        if content_type.starts_with("multipart/form-data") {
            // Uploads are streamed to their handler: only their first part is read here.
            return match upload_with_checked_token(request, &content_type, expected.as_deref()).await {
                Some(request) => continue_with(&state, current, request, next).await,
                None => csrf_refused(),
            };
        }
        let (parts, body) = request.into_parts();
        let bytes = match to_bytes(body, state.settings.max_body_bytes).await {
            Ok(bytes) => bytes,
            Err(error)
                if std::error::Error::source(&error).is_some_and(|e| e.is::<http_body_util::LengthLimitError>()) =>
            {
                return PageError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "The form is too large",
                    "Send less data and try again.",
                )
                .into_response()
            }
            // The connection failed mid-body, e.g. the client stopped sending (idle timeout).
            Err(_) => {
                return PageError::new(
                    StatusCode::BAD_REQUEST,
                    "The form could not be read",
                    "It did not arrive whole. Try again.",
                )
                .into_response()
            }
        };
        let presented = form_urlencoded_field(&bytes, CSRF_FIELD);
        let valid = matches!((&expected, &presented), (Some(e), Some(p)) if presented_matches(e, p));
        if !valid {
            return csrf_refused();
        }
        request = Request::from_parts(parts, Body::from(bytes));
    }
    continue_with(&state, current, request, next).await
}

/// Whether the browser says this request comes from another site. `Sec-Fetch-Site` (sent by every
/// current browser) must be `same-origin` or `none` (typed by the user); without it, an `Origin`
/// header must name this host. Requests with neither (old browsers, scripts) are left to the token.
fn from_another_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    // A privacy-preserving browser may send `null`; the token still decides.
    if origin == "null" {
        return false;
    }
    let origin_host = origin.split_once("://").map_or(origin, |(_, host)| host);
    let host = headers
        .get("x-forwarded-host")
        .or_else(|| headers.get(header::HOST))
        .and_then(|v| v.to_str().ok());
    host.is_none_or(|host| !origin_host.eq_ignore_ascii_case(host.trim()))
}

/// Checks an upload's CSRF token, which must be its first part, without reading the whole body:
/// the chunks read to find it (until [`UPLOAD_CSRF_PREFIX_BYTES`] is reached, so at most that plus
/// one chunk) are kept and replayed ahead of the rest of the stream, so the handler sees the body
/// unchanged.
/// `None` when the token is missing, wrong or not first.
async fn upload_with_checked_token(request: Request, content_type: &str, expected: Option<&str>) -> Option<Request> {
    let expected = expected?;
    let boundary = multer::parse_boundary(content_type).ok()?;
    let (parts, body) = request.into_parts();
    let mut stream = body.into_data_stream();
    let mut seen: Vec<Bytes> = Vec::new();
    let mut read = 0usize;
    let presented = {
        let recorder = futures_util::stream::poll_fn(|cx| {
            // multer reads greedily, as long as data is ready; past the limit it is told the
            // body ended, so it stops reading and finds the first part only if it came in time.
            if read >= UPLOAD_CSRF_PREFIX_BYTES {
                return Poll::Ready(None);
            }
            match futures_util::StreamExt::poll_next_unpin(&mut stream, cx) {
                Poll::Ready(Some(Ok(chunk))) => {
                    read += chunk.len();
                    seen.push(chunk.clone());
                    Poll::Ready(Some(Ok(chunk)))
                }
                other => other,
            }
        });
        let mut multipart = multer::Multipart::new(recorder, boundary);
        let token = match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some(CSRF_FIELD) => field.text().await.ok(),
            _ => None,
        };
        token
    }?;
    if !presented_matches(expected, &presented) {
        return None;
    }
    let replay = futures_util::StreamExt::chain(
        futures_util::stream::iter(seen.into_iter().map(Ok::<_, axum::Error>)),
        stream,
    );
    Some(Request::from_parts(parts, Body::from_stream(replay)))
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
async fn continue_with(
    state: &AppState,
    current: Option<CurrentSession>,
    mut request: Request,
    next: Next,
) -> Response {
    let secure = state.settings.cookie_secure;
    let Some(mut session) = current else {
        return next.run(request).await;
    };
    // A page shows the notice of the action that led to it, once: the cookie is cleared by the
    // first page (200) that could show it, not by a redirect on the way.
    if request.method() == Method::GET {
        session.notice = cookie(request.headers(), crate::notice::notice_cookie(secure))
            .and_then(|code| crate::notice::Notice::parse(&code));
        session.unread = scal_app::notifications::unread(&state.app, &session.actor)
            .await
            .unwrap_or(0);
    }
    let had_notice = session.notice.is_some();
    request.extensions_mut().insert(session.clone());
    let mut response = next.run(request).await;
    if had_notice && response.status() == StatusCode::OK {
        if let Some(value) = crate::notice::cleared(secure) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    match response.extensions().get::<crate::error::ErrorPageInfo>().cloned() {
        Some(info) => {
            let (mut parts, _) = response.into_parts();
            parts.headers.remove(axum::http::header::CONTENT_LENGTH);
            // An error page is not where the action's notice belongs.
            session.notice = None;
            let body = crate::pages::layout::error_page(&info.title, &info.message, Some(&session));
            Response::from_parts(parts, Body::from(body.into_string()))
        }
        None => response,
    }
}

/// Whether a form's `_csrf` carries the expected token: masked, as pages render it, or as is.
fn presented_matches(expected: &str, presented: &str) -> bool {
    scal_app::secrets::unmask(presented).is_some_and(|token| same_secret(expected, &token))
        || same_secret(expected, presented)
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
