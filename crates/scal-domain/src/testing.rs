//! NHS England's technical conformance testing of an accepted SCAL: the test cases a template's
//! requirements name (`GPCM-SD-TST-01`), the witness-test result NHS England records for each,
//! and **the** rule for whether a case's testing is complete ([`incomplete`]), which the case's
//! status and, later, the certificate gate both read, so they cannot disagree.
//!
//! A case needs testing when its service does (a catalogue flag: open-access APIs do not). Its
//! test cases are the IDs in the "test cases" cells of the requirements on its sheets. Testing is
//! complete when every one of them is passed or not applicable; a case whose requirements name no
//! test case has nothing to block on.

use std::collections::BTreeMap;

use crate::field::{optional_text, trim};
use crate::{FieldError, Invalid};

/// The longest test case ID kept; anything longer in a cell is prose, not an ID.
pub const MAX_ID_CHARS: usize = 64;
/// The longest description of a remedial action.
pub const MAX_REMEDIAL_CHARS: usize = 5_000;
/// The most evidence files one result may cite.
pub const MAX_EVIDENCE: usize = 20;

/// Whether a token reads as a test case ID: letters, digits, dashes, dots and underscores, with
/// at least one letter and one digit (`GPCM-SD-TST-01`, `TC_4.2`). Words of a sentence in the
/// cell ("Pre-condition / covered by other tests", "N/A") are not IDs.
pub fn is_test_case_id(token: &str) -> bool {
    !token.is_empty()
        && token.chars().count() <= MAX_ID_CHARS
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
        && token.chars().any(|c| c.is_ascii_alphabetic())
        && token.chars().any(|c| c.is_ascii_digit())
}

/// The test case IDs in one "test case(s)" cell, in order, each once. IDs are separated by
/// commas, semicolons, spaces or new lines; tokens that are not IDs (see [`is_test_case_id`]) are
/// left out, and trailing full stops are dropped (`see TST-01.`).
pub fn parse_test_case_ids(cell: &str) -> Vec<String> {
    test_case_ids([cell])
}

/// The test case IDs of several cells (a case's requirements), in order of first appearance,
/// each once (IDs differing only in case are the same test case).
pub fn test_case_ids<'a>(cells: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for cell in cells {
        for token in cell.split(|c: char| c == ',' || c == ';' || c.is_whitespace() || c == '\u{a0}') {
            let token = token.trim_end_matches('.');
            if is_test_case_id(token) && !out.iter().any(|id| id.eq_ignore_ascii_case(token)) {
                out.push(token.to_string());
            }
        }
    }
    out
}

/// The witness-test result of one test case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestOutcome {
    Passed,
    /// The product failed it: the supplier must put something right (recorded with what).
    RemedialActionNeeded,
    NotApplicable,
}

impl TestOutcome {
    pub const ALL: [TestOutcome; 3] = [Self::Passed, Self::RemedialActionNeeded, Self::NotApplicable];

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let value = trim(raw).to_ascii_lowercase().replace([' ', '-'], "_");
        if value.is_empty() {
            return Err(FieldError::new("outcome", "Select the result of the test"));
        }
        Self::ALL.into_iter().find(|o| o.as_str() == value).ok_or_else(|| {
            FieldError::new(
                "outcome",
                "The result must be passed, remedial_action_needed or not_applicable",
            )
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::RemedialActionNeeded => "remedial_action_needed",
            Self::NotApplicable => "not_applicable",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Passed => "Passed",
            Self::RemedialActionNeeded => "Remedial action needed",
            Self::NotApplicable => "Not applicable",
        }
    }

    /// Whether this result lets testing complete.
    pub fn settles(self) -> bool {
        matches!(self, Self::Passed | Self::NotApplicable)
    }
}

/// A result as typed, from a form or a body.
#[derive(Debug, Clone, Copy, Default)]
pub struct TestResultInput<'a> {
    pub outcome: &'a str,
    pub remedial_action: &'a str,
}

/// A result, checked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TestResult {
    pub outcome: TestOutcome,
    /// What the supplier must put right: present exactly when remedial action is needed.
    pub remedial_action: Option<String>,
}

/// Checks a result: a known outcome, and for remedial action needed a description of what (at
/// most [`MAX_REMEDIAL_CHARS`], no control characters). A description sent with another
/// outcome is dropped, as a hidden conditional field is, but is still held to the same shape.
pub fn parse_test_result(input: TestResultInput<'_>) -> Result<TestResult, Invalid> {
    let mut invalid = Invalid::default();
    let outcome = invalid.check(TestOutcome::parse(input.outcome));
    let text = invalid.check(optional_text(
        "remedial_action",
        "the remedial action",
        input.remedial_action,
        MAX_REMEDIAL_CHARS,
    ));
    let remedial_action = match outcome {
        Some(TestOutcome::RemedialActionNeeded) => match text {
            Some(text) if text.is_empty() => {
                invalid.0.push(FieldError::new(
                    "remedial_action",
                    "Enter what the supplier needs to put right",
                ));
                None
            }
            other => other.map(Some),
        },
        _ => text.map(|_| None),
    };
    invalid.finish(|| {
        Some(TestResult {
            outcome: outcome?,
            remedial_action: remedial_action?,
        })
    })
}

/// One case's testing, as the rule reads it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CaseTesting {
    /// The service's code.
    pub service: String,
    /// Whether the service needs testing (the catalogue's flag).
    pub required: bool,
    /// The test case IDs of the case's requirements, in order.
    pub test_cases: Vec<String>,
    /// The latest result of each test case, by ID. Results for IDs not in `test_cases` are
    /// ignored.
    pub results: BTreeMap<String, TestOutcome>,
}

/// A test case that keeps testing from completing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TestBlocker {
    pub service: String,
    pub test_case_id: String,
    /// `None`: no result yet; otherwise remedial action needed.
    pub outcome: Option<TestOutcome>,
}

impl TestBlocker {
    /// In words: "GPCM-SD-TST-01 (GPC-SEND-DOC) has no result yet".
    pub fn message(&self) -> String {
        match self.outcome {
            None => format!("{} ({}) has no result yet", self.test_case_id, self.service),
            Some(_) => format!("{} ({}) needs remedial action", self.test_case_id, self.service),
        }
    }
}

impl CaseTesting {
    fn outcome(&self, id: &str) -> Option<TestOutcome> {
        self.results.get(id).copied()
    }

    /// The case's test cases that block: without a result, or with remedial action needed. None
    /// when the service needs no testing.
    pub fn incomplete(&self) -> Vec<TestBlocker> {
        if !self.required {
            return Vec::new();
        }
        self.test_cases
            .iter()
            .filter_map(|id| match self.outcome(id) {
                Some(outcome) if outcome.settles() => None,
                outcome => Some(TestBlocker {
                    service: self.service.clone(),
                    test_case_id: id.clone(),
                    outcome,
                }),
            })
            .collect()
    }

    /// Where the case's testing stands, from [`CaseTesting::incomplete`].
    pub fn status(&self) -> TestingStatus {
        if !self.required {
            return TestingStatus::NotRequired;
        }
        if self.test_cases.is_empty() {
            return TestingStatus::NoTestCases;
        }
        let blocking = self.incomplete();
        if blocking.is_empty() {
            return TestingStatus::Complete;
        }
        let count = |o: TestOutcome| self.test_cases.iter().filter(|id| self.outcome(id) == Some(o)).count();
        let outstanding = blocking.iter().filter(|b| b.outcome.is_none()).count();
        if outstanding == self.test_cases.len() {
            return TestingStatus::NotStarted;
        }
        TestingStatus::InProgress {
            passed: count(TestOutcome::Passed),
            remedial: count(TestOutcome::RemedialActionNeeded),
            not_applicable: count(TestOutcome::NotApplicable),
            outstanding,
        }
    }
}

/// **The** rule: the test cases that keep a SCAL's testing from completing, over every case. The
/// certificate is refused while this is not empty.
pub fn incomplete(cases: &[CaseTesting]) -> Vec<TestBlocker> {
    cases.iter().flat_map(CaseTesting::incomplete).collect()
}

/// Where one case's testing stands. Derived, never stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum TestingStatus {
    /// The service needs no testing (an open-access API).
    NotRequired,
    /// The service needs testing but its requirements name no test case: nothing blocks.
    NoTestCases,
    /// No result recorded yet.
    NotStarted,
    /// Some results recorded, and something still blocks.
    InProgress {
        passed: usize,
        remedial: usize,
        not_applicable: usize,
        outstanding: usize,
    },
    /// Every test case passed or not applicable.
    Complete,
}

impl TestingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotRequired => "not_required",
            Self::NoTestCases => "no_test_cases",
            Self::NotStarted => "not_started",
            Self::InProgress { .. } => "in_progress",
            Self::Complete => "complete",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::NotRequired => "Not required",
            Self::NoTestCases => "No test cases",
            Self::NotStarted => "Not started",
            Self::InProgress { .. } => "In progress",
            Self::Complete => "Complete",
        }
    }

    /// Whether nothing of this case blocks.
    pub fn is_settled(self) -> bool {
        matches!(self, Self::NotRequired | Self::NoTestCases | Self::Complete)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_split_on_any_separator_kept_in_order_and_once() {
        assert_eq!(
            parse_test_case_ids(" GPCM-SD-TST-03, GPCM-SD-TST-01;GPCM-SD-TST-03\nTC_4.2  gpcm-sd-tst-01 "),
            vec!["GPCM-SD-TST-03", "GPCM-SD-TST-01", "TC_4.2"]
        );
        assert_eq!(parse_test_case_ids("See TST-07."), vec!["TST-07"]);
    }

    #[test]
    fn prose_and_placeholders_in_the_cell_are_not_ids() {
        for cell in ["", "N/A", "Pre-condition / covered by other tests", "-", "TBC", "ID<1>"] {
            assert_eq!(parse_test_case_ids(cell), Vec::<String>::new(), "{cell}");
        }
        assert!(!is_test_case_id(&format!("T{}", "1".repeat(MAX_ID_CHARS))));
    }

    #[test]
    fn ids_of_several_cells_are_merged() {
        assert_eq!(
            test_case_ids(["TST-02", "TST-01, TST-02", "N/A"]),
            vec!["TST-02", "TST-01"]
        );
    }

    #[test]
    fn outcomes_read_their_spellings() {
        assert_eq!(TestOutcome::parse("passed"), Ok(TestOutcome::Passed));
        assert_eq!(
            TestOutcome::parse("Remedial action needed"),
            Ok(TestOutcome::RemedialActionNeeded)
        );
        assert_eq!(TestOutcome::parse("not-applicable"), Ok(TestOutcome::NotApplicable));
        assert_eq!(TestOutcome::parse("").map_err(|e| e.field), Err("outcome".into()));
        assert_eq!(TestOutcome::parse("failed").map_err(|e| e.field), Err("outcome".into()));
        for outcome in TestOutcome::ALL {
            assert_eq!(TestOutcome::parse(outcome.as_str()), Ok(outcome));
        }
    }

    fn fields(result: Result<TestResult, Invalid>) -> Vec<String> {
        result
            .err()
            .map(|e| e.0.into_iter().map(|f| f.field).collect())
            .unwrap_or_default()
    }

    #[test]
    fn remedial_action_needs_what_and_others_drop_it() {
        let remedial = |text: &str| {
            parse_test_result(TestResultInput {
                outcome: "remedial_action_needed",
                remedial_action: text,
            })
        };
        assert_eq!(fields(remedial("  ")), vec!["remedial_action"]);
        assert_eq!(fields(remedial("bad \u{1b} escape")), vec!["remedial_action"]);
        assert_eq!(
            fields(remedial(&"x".repeat(MAX_REMEDIAL_CHARS + 1))),
            vec!["remedial_action"]
        );
        assert_eq!(
            remedial(" Send the NHS number in the header ").map(|r| r.remedial_action),
            Ok(Some("Send the NHS number in the header".into()))
        );
        let passed = parse_test_result(TestResultInput {
            outcome: "passed",
            remedial_action: "left over",
        });
        assert_eq!(
            passed,
            Ok(TestResult {
                outcome: TestOutcome::Passed,
                remedial_action: None
            })
        );
        assert_eq!(fields(parse_test_result(TestResultInput::default())), vec!["outcome"]);
    }

    fn case(required: bool, ids: &[&str], results: &[(&str, TestOutcome)]) -> CaseTesting {
        CaseTesting {
            service: "GPC-SEND-DOC".into(),
            required,
            test_cases: ids.iter().map(|s| s.to_string()).collect(),
            results: results.iter().map(|(id, o)| (id.to_string(), *o)).collect(),
        }
    }

    #[test]
    fn status_moves_from_not_started_to_complete() {
        use TestOutcome::*;
        let ids = ["T-1", "T-2", "T-3"];
        assert_eq!(case(true, &ids, &[]).status(), TestingStatus::NotStarted);
        assert_eq!(
            case(true, &ids, &[("T-1", Passed), ("T-2", RemedialActionNeeded)]).status(),
            TestingStatus::InProgress {
                passed: 1,
                remedial: 1,
                not_applicable: 0,
                outstanding: 1
            }
        );
        // Every test case has a result, but one needs remedial action: still in progress.
        let failing = case(
            true,
            &ids,
            &[("T-1", Passed), ("T-2", RemedialActionNeeded), ("T-3", NotApplicable)],
        );
        assert_eq!(
            failing.status(),
            TestingStatus::InProgress {
                passed: 1,
                remedial: 1,
                not_applicable: 1,
                outstanding: 0
            }
        );
        assert_eq!(
            incomplete(&[failing]),
            vec![TestBlocker {
                service: "GPC-SEND-DOC".into(),
                test_case_id: "T-2".into(),
                outcome: Some(RemedialActionNeeded)
            }]
        );
        let done = case(
            true,
            &ids,
            &[
                ("T-1", Passed),
                ("T-2", Passed),
                ("T-3", NotApplicable),
                ("OTHER-9", RemedialActionNeeded),
            ],
        );
        assert_eq!(done.status(), TestingStatus::Complete);
        assert!(
            done.incomplete().is_empty(),
            "a result for an ID not asked for is ignored"
        );
    }

    #[test]
    fn a_service_without_testing_or_test_cases_blocks_nothing() {
        let open_access = case(false, &["T-1"], &[]);
        assert_eq!(open_access.status(), TestingStatus::NotRequired);
        let none = case(true, &[], &[]);
        assert_eq!(none.status(), TestingStatus::NoTestCases);
        assert!(incomplete(&[open_access, none]).is_empty());
        let blocked = incomplete(&[case(true, &["T-1", "T-2"], &[("T-2", TestOutcome::Passed)])]);
        assert_eq!(
            blocked.iter().map(TestBlocker::message).collect::<Vec<_>>(),
            vec!["T-1 (GPC-SEND-DOC) has no result yet"]
        );
    }
}
