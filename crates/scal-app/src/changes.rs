//! What changed since the last round: a submitted round compared with the round before it of the
//! same SCAL (`scal_domain::snapshot::diff`), both read from what was submitted, so the answer is
//! the same however the SCAL has changed since.

use scal_domain::policy::Actor;
use scal_domain::snapshot::{diff, RoundDiff};
use scal_store::records::submissions;

use crate::submissions::{get, read_snapshot, SubmissionView};
use crate::{App, AppError, Result};

/// A round with what changed since the one before it.
#[derive(Debug, Clone)]
pub struct RoundChanges {
    pub submission: SubmissionView,
    /// The round before it (its submission ID and number); `None` for round 1.
    pub previous: Option<(String, i64)>,
    /// `None` for round 1, which has nothing to compare with.
    pub diff: Option<RoundDiff>,
}

/// The round's changes since the round before it: `None` for round 1. Visible as the round is
/// (`submissions::get`): a supplier its own, NHS England every one, anyone else not found.
pub async fn since_last_round(app: &App, actor: &Actor, submission_id: &str) -> Result<Option<RoundDiff>> {
    Ok(of_round(app, actor, submission_id).await?.diff)
}

/// The round, the round before it and what changed between them.
pub async fn of_round(app: &App, actor: &Actor, submission_id: &str) -> Result<RoundChanges> {
    let view = get(app, actor, submission_id).await?;
    let rounds = submissions::for_scal(app.store.pool(), &view.submission.scal_id).await?;
    let Some(previous) = rounds
        .iter()
        .filter(|r| r.round < view.submission.round)
        .max_by_key(|r| r.round)
    else {
        return Ok(RoundChanges {
            submission: view,
            previous: None,
            diff: None,
        });
    };
    // The list leaves snapshots out: read the previous round whole.
    let previous = submissions::get(app.store.pool(), &previous.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let before = read_snapshot(&previous)?;
    let after = read_snapshot(&view.submission)?;
    Ok(RoundChanges {
        previous: Some((previous.id.clone(), previous.round)),
        diff: Some(diff(&before, &after)),
        submission: view,
    })
}
