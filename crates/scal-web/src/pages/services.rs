//! The service catalogue.

use crate::extract::PageForm;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use scal_app::services::ServiceFields;
use scal_domain::policy::{authorize, Action};
use scal_domain::service::{Network, OnboardingRoute};
use scal_domain::FieldError;
use serde::Deserialize;

use super::layout::{
    back_link, button, checkbox, csrf, data_table, error_summary, page, select, tag, text_input, Caption, Chrome,
    InputOptions, Nav,
};
use super::{done, form_page, ticked, FormOutcome};
use crate::notice::Notice;
use crate::session::{CurrentSession, PageActor};
use crate::{AppState, PageError};

type PageResult = Result<Response, PageError>;

pub async fn list(State(state): State<AppState>, PageActor(session): PageActor) -> PageResult {
    let services = scal_app::services::list(&state.app, &session.actor).await?;
    let can_manage = authorize(&session.actor, Action::ManageServices, None).is_ok();
    let content = html! {
        h1 class="nhsuk-heading-xl" { "Service catalogue" }
        p class="nhsuk-body" { "The NHS APIs and services a product can be assured to connect to." }
        @if can_manage {
            a class="nhsuk-button" href="/services/new" { "Add a service" }
        }
        (data_table("Services", Caption::Hidden, html! {
            thead class="nhsuk-table__head" {
                tr class="nhsuk-table__row" {
                    th class="nhsuk-table__header" scope="col" { "Service" }
                    th class="nhsuk-table__header" scope="col" { "Code" }
                    th class="nhsuk-table__header" scope="col" { "Network" }
                    th class="nhsuk-table__header" scope="col" { "Onboarding" }
                    th class="nhsuk-table__header" scope="col" { "Use case" }
                    th class="nhsuk-table__header" scope="col" { "Witness testing" }
                    @if can_manage { th class="nhsuk-table__header" scope="col" { span class="nhsuk-u-visually-hidden" { "Actions" } } }
                }
            }
            tbody class="nhsuk-table__body" {
                @for service in &services {
                    tr class="nhsuk-table__row" {
                        // The target of a template page's link to its service.
                        td class="nhsuk-table__cell" id=(format!("service-{}", service.code.as_str())) { (service.name) }
                        td class="nhsuk-table__cell" { code { (service.code.as_str()) } }
                        td class="nhsuk-table__cell" { (service.network.label()) }
                        td class="nhsuk-table__cell" { (service.onboarding_route.label()) }
                        td class="nhsuk-table__cell" {
                            @if service.use_case_required { (tag("Required", "blue")) } @else { "Not required" }
                        }
                        td class="nhsuk-table__cell" {
                            @if service.testing_required { (tag("Required", "blue")) } @else { "Not required" }
                        }
                        @if can_manage {
                            td class="nhsuk-table__cell" {
                                a href=(format!("/services/{}/edit", service.code.as_str())) {
                                    "Change" span class="nhsuk-u-visually-hidden" { " " (service.name) }
                                }
                                br;
                                a href=(format!("/services/{}/reviewers", service.code.as_str())) {
                                    "Reviewers" span class="nhsuk-u-visually-hidden" { " of " (service.name) }
                                }
                            }
                        }
                    }
                }
            }
        }))
    };
    Ok(page(
        "Service catalogue",
        &Chrome::signed_in(&session, Nav::Services),
        false,
        content,
    )
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct ServiceForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    use_case_required: Option<String>,
    #[serde(default)]
    network: String,
    #[serde(default)]
    onboarding_route: String,
    testing_required: Option<String>,
}

impl ServiceForm {
    /// A new service's form: witness testing ticked, as most services need it.
    fn new_service() -> Self {
        Self {
            testing_required: Some("true".into()),
            ..Default::default()
        }
    }

    fn fields(&self) -> ServiceFields {
        ServiceFields {
            name: self.name.clone(),
            use_case_required: ticked(&self.use_case_required),
            network: self.network.clone(),
            onboarding_route: self.onboarding_route.clone(),
            testing_required: ticked(&self.testing_required),
        }
    }
}

fn service_form(
    session: &CurrentSession,
    existing_code: Option<&str>,
    form: &ServiceForm,
    errors: &[FieldError],
) -> Markup {
    let networks: Vec<(&str, &str)> = Network::ALL.iter().map(|n| (n.as_str(), n.label())).collect();
    let routes: Vec<(&str, &str)> = OnboardingRoute::ALL.iter().map(|r| (r.as_str(), r.label())).collect();
    let (heading, action) = match existing_code {
        Some(code) => ("Change a service", format!("/services/{code}/edit")),
        None => ("Add a service", "/services".to_string()),
    };
    let content = html! {
        (back_link("/services", "Back to the catalogue"))
        (error_summary(errors))
        h1 class="nhsuk-heading-xl" { (heading) }
        form method="post" action=(action) novalidate {
            (csrf(&session.csrf_token))
            @if let Some(code) = existing_code {
                p class="nhsuk-body" { "Code: " code { (code) } }
            } @else {
                (text_input("code", "Code", &form.code, errors, InputOptions {
                    hint: Some("Letters, digits and hyphens, like PDS-FHIR"), width_class: Some("nhsuk-input--width-20"),
                    spellcheck_off: true, ..Default::default()
                }))
            }
            (text_input("name", "Name", &form.name, errors, InputOptions::default()))
            (select("network", "Network", &networks, &form.network, errors, Some("HSCN if suppliers must connect over the Health and Social Care Network")))
            (select("onboarding_route", "Onboarding route", &routes, &form.onboarding_route, errors, None))
            (checkbox("use_case_required", "Suppliers must declare a use case", ticked(&form.use_case_required), errors))
            (checkbox("testing_required", "NHS England witness-tests products against its test cases (not for open-access APIs)", ticked(&form.testing_required), errors))
            (button("Save service"))
        }
    };
    page(
        heading,
        &Chrome::signed_in(session, Nav::Services),
        !errors.is_empty(),
        content,
    )
}

pub async fn new_form(PageActor(session): PageActor) -> PageResult {
    authorize(&session.actor, Action::ManageServices, None).map_err(scal_app::AppError::from)?;
    Ok(service_form(&session, None, &ServiceForm::new_service(), &[]).into_response())
}

pub async fn create(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    PageForm(form): PageForm<ServiceForm>,
) -> PageResult {
    match scal_app::services::create(&state.app, &session.actor, &form.code, &form.fields(), state.now())
        .await
        .map_err(FormOutcome::from)
    {
        Ok(_) => Ok(done(&state, "/services", Notice::ServiceSaved)),
        Err(FormOutcome::Errors(errors)) => Ok(form_page(service_form(&session, None, &form, &errors), &errors)),
        Err(FormOutcome::Failed(error)) => Err(error),
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(code): Path<String>,
) -> PageResult {
    let service = scal_app::services::get(&state.app, &session.actor, &code).await?;
    authorize(&session.actor, Action::ManageServices, None).map_err(scal_app::AppError::from)?;
    let form = ServiceForm {
        code: service.code.as_str().into(),
        name: service.name.clone(),
        use_case_required: service.use_case_required.then(|| "true".into()),
        network: service.network.as_str().into(),
        onboarding_route: service.onboarding_route.as_str().into(),
        testing_required: service.testing_required.then(|| "true".into()),
    };
    Ok(service_form(&session, Some(service.code.as_str()), &form, &[]).into_response())
}

pub async fn edit(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(code): Path<String>,
    PageForm(form): PageForm<ServiceForm>,
) -> PageResult {
    match scal_app::services::update(&state.app, &session.actor, &code, &(&form.fields()).into(), state.now())
        .await
        .map_err(FormOutcome::from)
    {
        Ok(_) => Ok(done(&state, "/services", Notice::ServiceSaved)),
        Err(FormOutcome::Errors(errors)) => Ok(form_page(service_form(&session, Some(&code), &form, &errors), &errors)),
        Err(FormOutcome::Failed(error)) => Err(error),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ReviewerForm {
    #[serde(default)]
    email: String,
}

fn reviewers_page(
    session: &CurrentSession,
    service: &scal_domain::service::Service,
    reviewers: &[scal_store::UserRecord],
    form: &ReviewerForm,
    errors: &[FieldError],
) -> Markup {
    let code = service.code.as_str();
    let can_manage = authorize(&session.actor, Action::ManageServices, None).is_ok();
    let title = format!("Reviewers of {}", service.name);
    let content = html! {
        (back_link("/services", "Back to the catalogue"))
        (error_summary(errors))
        h1 class="nhsuk-heading-xl" { (title) }
        p class="nhsuk-body" {
            "Assigned reviewers are told about this service's red items and submissions. "
            "When no one is assigned, every NHS England reviewer is told."
        }
        @if reviewers.is_empty() {
            p class="nhsuk-body" { "No reviewers are assigned." }
        } @else {
            ul class="nhsuk-list nhsuk-list--border" {
                @for reviewer in reviewers {
                    li {
                        (reviewer.name) " (" (reviewer.email.as_str()) ")"
                        @if !reviewer.active { " " (tag("Deactivated", "grey")) }
                        @if can_manage {
                            form method="post" action=(format!("/services/{code}/reviewers/{}/remove", reviewer.id)) {
                                (csrf(&session.csrf_token))
                                button class="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0" type="submit" {
                                    "Remove" span class="nhsuk-u-visually-hidden" { " " (reviewer.name) }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if can_manage {
            h2 class="nhsuk-heading-m" { "Assign a reviewer" }
            form method="post" action=(format!("/services/{code}/reviewers")) novalidate {
                (csrf(&session.csrf_token))
                (text_input("email", "Email address", &form.email, errors, InputOptions {
                    hint: Some("An NHS England reviewer's account"), spellcheck_off: true, ..Default::default()
                }))
                (button("Assign reviewer"))
            }
        }
    };
    page(
        &title,
        &Chrome::signed_in(session, Nav::Services),
        !errors.is_empty(),
        content,
    )
}

pub async fn reviewers(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(code): Path<String>,
) -> PageResult {
    let service = scal_app::services::get(&state.app, &session.actor, &code).await?;
    let reviewers = scal_app::services::reviewers(&state.app, &session.actor, &code).await?;
    Ok(reviewers_page(&session, &service, &reviewers, &ReviewerForm::default(), &[]).into_response())
}

pub async fn assign_reviewer(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(code): Path<String>,
    PageForm(form): PageForm<ReviewerForm>,
) -> PageResult {
    match scal_app::services::assign_reviewer(&state.app, &session.actor, &code, &form.email, state.now())
        .await
        .map_err(FormOutcome::from)
    {
        Ok(_) => Ok(done(
            &state,
            &format!("/services/{code}/reviewers"),
            Notice::ReviewersChanged,
        )),
        Err(FormOutcome::Errors(errors)) => {
            let service = scal_app::services::get(&state.app, &session.actor, &code).await?;
            let reviewers = scal_app::services::reviewers(&state.app, &session.actor, &code).await?;
            Ok(form_page(
                reviewers_page(&session, &service, &reviewers, &form, &errors),
                &errors,
            ))
        }
        Err(FormOutcome::Failed(error)) => Err(error),
    }
}

pub async fn unassign_reviewer(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path((code, user_id)): Path<(String, String)>,
) -> PageResult {
    scal_app::services::unassign_reviewer(&state.app, &session.actor, &code, &user_id, state.now()).await?;
    Ok(done(
        &state,
        &format!("/services/{code}/reviewers"),
        Notice::ReviewersChanged,
    ))
}
