//! Extractors whose rejections speak our error shapes instead of axum's plain text.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::ApiError;

/// `Json<T>` for the API. Every body field is optional at the serde level so that missing fields
/// are reported by the domain parsers, which name the field.
///
/// Every body the API takes is a JSON object: serde would read a struct from an array too (its
/// fields by position), so `["x"]` would be taken as `{"name": "x"}`. Anything but an object is
/// refused as the wrong shape (422), as the document says.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let value = match axum::Json::<serde_json::Value>::from_request(req, state).await {
            Ok(axum::Json(value)) => value,
            Err(rejection) => return Err(json_rejection(rejection)),
        };
        object(value).map(Self)
    }
}

/// Reads a request body's JSON value as `T`, which must come from a JSON object (422 otherwise).
// `ApiError` is what every API handler returns by value; boxing it here alone would gain nothing.
#[allow(clippy::result_large_err)]
pub fn object<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    let shape = |detail: String| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            format!("The body does not match the expected shape: {detail}"),
        )
    };
    if !value.is_object() {
        return Err(shape("send a JSON object".into()));
    }
    serde_json::from_value(value).map_err(|e| shape(e.to_string()))
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    let status = rejection.status();
    let (code, message) = match &rejection {
        JsonRejection::MissingJsonContentType(_) => (
            "unsupported_media_type",
            "Send the body as JSON with Content-Type: application/json".to_string(),
        ),
        JsonRejection::JsonDataError(e) => (
            "invalid",
            format!("The body does not match the expected shape: {}", e.body_text()),
        ),
        JsonRejection::JsonSyntaxError(e) => ("bad_request", format!("The body is not valid JSON: {}", e.body_text())),
        _ if status == StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "The body is too large".to_string()),
        other => ("bad_request", other.body_text()),
    };
    ApiError::new(status, code, message)
}

pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Self(q.0))
            .map_err(|e: QueryRejection| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.body_text()))
    }
}

/// `Form<T>` for pages: a body that does not fit gets an error page, not axum's plain text.
pub struct PageForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for PageForm<T> {
    type Rejection = crate::PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Form::<T>::from_request(req, state)
            .await
            .map(|f| Self(f.0))
            .map_err(|e| crate::PageError::new(e.status(), "The form could not be read", "Go back and try again."))
    }
}

/// `Query<T>` for pages: a malformed query string gets an error page.
pub struct PageQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for PageQuery<T> {
    type Rejection = crate::PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Self(q.0))
            .map_err(|e| crate::PageError::new(StatusCode::BAD_REQUEST, "The address is not valid", e.body_text()))
    }
}
