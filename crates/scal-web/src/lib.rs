//! HTTP for scal: server-rendered pages (`pages`) and the JSON API (`api`), both thin layers over
//! the same application services in `scal_app`.
//!
//! **Invariant:** handlers never touch the store directly and never decide access themselves; they
//! read input, call one `scal_app` service with the actor, and render its result or error.
#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod api;
pub mod assets;
pub mod client;
mod error;
mod extract;
pub mod notice;
pub mod ops;
pub mod pages;
mod session;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use scal_app::App;
use time::OffsetDateTime;

pub use error::{ApiError, PageError};
pub use ops::{Metrics, MetricsToken};

/// Where handlers get "now". Tests substitute a clock they can move.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;
}

#[derive(Debug, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that only moves when told to.
#[derive(Debug)]
pub struct ManualClock(std::sync::Mutex<OffsetDateTime>);

impl ManualClock {
    pub fn new(at: OffsetDateTime) -> Self {
        Self(std::sync::Mutex::new(at))
    }

    pub fn advance(&self, by: time::Duration) {
        if let Ok(mut now) = self.0.lock() {
            *now += by;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        self.0.lock().map(|now| *now).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Mark cookies `Secure` (set when served over HTTPS, directly or behind a proxy).
    pub cookie_secure: bool,
    /// Largest request body accepted, in bytes; larger gets 413.
    pub max_body_bytes: usize,
    pub request_timeout: Duration,
    /// Largest uploaded workbook, in bytes.
    pub max_upload_bytes: usize,
    /// Largest total uncompressed size of an uploaded .xlsx (zip-bomb guard).
    pub max_workbook_uncompressed_bytes: u64,
    /// Proxies whose `X-Forwarded-For` is believed (see `client`); empty: none.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The bearer token `/metrics` requires. Without it `/metrics` is not served on the public
    /// router at all, only by [`metrics_router`] on its own address.
    pub metrics_token: Option<MetricsToken>,
}

impl Default for WebSettings {
    fn default() -> Self {
        Self {
            cookie_secure: false,
            max_body_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            max_upload_bytes: 25 * 1024 * 1024,
            max_workbook_uncompressed_bytes: 100 * 1024 * 1024,
            trusted_proxies: Vec::new(),
            metrics_token: None,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub app: Arc<App>,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<WebSettings>,
    pub metrics: Arc<Metrics>,
    /// Set once the instance is shutting down: `/readyz` answers 503 while requests still flow.
    draining: Arc<std::sync::atomic::AtomicBool>,
}

impl AppState {
    pub fn new(app: App, clock: Arc<dyn Clock>, settings: WebSettings) -> Self {
        Self {
            app: Arc::new(app),
            clock,
            settings: Arc::new(settings),
            metrics: Arc::new(Metrics::default()),
            draining: Arc::default(),
        }
    }

    /// From now on `/readyz` answers 503 (the instance is about to stop); everything else is served.
    pub fn start_draining(&self) {
        self.draining.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn draining(&self) -> bool {
        self.draining.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// Caps on uploaded workbooks.
    pub fn upload_limits(&self) -> scal_workbook::Limits {
        scal_workbook::Limits {
            max_uncompressed_bytes: self.settings.max_workbook_uncompressed_bytes,
            ..scal_workbook::Limits::default()
        }
    }
}

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    let max_body = state.settings.max_body_bytes;
    let limits = pages::UploadLimits {
        workbook_bytes: state.settings.max_upload_bytes,
        evidence_bytes: state.app.settings.max_evidence_bytes,
    };
    let (api_router, _) = api::router_with(limits).split_for_parts();
    let secure = state.settings.cookie_secure;
    let router = Router::new()
        .merge(pages::router(limits))
        .merge(api_router)
        .merge(ops::router(state.settings.metrics_token.as_ref()))
        .fallback(error::not_found_fallback)
        .method_not_allowed_fallback(error::method_not_allowed_fallback)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::resolve_session,
        ))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            state.settings.request_timeout,
        ))
        // Outside the timeout, so a request that timed out is counted, as the 408 it got.
        .layer(axum::middleware::from_fn_with_state(state.clone(), ops::record_metrics))
        .layer(
            tower_http::trace::TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
                let route = request
                    .extensions()
                    .get::<axum::extract::MatchedPath>()
                    .map_or("unmatched", axum::extract::MatchedPath::as_str);
                tracing::info_span!("request", method = %request.method(), route)
            }),
        )
        .layer(tower_http::set_header::SetResponseHeaderLayer::if_not_present(
            axum::http::header::X_CONTENT_TYPE_OPTIONS,
            axum::http::HeaderValue::from_static("nosniff"),
        ))
        // Pages and API answers are per-user and may hold one-time secrets: never cache them
        // (static assets set their own policy).
        .layer(tower_http::set_header::SetResponseHeaderLayer::if_not_present(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        ))
        .layer(tower_http::set_header::SetResponseHeaderLayer::if_not_present(
            axum::http::header::X_FRAME_OPTIONS,
            axum::http::HeaderValue::from_static("DENY"),
        ))
        .layer(tower_http::set_header::SetResponseHeaderLayer::if_not_present(
            axum::http::header::REFERRER_POLICY,
            axum::http::HeaderValue::from_static("same-origin"),
        ))
        // No inline script or style anywhere (pages serve neither), so an injected one cannot run.
        // Fonts come from the NHS's own CDN, as nhsuk-frontend's stylesheet asks.
        .layer(tower_http::set_header::SetResponseHeaderLayer::if_not_present(
            axum::http::header::CONTENT_SECURITY_POLICY,
            axum::http::HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(compression());
    // HSTS only when cookies are Secure, i.e. scal is served over HTTPS: sent over plain HTTP it
    // would be ignored at best, and at worst lock a test host out of HTTP.
    let router = if secure {
        router.layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
            axum::http::header::STRICT_TRANSPORT_SECURITY,
            axum::http::HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        ))
    } else {
        router
    };
    router.with_state(state)
}

/// Responses compressed with brotli or gzip when the client accepts them (tower-http's default
/// predicate: not tiny bodies, not images, not event streams), except downloads: a file is sent
/// as stored, byte for byte with its length, and workbooks and most evidence are zip or PDF
/// already, so compressing them again would only cost time.
fn compression() -> tower_http::compression::CompressionLayer<impl tower_http::compression::Predicate> {
    use tower_http::compression::predicate::{DefaultPredicate, Predicate};
    let not_a_download =
        |_: axum::http::StatusCode,
         _: axum::http::Version,
         headers: &axum::http::HeaderMap,
         _: &axum::http::Extensions| { !headers.contains_key(axum::http::header::CONTENT_DISPOSITION) };
    tower_http::compression::CompressionLayer::new().compress_when(DefaultPredicate::new().and(not_a_download))
}

/// The Content-Security-Policy of every response.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; font-src 'self' https://assets.nhs.uk; \
     frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";

/// The metrics listener's whole surface (`metrics_bind`): `/metrics`, requiring the token when one
/// is configured, and 404 for anything else.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", axum::routing::get(ops::metrics))
        .fallback(|| async { axum::http::StatusCode::NOT_FOUND })
        .layer(tower_http::set_header::SetResponseHeaderLayer::if_not_present(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        ))
        .with_state(state)
}

/// A workbook as a download.
pub(crate) fn xlsx_download(workbook: scal_app::templates::ExportedWorkbook) -> axum::response::Response {
    file_download(
        &workbook.file_name,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        workbook.bytes,
    )
}

/// A file to save. `file_name` must already be safe (no quotes or control characters).
pub(crate) fn file_download(file_name: &str, content_type: &str, bytes: Vec<u8>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let disposition = format!("attachment; filename=\"{file_name}\"");
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_string()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

/// The OpenAPI document, as served at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = api::router().split_for_parts().1;
    api::document_request_errors(&mut doc);
    api::document_response_fields(&mut doc);
    doc
}
