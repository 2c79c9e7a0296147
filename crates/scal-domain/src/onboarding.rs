//! The ten onboarding steps of NHS England's SCAL user guide, the supplier and product information
//! sheet whose answers most steps are checked against, and the submission gate.
//!
//! A step's state is *derived*, never stored: from the information sheet's answers, the case's use
//! case, whether the SCAL was issued and submitted, and today's date (passed in). So a state cannot
//! disagree with the data it describes, and the UI, the API, `scal status` and the submission gate
//! all see the same thing.

use std::collections::HashMap;

use time::Date;

use crate::check::{
    dspt_published_rule, dspt_status_rule, parse_date, penetration_test_rule, AnsweredSheet, Finding, Severity, Verdict,
};
use crate::field::trim;
use crate::template::{rag, AnswerKind, Declaration, Level, Rag, Requirement, SheetKind, TemplateSheet};

/// The ten steps, in the guide's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    UseCase,
    RequestTemplate,
    OdsCode,
    Hscn,
    Dspt,
    ClinicalRisk,
    MedicalDevice,
    Testing,
    Support,
    Submission,
}

impl Step {
    pub const ALL: [Step; 10] = [
        Step::UseCase,
        Step::RequestTemplate,
        Step::OdsCode,
        Step::Hscn,
        Step::Dspt,
        Step::ClinicalRisk,
        Step::MedicalDevice,
        Step::Testing,
        Step::Support,
        Step::Submission,
    ];

    /// 1 to 10.
    pub fn number(self) -> u8 {
        Self::ALL.iter().position(|s| *s == self).map_or(0, |i| i as u8 + 1)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::UseCase => "Confirm your use case",
            Self::RequestTemplate => "Request the SCAL template",
            Self::OdsCode => "Get your ODS code",
            Self::Hscn => "Check your HSCN needs",
            Self::Dspt => "Complete the DSPT",
            Self::ClinicalRisk => "Manage clinical risk (DCB0129)",
            Self::MedicalDevice => "Declare medical device status",
            Self::Testing => "Technical and security testing",
            Self::Support => "Service desk and developer community",
            Self::Submission => "Submit the SCAL",
        }
    }

    /// Whether the step must be done, not applicable, or red with a mitigation before submission
    /// (1 and 3 to 9; 2 is done by NHS England issuing the SCAL, 10 is the submission itself).
    pub fn gates_submission(self) -> bool {
        !matches!(self, Self::RequestTemplate | Self::Submission)
    }

    /// The information sheet questions the step reads.
    pub fn questions(self) -> &'static [&'static str] {
        match self {
            Self::OdsCode => &[info::ODS],
            Self::Hscn => &[info::HSCN, info::HSCN_DATE],
            Self::Dspt => &[info::DSPT_STATUS, info::DSPT_DATE],
            Self::ClinicalRisk => &[
                info::CSO_NAME,
                info::CSO_REGISTRATION,
                info::SAFETY_CASE,
                info::HAZARD_LOG,
            ],
            Self::MedicalDevice => &[info::DEVICE, info::DEVICE_REFERENCE],
            Self::Testing => &[info::PENTEST_DATE, info::PENTEST_REPORT, info::PENTEST_CLOSED],
            Self::Support => &[info::SERVICE_DESK, info::DEVELOPER_COMMUNITY],
            Self::UseCase | Self::RequestTemplate | Self::Submission => &[],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    NotStarted,
    InProgress,
    Done,
    NotApplicable,
}

impl StepState {
    pub const ALL: [StepState; 4] = [Self::NotStarted, Self::InProgress, Self::Done, Self::NotApplicable];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotStarted => "not_started",
            Self::InProgress => "in_progress",
            Self::Done => "done",
            Self::NotApplicable => "not_applicable",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::NotStarted => "Not started",
            Self::InProgress => "In progress",
            Self::Done => "Done",
            Self::NotApplicable => "Not applicable",
        }
    }
}

/// One automatic check's result.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StepCheck {
    /// `pass`, `red`, `error` or `warning`.
    pub outcome: CheckOutcome,
    pub message: String,
    /// Whether it stops submission.
    pub blocking: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckOutcome {
    Pass,
    Red,
    Error,
    Warning,
}

impl CheckOutcome {
    pub const ALL: [CheckOutcome; 4] = [Self::Pass, Self::Red, Self::Error, Self::Warning];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Red => "red",
            Self::Error => "error",
            Self::Warning => "warning",
        }
    }
}

impl StepCheck {
    fn pass(message: impl Into<String>) -> Self {
        Self {
            outcome: CheckOutcome::Pass,
            message: message.into(),
            blocking: false,
        }
    }

    fn missing(message: impl Into<String>) -> Self {
        Self {
            outcome: CheckOutcome::Error,
            message: message.into(),
            blocking: true,
        }
    }

    fn warning(message: impl Into<String>) -> Self {
        Self {
            outcome: CheckOutcome::Warning,
            message: message.into(),
            blocking: false,
        }
    }

    fn from_verdict(verdict: Verdict) -> Self {
        Self {
            outcome: match verdict.severity {
                Severity::Red => CheckOutcome::Red,
                Severity::Warning => CheckOutcome::Warning,
                Severity::Error | Severity::Amber => CheckOutcome::Error,
            },
            message: verdict.message,
            blocking: verdict.blocking,
        }
    }
}

/// A step of one case with its derived state and checks, and who last touched it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StepStatus {
    pub step: Step,
    pub state: StepState,
    pub checks: Vec<StepCheck>,
    /// Who last changed an answer the step reads, and when (microseconds since the epoch).
    pub updated_by: Option<String>,
    pub updated_at: Option<i64>,
}

impl StepStatus {
    /// Whether the step lets the SCAL be submitted: done or not applicable (a red with a
    /// mitigation is done: NHS England decides on it).
    pub fn complete(&self) -> bool {
        matches!(self.state, StepState::Done | StepState::NotApplicable)
    }
}

/// One answer on the information sheet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InfoAnswer {
    pub response: Option<String>,
    pub justification: Option<String>,
    pub mitigation: Option<String>,
    pub target_date: Option<String>,
    pub updated_by: Option<String>,
    pub updated_at: Option<i64>,
}

/// What a case is checked against.
#[derive(Debug, Clone, Default)]
pub struct CaseFacts<'a> {
    /// The service needs a use-case declaration.
    pub use_case_required: bool,
    /// The service is reached over HSCN.
    pub hscn_required: bool,
    pub use_case: Option<&'a str>,
    /// Information sheet answers by question ID.
    pub information: HashMap<String, InfoAnswer>,
    /// NHS England issued the SCAL sheets for this service.
    pub issued: bool,
    /// The SCAL is submitted and waiting for NHS England, or accepted.
    pub submitted: bool,
    /// NHS England accepted it.
    pub accepted: bool,
    /// The signatory accepted the SCAL's connection agreement.
    pub agreement_accepted: bool,
    /// NHS England approved go-live for this case's product and service.
    pub go_live_approved: bool,
    /// The outcome of a live ODS lookup, when one was made.
    pub ods_lookup: Option<OdsLookup>,
}

/// What the ODS directory said about a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OdsLookup {
    Active {
        name: String,
    },
    Inactive {
        name: String,
    },
    NotFound,
    /// The lookup could not be made (network, timeout, unreadable reply).
    Failed(String),
}

impl CaseFacts<'_> {
    fn answer(&self, id: &str) -> Option<&str> {
        self.information
            .get(id)
            .and_then(|a| a.response.as_deref())
            .map(trim)
            .filter(|v| !v.is_empty())
    }

    fn given(&self, id: &str, part: fn(&InfoAnswer) -> &Option<String>) -> bool {
        self.information
            .get(id)
            .and_then(|a| part(a).as_deref())
            .is_some_and(|v| !trim(v).is_empty())
    }

    fn mitigated(&self, id: &str) -> bool {
        self.given(id, |a| &a.mitigation)
    }

    fn declaration(&self, id: &str) -> Option<Declaration> {
        self.answer(id).and_then(|v| Declaration::parse(v).ok().flatten())
    }
}

/// The ten steps of one case on `as_of`.
pub fn assess(facts: &CaseFacts<'_>, as_of: Date) -> Vec<StepStatus> {
    Step::ALL
        .into_iter()
        .map(|step| {
            let (state, checks) = assess_step(step, facts, as_of);
            let latest = step
                .questions()
                .iter()
                .filter_map(|q| facts.information.get(*q))
                .filter(|a| a.updated_at.is_some())
                .max_by_key(|a| a.updated_at);
            StepStatus {
                step,
                state,
                checks,
                updated_by: latest.and_then(|a| a.updated_by.clone()),
                updated_at: latest.and_then(|a| a.updated_at),
            }
        })
        .collect()
}

/// Done when nothing blocks, in progress when something does but the step was started.
fn derived(started: bool, checks: Vec<StepCheck>) -> (StepState, Vec<StepCheck>) {
    let state = if checks.iter().any(|c| c.blocking) {
        if started {
            StepState::InProgress
        } else {
            StepState::NotStarted
        }
    } else {
        StepState::Done
    };
    (state, checks)
}

fn assess_step(step: Step, facts: &CaseFacts<'_>, as_of: Date) -> (StepState, Vec<StepCheck>) {
    let started = step.questions().iter().any(|q| facts.answer(q).is_some());
    match step {
        Step::UseCase => {
            let declared = facts.use_case.map(trim).filter(|u| !u.is_empty());
            match (facts.use_case_required, declared) {
                (_, Some(_)) => (StepState::Done, vec![StepCheck::pass("Use case declared")]),
                (false, None) => (
                    StepState::NotApplicable,
                    vec![StepCheck::pass("This service does not need a use-case declaration")],
                ),
                (true, None) => (
                    StepState::NotStarted,
                    vec![StepCheck::missing(
                        "This service needs a use-case declaration: describe your use case",
                    )],
                ),
            }
        }
        Step::RequestTemplate => {
            if facts.issued {
                (StepState::Done, vec![StepCheck::pass("NHS England issued the SCAL")])
            } else {
                (
                    StepState::InProgress,
                    vec![StepCheck::missing("Waiting for NHS England to issue the SCAL")],
                )
            }
        }
        Step::OdsCode => derived(started, ods_checks(facts)),
        Step::Hscn if !facts.hscn_required => (
            StepState::NotApplicable,
            vec![StepCheck::pass(
                "This service is reached over the internet: HSCN is not needed",
            )],
        ),
        Step::Hscn => derived(started, hscn_checks(facts, as_of)),
        Step::Dspt => derived(started, dspt_checks(facts, as_of)),
        Step::ClinicalRisk => derived(
            started,
            required(
                facts,
                &[
                    (info::CSO_NAME, "Name your Clinical Safety Officer"),
                    (
                        info::CSO_REGISTRATION,
                        "Give the Clinical Safety Officer's professional registration",
                    ),
                    (info::SAFETY_CASE, "Attach the clinical safety case report"),
                    (info::HAZARD_LOG, "Attach the hazard log"),
                ],
                "Clinical Safety Officer named, safety case report and hazard log attached",
            ),
        ),
        Step::MedicalDevice => derived(started, device_checks(facts)),
        Step::Testing => derived(started, testing_checks(facts, as_of)),
        Step::Support => {
            let mut checks = required(
                facts,
                &[(
                    info::SERVICE_DESK,
                    "Give your National Service Desk registration reference",
                )],
                "Registered with the National Service Desk",
            );
            checks.push(match facts.declaration(info::DEVELOPER_COMMUNITY) {
                Some(Declaration::Yes) => StepCheck::pass("Joined the developer community"),
                _ => StepCheck::missing("Join the NHS developer community"),
            });
            derived(started, checks)
        }
        // Done once the case is live: accepted, its agreement accepted and go-live approved.
        Step::Submission => {
            if facts.accepted {
                let mut checks = vec![StepCheck::pass("Accepted by NHS England")];
                checks.push(if facts.agreement_accepted {
                    StepCheck::pass("Connection agreement accepted")
                } else {
                    StepCheck::missing("Accept the connection agreement NHS England prepares")
                });
                checks.push(if facts.go_live_approved {
                    StepCheck::pass("Go-live approved by NHS England")
                } else {
                    StepCheck::missing("NHS England approves go-live")
                });
                let live = facts.agreement_accepted && facts.go_live_approved;
                (if live { StepState::Done } else { StepState::InProgress }, checks)
            } else if facts.submitted {
                (StepState::InProgress, vec![StepCheck::pass("Submitted to NHS England")])
            } else {
                (StepState::NotStarted, Vec::new())
            }
        }
    }
}

/// A pass when every question is answered, else one blocking check per missing answer.
fn required(facts: &CaseFacts<'_>, questions: &[(&str, &str)], pass: &str) -> Vec<StepCheck> {
    let missing: Vec<StepCheck> = questions
        .iter()
        .filter(|(id, _)| facts.answer(id).is_none())
        .map(|(_, message)| StepCheck::missing(*message))
        .collect();
    if missing.is_empty() {
        vec![StepCheck::pass(pass)]
    } else {
        missing
    }
}

fn ods_checks(facts: &CaseFacts<'_>) -> Vec<StepCheck> {
    let Some(raw) = facts.answer(info::ODS) else {
        return vec![StepCheck::missing("Give your organisation's ODS code")];
    };
    let code = match crate::OdsCode::parse(raw) {
        Ok(code) => code,
        Err(error) => return vec![StepCheck::missing(error.message)],
    };
    let mut checks = vec![StepCheck::pass(format!("{code} is a valid ODS code"))];
    match &facts.ods_lookup {
        None => {}
        Some(OdsLookup::Active { name }) => checks.push(StepCheck::pass(format!("ODS knows {code} as {name}, active"))),
        Some(OdsLookup::Inactive { name }) => checks.push(StepCheck::missing(format!(
            "ODS knows {code} as {name}, but it is inactive"
        ))),
        Some(OdsLookup::NotFound) => checks.push(StepCheck::missing(format!("ODS has no organisation {code}"))),
        Some(OdsLookup::Failed(why)) => checks.push(StepCheck::warning(format!(
            "The ODS directory could not be asked ({why}); the code was checked offline only"
        ))),
    }
    checks
}

fn date_answer(facts: &CaseFacts<'_>, id: &str) -> Result<Option<Date>, StepCheck> {
    match facts.answer(id) {
        None => Ok(None),
        Some(raw) => parse_date(raw).map(Some).map_err(|e| StepCheck::missing(e.message)),
    }
}

fn hscn_checks(facts: &CaseFacts<'_>, as_of: Date) -> Vec<StepCheck> {
    let mut checks = Vec::new();
    match facts.declaration(info::HSCN) {
        Some(Declaration::Yes) => match date_answer(facts, info::HSCN_DATE) {
            Ok(Some(date)) if date > as_of => {
                checks.push(StepCheck::missing(format!(
                    "HSCN connection date {date} is in the future"
                )));
            }
            Ok(Some(date)) => checks.push(StepCheck::pass(format!("HSCN connectivity confirmed on {date}"))),
            Ok(None) => checks.push(StepCheck::missing("Give the date HSCN connectivity was confirmed")),
            Err(check) => checks.push(check),
        },
        Some(Declaration::No | Declaration::NotApplicable) => {
            let mitigated = facts.mitigated(info::HSCN);
            checks.push(StepCheck {
                outcome: CheckOutcome::Red,
                message: if mitigated {
                    "No HSCN connectivity, with a mitigation: NHS England will decide".into()
                } else {
                    "This service needs HSCN: confirm connectivity or give a mitigation".into()
                },
                blocking: !mitigated,
            });
        }
        None => checks.push(StepCheck::missing("Confirm HSCN connectivity for this service")),
    }
    checks
}

fn dspt_checks(facts: &CaseFacts<'_>, as_of: Date) -> Vec<StepCheck> {
    let mut checks = Vec::new();
    match facts.answer(info::DSPT_STATUS) {
        None => checks.push(StepCheck::missing("Give your DSPT status")),
        Some(status) => checks.push(
            dspt_status_rule(status, facts.mitigated(info::DSPT_STATUS))
                .map_or_else(|| StepCheck::pass(format!("DSPT {status}")), StepCheck::from_verdict),
        ),
    }
    match date_answer(facts, info::DSPT_DATE) {
        Ok(None) => checks.push(StepCheck::missing("Give the date your DSPT was published")),
        Ok(Some(date)) => checks.push(
            dspt_published_rule(date, as_of, facts.mitigated(info::DSPT_DATE)).map_or_else(
                || StepCheck::pass(format!("DSPT published on {date}, in the current assessment period")),
                StepCheck::from_verdict,
            ),
        ),
        Err(check) => checks.push(check),
    }
    checks
}

fn device_checks(facts: &CaseFacts<'_>) -> Vec<StepCheck> {
    match facts.answer(info::DEVICE) {
        None => vec![StepCheck::missing("Declare whether the product is a medical device")],
        Some(status) if status.eq_ignore_ascii_case(NOT_A_DEVICE) => {
            vec![StepCheck::pass("Declared not a medical device")]
        }
        Some(class) => match facts.answer(info::DEVICE_REFERENCE) {
            Some(reference) => vec![StepCheck::pass(format!(
                "{class} medical device, registered as {reference}"
            ))],
            None => vec![StepCheck::missing(format!(
                "A {class} medical device needs its registration reference"
            ))],
        },
    }
}

fn testing_checks(facts: &CaseFacts<'_>, as_of: Date) -> Vec<StepCheck> {
    let mut checks = Vec::new();
    match date_answer(facts, info::PENTEST_DATE) {
        Ok(None) => checks.push(StepCheck::missing("Give the date of your last penetration test")),
        Ok(Some(date)) => checks.push(penetration_test_rule(date, as_of).map_or_else(
            || StepCheck::pass(format!("Penetration test on {date}, within 12 months")),
            StepCheck::from_verdict,
        )),
        Err(check) => checks.push(check),
    }
    if facts.answer(info::PENTEST_REPORT).is_none() {
        checks.push(StepCheck::missing("Attach the penetration test report"));
    }
    let closed = facts.declaration(info::PENTEST_CLOSED);
    // The question is a MUST declaration, so its colour comes from the one RAG rule.
    match rag(Level::Must, closed) {
        Rag::None => checks.push(StepCheck::missing(
            "Say whether all high and critical findings are closed",
        )),
        Rag::Red => {
            // The one red rule, as the readiness check applies it to the same row.
            let verdict = crate::check::red_rule(
                Level::Must,
                facts.given(info::PENTEST_CLOSED, |a| &a.justification),
                facts.mitigated(info::PENTEST_CLOSED),
                facts
                    .information
                    .get(info::PENTEST_CLOSED)
                    .and_then(|a| a.target_date.as_deref()),
            );
            checks.push(StepCheck {
                outcome: CheckOutcome::Red,
                message: format!("High or critical findings are open. {}", verdict.message),
                blocking: verdict.blocking,
            });
        }
        Rag::Amber | Rag::Green => checks.push(StepCheck::pass("High and critical findings closed")),
    }
    checks
}

/// What a blocker is about, so a page can link to the place to fix it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BlockerAt {
    /// A requirement or question of a sheet (by the sheet's name).
    Requirement { sheet: String, requirement_id: String },
    /// An onboarding step of a service's case.
    Step { service: String, step: u8 },
    /// The supplier and product information sheet as a whole.
    Information,
    /// A whole sheet (by name), reopened by a product change.
    Sheet { sheet: String },
}

/// One thing that stops submission. Displays as the sentence the CLI, the API and the pages show.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Blocker {
    pub message: String,
    pub at: BlockerAt,
}

impl std::fmt::Display for Blocker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The gate: everything that stops a SCAL being submitted (empty: it may be submitted). Blocking
/// readiness findings, steps that gate submission and are not complete, and an information sheet
/// that must be confirmed again.
pub fn submission_blockers(
    readiness: &[Finding],
    cases: &[(String, Vec<StepStatus>)],
    information_needs_confirmation: bool,
) -> Vec<Blocker> {
    let mut blockers: Vec<Blocker> = readiness
        .iter()
        .filter(|f| f.blocking)
        .map(|f| Blocker {
            message: format!("{}, {}: {}", f.sheet, f.requirement_id, f.message),
            at: BlockerAt::Requirement {
                sheet: f.sheet.clone(),
                requirement_id: f.requirement_id.clone(),
            },
        })
        .collect();
    for (service, steps) in cases {
        for status in steps.iter().filter(|s| s.step.gates_submission() && !s.complete()) {
            let why = status
                .checks
                .iter()
                .filter(|c| c.blocking)
                .map(|c| c.message.as_str())
                .collect::<Vec<_>>()
                .join("; ");
            blockers.push(Blocker {
                message: format!(
                    "{service}, step {} ({}): {}",
                    status.step.number(),
                    status.step.name(),
                    if why.is_empty() { status.state.label() } else { &why }
                ),
                at: BlockerAt::Step {
                    service: service.clone(),
                    step: status.step.number(),
                },
            });
        }
    }
    if information_needs_confirmation {
        blockers.push(Blocker {
            message: "Supplier and product information: this product was onboarded to another service; review the information sheet and confirm it".into(),
            at: BlockerAt::Information,
        });
    }
    blockers
}

/// The step rules a completed workbook can be held to offline (`scal check`): when it carries the
/// built-in information sheet, every step that reads it, as findings on that sheet. A check that
/// repeats a readiness finding word for word (the shared DSPT and penetration-test rules) is not
/// listed twice.
pub fn workbook_findings(sheets: &[AnsweredSheet], readiness: &[Finding], as_of: Date) -> Vec<Finding> {
    let Some(sheet) = sheets
        .iter()
        .find(|s| is_builtin_information(s.kind, s.rows.iter().map(|r| r.requirement.id.as_str())))
    else {
        return Vec::new();
    };
    let facts = CaseFacts {
        information: sheet
            .rows
            .iter()
            .map(|r| {
                (
                    r.requirement.id.clone(),
                    InfoAnswer {
                        response: r.response.clone(),
                        justification: r.justification.clone(),
                        mitigation: r.mitigation.clone(),
                        target_date: r.target_date.clone(),
                        ..Default::default()
                    },
                )
            })
            .collect(),
        issued: true,
        ..Default::default()
    };
    let mut findings = Vec::new();
    for status in assess(&facts, as_of).iter().filter(|s| s.step.gates_submission()) {
        let row = status
            .step
            .questions()
            .first()
            .and_then(|q| sheet.rows.iter().find(|r| r.requirement.id == *q))
            .map_or(0, |r| r.row);
        for check in status.checks.iter().filter(|c| c.outcome != CheckOutcome::Pass) {
            if readiness.iter().any(|f| f.message == check.message) {
                continue;
            }
            findings.push(Finding {
                sheet: sheet.name.clone(),
                row,
                requirement_id: format!("step {}", status.step.number()),
                severity: match check.outcome {
                    CheckOutcome::Red => Severity::Red,
                    CheckOutcome::Warning => Severity::Warning,
                    CheckOutcome::Error | CheckOutcome::Pass => Severity::Error,
                },
                message: format!("{}: {}", status.step.name(), check.message),
                blocking: check.blocking,
            });
        }
    }
    findings
}

/// The ODS code question is the supplier organisation's own code, as NHS England registered it:
/// any other code (a typo, another organisation's) is refused, naming the registered one.
pub fn check_own_ods(answer: &str, organisation: &str, registered: &crate::OdsCode) -> Result<(), crate::FieldError> {
    let given = answer.trim().to_ascii_uppercase();
    if given.is_empty() || given == registered.as_str() {
        Ok(())
    } else {
        Err(crate::FieldError::new(
            "answer",
            format!(
                "{given} is not your organisation's ODS code: {organisation} is registered with {}",
                registered.as_str()
            ),
        ))
    }
}

/// The first step that is not complete: what the supplier should do next.
pub fn next_step(steps: &[StepStatus]) -> Option<&StepStatus> {
    steps.iter().find(|s| !s.complete())
}

pub const NOT_A_DEVICE: &str = "Not a medical device";

/// Whether a sheet is the built-in supplier and product information sheet, the one the steps
/// read (a template may bring an information sheet of its own; that one is not): an information
/// sheet asking the built-in ODS question.
pub fn is_builtin_information<'a>(kind: SheetKind, mut requirement_ids: impl Iterator<Item = &'a str>) -> bool {
    kind == SheetKind::Information && requirement_ids.any(|id| id == info::ODS)
}

/// Question IDs of the supplier and product information sheet. Stable: answers and evidence are
/// matched by them, and the step checks read them.
pub mod info {
    pub const SHEET_NAME: &str = "Supplier and product information";
    pub const ORGANISATION: &str = "INFO-ORG";
    pub const ODS: &str = "INFO-ODS";
    pub const PRODUCT: &str = "INFO-PRODUCT";
    pub const HSCN: &str = "INFO-HSCN";
    pub const HSCN_DATE: &str = "INFO-HSCN-DATE";
    pub const DSPT_STATUS: &str = "INFO-DSPT-STATUS";
    pub const DSPT_DATE: &str = "INFO-DSPT-DATE";
    pub const CSO_NAME: &str = "INFO-CSO-NAME";
    pub const CSO_REGISTRATION: &str = "INFO-CSO-REG";
    pub const SAFETY_CASE: &str = "INFO-SAFETY-CASE";
    pub const HAZARD_LOG: &str = "INFO-HAZARD-LOG";
    pub const DEVICE: &str = "INFO-DEVICE";
    pub const DEVICE_REFERENCE: &str = "INFO-DEVICE-REF";
    pub const PENTEST_DATE: &str = "INFO-PENTEST-DATE";
    pub const PENTEST_REPORT: &str = "INFO-PENTEST-REPORT";
    pub const PENTEST_CLOSED: &str = "INFO-PENTEST-CLOSED";
    pub const SERVICE_DESK: &str = "INFO-SERVICE-DESK";
    pub const DEVELOPER_COMMUNITY: &str = "INFO-DEV-COMMUNITY";
}

/// The standard supplier and product information sheet, issued once per product when the
/// service templates do not bring their own.
pub fn information_sheet() -> TemplateSheet {
    use AnswerKind::*;
    let question = |id: &str, section: &str, text: &str, kind: AnswerKind| Requirement {
        id: id.into(),
        section: Some(section.into()),
        text: text.into(),
        level: Level::detect(text),
        answer_kind: kind,
        use_case: None,
        requirement_type: None,
        link: None,
        test_cases: None,
        test_environment: None,
        evidence_required: None,
        guidance: None,
    };
    let device_classes = Choice(
        [NOT_A_DEVICE, "Class I", "Class IIa", "Class IIb", "Class III"]
            .map(String::from)
            .to_vec(),
    );
    TemplateSheet {
        name: info::SHEET_NAME.into(),
        kind: SheetKind::Information,
        requirements: vec![
            question(info::ORGANISATION, "Organisation", "Organisation name", FreeText),
            question(info::ODS, "Organisation", "Organisation ODS code", OdsCode),
            question(info::PRODUCT, "Product", "Product name and version", FreeText),
            question(
                info::HSCN,
                "Connectivity",
                "Is the product connected to HSCN?",
                // A fact about the product, not a requirement it meets: a No is not amber. The
                // HSCN step judges it against the services (red when one needs HSCN).
                Choice(vec!["Yes".into(), "No".into(), "N/A".into()]),
            ),
            question(
                info::HSCN_DATE,
                "Connectivity",
                "Date HSCN connectivity was confirmed (MAY be left blank when no service needs HSCN)",
                Date,
            ),
            question(
                info::DSPT_STATUS,
                "Data security",
                "DSPT status",
                AnswerKind::dspt_status(),
            ),
            question(info::DSPT_DATE, "Data security", "Date DSPT published", Date),
            question(
                info::CSO_NAME,
                "Clinical safety",
                "Clinical Safety Officer name",
                FreeText,
            ),
            question(
                info::CSO_REGISTRATION,
                "Clinical safety",
                "Clinical Safety Officer professional registration (body and number)",
                FreeText,
            ),
            question(
                info::SAFETY_CASE,
                "Clinical safety",
                "Clinical safety case report (attach)",
                Attachment,
            ),
            question(info::HAZARD_LOG, "Clinical safety", "Hazard log (attach)", Attachment),
            question(info::DEVICE, "Medical device", "Medical device status", device_classes),
            question(
                info::DEVICE_REFERENCE,
                "Medical device",
                "Medical device registration reference (MAY be left blank when not a medical device)",
                FreeText,
            ),
            question(info::PENTEST_DATE, "Testing", "Date of last penetration test", Date),
            question(
                info::PENTEST_REPORT,
                "Testing",
                "Penetration test report (attach)",
                Attachment,
            ),
            question(
                info::PENTEST_CLOSED,
                "Testing",
                "All high and critical penetration test findings MUST be closed",
                Declaration,
            ),
            question(
                info::SERVICE_DESK,
                "Support",
                "National Service Desk registration reference",
                FreeText,
            ),
            question(
                info::DEVELOPER_COMMUNITY,
                "Support",
                "Have you joined the NHS developer community? (Yes/No)",
                Declaration,
            ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn answers(pairs: &[(&str, &str)]) -> HashMap<String, InfoAnswer> {
        pairs
            .iter()
            .map(|(id, value)| {
                (
                    id.to_string(),
                    InfoAnswer {
                        response: Some(value.to_string()),
                        updated_by: Some("dev@acme.example".into()),
                        updated_at: Some(1),
                        ..Default::default()
                    },
                )
            })
            .collect()
    }

    fn complete() -> HashMap<String, InfoAnswer> {
        answers(&[
            (info::ODS, "8JK21"),
            (info::HSCN, "Yes"),
            (info::HSCN_DATE, "2026-01-10"),
            (info::DSPT_STATUS, "Standards Met"),
            (info::DSPT_DATE, "2026-06-20"),
            (info::CSO_NAME, "Dr A Clinician"),
            (info::CSO_REGISTRATION, "GMC 1234567"),
            (info::SAFETY_CASE, "cscr.pdf"),
            (info::HAZARD_LOG, "hazards.xlsx"),
            (info::DEVICE, "Class I"),
            (info::DEVICE_REFERENCE, "MHRA 9911"),
            (info::PENTEST_DATE, "2026-03-01"),
            (info::PENTEST_REPORT, "pentest.pdf"),
            (info::PENTEST_CLOSED, "Yes"),
            (info::SERVICE_DESK, "NSD-4411"),
            (info::DEVELOPER_COMMUNITY, "Yes"),
        ])
    }

    const TODAY: Date = date!(2026 - 11 - 24);

    fn states(facts: &CaseFacts<'_>) -> Vec<StepState> {
        assess(facts, TODAY).into_iter().map(|s| s.state).collect()
    }

    #[test]
    fn a_complete_case_is_done_except_submission_and_nothing_blocks() {
        use StepState::*;
        let facts = CaseFacts {
            use_case_required: true,
            hscn_required: true,
            use_case: Some("Retrieve demographics at registration"),
            information: complete(),
            issued: true,
            ..Default::default()
        };
        assert_eq!(
            states(&facts),
            [Done, Done, Done, Done, Done, Done, Done, Done, Done, NotStarted]
        );
        let steps = assess(&facts, TODAY);
        assert!(submission_blockers(&[], &[("PDS".into(), steps.clone())], false).is_empty());
        assert_eq!(steps[4].updated_by.as_deref(), Some("dev@acme.example"));
        assert_eq!(
            submission_blockers(&[], &[("PDS".into(), steps)], true).len(),
            1,
            "an information sheet to confirm again blocks"
        );
    }

    #[test]
    fn an_empty_case_names_what_is_missing_and_skips_what_does_not_apply() {
        use StepState::*;
        let facts = CaseFacts {
            issued: true,
            ..Default::default()
        };
        assert_eq!(
            states(&facts),
            [
                NotApplicable,
                Done,
                NotStarted,
                NotApplicable,
                NotStarted,
                NotStarted,
                NotStarted,
                NotStarted,
                NotStarted,
                NotStarted
            ]
        );
        let blockers = submission_blockers(&[], &[("MESH".into(), assess(&facts, TODAY))], false);
        assert_eq!(blockers.len(), 6, "{blockers:#?}");
        assert!(blockers[0].message.contains("step 3") && blockers[0].message.contains("ODS code"));
        assert_eq!(
            blockers[0].at,
            BlockerAt::Step {
                service: "MESH".into(),
                step: 3
            }
        );
    }

    #[test]
    fn approaching_standards_and_an_old_dspt_are_red_until_mitigated() {
        let mut information = complete();
        information.insert(
            info::DSPT_STATUS.into(),
            InfoAnswer {
                response: Some("Approaching Standards".into()),
                ..Default::default()
            },
        );
        information.insert(
            info::DSPT_DATE.into(),
            InfoAnswer {
                response: Some("2025-05-01".into()),
                ..Default::default()
            },
        );
        let mut facts = CaseFacts {
            information,
            ..Default::default()
        };
        let dspt = &assess(&facts, TODAY)[4];
        assert_eq!(dspt.state, StepState::InProgress);
        assert_eq!(
            dspt.checks.iter().map(|c| (c.outcome, c.blocking)).collect::<Vec<_>>(),
            [(CheckOutcome::Red, true), (CheckOutcome::Red, true)]
        );
        for id in [info::DSPT_STATUS, info::DSPT_DATE] {
            if let Some(a) = facts.information.get_mut(id) {
                a.mitigation = Some("Action plan agreed, publishing by January".into());
            }
        }
        let dspt = &assess(&facts, TODAY)[4];
        assert_eq!(dspt.state, StepState::Done, "red with a mitigation no longer blocks");
        assert!(dspt
            .checks
            .iter()
            .all(|c| c.outcome == CheckOutcome::Red && !c.blocking));
    }

    #[test]
    fn testing_needs_a_recent_test_its_report_and_closed_findings() {
        let mut information = complete();
        information.insert(
            info::PENTEST_DATE.into(),
            InfoAnswer {
                response: Some("2025-10-01".into()),
                ..Default::default()
            },
        );
        information.insert(
            info::PENTEST_CLOSED.into(),
            InfoAnswer {
                response: Some("No".into()),
                ..Default::default()
            },
        );
        information.remove(info::PENTEST_REPORT);
        let facts = CaseFacts {
            information,
            ..Default::default()
        };
        let testing = &assess(&facts, TODAY)[7];
        assert_eq!(testing.state, StepState::InProgress);
        let outcomes: Vec<_> = testing.checks.iter().map(|c| c.outcome).collect();
        assert_eq!(outcomes, [CheckOutcome::Error, CheckOutcome::Error, CheckOutcome::Red]);
    }

    #[test]
    fn hscn_no_is_red_and_a_medical_device_needs_its_reference() {
        let mut information = complete();
        information.insert(
            info::HSCN.into(),
            InfoAnswer {
                response: Some("No".into()),
                ..Default::default()
            },
        );
        information.remove(info::DEVICE_REFERENCE);
        let facts = CaseFacts {
            hscn_required: true,
            information,
            ..Default::default()
        };
        let steps = assess(&facts, TODAY);
        assert_eq!(steps[3].checks[0].outcome, CheckOutcome::Red);
        assert!(steps[3].checks[0].blocking);
        assert_eq!(steps[6].state, StepState::InProgress);
        assert!(steps[6].checks[0].message.contains("registration reference"));
    }

    #[test]
    fn ods_lookup_failures_warn_but_unknown_codes_block() {
        let mut facts = CaseFacts {
            information: complete(),
            ods_lookup: Some(OdsLookup::Failed("timed out".into())),
            ..Default::default()
        };
        let ods = &assess(&facts, TODAY)[2];
        assert_eq!(ods.state, StepState::Done);
        assert_eq!(ods.checks[1].outcome, CheckOutcome::Warning);
        facts.ods_lookup = Some(OdsLookup::NotFound);
        assert_eq!(assess(&facts, TODAY)[2].state, StepState::InProgress);
    }

    #[test]
    fn a_workbook_with_the_information_sheet_is_held_to_the_step_rules() {
        let sheet = information_sheet();
        let answers = complete();
        let rows = |skip: &[&str]| {
            sheet
                .requirements
                .iter()
                .enumerate()
                .map(|(i, r)| crate::check::AnsweredRow {
                    row: i + 2,
                    requirement: r.clone(),
                    response: answers
                        .get(&r.id)
                        .filter(|_| !skip.contains(&r.id.as_str()))
                        .and_then(|a| a.response.clone()),
                    justification: None,
                    mitigation: None,
                    target_date: None,
                })
                .collect::<Vec<_>>()
        };
        let workbook = |skip: &[&str]| {
            vec![AnsweredSheet {
                name: sheet.name.clone(),
                kind: SheetKind::Information,
                rows: rows(skip),
            }]
        };
        assert!(workbook_findings(&workbook(&[]), &[], TODAY).is_empty());
        let found = workbook_findings(&workbook(&[info::HAZARD_LOG, info::DEVICE_REFERENCE]), &[], TODAY);
        let messages: Vec<&str> = found.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "Manage clinical risk (DCB0129): Attach the hazard log",
                "Declare medical device status: A Class I medical device needs its registration reference"
            ]
        );
        assert!(found
            .iter()
            .all(|f| f.blocking && f.requirement_id.starts_with("step ")));
        assert_eq!(found[0].row, 9, "the step's first question");
    }

    #[test]
    fn the_information_sheet_has_unique_ids_and_every_step_question_is_on_it() {
        let sheet = information_sheet();
        let ids: std::collections::HashSet<&str> = sheet.requirements.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids.len(), sheet.requirements.len());
        for step in Step::ALL {
            for q in step.questions() {
                assert!(ids.contains(q), "{q}");
            }
        }
        assert_eq!(Step::Submission.number(), 10);
    }
}
