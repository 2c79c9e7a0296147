//! Evidence files: uploaded once by a supplier organisation, then linked to any number of
//! requirements, on any sheet and service.

use scal_domain::evidence::{sanitise_file_name, sniff};
use scal_domain::policy::{authorize, Action, Actor};
use scal_domain::template::AnswerKind;
use scal_store::records::evidence::{self, EvidenceRecord, LinkRecord};
use scal_store::records::scals::{self, AnswerRecord};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::scals::{ensure_editable, get_scal};
use crate::{audit_entry, micros, new_id, App, AppError, Result};

/// Stores a file for the SCAL's organisation (supplier). Its kind is sniffed from the bytes;
/// anything over the limit or not an accepted kind is refused and nothing is stored.
pub async fn upload(
    app: &App,
    actor: &Actor,
    scal_id: &str,
    file_name: &str,
    bytes: &[u8],
    now: OffsetDateTime,
) -> Result<EvidenceRecord> {
    let (_, product) = get_scal(app, actor, scal_id).await?;
    authorize(actor, Action::AnswerScal, Some(&product.org_id))?;
    let prepared = prepare(app, &product.org_id, file_name, bytes).await?;
    let mut tx = app.store.begin().await?;
    let record = insert_in(app, &mut tx, actor, &product.org_id, prepared, now).await?;
    tx.commit().await?;
    Ok(record)
}

/// A file checked and written to the file store, ready for its row.
pub(crate) struct PreparedFile {
    file_name: String,
    content_type: &'static str,
    size: usize,
    sha256: String,
}

/// Checks a file for an organisation (size, kind sniffed from the bytes, quota) and writes its
/// bytes *before* any transaction, so a large write never holds the store's write lock (on
/// SQLite, every other change, sign-ins included, would wait for it). A refused file writes
/// nothing.
pub(crate) async fn prepare(app: &App, org_id: &str, file_name: &str, bytes: &[u8]) -> Result<PreparedFile> {
    let limit = app.settings.max_evidence_bytes;
    if bytes.len() > limit {
        return Err(AppError::invalid(
            "file",
            format!("The file is larger than {} MiB", limit / (1024 * 1024)),
        ));
    }
    let file_name = sanitise_file_name(file_name);
    let kind = sniff(bytes, &file_name).map_err(|e| AppError::Invalid(scal_domain::Invalid(vec![e])))?;
    let sha256 = hex::encode(Sha256::digest(bytes));
    {
        let mut conn = app.store.acquire().await?;
        within_quota(
            &mut conn,
            org_id,
            &sha256,
            bytes.len(),
            app.settings.evidence_quota_bytes,
        )
        .await?;
    }
    app.files.put(&sha256, bytes).await?;
    Ok(PreparedFile {
        file_name,
        content_type: kind.content_type(),
        size: bytes.len(),
        sha256,
    })
}

/// The row of a prepared file, inside the caller's transaction, audited.
pub(crate) async fn insert_in(
    app: &App,
    tx: &mut scal_store::Tx,
    actor: &Actor,
    org_id: &str,
    file: PreparedFile,
    now: OffsetDateTime,
) -> Result<EvidenceRecord> {
    // Concurrent uploads for the organisation wait here, so each counts the others' files. One that
    // lost the race is refused here, and its bytes stay in the content-addressed store unreferenced
    // (as after any rolled-back upload) until they are collected.
    tx.lock_key(&format!("evidence-quota:{org_id}")).await?;
    // The file's lock, which a collection of files holds while it removes one (`collect_files`).
    tx.lock_key(&file_lock(&file.sha256)).await?;
    within_quota(
        tx.conn(),
        org_id,
        &file.sha256,
        file.size,
        app.settings.evidence_quota_bytes,
    )
    .await?;
    let record = EvidenceRecord {
        id: new_id(),
        org_id: org_id.to_string(),
        file_name: file.file_name,
        content_type: file.content_type.into(),
        size: file.size as i64,
        storage_key: file.sha256.clone(),
        sha256: file.sha256,
        uploaded_by: actor.label().to_string(),
        uploaded_at: micros(now),
    };
    evidence::insert(tx.conn(), &record).await?;
    // After the insert, which on SQLite holds the write lock: a collection that removed these bytes
    // (unreferenced and past its grace period) has committed by now, and the row must not commit.
    if app.files.written_at(&record.storage_key).await?.is_none() {
        // Asked to retry: the upload writes the bytes again.
        return Err(AppError::Busy { retry_after_secs: 1 });
    }
    tx.audit(audit_entry(
        actor,
        now,
        "evidence.uploaded",
        Some(org_id),
        &record.id,
        None,
        crate::to_json(&record),
    ))
    .await?;
    Ok(record)
}

/// Refuses a file that would take the organisation's stored evidence over `quota`. Files are
/// stored by content, so bytes the organisation already has cost nothing.
async fn within_quota(conn: &mut scal_store::Conn, org_id: &str, sha256: &str, len: usize, quota: u64) -> Result<()> {
    let used = u64::try_from(evidence::stored_bytes(&mut *conn, org_id).await?).unwrap_or(0);
    let adds = if evidence::org_has_file(&mut *conn, org_id, sha256).await? {
        0
    } else {
        len as u64
    };
    if used.saturating_add(adds) > quota {
        return Err(AppError::invalid(
            "file",
            format!(
                "This file ({}) would take your organisation's evidence over its quota: {} of {} is used. \
                 Ask NHS England if you need more room",
                human_bytes(adds),
                human_bytes(used),
                human_bytes(quota)
            ),
        ));
    }
    Ok(())
}

/// `5 GiB`, `120.5 MiB`, `900 bytes`.
fn human_bytes(n: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (size, unit) in UNITS {
        if n >= size {
            let value = format!("{:.1}", n as f64 / size as f64);
            return format!("{} {unit}", value.strip_suffix(".0").unwrap_or(&value));
        }
    }
    format!("{n} bytes")
}

/// The organisation's evidence, for the SCAL's pages.
pub async fn list(app: &App, actor: &Actor, scal_id: &str) -> Result<Vec<EvidenceRecord>> {
    let (_, product) = get_scal(app, actor, scal_id).await?;
    Ok(evidence::for_org(app.store.pool(), &product.org_id).await?)
}

/// A file and its bytes, if the actor may see its organisation's data.
pub async fn download(app: &App, actor: &Actor, id: &str) -> Result<(EvidenceRecord, Vec<u8>)> {
    let record = evidence::get(app.store.pool(), crate::known_id(id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    authorize(actor, Action::ReadProducts, Some(&record.org_id))?;
    // An end user organisation's own files (its local assurance) are its alone: not even NHS
    // England reads them here.
    let owner = scal_store::records::organisations::get(app.store.pool(), &record.org_id).await?;
    if owner.is_some_and(|o| o.kind == scal_domain::organisation::OrgKind::Euo)
        && actor.org_id() != Some(record.org_id.as_str())
    {
        return Err(AppError::NotFound);
    }
    let bytes = app.files.get(&record.storage_key).await?;
    Ok((record, bytes))
}

/// What a link names, checked: the SCAL (which the supplier may answer), one of its
/// organisation's files, and a requirement of one of its sheets (`(sheet name, requirement)`).
struct LinkTarget {
    scal: scal_store::records::scals::ScalRecord,
    product: scal_store::ProductRecord,
    file: EvidenceRecord,
    sheet_name: String,
    requirement: scal_domain::template::Requirement,
}

async fn link_target(
    app: &App,
    actor: &Actor,
    scal_id: &str,
    evidence_id: &str,
    sheet_id: &str,
    requirement_id: &str,
) -> Result<LinkTarget> {
    let (scal, product) = get_scal(app, actor, scal_id).await?;
    authorize(actor, Action::AnswerScal, Some(&product.org_id))?;
    // The requirement page's list starts with "Choose a file", which sends nothing.
    if evidence_id.trim().is_empty() {
        return Err(AppError::invalid("evidence_id", "Choose a file to link"));
    }
    // Another organisation's file reads as no file at all; a form only offers the supplier's own.
    let file = evidence::get(app.store.pool(), crate::known_id(evidence_id)?)
        .await?
        .filter(|f| f.org_id == product.org_id)
        .ok_or(AppError::NotFound)?;
    // The SCAL's structure (sheets, requirements, what is scoped out) never changes once issued.
    let issued = crate::scals::sheets(app, actor, &product.id).await?;
    let sheet = issued
        .into_iter()
        .find(|s| s.record.id == sheet_id)
        .ok_or_else(|| AppError::invalid("sheet_id", "There is no such sheet in this SCAL"))?;
    let requirement_id = requirement_id.trim();
    let requirement = sheet
        .sheet
        .requirements
        .into_iter()
        .find(|r| r.id == requirement_id)
        .ok_or_else(|| {
            AppError::invalid(
                "requirement_id",
                format!("Requirement {requirement_id:?} is not in this sheet of the SCAL"),
            )
        })?;
    Ok(LinkTarget {
        scal,
        product,
        file,
        sheet_name: sheet.record.name,
        requirement,
    })
}

/// Links a file to a requirement of the SCAL (supplier). An attachment question is then answered
/// with the names of its files.
pub async fn link(
    app: &App,
    actor: &Actor,
    scal_id: &str,
    evidence_id: &str,
    sheet_id: &str,
    requirement_id: &str,
    now: OffsetDateTime,
) -> Result<()> {
    let LinkTarget {
        scal,
        product,
        file,
        sheet_name,
        requirement,
    } = link_target(app, actor, scal_id, evidence_id, sheet_id, requirement_id).await?;
    let mut tx = app.store.begin().await?;
    scals::lock_scal(&mut tx, &scal.id).await?;
    ensure_editable(&mut tx, &scal.id).await?;
    // What is linked now, read under the lock.
    let linked = evidence::links_for_requirement(tx.conn(), sheet_id, &requirement.id).await?;
    if linked.iter().any(|(_, e)| e.id == file.id) {
        return Err(AppError::invalid(
            "evidence_id",
            format!("{} already backs this requirement", file.file_name),
        ));
    }
    evidence::insert_link(
        tx.conn(),
        &LinkRecord {
            evidence_id: file.id.clone(),
            scal_sheet_id: sheet_id.to_string(),
            requirement_id: requirement.id.clone(),
            linked_by: actor.label().to_string(),
            linked_at: micros(now),
        },
    )
    .await?;
    let answered = reanswer_attachment(&mut tx, actor, sheet_id, &requirement, now).await?;
    tx.audit(audit_entry(
        actor,
        now,
        "evidence.linked",
        Some(&product.org_id),
        &file.id,
        None,
        Some(
            serde_json::json!({"scal_id": scal.id, "sheet": sheet_name, "requirement_id": requirement.id,
            "file": file.file_name, "sha256": file.sha256, "answer": answered}),
        ),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sets an attachment question's answer to the names of the files linked to it now (none: not
/// answered), under the caller's lock. Other kinds keep their answer.
async fn reanswer_attachment(
    tx: &mut scal_store::Tx,
    actor: &Actor,
    sheet_id: &str,
    requirement: &scal_domain::template::Requirement,
    now: OffsetDateTime,
) -> Result<serde_json::Value> {
    if requirement.answer_kind != AnswerKind::Attachment {
        return Ok(serde_json::Value::Null);
    }
    let linked = evidence::links_for_requirement(tx.conn(), sheet_id, &requirement.id).await?;
    let before = scals::answer(tx.conn(), sheet_id, &requirement.id).await?;
    let names: Vec<&str> = linked.iter().map(|(_, e)| e.file_name.as_str()).collect();
    let record = AnswerRecord {
        scal_sheet_id: sheet_id.to_string(),
        requirement_id: requirement.id.clone(),
        response: (!names.is_empty()).then(|| names.join("; ")),
        justification: before.as_ref().and_then(|a| a.justification.clone()),
        mitigation: before.as_ref().and_then(|a| a.mitigation.clone()),
        target_date: before.as_ref().and_then(|a| a.target_date.clone()),
        updated_at: micros(now),
        updated_by: actor.label().to_string(),
        imported_from: None,
    };
    scals::upsert_answer(tx, &record).await?;
    Ok(serde_json::json!({"before": before.and_then(|a| a.response), "after": record.response}))
}

/// Whether a file is part of a submitted round (and so can never be deleted).
pub async fn submitted(app: &App, file: &EvidenceRecord) -> Result<bool> {
    Ok(!evidence::submitted_with(app.store.pool(), &file.org_id, &file.sha256)
        .await?
        .is_empty())
}

/// Unlinks a file from a requirement of the SCAL (supplier), while the SCAL may be changed. An
/// attachment question is then answered by the files still linked (or is unanswered).
pub async fn unlink(
    app: &App,
    actor: &Actor,
    scal_id: &str,
    evidence_id: &str,
    sheet_id: &str,
    requirement_id: &str,
    now: OffsetDateTime,
) -> Result<()> {
    let LinkTarget {
        scal,
        product,
        file,
        sheet_name,
        requirement,
    } = link_target(app, actor, scal_id, evidence_id, sheet_id, requirement_id).await?;
    let mut tx = app.store.begin().await?;
    scals::lock_scal(&mut tx, &scal.id).await?;
    ensure_editable(&mut tx, &scal.id).await?;
    if evidence::delete_link(tx.conn(), &file.id, sheet_id, &requirement.id).await? == 0 {
        return Err(AppError::invalid(
            "evidence_id",
            format!("{} is not linked to this requirement", file.file_name),
        ));
    }
    let answered = reanswer_attachment(&mut tx, actor, sheet_id, &requirement, now).await?;
    tx.audit(audit_entry(
        actor,
        now,
        "evidence.unlinked",
        Some(&product.org_id),
        &file.id,
        Some(serde_json::json!({"scal_id": scal.id, "sheet": sheet_name, "requirement_id": requirement.id})),
        Some(serde_json::json!({"file": file.file_name, "sha256": file.sha256, "answer": answered})),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes one of the organisation's files (supplier): refused while any submitted round names
/// it (what was submitted stays checkable) or while it backs a SCAL that is with NHS England.
/// Its links go with it, and attachment questions it answered are answered by what remains.
/// The bytes stay in the content-addressed store, where another record may share them.
pub async fn delete(app: &App, actor: &Actor, evidence_id: &str, now: OffsetDateTime) -> Result<()> {
    let file = evidence::get(app.store.pool(), crate::known_id(evidence_id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    // Another organisation's file reads as an unknown one.
    authorize(actor, Action::ReadProducts, Some(&file.org_id)).map_err(|_| AppError::NotFound)?;
    authorize(actor, Action::AnswerScal, Some(&file.org_id))?;
    let rounds = evidence::submitted_with(app.store.pool(), &file.org_id, &file.sha256).await?;
    if let Some((_, round)) = rounds.first() {
        return Err(AppError::Conflict(format!(
            "{} cannot be deleted: it is part of submitted round {round}, which must stay as it was submitted",
            file.file_name
        )));
    }
    let links = evidence::links_to_file(app.store.pool(), &file.id).await?;
    // Each SCAL's requirements, to re-answer attachment questions the file answered.
    let mut requirements = Vec::new();
    for (link, scal_id) in &links {
        let (_, product) = get_scal(app, actor, scal_id).await?;
        let issued = crate::scals::sheets(app, actor, &product.id).await?;
        let requirement = issued
            .iter()
            .find(|s| s.record.id == link.scal_sheet_id)
            .and_then(|s| s.sheet.requirements.iter().find(|r| r.id == link.requirement_id))
            .cloned();
        requirements.push((link, scal_id, requirement));
    }
    let mut tx = app.store.begin().await?;
    if scal_store::records::test_results::cites(tx.conn(), &file.id).await? {
        return Err(AppError::Conflict(format!(
            "{} cannot be deleted: NHS England cites it in a witness-test result",
            file.file_name
        )));
    }
    // A file an active share gives an end user organisation stays until the share stops giving
    // it; ended shares forget it.
    let sharing = scal_store::records::shares::sharing_file(tx.conn(), &file.id).await?;
    let mut active: Vec<&str> = sharing
        .iter()
        .filter(|s| crate::shares::share_state(s, now.date()) == scal_domain::share::ShareState::Active)
        .map(|s| s.euo_ods.as_str())
        .collect();
    active.sort_unstable();
    if !active.is_empty() {
        return Err(AppError::Conflict(format!(
            "{} cannot be deleted: it is shared with {}. Stop sharing it first (change the files a share gives)",
            file.file_name,
            active.join(", ")
        )));
    }
    scal_store::records::shares::forget_file(tx.conn(), &file.id).await?;
    for (link, scal_id, requirement) in &requirements {
        scals::lock_scal(&mut tx, scal_id).await?;
        ensure_editable(&mut tx, scal_id).await?;
        evidence::delete_link(tx.conn(), &file.id, &link.scal_sheet_id, &link.requirement_id).await?;
        if let Some(requirement) = requirement {
            reanswer_attachment(&mut tx, actor, &link.scal_sheet_id, requirement, now).await?;
        }
    }
    evidence::delete(tx.conn(), &file.id).await?;
    tx.audit(audit_entry(
        actor,
        now,
        "evidence.deleted",
        Some(&file.org_id),
        &file.id,
        Some(serde_json::json!({"file": file.file_name, "sha256": file.sha256, "size": file.size,
            "links": links.iter().map(|(l, s)| serde_json::json!({"scal_id": s, "sheet_id": l.scal_sheet_id, "requirement_id": l.requirement_id})).collect::<Vec<_>>()})),
        None,
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The lock a stored file's key is collected and referenced under (see [`collect_files`]).
fn file_lock(key: &str) -> String {
    format!("file:{key}")
}

/// Why a backup or a files collection did not start.
pub const MAINTENANCE_BUSY: &str =
    "A backup or a collection of unreferenced files is already running on this database: try again once it has finished.";

/// Removes the stored files no evidence row refers to, last written more than `grace` before
/// `now`: what rolled-back or interrupted uploads left, and files whose last row was deleted.
/// With `dry_run`, counts what it would remove and removes nothing.
///
/// Files are listed before the references are read, so a file whose row commits meanwhile is
/// seen as referenced. Each file then goes inside a transaction that holds the file's lock (and
/// on SQLite the write lock) and finds no row referring to it; an upload inserting a row for the
/// same key takes the same lock and checks, after its insert, that the file is still there
/// ([`insert_in`]), so a row never refers to a removed file. A file written again since it was
/// listed (an upload of the same bytes marks it so) is kept.
///
/// Refused, unless `force`, when no row refers to any file yet the store holds some older than
/// the grace period: the database is probably not the one these files belong to.
pub async fn collect_files(
    app: &App,
    now: time::OffsetDateTime,
    grace: time::Duration,
    dry_run: bool,
    force: bool,
) -> Result<scal_store::files::Collected> {
    // Not while a backup copies the files: it could miss one its database snapshot refers to.
    let Some(maintenance) = app.store.try_maintenance_lock(scal_store::FILES_MAINTENANCE).await? else {
        return Err(AppError::Conflict(MAINTENANCE_BUSY.into()));
    };
    let collected = collect_files_locked(app, now, grace, dry_run, force).await;
    maintenance.release().await;
    collected
}

async fn collect_files_locked(
    app: &App,
    now: time::OffsetDateTime,
    grace: time::Duration,
    dry_run: bool,
    force: bool,
) -> Result<scal_store::files::Collected> {
    let before = std::time::SystemTime::from(now - grace);
    let listed = app.files.list().await?;
    let referenced = scal_store::records::evidence::storage_keys(app.store.pool()).await?;
    let old = listed.iter().filter(|f| f.written_at < before).count();
    if referenced.is_empty() && old > 0 && !force {
        return Err(AppError::Conflict(format!(
            "No evidence row refers to any file, yet the file store holds {old} file(s) older than the grace \
             period: is this the database those files belong to? Check the database URL and file_store_url \
             (one bucket or prefix per installation), or pass --force."
        )));
    }
    let mut collected = scal_store::files::Collected::default();
    for file in listed {
        if referenced.contains(&file.key) || file.written_at >= before {
            collected.kept += 1;
            continue;
        }
        let mut tx = app.store.begin().await?;
        tx.lock_key(&file_lock(&file.key)).await?;
        tx.hold_write_lock().await?;
        if scal_store::records::evidence::refers_to(tx.conn(), &file.key).await? {
            collected.kept += 1;
            continue;
        }
        match app.files.written_at(&file.key).await? {
            Some(at) if at < before => {
                if !dry_run {
                    app.files.delete(&file.key).await?;
                }
                collected.removed += 1;
            }
            Some(_) => collected.kept += 1,
            None => {}
        }
        tx.commit().await?;
    }
    if !dry_run {
        collected.partials = app.files.sweep_partials(before).await?;
    }
    tracing::info!(
        kept = collected.kept,
        removed = collected.removed,
        partials = collected.partials,
        dry_run,
        "files collected"
    );
    Ok(collected)
}

#[cfg(test)]
mod tests {
    use super::human_bytes;

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(human_bytes(900), "900 bytes");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(25 * 1024 * 1024), "25 MiB");
        assert_eq!(human_bytes(5 * 1024 * 1024 * 1024), "5 GiB");
    }
}
