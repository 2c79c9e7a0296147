//! Server-rendered pages. Every form posts back to the same URL; success redirects (303), a
//! problem re-renders the form with an error summary and field errors (422).

mod account;
mod agreements;
mod audit;
mod certificates;
mod changes;
mod dashboard;
mod enquiries;
mod evidence;
pub mod layout;
mod local_assurance;
mod offline_review;
mod onboarding;
mod organisations;
mod password;
mod products;
mod review;
mod scals;
mod services;
mod shares;
mod submissions;
mod templates;
mod testing;
mod threads;
mod tokens;
mod uplift;

use axum::handler::Handler;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::Markup;
use scal_app::AppError;
use scal_domain::FieldError;

use crate::{AppState, PageError};

/// Routes that anyone may use without signing in.
/// A password-reset link's page needs none: the link's secret is the credential.
pub const PUBLIC_ROUTES: [&str; 3] = ["/login", "/password-reset/{secret}", "/static/{file}"];

/// The page router and the list of `(method, path)` it serves, built together so the list cannot
/// drift from the router (the access-matrix test reads the list).
struct Table {
    router: Router<AppState>,
    routes: Vec<(&'static str, &'static str)>,
}

impl Table {
    fn get<H: Handler<T, AppState>, T: 'static>(mut self, path: &'static str, handler: H) -> Self {
        self.routes.push(("GET", path));
        self.router = self.router.route(path, get(handler));
        self
    }

    /// A POST taking an upload, with its own body limit.
    fn upload<H: Handler<T, AppState>, T: 'static>(mut self, path: &'static str, handler: H, limit: usize) -> Self {
        self.routes.push(("POST", path));
        self.router = self
            .router
            .route(path, post(handler).layer(axum::extract::DefaultBodyLimit::max(limit)));
        self
    }

    fn post<H: Handler<T, AppState>, T: 'static>(mut self, path: &'static str, handler: H) -> Self {
        self.routes.push(("POST", path));
        self.router = self.router.route(path, post(handler));
        self
    }
}

/// Upload limits: workbooks, and evidence files (with room for the multipart framing, so a file just
/// over the evidence limit reaches the service and gets a field error rather than a bare 413).
#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    pub workbook_bytes: usize,
    pub evidence_bytes: usize,
}

impl UploadLimits {
    fn evidence_body(self) -> usize {
        self.evidence_bytes.saturating_add(1024 * 1024)
    }
}

impl Default for UploadLimits {
    fn default() -> Self {
        Self {
            workbook_bytes: crate::WebSettings::default().max_upload_bytes,
            evidence_bytes: scal_app::AppSettings::default().max_evidence_bytes,
        }
    }
}

fn table(limits: UploadLimits) -> Table {
    let max_upload_bytes = limits.workbook_bytes;
    Table {
        router: Router::new(),
        routes: Vec::new(),
    }
    .get("/", dashboard::show)
    .get("/login", account::login_form)
    .post("/login", account::login)
    .post("/logout", account::logout)
    .get("/account", password::account)
    .get("/account/password", password::change_form)
    .post("/account/password", password::change)
    .get("/password-reset/{secret}", password::reset_form)
    .post("/password-reset/{secret}", password::reset)
    .get("/organisations", organisations::list)
    .post("/organisations", organisations::create)
    .get("/organisations/new", organisations::new_form)
    .get("/organisations/{id}", organisations::show)
    .get("/organisations/{id}/edit", organisations::edit_form)
    .post("/organisations/{id}/edit", organisations::edit)
    .post("/organisations/{id}/users", organisations::create_user)
    .get("/organisations/{id}/users/new", organisations::new_user_form)
    .get("/users/{id}", organisations::show_user)
    .get("/users/{id}/edit", organisations::edit_user_form)
    .post("/users/{id}/edit", organisations::edit_user)
    .post("/users/{id}/password-reset", password::send_reset)
    .get("/products", products::list)
    .post("/products", products::create)
    .get("/products/new", products::new_form)
    .get("/products/{id}", products::show)
    .get("/products/{id}/edit", products::edit_form)
    .post("/products/{id}/edit", products::edit)
    .get("/services", services::list)
    .post("/services", services::create)
    .get("/services/new", services::new_form)
    .get("/services/{code}/edit", services::edit_form)
    .post("/services/{code}/edit", services::edit)
    .get("/services/{code}/reviewers", services::reviewers)
    .post("/services/{code}/reviewers", services::assign_reviewer)
    .post(
        "/services/{code}/reviewers/{user_id}/remove",
        services::unassign_reviewer,
    )
    .get("/tokens", tokens::list)
    .post("/tokens", tokens::create)
    .post("/tokens/{id}/revoke", tokens::revoke)
    .get("/audit", audit::list)
    .get("/templates", templates::list)
    .upload("/templates", templates::upload, max_upload_bytes)
    .get("/templates/{id}", templates::show)
    .get("/templates/{id}/versions/{version}", templates::show_version)
    .get("/templates/{id}/versions/{version}/publish", templates::publish_form)
    .post("/templates/{id}/versions/{version}/publish", templates::publish)
    .get("/templates/{id}/diff", templates::show_diff)
    .get("/templates/{id}/versions/{version}/export", templates::export_version)
    .get("/products/{id}/workbook", scals::workbook)
    .post("/products/{id}/scal/issue", scals::issue)
    .upload("/products/{id}/answers", scals::upload_answers, max_upload_bytes)
    .get("/enquiries", enquiries::list)
    .post("/enquiries", enquiries::create)
    .get("/enquiries/new", enquiries::new_form)
    .get("/enquiries/{id}", enquiries::show)
    .get("/enquiries/{id}/sent", enquiries::sent)
    .post("/enquiries/{id}/issue", enquiries::issue)
    .post("/enquiries/{id}/question", enquiries::ask)
    .post("/enquiries/{id}/decline", enquiries::decline)
    .post("/enquiries/{id}/answer", enquiries::answer)
    .get("/scals/{id}", onboarding::show)
    .post("/scals/{id}/information/confirm", onboarding::confirm_information)
    .post("/scals/{id}/cases/{code}/use-case", onboarding::set_use_case)
    .get("/scals/{id}/sheets/{sheet_id}", onboarding::sheet)
    .get(
        "/scals/{id}/sheets/{sheet_id}/requirements/{requirement_id}",
        onboarding::requirement,
    )
    .post(
        "/scals/{id}/sheets/{sheet_id}/requirements/{requirement_id}",
        onboarding::save_answer,
    )
    .get("/scals/{id}/submit", onboarding::check_answers)
    .get("/scals/{id}/submitted", onboarding::submitted)
    .post("/scals/{id}/submit", onboarding::submit)
    .get("/scals/{id}/evidence", evidence::list)
    .upload("/scals/{id}/evidence", evidence::upload, limits.evidence_body())
    .post("/scals/{id}/evidence/link", evidence::link)
    .post("/scals/{id}/evidence/unlink", evidence::unlink)
    .get("/scals/{id}/evidence/{evidence_id}/delete", evidence::confirm_delete)
    .post("/scals/{id}/evidence/{evidence_id}/delete", evidence::delete)
    .get("/evidence/{id}", evidence::download)
    .get("/scals/{id}/threads", threads::list)
    .post("/scals/{id}/threads", threads::open)
    .get("/scals/{id}/threads/new", threads::new_form)
    .post("/scals/{id}/notes", threads::add_note)
    .get("/threads/{id}", threads::show)
    .post("/threads/{id}/messages", threads::reply)
    .post("/threads/{id}/resolve", threads::resolve)
    .get("/scals/{id}/certificates", certificates::list)
    .post("/scals/{id}/certificates", certificates::issue)
    .get("/certificates/{id}", certificates::show)
    .get("/certificates/{id}/certificate.pdf", certificates::pdf)
    .post("/certificates/{id}/revoke", certificates::revoke)
    .post("/conditions/{id}/met", certificates::condition_met)
    .post("/conditions/{id}/confirm", certificates::condition_confirm)
    .get("/verify/{id}", certificates::verify)
    .get("/agreement-versions", agreements::versions)
    .post("/agreement-versions", agreements::publish_version)
    .post(
        "/agreement-versions/{id}/request-acceptance",
        agreements::request_acceptance,
    )
    .get("/scals/{id}/agreements", agreements::list)
    .post("/scals/{id}/agreements", agreements::prepare)
    .post("/scals/{id}/go-live", agreements::approve_go_live)
    .get("/agreements/{id}", agreements::show)
    .post("/agreements/{id}/accept", agreements::accept)
    .post("/agreements/{id}/signatory", agreements::change_signatory)
    .post("/agreements/{id}/withdraw", agreements::withdraw)
    .get("/agreements/{id}/seal", agreements::seal)
    .get("/scals/{id}/testing", testing::show)
    .get("/scals/{id}/testing/{service}/{test_case}", testing::question)
    .post("/scals/{id}/testing/{service}/{test_case}", testing::record)
    .get("/submissions", submissions::list)
    .get("/submissions/{id}", submissions::show)
    .post("/submissions/{id}/return", review::return_for_changes)
    .get("/submissions/{id}/items", review::items)
    .get("/submissions/{id}/items/{n}", review::item)
    .post("/submissions/{id}/items/{n}", review::save_item)
    .get("/submissions/{id}/decide", review::decide)
    .post("/submissions/{id}/accept", review::accept)
    .get("/submissions/{id}/withdraw", review::confirm_withdraw)
    .post("/submissions/{id}/withdraw", review::withdraw)
    .get("/submissions/{id}/changes", changes::show)
    .post("/submissions/{id}/reviewer", submissions::assign_reviewer)
    .get("/submissions/{id}/offline", offline_review::show)
    .get("/submissions/{id}/review.xlsx", offline_review::download)
    .upload(
        "/submissions/{id}/review-workbook",
        offline_review::upload,
        max_upload_bytes,
    )
    .get("/templates/{id}/impact", uplift::impact)
    .post("/templates/{id}/uplifts", uplift::uplift)
    .get("/scals/{id}/product-change", uplift::change_form)
    .post("/scals/{id}/product-change", uplift::declare_change)
    .post("/scals/{id}/confirmations", uplift::confirm)
    .get("/shares", shares::list)
    .get("/products/{id}/shares", shares::product_shares)
    .get("/products/{id}/shares/new", shares::new_share)
    .post("/products/{id}/shares/new", shares::create)
    .get("/products/{id}/use-policy", shares::policy)
    .post("/products/{id}/use-policy", shares::publish_policy)
    .get("/shares/{id}", shares::show)
    .post("/shares/{id}/files", shares::set_files)
    .get("/shares/{id}/files/{evidence_id}", shares::file)
    .get("/shares/{id}/revoke", shares::revoke_form)
    .post("/shares/{id}/revoke", shares::revoke)
    .get("/shares/{id}/scal", shares::scal)
    .get("/shares/{id}/workbook", shares::workbook)
    .get("/shares/{id}/use-policy", shares::share_policy)
    .post("/shares/{id}/use-policy", shares::acknowledge)
    .get("/shares/{id}/local-assurance", local_assurance::show)
    .get(
        "/shares/{id}/local-assurance/safety-officer",
        local_assurance::officer_form,
    )
    .post(
        "/shares/{id}/local-assurance/safety-officer",
        local_assurance::save_officer,
    )
    .get("/shares/{id}/local-assurance/files/{which}", local_assurance::file_form)
    .upload(
        "/shares/{id}/local-assurance/files/{which}",
        local_assurance::upload,
        limits.evidence_body(),
    )
    .get(
        "/shares/{id}/local-assurance/files/{which}/file",
        local_assurance::download,
    )
    .get(
        "/shares/{id}/local-assurance/local-controls",
        local_assurance::controls_form,
    )
    .post(
        "/shares/{id}/local-assurance/local-controls",
        local_assurance::save_controls,
    )
    .get("/shares/{id}/local-assurance/decision", local_assurance::decision_form)
    .post("/shares/{id}/local-assurance/decision", local_assurance::decide)
    .get("/shares/{id}/local-assurance/go-live", local_assurance::go_live_form)
    .post("/shares/{id}/local-assurance/go-live", local_assurance::save_go_live)
    .get("/notifications", submissions::notifications)
    .post("/notifications/read", submissions::mark_read)
    .get("/notifications/{id}", submissions::open_notification)
    .get("/static/{file}", crate::assets::serve)
}

pub fn router(limits: UploadLimits) -> Router<AppState> {
    table(limits).router
}

/// Every `(method, path)` the pages serve.
pub fn routes() -> Vec<(&'static str, &'static str)> {
    table(UploadLimits::default()).routes
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

/// An upload's body as multipart fields. Handlers call this only after authorising the caller, so
/// nothing is read for someone who may not upload.
pub(crate) async fn read_upload(
    request: axum::extract::Request,
    state: &AppState,
) -> Result<axum::extract::Multipart, PageError> {
    <axum::extract::Multipart as axum::extract::FromRequest<AppState>>::from_request(request, state)
        .await
        .map_err(|e| PageError::new(e.status(), "The upload could not be read", e.body_text()))
}

pub(crate) fn unreadable_upload(e: axum::extract::multipart::MultipartError) -> PageError {
    PageError::new(e.status(), "The upload could not be read", e.body_text())
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

/// A 303 to `to` after an action, with the success banner `notice` shown there.
pub(crate) fn done(state: &AppState, to: &str, notice: crate::notice::Notice) -> Response {
    crate::notice::see_other_with(state.settings.cookie_secure, to, notice)
}

/// HTML checkboxes send nothing when unticked.
pub(crate) fn ticked(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|v| v == "true" || v == "on")
}
