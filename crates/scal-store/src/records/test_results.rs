//! Witness-test results: the latest result of each test case of an onboarding case, and the
//! evidence files each cites. A new result replaces the old one; the audit log keeps them all.

use scal_domain::testing::TestOutcome;
use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::records::evidence::EvidenceRecord;
use crate::rows::{int, opt_text, parsed, text};
use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TestResultRecord {
    pub id: String,
    pub case_id: String,
    pub test_case_id: String,
    pub outcome: TestOutcome,
    pub remedial_action: Option<String>,
    pub recorded_by: String,
    pub recorded_at: i64,
    /// The files cited, in the order given.
    pub evidence: Vec<EvidenceRecord>,
}

const COLUMNS: &str = "r.id, r.case_id, r.test_case_id, r.outcome, r.remedial_action, r.recorded_by, r.recorded_at";

fn from_row(row: &AnyRow) -> Result<TestResultRecord> {
    Ok(TestResultRecord {
        id: text(row, "id")?,
        case_id: text(row, "case_id")?,
        test_case_id: text(row, "test_case_id")?,
        outcome: parsed(row, "outcome", TestOutcome::parse)?,
        remedial_action: opt_text(row, "remedial_action")?,
        recorded_by: text(row, "recorded_by")?,
        recorded_at: int(row, "recorded_at")?,
        evidence: Vec::new(),
    })
}

/// Every result of the SCAL's cases, with their files.
pub async fn for_scal(conn: &mut crate::Conn, scal_id: &str) -> Result<Vec<TestResultRecord>> {
    let mut results: Vec<TestResultRecord> = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM test_results r JOIN onboarding_cases c ON c.id = r.case_id \
         WHERE c.scal_id = $1 ORDER BY r.recorded_at, r.test_case_id"
    ))
    .bind(scal_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(from_row)
    .collect::<Result<_>>()?;
    let files = sqlx::query(
        "SELECT x.result_id, e.id, e.org_id, e.file_name, e.content_type, e.size, e.sha256, e.storage_key, \
         e.uploaded_by, e.uploaded_at FROM test_result_evidence x JOIN evidence e ON e.id = x.evidence_id \
         JOIN test_results r ON r.id = x.result_id JOIN onboarding_cases c ON c.id = r.case_id \
         WHERE c.scal_id = $1 ORDER BY x.result_id, x.seq",
    )
    .bind(scal_id)
    .fetch_all(&mut *conn)
    .await?;
    for row in &files {
        let result_id = text(row, "result_id")?;
        let file = crate::records::evidence::from_row(row)?;
        if let Some(result) = results.iter_mut().find(|r| r.id == result_id) {
            result.evidence.push(file);
        }
    }
    Ok(results)
}

/// Replaces the case's result of `test_case_id` with `record` (and its files); returns the one
/// it replaced, if any.
pub async fn replace(conn: &mut crate::Conn, record: &TestResultRecord) -> Result<Option<TestResultRecord>> {
    let previous = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM test_results r WHERE r.case_id = $1 AND r.test_case_id = $2"
    ))
    .bind(record.case_id.as_str())
    .bind(record.test_case_id.as_str())
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()?;
    if let Some(previous) = &previous {
        sqlx::query("DELETE FROM test_result_evidence WHERE result_id = $1")
            .bind(previous.id.as_str())
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM test_results WHERE id = $1")
            .bind(previous.id.as_str())
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(
        "INSERT INTO test_results (id, case_id, test_case_id, outcome, remedial_action, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(record.id.as_str())
    .bind(record.case_id.as_str())
    .bind(record.test_case_id.as_str())
    .bind(record.outcome.as_str())
    .bind(record.remedial_action.clone())
    .bind(record.recorded_by.as_str())
    .bind(record.recorded_at)
    .execute(&mut *conn)
    .await?;
    for (seq, file) in record.evidence.iter().enumerate() {
        sqlx::query("INSERT INTO test_result_evidence (result_id, evidence_id, seq) VALUES ($1, $2, $3)")
            .bind(record.id.as_str())
            .bind(file.id.as_str())
            .bind(seq as i64)
            .execute(&mut *conn)
            .await?;
    }
    Ok(previous)
}

/// Whether any result cites the file.
pub async fn cites<'e>(ex: impl Executor<'e, Database = Any>, evidence_id: &str) -> Result<bool> {
    Ok(
        sqlx::query("SELECT result_id FROM test_result_evidence WHERE evidence_id = $1")
            .bind(evidence_id)
            .fetch_optional(ex)
            .await?
            .is_some(),
    )
}
