//! Changing a password and resetting a forgotten one.
//!
//! - **Change** (`change_own`): the signed-in user gives their current password and a new one. The
//!   current password is checked under the same per-account throttle as signing in (a stolen
//!   session must not become a way to guess the password without limit). On success every *other*
//!   browser session of the user ends; the one that made the change stays. API tokens are separate
//!   credentials, created and revoked on their own, and stay valid.
//! - **Reset**: an administrator of the user's organisation, or an NHS England administrator, sends
//!   a link (`send_reset`); the operator can print one at the command line
//!   (`reset_link_for_operator`). The link holds a 256-bit random secret; only its SHA-256 is
//!   stored. It works once, for `AppSettings::password_reset_ttl`, and only while it is the user's
//!   latest link. Completing it (`complete_reset`) sets the password, ends every session of the
//!   user, clears their failed sign-ins and signs nobody in.
//!
//! Every new password passes `scal_domain::password::check`. Argon2 runs behind
//! `App::gates.password`. No audit entry holds a password, a hash or a link's secret.

use scal_domain::password;
use scal_domain::policy::{authorize, Action, Actor};
use scal_domain::{FieldError, Invalid};
use scal_store::records::notifications::{self, OutboxRecord};
use scal_store::records::password_resets::PasswordResetRecord;
use scal_store::records::{password_resets, sessions, users};
use scal_store::UserRecord;
use time::OffsetDateTime;

use crate::auth::actor_for;
use crate::secrets::{digest, random_hex};
use crate::{audit_entry, known_id, micros, new_id, App, AppError, Result};

/// What a change of one's own password needs.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct PasswordChange {
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub new_password: String,
    /// The new password typed again (the page asks for it; the API does not).
    #[serde(default)]
    pub confirm_password: Option<String>,
}

pub const WRONG_CURRENT_PASSWORD: &str = "Your current password is not correct";
const NOT_THE_SAME: &str = "The passwords do not match. Enter the same new password twice";

/// A changed password.
#[derive(Debug, Clone)]
pub struct PasswordChanged {
    /// Sessions of the user that ended (on other browsers).
    pub other_sessions_ended: u64,
    /// The session that replaces the browser's own, when the change came from a browser: its
    /// old cookie ends too, in case that cookie is what was stolen.
    pub renewed: Option<crate::auth::NewSession>,
}

/// Changes the caller's password. `browser_session` is the cookie of the browser session making
/// the change: that browser stays signed in under a new session (its old cookie ends with every
/// other session of the user).
pub async fn change_own(
    app: &App,
    actor: &Actor,
    change: &PasswordChange,
    browser_session: Option<&str>,
    client: Option<std::net::IpAddr>,
    now: OffsetDateTime,
) -> Result<PasswordChanged> {
    authorize(actor, Action::ChangeOwnPassword, None)?;
    let user_id = actor.user_id().ok_or(AppError::Forbidden)?;
    let user = users::get(app.store.pool(), user_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let mut invalid = Invalid::default();
    if change.current_password.is_empty() {
        invalid
            .0
            .push(FieldError::new("current_password", "Enter your current password"));
    } else if !current_password_matches(app, &user, &change.current_password, client, now).await? {
        invalid
            .0
            .push(FieldError::new("current_password", WRONG_CURRENT_PASSWORD));
    }
    check_new(
        &mut invalid,
        &user,
        &change.new_password,
        change.confirm_password.as_deref(),
    );
    if !change.new_password.is_empty() && change.new_password == change.current_password {
        invalid.0.push(FieldError::new(
            "new_password",
            "Your new password must be different from your current password",
        ));
    }
    invalid.finish(|| Some(()))?;
    let hash = crate::auth::hash_password_blocking(app, &change.new_password).await?;

    let mut tx = app.store.begin().await?;
    let user = users::get_locked(&mut tx, &user.id)
        .await?
        .filter(|u| u.active)
        .ok_or(AppError::Unauthenticated)?;
    users::set_password_hash(tx.conn(), &user.id, &hash).await?;
    let all_ended = sessions::delete_for_user(tx.conn(), &user.id).await?;
    let renewed = match browser_session {
        Some(_) => {
            let renewed = crate::auth::NewSession {
                cookie: random_hex(32)?,
                csrf_token: random_hex(32)?,
                user: user.clone(),
            };
            sessions::insert(
                tx.conn(),
                &digest(&renewed.cookie),
                &user.id,
                &renewed.csrf_token,
                micros(now),
                micros(now + app.settings.session_ttl),
            )
            .await?;
            Some(renewed)
        }
        None => None,
    };
    // The browser's own session was among those deleted, and is renewed, not ended.
    let ended = all_ended.saturating_sub(u64::from(browser_session.is_some()));
    let links_ended = password_resets::end_open_for_user(tx.conn(), &user.id, micros(now)).await?;
    tx.audit(audit_entry(
        actor,
        now,
        "password.changed",
        Some(&user.org_id),
        &user.id,
        None,
        Some(serde_json::json!({
            "user_id": user.id,
            "email": user.email.as_str(),
            "other_sessions_ended": ended,
            "reset_links_ended": links_ended,
        })),
    ))
    .await?;
    tx.commit().await?;
    Ok(PasswordChanged {
        other_sessions_ended: ended,
        renewed,
    })
}

/// The new-password rules, and the second copy when the form asked for one.
fn check_new(invalid: &mut Invalid, user: &UserRecord, new: &str, confirm: Option<&str>) {
    let ok = invalid
        .check(password::check("new_password", new, Some(&user.email)))
        .is_some();
    if let Some(confirm) = confirm {
        if ok && confirm != new {
            invalid.0.push(FieldError::new("confirm_password", NOT_THE_SAME));
        }
    }
}

/// Checks the current password as signing in does (`auth::count_attempt`): the attempt is counted
/// before the check against the same limits, so guesses here and at the sign-in page share one
/// budget; a right answer clears the count for this address.
async fn current_password_matches(
    app: &App,
    user: &UserRecord,
    password: &str,
    client: Option<std::net::IpAddr>,
    now: OffsetDateTime,
) -> Result<bool> {
    let key = user.email.as_str();
    let client = crate::auth::client_key(client);
    let attempt = crate::auth::count_attempt(app, key, &client, now).await?;
    let stored = users::password_hash(app.store.pool(), &user.id)
        .await?
        .unwrap_or_default();
    let checked = crate::auth::verify_blocking(app, password, Some(stored)).await;
    let matches = attempt.checked(app, checked).await?;
    let mut tx = app.store.begin().await?;
    if matches {
        sessions::clear_login_failures(tx.conn(), key, &client).await?;
    } else {
        // A wrong password from inside a session is a security event like a failed sign-in: the
        // session may not be its owner's.
        tx.audit(audit_entry(
            &actor_for(user),
            now,
            "password.change_refused",
            Some(&user.org_id),
            &user.id,
            None,
            Some(serde_json::json!({ "client": client, "reason": "wrong current password" })),
        ))
        .await?;
    }
    tx.commit().await?;
    Ok(matches)
}

/// A reset link was sent by email; the link itself is not returned, so the administrator who sent
/// it cannot use it.
#[derive(Debug, Clone)]
pub struct ResetSent {
    pub user: UserRecord,
    pub expires_at: i64,
}

/// Emails the user a link to set a new password, ending any earlier link. An administrator of the
/// user's organisation or an NHS England administrator may send it; other organisations' users
/// are not found.
pub async fn send_reset(app: &App, actor: &Actor, user_id: &str, now: OffsetDateTime) -> Result<ResetSent> {
    let user = users::get(app.store.pool(), known_id(user_id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    authorize(actor, Action::ReadUsers, Some(&user.org_id))?;
    authorize(actor, Action::SendPasswordReset, Some(&user.org_id))?;
    let (user, _link, reset) = create_reset(app, actor, &user.id, Delivery::Email, now).await?;
    Ok(ResetSent {
        user,
        expires_at: reset.expires_at,
    })
}

/// A reset link for the user with this email, for the operator at the command line to hand over
/// (nothing is emailed: the command is for when email is not an option, such as the only
/// administrator locked out). Only the operator may see a link.
pub async fn reset_link_for_operator(
    app: &App,
    actor: &Actor,
    email: &str,
    now: OffsetDateTime,
) -> Result<(UserRecord, String, i64)> {
    if !matches!(actor, Actor::System) {
        return Err(AppError::Forbidden);
    }
    let user = users::get_by_email(app.store.pool(), &email.trim().to_lowercase())
        .await?
        .ok_or_else(|| AppError::invalid("email", format!("No user has the email address {email}")))?;
    authorize(actor, Action::SendPasswordReset, Some(&user.org_id))?;
    let (user, link, reset) = create_reset(app, actor, &user.id, Delivery::Operator, now).await?;
    Ok((user, link, reset.expires_at))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delivery {
    Email,
    Operator,
}

impl Delivery {
    fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Operator => "cli",
        }
    }
}

/// The link's address: `public_url` plus the secret.
/// Where a reset link's secret starts in a link.
const RESET_PATH: &str = "/password-reset/";

/// `body` with the secret of every reset link in it replaced, or `None` when it has none. Sent
/// reset emails keep saying what they were, without the credential.
pub(crate) fn without_reset_secrets(body: &str) -> Option<String> {
    if !body.contains(RESET_PATH) {
        return None;
    }
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find(RESET_PATH) {
        let (before, after) = rest.split_at(at + RESET_PATH.len());
        out.push_str(before);
        let secret_len = after.chars().take_while(char::is_ascii_hexdigit).count();
        out.push_str("[removed once sent]");
        rest = &after[secret_len..];
    }
    out.push_str(rest);
    Some(out)
}

fn link_for(app: &App, secret: &str) -> String {
    format!("{}{RESET_PATH}{secret}", app.settings.public_url.trim_end_matches('/'))
}

async fn create_reset(
    app: &App,
    actor: &Actor,
    user_id: &str,
    delivery: Delivery,
    now: OffsetDateTime,
) -> Result<(UserRecord, String, PasswordResetRecord)> {
    let secret = random_hex(32)?;
    let link = link_for(app, &secret);
    let reset = PasswordResetRecord {
        id: new_id(),
        user_id: user_id.to_string(),
        created_at: micros(now),
        expires_at: micros(now + app.settings.password_reset_ttl),
        used_at: None,
        ended_at: None,
    };
    let mut tx = app.store.begin().await?;
    // Locking the user serialises resets of one account, so exactly one link is ever open.
    let user = users::get_locked(&mut tx, user_id).await?.ok_or(AppError::NotFound)?;
    if !user.active {
        return Err(AppError::Conflict(
            "This user is deactivated. Reactivate them before sending a password reset.".into(),
        ));
    }
    let ended = password_resets::end_open_for_user(tx.conn(), &user.id, micros(now)).await?;
    password_resets::insert(tx.conn(), &reset, &digest(&secret)).await?;
    if delivery == Delivery::Email {
        let minutes = app.settings.password_reset_ttl.whole_minutes();
        notifications::enqueue_email(
            tx.conn(),
            &OutboxRecord {
                id: new_id(),
                to_address: user.email.as_str().into(),
                subject: "Set a new password for SCAL assurance".into(),
                body: format!(
                    "{} asked for you to set a new password for SCAL assurance.\n\n\
                     Use this link within {minutes} minutes. It works once:\n\n{link}\n\n\
                     If you did not expect this email, tell your administrator. Your current \
                     password keeps working until the link is used.\n",
                    actor.label()
                ),
                created_at: micros(now),
                sent_at: None,
                attempts: 0,
                last_error: None,
            },
        )
        .await?;
    }
    tx.audit(audit_entry(
        actor,
        now,
        "password.reset_requested",
        Some(&user.org_id),
        &user.id,
        None,
        Some(serde_json::json!({
            "user_id": user.id,
            "email": user.email.as_str(),
            "reset_id": reset.id,
            "expires_at": reset.expires_at,
            "delivered": delivery.as_str(),
            "earlier_links_ended": ended,
        })),
    ))
    .await?;
    tx.commit().await?;
    Ok((user, link, reset))
}

/// A link's secret is 64 hex digits; anything else cannot be one and never reaches the database.
fn plausible(secret: &str) -> bool {
    secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The user a reset link is for, if it can still be used. Unknown, used, ended and expired links,
/// and links of deactivated users, are all simply not found: the page says the same for each.
pub async fn reset_link_user(app: &App, secret: &str, now: OffsetDateTime) -> Result<UserRecord> {
    if !plausible(secret) {
        return Err(AppError::NotFound);
    }
    let reset = password_resets::find_usable(app.store.pool(), &digest(secret), micros(now))
        .await?
        .ok_or(AppError::NotFound)?;
    users::get(app.store.pool(), &reset.user_id)
        .await?
        .filter(|u| u.active)
        .ok_or(AppError::NotFound)
}

/// Sets a new password through a reset link: the link is used up, every session of the user ends,
/// their failed sign-ins are forgotten, and nobody is signed in.
pub async fn complete_reset(
    app: &App,
    secret: &str,
    new_password: &str,
    confirm_password: Option<&str>,
    now: OffsetDateTime,
) -> Result<UserRecord> {
    let user = reset_link_user(app, secret, now).await?;
    let mut invalid = Invalid::default();
    check_new(&mut invalid, &user, new_password, confirm_password);
    invalid.finish(|| Some(()))?;
    let hash = crate::auth::hash_password_blocking(app, new_password).await?;

    let mut tx = app.store.begin().await?;
    let user = users::get_locked(&mut tx, &user.id)
        .await?
        .filter(|u| u.active)
        .ok_or(AppError::NotFound)?;
    // Looked up again inside the transaction: another request may have used the link meanwhile.
    let reset = password_resets::find_usable(tx.conn(), &digest(secret), micros(now))
        .await?
        .filter(|r| r.user_id == user.id)
        .ok_or(AppError::NotFound)?;
    if !password_resets::mark_used(tx.conn(), &reset.id, micros(now)).await? {
        return Err(AppError::NotFound);
    }
    users::set_password_hash(tx.conn(), &user.id, &hash).await?;
    let ended = sessions::delete_for_user(tx.conn(), &user.id).await?;
    password_resets::end_open_for_user(tx.conn(), &user.id, micros(now)).await?;
    sessions::clear_all_login_failures(tx.conn(), user.email.as_str()).await?;
    // The person holding the link acts as the user: that is whom the link was sent to.
    tx.audit(audit_entry(
        &actor_for(&user),
        now,
        "password.reset",
        Some(&user.org_id),
        &user.id,
        None,
        Some(serde_json::json!({
            "user_id": user.id,
            "email": user.email.as_str(),
            "reset_id": reset.id,
            "sessions_ended": ended,
        })),
    ))
    .await?;
    tx.commit().await?;
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sent_reset_emails_lose_their_secret_and_keep_the_rest() {
        let secret = "ab".repeat(32);
        let body = format!("Use this link:\n\nhttps://scal.example/password-reset/{secret}\n\nThanks.\n");
        let redacted = without_reset_secrets(&body).unwrap();
        assert!(!redacted.contains(&secret));
        assert_eq!(
            redacted,
            "Use this link:\n\nhttps://scal.example/password-reset/[removed once sent]\n\nThanks.\n"
        );
        assert_eq!(without_reset_secrets("Your SCAL was returned."), None);
    }
}
