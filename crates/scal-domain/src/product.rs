//! Products: what a supplier builds and assures against NHS services.

use crate::field::{optional_text, required_text, trim};
use crate::{FieldError, Invalid};

/// UK MDR medical device class, when the product is a medical device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum DeviceClass {
    #[serde(rename = "I")]
    I,
    #[serde(rename = "IIa")]
    IIa,
    #[serde(rename = "IIb")]
    IIb,
    #[serde(rename = "III")]
    III,
}

impl DeviceClass {
    pub const ALL: [DeviceClass; 4] = [DeviceClass::I, DeviceClass::IIa, DeviceClass::IIb, DeviceClass::III];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::I => "I",
            Self::IIa => "IIa",
            Self::IIb => "IIb",
            Self::III => "III",
        }
    }

    /// Empty input means "not a medical device". Case is ignored (`iia` is `IIa`).
    pub fn parse_optional(raw: &str) -> Result<Option<Self>, FieldError> {
        let value = trim(raw);
        if value.is_empty() || value.eq_ignore_ascii_case("none") {
            return Ok(None);
        }
        Self::ALL
            .into_iter()
            .find(|class| class.as_str().eq_ignore_ascii_case(value))
            .map(Some)
            .ok_or_else(|| FieldError::new("medical_device_class", "Medical device class must be I, IIa, IIb or III, or empty when the product is not a medical device"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProductDetails {
    pub name: String,
    pub version: String,
    pub description: String,
    pub medical_device_class: Option<DeviceClass>,
}

impl ProductDetails {
    /// How people name the product: "Acme PAS 4.2".
    pub fn title(&self) -> String {
        format!("{} {}", self.name, self.version)
    }

    pub fn parse(name: &str, version: &str, description: &str, device_class: &str) -> Result<Self, Invalid> {
        let mut invalid = Invalid::default();
        let name = invalid.check(required_text("name", "the product name", name, 200));
        let version = invalid.check(required_text("version", "the product version", version, 50));
        let description = invalid.check(optional_text("description", "the description", description, 5000));
        let class = invalid.check(DeviceClass::parse_optional(device_class));
        invalid.finish(|| {
            Some(Self {
                name: name?,
                version: version?,
                description: description?,
                medical_device_class: class?,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_class_is_optional_and_case_insensitive() {
        assert_eq!(DeviceClass::parse_optional(""), Ok(None));
        assert_eq!(DeviceClass::parse_optional("iib"), Ok(Some(DeviceClass::IIb)));
        assert_eq!(
            DeviceClass::parse_optional("IV").map_err(|e| e.field),
            Err("medical_device_class".into())
        );
    }

    #[test]
    fn name_and_version_are_required() {
        let err = ProductDetails::parse(" ", "", "", "").expect_err("missing");
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "version"]);
    }
}
