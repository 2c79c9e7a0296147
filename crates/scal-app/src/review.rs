//! NHS England's review of a submitted round: a verdict on every item (and a decision on every red
//! item's explanation and mitigation), verdicts carried over items that did not change since the
//! round before, and the round's outcome: returned with what the supplier must look at, accepted
//! once nothing blocks (`review::accept_blockers`), or withdrawn by the supplier.

use std::collections::HashMap;

use scal_domain::policy::{authorize, Action, Actor};
use scal_domain::review::{
    accept_blockers, asks, parse_item_review, AcceptBlocker, ItemKey, ItemReview, ItemReviewInput, RoundStatus,
};
use scal_domain::snapshot::{diff, Snapshot};
use scal_domain::template::Rag;
use scal_store::records::submissions::{self, SubmissionRecord};
use scal_store::records::verdicts::{self, VerdictRecord};
use scal_workbook::{ReviewCells, ReviewExport, ReviewRow};
use time::OffsetDateTime;

use crate::submissions::{get as get_submission, SubmissionView};
use crate::{audit_entry, micros, new_id, App, AppError, Result};

/// One item of a round as it was submitted.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RoundItem {
    pub sheet: String,
    pub id: String,
    pub level: String,
    pub text: String,
    pub answer: Option<String>,
    pub justification: Option<String>,
    pub mitigation: Option<String>,
    pub target_date: Option<String>,
    pub rag: Rag,
    /// Linked files as (name, SHA-256).
    pub evidence: Vec<(String, String)>,
}

impl RoundItem {
    pub fn key(&self) -> ItemKey {
        ItemKey::new(&self.sheet, &self.id)
    }
}

/// A round's snapshot, read back.
fn read_snapshot(submission: &SubmissionRecord) -> Result<Snapshot> {
    Snapshot::from_json(&submission.snapshot)
        .map_err(|e| AppError::Internal(format!("round {} snapshot: {}", submission.id, e.0)))
}

/// The items of a round, in the SCAL's order, read from its snapshot (what was submitted, not
/// what the SCAL holds now).
pub fn items_of(submission: &SubmissionRecord) -> Result<Vec<RoundItem>> {
    Ok(read_snapshot(submission)?
        .sheets
        .into_iter()
        .flat_map(|sheet| {
            let name = sheet.name;
            sheet.requirements.into_iter().map(move |r| RoundItem {
                sheet: name.clone(),
                id: r.id,
                level: r.level.as_str().to_string(),
                text: r.text,
                answer: r.answer,
                justification: r.justification,
                mitigation: r.mitigation,
                target_date: r.target_date,
                rag: r.rag,
                evidence: r.evidence,
            })
        })
        .collect())
}

/// A round under review: its items, the verdicts recorded so far and what stops acceptance.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RoundReview {
    pub round: SubmissionView,
    pub items: Vec<RoundItem>,
    /// By item. A supplier sees verdicts only once the round is decided.
    pub verdicts: HashMap<ItemKey, VerdictRecord>,
    /// Why it cannot be accepted now (empty: it can). Only while it waits for a decision.
    pub blockers: Vec<AcceptBlocker>,
    /// Items new or changed since the round before (`None` for a first round).
    pub changed: Option<std::collections::HashSet<ItemKey>>,
}

impl RoundReview {
    pub fn verdict(&self, item: &ItemKey) -> Option<&VerdictRecord> {
        self.verdicts.get(item)
    }

    /// Items without a verdict yet.
    pub fn unreviewed(&self) -> usize {
        self.items
            .iter()
            .filter(|i| !self.verdicts.contains_key(&i.key()))
            .count()
    }

    /// What the round asks the supplier to look at: items queried or not accepted.
    pub fn asks(&self) -> Vec<(&RoundItem, &VerdictRecord)> {
        self.items
            .iter()
            .filter_map(|i| self.verdicts.get(&i.key()).map(|v| (i, v)))
            .filter(|(_, v)| v.review.verdict != scal_domain::review::Verdict::Accepted)
            .collect()
    }
}

fn reviews(verdicts: &HashMap<ItemKey, VerdictRecord>) -> HashMap<ItemKey, ItemReview> {
    verdicts.iter().map(|(k, v)| (k.clone(), v.review.clone())).collect()
}

fn keyed(items: &[RoundItem]) -> Vec<(ItemKey, Rag)> {
    items.iter().map(|i| (i.key(), i.rag)).collect()
}

/// The threads on the SCAL not yet resolved, as (ID, subject in words): they block acceptance.
async fn unresolved_threads(conn: &mut scal_store::Conn, scal_id: &str) -> Result<Vec<(String, String)>> {
    Ok(crate::threads::unresolved_on(conn, scal_id)
        .await?
        .into_iter()
        .map(|t| (t.thread_id, lower_first(&t.label)))
        .collect())
}

/// A subject's label mid-sentence: "The SCAL as a whole" reads "the SCAL as a whole",
/// "Requirement X" "requirement X" (labels start with a common word; IDs and names follow it).
fn lower_first(label: &str) -> String {
    let mut chars = label.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A round's review as the actor may see it: NHS England always; the supplier its own, with
/// verdicts once the round is decided (a review in progress is NHS England's working).
pub async fn get(app: &App, actor: &Actor, submission_id: &str, today: time::Date) -> Result<RoundReview> {
    let round = get_submission(app, actor, submission_id).await?;
    let reviewer = authorize(actor, Action::ReviewSubmission, Some(&round.product.org_id)).is_ok();
    let mut conn = app.store.acquire().await?;
    let record = submissions::get(&mut *conn, &round.submission.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let items = items_of(&record)?;
    let pending = record.round_status() == RoundStatus::Submitted;
    // Only NHS England's decision shows the supplier its verdicts: a withdrawn round's partial
    // review stays NHS England's working.
    let decided = matches!(record.round_status(), RoundStatus::Returned | RoundStatus::Accepted);
    let verdicts: HashMap<ItemKey, VerdictRecord> = if reviewer || decided {
        verdicts::for_submission(&mut conn, &record.id)
            .await?
            .into_iter()
            .map(|v| (v.item.clone(), v))
            .collect()
    } else {
        HashMap::new()
    };
    let blockers = if pending && reviewer {
        let threads = unresolved_threads(&mut conn, &record.scal_id).await?;
        accept_blockers(&keyed(&items), &reviews(&verdicts), &threads, today)
    } else {
        Vec::new()
    };
    let changed = match submissions::for_scal(&mut *conn, &record.scal_id)
        .await?
        .into_iter()
        .rfind(|r| r.round < record.round)
    {
        Some(previous) => {
            let previous = submissions::get(&mut *conn, &previous.id)
                .await?
                .ok_or(AppError::NotFound)?;
            let diff = diff(&read_snapshot(&previous)?, &read_snapshot(&record)?);
            Some(
                items
                    .iter()
                    .filter(|i| !diff.unchanged(&i.sheet, &i.id))
                    .map(RoundItem::key)
                    .collect(),
            )
        }
        None => None,
    };
    Ok(RoundReview {
        round,
        items,
        verdicts,
        blockers,
        changed,
    })
}

/// A verdict as sent by a form, the API or a reviewer's workbook.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct VerdictInput {
    #[serde(default)]
    pub sheet: String,
    #[serde(default)]
    pub requirement_id: String,
    #[serde(default)]
    pub verdict: String,
    #[serde(default)]
    pub comment: String,
    #[serde(default)]
    pub decision: String,
    /// Each condition's text and due date.
    #[serde(default)]
    pub conditions: Vec<(String, String)>,
}

impl VerdictInput {
    fn parse(&self, rag: Rag, today: time::Date) -> std::result::Result<ItemReview, scal_domain::Invalid> {
        parse_item_review(
            rag,
            &ItemReviewInput {
                verdict: &self.verdict,
                comment: &self.comment,
                decision: &self.decision,
                conditions: self.conditions.iter().map(|(t, d)| (t.as_str(), d.as_str())).collect(),
            },
            today,
        )
    }
}

/// Locks the round's SCAL and reads the round again inside the transaction: only a round still
/// waiting for a decision can be reviewed.
async fn pending_round(tx: &mut scal_store::Tx, view: &SubmissionView) -> Result<SubmissionRecord> {
    scal_store::records::scals::lock_scal(tx, &view.submission.scal_id).await?;
    let current = submissions::get(tx.conn(), &view.submission.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if current.round_status() != RoundStatus::Submitted {
        return Err(AppError::Conflict(format!(
            "Round {} is already decided ({}): it cannot be changed",
            current.round,
            current.round_status().label().to_lowercase()
        )));
    }
    Ok(current)
}

/// The verdicts a batch of inputs gives, and each input's problems by its index.
type Checked = (Vec<(ItemKey, ItemReview)>, Vec<(usize, scal_domain::FieldError)>);

/// Every input held to the round's items and **the** rule (`parse_item_review`) as of `today`:
/// the verdicts it gives, and every problem of every input by the input's index (fields not
/// prefixed). The page, the API and a reviewer's workbook all come through here.
fn check_verdicts(items: &[RoundItem], round: i64, inputs: &[VerdictInput], today: time::Date) -> Checked {
    let mut parsed = Vec::new();
    let mut errors = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let key = ItemKey::new(input.sheet.trim(), input.requirement_id.trim());
        let Some(item) = items.iter().find(|item| item.key() == key) else {
            errors.push((
                i,
                scal_domain::FieldError::new(
                    "requirement_id",
                    format!(
                        "{} is not an item of round {round}: choose a requirement the round holds",
                        if key.requirement_id.is_empty() {
                            "(none given)".to_string()
                        } else {
                            key.to_string()
                        },
                    ),
                ),
            ));
            continue;
        };
        match input.parse(item.rag, today) {
            Ok(review) => parsed.push((item.key(), review)),
            Err(invalid) => errors.extend(invalid.0.into_iter().map(|e| (i, e))),
        }
    }
    (parsed, errors)
}

/// Stores verdicts checked by [`check_verdicts`], each replacing the item's verdict, with an
/// audit entry each (`via`: how they came, when not typed in scal).
async fn store_verdicts(
    tx: &mut scal_store::Tx,
    actor: &Actor,
    view: &SubmissionView,
    current: &SubmissionRecord,
    parsed: Vec<(ItemKey, ItemReview)>,
    via: Option<&str>,
    now: OffsetDateTime,
) -> Result<()> {
    let mut before: HashMap<ItemKey, VerdictRecord> = verdicts::for_submission(tx.conn(), &current.id)
        .await?
        .into_iter()
        .map(|v| (v.item.clone(), v))
        .collect();
    for (key, review) in parsed {
        let record = VerdictRecord {
            id: new_id(),
            submission_id: current.id.clone(),
            item: key.clone(),
            review,
            carried_from_round: None,
            recorded_by: actor.label().to_string(),
            recorded_at: micros(now),
        };
        verdicts::put(tx, &record).await?;
        let mut after = serde_json::json!({"round": current.round, "item": key, "review": record.review});
        if let Some(via) = via {
            after["via"] = serde_json::json!(via);
        }
        tx.audit(audit_entry(
            actor,
            now,
            "review.verdict_recorded",
            Some(&view.product.org_id),
            &current.id,
            before.remove(&key).map(
                |v| serde_json::json!({"item": v.item, "review": v.review, "carried_from_round": v.carried_from_round}),
            ),
            Some(after),
        ))
        .await?;
    }
    Ok(())
}

/// Records verdicts on items of a round (NHS England), all or nothing: every problem with every
/// verdict is reported, each field named by the item (`items[SHEET/ID].verdict`) when there is
/// more than one.
pub async fn record(
    app: &App,
    actor: &Actor,
    submission_id: &str,
    inputs: &[VerdictInput],
    now: OffsetDateTime,
) -> Result<RoundReview> {
    let view = get_submission(app, actor, submission_id).await?;
    authorize(actor, Action::ReviewSubmission, Some(&view.product.org_id))?;
    if inputs.is_empty() {
        return Err(AppError::invalid("verdicts", "Give at least one verdict"));
    }
    let mut tx = app.store.begin().await?;
    let current = pending_round(&mut tx, &view).await?;
    let items = items_of(&current)?;
    let (parsed, errors) = check_verdicts(&items, current.round, inputs, now.date());
    if !errors.is_empty() {
        let prefix = |input: &VerdictInput| {
            if inputs.len() > 1 {
                format!("items[{}/{}].", input.sheet.trim(), input.requirement_id.trim())
            } else {
                String::new()
            }
        };
        return Err(AppError::Invalid(scal_domain::Invalid(
            errors
                .into_iter()
                .map(|(i, mut e)| {
                    e.field = format!("{}{}", prefix(&inputs[i]), e.field);
                    e
                })
                .collect(),
        )));
    }
    store_verdicts(&mut tx, actor, &view, &current, parsed, None, now).await?;
    tx.commit().await?;
    get(app, actor, submission_id, now.date()).await
}

/// The round as a workbook to review offline (NHS England): the supplier's answers locked, a
/// verdict, decision, comments and conditions column open, verdicts so far filled in.
pub async fn export_workbook(
    app: &App,
    actor: &Actor,
    submission_id: &str,
    now: OffsetDateTime,
) -> Result<crate::templates::ExportedWorkbook> {
    let review = get(app, actor, submission_id, now.date()).await?;
    authorize(actor, Action::ReviewSubmission, Some(&review.round.product.org_id))?;
    let rows: Vec<ReviewRow> = review
        .items
        .iter()
        .map(|item| {
            let verdict = review.verdict(&item.key());
            ReviewRow {
                sheet: item.sheet.clone(),
                requirement_id: item.id.clone(),
                level: item.level.clone(),
                text: item.text.clone(),
                answer: item.answer.clone(),
                justification: item.justification.clone(),
                mitigation: item.mitigation.clone(),
                target_date: item.target_date.clone(),
                rag: Some(item.rag),
                evidence: item.evidence.iter().map(|(name, _)| name.clone()).collect(),
                review: verdict.map(|v| ReviewCells::of(&v.review)).unwrap_or_default(),
                verdict_id: verdict.map(|v| v.id.clone()),
            }
        })
        .collect();
    let product = review.round.product.details.title();
    let round = review.round.submission.round;
    let stamp = now
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let bytes = scal_workbook::export_review(&ReviewExport {
        submission_id: &review.round.submission.id,
        round,
        product: &product,
        stamp: &stamp,
        rows: &rows,
    })
    .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(crate::templates::ExportedWorkbook::named(
        &format!("Review of {product} round {round}"),
        bytes,
    ))
}

/// What uploading a review workbook did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WorkbookReview {
    pub review: RoundReview,
    /// Verdicts recorded from the workbook.
    pub recorded: usize,
    /// Rows whose review cells were as downloaded: left as they are.
    pub unchanged: usize,
}

/// The review column a verdict field is typed in (verdict, decision, comments, conditions), and
/// for a condition its line.
fn review_column(field: &str) -> (usize, Option<&str>) {
    match field {
        "decision" => (1, None),
        "comment" => (2, None),
        f if f.starts_with("conditions") => (3, f.strip_prefix("conditions[").and_then(|rest| rest.split(']').next())),
        _ => (0, None),
    }
}

/// Records the verdicts of a review workbook downloaded with [`export_workbook`] (NHS England):
/// rows matched by sheet and requirement ID, each held to the same rule as a verdict typed in
/// scal, all or nothing. Every problem names its sheet, row and column; rows left as downloaded
/// are not touched; a row edited over a verdict recorded in scal since the download is refused,
/// as is a workbook of another round.
pub async fn import_workbook(
    app: &App,
    actor: &Actor,
    submission_id: &str,
    bytes: bytes::Bytes,
    limits: scal_workbook::Limits,
    now: OffsetDateTime,
) -> Result<WorkbookReview> {
    let view = get_submission(app, actor, submission_id).await?;
    authorize(actor, Action::ReviewSubmission, Some(&view.product.org_id))?;
    let status = view.submission.round_status();
    if status != RoundStatus::Submitted {
        return Err(AppError::Conflict(format!(
            "Round {} is already decided ({}): it cannot be changed",
            view.submission.round,
            status.label().to_lowercase()
        )));
    }
    // Parsing is slow and synchronous: on the blocking pool, behind the workbook gate.
    let upload = app
        .gates
        .workbook
        .run(move || scal_workbook::read_review(&bytes, limits))
        .await?
        .map_err(|e| AppError::invalid("file", e.to_string()))?;
    if upload.submission_id != view.submission.id {
        return Err(AppError::invalid(
            "file",
            format!(
                "This workbook is the review of another round (submission {}{}), not of round {} of {}: download this round's review workbook and copy your verdicts into it",
                upload.submission_id,
                upload.round.map(|r| format!(", round {r}")).unwrap_or_default(),
                view.submission.round,
                view.product.details.title()
            ),
        ));
    }
    let mut tx = app.store.begin().await?;
    let current = pending_round(&mut tx, &view).await?;
    let items = items_of(&current)?;
    let stored: HashMap<ItemKey, VerdictRecord> = verdicts::for_submission(tx.conn(), &current.id)
        .await?
        .into_iter()
        .map(|v| (v.item.clone(), v))
        .collect();
    let mut errors: Vec<scal_domain::FieldError> = upload
        .problems
        .iter()
        .map(|p| scal_domain::FieldError::new(format!("'{}'!{}:{}", p.sheet, p.row, p.row), p.to_string()))
        .collect();
    let at = |location: &scal_workbook::review::CellLocation, column: usize, message: &str| {
        scal_domain::FieldError::new(
            location.cell(column),
            format!("{}: {message}", location.describe(column)),
        )
    };
    let (mut inputs, mut located, mut unchanged) = (Vec::new(), Vec::new(), 0);
    for row in &upload.rows {
        if !row.changed() {
            unchanged += 1;
            continue;
        }
        let key = ItemKey::new(&row.sheet, &row.requirement_id);
        let recorded = stored.get(&key);
        if recorded.map(|v| v.id.as_str()) != row.exported_from.as_deref() {
            errors.push(at(
                &row.location,
                0,
                &format!(
                    "the verdict on {key} was recorded in scal{} after this workbook was downloaded: download it again, or record this verdict in scal",
                    recorded.map(|v| format!(" by {}", v.recorded_by)).unwrap_or_default()
                ),
            ));
            continue;
        }
        if row.cells.is_empty() {
            errors.push(at(
                &row.location,
                0,
                &format!("the verdict on {key} was cleared: a verdict cannot be removed, only replaced, so give one"),
            ));
            continue;
        }
        inputs.push(VerdictInput {
            sheet: row.sheet.clone(),
            requirement_id: row.requirement_id.clone(),
            verdict: row.cells.verdict.clone(),
            comment: row.cells.comment.clone(),
            decision: row.cells.decision.clone(),
            conditions: row.cells.conditions(),
        });
        located.push(&row.location);
    }
    let (parsed, problems) = check_verdicts(&items, current.round, &inputs, now.date());
    for (i, e) in problems {
        let (column, line) = review_column(&e.field);
        let message = match line {
            Some(n) => format!("line {n}: {}", e.message),
            None => e.message,
        };
        errors.push(at(located[i], column, &message));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(scal_domain::Invalid(errors)));
    }
    let recorded = parsed.len();
    if recorded > 0 {
        store_verdicts(&mut tx, actor, &view, &current, parsed, Some("workbook"), now).await?;
        tx.commit().await?;
    }
    Ok(WorkbookReview {
        review: get(app, actor, submission_id, now.date()).await?,
        recorded,
        unchanged,
    })
}

/// Verdicts for the new round `next` carried from the round before it, on every item the round
/// diff calls unchanged (`RoundDiff::unchanged`: the same level, text, answer, explanation,
/// mitigation, target date and files): so a resubmission is reviewed only where it changed. Each names the round its verdict
/// was first given in.
/// A verdict with a condition already past its date is not carried: the item waits for a new
/// verdict with a new date. Each carried verdict is audited (`review.verdict_carried`) in the
/// submission's transaction, as the round starts with it.
pub(crate) async fn carry_over(
    tx: &mut scal_store::Tx,
    actor: &Actor,
    (org_id, previous, next): (&str, &SubmissionRecord, &SubmissionRecord),
    now: OffsetDateTime,
) -> Result<Vec<VerdictRecord>> {
    let at = micros(now);
    let diff = diff(&read_snapshot(previous)?, &read_snapshot(next)?);
    let old = verdicts::for_submission(tx.conn(), &previous.id).await?;
    let mut carried = Vec::new();
    for item in items_of(next)? {
        let key = item.key();
        let Some(verdict) = old.iter().find(|v| v.item == key) else {
            continue;
        };
        if diff.unchanged(&key.sheet, &key.requirement_id) && verdict.review.past_due(now.date()).is_none() {
            carried.push(VerdictRecord {
                id: new_id(),
                submission_id: next.id.clone(),
                item: key,
                review: verdict.review.clone(),
                carried_from_round: Some(verdict.carried_from_round.unwrap_or(previous.round)),
                recorded_by: verdict.recorded_by.clone(),
                recorded_at: at,
            });
        }
    }
    verdicts::insert_all(tx, &carried).await?;
    for record in &carried {
        tx.audit(audit_entry(
            actor,
            now,
            "review.verdict_carried",
            Some(org_id),
            &next.id,
            None,
            Some(serde_json::json!({
                "round": next.round,
                "item": record.item,
                "review": record.review,
                "carried_from_round": record.carried_from_round,
            })),
        ))
        .await?;
    }
    Ok(carried)
}

/// Accepts a round (NHS England): refused with every blocker while any item has no verdict or a
/// verdict other than accepted, a red item is not agreed, a condition is past its date, or a
/// thread is unresolved. The accepted
/// round is the accepted SCAL: read-only for the supplier from now on.
pub async fn accept(app: &App, actor: &Actor, submission_id: &str, now: OffsetDateTime) -> Result<SubmissionView> {
    let view = get_submission(app, actor, submission_id).await?;
    authorize(actor, Action::ReviewSubmission, Some(&view.product.org_id))?;
    let mut tx = app.store.begin().await?;
    let current = pending_round(&mut tx, &view).await?;
    let items = items_of(&current)?;
    let recorded: HashMap<ItemKey, VerdictRecord> = verdicts::for_submission(tx.conn(), &current.id)
        .await?
        .into_iter()
        .map(|v| (v.item.clone(), v))
        .collect();
    let threads = unresolved_threads(tx.conn(), &current.scal_id).await?;
    let blockers = accept_blockers(&keyed(&items), &reviews(&recorded), &threads, now.date());
    if !blockers.is_empty() {
        return Err(AppError::Blocked(blockers.iter().map(AcceptBlocker::message).collect()));
    }
    // The reopenings (uplifts, product changes) this acceptance closes: open now, made before
    // this round.
    let rounds = submissions::for_scal(tx.conn(), &current.scal_id).await?;
    let closing: Vec<String> = crate::scals::open_reopenings_on(tx.conn(), &current.scal_id, &rounds)
        .await?
        .into_iter()
        .filter(|r| r.after_round < current.round)
        .map(|r| r.reason)
        .collect();
    if !submissions::mark_decided(
        tx.conn(),
        &current.id,
        RoundStatus::Accepted.as_str(),
        actor.label(),
        micros(now),
        None,
    )
    .await?
    {
        return Err(AppError::Conflict(format!(
            "Round {} is already decided",
            current.round
        )));
    }
    if !closing.is_empty() {
        let name = view.product.details.title();
        crate::shares::tell_euos(
            &mut tx,
            &current.scal_id,
            &format!("Changes accepted: {name}"),
            &format!(
                "NHS England accepted round {} of the SCAL for {name}, with its {}",
                current.round,
                closing.join(" and ")
            ),
            now,
        )
        .await?;
    }
    let conditions: Vec<serde_json::Value> = recorded
        .values()
        .filter(|v| !v.review.conditions.is_empty())
        .map(|v| serde_json::json!({"item": v.item, "conditions": v.review.conditions}))
        .collect();
    tx.audit(audit_entry(
        actor,
        now,
        "submission.accepted",
        Some(&view.product.org_id),
        &current.id,
        Some(serde_json::json!({"status": "submitted"})),
        Some(serde_json::json!({"status": "accepted", "round": current.round, "sha256": current.sha256, "conditions": conditions})),
    ))
    .await?;
    let suppliers = crate::notifications::organisation_users(&mut tx, &view.product.org_id).await?;
    let name = view.product.details.title();
    crate::notifications::tell(
        &mut tx,
        &suppliers,
        "accepted",
        &format!("SCAL accepted: {name}"),
        &format!(
            "{name}: {}.{}",
            scal_domain::status::ScalStatus::Accepted { round: current.round }.label(),
            if conditions.is_empty() {
                String::new()
            } else {
                " Some red items were agreed with conditions: see the SCAL.".into()
            }
        ),
        &format!("/scals/{}", current.scal_id),
        now,
    )
    .await?;
    tx.commit().await?;
    get_submission(app, actor, submission_id).await
}

/// Returns a round to the supplier for changes (NHS England), with a summary; every item queried
/// or not accepted is listed to the supplier.
pub async fn return_for_changes(
    app: &App,
    actor: &Actor,
    submission_id: &str,
    summary: &str,
    now: OffsetDateTime,
) -> Result<SubmissionView> {
    let view = get_submission(app, actor, submission_id).await?;
    authorize(actor, Action::ReviewSubmission, Some(&view.product.org_id))?;
    let summary = scal_domain::field::required_text("reason", "what the supplier needs to change", summary, 10_000)
        .map_err(|e| AppError::Invalid(scal_domain::Invalid(vec![e])))?;
    let mut tx = app.store.begin().await?;
    let current = pending_round(&mut tx, &view).await?;
    let items = items_of(&current)?;
    let recorded: HashMap<ItemKey, ItemReview> = verdicts::for_submission(tx.conn(), &current.id)
        .await?
        .into_iter()
        .map(|v| (v.item, v.review))
        .collect();
    let keyed = keyed(&items);
    let asked: Vec<String> = asks(&keyed, &recorded)
        .into_iter()
        .map(|(item, review)| {
            format!(
                "{item}: {}{}",
                review.verdict.label(),
                review.comment.as_deref().map(|c| format!(" ({c})")).unwrap_or_default()
            )
        })
        .collect();
    submissions::mark_decided(
        tx.conn(),
        &current.id,
        RoundStatus::Returned.as_str(),
        actor.label(),
        micros(now),
        Some(&summary),
    )
    .await?;
    tx.audit(audit_entry(
        actor,
        now,
        "submission.returned",
        Some(&view.product.org_id),
        &current.id,
        Some(serde_json::json!({"status": "submitted"})),
        Some(serde_json::json!({"status": "returned", "reason": summary, "round": current.round, "asks": asked})),
    ))
    .await?;
    let suppliers = crate::notifications::organisation_users(&mut tx, &view.product.org_id).await?;
    let name = view.product.details.title();
    let listed = if asked.is_empty() {
        String::new()
    } else {
        format!(" Items to look at: {}.", asked.join("; "))
    };
    crate::notifications::tell(
        &mut tx,
        &suppliers,
        "returned",
        &format!("SCAL returned, changes needed: {name}"),
        &format!(
            "{name}: {}. NHS England asks: {summary}{listed}",
            scal_domain::status::ScalStatus::Returned {
                round: current.round,
                reason: None
            }
            .label()
        ),
        &format!("/submissions/{}", current.id),
        now,
    )
    .await?;
    tx.commit().await?;
    get_submission(app, actor, submission_id).await
}

/// Withdraws a round before NHS England decides (the supplier): the SCAL is theirs to change
/// again, and its next submission is a new round.
pub async fn withdraw(app: &App, actor: &Actor, submission_id: &str, now: OffsetDateTime) -> Result<SubmissionView> {
    let view = get_submission(app, actor, submission_id).await?;
    authorize(actor, Action::AnswerScal, Some(&view.product.org_id))?;
    let mut tx = app.store.begin().await?;
    let current = pending_round(&mut tx, &view).await?;
    submissions::mark_decided(
        tx.conn(),
        &current.id,
        RoundStatus::Withdrawn.as_str(),
        actor.label(),
        micros(now),
        None,
    )
    .await?;
    tx.audit(audit_entry(
        actor,
        now,
        "submission.withdrawn",
        Some(&view.product.org_id),
        &current.id,
        Some(serde_json::json!({"status": "submitted"})),
        Some(serde_json::json!({"status": "withdrawn", "round": current.round})),
    ))
    .await?;
    let told = match submissions::reviewer_of(tx.conn(), &current.id).await? {
        Some(reviewer) => scal_store::records::users::get(tx.conn(), &reviewer)
            .await?
            .into_iter()
            .collect(),
        None => {
            let services: Vec<String> = scal_store::records::cases::for_scal(tx.conn(), &current.scal_id)
                .await?
                .into_iter()
                .map(|c| c.service_code)
                .collect();
            crate::notifications::reviewers(&mut tx, &services).await?
        }
    };
    let name = view.product.details.title();
    crate::notifications::tell(
        &mut tx,
        &told,
        "withdrawn",
        &format!("SCAL withdrawn: {name}"),
        &format!(
            "{name}: the supplier withdrew round {} before a decision",
            current.round
        ),
        &format!("/submissions/{}", current.id),
        now,
    )
    .await?;
    tx.commit().await?;
    get_submission(app, actor, submission_id).await
}
