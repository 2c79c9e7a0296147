//! A product's acceptable use policy: the supplier publishes versions (text and the date each
//! takes effect, named by the text's SHA-256); each end user organisation acknowledges the current
//! one. Which version is current, and whether an EUO has acknowledged it, is derived.

use sha2::{Digest, Sha256};
use time::Date;

use crate::field::required_text;
use crate::share::parse_date;
use crate::Invalid;

/// A version as published, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyInput {
    pub text: String,
    pub effective_date: Date,
}

/// Parses a new version: its text (required, up to 100,000 characters) and effective date.
pub fn parse_version(text: &str, effective_date: &str) -> Result<PolicyInput, Invalid> {
    let mut errors = Invalid::default();
    let text = errors.check(required_text("text", "the policy's text", text, 100_000));
    let effective = errors.check(parse_date("effective_date", "date it takes effect", effective_date));
    errors.finish(|| {
        Some(PolicyInput {
            text: text?,
            effective_date: effective?,
        })
    })
}

/// A version's identity: the SHA-256 of its text, lowercase hex.
pub fn version_hash(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// What [`current`] needs of a published version.
pub trait Dated {
    fn sequence(&self) -> i64;
    fn effective_date(&self) -> Option<Date>;
}

/// **The** rule for which version is current on `today`: the latest published (highest sequence)
/// of those already in effect. A version whose date is still to come is *upcoming*: EUOs may
/// acknowledge it ahead, and it becomes current on its date.
pub fn current<T: Dated>(versions: &[T], today: Date) -> Option<&T> {
    versions
        .iter()
        .filter(|v| v.effective_date().is_some_and(|d| d <= today))
        .max_by_key(|v| v.sequence())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    struct V(i64, Date);
    impl Dated for V {
        fn sequence(&self) -> i64 {
            self.0
        }
        fn effective_date(&self) -> Option<Date> {
            Some(self.1)
        }
    }

    #[test]
    fn the_current_version_is_the_latest_in_effect_and_a_future_one_waits_for_its_date() {
        let versions = [V(1, date!(2026 - 01 - 01)), V(2, date!(2026 - 12 - 15))];
        assert_eq!(current(&versions, date!(2025 - 12 - 31)).map(|v| v.0), None);
        assert_eq!(current(&versions, date!(2026 - 12 - 14)).map(|v| v.0), Some(1));
        assert_eq!(current(&versions, date!(2026 - 12 - 15)).map(|v| v.0), Some(2));
    }

    #[test]
    fn a_version_needs_text_and_a_real_date() {
        let err = parse_version("  ", "2026-02-30").unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["text", "effective_date"]);
        assert_eq!(
            version_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
