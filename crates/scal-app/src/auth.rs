//! Signing in: passwords, sessions, throttling and API-token authentication.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use scal_domain::policy::Actor;
use scal_domain::user::Email;
use scal_store::records::{sessions, tokens};
use scal_store::{SessionRecord, UserRecord};
use time::OffsetDateTime;

use crate::secrets::{digest, random_hex};
use crate::{micros, new_id, App, AppError, Result};

/// The one message for an unknown email and a wrong password, so sign-in cannot be used to find
/// out who has an account.
pub const BAD_CREDENTIALS: &str = "Enter a correct email address and password";

pub fn hash_password(password: &str) -> Result<String> {
    let mut salt_bytes = [0u8; 16];
    getrandom::getrandom(&mut salt_bytes).map_err(|e| AppError::Internal(format!("no randomness available: {e}")))?;
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| AppError::Internal(e.to_string()))?;
    // Argon2id with the crate's defaults (OWASP's recommended m=19 MiB, t=2, p=1).
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AppError::Internal(format!("cannot hash password: {e}")))
}

pub(crate) fn password_matches(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
}

/// A password hash that matches nothing, verified against when the email is unknown so both
/// failures take the same time.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("scal decoy password, never assigned").unwrap_or_default())
}

/// A new browser session: `cookie` goes to the browser, only its digest is stored.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub cookie: String,
    pub csrf_token: String,
    pub user: UserRecord,
}

pub async fn login(app: &App, email: &str, password: &str, now: OffsetDateTime) -> Result<NewSession> {
    // Not an email address: nobody can have this account. Same answer, same work, no query.
    let Ok(email) = Email::parse(email) else {
        let _ = verify_blocking(password, decoy_hash().to_string()).await;
        return Err(AppError::invalid("email", BAD_CREDENTIALS));
    };
    let key = email.as_str();
    let window_start = micros(now - app.settings.throttle_window);
    let limit = app.settings.throttle_failures.max(1);

    // Count and record this attempt before checking the password, under a lock on the account, so
    // parallel guesses cannot all slip under the limit. A successful sign-in clears the record.
    let mut tx = app.store.begin().await?;
    tx.lock_key(&format!("login:{key}")).await?;
    sessions::forget_login_failures_before(tx.conn(), window_start).await?;
    let attempts = sessions::login_failures_since(tx.conn(), key, window_start).await?;
    if attempts.len() >= limit {
        let oldest_relevant = attempts.get(attempts.len() - limit).copied().unwrap_or(window_start);
        let retry_at = oldest_relevant + micros_of(app.settings.throttle_window);
        let retry_after_secs = u64::try_from((retry_at - micros(now)).max(1_000_000) / 1_000_000).unwrap_or(1);
        return Err(AppError::Throttled { retry_after_secs });
    }
    sessions::record_login_failure(tx.conn(), &new_id(), key, micros(now)).await?;
    tx.commit().await?;

    let found = scal_store::records::users::credentials(app.store.pool(), key).await?;
    let user = match found {
        Some((user, hash)) => verify_blocking(password, hash)
            .await?
            .then_some(user)
            .filter(|u| u.active),
        None => {
            let _ = verify_blocking(password, decoy_hash().to_string()).await;
            None
        }
    };
    let Some(user) = user else {
        return Err(AppError::invalid("email", BAD_CREDENTIALS));
    };
    let cookie = random_hex(32)?;
    let csrf_token = random_hex(32)?;
    let expires = micros(now + app.settings.session_ttl);
    let mut tx = app.store.begin().await?;
    sessions::clear_login_failures(tx.conn(), key).await?;
    sessions::delete_expired(tx.conn(), micros(now)).await?;
    sessions::insert(tx.conn(), &digest(&cookie), &user.id, &csrf_token, micros(now), expires).await?;
    tx.commit().await?;
    Ok(NewSession {
        cookie,
        csrf_token,
        user,
    })
}

/// Argon2 is deliberately slow CPU work: it runs on the blocking pool, not the async workers.
async fn verify_blocking(password: &str, hash: String) -> Result<bool> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || password_matches(&password, &hash))
        .await
        .map_err(|e| AppError::Internal(format!("password check failed: {e}")))
}

/// [`hash_password`] on the blocking pool.
pub async fn hash_password_blocking(password: &str) -> Result<String> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))?
}

fn micros_of(duration: time::Duration) -> i64 {
    i64::try_from(duration.whole_microseconds()).unwrap_or(i64::MAX)
}

/// The session behind a cookie, if it is live and its user active.
pub async fn session(app: &App, cookie: &str, now: OffsetDateTime) -> Result<Option<SessionRecord>> {
    Ok(sessions::find_live(app.store.pool(), &digest(cookie), micros(now)).await?)
}

pub async fn logout(app: &App, cookie: &str) -> Result<()> {
    let mut tx = app.store.begin().await?;
    sessions::delete(tx.conn(), &digest(cookie)).await?;
    tx.commit().await?;
    Ok(())
}

pub fn actor_for(user: &UserRecord) -> Actor {
    Actor::User {
        user_id: user.id.clone(),
        org_id: user.org_id.clone(),
        role: user.role,
        email: user.email.as_str().to_string(),
    }
}

/// The actor behind an `Authorization: Bearer` token, or `Unauthenticated`.
pub async fn authenticate_token(app: &App, token: &str, now: OffsetDateTime) -> Result<Actor> {
    if !token.starts_with(crate::tokens::TOKEN_PREFIX) {
        return Err(AppError::Unauthenticated);
    }
    let found = tokens::find_user(app.store.pool(), &digest(token))
        .await?
        .ok_or(AppError::Unauthenticated)?;
    // Last use is operational metadata, not assurance data: not audited, and written at most once
    // a minute per token so API traffic does not queue behind the write lock.
    if found.last_used_at.is_none_or(|last| micros(now) - last > 60_000_000) {
        let mut tx = app.store.begin().await?;
        tokens::touch(tx.conn(), &found.token_id, micros(now)).await?;
        tx.commit().await?;
    }
    Ok(actor_for(&found.user))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let hash = hash_password("correct horse battery").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(password_matches("correct horse battery", &hash));
        assert!(!password_matches("wrong horse battery", &hash));
        assert!(!password_matches("correct horse battery", decoy_hash()));
    }
}
