//! Reading and verifying the audit chain. Entries are written by the services themselves, inside
//! their transactions (see `scal_store::Tx::audit`).

use scal_domain::audit::{AuditEntry, ChainBreak, ChainVerifier};
use scal_domain::policy::{authorize, Action, Actor};
use scal_store::records::audit;
use scal_store::AuditFilter;

use crate::{App, AppError, Result};

pub async fn list(app: &App, actor: &Actor, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
    authorize(actor, Action::ReadAudit, None)?;
    Ok(audit::list(app.store.pool(), filter).await?)
}

/// The log filtered as asked. Access is checked before the filter is read, so someone who may not
/// read the log learns nothing from its validation messages.
pub async fn search(app: &App, actor: &Actor, search: &AuditSearch) -> Result<Vec<AuditEntry>> {
    authorize(actor, Action::ReadAudit, None)?;
    let filter = search.to_filter()?;
    Ok(audit::list(app.store.pool(), &filter).await?)
}

pub async fn kinds(app: &App, actor: &Actor) -> Result<Vec<String>> {
    authorize(actor, Action::ReadAudit, None)?;
    Ok(audit::kinds(app.store.pool()).await?)
}

/// Walks the whole chain. `Ok(Ok(n))`: intact with `n` entries; `Ok(Err(break))`: the first
/// broken entry.
pub async fn verify(app: &App) -> Result<Result<u64, ChainBreak>> {
    const BATCH: i64 = 1000;
    // The head first: entries appended while we walk are beyond it and ignored, so verifying a
    // live database gives no false alarm.
    let (head_seq, head_hash) = audit::head(app.store.pool()).await.map_err(AppError::Store)?;
    let mut verifier = ChainVerifier::default();
    let mut after = 0;
    loop {
        let page = audit::page_in_order(app.store.pool(), after, BATCH).await?;
        for entry in page.iter().filter(|e| e.seq <= head_seq) {
            if let Err(broken) = verifier.next(entry) {
                return Ok(Err(broken));
            }
        }
        match page.last() {
            Some(last) if page.len() as i64 == BATCH && last.seq < head_seq => after = last.seq,
            _ => break,
        }
    }
    Ok(verifier.finish(head_seq, &head_hash))
}

/// Audit filters as typed by a person or sent by a client: empty strings mean "any".
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct AuditSearch {
    pub organisation_id: Option<String>,
    pub user_id: Option<String>,
    pub kind: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub from: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub to: Option<String>,
    pub before_seq: Option<i64>,
    pub limit: Option<i64>,
}

impl AuditSearch {
    pub fn to_filter(&self) -> Result<AuditFilter> {
        fn given(value: &Option<String>) -> Option<String> {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        }
        let mut invalid = scal_domain::Invalid::default();
        let from = given(&self.from).and_then(|raw| invalid.check(parse_day("from", &raw)));
        let to = given(&self.to).and_then(|raw| invalid.check(parse_day("to", &raw)));
        if let (Some(from), Some(to)) = (from, to) {
            if to < from {
                invalid.0.push(scal_domain::FieldError::new(
                    "to",
                    "The end date must be the same as or after the start date",
                ));
            }
        }
        let filter = AuditFilter {
            org_id: given(&self.organisation_id),
            actor_user_id: given(&self.user_id),
            kind: given(&self.kind).filter(|k| k != scal_domain::audit::SECURITY_EVENTS),
            kinds: given(&self.kind)
                .filter(|k| k == scal_domain::audit::SECURITY_EVENTS)
                .map(|_| {
                    scal_domain::audit::SECURITY_EVENT_KINDS
                        .iter()
                        .map(|k| k.to_string())
                        .collect()
                }),
            from: from.map(|day| crate::micros(day.midnight().assume_utc())),
            until: to.map(|day| crate::micros(day.midnight().assume_utc() + time::Duration::days(1))),
            before_seq: self.before_seq,
            limit: self.limit.unwrap_or(100).clamp(1, 500),
        };
        invalid.finish(|| Some(filter)).map_err(AppError::Invalid)
    }
}

fn parse_day(field: &str, raw: &str) -> std::result::Result<time::Date, scal_domain::FieldError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(raw, &format)
        .map_err(|_| scal_domain::FieldError::new(field, "Enter a real date in the format YYYY-MM-DD, like 2026-06-30"))
}
