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

pub async fn kinds(app: &App, actor: &Actor) -> Result<Vec<String>> {
    authorize(actor, Action::ReadAudit, None)?;
    Ok(audit::kinds(app.store.pool()).await?)
}

/// Walks the whole chain. `Ok(Ok(n))`: intact with `n` entries; `Ok(Err(break))`: the first
/// broken entry.
pub async fn verify(app: &App) -> Result<Result<u64, ChainBreak>> {
    const BATCH: i64 = 1000;
    let mut verifier = ChainVerifier::default();
    let mut after = 0;
    loop {
        let page = audit::page_in_order(app.store.pool(), after, BATCH).await?;
        for entry in &page {
            if let Err(broken) = verifier.next(entry) {
                return Ok(Err(broken));
            }
        }
        match page.last() {
            Some(last) if page.len() as i64 == BATCH => after = last.seq,
            _ => break,
        }
    }
    let (seq, hash) = audit::head(app.store.pool()).await.map_err(AppError::Store)?;
    Ok(verifier.finish(seq, &hash))
}
