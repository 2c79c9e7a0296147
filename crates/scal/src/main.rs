//! `scal`: the server and its administration commands.
#![deny(clippy::unwrap_used, clippy::expect_used)]

mod backup;
mod check;
mod progress_bar;
mod review;
mod server;
mod settings;
mod template_cmd;
mod verify_cmd;

use std::io::Read as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use scal_app::{Actor, App, AppError, AppSettings};
use scal_store::Store;
use settings::{describe_database, FileSettings, LogFormat, Secret, Settings};
use time::OffsetDateTime;

#[derive(Parser)]
#[command(
    name = "scal",
    version,
    about = "SCAL assurance: NHS England's Supplier Conformance Assessment List, end to end"
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct GlobalArgs {
    /// Where scal keeps its files, including the SQLite database [default: ./scal-data]
    #[arg(long, global = true, env = "SCAL_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// sqlite://PATH or postgres://USER:PASSWORD@HOST/DB [default: SQLite in the data dir]
    #[arg(long, global = true, env = "DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// Settings file [default: ./scal.toml when present]
    #[arg(long, global = true, env = "SCAL_CONFIG")]
    config: Option<PathBuf>,
    /// Log format on stderr
    #[arg(long, global = true, env = "SCAL_LOG_FORMAT", value_enum)]
    log_format: Option<LogFormat>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web UI and API, creating and migrating the database when needed
    Serve(ServeArgs),
    /// Like serve, but first seeds a demo world into an empty database and prints the logins
    Demo(ServeArgs),
    /// Bring the database schema up to date
    Migrate,
    /// Manage organisations
    #[command(subcommand)]
    Org(OrgCommand),
    /// Manage users
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens
    #[command(subcommand)]
    Token(TokenCommand),
    /// Check the audit log
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Manage SCAL templates
    #[command(subcommand)]
    Template(TemplateCommand),
    /// Manage the service catalogue
    #[command(subcommand)]
    Service(ServiceCommand),
    /// Write a template version, or a product's SCAL with its answers, as an .xlsx workbook to
    /// complete offline
    #[command(group(clap::ArgGroup::new("what").required(true).args(["template", "product"])))]
    Export {
        /// Template ID (a blank template)
        #[arg(long)]
        template: Option<String>,
        /// Product ID (its SCAL with the answers given so far)
        #[arg(long)]
        product: Option<String>,
        /// Version [default: the latest published]
        #[arg(long)]
        version: Option<i64>,
        /// Where to write the workbook
        #[arg(long)]
        out: PathBuf,
    },
    /// Issue a published template's sheets to a product's SCAL
    Issue {
        #[arg(long)]
        product: String,
        #[arg(long)]
        template: String,
        /// Version [default: the latest published]
        #[arg(long)]
        version: Option<i64>,
    },
    /// Send the email outbox once through the configured SMTP server (`serve` does this every 30
    /// seconds when `smtp_url` is set)
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// Where a product's SCAL stands: sheets answered, red and amber, each service's ten onboarding
    /// steps, and what still blocks submission. Exit 0 when ready or submitted, 1 when blocked.
    Status {
        #[arg(long)]
        product: String,
        #[arg(long)]
        json: bool,
    },
    /// Apply the answers in a completed workbook to a product's SCAL; all or nothing
    ImportAnswers {
        #[arg(long)]
        product: String,
        file: PathBuf,
        /// Also apply rows changed on the server since the workbook was exported
        #[arg(long)]
        overwrite: bool,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
    /// Check a completed SCAL workbook offline: exit 0 when ready to submit, 1 when something
    /// blocks submission, 2 when the file cannot be read
    Check(CheckArgs),
    /// NHS England's review of submitted rounds
    #[command(subcommand)]
    Review(ReviewCommand),
    /// Manage the signing keys (kept outside the database, under the data directory's keys/)
    #[command(subcommand)]
    Keys(KeysCommand),
    /// The stored files (evidence), wherever `file_store_url` keeps them
    #[command(subcommand)]
    Files(FilesCommand),
    /// Check a signed statement (a certificate, an audit checkpoint) offline against a saved JSON
    /// Web Key Set: exit 0 when valid, 1 naming the check that failed, 2 when a file cannot be read
    Verify(verify_cmd::VerifyArgs),
    /// Share a product's accepted SCAL with an end user organisation, by ODS code (one not yet
    /// registered is invited)
    Share {
        /// Product ID
        #[arg(long)]
        product: String,
        /// The end user organisation's ODS code
        #[arg(long)]
        euo: String,
        /// Share until this date (YYYY-MM-DD); without it, until revoked
        #[arg(long)]
        expires: Option<String>,
        /// An evidence file of the supplier's to share (its ID); repeat for more
        #[arg(long = "file")]
        files: Vec<String>,
    },
    /// Uplift SCALs to a new template version with a due date: the SCALs named, or every SCAL on
    /// an older version. Prints each one's delta (added, changed, removed) and any left as they
    /// were, with why
    Uplift {
        /// Template ID
        #[arg(long)]
        template: String,
        /// The version to uplift to [default: the latest published]
        #[arg(long)]
        version: Option<i64>,
        /// A SCAL to uplift (its ID); repeat for more; none: every SCAL affected
        #[arg(long = "scal")]
        scals: Vec<String>,
        /// When the uplift is due (YYYY-MM-DD): after it, a live product's certificate is
        /// suspended until the uplift is accepted
        #[arg(long)]
        due: String,
    },
    /// Write one compressed archive (.tar.gz) of the database and the data directory's files
    /// (evidence, signing keys, the latest audit checkpoint), consistent while the server runs:
    /// SQLite through VACUUM INTO, PostgreSQL through pg_dump (which must be installed)
    Backup {
        /// The archive to write (refused when it exists)
        #[arg(long)]
        out: PathBuf,
    },
    /// Put a backup back into an empty data directory and an empty database (the database URL's
    /// kind must be the backup's), checking every file against the backup's manifest first, then
    /// check the audit chain; pg_restore must be installed for PostgreSQL
    Restore {
        /// The archive `scal backup` wrote
        file: PathBuf,
    },
    /// Scheduled work (`serve` runs it on its own schedule): reminders before anything lapses (DSPT,
    /// penetration tests, red mitigations, certificate conditions, review responses, agreements
    /// waiting), and telling end user organisations when a shared product's certificate changes
    /// status. Each reminder is sent once; safe to run from cron beside servers
    #[command(subcommand)]
    Jobs(JobsCommand),
}

#[derive(Subcommand)]
enum JobsCommand {
    /// Run every job once now, each under its lease (a job another instance is running is skipped)
    Run {
        /// Run as if it were this date (YYYY-MM-DD) at 09:00 UTC: the reminders due that day are
        /// sent (once: a reminder already sent is never sent again)
        #[arg(long)]
        as_of: Option<String>,
    },
}

#[derive(Subcommand)]
enum FilesCommand {
    /// Remove the stored files no row refers to (left by rolled-back or interrupted uploads, or
    /// deleted evidence), last written longer ago than the grace period; safe while servers run
    Gc {
        /// Keep anything written within this many hours (uploads in flight write their bytes
        /// before their row commits)
        #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(u32).range(1..))]
        grace_hours: u32,
        /// Count what would be removed, and remove nothing
        #[arg(long)]
        dry_run: bool,
        /// Remove even when no row refers to any file (refused otherwise, as the sign of a wrong
        /// database or a bucket shared with another installation)
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Make the first signing key (refused when one exists; `serve` and `demo` make one when
    /// there is none)
    Generate,
    /// Make a new active key; the old one is retired but still published, so what it signed keeps
    /// verifying
    Rotate,
    /// List the keys: kid, status, when made and retired
    List,
}

#[derive(Subcommand)]
enum ReviewCommand {
    /// Where the review of a round stands: its decision, verdicts, red items and what stops it
    /// being accepted
    Status {
        /// Submission ID (the round)
        #[arg(long)]
        submission: String,
        /// Print the JSON the API returns (GET /api/v1/submissions/{id}/review)
        #[arg(long)]
        json: bool,
    },
    /// What changed in a submitted round since the round before it of the same SCAL
    Diff {
        /// Submission ID (the round)
        #[arg(long)]
        submission: String,
        /// Print the JSON the API returns (GET /api/v1/submissions/{id}/changes)
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum ServiceCommand {
    /// Add a service to the catalogue
    Add {
        /// Like PDS-FHIR
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// internet or hscn
        #[arg(long)]
        network: String,
        /// Suppliers must declare a use case for this service
        #[arg(long)]
        use_case_required: bool,
        /// scal, digital_onboarding or common_assurance_process
        #[arg(long, default_value = "scal")]
        onboarding_route: String,
        /// NHS England does not witness-test products against it (an open-access API)
        #[arg(long)]
        no_testing: bool,
    },
    /// Assign an NHS England reviewer to a service: they are told about its red items and
    /// submissions (every reviewer is, while a service has none)
    Reviewer {
        #[arg(long)]
        code: String,
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
enum TemplateCommand {
    /// Import a workbook (.xlsx) or pipe-separated text as a new template, or as the next version
    /// of one (--template)
    Import {
        file: PathBuf,
        /// Add the file as the next version of this template (its ID)
        #[arg(long, conflicts_with_all = ["name", "service"])]
        template: Option<String>,
        /// A new template's name [default: the file name]; not an existing template's name
        #[arg(long)]
        name: Option<String>,
        /// Catalogue service code a new template is for
        #[arg(long)]
        service: Option<String>,
        /// Publish the new version at once (versions are immutable once published)
        #[arg(long)]
        publish: bool,
        /// Name a column explicitly when recognition fails: FIELD=COLUMN, e.g. id=B
        #[arg(long = "map", value_name = "FIELD=COLUMN")]
        map: Vec<String>,
        /// Print the import report as JSON
        #[arg(long)]
        json: bool,
    },
    /// Publish a draft version
    Publish {
        #[arg(long)]
        template: String,
        #[arg(long)]
        version: i64,
    },
    /// Show what changed between two versions (default: the latest against the one before)
    Diff {
        #[arg(long)]
        template: String,
        #[arg(long)]
        from: Option<i64>,
        #[arg(long)]
        to: Option<i64>,
        #[arg(long)]
        json: bool,
    },
    /// List templates and their versions
    List,
}

#[derive(Args)]
struct CheckArgs {
    /// The workbook (.xlsx) or pipe-separated text (.psv, .csv, .txt)
    file: PathBuf,
    /// Print the report as JSON
    #[arg(long)]
    json: bool,
    /// Check as if today were this date (YYYY-MM-DD), for reproducible results
    #[arg(long)]
    as_of: Option<String>,
    /// Name a column explicitly when recognition fails: FIELD=COLUMN, e.g. id=B or text="Wording"
    #[arg(long = "map", value_name = "FIELD=COLUMN")]
    map: Vec<String>,
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "SCAL_BIND")]
    bind: Option<SocketAddr>,
}

#[derive(Subcommand)]
enum OutboxCommand {
    /// One pass: every unsent message, oldest first
    Send,
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Register an organisation
    Add {
        #[arg(long)]
        ods: String,
        #[arg(long)]
        name: String,
        /// supplier, euo or nhse
        #[arg(long)]
        kind: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; without --password-stdin a password is generated and printed once
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// ODS code of the user's organisation
        #[arg(long)]
        org: String,
        /// supplier_admin, supplier_member, nhse_reviewer, nhse_admin or euo_member
        #[arg(long)]
        role: String,
        /// Read the password from standard input
        #[arg(long)]
        password_stdin: bool,
    },
    /// Print a single-use link for the user to set a new password (nothing is emailed); the link
    /// is the last line printed
    ResetPassword {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for a user; the token is the last line printed
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "created at the command line")]
        name: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the audit chain and every signed checkpoint of it: exit 0 when both hold, 1 naming
    /// the first broken entry or the first checkpoint that no longer matches
    Verify,
    /// Sign the audit chain's current head (sequence number, hash, time) with the active key and
    /// keep it (`serve` does this daily); nothing new is signed when the head has not moved
    Checkpoint,
}

/// A failure that ends the command with a message and exit status 1.
struct Failure(String);

impl From<AppError> for Failure {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Invalid(invalid) => {
                Self(invalid.0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))
            }
            AppError::NotFound => Self("not found".into()),
            other => Self(other.to_string()),
        }
    }
}

impl From<scal_store::StoreError> for Failure {
    fn from(error: scal_store::StoreError) -> Self {
        Self(error.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(Failure(message)) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn resolve(global: &GlobalArgs, bind: Option<SocketAddr>) -> Result<Settings, Failure> {
    let file = FileSettings::load(global.config.as_deref()).map_err(Failure)?;
    let data_dir = global
        .data_dir
        .clone()
        .or(file.data_dir)
        .unwrap_or_else(|| PathBuf::from("scal-data"));
    let database_url = match global
        .database_url
        .clone()
        .filter(|u| !u.is_empty())
        .map(Secret::new)
        .or(file.database_url)
    {
        Some(url) => url,
        None => {
            std::fs::create_dir_all(&data_dir)
                .map_err(|e| Failure(format!("cannot create the data directory {}: {e}", data_dir.display())))?;
            Secret::new(scal_store::sqlite_url_in(&data_dir))
        }
    };
    let env_bool = |name: &str| {
        std::env::var(name)
            .ok()
            .map(|v| matches!(v.as_str(), "1" | "true" | "yes"))
    };
    let env_num = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<usize>().ok());
    // A zero timeout or cap would close or refuse every connection: refuse it at start instead.
    let positive = |name: &str, value: Option<u64>, default: u64| -> Result<u64, Failure> {
        match value.unwrap_or(default) {
            0 => Err(Failure(format!("{name} must be at least 1"))),
            n => Ok(n),
        }
    };
    let env_u64 = |name: &str| -> Result<Option<u64>, Failure> {
        match std::env::var(name) {
            Ok(v) => v
                .trim()
                .parse::<u64>()
                .map(Some)
                .map_err(|_| Failure(format!("{name} must be a whole number, not {v:?}"))),
            Err(_) => Ok(None),
        }
    };
    let metrics_bind = match std::env::var("SCAL_METRICS_BIND").ok().filter(|v| !v.trim().is_empty()) {
        Some(v) => Some(v.trim().parse::<SocketAddr>().map_err(|_| {
            Failure(format!(
                "SCAL_METRICS_BIND must be an address like 127.0.0.1:9090, not {v:?}"
            ))
        })?),
        None => file.metrics_bind,
    };
    Ok(Settings {
        data_dir,
        database_url,
        bind: bind
            .or(file.bind)
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
        log_format: global.log_format.or(file.log_format).unwrap_or(LogFormat::Text),
        cookie_secure: env_bool("SCAL_COOKIE_SECURE").or(file.cookie_secure).unwrap_or(false),
        max_body_bytes: env_num("SCAL_MAX_BODY_BYTES")
            .or(file.max_body_bytes)
            .unwrap_or(1024 * 1024),
        max_connections: env_num("SCAL_MAX_CONNECTIONS")
            .and_then(|n| u32::try_from(n).ok())
            .or(file.max_connections)
            .unwrap_or(10),
        max_upload_bytes: env_num("SCAL_MAX_UPLOAD_BYTES")
            .or(file.max_upload_bytes)
            .unwrap_or(25 * 1024 * 1024),
        max_workbook_bytes: env_num("SCAL_MAX_WORKBOOK_BYTES")
            .map(|n| n as u64)
            .or(file.max_workbook_bytes)
            .unwrap_or(100 * 1024 * 1024),
        max_evidence_bytes: env_num("SCAL_MAX_EVIDENCE_BYTES")
            .or(file.max_evidence_bytes)
            .unwrap_or(25 * 1024 * 1024),
        evidence_quota_bytes: env_u64("SCAL_EVIDENCE_QUOTA_BYTES")?
            .or(file.evidence_quota_bytes)
            .unwrap_or(5 * 1024 * 1024 * 1024),
        file_store_url: std::env::var("SCAL_FILE_STORE_URL")
            .ok()
            .or(file.file_store_url)
            .filter(|u| !u.trim().is_empty()),
        smtp_url: std::env::var("SCAL_SMTP_URL")
            .ok()
            .map(Secret::new)
            .or(file.smtp_url)
            .filter(|u| !u.expose().trim().is_empty()),
        smtp_from: std::env::var("SCAL_SMTP_FROM")
            .ok()
            .or(file.smtp_from)
            .unwrap_or_else(|| "scal <noreply@scal.invalid>".into()),
        ods_base_url: std::env::var("SCAL_ODS_BASE_URL")
            .ok()
            .or(file.ods_base_url)
            .filter(|u| !u.trim().is_empty()),
        trusted_proxies: scal_web::client::parse_trusted_proxies(
            &std::env::var("SCAL_TRUSTED_PROXIES")
                .ok()
                .or_else(|| file.trusted_proxies.map(|list| list.join(",")))
                .unwrap_or_default(),
        )
        .map_err(Failure)?,
        public_url: {
            let url = std::env::var("SCAL_PUBLIC_URL")
                .ok()
                .or(file.public_url)
                .map(|u| u.trim().to_string())
                .filter(|u| !u.is_empty())
                .unwrap_or_else(|| "http://127.0.0.1:8080".into());
            // It starts every link in an email: nothing but a web address will do.
            if !(url.starts_with("https://") || url.starts_with("http://")) || url.chars().any(char::is_whitespace) {
                return Err(Failure(format!(
                    "public_url must be a web address like https://scal.example.nhs.uk, not {url:?}"
                )));
            }
            url
        },
        // A reset link is a credential: at most a week, however it is configured.
        password_reset_minutes: env_u64("SCAL_PASSWORD_RESET_MINUTES")?
            .and_then(|n| i64::try_from(n).ok())
            .or(file.password_reset_minutes)
            .unwrap_or(60)
            .clamp(1, 7 * 24 * 60),
        review_response_days: env_u64("SCAL_REVIEW_RESPONSE_DAYS")?
            .and_then(|n| u32::try_from(n).ok())
            .or(file.review_response_days)
            .unwrap_or(scal_domain::review::DEFAULT_RESPONSE_DAYS)
            .clamp(1, 60),
        bank_holidays: match std::env::var_os("SCAL_BANK_HOLIDAYS_FILE")
            .map(std::path::PathBuf::from)
            .or(file.bank_holidays_file.clone())
        {
            None => scal_domain::review::BankHolidays::bundled(),
            Some(path) => {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| Failure(format!("cannot read bank_holidays_file {}: {e}", path.display())))?;
                scal_domain::review::BankHolidays::parse(&text)
                    .map_err(|e| Failure(format!("bank_holidays_file {}: {}", path.display(), e.message)))?
            }
        },
        header_read_timeout: Duration::from_secs(positive(
            "header_read_timeout_secs",
            env_u64("SCAL_HEADER_READ_TIMEOUT_SECS")?.or(file.header_read_timeout_secs),
            10,
        )?),
        idle_timeout: Duration::from_secs(positive(
            "idle_timeout_secs",
            env_u64("SCAL_IDLE_TIMEOUT_SECS")?.or(file.idle_timeout_secs),
            60,
        )?),
        drain: Duration::from_secs(match env_u64("SCAL_DRAIN_SECS")?.or(file.drain_secs).unwrap_or(0) {
            secs @ 0..=600 => secs,
            secs => return Err(Failure(format!("drain_secs is {secs}: use at most 600 (ten minutes)"))),
        }),
        max_client_connections: usize::try_from(positive(
            "max_client_connections",
            env_u64("SCAL_MAX_CLIENT_CONNECTIONS")?.or(file.max_client_connections.map(|n| n as u64)),
            1024,
        )?)
        .unwrap_or(usize::MAX),
        metrics_bind,
        metrics_token: std::env::var("SCAL_METRICS_TOKEN")
            .ok()
            .map(Secret::new)
            .or(file.metrics_token)
            .filter(|t| !t.expose().trim().is_empty()),
        signing_keys: match std::env::var("SCAL_SIGNING_KEYS").ok().filter(|v| !v.trim().is_empty()) {
            Some(list) => list
                .split(',')
                .map(|seed| Secret::new(seed.trim().to_string()))
                .collect(),
            None => file.signing_keys.unwrap_or_default(),
        },
    })
}

fn workbook_limits(settings: &Settings) -> scal_workbook::Limits {
    scal_workbook::Limits {
        max_uncompressed_bytes: settings.max_workbook_bytes,
        ..scal_workbook::Limits::default()
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SCAL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// `scal status`: the same views and gate the UI and API use.
async fn status(app: &App, product: &str, json: bool, now: time::OffsetDateTime) -> Result<ExitCode, Failure> {
    let system = Actor::System;
    let sheets = scal_app::scals::sheets(app, &system, product).await?;
    let Some(first) = sheets.first() else {
        return Err(Failure("no SCAL has been issued for this product yet".into()));
    };
    let (view, cases) = scal_app::cases::cases(app, &system, &first.record.scal_id, now).await?;
    let blockers = scal_app::submissions::blockers(&view, &cases, now);
    let ready = view.locked() || blockers.is_empty();
    if json {
        let out = serde_json::json!({
            "product": {"id": view.product.id, "name": view.product.details.name, "version": view.product.details.version},
            "scal_id": view.scal.id,
            "summary": view.summary,
            "sheets": view.sheets.iter().map(|s| serde_json::json!({"id": s.id, "name": s.name, "service": s.service_code, "summary": s.summary})).collect::<Vec<_>>(),
            "cases": cases.iter().map(|c| serde_json::json!({
                "service": c.service.code,
                "next_step": scal_domain::onboarding::next_step(&c.steps).map(|s| s.step.number()),
                "steps": c.steps.iter().map(|s| serde_json::json!({"number": s.step.number(), "name": s.step.name(), "state": s.state.as_str(), "checks": s.checks})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "rounds": view.rounds.iter().map(|r| serde_json::json!({"round": r.round, "status": r.status, "sha256": r.sha256})).collect::<Vec<_>>(),
            "locked": view.locked(),
            "information_review": view.scal.information_review,
            "blockers": blockers.iter().map(|b| b.message.as_str()).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        println!("{}", view.product.details.title());
        for s in &view.sheets {
            println!(
                "  {}: {} of {} answered, {} red, {} amber",
                s.name,
                s.summary.answered(),
                s.summary.total(),
                s.summary.red,
                s.summary.amber
            );
        }
        for c in &cases {
            println!("{} ({})", c.service.name, c.service.code.as_str());
            for step in &c.steps {
                println!(
                    "  {:>2}. {:<40} {}",
                    step.step.number(),
                    step.step.name(),
                    step.state.label()
                );
                for check in step.checks.iter().filter(|c| c.blocking) {
                    println!("        - {}", check.message);
                }
            }
        }
        match view.rounds.last() {
            Some(r) => println!("round {}: {} (sha256 {})", r.round, r.status, r.sha256),
            None => println!("not submitted yet"),
        }
        if !view.locked() {
            if blockers.is_empty() {
                println!("ready to submit");
            } else {
                println!("{} thing(s) block submission:", blockers.len());
                for b in &blockers {
                    println!("  - {b}");
                }
            }
        }
    }
    Ok(if ready { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn rfc3339(micros: i64) -> String {
    scal_app::from_micros(micros)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The key ring the settings name: `signing_keys` when given, else `<data_dir>/keys/`.
fn key_ring(settings: &Settings) -> Result<scal_app::keys::KeyRing, Failure> {
    if settings.signing_keys.is_empty() {
        return Ok(scal_app::keys::KeyRing::directory(settings.data_dir.join("keys")));
    }
    let seeds: Vec<&str> = settings.signing_keys.iter().map(Secret::expose).collect();
    Ok(scal_app::keys::KeyRing::from_settings(&seeds)?)
}

/// `serve` and `demo` on a fresh machine: a first signing key, so signing works with one command.
async fn ensure_signing_key(app: &App, now: OffsetDateTime) -> Result<(), Failure> {
    if let Some(made) = scal_app::keys::ensure(app, now).await? {
        tracing::info!(
            kid = made.signer.kid(),
            dir = %app.keys.dir().map(|d| d.display().to_string()).unwrap_or_default(),
            "no signing key existed: generated one (back up this directory; rotate with `scal keys rotate`)"
        );
    }
    Ok(())
}

/// `scal keys …`: generating and rotating write an audit entry; listing needs no database.
async fn keys(settings: &Settings, command: KeysCommand, now: OffsetDateTime) -> Result<(), Failure> {
    let ring = key_ring(settings)?;
    let place = ring.dir().map_or_else(
        || "the settings (signing_keys)".to_string(),
        |d| d.display().to_string(),
    );
    match command {
        KeysCommand::Generate => {
            let app = open(settings).await?;
            let made = scal_app::keys::generate(&app, &Actor::System, now).await?;
            println!(
                "generated signing key {} in {place} (readable by this user only); it is published at /.well-known/jwks.json",
                made.signer.kid()
            );
        }
        KeysCommand::Rotate => {
            let app = open(settings).await?;
            let (made, retired) = scal_app::keys::rotate(&app, &Actor::System, now).await?;
            println!(
                "new active signing key {}; {retired} is retired and still published, so what it signed keeps verifying",
                made.signer.kid()
            );
        }
        KeysCommand::List => {
            let keys = ring.load()?;
            if keys.keys.is_empty() {
                println!("no signing keys in {place} (scal keys generate)");
            }
            for key in &keys.keys {
                println!(
                    "{}  {:<7}  made {}  retired {}",
                    key.signer.kid(),
                    key.status.as_str(),
                    key.created_at.map_or_else(|| "-".into(), rfc3339),
                    key.retired_at.map_or_else(|| "-".into(), rfc3339),
                );
            }
        }
    }
    Ok(())
}

async fn open(settings: &Settings) -> Result<App, Failure> {
    let store = Store::open(settings.database_url.expose(), settings.max_connections).await?;
    app_on(store, settings)
}

/// The app on a database that must already be scal's: nothing is created or migrated (for
/// commands that would do harm on the wrong database, such as removing files).
async fn open_existing(settings: &Settings) -> Result<App, Failure> {
    let store = Store::connect(settings.database_url.expose(), settings.max_connections).await?;
    if store.is_empty().await? {
        return Err(Failure(format!(
            "the database {} holds no scal tables: check the database URL",
            describe_database(settings.database_url.expose())
        )));
    }
    app_on(store, settings)
}

fn app_on(store: Store, settings: &Settings) -> Result<App, Failure> {
    let app_settings = AppSettings {
        data_dir: settings.data_dir.clone(),
        max_evidence_bytes: settings.max_evidence_bytes,
        evidence_quota_bytes: settings.evidence_quota_bytes,
        ods_base_url: settings.ods_base_url.clone(),
        smtp_url: settings
            .smtp_url
            .as_ref()
            .map(|u| scal_app::notifications::SmtpUrl::new(u.expose())),
        smtp_from: settings.smtp_from.clone(),
        public_url: settings.public_url.clone(),
        password_reset_ttl: time::Duration::minutes(settings.password_reset_minutes),
        review_response_days: settings.review_response_days,
        bank_holidays: settings.bank_holidays.clone(),
        ..AppSettings::default()
    };
    let mut app = App::new(store, app_settings);
    app.keys = key_ring(settings)?;
    app.files = scal_store::files::open(settings.file_store_url.as_deref(), &settings.data_dir.join("evidence"))
        .map_err(Failure)?;
    Ok(app)
}

async fn run(cli: Cli) -> Result<ExitCode, Failure> {
    // Offline: no settings, no data directory, no database.
    if let Command::Check(args) = &cli.command {
        return Ok(check::run(args));
    }
    if let Command::Verify(args) = &cli.command {
        return Ok(verify_cmd::run(args));
    }
    let bind = match &cli.command {
        Command::Serve(args) | Command::Demo(args) => args.bind,
        _ => None,
    };
    let settings = resolve(&cli.global, bind)?;
    init_logging(settings.log_format);
    let now = OffsetDateTime::now_utc();
    match cli.command {
        Command::Serve(_) => {
            let app = open(&settings).await?;
            ensure_signing_key(&app, now).await?;
            serve(app, &settings, None).await?;
        }
        Command::Demo(_) => {
            let app = open(&settings).await?;
            ensure_signing_key(&app, now).await?;
            let seeded = scal_app::demo::seed_if_empty(&app, now).await?;
            if seeded {
                // The lifecycle so far: a SCAL in progress, one with NHS England, one asked for.
                scal_app::demo::seed_journeys(&app, now).await?;
            }
            serve(app, &settings, Some(seeded)).await?;
        }
        Command::Backup { out } => {
            let written = backup::backup(&settings, &out, now).await?;
            println!(
                "backup written to {}: the {} database and {} file(s), {} bytes",
                out.display(),
                written.database,
                written.files,
                written.bytes
            );
            if let Some(store) = settings.file_store_url.as_deref() {
                let elsewhere = if store.starts_with("s3://") {
                    Some("keep the bucket's own versioning or replication")
                } else {
                    let dir = std::path::Path::new(store.strip_prefix("file://").unwrap_or(store));
                    (!dir.starts_with(&settings.data_dir)).then_some("back that directory up too")
                };
                if let Some(advice) = elsewhere {
                    println!(
                        "evidence files are in {}, not in this archive: {advice}",
                        store.split('?').next().unwrap_or_default()
                    );
                }
            }
        }
        Command::Restore { file } => {
            let restored = backup::restore(&settings, &file).await?;
            let app = open(&settings).await?;
            scal_app::audit::record_restore(&app, restored.manifest, now).await?;
            println!(
                "restored the {} database and {} file(s) from the backup of {} into {}",
                restored.database,
                restored.files,
                restored.created_at,
                settings.data_dir.display()
            );
            match scal_app::audit::verify(&app).await? {
                Ok(count) => println!("audit chain intact: {count} entries"),
                Err(broken) => {
                    eprintln!("{broken}");
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
        Command::Migrate => {
            let store = Store::connect(settings.database_url.expose(), 1).await?;
            let applied = store.migrate().await?;
            println!(
                "{} migrations applied to {}",
                applied.len(),
                describe_database(settings.database_url.expose())
            );
        }
        Command::Org(OrgCommand::Add { ods, name, kind }) => {
            let app = open(&settings).await?;
            let input = scal_app::organisations::OrganisationInput {
                ods_code: ods,
                name,
                kind,
            };
            let org = scal_app::organisations::create(&app, &Actor::System, &input, now).await?;
            println!(
                "added {} {} ({}) with id {}",
                org.kind.as_str(),
                org.name,
                org.ods_code,
                org.id
            );
        }
        Command::User(UserCommand::Add {
            email,
            name,
            org,
            role,
            password_stdin,
        }) => {
            let app = open(&settings).await?;
            let ods = scal_domain::OdsCode::parse(&org).map_err(|e| Failure(e.to_string()))?;
            let organisation = scal_store::records::organisations::get_by_ods(app.store.pool(), &ods)
                .await?
                .ok_or_else(|| Failure(format!("no organisation has the ODS code {ods}")))?;
            let password = if password_stdin {
                let mut text = String::new();
                std::io::stdin()
                    .read_to_string(&mut text)
                    .map_err(|e| Failure(format!("cannot read the password: {e}")))?;
                Some(text.trim_end_matches(['\r', '\n']).to_string())
            } else {
                None
            };
            let input = scal_app::users::NewUserInput {
                email,
                name,
                role,
                password,
            };
            let created = scal_app::users::create(&app, &Actor::System, &organisation.id, &input, now).await?;
            println!(
                "added {} ({}) to {} with id {}",
                created.user.email.as_str(),
                created.user.role.as_str(),
                organisation.name,
                created.user.id
            );
            if let Some(password) = created.generated_password {
                println!("password (shown once): {password}");
            }
        }
        Command::User(UserCommand::ResetPassword { email }) => {
            let app = open(&settings).await?;
            let (user, link, expires_at) =
                scal_app::passwords::reset_link_for_operator(&app, &Actor::System, &email, now).await?;
            let expires = scal_app::from_micros(expires_at)
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
            println!(
                "reset link for {} (works once, until {expires}); give it to them securely:",
                user.email.as_str()
            );
            println!("{link}");
        }
        Command::Token(TokenCommand::Create { email, name }) => {
            let app = open(&settings).await?;
            let created = scal_app::tokens::create_for_email(&app, &Actor::System, &email, &name, now).await?;
            println!(
                "created token {} ({}) for {email}; it is shown once:",
                created.token.id, created.token.name
            );
            println!("{}", created.secret);
        }
        Command::Check(_) | Command::Verify(_) => unreachable!("handled before settings are read"),
        Command::Keys(command) => keys(&settings, command, now).await?,
        Command::Files(FilesCommand::Gc {
            grace_hours,
            dry_run,
            force,
        }) => {
            let app = open_existing(&settings).await?;
            let grace = time::Duration::hours(i64::from(grace_hours));
            let collected = scal_app::evidence::collect_files(&app, now, grace, dry_run, force).await?;
            if dry_run {
                println!(
                    "would remove {} file(s) no row refers to; would keep {} (nothing removed: --dry-run)",
                    collected.removed, collected.kept
                );
            } else {
                println!(
                    "removed {} file(s) no row refers to and {} left by interrupted writes; kept {}",
                    collected.removed, collected.partials, collected.kept
                );
            }
        }
        Command::Audit(AuditCommand::Checkpoint) => {
            let app = open(&settings).await?;
            match scal_app::audit::checkpoint(&app, &Actor::System, now).await? {
                scal_app::audit::Checkpointed::Signed(c) => println!(
                    "signed audit entry {} (hash {}) with key {}; checkpoint {}",
                    c.seq, c.hash, c.kid, c.id
                ),
                scal_app::audit::Checkpointed::Unmoved(c) => println!(
                    "audit entry {} is the head and is already signed (checkpoint {}); nothing new to sign",
                    c.seq, c.id
                ),
                scal_app::audit::Checkpointed::EmptyLog => println!("the audit log is empty: nothing to sign"),
            }
        }
        Command::Issue {
            product,
            template,
            version,
        } => {
            let app = open(&settings).await?;
            let added = scal_app::scals::issue(&app, &Actor::System, &product, &template, version, now).await?;
            println!("issued {} sheet(s): {}", added.len(), added.join(", "));
        }
        Command::Share {
            product,
            euo,
            expires,
            files,
        } => {
            let app = open(&settings).await?;
            let input = scal_app::shares::ShareInput {
                euo_ods: euo,
                expires_on: expires.unwrap_or_default(),
                evidence_ids: files,
            };
            let view = scal_app::shares::create(&app, &Actor::System, &product, &input, now).await?;
            match &view.euo {
                Some(org) => println!("shared {} with {} ({}): share {}", view.product, org.name, view.record.euo_ods, view.record.id),
                None => println!(
                    "shared {} with {}, which is not registered yet: it sees the share once NHS England registers it (share {})",
                    view.product, view.record.euo_ods, view.record.id
                ),
            }
        }
        Command::Uplift {
            template,
            version,
            scals,
            due,
        } => {
            let app = open(&settings).await?;
            let outcome = scal_app::uplift::uplift(&app, &Actor::System, &template, version, &scals, &due, now).await?;
            for u in &outcome.uplifted {
                println!("uplifted {} ({}): {}", u.product, u.scal_id, u.delta.summary());
            }
            for (product, why) in &outcome.skipped {
                println!("left {product}: {why}");
            }
            if outcome.uplifted.is_empty() && outcome.skipped.is_empty() {
                println!("no SCAL uses an older version");
            }
        }
        Command::Jobs(JobsCommand::Run { as_of }) => {
            let at = match as_of {
                Some(raw) => scal_domain::check::parse_date(&raw)
                    .map_err(|e| Failure(format!("--as-of: {}", e.message)))?
                    .with_hms(9, 0, 0)
                    .map_err(|e| Failure(e.to_string()))?
                    .assume_utc(),
                None => now,
            };
            let app = open(&settings).await?;
            let instance = format!("jobs-run-{}", std::process::id());
            let runs = scal_app::jobs::run_all_as_of(&app, &instance, now, at).await?;
            let mut failed = false;
            for run in &runs {
                match (&run.error, run.job.as_str()) {
                    (Some(e), job) => {
                        failed = true;
                        println!("{job}: failed: {e}");
                    }
                    (None, scal_app::jobs::REMINDERS) => println!("reminders sent: {}", run.done),
                    (None, _) => println!("certificate changes told to end user organisations: {}", run.done),
                }
            }
            if runs.is_empty() {
                println!("nothing run: another instance holds every job");
            }
            if failed {
                return Ok(ExitCode::from(1));
            }
        }
        Command::Outbox(OutboxCommand::Send) => {
            let app = open(&settings).await?;
            if app.settings.smtp_url.is_none() {
                return Err(Failure("set smtp_url (or SCAL_SMTP_URL) to send email".into()));
            }
            let sent = scal_app::notifications::send_outbox(&app, now).await?;
            println!("{} sent, {} failed", sent.sent, sent.failed);
            if sent.failed > 0 {
                return Ok(ExitCode::from(1));
            }
        }
        Command::Status { product, json } => {
            let app = open(&settings).await?;
            return status(&app, &product, json, now).await;
        }
        Command::Review(ReviewCommand::Status { submission, json }) => {
            let app = open(&settings).await?;
            let status = scal_app::review::get(&app, &Actor::System, &submission, now.date()).await?;
            if json {
                let out = scal_web::api::ReviewOut::new(status, now.date());
                println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
            } else {
                print!("{}", review::status_text(&status, now.date()));
            }
        }
        Command::Review(ReviewCommand::Diff { submission, json }) => {
            let app = open(&settings).await?;
            let changes = scal_app::changes::of_round(&app, &Actor::System, &submission).await?;
            if json {
                let out = scal_web::api::RoundChangesOut::from(&changes);
                println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
            } else {
                print!("{}", review::diff_text(&changes));
            }
        }
        Command::ImportAnswers {
            product,
            file,
            overwrite,
            json,
        } => {
            let app = open(&settings).await?;
            let upload = scal_app::scals::AnswersUpload {
                file_name: file
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("answers.xlsx")
                    .to_string(),
                bytes: std::fs::read(&file)
                    .map_err(|e| Failure(format!("cannot read {}: {e}", file.display())))?
                    .into(),
                overwrite,
            };
            let report = scal_app::scals::import_answers_with_progress(
                &app,
                &Actor::System,
                &product,
                &upload,
                workbook_limits(&settings),
                now,
                &progress_bar::Bar::new(),
            )
            .await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
            } else {
                println!(
                    "applied {}, unchanged {}, conflicts {}",
                    report.applied,
                    report.unchanged,
                    report.conflicts.len()
                );
                for row in &report.applied_rows {
                    println!("  applied: {} row {} {}", row.sheet, row.row, row.requirement_id);
                }
                for w in &report.warnings {
                    println!(
                        "  warning: {} row {} {}: {}",
                        w.sheet, w.row, w.requirement_id, w.message
                    );
                }
                for conflict in &report.conflicts {
                    println!(
                        "  conflict: {} row {} {}: changed by {} at {} after the export; left as it is (use --overwrite)",
                        conflict.sheet, conflict.row, conflict.requirement_id, conflict.changed_by, conflict.changed_at
                    );
                }
            }
        }
        Command::Export {
            template,
            product,
            version,
            out,
        } => {
            let app = open(&settings).await?;
            let bar = progress_bar::Bar::new();
            scal_app::progress::Progress::step(&bar, 0, 1, "Writing the workbook");
            let workbook = match (template, product) {
                (Some(template), _) => {
                    scal_app::templates::export(&app, &Actor::System, &template, version, now).await?
                }
                (None, Some(product)) => scal_app::scals::workbook(&app, &Actor::System, &product, now).await?,
                (None, None) => return Err(Failure("name --template or --product".into())),
            };
            scal_app::progress::Progress::step(&bar, 1, 1, "Written");
            std::fs::write(&out, &workbook.bytes)
                .map_err(|e| Failure(format!("cannot write {}: {e}", out.display())))?;
            println!("wrote {} ({} bytes)", out.display(), workbook.bytes.len());
        }
        Command::Service(ServiceCommand::Reviewer { code, email }) => {
            let app = open(&settings).await?;
            let reviewers = scal_app::services::assign_reviewer(&app, &Actor::System, &code, &email, now).await?;
            let emails: Vec<&str> = reviewers.iter().map(|u| u.email.as_str()).collect();
            println!("reviewers of {}: {}", code.to_ascii_uppercase(), emails.join(", "));
        }
        Command::Service(ServiceCommand::Add {
            code,
            name,
            network,
            use_case_required,
            onboarding_route,
            no_testing,
        }) => {
            let app = open(&settings).await?;
            let fields = scal_app::services::ServiceFields {
                name,
                use_case_required,
                network,
                onboarding_route,
                testing_required: !no_testing,
            };
            let service = scal_app::services::create(&app, &Actor::System, &code, &fields, now).await?;
            println!(
                "added service {} ({}, {}, use case {})",
                service.code.as_str(),
                service.name,
                service.network.as_str(),
                if service.use_case_required {
                    "required"
                } else {
                    "not required"
                }
            );
        }
        Command::Template(command) => {
            let app = open(&settings).await?;
            template_cmd::run(&app, command, workbook_limits(&settings), now).await?;
        }
        Command::Audit(AuditCommand::Verify) => {
            let app = open(&settings).await?;
            match scal_app::audit::verify(&app).await? {
                Ok(count) => println!("audit chain intact: {count} entries"),
                Err(broken) => {
                    eprintln!("{broken}");
                    return Ok(ExitCode::FAILURE);
                }
            }
            return match scal_app::audit::verify_checkpoints(&app, &Actor::System).await? {
                Ok(hold) => {
                    match hold.latest {
                        Some(latest) => println!(
                            "{} checkpoint(s) verified; the latest signs entry {} ({})",
                            hold.count,
                            latest.seq,
                            rfc3339(latest.at)
                        ),
                        None => match scal_app::audit::first_entry_at(&app, &Actor::System).await? {
                            // `serve` signs the head at start and daily: a day-old log without a
                            // checkpoint was never served, or its checkpoints were deleted.
                            Some(first) if now - scal_app::from_micros(first) > time::Duration::days(1) => eprintln!(
                                "warning: no checkpoint, though the audit log starts on {}: `serve` signs one at start \
                                 and daily, so if scal has been served, its checkpoints were deleted; sign one now with \
                                 `scal audit checkpoint`",
                                rfc3339(first)
                            ),
                            _ => println!("no checkpoints yet (scal audit checkpoint)"),
                        },
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(broken) => {
                    eprintln!("{broken}");
                    Ok(ExitCode::FAILURE)
                }
            };
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn serve(app: App, settings: &Settings, demo: Option<bool>) -> Result<(), Failure> {
    let web = scal_web::WebSettings {
        cookie_secure: settings.cookie_secure,
        max_body_bytes: settings.max_body_bytes,
        max_upload_bytes: settings.max_upload_bytes,
        max_workbook_uncompressed_bytes: settings.max_workbook_bytes,
        trusted_proxies: settings.trusted_proxies.clone(),
        metrics_token: settings
            .metrics_token
            .as_ref()
            .map(|t| scal_web::MetricsToken::new(t.expose())),
        ..Default::default()
    };
    let store = app.store.clone();
    if app.settings.smtp_url.is_some() && app.settings.public_url.starts_with("http://127.0.0.1") {
        tracing::warn!(
            public_url = %app.settings.public_url,
            "email is on but public_url is the default: links in emails will not reach anyone; set public_url"
        );
    }
    if app.settings.smtp_url.is_some() {
        // The outbox is sent in the background; a change never waits for a mail server.
        let sender = app.clone();
        tokio::spawn(async move {
            loop {
                match scal_app::notifications::send_outbox(&sender, OffsetDateTime::now_utc()).await {
                    Ok(sent) if sent.sent + sent.failed > 0 => {
                        tracing::info!(sent = sent.sent, failed = sent.failed, "outbox")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "outbox not sent"),
                }
                tokio::time::sleep(std::time::Duration::from_secs(30)).await;
            }
        });
    }
    // The scheduler: each minute, every due job this instance can claim (reminders, the
    // certificate watch), each under a lease, so several instances on one database run each job
    // once and send each reminder once.
    let scheduler = app.clone();
    let instance = format!(
        "serve-{}-{}",
        std::process::id(),
        OffsetDateTime::now_utc().unix_timestamp_nanos()
    );
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(60));
        loop {
            every.tick().await;
            match scal_app::jobs::run_due(&scheduler, &instance, OffsetDateTime::now_utc()).await {
                Ok(runs) => {
                    for run in runs.iter().filter(|r| r.done > 0) {
                        tracing::info!(job = %run.job, done = run.done, "job run");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "scheduled jobs not run"),
            }
        }
    });
    // The audit chain's head is signed at start and then daily (nothing when it has not moved).
    let checkpointer = app.clone();
    tokio::spawn(async move {
        let mut daily = tokio::time::interval(Duration::from_secs(24 * 60 * 60));
        loop {
            daily.tick().await;
            match scal_app::audit::checkpoint(&checkpointer, &Actor::System, OffsetDateTime::now_utc()).await {
                Ok(scal_app::audit::Checkpointed::Signed(c)) => {
                    tracing::info!(seq = c.seq, kid = %c.kid, "audit checkpoint signed")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "audit checkpoint not signed"),
            }
        }
    });
    let state = scal_web::AppState::new(app, Arc::new(scal_web::SystemClock), web);
    // Latency samples are folded into their histograms every few seconds, scraped or not.
    let metrics = state.metrics.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(5));
        loop {
            every.tick().await;
            metrics.upkeep();
        }
    });
    let router = scal_web::router(state.clone());
    let listener = tokio::net::TcpListener::bind(settings.bind)
        .await
        .map_err(|e| Failure(format!("cannot listen on {}: {e}", settings.bind)))?;
    let address = listener.local_addr().map_err(|e| Failure(e.to_string()))?;
    let metrics_listener = match settings.metrics_bind {
        Some(bind) => Some(
            tokio::net::TcpListener::bind(bind)
                .await
                .map_err(|e| Failure(format!("cannot listen for metrics on {bind}: {e}")))?,
        ),
        None => None,
    };
    tracing::info!(%address, data_dir = %settings.data_dir.display(), database = %describe_database(settings.database_url.expose()), "scal serving");
    println!("scal is running at http://{address}/");
    if let Some(metrics) = &metrics_listener {
        let metrics_address = metrics.local_addr().map_err(|e| Failure(e.to_string()))?;
        tracing::info!(address = %metrics_address, "metrics serving");
        println!("metrics at http://{metrics_address}/metrics");
    }
    if let Some(seeded) = demo {
        if seeded {
            println!("Seeded the demo world.");
        }
        println!("Demo logins (password for all: {}):", scal_app::demo::DEMO_PASSWORD);
        for login in scal_app::demo::DEMO_LOGINS {
            println!("  {:<28} {:<16} {}", login.email, login.role, login.organisation);
        }
    }
    let limits = server::ConnectionLimits {
        header_read_timeout: settings.header_read_timeout,
        idle_timeout: settings.idle_timeout,
        max_connections: settings.max_client_connections,
    };
    // One signal stops both listeners, after the drain: `/readyz` says 503 while the instance
    // still serves, so the load balancer stops sending it requests first.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let drain = settings.drain;
    let draining = state.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        if !drain.is_zero() {
            draining.start_draining();
            tracing::info!(seconds = drain.as_secs(), "draining: not ready, still serving");
            tokio::select! {
                () = tokio::time::sleep(drain) => {},
                // A second signal stops at once.
                () = shutdown_signal() => {},
            }
        }
        let _ = stop.send(true);
    });
    let metrics = metrics_listener.map(|listener| {
        let router = scal_web::metrics_router(state);
        // Scrapers are few: a small cap keeps the metrics port from competing with users.
        let limits = server::ConnectionLimits {
            max_connections: 16,
            ..limits
        };
        tokio::spawn(server::serve(listener, router, limits, stopped.clone()))
    });
    server::serve(listener, router, limits, stopped).await;
    if let Some(metrics) = metrics {
        let _ = metrics.await;
    }
    store.close().await;
    tracing::info!("scal stopped");
    Ok(())
}

/// Ctrl-C or SIGTERM: stop accepting, finish in-flight requests, then exit.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
