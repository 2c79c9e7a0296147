//! Organisations and their users.

use crate::extract::{PageForm, PageQuery};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use scal_app::organisations::OrganisationInput;
use scal_app::users::{NewUserInput, UserChanges};
use scal_domain::organisation::{OrgKind, Organisation};
use scal_domain::policy::{authorize, Action};
use scal_domain::user::Role;
use scal_domain::FieldError;
use scal_store::UserRecord;
use serde::Deserialize;

use super::layout::{
    back_link, button, checkbox, csrf, data_table, error_summary, inset, page, select, summary_list, tag, text_input,
    Caption, Chrome, InputOptions, Nav,
};
use super::{done, form_page, ticked, FormOutcome};
use crate::notice::Notice;
use crate::session::{CurrentSession, PageActor};
use crate::{AppState, PageError};

type PageResult = Result<Response, PageError>;

pub async fn list(State(state): State<AppState>, PageActor(session): PageActor) -> PageResult {
    let orgs = scal_app::organisations::list(&state.app, &session.actor).await?;
    let can_create = authorize(&session.actor, Action::CreateOrganisation, None).is_ok();
    let content = html! {
        h1 class="nhsuk-heading-xl" { "Organisations" }
        @if can_create {
            a class="nhsuk-button" href="/organisations/new" { "Add an organisation" }
        }
        (data_table("Organisations", Caption::Hidden, html! {
            thead class="nhsuk-table__head" {
                tr class="nhsuk-table__row" {
                    th class="nhsuk-table__header" scope="col" { "Name" }
                    th class="nhsuk-table__header" scope="col" { "ODS code" }
                    th class="nhsuk-table__header" scope="col" { "Kind" }
                }
            }
            tbody class="nhsuk-table__body" {
                @for org in &orgs {
                    tr class="nhsuk-table__row" {
                        td class="nhsuk-table__cell" { a href=(format!("/organisations/{}", org.id)) { (org.name) } }
                        td class="nhsuk-table__cell" { (org.ods_code) }
                        td class="nhsuk-table__cell" { (org.kind.label()) }
                    }
                }
            }
        }))
    };
    Ok(page(
        "Organisations",
        &Chrome::signed_in(&session, Nav::Organisations),
        false,
        content,
    )
    .into_response())
}

fn org_form(session: &CurrentSession, input: &OrganisationInput, errors: &[FieldError]) -> Markup {
    let kinds: Vec<(&str, &str)> = [("", "Choose a kind")]
        .into_iter()
        .chain(OrgKind::ALL.iter().map(|k| (k.as_str(), k.label())))
        .collect();
    let content = html! {
        (back_link("/organisations", "Back to organisations"))
        (error_summary(errors))
        h1 class="nhsuk-heading-xl" { "Add an organisation" }
        form method="post" action="/organisations" novalidate {
            (csrf(&session.csrf_token))
            (text_input("ods_code", "ODS code", &input.ods_code, errors, InputOptions {
                hint: Some("1 to 9 letters and digits, like X26 or 8KM90"), width_class: Some("nhsuk-input--width-10"),
                spellcheck_off: true, ..Default::default()
            }))
            (text_input("name", "Name", &input.name, errors, InputOptions::default()))
            (select("kind", "Kind", &kinds, &input.kind, errors, None))
            (button("Add organisation"))
        }
    };
    page(
        "Add an organisation",
        &Chrome::signed_in(session, Nav::Organisations),
        !errors.is_empty(),
        content,
    )
}

pub async fn new_form(PageActor(session): PageActor) -> PageResult {
    authorize(&session.actor, Action::CreateOrganisation, None).map_err(scal_app::AppError::from)?;
    Ok(org_form(&session, &OrganisationInput::default(), &[]).into_response())
}

pub async fn create(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    PageForm(input): PageForm<OrganisationInput>,
) -> PageResult {
    match scal_app::organisations::create(&state.app, &session.actor, &input, state.now())
        .await
        .map_err(FormOutcome::from)
    {
        Ok(org) => Ok(done(
            &state,
            &format!("/organisations/{}", org.id),
            Notice::OrganisationSaved,
        )),
        Err(FormOutcome::Errors(errors)) => Ok(form_page(org_form(&session, &input, &errors), &errors)),
        Err(FormOutcome::Failed(error)) => Err(error),
    }
}

pub async fn show(State(state): State<AppState>, PageActor(session): PageActor, Path(id): Path<String>) -> PageResult {
    let actor = &session.actor;
    let org = scal_app::organisations::get(&state.app, actor, &id).await?;
    let users = scal_app::users::list_in_org(&state.app, actor, &id).await?;
    let can_edit = authorize(actor, Action::EditOrganisation, Some(&org.id)).is_ok();
    let can_manage_users = authorize(actor, Action::ManageUsers, Some(&org.id)).is_ok();
    let edit_href = format!("/organisations/{}/edit", org.id);
    let content = html! {
        (back_link("/organisations", "Back to organisations"))
        h1 class="nhsuk-heading-xl" { (org.name) }
        (summary_list(&[
            ("Name", html! { (org.name) }, can_edit.then_some((edit_href.as_str(), "name"))),
            ("ODS code", html! { (org.ods_code) }, None),
            ("Kind", html! { (org.kind.label()) }, None),
        ]))
        h2 class="nhsuk-heading-l" { "Users" }
        @if can_manage_users {
            a class="nhsuk-button nhsuk-button--secondary" href=(format!("/organisations/{}/users/new", org.id)) { "Add a user" }
        }
        (users_table(&users))
    };
    Ok(page(
        &org.name,
        &Chrome::signed_in(&session, Nav::Organisations),
        false,
        content,
    )
    .into_response())
}

fn users_table(users: &[UserRecord]) -> Markup {
    html! {
        (data_table("Users", Caption::Hidden, html! {
            thead class="nhsuk-table__head" {
                tr class="nhsuk-table__row" {
                    th class="nhsuk-table__header" scope="col" { "Name" }
                    th class="nhsuk-table__header" scope="col" { "Email" }
                    th class="nhsuk-table__header" scope="col" { "Role" }
                    th class="nhsuk-table__header" scope="col" { "Status" }
                }
            }
            tbody class="nhsuk-table__body" {
                @for user in users {
                    tr class="nhsuk-table__row" {
                        td class="nhsuk-table__cell" { a href=(format!("/users/{}", user.id)) { (user.name) } }
                        td class="nhsuk-table__cell" { (user.email.as_str()) }
                        td class="nhsuk-table__cell" { (user.role.label()) }
                        td class="nhsuk-table__cell" {
                            @if user.active { (tag("Active", "green")) } @else { (tag("Deactivated", "grey")) }
                        }
                    }
                }
            }
        }))
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct RenameForm {
    #[serde(default)]
    name: String,
}

fn rename_form(session: &CurrentSession, org: &Organisation, name: &str, errors: &[FieldError]) -> Markup {
    let content = html! {
        (back_link(&format!("/organisations/{}", org.id), "Back"))
        (error_summary(errors))
        h1 class="nhsuk-heading-xl" { "Change the name of " (org.name) }
        form method="post" action=(format!("/organisations/{}/edit", org.id)) novalidate {
            (csrf(&session.csrf_token))
            (text_input("name", "Name", name, errors, InputOptions::default()))
            (button("Save"))
        }
    };
    page(
        "Change organisation name",
        &Chrome::signed_in(session, Nav::Organisations),
        !errors.is_empty(),
        content,
    )
}

pub async fn edit_form(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
) -> PageResult {
    let org = scal_app::organisations::get(&state.app, &session.actor, &id).await?;
    authorize(&session.actor, Action::EditOrganisation, Some(&org.id)).map_err(scal_app::AppError::from)?;
    Ok(rename_form(&session, &org, &org.name, &[]).into_response())
}

pub async fn edit(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(form): PageForm<RenameForm>,
) -> PageResult {
    match scal_app::organisations::rename(&state.app, &session.actor, &id, &form.name, state.now())
        .await
        .map_err(FormOutcome::from)
    {
        Ok(org) => Ok(done(
            &state,
            &format!("/organisations/{}", org.id),
            Notice::OrganisationSaved,
        )),
        Err(FormOutcome::Errors(errors)) => {
            let org = scal_app::organisations::get(&state.app, &session.actor, &id).await?;
            Ok(form_page(rename_form(&session, &org, &form.name, &errors), &errors))
        }
        Err(FormOutcome::Failed(error)) => Err(error),
    }
}

/// Starts with an empty choice, so nobody becomes an administrator by not touching the list.
fn role_options(kind: OrgKind) -> Vec<(&'static str, &'static str)> {
    [("", "Choose a role")]
        .into_iter()
        .chain(Role::for_kind(kind).map(|r| (r.as_str(), r.label())))
        .collect()
}

fn new_user_page(session: &CurrentSession, org: &Organisation, input: &NewUserInput, errors: &[FieldError]) -> Markup {
    let content = html! {
        (back_link(&format!("/organisations/{}", org.id), "Back"))
        (error_summary(errors))
        h1 class="nhsuk-heading-xl" { "Add a user to " (org.name) }
        form method="post" action=(format!("/organisations/{}/users", org.id)) novalidate {
            (csrf(&session.csrf_token))
            (text_input("email", "Email address", &input.email, errors, InputOptions {
                input_type: Some("email"), autocomplete: Some("off"), spellcheck_off: true, ..Default::default()
            }))
            (text_input("name", "Full name", &input.name, errors, InputOptions::default()))
            (select("role", "Role", &role_options(org.kind), &input.role, errors, None))
            (text_input("password", "Password (optional)", "", errors, InputOptions {
                hint: Some("At least 12 characters. Leave empty to generate one, shown once on the next page."),
                input_type: Some("password"), autocomplete: Some("new-password"), ..Default::default()
            }))
            (button("Add user"))
        }
    };
    page(
        "Add a user",
        &Chrome::signed_in(session, Nav::Organisations),
        !errors.is_empty(),
        content,
    )
}

async fn org_for_user_admin(
    state: &AppState,
    session: &CurrentSession,
    org_id: &str,
) -> Result<Organisation, PageError> {
    let org = scal_app::organisations::get(&state.app, &session.actor, org_id).await?;
    authorize(&session.actor, Action::ManageUsers, Some(&org.id)).map_err(scal_app::AppError::from)?;
    Ok(org)
}

pub async fn new_user_form(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
) -> PageResult {
    let org = org_for_user_admin(&state, &session, &id).await?;
    Ok(new_user_page(&session, &org, &NewUserInput::default(), &[]).into_response())
}

pub async fn create_user(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(input): PageForm<NewUserInput>,
) -> PageResult {
    match scal_app::users::create(&state.app, &session.actor, &id, &input, state.now())
        .await
        .map_err(FormOutcome::from)
    {
        Ok(created) => {
            let user = &created.user;
            let content = html! {
                div class="nhsuk-panel" {
                    h1 class="nhsuk-panel__heading" { "User added" }
                    div class="nhsuk-panel__body" { (user.name) " can now sign in as " (user.email.as_str()) }
                }
                @if let Some(password) = &created.generated_password {
                    (inset(html! {
                        p { "Their password is " code { (password) } }
                        p { "Give it to them securely. It will not be shown again." }
                    }))
                }
                p class="nhsuk-body" { a href=(format!("/organisations/{}", user.org_id)) { "Back to the organisation" } }
            };
            Ok(page(
                "User added",
                &Chrome::signed_in(&session, Nav::Organisations),
                false,
                content,
            )
            .into_response())
        }
        Err(FormOutcome::Errors(errors)) => {
            let org = org_for_user_admin(&state, &session, &id).await?;
            Ok(form_page(new_user_page(&session, &org, &input, &errors), &errors))
        }
        Err(FormOutcome::Failed(error)) => Err(error),
    }
}

pub async fn show_user(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageQuery(query): PageQuery<super::password::DoneQuery>,
) -> PageResult {
    let user = scal_app::users::get(&state.app, &session.actor, &id).await?;
    let can_manage = authorize(&session.actor, Action::ManageUsers, Some(&user.org_id)).is_ok();
    let can_reset = user.active && authorize(&session.actor, Action::SendPasswordReset, Some(&user.org_id)).is_ok();
    let banner = super::password::user_banner(
        query.done().filter(|_| can_reset),
        user.email.as_str(),
        state.app.settings.password_reset_ttl.whole_minutes(),
    );
    let edit = format!("/users/{}/edit", user.id);
    let change = |what| can_manage.then_some((edit.as_str(), what));
    let content = html! {
        (back_link(&format!("/organisations/{}", user.org_id), "Back to the organisation"))
        @if let Some(banner) = banner { (banner) }
        h1 class="nhsuk-heading-xl" { (user.name) }
        (summary_list(&[
            ("Name", html! { (user.name) }, change("name")),
            ("Email", html! { (user.email.as_str()) }, None),
            ("Role", html! { (user.role.label()) }, change("role")),
            ("Status", html! { @if user.active { "Active" } @else { "Deactivated" } }, change("status")),
        ]))
        @if can_reset {
            h2 class="nhsuk-heading-m" { "Password" }
            p class="nhsuk-body" {
                "If " (user.name) " cannot sign in, send them an email with a link to set a new password. "
                "The link works once, for " (state.app.settings.password_reset_ttl.whole_minutes()) " minutes."
            }
            form method="post" action=(format!("/users/{}/password-reset", user.id)) novalidate {
                (csrf(&session.csrf_token))
                button class="nhsuk-button nhsuk-button--secondary" type="submit" data-module="nhsuk-button" { "Send password reset" }
            }
        }
    };
    Ok(page(
        &user.name,
        &Chrome::signed_in(&session, Nav::Organisations),
        false,
        content,
    )
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct EditUserForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    active: Option<String>,
}

fn edit_user_page(
    session: &CurrentSession,
    user: &UserRecord,
    kind: OrgKind,
    form: &EditUserForm,
    errors: &[FieldError],
) -> Markup {
    let content = html! {
        (back_link(&format!("/users/{}", user.id), "Back"))
        (error_summary(errors))
        h1 class="nhsuk-heading-xl" { "Change " (user.name) }
        form method="post" action=(format!("/users/{}/edit", user.id)) novalidate {
            (csrf(&session.csrf_token))
            (text_input("name", "Full name", &form.name, errors, InputOptions::default()))
            (select("role", "Role", &role_options(kind), &form.role, errors, None))
            (checkbox("active", "Can sign in", ticked(&form.active), errors))
            (button("Save"))
        }
    };
    page(
        "Change user",
        &Chrome::signed_in(session, Nav::Organisations),
        !errors.is_empty(),
        content,
    )
}

async fn user_for_admin(
    state: &AppState,
    session: &CurrentSession,
    id: &str,
) -> Result<(UserRecord, OrgKind), PageError> {
    let user = scal_app::users::get(&state.app, &session.actor, id).await?;
    let org = scal_app::organisations::get(&state.app, &session.actor, &user.org_id).await?;
    authorize(&session.actor, Action::ManageUsers, Some(&org.id)).map_err(scal_app::AppError::from)?;
    Ok((user, org.kind))
}

pub async fn edit_user_form(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
) -> PageResult {
    let (user, kind) = user_for_admin(&state, &session, &id).await?;
    let form = EditUserForm {
        name: user.name.clone(),
        role: user.role.as_str().into(),
        active: user.active.then(|| "true".into()),
    };
    Ok(edit_user_page(&session, &user, kind, &form, &[]).into_response())
}

pub async fn edit_user(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(form): PageForm<EditUserForm>,
) -> PageResult {
    let changes = UserChanges {
        name: Some(form.name.clone()),
        role: Some(form.role.clone()),
        active: Some(ticked(&form.active)),
    };
    match scal_app::users::update(&state.app, &session.actor, &id, &changes, state.now())
        .await
        .map_err(FormOutcome::from)
    {
        Ok(user) => Ok(done(&state, &format!("/users/{}", user.id), Notice::UserSaved)),
        Err(FormOutcome::Errors(errors)) => {
            let (user, kind) = user_for_admin(&state, &session, &id).await?;
            Ok(form_page(
                edit_user_page(&session, &user, kind, &form, &errors),
                &errors,
            ))
        }
        Err(FormOutcome::Failed(error)) => Err(error),
    }
}
