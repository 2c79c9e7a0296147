use scal_domain::policy::{authorize, Action, Actor, Denied};
use scal_domain::product::ProductDetails;
use scal_store::records::products;
use scal_store::ProductRecord;
use time::OffsetDateTime;

use crate::{audit_entry, known_id, micros, new_id, to_json, unique_violation, App, AppError, Result};

/// Products the actor can see: NHS England all, a supplier its own. End user organisations see
/// the products shared with them, and nothing is shared until accepted SCALs exist.
pub async fn list(app: &App, actor: &Actor) -> Result<Vec<ProductRecord>> {
    match scope(actor)? {
        Some(only) => Ok(products::list(app.store.pool(), only.as_deref()).await?),
        None => Ok(Vec::new()),
    }
}

/// Whose products the actor may read: `Some(None)` every organisation's (NHS England),
/// `Some(Some(org))` one organisation's, `None` nobody's.
pub(crate) fn scope(actor: &Actor) -> Result<Option<Option<String>>> {
    match authorize(actor, Action::ReadProducts, None) {
        Ok(()) => {}
        Err(Denied::Forbidden) => return Ok(None),
        Err(denied) => return Err(denied.into()),
    }
    Ok(Some(if actor.is_nhse() {
        None
    } else {
        actor.org_id().map(str::to_string)
    }))
}

pub async fn get(app: &App, actor: &Actor, id: &str) -> Result<ProductRecord> {
    let product = products::get(app.store.pool(), known_id(id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    // Hidden, not forbidden: a product the actor cannot read does not exist for them.
    authorize(actor, Action::ReadProducts, Some(&product.org_id)).map_err(|_| AppError::NotFound)?;
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
pub async fn create(app: &App, actor: &Actor, input: &ProductInput, now: OffsetDateTime) -> Result<ProductRecord> {
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
    products::insert(tx.conn(), &product)
        .await
        .map_err(|e| unique_violation(e, "version", DUPLICATE))?;
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

/// Fields to change; `None` keeps the current value. An empty `medical_device_class` clears it.
#[derive(Debug, Clone, Default)]
pub struct ProductChanges {
    pub name: Option<String>,
    pub version: Option<String>,
    pub description: Option<String>,
    pub medical_device_class: Option<String>,
}

impl From<&ProductInput> for ProductChanges {
    fn from(input: &ProductInput) -> Self {
        Self {
            name: Some(input.name.clone()),
            version: Some(input.version.clone()),
            description: Some(input.description.clone()),
            medical_device_class: Some(input.medical_device_class.clone()),
        }
    }
}

/// Changes a product, reading it inside the transaction (locked on PostgreSQL) so concurrent
/// changes are not lost.
pub async fn update(
    app: &App,
    actor: &Actor,
    id: &str,
    changes: &ProductChanges,
    now: OffsetDateTime,
) -> Result<ProductRecord> {
    let mut tx = app.store.begin().await?;
    let before = products::get_locked(&mut tx, known_id(id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    authorize(actor, Action::ReadProducts, Some(&before.org_id)).map_err(|_| AppError::NotFound)?;
    authorize(actor, Action::EditProduct, Some(&before.org_id))?;
    let mut input = ProductInput::from_record(&before);
    let fields = [
        (&mut input.name, &changes.name),
        (&mut input.version, &changes.version),
        (&mut input.description, &changes.description),
        (&mut input.medical_device_class, &changes.medical_device_class),
    ];
    for (field, change) in fields {
        if let Some(value) = change {
            field.clone_from(value);
        }
    }
    let details = input.parse()?;
    refuse_duplicate(&mut tx, &before.org_id, &details, Some(&before.id)).await?;
    products::update(tx.conn(), &before.id, &details, micros(now))
        .await
        .map_err(|e| unique_violation(e, "version", DUPLICATE))?;
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
        &after.id,
        to_json(&before),
        to_json(&after),
    ))
    .await?;
    tx.commit().await?;
    Ok(after)
}

const DUPLICATE: &str = "Your organisation already has a product with this name and version";

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
