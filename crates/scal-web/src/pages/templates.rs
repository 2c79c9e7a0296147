//! SCAL templates: list and upload, versions, requirements, publishing and differences.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use scal_app::templates::{ImportOutcome, ImportRequest};
use scal_app::AppError;
use scal_domain::policy::{authorize, Action};
use scal_domain::template::{Level, TemplateDiff};
use scal_domain::FieldError;
use scal_store::records::templates::{TemplateRecord, VersionRecord};
use serde::Deserialize;

use super::layout::{
    back_link, button, checkbox, data_table, date_time, error_summary, page, plural, select, summary_list, tag,
    text_input, Caption, Chrome, InputOptions, Nav,
};
use super::{done, form_page, FormOutcome};
use crate::extract::PageQuery;
use crate::notice::Notice;
use crate::session::{CurrentSession, PageActor};
use crate::{AppState, PageError};

type PageResult = Result<Response, PageError>;

fn status_tag(published: bool) -> Markup {
    if published {
        tag("Published", "green")
    } else {
        tag("Draft", "yellow")
    }
}

pub fn level_tag(level: Level) -> Markup {
    let colour = match level {
        Level::Must | Level::MustNot => "red",
        Level::Should | Level::ShouldNot => "orange",
        Level::May => "blue",
        Level::Unspecified => "grey",
    };
    tag(level.plain(), colour)
}

/// The import form. `template_id` is the choice of where the file goes: an existing template's
/// ID (a new version of it), [`NEW_TEMPLATE`], or empty when nothing was chosen (the likely
/// template, by name or service, else a new one).
#[derive(Debug, Default, Deserialize)]
pub struct UploadForm {
    #[serde(default)]
    template_id: String,
    #[serde(skip)]
    name: String,
    #[serde(default)]
    service: String,
    #[serde(skip)]
    publish: bool,
    #[serde(skip)]
    map: String,
}

const NEW_TEMPLATE: &str = "new";

/// Whether an import was refused for its name (most likely an existing template's, which the
/// importer meant to add a version to).
fn name_clash(errors: &[FieldError]) -> bool {
    errors.iter().any(|e| e.field == "name")
}

async fn list_page(
    state: &AppState,
    session: &CurrentSession,
    form: &UploadForm,
    file_name: &str,
    errors: &[FieldError],
) -> Result<Markup, PageError> {
    let actor = &session.actor;
    let templates = scal_app::templates::list(&state.app, actor).await?;
    let can_manage = authorize(actor, Action::ManageTemplates, None).is_ok();
    let services = scal_app::services::list(&state.app, actor).await?;
    let service_name = |code: &str| {
        services
            .iter()
            .find(|s| s.code.as_str() == code)
            .map(|s| format!("{} ({code})", s.name))
            .unwrap_or_else(|| code.to_string())
    };
    // Pre-selected: what was chosen, except a new template whose name was refused (the template of
    // that name is what was meant); otherwise the likely template, when one fits.
    let selected = if form.template_id.is_empty() || (form.template_id == NEW_TEMPLATE && name_clash(errors)) {
        if can_manage {
            scal_app::templates::likely_target(&state.app, actor, &form.name, file_name, &form.service)
                .await?
                .map_or_else(|| form.template_id.clone(), |t| t.id)
        } else {
            String::new()
        }
    } else {
        form.template_id.clone()
    };
    let service_options: Vec<(&str, &str)> = [("", "No particular service")]
        .into_iter()
        .chain(services.iter().map(|s| (s.code.as_str(), s.name.as_str())))
        .collect();
    let content = html! {
        (error_summary(errors))
        h1 class="nhsuk-heading-xl" { "SCAL templates" }
        @if templates.is_empty() {
            p class="nhsuk-body" { "There are no templates yet." }
        } @else {
            (data_table("Templates", Caption::Hidden, html! {
                thead class="nhsuk-table__head" {
                    tr class="nhsuk-table__row" {
                        th class="nhsuk-table__header" scope="col" { "Template" }
                        th class="nhsuk-table__header" scope="col" { "Service" }
                        th class="nhsuk-table__header" scope="col" { "Latest version" }
                    }
                }
                tbody class="nhsuk-table__body" {
                    @for (template, versions) in &templates {
                        tr class="nhsuk-table__row" {
                            td class="nhsuk-table__cell" { a href=(format!("/templates/{}", template.id)) { (template.name) } }
                            td class="nhsuk-table__cell" {
                                @if let Some(code) = &template.service_code { (service_name(code)) }
                            }
                            td class="nhsuk-table__cell" {
                                @if let Some(latest) = versions.last() {
                                    "Version " (latest.version) " " (status_tag(latest.published))
                                }
                            }
                        }
                    }
                }
            }))
        }
        @if can_manage {
            h2 class="nhsuk-heading-l" id="import" { "Import a template" }
            p class="nhsuk-body" {
                "Upload a SCAL workbook (.xlsx) or an NHS pipe-separated requirements table (.psv, .csv, .txt). \
                 Each sheet's header row is recognised by its column names; sheets without a requirement table are skipped and listed."
            }
            form method="post" action="/templates" enctype="multipart/form-data" novalidate {
                // First, so it is checked before the file is read (see `session`).
                (super::layout::csrf(&session.csrf_token))
                (file_input("file", "Workbook or requirements table", errors))
                @if !templates.is_empty() {
                    (target_radios(&templates, &selected, errors, &service_name))
                }
                (text_input("name", "Name of a new template (optional)", &form.name, errors, InputOptions {
                    hint: Some("By default, the file name. Not the name of an existing template: import the file as its new version instead."),
                    ..Default::default()
                }))
                (select("service", "Service", &service_options, &form.service, errors, Some("The service a new template is for.")))
                (text_input("map", "Column names (optional)", &form.map, errors, InputOptions {
                    hint: Some("Only when a column is not recognised: FIELD=COLUMN pairs separated by commas, like id=B,text=C"),
                    spellcheck_off: true, ..Default::default()
                }))
                (checkbox("publish", "Publish this version now (published versions never change)", form.publish, errors))
                (button("Import"))
            }
        }
    };
    Ok(page(
        "SCAL templates",
        &Chrome::signed_in(session, Nav::Templates),
        !errors.is_empty(),
        content,
    ))
}

/// Where the file goes: a new version of each existing template, or a new template. One radio per
/// line (the inline layout of `layout::radios` suits short answers, not template names).
fn target_radios(
    templates: &[(TemplateRecord, Vec<VersionRecord>)],
    selected: &str,
    errors: &[FieldError],
    service_name: &dyn Fn(&str) -> String,
) -> Markup {
    let error = errors.iter().find(|e| e.field == "template_id");
    let options = templates
        .iter()
        .map(|(t, _)| {
            let hint = t
                .service_code
                .as_deref()
                .map(|code| format!("For {}", service_name(code)));
            (t.id.as_str(), format!("A new version of {}", t.name), hint)
        })
        .chain(std::iter::once((NEW_TEMPLATE, "A new template".to_string(), None)));
    html! {
        div class={ "nhsuk-form-group" @if error.is_some() { " nhsuk-form-group--error" } } {
            fieldset class="nhsuk-fieldset" aria-describedby={ "template-hint" @if error.is_some() { " template_id-error" } } {
                legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s" { "What is this file?" }
                div class="nhsuk-hint" id="template-hint" {
                    "Left unchosen, a file named like a template, or for a service that has one, becomes its new version."
                }
                @if let Some(error) = error {
                    span class="nhsuk-error-message" id="template_id-error" {
                        span class="nhsuk-u-visually-hidden" { "Error:" } " " (error.message)
                    }
                }
                div class="nhsuk-radios" {
                    @for (i, (value, label, hint)) in options.enumerate() {
                        // The first radio carries the field's ID, so the error summary links to it.
                        @let id = if i == 0 { "template_id".to_string() } else { format!("template_id-{}", i + 1) };
                        div class="nhsuk-radios__item" {
                            input class="nhsuk-radios__input" id=(id) name="template_id" type="radio" value=(value)
                                checked[value == selected]
                                aria-describedby=[hint.as_ref().map(|_| format!("{id}-hint"))];
                            label class="nhsuk-label nhsuk-radios__label" for=(id) { (label) }
                            @if let Some(hint) = &hint {
                                div class="nhsuk-hint nhsuk-radios__hint" id=(format!("{id}-hint")) { (hint) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn file_input(name: &str, label: &str, errors: &[FieldError]) -> Markup {
    let error: Vec<&FieldError> = errors.iter().filter(|e| e.field == name).collect();
    html! {
        div class={ "nhsuk-form-group" @if !error.is_empty() { " nhsuk-form-group--error" } } {
            label class="nhsuk-label" for=(name) { (label) }
            @for (i, e) in error.iter().enumerate() {
                span class="nhsuk-error-message" id=(format!("{name}-error-{i}")) {
                    span class="nhsuk-u-visually-hidden" { "Error:" } " " (e.message)
                }
            }
            input class="nhsuk-file-upload" id=(name) name=(name) type="file" accept=".xlsx,.psv,.csv,.txt";
        }
    }
}

/// `?template_id=ID` (from a template's page) or `?service=CODE` pre-select where an import goes.
pub async fn list(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    PageQuery(form): PageQuery<UploadForm>,
) -> PageResult {
    Ok(list_page(&state, &session, &form, "", &[]).await?.into_response())
}

/// Authorises before reading the upload, so someone who may not import learns nothing and sends
/// nothing more.
pub async fn upload(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    request: axum::extract::Request,
) -> PageResult {
    authorize(&session.actor, Action::ManageTemplates, None).map_err(AppError::from)?;
    let mut multipart = super::read_upload(request, &state).await?;
    let unreadable = super::unreadable_upload;
    let mut form = UploadForm::default();
    let mut file: Option<(String, axum::body::Bytes)> = None;
    let mut file_name = String::new();
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        match field.name().unwrap_or_default() {
            "file" => {
                let name = field.file_name().unwrap_or_default().to_string();
                file_name.clone_from(&name);
                let bytes = field.bytes().await.map_err(unreadable)?;
                if !bytes.is_empty() {
                    file = Some((name, bytes));
                }
            }
            "template_id" => form.template_id = field.text().await.map_err(unreadable)?,
            "name" => form.name = field.text().await.map_err(unreadable)?,
            "service" => form.service = field.text().await.map_err(unreadable)?,
            "map" => form.map = field.text().await.map_err(unreadable)?,
            "publish" => form.publish = field.text().await.map_err(unreadable)? == "true",
            _ => {}
        }
    }
    let outcome = match file {
        None => Err(AppError::invalid("file", "Choose a file to import")),
        Some((file_name, bytes)) => {
            let entries: Vec<String> = form
                .map
                .split(',')
                .filter(|s| !s.trim().is_empty())
                .map(String::from)
                .collect();
            match scal_app::templates::parse_map(&entries) {
                Err(error) => Err(error),
                Ok(options) => {
                    let template_id = match form.template_id.as_str() {
                        NEW_TEMPLATE => Ok(None),
                        "" => scal_app::templates::likely_target(
                            &state.app,
                            &session.actor,
                            &form.name,
                            &file_name,
                            &form.service,
                        )
                        .await
                        .map(|t| t.map(|t| t.id)),
                        id => Ok(Some(id.to_string())),
                    };
                    let request = template_id.map(|template_id| ImportRequest {
                        file_name,
                        bytes,
                        template_id,
                        name: Some(form.name.clone()),
                        service: Some(form.service.clone()),
                        publish: form.publish,
                        options,
                    });
                    match request {
                        Ok(request) => {
                            scal_app::templates::import(
                                &state.app,
                                &session.actor,
                                &request,
                                state.upload_limits(),
                                state.now(),
                            )
                            .await
                        }
                        Err(error) => Err(error),
                    }
                }
            }
        }
    };
    match outcome.map_err(FormOutcome::from) {
        Ok(outcome) => Ok(report_page(&session, &outcome).into_response()),
        Err(FormOutcome::Errors(errors)) => Ok(form_page(
            list_page(&state, &session, &form, &file_name, &errors).await?,
            &errors,
        )),
        Err(FormOutcome::Failed(error)) => Err(error),
    }
}

/// What the import recognised, sheet by sheet.
fn report_page(session: &CurrentSession, outcome: &ImportOutcome) -> Markup {
    let template = &outcome.template;
    let content = html! {
        div class="nhsuk-panel" {
            h1 class="nhsuk-panel__heading" { "Imported version " (outcome.version.version) }
            div class="nhsuk-panel__body" { (template.name) " " (status_tag(outcome.version.published)) }
        }
        h2 class="nhsuk-heading-l" { "What was recognised" }
        @for sheet in &outcome.report.sheets {
            h3 class="nhsuk-heading-m" { (sheet.name) }
            @if let Some(reason) = &sheet.skipped_because {
                p class="nhsuk-body" { "Skipped: " (reason) }
            } @else {
                p class="nhsuk-body" {
                    (plural(sheet.requirements, "requirement", "requirements")) " on a " (sheet.kind) " sheet, header in row "
                    (sheet.header_row.unwrap_or_default()) "."
                }
                ul class="nhsuk-list nhsuk-list--bullet" {
                    @for column in &sheet.columns {
                        li {
                            "Column " (column.column) " \u{201c}" (column.header) "\u{201d} as " (column.field.as_str())
                            @match column.recognised_by {
                                scal_workbook::Recognition::Words => " (by its words)",
                                scal_workbook::Recognition::Validation => " (by its Yes/No/N/A list)",
                                _ => "",
                            }
                        }
                    }
                    @for ignored in &sheet.ignored {
                        li { "Column " (ignored.column) " \u{201c}" (ignored.header) "\u{201d} ignored" }
                    }
                    @for ambiguity in &sheet.ambiguous {
                        li { (ambiguity.message()) }
                    }
                }
                @if !sheet.skipped_rows.is_empty() {
                    details class="nhsuk-details" {
                        summary class="nhsuk-details__summary" {
                            span class="nhsuk-details__summary-text" { (sheet.skipped_rows.len()) " rows skipped in " (sheet.name) }
                        }
                        div class="nhsuk-details__text" {
                            ul class="nhsuk-list" {
                                @for row in &sheet.skipped_rows { li { "Row " (row.row) ": " (row.reason) } }
                            }
                        }
                    }
                }
            }
        }
        @if let Some(diff) = &outcome.diff {
            h2 class="nhsuk-heading-l" { "Changes from the previous published version" }
            (diff_tables(diff))
        }
        p class="nhsuk-body" { a href=(format!("/templates/{}", template.id)) { "Go to the template" } }
    };
    page(
        "Template imported",
        &Chrome::signed_in(session, Nav::Templates),
        false,
        content,
    )
}

pub async fn show(State(state): State<AppState>, PageActor(session): PageActor, Path(id): Path<String>) -> PageResult {
    let (template, versions) = scal_app::templates::get(&state.app, &session.actor, &id).await?;
    let can_manage = authorize(&session.actor, Action::ManageTemplates, None).is_ok();
    let service = match &template.service_code {
        // A service since removed from the catalogue is still named, by its code.
        Some(code) => Some(
            scal_app::services::get(&state.app, &session.actor, code)
                .await
                .map_or_else(|_| (code.clone(), None), |s| (code.clone(), Some(s.name))),
        ),
        None => None,
    };
    let content = html! {
        (back_link("/templates", "Back to templates"))
        h1 class="nhsuk-heading-xl" { (template.name) }
        (summary_list(&[(
            "Service",
            match &service {
                Some((code, Some(name))) => html! {
                    a href=(format!("/services#service-{code}")) { (name) } " " code { "(" (code) ")" }
                },
                Some((code, None)) => html! { code { (code) } },
                None => html! { "No particular service" },
            },
            None,
        )]))
        @if can_manage {
            a class="nhsuk-button nhsuk-button--secondary" href=(format!("/templates?template_id={}#import", template.id)) {
                "Import a new version"
            }
        }
        (data_table("Versions", Caption::Shown, html! {
            thead class="nhsuk-table__head" {
                tr class="nhsuk-table__row" {
                    th class="nhsuk-table__header" scope="col" { "Version" }
                    th class="nhsuk-table__header" scope="col" { "Status" }
                    th class="nhsuk-table__header" scope="col" { "Source" }
                    th class="nhsuk-table__header" scope="col" { "Imported" }
                    th class="nhsuk-table__header" scope="col" { span class="nhsuk-u-visually-hidden" { "Actions" } }
                }
            }
            tbody class="nhsuk-table__body" {
                @for version in &versions {
                    tr class="nhsuk-table__row" {
                        td class="nhsuk-table__cell" {
                            a href=(format!("/templates/{}/versions/{}", template.id, version.version)) { "Version " (version.version) }
                        }
                        td class="nhsuk-table__cell" { (status_tag(version.published)) }
                        td class="nhsuk-table__cell" { (version.source_name) }
                        td class="nhsuk-table__cell" { (date_time(version.created_at)) }
                        td class="nhsuk-table__cell" {
                            @if version.version > 1 {
                                a href=(format!("/templates/{}/diff?to={}", template.id, version.version)) {
                                    "Changes" span class="nhsuk-u-visually-hidden" { " in version " (version.version) }
                                }
                                @if version.published && authorize(&session.actor, Action::IssueScal, None).is_ok() {
                                    br;
                                    a href=(format!("/templates/{}/impact?version={}", template.id, version.version)) {
                                        "SCALs affected" span class="nhsuk-u-visually-hidden" { " by version " (version.version) }
                                    }
                                }
                            }
                            @if can_manage && !version.published {
                                @if version.version > 1 { br; }
                                a href=(publish_href(&template.id, version.version)) {
                                    "Publish" span class="nhsuk-u-visually-hidden" { " version " (version.version) }
                                }
                            }
                        }
                    }
                }
            }
        }))
    };
    Ok(page(
        &template.name,
        &Chrome::signed_in(&session, Nav::Templates),
        false,
        content,
    )
    .into_response())
}

pub async fn show_version(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path((id, number)): Path<(String, String)>,
) -> PageResult {
    let number: i64 = number.parse().map_err(|_| PageError::not_found())?;
    let (template, version, sheets) = scal_app::templates::version(&state.app, &session.actor, &id, number).await?;
    let can_publish = !version.published && authorize(&session.actor, Action::ManageTemplates, None).is_ok();
    let content = html! {
        (back_link(&format!("/templates/{}", template.id), "Back to versions"))
        h1 class="nhsuk-heading-xl" { (template.name) ", version " (version.version) " " (status_tag(version.published)) }
        @if can_publish {
            a class="nhsuk-button" href=(publish_href(&template.id, version.version)) { "Publish version " (version.version) }
        }
        p class="nhsuk-body" {
            a href=(format!("/templates/{}/versions/{}/export", template.id, version.version)) {
                "Download version " (version.version) " as an Excel workbook (.xlsx)"
            }
        }
        @for sheet in &sheets {
            (data_table(&format!("{} ({} requirements)", sheet.name, sheet.requirements.len()), Caption::Shown, html! {
                thead class="nhsuk-table__head" {
                    tr class="nhsuk-table__row" {
                        th class="nhsuk-table__header" scope="col" { "ID" }
                        th class="nhsuk-table__header" scope="col" { "Requirement" }
                        th class="nhsuk-table__header" scope="col" { "Level" }
                        th class="nhsuk-table__header" scope="col" { "Answer" }
                    }
                }
                tbody class="nhsuk-table__body" {
                    @for requirement in &sheet.requirements {
                        tr class="nhsuk-table__row" {
                            td class="nhsuk-table__cell" { code { (requirement.id) } }
                            td class="nhsuk-table__cell scal-pre-line" {
                                @if let Some(section) = &requirement.section { span class="nhsuk-hint" { (section) } br; }
                                (requirement.text)
                            }
                            td class="nhsuk-table__cell" { (level_tag(requirement.level)) }
                            td class="nhsuk-table__cell" { (requirement.answer_kind.plain()) }
                        }
                    }
                }
            }))
        }
    };
    Ok(page(
        &format!("{}, version {}", template.name, version.version),
        &Chrome::signed_in(&session, Nav::Templates),
        false,
        content,
    )
    .into_response())
}

fn publish_href(template_id: &str, version: i64) -> String {
    format!("/templates/{template_id}/versions/{version}/publish")
}

/// A published version is for good, so publishing asks first (the NHS.UK question page: the
/// question as the heading), showing what publishing would change.
pub async fn publish_form(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path((id, number)): Path<(String, String)>,
) -> PageResult {
    let number: i64 = number.parse().map_err(|_| PageError::not_found())?;
    let (template, version, sheets, diff) =
        match scal_app::templates::to_publish(&state.app, &session.actor, &id, number).await {
            Ok(found) => found,
            Err(AppError::Invalid(invalid)) => return Err(cannot_publish(&invalid)),
            Err(other) => return Err(other.into()),
        };
    let requirements: usize = sheets.iter().map(|s| s.requirements.len()).sum();
    let title = format!("Publish version {} of {}?", version.version, template.name);
    let content = html! {
        (back_link(&format!("/templates/{}/versions/{}", template.id, version.version), "Back to the version"))
        h1 class="nhsuk-heading-xl" { (title) }
        p class="nhsuk-body-l" { "A published version can never change. Suppliers can then be issued it." }
        p class="nhsuk-body" {
            "Version " (version.version) " has " (plural(requirements, "requirement", "requirements"))
            " on " (plural(sheets.len(), "sheet", "sheets")) ", from " (version.source_name) ". "
            @if diff.is_empty() {
                "It makes no change to the requirements of the previous published version."
            } @else {
                "Against the previous published version: "
                (diff.added.len()) " added, " (diff.removed.len()) " removed, "
                (diff.text_changed.len()) " with changed text, " (diff.level_changed.len()) " with a changed level."
            }
        }
        form method="post" action=(publish_href(&template.id, version.version)) novalidate {
            (super::layout::csrf(&session.csrf_token))
            (button(&format!("Publish version {}", version.version)))
        }
        p class="nhsuk-body" {
            a href=(format!("/templates/{}/versions/{}", template.id, version.version)) { "Cancel: keep it as a draft" }
        }
    };
    Ok(page(&title, &Chrome::signed_in(&session, Nav::Templates), false, content).into_response())
}

fn cannot_publish(invalid: &scal_domain::Invalid) -> PageError {
    PageError::new(
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        "This version cannot be published",
        invalid.0.first().map(|e| e.message.clone()).unwrap_or_default(),
    )
}

pub async fn publish(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path((id, number)): Path<(String, String)>,
) -> PageResult {
    let number: i64 = number.parse().map_err(|_| PageError::not_found())?;
    match scal_app::templates::publish(&state.app, &session.actor, &id, number, state.now()).await {
        Ok(_) => Ok(done(
            &state,
            &format!("/templates/{id}/diff?to={number}"),
            Notice::TemplatePublished,
        )),
        Err(AppError::Invalid(invalid)) => Err(cannot_publish(&invalid)),
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DiffQuery {
    from: Option<i64>,
    to: Option<i64>,
}

pub async fn show_diff(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageQuery(query): PageQuery<DiffQuery>,
) -> PageResult {
    let (template, versions) = scal_app::templates::get(&state.app, &session.actor, &id).await?;
    let (from, to, diff) = match scal_app::templates::diff(&state.app, &session.actor, &id, query.from, query.to).await
    {
        Ok(result) => result,
        Err(AppError::Invalid(_)) => return Err(PageError::not_found()),
        Err(other) => return Err(other.into()),
    };
    let can_publish = versions.iter().any(|v| v.version == to && !v.published)
        && authorize(&session.actor, Action::ManageTemplates, None).is_ok();
    let content = html! {
        (back_link(&format!("/templates/{}", template.id), "Back to versions"))
        h1 class="nhsuk-heading-xl" {
            (template.name) ": changes "
            @if from == 0 { "in version " (to) } @else { "from version " (from) " to " (to) }
        }
        @if can_publish {
            a class="nhsuk-button" href=(publish_href(&template.id, to)) { "Publish version " (to) }
        }
        (diff_tables(&diff))
    };
    Ok(page(
        "Template changes",
        &Chrome::signed_in(&session, Nav::Templates),
        false,
        content,
    )
    .into_response())
}

fn diff_tables(diff: &TemplateDiff) -> Markup {
    html! {
        @if diff.is_empty() {
            p class="nhsuk-body" { "No requirement was added, removed or changed." }
        }
        @if !diff.added.is_empty() {
            h2 class="nhsuk-heading-m" { (diff.added.len()) " added" }
            ul class="nhsuk-list" { @for e in &diff.added { li { code { (e.requirement_id) } " " (e.text) } } }
        }
        @if !diff.removed.is_empty() {
            h2 class="nhsuk-heading-m" { (diff.removed.len()) " removed" }
            ul class="nhsuk-list" { @for e in &diff.removed { li { code { (e.requirement_id) } " " (e.text) } } }
        }
        @for (title, changes) in [("text changed", &diff.text_changed), ("level changed", &diff.level_changed)] {
            @if !changes.is_empty() {
                h2 class="nhsuk-heading-m" { (changes.len()) " " (title) }
                (data_table(title, Caption::Hidden, html! {
                    thead class="nhsuk-table__head" {
                        tr class="nhsuk-table__row" {
                            th class="nhsuk-table__header" scope="col" { "ID" }
                            th class="nhsuk-table__header" scope="col" { "Before" }
                            th class="nhsuk-table__header" scope="col" { "After" }
                        }
                    }
                    tbody class="nhsuk-table__body" {
                        @for c in changes.iter() {
                            tr class="nhsuk-table__row" {
                                td class="nhsuk-table__cell" { code { (c.requirement_id) } }
                                td class="nhsuk-table__cell" { del { (c.before) } }
                                td class="nhsuk-table__cell" { ins { (c.after) } }
                            }
                        }
                    }
                }))
            }
        }
    }
}

pub async fn export_version(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path((id, number)): Path<(String, String)>,
) -> PageResult {
    let number: i64 = number.parse().map_err(|_| PageError::not_found())?;
    let workbook = scal_app::templates::export(&state.app, &session.actor, &id, Some(number), state.now()).await?;
    Ok(crate::xlsx_download(workbook))
}
