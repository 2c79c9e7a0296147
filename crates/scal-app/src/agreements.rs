//! Connection agreements: NHS England administrators publish versions; NHS England prepares an
//! agreement for a certified SCAL naming the supplier's signatory; only that signatory accepts,
//! sealing exactly what was accepted (`scal_domain::agreement::Seal`); a new version's acceptance
//! is requested from every existing party by preparing a new agreement on it. An agreement's
//! state is `agreement::state`, derived on every read.

use scal_domain::agreement::{self, AgreementState, Seal, SealDocument, SealOrganisation, Signatory};
use scal_domain::policy::{authorize, Action, Actor};
use scal_domain::signing::Jwks;
use scal_domain::user::Role;
use scal_store::records::agreements::{self, AgreementRecord, VersionRecord};
use scal_store::records::{certificates, organisations, users};
use time::{Date, OffsetDateTime};

use crate::scals::get_scal;
use crate::{audit_entry, micros, new_id, App, AppError, Result};

/// An agreement with its version, signatory and state today.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AgreementView {
    pub record: AgreementRecord,
    pub version: VersionRecord,
    pub signatory_email: String,
    pub signatory_name: String,
    /// The named signatory is still an active administrator of the supplier, so can accept it.
    pub signatory_eligible: bool,
    pub product: String,
    pub supplier: String,
    pub state: AgreementState,
    /// Once accepted: the seal as published (fields, their hashes, and the seal hash *as stored*
    /// at acceptance).
    pub seal: Option<SealDocument>,
    /// Once accepted, when the seal hash recomputed from the stored acceptance is not the stored
    /// one (the stored acceptance was altered): the recomputed hash.
    pub seal_recomputed: Option<String>,
}

/// Whether `user` may accept an agreement for organisation `org_id`: an active administrator of it.
fn eligible(user: &users::UserRecord, org_id: &str) -> bool {
    user.active && user.org_id == org_id && user.role == Role::SupplierAdmin
}

fn iso(date: Date) -> String {
    date.to_string()
}

/// The state of each of a SCAL's agreements on `today` (`agreement::states`): one is superseded
/// once a later one has started.
fn states(records: &[AgreementRecord], today: Date) -> Vec<AgreementState> {
    let dated: Vec<(i64, Option<Date>)> = records
        .iter()
        .map(|r| {
            let start = r.start_date.as_deref().and_then(crate::stored_date);
            (r.sequence, start.filter(|_| r.accepted_at.is_some()))
        })
        .collect();
    agreement::states(&dated, today)
}

/// The agreement in force for a SCAL, or the latest, with its state on `today`: the newest active
/// one; else the newest accepted one not yet started; else the newest (waiting for its signatory).
pub(crate) async fn current_on(
    conn: &mut scal_store::Conn,
    scal_id: &str,
    today: Date,
) -> Result<Option<(AgreementRecord, AgreementState)>> {
    let records = agreements::for_scal(&mut *conn, scal_id).await?;
    let states = states(&records, today);
    let each = || records.iter().zip(states.iter().copied());
    let current = each()
        .find(|(_, s)| *s == AgreementState::Active)
        .or_else(|| each().find(|(_, s)| *s == AgreementState::Accepted))
        .or_else(|| each().next());
    Ok(current.map(|(r, s)| (r.clone(), s)))
}

async fn view_on(conn: &mut scal_store::Conn, record: AgreementRecord, today: Date) -> Result<AgreementView> {
    let version = agreements::version(&mut *conn, &record.version_id)
        .await?
        .ok_or_else(|| AppError::Internal(format!("agreement {} has no version", record.id)))?;
    let signatory = users::get(&mut *conn, &record.signatory_user_id)
        .await?
        .ok_or_else(|| AppError::Internal(format!("agreement {} has no signatory", record.id)))?;
    let scal = scal_store::records::scals::get_scal(&mut *conn, &record.scal_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let product = scal_store::records::products::get(&mut *conn, &scal.product_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let supplier = organisations::get(&mut *conn, &product.org_id)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let siblings = agreements::for_scal(&mut *conn, &record.scal_id).await?;
    let state = siblings
        .iter()
        .zip(states(&siblings, today))
        .find(|(r, _)| r.id == record.id)
        .map_or(AgreementState::Prepared, |(_, s)| s);
    // The seal hash shown and published is the one stored at acceptance, never one recomputed
    // now; a recomputation that differs is flagged.
    let (seal, seal_recomputed) = match &record.seal {
        Some(json) => {
            let seal: Seal = serde_json::from_str(json)
                .map_err(|e| AppError::Internal(format!("agreement {} seal: {e}", record.id)))?;
            let mut doc = SealDocument::new(&record.reference, seal);
            let stored = record.seal_sha256.clone().unwrap_or_default();
            let recomputed = (doc.seal_sha256 != stored).then(|| doc.seal_sha256.clone());
            doc.seal_sha256 = stored;
            (Some(doc), recomputed)
        }
        None => (None, None),
    };
    Ok(AgreementView {
        version,
        signatory_eligible: eligible(&signatory, &product.org_id),
        signatory_email: signatory.email.as_str().to_string(),
        signatory_name: signatory.name,
        product: product.details.title(),
        supplier,
        state,
        seal,
        seal_recomputed,
        record,
    })
}

/// Publishes a new version of the agreement (NHS England administrators): its title, text and the
/// date it takes effect. The same text twice is refused: a version is named by its text's SHA-256.
pub async fn publish_version(
    app: &App,
    actor: &Actor,
    title: &str,
    text: &str,
    effective_date: &str,
    now: OffsetDateTime,
) -> Result<VersionRecord> {
    authorize(actor, Action::PublishAgreementVersion, None)?;
    let input = agreement::parse_version(title, text, effective_date).map_err(AppError::Invalid)?;
    let sha256 = agreement::version_hash(&input.text);
    let mut tx = app.store.begin().await?;
    if let Some(existing) = agreements::version_by_hash(tx.conn(), &sha256).await? {
        return Err(AppError::invalid(
            "text",
            format!("This text is already published, as \"{}\"", existing.title),
        ));
    }
    let record = VersionRecord {
        id: new_id(),
        title: input.title,
        text: input.text,
        sha256,
        effective_date: iso(input.effective_date),
        published_by: actor.label().to_string(),
        published_at: micros(now),
    };
    agreements::insert_version(tx.conn(), &record).await?;
    tx.audit(audit_entry(
        actor,
        now,
        "agreement_version.published",
        None,
        &record.id,
        None,
        Some(serde_json::json!({"title": record.title, "sha256": record.sha256, "effective_date": record.effective_date})),
    ))
    .await?;
    tx.commit().await?;
    Ok(record)
}

/// Every published version, newest first (anyone who may see onboarding).
pub async fn versions(app: &App, actor: &Actor) -> Result<Vec<VersionRecord>> {
    authorize(actor, Action::ReadOnboarding, None)?;
    Ok(agreements::versions(app.store.pool()).await?)
}

pub async fn version(app: &App, actor: &Actor, id: &str) -> Result<VersionRecord> {
    authorize(actor, Action::ReadOnboarding, None)?;
    agreements::version(app.store.pool(), crate::known_id(id)?)
        .await?
        .ok_or(AppError::NotFound)
}

/// An agreement as the actor may see it: NHS England, or the supplier it is with.
pub async fn get(app: &App, actor: &Actor, id: &str, today: Date) -> Result<AgreementView> {
    let record = agreements::get(app.store.pool(), crate::known_id(id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    let (_, product) = get_scal(app, actor, &record.scal_id).await?;
    authorize(actor, Action::ReadOnboarding, Some(&product.org_id))?;
    let mut conn = app.store.acquire().await?;
    view_on(&mut conn, record, today).await
}

/// A SCAL's agreements, newest first.
pub async fn for_scal(app: &App, actor: &Actor, scal_id: &str, today: Date) -> Result<Vec<AgreementView>> {
    let (scal, product) = get_scal(app, actor, scal_id).await?;
    authorize(actor, Action::ReadOnboarding, Some(&product.org_id))?;
    let mut conn = app.store.acquire().await?;
    let mut out = Vec::new();
    for record in agreements::for_scal(&mut *conn, &scal.id).await? {
        out.push(view_on(&mut conn, record, today).await?);
    }
    Ok(out)
}

/// Prepares the agreement for a SCAL on a version (NHS England), naming the signatory: an active
/// administrator of the supplier. 409 unless the SCAL's certificate is issued and valid, while
/// another agreement waits for its signatory, or when the agreement in force is on that version.
pub async fn prepare(
    app: &App,
    actor: &Actor,
    scal_id: &str,
    version_id: &str,
    signatory_email: &str,
    now: OffsetDateTime,
) -> Result<AgreementView> {
    let (scal, product) = get_scal(app, actor, scal_id).await?;
    authorize(actor, Action::PrepareAgreement, Some(&product.org_id))?;
    let mut errors = Vec::new();
    let version = match crate::known_id(version_id.trim()) {
        Ok(id) => agreements::version(app.store.pool(), id).await?,
        Err(_) => None,
    };
    if version.is_none() {
        errors.push(scal_domain::FieldError::new(
            "version_id",
            "Choose a published agreement version",
        ));
    }
    let signatory = signatory_of(app, &product.org_id, signatory_email).await?;
    if signatory.is_none() {
        errors.push(signatory_error());
    }
    let (Some(version), Some(signatory)) = (version, signatory) else {
        return Err(AppError::Invalid(scal_domain::Invalid(errors)));
    };
    let jwks = crate::keys::jwks(app).await?;
    let mut tx = app.store.begin().await?;
    let id = prepare_on(&mut tx, actor, &scal.id, &product, &version, &signatory, &jwks, now).await?;
    finish(tx, &id, now).await
}

/// The supplier's active administrator with this email address, if there is one.
/// Text that is not an email address names nobody (and never reaches the database as typed).
async fn signatory_of(app: &App, org_id: &str, email: &str) -> Result<Option<users::UserRecord>> {
    let Ok(email) = scal_domain::user::Email::parse(email) else {
        return Ok(None);
    };
    Ok(users::get_by_email(app.store.pool(), email.as_str())
        .await?
        .filter(|u| eligible(u, org_id)))
}

fn signatory_error() -> scal_domain::FieldError {
    scal_domain::FieldError::new(
        "signatory",
        "Enter the email address of an administrator of the supplier",
    )
}

/// An agreement still waiting for its signatory, read again under the SCAL's lock inside `tx`
/// (409 once accepted), for NHS England to change or withdraw.
async fn waiting_on(tx: &mut scal_store::Tx, view: &AgreementView) -> Result<AgreementRecord> {
    scal_store::records::scals::lock_scal(tx, &view.record.scal_id).await?;
    let record = agreements::get(tx.conn(), &view.record.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if record.accepted_at.is_some() {
        return Err(AppError::Conflict(format!(
            "Agreement {} has already been accepted",
            record.reference
        )));
    }
    Ok(record)
}

/// Names another signatory on an agreement still waiting for acceptance (NHS England): an active
/// administrator of the supplier, told in the transaction. 409 once accepted. The way out when the
/// one named has left, been deactivated or is no longer an administrator.
pub async fn change_signatory(
    app: &App,
    actor: &Actor,
    id: &str,
    signatory_email: &str,
    now: OffsetDateTime,
) -> Result<AgreementView> {
    let view = get(app, actor, id, now.date()).await?;
    let (_, product) = get_scal(app, actor, &view.record.scal_id).await?;
    authorize(actor, Action::PrepareAgreement, Some(&product.org_id))?;
    let signatory = signatory_of(app, &product.org_id, signatory_email)
        .await?
        .ok_or_else(|| AppError::Invalid(scal_domain::Invalid(vec![signatory_error()])))?;
    let mut tx = app.store.begin().await?;
    let record = waiting_on(&mut tx, &view).await?;
    if record.signatory_user_id == signatory.id && view.signatory_eligible {
        return Err(AppError::invalid(
            "signatory",
            format!("{} is already the signatory", signatory.email.as_str()),
        ));
    }
    if !agreements::set_signatory(tx.conn(), &record.id, &signatory.id).await? {
        return Err(AppError::Conflict(format!(
            "Agreement {} has already been accepted",
            record.reference
        )));
    }
    tx.audit(audit_entry(
        actor,
        now,
        "agreement.signatory_changed",
        Some(&product.org_id),
        &record.id,
        Some(serde_json::json!({"reference": record.reference, "signatory": view.signatory_email})),
        Some(serde_json::json!({"reference": record.reference, "signatory": signatory.email.as_str()})),
    ))
    .await?;
    crate::notifications::tell(
        &mut tx,
        std::slice::from_ref(&signatory),
        "agreement",
        &format!("Connection agreement to accept: {}", product.details.title()),
        &format!(
            "NHS England named you to accept connection agreement {} for {}",
            record.reference,
            product.details.title()
        ),
        &format!("/agreements/{}", record.id),
        now,
    )
    .await?;
    finish(tx, &record.id, now).await
}

/// Withdraws an agreement still waiting for acceptance (NHS England): it is removed, with an
/// audit entry saying what it was, and its signatory is told. 409 once accepted. A new one can then
/// be prepared. Returns what was withdrawn.
pub async fn withdraw(app: &App, actor: &Actor, id: &str, now: OffsetDateTime) -> Result<AgreementRecord> {
    let view = get(app, actor, id, now.date()).await?;
    let (_, product) = get_scal(app, actor, &view.record.scal_id).await?;
    authorize(actor, Action::PrepareAgreement, Some(&product.org_id))?;
    let mut tx = app.store.begin().await?;
    let record = waiting_on(&mut tx, &view).await?;
    if !agreements::delete_prepared(tx.conn(), &record.id).await? {
        return Err(AppError::Conflict(format!(
            "Agreement {} has already been accepted",
            record.reference
        )));
    }
    tx.audit(audit_entry(
        actor,
        now,
        "agreement.withdrawn",
        Some(&product.org_id),
        &record.id,
        Some(serde_json::json!({
            "reference": record.reference,
            "version_sha256": view.version.sha256,
            "certificate_id": record.certificate_id,
            "signatory": view.signatory_email,
        })),
        None,
    ))
    .await?;
    if let Some(signatory) = users::get(tx.conn(), &record.signatory_user_id).await? {
        crate::notifications::tell(
            &mut tx,
            std::slice::from_ref(&signatory),
            "agreement",
            &format!("Connection agreement withdrawn: {}", product.details.title()),
            &format!(
                "NHS England withdrew connection agreement {} for {}: you no longer need to accept it",
                record.reference,
                product.details.title()
            ),
            &format!("/scals/{}/agreements", record.scal_id),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(record)
}

/// Reads a prepared agreement back inside its transaction, then commits.
async fn finish(mut tx: scal_store::Tx, id: &str, now: OffsetDateTime) -> Result<AgreementView> {
    let record = agreements::get(tx.conn(), id).await?.ok_or(AppError::NotFound)?;
    let view = view_on(tx.conn(), record, now.date()).await?;
    tx.commit().await?;
    Ok(view)
}

/// Prepares an agreement inside `tx`: the checks (the certificate checked against `jwks`), the
/// row, the audit entry and the signatory told.
#[allow(clippy::too_many_arguments)]
async fn prepare_on(
    tx: &mut scal_store::Tx,
    actor: &Actor,
    scal_id: &str,
    product: &scal_store::ProductRecord,
    version: &VersionRecord,
    signatory: &users::UserRecord,
    jwks: &Jwks,
    now: OffsetDateTime,
) -> Result<String> {
    scal_store::records::scals::lock_scal(tx, scal_id).await?;
    let certificate = crate::certificates::latest_on(tx.conn(), scal_id, jwks, now.date()).await?;
    let certificate = match certificate {
        Some(c) if c.status.is_valid() => c,
        Some(c) => {
            return Err(AppError::Conflict(format!(
                "The SCAL's certificate {} {}: the agreement is prepared once a certificate is valid",
                c.facts.number,
                c.status.phrase()
            )))
        }
        None => {
            return Err(AppError::Conflict(
                "No certificate has been issued: the agreement is prepared once the certificate is issued".into(),
            ))
        }
    };
    let existing = agreements::for_scal(tx.conn(), scal_id).await?;
    if let Some(waiting) = existing.iter().find(|a| a.accepted_at.is_none()) {
        return Err(AppError::Conflict(format!(
            "Agreement {} is already waiting for its signatory",
            waiting.reference
        )));
    }
    if let Some(current) = existing.iter().find(|a| a.accepted_at.is_some()) {
        if current.version_id == version.id {
            return Err(AppError::Conflict(format!(
                "Agreement {} on this version has already been accepted",
                current.reference
            )));
        }
    }
    // References are shared by every SCAL: taken under one lock (PostgreSQL; SQLite has one
    // writer).
    tx.lock_key("agreement-sequence").await?;
    let sequence = agreements::next_sequence(tx.conn()).await?;
    let record = AgreementRecord {
        id: new_id(),
        sequence,
        reference: agreement::reference(sequence),
        scal_id: scal_id.to_string(),
        certificate_id: certificate.record.id.clone(),
        version_id: version.id.clone(),
        signatory_user_id: signatory.id.clone(),
        prepared_by: actor.label().to_string(),
        prepared_at: micros(now),
        seal: None,
        seal_sha256: None,
        start_date: None,
        accepted_at: None,
    };
    agreements::insert(tx.conn(), &record).await?;
    tx.audit(audit_entry(
        actor,
        now,
        "agreement.prepared",
        Some(&product.org_id),
        &record.id,
        None,
        Some(serde_json::json!({
            "reference": record.reference,
            "version_sha256": version.sha256,
            "certificate": certificate.facts.number,
            "signatory": signatory.email.as_str(),
        })),
    ))
    .await?;
    crate::notifications::tell(
        tx,
        std::slice::from_ref(signatory),
        "agreement",
        &format!("Connection agreement to accept: {}", product.details.title()),
        &format!(
            "NHS England prepared connection agreement {} for {} and named you to accept it",
            record.reference,
            product.details.title()
        ),
        &format!("/agreements/{}", record.id),
        now,
    )
    .await?;
    Ok(record.id)
}

/// Asks every existing party to accept a new version: for each SCAL whose agreement in force is
/// on another version, a new agreement on this one, for the same signatory (NHS England). SCALs
/// whose certificate is no longer valid, with an agreement already waiting, or whose signatory is
/// no longer an active administrator of the supplier, are skipped and named.
pub async fn request_acceptance(
    app: &App,
    actor: &Actor,
    version_id: &str,
    now: OffsetDateTime,
) -> Result<(Vec<AgreementView>, Vec<String>)> {
    authorize(actor, Action::PrepareAgreement, None)?;
    let version = self::version(app, actor, version_id).await?;
    let jwks = crate::keys::jwks(app).await?;
    let all = agreements::all(app.store.pool()).await?;
    let mut scal_ids: Vec<String> = Vec::new();
    for a in all.iter().filter(|a| a.accepted_at.is_some()) {
        if !scal_ids.contains(&a.scal_id) {
            scal_ids.push(a.scal_id.clone());
        }
    }
    let (mut prepared, mut skipped) = (Vec::new(), Vec::new());
    for scal_id in scal_ids {
        let (_, product) = get_scal(app, actor, &scal_id).await?;
        let Some(current) = all.iter().find(|a| a.scal_id == scal_id && a.accepted_at.is_some()) else {
            continue;
        };
        if current.version_id == version.id {
            continue;
        }
        let signatory = users::get(app.store.pool(), &current.signatory_user_id)
            .await?
            .filter(|u| eligible(u, &product.org_id));
        let Some(signatory) = signatory else {
            skipped.push(format!(
                "{}: the signatory of agreement {} is no longer an active administrator of the supplier: \
                 prepare the agreement on this version naming another",
                product.details.title(),
                current.reference
            ));
            continue;
        };
        let mut tx = app.store.begin().await?;
        match prepare_on(&mut tx, actor, &scal_id, &product, &version, &signatory, &jwks, now).await {
            Ok(id) => prepared.push(finish(tx, &id, now).await?),
            Err(AppError::Conflict(why)) => skipped.push(format!("{}: {why}", product.details.title())),
            Err(other) => return Err(other),
        }
    }
    Ok((prepared, skipped))
}

/// Where the acceptance came from, as the web layer saw it.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub client_address: Option<String>,
    pub user_agent: String,
}

/// The named signatory accepts, typing their full name and job title against the consent
/// statement: the acceptance is sealed. Anyone else is refused (forbidden, or not found outside
/// the supplier); 409 unless the agreement is waiting for acceptance.
pub async fn accept(
    app: &App,
    actor: &Actor,
    id: &str,
    full_name: &str,
    job_title: &str,
    origin: &Origin,
    now: OffsetDateTime,
) -> Result<AgreementView> {
    let view = get(app, actor, id, now.date()).await?;
    let (_, product) = get_scal(app, actor, &view.record.scal_id).await?;
    let named = actor.user_id() == Some(view.record.signatory_user_id.as_str());
    if named && !view.signatory_eligible && view.record.accepted_at.is_none() {
        return Err(AppError::Conflict(format!(
            "You are no longer an administrator of {}, so you cannot accept agreement {}: NHS England must name \
             another signatory",
            view.supplier, view.record.reference
        )));
    }
    authorize(actor, Action::AcceptAgreement, Some(&product.org_id))?;
    if !named {
        return Err(AppError::Forbidden);
    }
    let input = agreement::parse_acceptance(full_name, job_title).map_err(AppError::Invalid)?;
    let jwks = crate::keys::jwks(app).await?;
    let mut tx = app.store.begin().await?;
    scal_store::records::scals::lock_scal(&mut tx, &view.record.scal_id).await?;
    let record = agreements::get(tx.conn(), &view.record.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if record.accepted_at.is_some() {
        return Err(AppError::Conflict(format!(
            "Agreement {} has already been accepted",
            record.reference
        )));
    }
    let certificate = certificates::get(tx.conn(), &record.certificate_id)
        .await?
        .ok_or(AppError::NotFound)?;
    // An agreement rests on a valid certificate: one revoked, expired or suspended since the
    // agreement was prepared, or one that no longer checks out against its signature, cannot be
    // signed against. The seal states what the certificate signed, not what its row says.
    let certificate = crate::certificates::view_on(tx.conn(), certificate, &jwks, now.date()).await?;
    if !certificate.status.is_valid() {
        return Err(AppError::Conflict(format!(
            "The certificate this agreement rests on {}: it cannot be accepted now",
            certificate.status.phrase()
        )));
    }
    let facts = &certificate.facts;
    let org = organisations::get(tx.conn(), &product.org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let accepted_at = now
        .replace_nanosecond(0)
        .unwrap_or(now)
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let seal = Seal {
        signatory: Signatory {
            full_name: input.full_name,
            job_title: input.job_title,
            email: view.signatory_email.clone(),
        },
        organisation: SealOrganisation {
            name: org.name.clone(),
            ods_code: org.ods_code.to_string(),
        },
        agreement_version_sha256: view.version.sha256.clone(),
        certificate_id: certificate.record.id.clone(),
        snapshot_sha256: facts.snapshot_sha256.clone(),
        consent: agreement::CONSENT_STATEMENT.to_string(),
        accepted_at,
        client_address: origin.client_address.clone(),
        user_agent: origin.user_agent.chars().take(1_000).collect(),
    };
    let hash = agreement::seal_hash(&seal);
    let json = scal_domain::signing::canonical_json(&seal).map_err(|e| AppError::Internal(e.to_string()))?;
    let json = String::from_utf8(json).map_err(|e| AppError::Internal(e.to_string()))?;
    let effective = crate::stored_date(&view.version.effective_date).unwrap_or(now.date());
    let start = agreement::start_date(effective, now.date());
    if !agreements::accept(tx.conn(), &record.id, &json, &hash, &iso(start), micros(now)).await? {
        return Err(AppError::Conflict(format!(
            "Agreement {} has already been accepted",
            record.reference
        )));
    }
    tx.audit(audit_entry(
        actor,
        now,
        "agreement.accepted",
        Some(&product.org_id),
        &record.id,
        Some(serde_json::json!({"state": "prepared"})),
        Some(serde_json::json!({"reference": record.reference, "seal_sha256": hash, "start_date": iso(start)})),
    ))
    .await?;
    let services: Vec<String> = scal_store::records::cases::for_scal(tx.conn(), &record.scal_id)
        .await?
        .into_iter()
        .map(|c| c.service_code)
        .collect();
    let reviewers = crate::notifications::reviewers(&mut tx, &services).await?;
    crate::notifications::tell(
        &mut tx,
        &reviewers,
        "agreement",
        &format!("Connection agreement accepted: {}", product.details.title()),
        &format!(
            "{} accepted connection agreement {} for {}",
            seal.signatory.full_name,
            record.reference,
            product.details.title()
        ),
        &format!("/agreements/{}", record.id),
        now,
    )
    .await?;
    tx.commit().await?;
    get(app, actor, id, now.date()).await
}

/// Checks a claimed seal against the one recorded (the online check): names the first field that
/// differs, then the hash.
pub async fn check_seal(
    app: &App,
    actor: &Actor,
    id: &str,
    claimed: &SealDocument,
    today: Date,
) -> Result<std::result::Result<(), agreement::SealError>> {
    let view = get(app, actor, id, today).await?;
    let Some(stored) = view.seal else {
        return Err(AppError::Conflict(format!(
            "Agreement {} has not been accepted: it has no seal",
            view.record.reference
        )));
    };
    Ok(agreement::check_seal(&stored.seal, &claimed.seal, &claimed.seal_sha256))
}
