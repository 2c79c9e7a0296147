//! Step 2: a supplier asks to onboard a product to services; NHS England issues a tailored SCAL.

use std::collections::BTreeMap;

use scal_domain::policy::{authorize, Action, Actor};
use scal_domain::service::{OnboardingRoute, Service, ServiceCode};
use scal_domain::template::TemplateSheet;
use scal_domain::{FieldError, Invalid};
use scal_store::records::enquiries::{self, EnquiryRecord};
use scal_store::records::{scals, services, templates};
use time::OffsetDateTime;

use crate::scals::{issue_in, pick, Issued, ScopeOut};
use crate::{audit_entry, micros, new_id, App, AppError, Result};

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct EnquiryInput {
    #[serde(default)]
    pub product_id: String,
    #[serde(default)]
    pub services: Vec<String>,
    /// Free-text, API-specific details.
    #[serde(default)]
    pub details: String,
    /// Per service code, what the product will use the service for. Required for each service
    /// whose catalogue entry requires a use case; carried to the service's case when issued.
    #[serde(default)]
    pub use_cases: BTreeMap<String, String>,
}

/// The form field of one service's use case (`use_case-GPC-SEND-DOC`), so an error names it.
pub fn use_case_field(code: &str) -> String {
    format!("use_case-{code}")
}

/// Whether a SCAL can be issued for a service today, as the enquiry form tells a supplier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    /// NHS England has published a SCAL template for it.
    TemplatePublished,
    /// It is assured by SCAL, but no template is published yet: NHS England publishes one before
    /// issuing.
    NoTemplateYet,
    /// It is assured another way (the Digital Onboarding Service, the Common Assurance Process).
    OtherRoute(OnboardingRoute),
}

/// A catalogue service as offered on the enquiry form.
#[derive(Debug, Clone)]
pub struct ServiceOffer {
    pub service: Service,
    pub availability: Availability,
}

/// The services a supplier can ask a SCAL for, each with whether a template is published.
pub async fn offers(app: &App, actor: &Actor) -> Result<Vec<ServiceOffer>> {
    let catalogue = crate::services::list(app, actor).await?;
    let mut with_template: Vec<String> = Vec::new();
    for template in templates::list(app.store.pool()).await? {
        let Some(code) = template.service_code else { continue };
        if templates::versions(app.store.pool(), &template.id)
            .await?
            .iter()
            .any(|v| v.published)
        {
            with_template.push(code);
        }
    }
    Ok(catalogue
        .into_iter()
        .map(|service| {
            let availability = if service.onboarding_route != OnboardingRoute::Scal {
                Availability::OtherRoute(service.onboarding_route)
            } else if with_template.iter().any(|c| c == service.code.as_str()) {
                Availability::TemplatePublished
            } else {
                Availability::NoTemplateYet
            };
            ServiceOffer { service, availability }
        })
        .collect())
}

/// Asks NHS England for a SCAL (supplier). Every problem with the request is reported at once.
pub async fn create(app: &App, actor: &Actor, input: &EnquiryInput, now: OffsetDateTime) -> Result<EnquiryRecord> {
    authorize(actor, Action::RequestScal, None)?;
    let mut invalid = Invalid::default();
    let product = match crate::products::get(app, actor, &input.product_id).await {
        Ok(product) => {
            authorize(actor, Action::RequestScal, Some(&product.org_id))?;
            Some(product)
        }
        Err(AppError::NotFound) => {
            invalid
                .0
                .push(FieldError::new("product_id", "Choose one of your products"));
            None
        }
        Err(other) => return Err(other),
    };
    let catalogue = services::list(app.store.pool()).await?;
    let mut chosen: Vec<&Service> = Vec::new();
    for raw in &input.services {
        match ServiceCode::parse(raw) {
            Ok(code) => match catalogue.iter().find(|s| s.code == code) {
                None => invalid.0.push(FieldError::new(
                    "services",
                    format!("{} is not in the service catalogue", code.as_str()),
                )),
                Some(service) if !chosen.iter().any(|c| c.code == code) => chosen.push(service),
                Some(_) => {}
            },
            Err(e) => invalid.0.push(FieldError::new("services", e.message)),
        }
    }
    if input.services.is_empty() {
        invalid
            .0
            .push(FieldError::new("services", "Choose at least one service"));
    }
    for code in input.use_cases.keys() {
        if !chosen.iter().any(|s| s.code.as_str().eq_ignore_ascii_case(code.trim())) {
            invalid.0.push(FieldError::new(
                "use_cases",
                format!("{code:?} is not one of the services asked for"),
            ));
        }
    }
    let mut use_cases = BTreeMap::new();
    for service in &chosen {
        let code = service.code.as_str();
        let field = use_case_field(code);
        let given = input
            .use_cases
            .iter()
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(code))
            .map_or("", |(_, v)| v.as_str());
        let Some(text) = invalid.check(scal_domain::field::optional_text(&field, "the use case", given, 10_000)) else {
            continue;
        };
        if text.is_empty() {
            if service.use_case_required {
                invalid.0.push(FieldError::new(
                    field,
                    format!("Describe what the product will use {} for", service.name),
                ));
            }
        } else {
            use_cases.insert(code.to_string(), text);
        }
    }
    let codes: Vec<String> = chosen.iter().map(|s| s.code.as_str().to_string()).collect();
    let details = invalid
        .check(scal_domain::field::optional_text(
            "details",
            "the details",
            &input.details,
            10_000,
        ))
        .unwrap_or_default();
    let Some(product) = product.filter(|_| invalid.is_empty()) else {
        return Err(AppError::Invalid(invalid));
    };
    let record = EnquiryRecord {
        id: new_id(),
        org_id: product.org_id.clone(),
        product_id: product.id.clone(),
        services: codes,
        details,
        use_cases,
        status: "open".into(),
        created_by: actor.label().to_string(),
        created_at: micros(now),
        issued_by: None,
        issued_at: None,
        scal_id: None,
        nhse_note: None,
        noted_by: None,
        noted_at: None,
        supplier_reply: None,
    };
    let mut tx = app.store.begin().await?;
    enquiries::insert(tx.conn(), &record).await?;
    tx.audit(audit_entry(
        actor,
        now,
        "enquiry.created",
        Some(&product.org_id),
        &record.id,
        None,
        crate::to_json(&record),
    ))
    .await?;
    let reviewers = crate::notifications::reviewers(&mut tx, &record.services).await?;
    let name = product.details.title();
    crate::notifications::tell(
        &mut tx,
        &reviewers,
        "enquiry",
        &format!("SCAL requested: {name}"),
        &format!("{name} asks to onboard to {}", record.services.join(", ")),
        &format!("/enquiries/{}", record.id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(record)
}

/// Enquiries the actor may see, newest first.
pub async fn list(app: &App, actor: &Actor) -> Result<Vec<EnquiryRecord>> {
    authorize(actor, Action::ReadOnboarding, None)?;
    let org = if actor.is_nhse() { None } else { actor.org_id() };
    Ok(enquiries::list(app.store.pool(), org).await?)
}

pub async fn get(app: &App, actor: &Actor, id: &str) -> Result<EnquiryRecord> {
    let record = enquiries::get(app.store.pool(), crate::known_id(id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    authorize(actor, Action::ReadOnboarding, Some(&record.org_id))?;
    Ok(record)
}

/// NHS England's choice of template for one service of an enquiry.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct TemplateChoice {
    #[serde(default)]
    pub service: String,
    #[serde(default)]
    pub template_id: String,
    pub version: Option<i64>,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct IssueInput {
    /// Per service, a template other than the default (the latest published version of the
    /// newest template for that service).
    #[serde(default)]
    pub templates: Vec<TemplateChoice>,
    #[serde(default)]
    pub scoped_out: Vec<ScopeOut>,
}

/// The template issued for `service` by default: the newest template for it with a published
/// version.
pub async fn default_template(app: &App, service: &str) -> Result<Option<String>> {
    let mut found = None;
    for template in templates::list(app.store.pool()).await? {
        if template.service_code.as_deref() != Some(service) {
            continue;
        }
        let published = templates::versions(app.store.pool(), &template.id)
            .await?
            .iter()
            .any(|v| v.published);
        if published && found.as_ref().is_none_or(|(_, at)| template.created_at > *at) {
            found = Some((template.id.clone(), template.created_at));
        }
    }
    Ok(found.map(|(id, _)| id))
}

/// Issues the tailored SCAL for an enquiry (NHS England).
pub async fn issue(app: &App, actor: &Actor, id: &str, input: &IssueInput, now: OffsetDateTime) -> Result<Issued> {
    let enquiry = get(app, actor, id).await?;
    let product = crate::products::get(app, actor, &enquiry.product_id).await?;
    authorize(actor, Action::IssueScal, Some(&product.org_id))?;
    let mut invalid = Invalid::default();
    for choice in &input.templates {
        if !enquiry
            .services
            .iter()
            .any(|s| s.eq_ignore_ascii_case(choice.service.trim()))
        {
            invalid.0.push(FieldError::new(
                "templates",
                format!("{:?} is not one of the services asked for", choice.service),
            ));
        }
    }
    let mut picks = Vec::new();
    for service in &enquiry.services {
        // A choice without a template picks a version of the default one.
        let choice = input
            .templates
            .iter()
            .find(|c| c.service.trim().eq_ignore_ascii_case(service));
        let template_id = match choice.map(|c| c.template_id.trim()).filter(|id| !id.is_empty()) {
            Some(id) => Some(id.to_string()),
            None => default_template(app, service).await?,
        };
        // Each service is assured against its own templates; one for another service is a slip.
        if let Some(other) = match &template_id {
            Some(id) => match crate::known_id(id) {
                Ok(id) => templates::get(app.store.pool(), id).await?.and_then(|t| t.service_code),
                Err(_) => None,
            },
            None => None,
        }
        .filter(|code| !code.eq_ignore_ascii_case(service))
        {
            invalid.0.push(FieldError::new(
                "templates",
                format!("That template is for {other}, not {service}: choose one of {service}'s templates"),
            ));
            continue;
        }
        let Some(template_id) = template_id else {
            invalid.0.push(FieldError::new(
                "templates",
                format!("{service} has no published template: choose one"),
            ));
            continue;
        };
        match pick(
            app,
            actor,
            &template_id,
            choice.and_then(|c| c.version),
            Some(service.clone()),
        )
        .await
        {
            Ok(p) => picks.push(p),
            Err(AppError::NotFound) => invalid
                .0
                .push(FieldError::new("templates", format!("No such template for {service}"))),
            Err(AppError::Invalid(mut i)) => invalid.0.append(&mut i.0),
            Err(other) => return Err(other),
        }
    }
    if !invalid.is_empty() {
        return Err(AppError::Invalid(invalid));
    }
    let mut tx = app.store.begin().await?;
    let current = enquiries::get_locked(&mut tx, &enquiry.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if current.status != "open" {
        return Err(AppError::Conflict(not_open(&current.status)));
    }
    let issued = issue_in(
        app,
        &mut tx,
        actor,
        &product,
        &picks,
        &input.scoped_out,
        &current.use_cases,
        now,
    )
    .await?;
    enquiries::mark_issued(tx.conn(), &enquiry.id, actor.label(), micros(now), &issued.scal_id).await?;
    tx.audit(audit_entry(
        actor,
        now,
        "enquiry.issued",
        Some(&product.org_id),
        &enquiry.id,
        Some(serde_json::json!({"status": "open"})),
        Some(serde_json::json!({"status": "issued", "scal_id": issued.scal_id})),
    ))
    .await?;
    let suppliers = crate::notifications::organisation_users(&mut tx, &product.org_id).await?;
    let name = product.details.title();
    crate::notifications::tell(
        &mut tx,
        &suppliers,
        "issued",
        &format!("SCAL issued: {name}"),
        &format!(
            "NHS England issued the SCAL for {name} ({})",
            enquiry.services.join(", ")
        ),
        &format!("/scals/{}", issued.scal_id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(issued)
}

/// One published template NHS England can issue for a service.
#[derive(Debug, Clone)]
pub struct PublishedTemplate {
    pub id: String,
    pub name: String,
    /// Its latest published version, the one issued.
    pub version: i64,
    version_id: String,
}

/// What NHS England chooses between when issuing one service of an enquiry.
#[derive(Debug, Clone)]
pub struct IssueOption {
    pub code: String,
    /// The catalogue's name for the service (its code if it has left the catalogue).
    pub name: String,
    /// Only this service's templates with a published version, newest first.
    pub templates: Vec<PublishedTemplate>,
}

impl IssueOption {
    /// The template issued unless NHS England chooses another: the newest.
    pub fn default_template(&self) -> Option<&PublishedTemplate> {
        self.templates.first()
    }
}

/// The catalogue names of the enquiry's services, in the order asked for.
pub async fn service_names(app: &App, actor: &Actor, enquiry: &EnquiryRecord) -> Result<Vec<(String, String)>> {
    authorize(actor, Action::ReadOnboarding, Some(&enquiry.org_id))?;
    let catalogue = services::list(app.store.pool()).await?;
    Ok(enquiry
        .services
        .iter()
        .map(|code| {
            let name = catalogue
                .iter()
                .find(|s| s.code.as_str() == code)
                .map_or_else(|| code.clone(), |s| s.name.clone());
            (code.clone(), name)
        })
        .collect())
}

/// Per service of the enquiry, the templates NHS England may issue (NHS England).
pub async fn issue_options(app: &App, actor: &Actor, enquiry: &EnquiryRecord) -> Result<Vec<IssueOption>> {
    authorize(actor, Action::IssueScal, Some(&enquiry.org_id))?;
    let mut all = templates::list(app.store.pool()).await?;
    all.sort_by_key(|t| std::cmp::Reverse(t.created_at));
    let mut out = Vec::new();
    for (code, name) in service_names(app, actor, enquiry).await? {
        let mut offered = Vec::new();
        for template in all.iter().filter(|t| t.service_code.as_deref() == Some(code.as_str())) {
            let versions = templates::versions(app.store.pool(), &template.id).await?;
            if let Some(latest) = versions.iter().rev().find(|v| v.published) {
                offered.push(PublishedTemplate {
                    id: template.id.clone(),
                    name: template.name.clone(),
                    version: latest.version,
                    version_id: latest.id.clone(),
                });
            }
        }
        out.push(IssueOption {
            code,
            name,
            templates: offered,
        });
    }
    Ok(out)
}

/// The sheets of a template's latest published version, which NHS England may scope requirements
/// out of when issuing it.
pub async fn template_sheets(app: &App, template: &PublishedTemplate) -> Result<Vec<TemplateSheet>> {
    let mut conn = app.store.acquire().await?;
    Ok(app
        .published
        .get(&mut conn, &template.version_id)
        .await?
        .as_ref()
        .clone())
}

/// What was issued for one service of an enquiry.
#[derive(Debug, Clone)]
pub struct IssuedService {
    pub code: String,
    pub name: String,
    /// The template and version issued: (name, version).
    pub templates: Vec<(String, i64)>,
    /// Requirements NHS England took out: (ID, reason).
    pub scoped_out: Vec<(String, String)>,
}

/// Per service of an issued enquiry, the template versions in its SCAL and what was scoped out
/// (empty while the enquiry is open).
pub async fn issued(app: &App, actor: &Actor, enquiry: &EnquiryRecord) -> Result<Vec<IssuedService>> {
    let names = service_names(app, actor, enquiry).await?;
    let Some(scal_id) = &enquiry.scal_id else {
        return Ok(Vec::new());
    };
    let mut conn = app.store.acquire().await?;
    let sheets = scals::sheets(&mut *conn, scal_id).await?;
    let scoped = scals::scoped_out(&mut *conn, scal_id).await?;
    let mut out = Vec::new();
    for (code, name) in names {
        let mut issued = IssuedService {
            code: code.clone(),
            name,
            templates: Vec::new(),
            scoped_out: Vec::new(),
        };
        let mut versions: Vec<&str> = Vec::new();
        for sheet in sheets
            .iter()
            .filter(|s| s.service_code.as_deref() == Some(code.as_str()))
        {
            issued.scoped_out.extend(
                scoped
                    .iter()
                    .filter(|o| o.scal_sheet_id == sheet.id)
                    .map(|o| (o.requirement_id.clone(), o.reason.clone())),
            );
            if versions.contains(&sheet.template_version_id.as_str()) {
                continue;
            }
            versions.push(&sheet.template_version_id);
            if let Some(version) = templates::get_version(&mut *conn, &sheet.template_version_id).await? {
                if let Some(template) = templates::get(&mut *conn, &version.template_id).await? {
                    issued.templates.push((template.name, version.version));
                }
            }
        }
        out.push(issued);
    }
    Ok(out)
}

/// Why an enquiry that is not open cannot be issued, declined or asked about.
fn not_open(status: &str) -> String {
    match status {
        "issued" => "This enquiry has already been issued".into(),
        "declined" => "This enquiry was declined".into(),
        "more_information" => "NHS England is waiting for the supplier to answer its question".into(),
        other => format!("This enquiry is {other}"),
    }
}

/// What NHS England does with an open enquiry besides issuing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Response {
    /// Asks the supplier for more information: the enquiry waits for their answer.
    AskForInformation,
    /// Declines it, saying why: final.
    Decline,
}

/// NHS England asks the supplier for more information about an open enquiry, or declines it;
/// the supplier's users are told.
pub async fn respond(
    app: &App,
    actor: &Actor,
    id: &str,
    response: Response,
    note: &str,
    now: OffsetDateTime,
) -> Result<EnquiryRecord> {
    let enquiry = get(app, actor, id).await?;
    authorize(actor, Action::IssueScal, Some(&enquiry.org_id))?;
    let (field, label, status, kind) = match response {
        Response::AskForInformation => (
            "question",
            "what you need to know",
            "more_information",
            "enquiry.information_asked",
        ),
        Response::Decline => ("reason", "why the request is declined", "declined", "enquiry.declined"),
    };
    let note = scal_domain::field::required_text(field, label, note, 10_000)
        .map_err(|e| AppError::Invalid(Invalid(vec![e])))?;
    let mut tx = app.store.begin().await?;
    let current = enquiries::get_locked(&mut tx, &enquiry.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if current.status != "open" {
        return Err(AppError::Conflict(not_open(&current.status)));
    }
    enquiries::mark_noted(tx.conn(), &current.id, status, &note, actor.label(), micros(now)).await?;
    tx.audit(audit_entry(
        actor,
        now,
        kind,
        Some(&current.org_id),
        &current.id,
        Some(serde_json::json!({"status": current.status})),
        Some(serde_json::json!({"status": status, field: note})),
    ))
    .await?;
    let product = scal_store::records::products::get(tx.conn(), &current.product_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let name = product.details.title();
    let suppliers = crate::notifications::organisation_users(&mut tx, &current.org_id).await?;
    let (subject, message) = match response {
        Response::AskForInformation => (
            format!("NHS England asks about your request: {name}"),
            format!("NHS England needs more information before issuing the SCAL for {name}: {note}"),
        ),
        Response::Decline => (
            format!("Request declined: {name}"),
            format!("NHS England declined the request for {name}: {note}"),
        ),
    };
    crate::notifications::tell(
        &mut tx,
        &suppliers,
        "enquiry",
        &subject,
        &message,
        &format!("/enquiries/{}", current.id),
        now,
    )
    .await?;
    tx.commit().await?;
    get(app, actor, id).await
}

/// The supplier answers NHS England's question about its enquiry: it is open again, and NHS
/// England's reviewers of its services are told.
pub async fn answer(app: &App, actor: &Actor, id: &str, reply: &str, now: OffsetDateTime) -> Result<EnquiryRecord> {
    let enquiry = get(app, actor, id).await?;
    authorize(actor, Action::RequestScal, Some(&enquiry.org_id))?;
    let reply = scal_domain::field::required_text("answer", "your answer", reply, 10_000)
        .map_err(|e| AppError::Invalid(Invalid(vec![e])))?;
    let mut tx = app.store.begin().await?;
    let current = enquiries::get_locked(&mut tx, &enquiry.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if current.status != "more_information" {
        return Err(AppError::Conflict(
            "NHS England has not asked anything about this enquiry".into(),
        ));
    }
    enquiries::mark_answered(tx.conn(), &current.id, &reply).await?;
    tx.audit(audit_entry(
        actor,
        now,
        "enquiry.answered",
        Some(&current.org_id),
        &current.id,
        Some(serde_json::json!({"status": "more_information"})),
        Some(serde_json::json!({"status": "open", "answer": reply})),
    ))
    .await?;
    let reviewers = crate::notifications::reviewers(&mut tx, &current.services).await?;
    crate::notifications::tell(
        &mut tx,
        &reviewers,
        "enquiry",
        "A supplier answered your question about a request",
        &format!("The supplier answered: {reply}"),
        &format!("/enquiries/{}", current.id),
        now,
    )
    .await?;
    tx.commit().await?;
    get(app, actor, id).await
}
