//! Reviewers' verdicts on the items of a round, with the conditions of red items agreed with
//! conditions. A verdict is replaced whole (its conditions with it); the audit log keeps history.

use scal_domain::review::{Condition, Decision, ItemKey, ItemReview, Verdict};
use sqlx::any::AnyRow;

use crate::rows::{int, opt_int, opt_text, text};
use crate::{Result, StoreError, Tx};

/// A verdict as stored, with who recorded it and whether it was carried from an earlier round.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VerdictRecord {
    pub id: String,
    pub submission_id: String,
    pub item: ItemKey,
    pub review: ItemReview,
    /// The round it was carried from, when the item did not change since then.
    pub carried_from_round: Option<i64>,
    pub recorded_by: String,
    pub recorded_at: i64,
}

fn corrupt(column: &str, raw: &str) -> StoreError {
    StoreError::Corrupt(format!("column {column} holds {raw:?}"))
}

fn from_row(row: &AnyRow) -> Result<VerdictRecord> {
    let verdict = text(row, "verdict")?;
    let decision = opt_text(row, "decision")?;
    Ok(VerdictRecord {
        id: text(row, "id")?,
        submission_id: text(row, "submission_id")?,
        item: ItemKey::new(text(row, "sheet")?, text(row, "requirement_id")?),
        review: ItemReview {
            verdict: Verdict::parse(&verdict).ok_or_else(|| corrupt("verdict", &verdict))?,
            comment: opt_text(row, "comment")?,
            decision: match decision {
                Some(raw) => Some(Decision::parse(&raw).ok_or_else(|| corrupt("decision", &raw))?),
                None => None,
            },
            conditions: Vec::new(),
        },
        carried_from_round: opt_int(row, "carried_from_round")?,
        recorded_by: text(row, "recorded_by")?,
        recorded_at: int(row, "recorded_at")?,
    })
}

/// Every verdict of a round with its conditions, in no particular order.
pub async fn for_submission(conn: &mut crate::Conn, submission_id: &str) -> Result<Vec<VerdictRecord>> {
    let mut verdicts: Vec<VerdictRecord> = sqlx::query(
        "SELECT id, submission_id, sheet, requirement_id, verdict, comment, decision, carried_from_round, \
         recorded_by, recorded_at FROM review_verdicts WHERE submission_id = $1",
    )
    .bind(submission_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(from_row)
    .collect::<Result<_>>()?;
    let rows = sqlx::query(
        "SELECT c.verdict_id, c.text, c.due_date FROM review_conditions c \
         JOIN review_verdicts v ON v.id = c.verdict_id WHERE v.submission_id = $1 ORDER BY c.verdict_id, c.position",
    )
    .bind(submission_id)
    .fetch_all(&mut *conn)
    .await?;
    let format = time::macros::format_description!("[year]-[month]-[day]");
    for row in &rows {
        let verdict_id = text(row, "verdict_id")?;
        let raw = text(row, "due_date")?;
        let due = time::Date::parse(&raw, &format).map_err(|_| corrupt("due_date", &raw))?;
        if let Some(v) = verdicts.iter_mut().find(|v| v.id == verdict_id) {
            v.review.conditions.push(Condition {
                text: text(row, "text")?,
                due,
            });
        }
    }
    Ok(verdicts)
}

/// The verdict on one item of a round, if any.
pub async fn get(conn: &mut crate::Conn, submission_id: &str, item: &ItemKey) -> Result<Option<VerdictRecord>> {
    Ok(for_submission(conn, submission_id)
        .await?
        .into_iter()
        .find(|v| &v.item == item))
}

/// Records a verdict, replacing any on the same item of the same round.
pub async fn put(tx: &mut Tx, record: &VerdictRecord) -> Result<()> {
    sqlx::query(
        "DELETE FROM review_conditions WHERE verdict_id IN \
         (SELECT id FROM review_verdicts WHERE submission_id = $1 AND sheet = $2 AND requirement_id = $3)",
    )
    .bind(record.submission_id.as_str())
    .bind(record.item.sheet.as_str())
    .bind(record.item.requirement_id.as_str())
    .execute(tx.conn())
    .await?;
    sqlx::query("DELETE FROM review_verdicts WHERE submission_id = $1 AND sheet = $2 AND requirement_id = $3")
        .bind(record.submission_id.as_str())
        .bind(record.item.sheet.as_str())
        .bind(record.item.requirement_id.as_str())
        .execute(tx.conn())
        .await?;
    insert(tx.conn(), record).await
}

async fn insert(conn: &mut crate::Conn, record: &VerdictRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO review_verdicts (id, submission_id, sheet, requirement_id, verdict, comment, decision, \
         carried_from_round, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(record.id.as_str())
    .bind(record.submission_id.as_str())
    .bind(record.item.sheet.as_str())
    .bind(record.item.requirement_id.as_str())
    .bind(record.review.verdict.as_str())
    .bind(record.review.comment.clone())
    .bind(record.review.decision.map(|d| d.as_str().to_string()))
    .bind(record.carried_from_round)
    .bind(record.recorded_by.as_str())
    .bind(record.recorded_at)
    .execute(&mut *conn)
    .await?;
    for (position, condition) in record.review.conditions.iter().enumerate() {
        sqlx::query(
            "INSERT INTO review_conditions (id, verdict_id, position, text, due_date) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(format!("{}-{position}", record.id))
        .bind(record.id.as_str())
        .bind(position as i64)
        .bind(condition.text.as_str())
        .bind(condition.due.to_string())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Adds verdicts to a round that has none on those items yet (carried from an earlier round).
pub async fn insert_all(tx: &mut Tx, records: &[VerdictRecord]) -> Result<()> {
    for record in records {
        insert(tx.conn(), record).await?;
    }
    Ok(())
}
