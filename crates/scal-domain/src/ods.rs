//! ODS codes: the Organisation Data Service identifier every NHS-connected organisation has.

use std::fmt;

use crate::FieldError;

/// An ODS code: 1 to 9 ASCII letters and digits, stored upper-case.
///
/// Real codes take many shapes (GP `G3472185`, pharmacy `FVR79`, supplier `8KM90`, the newer
/// ANANA form `G7H8J`), so the shape does not tell the organisation type and is not checked
/// beyond the character rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct OdsCode(String);

impl OdsCode {
    pub const FIELD: &'static str = "ods_code";

    /// Parses user input: surrounding whitespace is ignored and letters are upper-cased.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::parse_field(Self::FIELD, raw)
    }

    /// As [`OdsCode::parse`], naming `field` in the error.
    pub fn parse_field(field: &str, raw: &str) -> Result<Self, FieldError> {
        let code = crate::field::trim(raw).to_ascii_uppercase();
        if code.is_empty() {
            return Err(FieldError::new(field, "Enter an ODS code"));
        }
        if code.len() > 9 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(FieldError::new(
                field,
                "ODS code must be 1 to 9 letters and digits, like X26 or 8KM90",
            ));
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OdsCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_upper_cases() {
        assert_eq!(OdsCode::parse("  8km90\u{a0}").map(|c| c.0), Ok("8KM90".to_string()));
    }

    #[test]
    fn accepts_one_to_nine_alphanumerics() {
        for ok in ["X", "X26", "G3472185", "K81003001", "G7H8J"] {
            assert!(OdsCode::parse(ok).is_ok(), "{ok} should parse");
        }
    }

    #[test]
    fn refuses_bad_codes_naming_the_field_and_rule() {
        for bad in ["", "   ", "K810030012", "8KM-90", "X 26", "É1"] {
            let err = OdsCode::parse(bad).expect_err(bad);
            assert_eq!(err.field, "ods_code");
            assert!(
                err.message.contains("Enter an ODS code") || err.message.contains("1 to 9 letters and digits"),
                "{bad}: {}",
                err.message
            );
        }
    }
}
