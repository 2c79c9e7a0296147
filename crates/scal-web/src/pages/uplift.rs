//! Re-assurance on the web: NHS England's impact page for a template version (every SCAL on an
//! older version, with its delta) with the uplift form; the supplier's product change question
//! page; confirming a changed requirement's answer or a reopened sheet.

use axum::extract::{Path, State};
use axum::response::Response;
use maud::{html, Markup};
use scal_domain::uplift::Delta;
use scal_domain::FieldError;
use serde::Deserialize;

use super::layout::{
    back_link, button, csrf, data_table, error_summary, page, radios, text_input, textarea, Caption, Chrome,
    InputOptions, Nav,
};
use super::{done, form_page, FormOutcome};
use crate::extract::{PageForm, PageQuery};
use crate::notice::Notice;
use crate::session::{CurrentSession, PageActor};
use crate::{AppState, PageError};

type PageResult = Result<Response, PageError>;
type Pairs = Vec<(String, String)>;

fn field<'p>(pairs: &'p Pairs, name: &str) -> &'p str {
    pairs.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

fn delta_list(delta: &Delta) -> Markup {
    html! {
        ul class="nhsuk-list nhsuk-u-font-size-16" {
            @for a in &delta.added { li { "Added: " code { (a.requirement_id) } } }
            @for c in &delta.changed { li { "Changed (" (c.what.join(", ")) "): " code { (c.requirement_id) } } }
            @for r in &delta.removed { li { "Removed: " code { (r.requirement_id) } } }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ImpactQuery {
    #[serde(default)]
    version: Option<i64>,
}

async fn impact_page(
    state: &AppState,
    session: &CurrentSession,
    id: &str,
    version: Option<i64>,
    pairs: &Pairs,
    errors: &[FieldError],
) -> PageResult {
    let impact = scal_app::uplift::impact(&state.app, &session.actor, id, version, state.now()).await?;
    let chosen: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "scal_ids")
        .map(|(_, v)| v.as_str())
        .collect();
    let scals_error = errors.iter().find(|e| e.field == "scals");
    let title = format!("SCALs on an older version than version {}", impact.version);
    let content = html! {
        (back_link(&format!("/templates/{id}"), "Back to the template"))
        (error_summary(errors))
        span class="nhsuk-caption-l" { (impact.template) }
        h1 class="nhsuk-heading-xl" { (title) }
        @if impact.affected.is_empty() {
            p class="nhsuk-body" { "Every SCAL using this template is on version " (impact.version) " or later." }
        } @else {
            p class="nhsuk-body" {
                "Uplifting a SCAL reopens it: added requirements appear unanswered, changed ones keep their answer to confirm, \\
                 removed ones are archived with their last answer. A live product's certificate stays valid until the due date."
            }
            form method="post" action=(format!("/templates/{id}/uplifts?version={}", impact.version)) novalidate {
                (csrf(&session.csrf_token))
                div class={ "nhsuk-form-group" @if scals_error.is_some() { " nhsuk-form-group--error" } } {
                    fieldset class="nhsuk-fieldset" aria-describedby="scals-hint" {
                        legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--m" { "Which SCALs do you want to uplift?" }
                        div class="nhsuk-hint" id="scals-hint" { "Tick none to uplift every SCAL listed. A SCAL with NHS England for review is left until it is decided." }
                        @if let Some(e) = scals_error {
                            span class="nhsuk-error-message" id="scals" { span class="nhsuk-u-visually-hidden" { "Error:" } " " (e.message) }
                        }
                        (data_table("SCALs affected", Caption::Hidden, html! {
                            thead class="nhsuk-table__head" {
                                tr class="nhsuk-table__row" {
                                    th class="nhsuk-table__header" scope="col" { "SCAL" }
                                    th class="nhsuk-table__header" scope="col" { "Status" }
                                    th class="nhsuk-table__header" scope="col" { "What changes" }
                                }
                            }
                            tbody class="nhsuk-table__body" {
                                @for (i, a) in impact.affected.iter().enumerate() {
                                    tr class="nhsuk-table__row" {
                                        td class="nhsuk-table__cell" {
                                            div class="nhsuk-checkboxes__item" {
                                                input class="nhsuk-checkboxes__input" id=(format!("scal-{i}")) name="scal_ids" type="checkbox"
                                                    value=(a.scal_id) checked[chosen.contains(&a.scal_id.as_str())];
                                                label class="nhsuk-label nhsuk-checkboxes__label" for=(format!("scal-{i}")) {
                                                    (a.product) br; span class="nhsuk-body-s" { (a.supplier) }
                                                }
                                            }
                                        }
                                        td class="nhsuk-table__cell" {
                                            (a.status_label) br;
                                            span class="nhsuk-body-s" { "On version " (a.from_versions.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")) }
                                        }
                                        td class="nhsuk-table__cell" { (a.delta.summary()) (delta_list(&a.delta)) }
                                    }
                                }
                            }
                        }))
                    }
                }
                (text_input("due_date", "When is the uplift due?", field(pairs, "due_date"), errors, InputOptions {
                    hint: Some("For example, 2027-03-31. After it, a live product's certificate is suspended until the uplift is accepted."),
                    width_class: Some("nhsuk-input--width-10"),
                    ..InputOptions::default()
                }))
                (button("Uplift the SCALs"))
            }
        }
    };
    Ok(form_page(
        page(
            &title,
            &Chrome::signed_in(session, Nav::Templates),
            !errors.is_empty(),
            content,
        ),
        errors,
    ))
}

pub async fn impact(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageQuery(query): PageQuery<ImpactQuery>,
) -> PageResult {
    impact_page(&state, &session, &id, query.version, &Vec::new(), &[]).await
}

pub async fn uplift(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageQuery(query): PageQuery<ImpactQuery>,
    PageForm(pairs): PageForm<Pairs>,
) -> PageResult {
    let ids: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "scal_ids")
        .map(|(_, v)| v.clone())
        .collect();
    match scal_app::uplift::uplift(
        &state.app,
        &session.actor,
        &id,
        query.version,
        &ids,
        field(&pairs, "due_date"),
        state.now(),
    )
    .await
    .map_err(FormOutcome::from)
    {
        Ok(_) => Ok(done(&state, &format!("/templates/{id}"), Notice::ScalsUplifted)),
        Err(FormOutcome::Errors(errors)) => impact_page(&state, &session, &id, query.version, &pairs, &errors).await,
        Err(FormOutcome::Failed(e)) => Err(e),
    }
}

async fn change_page(
    state: &AppState,
    session: &CurrentSession,
    id: &str,
    pairs: &Pairs,
    errors: &[FieldError],
) -> PageResult {
    let view = scal_app::scals::view_scal(&state.app, &session.actor, id).await?;
    scal_domain::policy::authorize(
        &session.actor,
        scal_domain::policy::Action::AnswerScal,
        Some(&view.product.org_id),
    )
    .map_err(scal_app::AppError::from)?;
    let (_, cases) = scal_app::cases::cases(&state.app, &session.actor, id, state.now()).await?;
    let kinds = [
        ("new_version", "A new version of the product"),
        (
            "significant_change",
            "A significant change without a new version number",
        ),
    ];
    let chosen: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "services")
        .map(|(_, v)| v.as_str())
        .collect();
    let services_error = errors.iter().find(|e| e.field == "services");
    let content = html! {
        (back_link(&format!("/scals/{id}"), "Back to the SCAL"))
        (error_summary(errors))
        span class="nhsuk-caption-l" { (view.product.details.title()) }
        h1 class="nhsuk-heading-xl" { "What has changed in the product?" }
        p class="nhsuk-body" {
            "The supplier and product information sheet and the sheets of the services affected are reopened: check them, \\
             confirm them and submit the SCAL again. NHS England is told now; end user organisations are told when NHS England accepts it."
        }
        form method="post" action=(format!("/scals/{id}/product-change")) novalidate {
            (csrf(&session.csrf_token))
            (radios("kind", "Kind of change", &kinds, field(pairs, "kind"), errors, None))
            (text_input("version", "New version (for a new version)", field(pairs, "version"), errors, InputOptions {
                hint: Some("For example, 2.0"),
                width_class: Some("nhsuk-input--width-10"),
                ..InputOptions::default()
            }))
            (textarea("description", "What changed", field(pairs, "description"), errors,
                Some("What is new or different, and why it matters to the services it connects to")))
            div class={ "nhsuk-form-group" @if services_error.is_some() { " nhsuk-form-group--error" } } {
                fieldset class="nhsuk-fieldset" {
                    legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s" { "Services affected" }
                    @if let Some(e) = services_error {
                        span class="nhsuk-error-message" id="services" { span class="nhsuk-u-visually-hidden" { "Error:" } " " (e.message) }
                    }
                    div class="nhsuk-checkboxes" {
                        @for (i, case) in cases.iter().enumerate() {
                            div class="nhsuk-checkboxes__item" {
                                input class="nhsuk-checkboxes__input" id=(format!("service-{i}")) name="services" type="checkbox"
                                    value=(case.service.code.as_str()) checked[chosen.contains(&case.service.code.as_str())];
                                label class="nhsuk-label nhsuk-checkboxes__label" for=(format!("service-{i}")) { (case.service.name) }
                            }
                        }
                    }
                }
            }
            (button("Tell NHS England"))
        }
    };
    Ok(form_page(
        page(
            "What has changed in the product?",
            &Chrome::signed_in(session, Nav::Products),
            !errors.is_empty(),
            content,
        ),
        errors,
    ))
}

pub async fn change_form(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
) -> PageResult {
    change_page(&state, &session, &id, &Vec::new(), &[]).await
}

pub async fn declare_change(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Pairs>,
) -> PageResult {
    let input = scal_app::uplift::ChangeInput {
        kind: field(&pairs, "kind").to_string(),
        version: field(&pairs, "version").to_string(),
        description: field(&pairs, "description").to_string(),
        services: pairs
            .iter()
            .filter(|(k, _)| k == "services")
            .map(|(_, v)| v.clone())
            .collect(),
    };
    match scal_app::uplift::declare_change(&state.app, &session.actor, &id, &input, state.now())
        .await
        .map_err(FormOutcome::from)
    {
        Ok(_) => Ok(done(&state, &format!("/scals/{id}"), Notice::ProductChangeDeclared)),
        Err(FormOutcome::Errors(errors)) => change_page(&state, &session, &id, &pairs, &errors).await,
        Err(FormOutcome::Failed(e)) => Err(e),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    sheet_id: String,
    #[serde(default)]
    requirement_id: Option<String>,
}

/// Keeps a changed requirement's answer, or confirms a reopened sheet; back to where it was.
pub async fn confirm(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(form): PageForm<ConfirmForm>,
) -> PageResult {
    let requirement = form.requirement_id.as_deref().filter(|r| !r.trim().is_empty());
    scal_app::uplift::confirm(
        &state.app,
        &session.actor,
        &id,
        &form.sheet_id,
        requirement,
        state.now(),
    )
    .await?;
    let back = match requirement {
        Some(rid) => format!(
            "/scals/{id}/sheets/{}/requirements/{}",
            urlencoding::encode(&form.sheet_id),
            urlencoding::encode(rid)
        ),
        None => format!("/scals/{id}/sheets/{}", urlencoding::encode(&form.sheet_id)),
    };
    Ok(done(&state, &back, Notice::ChangeConfirmed))
}
