//! The service catalogue.

use scal_domain::policy::{authorize, Action, Actor};
use scal_domain::service::{Service, ServiceCode, ServiceInput};
use scal_store::records::services;
use time::OffsetDateTime;

use crate::{audit_entry, to_json, App, AppError, Result};

pub async fn list(app: &App, actor: &Actor) -> Result<Vec<Service>> {
    authorize(actor, Action::ReadServices, None)?;
    Ok(services::list(app.store.pool()).await?)
}

pub async fn get(app: &App, actor: &Actor, code: &str) -> Result<Service> {
    authorize(actor, Action::ReadServices, None)?;
    let code = ServiceCode::parse(code).map_err(|_| AppError::NotFound)?;
    services::get(app.store.pool(), code.as_str())
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct ServiceFields {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub use_case_required: bool,
    #[serde(default)]
    pub network: String,
    #[serde(default)]
    pub onboarding_route: String,
    /// Whether NHS England witness-tests products against it [default: yes].
    #[serde(default = "yes")]
    pub testing_required: bool,
}

fn yes() -> bool {
    true
}

impl Default for ServiceFields {
    fn default() -> Self {
        Self {
            name: String::new(),
            use_case_required: false,
            network: String::new(),
            onboarding_route: String::new(),
            testing_required: true,
        }
    }
}

impl ServiceFields {
    fn parse(&self, code: &str) -> Result<Service> {
        Ok(Service::parse(
            code,
            ServiceInput {
                name: &self.name,
                use_case_required: self.use_case_required,
                network: &self.network,
                onboarding_route: &self.onboarding_route,
                testing_required: self.testing_required,
            },
        )?)
    }

    pub fn from_service(service: &Service) -> Self {
        Self {
            name: service.name.clone(),
            use_case_required: service.use_case_required,
            network: service.network.as_str().to_string(),
            onboarding_route: service.onboarding_route.as_str().to_string(),
            testing_required: service.testing_required,
        }
    }
}

pub async fn create(
    app: &App,
    actor: &Actor,
    code: &str,
    fields: &ServiceFields,
    now: OffsetDateTime,
) -> Result<Service> {
    authorize(actor, Action::ManageServices, None)?;
    let service = fields.parse(code)?;
    let mut tx = app.store.begin().await?;
    if services::get(tx.conn(), service.code.as_str()).await?.is_some() {
        return Err(AppError::invalid(
            "code",
            format!("The catalogue already has a service {}", service.code.as_str()),
        ));
    }
    services::insert(tx.conn(), &service, crate::micros(now))
        .await
        .map_err(|e| crate::unique_violation(e, "code", "The catalogue already has a service with this code"))?;
    tx.audit(audit_entry(
        actor,
        now,
        "service.created",
        None,
        service.code.as_str(),
        None,
        to_json(&service),
    ))
    .await?;
    tx.commit().await?;
    Ok(service)
}

/// Fields to change; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct ServiceChanges {
    pub name: Option<String>,
    pub use_case_required: Option<bool>,
    pub network: Option<String>,
    pub onboarding_route: Option<String>,
    pub testing_required: Option<bool>,
}

impl From<&ServiceFields> for ServiceChanges {
    fn from(fields: &ServiceFields) -> Self {
        Self {
            name: Some(fields.name.clone()),
            use_case_required: Some(fields.use_case_required),
            network: Some(fields.network.clone()),
            onboarding_route: Some(fields.onboarding_route.clone()),
            testing_required: Some(fields.testing_required),
        }
    }
}

pub async fn update(
    app: &App,
    actor: &Actor,
    code: &str,
    changes: &ServiceChanges,
    now: OffsetDateTime,
) -> Result<Service> {
    authorize(actor, Action::ReadServices, None)?;
    let code = ServiceCode::parse(code).map_err(|_| AppError::NotFound)?;
    let mut tx = app.store.begin().await?;
    let before = services::get_locked(&mut tx, code.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    authorize(actor, Action::ManageServices, None)?;
    let mut fields = ServiceFields::from_service(&before);
    if let Some(name) = &changes.name {
        fields.name.clone_from(name);
    }
    if let Some(required) = changes.use_case_required {
        fields.use_case_required = required;
    }
    if let Some(network) = &changes.network {
        fields.network.clone_from(network);
    }
    if let Some(route) = &changes.onboarding_route {
        fields.onboarding_route.clone_from(route);
    }
    if let Some(testing) = changes.testing_required {
        fields.testing_required = testing;
    }
    let after = fields.parse(before.code.as_str())?;
    services::update(tx.conn(), &after).await?;
    tx.audit(audit_entry(
        actor,
        now,
        "service.updated",
        None,
        after.code.as_str(),
        to_json(&before),
        to_json(&after),
    ))
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// The NHS England reviewers assigned to a service (NHS England only).
pub async fn reviewers(app: &App, actor: &Actor, code: &str) -> Result<Vec<scal_store::UserRecord>> {
    let service = get(app, actor, code).await?;
    if !actor.is_nhse() {
        return Err(AppError::Forbidden);
    }
    Ok(services::reviewers(app.store.pool(), service.code.as_str()).await?)
}

/// Assigns an NHS England reviewer (or administrator) to a service: red items and submissions
/// for it are then told to its reviewers rather than to every reviewer.
pub async fn assign_reviewer(
    app: &App,
    actor: &Actor,
    code: &str,
    email: &str,
    now: OffsetDateTime,
) -> Result<Vec<scal_store::UserRecord>> {
    let service = get(app, actor, code).await?;
    authorize(actor, Action::ManageServices, None)?;
    let not_a_reviewer = || AppError::invalid("email", "Enter the email address of an active NHS England reviewer");
    let email = scal_domain::user::Email::parse(email).map_err(|_| not_a_reviewer())?;
    let user = scal_store::records::users::get_by_email(app.store.pool(), email.as_str())
        .await?
        .filter(|u| u.active && u.role.org_kind() == scal_domain::organisation::OrgKind::Nhse)
        .ok_or_else(not_a_reviewer)?;
    let mut tx = app.store.begin().await?;
    services::get_locked(&mut tx, service.code.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    services::assign_reviewer(tx.conn(), service.code.as_str(), &user.id, crate::micros(now))
        .await
        .map_err(|e| crate::unique_violation(e, "email", "This reviewer is already assigned to the service"))?;
    tx.audit(audit_entry(
        actor,
        now,
        "service.reviewer_assigned",
        None,
        service.code.as_str(),
        None,
        Some(serde_json::json!({"reviewer": user.email.as_str()})),
    ))
    .await?;
    tx.commit().await?;
    Ok(services::reviewers(app.store.pool(), service.code.as_str()).await?)
}

pub async fn unassign_reviewer(app: &App, actor: &Actor, code: &str, user_id: &str, now: OffsetDateTime) -> Result<()> {
    let service = get(app, actor, code).await?;
    authorize(actor, Action::ManageServices, None)?;
    let user_id = crate::known_id(user_id)?;
    let mut tx = app.store.begin().await?;
    services::get_locked(&mut tx, service.code.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    if !services::unassign_reviewer(tx.conn(), service.code.as_str(), user_id).await? {
        return Err(AppError::NotFound);
    }
    tx.audit(audit_entry(
        actor,
        now,
        "service.reviewer_unassigned",
        None,
        service.code.as_str(),
        Some(serde_json::json!({"reviewer_id": user_id})),
        None,
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}
