use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::html;
use scal_domain::organisation::OrgKind;

use super::layout::{page, Chrome, Nav};
use crate::session::PageActor;
use crate::{AppState, PageError};

/// What each kind of user does first.
pub async fn show(State(state): State<AppState>, PageActor(session): PageActor) -> Response {
    match render(&state, &session).await {
        Ok(markup) => markup.into_response(),
        Err(error) => PageError::from(error).into_response(),
    }
}

async fn render(state: &AppState, session: &crate::session::CurrentSession) -> scal_app::Result<maud::Markup> {
    let actor = &session.actor;
    let org = scal_app::organisations::get(&state.app, actor, &session.user.org_id).await?;
    let content = match org.kind {
        OrgKind::Supplier => {
            let products = scal_app::products::list(&state.app, actor).await?;
            html! {
                h1 class="nhsuk-heading-xl" { "Your products" }
                p class="nhsuk-body-l" { (org.name) " (ODS " (org.ods_code) ")" }
                @if products.is_empty() {
                    p class="nhsuk-body" { "You have not added a product yet. Add the product you want to connect to NHS services." }
                } @else {
                    ul class="nhsuk-list nhsuk-list--bullet" {
                        @for product in &products {
                            li { a href=(format!("/products/{}", product.id)) { (product.details.name) " " (product.details.version) } }
                        }
                    }
                }
                a class="nhsuk-button" href="/products/new" { "Add a product" }
            }
        }
        OrgKind::Nhse => {
            let orgs = scal_app::organisations::list(&state.app, actor).await?;
            let products = scal_app::products::list(&state.app, actor).await?;
            let suppliers = orgs.iter().filter(|o| o.kind == OrgKind::Supplier).count();
            html! {
                h1 class="nhsuk-heading-xl" { "NHS England assurance" }
                div class="nhsuk-grid-row" {
                    div class="nhsuk-grid-column-one-half" {
                        div class="nhsuk-card" {
                            div class="nhsuk-card__content" {
                                h2 class="nhsuk-card__heading nhsuk-heading-m" { a href="/organisations" { (suppliers) " supplier organisations" } }
                                p class="nhsuk-card__description" { (orgs.len()) " organisations in all" }
                            }
                        }
                    }
                    div class="nhsuk-grid-column-one-half" {
                        div class="nhsuk-card" {
                            div class="nhsuk-card__content" {
                                h2 class="nhsuk-card__heading nhsuk-heading-m" { a href="/products" { (products.len()) " products" } }
                                p class="nhsuk-card__description" { "Registered by suppliers" }
                            }
                        }
                    }
                }
            }
        }
        OrgKind::Euo => html! {
            h1 class="nhsuk-heading-xl" { "Assured products" }
            p class="nhsuk-body-l" { (org.name) " (ODS " (org.ods_code) ")" }
            p class="nhsuk-body" {
                "No accepted SCALs have been shared with your organisation yet. When a supplier's product you deploy is \
                 assured, its SCAL will appear here for your local assurance."
            }
        },
    };
    Ok(page(
        "Dashboard",
        &Chrome::signed_in(session, Nav::Dashboard),
        false,
        content,
    ))
}
