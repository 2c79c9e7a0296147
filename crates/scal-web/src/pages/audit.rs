//! Browsing the audit log (NHS England administrators).

use crate::extract::PageQuery;
use axum::extract::State;
use axum::response::Response;
use maud::html;
use scal_app::audit::AuditSearch;
use scal_app::AppError;
use scal_domain::FieldError;

use super::form_page;
use super::layout::{
    button, data_table, date_time, error_summary, page, select, text_input, Caption, Chrome, InputOptions, Nav,
};
use crate::session::PageActor;
use crate::{AppState, PageError};

pub async fn list(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    PageQuery(search): PageQuery<AuditSearch>,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let kinds = scal_app::audit::kinds(&state.app, actor).await?;
    let orgs = scal_app::organisations::list(&state.app, actor).await?;
    let (entries, errors): (Vec<_>, Vec<FieldError>) = match scal_app::audit::search(&state.app, actor, &search).await {
        Ok(entries) => (entries, Vec::new()),
        Err(AppError::Invalid(invalid)) => (Vec::new(), invalid.0),
        Err(other) => return Err(other.into()),
    };
    let org_options: Vec<(&str, &str)> = [("", "Any organisation")]
        .into_iter()
        .chain(orgs.iter().map(|o| (o.id.as_str(), o.name.as_str())))
        .collect();
    let kind_options: Vec<(&str, &str)> = [
        ("", "Any change"),
        (
            scal_domain::audit::SECURITY_EVENTS,
            "Security events (sign-ins, passwords, API tokens)",
        ),
    ]
    .into_iter()
    .chain(kinds.iter().map(|k| (k.as_str(), k.as_str())))
    .collect();
    let org_name = |id: &Option<String>| {
        id.as_deref()
            .and_then(|id| orgs.iter().find(|o| o.id == id))
            .map(|o| o.name.clone())
            .unwrap_or_default()
    };
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let older = entries
        .last()
        .filter(|_| entries.len() as i64 >= search.limit.unwrap_or(100))
        .map(|last| {
            let mut query = vec![("before_seq".to_string(), last.seq.to_string())];
            for (key, v) in [
                ("organisation_id", &search.organisation_id),
                ("user_id", &search.user_id),
                ("kind", &search.kind),
                ("from", &search.from),
                ("to", &search.to),
            ] {
                if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                    query.push((key.to_string(), v.to_string()));
                }
            }
            let query: Vec<String> = query
                .iter()
                .map(|(k, v)| format!("{k}={}", urlencoding::encode(v)))
                .collect();
            format!("/audit?{}", query.join("&"))
        });
    let content = html! {
        (error_summary(&errors))
        h1 class="nhsuk-heading-xl" { "Audit log" }
        p class="nhsuk-body" { "Every change to assurance data, newest first. Entries are hash-chained; run " code { "scal audit verify" } " to check nothing was altered." }
        form method="get" action="/audit" novalidate {
            div class="nhsuk-grid-row" {
                div class="nhsuk-grid-column-one-half" {
                    (select("organisation_id", "Organisation", &org_options, &value(&search.organisation_id), &errors, None))
                    (select("kind", "Change", &kind_options, &value(&search.kind), &errors, None))
                    (text_input("user_id", "User ID", &value(&search.user_id), &errors, InputOptions {
                        hint: Some("Select a user in the table to filter by them"), spellcheck_off: true, ..Default::default()
                    }))
                }
                div class="nhsuk-grid-column-one-half" {
                    (text_input("from", "From date", &value(&search.from), &errors, InputOptions {
                        hint: Some("YYYY-MM-DD, like 2026-06-30"), width_class: Some("nhsuk-input--width-10"), ..Default::default()
                    }))
                    (text_input("to", "To date", &value(&search.to), &errors, InputOptions {
                        hint: Some("YYYY-MM-DD, inclusive"), width_class: Some("nhsuk-input--width-10"), ..Default::default()
                    }))
                }
            }
            (button("Filter"))
        }
        @if entries.is_empty() {
            p class="nhsuk-body" { "No entries match." }
        } @else {
            (data_table("Audit entries", Caption::Hidden, html! {
                thead class="nhsuk-table__head" {
                    tr class="nhsuk-table__row" {
                        th class="nhsuk-table__header" scope="col" { "#" }
                        th class="nhsuk-table__header" scope="col" { "When" }
                        th class="nhsuk-table__header" scope="col" { "Who" }
                        th class="nhsuk-table__header" scope="col" { "Change" }
                        th class="nhsuk-table__header" scope="col" { "Organisation" }
                        th class="nhsuk-table__header" scope="col" { "Details" }
                    }
                }
                tbody class="nhsuk-table__body" {
                    @for entry in &entries {
                        tr class="nhsuk-table__row" {
                            td class="nhsuk-table__cell" { (entry.seq) }
                            td class="nhsuk-table__cell" { (date_time(entry.at)) }
                            td class="nhsuk-table__cell" {
                                @if let Some(user) = &entry.actor_user_id {
                                    a href=(format!("/audit?user_id={}", urlencoding::encode(user))) { (entry.actor_label) }
                                } @else { (entry.actor_label) }
                            }
                            td class="nhsuk-table__cell" { code { (entry.kind) } }
                            td class="nhsuk-table__cell" { (org_name(&entry.org_id)) }
                            td class="nhsuk-table__cell" {
                                details class="nhsuk-details" {
                                    summary class="nhsuk-details__summary" {
                                        span class="nhsuk-details__summary-text" { "Before and after" span class="nhsuk-u-visually-hidden" { " for entry " (entry.seq) } }
                                    }
                                    div class="nhsuk-details__text" {
                                        pre class="scal-json" { "Before: " (entry.before.as_ref().map(|v| v.to_string()).unwrap_or_else(|| "none".into())) }
                                        pre class="scal-json" { "After: " (entry.after.as_ref().map(|v| v.to_string()).unwrap_or_else(|| "none".into())) }
                                    }
                                }
                            }
                        }
                    }
                }
            }))
            @if let Some(href) = older {
                p class="nhsuk-body" { a href=(href) { "Older entries" } }
            }
        }
    };
    Ok(form_page(
        page(
            "Audit log",
            &Chrome::signed_in(&session, Nav::Audit),
            !errors.is_empty(),
            content,
        ),
        &errors,
    ))
}
