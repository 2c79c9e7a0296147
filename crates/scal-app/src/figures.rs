//! The figures people run the service by, for the metrics endpoint: SCALs by status (by the one
//! rule, `cases::status`), review rounds by status and those overdue (`review::overdue`), the
//! outbox, and each scheduled job's last run. Read from the database, so every instance reports
//! the same figures.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use crate::{from_micros, Actor, App, Result};

/// One scheduled job's last run.
#[derive(Debug, Clone, PartialEq)]
pub struct JobFigures {
    pub name: String,
    /// Seconds since it last ran (`None`: never).
    pub seconds_since_run: Option<f64>,
    /// Whether its last run succeeded (`None`: never ran).
    pub succeeded: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    /// Every SCAL by its status code (`ScalStatus::CODES`, each present, zero or more).
    pub scals: BTreeMap<&'static str, u64>,
    /// Every review round by its status (`submitted`, `returned`, `accepted`, `withdrawn`).
    pub rounds: BTreeMap<String, u64>,
    /// Rounds still with NHS England after their response is due.
    pub reviews_overdue: u64,
    /// Emails not yet sent that will be tried again.
    pub outbox_waiting: u64,
    /// Emails not sent after every attempt: someone must look.
    pub outbox_failed: u64,
    pub jobs: Vec<JobFigures>,
}

/// Reads the figures as of `now`. Costs a few queries per SCAL (its status is derived from its
/// rounds, information sheet and cases, never stored; `cases::overview`): callers cache the
/// result.
pub async fn read(app: &App, now: OffsetDateTime) -> Result<Figures> {
    let system = Actor::System;
    let mut figures = Figures {
        scals: scal_domain::status::ScalStatus::CODES.iter().map(|c| (*c, 0)).collect(),
        // Every status present, zero or more, so a gauge falls back to 0 when its last round moves on.
        rounds: ["submitted", "returned", "accepted", "withdrawn"]
            .into_iter()
            .filter(|s| scal_domain::review::RoundStatus::parse(s).is_some())
            .map(|s| (s.to_string(), 0))
            .collect(),
        ..Figures::default()
    };
    for scal in scal_store::records::scals::all_ids(app.store.pool()).await? {
        let overview = crate::cases::overview(app, &system, &scal, now).await?;
        *figures.scals.entry(overview.status.code()).or_default() += 1;
    }
    for round in crate::submissions::list(app, &system, None).await? {
        *figures.rounds.entry(round.submission.status.clone()).or_default() += 1;
        if round.overdue(now.date()) {
            figures.reviews_overdue += 1;
        }
    }
    for message in crate::notifications::outbox(app, true).await? {
        if message.attempts >= crate::notifications::MAX_ATTEMPTS {
            figures.outbox_failed += 1;
        } else {
            figures.outbox_waiting += 1;
        }
    }
    for job in scal_store::records::jobs::list(app.store.pool()).await? {
        figures.jobs.push(JobFigures {
            seconds_since_run: job
                .last_run_at
                .map(|at| (now - from_micros(at)).as_seconds_f64().max(0.0)),
            succeeded: job.last_outcome.as_deref().map(|o| !o.starts_with("failed")),
            name: job.name,
        });
    }
    Ok(figures)
}
