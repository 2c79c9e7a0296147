//! Submitting a SCAL: the gate (the readiness rules of `scal check`, the onboarding steps, the
//! information sheet's confirmation), then an immutable snapshot with a SHA-256 over its canonical
//! form. NHS England can return a submission for changes.

use scal_domain::check::check;
use scal_domain::onboarding::submission_blockers;
use scal_domain::policy::{authorize, Action, Actor};
use scal_domain::snapshot::{Snapshot, SnapshotCase, SnapshotRow, SnapshotSheet};
use scal_domain::{FieldError, Invalid};
use scal_store::records::scals;
use scal_store::records::submissions::{self, SubmissionRecord};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::cases::{assess_on, CaseView};
use crate::scals::{ensure_editable, get_scal, scal_view_on, view_scal, ScalView};
use crate::{audit_entry, micros, new_id, App, AppError, Result};

/// The canonical form of the SCAL as `view` and `cases` show it, as round `round`
/// (`scal_domain::snapshot`: its JSON is what a round's SHA-256 is computed over).
pub fn snapshot_of(view: &ScalView, cases: &[CaseView], round: i64) -> Snapshot {
    Snapshot {
        scal_id: view.scal.id.clone(),
        product_id: view.product.id.clone(),
        product: view.product.details.title(),
        round,
        sheets: view
            .sheets
            .iter()
            .map(|s| SnapshotSheet {
                name: s.name.clone(),
                kind: s.kind,
                service: s.service_code.clone(),
                scoped_out: s.scoped_out.clone(),
                requirements: s
                    .requirements
                    .iter()
                    .map(|r| SnapshotRow {
                        id: r.requirement.id.clone(),
                        level: r.requirement.level,
                        text: r.requirement.text.clone(),
                        answer: r.answer.clone(),
                        justification: r.justification.clone(),
                        mitigation: r.mitigation.clone(),
                        target_date: r.target_date.clone(),
                        rag: r.rag,
                        evidence: r
                            .evidence
                            .iter()
                            .map(|e| (e.file_name.clone(), e.sha256.clone()))
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
        cases: cases
            .iter()
            .map(|c| SnapshotCase {
                service: c.service.code.as_str().to_string(),
                use_case: c.use_case.clone(),
                steps: c.steps.iter().map(|s| (s.step.number(), s.state)).collect(),
            })
            .collect(),
    }
}

/// The round's canonical JSON and its SHA-256.
fn snapshot(view: &ScalView, cases: &[CaseView], round: i64) -> (String, String) {
    let json = snapshot_of(view, cases, round).to_json();
    let sha = hex::encode(Sha256::digest(json.as_bytes()));
    (json, sha)
}

/// Reads a stored round's snapshot.
pub(crate) fn read_snapshot(submission: &SubmissionRecord) -> Result<Snapshot> {
    Snapshot::from_json(&submission.snapshot).map_err(|e| AppError::Internal(e.to_string()))
}

/// The requirements that differ in any way (`snapshot::RoundDiff::changed_items`: answer,
/// explanations, level, wording, evidence, or added) from the latest submitted round, as
/// `(sheet name, requirement ID)`; `None` before any round. What a supplier changed since NHS
/// England last saw it, and what a reviewer reads first. `None` too when the latest round's
/// snapshot cannot be read.
pub async fn changed_since_last_round(
    app: &App,
    actor: &Actor,
    view: &ScalView,
) -> Result<Option<std::collections::BTreeSet<(String, String)>>> {
    let Some(latest) = view.rounds.last() else {
        return Ok(None);
    };
    let round = get(app, actor, &latest.id).await?;
    // The sheet pages use this as a filter: a round whose snapshot cannot be read (only a
    // hand-written one) shows no filter rather than stopping the supplier's work.
    let submitted = match read_snapshot(&round.submission) {
        Ok(snapshot) => snapshot,
        Err(error) => {
            tracing::warn!(submission = %round.submission.id, %error, "no comparison with the last round");
            return Ok(None);
        }
    };
    // Cases play no part in which items changed.
    let live = snapshot_of(view, &[], latest.round + 1);
    Ok(Some(scal_domain::snapshot::diff(&submitted, &live).changed_items()))
}

/// What would stop the SCAL being submitted now (empty: ready).
pub fn blockers(view: &ScalView, cases: &[CaseView], now: OffsetDateTime) -> Vec<scal_domain::onboarding::Blocker> {
    let readiness = check(&view.answered_sheets(), now.date());
    let steps: Vec<(String, Vec<scal_domain::onboarding::StepStatus>)> = cases
        .iter()
        .map(|c| (c.service.code.as_str().to_string(), c.steps.clone()))
        .collect();
    let mut blockers = submission_blockers(&readiness.findings, &steps, view.scal.information_review);
    let items: Vec<(String, String, String)> = view
        .to_confirm
        .iter()
        .map(|i| (i.sheet.clone(), i.requirement_id.clone(), i.what.clone()))
        .collect();
    let sheets: Vec<String> = view.sheets_to_confirm.iter().map(|s| s.sheet.clone()).collect();
    blockers.extend(scal_domain::uplift::confirmation_blockers(&items, &sheets));
    if cases.is_empty() {
        blockers.push(scal_domain::onboarding::Blocker {
            message: "No service has been issued to this SCAL yet".into(),
            at: scal_domain::onboarding::BlockerAt::Information,
        });
    }
    blockers
}

/// Submits the SCAL (supplier): refused with every blocking finding, or while a round is already
/// with NHS England.
pub async fn submit(app: &App, actor: &Actor, scal_id: &str, now: OffsetDateTime) -> Result<SubmissionRecord> {
    let (scal, product) = get_scal(app, actor, scal_id).await?;
    authorize(actor, Action::AnswerScal, Some(&product.org_id))?;
    // The live ODS lookup (a network call) happens before any lock is taken; the gate then sees
    // what the case pages show.
    let ods = match app.settings.ods_base_url {
        Some(_) => crate::cases::ods_lookup(app, &view_scal(app, actor, &scal.id).await?, now).await,
        None => None,
    };
    let jwks = crate::keys::jwks(app).await?;
    let mut tx = app.store.begin().await?;
    // Every change to the SCAL locks this row first; everything below is read on this
    // transaction's connection, so the snapshot is exactly what is stored.
    let scal = scals::lock_scal(&mut tx, &scal.id).await?.ok_or(AppError::NotFound)?;
    ensure_editable(&mut tx, &scal.id).await?;
    let view = scal_view_on(tx.conn(), app, scal.clone(), product.clone()).await?;
    let cases = assess_on(tx.conn(), &view, ods, &jwks, now).await?;
    let blocking = blockers(&view, &cases, now);
    if !blocking.is_empty() {
        return Err(AppError::Invalid(Invalid(
            blocking
                .into_iter()
                .map(|b| FieldError::new("submission", b.message))
                .collect(),
        )));
    }
    let round = view.rounds.len() as i64 + 1;
    let (json, sha256) = snapshot(&view, &cases, round);
    let record = SubmissionRecord {
        id: new_id(),
        scal_id: scal.id.clone(),
        round,
        status: "submitted".into(),
        snapshot: json,
        sha256,
        submitted_by: actor.label().to_string(),
        submitted_at: micros(now),
        decided_by: None,
        decided_at: None,
        summary: None,
    };
    submissions::insert(tx.conn(), &record).await?;
    // Verdicts on items that did not change since the round before carry over to this one.
    let carried = match view.rounds.last() {
        Some(previous) => {
            let previous = submissions::get(tx.conn(), &previous.id)
                .await?
                .ok_or(AppError::NotFound)?;
            crate::review::carry_over(&mut tx, actor, (&product.org_id, &previous, &record), now).await?
        }
        None => Vec::new(),
    };
    tx.audit(audit_entry(
        actor,
        now,
        "scal.submitted",
        Some(&product.org_id),
        &record.id,
        None,
        Some(serde_json::json!({"scal_id": scal.id, "round": round, "sha256": record.sha256, "verdicts_carried": carried.len()})),
    ))
    .await?;
    let services: Vec<String> = cases.iter().map(|c| c.service.code.as_str().to_string()).collect();
    let reviewers = crate::notifications::reviewers(&mut tx, &services).await?;
    let name = product.details.title();
    crate::notifications::tell(
        &mut tx,
        &reviewers,
        "submitted",
        &format!("SCAL submitted: {name}"),
        // The status in the same words as every other surface (`status::ScalStatus::label`).
        &format!(
            "{name}: {}",
            scal_domain::status::ScalStatus::WithNhsEngland { round }.label()
        ),
        &format!("/submissions/{}", record.id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(record)
}

/// A submission with its product, and when NHS England's response is due.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SubmissionView {
    pub submission: SubmissionRecord,
    pub product: scal_store::ProductRecord,
    /// `review_response_days` working days after it was submitted (`review::due_date`).
    pub due: time::Date,
    /// Who at NHS England reviews it: `(user ID, name)`; `None` until someone takes it.
    pub reviewer: Option<(String, String)>,
}

impl SubmissionView {
    fn new(app: &App, submission: SubmissionRecord, product: scal_store::ProductRecord) -> Self {
        let submitted = crate::from_micros(submission.submitted_at).date();
        let due = scal_domain::review::due_date(
            submitted,
            app.settings.review_response_days,
            &app.settings.bank_holidays,
        );
        Self {
            submission,
            product,
            due,
            reviewer: None,
        }
    }

    /// Still with NHS England after its due date.
    pub fn overdue(&self, today: time::Date) -> bool {
        self.submission.status == "submitted" && scal_domain::review::overdue(self.due, today)
    }
}

/// Submissions the actor may see, oldest first: NHS England's queue (`status` `submitted`), or a
/// supplier's own.
pub async fn list(app: &App, actor: &Actor, status: Option<&str>) -> Result<Vec<SubmissionView>> {
    page(app, actor, status, None, None).await
}

/// The most a page of [`page`] holds, and how many it holds when not told.
pub const PAGE_LIMITS: std::ops::RangeInclusive<i64> = 1..=500;
pub const PAGE_DEFAULT: i64 = 100;

/// The submissions the actor may see (NHS England: all; a supplier: its own products'), oldest
/// first, with a status (all when `None`): at most `limit`, after the round `after` (a keyset
/// page: pass the last ID of one page to read the next). One query, whatever the size of the
/// service: it reads only the rounds it returns, with their products and reviewers.
pub async fn page(
    app: &App,
    actor: &Actor,
    status: Option<&str>,
    after: Option<&str>,
    limit: Option<i64>,
) -> Result<Vec<SubmissionView>> {
    authorize(actor, Action::ReadOnboarding, None)?;
    if let Some(other) = status.filter(|s| scal_domain::review::RoundStatus::parse(s).is_none()) {
        return Err(AppError::invalid(
            "status",
            format!("{other:?} is not a status: use submitted, returned, accepted or withdrawn"),
        ));
    }
    if let Some(limit) = limit.filter(|n| !PAGE_LIMITS.contains(n)) {
        return Err(AppError::invalid(
            "limit",
            format!(
                "{limit} is not a page size: use {} to {}",
                PAGE_LIMITS.start(),
                PAGE_LIMITS.end()
            ),
        ));
    }
    // The products the actor may see: theirs, or every one for NHS England.
    let org_id = match crate::products::scope(actor)? {
        Some(scope) => scope,
        None => return Ok(Vec::new()),
    };
    if let Some(after) = after {
        // A cursor the actor may not see is as unknown as one that does not exist.
        let visible = match submissions::org_of(app.store.pool(), after).await? {
            Some(owner) => org_id.as_deref().is_none_or(|mine| mine == owner),
            None => false,
        };
        if !visible {
            // A well-formed cursor naming no round the actor can see: not found, like any ID.
            return Err(AppError::NotFound);
        }
    }
    let filter = submissions::ListFilter {
        status,
        org_id: org_id.as_deref(),
        after,
        limit,
    };
    let mut out = Vec::new();
    for (submission, product, reviewer) in submissions::list(app.store.pool(), filter).await? {
        let mut view = SubmissionView::new(app, submission, product);
        view.reviewer = reviewer.map(|(id, name)| (id, name.unwrap_or_else(|| "someone no longer here".to_string())));
        out.push(view);
    }
    Ok(out)
}

/// The services each listed round's SCAL is assured for (its cases), by SCAL ID, in one query: a
/// queue's service filter, without reading every round's snapshot.
pub async fn services_by_scal(
    app: &App,
    views: &[SubmissionView],
) -> Result<std::collections::HashMap<String, Vec<String>>> {
    let listed: std::collections::HashSet<&str> = views.iter().map(|v| v.submission.scal_id.as_str()).collect();
    let mut out: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
    for (scal_id, code) in scal_store::records::cases::services_of_every_scal(app.store.pool()).await? {
        if listed.contains(scal_id.as_str()) {
            out.entry(scal_id).or_default().push(code);
        }
    }
    Ok(out)
}

/// The submitted snapshots of rounds already listed for the actor (by [`list`]), by submission
/// ID: only theirs, a few hundred to a query.
pub async fn snapshots(app: &App, views: &[SubmissionView]) -> Result<std::collections::HashMap<String, String>> {
    let mut out = std::collections::HashMap::new();
    let ids: Vec<&str> = views.iter().map(|v| v.submission.id.as_str()).collect();
    for chunk in ids.chunks(500) {
        out.extend(submissions::snapshots(app.store.pool(), chunk).await?);
    }
    Ok(out)
}

/// A reviewer's name, looked up once per listing.
async fn reviewer_name(
    app: &App,
    names: &mut std::collections::HashMap<String, String>,
    user_id: &str,
) -> Result<String> {
    if let Some(name) = names.get(user_id) {
        return Ok(name.clone());
    }
    let name = scal_store::records::users::get(app.store.pool(), user_id)
        .await?
        .map_or_else(|| "someone no longer here".to_string(), |u| u.name);
    names.insert(user_id.to_string(), name.clone());
    Ok(name)
}

/// Who may be given a round to review: every active NHS England user, the reviewers of its
/// services first (`(user, reviews one of its services)`).
pub async fn reviewer_choices(
    app: &App,
    actor: &Actor,
    view: &SubmissionView,
) -> Result<Vec<(scal_store::UserRecord, bool)>> {
    authorize(actor, Action::ReviewSubmission, Some(&view.product.org_id))?;
    let pool = app.store.pool();
    let services: Vec<String> = scal_store::records::cases::for_scal(pool, &view.submission.scal_id)
        .await?
        .into_iter()
        .map(|c| c.service_code)
        .collect();
    let mut service_reviewers = std::collections::HashSet::new();
    for code in &services {
        for user in scal_store::records::services::reviewers(pool, code).await? {
            service_reviewers.insert(user.id);
        }
    }
    let mut people = scal_store::records::users::active_with_role(pool, scal_domain::user::Role::NhseReviewer).await?;
    people.extend(scal_store::records::users::active_with_role(pool, scal_domain::user::Role::NhseAdmin).await?);
    let mut choices: Vec<(scal_store::UserRecord, bool)> = people
        .into_iter()
        .map(|u| {
            let theirs = service_reviewers.contains(&u.id);
            (u, theirs)
        })
        .collect();
    choices.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.name.cmp(&b.0.name)));
    Ok(choices)
}

/// Gives a round to a reviewer (NHS England): a reviewer may take it for themselves, an
/// administrator may give it to anyone at NHS England. Only while it is with NHS England.
pub async fn assign(
    app: &App,
    actor: &Actor,
    id: &str,
    reviewer_id: &str,
    now: OffsetDateTime,
) -> Result<SubmissionView> {
    let view = get(app, actor, id).await?;
    authorize(actor, Action::ReviewSubmission, Some(&view.product.org_id))?;
    let nobody = || AppError::invalid("reviewer_id", "Choose someone at NHS England to review it");
    let target = scal_store::records::users::get(
        app.store.pool(),
        crate::known_id(reviewer_id.trim()).map_err(|_| nobody())?,
    )
    .await?
    .filter(|u| {
        u.active
            && matches!(
                u.role,
                scal_domain::user::Role::NhseAdmin | scal_domain::user::Role::NhseReviewer
            )
    })
    .ok_or_else(nobody)?;
    let admin = actor.role() == Some(scal_domain::user::Role::NhseAdmin) || matches!(actor, Actor::System);
    if !admin && actor.user_id() != Some(target.id.as_str()) {
        return Err(AppError::Forbidden);
    }
    let mut tx = app.store.begin().await?;
    // The SCAL row first, as a decision on the round takes it, so a round decided meanwhile is
    // seen as decided here.
    scals::lock_scal(&mut tx, &view.submission.scal_id).await?;
    let current = submissions::get(tx.conn(), &view.submission.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if current.status != "submitted" {
        return Err(AppError::Conflict(
            "This round is no longer with NHS England: it cannot be given to a reviewer".into(),
        ));
    }
    let before = submissions::reviewer_of(tx.conn(), &current.id).await?;
    submissions::assign(&mut tx, &current.id, &target.id, actor.label(), micros(now)).await?;
    tx.audit(audit_entry(
        actor,
        now,
        "review.assigned",
        Some(&view.product.org_id),
        &current.id,
        before.map(|b| serde_json::json!({"reviewer_id": b})),
        Some(serde_json::json!({"reviewer_id": target.id, "reviewer": target.email.as_str(), "round": current.round})),
    ))
    .await?;
    tx.commit().await?;
    get(app, actor, id).await
}

pub async fn get(app: &App, actor: &Actor, id: &str) -> Result<SubmissionView> {
    let submission = submissions::get(app.store.pool(), crate::known_id(id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    let (_, product) = get_scal(app, actor, &submission.scal_id).await?;
    authorize(actor, Action::ReadOnboarding, Some(&product.org_id))?;
    let reviewer = match submissions::reviewer_of(app.store.pool(), &submission.id).await? {
        Some(user_id) => {
            let name = reviewer_name(app, &mut std::collections::HashMap::new(), &user_id).await?;
            Some((user_id, name))
        }
        None => None,
    };
    let mut view = SubmissionView::new(app, submission, product);
    view.reviewer = reviewer;
    Ok(view)
}
