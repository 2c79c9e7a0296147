//! One error type per surface, both built from `scal_app::AppError`: JSON with a stable shape for
//! the API, an NHS-styled page for the browser.

use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use scal_app::AppError;
use serde::Serialize;
use utoipa::ToSchema;

/// `{"error": {...}}`, the body of every API error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code: `unauthenticated`, `forbidden`, `not_found`, `invalid`,
    /// `bad_request`, `unsupported_media_type`, `payload_too_large`, `too_many_requests`,
    /// `conflict`, `blocked` (a 409: the action waits on other things, listed in `blockers`),
    /// `method_not_allowed`, `unavailable` (busy: retry after `Retry-After` seconds), `internal`.
    pub code: String,
    pub message: String,
    /// The first field at fault, for `invalid` (else null).
    pub field: Option<String>,
    /// Every field at fault, for `invalid` (else empty).
    pub fields: Vec<FieldProblem>,
    /// Everything that stops the action, for `blocked`, each in words (else empty).
    pub blockers: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub detail: ErrorDetail,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            detail: ErrorDetail {
                code: code.into(),
                message: message.into(),
                field: None,
                fields: Vec::new(),
                blockers: Vec::new(),
            },
            retry_after: None,
        }
    }
}

/// The status and code each application error becomes, shared by both surfaces.
fn classify(error: &AppError) -> (StatusCode, &'static str) {
    match error {
        AppError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
        AppError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
        AppError::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
        AppError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
        AppError::Throttled { .. } => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests"),
        AppError::Busy { .. } => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        AppError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
        AppError::Blocked(_) => (StatusCode::CONFLICT, "blocked"),
        AppError::Store(_) | AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
    }
}

fn public_message(error: &AppError) -> String {
    match error {
        AppError::Store(_) | AppError::Internal(_) => {
            tracing::error!(error = %error, "request failed");
            "Something went wrong on our side; it has been logged".into()
        }
        AppError::NotFound => "Not found".into(),
        AppError::Invalid(invalid) => invalid.0.first().map(|e| e.message.clone()).unwrap_or_default(),
        other => other.to_string(),
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        let (status, code) = classify(&error);
        let mut api = ApiError::new(status, code, public_message(&error));
        match &error {
            AppError::Invalid(invalid) => {
                api.detail.field = invalid.0.first().map(|e| e.field.clone());
                api.detail.fields = invalid
                    .0
                    .iter()
                    .map(|e| FieldProblem {
                        field: e.field.clone(),
                        message: e.message.clone(),
                    })
                    .collect();
            }
            AppError::Blocked(blockers) => api.detail.blockers = blockers.clone(),
            AppError::Throttled { retry_after_secs } | AppError::Busy { retry_after_secs } => {
                api.retry_after = Some(*retry_after_secs)
            }
            _ => {}
        }
        api
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(ErrorBody { error: self.detail })).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(secs) = self.retry_after {
            if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

/// A failure while rendering a page. Field errors never reach here: form handlers re-render the
/// form with them.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub title: String,
    pub message: String,
    /// Seconds for a `Retry-After` header (throttled or busy).
    pub retry_after: Option<u64>,
}

impl PageError {
    pub fn new(status: StatusCode, title: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            title: title.into(),
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "Page not found",
            "If you typed the web address, check it is correct. If you pasted it, check you copied the entire address.",
        )
    }
}

impl From<AppError> for PageError {
    fn from(error: AppError) -> Self {
        let (status, _) = classify(&error);
        match error {
            AppError::NotFound => Self::not_found(),
            AppError::Forbidden => Self::new(
                status,
                "You do not have permission to do this",
                "Ask an administrator of your organisation if you need access.",
            ),
            AppError::Unauthenticated => {
                Self::new(status, "Sign in to continue", "Your session has ended. Sign in again.")
            }
            AppError::Busy { retry_after_secs } => Self {
                retry_after: Some(retry_after_secs),
                ..Self::new(
                    status,
                    "Sorry, the service is busy",
                    format!("Too many people are doing this at once. Try again in {retry_after_secs} seconds."),
                )
            },
            other => {
                let message = public_message(&other);
                Self::new(status, "Sorry, there is a problem with the service", message)
            }
        }
    }
}

/// Left on an error page's response so the session layer can render it again with the signed-in
/// header and navigation (the error itself does not know who is signed in).
#[derive(Debug, Clone)]
pub(crate) struct ErrorPageInfo {
    pub title: String,
    pub message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let body = crate::pages::layout::error_page(&self.title, &self.message, None);
        let mut response = (self.status, body).into_response();
        if let Some(value) = self
            .retry_after
            .and_then(|secs| HeaderValue::from_str(&secs.to_string()).ok())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response.extensions_mut().insert(ErrorPageInfo {
            title: self.title,
            message: self.message,
        });
        response
    }
}

/// A known route with the wrong method.
pub(crate) async fn method_not_allowed_fallback(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "This route does not accept that method",
        )
        .into_response()
    } else {
        PageError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "This page cannot do that",
            "Go back and try again.",
        )
        .into_response()
    }
}

/// Unknown routes: JSON under `/api/`, a page elsewhere.
pub(crate) async fn not_found_fallback(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "No such API route").into_response()
    } else {
        PageError::not_found().into_response()
    }
}
