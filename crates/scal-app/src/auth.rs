//! Signing in: passwords, sessions, throttling and API-token authentication.

use argon2::password_hash::{self, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use scal_domain::policy::Actor;
use scal_domain::user::Email;
use scal_store::records::{sessions, tokens};
use scal_store::{SessionRecord, UserRecord};
use time::OffsetDateTime;

use crate::secrets::{digest, random_hex};
use crate::{audit_entry, micros, new_id, App, AppError, Result};

/// The one message for an unknown email and a wrong password, so sign-in cannot be used to find
/// out who has an account.
pub const BAD_CREDENTIALS: &str = "Enter a correct email address and password";

pub fn hash_password(password: &str) -> Result<String> {
    let mut salt_bytes = [0u8; 16];
    getrandom::getrandom(&mut salt_bytes).map_err(|e| AppError::Internal(format!("no randomness available: {e}")))?;
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| AppError::Internal(e.to_string()))?;
    // Argon2id with the crate's defaults (OWASP's recommended m=19 MiB, t=2, p=1).
    let argon = Argon2::default();
    argon2id(&argon, password.as_bytes(), salt.as_salt())
        .map(|hash| hash.to_string())
        .map_err(|e| AppError::Internal(format!("cannot hash password: {e}")))
}

fn password_matches(password: &str, stored: &str) -> bool {
    let Ok(hash) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(hash.algorithm) else {
        return false;
    };
    let version = hash.version.and_then(|v| Version::try_from(v).ok()).unwrap_or_default();
    let Ok(params) = Params::try_from(&hash) else {
        return false;
    };
    // A stored hash asking for far more memory than ours would defeat the bound on memory.
    if params.block_count() > 4 * Params::default().block_count() {
        return false;
    }
    let argon = Argon2::new(algorithm, version, params);
    // `Output`'s equality is constant-time.
    argon2id(&argon, password.as_bytes(), salt).is_ok_and(|computed| computed.hash == Some(expected))
}

/// Argon2 working memory (19 MiB for our parameters), reused: allocating it afresh for every
/// check leaves each thread's allocator holding freed copies, so memory grew with every sign-in
/// whatever the concurrency. At most one buffer per password-gate permit is ever in use, and at
/// most [`KEPT_BUFFERS`] are kept between uses.
static WORKING_MEMORY: std::sync::Mutex<Vec<Vec<Block>>> = std::sync::Mutex::new(Vec::new());
const KEPT_BUFFERS: usize = 8;

/// The PHC hash of `password` with `salt` under `argon`'s parameters, in reused working memory.
fn argon2id<'a>(argon: &Argon2<'_>, password: &[u8], salt: Salt<'a>) -> password_hash::Result<PasswordHash<'a>> {
    let params = argon.params().clone();
    let blocks = params.block_count();
    let mut memory = WORKING_MEMORY
        .lock()
        .ok()
        .and_then(|mut kept| kept.pop())
        .filter(|buffer| buffer.len() >= blocks)
        .unwrap_or_else(|| vec![Block::default(); blocks]);
    let mut salt_bytes = [0u8; 64];
    let salt_raw = salt.decode_b64(&mut salt_bytes)?;
    let output_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let output = password_hash::Output::init_with(output_len, |out| {
        argon
            .hash_password_into_with_memory(password, salt_raw, out, &mut memory[..blocks])
            .map_err(|_| password_hash::Error::Crypto)
    });
    if let Ok(mut kept) = WORKING_MEMORY.lock() {
        if kept.len() < KEPT_BUFFERS {
            kept.push(memory);
        }
    }
    Ok(PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: password_hash::ParamsString::try_from(&params)?,
        salt: Some(salt),
        hash: Some(output?),
    })
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

/// Where a request came from, as the throttle counts it (`scal_domain::signin::client_key`):
/// the socket's address, or the forwarded-for address when a trusted proxy says so. `None` when
/// the transport does not say (counted together as "unknown").
pub fn client_key(address: Option<std::net::IpAddr>) -> String {
    address.map_or_else(|| "unknown".to_string(), scal_domain::signin::client_key)
}

/// Signs in with an email and password from `client` (see [`client_key`]).
///
/// Every attempt is throttled (`scal_domain::signin`) before the password is checked, and every
/// outcome but a throttled one is audited: `session.signed_in` in the same transaction as the
/// session, `session.sign_in_failed` with the reason. Refused attempts are not audited one by
/// one (an attacker could otherwise grow the log at will); they are logged.
pub async fn login(
    app: &App,
    email: &str,
    password: &str,
    client: Option<std::net::IpAddr>,
    now: OffsetDateTime,
) -> Result<NewSession> {
    let client = client_key(client);
    // Not an email address: nobody can have this account. It still counts against the address, and
    // takes the same work, so the answer tells nothing.
    let parsed = Email::parse(email).ok();
    let key = parsed.as_ref().map_or("", |e| e.as_str()).to_string();

    let attempt = count_attempt(app, &key, &client, now).await?;

    let found = match parsed {
        Some(_) => scal_store::records::users::credentials(app.store.pool(), &key).await?,
        None => None,
    };
    let (user, reason) = match found {
        Some((user, hash)) => {
            let matches = attempt
                .checked(app, verify_blocking(app, password, Some(hash)).await)
                .await?;
            match (matches, user.active) {
                (true, true) => (Some(user), None),
                (true, false) => (Some(user), Some("account deactivated")),
                (false, _) => (Some(user), Some("wrong password")),
            }
        }
        None => {
            let _ = attempt.checked(app, verify_blocking(app, password, None).await).await?;
            (None, Some("unknown account"))
        }
    };
    let mut tx = app.store.begin().await?;
    if let Some(reason) = reason {
        // The email typed is not recorded for an unknown account: people type passwords there.
        tx.audit(scal_store::NewAuditEntry {
            at: micros(now),
            actor_user_id: None,
            actor_label: "anonymous".into(),
            org_id: user.as_ref().map(|u| u.org_id.clone()),
            kind: "session.sign_in_failed".into(),
            entity_id: user
                .as_ref()
                .map_or_else(|| "unknown account".to_string(), |u| u.id.clone()),
            before: None,
            after: Some(serde_json::json!({ "client": client, "reason": reason })),
        })
        .await?;
        tx.commit().await?;
        return Err(AppError::invalid("email", BAD_CREDENTIALS));
    }
    let Some(user) = user else {
        return Err(AppError::invalid("email", BAD_CREDENTIALS));
    };
    let cookie = random_hex(32)?;
    let csrf_token = random_hex(32)?;
    let expires = micros(now + app.settings.session_ttl);
    sessions::clear_login_failures(tx.conn(), &key, &client).await?;
    sessions::remember_address(tx.conn(), &sessions::signin_subject(&key), &client, micros(now)).await?;
    sessions::delete_expired(tx.conn(), micros(now)).await?;
    sessions::insert(tx.conn(), &digest(&cookie), &user.id, &csrf_token, micros(now), expires).await?;
    tx.audit(audit_entry(
        &actor_for(&user),
        now,
        "session.signed_in",
        Some(&user.org_id),
        &user.id,
        None,
        Some(serde_json::json!({ "client": client })),
    ))
    .await?;
    tx.commit().await?;
    Ok(NewSession {
        cookie,
        csrf_token,
        user,
    })
}

/// Counts an attempt to prove the password of account `key` from `client` (a [`client_key`]),
/// or refuses it when a sign-in limit is reached (`scal_domain::signin`). It is recorded *before*
/// the password is checked, under locks on the account and the address, so parallel guesses cannot
/// all slip under a limit; a right password then clears it with `sessions::clear_login_failures`.
/// Sign-in and the current-password check of a password change share this one budget.
pub(crate) async fn count_attempt(app: &App, key: &str, client: &str, now: OffsetDateTime) -> Result<Attempt> {
    let limits = app.settings.throttle;
    let window_start = micros(now) - limits.window_micros;
    let mut tx = app.store.begin().await?;
    tx.lock_key(&format!("login:{key}")).await?;
    tx.lock_key(&format!("login-client:{client}")).await?;
    sessions::forget_login_failures_before(tx.conn(), window_start).await?;
    let known_since = micros(now - app.settings.known_address_ttl);
    let failures = sessions::login_failures_since(tx.conn(), key, client, window_start, known_since).await?;
    if let Some(refusal) = scal_domain::signin::assess(limits, &failures) {
        let retry_after_secs = u64::try_from((refusal.retry_at - micros(now)).max(1_000_000) / 1_000_000).unwrap_or(1);
        tracing::warn!(%client, scope = refusal.scope.as_str(), "sign-in refused: too many failures");
        return Err(AppError::Throttled { retry_after_secs });
    }
    let id = new_id();
    sessions::record_login_failure(tx.conn(), &id, key, client, micros(now)).await?;
    tx.commit().await?;
    Ok(Attempt { id })
}

/// An attempt counted by [`count_attempt`].
#[derive(Debug)]
pub(crate) struct Attempt {
    id: String,
}

impl Attempt {
    /// The password check's result. When the check never ran because the server was busy, the
    /// attempt is uncounted again: otherwise whoever keeps the password gate full could make the
    /// owner's own attempts count as failures and lock them out.
    pub(crate) async fn checked(&self, app: &App, result: Result<bool>) -> Result<bool> {
        if matches!(result, Err(AppError::Busy { .. })) {
            let mut tx = app.store.begin().await?;
            sessions::forget_login_failure(tx.conn(), &self.id).await?;
            tx.commit().await?;
        }
        result
    }
}

/// Argon2 is deliberately slow, memory-hungry CPU work: it runs on the blocking pool behind the
/// password gate, so parallel sign-ins cannot exhaust memory (each check takes 19 MiB). `None`
/// checks against the decoy, so an unknown account costs the same as a wrong password.
pub(crate) async fn verify_blocking(app: &App, password: &str, hash: Option<String>) -> Result<bool> {
    let password = password.to_string();
    app.gates
        .password
        .run(move || match hash {
            Some(hash) => password_matches(&password, &hash),
            None => {
                let _ = password_matches(&password, decoy_hash());
                false
            }
        })
        .await
}

/// [`hash_password`] on the blocking pool, behind the password gate.
pub async fn hash_password_blocking(app: &App, password: &str) -> Result<String> {
    let password = password.to_string();
    app.gates.password.run(move || hash_password(&password)).await?
}

/// The session behind a cookie, if it is live and its user active.
pub async fn session(app: &App, cookie: &str, now: OffsetDateTime) -> Result<Option<SessionRecord>> {
    Ok(sessions::find_live(app.store.pool(), &digest(cookie), micros(now)).await?)
}

/// Ends the session behind `cookie`, audited as `session.signed_out` by its user.
pub async fn logout(app: &App, cookie: &str, client: Option<std::net::IpAddr>, now: OffsetDateTime) -> Result<()> {
    let mut tx = app.store.begin().await?;
    let found = sessions::find_live(tx.conn(), &digest(cookie), micros(now)).await?;
    sessions::delete(tx.conn(), &digest(cookie)).await?;
    if let Some(session) = found {
        tx.audit(audit_entry(
            &actor_for(&session.user),
            now,
            "session.signed_out",
            Some(&session.user.org_id),
            &session.user.id,
            None,
            Some(serde_json::json!({ "client": client_key(client) })),
        ))
        .await?;
    }
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
///
/// The first use of a token from an address it has not been used from is audited
/// (`token.used_from_new_address`, with the address): a stolen token used elsewhere shows up in
/// the log. Uses from known addresses write nothing but the last-use time.
pub async fn authenticate_token(
    app: &App,
    token: &str,
    client: Option<std::net::IpAddr>,
    now: OffsetDateTime,
) -> Result<Actor> {
    if !token.starts_with(crate::tokens::TOKEN_PREFIX) {
        return Err(AppError::Unauthenticated);
    }
    let found = tokens::find_user(app.store.pool(), &digest(token))
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let actor = actor_for(&found.user);
    let client = client_key(client);
    let subject = sessions::token_subject(&found.token_id);
    let known = sessions::is_known_address(app.store.pool(), &subject, &client, i64::MIN).await?;
    // Last use is operational metadata, not assurance data: written at most once a minute per
    // token so API traffic does not queue behind the write lock.
    let stale = found.last_used_at.is_none_or(|last| micros(now) - last > 60_000_000);
    if !known || stale {
        let mut tx = app.store.begin().await?;
        if stale {
            tokens::touch(tx.conn(), &found.token_id, micros(now)).await?;
        }
        if !known && sessions::remember_address(tx.conn(), &subject, &client, micros(now)).await? {
            tx.audit(audit_entry(
                &actor,
                now,
                "token.used_from_new_address",
                Some(&found.user.org_id),
                &found.token_id,
                None,
                Some(serde_json::json!({ "client": client })),
            ))
            .await?;
        }
        tx.commit().await?;
    }
    Ok(actor)
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

    #[test]
    fn hashes_are_the_standard_phc_form_both_ways() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        // Hashes stored before working memory was reused still verify, and ours verify with the
        // crate's own verifier.
        let salt = SaltString::encode_b64(b"sixteen byte slt").unwrap();
        let theirs = Argon2::default()
            .hash_password(b"a passphrase", &salt)
            .unwrap()
            .to_string();
        assert!(password_matches("a passphrase", &theirs));
        assert!(!password_matches("a passphrasf", &theirs));
        let ours = hash_password("a passphrase").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default().verify_password(b"a passphrase", &parsed).is_ok());
        assert!(!password_matches("a passphrase", "not a hash"));
    }
}
