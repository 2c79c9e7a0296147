//! An end user organisation's DCB0160 local assurance of a product shared with it: its Clinical
//! Safety Officer, its own clinical safety case report and local hazard log (the EUO's evidence
//! files), local controls, a decision and the go-live date. Only the EUO's members read and write
//! it, through an active share; the supplier and NHS England see its decision and go-live date
//! (`shares::Deployment`). `local_assurance::decision_blockers` is the gate on approving.

use scal_domain::local_assurance::{self, Decision, DecisionBlocker, Facts, NextAction};
use scal_domain::organisation::Organisation;
use scal_domain::policy::{authorize, Action, Actor};
use scal_store::records::evidence::{self, EvidenceRecord};
use scal_store::records::local_assurances::{self, LocalAssuranceRecord};
use scal_store::records::shares::ShareRecord;
use time::{Date, OffsetDateTime};

use crate::{audit_entry, micros, new_id, App, AppError, Result};

/// The EUO's record with what it needs to show.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LocalAssuranceView {
    pub share_id: String,
    pub record: LocalAssuranceRecord,
    pub safety_case: Option<EvidenceRecord>,
    pub hazard_log: Option<EvidenceRecord>,
    pub decision: Option<Decision>,
    /// What an approval would be refused for today.
    pub approval_blockers: Vec<DecisionBlocker>,
    pub next_action: NextAction,
}

/// The two files the EUO keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalFile {
    SafetyCase,
    HazardLog,
}

impl LocalFile {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "safety-case" => Some(Self::SafetyCase),
            "hazard-log" => Some(Self::HazardLog),
            _ => None,
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            Self::SafetyCase => "safety-case",
            Self::HazardLog => "hazard-log",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::SafetyCase => "clinical safety case report",
            Self::HazardLog => "local hazard log",
        }
    }
}

/// The share and the EUO, for an EUO member acting on it.
async fn euo_share(app: &App, actor: &Actor, share_id: &str, today: Date) -> Result<(ShareRecord, Organisation)> {
    let share = crate::shares::visible(app, actor, share_id, today).await?;
    let Some(euo) = crate::shares::actor_euo(app, actor).await? else {
        // The supplier and NHS England see the share but not the EUO's own working record.
        authorize(actor, Action::LocalAssurance, None)?;
        return Err(AppError::Forbidden);
    };
    authorize(actor, Action::LocalAssurance, Some(&euo.id))?;
    Ok((share, euo))
}

fn blank(share: &ShareRecord, euo: &Organisation) -> LocalAssuranceRecord {
    LocalAssuranceRecord {
        id: new_id(),
        product_id: share.product_id.clone(),
        euo_org_id: euo.id.clone(),
        ..LocalAssuranceRecord::default()
    }
}

async fn facts_on(
    conn: &mut scal_store::Conn,
    jwks: &scal_domain::signing::Jwks,
    share: &ShareRecord,
    euo: &Organisation,
    record: &LocalAssuranceRecord,
    today: Date,
) -> Result<Facts> {
    let certificate = crate::certificates::latest_on(&mut *conn, &share.scal_id, jwks, today)
        .await?
        .map(|c| (c.status.is_valid(), c.status.label().to_string()));
    let policy = crate::use_policies::standing_on(&mut *conn, &share.product_id, Some(&euo.id), today).await?;
    Ok(Facts {
        certificate,
        policy_current: policy.current.is_some(),
        policy_acknowledged: policy.current_acknowledged,
        safety_officer: record.cso_name.is_some() && record.cso_registration.is_some(),
        safety_case: record.safety_case_id.is_some(),
        hazard_log: record.hazard_log_id.is_some(),
        local_controls: record.local_controls.as_deref().is_some_and(|c| !c.trim().is_empty()),
        decision: record.decision.as_deref().and_then(|d| Decision::parse(d).ok()),
        go_live_on: record.go_live_on.as_deref().and_then(crate::stored_date),
    })
}

async fn view_on(
    conn: &mut scal_store::Conn,
    jwks: &scal_domain::signing::Jwks,
    share: &ShareRecord,
    euo: &Organisation,
    record: LocalAssuranceRecord,
    today: Date,
) -> Result<LocalAssuranceView> {
    let facts = facts_on(conn, jwks, share, euo, &record, today).await?;
    let file = |id: &Option<String>| id.clone();
    let safety_case = match file(&record.safety_case_id) {
        Some(id) => evidence::get(&mut *conn, &id).await?,
        None => None,
    };
    let hazard_log = match file(&record.hazard_log_id) {
        Some(id) => evidence::get(&mut *conn, &id).await?,
        None => None,
    };
    Ok(LocalAssuranceView {
        share_id: share.id.clone(),
        approval_blockers: local_assurance::decision_blockers(&facts, Decision::Approved),
        next_action: local_assurance::next_action(&facts),
        decision: facts.decision,
        safety_case,
        hazard_log,
        record,
    })
}

/// The EUO's local assurance of a shared product (an empty one before anything is recorded).
pub async fn get(app: &App, actor: &Actor, share_id: &str, today: Date) -> Result<LocalAssuranceView> {
    let jwks = crate::keys::jwks(app).await?;
    let (share, euo) = euo_share(app, actor, share_id, today).await?;
    let mut conn = app.store.acquire().await?;
    let record = local_assurances::get(&mut *conn, &share.product_id, &euo.id)
        .await?
        .unwrap_or_else(|| blank(&share, &euo));
    view_on(&mut conn, &jwks, &share, &euo, record, today).await
}

/// Reads the record inside `tx` under the organisation's lock for this product, changes it with
/// `change`, writes it and its audit entry, and returns the new view.
async fn update(
    app: &App,
    actor: &Actor,
    share_id: &str,
    now: OffsetDateTime,
    kind: &str,
    mut tx: scal_store::Tx,
    change: impl FnOnce(&mut LocalAssuranceRecord, &Facts) -> Result<()>,
) -> Result<LocalAssuranceView> {
    let jwks = crate::keys::jwks(app).await?;
    let today = now.date();
    let (share, euo) = euo_share(app, actor, share_id, today).await?;
    // The facts the gate reads (the certificate, the policy) cannot change under it.
    scal_store::records::scals::lock_scal(&mut tx, &share.scal_id).await?;
    tx.lock_key(&format!("use-policy:{}", share.product_id)).await?;
    tx.lock_key(&format!("local-assurance:{}:{}", share.product_id, euo.id))
        .await?;
    let before = local_assurances::get(tx.conn(), &share.product_id, &euo.id).await?;
    let mut record = before.clone().unwrap_or_else(|| blank(&share, &euo));
    let facts = facts_on(tx.conn(), &jwks, &share, &euo, &record, today).await?;
    change(&mut record, &facts)?;
    record.updated_by = actor.label().to_string();
    record.updated_at = micros(now);
    local_assurances::put(tx.conn(), &record).await?;
    tx.audit(audit_entry(
        actor,
        now,
        kind,
        Some(&euo.id),
        &record.id,
        before.as_ref().and_then(crate::to_json),
        crate::to_json(&record),
    ))
    .await?;
    let record = local_assurances::get(tx.conn(), &share.product_id, &euo.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let view = view_on(tx.conn(), &jwks, &share, &euo, record, today).await?;
    tx.commit().await?;
    Ok(view)
}

/// Names the Clinical Safety Officer.
pub async fn save_safety_officer(
    app: &App,
    actor: &Actor,
    share_id: &str,
    name: &str,
    registration: &str,
    now: OffsetDateTime,
) -> Result<LocalAssuranceView> {
    euo_share(app, actor, share_id, now.date()).await?;
    let officer = local_assurance::parse_safety_officer(name, registration).map_err(AppError::Invalid)?;
    let tx = app.store.begin().await?;
    update(
        app,
        actor,
        share_id,
        now,
        "local_assurance.safety_officer",
        tx,
        |r, _| {
            r.cso_name = Some(officer.name);
            r.cso_registration = Some(officer.registration);
            Ok(())
        },
    )
    .await
}

/// Records the local controls (empty clears them).
pub async fn save_local_controls(
    app: &App,
    actor: &Actor,
    share_id: &str,
    text: &str,
    now: OffsetDateTime,
) -> Result<LocalAssuranceView> {
    euo_share(app, actor, share_id, now.date()).await?;
    let text = local_assurance::parse_local_controls(text).map_err(AppError::Invalid)?;
    let tx = app.store.begin().await?;
    update(
        app,
        actor,
        share_id,
        now,
        "local_assurance.local_controls",
        tx,
        |r, _| {
            r.local_controls = Some(text).filter(|t| !t.is_empty());
            Ok(())
        },
    )
    .await
}

/// Uploads the EUO's own safety case report or hazard log (kept as the EUO's evidence, never
/// shared) and records it, in one transaction.
pub async fn upload(
    app: &App,
    actor: &Actor,
    share_id: &str,
    which: LocalFile,
    file_name: &str,
    bytes: &[u8],
    now: OffsetDateTime,
) -> Result<LocalAssuranceView> {
    let (_, euo) = euo_share(app, actor, share_id, now.date()).await?;
    let prepared = crate::evidence::prepare(app, &euo.id, file_name, bytes).await?;
    let mut tx = app.store.begin().await?;
    let file = crate::evidence::insert_in(app, &mut tx, actor, &euo.id, prepared, now).await?;
    let kind = match which {
        LocalFile::SafetyCase => "local_assurance.safety_case",
        LocalFile::HazardLog => "local_assurance.hazard_log",
    };
    update(app, actor, share_id, now, kind, tx, move |r, _| {
        match which {
            LocalFile::SafetyCase => r.safety_case_id = Some(file.id),
            LocalFile::HazardLog => r.hazard_log_id = Some(file.id),
        }
        Ok(())
    })
    .await
}

/// One of the EUO's own local assurance files, with its bytes (the EUO only).
pub async fn file(
    app: &App,
    actor: &Actor,
    share_id: &str,
    which: LocalFile,
    today: Date,
) -> Result<(EvidenceRecord, Vec<u8>)> {
    let view = get(app, actor, share_id, today).await?;
    let file = match which {
        LocalFile::SafetyCase => view.safety_case,
        LocalFile::HazardLog => view.hazard_log,
    }
    .ok_or(AppError::NotFound)?;
    let bytes = app.files.get(&file.storage_key).await?;
    Ok((file, bytes))
}

/// Records the decision. An approval is refused (`Blocked`, naming each reason) unless
/// `decision_blockers` finds nothing, checked inside the transaction. A new decision replaces the
/// last; one that does not approve clears the go-live date.
pub async fn decide(
    app: &App,
    actor: &Actor,
    share_id: &str,
    decision: &str,
    decided_on: &str,
    now: OffsetDateTime,
) -> Result<LocalAssuranceView> {
    euo_share(app, actor, share_id, now.date()).await?;
    let input = local_assurance::parse_decision(decision, decided_on, now.date()).map_err(AppError::Invalid)?;
    let by = actor.label().to_string();
    let tx = app.store.begin().await?;
    update(app, actor, share_id, now, "local_assurance.decided", tx, |r, facts| {
        let blockers = local_assurance::decision_blockers(facts, input.decision);
        if !blockers.is_empty() {
            return Err(AppError::Blocked(
                blockers.iter().map(DecisionBlocker::message).collect(),
            ));
        }
        r.decision = Some(input.decision.as_str().to_string());
        r.decided_on = Some(input.decided_on.to_string());
        r.decided_by = Some(by);
        if !input.decision.approves() {
            r.go_live_on = None;
        }
        Ok(())
    })
    .await
}

/// Records the deployment's go-live date: after an approving decision, not before it.
pub async fn record_go_live(
    app: &App,
    actor: &Actor,
    share_id: &str,
    go_live_on: &str,
    now: OffsetDateTime,
) -> Result<LocalAssuranceView> {
    euo_share(app, actor, share_id, now.date()).await?;
    let raw = go_live_on.to_string();
    let tx = app.store.begin().await?;
    update(
        app,
        actor,
        share_id,
        now,
        "local_assurance.go_live",
        tx,
        move |r, facts| {
            let decided = facts.decision.zip(r.decided_on.as_deref().and_then(crate::stored_date));
            let date = local_assurance::parse_go_live(&raw, decided).map_err(AppError::Invalid)?;
            // A deployment goes live on a valid certificate only.
            match &facts.certificate {
                Some((true, _)) => {}
                Some((false, label)) => {
                    return Err(AppError::Blocked(vec![format!(
                        "The product's certificate is {}: record the go-live date once it is valid again",
                        label.to_lowercase()
                    )]))
                }
                None => {
                    return Err(AppError::Blocked(vec![
                        "The product has no certificate of technical conformance".into(),
                    ]))
                }
            }
            r.go_live_on = Some(date.to_string());
            Ok(())
        },
    )
    .await
}
