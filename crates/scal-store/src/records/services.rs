use scal_domain::service::{Network, OnboardingRoute, Service, ServiceCode};
use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::rows::{boolean, flag, parsed, text};
use crate::{Result, Tx};

const COLUMNS: &str = "code, name, use_case_required, network, onboarding_route, testing_required";

fn from_row(row: &AnyRow) -> Result<Service> {
    Ok(Service {
        code: parsed(row, "code", ServiceCode::parse)?,
        name: text(row, "name")?,
        use_case_required: boolean(row, "use_case_required")?,
        network: parsed(row, "network", Network::parse)?,
        onboarding_route: parsed(row, "onboarding_route", OnboardingRoute::parse)?,
        testing_required: boolean(row, "testing_required")?,
    })
}

pub async fn insert<'e>(ex: impl Executor<'e, Database = Any>, service: &Service, at: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO services (code, name, use_case_required, network, onboarding_route, created_at, \
         testing_required) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(service.code.as_str())
    .bind(service.name.as_str())
    .bind(flag(service.use_case_required))
    .bind(service.network.as_str())
    .bind(service.onboarding_route.as_str())
    .bind(at)
    .bind(flag(service.testing_required))
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn update<'e>(ex: impl Executor<'e, Database = Any>, service: &Service) -> Result<()> {
    sqlx::query(
        "UPDATE services SET name = $1, use_case_required = $2, network = $3, onboarding_route = $4, \
         testing_required = $5 WHERE code = $6",
    )
    .bind(service.name.as_str())
    .bind(flag(service.use_case_required))
    .bind(service.network.as_str())
    .bind(service.onboarding_route.as_str())
    .bind(flag(service.testing_required))
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

/// The users assigned to review `code`, active or not.
pub async fn reviewers<'e>(
    ex: impl Executor<'e, Database = Any>,
    code: &str,
) -> Result<Vec<crate::records::users::UserRecord>> {
    sqlx::query(
        "SELECT u.id, u.org_id, u.email, u.name, u.role, u.active, u.created_at FROM service_reviewers r \
         JOIN users u ON u.id = r.user_id WHERE r.service_code = $1 ORDER BY u.email",
    )
    .bind(code)
    .fetch_all(ex)
    .await?
    .iter()
    .map(crate::records::users::from_row)
    .collect()
}

pub async fn assign_reviewer<'e>(
    ex: impl Executor<'e, Database = Any>,
    code: &str,
    user_id: &str,
    at: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO service_reviewers (service_code, user_id, assigned_at) VALUES ($1, $2, $3)")
        .bind(code)
        .bind(user_id)
        .bind(at)
        .execute(ex)
        .await?;
    Ok(())
}

/// Returns whether the user was assigned.
pub async fn unassign_reviewer<'e>(ex: impl Executor<'e, Database = Any>, code: &str, user_id: &str) -> Result<bool> {
    Ok(
        sqlx::query("DELETE FROM service_reviewers WHERE service_code = $1 AND user_id = $2")
            .bind(code)
            .bind(user_id)
            .execute(ex)
            .await?
            .rows_affected()
            > 0,
    )
}
