//! Reminders before anything lapses, and the "upcoming" list that shows the same dates.
//!
//! A [`Subject`] is one dated obligation (a product's DSPT, its penetration test, a red item's
//! mitigation target date, a certificate condition, a round's review response, an agreement
//! waiting for acceptance, an uplift's due date). Each has a date and **thresholds** around it
//! (30, 7 and 1 days before; on the day; overdue; pending for 7 days). [`Subject::reminder`] says
//! which reminder is due on `today`: the latest threshold reached, so a scheduler that was down
//! for a week sends the one reminder that still makes sense, not every one it missed. A reminder
//! is named by its subject's [`key`](Subject::key) and its [`Threshold::code`]: the store records
//! that pair, so each reminder is sent once per subject and threshold.
//!
//! [`Subject::upcoming`] is what a dashboard lists (the next 30 days, and anything overdue) from
//! the same dates and rules, so the list and the reminders cannot disagree. The DSPT and the
//! penetration test are judged by `check`'s own rules ([`dspt_published_rule`],
//! [`penetration_test_rule`]): one source of truth for "current".

use time::{Date, Duration, Month};

use crate::check::{dspt_period_start, dspt_published_rule, penetration_test_rule};

/// How far ahead the upcoming list looks.
pub const UPCOMING_DAYS: i64 = 30;

/// One dated obligation and the facts a reminder about it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A SCAL's DSPT, as its information sheet gives the publication date.
    Dspt {
        scal_id: String,
        product: String,
        published: Date,
    },
    /// A SCAL's last penetration test, as its information sheet gives it.
    PenetrationTest {
        scal_id: String,
        product: String,
        tested_on: Date,
    },
    /// A red item's mitigation, due in place by its target date.
    RedMitigation {
        scal_id: String,
        product: String,
        sheet: String,
        requirement_id: String,
        target: Date,
    },
    /// A certificate condition (not yet confirmed met by NHS England). `met`: the supplier says it
    /// is met, so it waits on NHS England.
    Condition {
        condition_id: String,
        product: String,
        text: String,
        due: Date,
        met: bool,
    },
    /// NHS England's response to a submitted round.
    ReviewResponse {
        submission_id: String,
        product: String,
        round: i64,
        due: Date,
    },
    /// A connection agreement prepared and not yet accepted.
    AgreementAcceptance {
        agreement_id: String,
        product: String,
        reference: String,
        prepared_on: Date,
    },
    /// An uplift to a new template version, due by `due` (who is told is given with it).
    Uplift { key: String, product: String, due: Date },
}

/// Who a reminder is for; the application resolves it to people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// The product's supplier: its active users (administrators and contributors).
    Supplier,
    /// NHS England: the round's assigned reviewer, else the reviewers of the SCAL's services
    /// (else every reviewer).
    Reviewers,
    /// The agreement's named signatory.
    Signatory,
    /// Whoever the subject's provider named (an uplift's recipients).
    Named,
}

/// When a reminder goes out, relative to its subject's date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threshold {
    DaysBefore(i64),
    OnTheDay,
    /// The day after the date, and later.
    Overdue,
    /// Still waiting this many days after the date.
    PendingFor(i64),
}

impl Threshold {
    /// The stable name stored with each sent reminder.
    pub fn code(self) -> String {
        match self {
            Self::DaysBefore(days) => format!("{days}-days-before"),
            Self::OnTheDay => "on-the-day".into(),
            Self::Overdue => "overdue".into(),
            Self::PendingFor(days) => format!("pending-{days}-days"),
        }
    }

    /// The first day this threshold is reached for an obligation dated `date`.
    pub fn from(self, date: Date) -> Date {
        match self {
            Self::DaysBefore(days) => date - Duration::days(days),
            Self::OnTheDay => date,
            Self::Overdue => date + Duration::days(1),
            Self::PendingFor(days) => date + Duration::days(days),
        }
    }
}

/// A reminder due today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub key: String,
    pub threshold: Threshold,
    pub audience: Audience,
    /// The email's subject line.
    pub subject: String,
    pub message: String,
}

/// One line of the upcoming list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Upcoming {
    pub key: String,
    /// The date it falls due (for an overdue DSPT, the deadline it missed).
    pub on: Date,
    pub overdue: bool,
    #[serde(skip)]
    pub audience: Audience,
    pub what: String,
}

/// The 30 June deadline on or after `today`.
pub fn dspt_deadline(today: Date) -> Date {
    let this_year = Date::from_calendar_date(today.year(), Month::June, 30).unwrap_or(today);
    if today <= this_year {
        this_year
    } else {
        Date::from_calendar_date(today.year() + 1, Month::June, 30).unwrap_or(today)
    }
}

/// A DSPT published on `published` is *at risk* on `today` when it predates the current
/// assessment period (`check`'s own rule: the deadline passed without a new publication). A
/// derived flag: dashboards and the certificate view show it; nothing stores it.
pub fn dspt_at_risk(published: Date, today: Date) -> bool {
    published <= today && dspt_published_rule(published, today, false).is_some()
}

/// Whether a DSPT published on `published` needs publishing again by `deadline`: by `check`'s
/// rule, it would not be current on that day.
fn dspt_due_by(published: Date, deadline: Date) -> bool {
    published < dspt_period_start(deadline)
}

/// The last day a penetration test done on `tested_on` is within 12 months, by `check`'s rule:
/// the day it is 12 months old.
pub fn penetration_test_last_day(tested_on: Date) -> Date {
    let mut last = tested_on + Duration::days(364);
    while penetration_test_rule(tested_on, last + Duration::days(1)).is_none() {
        last += Duration::days(1);
    }
    last
}

const BEFORE_ON_OVERDUE: [Threshold; 3] = [Threshold::DaysBefore(7), Threshold::OnTheDay, Threshold::Overdue];

impl Subject {
    /// The subject's stable name on `today` (a DSPT's names the deadline year, so each year's
    /// reminders are new; a penetration test's names the test date, so a new test starts again).
    pub fn key(&self, today: Date) -> String {
        match self {
            Self::Dspt { scal_id, .. } => format!("dspt:{scal_id}:{}", dspt_deadline(today).year()),
            Self::PenetrationTest { scal_id, tested_on, .. } => format!("pentest:{scal_id}:{tested_on}"),
            Self::RedMitigation {
                scal_id,
                sheet,
                requirement_id,
                target,
                ..
            } => format!("red:{scal_id}:{sheet}:{requirement_id}:{target}"),
            Self::Condition { condition_id, due, .. } => format!("condition:{condition_id}:{due}"),
            Self::ReviewResponse { submission_id, .. } => format!("review:{submission_id}"),
            Self::AgreementAcceptance { agreement_id, .. } => format!("agreement:{agreement_id}"),
            Self::Uplift { key, due, .. } => format!("uplift:{key}:{due}"),
        }
    }

    pub fn audience(&self) -> Audience {
        match self {
            Self::Dspt { .. } | Self::PenetrationTest { .. } | Self::RedMitigation { .. } => Audience::Supplier,
            Self::Condition { met: false, .. } => Audience::Supplier,
            Self::Condition { met: true, .. } | Self::ReviewResponse { .. } => Audience::Reviewers,
            Self::AgreementAcceptance { .. } => Audience::Signatory,
            Self::Uplift { .. } => Audience::Named,
        }
    }

    /// The date the thresholds count from, and the thresholds, on `today`; `None` when nothing
    /// is owed (a DSPT already current for the coming deadline).
    fn schedule(&self, today: Date) -> Option<(Date, &'static [Threshold])> {
        match self {
            Self::Dspt { published, .. } => {
                let deadline = dspt_deadline(today);
                dspt_due_by(*published, deadline).then_some((
                    deadline,
                    &[
                        Threshold::DaysBefore(30),
                        Threshold::DaysBefore(7),
                        Threshold::DaysBefore(1),
                    ][..],
                ))
            }
            Self::PenetrationTest { tested_on, .. } => Some((
                penetration_test_last_day(*tested_on),
                &[Threshold::DaysBefore(30), Threshold::OnTheDay][..],
            )),
            Self::RedMitigation { target, .. } => Some((*target, &BEFORE_ON_OVERDUE[..])),
            Self::Condition { due, .. } => Some((*due, &BEFORE_ON_OVERDUE[..])),
            Self::ReviewResponse { due, .. } => Some((*due, &[Threshold::OnTheDay, Threshold::Overdue][..])),
            Self::AgreementAcceptance { prepared_on, .. } => Some((*prepared_on, &[Threshold::PendingFor(7)][..])),
            Self::Uplift { due, .. } => Some((
                *due,
                &[Threshold::DaysBefore(30), Threshold::DaysBefore(7), Threshold::OnTheDay][..],
            )),
        }
    }

    /// The reminder due on `today`: the latest threshold reached (each lasts until the next one;
    /// the last, for ever), or `None` before the first.
    pub fn reminder(&self, today: Date) -> Option<Reminder> {
        let (date, thresholds) = self.schedule(today)?;
        let threshold = thresholds.iter().rev().find(|t| t.from(date) <= today).copied()?;
        let (subject, message) = self.words(date, threshold, today);
        Some(Reminder {
            key: self.key(today),
            threshold,
            audience: self.audience(),
            subject,
            message,
        })
    }

    /// What the upcoming list shows on `today`: the obligation when it falls due within
    /// [`UPCOMING_DAYS`] or is overdue (a DSPT at risk, a penetration test more than 12 months
    /// old, a date passed); `None` otherwise.
    pub fn upcoming(&self, today: Date) -> Option<Upcoming> {
        let horizon = today + Duration::days(UPCOMING_DAYS);
        let (on, what) = match self {
            Self::Dspt { product, published, .. } => {
                if dspt_at_risk(*published, today) {
                    let missed = dspt_period_start(today) + Duration::days(364);
                    let missed = Date::from_calendar_date(missed.year(), Month::June, 30).unwrap_or(missed);
                    (
                        missed,
                        format!("{product}: DSPT at risk, the one on record ({published}) predates the current assessment period"),
                    )
                } else {
                    let (deadline, _) = self.schedule(today)?;
                    (deadline, format!("{product}: publish this year's DSPT assessment"))
                }
            }
            Self::PenetrationTest { product, tested_on, .. } => (
                penetration_test_last_day(*tested_on),
                format!("{product}: penetration test of {tested_on} is 12 months old"),
            ),
            Self::RedMitigation {
                product,
                requirement_id,
                ..
            } => {
                let (date, _) = self.schedule(today)?;
                (
                    date,
                    format!("{product}: mitigation for {requirement_id} to be in place"),
                )
            }
            Self::Condition { product, text, met, .. } => {
                let (date, _) = self.schedule(today)?;
                let what = if *met {
                    format!("{product}: confirm the condition \"{text}\" is met")
                } else {
                    format!("{product}: certificate condition \"{text}\"")
                };
                (date, what)
            }
            Self::ReviewResponse {
                product, round, due, ..
            } => (*due, format!("{product}: respond to round {round}")),
            Self::AgreementAcceptance {
                product,
                reference,
                prepared_on,
                ..
            } => (
                Threshold::PendingFor(7).from(*prepared_on),
                format!("{product}: accept connection agreement {reference}"),
            ),
            Self::Uplift { product, due, .. } => (*due, format!("{product}: uplift to the new template version")),
        };
        (on <= horizon).then(|| Upcoming {
            key: self.key(today),
            on,
            overdue: on < today,
            audience: self.audience(),
            what,
        })
    }

    /// The email's subject and the message, each saying where the date stands (so every
    /// threshold's message differs).
    fn words(&self, date: Date, threshold: Threshold, today: Date) -> (String, String) {
        // Worded from the days really left: a reminder sent late (the scheduler was down, or an
        // obligation made inside its first threshold) says so truthfully.
        let left = (date - today).whole_days();
        let when = match threshold {
            Threshold::DaysBefore(_) if left <= 0 => format!("due today, {date}"),
            Threshold::DaysBefore(_) if left == 1 => format!("due tomorrow, {date}"),
            Threshold::DaysBefore(_) => format!("due in {left} days, on {date}"),
            Threshold::OnTheDay => format!("due today, {date}"),
            Threshold::Overdue => format!("overdue since {date}"),
            Threshold::PendingFor(days) => format!("waiting for {days} days"),
        };
        match self {
            Self::Dspt { product, published, .. } => (
                format!("DSPT {when}: {product}"),
                format!(
                    "This year's Data Security and Protection Toolkit assessment for {product} is {when}: \
                     the one on record ({published}) will then predate the assessment period"
                ),
            ),
            Self::PenetrationTest { product, tested_on, .. } => (
                format!("Penetration test renewal {when}: {product}"),
                format!(
                    "The penetration test of {product} on {tested_on} is 12 months old on {date}: a new test is {when}"
                ),
            ),
            Self::RedMitigation {
                product,
                sheet,
                requirement_id,
                ..
            } => (
                format!("Mitigation {when}: {product}"),
                format!("The mitigation for {requirement_id} ({sheet}) of {product} is {when}"),
            ),
            Self::Condition { product, text, met, .. } => (
                format!("Certificate condition {when}: {product}"),
                if *met {
                    format!(
                        "The supplier says the condition \"{text}\" on {product}'s certificate is met: confirming it is {when}"
                    )
                } else {
                    format!(
                        "The condition \"{text}\" on {product}'s certificate is {when}: an overdue condition suspends the certificate"
                    )
                },
            ),
            Self::ReviewResponse { product, round, .. } => (
                format!("Review response {when}: {product}"),
                format!("NHS England's response to round {round} of {product} is {when}"),
            ),
            Self::AgreementAcceptance { product, reference, .. } => (
                format!("Connection agreement {reference} waiting for you: {product}"),
                format!("Connection agreement {reference} for {product} has been {when} for your acceptance"),
            ),
            Self::Uplift { product, .. } => (
                format!("Uplift {when}: {product}"),
                format!("The uplift of {product}'s SCAL to the new template version is {when}"),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn dspt(published: Date) -> Subject {
        Subject::Dspt {
            scal_id: "s1".into(),
            product: "Acme PAS".into(),
            published,
        }
    }

    /// The threshold codes sent when the scheduler runs every day from `from` to `to`, once each
    /// (as the store's unique key makes it).
    fn sent_daily(subject: &Subject, from: Date, to: Date) -> Vec<(Date, String, String)> {
        let mut sent: Vec<(Date, String, String)> = Vec::new();
        let mut day = from;
        while day <= to {
            if let Some(r) = subject.reminder(day) {
                if !sent.iter().any(|(_, k, t)| *k == r.key && *t == r.threshold.code()) {
                    sent.push((day, r.key, r.threshold.code()));
                }
            }
            day += Duration::days(1);
        }
        sent
    }

    #[test]
    fn dspt_reminders_go_30_7_and_1_days_before_30_june_when_the_one_on_record_will_be_out_of_date() {
        let sent = sent_daily(
            &dspt(date!(2025 - 03 - 01)),
            date!(2026 - 01 - 01),
            date!(2026 - 12 - 31),
        );
        assert_eq!(
            sent,
            vec![
                (date!(2026 - 05 - 31), "dspt:s1:2026".into(), "30-days-before".into()),
                (date!(2026 - 06 - 23), "dspt:s1:2026".into(), "7-days-before".into()),
                (date!(2026 - 06 - 29), "dspt:s1:2026".into(), "1-days-before".into()),
            ]
        );
        // Published in the new period (after 1 July 2025): nothing is owed by 30 June 2026...
        assert!(dspt(date!(2025 - 07 - 01)).reminder(date!(2026 - 06 - 29)).is_none());
        // ...but it is by 30 June 2027.
        let r = dspt(date!(2025 - 07 - 01)).reminder(date!(2027 - 06 - 23)).unwrap();
        assert_eq!(
            (r.key.as_str(), r.threshold),
            ("dspt:s1:2027", Threshold::DaysBefore(7))
        );
        assert_eq!(r.audience, Audience::Supplier);
        assert!(r.message.contains("2027-06-30"), "{}", r.message);
    }

    #[test]
    fn a_dspt_is_at_risk_after_30_june_when_it_predates_the_new_period() {
        let published = date!(2025 - 03 - 01);
        assert!(!dspt_at_risk(published, date!(2026 - 06 - 29)));
        assert!(
            dspt_at_risk(published, date!(2026 - 06 - 30)),
            "the new period starts on the deadline"
        );
        assert!(dspt_at_risk(published, date!(2026 - 09 - 01)));
        assert!(!dspt_at_risk(date!(2026 - 06 - 15), date!(2026 - 09 - 01)));
        let at_risk = dspt(published).upcoming(date!(2026 - 07 - 02)).unwrap();
        assert!(at_risk.overdue);
        assert_eq!(at_risk.on, date!(2026 - 06 - 30));
        assert!(at_risk.what.contains("at risk"), "{}", at_risk.what);
        // Before the deadline, it is upcoming within 30 days and not before.
        assert!(dspt(published).upcoming(date!(2026 - 05 - 30)).is_none());
        let soon = dspt(published).upcoming(date!(2026 - 06 - 01)).unwrap();
        assert_eq!((soon.on, soon.overdue), (date!(2026 - 06 - 30), false));
    }

    #[test]
    fn penetration_test_reminders_go_30_days_before_it_is_12_months_old_and_on_the_day() {
        let subject = Subject::PenetrationTest {
            scal_id: "s1".into(),
            product: "Acme PAS".into(),
            tested_on: date!(2026 - 03 - 01),
        };
        assert_eq!(penetration_test_last_day(date!(2026 - 03 - 01)), date!(2027 - 03 - 01));
        // The same day check's rule says it is still within 12 months, and the next it is not.
        assert!(penetration_test_rule(date!(2026 - 03 - 01), date!(2027 - 03 - 01)).is_none());
        assert!(penetration_test_rule(date!(2026 - 03 - 01), date!(2027 - 03 - 02)).is_some());
        let sent = sent_daily(&subject, date!(2026 - 03 - 01), date!(2027 - 12 - 31));
        let days: Vec<(Date, &str)> = sent.iter().map(|(d, _, t)| (*d, t.as_str())).collect();
        assert_eq!(
            days,
            vec![
                (date!(2027 - 01 - 30), "30-days-before"),
                (date!(2027 - 03 - 01), "on-the-day")
            ]
        );
        // A leap day's test is 12 months old on 28 February the next year, by the rule.
        assert_eq!(
            penetration_test_last_day(date!(2028 - 02 - 29)),
            date!(2029 - 03 - 01) - Duration::days(1)
        );
        let overdue = subject.upcoming(date!(2027 - 04 - 01)).unwrap();
        assert!(overdue.overdue);
    }

    #[test]
    fn red_mitigations_and_conditions_are_reminded_7_days_before_on_the_day_and_when_overdue() {
        let red = Subject::RedMitigation {
            scal_id: "s1".into(),
            product: "Acme PAS".into(),
            sheet: "GP Connect".into(),
            requirement_id: "GPCM-C-1".into(),
            target: date!(2027 - 03 - 31),
        };
        let sent = sent_daily(&red, date!(2026 - 11 - 24), date!(2027 - 11 - 24));
        let days: Vec<(Date, &str)> = sent.iter().map(|(d, _, t)| (*d, t.as_str())).collect();
        assert_eq!(
            days,
            vec![
                (date!(2027 - 03 - 24), "7-days-before"),
                (date!(2027 - 03 - 31), "on-the-day"),
                (date!(2027 - 04 - 01), "overdue"),
            ]
        );
        let condition = |met| Subject::Condition {
            condition_id: "c1".into(),
            product: "Acme PAS".into(),
            text: "Confirm the MESH mailbox".into(),
            due: date!(2027 - 01 - 10),
            met,
        };
        let sent = sent_daily(&condition(false), date!(2026 - 11 - 24), date!(2027 - 11 - 24));
        assert_eq!(sent.len(), 3);
        assert_eq!(condition(false).audience(), Audience::Supplier);
        assert_eq!(
            condition(true).audience(),
            Audience::Reviewers,
            "met: NHS England is to confirm"
        );
        // A scheduler down for a week sends only the reminder that still makes sense.
        let late = condition(false).reminder(date!(2027 - 01 - 20)).unwrap();
        assert_eq!(late.threshold, Threshold::Overdue);
        assert!(late.message.contains("suspends"), "{}", late.message);
    }

    #[test]
    fn review_responses_are_reminded_on_the_day_and_when_overdue_to_reviewers() {
        let review = Subject::ReviewResponse {
            submission_id: "r1".into(),
            product: "Acme PAS".into(),
            round: 1,
            due: date!(2026 - 12 - 01),
        };
        assert!(review.reminder(date!(2026 - 11 - 30)).is_none());
        let sent = sent_daily(&review, date!(2026 - 11 - 24), date!(2027 - 11 - 24));
        let days: Vec<(Date, &str)> = sent.iter().map(|(d, _, t)| (*d, t.as_str())).collect();
        assert_eq!(
            days,
            vec![
                (date!(2026 - 12 - 01), "on-the-day"),
                (date!(2026 - 12 - 02), "overdue")
            ]
        );
        assert_eq!(review.audience(), Audience::Reviewers);
        let upcoming = review.upcoming(date!(2026 - 11 - 24)).unwrap();
        assert_eq!((upcoming.on, upcoming.overdue), (date!(2026 - 12 - 01), false));
    }

    #[test]
    fn an_agreement_still_waiting_after_7_days_is_reminded_to_its_signatory_once() {
        let agreement = Subject::AgreementAcceptance {
            agreement_id: "a1".into(),
            product: "Acme PAS".into(),
            reference: "CNTR0000001".into(),
            prepared_on: date!(2026 - 11 - 24),
        };
        assert!(agreement.reminder(date!(2026 - 11 - 30)).is_none());
        let sent = sent_daily(&agreement, date!(2026 - 11 - 24), date!(2027 - 11 - 24));
        let days: Vec<(Date, &str)> = sent.iter().map(|(d, _, t)| (*d, t.as_str())).collect();
        assert_eq!(days, vec![(date!(2026 - 12 - 01), "pending-7-days")]);
        assert_eq!(agreement.audience(), Audience::Signatory);
    }

    #[test]
    fn uplifts_are_reminded_30_and_7_days_before_and_on_the_day_to_those_named() {
        let uplift = Subject::Uplift {
            key: "u1".into(),
            product: "Acme PAS".into(),
            due: date!(2027 - 02 - 01),
        };
        let sent = sent_daily(&uplift, date!(2026 - 11 - 24), date!(2027 - 11 - 24));
        let codes: Vec<&str> = sent.iter().map(|(_, _, t)| t.as_str()).collect();
        assert_eq!(codes, ["30-days-before", "7-days-before", "on-the-day"]);
        assert_eq!(uplift.audience(), Audience::Named);
        // Sent late (inside the 7-day threshold, two days before): worded from the days left.
        let late = uplift.reminder(date!(2027 - 01 - 30)).unwrap();
        assert!(late.subject.contains("due in 2 days"), "{}", late.subject);
        assert!(uplift
            .reminder(date!(2027 - 01 - 31))
            .unwrap()
            .subject
            .contains("due tomorrow"));
    }

    #[test]
    fn the_upcoming_list_looks_30_days_ahead_and_keeps_what_is_overdue() {
        let red = |target| Subject::RedMitigation {
            scal_id: "s1".into(),
            product: "Acme PAS".into(),
            sheet: "GP Connect".into(),
            requirement_id: "GPCM-C-1".into(),
            target,
        };
        let today = date!(2026 - 11 - 24);
        assert!(red(date!(2026 - 12 - 25)).upcoming(today).is_none(), "31 days ahead");
        assert!(!red(date!(2026 - 12 - 24)).upcoming(today).unwrap().overdue);
        assert!(red(date!(2026 - 11 - 23)).upcoming(today).unwrap().overdue);
        // The list's key is the reminder's key: one subject, one name.
        let subject = red(date!(2026 - 11 - 30));
        assert_eq!(
            subject.upcoming(today).unwrap().key,
            subject.reminder(today).unwrap().key
        );
    }
}
