use scal_domain::password;
use scal_domain::policy::{authorize, Action, Actor};
use scal_domain::user::{parse_person_name, NewUser, Role};
use scal_domain::Invalid;
use scal_store::records::{organisations, sessions, tokens, users};
use scal_store::UserRecord;
use time::OffsetDateTime;

use crate::auth::hash_password_blocking;
use crate::secrets::random_hex;
use crate::{audit_entry, known_id, micros, new_id, to_json, unique_violation, App, AppError, Result};

pub async fn list_in_org(app: &App, actor: &Actor, org_id: &str) -> Result<Vec<UserRecord>> {
    let org = organisations::get(app.store.pool(), known_id(org_id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    authorize(actor, Action::ReadUsers, Some(&org.id))?;
    Ok(users::list_in_org(app.store.pool(), &org.id).await?)
}

pub async fn get(app: &App, actor: &Actor, id: &str) -> Result<UserRecord> {
    let user = users::get(app.store.pool(), known_id(id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    authorize(actor, Action::ReadUsers, Some(&user.org_id))?;
    Ok(user)
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct NewUserInput {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub role: String,
    /// Empty or absent: a password is generated and returned once.
    #[serde(default)]
    pub password: Option<String>,
}

/// A created user, with the generated password when none was given. It is shown once and never
/// stored.
#[derive(Debug, Clone)]
pub struct CreatedUser {
    pub user: UserRecord,
    pub generated_password: Option<String>,
}

const DUPLICATE_EMAIL: &str = "A user with this email address already exists";

pub async fn create(
    app: &App,
    actor: &Actor,
    org_id: &str,
    input: &NewUserInput,
    now: OffsetDateTime,
) -> Result<CreatedUser> {
    let org = organisations::get(app.store.pool(), known_id(org_id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    authorize(actor, Action::ManageUsers, Some(&org.id))?;
    let mut invalid = Invalid::default();
    let new = match NewUser::parse(&input.email, &input.name, &input.role, org.kind) {
        Ok(new) => Some(new),
        Err(errors) => {
            invalid.0.extend(errors.0);
            None
        }
    };
    let given = input.password.as_deref().filter(|p| !p.is_empty());
    if let Some(password) = given {
        let email = new.as_ref().map(|n| &n.email);
        invalid.check(password::check("password", password, email));
    }
    let new = invalid.finish(|| new)?;
    let generated_password = match given {
        Some(_) => None,
        None => Some(random_hex(12)?),
    };
    let password = given
        .map(str::to_string)
        .or_else(|| generated_password.clone())
        .unwrap_or_default();
    let hash = hash_password_blocking(app, &password).await?;

    let mut tx = app.store.begin().await?;
    if users::get_by_email(tx.conn(), new.email.as_str()).await?.is_some() {
        return Err(AppError::invalid("email", DUPLICATE_EMAIL));
    }
    let id = new_id();
    users::insert(tx.conn(), &id, &org.id, &new, &hash, micros(now))
        .await
        .map_err(|e| unique_violation(e, "email", DUPLICATE_EMAIL))?;
    let user = UserRecord {
        id,
        org_id: org.id.clone(),
        email: new.email,
        name: new.name,
        role: new.role,
        active: true,
        created_at: micros(now),
    };
    tx.audit(audit_entry(
        actor,
        now,
        "user.created",
        Some(&org.id),
        &user.id,
        None,
        to_json(&user),
    ))
    .await?;
    // A new user of an end user organisation hears of the SCALs shared with it (an invited
    // organisation's shares were made before it had anyone to tell).
    if org.kind == scal_domain::organisation::OrgKind::Euo {
        crate::shares::tell_new_user(&mut tx, &org, &user, now).await?;
    }
    tx.commit().await?;
    Ok(CreatedUser {
        user,
        generated_password,
    })
}

/// Fields to change; `None` keeps the current value.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct UserChanges {
    pub name: Option<String>,
    pub role: Option<String>,
    pub active: Option<bool>,
}

/// Changes a user. The current record is read inside the transaction (locked on PostgreSQL), so
/// concurrent changes cannot overwrite each other. Deactivating ends the user's sessions and
/// revokes their API tokens, so reactivating does not bring old credentials back.
pub async fn update(
    app: &App,
    actor: &Actor,
    id: &str,
    changes: &UserChanges,
    now: OffsetDateTime,
) -> Result<UserRecord> {
    let mut tx = app.store.begin().await?;
    let before = users::get_locked(&mut tx, known_id(id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    authorize(actor, Action::ReadUsers, Some(&before.org_id))?;
    authorize(actor, Action::ManageUsers, Some(&before.org_id))?;
    let org = organisations::get(tx.conn(), &before.org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut invalid = Invalid::default();
    let name = match &changes.name {
        Some(name) => invalid.check(parse_person_name(name)),
        None => Some(before.name.clone()),
    };
    let role = match &changes.role {
        Some(role) => invalid.check(Role::parse(role).and_then(|r| r.check_fits(org.kind))),
        None => Some(before.role),
    };
    let active = changes.active.unwrap_or(before.active);
    if actor.user_id() == Some(before.id.as_str()) && (!active || role != Some(before.role)) {
        invalid.0.push(scal_domain::FieldError::new(
            if active { "role" } else { "active" },
            "You cannot deactivate your own account or change your own role; ask another administrator",
        ));
    }
    let (name, role) = invalid.finish(|| Some((name?, role?)))?;
    users::update(tx.conn(), &before.id, &name, role, active).await?;
    let after = UserRecord {
        name,
        role,
        active,
        ..before.clone()
    };
    tx.audit(audit_entry(
        actor,
        now,
        "user.updated",
        Some(&after.org_id),
        &after.id,
        to_json(&before),
        to_json(&after),
    ))
    .await?;
    if !active {
        sessions::delete_for_user(tx.conn(), &after.id).await?;
        for token in tokens::list_for_user(tx.conn(), &after.id).await? {
            if tokens::revoke(tx.conn(), &token.id, micros(now)).await? {
                let revoked = scal_store::TokenRecord {
                    revoked_at: Some(micros(now)),
                    ..token.clone()
                };
                tx.audit(audit_entry(
                    actor,
                    now,
                    "token.revoked",
                    Some(&after.org_id),
                    &token.id,
                    to_json(&token),
                    to_json(&revoked),
                ))
                .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(after)
}
