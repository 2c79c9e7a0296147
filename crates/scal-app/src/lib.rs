//! Application services: the one way into scal's data for the web UI, the JSON API and the CLI.
//!
//! Each service function takes the [`Actor`], asks [`scal_domain::policy::authorize`], parses
//! input with the domain's parsers, and writes through one [`scal_store::Tx`] that also appends the
//! audit entry. Time is passed in (`now`), never read here.
#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod agreements;
pub mod audit;
pub mod auth;
pub mod blocking;
pub mod cases;
pub mod certificate_documents;
pub mod certificates;
pub mod changes;
pub mod demo;
pub mod enquiries;
mod error;
pub mod evidence;
pub mod figures;
pub mod golive;
pub mod jobs;
pub mod keys;
pub mod local_assurance;
pub mod notifications;
pub mod ods;
pub mod organisations;
pub mod passwords;
pub mod products;
pub mod progress;
pub mod review;
pub mod scals;
pub mod secrets;
pub mod services;
pub mod shares;
pub mod submissions;
pub mod templates;
pub mod testing;
pub mod threads;
pub mod tokens;
pub mod uplift;
pub mod use_policies;
pub mod users;

use scal_store::{NewAuditEntry, Store};
use time::OffsetDateTime;

pub use error::{AppError, Result};
pub use scal_domain::policy::Actor;

/// Tunables of the application layer (not of HTTP).
#[derive(Debug, Clone)]
pub struct AppSettings {
    pub session_ttl: time::Duration,
    /// Failed sign-ins allowed per account and address, per address and per account (see
    /// `scal_domain::signin`).
    pub throttle: scal_domain::signin::Limits,
    /// An address the account signed in from within this long is the owner's own machine: the
    /// per-account limit does not apply to it.
    pub known_address_ttl: time::Duration,
    /// Where files (evidence) are kept, under `evidence/`.
    pub data_dir: std::path::PathBuf,
    /// Largest evidence file accepted.
    pub max_evidence_bytes: usize,
    /// Most evidence an organisation may keep, counting each distinct file once.
    pub evidence_quota_bytes: u64,
    /// The ODS ORD API's base URL (`https://directory.spineservices.nhs.uk/ORD/2-0-0`); lookups
    /// are off when `None`.
    pub ods_base_url: Option<String>,
    /// Where the email outbox is sent (`smtps://user:password@host`, `smtp://host:25` for a local
    /// relay without TLS); sending is off when `None`.
    pub smtp_url: Option<crate::notifications::SmtpUrl>,
    /// The From address of outgoing email.
    pub smtp_from: String,
    /// Workbooks parsed at once (each can take tens of MB); beyond it, callers queue briefly.
    pub workbook_parsers: usize,
    /// Password hashes computed at once (each takes 19 MiB); beyond it, callers queue briefly.
    pub password_hashers: usize,
    /// How long heavy work waits for a free slot before it is refused as busy (503).
    pub busy_queue_wait: std::time::Duration,
    /// Where users reach this installation (`https://scal.example.nhs.uk`), for links in emails.
    pub public_url: String,
    /// How long a password-reset link works.
    pub password_reset_ttl: time::Duration,
    /// Working days NHS England has to respond to a submitted round.
    pub review_response_days: u32,
    /// Days besides weekends that are not working days (the bundled England and Wales list
    /// unless the operator gives their own).
    pub bank_holidays: scal_domain::review::BankHolidays,
}

impl Default for AppSettings {
    fn default() -> Self {
        Self {
            session_ttl: time::Duration::hours(12),
            throttle: scal_domain::signin::Limits::default(),
            known_address_ttl: time::Duration::days(30),
            data_dir: std::path::PathBuf::from("scal-data"),
            max_evidence_bytes: 25 * 1024 * 1024,
            evidence_quota_bytes: 5 * 1024 * 1024 * 1024,
            ods_base_url: None,
            smtp_url: None,
            smtp_from: "scal <noreply@scal.invalid>".into(),
            workbook_parsers: 2,
            password_hashers: blocking::default_permits(),
            busy_queue_wait: std::time::Duration::from_secs(5),
            public_url: "http://127.0.0.1:8080".into(),
            password_reset_ttl: time::Duration::hours(1),
            review_response_days: scal_domain::review::DEFAULT_RESPONSE_DAYS,
            bank_holidays: scal_domain::review::BankHolidays::bundled(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct App {
    pub store: Store,
    pub settings: AppSettings,
    /// Evidence files' bytes.
    pub files: std::sync::Arc<dyn scal_store::files::FileStore>,
    /// Published template versions' sheets, parsed once: published versions never change, and every
    /// view of a SCAL and every saved answer reads them.
    pub(crate) published: PublishedContent,
    /// Recent answers of the ODS directory.
    pub(crate) ods_answers: ods::OdsAnswers,
    /// Limits on heavy synchronous work, shared by every request of this process.
    pub gates: Gates,
    /// The signing keys (kept outside the database): `<data_dir>/keys/` unless the binary gives
    /// keys from the settings.
    pub keys: keys::KeyRing,
}

/// One [`blocking::Gate`] per kind of heavy work.
#[derive(Debug, Clone)]
pub struct Gates {
    pub workbook: blocking::Gate,
    pub password: blocking::Gate,
}

impl Gates {
    fn new(settings: &AppSettings) -> Self {
        Self {
            workbook: blocking::Gate::new("workbook parsing", settings.workbook_parsers, settings.busy_queue_wait),
            password: blocking::Gate::new("password hashing", settings.password_hashers, settings.busy_queue_wait),
        }
    }
}

/// Parsed sheets of published template versions, by version ID.
#[derive(Debug, Clone, Default)]
pub(crate) struct PublishedContent(
    std::sync::Arc<
        std::sync::RwLock<std::collections::HashMap<String, std::sync::Arc<Vec<scal_domain::template::TemplateSheet>>>>,
    >,
);

impl PublishedContent {
    /// The sheets of a published version, from the cache or the database.
    pub(crate) async fn get(
        &self,
        conn: &mut scal_store::Conn,
        version_id: &str,
    ) -> Result<std::sync::Arc<Vec<scal_domain::template::TemplateSheet>>> {
        if let Some(hit) = self.0.read().ok().and_then(|cache| cache.get(version_id).cloned()) {
            return Ok(hit);
        }
        let content = std::sync::Arc::new(scal_store::records::templates::content(&mut *conn, version_id).await?);
        if let Ok(mut cache) = self.0.write() {
            cache.insert(version_id.to_string(), content.clone());
        }
        Ok(content)
    }
}

impl App {
    /// Files go under `settings.data_dir`.
    pub fn new(store: Store, settings: AppSettings) -> Self {
        let files = std::sync::Arc::new(scal_store::files::DirectoryStore::new(
            settings.data_dir.join("evidence"),
        ));
        Self {
            keys: keys::KeyRing::directory(settings.data_dir.join("keys")),
            gates: Gates::new(&settings),
            store,
            settings,
            files,
            published: PublishedContent::default(),
            ods_answers: ods::OdsAnswers::default(),
        }
    }
}

/// Microseconds since the Unix epoch, the unit every stored time uses.
pub fn micros(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

pub fn from_micros(micros: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// A date as scal stores it (ISO 8601, `2026-12-01`); anything else reads as none.
pub(crate) fn stored_date(raw: &str) -> Option<time::Date> {
    time::Date::parse(raw, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

/// IDs are UUIDs; anything else cannot name a record, so it is simply not found (and never reaches
/// the database, which may refuse odd bytes such as NUL).
pub(crate) fn known_id(id: &str) -> Result<&str> {
    uuid::Uuid::parse_str(id).map(|_| id).map_err(|_| AppError::NotFound)
}

pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The audit entry for a change made by `actor`.
pub(crate) fn audit_entry(
    actor: &Actor,
    now: OffsetDateTime,
    kind: &str,
    org_id: Option<&str>,
    entity_id: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> NewAuditEntry {
    NewAuditEntry {
        at: micros(now),
        actor_user_id: actor.user_id().map(str::to_string),
        actor_label: actor.label().to_string(),
        org_id: org_id.map(str::to_string),
        kind: kind.to_string(),
        entity_id: entity_id.to_string(),
        before,
        after,
    }
}

/// A unique-constraint refusal as a field error: someone created the same thing between our check
/// and our insert.
pub(crate) fn unique_violation(error: scal_store::StoreError, field: &str, message: &str) -> AppError {
    if error.is_unique_violation() {
        AppError::invalid(field, message)
    } else {
        AppError::Store(error)
    }
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Option<serde_json::Value> {
    serde_json::to_value(value).ok()
}
