//! Certificates of technical conformance: issued by NHS England for an accepted SCAL once testing
//! is complete, signed so anyone can check them, revoked (finally) by NHS England; and the
//! conditions they carry, met by the supplier and confirmed by NHS England. A certificate's status
//! is `certificate::status`, derived on every read.

use scal_domain::certificate::{
    self, issue_blockers, CertificateCondition, CertificateFacts, CertificateStatus, ConditionProgress,
};
use scal_domain::policy::{authorize, Action, Actor};
use scal_domain::signing::Jwks;
use scal_domain::Invalid;
use scal_store::records::certificates::{self, CertificateRecord, ConditionRecord};
use scal_store::records::{organisations, submissions};
use time::OffsetDateTime;

use crate::scals::get_scal;
use crate::{audit_entry, micros, new_id, App, AppError, Result};

/// A certificate with its facts, its conditions' progress and its status today.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CertificateView {
    pub record: CertificateRecord,
    /// The facts as signed. When the certificate cannot be verified (the status says why): the
    /// signed facts if the signature holds, else the row's, which are then not to be relied on.
    pub facts: CertificateFacts,
    pub conditions: Vec<ConditionRecord>,
    pub status: CertificateStatus,
}

/// A stored certificate as it stands on `today`: its JWS checked against the published keys
/// (`jwks`) and the stored facts against the signed ones (`certificate::verify_signed`), so a row
/// altered in the database reads as a certificate that cannot be verified, never as valid.
pub(crate) async fn view_on(
    conn: &mut scal_store::Conn,
    record: CertificateRecord,
    jwks: &Jwks,
    today: time::Date,
) -> Result<CertificateView> {
    let (facts, unverifiable) = match certificate::verify_signed(&record.id, &record.jws, &record.facts, jwks) {
        Ok(facts) => (facts, None),
        Err(refused) => {
            let facts = match refused.signed {
                Some(signed) => *signed,
                None => serde_json::from_str(&record.facts)
                    .map_err(|e| AppError::Internal(format!("certificate {} facts: {e}", record.id)))?,
            };
            (facts, Some(refused.reason))
        }
    };
    let conditions = certificates::conditions_of(&mut *conn, &record.submission_id).await?;
    let progress: Vec<ConditionProgress> = facts
        .conditions
        .iter()
        .map(|c| {
            conditions
                .iter()
                .find(|r| r.requirement_id == c.requirement_id && r.text == c.text)
                .map_or_else(ConditionProgress::default, |r| ConditionProgress {
                    met: r.met_at.is_some(),
                    confirmed: r.confirmed_at.is_some(),
                })
        })
        .collect();
    let uplifts = crate::uplift::uplift_dues_on(&mut *conn, &record.scal_id).await?;
    let status = certificate::status(
        &facts,
        record.revoke_reason.as_deref(),
        unverifiable.as_deref(),
        &progress,
        &uplifts,
        today,
    );
    Ok(CertificateView {
        record,
        facts,
        conditions,
        status,
    })
}

/// A certificate as the actor may see it: NHS England, or the supplier it was issued to.
pub async fn get(app: &App, actor: &Actor, id: &str, today: time::Date) -> Result<CertificateView> {
    let record = certificates::get(app.store.pool(), crate::known_id(id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    let (_, product) = get_scal(app, actor, &record.scal_id).await?;
    authorize(actor, Action::ReadOnboarding, Some(&product.org_id))?;
    let jwks = crate::keys::jwks(app).await?;
    let mut conn = app.store.acquire().await?;
    view_on(&mut conn, record, &jwks, today).await
}

/// A SCAL's latest certificate with its status on `today`, checked against `jwks`, read on
/// `conn` (no access check: for services that checked already).
pub(crate) async fn latest_on(
    conn: &mut scal_store::Conn,
    scal_id: &str,
    jwks: &Jwks,
    today: time::Date,
) -> Result<Option<CertificateView>> {
    match certificates::for_scal(&mut *conn, scal_id).await?.into_iter().next() {
        Some(record) => Ok(Some(view_on(conn, record, jwks, today).await?)),
        None => Ok(None),
    }
}

/// What anyone may learn about a certificate by its ID, without signing in: its own facts and
/// status, nothing else.
pub async fn public(app: &App, id: &str, today: time::Date) -> Result<CertificateView> {
    let record = certificates::get(app.store.pool(), crate::known_id(id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    let jwks = crate::keys::jwks(app).await?;
    let mut conn = app.store.acquire().await?;
    let mut view = view_on(&mut conn, record, &jwks, today).await?;
    // Who met or confirmed a condition is not the certificate's fact.
    view.conditions.clear();
    Ok(view)
}

/// A SCAL's certificates, newest first.
pub async fn for_scal(app: &App, actor: &Actor, scal_id: &str, today: time::Date) -> Result<Vec<CertificateView>> {
    let (scal, product) = get_scal(app, actor, scal_id).await?;
    authorize(actor, Action::ReadOnboarding, Some(&product.org_id))?;
    let jwks = crate::keys::jwks(app).await?;
    let mut conn = app.store.acquire().await?;
    let mut out = Vec::new();
    for record in certificates::for_scal(&mut *conn, &scal.id).await? {
        out.push(view_on(&mut conn, record, &jwks, today).await?);
    }
    Ok(out)
}

/// The JWS `typ` of a certificate (`certificate::JWS_TYPE`).
pub const JWS_TYPE: &str = certificate::JWS_TYPE;

/// Issues the certificate for a SCAL's accepted round (NHS England): refused, naming what is
/// missing, unless the SCAL is accepted, technical conformance testing is complete and no
/// certificate was issued for that round. `expires_on` is optional (YYYY-MM-DD, after today).
pub async fn issue(
    app: &App,
    actor: &Actor,
    scal_id: &str,
    expires_on: &str,
    now: OffsetDateTime,
) -> Result<CertificateView> {
    let (scal, product) = get_scal(app, actor, scal_id).await?;
    authorize(actor, Action::ReviewSubmission, Some(&product.org_id))?;
    let expires_on = match expires_on.trim() {
        "" => None,
        raw => match scal_domain::check::read_date(raw) {
            Ok(read) if read.date > now.date() => Some(read.date),
            Ok(_) => return Err(AppError::invalid("expires_on", "The expiry date must be after today")),
            Err(e) => {
                return Err(AppError::Invalid(Invalid(vec![scal_domain::FieldError::new(
                    "expires_on",
                    e.message,
                )])))
            }
        },
    };
    // The key ring is read from its files before the transaction; without a key, issuing is
    // refused with the way to create one.
    let keys = app.keys.load_async().await?;
    let mut tx = app.store.begin().await?;
    scal_store::records::scals::lock_scal(&mut tx, &scal.id).await?;
    let rounds = submissions::for_scal(tx.conn(), &scal.id).await?;
    let accepted = rounds
        .last()
        .filter(|r| r.round_status() == scal_domain::review::RoundStatus::Accepted)
        .cloned();
    let already = match &accepted {
        Some(round) => certificates::for_submission(tx.conn(), &round.id).await?.is_some(),
        None => false,
    };
    // Testing read on this transaction, under the SCAL's lock, which recording a result takes too.
    let view = crate::scals::scal_view_on(tx.conn(), app, scal.clone(), product.clone()).await?;
    let incomplete: Vec<String> = crate::testing::read_on(tx.conn(), view)
        .await?
        .incomplete()
        .iter()
        .map(scal_domain::testing::TestBlocker::message)
        .collect();
    let blockers = issue_blockers(accepted.as_ref().map(|r| r.round), &incomplete, already);
    if !blockers.is_empty() {
        return Err(if already {
            AppError::Conflict(blockers.join("; "))
        } else {
            AppError::Blocked(blockers)
        });
    }
    let Some(round) = accepted else {
        return Err(AppError::NotFound);
    };
    let org = organisations::get(tx.conn(), &product.org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut templates = Vec::new();
    for sheet in scal_store::records::scals::sheets(tx.conn(), &scal.id).await? {
        if let Some(version) =
            scal_store::records::templates::get_version(tx.conn(), &sheet.template_version_id).await?
        {
            let name = scal_store::records::templates::get(tx.conn(), &version.template_id)
                .await?
                .map_or_else(|| sheet.name.clone(), |t| t.name);
            let label = format!("{name} version {}", version.version);
            if !templates.contains(&label) {
                templates.push(label);
            }
        }
    }
    let services: Vec<String> = scal_store::records::cases::for_scal(tx.conn(), &scal.id)
        .await?
        .into_iter()
        .map(|c| c.service_code)
        .collect();
    let conditions: Vec<CertificateCondition> = certificates::conditions_of(tx.conn(), &round.id)
        .await?
        .into_iter()
        .map(|c| {
            // A condition the certificate cannot state is an error, never silently left off.
            let due = crate::stored_date(&c.due_date)
                .ok_or_else(|| AppError::Internal(format!("condition {} has due date {:?}", c.id, c.due_date)))?;
            Ok(CertificateCondition {
                due,
                requirement_id: c.requirement_id,
                text: c.text,
            })
        })
        .collect::<Result<_>>()?;
    // Numbers are shared by every SCAL: taken under one lock (PostgreSQL; SQLite has one writer).
    tx.lock_key("certificate-sequence").await?;
    let sequence = certificates::next_sequence(tx.conn()).await?;
    let id = new_id();
    let facts = CertificateFacts {
        certificate_id: id.clone(),
        number: certificate::number(sequence),
        supplier: org.name.clone(),
        supplier_ods_code: org.ods_code.to_string(),
        product: product.details.name.clone(),
        product_version: product.details.version.clone(),
        services,
        templates,
        accepted_round: round.round,
        snapshot_sha256: round.sha256.clone(),
        conditions,
        issued_on: now.date(),
        expires_on,
        issuer: actor.label().to_string(),
    };
    let canonical = scal_domain::signing::canonical_json(&facts).map_err(|e| AppError::Internal(e.to_string()))?;
    let jws = keys.sign_json(JWS_TYPE, &facts)?;
    let record = CertificateRecord {
        id: id.clone(),
        sequence,
        scal_id: scal.id.clone(),
        submission_id: round.id.clone(),
        facts: String::from_utf8(canonical).map_err(|e| AppError::Internal(e.to_string()))?,
        jws,
        issued_by: actor.label().to_string(),
        issued_at: micros(now),
        revoked_by: None,
        revoked_at: None,
        revoke_reason: None,
    };
    certificates::insert(tx.conn(), &record).await?;
    tx.audit(audit_entry(
        actor,
        now,
        "certificate.issued",
        Some(&product.org_id),
        &id,
        None,
        Some(serde_json::json!({"number": facts.number, "round": round.round, "sha256": round.sha256})),
    ))
    .await?;
    let suppliers = crate::notifications::organisation_users(&mut tx, &product.org_id).await?;
    crate::notifications::tell(
        &mut tx,
        &suppliers,
        "certificate",
        &format!("Certificate issued: {}", product.details.title()),
        &format!(
            "NHS England issued certificate {} for {}",
            facts.number,
            product.details.title()
        ),
        &format!("/certificates/{id}"),
        now,
    )
    .await?;
    let view = view_on(tx.conn(), record, &keys.jwks(), now.date()).await?;
    // End user organisations with a share hear of the new certificate at once.
    crate::shares::tell_change_on(&mut tx, &keys.jwks(), scal_id, now).await?;
    tx.commit().await?;
    Ok(view)
}

/// Revokes a certificate (NHS England), saying why: final; 409 if already revoked.
pub async fn revoke(app: &App, actor: &Actor, id: &str, reason: &str, now: OffsetDateTime) -> Result<CertificateView> {
    let view = get(app, actor, id, now.date()).await?;
    let (_, product) = get_scal(app, actor, &view.record.scal_id).await?;
    authorize(actor, Action::ReviewSubmission, Some(&product.org_id))?;
    let reason = scal_domain::field::required_text("reason", "why the certificate is revoked", reason, 2_000)
        .map_err(|e| AppError::Invalid(Invalid(vec![e])))?;
    let mut tx = app.store.begin().await?;
    if !certificates::revoke(tx.conn(), &view.record.id, actor.label(), micros(now), &reason).await? {
        return Err(AppError::Conflict("This certificate has already been revoked".into()));
    }
    tx.audit(audit_entry(
        actor,
        now,
        "certificate.revoked",
        Some(&product.org_id),
        &view.record.id,
        Some(serde_json::json!({"status": view.status.code()})),
        Some(serde_json::json!({"status": "revoked", "reason": reason})),
    ))
    .await?;
    let suppliers = crate::notifications::organisation_users(&mut tx, &product.org_id).await?;
    crate::notifications::tell(
        &mut tx,
        &suppliers,
        "certificate",
        &format!("Certificate revoked: {}", product.details.title()),
        &format!("NHS England revoked certificate {}: {reason}", view.facts.number),
        &format!("/certificates/{}", view.record.id),
        now,
    )
    .await?;
    let jwks = crate::keys::jwks(app).await?;
    crate::shares::tell_change_on(&mut tx, &jwks, &view.record.scal_id, now).await?;
    tx.commit().await?;
    get(app, actor, id, now.date()).await
}

/// What happened to a condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConditionStep {
    /// The supplier says it is met.
    Met,
    /// NHS England confirms it (lifting a suspension it caused).
    Confirmed,
}

/// The supplier marks a condition met (with a note saying how), or NHS England confirms it.
pub async fn condition(
    app: &App,
    actor: &Actor,
    condition_id: &str,
    step: ConditionStep,
    note: &str,
    now: OffsetDateTime,
) -> Result<ConditionRecord> {
    let pool = app.store.pool();
    // Condition IDs are `{verdict ID}-{position}`, not UUIDs.
    let id = condition_id.trim();
    if id.len() > 60 || id.is_empty() {
        return Err(AppError::NotFound);
    }
    let record = certificates::condition(pool, id).await?.ok_or(AppError::NotFound)?;
    let round = submissions::get(pool, &record.submission_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (_, product) = get_scal(app, actor, &round.scal_id).await?;
    if round.round_status() != scal_domain::review::RoundStatus::Accepted {
        authorize(actor, Action::ReadOnboarding, Some(&product.org_id))?;
        return Err(AppError::Conflict(
            "Only the conditions of an accepted round can be met".into(),
        ));
    }
    let mut tx = app.store.begin().await?;
    // Under the SCAL's lock and read again, so a met and a confirm cannot cross.
    scal_store::records::scals::lock_scal(&mut tx, &round.scal_id).await?;
    let record = certificates::condition(tx.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (kind, after) = match step {
        ConditionStep::Met => {
            authorize(actor, Action::AnswerScal, Some(&product.org_id))?;
            let note = scal_domain::field::required_text("note", "how the condition was met", note, 2_000)
                .map_err(|e| AppError::Invalid(Invalid(vec![e])))?;
            if record.confirmed_at.is_some() {
                return Err(AppError::Conflict(
                    "NHS England has already confirmed this condition".into(),
                ));
            }
            certificates::mark_met(tx.conn(), id, actor.label(), micros(now), &note).await?;
            ("condition.met", serde_json::json!({"note": note}))
        }
        ConditionStep::Confirmed => {
            authorize(actor, Action::ReviewSubmission, Some(&product.org_id))?;
            if record.met_at.is_none() {
                return Err(AppError::Conflict(
                    "The supplier has not said this condition is met yet".into(),
                ));
            }
            if record.confirmed_at.is_some() {
                return Err(AppError::Conflict("This condition has already been confirmed".into()));
            }
            certificates::confirm(tx.conn(), id, actor.label(), micros(now)).await?;
            ("condition.confirmed", serde_json::json!({"confirmed": true}))
        }
    };
    tx.audit(audit_entry(
        actor,
        now,
        kind,
        Some(&product.org_id),
        id,
        None,
        Some(after),
    ))
    .await?;
    let told = match step {
        ConditionStep::Met => {
            let services: Vec<String> = scal_store::records::cases::for_scal(tx.conn(), &round.scal_id)
                .await?
                .into_iter()
                .map(|c| c.service_code)
                .collect();
            crate::notifications::reviewers(&mut tx, &services).await?
        }
        ConditionStep::Confirmed => crate::notifications::organisation_users(&mut tx, &product.org_id).await?,
    };
    crate::notifications::tell(
        &mut tx,
        &told,
        "condition",
        &format!(
            "Condition {}: {}",
            if step == ConditionStep::Met { "met" } else { "confirmed" },
            product.details.title()
        ),
        &format!("{}: {}", record.requirement_id, record.text),
        &format!("/scals/{}", round.scal_id),
        now,
    )
    .await?;
    // A confirmation can lift a suspension: the EUOs hear of it at once.
    let jwks = crate::keys::jwks(app).await?;
    crate::shares::tell_change_on(&mut tx, &jwks, &round.scal_id, now).await?;
    tx.commit().await?;
    certificates::condition(app.store.pool(), id)
        .await?
        .ok_or(AppError::NotFound)
}
