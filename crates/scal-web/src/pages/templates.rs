//! SCAL templates: list and upload, versions, requirements, publishing and differences.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use scal_app::templates::{ImportOutcome, ImportRequest};
use scal_app::AppError;
use scal_domain::policy::{authorize, Action};
use scal_domain::template::{Level, TemplateDiff};
use scal_domain::FieldError;
use serde::Deserialize;

use super::layout::{
    back_link, button, checkbox, data_table, date_time, error_summary, page, plural, select, tag, text_input, Caption,
    Chrome, InputOptions, Nav,
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

#[derive(Default)]
struct UploadForm {
    name: String,
    service: String,
    publish: bool,
    map: String,
}

async fn list_page(
    state: &AppState,
    session: &CurrentSession,
    form: &UploadForm,
    errors: &[FieldError],
) -> Result<Markup, PageError> {
    let actor = &session.actor;
    let templates = scal_app::templates::list(&state.app, actor).await?;
    let can_manage = authorize(actor, Action::ManageTemplates, None).is_ok();
    let services = scal_app::services::list(&state.app, actor).await?;
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
                            td class="nhsuk-table__cell" { (template.service_code.clone().unwrap_or_default()) }
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
            h2 class="nhsuk-heading-l" { "Import a template" }
            p class="nhsuk-body" {
                "Upload a SCAL workbook (.xlsx) or an NHS pipe-separated requirements table (.psv, .csv, .txt). \
                 Each sheet's header row is recognised by its column names; sheets without a requirement table are skipped and listed."
            }
            form method="post" action="/templates" enctype="multipart/form-data" novalidate {
                // First, so it is checked before the file is read (see `session`).
                (super::layout::csrf(&session.csrf_token))
                (file_input("file", "Workbook or requirements table", errors))
                (text_input("name", "Template name (optional)", &form.name, errors, InputOptions {
                    hint: Some("An existing name adds a new version to that template. By default, the file name."), ..Default::default()
                }))
                (select("service", "Service", &service_options, &form.service, errors, None))
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

pub async fn list(State(state): State<AppState>, PageActor(session): PageActor) -> PageResult {
    Ok(list_page(&state, &session, &UploadForm::default(), &[])
        .await?
        .into_response())
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
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        match field.name().unwrap_or_default() {
            "file" => {
                let name = field.file_name().unwrap_or_default().to_string();
                let bytes = field.bytes().await.map_err(unreadable)?;
                if !bytes.is_empty() {
                    file = Some((name, bytes));
                }
            }
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
                    let request = ImportRequest {
                        file_name,
                        bytes,
                        name: Some(form.name.clone()),
                        service: Some(form.service.clone()),
                        publish: form.publish,
                        options,
                    };
                    scal_app::templates::import(
                        &state.app,
                        &session.actor,
                        &request,
                        state.upload_limits(),
                        state.now(),
                    )
                    .await
                }
            }
        }
    };
    match outcome.map_err(FormOutcome::from) {
        Ok(outcome) => Ok(report_page(&session, &outcome).into_response()),
        Err(FormOutcome::Errors(errors)) => Ok(form_page(list_page(&state, &session, &form, &errors).await?, &errors)),
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
    let content = html! {
        (back_link("/templates", "Back to templates"))
        h1 class="nhsuk-heading-xl" { (template.name) }
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
                            }
                            @if can_manage && !version.published {
                                form method="post" action=(format!("/templates/{}/versions/{}/publish", template.id, version.version)) novalidate {
                                    (super::layout::csrf(&session.csrf_token))
                                    button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" type="submit" {
                                        "Publish" span class="nhsuk-u-visually-hidden" { " version " (version.version) }
                                    }
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
    let content = html! {
        (back_link(&format!("/templates/{}", template.id), "Back to versions"))
        h1 class="nhsuk-heading-xl" { (template.name) ", version " (version.version) " " (status_tag(version.published)) }
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
        Err(AppError::Invalid(invalid)) => Err(PageError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "This version cannot be published",
            invalid.0.first().map(|e| e.message.clone()).unwrap_or_default(),
        )),
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
    let (template, _) = scal_app::templates::get(&state.app, &session.actor, &id).await?;
    let (from, to, diff) = match scal_app::templates::diff(&state.app, &session.actor, &id, query.from, query.to).await
    {
        Ok(result) => result,
        Err(AppError::Invalid(_)) => return Err(PageError::not_found()),
        Err(other) => return Err(other.into()),
    };
    let content = html! {
        (back_link(&format!("/templates/{}", template.id), "Back to versions"))
        h1 class="nhsuk-heading-xl" {
            (template.name) ": changes "
            @if from == 0 { "in version " (to) } @else { "from version " (from) " to " (to) }
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
