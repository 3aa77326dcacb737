//! The Stripe catalog sync: makes Stripe's Products and Prices match our catalog (seed §4).
//!
//! - A catalog product `P` is the Stripe Product with the id `prodenthub_P` (set on
//!   create; Stripe accepts a chosen product id), so it is found by one retrieve and two
//!   runs can never create two products. Its name and metadata (`productId`, `planType`,
//!   `campaignId`) are updated when they differ.
//! - A fixed-price product has one active, one-time AUD Price with the catalog amount, the
//!   lookup key `P-aud` and `tax_behavior: inclusive` (prices are GST-inclusive). Prices are
//!   immutable: a new amount creates a new Price (taking the lookup key over with
//!   `transfer_lookup_key`) and deactivates every other active Price of the product; only an
//!   unspecified tax behavior may be set, once, on a Price otherwise current. The
//!   scholarship (priced per purchase) gets no Price.
//! - Every write carries an Idempotency-Key derived from the product id and what is
//!   written, so a repeated run (or a retried request) acts at most once.
//! - A dry run reads the same state and reports the same actions without writing.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use campaigns_core::catalog::{self, ProductId};
use sha2::{Digest, Sha256};
use stripe_client_core::{IdempotencyKey, RequestStrategy, StripeRequest};
use stripe_product::PriceTaxBehavior;
use stripe_product::price::{CreatePrice, ListPrice, UpdatePrice};
use stripe_product::product::{CreateProduct, RetrieveProduct, UpdateProduct};
use stripe_types::Currency;

use crate::error::{ErrorDetail, PaymentsError};
use crate::stripe_adapter::StripeConfig;
use crate::transport::{StripeTransport, TransportError};

/// Prefix of the Stripe product ids the sync creates.
pub const PRODUCT_ID_PREFIX: &str = "prodenthub_";

/// One product as Stripe should hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogItem {
    /// Our product id (`full-6months`).
    pub product_id: String,
    /// The customer-facing name.
    pub name: String,
    /// Product metadata: `productId`, `planType`, `campaignId`.
    pub metadata: BTreeMap<String, String>,
    /// The one-time AUD amount; `None` when the price is set per purchase.
    pub amount_cents: Option<i64>,
}

impl CatalogItem {
    /// The Stripe product id (`prodenthub_full-6months`).
    pub fn stripe_product_id(&self) -> String {
        stripe_product_id(&self.product_id)
    }

    /// The lookup key of its price (`full-6months-aud`).
    pub fn lookup_key(&self) -> String {
        lookup_key(&self.product_id)
    }
}

/// A product's id as records and Stripe carry it (`full-6months`).
pub fn product_key(id: ProductId) -> String {
    serde_json::to_value(id)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The Stripe Product id the sync gives the product `product_key`.
pub fn stripe_product_id(product_key: &str) -> String {
    format!("{PRODUCT_ID_PREFIX}{product_key}")
}

/// The lookup key of the product `product_key`'s one AUD Price.
pub fn lookup_key(product_key: &str) -> String {
    format!("{product_key}-aud")
}

/// The catalog of `campaigns-core`, in its order.
pub fn product_catalog() -> Vec<CatalogItem> {
    ProductId::ALL
        .iter()
        .map(|&id| {
            let product = catalog::product(id);
            let product_id = product_key(id);
            let mut metadata: BTreeMap<String, String> = product
                .metadata()
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            metadata.insert("productId".into(), product_id.clone());
            CatalogItem {
                product_id,
                name: product.name.to_owned(),
                metadata,
                amount_cents: product.price.map(|c| c.0),
            }
        })
        .collect()
}

/// What the sync did (or, in a dry run, would do) to one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Unchanged,
    /// An old price made inactive.
    Deactivate,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Unchanged => "unchanged",
            Self::Deactivate => "deactivate",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One price action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceAction {
    pub action: Action,
    /// The price's id; `None` for a price a dry run would create.
    pub price_id: Option<String>,
    pub amount_cents: Option<i64>,
}

/// The outcome for one catalog product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductReport {
    pub product_id: String,
    pub stripe_product_id: String,
    pub action: Action,
    /// Price actions, in order; empty for a product priced per purchase.
    pub prices: Vec<PriceAction>,
}

/// What a sync did or would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncReport {
    pub dry_run: bool,
    pub products: Vec<ProductReport>,
}

impl SyncReport {
    /// How many products got `action`.
    pub fn products_with(&self, action: Action) -> usize {
        self.products.iter().filter(|p| p.action == action).count()
    }

    /// How many price actions were `action`.
    pub fn prices_with(&self, action: Action) -> usize {
        self.products
            .iter()
            .flat_map(|p| &p.prices)
            .filter(|p| p.action == action)
            .count()
    }

    /// Whether the sync changes (or changed) anything.
    pub fn changes(&self) -> bool {
        self.products.iter().any(|p| {
            p.action != Action::Unchanged || p.prices.iter().any(|x| x.action != Action::Unchanged)
        })
    }
}

impl fmt::Display for SyncReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.dry_run {
            writeln!(f, "dry run: nothing written")?;
        }
        for p in &self.products {
            writeln!(
                f,
                "product {:<34} {:<9} {}",
                p.product_id, p.action, p.stripe_product_id
            )?;
            for price in &p.prices {
                let amount = price
                    .amount_cents
                    .map_or_else(|| "-".to_owned(), |a| format!("{a} AUD cents"));
                writeln!(
                    f,
                    "  price {:<34} {:<9} {}",
                    price.price_id.as_deref().unwrap_or("(new)"),
                    price.action,
                    amount
                )?;
            }
        }
        Ok(())
    }
}

/// Syncs Stripe's catalog through the Products and Prices API.
#[derive(Clone, Debug)]
pub struct CatalogSync {
    client: StripeTransport,
}

impl CatalogSync {
    /// Builds the client (only the key, base URL and timeout of `config` are used).
    pub fn new(config: StripeConfig) -> Result<Self, PaymentsError> {
        Ok(Self {
            client: StripeTransport::new(&config)?,
        })
    }

    /// Makes Stripe match `items`; with `dry_run`, only reports what it would do.
    pub async fn sync(
        &self,
        items: &[CatalogItem],
        dry_run: bool,
    ) -> Result<SyncReport, PaymentsError> {
        let mut products = Vec::with_capacity(items.len());
        for item in items {
            products.push(self.sync_one(item, dry_run).await?);
        }
        Ok(SyncReport { dry_run, products })
    }

    async fn sync_one(
        &self,
        item: &CatalogItem,
        dry_run: bool,
    ) -> Result<ProductReport, PaymentsError> {
        let stripe_id = item.stripe_product_id();
        let metadata: HashMap<String, String> = item.metadata.clone().into_iter().collect();
        let existing = match RetrieveProduct::new(stripe_id.as_str())
            .send(&self.client)
            .await
        {
            Ok(product) => Some(product),
            Err(TransportError::Api { status: 404, .. }) => None,
            Err(error) => return Err(error.into()),
        };
        let action = match &existing {
            None => {
                if !dry_run {
                    let create = CreateProduct::new(item.name.clone())
                        .id(stripe_id.clone())
                        .metadata(metadata.clone());
                    send_idempotent(
                        &self.client,
                        create,
                        format!("campaigns/catalog/product/{stripe_id}"),
                    )
                    .await?;
                }
                Action::Create
            }
            Some(product) => {
                let metadata_differs = item
                    .metadata
                    .iter()
                    .any(|(k, v)| product.metadata.get(k) != Some(v));
                if product.name != item.name || metadata_differs || !product.active {
                    if !dry_run {
                        let update = UpdateProduct::new(stripe_id.as_str())
                            .name(item.name.clone())
                            .metadata(metadata.clone())
                            .active(true);
                        let digest = digest(&format!("{}\n{:?}", item.name, item.metadata));
                        send_idempotent(
                            &self.client,
                            update,
                            format!("campaigns/catalog/product-update/{stripe_id}/{digest}"),
                        )
                        .await?;
                    }
                    Action::Update
                } else {
                    Action::Unchanged
                }
            }
        };
        let prices = match existing {
            // A product a dry run would create has no prices yet.
            None if dry_run => item
                .amount_cents
                .map(|amount| PriceAction {
                    action: Action::Create,
                    price_id: None,
                    amount_cents: Some(amount),
                })
                .into_iter()
                .collect(),
            _ => self.sync_prices(item, &stripe_id, dry_run).await?,
        };
        Ok(ProductReport {
            product_id: item.product_id.clone(),
            stripe_product_id: stripe_id,
            action,
            prices,
        })
    }

    async fn sync_prices(
        &self,
        item: &CatalogItem,
        stripe_id: &str,
        dry_run: bool,
    ) -> Result<Vec<PriceAction>, PaymentsError> {
        let active = self.active_prices(stripe_id).await?;
        let Some(amount) = item.amount_cents else {
            // Priced per purchase: nothing to keep.
            return Ok(Vec::new());
        };
        let lookup_key = item.lookup_key();
        let is_current = |p: &stripe_product::Price| {
            p.unit_amount == Some(amount)
                && p.currency == Currency::AUD
                && p.recurring.is_none()
                && p.lookup_key.as_deref() == Some(lookup_key.as_str())
        };
        let inclusive =
            |p: &stripe_product::Price| p.tax_behavior == Some(PriceTaxBehavior::Inclusive);
        // Stripe sets a tax behavior once, from unspecified; an exclusive Price is replaced.
        let settable = |p: &stripe_product::Price| {
            matches!(p.tax_behavior, None | Some(PriceTaxBehavior::Unspecified))
        };
        let mut actions = Vec::new();
        let current = active
            .iter()
            .find(|p| is_current(p) && (inclusive(p) || settable(p)));
        match current {
            Some(price) if inclusive(price) => actions.push(PriceAction {
                action: Action::Unchanged,
                price_id: Some(price.id.to_string()),
                amount_cents: Some(amount),
            }),
            Some(price) => {
                let id = price.id.to_string();
                if !dry_run {
                    send_idempotent(
                        &self.client,
                        UpdatePrice::new(id.as_str()).tax_behavior(PriceTaxBehavior::Inclusive),
                        format!("campaigns/catalog/price-tax/{id}/inclusive"),
                    )
                    .await?;
                }
                actions.push(PriceAction {
                    action: Action::Update,
                    price_id: Some(id),
                    amount_cents: Some(amount),
                });
            }
            None => {
                // The replaced price is part of the key, so returning to an earlier amount
                // later creates a price again instead of replaying the old response.
                let replaced = active
                    .iter()
                    .find(|p| p.lookup_key.as_deref() == Some(lookup_key.as_str()))
                    .map_or_else(|| "none".to_owned(), |p| p.id.to_string());
                let price_id = if dry_run {
                    None
                } else {
                    let create = CreatePrice::new(Currency::AUD)
                        .product(stripe_id.to_owned())
                        .unit_amount(amount)
                        .tax_behavior(PriceTaxBehavior::Inclusive)
                        .lookup_key(lookup_key.clone())
                        .transfer_lookup_key(true)
                        .metadata(HashMap::from([(
                            "productId".to_owned(),
                            item.product_id.clone(),
                        )]));
                    let price = send_idempotent(
                        &self.client,
                        create,
                        format!(
                            "campaigns/catalog/price/{stripe_id}/{amount}/inclusive/{replaced}"
                        ),
                    )
                    .await?;
                    Some(price.id.to_string())
                };
                actions.push(PriceAction {
                    action: Action::Create,
                    price_id,
                    amount_cents: Some(amount),
                });
            }
        }
        let keep = current.map(|p| p.id.to_string());
        for old in active.iter().filter(|p| Some(p.id.to_string()) != keep) {
            if !dry_run {
                let id = old.id.to_string();
                send_idempotent(
                    &self.client,
                    UpdatePrice::new(id.as_str()).active(false),
                    format!("campaigns/catalog/price-deactivate/{id}"),
                )
                .await?;
            }
            actions.push(PriceAction {
                action: Action::Deactivate,
                price_id: Some(old.id.to_string()),
                amount_cents: old.unit_amount,
            });
        }
        Ok(actions)
    }

    /// Every active price of a product, following pagination.
    async fn active_prices(
        &self,
        stripe_id: &str,
    ) -> Result<Vec<stripe_product::Price>, PaymentsError> {
        let mut prices = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut list = ListPrice::new()
                .product(stripe_id.to_owned())
                .active(true)
                .limit(100);
            if let Some(after) = &after {
                list = list.starting_after(after.clone());
            }
            let page = list.send(&self.client).await?;
            after = page.data.last().map(|p| p.id.to_string());
            prices.extend(page.data);
            if !page.has_more || after.is_none() {
                return Ok(prices);
            }
        }
    }
}

/// Sends `request` once under the idempotency key `key`, so that running the
/// sync again changes nothing more.
async fn send_idempotent<R>(
    client: &StripeTransport,
    request: R,
    key: String,
) -> Result<R::Output, PaymentsError>
where
    R: StripeRequest,
    R::Output: miniserde::Deserialize,
{
    let key = IdempotencyKey::new(&key).map_err(|e| {
        PaymentsError::InvalidRequest(ErrorDetail::message(format!("idempotency key: {e}")))
    })?;
    Ok(request
        .customize()
        .request_strategy(RequestStrategy::Idempotent(key))
        .send(client)
        .await?)
}

/// A short, stable digest for idempotency keys.
fn digest(text: &str) -> String {
    hex::encode(&Sha256::digest(text.as_bytes())[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_has_eleven_products_ten_with_a_price() {
        let items = product_catalog();
        assert_eq!(items.len(), 11);
        assert_eq!(
            items.iter().filter(|i| i.amount_cents.is_some()).count(),
            10
        );
        let team = items
            .iter()
            .find(|i| i.product_id == "team-full-6months")
            .unwrap();
        assert_eq!(team.stripe_product_id(), "prodenthub_team-full-6months");
        assert_eq!(team.lookup_key(), "team-full-6months-aud");
        assert_eq!(team.metadata["planType"], "full-6months");
        assert_eq!(team.metadata["campaignId"], "team-creation");
    }
}
