//! Users, their roles and the credentials they sign in with.

use crate::field::{required_text, trim};
use crate::organisation::OrgKind;
use crate::{FieldError, Invalid};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    SupplierAdmin,
    SupplierMember,
    NhseReviewer,
    NhseAdmin,
    EuoMember,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::SupplierAdmin,
        Role::SupplierMember,
        Role::NhseReviewer,
        Role::NhseAdmin,
        Role::EuoMember,
    ];

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == trim(raw).to_ascii_lowercase())
            .ok_or_else(|| {
                FieldError::new(
                    "role",
                    "Role must be one of supplier_admin, supplier_member, nhse_reviewer, nhse_admin, euo_member",
                )
            })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SupplierAdmin => "supplier_admin",
            Self::SupplierMember => "supplier_member",
            Self::NhseReviewer => "nhse_reviewer",
            Self::NhseAdmin => "nhse_admin",
            Self::EuoMember => "euo_member",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::SupplierAdmin => "Supplier administrator",
            Self::SupplierMember => "Supplier member",
            Self::NhseReviewer => "NHS England reviewer",
            Self::NhseAdmin => "NHS England administrator",
            Self::EuoMember => "End user organisation member",
        }
    }

    /// The kind of organisation a user with this role must belong to.
    pub fn org_kind(self) -> OrgKind {
        match self {
            Self::SupplierAdmin | Self::SupplierMember => OrgKind::Supplier,
            Self::NhseReviewer | Self::NhseAdmin => OrgKind::Nhse,
            Self::EuoMember => OrgKind::Euo,
        }
    }

    /// Roles a user of an organisation of `kind` may hold.
    pub fn for_kind(kind: OrgKind) -> impl Iterator<Item = Role> {
        Self::ALL.into_iter().filter(move |role| role.org_kind() == kind)
    }

    /// Refuses a role that does not fit the organisation (a supplier cannot have an NHS England
    /// reviewer).
    pub fn check_fits(self, kind: OrgKind) -> Result<Self, FieldError> {
        if self.org_kind() == kind {
            Ok(self)
        } else {
            let allowed: Vec<&str> = Self::for_kind(kind).map(Role::as_str).collect();
            Err(FieldError::new(
                "role",
                format!(
                    "A {} user's role must be one of {}",
                    kind.label().to_lowercase(),
                    allowed.join(", ")
                ),
            ))
        }
    }
}

/// An email address, trimmed and lower-cased. Deliberately simple: one `@`, something either side,
/// a dot in the domain, no spaces. Deliverability is the mail server's business.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let value = trim(raw).to_lowercase();
        if value.is_empty() {
            return Err(FieldError::new("email", "Enter an email address"));
        }
        // Counted in characters as typed, as the API document's `maxLength` counts them.
        let valid = trim(raw).chars().count() <= 254
            && !value.chars().any(|c| c.is_whitespace() || c.is_control())
            && matches!(value.split_once('@'), Some((local, domain))
                if !local.is_empty() && domain.contains('.') && !domain.contains('@')
                    && !domain.starts_with('.') && !domain.ends_with('.'));
        if !valid {
            return Err(FieldError::new(
                "email",
                "Enter an email address in the correct format, like name@example.org",
            ));
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub email: Email,
    pub name: String,
    pub role: Role,
}

impl NewUser {
    /// Parses a new user for an organisation of `org_kind`.
    pub fn parse(email: &str, name: &str, role: &str, org_kind: OrgKind) -> Result<Self, Invalid> {
        let mut invalid = Invalid::default();
        let email = invalid.check(Email::parse(email));
        let name = invalid.check(parse_person_name(name));
        let role = invalid.check(Role::parse(role).and_then(|r| r.check_fits(org_kind)));
        invalid.finish(|| {
            Some(Self {
                email: email?,
                name: name?,
                role: role?,
            })
        })
    }
}

pub fn parse_person_name(raw: &str) -> Result<String, FieldError> {
    required_text("name", "the person's full name", raw, 200)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_normalised_and_checked() {
        assert_eq!(
            Email::parse(" Ada@Example.ORG ").map(|e| e.0),
            Ok("ada@example.org".into())
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@x.org",
            "ada@localhost",
            "a da@x.org",
            "a@b@c.org",
            "a@x.org.",
        ] {
            assert_eq!(
                Email::parse(bad).map_err(|e| e.field),
                Err("email".to_string()),
                "{bad}"
            );
        }
    }

    #[test]
    fn role_must_fit_organisation_kind() {
        let err = NewUser::parse("a@b.org", "A", "nhse_admin", OrgKind::Supplier).expect_err("mismatch");
        assert_eq!(err.0[0].field, "role");
        assert!(
            err.0[0].message.contains("supplier_admin, supplier_member"),
            "{}",
            err.0[0].message
        );
        assert!(NewUser::parse("a@b.org", "A", "supplier_member", OrgKind::Supplier).is_ok());
    }

    #[test]
    fn reports_every_bad_field_at_once() {
        let err = NewUser::parse("nope", " ", "king", OrgKind::Euo).expect_err("invalid");
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["email", "name", "role"]);
    }
}
