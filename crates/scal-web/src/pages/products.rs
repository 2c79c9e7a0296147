//! Suppliers' products.

use crate::extract::PageForm;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use scal_app::products::ProductInput;
use scal_domain::policy::{authorize, Action};
use scal_domain::product::DeviceClass;
use scal_domain::FieldError;
use scal_store::ProductRecord;

use super::layout::{
    back_link, button, csrf, data_table, error_summary, page, select, summary_list, text_input, textarea, Caption,
    Chrome, InputOptions, Nav,
};
use super::{done, form_page, FormOutcome};
use crate::notice::Notice;
use crate::session::{CurrentSession, PageActor};
use crate::{AppState, PageError};

type PageResult = Result<Response, PageError>;

pub async fn list(State(state): State<AppState>, PageActor(session): PageActor) -> PageResult {
    let products = scal_app::products::list(&state.app, &session.actor).await?;
    let can_create = authorize(&session.actor, Action::CreateProduct, None).is_ok();
    let content = html! {
        h1 class="nhsuk-heading-xl" { "Products" }
        @if can_create {
            a class="nhsuk-button" href="/products/new" { "Add a product" }
        }
        @if products.is_empty() {
            p class="nhsuk-body" { "There are no products to show." }
        } @else {
            (data_table("Products", Caption::Hidden, html! {
                thead class="nhsuk-table__head" {
                    tr class="nhsuk-table__row" {
                        th class="nhsuk-table__header" scope="col" { "Product" }
                        th class="nhsuk-table__header" scope="col" { "Version" }
                        th class="nhsuk-table__header" scope="col" { "Medical device" }
                    }
                }
                tbody class="nhsuk-table__body" {
                    @for product in &products {
                        tr class="nhsuk-table__row" {
                            td class="nhsuk-table__cell" { a href=(format!("/products/{}", product.id)) { (product.details.name) } }
                            td class="nhsuk-table__cell" { (product.details.version) }
                            td class="nhsuk-table__cell" { (device_label(product)) }
                        }
                    }
                }
            }))
        }
    };
    Ok(page("Products", &Chrome::signed_in(&session, Nav::Products), false, content).into_response())
}

fn device_label(product: &ProductRecord) -> String {
    match product.details.medical_device_class {
        Some(class) => format!("Class {}", class.as_str()),
        None => "Not a medical device".into(),
    }
}

fn product_form(
    session: &CurrentSession,
    action: &str,
    heading: &str,
    back: &str,
    input: &ProductInput,
    errors: &[FieldError],
) -> Markup {
    let classes: Vec<(&str, &str)> = [("", "Not a medical device")]
        .into_iter()
        .chain(DeviceClass::ALL.iter().map(|c| {
            (
                c.as_str(),
                match c {
                    DeviceClass::I => "Class I",
                    DeviceClass::IIa => "Class IIa",
                    DeviceClass::IIb => "Class IIb",
                    DeviceClass::III => "Class III",
                },
            )
        }))
        .collect();
    let content = html! {
        (back_link(back, "Back"))
        (error_summary(errors))
        h1 class="nhsuk-heading-xl" { (heading) }
        form method="post" action=(action) novalidate {
            (csrf(&session.csrf_token))
            (text_input("name", "Product name", &input.name, errors, InputOptions::default()))
            (text_input("version", "Version", &input.version, errors, InputOptions {
                width_class: Some("nhsuk-input--width-10"), ..Default::default()
            }))
            (textarea("description", "Description (optional)", &input.description, errors, Some("What the product does and who uses it")))
            (select("medical_device_class", "Medical device class", &classes, &input.medical_device_class, errors,
                Some("Under the UK Medical Devices Regulations")))
            (button("Save product"))
        }
    };
    page(
        heading,
        &Chrome::signed_in(session, Nav::Products),
        !errors.is_empty(),
        content,
    )
}

pub async fn new_form(PageActor(session): PageActor) -> PageResult {
    authorize(&session.actor, Action::CreateProduct, None).map_err(scal_app::AppError::from)?;
    Ok(product_form(
        &session,
        "/products",
        "Add a product",
        "/products",
        &ProductInput::default(),
        &[],
    )
    .into_response())
}

pub async fn create(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    PageForm(input): PageForm<ProductInput>,
) -> PageResult {
    match scal_app::products::create(&state.app, &session.actor, &input, state.now())
        .await
        .map_err(FormOutcome::from)
    {
        Ok(product) => Ok(done(&state, &format!("/products/{}", product.id), Notice::ProductSaved)),
        Err(FormOutcome::Errors(errors)) => Ok(form_page(
            product_form(&session, "/products", "Add a product", "/products", &input, &errors),
            &errors,
        )),
        Err(FormOutcome::Failed(error)) => Err(error),
    }
}

pub async fn show(State(state): State<AppState>, PageActor(session): PageActor, Path(id): Path<String>) -> PageResult {
    let product = scal_app::products::get(&state.app, &session.actor, &id).await?;
    let org = scal_app::organisations::get(&state.app, &session.actor, &product.org_id).await?;
    let can_edit = authorize(&session.actor, Action::EditProduct, Some(&product.org_id)).is_ok();
    let edit = format!("/products/{}/edit", product.id);
    let change = |what| can_edit.then_some((edit.as_str(), what));
    let d = &product.details;
    let scal = super::scals::section(&state, &session, &product.id, &product.org_id).await?;
    let content = html! {
        (back_link("/products", "Back to products"))
        h1 class="nhsuk-heading-xl" { (d.name) " " (d.version) }
        (summary_list(&[
            ("Supplier", html! { a href=(format!("/organisations/{}", org.id)) { (org.name) } }, None),
            ("Product name", html! { (d.name) }, change("product name")),
            ("Version", html! { (d.version) }, change("version")),
            ("Description", html! { @if d.description.is_empty() { "None given" } @else { (d.description) } }, change("description")),
            ("Medical device", html! { (device_label(&product)) }, change("medical device class")),
        ]))
        (scal)
        h2 class="nhsuk-heading-l" { "Sharing and deployments" }
        p class="nhsuk-body" {
            a href=(format!("/products/{}/shares", product.id)) { "Where the accepted SCAL is shared and deployed" }
            ", and the product's acceptable use policy"
        }
    };
    Ok(page(
        &format!("{} {}", d.name, d.version),
        &Chrome::signed_in(&session, Nav::Products),
        false,
        content,
    )
    .into_response())
}

async fn editable(state: &AppState, session: &CurrentSession, id: &str) -> Result<ProductRecord, PageError> {
    let product = scal_app::products::get(&state.app, &session.actor, id).await?;
    authorize(&session.actor, Action::EditProduct, Some(&product.org_id)).map_err(scal_app::AppError::from)?;
    Ok(product)
}

pub async fn edit_form(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
) -> PageResult {
    let product = editable(&state, &session, &id).await?;
    let action = format!("/products/{id}/edit");
    let back = format!("/products/{id}");
    Ok(product_form(
        &session,
        &action,
        "Change product",
        &back,
        &ProductInput::from_record(&product),
        &[],
    )
    .into_response())
}

pub async fn edit(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(input): PageForm<ProductInput>,
) -> PageResult {
    match scal_app::products::update(&state.app, &session.actor, &id, &(&input).into(), state.now())
        .await
        .map_err(FormOutcome::from)
    {
        Ok(product) => Ok(done(&state, &format!("/products/{}", product.id), Notice::ProductSaved)),
        Err(FormOutcome::Errors(errors)) => {
            let action = format!("/products/{id}/edit");
            let back = format!("/products/{id}");
            Ok(form_page(
                product_form(&session, &action, "Change product", &back, &input, &errors),
                &errors,
            ))
        }
        Err(FormOutcome::Failed(error)) => Err(error),
    }
}
