use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::html;
use scal_domain::organisation::OrgKind;

use super::layout::{data_table, page, Caption, Chrome, Nav};
use super::onboarding::{scal_status_tag, state_tag};
use crate::session::PageActor;
use crate::{AppState, PageError};
use scal_domain::onboarding::{next_step, Step};
use scal_domain::status::ScalStatus;

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
            // A product with a request waiting is not offered "Ask" again: NHS England has it.
            let open_enquiries: Vec<_> = scal_app::enquiries::list(&state.app, actor)
                .await?
                .into_iter()
                .filter(|e| e.status == "open")
                .collect();
            let waiting = |product_id: &str| open_enquiries.iter().find(|e| e.product_id == product_id);
            let mut rows = Vec::new();
            for product in &products {
                let scal_id = scal_app::scals::sheets(&state.app, actor, &product.id)
                    .await?
                    .first()
                    .map(|s| s.record.scal_id.clone());
                let (status, cases) = match &scal_id {
                    Some(id) => {
                        let overview = scal_app::cases::overview(&state.app, actor, id, state.now()).await?;
                        (Some(overview.status), overview.cases)
                    }
                    None => (None, Vec::new()),
                };
                rows.push((product, scal_id, status, cases));
            }
            html! {
                h1 class="nhsuk-heading-xl" { "Your products" }
                p class="nhsuk-body-l" { (org.name) " (ODS " (org.ods_code) ")" }
                @if products.is_empty() {
                    p class="nhsuk-body" { "You have not added a product yet. Add the product you want to connect to NHS services." }
                } @else {
                    (data_table("Your products and their onboarding", Caption::Hidden, html! {
                        thead class="nhsuk-table__head" {
                            tr class="nhsuk-table__row" {
                                th class="nhsuk-table__header" scope="col" { "Product" }
                                th class="nhsuk-table__header" scope="col" { "SCAL" }
                                th class="nhsuk-table__header" scope="col" { "Services and next step" }
                            }
                        }
                        tbody class="nhsuk-table__body" {
                            @for (product, scal_id, status, cases) in &rows {
                                tr class="nhsuk-table__row" {
                                    td class="nhsuk-table__cell" {
                                        a href=(format!("/products/{}", product.id)) { (product.details.name) " " (product.details.version) }
                                    }
                                    td class="nhsuk-table__cell" {
                                        @if let Some(id) = scal_id {
                                            a href=(format!("/scals/{id}")) { "Open the SCAL" span class="nhsuk-u-visually-hidden" { " for " (product.details.name) } }
                                            @if let Some(status) = status {
                                                br;
                                                (scal_status_tag(status))
                                            }
                                        } @else {
                                            "Not issued yet"
                                        }
                                    }
                                    td class="nhsuk-table__cell" {
                                        // A SCAL already under way that waits on a request for another service.
                                        @if let (false, Some(enquiry)) = (cases.is_empty(), waiting(&product.id)) {
                                            p class="nhsuk-body nhsuk-u-margin-bottom-1" {
                                                "Waiting for NHS England to issue " (enquiry.services.join(", ")) ": "
                                                a href=(format!("/enquiries/{}", enquiry.id)) { "view your request" span class="nhsuk-u-visually-hidden" { " for " (product.details.name) } }
                                            }
                                        }
                                        @if cases.is_empty() {
                                            @if let Some(enquiry) = waiting(&product.id) {
                                                p class="nhsuk-body nhsuk-u-margin-bottom-1" { "Waiting for NHS England to issue the SCAL" }
                                                a href=(format!("/enquiries/{}", enquiry.id)) { "View your request" span class="nhsuk-u-visually-hidden" { " for " (product.details.name) } }
                                            } @else if scal_id.is_none() {
                                                a href=(format!("/enquiries/new?product={}", product.id)) { "Ask for a SCAL" span class="nhsuk-u-visually-hidden" { " for " (product.details.name) } }
                                            }
                                        } @else if let Some(ScalStatus::WithNhsEngland { .. }) = status {
                                            "NHS England is reviewing it: nothing to do until they reply."
                                        } @else if let Some(ScalStatus::Returned { reason, .. }) = status {
                                            p class="nhsuk-body nhsuk-u-margin-bottom-1" {
                                                "NHS England asked for changes"
                                                @if let Some(reason) = reason { ": " span class="scal-pre-line" { (reason) } }
                                            }
                                            @if let Some(id) = scal_id {
                                                a href=(format!("/scals/{id}")) { "Make the changes and submit again" span class="nhsuk-u-visually-hidden" { " for " (product.details.name) } }
                                            }
                                        } @else if let (Some(ScalStatus::ReadyToSubmit), Some(id)) = (status, scal_id) {
                                            a href=(format!("/scals/{id}/submit")) { "Check your answers and submit" span class="nhsuk-u-visually-hidden" { " for " (product.details.name) } }
                                        } @else {
                                            ul class="nhsuk-list nhsuk-u-margin-bottom-0" {
                                                @for case in cases {
                                                    li {
                                                        strong { (case.service.name) } ": "
                                                        @match next_step(&case.steps) {
                                                            Some(step) if step.step != Step::Submission => { "step " (step.step.number()) ", " (step.step.name()) " " (state_tag(step.state)) }
                                                            _ => { "every step done" }
                                                        }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }))
                }
                a class="nhsuk-button" href="/products/new" { "Add a product" }
                " "
                a class="nhsuk-button nhsuk-button--secondary" href="/enquiries/new" { "Ask for a SCAL" }
            }
        }
        OrgKind::Nhse => {
            let orgs = scal_app::organisations::list(&state.app, actor).await?;
            let products = scal_app::products::list(&state.app, actor).await?;
            let suppliers = orgs.iter().filter(|o| o.kind == OrgKind::Supplier).count();
            // What is waiting for NHS England today: requests to issue, rounds to review.
            let enquiries = scal_app::enquiries::list(&state.app, actor)
                .await?
                .into_iter()
                .filter(|e| e.status == "open")
                .count();
            let waiting = scal_app::submissions::list(&state.app, actor, Some("submitted"))
                .await?
                .len();
            let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
            html! {
                h1 class="nhsuk-heading-xl" { "NHS England assurance" }
                div class="nhsuk-grid-row" {
                    div class="nhsuk-grid-column-one-half" {
                        div class="nhsuk-card nhsuk-card--clickable" {
                            div class="nhsuk-card__content" {
                                h2 class="nhsuk-card__heading nhsuk-heading-m" {
                                    a class="nhsuk-card__link" href="/enquiries" { (plural(enquiries, "request", "requests")) " waiting to be issued" }
                                }
                                p class="nhsuk-card__description" { "Suppliers asking for a SCAL" }
                            }
                        }
                    }
                    div class="nhsuk-grid-column-one-half" {
                        div class="nhsuk-card nhsuk-card--clickable" {
                            div class="nhsuk-card__content" {
                                h2 class="nhsuk-card__heading nhsuk-heading-m" {
                                    a class="nhsuk-card__link" href="/submissions" { (plural(waiting, "SCAL", "SCALs")) " waiting for review" }
                                }
                                p class="nhsuk-card__description" { "Submitted by suppliers" }
                            }
                        }
                    }
                }
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
                p class="nhsuk-body" { a href="/agreement-versions" { "Connection agreement versions" } }
                p class="nhsuk-body" { a href="/shares" { "Accepted SCALs shared with end user organisations" } }
            }
        }
        OrgKind::Euo => {
            let today = state.now().date();
            let shares = scal_app::shares::list(&state.app, actor, today).await?;
            let mut rows = Vec::new();
            for share in &shares {
                let local = scal_app::local_assurance::get(&state.app, actor, &share.record.id, today).await?;
                let policy = scal_app::use_policies::for_share(&state.app, actor, &share.record.id, today).await?;
                rows.push((share, local, policy));
            }
            html! {
                h1 class="nhsuk-heading-xl" { "Assured products" }
                p class="nhsuk-body-l" { (org.name) " (ODS " (org.ods_code) ")" }
                @if shares.is_empty() {
                    p class="nhsuk-body" {
                        "No accepted SCALs have been shared with your organisation yet. When a supplier's product you deploy is \
                         assured, its SCAL will appear here for your local assurance."
                    }
                } @else {
                    (data_table("Products shared with your organisation", Caption::Hidden, html! {
                        thead class="nhsuk-table__head" {
                            tr class="nhsuk-table__row" {
                                th class="nhsuk-table__header" scope="col" { "Product" }
                                th class="nhsuk-table__header" scope="col" { "Certificate" }
                                th class="nhsuk-table__header" scope="col" { "Acceptable use policy" }
                                th class="nhsuk-table__header" scope="col" { "Local decision" }
                                th class="nhsuk-table__header" scope="col" { "Next action" }
                            }
                        }
                        tbody class="nhsuk-table__body" {
                            @for (share, local, policy) in &rows {
                                tr class="nhsuk-table__row" {
                                    td class="nhsuk-table__cell" {
                                        a href=(format!("/shares/{}", share.record.id)) { (share.product) }
                                        br; span class="nhsuk-body-s" { (share.supplier) }
                                    }
                                    td class="nhsuk-table__cell" {
                                        @match &share.certificate {
                                            Some(c) => { (c.number) br; (super::shares::certificate_tag(c)) },
                                            None => "None",
                                        }
                                    }
                                    td class="nhsuk-table__cell" {
                                        @if policy.current.is_none() { "None in effect" }
                                        @else if policy.current_acknowledged { (super::layout::tag("Acknowledged", "green")) }
                                        @else { (super::layout::tag("Not acknowledged", "yellow")) }
                                    }
                                    td class="nhsuk-table__cell" {
                                        @match local.decision {
                                            Some(d) => { (d.label()) @if let Some(on) = &local.record.go_live_on { br; "Live from " (on) } },
                                            None => "Not decided",
                                        }
                                    }
                                    td class="nhsuk-table__cell" {
                                        @if local.next_action == scal_domain::local_assurance::NextAction::None { "None" }
                                        @else {
                                            a href=(format!("/shares/{}", share.record.id)) {
                                                (local.next_action.label()) span class="nhsuk-u-visually-hidden" { " for " (share.product) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }))
                }
            }
        }
    };
    let upcoming = scal_app::jobs::upcoming(&state.app, actor, state.now().date()).await?;
    let content = html! {
        (content)
        (upcoming_section(&upcoming, state.now().date()))
    };
    Ok(page(
        "Dashboard",
        &Chrome::signed_in(session, Nav::Dashboard),
        false,
        content,
    ))
}

/// What falls due for this user in the next 30 days, and what is overdue: the reminders' own
/// dates (`scal_app::jobs::upcoming`).
fn upcoming_section(items: &[scal_app::jobs::UpcomingItem], today: time::Date) -> maud::Markup {
    html! {
        h2 class="nhsuk-heading-l nhsuk-u-margin-top-6" id="upcoming" { "Coming up in the next 30 days" }
        @if items.is_empty() {
            p class="nhsuk-body" { "Nothing falls due for you in the next 30 days." }
        } @else {
            (data_table("Coming up in the next 30 days, and what is overdue", Caption::Hidden, html! {
                thead class="nhsuk-table__head" {
                    tr class="nhsuk-table__row" {
                        th class="nhsuk-table__header" scope="col" { "Date" }
                        th class="nhsuk-table__header" scope="col" { "What" }
                        th class="nhsuk-table__header" scope="col" { "Status" }
                    }
                }
                tbody class="nhsuk-table__body" {
                    @for item in items {
                        tr class="nhsuk-table__row" {
                            td class="nhsuk-table__cell" { (item.on) }
                            td class="nhsuk-table__cell" { a href=(item.link) { (item.what) } }
                            td class="nhsuk-table__cell" {
                                @if item.overdue {
                                    @if item.kind == "dspt" { (super::layout::tag("At risk", "red")) }
                                    @else { (super::layout::tag("Overdue", "red")) }
                                } @else if item.on == today {
                                    (super::layout::tag("Due today", "orange"))
                                } @else {
                                    @let days = (item.on - today).whole_days();
                                    (super::layout::tag(&format!("In {days} day{}", if days == 1 { "" } else { "s" }), "blue"))
                                }
                            }
                        }
                    }
                }
            }))
        }
    }
}
