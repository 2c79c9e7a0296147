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

/// The demo's connection agreement text.
const DEMO_AGREEMENT: &str = "1. This agreement is between NHS England and the supplier named in it, for the product and \
services it names.\n\n2. The supplier connects the product to NHS services only as its accepted SCAL describes, keeps \
its certificate of technical conformance valid and meets the conditions it carries by their due dates.\n\n3. The \
supplier tells NHS England within 24 hours of any incident affecting the services, and keeps its DSPT assessment and \
penetration testing current.\n\n4. NHS England may suspend the connection while a condition is overdue and end it if the \
certificate is revoked.";

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
            testing_required: true,
        };
        crate::services::create(app, &system, code, &fields, now).await?;
    }
    // A real, published SCAL: NHS's GP Connect Send Document requirements table.
    let request = crate::templates::ImportRequest {
        file_name: "scal-gpc-send-document.psv".into(),
        bytes: bytes::Bytes::from_static(DEMO_TEMPLATE),
        template_id: None,
        name: Some("GP Connect: Send Document".into()),
        service: Some("GPC-SEND-DOC".into()),
        publish: true,
        options: Default::default(),
    };
    crate::templates::import(app, &system, &request, scal_workbook::Limits::default(), now).await?;
    Ok(true)
}

/// Seeds, into a freshly seeded demo world, the stages a newcomer should see at once: a SCAL in
/// progress (Acme Referrals: some answers, a red item with its justification, mitigation and
/// target date, evidence linked to it), a SCAL in review with its red item under discussion
/// (Brightwater EPR), an accepted SCAL with a condition, tested, certified and live, its
/// connection agreement signed and go-live approved (Brightwater Connect), shared with Riverside
/// Health Centre whose local assurance is in progress, version 2 of the GP Connect template with
/// Acme Referrals uplifted to it, and a request
/// still waiting to be issued (Acme PAS). `scal demo` calls it
/// after [`seed_if_empty`]; the test world (`seed_if_empty` alone) stays a blank slate.
pub async fn seed_journeys(app: &App, now: OffsetDateTime) -> Result<()> {
    use scal_domain::onboarding::info;

    let actor_of = |email: &'static str| async move {
        let user = scal_store::records::users::get_by_email(app.store.pool(), email)
            .await?
            .ok_or_else(|| AppError::Internal(format!("demo user {email} missing")))?;
        Ok::<_, AppError>(crate::auth::actor_for(&user))
    };
    let product_id = |name: &'static str| async move {
        crate::products::list(app, &Actor::System)
            .await?
            .into_iter()
            .find(|p| p.details.name == name)
            .map(|p| p.id)
            .ok_or_else(|| AppError::Internal(format!("demo product {name} missing")))
    };
    let ask = |actor: Actor, product: String, details: &'static str| async move {
        let input = crate::enquiries::EnquiryInput {
            product_id: product,
            services: vec!["GPC-SEND-DOC".into()],
            details: details.into(),
            ..Default::default()
        };
        crate::enquiries::create(app, &actor, &input, now).await
    };
    let issue = |enquiry: String| async move {
        let issued = crate::enquiries::issue(app, &Actor::System, &enquiry, &Default::default(), now).await?;
        Ok::<_, AppError>(issued.scal_id)
    };
    let answer = |actor: Actor, scal: String, sheet: String, id: String, fields: [&'static str; 4]| async move {
        let some = |v: &str| (!v.is_empty()).then(|| v.to_string());
        let input = crate::scals::AnswerInput {
            sheet_id: sheet,
            requirement_id: id,
            answer: some(fields[0]),
            justification: some(fields[1]),
            mitigation: some(fields[2]),
            target_date: some(fields[3]),
        };
        crate::scals::save_answer(app, &actor, &scal, &input, now)
            .await
            .map(|_| ())
    };

    // In progress: Acme Referrals, part answered, one red item explained and evidenced.
    let dev = actor_of("dev@acme.example").await?;
    let enquiry = ask(
        dev.clone(),
        product_id("Acme Referrals").await?,
        "Sends discharge summaries and referral letters to GP practices.",
    )
    .await?;
    let scal = issue(enquiry.id).await?;
    let view = crate::scals::view_scal(app, &dev, &scal).await?;
    let information = view
        .information_sheet()
        .map(|s| s.id.clone())
        .ok_or_else(|| AppError::Internal("demo SCAL has no information sheet".into()))?;
    let service = view
        .sheets
        .iter()
        .find(|s| s.service_code.is_some())
        .ok_or_else(|| AppError::Internal("demo SCAL has no service sheet".into()))?;
    let service_sheet = service.id.clone();
    let service_rows: Vec<String> = service.requirements.iter().map(|r| r.requirement.id.clone()).collect();
    for (id, value) in [
        (info::ORGANISATION, "Acme Health Systems"),
        (info::ODS, "8JK21"),
        (info::PRODUCT, "Acme Referrals 1.0"),
    ] {
        answer(
            dev.clone(),
            scal.clone(),
            information.clone(),
            id.into(),
            [value, "", "", ""],
        )
        .await?;
    }
    let red = service_rows.first().cloned().unwrap_or_default();
    for id in service_rows.iter().skip(1).take(8) {
        answer(
            dev.clone(),
            scal.clone(),
            service_sheet.clone(),
            id.clone(),
            ["Yes", "", "", ""],
        )
        .await?;
    }
    answer(
        dev.clone(),
        scal.clone(),
        service_sheet.clone(),
        red.clone(),
        [
            "No",
            "Our MESH mailbox is being provisioned by NHS England.",
            "Documents go to practices by secure email until the mailbox is live.",
            "2027-03-31",
        ],
    )
    .await?;
    let file = crate::evidence::upload(
        app,
        &dev,
        &scal,
        "mesh-mailbox-plan.txt",
        b"MESH mailbox plan: request raised, secure email fallback in place.",
        now,
    )
    .await?;
    crate::evidence::link(app, &dev, &scal, &file.id, &service_sheet, &red, now).await?;

    // In review: Brightwater EPR, fully answered with a red and an amber item, submitted; the
    // reviewer has taken it, accepted most items, queried the red one and asked about it in a
    // thread the supplier has answered.
    let bright = actor_of("admin@brightwater.example").await?;
    let reviewer = actor_of("reviewer@nhse.example").await?;
    let enquiry = ask(
        bright.clone(),
        product_id("Brightwater EPR").await?,
        "Files clinical documents received from hospitals into the GP record.",
    )
    .await?;
    let scal = issue(enquiry.id).await?;
    let red = complete(app, &bright, &scal, "Brightwater EPR 2.3", true, now).await?;
    let round = crate::submissions::submit(app, &bright, &scal, now).await?;
    if let Some(user_id) = reviewer.user_id() {
        crate::submissions::assign(app, &reviewer, &round.id, user_id, now).await?;
    }
    let review = crate::review::get(app, &reviewer, &round.id, now.date()).await?;
    let accepted: Vec<crate::review::VerdictInput> = review
        .items
        .iter()
        .filter(|i| i.rag == scal_domain::template::Rag::Green)
        .map(|i| verdict(i, "accepted", "", "", None))
        .collect();
    crate::review::record(app, &reviewer, &round.id, &accepted, now).await?;
    if let Some(item) = review.items.iter().find(|i| Some(&i.key()) == red.as_ref()) {
        let query = verdict(
            item,
            "query",
            "When will the MESH mailbox be live, and how are documents sent until then?",
            "not_agreed",
            None,
        );
        crate::review::record(app, &reviewer, &round.id, &[query], now).await?;
        let subject = scal_domain::thread::SubjectInput {
            kind: "item",
            sheet: Some(&item.sheet),
            requirement_id: Some(&item.id),
            service: None,
            step: None,
        };
        let thread = crate::threads::open(
            app,
            &reviewer,
            &scal,
            &subject,
            "Has the MESH team confirmed a date for your mailbox?",
            now,
        )
        .await?;
        crate::threads::reply(
            app,
            &bright,
            &thread.thread.id,
            "Requested on 12 November (ref MESH-20931); the team expects March. Secure email until then.",
            now,
        )
        .await?;
    }

    // Accepted: Brightwater Connect, reviewed and accepted in one round, its red item agreed on a
    // condition due in four months.
    let connect = crate::products::create(
        app,
        &bright,
        &crate::products::ProductInput {
            name: "Brightwater Connect".into(),
            version: "1.4".into(),
            description: "Sends discharge summaries from community services to GP practices.".into(),
            medical_device_class: String::new(),
        },
        now,
    )
    .await?;
    let enquiry = ask(
        bright.clone(),
        connect.id.clone(),
        "Sends discharge summaries from community services to GP practices.",
    )
    .await?;
    let scal = issue(enquiry.id).await?;
    let red = complete(app, &bright, &scal, "Brightwater Connect 1.4", false, now).await?;
    let round = crate::submissions::submit(app, &bright, &scal, now).await?;
    let review = crate::review::get(app, &reviewer, &round.id, now.date()).await?;
    let due = (now + time::Duration::days(120)).date().to_string();
    let verdicts: Vec<crate::review::VerdictInput> = review
        .items
        .iter()
        .map(|i| {
            if Some(&i.key()) == red.as_ref() {
                verdict(
                    i,
                    "accepted",
                    "The secure email fallback is acceptable until the mailbox is live.",
                    "agreed_with_conditions",
                    Some((
                        "Confirm the MESH mailbox is live and documents are sent through it",
                        &due,
                    )),
                )
            } else {
                verdict(i, "accepted", "", "", None)
            }
        })
        .collect();
    crate::review::record(app, &reviewer, &round.id, &verdicts, now).await?;
    crate::review::accept(app, &reviewer, &round.id, now).await?;
    // Witness-tested, every test case passed, and certified (signed with the operator's key,
    // made now if there is none).
    let testing = crate::testing::for_scal(app, &reviewer, &scal).await?;
    for case in &testing.cases {
        for test in &case.test_cases {
            let passed = crate::testing::ResultInput {
                outcome: "passed".into(),
                ..Default::default()
            };
            crate::testing::record(
                app,
                &reviewer,
                &scal,
                case.service.code.as_str(),
                &test.id,
                &passed,
                now,
            )
            .await?;
        }
    }
    crate::keys::ensure(app, now).await?;
    crate::certificates::issue(app, &reviewer, &scal, "", now).await?;
    // Live: NHS England publishes the connection agreement and prepares it for Brightwater's
    // administrator, who accepts it; NHS England approves go-live.
    let nhse_admin = actor_of("admin@nhse.example").await?;
    let version = crate::agreements::publish_version(
        app,
        &nhse_admin,
        "Connection agreement for GP Connect",
        DEMO_AGREEMENT,
        &now.date().to_string(),
        now,
    )
    .await?;
    let agreement =
        crate::agreements::prepare(app, &nhse_admin, &scal, &version.id, "admin@brightwater.example", now).await?;
    let origin = crate::agreements::Origin {
        client_address: Some("192.0.2.10".into()),
        user_agent: "scal demo".into(),
    };
    crate::agreements::accept(
        app,
        &bright,
        &agreement.record.id,
        "Priya Shah",
        "Managing Director",
        &origin,
        now,
    )
    .await?;
    crate::golive::approve(app, &nhse_admin, &scal, "GPC-SEND-DOC", now).await?;

    // Shared: Brightwater shares the live product's accepted SCAL and its hazard log with
    // Riverside Health Centre and publishes its acceptable use policy; Riverside has acknowledged
    // it and named its Clinical Safety Officer, and its local assurance is in progress.
    let connect_id = product_id("Brightwater Connect").await?;
    let hazard_log = crate::evidence::upload(
        app,
        &bright,
        &scal,
        "brightwater-connect-hazard-log.txt",
        DEMO_HAZARD_LOG.as_bytes(),
        now,
    )
    .await?;
    let share = crate::shares::create(
        app,
        &bright,
        &connect_id,
        &crate::shares::ShareInput {
            euo_ods: "Y0R1V".into(),
            expires_on: String::new(),
            evidence_ids: vec![hazard_log.id],
        },
        now,
    )
    .await?;
    let policy =
        crate::use_policies::publish(app, &bright, &connect_id, DEMO_USE_POLICY, &now.date().to_string(), now).await?;
    let riverside = actor_of("practice@riverside.example").await?;
    crate::use_policies::acknowledge(app, &riverside, &share.record.id, &policy.id, now).await?;
    crate::local_assurance::save_safety_officer(
        app,
        &riverside,
        &share.record.id,
        "Dr Helen Okafor",
        "GMC 7012345",
        now,
    )
    .await?;

    // Re-assurance: NHS England publishes version 2 of the GP Connect template (a requirement
    // added, two changed, one removed) and uplifts Acme Referrals, due in three weeks; the live
    // and in-review SCALs stay on version 1, so its impact page lists them.
    let template = crate::templates::list(app, &nhse_admin)
        .await?
        .into_iter()
        .find(|(t, _)| t.service_code.as_deref() == Some("GPC-SEND-DOC"))
        .map(|(t, _)| t.id)
        .ok_or_else(|| AppError::Internal("demo template missing".into()))?;
    let request = crate::templates::ImportRequest {
        file_name: "scal-gpc-send-document.psv".into(),
        bytes: bytes::Bytes::from(demo_template_version_2()),
        template_id: Some(template.clone()),
        name: None,
        service: None,
        publish: true,
        options: Default::default(),
    };
    crate::templates::import(app, &nhse_admin, &request, scal_workbook::Limits::default(), now).await?;
    let referrals = crate::scals::sheets(app, &nhse_admin, &product_id("Acme Referrals").await?).await?;
    if let Some(sheet) = referrals.first() {
        let due = (now + time::Duration::days(21)).date().to_string();
        crate::uplift::uplift(
            app,
            &nhse_admin,
            &template,
            None,
            std::slice::from_ref(&sheet.record.scal_id),
            &due,
            now,
        )
        .await?;
    }

    // Waiting for NHS England to issue: Acme PAS asks for a SCAL.
    let admin = actor_of("admin@acme.example").await?;
    ask(
        admin,
        product_id("Acme PAS").await?,
        "Sends appointment letters to GP practices.",
    )
    .await?;
    Ok(())
}

/// Version 2 of the demo's GP Connect template: GPCM-SD-900 added, GPCM-C-2's text and
/// GPCM-SD-032's level (SHOULD to MUST) changed, GPCM-SD-106 removed.
pub fn demo_template_version_2() -> String {
    let v1 = String::from_utf8_lossy(DEMO_TEMPLATE);
    let mut lines: Vec<String> = v1
        .lines()
        .filter(|l| !l.starts_with("GPCM-SD-106|"))
        .map(|l| {
            if l.starts_with("GPCM-C-2|") {
                l.replace("v2.9.0", "v2.10.0")
            } else if l.starts_with("GPCM-SD-032|") {
                l.replace("The payload SHOULD (if known)", "The payload MUST (if known)")
            } else {
                l.to_string()
            }
        })
        .collect();
    lines.push(
        "GPCM-SD-900|All|General||The sending system MUST record the MESH message ID of every document it sends|\
         Auditing|GPCM-SD-TST-90|Screenshot of the audit trail"
            .into(),
    );
    lines.join("\n")
}

/// The demo's shared hazard log (a supplier's DCB0129 hazard log, in brief).
const DEMO_HAZARD_LOG: &str = "Brightwater Connect hazard log (DCB0129)\n\
H-001 Document sent to the wrong practice. Cause: stale ODS lookup. Control: ODS checked at send. Residual risk: low.\n\
H-002 Document not delivered. Cause: MESH outage. Control: delivery receipts and secure email fallback. Residual risk: low.\n";

/// The demo's acceptable use policy.
const DEMO_USE_POLICY: &str = "Brightwater Connect acceptable use policy\n\n\
1. Use Brightwater Connect only to send clinical documents for the direct care of patients.\n\
2. Give access only to staff who need it, each with their own account.\n\
3. Report any suspected misdirected document to Brightwater within one working day.";

/// A verdict on a round's item, as the reviewer would give it.
fn verdict(
    item: &crate::review::RoundItem,
    verdict: &str,
    comment: &str,
    decision: &str,
    condition: Option<(&str, &str)>,
) -> crate::review::VerdictInput {
    crate::review::VerdictInput {
        sheet: item.sheet.clone(),
        requirement_id: item.id.clone(),
        verdict: verdict.into(),
        comment: comment.into(),
        decision: decision.into(),
        conditions: condition
            .map(|(text, due)| (text.to_string(), due.to_string()))
            .into_iter()
            .collect(),
    }
}

/// Answers every question of a Brightwater SCAL as its supplier would: the information sheet
/// with Brightwater's facts and files, every requirement Yes but the first MUST (red, explained
/// with a mitigation and a target date) and, with `amber`, the first SHOULD (No, justified).
/// Returns the red item.
async fn complete(
    app: &App,
    actor: &Actor,
    scal: &str,
    product: &str,
    amber: bool,
    now: OffsetDateTime,
) -> Result<Option<scal_domain::review::ItemKey>> {
    use scal_domain::onboarding::info;
    use scal_domain::template::Level;
    let view = crate::scals::view_scal(app, actor, scal).await?;
    let facts = [
        (info::ORGANISATION, "Brightwater Clinical"),
        (info::ODS, "8QW47"),
        (info::PRODUCT, product),
        (info::HSCN, "Yes"),
        (info::HSCN_DATE, "2026-01-10"),
        (info::DSPT_STATUS, "Standards Met"),
        (info::DSPT_DATE, "2026-06-20"),
        (info::CSO_NAME, "Dr Grace Lin"),
        (info::CSO_REGISTRATION, "GMC 7654321"),
        (info::DEVICE, "Class I"),
        (info::DEVICE_REFERENCE, "MHRA 4412"),
        (info::PENTEST_DATE, "2026-03-01"),
        (info::PENTEST_CLOSED, "Yes"),
        (info::SERVICE_DESK, "NSD-5120"),
        (info::DEVELOPER_COMMUNITY, "Yes"),
    ];
    let target = (now + time::Duration::days(120)).date().to_string();
    let (mut red, mut amber_given) = (None, !amber);
    for sheet in &view.sheets {
        for row in &sheet.requirements {
            if !row.requirement.answer_kind.answered_by_typing() {
                continue;
            }
            let service = sheet.service_code.is_some();
            let mut input = crate::scals::AnswerInput {
                sheet_id: sheet.id.clone(),
                requirement_id: row.requirement.id.clone(),
                answer: Some(
                    facts
                        .iter()
                        .find(|(id, _)| *id == row.requirement.id)
                        .map_or("Yes", |(_, v)| v)
                        .to_string(),
                ),
                ..Default::default()
            };
            if service && red.is_none() && row.requirement.level == Level::Must {
                red = Some(scal_domain::review::ItemKey::new(&sheet.name, &row.requirement.id));
                input.answer = Some("No".into());
                input.justification = Some("Our MESH mailbox is being provisioned by NHS England.".into());
                input.mitigation = Some("Documents go to practices by secure email until the mailbox is live.".into());
                input.target_date = Some(target.clone());
            } else if service && !amber_given && row.requirement.level == Level::Should {
                amber_given = true;
                input.answer = Some("No".into());
                input.justification = Some("Retries are handled by the practice system's own queue.".into());
            }
            crate::scals::save_answer(app, actor, scal, &input, now).await?;
        }
    }
    let information = view
        .information_sheet()
        .map(|s| s.id.clone())
        .ok_or_else(|| AppError::Internal("demo SCAL has no information sheet".into()))?;
    for (question, name, bytes) in [
        (
            info::SAFETY_CASE,
            "clinical-safety-case.txt",
            &b"Clinical safety case report (demo)"[..],
        ),
        (
            info::HAZARD_LOG,
            "hazard-log.txt",
            &b"H1 document filed to the wrong patient (demo)"[..],
        ),
        (
            info::PENTEST_REPORT,
            "penetration-test.txt",
            &b"Penetration test summary (demo)"[..],
        ),
    ] {
        let file = crate::evidence::upload(app, actor, scal, name, bytes, now).await?;
        crate::evidence::link(app, actor, scal, &file.id, &information, question, now).await?;
    }
    Ok(red)
}
