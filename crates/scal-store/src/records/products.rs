use scal_domain::product::{DeviceClass, ProductDetails};
use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::rows::{int, opt_text, text};
use crate::{Result, StoreError, Tx};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProductRecord {
    pub id: String,
    pub org_id: String,
    #[serde(flatten)]
    pub details: ProductDetails,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, org_id, name, version, description, medical_device_class, created_at, updated_at";

fn from_row(row: &AnyRow) -> Result<ProductRecord> {
    from_row_as(row, "")
}

/// The product's columns selected under a prefix (`p_id`, `p_org_id`, …), for a query that
/// joins products to rows whose own columns share their names.
pub(crate) fn columns_as(table: &str, prefix: &str) -> String {
    COLUMNS
        .split(", ")
        .map(|c| format!("{table}.{c} AS {prefix}{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A product read from columns selected by [`columns_as`] with `prefix` (or plainly, with "").
pub(crate) fn from_row_as(row: &AnyRow, prefix: &str) -> Result<ProductRecord> {
    let column = |c: &str| format!("{prefix}{c}");
    let class = opt_text(row, &column("medical_device_class"))?;
    let medical_device_class = DeviceClass::parse_optional(class.as_deref().unwrap_or(""))
        .map_err(|e| StoreError::Corrupt(format!("column medical_device_class: {}", e.message)))?;
    Ok(ProductRecord {
        id: text(row, &column("id"))?,
        org_id: text(row, &column("org_id"))?,
        details: ProductDetails {
            name: text(row, &column("name"))?,
            version: text(row, &column("version"))?,
            description: text(row, &column("description"))?,
            medical_device_class,
        },
        created_at: int(row, &column("created_at"))?,
        updated_at: int(row, &column("updated_at"))?,
    })
}

pub async fn insert<'e>(ex: impl Executor<'e, Database = Any>, product: &ProductRecord) -> Result<()> {
    let d = &product.details;
    sqlx::query(
        "INSERT INTO products (id, org_id, name, version, description, medical_device_class, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(product.id.as_str())
    .bind(product.org_id.as_str())
    .bind(d.name.as_str())
    .bind(d.version.as_str())
    .bind(d.description.as_str())
    .bind(d.medical_device_class.map(DeviceClass::as_str))
    .bind(product.created_at)
    .bind(product.updated_at)
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn update<'e>(ex: impl Executor<'e, Database = Any>, id: &str, d: &ProductDetails, at: i64) -> Result<()> {
    sqlx::query(
        "UPDATE products SET name = $1, version = $2, description = $3, medical_device_class = $4, updated_at = $5 \
         WHERE id = $6",
    )
    .bind(d.name.as_str())
    .bind(d.version.as_str())
    .bind(d.description.as_str())
    .bind(d.medical_device_class.map(DeviceClass::as_str))
    .bind(at)
    .bind(id)
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn get<'e>(ex: impl Executor<'e, Database = Any>, id: &str) -> Result<Option<ProductRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM products WHERE id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Another product of the same organisation with this name and version, if any.
pub async fn find_same<'e>(
    ex: impl Executor<'e, Database = Any>,
    org_id: &str,
    name: &str,
    version: &str,
) -> Result<Option<ProductRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM products WHERE org_id = $1 AND name = $2 AND version = $3");
    sqlx::query(&sql)
        .bind(org_id)
        .bind(name)
        .bind(version)
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Products of one organisation, or of all when `org_id` is `None`.
pub async fn list<'e>(ex: impl Executor<'e, Database = Any>, org_id: Option<&str>) -> Result<Vec<ProductRecord>> {
    let rows = match org_id {
        Some(org) => {
            let sql = format!("SELECT {COLUMNS} FROM products WHERE org_id = $1 ORDER BY name, version");
            sqlx::query(&sql).bind(org).fetch_all(ex).await?
        }
        None => {
            let sql = format!("SELECT {COLUMNS} FROM products ORDER BY name, version, id");
            sqlx::query(&sql).fetch_all(ex).await?
        }
    };
    rows.iter().map(from_row).collect()
}

/// Reads the row inside `tx`, locked until it ends (see [`Tx::for_update`]).
pub async fn get_locked(tx: &mut Tx, id: &str) -> Result<Option<ProductRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM products WHERE id = $1{}", tx.for_update());
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(tx.conn())
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}
