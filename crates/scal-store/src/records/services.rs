use scal_domain::service::{Network, OnboardingRoute, Service, ServiceCode};
use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::rows::{boolean, flag, parsed, text};
use crate::{Result, Tx};

const COLUMNS: &str = "code, name, use_case_required, network, onboarding_route";

fn from_row(row: &AnyRow) -> Result<Service> {
    Ok(Service {
        code: parsed(row, "code", ServiceCode::parse)?,
        name: text(row, "name")?,
        use_case_required: boolean(row, "use_case_required")?,
        network: parsed(row, "network", Network::parse)?,
        onboarding_route: parsed(row, "onboarding_route", OnboardingRoute::parse)?,
    })
}

pub async fn insert<'e>(ex: impl Executor<'e, Database = Any>, service: &Service, at: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO services (code, name, use_case_required, network, onboarding_route, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(service.code.as_str())
    .bind(service.name.as_str())
    .bind(flag(service.use_case_required))
    .bind(service.network.as_str())
    .bind(service.onboarding_route.as_str())
    .bind(at)
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn update<'e>(ex: impl Executor<'e, Database = Any>, service: &Service) -> Result<()> {
    sqlx::query(
        "UPDATE services SET name = $1, use_case_required = $2, network = $3, onboarding_route = $4 WHERE code = $5",
    )
    .bind(service.name.as_str())
    .bind(flag(service.use_case_required))
    .bind(service.network.as_str())
    .bind(service.onboarding_route.as_str())
    .bind(service.code.as_str())
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn get<'e>(ex: impl Executor<'e, Database = Any>, code: &str) -> Result<Option<Service>> {
    let sql = format!("SELECT {COLUMNS} FROM services WHERE code = $1");
    sqlx::query(&sql)
        .bind(code)
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn list<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Vec<Service>> {
    let sql = format!("SELECT {COLUMNS} FROM services ORDER BY name, code");
    sqlx::query(&sql).fetch_all(ex).await?.iter().map(from_row).collect()
}

/// Reads the row inside `tx`, locked until it ends (see [`Tx::for_update`]).
pub async fn get_locked(tx: &mut Tx, code: &str) -> Result<Option<Service>> {
    let sql = format!("SELECT {COLUMNS} FROM services WHERE code = $1{}", tx.for_update());
    sqlx::query(&sql)
        .bind(code)
        .fetch_optional(tx.conn())
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}
