//! `scal review ...`: NHS England's review of submitted rounds, at the command line.

use std::fmt::Write as _;

use scal_app::changes::RoundChanges;
use scal_app::review::RoundReview;
use scal_domain::onboarding::{Step, StepState};
use scal_domain::review::{RoundStatus, Verdict};
use scal_domain::snapshot::{EvidenceChange, Presence};
use scal_domain::template::Rag;

fn or_nothing(value: Option<&str>) -> String {
    value.map_or_else(|| "(nothing)".to_string(), |v| format!("{v:?}"))
}

fn state(state: Option<StepState>) -> &'static str {
    state.map_or("no case", StepState::label)
}

/// `scal review diff`: what changed in a round since the one before it, as readable text.
pub fn diff_text(changes: &RoundChanges) -> String {
    let s = &changes.submission.submission;
    let mut out = String::new();
    let name = changes.submission.product.details.title();
    let (Some((_, previous)), Some(diff)) = (&changes.previous, &changes.diff) else {
        let _ = writeln!(
            out,
            "{name}, round {}: the first round, nothing to compare it with",
            s.round
        );
        return out;
    };
    let _ = writeln!(out, "{name}, round {} compared with round {previous}", s.round);
    if diff.is_empty() {
        let _ = writeln!(out, "nothing changed");
        return out;
    }
    let _ = writeln!(out, "{} requirement(s) changed", diff.items.len());
    for item in &diff.items {
        let what = match item.presence {
            Presence::Added => " (new in this round)",
            Presence::Removed => " (no longer in the SCAL)",
            Presence::Changed => "",
        };
        let _ = writeln!(out, "  {} {}{what}", item.sheet, item.id);
        for f in &item.fields {
            let _ = writeln!(
                out,
                "    {}: {} -> {}",
                f.field.as_str(),
                or_nothing(f.before.as_deref()),
                or_nothing(f.after.as_deref())
            );
        }
        for e in &item.evidence {
            let _ = match e {
                EvidenceChange::Added { name, sha256 } => writeln!(out, "    file {name}: added (sha256 {sha256})"),
                EvidenceChange::Removed { name, sha256 } => writeln!(out, "    file {name}: removed (sha256 {sha256})"),
                EvidenceChange::Replaced { name, before, after } => {
                    writeln!(out, "    file {name}: replaced (sha256 {before} -> {after})")
                }
            };
        }
    }
    for scope in &diff.scoped_out {
        let _ = writeln!(out, "scoped out of {}", scope.sheet);
        for (id, reason) in &scope.added {
            let _ = writeln!(out, "  + {id}: {reason}");
        }
        for (id, reason) in &scope.removed {
            let _ = writeln!(out, "  - {id}: {reason}");
        }
    }
    for case in &diff.cases {
        let what = match case.presence {
            Presence::Added => " (new in this round)",
            Presence::Removed => " (no longer in the SCAL)",
            Presence::Changed => "",
        };
        let _ = writeln!(out, "service {}{what}", case.service);
        if let Some((before, after)) = &case.use_case {
            let _ = writeln!(
                out,
                "    use case: {} -> {}",
                or_nothing(before.as_deref()),
                or_nothing(after.as_deref())
            );
        }
        for step in &case.steps {
            let name = Step::ALL
                .get(usize::from(step.number).saturating_sub(1))
                .map_or("", |s| s.name());
            let _ = writeln!(
                out,
                "    step {} {name}: {} -> {}",
                step.number,
                state(step.before),
                state(step.after)
            );
        }
    }
    out
}

/// `scal review status`: where a round's review stands, as readable text.
pub fn status_text(review: &RoundReview, today: time::Date) -> String {
    let view = &review.round;
    let s = &view.submission;
    let mut out = String::new();
    let status = s.round_status();
    let _ = writeln!(
        out,
        "{}, round {}: {}",
        view.product.details.title(),
        s.round,
        status.label()
    );
    let _ = writeln!(out, "  submitted by {} (SHA-256 {})", s.submitted_by, s.sha256);
    match status {
        RoundStatus::Submitted => {
            let reviewer = view.reviewer.as_ref().map_or("nobody yet", |(_, name)| name.as_str());
            let late = if view.overdue(today) { ", overdue" } else { "" };
            let _ = writeln!(out, "  reviewer: {reviewer}; response due {}{late}", view.due);
        }
        _ => {
            if let Some(by) = &s.decided_by {
                let _ = writeln!(out, "  decided by {by}");
            }
            if let Some(summary) = &s.summary {
                let _ = writeln!(out, "  summary: {summary}");
            }
        }
    }
    let count = |v: Verdict| {
        review
            .items
            .iter()
            .filter(|i| review.verdict(&i.key()).is_some_and(|r| r.review.verdict == v))
            .count()
    };
    let carried = review
        .items
        .iter()
        .filter(|i| review.verdict(&i.key()).is_some_and(|r| r.carried_from_round.is_some()))
        .count();
    let _ = writeln!(
        out,
        "  {} items: {} accepted, {} queried, {} not accepted, {} not reviewed ({carried} verdicts carried from earlier rounds)",
        review.items.len(),
        count(Verdict::Accepted),
        count(Verdict::Query),
        count(Verdict::NotAccepted),
        review.unreviewed(),
    );
    if let Some(changed) = &review.changed {
        let _ = writeln!(out, "  {} items changed since round {}", changed.len(), s.round - 1);
    }
    for item in review.items.iter().filter(|i| i.rag == Rag::Red) {
        let verdict = review.verdict(&item.key());
        let decision = verdict
            .and_then(|v| v.review.decision)
            .map_or("no decision yet", |d| d.label());
        let _ = writeln!(out, "  red {} ({}): {decision}", item.id, item.sheet);
        for c in verdict.map(|v| v.review.conditions.as_slice()).unwrap_or_default() {
            let _ = writeln!(out, "    condition: {} (due {})", c.text, c.due);
        }
    }
    if status == RoundStatus::Submitted {
        if review.blockers.is_empty() {
            let _ = writeln!(out, "  nothing stops it being accepted");
        } else {
            let _ = writeln!(out, "  what stops it being accepted:");
            for b in &review.blockers {
                let _ = writeln!(out, "    - {}", b.message());
            }
        }
    }
    out
}
