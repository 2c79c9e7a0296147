//! Wire strings that carry their rule into the OpenAPI document.
//!
//! A request field of one of these types deserializes any JSON string, exactly as `String` does:
//! the domain parsers still decide, and name the field when they refuse (so one body reports all
//! its problems at once). What these types add is the schema: the length, pattern, format or
//! choices the parser enforces, so that a generated client and schemathesis know the rule before
//! they send. The schemathesis contract test (`tests/contract/run`) holds the two together: data
//! the schema allows must be accepted, and data it forbids refused, except for what the parsers
//! forgive people as typed (surrounding white space is trimmed before lengths are counted, choices
//! and codes are read in any case, dates also in the British form): the document states the
//! canonical form.
//!
//! The values of a choice come from the domain's own list of them (an enum's `ALL` with `as_str`,
//! or a `CODES` list a domain test holds to every variant).

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Deserializer, Serialize};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

/// Control characters as Rust's `char::is_control` sees them (Unicode Cc): never meaningful in
/// assurance data, refused by `scal_domain::field`.
const CONTROL: &str = r"\x00-\x1f\x7f-\x9f";
/// Control characters except the tab and line breaks that text may hold.
const CONTROL_BUT_LINES: &str = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f";

/// Text with at least one character that is not white space, and no control characters other
/// than tab and line breaks: what `scal_domain::field::required_text` accepts.
///
/// Written as white space, one character that is not, then the rest, so that no part can match
/// what another does: a validating client checks a long near-miss in linear time.
fn required_text_pattern() -> String {
    format!(r"^[^\S{CONTROL_BUT_LINES}]*[^\s{CONTROL}][^{CONTROL_BUT_LINES}]*$")
}

/// Any text without control characters other than tab and line breaks, empty included: what
/// `scal_domain::field::optional_text` accepts.
fn optional_text_pattern() -> String {
    format!(r"^[^{CONTROL_BUT_LINES}]*$")
}

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

/// Defines a transparent string newtype with the given schema.
macro_rules! wire_string {
    ($(#[$meta:meta])* $name:ident, $schema:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_string())
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                let schema: ObjectBuilder = $schema;
                schema.into()
            }
        }

        impl ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    };
}

/// One line of required text, at most `$max` characters: no tab or line break.
macro_rules! required_line {
    ($name:ident, $max:expr) => {
        wire_string!(
            #[doc = concat!("One line of required text: 1 to ", stringify!($max), " characters, not only white space, no tab, line break or other control character.")]
            $name,
            string()
                .min_length(Some(1))
                .max_length(Some($max))
                .pattern(Some(format!(r"^[^\S{CONTROL}]*[^\s{CONTROL}][^{CONTROL}]*$")))
                .description(Some(concat!(
                    "One line of required text: 1 to ", stringify!($max),
                    " characters, not only white space; no tab, line break or other control character. Surrounding white space is ignored but counts towards the limit."
                )))
        );
    };
}

/// Required text of at most `$max` characters.
macro_rules! required_text {
    ($name:ident, $max:expr) => {
        wire_string!(
            #[doc = concat!("Required text: 1 to ", stringify!($max), " characters, not only white space, no control characters but tab and line breaks.")]
            $name,
            string()
                .min_length(Some(1))
                .max_length(Some($max))
                .pattern(Some(required_text_pattern()))
                .description(Some(concat!(
                    "Required text: 1 to ", stringify!($max),
                    " characters, not only white space; no control characters but tab and line breaks. Surrounding white space is ignored but counts towards the limit."
                )))
        );
    };
}

/// Optional text of at most `$max` characters (empty allowed).
macro_rules! optional_text {
    ($name:ident, $max:expr) => {
        wire_string!(
            #[doc = concat!("Text of at most ", stringify!($max), " characters, may be empty, no control characters but tab and line breaks.")]
            $name,
            string()
                .max_length(Some($max))
                .pattern(Some(optional_text_pattern()))
                .description(Some(concat!(
                    "Text of at most ", stringify!($max),
                    " characters, may be empty; no control characters but tab and line breaks. Surrounding white space is ignored but counts towards the limit."
                )))
        );
    };
}

required_text!(Text50, 50);
required_text!(Text100, 100);
required_text!(Text200, 200);
required_text!(Text10000, 10_000);
required_text!(Text1000, 1000);
required_text!(Text2000, 2000);
required_text!(Text100000, 100_000);
required_text!(Text200000, 200_000);
required_line!(Line100, 100);
required_line!(Line200, 200);
optional_text!(OptionalText200, 200);
optional_text!(OptionalText2000, 2000);
optional_text!(OptionalText5000, 5000);
optional_text!(OptionalText10000, 10_000);

wire_string!(
    /// An ODS code (`scal_domain::OdsCode`).
    OdsCode,
    string().pattern(Some("^[A-Za-z0-9]{1,9}$")).description(Some(
        "An ODS code: 1 to 9 letters and digits, like X26 or 8KM90 (stored upper-case)."
    ))
);

wire_string!(
    /// A service catalogue code (`scal_domain::service::ServiceCode`).
    ServiceCode,
    string().pattern(Some("^[A-Za-z][A-Za-z0-9-]{1,31}$")).description(Some(
        "A service code: 2 to 32 letters, digits and hyphens, starting with a letter, like PDS-FHIR (stored upper-case)."
    ))
);

wire_string!(
    /// An email address (`scal_domain::user::Email`).
    Email,
    // No `format: email`: validators read that as RFC 5322 (ASCII), which is stricter than the
    // address rule scal keeps (any characters but white space, control characters and a second
    // `@`, with a dot inside the domain); the pattern says exactly that.
    string()
        .max_length(Some(254))
        .pattern(Some(format!(
            r"^[^@\s{CONTROL}]+@[^@\s.{CONTROL}][^@\s{CONTROL}]*\.[^@\s{CONTROL}]*[^@\s.{CONTROL}]$"
        )))
        .description(Some("An email address, like name@example.org (stored lower-case)."))
);

wire_string!(
    /// A new password (`scal_domain::password::check`).
    NewPassword,
    string()
        .min_length(Some(scal_domain::password::MIN_LEN))
        .max_length(Some(scal_domain::password::MAX_LEN))
        .pattern(Some(format!("^[^{CONTROL}]*$")))
        .description(Some(
            "A new password: 12 to 1024 characters, no control characters (tabs and line breaks \
             cannot be typed into a password box), not one of the most common passwords and not \
             the account's email address."
        ))
);

wire_string!(
    /// A calendar date.
    Date,
    string()
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
        .description(Some("A date, YYYY-MM-DD."))
);

wire_string!(
    /// The ID of a record.
    Id,
    string()
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
        .description(Some("The ID of a record (a UUID)."))
);

wire_string!(
    /// A test case ID as requirements name it (`scal_domain::testing::is_test_case_id`).
    TestCaseId,
    string()
        .max_length(Some(scal_domain::testing::MAX_ID_CHARS))
        .pattern(Some(
            "^[A-Za-z0-9._-]*([A-Za-z][A-Za-z0-9._-]*[0-9]|[0-9][A-Za-z0-9._-]*[A-Za-z])[A-Za-z0-9._-]*$"
        ))
        .description(Some(
            "A test case ID, like GPCM-SD-TST-01: letters, digits, hyphens, dots and underscores, with at least \
             one letter and one digit, at most 64 characters (case does not matter)."
        ))
);

/// A request body of raw bytes (a file upload): a binary string, so generated clients send a
/// file. Never deserialized: the handlers read the body as bytes.
pub struct Binary;

impl PartialSchema for Binary {
    fn schema() -> RefOr<Schema> {
        string()
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl ToSchema for Binary {}

wire_string!(
    /// A moment in time (output only).
    Timestamp,
    string()
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
        .description(Some("A moment in time, RFC 3339 in UTC, like 2026-12-01T09:30:00Z."))
);

/// A string that is one of a domain enum's values: `$values` is an expression giving them.
macro_rules! choice {
    ($(#[$meta:meta])* $name:ident, $values:expr) => {
        wire_string!(
            $(#[$meta])*
            $name,
            string().enum_values(Some($values))
        );
    };
}

choice!(
    /// What an organisation is.
    OrgKind,
    scal_domain::organisation::OrgKind::ALL.map(|v| v.as_str())
);
choice!(
    /// A user's role.
    Role,
    scal_domain::user::Role::ALL.map(|v| v.as_str())
);
choice!(
    /// UK MDR medical device class.
    DeviceClass,
    scal_domain::product::DeviceClass::ALL.map(|v| v.as_str())
);
choice!(
    /// How a service is reached.
    Network,
    scal_domain::service::Network::ALL.map(|v| v.as_str())
);
choice!(
    /// How NHS England assures a connection to a service.
    OnboardingRoute,
    scal_domain::service::OnboardingRoute::ALL.map(|v| v.as_str())
);

choice!(
    /// An end user organisation's decision on deploying a product (DCB0160).
    LocalDecision,
    scal_domain::local_assurance::Decision::ALL.map(|v| v.as_str())
);
choice!(
    /// What kind of product change a supplier declares.
    ChangeKind,
    scal_domain::uplift::ChangeKind::ALL.map(|v| v.as_str())
);

choice!(
    /// A certificate's status, derived today.
    CertificateStatus,
    scal_domain::certificate::CertificateStatus::CODES
);
choice!(
    /// A share's state, derived today.
    ShareState,
    scal_domain::share::ShareState::ALL.map(|v| v.code())
);
choice!(
    /// A connection agreement's state, derived today.
    AgreementState,
    scal_domain::agreement::AgreementState::ALL.map(|v| v.code())
);

/// The strings of a list of wire strings, for the services that take `String`s.
pub fn strings<T: Into<String>>(values: Vec<T>) -> Vec<String> {
    values.into_iter().map(Into::into).collect()
}

choice!(
    /// Where a submitted round stands.
    RoundStatus,
    scal_domain::review::RoundStatus::ALL.map(|v| v.as_str())
);
choice!(
    /// A reviewer's verdict on an item of a round.
    Verdict,
    scal_domain::review::Verdict::ALL.map(|v| v.as_str())
);
choice!(
    /// NHS England's decision on a red item's explanation and mitigation.
    Decision,
    scal_domain::review::Decision::ALL.map(|v| v.as_str())
);
choice!(
    /// A requirement's colour: red, amber, green, or none yet.
    Rag,
    scal_domain::template::Rag::ALL.map(|v| v.as_str())
);
choice!(
    /// A requirement's level.
    Level,
    scal_domain::template::Level::ALL.map(|v| v.as_str())
);
choice!(
    /// What a SCAL sheet is: the supplier and product information sheet, or a service's.
    SheetKind,
    scal_domain::template::SheetKind::ALL.map(|v| v.as_str())
);
choice!(
    /// Where a SCAL stands (`scal_domain::status::ScalStatus::code`).
    ScalStatusCode,
    scal_domain::status::ScalStatus::CODES
);
choice!(
    /// Where an enquiry stands.
    EnquiryStatus,
    scal_domain::enquiry::EnquiryStatus::ALL.map(|v| v.as_str())
);
choice!(
    /// The state of a step of an onboarding case.
    StepState,
    scal_domain::onboarding::StepState::ALL.map(|v| v.as_str())
);
choice!(
    /// An automatic check's result.
    CheckOutcome,
    scal_domain::onboarding::CheckOutcome::ALL.map(|v| v.as_str())
);
choice!(
    /// What a question thread or an internal note is about.
    SubjectKind,
    scal_domain::thread::SubjectKind::ALL.map(|v| v.as_str())
);
choice!(
    /// A witness test's result.
    TestOutcome,
    scal_domain::testing::TestOutcome::ALL.map(|v| v.as_str())
);
choice!(
    /// Whether an item (or a case) is new in a round, gone from it, or in both and different.
    Presence,
    scal_domain::snapshot::Presence::ALL.map(|v| v.as_str())
);
choice!(
    /// A part of an item that can change between rounds.
    ItemField,
    scal_domain::snapshot::Field::ALL.map(|v| v.as_str())
);

/// A JSON Schema integer, for an optional field (absent or null: `None`): `1` and `1.0` are the
/// same number, so both are read (`1.5` is not).
pub fn optional_integer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    match Option::<serde_json::Number>::deserialize(deserializer)? {
        None => Ok(None),
        Some(number) => number_to_i64(&number)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("expected an integer, found {number}"))),
    }
}

fn number_to_i64(number: &serde_json::Number) -> Option<i64> {
    if let Some(n) = number.as_i64() {
        return Some(n);
    }
    let float = number.as_f64()?;
    // Whole and within i64: the cast is exact.
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    (float.fract() == 0.0 && float >= i64::MIN as f64 && float < i64::MAX as f64).then_some(float as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Body {
        #[serde(default, deserialize_with = "optional_integer")]
        version: Option<i64>,
    }

    #[test]
    fn a_whole_number_written_with_a_fraction_is_an_integer() {
        let read = |json: &str| serde_json::from_str::<Body>(json).map(|b| b.version);
        assert_eq!(read(r#"{"version": 2}"#).ok(), Some(Some(2)));
        assert_eq!(read(r#"{"version": 2.0}"#).ok(), Some(Some(2)));
        assert_eq!(read(r#"{"version": null}"#).ok(), Some(None));
        assert_eq!(read(r#"{}"#).ok(), Some(None));
        assert!(read(r#"{"version": 2.5}"#).is_err());
        assert!(read(r#"{"version": 1e300}"#).is_err());
        assert!(read(r#"{"version": "2"}"#).is_err());
    }
}
