//! The certificate of technical conformance: the facts it states (signed, so anyone can check
//! them), when NHS England may issue one, and its status, which is derived from facts and today's
//! date and never stored.

use time::Date;

/// A condition a red item was agreed on, as the certificate states it, with where it stands.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CertificateCondition {
    /// The requirement it is about.
    pub requirement_id: String,
    pub text: String,
    pub due: Date,
}

/// What a certificate states. Its canonical JSON is what is signed; nothing else is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CertificateFacts {
    pub certificate_id: String,
    /// People quote it: `SCAL-C-000042`.
    pub number: String,
    pub supplier: String,
    pub supplier_ods_code: String,
    pub product: String,
    pub product_version: String,
    /// Service codes.
    pub services: Vec<String>,
    /// Each template and version the SCAL was issued from, as `name version N`.
    pub templates: Vec<String>,
    pub accepted_round: i64,
    /// The accepted round's snapshot SHA-256: exactly what NHS England accepted.
    pub snapshot_sha256: String,
    pub conditions: Vec<CertificateCondition>,
    pub issued_on: Date,
    pub expires_on: Option<Date>,
    /// Who issued it, for NHS England.
    pub issuer: String,
}

/// The certificate number people quote, from its sequence number.
pub fn number(sequence: i64) -> String {
    format!("SCAL-C-{sequence:06}")
}

/// Where a certificate stands on a day. Derived every time from the facts; never stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum CertificateStatus {
    Valid,
    /// A condition is overdue and not yet confirmed as met: lifted once NHS England confirms it.
    Suspended {
        overdue: Vec<String>,
    },
    Expired {
        on: Date,
    },
    /// Final.
    Revoked {
        reason: String,
    },
}

impl CertificateStatus {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Suspended { .. } => "suspended",
            Self::Expired { .. } => "expired",
            Self::Revoked { .. } => "revoked",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Self::Valid => "Valid",
            Self::Suspended { .. } => "Suspended",
            Self::Expired { .. } => "Expired",
            Self::Revoked { .. } => "Revoked",
        }
    }

    pub fn is_valid(&self) -> bool {
        *self == Self::Valid
    }
}

/// A condition's progress: met by the supplier, confirmed by NHS England.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConditionProgress {
    pub met: bool,
    pub confirmed: bool,
}

/// **The** rule for a certificate's status on `today`: revoked (final) before expired before
/// suspended (a condition past its due date that NHS England has not confirmed as met) before
/// valid. `progress` is each of `facts.conditions`' progress, in the same order.
pub fn status(
    facts: &CertificateFacts,
    revoked: Option<&str>,
    progress: &[ConditionProgress],
    today: Date,
) -> CertificateStatus {
    if let Some(reason) = revoked {
        return CertificateStatus::Revoked { reason: reason.into() };
    }
    if let Some(on) = facts.expires_on.filter(|on| today > *on) {
        return CertificateStatus::Expired { on };
    }
    let overdue: Vec<String> = facts
        .conditions
        .iter()
        .enumerate()
        .filter(|(i, c)| today > c.due && !progress.get(*i).is_some_and(|p| p.confirmed))
        .map(|(_, c)| format!("{}: {} (due {})", c.requirement_id, c.text, c.due))
        .collect();
    if overdue.is_empty() {
        CertificateStatus::Valid
    } else {
        CertificateStatus::Suspended { overdue }
    }
}

/// Why NHS England cannot issue a certificate for a SCAL now (empty: it can): the SCAL must be
/// accepted, testing complete, and no certificate issued for the same accepted round.
pub fn issue_blockers(accepted_round: Option<i64>, incomplete_tests: &[String], already_issued: bool) -> Vec<String> {
    let mut blockers = Vec::new();
    match accepted_round {
        None => blockers.push("The SCAL has not been accepted: NHS England accepts a round first".to_string()),
        Some(_) if already_issued => {
            blockers.push("A certificate has already been issued for the accepted round".to_string())
        }
        Some(_) => {}
    }
    blockers.extend(
        incomplete_tests
            .iter()
            .map(|t| format!("Technical conformance testing is not complete: {t}")),
    );
    blockers
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn facts(conditions: Vec<CertificateCondition>, expires_on: Option<Date>) -> CertificateFacts {
        CertificateFacts {
            certificate_id: "c".into(),
            number: number(42),
            supplier: "Brightwater Clinical".into(),
            supplier_ods_code: "8QW47".into(),
            product: "Brightwater Connect".into(),
            product_version: "1.4".into(),
            services: vec!["GPC-SEND-DOC".into()],
            templates: vec!["GP Connect: Send Document version 1".into()],
            accepted_round: 1,
            snapshot_sha256: "ab".repeat(32),
            conditions,
            issued_on: date!(2026 - 12 - 01),
            expires_on,
            issuer: "reviewer@nhse.example".into(),
        }
    }

    #[test]
    fn status_is_revoked_then_expired_then_suspended_then_valid() {
        let condition = CertificateCondition {
            requirement_id: "GPCM-C-1".into(),
            text: "MESH live".into(),
            due: date!(2027 - 03 - 31),
        };
        let cert = facts(vec![condition], Some(date!(2028 - 12 - 01)));
        let none = [ConditionProgress::default()];
        assert_eq!(
            status(&cert, None, &none, date!(2027 - 03 - 31)),
            CertificateStatus::Valid
        );
        let suspended = status(&cert, None, &none, date!(2027 - 04 - 01));
        assert_eq!(suspended.code(), "suspended");
        let met = [ConditionProgress {
            met: true,
            confirmed: false,
        }];
        assert_eq!(
            status(&cert, None, &met, date!(2027 - 04 - 01)).code(),
            "suspended",
            "met but not yet confirmed by NHS England"
        );
        let confirmed = [ConditionProgress {
            met: true,
            confirmed: true,
        }];
        assert_eq!(
            status(&cert, None, &confirmed, date!(2027 - 04 - 01)),
            CertificateStatus::Valid
        );
        assert_eq!(
            status(&cert, None, &confirmed, date!(2028 - 12 - 02)),
            CertificateStatus::Expired {
                on: date!(2028 - 12 - 01)
            }
        );
        assert_eq!(
            status(&cert, Some("Fraud"), &confirmed, date!(2026 - 12 - 02)),
            CertificateStatus::Revoked { reason: "Fraud".into() }
        );
        assert_eq!(number(7), "SCAL-C-000007");
    }

    #[test]
    fn a_certificate_waits_for_acceptance_and_testing_and_is_issued_once_per_round() {
        assert_eq!(issue_blockers(None, &[], false).len(), 1);
        assert!(issue_blockers(Some(1), &[], false).is_empty());
        assert_eq!(
            issue_blockers(Some(1), &["GPCM-SD-TST-01 has no result".into()], true),
            vec![
                "A certificate has already been issued for the accepted round".to_string(),
                "Technical conformance testing is not complete: GPCM-SD-TST-01 has no result".to_string(),
            ]
        );
    }
}
