use sqlx::{Any, AnyConnection, Row};

use crate::{Backend, Result};
use scal_domain::audit::AuditEntry;

/// A write transaction. Dropping it without [`Tx::commit`] rolls everything back, audit entries
/// included.
pub struct Tx {
    inner: sqlx::Transaction<'static, Any>,
    backend: Backend,
    // Declared after `inner` so the transaction is finished before the next writer may start.
    _write_guard: Option<tokio::sync::OwnedMutexGuard<()>>,
}

/// What changed, for the audit log. Sequence number and hashes are filled in by [`Tx::audit`].
#[derive(Debug, Clone)]
pub struct NewAuditEntry {
    pub at: i64,
    pub actor_user_id: Option<String>,
    pub actor_label: String,
    pub org_id: Option<String>,
    pub kind: String,
    pub entity_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl Tx {
    pub(crate) fn new(
        inner: sqlx::Transaction<'static, Any>,
        guard: Option<tokio::sync::OwnedMutexGuard<()>>,
        backend: Backend,
    ) -> Self {
        Self {
            inner,
            backend,
            _write_guard: guard,
        }
    }

    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.inner
    }

    pub async fn commit(self) -> Result<()> {
        self.inner.commit().await?;
        Ok(())
    }

    /// `" FOR UPDATE"` on PostgreSQL, so a read inside this transaction locks the row until commit
    /// (read-modify-write without lost updates); empty on SQLite, whose writers the store's write
    /// lock already serialises.
    pub fn for_update(&self) -> &'static str {
        match self.backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        }
    }

    /// `" FOR UPDATE SKIP LOCKED"` on PostgreSQL: the rows another transaction holds are left out
    /// instead of waited for (claiming scheduled jobs across instances); empty on SQLite, which has
    /// one writer at a time.
    pub fn for_update_skip_locked(&self) -> &'static str {
        match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        }
    }

    /// Serialises transactions on the same `key` (e.g. sign-in attempts for one account) until
    /// this one ends, including keys with no row to lock.
    pub async fn lock_key(&mut self, key: &str) -> Result<()> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
                .bind(key)
                .execute(self.conn())
                .await?;
        }
        Ok(())
    }

    /// Makes this transaction hold the database's write lock from now until it ends, even if it
    /// writes nothing: on SQLite, across processes (a no-op write takes the file's write lock); on
    /// PostgreSQL, where writers do not exclude each other, callers take [`Tx::lock_key`] instead.
    pub async fn hold_write_lock(&mut self) -> Result<()> {
        if self.backend == Backend::Sqlite {
            sqlx::query("UPDATE schema_migrations SET name = name WHERE 1 = 0")
                .execute(self.conn())
                .await?;
        }
        Ok(())
    }

    /// Appends one entry to the audit chain inside this transaction.
    pub async fn audit(&mut self, new: NewAuditEntry) -> Result<AuditEntry> {
        // On PostgreSQL the row lock serialises appends from every server instance until commit;
        // on SQLite the store's write lock already does.
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let head = sqlx::query(&format!("SELECT seq, hash FROM audit_head WHERE id = 1{lock}"))
            .fetch_one(self.conn())
            .await?;
        let mut entry = AuditEntry {
            seq: head.try_get::<i64, _>("seq")? + 1,
            at: new.at,
            actor_user_id: new.actor_user_id,
            actor_label: new.actor_label,
            org_id: new.org_id,
            kind: new.kind,
            entity_id: new.entity_id,
            before: new.before,
            after: new.after,
            prev_hash: head.try_get("hash")?,
            hash: String::new(),
        };
        entry.hash = entry.compute_hash();
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor_user_id, actor_label, org_id, kind, entity_id, \
             before_json, after_json, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(entry.seq)
        .bind(entry.at)
        .bind(entry.actor_user_id.clone())
        .bind(entry.actor_label.clone())
        .bind(entry.org_id.clone())
        .bind(entry.kind.clone())
        .bind(entry.entity_id.clone())
        .bind(entry.before.as_ref().map(serde_json::Value::to_string))
        .bind(entry.after.as_ref().map(serde_json::Value::to_string))
        .bind(entry.prev_hash.clone())
        .bind(entry.hash.clone())
        .execute(self.conn())
        .await?;
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(entry.seq)
            .bind(entry.hash.clone())
            .execute(self.conn())
            .await?;
        Ok(entry)
    }
}
