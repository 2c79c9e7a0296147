use scal_domain::organisation::{NewOrganisation, OrgKind, Organisation};
use scal_domain::OdsCode;
use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::rows::{parsed, text};
use crate::{Result, Tx};

const COLUMNS: &str = "id, ods_code, name, kind";

fn from_row(row: &AnyRow) -> Result<Organisation> {
    Ok(Organisation {
        id: text(row, "id")?,
        ods_code: parsed(row, "ods_code", OdsCode::parse)?,
        name: text(row, "name")?,
        kind: parsed(row, "kind", OrgKind::parse)?,
    })
}

pub async fn insert<'e>(ex: impl Executor<'e, Database = Any>, id: &str, org: &NewOrganisation, at: i64) -> Result<()> {
    sqlx::query("INSERT INTO organisations (id, ods_code, name, kind, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(org.ods_code.as_str())
        .bind(org.name.as_str())
        .bind(org.kind.as_str())
        .bind(at)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn update_name<'e>(ex: impl Executor<'e, Database = Any>, id: &str, name: &str) -> Result<()> {
    sqlx::query("UPDATE organisations SET name = $1 WHERE id = $2")
        .bind(name)
        .bind(id)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn get<'e>(ex: impl Executor<'e, Database = Any>, id: &str) -> Result<Option<Organisation>> {
    let sql = format!("SELECT {COLUMNS} FROM organisations WHERE id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn get_by_ods<'e>(ex: impl Executor<'e, Database = Any>, ods: &OdsCode) -> Result<Option<Organisation>> {
    let sql = format!("SELECT {COLUMNS} FROM organisations WHERE ods_code = $1");
    sqlx::query(&sql)
        .bind(ods.as_str())
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// All organisations, or only `only` when given, by name.
pub async fn list<'e>(ex: impl Executor<'e, Database = Any>, only: Option<&str>) -> Result<Vec<Organisation>> {
    let rows = match only {
        Some(id) => {
            let sql = format!("SELECT {COLUMNS} FROM organisations WHERE id = $1");
            sqlx::query(&sql).bind(id).fetch_all(ex).await?
        }
        None => {
            let sql = format!("SELECT {COLUMNS} FROM organisations ORDER BY name, ods_code");
            sqlx::query(&sql).fetch_all(ex).await?
        }
    };
    rows.iter().map(from_row).collect()
}

pub async fn count<'e>(ex: impl Executor<'e, Database = Any>) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM organisations")
        .fetch_one(ex)
        .await?;
    crate::rows::int(&row, "n")
}

/// Reads the row inside `tx`, locked until it ends (see [`Tx::for_update`]).
pub async fn get_locked(tx: &mut Tx, id: &str) -> Result<Option<Organisation>> {
    let sql = format!("SELECT {COLUMNS} FROM organisations WHERE id = $1{}", tx.for_update());
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(tx.conn())
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}
