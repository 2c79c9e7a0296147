//! The certificate of technical conformance: the facts it states (signed, so anyone can check
//! them), when NHS England may issue one, and its status, which is derived from facts and today's
//! date and never stored.

use time::Date;

use crate::signing::{self, Jwks};

/// The JWS `typ` of a certificate: a signature over certificate facts is not one over anything
/// else the same keys sign (audit checkpoints).
pub const JWS_TYPE: &str = "scal-certificate";

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
    /// The stored certificate does not check out against its own signature and the published
    /// keys (altered, forged or signed by a key no longer published): nothing it states can be
    /// relied on. See [`verify_signed`].
    Unverifiable {
        reason: String,
    },
}

impl CertificateStatus {
    /// Every [`CertificateStatus::code`], for the API document.
    pub const CODES: [&'static str; 5] = ["valid", "suspended", "expired", "revoked", "unverifiable"];

    pub fn code(&self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Suspended { .. } => "suspended",
            Self::Expired { .. } => "expired",
            Self::Revoked { .. } => "revoked",
            Self::Unverifiable { .. } => "unverifiable",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Self::Valid => "Valid",
            Self::Suspended { .. } => "Suspended",
            Self::Expired { .. } => "Expired",
            Self::Revoked { .. } => "Revoked",
            Self::Unverifiable { .. } => "Cannot be verified",
        }
    }

    /// The status in a sentence after the certificate's name: "is valid", "cannot be verified".
    pub fn phrase(&self) -> String {
        match self {
            Self::Unverifiable { .. } => "cannot be verified".into(),
            other => format!("is {}", other.label().to_lowercase()),
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

/// **The** rule for a certificate's status on `today`: revoked (final) before cannot be verified
/// (`unverifiable`: why [`verify_signed`] refused it; `facts` are then not to be relied on) before
/// expired before suspended (a condition past its due date that NHS England has not confirmed as
/// met) before valid. `progress` is each of `facts.conditions`' progress, in the same order.
pub fn status(
    facts: &CertificateFacts,
    revoked: Option<&str>,
    unverifiable: Option<&str>,
    progress: &[ConditionProgress],
    uplifts: &[(String, Date)],
    today: Date,
) -> CertificateStatus {
    if let Some(reason) = revoked {
        return CertificateStatus::Revoked { reason: reason.into() };
    }
    if let Some(reason) = unverifiable {
        return CertificateStatus::Unverifiable { reason: reason.into() };
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
        // An uplift not accepted by its due date suspends the certificate too.
        .chain(
            uplifts
                .iter()
                .filter(|(_, due)| crate::uplift::overdue(*due, today))
                .map(|(why, due)| format!("The {why} (due {due})")),
        )
        .collect();
    if overdue.is_empty() {
        CertificateStatus::Valid
    } else {
        CertificateStatus::Suspended { overdue }
    }
}

/// Why a stored certificate cannot be verified, and the facts to show for it anyway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unverifiable {
    /// In words, naming the check that failed.
    pub reason: String,
    /// The facts as signed, when the signature holds but they are not the stored ones (or not this
    /// certificate's); `None` when the signature does not verify.
    pub signed: Option<Box<CertificateFacts>>,
}

/// Checks a stored certificate (its row's ID, `jws` and `facts` column) against the published
/// keys: the JWS must verify as a certificate ([`JWS_TYPE`]), its payload must be certificate
/// facts, for this certificate ID, and equal to the stored facts. `Ok` is the facts *as signed*,
/// the only ones to show.
pub fn verify_signed(
    certificate_id: &str,
    jws: &str,
    stored_facts: &str,
    jwks: &Jwks,
) -> Result<CertificateFacts, Unverifiable> {
    let fail = |reason: String, signed: Option<CertificateFacts>| Unverifiable {
        reason,
        signed: signed.map(Box::new),
    };
    let verified = signing::verify_typed(jws, jwks, JWS_TYPE)
        .map_err(|e| fail(format!("its signature does not check out ({e})"), None))?;
    let signed: CertificateFacts = serde_json::from_value(verified.json)
        .map_err(|e| fail(format!("what is signed is not a certificate's facts ({e})"), None))?;
    if signed.certificate_id != certificate_id {
        return Err(fail(
            format!(
                "it carries the signature of another certificate ({})",
                signed.certificate_id
            ),
            Some(signed),
        ));
    }
    let differ = differing_fields(stored_facts, &signed);
    if !differ.is_empty() {
        return Err(fail(
            format!("the stored facts differ from the signed ones ({})", differ.join(", ")),
            Some(signed),
        ));
    }
    Ok(signed)
}

/// The top-level fields of `stored` (JSON) that are not what `signed` states; every field when
/// `stored` is not certificate facts.
fn differing_fields(stored: &str, signed: &CertificateFacts) -> Vec<String> {
    let signed = serde_json::to_value(signed).unwrap_or_default();
    let Some(signed) = signed.as_object() else {
        return vec!["all".into()];
    };
    match serde_json::from_str::<serde_json::Value>(stored) {
        Ok(serde_json::Value::Object(stored)) => {
            let mut names: Vec<String> = signed
                .iter()
                .filter(|(k, v)| stored.get(*k) != Some(*v))
                .map(|(k, _)| k.clone())
                .chain(stored.keys().filter(|k| !signed.contains_key(*k)).cloned())
                .collect();
            names.sort();
            names
        }
        _ => vec!["not readable".into()],
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
    #[test]
    fn every_status_code_is_listed() {
        use super::CertificateStatus as S;
        let date = time::macros::date!(2026 - 01 - 01);
        for status in [
            S::Valid,
            S::Suspended { overdue: vec![] },
            S::Expired { on: date },
            S::Revoked { reason: String::new() },
            S::Unverifiable { reason: String::new() },
        ] {
            assert!(S::CODES.contains(&status.code()), "{}", status.code());
        }
    }

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
            status(&cert, None, None, &none, &[], date!(2027 - 03 - 31)),
            CertificateStatus::Valid
        );
        let suspended = status(&cert, None, None, &none, &[], date!(2027 - 04 - 01));
        // An open uplift past its due date suspends it too; before the date it does not.
        let uplift = [("uplift to GP Connect version 2".to_string(), date!(2027 - 02 - 01))];
        assert_eq!(
            status(&cert, None, None, &none, &uplift, date!(2027 - 02 - 01)).code(),
            "valid"
        );
        assert_eq!(
            status(&cert, None, None, &none, &uplift, date!(2027 - 02 - 02)),
            CertificateStatus::Suspended {
                overdue: vec!["The uplift to GP Connect version 2 (due 2027-02-01)".into()]
            }
        );
        assert_eq!(suspended.code(), "suspended");
        let met = [ConditionProgress {
            met: true,
            confirmed: false,
        }];
        assert_eq!(
            status(&cert, None, None, &met, &[], date!(2027 - 04 - 01)).code(),
            "suspended",
            "met but not yet confirmed by NHS England"
        );
        let confirmed = [ConditionProgress {
            met: true,
            confirmed: true,
        }];
        assert_eq!(
            status(&cert, None, None, &confirmed, &[], date!(2027 - 04 - 01)),
            CertificateStatus::Valid
        );
        assert_eq!(
            status(&cert, None, None, &confirmed, &[], date!(2028 - 12 - 02)),
            CertificateStatus::Expired {
                on: date!(2028 - 12 - 01)
            }
        );
        assert_eq!(
            status(&cert, Some("Fraud"), None, &confirmed, &[], date!(2026 - 12 - 02)),
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

    #[test]
    fn a_stored_certificate_is_believed_only_as_signed() {
        let signer = crate::signing::Signer::from_seed(&[3; 32]);
        let jwks = Jwks {
            keys: vec![signer.public_jwk(None)],
        };
        let cert = facts(Vec::new(), None);
        let jws = signer.sign_json(JWS_TYPE, &cert).unwrap();
        let stored = String::from_utf8(signing::canonical_json(&cert).unwrap()).unwrap();
        assert_eq!(verify_signed("c", &jws, &stored, &jwks), Ok(cert.clone()));

        // The facts column changed: the signed facts are the ones shown, the change named.
        let altered = stored.replace("8QW47", "8QW48");
        let refused = verify_signed("c", &jws, &altered, &jwks).unwrap_err();
        assert!(refused.reason.contains("supplier_ods_code"), "{}", refused.reason);
        assert_eq!(refused.signed, Some(Box::new(cert.clone())));

        // The JWS changed, or signed by a key not published, or another kind of statement.
        let mut parts: Vec<String> = jws.split('.').map(String::from).collect();
        parts[1] = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, altered.as_bytes());
        let forged = verify_signed("c", &parts.join("."), &altered, &jwks).unwrap_err();
        assert!(forged.reason.contains("bad signature"), "{}", forged.reason);
        assert_eq!(forged.signed, None);
        let stranger = crate::signing::Signer::from_seed(&[4; 32])
            .sign_json(JWS_TYPE, &cert)
            .unwrap();
        assert!(verify_signed("c", &stranger, &stored, &jwks)
            .unwrap_err()
            .reason
            .contains("unknown key"));
        let checkpoint = signer.sign_json("scal-audit-checkpoint", &cert).unwrap();
        assert!(verify_signed("c", &checkpoint, &stored, &jwks)
            .unwrap_err()
            .reason
            .contains("wrong type"));

        // Another certificate's genuine JWS copied into this row.
        assert!(verify_signed("d", &jws, &stored, &jwks)
            .unwrap_err()
            .reason
            .contains("another certificate"));

        // The status says so, after revocation only.
        let none: [ConditionProgress; 0] = [];
        let today = date!(2026 - 12 - 02);
        assert_eq!(status(&cert, None, Some("x"), &none, &[], today).code(), "unverifiable");
        assert_eq!(
            status(&cert, Some("Fraud"), Some("x"), &none, &[], today).code(),
            "revoked"
        );
        assert_eq!(
            status(&cert, None, Some("x"), &none, &[], today).phrase(),
            "cannot be verified"
        );
        assert_eq!(CertificateStatus::Valid.phrase(), "is valid");
    }
}
