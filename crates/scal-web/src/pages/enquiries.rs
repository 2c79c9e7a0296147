//! Enquiries: a supplier asks NHS England for a SCAL for one of its products; NHS England issues
//! the tailored SCAL from the enquiry.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use scal_app::enquiries::{Availability, EnquiryInput, IssueInput, IssueOption, TemplateChoice};
use scal_app::scals::ScopeOut;
use scal_app::AppError;
use scal_domain::policy::{authorize, Action};
use scal_domain::FieldError;
use scal_store::records::enquiries::EnquiryRecord;

use super::layout::{
    back_link, button, csrf, data_table, date_time, error_summary, inset, page, plural, select, summary_list, tag,
    textarea, Caption, Chrome, Nav,
};
use super::onboarding::refusal;
use super::{done, form_page, see_other, FormOutcome};
use crate::extract::{PageForm, PageQuery};
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
        "more_information" => tag("NHS England needs more information", "yellow"),
        "declined" => tag("Declined", "red"),
        "issued" => tag("SCAL issued", "green"),
        other => tag(other, "grey"),
    }
}

pub async fn list(State(state): State<AppState>, PageActor(session): PageActor) -> PageResult {
    let mut enquiries = scal_app::enquiries::list(&state.app, &session.actor).await?;
    let products = scal_app::products::list(&state.app, &session.actor).await?;
    let catalogue = scal_app::services::list(&state.app, &session.actor).await?;
    let service_name = |code: &str| {
        catalogue
            .iter()
            .find(|s| s.code.as_str() == code)
            .map_or_else(|| code.to_string(), |s| s.name.clone())
    };
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
                            td class="nhsuk-table__cell" { (enquiry.services.iter().map(|c| service_name(c)).collect::<Vec<_>>().join(", ")) }
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

/// What the service list says about one service, so a supplier knows what asking will lead to.
fn availability_hint(availability: Availability) -> String {
    match availability {
        Availability::TemplatePublished => "SCAL template published".into(),
        Availability::NoTemplateYet => {
            "No template published yet: NHS England publishes one before issuing your SCAL".into()
        }
        Availability::OtherRoute(route) => format!("Uses another onboarding route ({})", route.label()),
    }
}

async fn new_enquiry_form(
    state: &AppState,
    session: &CurrentSession,
    input: &EnquiryInput,
    errors: &[FieldError],
) -> Result<Markup, PageError> {
    let products = scal_app::products::list(&state.app, &session.actor).await?;
    let offers = scal_app::enquiries::offers(&state.app, &session.actor).await?;
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
                    div class="nhsuk-hint" id="services-hint" {
                        "Select all the services the product will connect to. For a service that asks for one, say what the product will use it for."
                    }
                    @if let Some(error) = services_error {
                        span class="nhsuk-error-message" id="services-error" {
                            span class="nhsuk-u-visually-hidden" { "Error:" } " " (error)
                        }
                    }
                    div class="nhsuk-checkboxes" {
                        @for (i, offer) in offers.iter().enumerate() {
                            @let service = &offer.service;
                            @let code = service.code.as_str();
                            @let id = if i == 0 { "services".to_string() } else { format!("services-{}", i + 1) };
                            @let hint_id = format!("{id}-item-hint");
                            div class="nhsuk-checkboxes__item" {
                                input class="nhsuk-checkboxes__input" id=(id) name="services" type="checkbox" value=(code)
                                    aria-describedby=(hint_id)
                                    checked[input.services.iter().any(|s| s.eq_ignore_ascii_case(code))];
                                label class="nhsuk-label nhsuk-checkboxes__label" for=(id) {
                                    (service.name) " " span class="nhsuk-u-visually-hidden" { "(" } (code) span class="nhsuk-u-visually-hidden" { ")" }
                                }
                                div class="nhsuk-hint nhsuk-checkboxes__hint" id=(hint_id) {
                                    (availability_hint(offer.availability))
                                    @if service.use_case_required { ". Needs a use case" }
                                }
                            }
                            // Without JavaScript a conditional reveal cannot hide, so the use case
                            // question sits, always shown, under the service it belongs to.
                            @if service.use_case_required {
                                @let field = scal_app::enquiries::use_case_field(code);
                                div class="nhsuk-checkboxes__conditional" {
                                    (textarea(&field, &format!("What will the product use {} for?", service.name),
                                        input.use_cases.get(code).map_or("", String::as_str), errors,
                                        Some("Needed if you choose this service: the use case NHS England assures, for example sending discharge summaries to GP practices")))
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

#[derive(serde::Deserialize)]
pub struct NewQuery {
    /// The product asked about, from an "Ask for a SCAL" link on its row.
    #[serde(default)]
    product: String,
}

pub async fn new_form(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    PageQuery(query): PageQuery<NewQuery>,
) -> PageResult {
    authorize(&session.actor, Action::RequestScal, None).map_err(AppError::from)?;
    let input = EnquiryInput {
        product_id: query.product,
        ..EnquiryInput::default()
    };
    Ok(new_enquiry_form(&state, &session, &input, &[]).await?.into_response())
}

pub async fn create(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    PageForm(pairs): PageForm<Pairs>,
) -> PageResult {
    authorize(&session.actor, Action::RequestScal, None).map_err(AppError::from)?;
    let services: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "services")
        .map(|(_, v)| v.clone())
        .collect();
    // Every use case field is on the form; only those of the services ticked are asked about.
    let use_cases = pairs
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("use_case-").map(|code| (code, v)))
        .filter(|(code, v)| !v.trim().is_empty() && services.iter().any(|s| s.eq_ignore_ascii_case(code)))
        .map(|(code, v)| (code.to_string(), v.clone()))
        .collect();
    let input = EnquiryInput {
        product_id: field(&pairs, "product_id").to_string(),
        services,
        details: field(&pairs, "details").to_string(),
        use_cases,
    };
    match scal_app::enquiries::create(&state.app, &session.actor, &input, state.now())
        .await
        .map_err(FormOutcome::from)
    {
        Ok(enquiry) => Ok(see_other(&format!("/enquiries/{}/sent", enquiry.id))),
        Err(FormOutcome::Errors(errors)) => {
            // Show again what was typed for every use case, ticked or not.
            let mut shown = input.clone();
            shown.use_cases = pairs
                .iter()
                .filter_map(|(k, v)| k.strip_prefix("use_case-").map(|code| (code.to_string(), v.clone())))
                .collect();
            Ok(form_page(
                new_enquiry_form(&state, &session, &shown, &errors).await?,
                &errors,
            ))
        }
        Err(FormOutcome::Failed(error)) => Err(error),
    }
}

/// What NHS England chose on the issue form, to show again with its errors.
#[derive(Default)]
struct IssueForm {
    /// (service, template ID)
    templates: Vec<(String, String)>,
    /// (service, requirement ID) ticked to scope out.
    scope_out: Vec<(String, String)>,
    /// (service, reason) for the requirements ticked.
    reasons: Vec<(String, String)>,
}

impl IssueForm {
    fn from_pairs(pairs: &Pairs) -> Self {
        let prefixed = |prefix: &str| -> Vec<(String, String)> {
            pairs
                .iter()
                .filter_map(|(k, v)| k.strip_prefix(prefix).map(|s| (s.to_string(), v.clone())))
                .collect()
        };
        Self {
            templates: prefixed("template-"),
            scope_out: pairs
                .iter()
                .filter(|(k, _)| k == "scope_out")
                .filter_map(|(_, v)| v.split_once('|'))
                .map(|(service, requirement)| (service.to_string(), requirement.to_string()))
                .collect(),
            reasons: prefixed("reason-"),
        }
    }

    fn reason(&self, service: &str) -> &str {
        self.reasons
            .iter()
            .find(|(s, _)| s == service)
            .map_or("", |(_, r)| r.as_str())
    }

    fn ticked(&self, service: &str, requirement: &str) -> bool {
        self.scope_out.iter().any(|(s, r)| s == service && r == requirement)
    }

    /// The structured scope-outs, each ticked requirement with its service's reason; a service
    /// with ticks and no reason is an error on its reason field.
    fn scoped_out(&self, names: &[(String, String)]) -> (Vec<ScopeOut>, Vec<FieldError>) {
        let mut out = Vec::new();
        let mut errors = Vec::new();
        for (service, requirement) in &self.scope_out {
            let reason = self.reason(service).trim();
            if reason.is_empty() {
                if !errors.iter().any(|e: &FieldError| e.field == reason_field(service)) {
                    let name = names
                        .iter()
                        .find(|(code, _)| code == service)
                        .map_or(service.as_str(), |(_, n)| n.as_str());
                    errors.push(FieldError::new(
                        reason_field(service),
                        format!("Give a reason for scoping out the requirements you ticked for {name}"),
                    ));
                }
                continue;
            }
            out.push(ScopeOut {
                service: service.clone(),
                requirement_id: requirement.clone(),
                reason: reason.to_string(),
            });
        }
        (out, errors)
    }
}

fn reason_field(service: &str) -> String {
    format!("reason-{service}")
}

/// A requirement's text cut to a line or two, for a long list of checkboxes.
fn short(text: &str) -> String {
    const MAX: usize = 160;
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= MAX {
        return text;
    }
    let cut: String = text.chars().take(MAX).collect();
    format!("{}…", cut.trim_end())
}

/// One service's part of the issue form: its own published templates, and its requirements by
/// section to tick for scoping out, with one reason for those ticked.
async fn issue_service_fields(
    state: &AppState,
    option: &IssueOption,
    form: Option<&IssueForm>,
    errors: &[FieldError],
) -> Result<Markup, PageError> {
    let code = option.code.as_str();
    let typed = form.and_then(|f| f.templates.iter().find(|(s, _)| s == code).map(|(_, t)| t.as_str()));
    let selected = typed
        .and_then(|t| option.templates.iter().find(|p| p.id == t))
        .or_else(|| option.default_template());
    let labels: Vec<(String, String)> = option
        .templates
        .iter()
        .map(|t| (t.id.clone(), format!("{}, version {}", t.name, t.version)))
        .collect();
    let refs: Vec<(&str, &str)> = labels.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let sheets = match selected {
        Some(template) => scal_app::enquiries::template_sheets(&state.app, template).await?,
        None => Vec::new(),
    };
    // Requirements grouped by sheet and section, in the template's order.
    let mut groups: Vec<(String, Vec<&scal_domain::template::Requirement>)> = Vec::new();
    for sheet in &sheets {
        for requirement in &sheet.requirements {
            let section = requirement.section.as_deref().unwrap_or("Other requirements");
            let title = if sheets.len() > 1 {
                format!("{}: {section}", sheet.name)
            } else {
                section.to_string()
            };
            match groups.iter_mut().find(|(t, _)| *t == title) {
                Some((_, list)) => list.push(requirement),
                None => groups.push((title, vec![requirement])),
            }
        }
    }
    let reason = reason_field(code);
    let mut n = 0usize;
    Ok(html! {
        h3 class="nhsuk-heading-m" { (option.name) " " span class="nhsuk-caption-m nhsuk-u-display-inline" { "(" (code) ")" } }
        @if option.templates.is_empty() {
            (inset(html! {
                p class="nhsuk-body" { "No template is published for " (option.name) ". Publish one before issuing this SCAL." }
            }))
        } @else {
            (select(&format!("template-{code}"), &format!("Template for {}", option.name), &refs,
                selected.map_or("", |t| t.id.as_str()), &[],
                Some("Only this service's published templates; the version shown is the one issued")))
            @if !groups.is_empty() {
                div class="nhsuk-form-group" {
                    fieldset class="nhsuk-fieldset" aria-describedby=(format!("scope-{code}-hint")) {
                        legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s" {
                            "Requirements to scope out of " (option.name) " (optional)"
                        }
                        div class="nhsuk-hint" id=(format!("scope-{code}-hint")) {
                            "Tick the requirements that do not apply to this product. The list is "
                            (selected.map_or(String::new(), |t| format!("{}, version {}", t.name, t.version)))
                            "; if you choose another template, tick only requirements it has."
                        }
                        @for (title, requirements) in &groups {
                            @let ticked = requirements.iter().filter(|r| form.is_some_and(|f| f.ticked(code, &r.id))).count();
                            details class="nhsuk-details" open[ticked > 0] {
                                summary class="nhsuk-details__summary" {
                                    span class="nhsuk-details__summary-text" {
                                        (title) " (" (plural(requirements.len(), "requirement", "requirements"))
                                        @if ticked > 0 { ", " (ticked) " ticked" }
                                        ")"
                                    }
                                }
                                div class="nhsuk-details__text" {
                                    div class="nhsuk-checkboxes nhsuk-checkboxes--small" {
                                        @for requirement in requirements {
                                            @let id = { n += 1; format!("scope-{code}-{n}") };
                                            div class="nhsuk-checkboxes__item" {
                                                input class="nhsuk-checkboxes__input" id=(id) name="scope_out" type="checkbox"
                                                    value=(format!("{code}|{}", requirement.id))
                                                    checked[form.is_some_and(|f| f.ticked(code, &requirement.id))];
                                                label class="nhsuk-label nhsuk-checkboxes__label" for=(id) {
                                                    strong class="scal-id" { (requirement.id) } " " (short(&requirement.text))
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                (textarea(&reason, "Reason for scoping these out", form.map_or("", |f| f.reason(code)), errors,
                    Some("Applies to every requirement ticked for this service. Needed if you tick any")))
            }
        }
    })
}

async fn enquiry_page(
    state: &AppState,
    session: &CurrentSession,
    id: &str,
    form: Option<&IssueForm>,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    enquiry_page_with(state, session, id, form, errors, ("", "")).await
}

/// The enquiry page; `typed` keeps what was typed in a question, reason or answer field
/// (`(field, text)`) when it comes back with an error.
async fn enquiry_page_with(
    state: &AppState,
    session: &CurrentSession,
    id: &str,
    form: Option<&IssueForm>,
    errors: &[FieldError],
    typed: (&str, &str),
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let enquiry = scal_app::enquiries::get(&state.app, actor, id).await?;
    let can_answer =
        enquiry.status == "more_information" && authorize(actor, Action::RequestScal, Some(&enquiry.org_id)).is_ok();
    let kept = |field: &str| if typed.0 == field { typed.1 } else { "" };
    let product = scal_app::products::get(&state.app, actor, &enquiry.product_id).await?;
    let can_issue = enquiry.status == "open" && authorize(actor, Action::IssueScal, Some(&enquiry.org_id)).is_ok();
    let name = product.details.title();
    let names = scal_app::enquiries::service_names(&state.app, actor, &enquiry).await?;
    let issued = scal_app::enquiries::issued(&state.app, actor, &enquiry).await?;
    let mut issue_fields = Vec::new();
    if can_issue {
        for option in scal_app::enquiries::issue_options(&state.app, actor, &enquiry).await? {
            issue_fields.push(issue_service_fields(state, &option, form, errors).await?);
        }
    }
    let message = |field: &str| errors.iter().find(|e| e.field == field).map(|e| e.message.as_str());
    let (templates_error, scoped_error) = (message("templates"), message("scoped_out"));
    let content = html! {
        (back_link("/enquiries", "Back to enquiries"))
        (error_summary(errors))
        span class="nhsuk-caption-l" { "Enquiry" }
        h1 class="nhsuk-heading-xl" { (name) }
        (summary_list(&[
            ("Product", html! { a href=(format!("/products/{}", product.id)) { (name) } }, None),
            ("Services", html! {
                ul class="nhsuk-list nhsuk-u-margin-bottom-0" {
                    @for (code, service) in &names {
                        li {
                            (service) " (" (code) ")"
                            @if let Some(use_case) = enquiry.use_cases.get(code) {
                                br; span class="nhsuk-u-secondary-text-color scal-pre-line" { "Use case: " (use_case) }
                            }
                        }
                    }
                }
            }, None),
            ("Details", html! { p class="nhsuk-body scal-pre-line nhsuk-u-margin-bottom-0" { @if enquiry.details.is_empty() { "None given" } @else { (enquiry.details) } } }, None),
            ("Asked by", html! { (enquiry.created_by) " on " (date_time(enquiry.created_at)) }, None),
            ("Status", html! {
                (status_tag(&enquiry))
                @if let (Some(by), Some(at)) = (&enquiry.issued_by, enquiry.issued_at) { " by " (by) " on " (date_time(at)) }
            }, None),
        ]))
        @if let Some(note) = &enquiry.nhse_note {
            h2 class="nhsuk-heading-l" {
                @if enquiry.status == "declined" { "Why NHS England declined it" } @else { "What NHS England asked" }
            }
            p class="nhsuk-body scal-pre-line" { (note) }
            @if let (Some(by), Some(at)) = (&enquiry.noted_by, enquiry.noted_at) {
                p class="nhsuk-hint" { (by) " on " (date_time(at)) }
            }
            @if let Some(reply) = &enquiry.supplier_reply {
                h3 class="nhsuk-heading-m" { "The supplier's answer" }
                p class="nhsuk-body scal-pre-line" { (reply) }
            }
        }
        @if can_answer {
            form method="post" action=(format!("/enquiries/{}/answer", enquiry.id)) novalidate {
                (csrf(&session.csrf_token))
                (textarea("answer", "Your answer", kept("answer"), errors, Some("NHS England is told and carries on with your request")))
                (button("Send your answer"))
            }
        }
        @if !issued.is_empty() {
            h2 class="nhsuk-heading-l" { "What was issued" }
            @for service in &issued {
                h3 class="nhsuk-heading-m" { (service.name) " (" (service.code) ")" }
                (summary_list(&[
                    ("Template", html! {
                        @if service.templates.is_empty() { "None" }
                        @for (i, (template, version)) in service.templates.iter().enumerate() {
                            @if i > 0 { br; }
                            (template) ", version " (version)
                        }
                    }, None),
                    ("Scoped out", html! {
                        @if service.scoped_out.is_empty() {
                            "Nothing: every requirement applies"
                        } @else {
                            ul class="nhsuk-list nhsuk-u-margin-bottom-0" {
                                @for (requirement, reason) in &service.scoped_out {
                                    li { strong class="scal-id" { (requirement) } ": " span class="scal-pre-line" { (reason) } }
                                }
                            }
                        }
                    }, None),
                ]))
            }
        }
        @if let Some(scal_id) = &enquiry.scal_id {
            p class="nhsuk-body" { a href=(format!("/scals/{scal_id}")) { "Go to the SCAL" } }
        }
        @if can_issue {
            h2 class="nhsuk-heading-l" { "Issue the SCAL" }
            form method="post" action=(format!("/enquiries/{}/issue", enquiry.id)) novalidate {
                (csrf(&session.csrf_token))
                div class={ "nhsuk-form-group" @if templates_error.is_some() || scoped_error.is_some() { " nhsuk-form-group--error" } } id="templates" tabindex="-1" {
                    @for error in [templates_error, scoped_error].into_iter().flatten() {
                        span class="nhsuk-error-message" {
                            span class="nhsuk-u-visually-hidden" { "Error:" } " " (error)
                        }
                    }
                    span id="scoped_out" {}
                    @for fields in &issue_fields { (fields) }
                }
                (button("Issue the SCAL"))
            }
            h2 class="nhsuk-heading-l" { "Ask the supplier for more information" }
            form method="post" action=(format!("/enquiries/{}/question", enquiry.id)) novalidate {
                (csrf(&session.csrf_token))
                (textarea("question", "What do you need to know?", kept("question"), errors,
                    Some("The supplier is told and answers here. You can issue the SCAL once they have.")))
                button class="nhsuk-button nhsuk-button--secondary" type="submit" { "Ask the supplier" }
            }
            h2 class="nhsuk-heading-l" { "Decline the request" }
            form method="post" action=(format!("/enquiries/{}/decline", enquiry.id)) novalidate {
                (csrf(&session.csrf_token))
                (textarea("reason", "Why are you declining it?", kept("reason"), errors,
                    Some("The supplier is told. A declined request cannot be issued.")))
                button class="nhsuk-button nhsuk-button--warning" type="submit" { "Decline the request" }
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
    let names = scal_app::enquiries::service_names(&state.app, &session.actor, &enquiry).await?;
    let content = html! {
        div class="nhsuk-panel" {
            h1 class="nhsuk-panel__heading" { "Request sent" }
            div class="nhsuk-panel__body" {
                "Your reference" br; strong { (reference("ENQ", &enquiry.id)) }
            }
        }
        p class="nhsuk-body" {
            "You asked for a SCAL for " (product.details.title()) " to connect to "
            (names.iter().map(|(_, name)| name.as_str()).collect::<Vec<_>>().join(", ")) "."
        }
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

pub async fn issue(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Pairs>,
) -> PageResult {
    let form = IssueForm::from_pairs(&pairs);
    // Check the caller may see and issue before saying anything about the form.
    let enquiry = scal_app::enquiries::get(&state.app, &session.actor, &id).await?;
    authorize(&session.actor, Action::IssueScal, Some(&enquiry.org_id)).map_err(AppError::from)?;
    let names = scal_app::enquiries::service_names(&state.app, &session.actor, &enquiry).await?;
    let (scoped, reason_errors) = form.scoped_out(&names);
    if !reason_errors.is_empty() && enquiry.status == "open" {
        return enquiry_page(&state, &session, &id, Some(&form), &reason_errors).await;
    }
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

#[derive(Debug, Default, serde::Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    question: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    answer: String,
}

/// NHS England asks the supplier for more information, or declines the request.
async fn respond(
    state: &AppState,
    session: &CurrentSession,
    id: &str,
    response: scal_app::enquiries::Response,
    (field, text): (&str, &str),
) -> PageResult {
    match scal_app::enquiries::respond(&state.app, &session.actor, id, response, text, state.now())
        .await
        .map_err(FormOutcome::from)
    {
        Ok(_) => Ok(done(
            state,
            &format!("/enquiries/{id}"),
            match response {
                scal_app::enquiries::Response::AskForInformation => Notice::EnquiryQuestionSent,
                scal_app::enquiries::Response::Decline => Notice::EnquiryDeclined,
            },
        )),
        Err(FormOutcome::Errors(errors)) => enquiry_page_with(state, session, id, None, &errors, (field, text)).await,
        Err(FormOutcome::Failed(error)) => Err(error),
    }
}

pub async fn ask(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(form): PageForm<NoteForm>,
) -> PageResult {
    respond(
        &state,
        &session,
        &id,
        scal_app::enquiries::Response::AskForInformation,
        ("question", &form.question),
    )
    .await
}

pub async fn decline(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(form): PageForm<NoteForm>,
) -> PageResult {
    respond(
        &state,
        &session,
        &id,
        scal_app::enquiries::Response::Decline,
        ("reason", &form.reason),
    )
    .await
}

/// The supplier answers NHS England's question.
pub async fn answer(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(form): PageForm<NoteForm>,
) -> PageResult {
    match scal_app::enquiries::answer(&state.app, &session.actor, &id, &form.answer, state.now())
        .await
        .map_err(FormOutcome::from)
    {
        Ok(_) => Ok(done(&state, &format!("/enquiries/{id}"), Notice::EnquiryAnswered)),
        Err(FormOutcome::Errors(errors)) => {
            enquiry_page_with(&state, &session, &id, None, &errors, ("answer", &form.answer)).await
        }
        Err(FormOutcome::Failed(error)) => Err(error),
    }
}
