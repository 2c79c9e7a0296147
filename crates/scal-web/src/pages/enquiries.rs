//! Enquiries: a supplier asks NHS England for a SCAL for one of its products; NHS England issues
//! the tailored SCAL from the enquiry.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use scal_app::enquiries::{EnquiryInput, IssueInput, TemplateChoice};
use scal_app::scals::ScopeOut;
use scal_app::AppError;
use scal_domain::policy::{authorize, Action};
use scal_domain::FieldError;
use scal_store::records::enquiries::EnquiryRecord;

use super::layout::{
    back_link, button, csrf, data_table, date_time, error_summary, page, select, summary_list, tag, textarea, Caption,
    Chrome, Nav,
};
use super::onboarding::refusal;
use super::{done, form_page, see_other, FormOutcome};
use crate::extract::PageForm;
use crate::notice::Notice;
use crate::session::{CurrentSession, PageActor};
use crate::{AppState, PageError};

type PageResult = Result<Response, PageError>;

/// A form whose fields may repeat (checkboxes), as its pairs.
type Pairs = Vec<(String, String)>;

fn field<'p>(pairs: &'p Pairs, name: &str) -> &'p str {
    pairs.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

fn status_tag(enquiry: &EnquiryRecord) -> Markup {
    match enquiry.status.as_str() {
        "open" => tag("Waiting for NHS England", "blue"),
        "issued" => tag("SCAL issued", "green"),
        other => tag(other, "grey"),
    }
}

pub async fn list(State(state): State<AppState>, PageActor(session): PageActor) -> PageResult {
    let mut enquiries = scal_app::enquiries::list(&state.app, &session.actor).await?;
    let products = scal_app::products::list(&state.app, &session.actor).await?;
    let can_ask = authorize(&session.actor, Action::RequestScal, None).is_ok();
    // Open ones first: they are what NHS England has to act on.
    enquiries.sort_by_key(|e| e.status != "open");
    let product_name = |id: &str| {
        products
            .iter()
            .find(|p| p.id == id)
            .map_or_else(|| "Unknown product".to_string(), |p| p.details.title())
    };
    let content = html! {
        h1 class="nhsuk-heading-xl" { "Enquiries" }
        @if can_ask {
            p class="nhsuk-body" { "Ask NHS England for a SCAL when you want to connect a product to NHS services." }
            a class="nhsuk-button" href="/enquiries/new" { "Ask for a SCAL" }
        }
        @if enquiries.is_empty() {
            p class="nhsuk-body" { "There are no enquiries." }
        } @else {
            (data_table("Enquiries", Caption::Hidden, html! {
                thead class="nhsuk-table__head" {
                    tr class="nhsuk-table__row" {
                        th class="nhsuk-table__header" scope="col" { "Product" }
                        th class="nhsuk-table__header" scope="col" { "Services" }
                        th class="nhsuk-table__header" scope="col" { "Asked" }
                        th class="nhsuk-table__header" scope="col" { "Status" }
                    }
                }
                tbody class="nhsuk-table__body" {
                    @for enquiry in &enquiries {
                        tr class="nhsuk-table__row" {
                            td class="nhsuk-table__cell" { a href=(format!("/enquiries/{}", enquiry.id)) { (product_name(&enquiry.product_id)) } }
                            td class="nhsuk-table__cell" { (enquiry.services.join(", ")) }
                            td class="nhsuk-table__cell" { (enquiry.created_by) br; (date_time(enquiry.created_at)) }
                            td class="nhsuk-table__cell" { (status_tag(enquiry)) }
                        }
                    }
                }
            }))
        }
    };
    Ok(page(
        "Enquiries",
        &Chrome::signed_in(&session, Nav::Enquiries),
        false,
        content,
    )
    .into_response())
}

async fn new_enquiry_form(
    state: &AppState,
    session: &CurrentSession,
    input: &EnquiryInput,
    errors: &[FieldError],
) -> Result<Markup, PageError> {
    let products = scal_app::products::list(&state.app, &session.actor).await?;
    let services = scal_app::services::list(&state.app, &session.actor).await?;
    let product_options: Vec<(String, String)> = products.iter().map(|p| (p.id.clone(), p.details.title())).collect();
    let product_refs: Vec<(&str, &str)> = [("", "Choose a product")]
        .into_iter()
        .chain(product_options.iter().map(|(a, b)| (a.as_str(), b.as_str())))
        .collect();
    let services_error = errors
        .iter()
        .find(|e| e.field == "services")
        .map(|e| e.message.as_str());
    let content = html! {
        (back_link("/enquiries", "Back to enquiries"))
        (error_summary(errors))
        h1 class="nhsuk-heading-xl" { "Ask for a SCAL" }
        p class="nhsuk-body" { "NHS England will issue a SCAL tailored to the services you want to use." }
        form method="post" action="/enquiries" novalidate {
            (csrf(&session.csrf_token))
            (select("product_id", "Product", &product_refs, &input.product_id, errors, None))
            div class={ "nhsuk-form-group" @if services_error.is_some() { " nhsuk-form-group--error" } } {
                fieldset class="nhsuk-fieldset" aria-describedby={ "services-hint" @if services_error.is_some() { " services-error" } } {
                    legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s" { "Services" }
                    div class="nhsuk-hint" id="services-hint" { "Select all the services the product will connect to" }
                    @if let Some(error) = services_error {
                        span class="nhsuk-error-message" id="services-error" {
                            span class="nhsuk-u-visually-hidden" { "Error:" } " " (error)
                        }
                    }
                    div class="nhsuk-checkboxes" {
                        @for (i, service) in services.iter().enumerate() {
                            @let code = service.code.as_str();
                            @let id = if i == 0 { "services".to_string() } else { format!("services-{}", i + 1) };
                            div class="nhsuk-checkboxes__item" {
                                input class="nhsuk-checkboxes__input" id=(id) name="services" type="checkbox" value=(code)
                                    checked[input.services.iter().any(|s| s == code)];
                                label class="nhsuk-label nhsuk-checkboxes__label" for=(id) {
                                    (service.name) " " span class="nhsuk-u-visually-hidden" { "(" } (code) span class="nhsuk-u-visually-hidden" { ")" }
                                }
                            }
                        }
                    }
                }
            }
            (textarea("details", "Details (optional)", &input.details, errors,
                Some("Anything NHS England should know: the APIs you will call, your timescales")))
            (button("Send the enquiry"))
        }
    };
    Ok(page(
        "Ask for a SCAL",
        &Chrome::signed_in(session, Nav::Enquiries),
        !errors.is_empty(),
        content,
    ))
}

pub async fn new_form(State(state): State<AppState>, PageActor(session): PageActor) -> PageResult {
    authorize(&session.actor, Action::RequestScal, None).map_err(AppError::from)?;
    Ok(new_enquiry_form(&state, &session, &EnquiryInput::default(), &[])
        .await?
        .into_response())
}

pub async fn create(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    PageForm(pairs): PageForm<Pairs>,
) -> PageResult {
    authorize(&session.actor, Action::RequestScal, None).map_err(AppError::from)?;
    let input = EnquiryInput {
        product_id: field(&pairs, "product_id").to_string(),
        services: pairs
            .iter()
            .filter(|(k, _)| k == "services")
            .map(|(_, v)| v.clone())
            .collect(),
        details: field(&pairs, "details").to_string(),
    };
    match scal_app::enquiries::create(&state.app, &session.actor, &input, state.now())
        .await
        .map_err(FormOutcome::from)
    {
        Ok(enquiry) => Ok(see_other(&format!("/enquiries/{}/sent", enquiry.id))),
        Err(FormOutcome::Errors(errors)) => Ok(form_page(
            new_enquiry_form(&state, &session, &input, &errors).await?,
            &errors,
        )),
        Err(FormOutcome::Failed(error)) => Err(error),
    }
}

/// What NHS England typed into the issue form, to show again with its errors.
#[derive(Default)]
struct IssueForm {
    templates: Vec<(String, String)>,
    scoped_out: String,
}

async fn enquiry_page(
    state: &AppState,
    session: &CurrentSession,
    id: &str,
    form: Option<&IssueForm>,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let enquiry = scal_app::enquiries::get(&state.app, actor, id).await?;
    let product = scal_app::products::get(&state.app, actor, &enquiry.product_id).await?;
    let can_issue = enquiry.status == "open" && authorize(actor, Action::IssueScal, Some(&enquiry.org_id)).is_ok();
    let name = product.details.title();
    // Per service, the template chosen; and the published templates to choose from.
    let mut choices: Vec<(String, String)> = Vec::new();
    let mut published: Vec<(String, String)> = Vec::new();
    if can_issue {
        let templates = scal_app::templates::list(&state.app, actor).await?;
        published = templates
            .iter()
            .filter(|(_, versions)| versions.iter().any(|v| v.published))
            .map(|(t, _)| {
                let label = match &t.service_code {
                    Some(code) => format!("{} ({code})", t.name),
                    None => t.name.clone(),
                };
                (t.id.clone(), label)
            })
            .collect();
        for service in &enquiry.services {
            let typed = form.and_then(|f| f.templates.iter().find(|(s, _)| s == service).map(|(_, t)| t.clone()));
            let selected = match typed {
                Some(t) => t,
                None => scal_app::enquiries::default_template(&state.app, service)
                    .await?
                    .unwrap_or_default(),
            };
            choices.push((service.clone(), selected));
        }
    }
    let templates_error = errors
        .iter()
        .find(|e| e.field == "templates")
        .map(|e| e.message.as_str());
    let content = html! {
        (back_link("/enquiries", "Back to enquiries"))
        (error_summary(errors))
        span class="nhsuk-caption-l" { "Enquiry" }
        h1 class="nhsuk-heading-xl" { (name) }
        (summary_list(&[
            ("Product", html! { a href=(format!("/products/{}", product.id)) { (name) } }, None),
            ("Services", html! { (enquiry.services.join(", ")) }, None),
            ("Details", html! { p class="nhsuk-body scal-pre-line nhsuk-u-margin-bottom-0" { @if enquiry.details.is_empty() { "None given" } @else { (enquiry.details) } } }, None),
            ("Asked by", html! { (enquiry.created_by) " on " (date_time(enquiry.created_at)) }, None),
            ("Status", html! {
                (status_tag(&enquiry))
                @if let (Some(by), Some(at)) = (&enquiry.issued_by, enquiry.issued_at) { " by " (by) " on " (date_time(at)) }
            }, None),
        ]))
        @if let Some(scal_id) = &enquiry.scal_id {
            p class="nhsuk-body" { a href=(format!("/scals/{scal_id}")) { "Go to the SCAL" } }
        }
        @if can_issue {
            h2 class="nhsuk-heading-l" { "Issue the SCAL" }
            form method="post" action=(format!("/enquiries/{}/issue", enquiry.id)) novalidate {
                (csrf(&session.csrf_token))
                div class={ "nhsuk-form-group" @if templates_error.is_some() { " nhsuk-form-group--error" } } id="templates" tabindex="-1" {
                    @if let Some(error) = templates_error {
                        span class="nhsuk-error-message" {
                            span class="nhsuk-u-visually-hidden" { "Error:" } " " (error)
                        }
                    }
                    @for (service, selected) in &choices {
                        @let refs: Vec<(&str, &str)> = [("", "No template chosen")].into_iter()
                            .chain(published.iter().map(|(a, b)| (a.as_str(), b.as_str()))).collect();
                        (select(&format!("template-{service}"), &format!("Template for {service}"), &refs, selected, &[],
                            Some("Its latest published version is issued")))
                    }
                }
                (textarea("scoped_out", "Requirements to scope out (optional)",
                    form.map_or("", |f| f.scoped_out.as_str()), errors,
                    Some("One a line: the service code, the requirement ID and the reason, for example: GPC-SEND-DOC GPCM-SD-098 Not used by this product")))
                (button("Issue the SCAL"))
            }
        }
    };
    Ok(form_page(
        page(
            &format!("Enquiry: {name}"),
            &Chrome::signed_in(session, Nav::Enquiries),
            !errors.is_empty(),
            content,
        ),
        errors,
    ))
}

/// A short reference people can quote on the phone or in an email: the start of the record's ID.
pub(crate) fn reference(prefix: &str, id: &str) -> String {
    format!("{prefix}-{}", id.chars().take(8).collect::<String>().to_uppercase())
}

/// The confirmation page after asking for a SCAL: the reference and what happens next.
pub async fn sent(State(state): State<AppState>, PageActor(session): PageActor, Path(id): Path<String>) -> PageResult {
    let enquiry = scal_app::enquiries::get(&state.app, &session.actor, &id).await?;
    let product = scal_app::products::get(&state.app, &session.actor, &enquiry.product_id).await?;
    let content = html! {
        div class="nhsuk-panel" {
            h1 class="nhsuk-panel__heading" { "Request sent" }
            div class="nhsuk-panel__body" {
                "Your reference" br; strong { (reference("ENQ", &enquiry.id)) }
            }
        }
        p class="nhsuk-body" { "You asked for a SCAL for " (product.details.title()) " to connect to " (enquiry.services.join(", ")) "." }
        h2 class="nhsuk-heading-m" { "What happens next" }
        ol class="nhsuk-list nhsuk-list--number" {
            li { "NHS England checks your request and chooses the SCAL template for each service." }
            li { "When they issue the SCAL you get a notification, and it appears on your products page." }
            li { "You then answer its questions here, or download it as a workbook and upload your answers." }
        }
        p class="nhsuk-body" { a href=(format!("/enquiries/{}", enquiry.id)) { "View your request" } }
        p class="nhsuk-body" { a href="/" { "Go to your products" } }
    };
    Ok(page(
        "Request sent",
        &Chrome::signed_in(&session, Nav::Enquiries),
        false,
        content,
    )
    .into_response())
}

pub async fn show(State(state): State<AppState>, PageActor(session): PageActor, Path(id): Path<String>) -> PageResult {
    enquiry_page(&state, &session, &id, None, &[]).await
}

/// "SERVICE REQUIREMENT-ID reason" lines; a line without all three is a field error.
fn scoped_out(text: &str) -> Result<Vec<ScopeOut>, FieldError> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let mut parts = line.splitn(3, char::is_whitespace);
        match (parts.next(), parts.next(), parts.next().map(str::trim)) {
            (Some(service), Some(requirement), Some(reason)) if !reason.is_empty() => out.push(ScopeOut {
                service: service.to_string(),
                requirement_id: requirement.to_string(),
                reason: reason.to_string(),
            }),
            _ => {
                return Err(FieldError::new(
                    "scoped_out",
                    format!(
                        "Line {}: write the service code, the requirement ID and the reason",
                        n + 1
                    ),
                ))
            }
        }
    }
    Ok(out)
}

pub async fn issue(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Pairs>,
) -> PageResult {
    let form = IssueForm {
        templates: pairs
            .iter()
            .filter_map(|(k, v)| k.strip_prefix("template-").map(|s| (s.to_string(), v.clone())))
            .collect(),
        scoped_out: field(&pairs, "scoped_out").to_string(),
    };
    let scoped = match scoped_out(&form.scoped_out) {
        Ok(scoped) => scoped,
        Err(error) => {
            // Check the caller may see and issue before saying anything about the form.
            let enquiry = scal_app::enquiries::get(&state.app, &session.actor, &id).await?;
            authorize(&session.actor, Action::IssueScal, Some(&enquiry.org_id)).map_err(AppError::from)?;
            return enquiry_page(&state, &session, &id, Some(&form), &[error]).await;
        }
    };
    let input = IssueInput {
        templates: form
            .templates
            .iter()
            .filter(|(_, t)| !t.is_empty())
            .map(|(service, template_id)| TemplateChoice {
                service: service.clone(),
                template_id: template_id.clone(),
                version: None,
            })
            .collect(),
        scoped_out: scoped,
    };
    match scal_app::enquiries::issue(&state.app, &session.actor, &id, &input, state.now()).await {
        Ok(issued) => Ok(done(&state, &format!("/scals/{}", issued.scal_id), Notice::ScalIssued)),
        Err(AppError::Invalid(invalid)) => {
            // Problems with a template's version belong to the template choices.
            let errors: Vec<FieldError> = invalid
                .0
                .into_iter()
                .map(|e| match e.field.as_str() {
                    "templates" | "scoped_out" => e,
                    _ => FieldError::new("templates", e.message),
                })
                .collect();
            enquiry_page(&state, &session, &id, Some(&form), &errors).await
        }
        Err(other) => Err(refusal(other)),
    }
}
