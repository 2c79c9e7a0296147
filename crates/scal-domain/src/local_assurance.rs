//! An end user organisation's DCB0160 local assurance of a shared product: its Clinical Safety
//! Officer, its own clinical safety case report and local hazard log, local controls, a decision
//! and the deployment's go-live date.
//!
//! [`decision_blockers`] is **the** gate on approving: an EUO cannot approve a product whose
//! certificate is not valid, whose current acceptable use policy it has not acknowledged, or
//! without its own safety case and hazard log. [`next_action`] is what its dashboard says to do.

use time::Date;

use crate::field::required_text;
use crate::share::parse_date;
use crate::{FieldError, Invalid};

/// The EUO's decision on deploying the product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approved,
    ApprovedWithLocalControls,
    NotApproved,
}

impl Decision {
    pub const ALL: [Decision; 3] = [
        Decision::Approved,
        Decision::ApprovedWithLocalControls,
        Decision::NotApproved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approved => "approved",
            Self::ApprovedWithLocalControls => "approved_with_local_controls",
            Self::NotApproved => "not_approved",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Approved => "Approved for deployment",
            Self::ApprovedWithLocalControls => "Approved with local controls",
            Self::NotApproved => "Not approved",
        }
    }

    pub fn approves(self) -> bool {
        !matches!(self, Self::NotApproved)
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let raw = crate::field::trim(raw);
        if raw.is_empty() {
            return Err(FieldError::new("decision", "Choose a decision"));
        }
        Self::ALL.into_iter().find(|d| d.as_str() == raw).ok_or_else(|| {
            FieldError::new(
                "decision",
                "Decision must be one of approved, approved_with_local_controls or not_approved",
            )
        })
    }
}

/// The Clinical Safety Officer: name and professional registration (for example "GMC 1234567").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafetyOfficer {
    pub name: String,
    pub registration: String,
}

fn one_line(field: &str, label: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let value = required_text(field, label, raw, max)?;
    if value.contains(['\n', '\r', '\t']) {
        return Err(FieldError::new(field, format!("Enter {label} on one line")));
    }
    Ok(value)
}

pub fn parse_safety_officer(name: &str, registration: &str) -> Result<SafetyOfficer, Invalid> {
    let mut errors = Invalid::default();
    let name = errors.check(one_line(
        "cso_name",
        "the Clinical Safety Officer's full name",
        name,
        200,
    ));
    let registration = errors.check(one_line(
        "cso_registration",
        "their professional registration, like GMC 1234567",
        registration,
        100,
    ));
    errors.finish(|| {
        Some(SafetyOfficer {
            name: name?,
            registration: registration?,
        })
    })
}

/// Local controls: what the EUO does locally to manage the product's risks (up to 10,000
/// characters; may be cleared).
pub fn parse_local_controls(raw: &str) -> Result<String, Invalid> {
    crate::field::optional_text("local_controls", "the local controls", raw, 10_000).map_err(|e| Invalid(vec![e]))
}

/// A decision as recorded, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionInput {
    pub decision: Decision,
    pub decided_on: Date,
}

/// Parses a decision and the date it was made (not after `today`).
pub fn parse_decision(decision: &str, decided_on: &str, today: Date) -> Result<DecisionInput, Invalid> {
    let mut errors = Invalid::default();
    let decision = errors.check(Decision::parse(decision));
    let decided_on = errors.check(
        parse_date("decided_on", "date of the decision", decided_on).and_then(|d| {
            if d > today {
                Err(FieldError::new(
                    "decided_on",
                    format!("The date of the decision must be today or earlier (today is {today})"),
                ))
            } else {
                Ok(d)
            }
        }),
    );
    errors.finish(|| {
        Some(DecisionInput {
            decision: decision?,
            decided_on: decided_on?,
        })
    })
}

/// What the gate and the dashboard need to know.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Facts {
    /// The product's certificate status code and label today (`None`: no certificate).
    pub certificate: Option<(bool, String)>,
    /// Whether the supplier has a policy in effect, and whether this EUO acknowledged it.
    pub policy_current: bool,
    pub policy_acknowledged: bool,
    pub safety_officer: bool,
    pub safety_case: bool,
    pub hazard_log: bool,
    pub local_controls: bool,
    pub decision: Option<Decision>,
    pub go_live_on: Option<Date>,
}

/// Why an approving decision is refused.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum DecisionBlocker {
    NoCertificate,
    CertificateNotValid { status: String },
    NoPolicy,
    PolicyNotAcknowledged,
    NoSafetyOfficer,
    NoSafetyCase,
    NoHazardLog,
    NoLocalControls,
}

impl DecisionBlocker {
    pub fn message(&self) -> String {
        match self {
            Self::NoCertificate => "The product has no certificate of technical conformance".into(),
            Self::CertificateNotValid { status } => {
                format!("The product's certificate is {}", status.to_lowercase())
            }
            Self::NoPolicy => "The supplier has not published an acceptable use policy in effect".into(),
            Self::PolicyNotAcknowledged => {
                "Your organisation has not acknowledged the current acceptable use policy".into()
            }
            Self::NoSafetyOfficer => "Name your Clinical Safety Officer".into(),
            Self::NoSafetyCase => "Upload your clinical safety case report".into(),
            Self::NoHazardLog => "Upload your local hazard log".into(),
            Self::NoLocalControls => "Describe the local controls".into(),
        }
    }
}

/// **The** gate on a decision: none for "not approved"; for an approval, the certificate valid,
/// the current policy acknowledged, the Clinical Safety Officer named, the safety case report
/// and hazard log uploaded, and for "approved with local controls" the controls described.
pub fn decision_blockers(facts: &Facts, decision: Decision) -> Vec<DecisionBlocker> {
    let mut out = Vec::new();
    if !decision.approves() {
        return out;
    }
    match &facts.certificate {
        None => out.push(DecisionBlocker::NoCertificate),
        Some((false, label)) => out.push(DecisionBlocker::CertificateNotValid { status: label.clone() }),
        Some((true, _)) => {}
    }
    if !facts.policy_current {
        out.push(DecisionBlocker::NoPolicy);
    } else if !facts.policy_acknowledged {
        out.push(DecisionBlocker::PolicyNotAcknowledged);
    }
    if !facts.safety_officer {
        out.push(DecisionBlocker::NoSafetyOfficer);
    }
    if !facts.safety_case {
        out.push(DecisionBlocker::NoSafetyCase);
    }
    if !facts.hazard_log {
        out.push(DecisionBlocker::NoHazardLog);
    }
    if decision == Decision::ApprovedWithLocalControls && !facts.local_controls {
        out.push(DecisionBlocker::NoLocalControls);
    }
    out
}

/// Parses the deployment's go-live date: only after an approving decision, and not before it.
pub fn parse_go_live(raw: &str, decision: Option<(Decision, Date)>) -> Result<Date, Invalid> {
    let date = parse_date("go_live_on", "go-live date", raw).map_err(|e| Invalid(vec![e]))?;
    match decision {
        Some((d, on)) if d.approves() => {
            if date < on {
                Err(Invalid::one(
                    "go_live_on",
                    format!("The go-live date must be on or after the decision ({on})"),
                ))
            } else {
                Ok(date)
            }
        }
        _ => Err(Invalid::one(
            "go_live_on",
            "Record a decision approving deployment before its go-live date",
        )),
    }
}

/// The next thing the EUO has to do, in the order local assurance goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NextAction {
    AcknowledgePolicy,
    NameSafetyOfficer,
    UploadSafetyCase,
    UploadHazardLog,
    RecordDecision,
    RecordGoLive,
    /// Nothing to do: deployed, or not approved.
    None,
}

impl NextAction {
    pub fn label(self) -> &'static str {
        match self {
            Self::AcknowledgePolicy => "Acknowledge the acceptable use policy",
            Self::NameSafetyOfficer => "Name your Clinical Safety Officer",
            Self::UploadSafetyCase => "Upload your clinical safety case report",
            Self::UploadHazardLog => "Upload your local hazard log",
            Self::RecordDecision => "Record your decision",
            Self::RecordGoLive => "Record the go-live date",
            Self::None => "None",
        }
    }
}

pub fn next_action(facts: &Facts) -> NextAction {
    if facts.policy_current && !facts.policy_acknowledged {
        NextAction::AcknowledgePolicy
    } else if facts.decision.is_none() && !facts.safety_officer {
        NextAction::NameSafetyOfficer
    } else if facts.decision.is_none() && !facts.safety_case {
        NextAction::UploadSafetyCase
    } else if facts.decision.is_none() && !facts.hazard_log {
        NextAction::UploadHazardLog
    } else if facts.decision.is_none() {
        NextAction::RecordDecision
    } else if facts.decision.is_some_and(Decision::approves) && facts.go_live_on.is_none() {
        NextAction::RecordGoLive
    } else {
        NextAction::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn ready() -> Facts {
        Facts {
            certificate: Some((true, "Valid".into())),
            policy_current: true,
            policy_acknowledged: true,
            safety_officer: true,
            safety_case: true,
            hazard_log: true,
            local_controls: false,
            decision: None,
            go_live_on: None,
        }
    }

    #[test]
    fn approval_needs_a_valid_certificate_an_acknowledged_policy_and_the_euos_own_safety_documents() {
        assert!(decision_blockers(&ready(), Decision::Approved).is_empty());
        assert_eq!(
            decision_blockers(&ready(), Decision::ApprovedWithLocalControls),
            [DecisionBlocker::NoLocalControls]
        );
        let suspended = Facts {
            certificate: Some((false, "Suspended".into())),
            policy_acknowledged: false,
            hazard_log: false,
            ..ready()
        };
        let blockers = decision_blockers(&suspended, Decision::Approved);
        assert_eq!(
            blockers,
            [
                DecisionBlocker::CertificateNotValid {
                    status: "Suspended".into()
                },
                DecisionBlocker::PolicyNotAcknowledged,
                DecisionBlocker::NoHazardLog,
            ]
        );
        assert_eq!(blockers[0].message(), "The product's certificate is suspended");
        // Not approving is always possible: that is the point of a local decision.
        assert!(decision_blockers(&suspended, Decision::NotApproved).is_empty());
        let nothing = Facts::default();
        assert!(decision_blockers(&nothing, Decision::Approved).contains(&DecisionBlocker::NoPolicy));
    }

    #[test]
    fn a_decision_is_dated_today_or_earlier_and_go_live_follows_an_approval() {
        let today = date!(2026 - 12 - 01);
        let err = parse_decision("maybe", "02/12/2026", today).unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["decision", "decided_on"]);
        let ok = parse_decision("approved", "2026-11-30", today).unwrap();
        assert_eq!(ok.decided_on, date!(2026 - 11 - 30));
        assert!(parse_go_live("2026-12-10", None).is_err());
        assert!(parse_go_live("2026-12-10", Some((Decision::NotApproved, today))).is_err());
        assert!(parse_go_live("2026-11-10", Some((Decision::Approved, today))).is_err());
        assert_eq!(
            parse_go_live("10/12/2026", Some((Decision::Approved, today))).unwrap(),
            date!(2026 - 12 - 10)
        );
    }

    #[test]
    fn the_safety_officer_needs_a_name_and_registration_on_one_line() {
        let err = parse_safety_officer("Dr A\nB", "").unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["cso_name", "cso_registration"]);
        assert!(parse_safety_officer("Dr Asha Patel", "GMC 7654321").is_ok());
    }

    #[test]
    fn the_next_action_follows_the_order_of_local_assurance() {
        let start = Facts {
            policy_current: true,
            ..Facts::default()
        };
        assert_eq!(next_action(&start), NextAction::AcknowledgePolicy);
        let mut f = ready();
        f.safety_officer = false;
        assert_eq!(next_action(&f), NextAction::NameSafetyOfficer);
        assert_eq!(next_action(&ready()), NextAction::RecordDecision);
        let approved = Facts {
            decision: Some(Decision::Approved),
            ..ready()
        };
        assert_eq!(next_action(&approved), NextAction::RecordGoLive);
        let live = Facts {
            go_live_on: Some(date!(2026 - 12 - 10)),
            ..approved
        };
        assert_eq!(next_action(&live), NextAction::None);
    }
}
