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

/// NHS England's reviewers. Every active reviewer reviews every service until reviewers are
/// assigned to services.
pub(crate) async fn reviewers(tx: &mut Tx) -> Result<Vec<UserRecord>> {
    Ok(users::active_with_role(tx.conn(), Role::NhseReviewer).await?)
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
