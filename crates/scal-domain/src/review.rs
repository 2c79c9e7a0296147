//! NHS England's review of a submitted round: when a response is due (a number of working days
//! after it was submitted, 5 by default, skipping weekends and bank holidays in England and Wales
//! from a bundled list the operator can replace), the verdict on each item and the decision on a
//! red item's explanation and mitigation, and what stops a round being accepted.

use std::collections::HashMap;

use time::{Date, Weekday};

use crate::template::Rag;
use crate::{FieldError, Invalid};

/// The bank holidays bundled with scal (see `data/bank-holidays-england-and-wales.txt`).
const BUNDLED: &str = include_str!("../data/bank-holidays-england-and-wales.txt");

/// Working days NHS England has to respond to a submitted round, unless configured otherwise.
pub const DEFAULT_RESPONSE_DAYS: u32 = 5;

/// Days that are not working days besides weekends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankHolidays(Vec<Date>);

impl BankHolidays {
    /// The bundled list.
    pub fn bundled() -> Self {
        // The bundled file is tested below, so it always parses.
        Self::parse(BUNDLED).unwrap_or(Self(Vec::new()))
    }

    /// A list in the bundled file's format: one `YYYY-MM-DD` per line, `#` comments, blank lines.
    /// A line that is not a date is refused, naming it.
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let mut dates = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let date = Date::parse(line, &format).map_err(|_| {
                FieldError::new(
                    "bank_holidays",
                    format!("line {}: {line:?} is not a date like 2026-12-25", n + 1),
                )
            })?;
            dates.push(date);
        }
        dates.sort();
        dates.dedup();
        Ok(Self(dates))
    }

    pub fn contains(&self, date: Date) -> bool {
        self.0.binary_search(&date).is_ok()
    }

    /// The last date the list knows about: beyond it only weekends are skipped.
    pub fn last(&self) -> Option<Date> {
        self.0.last().copied()
    }
}

/// Whether people work on `date`: not a Saturday, a Sunday or a bank holiday.
pub fn is_working_day(date: Date, holidays: &BankHolidays) -> bool {
    !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) && !holidays.contains(date)
}

/// The day a response to a round submitted on `submitted` is due: `days` working days later (a
/// round submitted on a Friday with 5 days is due the next Friday; over Easter, later).
pub fn due_date(submitted: Date, days: u32, holidays: &BankHolidays) -> Date {
    let mut date = submitted;
    let mut left = days;
    while left > 0 {
        match date.next_day() {
            Some(next) => date = next,
            None => return date,
        }
        if is_working_day(date, holidays) {
            left -= 1;
        }
    }
    date
}

/// Whether a response due on `due` is late on `today`.
pub fn overdue(due: Date, today: Date) -> bool {
    today > due
}

/// Where a submitted round stands. Stored as its code; decided once (returned, accepted or
/// withdrawn), never changed after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundStatus {
    /// With NHS England, waiting for a decision: the supplier cannot change the SCAL.
    Submitted,
    /// NHS England asked for changes.
    Returned,
    /// NHS England accepted it: this round is the accepted SCAL.
    Accepted,
    /// The supplier took it back before a decision.
    Withdrawn,
}

impl RoundStatus {
    pub const ALL: [Self; 4] = [Self::Submitted, Self::Returned, Self::Accepted, Self::Withdrawn];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Returned => "returned",
            Self::Accepted => "accepted",
            Self::Withdrawn => "withdrawn",
        }
    }

    /// A stored code; anything else is not a round status.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Submitted => "With NHS England",
            Self::Returned => "Returned",
            Self::Accepted => "Accepted",
            Self::Withdrawn => "Withdrawn",
        }
    }
}

/// A reviewer's verdict on one item of a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Accepted,
    /// The reviewer needs the supplier to explain or change something.
    Query,
    NotAccepted,
}

impl Verdict {
    pub const ALL: [Self; 3] = [Self::Accepted, Self::Query, Self::NotAccepted];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Query => "query",
            Self::NotAccepted => "not_accepted",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Accepted => "Accepted",
            Self::Query => "Query",
            Self::NotAccepted => "Not accepted",
        }
    }

    /// Its code or its label, in any case (a reviewer's workbook holds labels).
    pub fn parse(raw: &str) -> Option<Self> {
        let key = loose(raw);
        Self::ALL
            .into_iter()
            .find(|v| loose(v.as_str()) == key || loose(v.label()) == key)
    }

    /// The verdicts an item of this colour can take: an amber item is accepted or queried, never
    /// refused outright (its SHOULD allows a justified No).
    pub fn allowed_for(rag: Rag) -> &'static [Self] {
        match rag {
            Rag::Amber => &[Self::Accepted, Self::Query],
            _ => &Self::ALL,
        }
    }
}

/// NHS England's decision on a red item's explanation and mitigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Agreed,
    /// Agreed, with conditions the supplier must meet by their dates (they go on the
    /// certificate).
    AgreedWithConditions,
    NotAgreed,
}

impl Decision {
    pub const ALL: [Self; 3] = [Self::Agreed, Self::AgreedWithConditions, Self::NotAgreed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Agreed => "agreed",
            Self::AgreedWithConditions => "agreed_with_conditions",
            Self::NotAgreed => "not_agreed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Agreed => "Agreed",
            Self::AgreedWithConditions => "Agreed with conditions",
            Self::NotAgreed => "Not agreed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        let key = loose(raw);
        Self::ALL
            .into_iter()
            .find(|d| loose(d.as_str()) == key || loose(d.label()) == key)
    }

    /// The supplier's explanation and mitigation stand (with or without conditions).
    pub fn agreed(self) -> bool {
        self != Self::NotAgreed
    }
}

/// Lower case letters and digits only, so `Not accepted`, `not_accepted` and `NOT-ACCEPTED` match.
fn loose(raw: &str) -> String {
    raw.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Something the supplier must do by a date for a red item to stay agreed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Condition {
    pub text: String,
    pub due: Date,
}

/// A verdict as recorded: what the reviewer said about one item.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ItemReview {
    pub verdict: Verdict,
    pub comment: Option<String>,
    /// Only on a red item, where it is required.
    pub decision: Option<Decision>,
    /// Only with `AgreedWithConditions`, where there is at least one.
    pub conditions: Vec<Condition>,
}

impl ItemReview {
    /// The earliest of its conditions already past due on `today`, if any. Such a verdict is not
    /// carried into a new round and blocks acceptance: its condition needs a new date.
    pub fn past_due(&self, today: Date) -> Option<Date> {
        self.conditions.iter().map(|c| c.due).filter(|due| *due < today).min()
    }
}

/// A verdict as typed or sent: every field raw, so every problem is reported at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemReviewInput<'a> {
    pub verdict: &'a str,
    pub comment: &'a str,
    pub decision: &'a str,
    /// Each condition's text and due date as typed; wholly blank pairs are ignored (a form has
    /// spare rows).
    pub conditions: Vec<(&'a str, &'a str)>,
}

/// Parses a verdict on an item of colour `rag`, as of `today`: the one rule for what a verdict may
/// say, whether it comes from the review page, the API or a reviewer's workbook.
///
/// - the verdict is required, and an amber item is accepted or queried;
/// - a query or not accepted says why (the comment is what the supplier reads);
/// - a red item needs a decision on its explanation and mitigation, and no other item takes one;
/// - a red item cannot be accepted with its mitigation not agreed;
/// - agreed with conditions needs at least one condition, each with text and a due date that is
///   not in the past; no other decision takes conditions.
pub fn parse_item_review(rag: Rag, input: &ItemReviewInput<'_>, today: Date) -> Result<ItemReview, Invalid> {
    let mut invalid = Invalid::default();
    let verdict = match input.verdict.trim() {
        "" => {
            invalid.0.push(FieldError::new("verdict", "Choose a verdict"));
            None
        }
        raw => match Verdict::parse(raw) {
            Some(v) if Verdict::allowed_for(rag).contains(&v) => Some(v),
            Some(_) => {
                invalid.0.push(FieldError::new(
                    "verdict",
                    "Accept or query an amber item: its level allows a justified No, so it cannot be refused outright",
                ));
                None
            }
            None => {
                invalid.0.push(FieldError::new(
                    "verdict",
                    format!("{raw:?} is not a verdict: use accepted, query or not accepted"),
                ));
                None
            }
        },
    };
    let comment = invalid
        .check(crate::field::optional_text(
            "comment",
            "a comment",
            input.comment,
            10_000,
        ))
        .filter(|c| !c.is_empty());
    if let Some(v @ (Verdict::Query | Verdict::NotAccepted)) = verdict {
        if comment.is_none() {
            invalid.0.push(FieldError::new(
                "comment",
                format!(
                    "Say what the supplier needs to do: {} needs a comment",
                    match v {
                        Verdict::Query => "a query",
                        _ => "an item not accepted",
                    }
                ),
            ));
        }
    }
    let decision = match (input.decision.trim(), rag) {
        ("", Rag::Red) => {
            invalid.0.push(FieldError::new(
                "decision",
                "Decide on the supplier's explanation and mitigation: this is a red item",
            ));
            None
        }
        ("", _) => None,
        (_, rag) if rag != Rag::Red => {
            invalid.0.push(FieldError::new(
                "decision",
                "Only a red item takes a decision on its explanation and mitigation",
            ));
            None
        }
        (raw, _) => match Decision::parse(raw) {
            Some(d) => Some(d),
            None => {
                invalid.0.push(FieldError::new(
                    "decision",
                    format!("{raw:?} is not a decision: use agreed, agreed with conditions or not agreed"),
                ));
                None
            }
        },
    };
    if verdict == Some(Verdict::Accepted) && decision == Some(Decision::NotAgreed) {
        invalid.0.push(FieldError::new(
            "verdict",
            "A red item whose mitigation is not agreed cannot be accepted",
        ));
    }
    let typed: Vec<(usize, &str, &str)> = input
        .conditions
        .iter()
        .enumerate()
        .map(|(i, (text, due))| (i + 1, text.trim(), due.trim()))
        .filter(|(_, text, due)| !text.is_empty() || !due.is_empty())
        .collect();
    let mut conditions = Vec::new();
    match decision {
        Some(Decision::AgreedWithConditions) if typed.is_empty() => invalid.0.push(FieldError::new(
            "conditions",
            "Give at least one condition, with its due date",
        )),
        Some(Decision::AgreedWithConditions) => {
            for (n, text, due) in typed {
                let text = invalid.check(crate::field::required_text(
                    &format!("conditions[{n}].text"),
                    &format!("what condition {n} asks for"),
                    text,
                    2_000,
                ));
                let due = if due.is_empty() {
                    invalid.0.push(FieldError::new(
                        format!("conditions[{n}].due"),
                        format!("Enter the date condition {n} is due"),
                    ));
                    None
                } else {
                    match crate::check::read_date(due) {
                        Ok(read) if read.date < today => {
                            invalid.0.push(FieldError::new(
                                format!("conditions[{n}].due"),
                                format!("Condition {n} cannot be due in the past"),
                            ));
                            None
                        }
                        Ok(read) => Some(read.date),
                        Err(e) => {
                            invalid
                                .0
                                .push(FieldError::new(format!("conditions[{n}].due"), e.message));
                            None
                        }
                    }
                };
                if let (Some(text), Some(due)) = (text, due) {
                    conditions.push(Condition { text, due });
                }
            }
        }
        _ if !typed.is_empty() => invalid.0.push(FieldError::new(
            "conditions",
            "Only a decision of agreed with conditions takes conditions",
        )),
        _ => {}
    }
    invalid.finish(|| {
        Some(ItemReview {
            verdict: verdict?,
            comment,
            decision,
            conditions,
        })
    })
}

/// One item of a submitted round: a requirement or information question, keyed by its sheet's
/// name and its ID (IDs are unique within a sheet).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct ItemKey {
    pub sheet: String,
    pub requirement_id: String,
}

impl ItemKey {
    pub fn new(sheet: impl Into<String>, requirement_id: impl Into<String>) -> Self {
        Self {
            sheet: sheet.into(),
            requirement_id: requirement_id.into(),
        }
    }
}

impl std::fmt::Display for ItemKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.requirement_id, self.sheet)
    }
}

/// Why a round cannot be accepted yet: one per item or thread, each naming it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AcceptBlocker {
    NoVerdict {
        item: ItemKey,
    },
    Query {
        item: ItemKey,
    },
    NotAccepted {
        item: ItemKey,
    },
    /// A red item without a decision, or with its mitigation not agreed.
    RedNotAgreed {
        item: ItemKey,
    },
    /// A condition of a red item whose due date has passed: agree a new date first.
    ConditionPastDue {
        item: ItemKey,
        due: Date,
    },
    /// A thread still open or answered but not resolved; `about` is its subject in words.
    UnresolvedThread {
        thread_id: String,
        about: String,
    },
}

impl AcceptBlocker {
    pub fn message(&self) -> String {
        match self {
            Self::NoVerdict { item } => format!("{item} has no verdict yet"),
            Self::Query { item } => format!("{item} has a query"),
            Self::NotAccepted { item } => format!("{item} is not accepted"),
            Self::RedNotAgreed { item } => {
                format!("{item} is red and its explanation and mitigation are not agreed")
            }
            Self::ConditionPastDue { item, due } => {
                format!("{item} has a condition due on {due}, which has passed: agree a new date")
            }
            Self::UnresolvedThread { about, .. } => format!("The thread on {about} is not resolved"),
        }
    }

    /// The item it is about, if any.
    pub fn item(&self) -> Option<&ItemKey> {
        match self {
            Self::NoVerdict { item }
            | Self::Query { item }
            | Self::NotAccepted { item }
            | Self::RedNotAgreed { item }
            | Self::ConditionPastDue { item, .. } => Some(item),
            Self::UnresolvedThread { .. } => None,
        }
    }
}

/// **The** acceptance gate: a round can be accepted only when every item has a verdict, every
/// verdict is accepted, every red item's mitigation is agreed, no condition is already past its
/// date on `today` (it would suspend the certificate at once), and every thread is resolved.
/// `items` are the round's items in order with their colour; `unresolved_threads` the threads not
/// yet resolved as (ID, subject in words).
pub fn accept_blockers(
    items: &[(ItemKey, Rag)],
    reviews: &HashMap<ItemKey, ItemReview>,
    unresolved_threads: &[(String, String)],
    today: Date,
) -> Vec<AcceptBlocker> {
    let mut blockers = Vec::new();
    for (item, rag) in items {
        let Some(review) = reviews.get(item) else {
            blockers.push(AcceptBlocker::NoVerdict { item: item.clone() });
            continue;
        };
        match review.verdict {
            Verdict::Accepted => {}
            Verdict::Query => blockers.push(AcceptBlocker::Query { item: item.clone() }),
            Verdict::NotAccepted => blockers.push(AcceptBlocker::NotAccepted { item: item.clone() }),
        }
        if *rag == Rag::Red && !review.decision.is_some_and(Decision::agreed) {
            blockers.push(AcceptBlocker::RedNotAgreed { item: item.clone() });
        }
        if let Some(due) = review.past_due(today) {
            blockers.push(AcceptBlocker::ConditionPastDue {
                item: item.clone(),
                due,
            });
        }
    }
    blockers.extend(
        unresolved_threads
            .iter()
            .map(|(id, about)| AcceptBlocker::UnresolvedThread {
                thread_id: id.clone(),
                about: about.clone(),
            }),
    );
    blockers
}

/// What a returned round asks the supplier to look at: the items queried or not accepted, in
/// the round's order, with the reviewer's verdict.
pub fn asks<'a>(
    items: &'a [(ItemKey, Rag)],
    reviews: &'a HashMap<ItemKey, ItemReview>,
) -> Vec<(&'a ItemKey, &'a ItemReview)> {
    items
        .iter()
        .filter_map(|(item, _)| reviews.get(item).map(|r| (item, r)))
        .filter(|(_, r)| r.verdict != Verdict::Accepted)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn input<'a>(
        verdict: &'a str,
        comment: &'a str,
        decision: &'a str,
        conditions: Vec<(&'a str, &'a str)>,
    ) -> ItemReviewInput<'a> {
        ItemReviewInput {
            verdict,
            comment,
            decision,
            conditions,
        }
    }

    fn fields(result: Result<ItemReview, Invalid>) -> Vec<String> {
        result.unwrap_err().0.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn verdicts_and_decisions_follow_the_items_colour() {
        let today = date!(2026 - 12 - 01);
        let ok = parse_item_review(Rag::Green, &input("Accepted", "", "", vec![]), today).unwrap();
        assert_eq!(ok.verdict, Verdict::Accepted);
        assert_eq!(ok.comment, None);
        assert_eq!(
            fields(parse_item_review(Rag::Green, &input("", "", "", vec![]), today)),
            ["verdict"]
        );
        assert_eq!(
            fields(parse_item_review(Rag::Green, &input("maybe", "", "", vec![]), today)),
            ["verdict"]
        );
        // Amber: accepted or query, never not accepted.
        assert_eq!(
            fields(parse_item_review(
                Rag::Amber,
                &input("not accepted", "No", "", vec![]),
                today
            )),
            ["verdict"]
        );
        assert!(parse_item_review(Rag::Amber, &input("QUERY", "Why not?", "", vec![]), today).is_ok());
        // A query says why.
        assert_eq!(
            fields(parse_item_review(Rag::Amber, &input("query", " ", "", vec![]), today)),
            ["comment"]
        );
        // Decisions only on red, and required there.
        assert_eq!(
            fields(parse_item_review(
                Rag::Green,
                &input("accepted", "", "agreed", vec![]),
                today
            )),
            ["decision"]
        );
        assert_eq!(
            fields(parse_item_review(Rag::Red, &input("accepted", "", "", vec![]), today)),
            ["decision"]
        );
        assert_eq!(
            fields(parse_item_review(
                Rag::Red,
                &input("accepted", "", "not agreed", vec![]),
                today
            )),
            ["verdict"],
            "a red item cannot be accepted with its mitigation not agreed"
        );
        let red = parse_item_review(
            Rag::Red,
            &input("not_accepted", "Mitigate it", "NOT_AGREED", vec![]),
            today,
        )
        .unwrap();
        assert_eq!(red.decision, Some(Decision::NotAgreed));
    }

    #[test]
    fn conditions_need_text_and_a_date_not_in_the_past_and_only_with_conditions() {
        let today = date!(2026 - 12 - 01);
        let with = |conditions| {
            parse_item_review(
                Rag::Red,
                &input("accepted", "", "agreed with conditions", conditions),
                today,
            )
        };
        assert_eq!(fields(with(vec![])), ["conditions"]);
        assert_eq!(
            fields(with(vec![("", ""), ("  ", "")])),
            ["conditions"],
            "blank rows are not conditions"
        );
        let ok = with(vec![
            ("Pen test the fix", "31/01/2027"),
            ("", ""),
            ("Retrain staff", "2026-12-01"),
        ])
        .unwrap();
        assert_eq!(
            ok.conditions,
            vec![
                Condition {
                    text: "Pen test the fix".into(),
                    due: date!(2027 - 01 - 31)
                },
                Condition {
                    text: "Retrain staff".into(),
                    due: date!(2026 - 12 - 01)
                },
            ]
        );
        assert_eq!(
            fields(with(vec![("Fix", "2026-11-30"), ("", "2027-01-01"), ("Other", "soon")])),
            ["conditions[1].due", "conditions[2].text", "conditions[3].due"]
        );
        assert_eq!(
            fields(parse_item_review(
                Rag::Red,
                &input("accepted", "", "agreed", vec![("Fix", "2027-01-01")]),
                today
            )),
            ["conditions"]
        );
    }

    #[test]
    fn a_round_is_accepted_only_when_every_item_is_accepted_every_red_agreed_and_every_thread_resolved() {
        let a = ItemKey::new("Sheet", "A");
        let b = ItemKey::new("Sheet", "B");
        let r = ItemKey::new("Sheet", "R");
        let items = vec![(a.clone(), Rag::Green), (b.clone(), Rag::Amber), (r.clone(), Rag::Red)];
        let accepted = |decision| ItemReview {
            verdict: Verdict::Accepted,
            comment: None,
            decision,
            conditions: vec![],
        };
        let mut reviews = HashMap::new();
        reviews.insert(a.clone(), accepted(None));
        reviews.insert(
            b.clone(),
            ItemReview {
                verdict: Verdict::Query,
                comment: Some("Why?".into()),
                decision: None,
                conditions: vec![],
            },
        );
        let today = time::macros::date!(2026 - 12 - 01);
        let blockers = accept_blockers(&items, &reviews, &[("t1".into(), "the SCAL as a whole".into())], today);
        assert_eq!(
            blockers,
            vec![
                AcceptBlocker::Query { item: b.clone() },
                AcceptBlocker::NoVerdict { item: r.clone() },
                AcceptBlocker::UnresolvedThread {
                    thread_id: "t1".into(),
                    about: "the SCAL as a whole".into()
                },
            ]
        );
        assert_eq!(blockers[1].message(), "R (Sheet) has no verdict yet");
        assert_eq!(asks(&items, &reviews).len(), 1);
        reviews.insert(b.clone(), accepted(None));
        reviews.insert(r.clone(), accepted(None));
        assert_eq!(
            accept_blockers(&items, &reviews, &[], today),
            vec![AcceptBlocker::RedNotAgreed { item: r.clone() }]
        );
        reviews.insert(r.clone(), accepted(Some(Decision::AgreedWithConditions)));
        assert!(accept_blockers(&items, &reviews, &[], today).is_empty());
        // A condition whose date passed while the round waited blocks: agree a new date.
        let mut late = accepted(Some(Decision::AgreedWithConditions));
        late.conditions.push(Condition {
            text: "Go live".into(),
            due: time::macros::date!(2026 - 11 - 30),
        });
        reviews.insert(r.clone(), late);
        assert_eq!(
            accept_blockers(&items, &reviews, &[], today),
            vec![AcceptBlocker::ConditionPastDue {
                item: r.clone(),
                due: time::macros::date!(2026 - 11 - 30)
            }]
        );
    }

    #[test]
    fn statuses_verdicts_and_decisions_read_back_from_codes_and_labels() {
        for status in RoundStatus::ALL {
            assert_eq!(RoundStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(RoundStatus::parse("lost"), None);
        for verdict in Verdict::ALL {
            assert_eq!(Verdict::parse(verdict.as_str()), Some(verdict));
            assert_eq!(Verdict::parse(verdict.label()), Some(verdict));
        }
        for decision in Decision::ALL {
            assert_eq!(Decision::parse(decision.as_str()), Some(decision));
            assert_eq!(Decision::parse(decision.label()), Some(decision));
        }
        assert_eq!(Verdict::parse("NOT-ACCEPTED"), Some(Verdict::NotAccepted));
    }

    #[test]
    fn the_bundled_list_parses_and_knows_christmas() {
        let holidays = BankHolidays::parse(BUNDLED).unwrap();
        assert!(holidays.contains(date!(2026 - 12 - 25)));
        assert!(holidays.contains(date!(2026 - 12 - 28)), "Boxing Day's substitute");
        assert!(!holidays.contains(date!(2026 - 12 - 26)), "a Saturday: substituted");
        assert_eq!(holidays.last(), Some(date!(2028 - 12 - 26)));
        assert_eq!(BankHolidays::bundled(), holidays);
    }

    #[test]
    fn responses_are_due_in_working_days_skipping_weekends_and_bank_holidays() {
        let holidays = BankHolidays::bundled();
        // Monday 30 November 2026: due Monday 7 December.
        assert_eq!(due_date(date!(2026 - 11 - 30), 5, &holidays), date!(2026 - 12 - 07));
        // Friday: due the next Friday.
        assert_eq!(due_date(date!(2026 - 12 - 04), 5, &holidays), date!(2026 - 12 - 11));
        // Over Christmas 2026 (25th Friday, 28th Monday the substitute for Boxing Day).
        assert_eq!(due_date(date!(2026 - 12 - 22), 5, &holidays), date!(2026 - 12 - 31));
        // Easter 2027 (Good Friday 26 March, Easter Monday 29 March).
        assert_eq!(due_date(date!(2027 - 03 - 24), 5, &holidays), date!(2027 - 04 - 02));
        // Submitted on a Saturday: the count starts on Monday.
        assert_eq!(due_date(date!(2026 - 12 - 05), 1, &holidays), date!(2026 - 12 - 07));
        assert_eq!(due_date(date!(2026 - 12 - 05), 0, &holidays), date!(2026 - 12 - 05));
        assert!(overdue(date!(2026 - 12 - 07), date!(2026 - 12 - 08)));
        assert!(!overdue(date!(2026 - 12 - 07), date!(2026 - 12 - 07)));
    }

    #[test]
    fn an_operators_list_replaces_the_bundled_one_and_bad_lines_are_named() {
        let own = BankHolidays::parse("# ours\n2026-12-01\n\n2026-12-02 # a second\n").unwrap();
        assert_eq!(due_date(date!(2026 - 11 - 30), 1, &own), date!(2026 - 12 - 03));
        let error = BankHolidays::parse("2026-12-01\n1 December\n").unwrap_err();
        assert!(error.message.contains("line 2"), "{}", error.message);
    }
}
