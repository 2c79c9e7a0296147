//! API tokens: created by their user (or for them at the CLI), shown once, stored hashed.

use scal_domain::field::required_text;
use scal_domain::policy::{authorize, Action, Actor};
use scal_domain::Invalid;
use scal_store::records::tokens;
use scal_store::TokenRecord;
use time::OffsetDateTime;

use crate::secrets::{digest, random_hex};
use crate::{audit_entry, micros, new_id, to_json, App, AppError, Result};

/// Every token starts with this, so leaked tokens are recognisable to secret scanners.
pub const TOKEN_PREFIX: &str = "scal_";

pub async fn list(app: &App, actor: &Actor) -> Result<Vec<TokenRecord>> {
    authorize(actor, Action::ManageOwnTokens, None)?;
    let user_id = actor.user_id().ok_or(AppError::Forbidden)?;
    Ok(tokens::list_for_user(app.store.pool(), user_id).await?)
}

/// A new token with its secret, which is never shown again.
#[derive(Debug, Clone)]
pub struct CreatedToken {
    pub token: TokenRecord,
    pub secret: String,
}

pub async fn create(app: &App, actor: &Actor, name: &str, now: OffsetDateTime) -> Result<CreatedToken> {
    authorize(actor, Action::ManageOwnTokens, None)?;
    let user_id = actor.user_id().ok_or(AppError::Forbidden)?.to_string();
    let org_id = actor.org_id().map(str::to_string);
    issue(app, actor, &user_id, org_id.as_deref(), name, now).await
}

/// For the CLI operator: a token for the user with this email.
pub async fn create_for_email(
    app: &App,
    actor: &Actor,
    email: &str,
    name: &str,
    now: OffsetDateTime,
) -> Result<CreatedToken> {
    let user = scal_store::records::users::get_by_email(app.store.pool(), &email.trim().to_lowercase())
        .await?
        .ok_or_else(|| AppError::invalid("email", format!("No user has the email address {email}")))?;
    authorize(actor, Action::ManageUsers, Some(&user.org_id))?;
    issue(app, actor, &user.id, Some(&user.org_id), name, now).await
}

async fn issue(
    app: &App,
    actor: &Actor,
    user_id: &str,
    org_id: Option<&str>,
    name: &str,
    now: OffsetDateTime,
) -> Result<CreatedToken> {
    let mut invalid = Invalid::default();
    let name = invalid.check(required_text("name", "a name for the token", name, 100));
    let name = invalid.finish(|| name)?;
    let secret = format!("{TOKEN_PREFIX}{}", random_hex(32)?);
    let token = TokenRecord {
        id: new_id(),
        user_id: user_id.to_string(),
        name,
        prefix: secret.chars().take(TOKEN_PREFIX.len() + 6).collect(),
        created_at: micros(now),
        last_used_at: None,
        revoked_at: None,
    };
    let mut tx = app.store.begin().await?;
    tokens::insert(tx.conn(), &token, &digest(&secret)).await?;
    tx.audit(audit_entry(
        actor,
        now,
        "token.created",
        org_id,
        &token.id,
        None,
        to_json(&token),
    ))
    .await?;
    tx.commit().await?;
    Ok(CreatedToken { token, secret })
}

/// Revokes one of the actor's own tokens. Someone else's token is not found. Revoking twice is
/// harmless and audited once.
pub async fn revoke(app: &App, actor: &Actor, id: &str, now: OffsetDateTime) -> Result<TokenRecord> {
    authorize(actor, Action::ManageOwnTokens, None)?;
    let mut tx = app.store.begin().await?;
    let before = tokens::get_locked(&mut tx, crate::known_id(id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    if actor.user_id() != Some(before.user_id.as_str()) {
        return Err(AppError::NotFound);
    }
    if !tokens::revoke(tx.conn(), &before.id, micros(now)).await? {
        return Ok(before);
    }
    let after = TokenRecord {
        revoked_at: Some(micros(now)),
        ..before.clone()
    };
    tx.audit(audit_entry(
        actor,
        now,
        "token.revoked",
        actor.org_id(),
        &after.id,
        to_json(&before),
        to_json(&after),
    ))
    .await?;
    tx.commit().await?;
    Ok(after)
}
