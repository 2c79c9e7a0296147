//! The service catalogue: the NHS APIs and services a product can be assured against.

use crate::field::{required_text, trim};
use crate::{FieldError, Invalid};

/// A catalogue code such as `PDS-FHIR` or `GPC-SEND-DOC`: 2 to 32 upper-case letters, digits and
/// hyphens, starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct ServiceCode(String);

impl ServiceCode {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let code = trim(raw).to_ascii_uppercase();
        if code.is_empty() {
            return Err(FieldError::new("code", "Enter a service code"));
        }
        let valid = (2..=32).contains(&code.len())
            && code.starts_with(|c: char| c.is_ascii_alphabetic())
            && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !valid {
            return Err(FieldError::new(
                "code",
                "Service code must be 2 to 32 letters, digits and hyphens, starting with a letter, like PDS-FHIR",
            ));
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Network {
    Internet,
    Hscn,
}

impl Network {
    pub const ALL: [Network; 2] = [Network::Internet, Network::Hscn];

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match trim(raw).to_ascii_lowercase().as_str() {
            "internet" => Ok(Self::Internet),
            "hscn" => Ok(Self::Hscn),
            _ => Err(FieldError::new("network", "Network must be internet or hscn")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Internet => "internet",
            Self::Hscn => "hscn",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Internet => "Internet",
            Self::Hscn => "HSCN",
        }
    }
}

/// How NHS England assures a connection to the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnboardingRoute {
    /// The Supplier Conformance Assessment List workbook.
    Scal,
    /// The online Digital Onboarding Service that is replacing the workbook for some APIs.
    DigitalOnboarding,
    /// The older Common Assurance Process used by some HL7v3 services.
    CommonAssuranceProcess,
}

impl OnboardingRoute {
    pub const ALL: [OnboardingRoute; 3] = [
        OnboardingRoute::Scal,
        OnboardingRoute::DigitalOnboarding,
        OnboardingRoute::CommonAssuranceProcess,
    ];

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let value = trim(raw).to_ascii_lowercase();
        Self::ALL.into_iter().find(|r| r.as_str() == value).ok_or_else(|| {
            FieldError::new(
                "onboarding_route",
                "Onboarding route must be scal, digital_onboarding or common_assurance_process",
            )
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scal => "scal",
            Self::DigitalOnboarding => "digital_onboarding",
            Self::CommonAssuranceProcess => "common_assurance_process",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Scal => "SCAL",
            Self::DigitalOnboarding => "Digital Onboarding Service",
            Self::CommonAssuranceProcess => "Common Assurance Process",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Service {
    pub code: ServiceCode,
    pub name: String,
    pub use_case_required: bool,
    pub network: Network,
    pub onboarding_route: OnboardingRoute,
    /// Whether NHS England witness-tests a product's connection (its test cases) after accepting
    /// the SCAL. Open-access APIs do not need it.
    pub testing_required: bool,
}

impl Service {
    pub fn parse(code: &str, details: ServiceInput<'_>) -> Result<Self, Invalid> {
        let mut invalid = Invalid::default();
        let code = invalid.check(ServiceCode::parse(code));
        let name = invalid.check(required_text("name", "the service name", details.name, 200));
        let network = invalid.check(Network::parse(details.network));
        let route = invalid.check(OnboardingRoute::parse(details.onboarding_route));
        invalid.finish(|| {
            Some(Self {
                code: code?,
                name: name?,
                use_case_required: details.use_case_required,
                network: network?,
                onboarding_route: route?,
                testing_required: details.testing_required,
            })
        })
    }
}

/// Untrusted service fields as they arrive from a form, the API or the CLI.
#[derive(Debug, Clone, Copy)]
pub struct ServiceInput<'a> {
    pub name: &'a str,
    pub use_case_required: bool,
    pub network: &'a str,
    pub onboarding_route: &'a str,
    pub testing_required: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_upper_cased_and_checked() {
        assert_eq!(ServiceCode::parse(" pds-fhir ").map(|c| c.0), Ok("PDS-FHIR".into()));
        for bad in ["", "P", "1PDS", "PDS FHIR", "PDS_FHIR"] {
            assert!(ServiceCode::parse(bad).is_err(), "{bad}");
        }
    }
}
