//! Embedded migrations. One set for both databases (the DDL is portable); each migration runs in
//! its own transaction and is recorded in `schema_migrations`.

use sqlx::Row;

use crate::{Result, Store, StoreError};

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "0001_foundation", include_str!("../migrations/0001_foundation.sql")),
    (2, "0002_templates", include_str!("../migrations/0002_templates.sql")),
    (3, "0003_scals", include_str!("../migrations/0003_scals.sql")),
    (4, "0004_onboarding", include_str!("../migrations/0004_onboarding.sql")),
    (
        5,
        "0005_service_reviewers",
        include_str!("../migrations/0005_service_reviewers.sql"),
    ),
    (
        6,
        "0006_signin_security",
        include_str!("../migrations/0006_signin_security.sql"),
    ),
    (
        7,
        "0007_password_resets",
        include_str!("../migrations/0007_password_resets.sql"),
    ),
    (
        8,
        "0008_answer_imports",
        include_str!("../migrations/0008_answer_imports.sql"),
    ),
    (
        9,
        "0009_enquiry_use_cases",
        include_str!("../migrations/0009_enquiry_use_cases.sql"),
    ),
    (
        10,
        "0010_review_assignments",
        include_str!("../migrations/0010_review_assignments.sql"),
    ),
    (
        11,
        "0011_review_verdicts",
        include_str!("../migrations/0011_review_verdicts.sql"),
    ),
    (
        12,
        "0012_review_threads",
        include_str!("../migrations/0012_review_threads.sql"),
    ),
    (
        13,
        "0013_audit_checkpoints",
        include_str!("../migrations/0013_audit_checkpoints.sql"),
    ),
    (
        14,
        "0014_technical_testing",
        include_str!("../migrations/0014_technical_testing.sql"),
    ),
    (
        15,
        "0015_certificates",
        include_str!("../migrations/0015_certificates.sql"),
    ),
    (16, "0016_agreements", include_str!("../migrations/0016_agreements.sql")),
    (17, "0017_shares", include_str!("../migrations/0017_shares.sql")),
    (18, "0018_reopenings", include_str!("../migrations/0018_reopenings.sql")),
    (19, "0019_jobs", include_str!("../migrations/0019_jobs.sql")),
    (
        20,
        "0020_national_size_indexes",
        include_str!("../migrations/0020_national_size_indexes.sql"),
    ),
    (
        21,
        "0021_submissions_queue_order",
        include_str!("../migrations/0021_submissions_queue_order.sql"),
    ),
];

/// The advisory lock every migration step takes on PostgreSQL, so instances starting at once (or
/// `scal migrate` beside a starting `serve`) apply each migration once, one after the other,
/// rather than racing to create the same tables. (SQLite writers are serialised anyway.)
const MIGRATION_LOCK: &str = "scal schema migrations";

pub(crate) async fn run(store: &Store) -> Result<Vec<String>> {
    let mut tx = store.begin().await?;
    tx.lock_key(MIGRATION_LOCK).await?;
    sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL)")
        .execute(tx.conn())
        .await?;
    tx.commit().await?;
    let mut applied = Vec::new();
    for (version, name, sql) in MIGRATIONS {
        let mut tx = store.begin().await?;
        // Whether it is done is read under the lock: another instance may just have applied it.
        tx.lock_key(MIGRATION_LOCK).await?;
        let done = sqlx::query("SELECT version FROM schema_migrations WHERE version = $1")
            .bind(*version)
            .fetch_optional(tx.conn())
            .await?
            .map(|row| row.try_get::<i64, _>("version"))
            .transpose()?
            .is_some();
        if done {
            continue;
        }
        for statement in statements(sql) {
            sqlx::query(statement)
                .execute(tx.conn())
                .await
                .map_err(|source| StoreError::Migration {
                    name: (*name).to_string(),
                    source,
                })?;
        }
        sqlx::query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)")
            .bind(*version)
            .bind(*name)
            .execute(tx.conn())
            .await?;
        tx.commit().await?;
        tracing::info!(migration = name, "applied migration");
        applied.push((*name).to_string());
    }
    Ok(applied)
}

/// Splits a migration into statements at semicolons that end a line, dropping `--` comments.
fn statements(sql: &str) -> impl Iterator<Item = &str> {
    sql.split(";\n")
        .map(str::trim)
        .filter(|s| s.lines().any(|l| !l.trim().is_empty() && !l.trim().starts_with("--")))
}
