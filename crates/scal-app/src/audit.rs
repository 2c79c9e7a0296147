//! Reading and verifying the audit chain. Entries are written by the services themselves, inside
//! their transactions (see `scal_store::Tx::audit`).

use scal_domain::audit::{AuditEntry, ChainBreak, ChainVerifier};
use scal_domain::policy::{authorize, Action, Actor};
use scal_domain::signing::verify_typed;
use scal_store::records::audit;
use scal_store::records::checkpoints::{self, CheckpointRecord};
use scal_store::AuditFilter;
use time::OffsetDateTime;

use crate::{App, AppError, Result};

pub async fn list(app: &App, actor: &Actor, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
    authorize(actor, Action::ReadAudit, None)?;
    Ok(audit::list(app.store.pool(), filter).await?)
}

/// The log filtered as asked. Access is checked before the filter is read, so someone who may not
/// read the log learns nothing from its validation messages.
pub async fn search(app: &App, actor: &Actor, search: &AuditSearch) -> Result<Vec<AuditEntry>> {
    authorize(actor, Action::ReadAudit, None)?;
    let filter = search.to_filter()?;
    Ok(audit::list(app.store.pool(), &filter).await?)
}

pub async fn kinds(app: &App, actor: &Actor) -> Result<Vec<String>> {
    authorize(actor, Action::ReadAudit, None)?;
    Ok(audit::kinds(app.store.pool()).await?)
}

/// Walks the whole chain. `Ok(Ok(n))`: intact with `n` entries; `Ok(Err(break))`: the first
/// broken entry.
pub async fn verify(app: &App) -> Result<Result<u64, ChainBreak>> {
    Ok(walk(app).await?.2)
}

/// The head read first, and whether the chain up to it is intact.
async fn walk(app: &App) -> Result<(i64, String, std::result::Result<u64, ChainBreak>)> {
    const BATCH: i64 = 1000;
    // The head first: entries appended while we walk are beyond it and ignored, so verifying a
    // live database gives no false alarm.
    let (head_seq, head_hash) = audit::head(app.store.pool()).await.map_err(AppError::Store)?;
    let mut verifier = ChainVerifier::default();
    let mut after = 0;
    loop {
        let page = audit::page_in_order(app.store.pool(), after, BATCH).await?;
        for entry in page.iter().filter(|e| e.seq <= head_seq) {
            if let Err(broken) = verifier.next(entry) {
                return Ok((head_seq, head_hash, Err(broken)));
            }
        }
        match page.last() {
            Some(last) if page.len() as i64 == BATCH && last.seq < head_seq => after = last.seq,
            _ => break,
        }
    }
    let result = verifier.finish(head_seq, &head_hash);
    Ok((head_seq, head_hash, result))
}

/// The `typ` of a checkpoint's JWS, so no other signed statement can pass for one.
pub const CHECKPOINT_TYP: &str = "scal-audit-checkpoint";

/// What a checkpoint signs: the head's sequence number and hash, and when (RFC 3339, UTC, to the
/// microsecond), in canonical JSON.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointClaim {
    pub seq: i64,
    pub hash: String,
    pub at: String,
}

impl CheckpointClaim {
    fn of(record: &CheckpointRecord) -> Self {
        Self {
            seq: record.seq,
            hash: record.hash.clone(),
            at: rfc3339(record.at),
        }
    }
}

fn rfc3339(micros: i64) -> String {
    crate::from_micros(micros)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The file, in the data directory and so outside the database, that records the latest
/// checkpoint signed: deleting every checkpoint row cannot hide that there were some.
pub const LATEST_CHECKPOINT_FILE: &str = "audit-checkpoint.json";

/// What [`LATEST_CHECKPOINT_FILE`] holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct RecordedCheckpoint {
    id: String,
    seq: i64,
    at: i64,
    jws: String,
}

fn latest_path(app: &App) -> std::path::PathBuf {
    app.settings.data_dir.join(LATEST_CHECKPOINT_FILE)
}

/// Records `record` as the latest checkpoint in the data directory (written to a temporary file
/// and renamed, so a reader never sees half of it), unless a later one is recorded already.
async fn record_latest(app: &App, record: &CheckpointRecord) -> Result<()> {
    if read_latest(app).await?.is_some_and(|r| r.seq >= record.seq) {
        return Ok(());
    }
    let path = latest_path(app);
    let recorded = RecordedCheckpoint {
        id: record.id.clone(),
        seq: record.seq,
        at: record.at,
        jws: record.jws.clone(),
    };
    let bytes = serde_json::to_vec_pretty(&recorded).map_err(|e| AppError::Internal(e.to_string()))?;
    let temporary = path.with_extension("json.new");
    let io = |e: std::io::Error| AppError::Internal(format!("cannot write {}: {e}", path.display()));
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await.map_err(io)?;
    }
    tokio::fs::write(&temporary, bytes).await.map_err(io)?;
    tokio::fs::rename(&temporary, &path).await.map_err(io)
}

async fn read_latest(app: &App) -> Result<Option<RecordedCheckpoint>> {
    let path = latest_path(app);
    match tokio::fs::read(&path).await {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| AppError::Internal(format!("{} is not a checkpoint record: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(AppError::Internal(format!("cannot read {}: {e}", path.display()))),
    }
}

/// When the audit log's first entry was made (microseconds), if it has one.
pub async fn first_entry_at(app: &App, actor: &Actor) -> Result<Option<i64>> {
    authorize(actor, Action::ReadAudit, None)?;
    Ok(audit::page_in_order(app.store.pool(), 0, 1)
        .await?
        .first()
        .map(|e| e.at))
}

/// What [`checkpoint`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checkpointed {
    /// The head was signed.
    Signed(CheckpointRecord),
    /// The head has not moved since this checkpoint: nothing to sign.
    Unmoved(CheckpointRecord),
    /// The log has no entry yet.
    EmptyLog,
}

/// Signs the audit chain's current head (`{"at","hash","seq"}`) with the active key and keeps the
/// JWS, unless the head is already signed. The chain up to the head is verified first: a broken
/// chain is refused rather than signed.
///
/// Not itself an audited change: an entry for it would move the head it has just signed, and the
/// checkpoint is already a signed record of its own. It leaves the chain as it was.
pub async fn checkpoint(app: &App, actor: &Actor, now: OffsetDateTime) -> Result<Checkpointed> {
    authorize(actor, Action::SignAuditCheckpoint, None)?;
    let keys = app.keys.load_async().await?;
    let (seq, hash, intact) = walk(app).await?;
    if let Err(broken) = intact {
        return Err(AppError::Conflict(format!(
            "The audit chain is broken, so it is not signed: {broken}"
        )));
    }
    if seq == 0 {
        return Ok(Checkpointed::EmptyLog);
    }
    let latest = checkpoints::latest(app.store.pool()).await?;
    if let Some(latest) = latest.filter(|c| c.seq >= seq) {
        record_latest(app, &latest).await?;
        return Ok(Checkpointed::Unmoved(latest));
    }
    let signer = keys.active().ok_or_else(|| {
        AppError::Conflict("There is no signing key yet: create one with `scal keys generate`.".into())
    })?;
    let mut record = CheckpointRecord {
        id: crate::new_id(),
        seq,
        hash,
        at: crate::micros(now),
        kid: signer.kid().to_string(),
        jws: String::new(),
    };
    record.jws = keys.sign_json(CHECKPOINT_TYP, &CheckpointClaim::of(&record))?;
    match checkpoints::insert(app.store.pool(), &record).await {
        Ok(()) => {
            record_latest(app, &record).await?;
            Ok(Checkpointed::Signed(record))
        }
        // Another server instance signed the same head a moment ago.
        Err(error) if error.is_unique_violation() => match checkpoints::latest(app.store.pool()).await? {
            Some(latest) => Ok(Checkpointed::Unmoved(latest)),
            None => Err(AppError::Store(error)),
        },
        Err(error) => Err(AppError::Store(error)),
    }
}

/// The first checkpoint that no longer matches, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointBreak {
    pub id: String,
    /// The audit entry the checkpoint signed.
    pub seq: i64,
    /// When it was signed (microseconds).
    pub at: i64,
    pub reason: String,
}

impl std::fmt::Display for CheckpointBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "checkpoint {} (audit entry {}, signed {}) does not match: {}",
            self.id,
            self.seq,
            rfc3339(self.at),
            self.reason
        )
    }
}

/// Every checkpoint checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointsHold {
    pub count: usize,
    pub latest: Option<CheckpointRecord>,
}

/// Checks every checkpoint, oldest first: its signature against the key ring's published keys
/// (active and retired), the stored row against what was signed, and the chain's entry at the
/// signed sequence number against the signed hash; then that the latest checkpoint recorded in the
/// data directory ([`LATEST_CHECKPOINT_FILE`]) is still in the database. A chain rewritten with every hash recomputed
/// still verifies on its own, but not against a checkpoint signed before the rewrite.
pub async fn verify_checkpoints(
    app: &App,
    actor: &Actor,
) -> Result<std::result::Result<CheckpointsHold, CheckpointBreak>> {
    authorize(actor, Action::ReadAudit, None)?;
    let jwks = app.keys.load_async().await?.jwks();
    let all = checkpoints::all_in_order(app.store.pool()).await?;
    for record in &all {
        let broken = |reason: String| {
            Ok(Err(CheckpointBreak {
                id: record.id.clone(),
                seq: record.seq,
                at: record.at,
                reason,
            }))
        };
        let verified = match verify_typed(&record.jws, &jwks, CHECKPOINT_TYP) {
            Ok(verified) => verified,
            Err(error) => return broken(format!("its signature fails: {error}")),
        };
        let Ok(claim) = serde_json::from_value::<CheckpointClaim>(verified.json) else {
            return broken("what it signed is not a checkpoint".into());
        };
        if claim != CheckpointClaim::of(record) || verified.kid != record.kid {
            return broken(format!(
                "the stored row differs from what was signed (entry {}, hash {}, at {})",
                claim.seq, claim.hash, claim.at
            ));
        }
        let rewritten = match audit::hash_at(app.store.pool(), claim.seq).await? {
            None => Some("the audit log has no such entry any more (entries were deleted)"),
            Some(hash) if hash != claim.hash => {
                Some("the entry no longer has the hash that was signed (the log was rewritten after the checkpoint)")
            }
            Some(_) => None,
        };
        if let Some(reason) = rewritten {
            return broken(format!("audit entry {}: {reason}", claim.seq));
        }
    }
    // The latest checkpoint recorded outside the database must still be in it.
    if let Some(recorded) = read_latest(app).await? {
        if !all.iter().any(|c| c.id == recorded.id) {
            return Ok(Err(CheckpointBreak {
                id: recorded.id,
                seq: recorded.seq,
                at: recorded.at,
                reason: format!(
                    "it is recorded in {} but is no longer in the database (checkpoints were deleted)",
                    latest_path(app).display()
                ),
            }));
        }
    }
    Ok(Ok(CheckpointsHold {
        count: all.len(),
        latest: all.last().cloned(),
    }))
}

/// Audit filters as typed by a person or sent by a client: empty strings mean "any".
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct AuditSearch {
    pub organisation_id: Option<String>,
    pub user_id: Option<String>,
    pub kind: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub from: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub to: Option<String>,
    pub before_seq: Option<i64>,
    pub limit: Option<i64>,
}

impl AuditSearch {
    pub fn to_filter(&self) -> Result<AuditFilter> {
        fn given(value: &Option<String>) -> Option<String> {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        }
        let mut invalid = scal_domain::Invalid::default();
        let from = given(&self.from).and_then(|raw| invalid.check(parse_day("from", &raw)));
        let to = given(&self.to).and_then(|raw| invalid.check(parse_day("to", &raw)));
        if let (Some(from), Some(to)) = (from, to) {
            if to < from {
                invalid.0.push(scal_domain::FieldError::new(
                    "to",
                    "The end date must be the same as or after the start date",
                ));
            }
        }
        // An ID that cannot be a record's matches nothing: say so rather than list nothing.
        for (field, id) in [("organisation_id", &self.organisation_id), ("user_id", &self.user_id)] {
            if given(id).is_some_and(|id| uuid::Uuid::parse_str(&id).is_err()) {
                invalid.0.push(scal_domain::FieldError::new(
                    field,
                    "Enter an ID as the API gives it (a UUID)",
                ));
            }
        }
        if let Some(kind) = given(&self.kind) {
            match scal_domain::field::required_text("kind", "the kind", &kind, 200) {
                Err(e) => invalid.0.push(e),
                Ok(kind) if kind.contains(['\n', '\r', '\t']) => invalid
                    .0
                    .push(scal_domain::FieldError::new("kind", "Enter the kind on one line")),
                Ok(_) => {}
            }
        }
        let limit = self.limit.unwrap_or(100);
        if !(1..=500).contains(&limit) {
            invalid.0.push(scal_domain::FieldError::new(
                "limit",
                "Limit must be a number from 1 to 500",
            ));
        }
        let filter = AuditFilter {
            org_id: given(&self.organisation_id),
            actor_user_id: given(&self.user_id),
            kind: given(&self.kind).filter(|k| k != scal_domain::audit::SECURITY_EVENTS),
            kinds: given(&self.kind)
                .filter(|k| k == scal_domain::audit::SECURITY_EVENTS)
                .map(|_| {
                    scal_domain::audit::SECURITY_EVENT_KINDS
                        .iter()
                        .map(|k| k.to_string())
                        .collect()
                }),
            from: from.map(|day| crate::micros(day.midnight().assume_utc())),
            until: to.map(|day| crate::micros(day.midnight().assume_utc() + time::Duration::days(1))),
            before_seq: self.before_seq,
            limit,
        };
        invalid.finish(|| Some(filter)).map_err(AppError::Invalid)
    }
}

fn parse_day(field: &str, raw: &str) -> std::result::Result<time::Date, scal_domain::FieldError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(raw, &format)
        .map_err(|_| scal_domain::FieldError::new(field, "Enter a real date in the format YYYY-MM-DD, like 2026-06-30"))
}

/// After `scal restore`: an audit entry (`system.restored`) naming the backup the data came from,
/// so the log shows where its history was carried over from one instance to another.
pub async fn record_restore(app: &App, backup: serde_json::Value, now: OffsetDateTime) -> Result<()> {
    let mut tx = app.store.begin().await?;
    tx.audit(crate::audit_entry(
        &Actor::System,
        now,
        "system.restored",
        None,
        "system",
        None,
        Some(backup),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}
