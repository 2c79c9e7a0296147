//! Telling people: in-app notifications, and the same message as an email in the outbox (sent by
//! a separate sender when SMTP is configured; see `scal_app::notifications::send_outbox`).

use scal_domain::policy::{authorize, Action, Actor};
use scal_domain::user::Role;
use scal_store::records::notifications::{self, NotificationRecord, OutboxRecord};
use scal_store::records::users::{self, UserRecord};
use scal_store::Tx;
use time::OffsetDateTime;

use crate::{micros, new_id, App, AppError, Result};

/// One message to some people, written inside the change's transaction so it is sent exactly
/// when the change commits.
pub(crate) async fn tell(
    tx: &mut Tx,
    to: &[UserRecord],
    kind: &str,
    subject: &str,
    message: &str,
    link: &str,
    now: OffsetDateTime,
) -> Result<()> {
    for user in to {
        notifications::insert(
            tx.conn(),
            &NotificationRecord {
                id: new_id(),
                user_id: user.id.clone(),
                at: micros(now),
                kind: kind.into(),
                message: message.into(),
                link: link.into(),
                read_at: None,
            },
        )
        .await?;
        notifications::enqueue_email(
            tx.conn(),
            &OutboxRecord {
                id: new_id(),
                to_address: user.email.as_str().into(),
                subject: subject.into(),
                body: format!("{message}\n\n{link}\n"),
                created_at: micros(now),
                sent_at: None,
                attempts: 0,
                last_error: None,
            },
        )
        .await?;
    }
    Ok(())
}

/// The NHS England reviewers of these services: those assigned to any of them, or, when none of
/// them has anyone assigned, every active reviewer (so nothing goes unseen).
pub(crate) async fn reviewers(tx: &mut Tx, services: &[String]) -> Result<Vec<UserRecord>> {
    reviewers_on(tx.conn(), services).await
}

/// [`reviewers`], read on any connection (the upcoming list reads without a transaction).
pub(crate) async fn reviewers_on(conn: &mut scal_store::Conn, services: &[String]) -> Result<Vec<UserRecord>> {
    let mut assigned: Vec<UserRecord> = Vec::new();
    for code in services {
        for user in scal_store::records::services::reviewers(&mut *conn, code).await? {
            if user.active && !assigned.iter().any(|u| u.id == user.id) {
                assigned.push(user);
            }
        }
    }
    if !assigned.is_empty() {
        return Ok(assigned);
    }
    Ok(users::active_with_role(&mut *conn, Role::NhseReviewer).await?)
}

/// The active users of an organisation.
pub(crate) async fn organisation_users(tx: &mut Tx, org_id: &str) -> Result<Vec<UserRecord>> {
    Ok(users::list_in_org(tx.conn(), org_id)
        .await?
        .into_iter()
        .filter(|u| u.active)
        .collect())
}

/// The caller's notifications, newest first.
pub async fn list(app: &App, actor: &Actor) -> Result<Vec<NotificationRecord>> {
    authorize(actor, Action::ReadOwnNotifications, None)?;
    let user_id = actor.user_id().ok_or(AppError::Forbidden)?;
    Ok(notifications::for_user(app.store.pool(), user_id).await?)
}

/// How many of the caller's notifications are unread (0 for a caller without notifications).
pub async fn unread(app: &App, actor: &Actor) -> Result<i64> {
    let Some(user_id) = actor.user_id() else {
        return Ok(0);
    };
    Ok(notifications::unread_count(app.store.pool(), user_id).await?)
}

/// Opens one of the caller's notifications: marks it read and returns where it points (the
/// item itself). Another user's notification is not found, as an unknown one.
pub async fn open(app: &App, actor: &Actor, id: &str, now: OffsetDateTime) -> Result<String> {
    authorize(actor, Action::ReadOwnNotifications, None)?;
    let user_id = actor.user_id().ok_or(AppError::Forbidden)?;
    let id = crate::known_id(id)?;
    let record = notifications::get_for_user(app.store.pool(), user_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    notifications::mark_one_read(app.store.pool(), user_id, id, micros(now)).await?;
    Ok(record.link)
}

/// Marks the caller's notifications read; returns how many were unread.
pub async fn mark_read(app: &App, actor: &Actor, now: OffsetDateTime) -> Result<u64> {
    authorize(actor, Action::ReadOwnNotifications, None)?;
    let user_id = actor.user_id().ok_or(AppError::Forbidden)?;
    Ok(notifications::mark_all_read(app.store.pool(), user_id, micros(now)).await?)
}

/// The email outbox (operators and tests).
pub async fn outbox(app: &App, unsent_only: bool) -> Result<Vec<OutboxRecord>> {
    Ok(notifications::outbox(app.store.pool(), unsent_only).await?)
}

/// The SMTP server's URL, which may hold a password: never printed.
#[derive(Clone)]
pub struct SmtpUrl(String);

impl SmtpUrl {
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }
}

impl std::fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SmtpUrl(…)")
    }
}

/// What one pass over the outbox did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Sent {
    pub sent: usize,
    pub failed: usize,
}

/// A message is tried this many times, then left in the outbox with its last error.
pub const MAX_ATTEMPTS: i64 = 5;

/// Sends the unsent emails in the outbox through the configured SMTP server, oldest first,
/// recording each attempt. Does nothing when SMTP is not configured.
pub async fn send_outbox(app: &App, now: OffsetDateTime) -> Result<Sent> {
    use lettre::AsyncTransport;
    let Some(url) = &app.settings.smtp_url else {
        return Ok(Sent::default());
    };
    let transport = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(&url.0)
        .map_err(|e| AppError::Internal(format!("smtp_url: {e}")))?
        .timeout(Some(std::time::Duration::from_secs(20)))
        .build();
    let from: lettre::message::Mailbox = app
        .settings
        .smtp_from
        .parse()
        .map_err(|e| AppError::Internal(format!("smtp_from: {e}")))?;
    let mut outcome = Sent::default();
    // A pass can outlast the staleness window below (many messages, each up to the SMTP timeout):
    // each claim is stamped with the time it is made, not the time the pass began, so another
    // sender never takes a claim just made for stale.
    let started = std::time::Instant::now();
    let at = || now + started.elapsed();
    for message in notifications::outbox(app.store.pool(), true).await? {
        if message.attempts >= MAX_ATTEMPTS {
            continue;
        }
        // Another sender (a second instance, or `scal outbox send` beside `serve`) may be on it; a
        // claim older than ten minutes is from a sender that died. The claim is one conditional
        // UPDATE, so of two senders at once exactly one gets it.
        let claimed_at = at();
        let stale = micros(claimed_at - time::Duration::minutes(10));
        if !notifications::claim(app.store.pool(), &message.id, micros(claimed_at), stale).await? {
            continue;
        }
        let email = message
            .to_address
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| e.to_string())
            .and_then(|to| {
                lettre::Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(message.subject.clone())
                    .body(message.body.clone())
                    .map_err(|e| e.to_string())
            });
        let result = match email {
            Ok(email) => transport.send(email).await.map(|_| ()).map_err(|e| e.to_string()),
            Err(e) => Err(e),
        };
        let error = result.err();
        if let Some(e) = &error {
            tracing::warn!(to = %message.to_address, error = %e, "email not sent");
            outcome.failed += 1;
        } else {
            outcome.sent += 1;
        }
        notifications::mark_attempt(app.store.pool(), &message.id, micros(at()), error.as_deref()).await?;
        // Once delivered, a one-time secret has no business staying in the database.
        if error.is_none() {
            if let Some(redacted) = crate::passwords::without_reset_secrets(&message.body) {
                notifications::replace_body(app.store.pool(), &message.id, &redacted).await?;
            }
        }
    }
    Ok(outcome)
}
