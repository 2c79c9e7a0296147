//! The signed-in user's API tokens.

use crate::extract::PageForm;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use scal_domain::FieldError;
use scal_store::TokenRecord;
use serde::Deserialize;

use super::layout::{
    button, csrf, data_table, date_time, error_summary, page, tag, text_input, Caption, Chrome, InputOptions, Nav,
};
use super::{done, form_page, FormOutcome};
use crate::notice::Notice;
use crate::session::{CurrentSession, PageActor};
use crate::{AppState, PageError};

type PageResult = Result<Response, PageError>;

#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
}

fn tokens_page(
    session: &CurrentSession,
    tokens: &[TokenRecord],
    name: &str,
    created: Option<&str>,
    errors: &[FieldError],
) -> Markup {
    let content = html! {
        (error_summary(errors))
        h1 class="nhsuk-heading-xl" { "API tokens" }
        @if let Some(secret) = created {
            div class="nhsuk-panel" {
                h2 class="nhsuk-panel__heading" { "Token created" }
                div class="nhsuk-panel__body" {
                    p { "Copy it now. It will not be shown again." }
                    p { code id="new-token" { (secret) } }
                }
            }
        }
        p class="nhsuk-body" {
            "Tokens let programs use the scal API as you. Send one as " code { "Authorization: Bearer <token>" } "."
        }
        form method="post" action="/tokens" novalidate {
            (csrf(&session.csrf_token))
            (text_input("name", "Token name", name, errors, InputOptions {
                hint: Some("What it is for, like \"CI pipeline\""), ..Default::default()
            }))
            (button("Create token"))
        }
        @if !tokens.is_empty() {
            (data_table("Your tokens", Caption::Shown, html! {
                thead class="nhsuk-table__head" {
                    tr class="nhsuk-table__row" {
                        th class="nhsuk-table__header" scope="col" { "Name" }
                        th class="nhsuk-table__header" scope="col" { "Starts with" }
                        th class="nhsuk-table__header" scope="col" { "Created" }
                        th class="nhsuk-table__header" scope="col" { "Last used" }
                        th class="nhsuk-table__header" scope="col" { "Status" }
                    }
                }
                tbody class="nhsuk-table__body" {
                    @for token in tokens {
                        tr class="nhsuk-table__row" {
                            td class="nhsuk-table__cell" { (token.name) }
                            td class="nhsuk-table__cell" { code { (token.prefix) } }
                            td class="nhsuk-table__cell" { (date_time(token.created_at)) }
                            td class="nhsuk-table__cell" { (token.last_used_at.map(date_time).unwrap_or_else(|| "Never".into())) }
                            td class="nhsuk-table__cell" {
                                @if token.revoked_at.is_some() {
                                    (tag("Revoked", "grey"))
                                } @else {
                                    form method="post" action=(format!("/tokens/{}/revoke", token.id)) novalidate {
                                        (csrf(&session.csrf_token))
                                        button class="nhsuk-button nhsuk-button--warning nhsuk-button--small" type="submit" {
                                            "Revoke" span class="nhsuk-u-visually-hidden" { " " (token.name) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }))
        }
    };
    page(
        "API tokens",
        &Chrome::signed_in(session, Nav::Tokens),
        !errors.is_empty(),
        content,
    )
}

pub async fn list(State(state): State<AppState>, PageActor(session): PageActor) -> PageResult {
    let tokens = scal_app::tokens::list(&state.app, &session.actor).await?;
    Ok(tokens_page(&session, &tokens, "", None, &[]).into_response())
}

/// Shows the new secret in the response body (not a redirect), so it never lands in a URL or
/// browser history.
pub async fn create(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    PageForm(form): PageForm<TokenForm>,
) -> PageResult {
    let result = scal_app::tokens::create(&state.app, &session.actor, &form.name, state.now())
        .await
        .map_err(FormOutcome::from);
    let tokens = scal_app::tokens::list(&state.app, &session.actor).await?;
    match result {
        Ok(created) => Ok(tokens_page(&session, &tokens, "", Some(&created.secret), &[]).into_response()),
        Err(FormOutcome::Errors(errors)) => Ok(form_page(
            tokens_page(&session, &tokens, &form.name, None, &errors),
            &errors,
        )),
        Err(FormOutcome::Failed(error)) => Err(error),
    }
}

pub async fn revoke(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
) -> PageResult {
    scal_app::tokens::revoke(&state.app, &session.actor, &id, state.now()).await?;
    Ok(done(&state, "/tokens", Notice::TokenRevoked))
}
