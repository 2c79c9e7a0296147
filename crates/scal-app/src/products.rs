use scal_domain::policy::{authorize, Action, Actor, Denied};
use scal_domain::product::ProductDetails;
use scal_store::records::products;
use scal_store::ProductRecord;
use time::OffsetDateTime;

use crate::{audit_entry, micros, new_id, to_json, App, AppError, Result};

/// Products the actor can see: NHS England all, a supplier its own. End user organisations see
/// the products shared with them, and nothing is shared until accepted SCALs exist.
pub async fn list(app: &App, actor: &Actor) -> Result<Vec<ProductRecord>> {
    match authorize(actor, Action::ReadProducts, None) {
        Ok(()) => {}
        Err(Denied::Forbidden) => return Ok(Vec::new()),
        Err(denied) => return Err(denied.into()),
    }
    let only = if actor.is_nhse() {
        None
    } else {
        actor.org_id()
    };
    Ok(products::list(app.store.pool(), only).await?)
}

pub async fn get(app: &App, actor: &Actor, id: &str) -> Result<ProductRecord> {
    let product = products::get(app.store.pool(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    // Hidden, not forbidden: a product the actor cannot read does not exist for them.
    authorize(actor, Action::ReadProducts, Some(&product.org_id))
        .map_err(|_| AppError::NotFound)?;
    Ok(product)
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ProductInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub medical_device_class: String,
}

impl ProductInput {
    pub fn from_record(product: &ProductRecord) -> Self {
        let d = &product.details;
        Self {
            name: d.name.clone(),
            version: d.version.clone(),
            description: d.description.clone(),
            medical_device_class: d
                .medical_device_class
                .map(|c| c.as_str().to_string())
                .unwrap_or_default(),
        }
    }

    fn parse(&self) -> Result<ProductDetails> {
        Ok(ProductDetails::parse(
            &self.name,
            &self.version,
            &self.description,
            &self.medical_device_class,
        )?)
    }
}

/// Creates a product in the actor's own organisation.
pub async fn create(
    app: &App,
    actor: &Actor,
    input: &ProductInput,
    now: OffsetDateTime,
) -> Result<ProductRecord> {
    authorize(actor, Action::CreateProduct, None)?;
    let org_id = actor.org_id().ok_or(AppError::Forbidden)?.to_string();
    let details = input.parse()?;
    let mut tx = app.store.begin().await?;
    refuse_duplicate(&mut tx, &org_id, &details, None).await?;
    let product = ProductRecord {
        id: new_id(),
        org_id,
        details,
        created_at: micros(now),
        updated_at: micros(now),
    };
    products::insert(tx.conn(), &product).await?;
    tx.audit(audit_entry(
        actor,
        now,
        "product.created",
        Some(&product.org_id),
        &product.id,
        None,
        to_json(&product),
    ))
    .await?;
    tx.commit().await?;
    Ok(product)
}

pub async fn update(
    app: &App,
    actor: &Actor,
    id: &str,
    input: &ProductInput,
    now: OffsetDateTime,
) -> Result<ProductRecord> {
    let before = get(app, actor, id).await?;
    authorize(actor, Action::EditProduct, Some(&before.org_id))?;
    let details = input.parse()?;
    let mut tx = app.store.begin().await?;
    refuse_duplicate(&mut tx, &before.org_id, &details, Some(id)).await?;
    products::update(tx.conn(), id, &details, micros(now)).await?;
    let after = ProductRecord {
        details,
        updated_at: micros(now),
        ..before.clone()
    };
    tx.audit(audit_entry(
        actor,
        now,
        "product.updated",
        Some(&after.org_id),
        id,
        to_json(&before),
        to_json(&after),
    ))
    .await?;
    tx.commit().await?;
    Ok(after)
}

async fn refuse_duplicate(
    tx: &mut scal_store::Tx,
    org_id: &str,
    details: &ProductDetails,
    except: Option<&str>,
) -> Result<()> {
    match products::find_same(tx.conn(), org_id, &details.name, &details.version).await? {
        Some(existing) if Some(existing.id.as_str()) != except => Err(AppError::invalid(
            "version",
            format!(
                "Your organisation already has {} version {}",
                details.name, details.version
            ),
        )),
        _ => Ok(()),
    }
}
