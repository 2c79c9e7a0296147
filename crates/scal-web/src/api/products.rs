use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use scal_app::products::{ProductChanges, ProductInput};

use super::{ApiActor, ProductIn, ProductOut, ProductPatch};
use crate::error::ErrorBody;
use crate::extract::ApiJson;
use crate::{ApiError, AppState};

/// Products the caller can see.
#[utoipa::path(get, path = "/api/v1/products", tag = "products", security(("bearer" = [])),
    responses((status = 200, body = Vec<ProductOut>), (status = 401, body = ErrorBody)))]
pub async fn list_products(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<ProductOut>>, ApiError> {
    let products = scal_app::products::list(&state.app, &actor).await?;
    Ok(Json(products.into_iter().map(Into::into).collect()))
}

/// Creates a product in the caller's organisation (supplier users).
#[utoipa::path(post, path = "/api/v1/products", tag = "products", security(("bearer" = [])),
    request_body = ProductIn,
    responses((status = 201, body = ProductOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_product(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<ProductIn>,
) -> Result<(StatusCode, Json<ProductOut>), ApiError> {
    exact_class(body.medical_device_class.as_ref())?;
    let input = ProductInput {
        name: body.name.into(),
        version: body.version.into(),
        description: body.description.into(),
        medical_device_class: body.medical_device_class.map(String::from).unwrap_or_default(),
    };
    let product = scal_app::products::create(&state.app, &actor, &input, state.now()).await?;
    Ok((StatusCode::CREATED, Json(product.into())))
}

#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "products", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Product ID")),
    responses((status = 200, body = ProductOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_product(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<ProductOut>, ApiError> {
    Ok(Json(scal_app::products::get(&state.app, &actor, &id).await?.into()))
}

/// Changes some of a product's fields.
#[utoipa::path(patch, path = "/api/v1/products/{id}", tag = "products", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Product ID")), request_body = ProductPatch,
    responses((status = 200, body = ProductOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_product(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ProductPatch>,
) -> Result<Json<ProductOut>, ApiError> {
    exact_class(body.medical_device_class.as_ref().and_then(Option::as_ref))?;
    let changes = ProductChanges {
        name: body.name.map(Into::into),
        version: body.version.map(Into::into),
        description: body.description.map(Into::into),
        medical_device_class: body
            .medical_device_class
            .map(|class| class.map(String::from).unwrap_or_default()),
    };
    Ok(Json(
        scal_app::products::update(&state.app, &actor, &id, &changes, state.now())
            .await?
            .into(),
    ))
}

/// The API takes a medical device class as the document lists it, or null for none. (The pages'
/// radios send an empty value for none, and the domain reads a class in any case, for people.)
fn exact_class(class: Option<&super::wire::DeviceClass>) -> Result<(), scal_app::AppError> {
    match class {
        Some(class)
            if !scal_domain::product::DeviceClass::ALL
                .iter()
                .any(|c| c.as_str() == &**class) =>
        {
            Err(scal_app::AppError::invalid(
                "medical_device_class",
                "Medical device class must be I, IIa, IIb or III, or null when the product is not a medical device",
            ))
        }
        _ => Ok(()),
    }
}
