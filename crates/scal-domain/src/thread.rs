//! Question threads in NHS England's review of a SCAL: what a thread is about (an item, a case's
//! onboarding step, or the SCAL as a whole), which side wrote a message, and the thread's state.
//!
//! A thread's state is *derived*, never stored (as the onboarding steps' states are): resolved
//! when NHS England resolved it, answered when the supplier wrote last, open otherwise. So the
//! review page, the API and the acceptance gate cannot disagree about it.

use crate::field::{required_text, trim};
use crate::onboarding::Step;
use crate::policy::Actor;
use crate::{FieldError, Invalid};

/// The longest message (or internal note) accepted, in characters.
pub const MAX_BODY: usize = 10_000;

/// What a thread (or an internal note) is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    /// A requirement or information question on one of the SCAL's sheets, by the sheet's name
    /// (unique in a SCAL, and what submitted snapshots record) and the requirement's ID.
    Item { sheet: String, requirement_id: String },
    /// One of the ten onboarding steps of a service's case, by the service's code.
    Step { service: String, step: Step },
    /// The SCAL as a whole.
    Scal,
}

/// The kind of a [`Subject`], as stored and as the API spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubjectKind {
    Item,
    Step,
    Scal,
}

impl SubjectKind {
    pub const ALL: [SubjectKind; 3] = [Self::Item, Self::Step, Self::Scal];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Item => "item",
            Self::Step => "step",
            Self::Scal => "scal",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        let raw = trim(raw);
        Self::ALL.into_iter().find(|k| k.as_str().eq_ignore_ascii_case(raw))
    }
}

/// A subject in its storage columns: `(kind, sheet, requirement ID, service code, step number)`.
pub type SubjectColumns = (
    &'static str,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
);

/// The step with this number (1 to 10).
pub fn step_numbered(number: i64) -> Option<Step> {
    usize::try_from(number)
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| Step::ALL.get(i).copied())
}

impl Subject {
    pub fn kind(&self) -> SubjectKind {
        match self {
            Self::Item { .. } => SubjectKind::Item,
            Self::Step { .. } => SubjectKind::Step,
            Self::Scal => SubjectKind::Scal,
        }
    }

    /// What the subject is, in plain English: "Requirement GPCM-SD-03 on sheet GP Connect",
    /// "Step 5 (Complete the DSPT) for service GPC-SEND-DOC", "The SCAL as a whole".
    pub fn label(&self) -> String {
        match self {
            Self::Item { sheet, requirement_id } => format!("Requirement {requirement_id} on sheet {sheet}"),
            Self::Step { service, step } => {
                format!("Step {} ({}) for service {service}", step.number(), step.name())
            }
            Self::Scal => "The SCAL as a whole".into(),
        }
    }

    /// The subject as a question asks about it: "GPCM-SD-03", "step 5 for GPC-SEND-DOC", "the
    /// SCAL as a whole".
    pub fn short(&self) -> String {
        match self {
            Self::Item { requirement_id, .. } => requirement_id.clone(),
            Self::Step { service, step } => format!("step {} for {service}", step.number()),
            Self::Scal => "the SCAL as a whole".into(),
        }
    }

    /// The storage columns (the one encoding, read back by [`Subject::from_columns`]).
    pub fn columns(&self) -> SubjectColumns {
        match self {
            Self::Item { sheet, requirement_id } => (
                SubjectKind::Item.as_str(),
                Some(sheet.clone()),
                Some(requirement_id.clone()),
                None,
                None,
            ),
            Self::Step { service, step } => (
                SubjectKind::Step.as_str(),
                None,
                None,
                Some(service.clone()),
                Some(i64::from(step.number())),
            ),
            Self::Scal => (SubjectKind::Scal.as_str(), None, None, None, None),
        }
    }

    /// A subject from its storage columns; an error means the row was edited outside scal.
    pub fn from_columns(
        kind: &str,
        sheet: Option<&str>,
        requirement_id: Option<&str>,
        service: Option<&str>,
        step: Option<i64>,
    ) -> Result<Self, FieldError> {
        let corrupt = || FieldError::new("subject", format!("{kind:?} is not a complete subject"));
        match SubjectKind::parse(kind).ok_or_else(corrupt)? {
            SubjectKind::Item => Ok(Self::Item {
                sheet: sheet.ok_or_else(corrupt)?.to_string(),
                requirement_id: requirement_id.ok_or_else(corrupt)?.to_string(),
            }),
            SubjectKind::Step => Ok(Self::Step {
                service: service.ok_or_else(corrupt)?.to_string(),
                step: step.and_then(step_numbered).ok_or_else(corrupt)?,
            }),
            SubjectKind::Scal => Ok(Self::Scal),
        }
    }

    /// A subject as typed into a form or an API body: the kind (`item`, `step` or `scal`) and the
    /// fields that kind needs, every problem reported at once, each naming its field. Whether the
    /// item or step exists in a given SCAL is the application's question.
    pub fn parse(input: &SubjectInput<'_>) -> Result<Self, Invalid> {
        let mut invalid = Invalid::default();
        let Some(kind) = SubjectKind::parse(input.kind) else {
            invalid.0.push(FieldError::new(
                "subject",
                "Choose what the thread is about: item, step or scal (the SCAL as a whole)",
            ));
            return Err(invalid);
        };
        let required = |field: &str, label: &str, raw: Option<&str>| {
            let value = trim(raw.unwrap_or_default());
            if value.is_empty() {
                Err(FieldError::new(field, format!("Enter {label}")))
            } else {
                Ok(value.to_string())
            }
        };
        match kind {
            SubjectKind::Scal => Ok(Self::Scal),
            SubjectKind::Item => {
                let sheet = invalid.check(required("sheet", "the name of the sheet", input.sheet));
                let requirement_id = invalid.check(required(
                    "requirement_id",
                    "the ID of the requirement",
                    input.requirement_id,
                ));
                invalid.finish(|| {
                    Some(Self::Item {
                        sheet: sheet?,
                        requirement_id: requirement_id?,
                    })
                })
            }
            SubjectKind::Step => {
                let service = invalid.check(required("service", "the service code", input.service));
                let step = invalid.check(match trim(input.step.unwrap_or_default()) {
                    "" => Err(FieldError::new("step", "Enter the step number, from 1 to 10")),
                    raw => raw
                        .parse::<i64>()
                        .ok()
                        .and_then(step_numbered)
                        .ok_or_else(|| FieldError::new("step", "The step must be a number from 1 to 10")),
                });
                invalid.finish(|| {
                    Some(Self::Step {
                        service: service?.to_uppercase(),
                        step: step?,
                    })
                })
            }
        }
    }
}

/// A subject as typed: each field as given, or `None` when absent.
#[derive(Debug, Clone, Copy, Default)]
pub struct SubjectInput<'a> {
    pub kind: &'a str,
    pub sheet: Option<&'a str>,
    pub requirement_id: Option<&'a str>,
    pub service: Option<&'a str>,
    pub step: Option<&'a str>,
}

/// Which side of the review wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    NhsEngland,
    Supplier,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NhsEngland => "nhs_england",
            Self::Supplier => "supplier",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::NhsEngland => "NHS England",
            Self::Supplier => "Supplier",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::NhsEngland, Self::Supplier]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }

    /// The side an actor writes for: NHS England staff (and the operator) or the supplier.
    pub fn of(actor: &Actor) -> Self {
        if actor.is_nhse() {
            Self::NhsEngland
        } else {
            Self::Supplier
        }
    }
}

/// Where a thread stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ThreadState {
    /// Waiting for the supplier: NHS England wrote last.
    Open,
    /// The supplier answered; NHS England has not resolved it yet.
    Answered,
    /// NHS England resolved it.
    Resolved,
}

impl ThreadState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Answered => "answered",
            Self::Resolved => "resolved",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "Open",
            Self::Answered => "Answered",
            Self::Resolved => "Resolved",
        }
    }
}

/// **The** rule for a thread's state, from its facts: resolved when NHS England resolved it,
/// answered when the supplier wrote the last message, open otherwise.
pub fn state(resolved: bool, last_message_from: Option<Side>) -> ThreadState {
    if resolved {
        ThreadState::Resolved
    } else if last_message_from == Some(Side::Supplier) {
        ThreadState::Answered
    } else {
        ThreadState::Open
    }
}

/// How many threads are not resolved: accepting a SCAL is refused while any is (open or
/// answered).
pub fn unresolved(states: impl IntoIterator<Item = ThreadState>) -> usize {
    states.into_iter().filter(|s| *s != ThreadState::Resolved).count()
}

/// A message's (or an internal note's) text: required, trimmed, at most [`MAX_BODY`]
/// characters, no control characters but line breaks and tabs.
pub fn parse_body(raw: &str) -> Result<String, FieldError> {
    required_text("body", "your message", raw, MAX_BODY)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(kind: &'a str) -> SubjectInput<'a> {
        SubjectInput {
            kind,
            ..Default::default()
        }
    }

    #[test]
    fn the_state_is_resolved_answered_or_open_from_the_facts_alone() {
        assert_eq!(state(false, None), ThreadState::Open);
        assert_eq!(state(false, Some(Side::NhsEngland)), ThreadState::Open);
        assert_eq!(state(false, Some(Side::Supplier)), ThreadState::Answered);
        assert_eq!(state(true, Some(Side::Supplier)), ThreadState::Resolved);
        assert_eq!(state(true, Some(Side::NhsEngland)), ThreadState::Resolved);
    }

    #[test]
    fn only_resolved_threads_leave_nothing_outstanding() {
        assert_eq!(unresolved([]), 0);
        assert_eq!(unresolved([ThreadState::Resolved, ThreadState::Resolved]), 0);
        assert_eq!(
            unresolved([ThreadState::Open, ThreadState::Answered, ThreadState::Resolved]),
            2
        );
    }

    #[test]
    fn subjects_read_back_from_their_columns_and_say_what_they_are() {
        let subjects = [
            Subject::Item {
                sheet: "GP Connect".into(),
                requirement_id: "GPCM-SD-03".into(),
            },
            Subject::Step {
                service: "GPC-SEND-DOC".into(),
                step: Step::Dspt,
            },
            Subject::Scal,
        ];
        for subject in &subjects {
            let (kind, sheet, requirement, service, step) = subject.columns();
            let back = Subject::from_columns(kind, sheet.as_deref(), requirement.as_deref(), service.as_deref(), step)
                .unwrap();
            assert_eq!(&back, subject);
        }
        assert_eq!(subjects[0].label(), "Requirement GPCM-SD-03 on sheet GP Connect");
        assert_eq!(
            subjects[1].label(),
            "Step 5 (Complete the DSPT) for service GPC-SEND-DOC"
        );
        assert_eq!(subjects[2].label(), "The SCAL as a whole");
        assert_eq!(subjects[0].short(), "GPCM-SD-03");
        assert!(Subject::from_columns("item", Some("x"), None, None, None).is_err());
        assert!(Subject::from_columns("step", None, None, Some("S"), Some(11)).is_err());
        assert!(Subject::from_columns("thing", None, None, None, None).is_err());
    }

    #[test]
    fn a_typed_subject_names_every_missing_or_bad_field() {
        assert_eq!(Subject::parse(&input(" SCAL ")), Ok(Subject::Scal));
        let none = Subject::parse(&input("")).unwrap_err();
        assert_eq!(none.0[0].field, "subject");
        let item = Subject::parse(&input("item")).unwrap_err();
        let fields: Vec<&str> = item.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["sheet", "requirement_id"]);
        let step = Subject::parse(&SubjectInput {
            kind: "step",
            step: Some("11"),
            ..Default::default()
        })
        .unwrap_err();
        let fields: Vec<&str> = step.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["service", "step"]);
        assert_eq!(
            Subject::parse(&SubjectInput {
                kind: "step",
                service: Some(" gpc-send-doc "),
                step: Some("5"),
                ..Default::default()
            }),
            Ok(Subject::Step {
                service: "GPC-SEND-DOC".into(),
                step: Step::Dspt
            })
        );
    }

    #[test]
    fn a_message_is_required_trimmed_capped_and_free_of_control_characters() {
        assert_eq!(
            parse_body("  Where is the hazard log?\n ").unwrap(),
            "Where is the hazard log?"
        );
        assert_eq!(parse_body("Line one\nline two").unwrap(), "Line one\nline two");
        assert_eq!(parse_body(" \n ").unwrap_err().field, "body");
        assert_eq!(parse_body("a\u{0}b").unwrap_err().field, "body");
        assert!(parse_body(&"x".repeat(MAX_BODY)).is_ok());
        let long = parse_body(&"x".repeat(MAX_BODY + 1)).unwrap_err();
        assert!(long.message.contains("10000 characters or fewer"), "{}", long.message);
    }

    #[test]
    fn nhs_england_and_the_operator_write_for_nhs_england() {
        let user = |role| Actor::User {
            user_id: "u".into(),
            org_id: "o".into(),
            role,
            email: "u@x.org".into(),
        };
        assert_eq!(Side::of(&Actor::System), Side::NhsEngland);
        assert_eq!(Side::of(&user(crate::user::Role::NhseReviewer)), Side::NhsEngland);
        assert_eq!(Side::of(&user(crate::user::Role::SupplierMember)), Side::Supplier);
        assert_eq!(Side::parse("supplier"), Some(Side::Supplier));
        assert_eq!(Side::parse("nobody"), None);
    }
}
