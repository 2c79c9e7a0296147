//! End user organisations' DCB0160 local assurance records, one per product and organisation.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::rows::{int, opt_text, text};
use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct LocalAssuranceRecord {
    pub id: String,
    pub product_id: String,
    pub euo_org_id: String,
    pub cso_name: Option<String>,
    pub cso_registration: Option<String>,
    /// The EUO's own evidence files.
    pub safety_case_id: Option<String>,
    pub hazard_log_id: Option<String>,
    pub local_controls: Option<String>,
    /// `local_assurance::Decision::as_str`.
    pub decision: Option<String>,
    /// ISO 8601.
    pub decided_on: Option<String>,
    pub decided_by: Option<String>,
    /// ISO 8601.
    pub go_live_on: Option<String>,
    pub updated_by: String,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, product_id, euo_org_id, cso_name, cso_registration, safety_case_id, hazard_log_id, \
                       local_controls, decision, decided_on, decided_by, go_live_on, updated_by, updated_at";

fn from_row(row: &AnyRow) -> Result<LocalAssuranceRecord> {
    Ok(LocalAssuranceRecord {
        id: text(row, "id")?,
        product_id: text(row, "product_id")?,
        euo_org_id: text(row, "euo_org_id")?,
        cso_name: opt_text(row, "cso_name")?,
        cso_registration: opt_text(row, "cso_registration")?,
        safety_case_id: opt_text(row, "safety_case_id")?,
        hazard_log_id: opt_text(row, "hazard_log_id")?,
        local_controls: opt_text(row, "local_controls")?,
        decision: opt_text(row, "decision")?,
        decided_on: opt_text(row, "decided_on")?,
        decided_by: opt_text(row, "decided_by")?,
        go_live_on: opt_text(row, "go_live_on")?,
        updated_by: text(row, "updated_by")?,
        updated_at: int(row, "updated_at")?,
    })
}

pub async fn get<'e>(
    ex: impl Executor<'e, Database = Any>,
    product_id: &str,
    euo_org_id: &str,
) -> Result<Option<LocalAssuranceRecord>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM local_assurances WHERE product_id = $1 AND euo_org_id = $2"
    ))
    .bind(product_id)
    .bind(euo_org_id)
    .fetch_optional(ex)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// Every organisation's record of a product.
pub async fn for_product<'e>(
    ex: impl Executor<'e, Database = Any>,
    product_id: &str,
) -> Result<Vec<LocalAssuranceRecord>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM local_assurances WHERE product_id = $1 ORDER BY euo_org_id"
    ))
    .bind(product_id)
    .fetch_all(ex)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// Writes the whole record (insert or replace by product and organisation).
pub async fn put<'e>(ex: impl Executor<'e, Database = Any>, r: &LocalAssuranceRecord) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO local_assurances ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
         ON CONFLICT (product_id, euo_org_id) DO UPDATE SET cso_name = excluded.cso_name, \
         cso_registration = excluded.cso_registration, safety_case_id = excluded.safety_case_id, \
         hazard_log_id = excluded.hazard_log_id, local_controls = excluded.local_controls, \
         decision = excluded.decision, decided_on = excluded.decided_on, decided_by = excluded.decided_by, \
         go_live_on = excluded.go_live_on, updated_by = excluded.updated_by, updated_at = excluded.updated_at"
    ))
    .bind(r.id.as_str())
    .bind(r.product_id.as_str())
    .bind(r.euo_org_id.as_str())
    .bind(r.cso_name.as_deref())
    .bind(r.cso_registration.as_deref())
    .bind(r.safety_case_id.as_deref())
    .bind(r.hazard_log_id.as_deref())
    .bind(r.local_controls.as_deref())
    .bind(r.decision.as_deref())
    .bind(r.decided_on.as_deref())
    .bind(r.decided_by.as_deref())
    .bind(r.go_live_on.as_deref())
    .bind(r.updated_by.as_str())
    .bind(r.updated_at)
    .execute(ex)
    .await?;
    Ok(())
}
