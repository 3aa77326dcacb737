//! Products and Prices: create, retrieve, update and list, in Stripe's shapes (API
//! version `2026-09-30.endive`). Prices are immutable apart from `active`, `lookup_key`,
//! `nickname` and `metadata`, as at Stripe.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::ids::new_id;
use crate::params::Params;

/// A Product.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Product {
    pub id: String,
    pub created: i64,
    pub updated: i64,
    pub name: String,
    pub active: bool,
    pub description: Option<String>,
    pub metadata: BTreeMap<String, String>,
}

/// A one-time Price.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Price {
    pub id: String,
    pub created: i64,
    pub product: String,
    pub currency: String,
    pub unit_amount: i64,
    pub active: bool,
    pub lookup_key: Option<String>,
    pub nickname: Option<String>,
    pub metadata: BTreeMap<String, String>,
    /// `inclusive`, `exclusive` or `unspecified` (one of [`TAX_BEHAVIORS`]).
    #[serde(default = "unspecified")]
    pub tax_behavior: String,
}

/// The values of a Price's `tax_behavior`.
pub const TAX_BEHAVIORS: [&str; 3] = ["inclusive", "exclusive", "unspecified"];

fn unspecified() -> String {
    "unspecified".to_owned()
}

/// A `tax_behavior` parameter at `path`, checked; `None` when absent.
pub fn tax_behavior(p: &Params, path: &[&str]) -> Result<Option<String>, ApiError> {
    match p.str(path) {
        None => Ok(None),
        Some(value) if TAX_BEHAVIORS.contains(&value) => Ok(Some(value.to_owned())),
        Some(other) => Err(ApiError::invalid(
            format!(
                "Invalid tax_behavior: must be one of exclusive, inclusive, or unspecified (got {other})."
            ),
            Some(&crate::params::name(path)),
        )),
    }
}

impl Product {
    pub fn json(&self) -> Value {
        json!({
            "id": self.id, "object": "product", "active": self.active, "created": self.created,
            "default_price": null, "description": self.description, "images": [],
            "livemode": false, "marketing_features": [], "metadata": self.metadata,
            "name": self.name, "package_dimensions": null, "shippable": null,
            "statement_descriptor": null, "tax_code": null, "tax_details": null,
            "type": "service", "unit_label": null, "updated": self.updated, "url": null,
        })
    }
}

impl Price {
    pub fn json(&self) -> Value {
        json!({
            "id": self.id, "object": "price", "active": self.active, "billing_scheme": "per_unit",
            "created": self.created, "currency": self.currency, "custom_unit_amount": null,
            "livemode": false, "lookup_key": self.lookup_key, "metadata": self.metadata,
            "nickname": self.nickname, "product": self.product, "recurring": null,
            "tax_behavior": self.tax_behavior, "tiers_mode": null, "transform_quantity": null,
            "type": "one_time", "unit_amount": self.unit_amount,
            "unit_amount_decimal": self.unit_amount.to_string(),
        })
    }
}

/// Products and prices, oldest first.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Catalog {
    pub products: Vec<Product>,
    pub prices: Vec<Price>,
}

fn bool_param(p: &Params, name: &str) -> Result<Option<bool>, ApiError> {
    match p.str(&[name]) {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(other) => Err(ApiError::param(
            "parameter_invalid_boolean",
            name,
            format!("Invalid boolean: {other}"),
        )),
    }
}

/// Stripe's metadata update: keys are merged, an empty value removes its key.
fn merge_metadata(target: &mut BTreeMap<String, String>, update: BTreeMap<String, String>) {
    for (k, v) in update {
        if v.is_empty() {
            target.remove(&k);
        } else {
            target.insert(k, v);
        }
    }
}

/// One page of `items` (newest first) by `limit` and `starting_after`.
fn page(items: Vec<(String, Value)>, p: &Params, url: &str) -> Result<Value, ApiError> {
    let limit = p.int(&["limit"])?.unwrap_or(10);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::param(
            "parameter_invalid_integer",
            "limit",
            "This value must be between 1 and 100.",
        ));
    }
    let mut items: Vec<(String, Value)> = items.into_iter().rev().collect();
    if let Some(after) = p.str(&["starting_after"]) {
        let at = items
            .iter()
            .position(|(id, _)| id == after)
            .ok_or_else(|| ApiError::missing_resource("object", after, "starting_after"))?;
        items.drain(..=at);
    }
    let limit = usize::try_from(limit).expect("checked positive");
    let has_more = items.len() > limit;
    let data: Vec<Value> = items.into_iter().take(limit).map(|(_, v)| v).collect();
    Ok(json!({ "object": "list", "data": data, "has_more": has_more, "url": url }))
}

impl Catalog {
    pub fn create_product(&mut self, p: &Params, now: i64) -> Result<Value, ApiError> {
        p.only(&["id", "name", "active", "description", "metadata"])?;
        let name = p.required_str(&["name"])?.to_owned();
        let id = match p.str(&["id"]) {
            Some(id) => id.to_owned(),
            None => new_id("prod_", 14),
        };
        if self.products.iter().any(|x| x.id == id) {
            return Err(ApiError::param(
                "resource_already_exists",
                "id",
                format!("Product already exists: {id}"),
            ));
        }
        let product = Product {
            id,
            created: now,
            updated: now,
            name,
            active: bool_param(p, "active")?.unwrap_or(true),
            description: p.str(&["description"]).map(str::to_owned),
            metadata: p.map(&["metadata"]),
        };
        let json = product.json();
        self.products.push(product);
        Ok(json)
    }

    pub fn product(&self, id: &str) -> Result<Value, ApiError> {
        self.products
            .iter()
            .find(|x| x.id == id)
            .map(Product::json)
            .ok_or_else(|| ApiError::missing_resource("product", id, "id"))
    }

    pub fn update_product(&mut self, id: &str, p: &Params, now: i64) -> Result<Value, ApiError> {
        p.only(&["name", "active", "description", "metadata"])?;
        let active = bool_param(p, "active")?;
        let product = self
            .products
            .iter_mut()
            .find(|x| x.id == id)
            .ok_or_else(|| ApiError::missing_resource("product", id, "id"))?;
        if let Some(name) = p.str(&["name"]) {
            product.name = name.to_owned();
        }
        if let Some(active) = active {
            product.active = active;
        }
        if let Some(description) = p.str(&["description"]) {
            product.description = Some(description.to_owned());
        }
        merge_metadata(&mut product.metadata, p.map(&["metadata"]));
        product.updated = now;
        Ok(product.json())
    }

    pub fn list_products(&self, p: &Params) -> Result<Value, ApiError> {
        p.only(&["limit", "starting_after", "active", "ids"])?;
        let active = bool_param(p, "active")?;
        let ids = p.list(&["ids"]);
        let items = self
            .products
            .iter()
            .filter(|x| active.is_none_or(|a| x.active == a))
            .filter(|x| ids.is_empty() || ids.contains(&x.id))
            .map(|x| (x.id.clone(), x.json()))
            .collect();
        page(items, p, "/v1/products")
    }

    /// Frees `key` for another price when `transfer` is set; refuses otherwise.
    fn claim_lookup_key(
        &mut self,
        key: &str,
        transfer: bool,
        for_id: &str,
    ) -> Result<(), ApiError> {
        if let Some(holder) = self
            .prices
            .iter_mut()
            .find(|x| x.id != for_id && x.lookup_key.as_deref() == Some(key))
        {
            if !transfer {
                return Err(ApiError::param(
                    "lookup_key_already_exists",
                    "lookup_key",
                    format!(
                        "A price ({}) already uses that lookup key. To transfer it, set `transfer_lookup_key` to true.",
                        holder.id
                    ),
                ));
            }
            holder.lookup_key = None;
        }
        Ok(())
    }

    pub fn create_price(&mut self, p: &Params, now: i64) -> Result<Value, ApiError> {
        p.only(&[
            "currency",
            "product",
            "unit_amount",
            "lookup_key",
            "transfer_lookup_key",
            "metadata",
            "active",
            "nickname",
            "tax_behavior",
        ])?;
        let currency = p.required_str(&["currency"])?.to_lowercase();
        let product = p.required_str(&["product"])?.to_owned();
        if !self.products.iter().any(|x| x.id == product) {
            return Err(ApiError::missing_resource("product", &product, "product"));
        }
        let unit_amount = p
            .int(&["unit_amount"])?
            .ok_or_else(|| ApiError::missing("unit_amount"))?;
        if unit_amount < 0 {
            return Err(ApiError::invalid(
                "This value must be greater than or equal to 0.",
                Some("unit_amount"),
            ));
        }
        let id = new_id("price_", 24);
        let lookup_key = p.str(&["lookup_key"]).map(str::to_owned);
        if let Some(key) = &lookup_key {
            let transfer = bool_param(p, "transfer_lookup_key")?.unwrap_or(false);
            self.claim_lookup_key(key, transfer, &id)?;
        }
        let price = Price {
            id,
            created: now,
            product,
            currency,
            unit_amount,
            active: bool_param(p, "active")?.unwrap_or(true),
            lookup_key,
            nickname: p.str(&["nickname"]).map(str::to_owned),
            metadata: p.map(&["metadata"]),
            tax_behavior: tax_behavior(p, &["tax_behavior"])?.unwrap_or_else(unspecified),
        };
        let json = price.json();
        self.prices.push(price);
        Ok(json)
    }

    pub fn price(&self, id: &str) -> Result<Value, ApiError> {
        self.prices
            .iter()
            .find(|x| x.id == id)
            .map(Price::json)
            .ok_or_else(|| ApiError::missing_resource("price", id, "price"))
    }

    pub fn update_price(&mut self, id: &str, p: &Params) -> Result<Value, ApiError> {
        p.only(&[
            "active",
            "lookup_key",
            "transfer_lookup_key",
            "metadata",
            "nickname",
            "tax_behavior",
        ])?;
        let active = bool_param(p, "active")?;
        let tax = tax_behavior(p, &["tax_behavior"])?;
        let Some(current) = self.prices.iter().find(|x| x.id == id) else {
            return Err(ApiError::missing_resource("price", id, "price"));
        };
        // Stripe lets a price's tax behavior be set once, from unspecified.
        if let Some(tax) = &tax
            && current.tax_behavior != "unspecified"
            && *tax != current.tax_behavior
        {
            return Err(ApiError::invalid(
                "This price's tax behavior cannot be changed once it is set to inclusive or exclusive.",
                Some("tax_behavior"),
            ));
        }
        if let Some(key) = p.str(&["lookup_key"]) {
            let transfer = bool_param(p, "transfer_lookup_key")?.unwrap_or(false);
            self.claim_lookup_key(key, transfer, id)?;
        }
        let price = self
            .prices
            .iter_mut()
            .find(|x| x.id == id)
            .expect("checked above");
        if let Some(active) = active {
            price.active = active;
        }
        if let Some(key) = p.str(&["lookup_key"]) {
            price.lookup_key = (!key.is_empty()).then(|| key.to_owned());
        }
        if let Some(nickname) = p.str(&["nickname"]) {
            price.nickname = Some(nickname.to_owned());
        }
        if let Some(tax) = tax {
            price.tax_behavior = tax;
        }
        merge_metadata(&mut price.metadata, p.map(&["metadata"]));
        Ok(price.json())
    }

    pub fn list_prices(&self, p: &Params) -> Result<Value, ApiError> {
        p.only(&[
            "limit",
            "starting_after",
            "active",
            "product",
            "lookup_keys",
            "currency",
            "type",
        ])?;
        let active = bool_param(p, "active")?;
        let product = p.str(&["product"]);
        let currency = p.str(&["currency"]).map(str::to_lowercase);
        let keys = p.list(&["lookup_keys"]);
        // Every simulated price is one-time.
        let one_time = p.str(&["type"]).is_none_or(|t| t == "one_time");
        let items = self
            .prices
            .iter()
            .filter(|x| active.is_none_or(|a| x.active == a))
            .filter(|x| product.is_none_or(|pr| x.product == pr))
            .filter(|x| currency.as_ref().is_none_or(|c| &x.currency == c))
            .filter(|_| one_time)
            .filter(|x| keys.is_empty() || x.lookup_key.as_ref().is_some_and(|k| keys.contains(k)))
            .map(|x| (x.id.clone(), x.json()))
            .collect();
        page(items, p, "/v1/prices")
    }
}
