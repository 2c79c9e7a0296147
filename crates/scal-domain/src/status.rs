//! A SCAL's status: the one derivation the dashboard, the SCAL page, notifications and the API
//! all show, so no two surfaces can disagree (the dashboard once said "Ready to submit" about a
//! SCAL the SCAL page said was with NHS England).

use crate::onboarding::{Step, StepStatus};
use crate::review::RoundStatus;

/// The latest submitted round, as far as the status needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatestRound<'a> {
    pub round: i64,
    pub status: RoundStatus,
    /// NHS England's summary of its decision (why it was returned).
    pub summary: Option<&'a str>,
    /// An accepted SCAL reopened since (an uplift or a product change, not yet accepted).
    pub reopened: Option<Reopening<'a>>,
}

/// Why an accepted SCAL is open again, and by when it is due back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reopening<'a> {
    pub reason: &'a str,
    pub due: Option<time::Date>,
}

/// Where a SCAL stands.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum ScalStatus {
    /// Issued and being completed: some step before submission is not complete.
    InProgress,
    /// Every step before submission is complete and no round is with NHS England.
    ReadyToSubmit,
    /// A round is with NHS England for review: the supplier cannot change answers.
    WithNhsEngland { round: i64 },
    /// NHS England returned the latest round: the supplier makes the changes asked for and
    /// submits again. Stays so until the next submission, however complete the steps are.
    Returned { round: i64, reason: Option<String> },
    /// NHS England accepted the round: it is the accepted SCAL, read-only for the supplier, and
    /// onboarding goes on to technical conformance, the certificate and the agreement.
    Accepted { round: i64 },
    /// Accepted, and every case live: its connection agreement accepted and go-live approved
    /// (step 10 done). Derived, never stored.
    Live { round: i64 },
    /// Accepted (and perhaps live), then reopened by an uplift to a new template version or a
    /// product change: the supplier confirms or changes what changed and submits again.
    Reopened {
        round: i64,
        reason: String,
        due: Option<time::Date>,
    },
}

impl ScalStatus {
    /// Every [`ScalStatus::code`], in the order of the variants.
    pub const CODES: [&'static str; 7] = [
        "in_progress",
        "ready_to_submit",
        "with_nhs_england",
        "returned",
        "accepted",
        "live",
        "reopened",
    ];

    /// Its name in plain English, the same on every surface.
    pub fn label(&self) -> String {
        match self {
            Self::InProgress => "In progress".into(),
            Self::ReadyToSubmit => "Ready to submit".into(),
            Self::WithNhsEngland { round } => format!("With NHS England for review (round {round})"),
            Self::Returned { round, .. } => format!("Returned: changes needed (round {round})"),
            Self::Accepted { round } => format!("Accepted by NHS England (round {round})"),
            Self::Live { .. } => "Live: go-live approved".into(),
            Self::Reopened { reason, due, .. } => match due {
                Some(due) => format!("Reopened: {reason}, due {due}"),
                None => format!("Reopened: {reason}"),
            },
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::InProgress => "in_progress",
            Self::ReadyToSubmit => "ready_to_submit",
            Self::WithNhsEngland { .. } => "with_nhs_england",
            Self::Returned { .. } => "returned",
            Self::Accepted { .. } => "accepted",
            Self::Live { .. } => "live",
            Self::Reopened { .. } => "reopened",
        }
    }
}

/// **The** rule for a SCAL's status, from its latest round and its cases' steps (every case's). A
/// withdrawn round counts as no round: the SCAL is back with its supplier.
pub fn scal_status<'a>(latest: Option<LatestRound<'_>>, steps: impl IntoIterator<Item = &'a StepStatus>) -> ScalStatus {
    match latest.map(|r| (r, r.status)) {
        Some((round, RoundStatus::Submitted)) => ScalStatus::WithNhsEngland { round: round.round },
        Some((
            LatestRound {
                round,
                reopened: Some(why),
                ..
            },
            RoundStatus::Accepted,
        )) => ScalStatus::Reopened {
            round,
            reason: why.reason.to_string(),
            due: why.due,
        },
        Some((round, RoundStatus::Accepted)) => {
            let mut last = steps.into_iter().filter(|s| s.step == Step::Submission).peekable();
            if last.peek().is_some() && last.all(|s| s.state == crate::onboarding::StepState::Done) {
                ScalStatus::Live { round: round.round }
            } else {
                ScalStatus::Accepted { round: round.round }
            }
        }
        Some((round, RoundStatus::Returned)) => ScalStatus::Returned {
            round: round.round,
            reason: round.summary.map(String::from),
        },
        Some((_, RoundStatus::Withdrawn)) | None => {
            let mut steps = steps.into_iter().filter(|s| s.step != Step::Submission).peekable();
            if steps.peek().is_some() && steps.all(StepStatus::complete) {
                ScalStatus::ReadyToSubmit
            } else {
                ScalStatus::InProgress
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_code_is_listed() {
        let round = 1;
        let every = [
            ScalStatus::InProgress,
            ScalStatus::ReadyToSubmit,
            ScalStatus::WithNhsEngland { round },
            ScalStatus::Returned { round, reason: None },
            ScalStatus::Accepted { round },
            ScalStatus::Live { round },
            ScalStatus::Reopened {
                round,
                reason: String::new(),
                due: None,
            },
        ];
        assert_eq!(every.map(|s| s.code()), ScalStatus::CODES);
    }
    use crate::onboarding::StepState;

    fn step(step: Step, state: StepState) -> StepStatus {
        StepStatus {
            step,
            state,
            checks: Vec::new(),
            updated_by: None,
            updated_at: None,
        }
    }

    #[test]
    fn an_accepted_scal_is_live_once_every_case_is() {
        let accepted = LatestRound {
            round: 1,
            status: RoundStatus::Accepted,
            summary: None,
            reopened: None,
        };
        let live = [
            step(Step::Submission, StepState::Done),
            step(Step::Submission, StepState::Done),
        ];
        let half = [
            step(Step::Submission, StepState::Done),
            step(Step::Submission, StepState::InProgress),
        ];
        assert_eq!(scal_status(Some(accepted), &live), ScalStatus::Live { round: 1 });
        assert_eq!(scal_status(Some(accepted), &half), ScalStatus::Accepted { round: 1 });
        assert_eq!(scal_status(Some(accepted), &[]), ScalStatus::Accepted { round: 1 });
        assert_eq!(ScalStatus::Live { round: 1 }.label(), "Live: go-live approved");
        let reopened = LatestRound {
            reopened: Some(Reopening {
                reason: "uplift to GP Connect v2",
                due: Some(time::macros::date!(2027 - 01 - 31)),
            }),
            ..accepted
        };
        let status = scal_status(Some(reopened), &live);
        assert_eq!(status.code(), "reopened", "reopened wins over live");
        assert_eq!(status.label(), "Reopened: uplift to GP Connect v2, due 2027-01-31");
    }

    #[test]
    fn a_round_decides_before_the_steps_and_a_return_stays_until_resubmitted() {
        let done = [
            step(Step::UseCase, StepState::Done),
            step(Step::OdsCode, StepState::NotApplicable),
            step(Step::Submission, StepState::NotStarted),
        ];
        let open = [
            step(Step::UseCase, StepState::Done),
            step(Step::OdsCode, StepState::InProgress),
        ];
        assert_eq!(scal_status(None, &done), ScalStatus::ReadyToSubmit);
        assert_eq!(scal_status(None, &open), ScalStatus::InProgress);
        assert_eq!(scal_status(None, &[]), ScalStatus::InProgress, "no cases yet");
        let submitted = LatestRound {
            round: 2,
            status: RoundStatus::Submitted,
            summary: None,
            reopened: None,
        };
        assert_eq!(
            scal_status(Some(submitted), &done),
            ScalStatus::WithNhsEngland { round: 2 }
        );
        let returned = LatestRound {
            round: 1,
            status: RoundStatus::Returned,
            summary: Some("Explain SD-03"),
            reopened: None,
        };
        for steps in [&done[..], &open[..]] {
            let status = scal_status(Some(returned), steps);
            assert_eq!(
                status,
                ScalStatus::Returned {
                    round: 1,
                    reason: Some("Explain SD-03".into())
                }
            );
            assert_eq!(status.label(), "Returned: changes needed (round 1)");
        }
    }

    #[test]
    fn an_accepted_round_is_the_accepted_scal_and_a_withdrawn_one_hands_it_back() {
        let done = [step(Step::UseCase, StepState::Done)];
        let round = |status| LatestRound {
            round: 3,
            status,
            summary: None,
            reopened: None,
        };
        let accepted = scal_status(Some(round(RoundStatus::Accepted)), &done);
        assert_eq!(accepted, ScalStatus::Accepted { round: 3 });
        assert_eq!(accepted.label(), "Accepted by NHS England (round 3)");
        assert_eq!(
            scal_status(Some(round(RoundStatus::Withdrawn)), &done),
            ScalStatus::ReadyToSubmit
        );
    }
}
