//! A product's acceptable use policy: its supplier's administrators publish versions; each end
//! user organisation with an active share acknowledges the current one (`use_policy::current`).
//! A new version tells every such EUO to acknowledge again.

use scal_domain::policy::{authorize, Action, Actor};
use scal_domain::use_policy;
use scal_store::records::use_policies::{self, AcknowledgementRecord, PolicyRecord};
use time::{Date, OffsetDateTime};

use crate::{audit_entry, micros, new_id, App, AppError, Result};

/// A product's policy as one organisation stands with it.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PolicyStanding {
    /// Every version, newest first.
    pub versions: Vec<PolicyRecord>,
    /// The version in effect today.
    pub current: Option<PolicyRecord>,
    /// Versions published with a date still to come.
    pub upcoming: Vec<PolicyRecord>,
    /// The organisation's acknowledgements (for an EUO; empty otherwise).
    pub acknowledgements: Vec<AcknowledgementRecord>,
    /// Whether the organisation acknowledged the current version.
    pub current_acknowledged: bool,
}

pub(crate) async fn standing_on(
    conn: &mut scal_store::Conn,
    product_id: &str,
    euo_org_id: Option<&str>,
    today: Date,
) -> Result<PolicyStanding> {
    let versions = use_policies::for_product(&mut *conn, product_id).await?;
    let current = use_policy::current(&versions, today).cloned();
    let upcoming = versions
        .iter()
        .filter(|v| use_policy::Dated::effective_date(*v).is_some_and(|d| d > today))
        .cloned()
        .collect();
    let acknowledgements = match euo_org_id {
        Some(org) => use_policies::acknowledgements(&mut *conn, product_id, org).await?,
        None => Vec::new(),
    };
    let current_acknowledged = current
        .as_ref()
        .is_some_and(|c| acknowledgements.iter().any(|a| a.policy_id == c.id));
    Ok(PolicyStanding {
        versions,
        current,
        upcoming,
        acknowledgements,
        current_acknowledged,
    })
}

/// A product's versions, for its supplier and NHS England.
pub async fn for_product(app: &App, actor: &Actor, product_id: &str, today: Date) -> Result<PolicyStanding> {
    let product = crate::products::get(app, actor, product_id).await?;
    authorize(actor, Action::ReadShares, Some(&product.org_id))?;
    let mut conn = app.store.acquire().await?;
    standing_on(&mut conn, &product.id, None, today).await
}

/// The policy of a shared product, as the EUO it is shared with stands with it (or as its
/// supplier and NHS England see it).
pub async fn for_share(app: &App, actor: &Actor, share_id: &str, today: Date) -> Result<PolicyStanding> {
    let share = crate::shares::visible(app, actor, share_id, today).await?;
    let euo = crate::shares::actor_euo(app, actor).await?;
    let mut conn = app.store.acquire().await?;
    standing_on(&mut conn, &share.product_id, euo.as_ref().map(|o| o.id.as_str()), today).await
}

/// Publishes a new version (the supplier's administrators): its text and the date it takes
/// effect. The text of the latest version again is refused. Every EUO with an active share is
/// told to acknowledge it.
pub async fn publish(
    app: &App,
    actor: &Actor,
    product_id: &str,
    text: &str,
    effective_date: &str,
    now: OffsetDateTime,
) -> Result<PolicyRecord> {
    let product = crate::products::get(app, actor, product_id).await?;
    authorize(actor, Action::PublishUsePolicy, Some(&product.org_id))?;
    let input = use_policy::parse_version(text, effective_date).map_err(AppError::Invalid)?;
    let sha256 = use_policy::version_hash(&input.text);
    let mut tx = app.store.begin().await?;
    tx.lock_key(&format!("use-policy:{}", product.id)).await?;
    let versions = use_policies::for_product(tx.conn(), &product.id).await?;
    if let Some(latest) = versions.first() {
        if latest.sha256 == sha256 {
            return Err(AppError::invalid(
                "text",
                format!("This text is already published, as version {}", latest.sequence),
            ));
        }
    }
    let record = PolicyRecord {
        id: new_id(),
        product_id: product.id.clone(),
        sequence: versions.first().map_or(1, |v| v.sequence + 1),
        text: input.text,
        sha256,
        effective_date: input.effective_date.to_string(),
        published_by: actor.label().to_string(),
        published_at: micros(now),
    };
    use_policies::insert(tx.conn(), &record).await?;
    tx.audit(audit_entry(
        actor,
        now,
        "use_policy.published",
        Some(&product.org_id),
        &record.id,
        None,
        Some(serde_json::json!({
            "product": product.details.title(),
            "version": record.sequence,
            "sha256": record.sha256,
            "effective_date": record.effective_date,
        })),
    ))
    .await?;
    if let Some(scal_id) = scal_store::records::scals::scal_for_product(tx.conn(), &product.id).await? {
        let title = product.details.title();
        crate::shares::tell_euos(
            &mut tx,
            &scal_id,
            &format!("Acceptable use policy to acknowledge: {title}"),
            &format!(
                "The supplier of {title} published version {} of its acceptable use policy, in effect from {}: \
                 acknowledge it",
                record.sequence, record.effective_date
            ),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(record)
}

/// The EUO acknowledges a version of a shared product's policy: the current one, or one still to
/// take effect. 409 for a version already acknowledged or superseded.
pub async fn acknowledge(
    app: &App,
    actor: &Actor,
    share_id: &str,
    policy_id: &str,
    now: OffsetDateTime,
) -> Result<AcknowledgementRecord> {
    let today = now.date();
    let share = crate::shares::visible(app, actor, share_id, today).await?;
    let euo = crate::shares::actor_euo(app, actor).await?.ok_or(AppError::Forbidden)?;
    authorize(actor, Action::LocalAssurance, Some(&euo.id))?;
    let policy = match crate::known_id(policy_id.trim()) {
        Ok(id) => use_policies::get(app.store.pool(), id)
            .await?
            .filter(|p| p.product_id == share.product_id),
        Err(_) => None,
    }
    .ok_or_else(|| AppError::invalid("policy_id", "Choose a version of this product's acceptable use policy"))?;
    let mut tx = app.store.begin().await?;
    tx.lock_key(&format!("use-policy:{}", share.product_id)).await?;
    let standing = standing_on(tx.conn(), &share.product_id, Some(&euo.id), today).await?;
    let acknowledgeable = standing.current.as_ref().is_some_and(|c| c.id == policy.id)
        || standing.upcoming.iter().any(|u| u.id == policy.id);
    if !acknowledgeable {
        return Err(AppError::Conflict(format!(
            "Version {} is no longer the current acceptable use policy: acknowledge the current one",
            policy.sequence
        )));
    }
    let user_id = actor.user_id().ok_or(AppError::Forbidden)?.to_string();
    let record = AcknowledgementRecord {
        policy_id: policy.id.clone(),
        euo_org_id: euo.id.clone(),
        sha256: policy.sha256.clone(),
        user_id,
        acknowledged_by: actor.label().to_string(),
        acknowledged_at: micros(now),
    };
    if !use_policies::acknowledge(tx.conn(), &record).await? {
        return Err(AppError::Conflict(format!(
            "Your organisation has already acknowledged version {}",
            policy.sequence
        )));
    }
    tx.audit(audit_entry(
        actor,
        now,
        "use_policy.acknowledged",
        Some(&euo.id),
        &policy.id,
        None,
        Some(serde_json::json!({"version": policy.sequence, "sha256": policy.sha256, "euo_ods": euo.ods_code})),
    ))
    .await?;
    tx.commit().await?;
    Ok(record)
}
