//! Server-rendered pages. Every form posts back to the same URL; success redirects (303), a
//! problem re-renders the form with an error summary and field errors (422).

mod account;
mod audit;
mod dashboard;
pub mod layout;
mod organisations;
mod products;
mod services;
mod tokens;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::Markup;
use scal_app::AppError;
use scal_domain::FieldError;

use crate::{AppState, PageError};

pub fn router(_state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard::show))
        .route("/login", get(account::login_form).post(account::login))
        .route("/logout", post(account::logout))
        .route(
            "/organisations",
            get(organisations::list).post(organisations::create),
        )
        .route("/organisations/new", get(organisations::new_form))
        .route("/organisations/{id}", get(organisations::show))
        .route(
            "/organisations/{id}/edit",
            get(organisations::edit_form).post(organisations::edit),
        )
        .route(
            "/organisations/{id}/users",
            post(organisations::create_user),
        )
        .route(
            "/organisations/{id}/users/new",
            get(organisations::new_user_form),
        )
        .route("/users/{id}", get(organisations::show_user))
        .route(
            "/users/{id}/edit",
            get(organisations::edit_user_form).post(organisations::edit_user),
        )
        .route("/products", get(products::list).post(products::create))
        .route("/products/new", get(products::new_form))
        .route("/products/{id}", get(products::show))
        .route(
            "/products/{id}/edit",
            get(products::edit_form).post(products::edit),
        )
        .route("/services", get(services::list).post(services::create))
        .route("/services/new", get(services::new_form))
        .route(
            "/services/{code}/edit",
            get(services::edit_form).post(services::edit),
        )
        .route("/tokens", get(tokens::list).post(tokens::create))
        .route("/tokens/{id}/revoke", post(tokens::revoke))
        .route("/audit", get(audit::list))
        .route("/static/nhsuk.css", get(nhsuk_css))
        .route("/static/scal.css", get(scal_css))
}

async fn nhsuk_css() -> Response {
    css(include_str!("../../assets/nhsuk.min.css"))
}

async fn scal_css() -> Response {
    css(include_str!("../../assets/scal.css"))
}

fn css(body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// The outcome of a form post: field errors re-render the form, anything else is a page error.
pub(crate) enum FormOutcome {
    Errors(Vec<FieldError>),
    Failed(PageError),
}

impl From<AppError> for FormOutcome {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Invalid(invalid) => Self::Errors(invalid.0),
            other => Self::Failed(other.into()),
        }
    }
}

/// 422 when the form has errors, 200 otherwise.
pub(crate) fn form_page(markup: Markup, errors: &[FieldError]) -> Response {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (status, markup).into_response()
}

pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// HTML checkboxes send nothing when unticked.
pub(crate) fn ticked(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|v| v == "true" || v == "on")
}
