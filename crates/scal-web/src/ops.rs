//! Operations: liveness, readiness, the signing keys and Prometheus metrics.
//!
//! `/healthz`, `/readyz` and `/.well-known/jwks.json` are public ([`PUBLIC_ROUTES`]). `/metrics` tells anyone who can read it which routes are
//! used and how often, so it is served on the public address only when a bearer token is
//! configured (`metrics_token`), and otherwise only on its own listener (`metrics_bind`, see
//! [`metrics_router`]); where a token is configured, both require it.

use std::sync::Arc;
use std::time::Instant;

use metrics::{Key, Label, Recorder as _, Unit};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::AppState;

/// The routes anyone may use without signing in (the access matrix checks each answers everyone).
pub const PUBLIC_ROUTES: [&str; 3] = ["/healthz", "/readyz", JWKS_PATH];

/// Where the signing keys are published (RFC 8615 well-known location).
pub const JWKS_PATH: &str = "/.well-known/jwks.json";

/// The operations routes of the public address.
pub fn router(metrics_token: Option<&MetricsToken>) -> Router<AppState> {
    let router = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route(JWKS_PATH, get(jwks));
    match metrics_token {
        Some(_) => router.route("/metrics", get(metrics)),
        None => router,
    }
}

/// A secret a scraper presents as `Authorization: Bearer`; never printed.
#[derive(Clone)]
pub struct MetricsToken(String);

impl MetricsToken {
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }
}

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken([redacted])")
    }
}

/// Whether the request presents the configured token (compared in constant time), or none is
/// configured.
fn metrics_allowed(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(MetricsToken(expected)) = &state.settings.metrics_token else {
        return true;
    };
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|presented| scal_app::secrets::same_secret(expected, presented.trim()))
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// The process can serve: the database answers, and it is not shutting down.
async fn readyz(State(state): State<AppState>) -> Response {
    if state.draining() {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down").into_response();
    }
    match state.app.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

/// The public keys that check scal's signatures (certificates, audit checkpoints): the active key
/// and every retired one, so what an old key signed keeps verifying. Cacheable for five minutes:
/// a rotated key appears within that.
async fn jwks(State(state): State<AppState>) -> Response {
    match scal_app::keys::jwks(&state.app).await {
        Ok(jwks) => (
            [
                (header::CONTENT_TYPE, "application/jwk-set+json"),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            serde_json::to_string(&jwks).unwrap_or_default(),
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "cannot read the signing keys");
            (StatusCode::INTERNAL_SERVER_ERROR, "the signing keys cannot be read").into_response()
        }
    }
}

pub(crate) async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !metrics_allowed(&state, &headers) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "a metrics token is required",
        )
            .into_response();
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(&state.app, state.now()).await,
    )
        .into_response()
}

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// How long the assurance figures are reused before they are read again: they cost a few queries
/// per SCAL, and scrapers come every few seconds.
const FIGURES_FOR: std::time::Duration = std::time::Duration::from_secs(60);

const REQUESTS: &str = "scal_http_requests_total";
const DURATION: &str = "scal_http_request_duration_seconds";

static METADATA: metrics::Metadata<'static> = metrics::Metadata::new("scal", metrics::Level::INFO, None);

/// Metrics through the `metrics` crate's Prometheus recorder: request counts and latency per
/// route (the route pattern, not the raw path, so IDs do not explode the label set), the
/// connection pool, and, read from the database when scraped, the outbox, the scheduled jobs and
/// the assurance figures (`scal_app::figures`).
pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    /// The last figures read, and when; whether a read is under way.
    figures: Arc<std::sync::Mutex<FiguresCache>>,
}

#[derive(Default)]
struct FiguresCache {
    read: Option<(Instant, scal_app::figures::Figures)>,
    /// When the last read started, whether it succeeded or not: a failing read is tried again
    /// once a minute, not at every scrape.
    attempted: Option<Instant>,
    reading: bool,
}

/// Marks a background read of the figures as under way until dropped.
struct Reading(Arc<std::sync::Mutex<FiguresCache>>);

impl Drop for Reading {
    fn drop(&mut self) {
        if let Ok(mut cache) = self.0.lock() {
            cache.reading = false;
        }
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(DURATION.into()), &BUCKETS)
            .map_or_else(
                |_| PrometheusBuilder::new().build_recorder(),
                PrometheusBuilder::build_recorder,
            );
        let handle = recorder.handle();
        let described: [(&str, Option<Unit>, &str); 14] = [
            (REQUESTS, None, "HTTP requests by route, method and status."),
            (
                DURATION,
                Some(Unit::Seconds),
                "HTTP request latency by route and method.",
            ),
            (
                "scal_db_connections",
                None,
                "Database connections open, by state (idle, in_use).",
            ),
            (
                "scal_db_max_connections",
                None,
                "The most database connections this instance opens.",
            ),
            (
                "scal_outbox_waiting",
                None,
                "Emails not sent yet that will be tried again.",
            ),
            ("scal_outbox_failed", None, "Emails not sent after every attempt."),
            (
                "scal_job_seconds_since_run",
                Some(Unit::Seconds),
                "Seconds since each scheduled job last ran, on any instance.",
            ),
            (
                "scal_job_last_run_succeeded",
                None,
                "1 when the job's last run succeeded, 0 when it failed.",
            ),
            ("scal_scals", None, "SCALs by status."),
            ("scal_review_rounds", None, "Review rounds by status."),
            (
                "scal_reviews_overdue",
                None,
                "Rounds still with NHS England after their response is due.",
            ),
            (
                "scal_figures_read_seconds",
                Some(Unit::Seconds),
                "How long reading the assurance figures last took.",
            ),
            (
                "scal_figures_age_seconds",
                Some(Unit::Seconds),
                "How old the assurance figures shown are.",
            ),
            (
                "scal_figures_errors_total",
                None,
                "Failed reads of the assurance figures.",
            ),
        ];
        for (name, unit, help) in described {
            if name == REQUESTS || name == "scal_figures_errors_total" {
                recorder.describe_counter(name.into(), unit, help.into());
            } else if name == DURATION {
                recorder.describe_histogram(name.into(), unit, help.into());
            } else {
                recorder.describe_gauge(name.into(), unit, help.into());
            }
        }
        Self {
            recorder,
            handle,
            figures: Arc::default(),
        }
    }
}

impl Metrics {
    fn record(&self, method: &'static str, route: String, status: u16, seconds: f64) {
        let requests = Key::from_parts(
            REQUESTS,
            vec![
                Label::new("method", method),
                Label::new("route", route.clone()),
                Label::new("status", status.to_string()),
            ],
        );
        self.recorder.register_counter(&requests, &METADATA).increment(1);
        let duration = Key::from_parts(DURATION, vec![Label::new("method", method), Label::new("route", route)]);
        self.recorder.register_histogram(&duration, &METADATA).record(seconds);
    }

    fn gauge(&self, name: &'static str, labels: Vec<Label>, value: f64) {
        self.recorder
            .register_gauge(&Key::from_parts(name, labels), &METADATA)
            .set(value);
    }

    /// Sets the gauges read from the pool and (at most once a minute) the database.
    async fn refresh(&self, app: &Arc<scal_app::App>, now: time::OffsetDateTime) {
        let pool = app.store.pool();
        let (open, idle) = (f64::from(pool.size()), pool.num_idle() as f64);
        self.gauge("scal_db_connections", vec![Label::new("state", "idle")], idle);
        self.gauge(
            "scal_db_connections",
            vec![Label::new("state", "in_use")],
            (open - idle).max(0.0),
        );
        self.gauge(
            "scal_db_max_connections",
            vec![],
            f64::from(pool.options().get_max_connections()),
        );

        // The first scrape reads the figures; later ones show what was last read and, once it is
        // a minute old, start a read in the background, so a scrape never waits on it (at
        // national size the read takes a while) and a failing read never fails a scrape.
        let first = self.figures.lock().is_ok_and(|mut c| {
            let first = c.attempted.is_none();
            if first {
                c.attempted = Some(Instant::now());
            }
            first
        });
        if first {
            let figures = read_figures(self.figures_counters(), app, now).await;
            if let (Some(figures), Ok(mut cache)) = (figures, self.figures.lock()) {
                cache.read = Some((Instant::now(), figures));
            }
        } else if let Ok(mut cache) = self.figures.lock() {
            let stale = cache.attempted.is_none_or(|at| at.elapsed() >= FIGURES_FOR);
            if stale && !cache.reading {
                cache.reading = true;
                cache.attempted = Some(Instant::now());
                let (cache, app, counters) = (self.figures.clone(), app.clone(), self.figures_counters());
                tokio::spawn(async move {
                    // Cleared however the read ends, even by a panic, so reads go on.
                    let _reading = Reading(cache.clone());
                    let figures = read_figures(counters, &app, now).await;
                    if let (Some(figures), Ok(mut cache)) = (figures, cache.lock()) {
                        cache.read = Some((Instant::now(), figures));
                    }
                });
            }
        }
        let Ok(cache) = self.figures.lock() else {
            return;
        };
        let Some((at, figures)) = cache.read.as_ref() else {
            return;
        };
        self.gauge("scal_figures_age_seconds", vec![], at.elapsed().as_secs_f64());
        self.gauge("scal_outbox_waiting", vec![], figures.outbox_waiting as f64);
        self.gauge("scal_outbox_failed", vec![], figures.outbox_failed as f64);
        for job in &figures.jobs {
            let label = || vec![Label::new("job", job.name.clone())];
            if let Some(seconds) = job.seconds_since_run {
                // As of now, not as of the read.
                let since = seconds + at.elapsed().as_secs_f64();
                self.gauge("scal_job_seconds_since_run", label(), since);
            }
            if let Some(succeeded) = job.succeeded {
                self.gauge(
                    "scal_job_last_run_succeeded",
                    label(),
                    if succeeded { 1.0 } else { 0.0 },
                );
            }
        }
        for (status, count) in &figures.scals {
            self.gauge("scal_scals", vec![Label::new("status", *status)], *count as f64);
        }
        for (status, count) in &figures.rounds {
            self.gauge(
                "scal_review_rounds",
                vec![Label::new("status", status.clone())],
                *count as f64,
            );
        }
        self.gauge("scal_reviews_overdue", vec![], figures.reviews_overdue as f64);
    }

    /// The error count and the read time of the figures, as handles a background read can keep.
    fn figures_counters(&self) -> (metrics::Counter, metrics::Gauge) {
        (
            self.recorder
                .register_counter(&Key::from_name("scal_figures_errors_total"), &METADATA),
            self.recorder
                .register_gauge(&Key::from_name("scal_figures_read_seconds"), &METADATA),
        )
    }

    /// Prometheus text exposition format 0.0.4.
    pub async fn render(&self, app: &Arc<scal_app::App>, now: time::OffsetDateTime) -> String {
        self.refresh(app, now).await;
        self.handle.render()
    }

    /// Folds the latency samples recorded since the last call into the histogram, so they do not
    /// pile up when nothing scrapes: `serve` calls it every few seconds.
    pub fn upkeep(&self) {
        self.handle.run_upkeep();
    }
}

/// Reads the assurance figures, counting a failure and timing the read.
async fn read_figures(
    (errors, read_seconds): (metrics::Counter, metrics::Gauge),
    app: &scal_app::App,
    now: time::OffsetDateTime,
) -> Option<scal_app::figures::Figures> {
    let started = Instant::now();
    let figures = match scal_app::figures::read(app, now).await {
        Ok(figures) => Some(figures),
        Err(error) => {
            // Shown as their age growing and an error count, never as a failed scrape.
            tracing::warn!(%error, "cannot read the assurance figures");
            errors.increment(1);
            None
        }
    };
    read_seconds.set(started.elapsed().as_secs_f64());
    figures
}

pub async fn record_metrics(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    // Only standard methods become labels, so made-up methods cannot grow the metrics without end.
    let method = match request.method().as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        _ => "OTHER",
    };
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_string();
    let response = next.run(request).await;
    state.metrics.record(
        method,
        route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}
