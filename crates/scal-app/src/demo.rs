//! The demo world `scal demo` seeds into an empty database: enough organisations, users, products
//! and services to click through every page as every role.

use scal_domain::policy::Actor;
use time::OffsetDateTime;

use crate::organisations::OrganisationInput;
use crate::products::ProductInput;
use crate::services::ServiceFields;
use crate::users::NewUserInput;
use crate::{App, AppError, Result};

/// The GP Connect Send Document SCAL table as NHS publishes it (see tests/fixtures/real/SOURCES.md).
const DEMO_TEMPLATE: &[u8] = include_bytes!("../../../tests/fixtures/real/scal-gpc-send-document.psv");

/// Every demo account shares this password. The demo binds to loopback by default; never seed a
/// demo into a database reachable by others.
pub const DEMO_PASSWORD: &str = "scal-demo-password";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLogin {
    pub email: &'static str,
    pub role: &'static str,
    pub organisation: &'static str,
}

pub const DEMO_LOGINS: [DemoLogin; 6] = [
    DemoLogin {
        email: "admin@nhse.example",
        role: "nhse_admin",
        organisation: "NHS England",
    },
    DemoLogin {
        email: "reviewer@nhse.example",
        role: "nhse_reviewer",
        organisation: "NHS England",
    },
    DemoLogin {
        email: "admin@acme.example",
        role: "supplier_admin",
        organisation: "Acme Health Systems",
    },
    DemoLogin {
        email: "dev@acme.example",
        role: "supplier_member",
        organisation: "Acme Health Systems",
    },
    DemoLogin {
        email: "admin@brightwater.example",
        role: "supplier_admin",
        organisation: "Brightwater Clinical",
    },
    DemoLogin {
        email: "practice@riverside.example",
        role: "euo_member",
        organisation: "Riverside Health Centre",
    },
];

const ORGANISATIONS: [(&str, &str, &str); 4] = [
    ("X26", "NHS England", "nhse"),
    ("8JK21", "Acme Health Systems", "supplier"),
    ("8QW47", "Brightwater Clinical", "supplier"),
    ("Y0R1V", "Riverside Health Centre", "euo"),
];

const NAMES: [&str; 6] = [
    "Nadia Shah",
    "Rob Evans",
    "Priya Patel",
    "Dev Okafor",
    "Grace Lin",
    "Sam Hughes",
];

const PRODUCTS: [(&str, &str, &str, &str, &str); 3] = [
    (
        "admin@acme.example",
        "Acme PAS",
        "4.2",
        "Patient administration system for GP practices.",
        "",
    ),
    (
        "dev@acme.example",
        "Acme Referrals",
        "1.0",
        "Sends referrals and documents to GP practices.",
        "",
    ),
    (
        "admin@brightwater.example",
        "Brightwater EPR",
        "2.3",
        "Electronic patient record with decision support.",
        "I",
    ),
];

const SERVICES: [(&str, &str, bool, &str, &str); 5] = [
    (
        "PDS-FHIR",
        "Personal Demographics Service (FHIR)",
        true,
        "internet",
        "scal",
    ),
    (
        "GPC-ACCESS-RECORD",
        "GP Connect: Access Record Structured",
        true,
        "hscn",
        "scal",
    ),
    ("GPC-SEND-DOC", "GP Connect: Send Document", false, "internet", "scal"),
    ("ERS-FHIR", "e-Referral Service (FHIR)", true, "internet", "scal"),
    (
        "MESH",
        "Message Exchange for Social Care and Health (MESH) API",
        false,
        "internet",
        "digital_onboarding",
    ),
];

/// Seeds the demo world when the database has no organisations yet. Returns whether it seeded.
pub async fn seed_if_empty(app: &App, now: OffsetDateTime) -> Result<bool> {
    if scal_store::records::organisations::count(app.store.pool()).await? > 0 {
        return Ok(false);
    }
    let system = Actor::System;
    let mut org_ids = Vec::new();
    for (ods, name, kind) in ORGANISATIONS {
        let input = OrganisationInput {
            ods_code: ods.into(),
            name: name.into(),
            kind: kind.into(),
        };
        org_ids.push((name, crate::organisations::create(app, &system, &input, now).await?.id));
    }
    for (login, name) in DEMO_LOGINS.iter().zip(NAMES) {
        let org_id = org_ids
            .iter()
            .find(|(org, _)| *org == login.organisation)
            .map(|(_, id)| id.clone())
            .ok_or_else(|| AppError::Internal(format!("demo organisation {} missing", login.organisation)))?;
        let input = NewUserInput {
            email: login.email.into(),
            name: name.into(),
            role: login.role.into(),
            password: Some(DEMO_PASSWORD.into()),
        };
        crate::users::create(app, &system, &org_id, &input, now).await?;
    }
    for (email, name, version, description, class) in PRODUCTS {
        let user = scal_store::records::users::get_by_email(app.store.pool(), email)
            .await?
            .ok_or_else(|| AppError::Internal(format!("demo user {email} missing")))?;
        let input = ProductInput {
            name: name.into(),
            version: version.into(),
            description: description.into(),
            medical_device_class: class.into(),
        };
        crate::products::create(app, &crate::auth::actor_for(&user), &input, now).await?;
    }
    for (code, name, use_case_required, network, route) in SERVICES {
        let fields = ServiceFields {
            name: name.into(),
            use_case_required,
            network: network.into(),
            onboarding_route: route.into(),
        };
        crate::services::create(app, &system, code, &fields, now).await?;
    }
    // A real, published SCAL: NHS's GP Connect Send Document requirements table.
    let request = crate::templates::ImportRequest {
        file_name: "scal-gpc-send-document.psv".into(),
        bytes: bytes::Bytes::from_static(DEMO_TEMPLATE),
        name: Some("GP Connect: Send Document".into()),
        service: Some("GPC-SEND-DOC".into()),
        publish: true,
        options: Default::default(),
    };
    crate::templates::import(app, &system, &request, scal_workbook::Limits::default(), now).await?;
    Ok(true)
}
