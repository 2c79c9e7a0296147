//! The page shell and form components, in the NHS.UK design system's markup (nhsuk-frontend 10).
//! Pages work without JavaScript: none is served.

use maud::{html, Markup, PreEscaped, DOCTYPE};
use scal_domain::user::Role;
use scal_domain::FieldError;

use crate::assets::Asset;
use crate::session::{CurrentSession, CSRF_FIELD};

pub const SERVICE_NAME: &str = "SCAL assurance";

/// Which navigation item is current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    None,
    Dashboard,
    Organisations,
    Products,
    Services,
    Templates,
    Tokens,
    Audit,
    Enquiries,
    Submissions,
    Notifications,
}

/// What every signed-in page needs from the session.
pub struct Chrome<'a> {
    pub session: Option<&'a CurrentSession>,
    pub nav: Nav,
}

impl<'a> Chrome<'a> {
    pub fn signed_in(session: &'a CurrentSession, nav: Nav) -> Self {
        Self {
            session: Some(session),
            nav,
        }
    }

    pub fn anonymous() -> Self {
        Self {
            session: None,
            nav: Nav::None,
        }
    }
}

fn nav_items(role: Role) -> Vec<(Nav, &'static str, &'static str)> {
    let mut items = vec![
        (Nav::Dashboard, "/", "Dashboard"),
        (Nav::Organisations, "/organisations", "Organisations"),
    ];
    if role != Role::EuoMember {
        items.push((Nav::Products, "/products", "Products"));
        items.push((Nav::Enquiries, "/enquiries", "Enquiries"));
    }
    if matches!(role, Role::NhseAdmin | Role::NhseReviewer) {
        items.push((Nav::Submissions, "/submissions", "Submissions"));
    }
    items.push((Nav::Services, "/services", "Services"));
    items.push((Nav::Templates, "/templates", "Templates"));
    items.push((Nav::Tokens, "/tokens", "API tokens"));
    if role == Role::NhseAdmin {
        items.push((Nav::Audit, "/audit", "Audit log"));
    }
    items.push((Nav::Notifications, "/notifications", "Notifications"));
    items
}

/// A full page. `has_errors` prefixes the title with "Error: " as the design system asks, so
/// screen reader users hear about the problem first.
pub fn page(title: &str, chrome: &Chrome<'_>, has_errors: bool, content: Markup) -> Markup {
    let full_title = format!("{}{title} - {SERVICE_NAME}", if has_errors { "Error: " } else { "" });
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (full_title) }
                link rel="stylesheet" href=(Asset::NhsukCss.url());
                link rel="stylesheet" href=(Asset::ScalCss.url());
            }
            body {
                a class="nhsuk-skip-link" href="#maincontent" { "Skip to main content" }
                (header(chrome))
                div class="nhsuk-width-container" {
                    main class="nhsuk-main-wrapper" id="maincontent" role="main" {
                        @if let Some(notice) = chrome.session.and_then(|s| s.notice) {
                            @let (heading, body) = notice.text();
                            @if notice.is_warning() {
                                div class="nhsuk-warning-callout" role="status" {
                                    h2 class="nhsuk-warning-callout__label" {
                                        span role="text" { span class="nhsuk-u-visually-hidden" { "Important: " } (heading) }
                                    }
                                    @if let Some(body) = body { p { (body) } }
                                }
                            } @else {
                                (success_banner(heading, body))
                            }
                        }
                        (content)
                    }
                }
                footer role="contentinfo" {
                    div class="nhsuk-footer" id="nhsuk-footer" {
                        div class="nhsuk-width-container" {
                            div class="nhsuk-footer__meta" {
                                p class="nhsuk-body-s" { "scal: Supplier Conformance Assessment List assurance. Open source." }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The NHS logo, as drawn by nhsuk-frontend's header.
pub const NHS_LOGO: &str = r#"<svg class="nhsuk-header__logo" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 80" height="40" width="100" focusable="false" role="img" aria-label="NHS"><title>NHS</title><path fill="currentcolor" d="M200 0v80H0V0h200Zm-27.5 5.5c-14.5 0-29 5-29 22 0 10.2 7.7 13.5 14.7 16.3l.7.3c5.4 2 10.1 3.9 10.1 8.4 0 6.5-8.5 7.5-14 7.5s-12.5-1.5-16-3.5L135 70c5.5 2 13.5 3.5 20 3.5 15.5 0 32-4.5 32-22.5 0-19.5-25.5-16.5-25.5-25.5 0-5.5 5.5-6.5 12.5-6.5a35 35 0 0 1 14.5 3l4-13.5c-4.5-2-12-3-20-3Zm-131 2h-22l-14 65H22l9-45h.5l13.5 45h21.5l14-65H64l-9 45h-.5l-13-45Zm63 0h-18l-13 65h17l6-28H117l-5.5 28H129l13.5-65H125L119.5 32h-20l5-24.5Z"></path></svg>"#;

fn header(chrome: &Chrome<'_>) -> Markup {
    html! {
        header class="nhsuk-header" role="banner" {
            div class="nhsuk-header__container nhsuk-width-container" {
                div class="nhsuk-header__service" {
                    a class="nhsuk-header__service-logo" href="/" aria-label="SCAL assurance homepage" {
                        (PreEscaped(NHS_LOGO))
                        span class="nhsuk-header__service-name" { (SERVICE_NAME) }
                    }
                }
                @if let Some(session) = chrome.session {
                    nav class="nhsuk-header__account" aria-label="Account" {
                        ul class="nhsuk-header__account-list" {
                            li class="nhsuk-header__account-item" {
                                a class="nhsuk-header__account-link" href="/account" {
                                    (session.user.name) " (" (session.user.role.label()) ")"
                                }
                            }
                            li class="nhsuk-header__account-item" {
                                form method="post" action="/logout" novalidate {
                                    (csrf(&session.csrf_token))
                                    button class="nhsuk-header__account-button" type="submit" { "Sign out" }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(session) = chrome.session {
                nav class="nhsuk-header__navigation" aria-label="Menu" {
                    div class="nhsuk-header__navigation-container nhsuk-width-container" {
                        ul class="nhsuk-header__navigation-list" {
                            @for (item, href, label) in nav_items(session.user.role) {
                                li class="nhsuk-header__navigation-item" {
                                    @let count = html! {
                                        @if item == Nav::Notifications && session.unread > 0 {
                                            " " span class="scal-count" { (session.unread) span class="nhsuk-u-visually-hidden" { " unread" } }
                                        }
                                    };
                                    @if item == chrome.nav {
                                        a class="nhsuk-header__navigation-link" href=(href) aria-current="page" { (label) (count) }
                                    } @else {
                                        a class="nhsuk-header__navigation-link" href=(href) { (label) (count) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A page that only says something went wrong; used for 403, 404, 413 and 500.
pub fn error_page(title: &str, message: &str, session: Option<&CurrentSession>) -> Markup {
    let chrome = match session {
        Some(session) => Chrome::signed_in(session, Nav::None),
        None => Chrome::anonymous(),
    };
    page(
        title,
        &chrome,
        false,
        html! {
            h1 class="nhsuk-heading-xl" { (title) }
            p class="nhsuk-body" { (message) }
            p class="nhsuk-body" { a href="/" { "Go to the dashboard" } }
        },
    )
}

/// The CSRF token's hidden field, masked afresh on every page (`secrets::mask`): compressed
/// pages must not repeat the same secret bytes (BREACH).
pub fn csrf(token: &str) -> Markup {
    let value = scal_app::secrets::mask(token).unwrap_or_else(|_| token.to_string());
    html! { input type="hidden" name=(CSRF_FIELD) value=(value); }
}

/// "There is a problem" at the top of a form, linking to each field.
pub fn error_summary(errors: &[FieldError]) -> Markup {
    html! {
        @if !errors.is_empty() {
            div class="nhsuk-error-summary" tabindex="-1" autofocus {
                div role="alert" {
                    h2 class="nhsuk-error-summary__heading" { "There is a problem" }
                    div class="nhsuk-error-summary__body" {
                        ul class="nhsuk-list nhsuk-error-summary__list" {
                            @for error in errors {
                                li { a href=(format!("#{}", error.field)) { (error.message) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn error_for<'e>(errors: &'e [FieldError], field: &str) -> Option<&'e str> {
    errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
}

/// Input options beyond name, label and value.
#[derive(Default, Clone, Copy)]
pub struct InputOptions<'a> {
    pub hint: Option<&'a str>,
    pub input_type: Option<&'a str>,
    pub autocomplete: Option<&'a str>,
    pub width_class: Option<&'a str>,
    pub spellcheck_off: bool,
}

pub fn text_input(name: &str, label: &str, value: &str, errors: &[FieldError], options: InputOptions<'_>) -> Markup {
    let error = error_for(errors, name);
    let hint_id = format!("{name}-hint");
    let error_id = format!("{name}-error");
    let described: Vec<&str> = [options.hint.map(|_| hint_id.as_str()), error.map(|_| error_id.as_str())]
        .into_iter()
        .flatten()
        .collect();
    let mut class = String::from("nhsuk-input");
    if let Some(width) = options.width_class {
        class.push(' ');
        class.push_str(width);
    }
    if error.is_some() {
        class.push_str(" nhsuk-input--error");
    }
    html! {
        div class={ "nhsuk-form-group" @if error.is_some() { " nhsuk-form-group--error" } } {
            label class="nhsuk-label" for=(name) { (label) }
            @if let Some(hint) = options.hint {
                div class="nhsuk-hint" id=(hint_id) { (hint) }
            }
            @if let Some(error) = error {
                span class="nhsuk-error-message" id=(error_id) {
                    span class="nhsuk-u-visually-hidden" { "Error:" } " " (error)
                }
            }
            input class=(class) id=(name) name=(name) type=(options.input_type.unwrap_or("text")) value=(value)
                aria-describedby=[(!described.is_empty()).then(|| described.join(" "))]
                autocomplete=[options.autocomplete]
                spellcheck=[options.spellcheck_off.then_some("false")];
        }
    }
}

pub fn textarea(name: &str, label: &str, value: &str, errors: &[FieldError], hint: Option<&str>) -> Markup {
    let error = error_for(errors, name);
    html! {
        div class={ "nhsuk-form-group" @if error.is_some() { " nhsuk-form-group--error" } } {
            label class="nhsuk-label" for=(name) { (label) }
            @if let Some(hint) = hint {
                div class="nhsuk-hint" id=(format!("{name}-hint")) { (hint) }
            }
            @if let Some(error) = error {
                span class="nhsuk-error-message" id=(format!("{name}-error")) {
                    span class="nhsuk-u-visually-hidden" { "Error:" } " " (error)
                }
            }
            textarea class={ "nhsuk-textarea" @if error.is_some() { " nhsuk-textarea--error" } } id=(name) name=(name) rows="5"
                aria-describedby=[described_by(name, hint.is_some(), error.is_some())] { (value) }
        }
    }
}

/// A drop-down. `options` are `(value, label)`.
pub fn select(
    name: &str,
    label: &str,
    options: &[(&str, &str)],
    selected: &str,
    errors: &[FieldError],
    hint: Option<&str>,
) -> Markup {
    let error = error_for(errors, name);
    html! {
        div class={ "nhsuk-form-group" @if error.is_some() { " nhsuk-form-group--error" } } {
            label class="nhsuk-label" for=(name) { (label) }
            @if let Some(hint) = hint {
                div class="nhsuk-hint" id=(format!("{name}-hint")) { (hint) }
            }
            @if let Some(error) = error {
                span class="nhsuk-error-message" id=(format!("{name}-error")) {
                    span class="nhsuk-u-visually-hidden" { "Error:" } " " (error)
                }
            }
            select class={ "nhsuk-select" @if error.is_some() { " nhsuk-select--error" } } id=(name) name=(name)
                aria-describedby=[described_by(name, hint.is_some(), error.is_some())] {
                @for (value, text) in options {
                    option value=(value) selected[*value == selected] { (text) }
                }
            }
        }
    }
}

/// The `aria-describedby` of a field: its hint and its error message, when it has them.
fn described_by(name: &str, hint: bool, error: bool) -> Option<String> {
    let ids: Vec<String> = [
        hint.then(|| format!("{name}-hint")),
        error.then(|| format!("{name}-error")),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!ids.is_empty()).then(|| ids.join(" "))
}

pub fn checkbox(name: &str, label: &str, checked: bool, errors: &[FieldError]) -> Markup {
    let error = error_for(errors, name);
    html! {
        div class={ "nhsuk-form-group" @if error.is_some() { " nhsuk-form-group--error" } } {
            @if let Some(error) = error {
                span class="nhsuk-error-message" id=(format!("{name}-error")) {
                    span class="nhsuk-u-visually-hidden" { "Error:" } " " (error)
                }
            }
            div class="nhsuk-checkboxes" {
                div class="nhsuk-checkboxes__item" {
                    input class="nhsuk-checkboxes__input" id=(name) name=(name) type="checkbox" value="true" checked[checked]
                        aria-describedby=[described_by(name, false, error.is_some())];
                    label class="nhsuk-label nhsuk-checkboxes__label" for=(name) { (label) }
                }
            }
        }
    }
}

/// Radio buttons in a fieldset whose legend is `legend`. `options` are `(value, label)`; the first
/// input carries the field's `id`, so the error summary's link lands on it.
pub fn radios(
    name: &str,
    legend: &str,
    options: &[(&str, &str)],
    selected: &str,
    errors: &[FieldError],
    hint: Option<&str>,
) -> Markup {
    let error = error_for(errors, name);
    html! {
        div class={ "nhsuk-form-group" @if error.is_some() { " nhsuk-form-group--error" } } {
            fieldset class="nhsuk-fieldset" aria-describedby=[described_by(name, hint.is_some(), error.is_some())] {
                legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s" { (legend) }
                @if let Some(hint) = hint {
                    div class="nhsuk-hint" id=(format!("{name}-hint")) { (hint) }
                }
                @if let Some(error) = error {
                    span class="nhsuk-error-message" id=(format!("{name}-error")) {
                        span class="nhsuk-u-visually-hidden" { "Error:" } " " (error)
                    }
                }
                div class="nhsuk-radios nhsuk-radios--inline" {
                    @for (i, (value, text)) in options.iter().enumerate() {
                        @let id = if i == 0 { name.to_string() } else { format!("{name}-{}", i + 1) };
                        div class="nhsuk-radios__item" {
                            input class="nhsuk-radios__input" id=(id) name=(name) type="radio" value=(value)
                                checked[*value == selected];
                            label class="nhsuk-label nhsuk-radios__label" for=(id) { (text) }
                        }
                    }
                }
            }
        }
    }
}

pub fn button(label: &str) -> Markup {
    html! { button class="nhsuk-button" type="submit" data-module="nhsuk-button" { (label) } }
}

/// How a table's caption shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caption {
    /// Read out by screen readers only (the heading above already says what the table is).
    Hidden,
    Shown,
    /// Shown, small: a table under its own heading.
    Small,
}

/// A table (`content` is its head and body) that, when wider than the screen, scrolls sideways
/// inside its own region rather than making the page scroll. The region is labelled with the
/// caption and focusable, so a keyboard user can scroll it too (axe's `scrollable-region-focusable`).
/// Every table goes through here, so none can widen a page.
pub fn data_table(caption: &str, style: Caption, content: Markup) -> Markup {
    let caption_class = match style {
        Caption::Hidden => "nhsuk-table__caption nhsuk-u-visually-hidden",
        Caption::Shown => "nhsuk-table__caption",
        Caption::Small => "nhsuk-table__caption nhsuk-table__caption--s",
    };
    html! {
        div class="scal-table" role="region" aria-label=(caption) tabindex="0" {
            table class="nhsuk-table" {
                caption class=(caption_class) { (caption) }
                (content)
            }
        }
    }
}

/// One row of a summary list: key, value, and an optional change link `(href, what changes)`.
pub type SummaryRow<'a> = (&'a str, Markup, Option<(&'a str, &'a str)>);

/// A summary list ("check your answers" pattern).
pub fn summary_list(rows: &[SummaryRow<'_>]) -> Markup {
    html! {
        dl class="nhsuk-summary-list" {
            @for (key, value, action) in rows {
                div class="nhsuk-summary-list__row" {
                    dt class="nhsuk-summary-list__key" { (key) }
                    dd class="nhsuk-summary-list__value" { (value) }
                    @if let Some((href, text)) = action {
                        dd class="nhsuk-summary-list__actions" {
                            a class="nhsuk-link" href=(href) { "Change" span class="nhsuk-u-visually-hidden" { " " (text) } }
                        }
                    }
                }
            }
        }
    }
}

pub fn back_link(href: &str, label: &str) -> Markup {
    html! {
        div class="nhsuk-back-link" {
            a class="nhsuk-back-link__link" href=(href) { (label) }
        }
    }
}

/// The success notification banner shown after an action (the page it redirects to picks the
/// message from a fixed list, so no text from the address is ever shown).
pub fn success_banner(heading: &str, body: Option<&str>) -> Markup {
    html! {
        div class="nhsuk-notification-banner nhsuk-notification-banner--success" role="alert"
            aria-labelledby="nhsuk-notification-banner-title" data-module="nhsuk-notification-banner" {
            div class="nhsuk-notification-banner__header" {
                h2 class="nhsuk-notification-banner__title" id="nhsuk-notification-banner-title" { "Success" }
            }
            div class="nhsuk-notification-banner__content" {
                p class="nhsuk-notification-banner__heading" { (heading) }
                @if let Some(body) = body { p class="nhsuk-body" { (body) } }
            }
        }
    }
}

/// The green "done" panel shown after a create, holding one-time information.
pub fn inset(content: Markup) -> Markup {
    html! { div class="nhsuk-inset-text" { span class="nhsuk-u-visually-hidden" { "Information: " } (content) } }
}

pub fn tag(text: &str, colour: &str) -> Markup {
    html! { strong class=(format!("nhsuk-tag nhsuk-tag--{colour}")) { (text) } }
}

/// "1 requirement", "2 requirements".
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A moment as people in England read it: "30 November 2026 at 7:00pm", in UK time (GMT or
/// BST as the date falls), as the NHS.UK style guide writes dates and times.
pub fn date_time(micros: i64) -> String {
    let zone = jiff::tz::TimeZone::get("Europe/London").unwrap_or(jiff::tz::TimeZone::UTC);
    let Ok(at) = jiff::Timestamp::from_microsecond(micros) else {
        return String::new();
    };
    let local = at.to_zoned(zone);
    let minute = local.minute();
    let hour = match local.hour() % 12 {
        0 => 12,
        h => h,
    };
    let half = if local.hour() < 12 { "am" } else { "pm" };
    format!("{} at {hour}:{minute:02}{half}", local.strftime("%-d %B %Y"))
}

#[cfg(test)]
mod tests {
    use super::date_time;

    fn micros(rfc3339: &str) -> i64 {
        rfc3339.parse::<jiff::Timestamp>().unwrap().as_microsecond()
    }

    #[test]
    fn times_read_in_uk_time_in_plain_english() {
        assert_eq!(date_time(micros("2026-11-30T19:00:00Z")), "30 November 2026 at 7:00pm");
        // Summer: BST is an hour ahead of UTC.
        assert_eq!(date_time(micros("2026-07-01T11:05:00Z")), "1 July 2026 at 12:05pm");
        assert_eq!(date_time(micros("2026-03-29T00:30:00Z")), "29 March 2026 at 12:30am");
        assert_eq!(date_time(micros("2026-03-29T01:30:00Z")), "29 March 2026 at 2:30am");
    }
}
