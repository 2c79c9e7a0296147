//! Wire types: what the API sends and accepts. Kept apart from the domain so the domain never
//! depends on HTTP or OpenAPI.

use scal_domain::audit::AuditEntry;
use scal_domain::organisation::Organisation;
use scal_domain::service::Service;
use scal_store::{ProductRecord, TokenRecord, UserRecord};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use utoipa::{IntoParams, ToSchema};

use super::wire;

/// RFC 3339 UTC, the format of every time in the API.
pub fn rfc3339(micros: i64) -> String {
    scal_app::from_micros(micros).format(&Rfc3339).unwrap_or_default()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationOut {
    pub id: String,
    pub ods_code: wire::OdsCode,
    pub name: String,
    pub kind: wire::OrgKind,
}

impl From<Organisation> for OrganisationOut {
    fn from(org: Organisation) -> Self {
        Self {
            id: org.id,
            ods_code: org.ods_code.to_string().into(),
            name: org.name,
            kind: org.kind.as_str().into(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OrganisationIn {
    #[serde(default)]
    #[schema(required)]
    pub ods_code: wire::OdsCode,
    #[serde(default)]
    #[schema(required)]
    pub name: wire::Text200,
    #[serde(default)]
    #[schema(required)]
    pub kind: wire::OrgKind,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OrganisationPatch {
    /// The new name; absent: unchanged.
    #[serde(default)]
    pub name: Option<wire::Text200>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    pub id: String,
    pub organisation_id: String,
    pub email: wire::Email,
    pub name: String,
    pub role: wire::Role,
    pub active: bool,
    pub created_at: wire::Timestamp,
}

impl From<UserRecord> for UserOut {
    fn from(user: UserRecord) -> Self {
        Self {
            id: user.id,
            organisation_id: user.org_id,
            email: user.email.as_str().into(),
            name: user.name,
            role: user.role.as_str().into(),
            active: user.active,
            created_at: rfc3339(user.created_at).into(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UserIn {
    #[serde(default)]
    #[schema(required)]
    pub email: wire::Email,
    #[serde(default)]
    #[schema(required)]
    pub name: wire::Text200,
    /// Suppliers' users are `supplier_admin` or `supplier_member`, NHS England's `nhse_reviewer`
    /// or `nhse_admin`, an end user organisation's `euo_member`.
    #[serde(default)]
    #[schema(required)]
    pub role: wire::Role,
    /// At least 12 characters, not a common password, not the email address. Omit to have one
    /// generated and returned once.
    #[serde(default)]
    pub password: Option<wire::NewPassword>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserCreated {
    pub user: UserOut,
    /// Only when no password was given (else null); shown this once and never stored.
    pub generated_password: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UserPatch {
    pub name: Option<wire::Text200>,
    pub role: Option<wire::Role>,
    pub active: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChangeIn {
    #[serde(default)]
    #[schema(required, min_length = 1)]
    pub current_password: String,
    #[serde(default)]
    #[schema(required)]
    pub new_password: wire::NewPassword,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordResetSent {
    pub user_id: String,
    /// Where the link was sent.
    pub email: String,
    /// When the link stops working.
    pub expires_at: wire::Timestamp,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeOut {
    pub user: UserOut,
    pub organisation: OrganisationOut,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductOut {
    pub id: String,
    pub organisation_id: String,
    pub name: String,
    pub version: String,
    pub description: String,
    /// Null when not a medical device.
    pub medical_device_class: Option<wire::DeviceClass>,
    pub created_at: wire::Timestamp,
    pub updated_at: wire::Timestamp,
}

impl From<ProductRecord> for ProductOut {
    fn from(p: ProductRecord) -> Self {
        Self {
            id: p.id,
            organisation_id: p.org_id,
            name: p.details.name,
            version: p.details.version,
            description: p.details.description,
            medical_device_class: p.details.medical_device_class.map(|c| c.as_str().into()),
            created_at: rfc3339(p.created_at).into(),
            updated_at: rfc3339(p.updated_at).into(),
        }
    }
}

/// A new product; it is created in the caller's organisation.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ProductIn {
    #[serde(default)]
    #[schema(required)]
    pub name: wire::Text200,
    #[serde(default)]
    #[schema(required)]
    pub version: wire::Text50,
    #[serde(default)]
    pub description: wire::OptionalText5000,
    /// Omit or null when not a medical device.
    #[serde(default)]
    pub medical_device_class: Option<wire::DeviceClass>,
}

/// Fields to change; absent fields keep their value. `medical_device_class: null` clears it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ProductPatch {
    pub name: Option<wire::Text200>,
    pub version: Option<wire::Text50>,
    pub description: Option<wire::OptionalText5000>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<wire::DeviceClass>)]
    pub medical_device_class: Option<Option<wire::DeviceClass>>,
}

/// Tells "absent" (outer `None`) from "null" (`Some(None)`).
fn double_option<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceOut {
    pub code: wire::ServiceCode,
    pub name: String,
    pub use_case_required: bool,
    pub network: wire::Network,
    pub onboarding_route: wire::OnboardingRoute,
    /// Whether NHS England witness-tests products against the service's test cases once their
    /// SCAL is accepted (open-access APIs do not need it).
    pub testing_required: bool,
}

impl From<Service> for ServiceOut {
    fn from(s: Service) -> Self {
        Self {
            code: s.code.as_str().into(),
            name: s.name,
            use_case_required: s.use_case_required,
            network: s.network.as_str().into(),
            onboarding_route: s.onboarding_route.as_str().into(),
            testing_required: s.testing_required,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ServiceIn {
    #[serde(default)]
    #[schema(required)]
    pub code: wire::ServiceCode,
    #[serde(default)]
    #[schema(required)]
    pub name: wire::Text200,
    #[serde(default)]
    pub use_case_required: bool,
    #[serde(default)]
    #[schema(required)]
    pub network: wire::Network,
    #[serde(default)]
    #[schema(required)]
    pub onboarding_route: wire::OnboardingRoute,
    /// Whether NHS England witness-tests products against it [default: true].
    #[serde(default = "yes")]
    pub testing_required: bool,
}

fn yes() -> bool {
    true
}

/// Fields to change; a field left out keeps its value.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ServicePatch {
    pub name: Option<wire::Text200>,
    pub use_case_required: Option<bool>,
    pub network: Option<wire::Network>,
    pub onboarding_route: Option<wire::OnboardingRoute>,
    pub testing_required: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenOut {
    pub id: String,
    pub name: String,
    /// The first characters of the token, to recognise it.
    pub prefix: String,
    pub created_at: wire::Timestamp,
    pub last_used_at: Option<wire::Timestamp>,
    pub revoked_at: Option<wire::Timestamp>,
}

impl From<TokenRecord> for TokenOut {
    fn from(t: TokenRecord) -> Self {
        Self {
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            created_at: rfc3339(t.created_at).into(),
            last_used_at: t.last_used_at.map(|at| rfc3339(at).into()),
            revoked_at: t.revoked_at.map(|at| rfc3339(at).into()),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenIn {
    #[serde(default)]
    #[schema(required)]
    pub name: wire::Text100,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenCreated {
    pub token: TokenOut,
    /// The secret, shown this once. Send it as `Authorization: Bearer <secret>`.
    pub secret: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditOut {
    pub seq: i64,
    pub at: wire::Timestamp,
    pub actor_user_id: Option<String>,
    /// Email of the user, or `cli`.
    pub actor: String,
    pub organisation_id: Option<String>,
    /// What happened, like `product.created`.
    pub kind: String,
    pub entity_id: String,
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    pub prev_hash: String,
    pub hash: String,
}

impl From<AuditEntry> for AuditOut {
    fn from(e: AuditEntry) -> Self {
        Self {
            seq: e.seq,
            at: rfc3339(e.at).into(),
            actor_user_id: e.actor_user_id,
            actor: e.actor_label,
            organisation_id: e.org_id,
            kind: e.kind,
            entity_id: e.entity_id,
            before: e.before,
            after: e.after,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

/// Filters for the audit log. Dates are `YYYY-MM-DD` (UTC), both inclusive.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Entries about this organisation.
    #[param(format = Uuid)]
    pub organisation_id: Option<String>,
    /// Entries by this user.
    #[param(format = Uuid)]
    pub user_id: Option<String>,
    /// One kind (`product.created`), or `security` for every security event: sign-ins and
    /// failures, sign-outs, password changes and resets, API tokens created, revoked or used from
    /// a new address.
    #[param(inline)]
    pub kind: Option<wire::Line200>,
    /// From this day (UTC), inclusive.
    #[param(format = Date)]
    pub from: Option<String>,
    /// To this day (UTC), inclusive; not before `from`.
    #[param(format = Date)]
    pub to: Option<String>,
    /// Entries older than this sequence number (for the next page).
    pub before_seq: Option<i64>,
    /// At most this many entries (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}
