//! Sharing on the web: a product's sharing page for its supplier and NHS England (where it is
//! shared and deployed, the acceptable use policy), the share form, a share's page (for the EUO,
//! the shared product's page: certificate, policy, local assurance and next action), the accepted
//! SCAL read-only, its files and workbook, revocation with a confirmation page, NHS England's list
//! of every share, and the acceptable use policy pages (publish; the EUO acknowledges).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use scal_app::shares::ShareView;
use scal_app::AppError;
use scal_domain::policy::{authorize, Action};
use scal_domain::share::ShareState;
use scal_domain::FieldError;
use serde::Deserialize;

use super::layout::{
    back_link, button, csrf, data_table, date_time, error_summary, page, summary_list, tag, text_input, textarea,
    Caption, Chrome, InputOptions, Nav,
};
use super::{done, form_page, FormOutcome};
use crate::extract::PageForm;
use crate::notice::Notice;
use crate::session::{CurrentSession, PageActor};
use crate::{AppState, PageError};

type PageResult = Result<Response, PageError>;
type Pairs = Vec<(String, String)>;

fn field<'p>(pairs: &'p Pairs, name: &str) -> &'p str {
    pairs.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

pub(crate) fn state_tag(state: ShareState) -> Markup {
    let colour = match state {
        ShareState::Active => "green",
        ShareState::Expired => "grey",
        ShareState::Revoked => "red",
    };
    tag(state.label(), colour)
}

pub(crate) fn certificate_tag(c: &scal_app::shares::SharedCertificate) -> Markup {
    let colour = match c.status.as_str() {
        "valid" => "green",
        "suspended" => "yellow",
        _ => "red",
    };
    tag(&c.status_label, colour)
}

fn euo_label(view: &ShareView) -> String {
    match &view.euo {
        Some(org) => format!("{} ({})", org.name, view.record.euo_ods),
        None => format!("{} (invited: not registered yet)", view.record.euo_ods),
    }
}

fn deployment_text(view: &ShareView) -> String {
    match (&view.deployment.decision_label, &view.deployment.go_live_on) {
        (Some(d), Some(on)) => format!("{d}; live from {on}"),
        (Some(d), None) => d.clone(),
        _ => "No decision yet".into(),
    }
}

/// A table of shares: for the product's page and NHS England's list.
fn shares_table(caption: &str, shares: &[ShareView], with_product: bool) -> Markup {
    data_table(
        caption,
        Caption::Hidden,
        html! {
            thead class="nhsuk-table__head" {
                tr class="nhsuk-table__row" {
                    @if with_product { th class="nhsuk-table__header" scope="col" { "Product" } }
                    th class="nhsuk-table__header" scope="col" { "End user organisation" }
                    th class="nhsuk-table__header" scope="col" { "Share" }
                    th class="nhsuk-table__header" scope="col" { "Local decision" }
                }
            }
            tbody class="nhsuk-table__body" {
                @for s in shares {
                    tr class="nhsuk-table__row" {
                        @if with_product { td class="nhsuk-table__cell" { (s.product) br; span class="nhsuk-body-s" { (s.supplier) } } }
                        td class="nhsuk-table__cell" {
                            a href=(format!("/shares/{}", s.record.id)) { (euo_label(s)) }
                        }
                        td class="nhsuk-table__cell" {
                            (state_tag(s.state))
                            @if let Some(on) = &s.record.expires_on { br; span class="nhsuk-body-s" { "Until " (on) } }
                        }
                        td class="nhsuk-table__cell" { (deployment_text(s)) }
                    }
                }
            }
        },
    )
}

/// A product's sharing and deployments page (its supplier and NHS England).
pub async fn product_shares(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
) -> PageResult {
    let product = scal_app::products::get(&state.app, &session.actor, &id).await?;
    let shares = scal_app::shares::for_product(&state.app, &session.actor, &id, state.now().date()).await?;
    let policy = scal_app::use_policies::for_product(&state.app, &session.actor, &id, state.now().date()).await?;
    let can_share = authorize(&session.actor, Action::ShareScal, Some(&product.org_id)).is_ok();
    let name = product.details.title();
    let content = html! {
        (back_link(&format!("/products/{id}"), "Back to the product"))
        span class="nhsuk-caption-l" { (name) }
        h1 class="nhsuk-heading-xl" { "Sharing and deployments" }
        p class="nhsuk-body" {
            "The accepted SCAL, its certificate and the evidence files you choose are shared with each end user \
             organisation that deploys the product. Each does its own DCB0160 local assurance."
        }
        @if shares.is_empty() {
            p class="nhsuk-body" { "The SCAL has not been shared yet." }
        } @else {
            (shares_table("Where the product is shared and deployed", &shares, false))
        }
        @if can_share {
            a class="nhsuk-button" href=(format!("/products/{id}/shares/new")) { "Share the accepted SCAL" }
        }
        h2 class="nhsuk-heading-l" { "Acceptable use policy" }
        @match &policy.current {
            Some(p) => p class="nhsuk-body" { "Version " (p.sequence) " is in effect from " (p.effective_date) "." },
            None => p class="nhsuk-body" { "No acceptable use policy is in effect yet: end user organisations cannot approve the product until one is." },
        }
        @for p in &policy.upcoming {
            p class="nhsuk-body" { "Version " (p.sequence) " takes effect on " (p.effective_date) "." }
        }
        p class="nhsuk-body" { a href=(format!("/products/{id}/use-policy")) { "Acceptable use policy versions" } }
    };
    Ok(page(
        "Sharing and deployments",
        &Chrome::signed_in(&session, Nav::Products),
        false,
        content,
    )
    .into_response())
}

async fn share_form(
    state: &AppState,
    session: &CurrentSession,
    product_id: &str,
    pairs: &Pairs,
    errors: &[FieldError],
) -> PageResult {
    let product = scal_app::products::get(&state.app, &session.actor, product_id).await?;
    authorize(&session.actor, Action::ShareScal, Some(&product.org_id)).map_err(AppError::from)?;
    let files = scal_store::records::evidence::for_org(state.app.store.pool(), &product.org_id)
        .await
        .map_err(AppError::from)?;
    let chosen: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "evidence_ids")
        .map(|(_, v)| v.as_str())
        .collect();
    let file_error = errors.iter().find(|e| e.field == "evidence_ids");
    let product_error = errors.iter().find(|e| e.field == "product");
    let content = html! {
        (back_link(&format!("/products/{product_id}/shares"), "Back to sharing"))
        (error_summary(errors))
        span class="nhsuk-caption-l" { (product.details.title()) }
        h1 class="nhsuk-heading-xl" id="product" { "Who do you want to share the accepted SCAL with?" }
        @if let Some(e) = product_error {
            p class="nhsuk-error-message" { span class="nhsuk-u-visually-hidden" { "Error:" } " " (e.message) }
        }
        form method="post" action=(format!("/products/{product_id}/shares/new")) novalidate {
            (csrf(&session.csrf_token))
            (text_input("euo_ods", "End user organisation's ODS code", field(pairs, "euo_ods"), errors, InputOptions {
                hint: Some("For example, A81001. An organisation not registered yet is invited: NHS England registers it and the share reaches it."),
                width_class: Some("nhsuk-input--width-10"),
                spellcheck_off: true,
                ..InputOptions::default()
            }))
            (text_input("expires_on", "Share until (optional)", field(pairs, "expires_on"), errors, InputOptions {
                hint: Some("For example, 2027-12-31. Leave empty to share until you revoke it."),
                width_class: Some("nhsuk-input--width-10"),
                ..InputOptions::default()
            }))
            div class={ "nhsuk-form-group" @if file_error.is_some() { " nhsuk-form-group--error" } } {
                fieldset class="nhsuk-fieldset" aria-describedby="evidence_ids-hint" {
                    legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s" { "Evidence files to share" }
                    div class="nhsuk-hint" id="evidence_ids-hint" {
                        "Only the files you tick are shared, for example the clinical safety case report, hazard log, DPIA and penetration test summary."
                    }
                    @if let Some(e) = file_error {
                        span class="nhsuk-error-message" id="evidence_ids" { span class="nhsuk-u-visually-hidden" { "Error:" } " " (e.message) }
                    }
                    @if files.is_empty() {
                        p class="nhsuk-body" { "Your organisation has no evidence files." }
                    }
                    div class="nhsuk-checkboxes" {
                        @for (i, f) in files.iter().enumerate() {
                            div class="nhsuk-checkboxes__item" {
                                input class="nhsuk-checkboxes__input" id=(format!("file-{i}")) name="evidence_ids" type="checkbox"
                                    value=(f.id) checked[chosen.contains(&f.id.as_str())];
                                label class="nhsuk-label nhsuk-checkboxes__label" for=(format!("file-{i}")) { (f.file_name) }
                            }
                        }
                    }
                }
            }
            (button("Share the SCAL"))
        }
    };
    Ok(form_page(
        page(
            "Share the accepted SCAL",
            &Chrome::signed_in(session, Nav::Products),
            !errors.is_empty(),
            content,
        ),
        errors,
    ))
}

pub async fn new_share(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
) -> PageResult {
    share_form(&state, &session, &id, &Vec::new(), &[]).await
}

pub async fn create(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Pairs>,
) -> PageResult {
    let input = scal_app::shares::ShareInput {
        euo_ods: field(&pairs, "euo_ods").to_string(),
        expires_on: field(&pairs, "expires_on").to_string(),
        evidence_ids: pairs
            .iter()
            .filter(|(k, _)| k == "evidence_ids")
            .map(|(_, v)| v.clone())
            .collect(),
    };
    match scal_app::shares::create(&state.app, &session.actor, &id, &input, state.now())
        .await
        .map_err(FormOutcome::from)
    {
        Ok(view) => Ok(done(
            &state,
            &format!("/shares/{}", view.record.id),
            Notice::ShareCreated,
        )),
        Err(FormOutcome::Errors(errors)) => share_form(&state, &session, &id, &pairs, &errors).await,
        Err(FormOutcome::Failed(e)) => Err(e),
    }
}

/// Every share the actor may see: NHS England every one, a supplier its own, an EUO its active
/// ones.
pub async fn list(State(state): State<AppState>, PageActor(session): PageActor) -> PageResult {
    let shares = scal_app::shares::list(&state.app, &session.actor, state.now().date()).await?;
    let content = html! {
        h1 class="nhsuk-heading-xl" { "Shared SCALs" }
        @if shares.is_empty() {
            p class="nhsuk-body" { "No SCAL has been shared." }
        } @else {
            (shares_table("Shared SCALs", &shares, true))
        }
    };
    Ok(page(
        "Shared SCALs",
        &Chrome::signed_in(&session, Nav::Dashboard),
        false,
        content,
    )
    .into_response())
}

/// A share's page. For the EUO it is the shared product's page.
pub async fn show(State(state): State<AppState>, PageActor(session): PageActor, Path(id): Path<String>) -> PageResult {
    let today = state.now().date();
    let view = scal_app::shares::get(&state.app, &session.actor, &id, today).await?;
    let euo = session.user.role == scal_domain::user::Role::EuoMember;
    let can_share = authorize(&session.actor, Action::ShareScal, Some(&view.record.supplier_org_id)).is_ok();
    let local = if euo {
        Some(scal_app::local_assurance::get(&state.app, &session.actor, &id, today).await?)
    } else {
        None
    };
    let policy = scal_app::use_policies::for_share(&state.app, &session.actor, &id, today).await?;
    let active = view.state == ShareState::Active;
    let policy_href = format!("/shares/{id}/use-policy");
    let content = html! {
        (back_link(if euo { "/" } else { "/shares" }, if euo { "Back to assured products" } else { "Back to shared SCALs" }))
        span class="nhsuk-caption-l" { (view.supplier) }
        h1 class="nhsuk-heading-xl" { (view.product) }
        @if let Some(l) = &local {
            @if l.next_action != scal_domain::local_assurance::NextAction::None {
                div class="nhsuk-inset-text" {
                    span class="nhsuk-u-visually-hidden" { "Information: " }
                    p { "Next: " (next_action_link(&id, l.next_action)) }
                }
            }
        }
        (summary_list(&[
            ("Shared with", html! { (euo_label(&view)) }, None),
            ("Share", html! {
                (state_tag(view.state))
                @if let Some(on) = &view.record.expires_on { " until " (on) }
                @if let Some(reason) = &view.record.revoke_reason { @if !reason.is_empty() { br; "Reason: " (reason) } }
            }, None),
            ("Shared by", html! { (view.record.shared_by) " on " (date_time(view.record.shared_at)) }, None),
            ("Certificate", html! {
                @match &view.certificate {
                    Some(c) => { (c.number) " " (certificate_tag(c)) br; a href=(format!("/verify/{}", c.id)) { "Check the certificate" } },
                    None => "Not issued",
                }
            }, None),
            ("Accepted SCAL", html! {
                @match &view.accepted_round {
                    Some((round, sha)) => {
                        "Round " (round) br;
                        a href=(format!("/shares/{id}/scal")) { "View the accepted SCAL" } br;
                        a href=(format!("/shares/{id}/workbook")) { "Download it as a workbook" } br;
                        span class="nhsuk-body-s" { "SHA-256 " code class="scal-id" { (sha) } }
                    },
                    None => "None",
                }
            }, None),
            ("Acceptable use policy", html! {
                @match &policy.current {
                    Some(p) => {
                        "Version " (p.sequence) ", in effect from " (p.effective_date)
                        @if euo { br; @if policy.current_acknowledged { (tag("Acknowledged", "green")) } @else { (tag("Not acknowledged", "yellow")) } }
                    },
                    None => "None in effect",
                }
            }, if euo { Some((policy_href.as_str(), "the acceptable use policy")) } else { None }),
            ("Local decision", html! { (deployment_text(&view)) }, None),
        ]))
        h2 class="nhsuk-heading-m" { "Shared evidence" }
        @if view.files.is_empty() {
            p class="nhsuk-body" { "No evidence files are shared." }
        } @else {
            ul class="nhsuk-list nhsuk-list--bullet" {
                @for f in &view.files {
                    li { a href=(format!("/shares/{id}/files/{}", f.id)) { (f.file_name) } }
                }
            }
        }
        @if euo {
            a class="nhsuk-button" href=(format!("/shares/{id}/local-assurance")) { "Your local assurance" }
        }
        @if can_share && active {
            h2 class="nhsuk-heading-m" { "Change what is shared" }
            (files_form(&state, &session, &view).await?)
            a class="nhsuk-button nhsuk-button--warning" href=(format!("/shares/{id}/revoke")) { "Stop sharing" }
        }
    };
    Ok(page(
        &view.product,
        &Chrome::signed_in(&session, Nav::Dashboard),
        false,
        content,
    )
    .into_response())
}

fn next_action_link(share_id: &str, action: scal_domain::local_assurance::NextAction) -> Markup {
    use scal_domain::local_assurance::NextAction::*;
    let href = match action {
        AcknowledgePolicy => format!("/shares/{share_id}/use-policy"),
        NameSafetyOfficer => format!("/shares/{share_id}/local-assurance/safety-officer"),
        UploadSafetyCase => format!("/shares/{share_id}/local-assurance/files/safety-case"),
        UploadHazardLog => format!("/shares/{share_id}/local-assurance/files/hazard-log"),
        RecordDecision => format!("/shares/{share_id}/local-assurance/decision"),
        RecordGoLive => format!("/shares/{share_id}/local-assurance/go-live"),
        None => format!("/shares/{share_id}/local-assurance"),
    };
    html! { a href=(href) { (action.label()) } }
}

async fn files_form(state: &AppState, session: &CurrentSession, view: &ShareView) -> Result<Markup, PageError> {
    let files = scal_store::records::evidence::for_org(state.app.store.pool(), &view.record.supplier_org_id)
        .await
        .map_err(AppError::from)?;
    Ok(html! {
        form method="post" action=(format!("/shares/{}/files", view.record.id)) novalidate {
            (csrf(&session.csrf_token))
            div class="nhsuk-form-group" {
                fieldset class="nhsuk-fieldset" {
                    legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s" { "Evidence files shared" }
                    div class="nhsuk-checkboxes" {
                        @for (i, f) in files.iter().enumerate() {
                            div class="nhsuk-checkboxes__item" {
                                input class="nhsuk-checkboxes__input" id=(format!("file-{i}")) name="evidence_ids" type="checkbox"
                                    value=(f.id) checked[view.files.iter().any(|s| s.id == f.id)];
                                label class="nhsuk-label nhsuk-checkboxes__label" for=(format!("file-{i}")) { (f.file_name) }
                            }
                        }
                    }
                }
            }
            button class="nhsuk-button nhsuk-button--secondary" type="submit" { "Save the files shared" }
        }
    })
}

pub async fn set_files(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Pairs>,
) -> PageResult {
    let ids: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "evidence_ids")
        .map(|(_, v)| v.clone())
        .collect();
    scal_app::shares::set_files(&state.app, &session.actor, &id, &ids, state.now()).await?;
    Ok(done(&state, &format!("/shares/{id}"), Notice::ShareFilesSaved))
}

pub async fn revoke_form(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
) -> PageResult {
    revoke_page(&state, &session, &id, "", &[]).await
}

async fn revoke_page(
    state: &AppState,
    session: &CurrentSession,
    id: &str,
    reason: &str,
    errors: &[FieldError],
) -> PageResult {
    let view = scal_app::shares::get(&state.app, &session.actor, id, state.now().date()).await?;
    authorize(&session.actor, Action::ShareScal, Some(&view.record.supplier_org_id)).map_err(AppError::from)?;
    let content = html! {
        (back_link(&format!("/shares/{id}"), "Back to the share"))
        (error_summary(errors))
        span class="nhsuk-caption-l" { (view.product) }
        h1 class="nhsuk-heading-xl" { "Are you sure you want to stop sharing with " (euo_label(&view)) "?" }
        p class="nhsuk-body" {
            "The organisation will no longer see the accepted SCAL, the certificate or any shared file. This cannot be undone: \
             to share again, make a new share."
        }
        form method="post" action=(format!("/shares/{id}/revoke")) novalidate {
            (csrf(&session.csrf_token))
            (textarea("reason", "Why are you stopping? (optional)", reason, errors, None))
            button class="nhsuk-button nhsuk-button--warning" type="submit" { "Stop sharing" }
        }
    };
    Ok(form_page(
        page(
            "Stop sharing",
            &Chrome::signed_in(session, Nav::Dashboard),
            !errors.is_empty(),
            content,
        ),
        errors,
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    reason: String,
}

pub async fn revoke(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(form): PageForm<RevokeForm>,
) -> PageResult {
    match scal_app::shares::revoke(&state.app, &session.actor, &id, &form.reason, state.now())
        .await
        .map_err(FormOutcome::from)
    {
        Ok(view) => Ok(done(
            &state,
            &format!("/products/{}/shares", view.record.product_id),
            Notice::ShareRevoked,
        )),
        Err(FormOutcome::Errors(errors)) => revoke_page(&state, &session, &id, &form.reason, &errors).await,
        Err(FormOutcome::Failed(e)) => Err(e),
    }
}

pub async fn file(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path((id, evidence_id)): Path<(String, String)>,
) -> PageResult {
    let (record, bytes) =
        scal_app::shares::file(&state.app, &session.actor, &id, &evidence_id, state.now().date()).await?;
    Ok(crate::file_download(&record.file_name, &record.content_type, bytes))
}

pub async fn workbook(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
) -> PageResult {
    let book = scal_app::shares::workbook(&state.app, &session.actor, &id, state.now()).await?;
    Ok(crate::file_download(
        &book.file_name,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        book.bytes,
    ))
}

/// The accepted round, read-only: each sheet's requirements with the supplier's answers.
pub async fn scal(State(state): State<AppState>, PageActor(session): PageActor, Path(id): Path<String>) -> PageResult {
    let (round, snapshot) =
        scal_app::shares::accepted_scal(&state.app, &session.actor, &id, state.now().date()).await?;
    let content = html! {
        (back_link(&format!("/shares/{id}"), "Back to the product"))
        span class="nhsuk-caption-l" { (snapshot.product) }
        h1 class="nhsuk-heading-xl" { "Accepted SCAL, round " (round.round) }
        p class="nhsuk-body" {
            "Exactly as NHS England accepted it. SHA-256 " code class="scal-id" { (round.sha256) }
        }
        @for sheet in &snapshot.sheets {
            h2 class="nhsuk-heading-m" { (sheet.name) }
            (data_table(&sheet.name, Caption::Hidden, html! {
                thead class="nhsuk-table__head" {
                    tr class="nhsuk-table__row" {
                        th class="nhsuk-table__header" scope="col" { "ID" }
                        th class="nhsuk-table__header" scope="col" { "Requirement" }
                        th class="nhsuk-table__header" scope="col" { "Answer" }
                    }
                }
                tbody class="nhsuk-table__body" {
                    @for r in &sheet.requirements {
                        tr class="nhsuk-table__row" {
                            td class="nhsuk-table__cell" { code class="scal-id" { (r.id) } }
                            td class="nhsuk-table__cell" { span class="scal-pre-line" { (r.text) } }
                            td class="nhsuk-table__cell" {
                                (r.answer.as_deref().unwrap_or("Not answered"))
                                " " (super::scals::rag_tag(r.rag))
                                @if let Some(j) = &r.justification { br; span class="nhsuk-body-s scal-pre-line" { "Justification: " (j) } }
                                @if let Some(m) = &r.mitigation { br; span class="nhsuk-body-s scal-pre-line" { "Mitigation: " (m) } }
                            }
                        }
                    }
                }
            }))
        }
    };
    Ok(page(
        "Accepted SCAL",
        &Chrome::signed_in(&session, Nav::Dashboard),
        false,
        content,
    )
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct PolicyForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    effective_date: String,
}

async fn policy_page(
    state: &AppState,
    session: &CurrentSession,
    product_id: &str,
    form: &PolicyForm,
    errors: &[FieldError],
) -> PageResult {
    let product = scal_app::products::get(&state.app, &session.actor, product_id).await?;
    let policy =
        scal_app::use_policies::for_product(&state.app, &session.actor, product_id, state.now().date()).await?;
    let can_publish = authorize(&session.actor, Action::PublishUsePolicy, Some(&product.org_id)).is_ok();
    let content = html! {
        (back_link(&format!("/products/{product_id}/shares"), "Back to sharing"))
        (error_summary(errors))
        span class="nhsuk-caption-l" { (product.details.title()) }
        h1 class="nhsuk-heading-xl" { "Acceptable use policy" }
        @if policy.versions.is_empty() {
            p class="nhsuk-body" { "No version has been published." }
        }
        @for v in &policy.versions {
            h2 class="nhsuk-heading-m" {
                "Version " (v.sequence) " "
                @if policy.current.as_ref().is_some_and(|c| c.id == v.id) { (tag("In effect", "green")) }
                @else if policy.upcoming.iter().any(|u| u.id == v.id) { (tag("Upcoming", "blue")) }
                @else { (tag("Superseded", "grey")) }
            }
            p class="nhsuk-body-s" { "In effect from " (v.effective_date) ". SHA-256 " code class="scal-id" { (v.sha256) } }
            div class="nhsuk-inset-text" { p class="scal-pre-line" { (v.text) } }
        }
        @if can_publish {
            h2 class="nhsuk-heading-l" { "Publish a new version" }
            p class="nhsuk-body" { "Every end user organisation you share the product with is asked to acknowledge it." }
            form method="post" action=(format!("/products/{product_id}/use-policy")) novalidate {
                (csrf(&session.csrf_token))
                (textarea("text", "The policy's text", &form.text, errors, None))
                (text_input("effective_date", "Date it takes effect", &form.effective_date, errors, InputOptions {
                    hint: Some("For example, 2027-01-01"),
                    width_class: Some("nhsuk-input--width-10"),
                    ..InputOptions::default()
                }))
                (button("Publish the version"))
            }
        }
    };
    Ok(form_page(
        page(
            "Acceptable use policy",
            &Chrome::signed_in(session, Nav::Products),
            !errors.is_empty(),
            content,
        ),
        errors,
    ))
}

pub async fn policy(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
) -> PageResult {
    policy_page(&state, &session, &id, &PolicyForm::default(), &[]).await
}

pub async fn publish_policy(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(form): PageForm<PolicyForm>,
) -> PageResult {
    match scal_app::use_policies::publish(
        &state.app,
        &session.actor,
        &id,
        &form.text,
        &form.effective_date,
        state.now(),
    )
    .await
    .map_err(FormOutcome::from)
    {
        Ok(_) => Ok(done(
            &state,
            &format!("/products/{id}/use-policy"),
            Notice::UsePolicyPublished,
        )),
        Err(FormOutcome::Errors(errors)) => policy_page(&state, &session, &id, &form, &errors).await,
        Err(FormOutcome::Failed(e)) => Err(e),
    }
}

/// The shared product's policy for the EUO, with the acknowledgement.
pub async fn share_policy(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
) -> PageResult {
    let today = state.now().date();
    let view = scal_app::shares::get(&state.app, &session.actor, &id, today).await?;
    let policy = scal_app::use_policies::for_share(&state.app, &session.actor, &id, today).await?;
    let euo = session.user.role == scal_domain::user::Role::EuoMember;
    let acknowledged = |pid: &str| policy.acknowledgements.iter().find(|a| a.policy_id == pid);
    let content = html! {
        (back_link(&format!("/shares/{id}"), "Back to the product"))
        span class="nhsuk-caption-l" { (view.product) }
        h1 class="nhsuk-heading-xl" { "Acceptable use policy" }
        @if policy.current.is_none() && policy.upcoming.is_empty() {
            p class="nhsuk-body" { "The supplier has not published an acceptable use policy yet." }
        }
        @for v in policy.current.iter().chain(policy.upcoming.iter()) {
            h2 class="nhsuk-heading-m" { "Version " (v.sequence) ", in effect from " (v.effective_date) }
            div class="nhsuk-inset-text" { p class="scal-pre-line" { (v.text) } }
            p class="nhsuk-body-s" { "SHA-256 " code class="scal-id" { (v.sha256) } }
            @if let Some(a) = acknowledged(&v.id) {
                p class="nhsuk-body" { (tag("Acknowledged", "green")) " by " (a.acknowledged_by) " on " (date_time(a.acknowledged_at)) }
            } @else if euo {
                form method="post" action=(format!("/shares/{id}/use-policy")) novalidate {
                    (csrf(&session.csrf_token))
                    input type="hidden" name="policy_id" value=(v.id);
                    button class="nhsuk-button" type="submit" {
                        "Acknowledge version " (v.sequence) span class="nhsuk-u-visually-hidden" { " of the acceptable use policy" }
                    }
                }
            }
        }
    };
    Ok(page(
        "Acceptable use policy",
        &Chrome::signed_in(&session, Nav::Dashboard),
        false,
        content,
    )
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct AcknowledgeForm {
    #[serde(default)]
    policy_id: String,
}

pub async fn acknowledge(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(form): PageForm<AcknowledgeForm>,
) -> PageResult {
    scal_app::use_policies::acknowledge(&state.app, &session.actor, &id, &form.policy_id, state.now()).await?;
    Ok(done(&state, &format!("/shares/{id}"), Notice::UsePolicyAcknowledged))
}
