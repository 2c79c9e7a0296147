//! Organisations: suppliers, end user organisations (EUOs) and NHS England.

use crate::field::required_text;
use crate::{FieldError, Invalid, OdsCode};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    Supplier,
    Euo,
    Nhse,
}

impl OrgKind {
    pub const ALL: [OrgKind; 3] = [OrgKind::Supplier, OrgKind::Euo, OrgKind::Nhse];

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match crate::field::trim(raw).to_ascii_lowercase().as_str() {
            "supplier" => Ok(Self::Supplier),
            "euo" => Ok(Self::Euo),
            "nhse" => Ok(Self::Nhse),
            _ => Err(FieldError::new("kind", "Kind must be one of supplier, euo or nhse")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Supplier => "supplier",
            Self::Euo => "euo",
            Self::Nhse => "nhse",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Supplier => "Supplier",
            Self::Euo => "End user organisation",
            Self::Nhse => "NHS England",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Organisation {
    pub id: String,
    pub ods_code: OdsCode,
    pub name: String,
    pub kind: OrgKind,
}

/// A valid new organisation, parsed from untrusted input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrganisation {
    pub ods_code: OdsCode,
    pub name: String,
    pub kind: OrgKind,
}

impl NewOrganisation {
    pub fn parse(ods_code: &str, name: &str, kind: &str) -> Result<Self, Invalid> {
        let mut invalid = Invalid::default();
        let ods_code = invalid.check(OdsCode::parse(ods_code));
        let name = invalid.check(parse_name(name));
        let kind = invalid.check(OrgKind::parse(kind));
        invalid.finish(|| {
            Some(Self {
                ods_code: ods_code?,
                name: name?,
                kind: kind?,
            })
        })
    }
}

pub fn parse_name(raw: &str) -> Result<String, FieldError> {
    required_text("name", "the organisation name", raw, 200)
}
