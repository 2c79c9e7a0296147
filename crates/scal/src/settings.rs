//! Settings: command-line flags beat `SCAL_*` environment variables (and `DATABASE_URL`), which
//! beat `scal.toml`, which beats the defaults.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// A value that must never reach a log or an error message, like a database URL with a password.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Self(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// What `scal.toml` may hold; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<Secret>,
    pub bind: Option<SocketAddr>,
    pub log_format: Option<LogFormat>,
    pub cookie_secure: Option<bool>,
    pub max_body_bytes: Option<usize>,
    pub max_connections: Option<u32>,
    pub max_upload_bytes: Option<usize>,
    pub max_workbook_bytes: Option<u64>,
    pub max_evidence_bytes: Option<usize>,
    pub evidence_quota_bytes: Option<u64>,
    pub ods_base_url: Option<String>,
    pub file_store_url: Option<String>,
    pub smtp_url: Option<Secret>,
    pub smtp_from: Option<String>,
    /// Proxies whose `X-Forwarded-For` is believed: addresses or networks.
    pub trusted_proxies: Option<Vec<String>>,
    pub public_url: Option<String>,
    pub password_reset_minutes: Option<i64>,
    /// Working days NHS England has to respond to a submitted round (default 5).
    pub review_response_days: Option<u32>,
    /// A file of bank holidays (one `YYYY-MM-DD` a line, `#` comments) replacing the bundled
    /// England and Wales list.
    pub bank_holidays_file: Option<std::path::PathBuf>,
    pub header_read_timeout_secs: Option<u64>,
    pub idle_timeout_secs: Option<u64>,
    pub drain_secs: Option<u64>,
    pub max_client_connections: Option<usize>,
    pub metrics_bind: Option<SocketAddr>,
    pub metrics_token: Option<Secret>,
    /// Signing keys as 64-hex-digit seeds, the first active and the rest retired (still
    /// published); instead of the key files under `<data_dir>/keys/`.
    pub signing_keys: Option<Vec<Secret>>,
}

impl FileSettings {
    /// Reads `path` when given (it must exist), else `./scal.toml` when present.
    pub fn load(path: Option<&Path>) -> Result<Self, String> {
        let (path, required) = match path {
            Some(path) => (path.to_path_buf(), true),
            None => (PathBuf::from("scal.toml"), false),
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub database_url: Secret,
    pub bind: SocketAddr,
    pub log_format: LogFormat,
    pub cookie_secure: bool,
    pub max_body_bytes: usize,
    pub max_connections: u32,
    /// Largest uploaded workbook.
    pub max_upload_bytes: usize,
    /// Largest total uncompressed size of an .xlsx (zip-bomb guard).
    pub max_workbook_bytes: u64,
    /// Largest evidence file.
    pub max_evidence_bytes: usize,
    /// Most evidence one organisation may keep.
    pub evidence_quota_bytes: u64,
    /// The ODS ORD API for live lookups; off when `None`.
    pub ods_base_url: Option<String>,
    /// Where evidence files live: a directory (`file:///path`) or an S3-compatible bucket
    /// (`s3://bucket?endpoint=...&region=...`); `None`: `<data_dir>/evidence`.
    pub file_store_url: Option<String>,
    /// The SMTP server for the email outbox; sending is off when `None`.
    pub smtp_url: Option<Secret>,
    pub smtp_from: String,
    /// Proxies whose `X-Forwarded-For` names the client (sign-in throttling, the audit log).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Where users reach scal, for links in emails (password resets).
    pub public_url: String,
    /// How long a password-reset link works, in minutes.
    pub password_reset_minutes: i64,
    /// Working days NHS England has to respond to a submitted round.
    pub review_response_days: u32,
    /// The bank holidays that are not working days.
    pub bank_holidays: scal_domain::review::BankHolidays,
    /// Time a client has to send a request's headers (also how long an idle kept-alive connection
    /// stays open).
    pub header_read_timeout: Duration,
    /// A connection with no byte read or written for this long is closed.
    pub idle_timeout: Duration,
    /// On SIGTERM, how long `/readyz` answers 503 while the instance still serves, so a load
    /// balancer takes it out of rotation before it stops accepting (0: stop at once).
    pub drain: Duration,
    /// Open client connections at most; more wait in the accept backlog.
    pub max_client_connections: usize,
    /// A second listener serving only `/metrics`; none when `None`.
    pub metrics_bind: Option<SocketAddr>,
    /// A bearer token `/metrics` requires; with it, `/metrics` is also served on `bind`.
    pub metrics_token: Option<Secret>,
    /// Signing keys from the settings (`signing_keys`, `SCAL_SIGNING_KEYS`); empty: the key files
    /// under `<data_dir>/keys/`.
    pub signing_keys: Vec<Secret>,
}

/// The parts of a database URL that are safe to print.
pub fn describe_database(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) if scheme.starts_with("postgres") => {
            let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
            format!("{scheme}://…@{}", host.split('?').next().unwrap_or(host))
        }
        _ => url.split('?').next().unwrap_or(url).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_print() {
        let secret = Secret::new("postgres://u:hunter2@db/scal".into());
        assert!(!format!("{secret:?}").contains("hunter2"));
        assert!(!describe_database(secret.expose()).contains("hunter2"));
        assert_eq!(describe_database(secret.expose()), "postgres://…@db/scal");
    }

    #[test]
    fn unknown_keys_in_the_file_are_refused() {
        assert!(toml::from_str::<FileSettings>("bnid = \"x\"").is_err());
        let parsed: FileSettings =
            toml::from_str("bind = \"127.0.0.1:9000\"\ncookie_secure = true").unwrap_or_default();
        assert_eq!(parsed.bind, "127.0.0.1:9000".parse().ok());
        let parsed: FileSettings = toml::from_str("evidence_quota_bytes = 1073741824").unwrap_or_default();
        assert_eq!(parsed.evidence_quota_bytes, Some(1 << 30));
    }
}
