use scal_domain::organisation::{parse_name, NewOrganisation, Organisation};
use scal_domain::policy::{authorize, Action, Actor};
use scal_domain::Invalid;
use scal_store::records::organisations;
use time::OffsetDateTime;

use crate::{audit_entry, known_id, micros, new_id, to_json, unique_violation, App, AppError, Result};

/// Organisations the actor can see: all for NHS England, otherwise their own.
pub async fn list(app: &App, actor: &Actor) -> Result<Vec<Organisation>> {
    authorize(actor, Action::ReadOrganisation, None)?;
    let only = if actor.is_nhse() { None } else { actor.org_id() };
    Ok(organisations::list(app.store.pool(), only).await?)
}

pub async fn get(app: &App, actor: &Actor, id: &str) -> Result<Organisation> {
    let org = organisations::get(app.store.pool(), known_id(id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    authorize(actor, Action::ReadOrganisation, Some(&org.id))?;
    Ok(org)
}

/// Untrusted input for a new organisation.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct OrganisationInput {
    #[serde(default)]
    pub ods_code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
}

pub async fn create(app: &App, actor: &Actor, input: &OrganisationInput, now: OffsetDateTime) -> Result<Organisation> {
    authorize(actor, Action::CreateOrganisation, None)?;
    let new = NewOrganisation::parse(&input.ods_code, &input.name, &input.kind)?;
    let mut tx = app.store.begin().await?;
    if organisations::get_by_ods(tx.conn(), &new.ods_code).await?.is_some() {
        return Err(AppError::invalid(
            "ods_code",
            format!("An organisation with ODS code {} already exists", new.ods_code),
        ));
    }
    let id = new_id();
    organisations::insert(tx.conn(), &id, &new, micros(now))
        .await
        .map_err(|e| unique_violation(e, "ods_code", "An organisation with this ODS code already exists"))?;
    let org = Organisation {
        id,
        ods_code: new.ods_code,
        name: new.name,
        kind: new.kind,
    };
    tx.audit(audit_entry(
        actor,
        now,
        "organisation.created",
        Some(&org.id),
        &org.id,
        None,
        to_json(&org),
    ))
    .await?;
    tx.commit().await?;
    Ok(org)
}

/// Renames an organisation. The ODS code and kind are fixed once created: other records and
/// audit entries refer to them.
/// A PATCH: each field given is changed, an absent one kept (as for products); nothing given
/// changes nothing and writes nothing, but is still refused to anyone who may not edit.
pub async fn update(
    app: &App,
    actor: &Actor,
    id: &str,
    name: Option<&str>,
    now: OffsetDateTime,
) -> Result<Organisation> {
    match name {
        Some(name) => rename(app, actor, id, name, now).await,
        None => {
            let org = get(app, actor, id).await?;
            authorize(actor, Action::EditOrganisation, Some(&org.id))?;
            Ok(org)
        }
    }
}

pub async fn rename(app: &App, actor: &Actor, id: &str, name: &str, now: OffsetDateTime) -> Result<Organisation> {
    let before = get(app, actor, id).await?;
    authorize(actor, Action::EditOrganisation, Some(&before.id))?;
    let mut invalid = Invalid::default();
    let name = invalid.check(parse_name(name));
    let name = invalid.finish(|| name)?;
    let mut tx = app.store.begin().await?;
    organisations::update_name(tx.conn(), id, &name).await?;
    let after = Organisation { name, ..before.clone() };
    tx.audit(audit_entry(
        actor,
        now,
        "organisation.updated",
        Some(id),
        id,
        to_json(&before),
        to_json(&after),
    ))
    .await?;
    tx.commit().await?;
    Ok(after)
}
