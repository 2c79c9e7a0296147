//! Step 2: a supplier asks to onboard a product to services; NHS England issues a tailored SCAL.

use scal_domain::policy::{authorize, Action, Actor};
use scal_domain::service::ServiceCode;
use scal_domain::{FieldError, Invalid};
use scal_store::records::enquiries::{self, EnquiryRecord};
use scal_store::records::{services, templates};
use time::OffsetDateTime;

use crate::scals::{issue_in, pick, Issued, ScopeOut};
use crate::{audit_entry, micros, new_id, App, AppError, Result};

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct EnquiryInput {
    #[serde(default)]
    pub product_id: String,
    #[serde(default)]
    pub services: Vec<String>,
    /// Free-text, API-specific details.
    #[serde(default)]
    pub details: String,
}

/// Asks NHS England for a SCAL (supplier).
pub async fn create(app: &App, actor: &Actor, input: &EnquiryInput, now: OffsetDateTime) -> Result<EnquiryRecord> {
    authorize(actor, Action::RequestScal, None)?;
    let product = crate::products::get(app, actor, &input.product_id)
        .await
        .map_err(|e| match e {
            AppError::NotFound => AppError::invalid("product_id", "Choose one of your products"),
            other => other,
        })?;
    authorize(actor, Action::RequestScal, Some(&product.org_id))?;
    let mut invalid = Invalid::default();
    let catalogue = services::list(app.store.pool()).await?;
    let mut codes: Vec<String> = Vec::new();
    for raw in &input.services {
        match ServiceCode::parse(raw) {
            Ok(code) if !catalogue.iter().any(|s| s.code == code) => invalid.0.push(FieldError::new(
                "services",
                format!("{} is not in the service catalogue", code.as_str()),
            )),
            Ok(code) if !codes.iter().any(|c| c == code.as_str()) => codes.push(code.as_str().to_string()),
            Ok(_) => {}
            Err(e) => invalid.0.push(FieldError::new("services", e.message)),
        }
    }
    if input.services.is_empty() {
        invalid
            .0
            .push(FieldError::new("services", "Choose at least one service"));
    }
    let details = invalid
        .check(scal_domain::field::optional_text(
            "details",
            "the details",
            &input.details,
            10_000,
        ))
        .unwrap_or_default();
    if !invalid.is_empty() {
        return Err(AppError::Invalid(invalid));
    }
    let record = EnquiryRecord {
        id: new_id(),
        org_id: product.org_id.clone(),
        product_id: product.id.clone(),
        services: codes,
        details,
        status: "open".into(),
        created_by: actor.label().to_string(),
        created_at: micros(now),
        issued_by: None,
        issued_at: None,
        scal_id: None,
    };
    let mut tx = app.store.begin().await?;
    enquiries::insert(tx.conn(), &record).await?;
    tx.audit(audit_entry(
        actor,
        now,
        "enquiry.created",
        Some(&product.org_id),
        &record.id,
        None,
        crate::to_json(&record),
    ))
    .await?;
    let reviewers = crate::notifications::reviewers(&mut tx, &record.services).await?;
    let name = product.details.title();
    crate::notifications::tell(
        &mut tx,
        &reviewers,
        "enquiry",
        &format!("SCAL requested: {name}"),
        &format!("{name} asks to onboard to {}", record.services.join(", ")),
        &format!("/enquiries/{}", record.id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(record)
}

/// Enquiries the actor may see, newest first.
pub async fn list(app: &App, actor: &Actor) -> Result<Vec<EnquiryRecord>> {
    authorize(actor, Action::ReadOnboarding, None)?;
    let org = if actor.is_nhse() { None } else { actor.org_id() };
    Ok(enquiries::list(app.store.pool(), org).await?)
}

pub async fn get(app: &App, actor: &Actor, id: &str) -> Result<EnquiryRecord> {
    let record = enquiries::get(app.store.pool(), crate::known_id(id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    authorize(actor, Action::ReadOnboarding, Some(&record.org_id))?;
    Ok(record)
}

/// NHS England's choice of template for one service of an enquiry.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct TemplateChoice {
    #[serde(default)]
    pub service: String,
    #[serde(default)]
    pub template_id: String,
    pub version: Option<i64>,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct IssueInput {
    /// Per service, a template other than the default (the latest published version of the
    /// newest template for that service).
    #[serde(default)]
    pub templates: Vec<TemplateChoice>,
    #[serde(default)]
    pub scoped_out: Vec<ScopeOut>,
}

/// The template issued for `service` by default: the newest template for it with a published
/// version.
pub async fn default_template(app: &App, service: &str) -> Result<Option<String>> {
    let mut found = None;
    for template in templates::list(app.store.pool()).await? {
        if template.service_code.as_deref() != Some(service) {
            continue;
        }
        let published = templates::versions(app.store.pool(), &template.id)
            .await?
            .iter()
            .any(|v| v.published);
        if published && found.as_ref().is_none_or(|(_, at)| template.created_at > *at) {
            found = Some((template.id.clone(), template.created_at));
        }
    }
    Ok(found.map(|(id, _)| id))
}

/// Issues the tailored SCAL for an enquiry (NHS England).
pub async fn issue(app: &App, actor: &Actor, id: &str, input: &IssueInput, now: OffsetDateTime) -> Result<Issued> {
    let enquiry = get(app, actor, id).await?;
    let product = crate::products::get(app, actor, &enquiry.product_id).await?;
    authorize(actor, Action::IssueScal, Some(&product.org_id))?;
    let mut invalid = Invalid::default();
    for choice in &input.templates {
        if !enquiry
            .services
            .iter()
            .any(|s| s.eq_ignore_ascii_case(choice.service.trim()))
        {
            invalid.0.push(FieldError::new(
                "templates",
                format!("{:?} is not one of the services asked for", choice.service),
            ));
        }
    }
    let mut picks = Vec::new();
    for service in &enquiry.services {
        let choice = input
            .templates
            .iter()
            .find(|c| c.service.trim().eq_ignore_ascii_case(service) && !c.template_id.trim().is_empty());
        let template_id = match choice {
            Some(c) => Some(c.template_id.trim().to_string()),
            None => default_template(app, service).await?,
        };
        let Some(template_id) = template_id else {
            invalid.0.push(FieldError::new(
                "templates",
                format!("{service} has no published template: choose one"),
            ));
            continue;
        };
        match pick(
            app,
            actor,
            &template_id,
            choice.and_then(|c| c.version),
            Some(service.clone()),
        )
        .await
        {
            Ok(p) => picks.push(p),
            Err(AppError::NotFound) => invalid
                .0
                .push(FieldError::new("templates", format!("No such template for {service}"))),
            Err(AppError::Invalid(mut i)) => invalid.0.append(&mut i.0),
            Err(other) => return Err(other),
        }
    }
    if !invalid.is_empty() {
        return Err(AppError::Invalid(invalid));
    }
    let mut tx = app.store.begin().await?;
    let current = enquiries::get_locked(&mut tx, &enquiry.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if current.status != "open" {
        return Err(AppError::Conflict("This enquiry has already been issued".into()));
    }
    let issued = issue_in(app, &mut tx, actor, &product, &picks, &input.scoped_out, now).await?;
    enquiries::mark_issued(tx.conn(), &enquiry.id, actor.label(), micros(now), &issued.scal_id).await?;
    tx.audit(audit_entry(
        actor,
        now,
        "enquiry.issued",
        Some(&product.org_id),
        &enquiry.id,
        Some(serde_json::json!({"status": "open"})),
        Some(serde_json::json!({"status": "issued", "scal_id": issued.scal_id})),
    ))
    .await?;
    let suppliers = crate::notifications::organisation_users(&mut tx, &product.org_id).await?;
    let name = product.details.title();
    crate::notifications::tell(
        &mut tx,
        &suppliers,
        "issued",
        &format!("SCAL issued: {name}"),
        &format!(
            "NHS England issued the SCAL for {name} ({})",
            enquiry.services.join(", ")
        ),
        &format!("/scals/{}", issued.scal_id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(issued)
}
