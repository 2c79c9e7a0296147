//! Sharing a product's accepted SCAL with end user organisations (EUOs).
//!
//! A supplier administrator shares by ODS code; an EUO not yet registered is *invited*: the share
//! reaches it once NHS England registers an EUO with that code (shares are matched to the
//! organisation by code on every read). What a share gives the EUO: the SCAL's latest accepted
//! round (read-only, and its workbook), the certificate and its live status, and exactly the
//! evidence files chosen for it. A share's state is `share::state`, derived; an EUO sees a share
//! only while it is active, and otherwise exactly as an unknown ID. NHS England sees every share,
//! a supplier its own.
//!
//! [`watch`] tells every EUO with a share when the product's certificate changes status (a
//! suspension by the calendar, a revocation, a new certificate), once, whichever process notices.

use scal_domain::organisation::{OrgKind, Organisation};
use scal_domain::policy::{authorize, Action, Actor};
use scal_domain::review::RoundStatus;
use scal_domain::share::{self, ShareState};
use scal_domain::snapshot::Snapshot;
use scal_domain::user::Role;
use scal_domain::{FieldError, Invalid};
use scal_store::records::evidence::{self, EvidenceRecord};
use scal_store::records::shares::{self, ShareRecord};
use scal_store::records::submissions::{self, SubmissionRecord};
use scal_store::records::{local_assurances, organisations, products, users};
use time::{Date, OffsetDateTime};

use crate::templates::ExportedWorkbook;
use crate::{audit_entry, micros, new_id, App, AppError, Result};
use scal_domain::signing::Jwks;

/// A certificate as a share shows it: what anyone may see on its verify page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SharedCertificate {
    pub id: String,
    pub number: String,
    pub status: String,
    pub status_label: String,
    pub valid: bool,
}

/// Where the product is deployed at the EUO: its local decision and go-live date (what the
/// supplier and NHS England see of the EUO's local assurance).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Deployment {
    pub decision: Option<String>,
    pub decision_label: Option<String>,
    pub decided_on: Option<String>,
    pub go_live_on: Option<String>,
}

/// A share as its parties see it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ShareView {
    pub record: ShareRecord,
    pub state: ShareState,
    pub product: String,
    pub supplier: String,
    /// The registered EUO with the share's ODS code (`None`: invited, not registered yet).
    pub euo: Option<Organisation>,
    pub files: Vec<EvidenceRecord>,
    pub certificate: Option<SharedCertificate>,
    /// The SCAL's latest accepted round: `(round, SHA-256)`.
    pub accepted_round: Option<(i64, String)>,
    pub deployment: Deployment,
}

pub(crate) fn share_state(record: &ShareRecord, today: Date) -> ShareState {
    share::state(
        record.expires_on.as_deref().and_then(crate::stored_date),
        record.revoked_at.is_some(),
        today,
    )
}

/// The EUO the actor belongs to, when they are an EUO member.
pub(crate) async fn actor_euo(app: &App, actor: &Actor) -> Result<Option<Organisation>> {
    if actor.role() != Some(Role::EuoMember) {
        return Ok(None);
    }
    let Some(org_id) = actor.org_id() else {
        return Ok(None);
    };
    Ok(organisations::get(app.store.pool(), org_id)
        .await?
        .filter(|o| o.kind == OrgKind::Euo))
}

/// The latest accepted round of a SCAL.
pub(crate) async fn accepted_round(conn: &mut scal_store::Conn, scal_id: &str) -> Result<Option<SubmissionRecord>> {
    let rounds = submissions::for_scal(&mut *conn, scal_id).await?;
    let latest = rounds
        .into_iter()
        .filter(|r| r.round_status() == RoundStatus::Accepted)
        .max_by_key(|r| r.round);
    match latest {
        // The list leaves snapshots out: read the round itself.
        Some(r) => Ok(submissions::get(&mut *conn, &r.id).await?),
        None => Ok(None),
    }
}

async fn view_on(conn: &mut scal_store::Conn, record: ShareRecord, jwks: &Jwks, today: Date) -> Result<ShareView> {
    let product = products::get(&mut *conn, &record.product_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let supplier = organisations::get(&mut *conn, &record.supplier_org_id)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let euo = match scal_domain::ods::OdsCode::parse(&record.euo_ods) {
        Ok(code) => organisations::get_by_ods(&mut *conn, &code)
            .await?
            .filter(|o| o.kind == OrgKind::Euo),
        Err(_) => None,
    };
    let mut files = Vec::new();
    for id in shares::files(&mut *conn, &record.id).await? {
        if let Some(file) = evidence::get(&mut *conn, &id).await? {
            files.push(file);
        }
    }
    let certificate = crate::certificates::latest_on(conn, &record.scal_id, jwks, today)
        .await?
        .map(|c| SharedCertificate {
            id: c.record.id.clone(),
            number: c.facts.number.clone(),
            status: c.status.code().to_string(),
            status_label: c.status.label().to_string(),
            valid: c.status.is_valid(),
        });
    let accepted = accepted_round(conn, &record.scal_id)
        .await?
        .map(|r| (r.round, r.sha256));
    let deployment = match &euo {
        Some(org) => local_assurances::get(&mut *conn, &record.product_id, &org.id)
            .await?
            .map(|l| Deployment {
                decision_label: l
                    .decision
                    .as_deref()
                    .and_then(|d| scal_domain::local_assurance::Decision::parse(d).ok())
                    .map(|d| d.label().to_string()),
                decision: l.decision,
                decided_on: l.decided_on,
                go_live_on: l.go_live_on,
            })
            .unwrap_or_default(),
        None => Deployment::default(),
    };
    Ok(ShareView {
        state: share_state(&record, today),
        product: product.details.title(),
        supplier,
        euo,
        files,
        certificate,
        accepted_round: accepted,
        deployment,
        record,
    })
}

/// A share as the actor may see it: its supplier, NHS England, or the EUO it is made to while it
/// is active. Anything else is not found.
pub async fn get(app: &App, actor: &Actor, id: &str, today: Date) -> Result<ShareView> {
    let jwks = crate::keys::jwks(app).await?;
    let record = visible(app, actor, id, today).await?;
    let mut conn = app.store.acquire().await?;
    view_on(&mut conn, record, &jwks, today).await
}

/// The share, if the actor may see it (see [`get`]).
pub(crate) async fn visible(app: &App, actor: &Actor, id: &str, today: Date) -> Result<ShareRecord> {
    let record = shares::get(app.store.pool(), crate::known_id(id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(euo) = actor_euo(app, actor).await? {
        if euo.ods_code.as_str() != record.euo_ods || share_state(&record, today) != ShareState::Active {
            return Err(AppError::NotFound);
        }
        authorize(actor, Action::ReadShares, Some(&euo.id))?;
        return Ok(record);
    }
    authorize(actor, Action::ReadShares, Some(&record.supplier_org_id)).map_err(|_| AppError::NotFound)?;
    Ok(record)
}

/// The shares the actor may see, newest first: NHS England every one, a supplier its own (in
/// every state), an EUO those made to it that are active.
pub async fn list(app: &App, actor: &Actor, today: Date) -> Result<Vec<ShareView>> {
    let jwks = crate::keys::jwks(app).await?;
    authorize(actor, Action::ReadShares, None)?;
    let records = if let Some(euo) = actor_euo(app, actor).await? {
        shares::for_euo(app.store.pool(), euo.ods_code.as_str())
            .await?
            .into_iter()
            .filter(|s| share_state(s, today) == ShareState::Active)
            .collect()
    } else if actor.is_nhse() {
        shares::all(app.store.pool()).await?
    } else {
        match actor.org_id() {
            Some(org) => shares::for_supplier(app.store.pool(), org).await?,
            None => Vec::new(),
        }
    };
    let mut conn = app.store.acquire().await?;
    let mut out = Vec::with_capacity(records.len());
    for record in records {
        out.push(view_on(&mut conn, record, &jwks, today).await?);
    }
    Ok(out)
}

/// A product's shares, newest first: where it is deployed (its supplier and NHS England).
pub async fn for_product(app: &App, actor: &Actor, product_id: &str, today: Date) -> Result<Vec<ShareView>> {
    let jwks = crate::keys::jwks(app).await?;
    let product = crate::products::get(app, actor, product_id).await?;
    authorize(actor, Action::ReadShares, Some(&product.org_id))?;
    let mut conn = app.store.acquire().await?;
    let mut out = Vec::new();
    for record in shares::for_product(&mut *conn, &product.id).await? {
        out.push(view_on(&mut conn, record, &jwks, today).await?);
    }
    Ok(out)
}

/// What a supplier asks to share.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ShareInput {
    #[serde(default)]
    pub euo_ods: String,
    /// ISO 8601 or day first; empty: no expiry.
    #[serde(default)]
    pub expires_on: String,
    /// The supplier's own evidence files to share, by ID.
    #[serde(default)]
    pub evidence_ids: Vec<String>,
}

/// The files named, each the supplier's own: an unknown ID or another organisation's file is an
/// error naming it (`evidence_ids`).
async fn own_files(
    conn: &mut scal_store::Conn,
    org_id: &str,
    ids: &[String],
) -> Result<std::result::Result<Vec<String>, FieldError>> {
    let mut out: Vec<String> = Vec::new();
    for id in ids {
        let id = id.trim();
        let found = match crate::known_id(id) {
            Ok(id) => evidence::get(&mut *conn, id).await?.filter(|e| e.org_id == org_id),
            Err(_) => None,
        };
        match found {
            Some(file) if !out.contains(&file.id) => out.push(file.id),
            Some(_) => {}
            None => {
                return Ok(Err(FieldError::new(
                    "evidence_ids",
                    format!("There is no evidence file {id:?} in your organisation's evidence"),
                )))
            }
        }
    }
    Ok(Ok(out))
}

/// Shares a product's accepted SCAL with an EUO (supplier administrators, or the operator).
/// Field errors, all at once: a SCAL not accepted (`product`), an ODS code that is not an end
/// user organisation's or is already shared with (`euo_ods`), an expiry in the past
/// (`expires_on`), a file that is not the supplier's (`evidence_ids`).
pub async fn create(
    app: &App,
    actor: &Actor,
    product_id: &str,
    input: &ShareInput,
    now: OffsetDateTime,
) -> Result<ShareView> {
    let jwks = crate::keys::jwks(app).await?;
    let product = crate::products::get(app, actor, product_id).await?;
    authorize(actor, Action::ShareScal, Some(&product.org_id))?;
    let today = now.date();
    let mut errors = Invalid::default();
    let parsed = match share::parse_share(&input.euo_ods, &input.expires_on, today) {
        Ok(p) => Some(p),
        Err(Invalid(e)) => {
            errors.0.extend(e);
            None
        }
    };
    let scal_id = scal_store::records::scals::scal_for_product(app.store.pool(), &product.id).await?;
    let mut tx = app.store.begin().await?;
    let accepted = match &scal_id {
        Some(id) => {
            scal_store::records::scals::lock_scal(&mut tx, id).await?;
            accepted_round(tx.conn(), id).await?
        }
        None => None,
    };
    if accepted.is_none() {
        errors.0.insert(
            0,
            FieldError::new(
                "product",
                "This product's SCAL has not been accepted by NHS England: only an accepted SCAL can be shared",
            ),
        );
    }
    let mut euo = None;
    // The organisation is checked even when another field is wrong, so every problem is named.
    if let Ok(code) = scal_domain::ods::OdsCode::parse_field("euo_ods", &input.euo_ods) {
        match organisations::get_by_ods(tx.conn(), &code).await? {
            Some(org) if org.kind != OrgKind::Euo => errors.0.push(FieldError::new(
                "euo_ods",
                format!("{code} is {}, not an end user organisation", org.name),
            )),
            other => euo = other,
        }
        let active = shares::for_product(tx.conn(), &product.id)
            .await?
            .into_iter()
            .any(|s| s.euo_ods == code.as_str() && share_state(&s, today) == ShareState::Active);
        if active {
            errors.0.push(FieldError::new(
                "euo_ods",
                format!("This product is already shared with {code}"),
            ));
        }
    }
    let files = match own_files(tx.conn(), &product.org_id, &input.evidence_ids).await? {
        Ok(files) => files,
        Err(e) => {
            errors.0.push(e);
            Vec::new()
        }
    };
    // In the form's order.
    let rank = |f: &FieldError| {
        ["product", "euo_ods", "expires_on", "evidence_ids"]
            .iter()
            .position(|n| *n == f.field)
    };
    errors.0.sort_by_key(rank);
    let (Some(parsed), Some(scal_id), true) = (parsed, scal_id, errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    let record = ShareRecord {
        id: new_id(),
        product_id: product.id.clone(),
        scal_id: scal_id.clone(),
        supplier_org_id: product.org_id.clone(),
        euo_ods: parsed.euo_ods.to_string(),
        expires_on: parsed.expires_on.map(|d| d.to_string()),
        shared_by: actor.label().to_string(),
        shared_at: micros(now),
        revoked_by: None,
        revoked_at: None,
        revoke_reason: None,
    };
    shares::insert(tx.conn(), &record).await?;
    shares::set_files(&mut tx, &record.id, &files).await?;
    tx.audit(audit_entry(
        actor,
        now,
        "share.created",
        Some(&product.org_id),
        &record.id,
        None,
        Some(serde_json::json!({
            "product": product.details.title(),
            "euo_ods": record.euo_ods,
            "registered": euo.is_some(),
            "expires_on": record.expires_on,
            "files": files,
        })),
    ))
    .await?;
    // The watch starts from what the EUO sees now, so only later changes are news.
    let certificate = crate::certificates::latest_on(tx.conn(), &scal_id, &jwks, today).await?;
    let seen = shares::watched(tx.conn(), &scal_id).await?;
    if seen.is_none() {
        let now_seen = certificate.as_ref().map(|c| c.record.id.clone());
        let status = certificate.as_ref().map_or("none", |c| c.status.code());
        shares::tell_once(tx.conn(), &scal_id, None, (&now_seen, status), micros(now)).await?;
    }
    let title = product.details.title();
    match &euo {
        Some(org) => {
            let to = crate::notifications::organisation_users(&mut tx, &org.id).await?;
            crate::notifications::tell(
                &mut tx,
                &to,
                "share",
                &format!("SCAL shared with you: {title}"),
                &format!("The supplier of {title} shared its accepted SCAL with your organisation"),
                &format!("/shares/{}", record.id),
                now,
            )
            .await?;
        }
        None => {
            // An invitation: NHS England registers the organisation, and the share reaches it.
            let to = users::active_with_role(tx.conn(), Role::NhseAdmin).await?;
            crate::notifications::tell(
                &mut tx,
                &to,
                "share",
                &format!("Register end user organisation {}", record.euo_ods),
                &format!(
                    "The supplier of {title} shared its accepted SCAL with {}, which is not registered. \
                     Register it as an end user organisation and the share reaches it",
                    record.euo_ods
                ),
                "/organisations/new",
                now,
            )
            .await?;
        }
    }
    let record = shares::get(tx.conn(), &record.id).await?.ok_or(AppError::NotFound)?;
    let view = view_on(tx.conn(), record, &jwks, today).await?;
    tx.commit().await?;
    Ok(view)
}

/// Changes which evidence files a share shares (its supplier's administrators). 409 once the
/// share has ended.
pub async fn set_files(
    app: &App,
    actor: &Actor,
    id: &str,
    evidence_ids: &[String],
    now: OffsetDateTime,
) -> Result<ShareView> {
    let jwks = crate::keys::jwks(app).await?;
    let record = visible(app, actor, id, now.date()).await?;
    authorize(actor, Action::ShareScal, Some(&record.supplier_org_id))?;
    let mut tx = app.store.begin().await?;
    scal_store::records::scals::lock_scal(&mut tx, &record.scal_id).await?;
    let record = shares::get(tx.conn(), &record.id).await?.ok_or(AppError::NotFound)?;
    let state = share_state(&record, now.date());
    if state != ShareState::Active {
        return Err(AppError::Conflict(format!(
            "This share is {}: its files cannot change",
            state.label().to_lowercase()
        )));
    }
    let files = own_files(tx.conn(), &record.supplier_org_id, evidence_ids)
        .await?
        .map_err(|e| AppError::Invalid(Invalid(vec![e])))?;
    let before = shares::files(tx.conn(), &record.id).await?;
    shares::set_files(&mut tx, &record.id, &files).await?;
    tx.audit(audit_entry(
        actor,
        now,
        "share.files_changed",
        Some(&record.supplier_org_id),
        &record.id,
        Some(serde_json::json!({"files": before})),
        Some(serde_json::json!({"files": files})),
    ))
    .await?;
    let view = view_on(tx.conn(), record, &jwks, now.date()).await?;
    tx.commit().await?;
    Ok(view)
}

/// Revokes a share (its supplier's administrators): final; from now on the EUO finds none of it.
/// 409 when it is already revoked.
pub async fn revoke(app: &App, actor: &Actor, id: &str, reason: &str, now: OffsetDateTime) -> Result<ShareView> {
    let jwks = crate::keys::jwks(app).await?;
    let record = visible(app, actor, id, now.date()).await?;
    authorize(actor, Action::ShareScal, Some(&record.supplier_org_id))?;
    let reason = scal_domain::field::optional_text("reason", "the reason", reason, 2_000)
        .map_err(|e| AppError::Invalid(Invalid(vec![e])))?;
    let mut tx = app.store.begin().await?;
    if !shares::revoke(tx.conn(), &record.id, actor.label(), micros(now), &reason).await? {
        return Err(AppError::Conflict("This share has already been revoked".into()));
    }
    tx.audit(audit_entry(
        actor,
        now,
        "share.revoked",
        Some(&record.supplier_org_id),
        &record.id,
        Some(serde_json::json!({"state": share_state(&record, now.date()).code()})),
        Some(serde_json::json!({"state": "revoked", "reason": reason, "euo_ods": record.euo_ods})),
    ))
    .await?;
    let record = shares::get(tx.conn(), &record.id).await?.ok_or(AppError::NotFound)?;
    let view = view_on(tx.conn(), record, &jwks, now.date()).await?;
    if let Some(org) = &view.euo {
        let to = crate::notifications::organisation_users(&mut tx, &org.id).await?;
        crate::notifications::tell(
            &mut tx,
            &to,
            "share",
            &format!("SCAL no longer shared: {}", view.product),
            &format!(
                "The supplier of {} stopped sharing its SCAL with your organisation",
                view.product
            ),
            "/shares",
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(view)
}

/// One file of a share, with its bytes: only a file the share shares.
pub async fn file(
    app: &App,
    actor: &Actor,
    id: &str,
    evidence_id: &str,
    today: Date,
) -> Result<(EvidenceRecord, Vec<u8>)> {
    let record = visible(app, actor, id, today).await?;
    let evidence_id = crate::known_id(evidence_id)?;
    if !shares::files(app.store.pool(), &record.id)
        .await?
        .iter()
        .any(|f| f == evidence_id)
    {
        return Err(AppError::NotFound);
    }
    let file = evidence::get(app.store.pool(), evidence_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let bytes = app.files.get(&file.storage_key).await?;
    Ok((file, bytes))
}

/// The accepted round a share shows: the round and its snapshot.
pub async fn accepted_scal(app: &App, actor: &Actor, id: &str, today: Date) -> Result<(SubmissionRecord, Snapshot)> {
    let record = visible(app, actor, id, today).await?;
    let mut conn = app.store.acquire().await?;
    let round = accepted_round(&mut conn, &record.scal_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut snapshot = Snapshot::from_json(&round.snapshot).map_err(|e| AppError::Internal(e.to_string()))?;
    // Only the files this share gives are named: the others are the supplier's own.
    let mut shared: Vec<String> = Vec::new();
    for id in shares::files(&mut *conn, &record.id).await? {
        if let Some(file) = evidence::get(&mut *conn, &id).await? {
            shared.push(file.sha256);
        }
    }
    for sheet in &mut snapshot.sheets {
        for row in &mut sheet.requirements {
            row.evidence.retain(|(_, sha256)| shared.contains(sha256));
        }
    }
    Ok((round, snapshot))
}

/// The accepted round as a workbook: its sheets and answers exactly as accepted, with the
/// certificate sheet.
pub async fn workbook(app: &App, actor: &Actor, id: &str, now: OffsetDateTime) -> Result<ExportedWorkbook> {
    let jwks = crate::keys::jwks(app).await?;
    let (round, snapshot) = accepted_scal(app, actor, id, now.date()).await?;
    let view = get(app, actor, id, now.date()).await?;
    let sheets: Vec<scal_domain::template::TemplateSheet> = snapshot
        .sheets
        .iter()
        .map(|s| scal_domain::template::TemplateSheet {
            name: s.name.clone(),
            kind: s.kind,
            requirements: s
                .requirements
                .iter()
                .map(|r| scal_domain::template::Requirement {
                    id: r.id.clone(),
                    section: None,
                    text: r.text.clone(),
                    level: r.level,
                    answer_kind: scal_domain::template::AnswerKind::FreeText,
                    use_case: None,
                    requirement_type: None,
                    link: None,
                    test_cases: None,
                    test_environment: None,
                    evidence_required: None,
                    guidance: None,
                })
                .collect(),
        })
        .collect();
    let mut answers = scal_workbook::Answers::new();
    for sheet in &snapshot.sheets {
        for r in &sheet.requirements {
            answers.insert(
                (sheet.name.clone(), r.id.clone()),
                scal_workbook::ExportedAnswer {
                    response: r.answer.clone(),
                    justification: r.justification.clone(),
                    mitigation: r.mitigation.clone(),
                    target_date: r.target_date.clone(),
                },
            );
        }
    }
    let certificate = match &view.certificate {
        Some(c) => {
            let mut conn = app.store.acquire().await?;
            let record = scal_store::records::certificates::get(&mut *conn, &c.id)
                .await?
                .ok_or(AppError::NotFound)?;
            let cert = crate::certificates::view_on(&mut conn, record, &jwks, now.date()).await?;
            let url = crate::certificate_documents::verify_url(&app.settings.public_url, &cert.record.id);
            Some(crate::certificate_documents::fact_rows(&cert, now.date(), &url))
        }
        None => None,
    };
    let certificate: Option<Vec<(&str, String)>> = certificate;
    let name = format!("Accepted SCAL for {} (round {})", snapshot.product, round.round);
    let stamp = now
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let bytes = scal_workbook::export_with_certificate(
        &scal_workbook::Export {
            template_id: "",
            template_name: &name,
            version: 0,
            product_id: Some(&snapshot.product_id),
            stamp: &stamp,
            sheets: &sheets,
            answers: &answers,
        },
        certificate.as_deref(),
    )
    .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(ExportedWorkbook::named(&name, bytes))
}

/// The users of every registered EUO with an active share of the SCAL.
pub(crate) async fn euo_users(
    tx: &mut scal_store::Tx,
    scal_id: &str,
    today: Date,
) -> Result<Vec<(String, Vec<users::UserRecord>)>> {
    let mut out = Vec::new();
    for share in shares::for_scal(tx.conn(), scal_id).await? {
        if share_state(&share, today) != ShareState::Active {
            continue;
        }
        let Ok(code) = scal_domain::ods::OdsCode::parse(&share.euo_ods) else {
            continue;
        };
        if let Some(org) = organisations::get_by_ods(tx.conn(), &code)
            .await?
            .filter(|o| o.kind == OrgKind::Euo)
        {
            let to = crate::notifications::organisation_users(tx, &org.id).await?;
            out.push((share.id.clone(), to));
        }
    }
    Ok(out)
}

/// Tells a new user of an end user organisation about each active share made to its ODS code.
pub(crate) async fn tell_new_user(
    tx: &mut scal_store::Tx,
    org: &Organisation,
    user: &users::UserRecord,
    now: OffsetDateTime,
) -> Result<()> {
    for share in shares::for_euo(tx.conn(), org.ods_code.as_str()).await? {
        if share_state(&share, now.date()) != ShareState::Active {
            continue;
        }
        let title = products::get(tx.conn(), &share.product_id)
            .await?
            .map(|p| p.details.title())
            .unwrap_or_default();
        crate::notifications::tell(
            tx,
            std::slice::from_ref(user),
            "share",
            &format!("SCAL shared with you: {title}"),
            &format!("The supplier of {title} shared its accepted SCAL with your organisation"),
            &format!("/shares/{}", share.id),
            now,
        )
        .await?;
    }
    Ok(())
}

/// Tells every EUO with an active share of the SCAL something about the product, inside the
/// change's transaction (each EUO's link goes to its own share).
pub(crate) async fn tell_euos(
    tx: &mut scal_store::Tx,
    scal_id: &str,
    subject: &str,
    message: &str,
    now: OffsetDateTime,
) -> Result<usize> {
    let recipients = euo_users(tx, scal_id, now.date()).await?;
    let mut told = 0;
    for (share_id, to) in recipients {
        crate::notifications::tell(tx, &to, "share", subject, message, &format!("/shares/{share_id}"), now).await?;
        told += to.len();
    }
    Ok(told)
}

/// Looks at every shared SCAL's certificate and tells its EUOs of a change since they were last
/// told: suspended, revoked, expired, valid again or a new certificate. Each change is told once
/// (a compare-and-set on `share_watch`), so several processes may run it. Returns how many SCALs'
/// EUOs were told.
pub async fn watch(app: &App, now: OffsetDateTime) -> Result<usize> {
    let jwks = crate::keys::jwks(app).await?;
    let mut changed = 0;
    for scal_id in shares::shared_scals(app.store.pool()).await? {
        let mut tx = app.store.begin().await?;
        if tell_change_on(&mut tx, &jwks, &scal_id, now).await? {
            tx.commit().await?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// Inside `tx`: when the SCAL's certificate (the latest, its status today) is not what its EUOs
/// were last told, records it (once: a compare-and-set) and tells them, audited. True when told.
/// A change to a certificate (issued, revoked, a condition confirmed) calls it in its own
/// transaction, so the EUOs hear at once; `watch` catches what the calendar does.
pub(crate) async fn tell_change_on(
    tx: &mut scal_store::Tx,
    jwks: &Jwks,
    scal_id: &str,
    now: OffsetDateTime,
) -> Result<bool> {
    let seen = shares::watched(tx.conn(), scal_id).await?;
    if seen.is_none() {
        // Never shared: nobody to tell (a share records what its EUO saw when it is made).
        return Ok(false);
    }
    let certificate = crate::certificates::latest_on(tx.conn(), scal_id, jwks, now.date()).await?;
    let current_id = certificate.as_ref().map(|c| c.record.id.clone());
    let status = certificate.as_ref().map_or("none", |c| c.status.code()).to_string();
    if seen.as_ref() == Some(&(current_id.clone(), status.clone())) {
        return Ok(false);
    }
    if !shares::tell_once(tx.conn(), scal_id, seen.as_ref(), (&current_id, &status), micros(now)).await? {
        return Ok(false);
    }
    if let Some(certificate) = certificate {
        let product = certificate.facts.product.clone();
        let reissued = seen.as_ref().is_some_and(|(id, _)| id.is_some() && *id != current_id);
        let (subject, message) = if reissued && certificate.status.is_valid() {
            (
                format!("Certificate reissued: {product}"),
                format!(
                    "NHS England issued certificate {} for {product}: it is valid",
                    certificate.facts.number
                ),
            )
        } else {
            (
                format!("Certificate {}: {product}", certificate.status.label().to_lowercase()),
                format!(
                    "The certificate of technical conformance {} for {product} is now {}",
                    certificate.facts.number,
                    certificate.status.label().to_lowercase()
                ),
            )
        };
        tell_euos(tx, scal_id, &subject, &message, now).await?;
    }
    tx.audit(audit_entry(
        &Actor::System,
        now,
        "share.euos_told",
        None,
        scal_id,
        seen.as_ref()
            .map(|(id, s)| serde_json::json!({"certificate": id, "status": s})),
        Some(serde_json::json!({"certificate": current_id, "status": status})),
    ))
    .await?;
    Ok(true)
}
