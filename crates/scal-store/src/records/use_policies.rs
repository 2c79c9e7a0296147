//! A product's acceptable use policy versions and EUOs' acknowledgements of them.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::rows::{int, text};
use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PolicyRecord {
    pub id: String,
    pub product_id: String,
    /// 1, 2, 3... per product.
    pub sequence: i64,
    pub text: String,
    pub sha256: String,
    /// ISO 8601.
    pub effective_date: String,
    pub published_by: String,
    pub published_at: i64,
}

impl scal_domain::use_policy::Dated for PolicyRecord {
    fn sequence(&self) -> i64 {
        self.sequence
    }
    fn effective_date(&self) -> Option<time::Date> {
        time::Date::parse(
            &self.effective_date,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .ok()
    }
}

const COLUMNS: &str = "id, product_id, sequence, text, sha256, effective_date, published_by, published_at";

fn from_row(row: &AnyRow) -> Result<PolicyRecord> {
    Ok(PolicyRecord {
        id: text(row, "id")?,
        product_id: text(row, "product_id")?,
        sequence: int(row, "sequence")?,
        text: text(row, "text")?,
        sha256: text(row, "sha256")?,
        effective_date: text(row, "effective_date")?,
        published_by: text(row, "published_by")?,
        published_at: int(row, "published_at")?,
    })
}

pub async fn insert<'e>(ex: impl Executor<'e, Database = Any>, p: &PolicyRecord) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO use_policies ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    ))
    .bind(p.id.as_str())
    .bind(p.product_id.as_str())
    .bind(p.sequence)
    .bind(p.text.as_str())
    .bind(p.sha256.as_str())
    .bind(p.effective_date.as_str())
    .bind(p.published_by.as_str())
    .bind(p.published_at)
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn get<'e>(ex: impl Executor<'e, Database = Any>, id: &str) -> Result<Option<PolicyRecord>> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM use_policies WHERE id = $1"))
        .bind(id)
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// A product's versions, newest first.
pub async fn for_product<'e>(ex: impl Executor<'e, Database = Any>, product_id: &str) -> Result<Vec<PolicyRecord>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM use_policies WHERE product_id = $1 ORDER BY sequence DESC"
    ))
    .bind(product_id)
    .fetch_all(ex)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AcknowledgementRecord {
    pub policy_id: String,
    pub euo_org_id: String,
    pub sha256: String,
    pub user_id: String,
    pub acknowledged_by: String,
    pub acknowledged_at: i64,
}

/// Records an acknowledgement; false when the organisation had already acknowledged the version.
pub async fn acknowledge<'e>(ex: impl Executor<'e, Database = Any>, a: &AcknowledgementRecord) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO use_policy_acknowledgements (policy_id, euo_org_id, sha256, user_id, acknowledged_by, \
         acknowledged_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (policy_id, euo_org_id) DO NOTHING",
    )
    .bind(a.policy_id.as_str())
    .bind(a.euo_org_id.as_str())
    .bind(a.sha256.as_str())
    .bind(a.user_id.as_str())
    .bind(a.acknowledged_by.as_str())
    .bind(a.acknowledged_at)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An organisation's acknowledgements of a product's versions.
pub async fn acknowledgements<'e>(
    ex: impl Executor<'e, Database = Any>,
    product_id: &str,
    euo_org_id: &str,
) -> Result<Vec<AcknowledgementRecord>> {
    let rows = sqlx::query(
        "SELECT a.policy_id, a.euo_org_id, a.sha256, a.user_id, a.acknowledged_by, a.acknowledged_at \
         FROM use_policy_acknowledgements a JOIN use_policies p ON p.id = a.policy_id \
         WHERE p.product_id = $1 AND a.euo_org_id = $2 ORDER BY a.acknowledged_at, a.policy_id",
    )
    .bind(product_id)
    .bind(euo_org_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AcknowledgementRecord {
                policy_id: text(r, "policy_id")?,
                euo_org_id: text(r, "euo_org_id")?,
                sha256: text(r, "sha256")?,
                user_id: text(r, "user_id")?,
                acknowledged_by: text(r, "acknowledged_by")?,
                acknowledged_at: int(r, "acknowledged_at")?,
            })
        })
        .collect()
}
