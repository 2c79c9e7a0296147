//! The connection agreement: the versions NHS England publishes (identified by their text's
//! SHA-256), an agreement prepared for a certified product (`CNTR` and seven digits) and accepted
//! by the supplier's named signatory against the consent statement, the *seal* of that acceptance
//! (a SHA-256 over exactly what was accepted, by whom, when and from where) and how a claimed seal
//! is checked; an agreement's state, derived; and **the** go-live gate.

use sha2::{Digest, Sha256};
use time::Date;

use crate::certificate::CertificateStatus;
use crate::check::{dspt_published_rule, dspt_status_rule, penetration_test_rule};
use crate::field::{required_text, trim};
use crate::{FieldError, Invalid};

/// What the signatory agrees to, word for word. It is part of every seal, so changing it changes
/// no seal already made.
pub const CONSENT_STATEMENT: &str = "I confirm that I am authorised to accept this connection agreement on behalf of \
     my organisation, that I have read it in full, and that my organisation agrees to be bound by it for the product \
     and services it names.";

/// A new agreement version as NHS England publishes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionInput {
    pub title: String,
    pub text: String,
    pub effective_date: Date,
}

/// Reads a version's title (at most 200 characters), text (at most 200,000) and effective date
/// (the one date parser), reporting every problem at once.
pub fn parse_version(title: &str, text: &str, effective_date: &str) -> Result<VersionInput, Invalid> {
    let mut errors = Vec::new();
    let title = required_text("title", "the title", title, 200)
        .and_then(|t| single_line("title", "The title", t))
        .map_err(|e| errors.push(e))
        .ok();
    let text = required_text("text", "the agreement's text", text, 200_000)
        .map_err(|e| errors.push(e))
        .ok();
    let effective = match trim(effective_date) {
        "" => {
            errors.push(FieldError::new("effective_date", "Enter the date it takes effect"));
            None
        }
        raw => crate::check::read_date(raw)
            .map(|r| r.date)
            .map_err(|e| errors.push(FieldError::new("effective_date", e.message)))
            .ok(),
    };
    match (title, text, effective) {
        (Some(title), Some(text), Some(effective_date)) if errors.is_empty() => Ok(VersionInput {
            title,
            text,
            effective_date,
        }),
        _ => Err(Invalid(errors)),
    }
}

fn single_line(field: &str, label: &str, value: String) -> Result<String, FieldError> {
    if value.contains(['\n', '\r', '\t']) {
        Err(FieldError::new(field, format!("{label} must be on one line")))
    } else {
        Ok(value)
    }
}

/// A version's identity: the SHA-256 of its text, lowercase hex.
pub fn version_hash(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The reference people quote for an agreement, from its sequence number: `CNTR0000042`.
pub fn reference(sequence: i64) -> String {
    format!("CNTR{sequence:07}")
}

/// What the signatory types: full name and job title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acceptance {
    pub full_name: String,
    pub job_title: String,
}

/// Reads an acceptance: full name and job title required, one line each, at most 200 characters,
/// no control characters.
pub fn parse_acceptance(full_name: &str, job_title: &str) -> Result<Acceptance, Invalid> {
    let mut errors = Vec::new();
    let full_name = required_text("full_name", "your full name", full_name, 200)
        .and_then(|v| single_line("full_name", "Your full name", v))
        .map_err(|e| errors.push(e))
        .ok();
    let job_title = required_text("job_title", "your job title", job_title, 200)
        .and_then(|v| single_line("job_title", "Your job title", v))
        .map_err(|e| errors.push(e))
        .ok();
    match (full_name, job_title) {
        (Some(full_name), Some(job_title)) if errors.is_empty() => Ok(Acceptance { full_name, job_title }),
        _ => Err(Invalid(errors)),
    }
}

/// Who accepted.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signatory {
    pub full_name: String,
    pub job_title: String,
    /// The signatory's account.
    pub email: String,
}

/// On whose behalf.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealOrganisation {
    pub name: String,
    pub ods_code: String,
}

/// Exactly what an acceptance seals. Its canonical JSON (RFC 8785) is what the seal hash is over;
/// nothing else is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seal {
    pub signatory: Signatory,
    pub organisation: SealOrganisation,
    /// The SHA-256 of the agreement version's text.
    pub agreement_version_sha256: String,
    pub certificate_id: String,
    /// The accepted round's snapshot SHA-256.
    pub snapshot_sha256: String,
    /// The consent statement as shown ([`CONSENT_STATEMENT`]).
    pub consent: String,
    /// When, RFC 3339 in UTC.
    pub accepted_at: String,
    /// The client's address, as the server saw it (`None` when it could not tell).
    pub client_address: Option<String>,
    /// The browser's or client's `User-Agent` (empty when it sent none).
    pub user_agent: String,
}

/// The names of a seal's fields, in the order they are checked.
pub const SEAL_FIELDS: [&str; 9] = [
    "signatory",
    "organisation",
    "agreement_version_sha256",
    "certificate_id",
    "snapshot_sha256",
    "consent",
    "accepted_at",
    "client_address",
    "user_agent",
];

impl Seal {
    /// Each field's canonical JSON, by name (the order of [`SEAL_FIELDS`]).
    fn fields(&self) -> Vec<(&'static str, Vec<u8>)> {
        vec![
            ("signatory", canon(&self.signatory)),
            ("organisation", canon(&self.organisation)),
            ("agreement_version_sha256", canon(&self.agreement_version_sha256)),
            ("certificate_id", canon(&self.certificate_id)),
            ("snapshot_sha256", canon(&self.snapshot_sha256)),
            ("consent", canon(&self.consent)),
            ("accepted_at", canon(&self.accepted_at)),
            ("client_address", canon(&self.client_address)),
            ("user_agent", canon(&self.user_agent)),
        ]
    }

    /// Each field's SHA-256 (of its canonical JSON), by name: published with the seal so a
    /// changed copy names the field that was changed.
    pub fn field_hashes(&self) -> std::collections::BTreeMap<String, String> {
        self.fields()
            .into_iter()
            .map(|(name, bytes)| (name.to_string(), hex::encode(Sha256::digest(bytes))))
            .collect()
    }
}

/// Canonical JSON of a value serde always writes (strings, options, plain structs of them).
fn canon<T: serde::Serialize + ?Sized>(value: &T) -> Vec<u8> {
    crate::signing::canonical_json(value).unwrap_or_default()
}

/// **The** seal hash: SHA-256 over the seal's canonical JSON, lowercase hex.
pub fn seal_hash(seal: &Seal) -> String {
    hex::encode(Sha256::digest(canon(seal)))
}

/// A seal as published (on the agreement page and `GET /api/v1/agreements/{id}/seal`): the fields,
/// each field's SHA-256 and the seal hash. `scal verify --agreement FILE` reads it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealDocument {
    /// The agreement's reference, for people (not sealed).
    pub reference: String,
    pub seal: Seal,
    pub field_sha256: std::collections::BTreeMap<String, String>,
    pub seal_sha256: String,
}

impl SealDocument {
    pub fn new(reference: &str, seal: Seal) -> Self {
        Self {
            reference: reference.to_string(),
            field_sha256: seal.field_hashes(),
            seal_sha256: seal_hash(&seal),
            seal,
        }
    }
}

/// Why a seal does not check out, naming the check that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("the seal file is not a seal: {0}")]
    Malformed(String),
    /// A field differs from what was sealed (its own hash, or the stored seal, says so).
    #[error("the field {field} does not match what was sealed")]
    Field { field: String },
    #[error("the seal hash does not match the sealed fields: {claimed} was claimed, {computed} is computed")]
    Hash { claimed: String, computed: String },
}

impl SealError {
    /// A stable code for scripts: `malformed`, `field:NAME` or `seal_hash`.
    pub fn check(&self) -> String {
        match self {
            Self::Malformed(_) => "malformed".into(),
            Self::Field { field } => format!("field:{field}"),
            Self::Hash { .. } => "seal_hash".into(),
        }
    }
}

/// Checks a claimed seal against the stored one (what scal recorded at acceptance): every field
/// must be the same, then the claimed hash must be the stored seal's. The first field that differs
/// is named.
pub fn check_seal(stored: &Seal, claimed: &Seal, claimed_hash: &str) -> Result<(), SealError> {
    for ((name, mine), (_, theirs)) in stored.fields().into_iter().zip(claimed.fields()) {
        if mine != theirs {
            return Err(SealError::Field { field: name.into() });
        }
    }
    let computed = seal_hash(stored);
    if !computed.eq_ignore_ascii_case(trim(claimed_hash)) {
        return Err(SealError::Hash {
            claimed: claimed_hash.into(),
            computed,
        });
    }
    Ok(())
}

/// Checks a seal document on its own (offline, `scal verify --agreement`): each field against its
/// published SHA-256, naming the first that does not match, then the seal hash recomputed over the
/// fields. Whether the seal is *the* one scal recorded is then a matter of comparing its hash with
/// the one shown on the agreement.
pub fn check_document(bytes: &[u8]) -> Result<SealDocument, SealError> {
    let doc: SealDocument = serde_json::from_slice(bytes).map_err(|e| SealError::Malformed(e.to_string()))?;
    let computed = doc.seal.field_hashes();
    for name in SEAL_FIELDS {
        let claimed = doc
            .field_sha256
            .get(name)
            .ok_or_else(|| SealError::Malformed(format!("field_sha256 has no {name}")))?;
        if computed.get(name).is_none_or(|c| !c.eq_ignore_ascii_case(claimed)) {
            return Err(SealError::Field { field: name.into() });
        }
    }
    let hash = seal_hash(&doc.seal);
    if !hash.eq_ignore_ascii_case(trim(&doc.seal_sha256)) {
        return Err(SealError::Hash {
            claimed: doc.seal_sha256.clone(),
            computed: hash,
        });
    }
    Ok(doc)
}

/// Where an agreement stands on a day. Derived, never stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AgreementState {
    /// Prepared by NHS England, waiting for the signatory.
    Prepared,
    /// Accepted, active from its start date, which is still to come.
    Accepted,
    /// Accepted and in force.
    Active,
    /// A later agreement for the same SCAL has been accepted.
    Superseded,
}

impl AgreementState {
    pub const ALL: [Self; 4] = [Self::Prepared, Self::Accepted, Self::Active, Self::Superseded];

    pub fn code(self) -> &'static str {
        match self {
            Self::Prepared => "prepared",
            Self::Accepted => "accepted",
            Self::Active => "active",
            Self::Superseded => "superseded",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Prepared => "Waiting for the signatory",
            Self::Accepted => "Accepted: not in force yet",
            Self::Active => "Active",
            Self::Superseded => "Superseded",
        }
    }
}

/// When an accepted agreement starts: the version's effective date, or the day of acceptance if
/// later.
pub fn start_date(effective_date: Date, accepted_on: Date) -> Date {
    effective_date.max(accepted_on)
}

/// An agreement's state on `today`: superseded (see [`states`]); else prepared until accepted;
/// then active from its start date.
pub fn state(start: Option<Date>, superseded: bool, today: Date) -> AgreementState {
    match start {
        _ if superseded => AgreementState::Superseded,
        None => AgreementState::Prepared,
        Some(start) if today < start => AgreementState::Accepted,
        Some(_) => AgreementState::Active,
    }
}

/// **The** rule for the states of a SCAL's agreements on `today`, each given as its sequence
/// number and, once accepted, its start date (in any order; the states come back in the same
/// order). An agreement is superseded once a *later* agreement for the same SCAL has started, not
/// when it is merely accepted: accepting a new version that starts later leaves the agreement in
/// force active until the new one starts, so there is no day without one.
pub fn states(agreements: &[(i64, Option<Date>)], today: Date) -> Vec<AgreementState> {
    agreements
        .iter()
        .map(|(sequence, start)| {
            let superseded = agreements
                .iter()
                .any(|(later, started)| later > sequence && started.is_some_and(|s| s <= today));
            state(*start, superseded, today)
        })
        .collect()
}

/// What the go-live gate reads of a case.
#[derive(Debug, Clone, Default)]
pub struct GoLiveFacts<'a> {
    /// The SCAL's certificate's status today (`None`: none issued).
    pub certificate: Option<&'a CertificateStatus>,
    /// The SCAL's latest agreement's state today (`None`: none prepared).
    pub agreement: Option<AgreementState>,
    /// The information sheet's DSPT status and whether it carries a mitigation.
    pub dspt_status: Option<&'a str>,
    pub dspt_status_mitigated: bool,
    /// When the DSPT assessment was published.
    pub dspt_published: Option<Date>,
    /// When the last penetration test was done.
    pub penetration_test: Option<Date>,
}

/// **The** go-live gate: why NHS England may not approve go-live on `as_of` (empty: it may). The
/// certificate must be valid (an overdue condition suspends it), the agreement active, the DSPT
/// answer current for `as_of`'s assessment period, and the penetration test within 12 months:
/// the DSPT and penetration-test rules are `check`'s.
pub fn go_live_blockers(facts: &GoLiveFacts<'_>, as_of: Date) -> Vec<String> {
    let mut blockers = Vec::new();
    match facts.certificate {
        None => blockers.push("No certificate of technical conformance has been issued".to_string()),
        Some(CertificateStatus::Valid) => {}
        Some(CertificateStatus::Suspended { overdue }) => blockers.push(format!(
            "The certificate is suspended: a condition is overdue ({})",
            overdue.join("; ")
        )),
        Some(CertificateStatus::Unverifiable { reason }) => {
            blockers.push(format!("The certificate cannot be verified: {reason}"))
        }
        Some(other) => blockers.push(format!("The certificate {}", other.phrase())),
    }
    match facts.agreement {
        Some(AgreementState::Active) => {}
        None => blockers.push("No connection agreement has been prepared".to_string()),
        Some(AgreementState::Prepared) => {
            blockers.push("The connection agreement has not been accepted by the signatory".to_string())
        }
        Some(AgreementState::Accepted) => blockers.push("The connection agreement is not in force yet".to_string()),
        Some(AgreementState::Superseded) => blockers.push("The connection agreement has been superseded".to_string()),
    }
    match facts.dspt_status {
        None => blockers.push("The DSPT status is not given".to_string()),
        Some(status) => {
            if let Some(v) = dspt_status_rule(status, facts.dspt_status_mitigated).filter(|v| v.blocking) {
                blockers.push(v.message);
            }
        }
    }
    match facts.dspt_published {
        None => blockers.push("The DSPT publication date is not given".to_string()),
        Some(date) => {
            if let Some(v) = dspt_published_rule(date, as_of, false) {
                blockers.push(format!("The DSPT answer is not current: {}", v.message));
            }
        }
    }
    match facts.penetration_test {
        None => blockers.push("The penetration test date is not given".to_string()),
        Some(date) => {
            if let Some(v) = penetration_test_rule(date, as_of) {
                blockers.push(v.message);
            }
        }
    }
    blockers
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    pub(crate) fn seal() -> Seal {
        Seal {
            signatory: Signatory {
                full_name: "Priya Shah".into(),
                job_title: "Managing Director".into(),
                email: "admin@brightwater.example".into(),
            },
            organisation: SealOrganisation {
                name: "Brightwater Clinical".into(),
                ods_code: "8QW47".into(),
            },
            agreement_version_sha256: version_hash("The agreement"),
            certificate_id: "c0ffee00-0000-4000-8000-000000000001".into(),
            snapshot_sha256: "ab".repeat(32),
            consent: CONSENT_STATEMENT.into(),
            accepted_at: "2026-12-01T09:30:00Z".into(),
            client_address: Some("203.0.113.9".into()),
            user_agent: "Mozilla/5.0".into(),
        }
    }

    /// Each field of a seal changed in turn.
    fn changed(field: &str) -> Seal {
        let mut s = seal();
        match field {
            "signatory" => s.signatory.job_title = "Intern".into(),
            "organisation" => s.organisation.ods_code = "8QW48".into(),
            "agreement_version_sha256" => s.agreement_version_sha256 = version_hash("Another text"),
            "certificate_id" => s.certificate_id = "c0ffee00-0000-4000-8000-000000000002".into(),
            "snapshot_sha256" => s.snapshot_sha256 = "cd".repeat(32),
            "consent" => s.consent = "I agree to nothing".into(),
            "accepted_at" => s.accepted_at = "2026-12-02T09:30:00Z".into(),
            "client_address" => s.client_address = None,
            "user_agent" => s.user_agent = "curl/8".into(),
            other => panic!("no field {other}"),
        }
        s
    }

    #[test]
    fn versions_are_read_whole_and_named_by_their_text() {
        let v = parse_version(" Connection agreement ", "Text", "2027-01-01").unwrap();
        assert_eq!(v.title, "Connection agreement");
        assert_eq!(v.effective_date, date!(2027 - 01 - 01));
        let e = parse_version("", "", "01/13/2027").unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["title", "text", "effective_date"]);
        assert_eq!(
            version_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(reference(42), "CNTR0000042");
    }

    #[test]
    fn an_acceptance_needs_a_name_and_a_job_title_on_one_line() {
        assert!(parse_acceptance("Priya Shah", "Managing Director").is_ok());
        let e = parse_acceptance(" ", "Director\nand owner").unwrap_err();
        assert_eq!(e.0.len(), 2);
        assert_eq!(e.0[0].field, "full_name");
        assert_eq!(e.0[1].field, "job_title");
        assert!(parse_acceptance("P\u{1b}S", "D").is_err());
        assert!(parse_acceptance(&"x".repeat(201), "D").is_err());
    }

    #[test]
    fn the_seal_hash_is_over_exactly_the_fields_and_any_change_is_named() {
        let s = seal();
        let hash = seal_hash(&s);
        assert_eq!(hash.len(), 64);
        assert_eq!(check_seal(&s, &s, &hash), Ok(()));
        for field in SEAL_FIELDS {
            let other = changed(field);
            assert_ne!(seal_hash(&other), hash, "{field} is sealed");
            assert_eq!(
                check_seal(&s, &other, &hash),
                Err(SealError::Field { field: field.into() }),
            );
            // A copy of the document with the field changed names it.
            let mut doc = SealDocument::new("CNTR0000001", s.clone());
            doc.seal = other.clone();
            let bytes = serde_json::to_vec(&doc).unwrap();
            assert_eq!(check_document(&bytes).unwrap_err().check(), format!("field:{field}"));
            // ...and with its field hash recomputed too, the seal hash fails.
            doc.field_sha256 = other.field_hashes();
            let bytes = serde_json::to_vec(&doc).unwrap();
            assert_eq!(check_document(&bytes).unwrap_err().check(), "seal_hash");
        }
        assert!(matches!(
            check_seal(&s, &s, &"0".repeat(64)),
            Err(SealError::Hash { .. })
        ));
        let doc = SealDocument::new("CNTR0000001", s);
        assert!(check_document(&serde_json::to_vec(&doc).unwrap()).is_ok());
        assert_eq!(check_document(b"{}").unwrap_err().check(), "malformed");
    }

    #[test]
    fn an_agreement_is_prepared_then_active_from_its_start_until_superseded() {
        let today = date!(2026 - 12 - 01);
        assert_eq!(state(None, false, today), AgreementState::Prepared);
        assert_eq!(
            state(Some(date!(2026 - 12 - 02)), false, today),
            AgreementState::Accepted
        );
        assert_eq!(state(Some(today), false, today), AgreementState::Active);
        assert_eq!(state(Some(today), true, today), AgreementState::Superseded);
        assert_eq!(start_date(date!(2027 - 01 - 01), today), date!(2027 - 01 - 01));
        assert_eq!(start_date(date!(2026 - 01 - 01), today), today);
    }

    #[test]
    fn the_agreement_in_force_stays_active_until_the_next_one_starts() {
        let today = date!(2026 - 12 - 01);
        let next_week = date!(2026 - 12 - 08);
        let current = (1, Some(date!(2026 - 01 - 01)));
        // Accepted, starting next week: the current one stays active meanwhile.
        assert_eq!(
            states(&[(2, Some(next_week)), current], today),
            [AgreementState::Accepted, AgreementState::Active]
        );
        // From its start, the new one is in force and the old one superseded.
        assert_eq!(
            states(&[(2, Some(next_week)), current], next_week),
            [AgreementState::Active, AgreementState::Superseded]
        );
        // One waiting for its signatory supersedes nothing.
        assert_eq!(
            states(&[current, (2, None)], today),
            [AgreementState::Active, AgreementState::Prepared]
        );
    }

    #[test]
    fn go_live_names_every_failing_check() {
        let today = date!(2026 - 12 - 01);
        let valid = CertificateStatus::Valid;
        let ok = GoLiveFacts {
            certificate: Some(&valid),
            agreement: Some(AgreementState::Active),
            dspt_status: Some("Standards Met"),
            dspt_status_mitigated: false,
            dspt_published: Some(date!(2026 - 07 - 15)),
            penetration_test: Some(date!(2026 - 03 - 01)),
        };
        assert!(go_live_blockers(&ok, today).is_empty());
        let suspended = CertificateStatus::Suspended {
            overdue: vec!["GPCM-1: MESH live (due 2026-11-30)".into()],
        };
        let bad = GoLiveFacts {
            certificate: Some(&suspended),
            agreement: Some(AgreementState::Prepared),
            dspt_status: Some("Not Met"),
            dspt_status_mitigated: false,
            dspt_published: Some(date!(2025 - 06 - 01)),
            penetration_test: Some(date!(2025 - 11 - 30)),
        };
        let blockers = go_live_blockers(&bad, today);
        assert_eq!(blockers.len(), 5, "{blockers:?}");
        assert!(blockers[0].contains("suspended") && blockers[0].contains("GPCM-1"));
        assert!(blockers[1].contains("not been accepted"));
        assert!(blockers[2].contains("Not Met"));
        assert!(blockers[3].contains("not current"));
        assert!(blockers[4].contains("more than 12 months"));
        assert_eq!(go_live_blockers(&GoLiveFacts::default(), today).len(), 5);
    }
}
