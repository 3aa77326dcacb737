//! The simulator's state and every state change, each recording the events Stripe
//! would send. Handlers hold the store's lock for a whole operation, so operations are
//! atomic, as Stripe's are for one object.

#[cfg(feature = "sqlite")]
use std::collections::HashMap;
use std::collections::VecDeque;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::catalog::{self, Catalog, Price};
use crate::error::ApiError;
use crate::ids::new_id;
use crate::objects::{
    Capture, Charge, Dispute, Endpoint, Intent, LineItem, LinePrice, Refund, Session, Status,
    event_json,
};
use crate::params::Params;
use crate::tracked::{Table, Tracked};

/// How long a merchant has to respond to a dispute (Stripe's `due_by`
/// varies by network; about a week is typical).
const DISPUTE_RESPONSE_SECS: i64 = 7 * 24 * 60 * 60;

/// Stripe's limits on a session's `expires_at`, from its creation.
const MIN_SESSION_SECS: i64 = 30 * 60;
const MAX_SESSION_SECS: i64 = 24 * 60 * 60;

/// The response an idempotency key first produced.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Replay {
    pub request: String,
    pub params: Value,
    pub status: u16,
    pub body: Value,
}

/// A payer's choice on the checkout page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayerAction {
    /// Pay by card: authorized (manual capture) or captured.
    Pay,
    /// Pay with Stripe's dispute test card (4000 0000 0000 0259): the payment
    /// succeeds, then the charge is disputed as fraudulent once captured.
    PayDisputed,
    /// The card is declined; the session stays open.
    Decline,
    /// Pay by a delayed method: complete but unpaid until it succeeds or fails.
    Delayed,
    /// The delayed method succeeds.
    DelayedSucceeds,
    /// The delayed method fails.
    DelayedFails,
}

/// One event on its way to one endpoint: kept until the endpoint acknowledges
/// it or the attempts run out, so a restart goes on delivering it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Delivery {
    /// Creation order; first attempts to an endpoint go out in this order.
    pub seq: u64,
    /// The endpoint's id (its URL and secret are read at each attempt).
    pub endpoint: String,
    pub event: Value,
    /// Failed attempts so far.
    pub attempts: u32,
    /// When the next attempt is due, in unix milliseconds of the real clock.
    pub due_ms: i64,
}

impl Delivery {
    /// The key a delivery is stored under: its sequence number, padded so
    /// that keys sort as numbers do.
    pub fn key(seq: u64) -> String {
        format!("{seq:020}")
    }
}

/// Everything the simulator holds. What a restart must find is in tracked
/// collections (see [`Store::take_changes`]); `faults` and `outbox` live only
/// for the process or the operation.
#[derive(Debug, Default)]
pub struct Store {
    pub sessions: Table<Session>,
    pub intents: Table<Intent>,
    pub charges: Table<Charge>,
    pub refunds: Table<Refund>,
    pub disputes: Table<Dispute>,
    pub events: Vec<Value>,
    /// How many of `events` were taken by [`Store::take_changes`].
    pub events_taken: usize,
    pub endpoints: Tracked<Vec<Endpoint>>,
    pub idempotency: Table<Replay>,
    /// Products and prices.
    pub catalog: Tracked<Catalog>,
    /// Events not yet acknowledged by an endpoint, by [`Delivery::key`].
    pub deliveries: Table<Delivery>,
    pub next_delivery: u64,
    /// Failures to answer the next API requests with, in order.
    pub faults: VecDeque<ApiError>,
    /// Events recorded by the current operation, for delivery once it is done.
    pub outbox: Vec<Value>,
}

/// What operations changed since the last [`Store::take_changes`], as JSON
/// text ready to be written.
#[derive(Debug, Default)]
pub struct Changes {
    /// `(kind, id, value)`; `None` for a removed object.
    pub objects: Vec<(&'static str, String, Option<String>)>,
    /// New events, `(position, event)`.
    pub events: Vec<(usize, String)>,
    /// Collections saved whole: `(name, value)`.
    pub whole: Vec<(&'static str, String)>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty() && self.events.is_empty() && self.whole.is_empty()
    }
}

/// The kinds of objects in [`Changes::objects`].
pub mod kind {
    pub const SESSION: &str = "checkout.session";
    pub const INTENT: &str = "payment_intent";
    pub const CHARGE: &str = "charge";
    pub const REFUND: &str = "refund";
    pub const DISPUTE: &str = "dispute";
    pub const IDEMPOTENCY: &str = "idempotency_key";
    pub const DELIVERY: &str = "delivery";
    /// Saved whole.
    pub const ENDPOINTS: &str = "webhook_endpoints";
    pub const CATALOG: &str = "catalog";
}

#[cfg(feature = "sqlite")]
fn by_id<V>(rows: Vec<V>, id: impl Fn(&V) -> &String) -> HashMap<String, V> {
    rows.into_iter()
        .map(|row| (id(&row).clone(), row))
        .collect()
}

fn changed_objects<V: Serialize>(
    kind: &'static str,
    table: &mut Table<V>,
    out: &mut Vec<(&'static str, String, Option<String>)>,
) -> serde_json::Result<()> {
    for (id, value) in table.take_changed() {
        let text = value.map(serde_json::to_string).transpose()?;
        out.push((kind, id, text));
    }
    Ok(())
}

impl Store {
    /// A store holding what was saved, nothing changed.
    #[cfg(feature = "sqlite")]
    #[allow(clippy::too_many_arguments)]
    pub fn loaded(
        sessions: Vec<Session>,
        intents: Vec<Intent>,
        charges: Vec<Charge>,
        refunds: Vec<Refund>,
        disputes: Vec<Dispute>,
        idempotency: Vec<(String, Replay)>,
        deliveries: Vec<Delivery>,
        events: Vec<Value>,
        endpoints: Vec<Endpoint>,
        catalog: Catalog,
    ) -> Store {
        Store {
            sessions: Table::loaded(by_id(sessions, |s| &s.id)),
            intents: Table::loaded(by_id(intents, |i| &i.id)),
            charges: Table::loaded(by_id(charges, |c| &c.id)),
            refunds: Table::loaded(by_id(refunds, |r| &r.id)),
            disputes: Table::loaded(by_id(disputes, |d| &d.id)),
            idempotency: Table::loaded(idempotency.into_iter().collect()),
            next_delivery: deliveries.iter().map(|d| d.seq + 1).max().unwrap_or(0),
            deliveries: Table::loaded(
                deliveries
                    .into_iter()
                    .map(|d| (Delivery::key(d.seq), d))
                    .collect(),
            ),
            events_taken: events.len(),
            events,
            endpoints: Tracked::loaded(endpoints),
            catalog: Tracked::loaded(catalog),
            faults: VecDeque::new(),
            outbox: Vec::new(),
        }
    }

    /// What changed since the last call, as JSON text when `save`, or
    /// nothing (the marks are cleared either way).
    pub fn take_changes(&mut self, save: bool) -> serde_json::Result<Changes> {
        let mut changes = Changes::default();
        if !save {
            self.sessions.clear_changed();
            self.intents.clear_changed();
            self.charges.clear_changed();
            self.refunds.clear_changed();
            self.disputes.clear_changed();
            self.idempotency.clear_changed();
            self.deliveries.clear_changed();
            self.events_taken = self.events.len();
            let _ = self.endpoints.take_changed();
            let _ = self.catalog.take_changed();
            return Ok(changes);
        }
        let objects = &mut changes.objects;
        changed_objects(kind::SESSION, &mut self.sessions, objects)?;
        changed_objects(kind::INTENT, &mut self.intents, objects)?;
        changed_objects(kind::CHARGE, &mut self.charges, objects)?;
        changed_objects(kind::REFUND, &mut self.refunds, objects)?;
        changed_objects(kind::DISPUTE, &mut self.disputes, objects)?;
        changed_objects(kind::IDEMPOTENCY, &mut self.idempotency, objects)?;
        changed_objects(kind::DELIVERY, &mut self.deliveries, objects)?;
        for (position, event) in self.events.iter().enumerate().skip(self.events_taken) {
            changes
                .events
                .push((position, serde_json::to_string(event)?));
        }
        self.events_taken = self.events.len();
        if let Some(endpoints) = self.endpoints.take_changed() {
            changes
                .whole
                .push((kind::ENDPOINTS, serde_json::to_string(endpoints)?));
        }
        if let Some(catalog) = self.catalog.take_changed() {
            changes
                .whole
                .push((kind::CATALOG, serde_json::to_string(catalog)?));
        }
        Ok(changes)
    }

    /// Points every session's hosted page at `base`: a restarted simulator
    /// may be reached at another address than the one it made them at.
    pub fn rebase_checkout_urls(&mut self, base: &str) {
        let stale: Vec<String> = self
            .sessions
            .values()
            .filter(|session| session.url != checkout_url(base, &session.id))
            .map(|session| session.id.clone())
            .collect();
        for id in stale {
            if let Some(session) = self.sessions.get_mut(&id) {
                session.url = checkout_url(base, &id);
            }
        }
    }

    /// Turns the events of the operation just done into deliveries, one per
    /// endpoint that wants each, due at `now_ms`. With `duplicate_and_reorder`
    /// an endpoint gets the batch reversed, twice. Returns each endpoint's new
    /// deliveries in the order their first attempts should go out.
    pub fn enqueue_deliveries(
        &mut self,
        batch: &[Value],
        duplicate_and_reorder: bool,
        now_ms: i64,
    ) -> Vec<Vec<u64>> {
        let mut queued = Vec::new();
        for endpoint in self.endpoints.iter() {
            let mut events: Vec<&Value> = batch
                .iter()
                .filter(|e| endpoint.wants(e["type"].as_str().unwrap_or_default()))
                .collect();
            if events.is_empty() {
                continue;
            }
            if duplicate_and_reorder {
                events.reverse();
                events.extend_from_within(..);
            }
            let mut seqs = Vec::with_capacity(events.len());
            for event in events {
                let seq = self.next_delivery;
                self.next_delivery += 1;
                self.deliveries.insert(
                    Delivery::key(seq),
                    Delivery {
                        seq,
                        endpoint: endpoint.id.clone(),
                        event: event.clone(),
                        attempts: 0,
                        due_ms: now_ms,
                    },
                );
                seqs.push(seq);
            }
            queued.push(seqs);
        }
        queued
    }

    fn emit(&mut self, kind: &str, object: Value, now: i64) {
        let pending = self.endpoints.iter().filter(|e| e.wants(kind)).count();
        let event = event_json(&new_id("evt_", 24), kind, now, object, pending);
        self.events.push(event.clone());
        self.outbox.push(event);
    }

    pub fn create_session(
        &mut self,
        p: &Params,
        now: i64,
        checkout_base: &str,
    ) -> Result<Value, ApiError> {
        p.only(&[
            "mode",
            "line_items",
            "customer_email",
            "client_reference_id",
            "metadata",
            "payment_intent_data",
            "success_url",
            "cancel_url",
            "expires_at",
            "ui_mode",
        ])?;
        if p.required_str(&["mode"])? != "payment" {
            return Err(ApiError::invalid(
                "The simulator supports only `mode=payment`.",
                Some("mode"),
            ));
        }
        if !p.has(&["line_items", "0"]) {
            return Err(ApiError::missing("line_items"));
        }
        if p.has(&["line_items", "1"]) {
            return Err(ApiError::invalid(
                "The simulator supports one line item.",
                Some("line_items"),
            ));
        }
        match p.str(&["ui_mode"]) {
            None | Some("hosted_page") => {}
            Some(other) => {
                return Err(ApiError::invalid(
                    format!(
                        "Invalid ui_mode: must be one of elements, embedded_page, form, or hosted_page; \
                         the simulator serves hosted_page only (got {other})."
                    ),
                    Some("ui_mode"),
                ));
            }
        }
        let (line_item, product_name, currency, unit) = self.line_item(p, now)?;
        let expires_at = p.int(&["expires_at"])?.unwrap_or(now + MAX_SESSION_SECS);
        if !(now + MIN_SESSION_SECS..=now + MAX_SESSION_SECS).contains(&expires_at) {
            return Err(ApiError::param(
                "parameter_invalid_integer",
                "expires_at",
                "The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.",
            ));
        }
        let capture = match p.str(&["payment_intent_data", "capture_method"]) {
            None | Some("automatic") | Some("automatic_async") => Capture::Automatic,
            Some("manual") => Capture::Manual,
            Some(other) => {
                return Err(ApiError::invalid(
                    format!("Invalid capture_method: {other}"),
                    Some("payment_intent_data[capture_method]"),
                ));
            }
        };
        let id = new_id("cs_test_", 58);
        let session = Session {
            url: checkout_url(checkout_base, &id),
            id: id.clone(),
            created: now,
            expires_at,
            status: "open",
            payment_status: "unpaid",
            amount_total: unit * line_item.quantity,
            currency,
            product_name,
            customer_email: p.str(&["customer_email"]).map(str::to_owned),
            client_reference_id: p.str(&["client_reference_id"]).map(str::to_owned),
            metadata: p.map(&["metadata"]),
            intent_metadata: p.map(&["payment_intent_data", "metadata"]),
            capture,
            success_url: p.str(&["success_url"]).map(str::to_owned),
            cancel_url: p.str(&["cancel_url"]).map(str::to_owned),
            payment_intent: None,
            line_item: Some(line_item),
        };
        let json = session.json();
        self.sessions.insert(id, session);
        Ok(json)
    }

    /// The session's line item from `line_items[0]`: a catalog Price
    /// (`price`, which must be active) or an inline one (`price_data`, on a
    /// catalog Product by `product` or a new one by `product_data`). Returns
    /// it with the product's name, the currency and the unit amount.
    fn line_item(&self, p: &Params, now: i64) -> Result<(LineItem, String, String, i64), ApiError> {
        const ITEM: [&str; 2] = ["line_items", "0"];
        let at = |rest: &[&'static str]| -> Vec<&'static str> { [&ITEM[..], rest].concat() };
        let quantity = p.int(&at(&["quantity"]))?.unwrap_or(1);
        if quantity < 1 {
            return Err(ApiError::invalid(
                "Quantities must be positive.",
                Some("line_items[0][quantity]"),
            ));
        }
        let given_price = p.str(&at(&["price"]));
        let price = match (given_price, p.has(&at(&["price_data"]))) {
            (Some(_), true) => {
                return Err(ApiError::invalid(
                    "You may only specify one of these parameters: price, price_data.",
                    Some("line_items[0]"),
                ));
            }
            (None, false) => {
                return Err(ApiError::invalid(
                    "You must specify either `price` or `price_data` for each line item.",
                    Some("line_items[0]"),
                ));
            }
            (Some(id), false) => {
                let price = self
                    .catalog
                    .prices
                    .iter()
                    .find(|x| x.id == id)
                    .ok_or_else(|| ApiError {
                        status: 400,
                        ..ApiError::missing_resource("price", id, "line_items[0][price]")
                    })?;
                if !price.active {
                    return Err(ApiError::invalid(
                        "The price specified is inactive. This field only accepts active prices.",
                        Some("line_items[0][price]"),
                    ));
                }
                price.clone()
            }
            (None, true) => self.inline_price(p, &at(&["price_data"]), now)?,
        };
        let product_name = match self.catalog.products.iter().find(|x| x.id == price.product) {
            Some(product) => product.name.clone(),
            None => p
                .required_str(&at(&["price_data", "product_data", "name"]))?
                .to_owned(),
        };
        let line_item = LineItem {
            id: new_id("li_", 24),
            quantity,
            price: if given_price.is_some() {
                LinePrice::Catalog(price.id.clone())
            } else {
                LinePrice::Inline(price.clone())
            },
        };
        Ok((line_item, product_name, price.currency, price.unit_amount))
    }

    /// The inactive Price Stripe makes for a line item's `price_data` at `at`.
    fn inline_price(&self, p: &Params, at: &[&str], now: i64) -> Result<Price, ApiError> {
        let field = |name: &'static str| -> Vec<&str> { [at, &[name]].concat() };
        let currency = p.required_str(&field("currency"))?.to_lowercase();
        let unit_amount = p
            .int(&field("unit_amount"))?
            .ok_or_else(|| ApiError::missing("line_items[0][price_data][unit_amount]"))?;
        if unit_amount < 0 {
            return Err(ApiError::invalid(
                "This value must be greater than or equal to 0.",
                Some("line_items[0][price_data][unit_amount]"),
            ));
        }
        let product = match (p.str(&field("product")), p.has(&field("product_data"))) {
            (Some(_), true) => {
                return Err(ApiError::invalid(
                    "You may only specify one of these parameters: product, product_data.",
                    Some("line_items[0][price_data]"),
                ));
            }
            (Some(id), false) => {
                let product = self
                    .catalog
                    .products
                    .iter()
                    .find(|x| x.id == id)
                    .ok_or_else(|| ApiError {
                        status: 400,
                        ..ApiError::missing_resource(
                            "product",
                            id,
                            "line_items[0][price_data][product]",
                        )
                    })?;
                if !product.active {
                    return Err(ApiError::invalid(
                        format!("The product `{id}` is not active."),
                        Some("line_items[0][price_data][product]"),
                    ));
                }
                product.id.clone()
            }
            // Stripe makes a Product of `product_data`; the simulator names
            // one without keeping it in its catalog.
            (None, true) => new_id("prod_", 14),
            (None, false) => {
                return Err(ApiError::missing("line_items[0][price_data][product]"));
            }
        };
        Ok(Price {
            id: new_id("price_", 24),
            created: now,
            product,
            currency,
            unit_amount,
            active: false,
            lookup_key: None,
            nickname: None,
            metadata: Default::default(),
            tax_behavior: catalog::tax_behavior(p, &field("tax_behavior"))?
                .unwrap_or_else(|| "unspecified".to_owned()),
        })
    }

    /// A session's line items as Stripe lists them (`/line_items`).
    pub fn line_items(&self, id: &str) -> Result<Value, ApiError> {
        let session = self.session(id)?;
        let items: Vec<Value> = session
            .line_item
            .iter()
            .map(|item| {
                let price = match &item.price {
                    LinePrice::Catalog(price) => self.catalog.price(price)?,
                    LinePrice::Inline(price) => price.json(),
                };
                Ok(json!({
                    "id": item.id, "object": "item", "adjustable_quantity": null,
                    "amount_discount": 0, "amount_subtotal": session.amount_total,
                    "amount_tax": 0, "amount_total": session.amount_total,
                    "currency": session.currency, "description": session.product_name,
                    "metadata": {}, "price": price, "quantity": item.quantity,
                }))
            })
            .collect::<Result<_, ApiError>>()?;
        Ok(json!({
            "object": "list", "data": items, "has_more": false,
            "url": format!("/v1/checkout/sessions/{id}/line_items"),
        }))
    }

    /// A session as retrieved; with `expand[]=line_items`, its line items.
    pub fn session_json(&self, id: &str, p: &Params) -> Result<Value, ApiError> {
        p.only(&[])?;
        let mut json = self.session(id)?.json();
        if p.list(&["expand"]).iter().any(|e| e == "line_items") {
            json["line_items"] = self.line_items(id)?;
        }
        Ok(json)
    }

    pub fn session(&self, id: &str) -> Result<&Session, ApiError> {
        self.sessions
            .get(id)
            .ok_or_else(|| ApiError::missing_resource("checkout.session", id, "session"))
    }

    fn intent_mut(&mut self, id: &str) -> Result<&mut Intent, ApiError> {
        self.intents
            .get_mut(id)
            .ok_or_else(|| ApiError::missing_resource("payment_intent", id, "intent"))
    }

    /// Ends an open session: by the API, or by the clock passing `expires_at`.
    pub fn expire_session(&mut self, id: &str, now: i64) -> Result<Value, ApiError> {
        let session = self.session(id)?;
        if session.status != "open" {
            return Err(ApiError::state(
                "checkout_session_not_open",
                format!(
                    "Only Checkout Sessions with a status of `open` can be expired; this one is `{}`.",
                    session.status
                ),
            ));
        }
        let intent_id = session.payment_intent.clone();
        if let Some(intent_id) = intent_id {
            let intent = self.intent_mut(&intent_id)?;
            if intent.status == "requires_payment_method" {
                intent.status = "canceled";
                intent.canceled_at = Some(now);
                intent.cancellation_reason = Some("abandoned".into());
                let json = intent.json();
                self.emit("payment_intent.canceled", json, now);
            }
        }
        let session = self.sessions.get_mut(id).expect("checked above");
        session.status = "expired";
        let json = session.json();
        self.emit("checkout.session.expired", json.clone(), now);
        Ok(json)
    }

    /// Expires every open session whose time is up.
    pub fn sweep(&mut self, now: i64) {
        let due: Vec<String> = self
            .sessions
            .values()
            .filter(|s| s.status == "open" && s.expires_at <= now)
            .map(|s| s.id.clone())
            .collect();
        for id in due {
            self.expire_session(&id, now)
                .expect("due sessions are open");
        }
    }

    /// Applies a payer's action; returns where the payer goes next, if anywhere.
    pub fn payer_action(
        &mut self,
        id: &str,
        action: PayerAction,
        now: i64,
    ) -> Result<Option<String>, ApiError> {
        let session = self.session(id)?.clone();
        let expected = match action {
            PayerAction::Pay
            | PayerAction::PayDisputed
            | PayerAction::Decline
            | PayerAction::Delayed => session.status == "open",
            PayerAction::DelayedSucceeds | PayerAction::DelayedFails => {
                session.status == "complete" && session.payment_status == "unpaid"
            }
        };
        if !expected {
            return Err(ApiError::state(
                "checkout_session_unexpected_state",
                "This Checkout Session cannot do that now.",
            ));
        }
        let intent_id = self.ensure_intent(&session, now);
        let intent = self.intents.get_mut(&intent_id).expect("just ensured");
        let mut charge = match (action, &intent.latest_charge) {
            // A delayed method's outcome settles the charge made when the payer chose it.
            (PayerAction::DelayedSucceeds | PayerAction::DelayedFails, Some(pending)) => self
                .charges
                .remove(pending)
                .expect("charges outlive their intents"),
            _ => Charge {
                id: new_id("ch_3", 24),
                created: now,
                amount: intent.amount,
                amount_captured: 0,
                amount_refunded: 0,
                captured: false,
                currency: intent.currency.clone(),
                status: "succeeded",
                payment_intent: intent_id.clone(),
                metadata: intent.metadata.clone(),
                failure: None,
                email: session.customer_email.clone(),
                refunds: Vec::new(),
                dispute: None,
                disputes_when_captured: action == PayerAction::PayDisputed,
            },
        };
        let charge_id = charge.id.clone();
        intent.latest_charge = Some(charge_id.clone());
        match action {
            PayerAction::Pay | PayerAction::PayDisputed | PayerAction::DelayedSucceeds => {
                settle(intent, &mut charge);
                let intent_json = intent.json();
                let manual = intent.capture == Capture::Manual;
                self.charges.insert(charge_id.clone(), charge);
                self.emit(
                    if manual {
                        "payment_intent.amount_capturable_updated"
                    } else {
                        "payment_intent.succeeded"
                    },
                    intent_json,
                    now,
                );
                let updated = self.sessions.get_mut(id).expect("checked above");
                updated.status = "complete";
                // Checkout reports an authorized (manual capture) payment as paid too.
                updated.payment_status = "paid";
                let json = updated.json();
                let completed = action != PayerAction::DelayedSucceeds;
                let kind = if completed {
                    "checkout.session.completed"
                } else {
                    "checkout.session.async_payment_succeeded"
                };
                self.emit(kind, json, now);
                if !manual {
                    self.dispute_if_marked(&charge_id, now);
                }
                Ok(if completed {
                    session_redirect(&session.success_url, id)
                } else {
                    None
                })
            }
            PayerAction::Decline | PayerAction::DelayedFails => {
                let failure = (
                    "card_declined".to_owned(),
                    "Your card was declined.".to_owned(),
                );
                intent.status = "requires_payment_method";
                intent.last_error = Some(failure.clone());
                charge.status = "failed";
                charge.failure = Some(failure);
                let intent_json = intent.json();
                self.charges.insert(charge_id, charge);
                self.emit("payment_intent.payment_failed", intent_json, now);
                if action == PayerAction::DelayedFails {
                    let json = self.sessions[id].json();
                    self.emit("checkout.session.async_payment_failed", json, now);
                }
                Ok(None)
            }
            PayerAction::Delayed => {
                intent.status = "processing";
                intent.last_error = None;
                charge.status = "pending";
                self.charges.insert(charge_id, charge);
                let updated = self.sessions.get_mut(id).expect("checked above");
                updated.status = "complete";
                updated.payment_status = "unpaid";
                let json = updated.json();
                self.emit("checkout.session.completed", json, now);
                Ok(session_redirect(&session.success_url, id))
            }
        }
    }

    /// The session's PaymentIntent, created at the payer's first attempt as Checkout does.
    fn ensure_intent(&mut self, session: &Session, now: i64) -> String {
        if let Some(id) = &session.payment_intent {
            return id.clone();
        }
        let id = new_id("pi_3", 24);
        self.intents.insert(
            id.clone(),
            Intent {
                id: id.clone(),
                created: now,
                amount: session.amount_total,
                amount_capturable: 0,
                amount_received: 0,
                currency: session.currency.clone(),
                capture: session.capture,
                status: "requires_payment_method",
                metadata: session.intent_metadata.clone(),
                latest_charge: None,
                last_error: None,
                canceled_at: None,
                cancellation_reason: None,
                receipt_email: session.customer_email.clone(),
            },
        );
        self.sessions
            .get_mut(&session.id)
            .expect("exists")
            .payment_intent = Some(id.clone());
        id
    }

    pub fn intent(&self, id: &str) -> Result<Value, ApiError> {
        self.intents
            .get(id)
            .map(Intent::json)
            .ok_or_else(|| ApiError::missing_resource("payment_intent", id, "intent"))
    }

    pub fn capture(&mut self, id: &str, p: &Params, now: i64) -> Result<Value, ApiError> {
        p.only(&["amount_to_capture"])?;
        let amount = p.int(&["amount_to_capture"])?;
        let intent = self.intent_mut(id)?;
        if intent.status != "requires_capture" {
            return Err(ApiError::state(
                "payment_intent_unexpected_state",
                format!(
                    "This PaymentIntent could not be captured because it has a status of {}. Only a PaymentIntent \
                     with one of the following statuses may be captured: requires_capture.",
                    intent.status
                ),
            ));
        }
        let amount = amount.unwrap_or(intent.amount_capturable);
        if !(1..=intent.amount_capturable).contains(&amount) {
            return Err(ApiError::param(
                "amount_too_large",
                "amount_to_capture",
                "The amount to capture must be positive and at most the amount capturable.",
            ));
        }
        intent.status = "succeeded";
        intent.amount_received = amount;
        intent.amount_capturable = 0;
        let charge_id = intent
            .latest_charge
            .clone()
            .expect("authorized intents have a charge");
        let json = intent.json();
        let charge = self
            .charges
            .get_mut(&charge_id)
            .expect("charges outlive their intents");
        charge.captured = true;
        charge.amount_captured = amount;
        self.emit("payment_intent.succeeded", json.clone(), now);
        self.dispute_if_marked(&charge_id, now);
        Ok(json)
    }

    pub fn cancel(&mut self, id: &str, p: &Params, now: i64) -> Result<Value, ApiError> {
        p.only(&["cancellation_reason"])?;
        let reason = p.str(&["cancellation_reason"]).map(str::to_owned);
        let intent = self.intent_mut(id)?;
        if ![
            "requires_payment_method",
            "requires_capture",
            "requires_confirmation",
            "requires_action",
        ]
        .contains(&intent.status)
        {
            return Err(ApiError::state(
                "payment_intent_unexpected_state",
                format!(
                    "You cannot cancel this PaymentIntent because it has a status of {}. Only a PaymentIntent with \
                     one of the following statuses may be canceled: requires_payment_method, requires_capture, \
                     requires_confirmation, requires_action, processing.",
                    intent.status
                ),
            ));
        }
        intent.status = "canceled";
        intent.amount_capturable = 0;
        intent.canceled_at = Some(now);
        intent.cancellation_reason = reason;
        let json = intent.json();
        self.emit("payment_intent.canceled", json.clone(), now);
        Ok(json)
    }

    pub fn create_refund(&mut self, p: &Params, now: i64) -> Result<Value, ApiError> {
        p.only(&["payment_intent", "charge", "amount", "reason", "metadata"])?;
        let reason = p.str(&["reason"]).map(str::to_owned);
        if let Some(reason) = &reason
            && !["duplicate", "fraudulent", "requested_by_customer"].contains(&reason.as_str())
        {
            return Err(ApiError::invalid(
                format!(
                    "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer (got {reason})."
                ),
                Some("reason"),
            ));
        }
        let amount = p.int(&["amount"])?;
        if amount.is_some_and(|a| a < 1) {
            return Err(ApiError::param(
                "parameter_invalid_integer",
                "amount",
                "This value must be greater than or equal to 1.",
            ));
        }
        let intent_id = match (p.str(&["payment_intent"]), p.str(&["charge"])) {
            (Some(pi), _) => pi.to_owned(),
            (None, Some(ch)) => self
                .charges
                .get(ch)
                .map(|c| c.payment_intent.clone())
                .ok_or_else(|| ApiError::missing_resource("charge", ch, "charge"))?,
            (None, None) => return Err(ApiError::missing("payment_intent")),
        };
        let intent = self.intents.get(&intent_id).ok_or_else(|| {
            ApiError::missing_resource("payment_intent", &intent_id, "payment_intent")
        })?;
        let charge_id = match (&intent.latest_charge, intent.status) {
            (Some(charge), "succeeded") => charge.clone(),
            _ => {
                return Err(ApiError::state(
                    "charge_not_refundable",
                    format!(
                        "This PaymentIntent ({intent_id}) does not have a successful charge to refund."
                    ),
                ));
            }
        };
        if let Some(named) = p.str(&["charge"])
            && named != charge_id
        {
            return Err(ApiError::invalid(
                format!("Charge {named} does not belong to PaymentIntent {intent_id}."),
                Some("charge"),
            ));
        }
        // A dispute that is open or lost has taken the funds back already; a
        // won one gives them back to refund.
        let disputed = self.charges[&charge_id]
            .dispute
            .as_ref()
            .and_then(|id| self.disputes.get(id))
            .is_some_and(|dispute| dispute.status != "won");
        if disputed {
            return Err(ApiError::state(
                "charge_disputed",
                format!("Charge {charge_id} has been charged back; it cannot be refunded."),
            ));
        }
        let charge = self
            .charges
            .get_mut(&charge_id)
            .expect("charges outlive their intents");
        let left = charge.amount_captured - charge.amount_refunded;
        if left == 0 {
            return Err(ApiError::state(
                "charge_already_refunded",
                format!("Charge {charge_id} has already been refunded."),
            ));
        }
        let amount = amount.unwrap_or(left);
        if amount > left {
            return Err(ApiError::param(
                "amount_too_large",
                "amount",
                format!(
                    "Refund amount ({amount}) is greater than unrefunded amount on charge ({left})"
                ),
            ));
        }
        let refund = Refund {
            id: new_id("re_3", 24),
            created: now,
            amount,
            currency: charge.currency.clone(),
            charge: charge_id,
            payment_intent: intent_id,
            metadata: p.map(&["metadata"]),
            reason,
        };
        charge.amount_refunded += amount;
        charge.refunds.push(refund.id.clone());
        // Events carry the charge as the API answers it, without its refunds.
        let charge_json = charge.json(None);
        let json = refund.json();
        self.refunds.insert(refund.id.clone(), refund);
        self.emit("refund.created", json.clone(), now);
        self.emit("charge.refunded", charge_json, now);
        Ok(json)
    }

    pub fn refund(&self, id: &str) -> Result<Value, ApiError> {
        self.refunds
            .get(id)
            .map(Refund::json)
            .ok_or_else(|| ApiError::missing_resource("refund", id, "refund"))
    }

    /// A charge; with `expand[]=refunds`, its refunds, newest first.
    pub fn charge(&self, id: &str, p: &Params) -> Result<Value, ApiError> {
        p.only(&[])?;
        let charge = self
            .charges
            .get(id)
            .ok_or_else(|| ApiError::missing_resource("charge", id, "charge"))?;
        let refunds = p.list(&["expand"]).iter().any(|e| e == "refunds").then(|| {
            charge
                .refunds
                .iter()
                .rev()
                .filter_map(|id| self.refunds.get(id).map(Refund::json))
                .collect()
        });
        Ok(charge.json(refunds))
    }

    /// Opens a dispute of the captured charge `payment` (a `ch_` or the `pi_`
    /// of its charge), as the issuer does when a cardholder disputes it:
    /// status `needs_response`, the funds taken back, `charge.dispute.created`.
    pub fn open_dispute(
        &mut self,
        payment: &str,
        reason: &str,
        now: i64,
    ) -> Result<Value, ApiError> {
        let charge_id = if payment.starts_with("pi_") {
            self.intents
                .get(payment)
                .ok_or_else(|| {
                    ApiError::missing_resource("payment_intent", payment, "payment_intent")
                })?
                .latest_charge
                .clone()
                .ok_or_else(|| {
                    ApiError::state(
                        "charge_not_disputable",
                        format!("PaymentIntent {payment} has no charge."),
                    )
                })?
        } else {
            payment.to_owned()
        };
        let charge = self
            .charges
            .get_mut(&charge_id)
            .ok_or_else(|| ApiError::missing_resource("charge", &charge_id, "charge"))?;
        if let Some(dispute) = &charge.dispute {
            return Err(ApiError::state(
                "charge_disputed",
                format!("Charge {charge_id} is already disputed ({dispute})."),
            ));
        }
        if !charge.captured {
            return Err(ApiError::state(
                "charge_not_disputable",
                format!(
                    "Charge {charge_id} is not captured; only captured charges can be disputed."
                ),
            ));
        }
        let dispute = Dispute {
            id: new_id("du_", 24),
            created: now,
            amount: charge.amount_captured,
            currency: charge.currency.clone(),
            charge: charge_id,
            payment_intent: charge.payment_intent.clone(),
            status: "needs_response",
            reason: reason.to_owned(),
            metadata: Default::default(),
            evidence: Default::default(),
            submission_count: 0,
            due_by: now + DISPUTE_RESPONSE_SECS,
        };
        charge.dispute = Some(dispute.id.clone());
        charge.disputes_when_captured = false;
        let json = dispute.json();
        self.disputes.insert(dispute.id.clone(), dispute);
        self.emit("charge.dispute.created", json.clone(), now);
        Ok(json)
    }

    /// Opens the dispute the dispute test card asked for, once the charge is captured.
    fn dispute_if_marked(&mut self, charge_id: &str, now: i64) {
        if self.charges[charge_id].disputes_when_captured {
            self.open_dispute(charge_id, "fraudulent", now)
                .expect("a captured charge with no dispute can be disputed");
        }
    }

    pub fn dispute(&self, id: &str) -> Result<Value, ApiError> {
        self.disputes
            .get(id)
            .map(Dispute::json)
            .ok_or_else(|| ApiError::missing_resource("dispute", id, "dispute"))
    }

    fn open_dispute_mut(&mut self, id: &str) -> Result<&mut Dispute, ApiError> {
        let dispute = self
            .disputes
            .get_mut(id)
            .ok_or_else(|| ApiError::missing_resource("dispute", id, "dispute"))?;
        if !["needs_response", "under_review"].contains(&dispute.status) {
            return Err(ApiError::state(
                "dispute_already_closed",
                format!("This dispute is already closed ({}).", dispute.status),
            ));
        }
        Ok(dispute)
    }

    /// `POST /v1/disputes/{id}`: metadata, and evidence staged or submitted
    /// (`submit`, default true). Submitted evidence puts the dispute under
    /// review; Stripe's test values close it at once, as in test mode:
    /// `uncategorized_text=winning_evidence` won, `losing_evidence` lost.
    pub fn update_dispute(&mut self, id: &str, p: &Params, now: i64) -> Result<Value, ApiError> {
        p.only(&["evidence", "metadata", "submit"])?;
        let submit = match p.str(&["submit"]) {
            None | Some("true") => true,
            Some("false") => false,
            Some(other) => {
                return Err(ApiError::param(
                    "parameter_invalid_boolean",
                    "submit",
                    format!("Invalid boolean: {other}"),
                ));
            }
        };
        let evidence = p.map(&["evidence"]);
        let metadata = p.map(&["metadata"]);
        let dispute = self.open_dispute_mut(id)?;
        for (key, value) in metadata {
            if value.is_empty() {
                dispute.metadata.remove(&key);
            } else {
                dispute.metadata.insert(key, value);
            }
        }
        dispute.evidence.extend(evidence);
        let outcome = if submit && !dispute.evidence.is_empty() {
            dispute.submission_count += 1;
            dispute.status = "under_review";
            match dispute
                .evidence
                .get("uncategorized_text")
                .map(String::as_str)
            {
                Some("winning_evidence") => Some("won"),
                Some("losing_evidence") => Some("lost"),
                _ => None,
            }
        } else {
            None
        };
        let json = dispute.json();
        self.emit("charge.dispute.updated", json.clone(), now);
        match outcome {
            Some(status) => self.close_dispute_as(id, status, now),
            None => Ok(json),
        }
    }

    /// `POST /v1/disputes/{id}/close`: the dispute is accepted, and lost.
    pub fn close_dispute(&mut self, id: &str, p: &Params, now: i64) -> Result<Value, ApiError> {
        p.only(&[])?;
        self.open_dispute_mut(id)?;
        self.close_dispute_as(id, "lost", now)
    }

    fn close_dispute_as(&mut self, id: &str, status: Status, now: i64) -> Result<Value, ApiError> {
        let dispute = self.open_dispute_mut(id)?;
        dispute.status = status;
        let json = dispute.json();
        self.emit("charge.dispute.closed", json.clone(), now);
        Ok(json)
    }

    pub fn event(&self, id: &str) -> Result<Value, ApiError> {
        self.events
            .iter()
            .find(|e| e["id"] == id)
            .cloned()
            .ok_or_else(|| ApiError::missing_resource("event", id, "id"))
    }

    pub fn add_endpoint(
        &mut self,
        url: String,
        secret: Option<String>,
        enabled_events: Vec<String>,
        now: i64,
        configured: bool,
    ) -> Endpoint {
        let endpoint = Endpoint {
            id: new_id("we_", 24),
            created: now,
            url,
            secret: secret.unwrap_or_else(|| new_id("whsec_", 32)),
            enabled_events,
            api_version: Some(crate::objects::API_VERSION.to_owned()),
            configured,
        };
        self.endpoints.edit().push(endpoint.clone());
        endpoint
    }

    /// Makes the configured endpoints those of `targets` (URL and secret):
    /// the k-th configured endpoint keeps its id, and so the deliveries queued
    /// for it, and takes the k-th target's URL and secret (a restart may serve
    /// on another port); extra ones are removed, missing ones added.
    pub fn configure_endpoints(&mut self, targets: &[(String, String)], now: i64) {
        let mut targets = targets.iter();
        let endpoints = self.endpoints.edit();
        endpoints.retain_mut(|endpoint| {
            if !endpoint.configured {
                return true;
            }
            match targets.next() {
                Some((url, secret)) => {
                    endpoint.url = url.clone();
                    endpoint.secret = secret.clone();
                    true
                }
                None => false,
            }
        });
        for (url, secret) in targets {
            self.add_endpoint(
                url.clone(),
                Some(secret.clone()),
                vec!["*".into()],
                now,
                true,
            );
        }
    }

    pub fn create_endpoint(&mut self, p: &Params, now: i64) -> Result<Value, ApiError> {
        p.only(&[
            "url",
            "enabled_events",
            "api_version",
            "description",
            "metadata",
        ])?;
        let url = p.required_str(&["url"])?.to_owned();
        let events = p.list(&["enabled_events"]);
        if events.is_empty() {
            return Err(ApiError::missing("enabled_events"));
        }
        if let Some(version) = p.str(&["api_version"])
            && version != crate::objects::API_VERSION
        {
            return Err(ApiError::invalid(
                format!(
                    "The simulator speaks API version {} only.",
                    crate::objects::API_VERSION
                ),
                Some("api_version"),
            ));
        }
        Ok(self.add_endpoint(url, None, events, now, false).json(true))
    }

    pub fn delete_endpoint(&mut self, id: &str) -> Result<Value, ApiError> {
        let before = self.endpoints.len();
        self.endpoints.edit().retain(|e| e.id != id);
        if self.endpoints.len() == before {
            return Err(ApiError::missing_resource("webhook_endpoint", id, "id"));
        }
        Ok(json!({ "id": id, "object": "webhook_endpoint", "deleted": true }))
    }
}

/// The hosted page of session `id` on a simulator reached at `base`.
fn checkout_url(base: &str, id: &str) -> String {
    format!("{base}/checkout/{id}")
}

/// Marks a successful payment: authorized under manual capture, else captured.
fn settle(intent: &mut Intent, charge: &mut Charge) {
    intent.last_error = None;
    charge.status = "succeeded";
    if intent.capture == Capture::Manual {
        intent.status = "requires_capture";
        intent.amount_capturable = intent.amount;
    } else {
        intent.status = "succeeded";
        intent.amount_received = intent.amount;
        charge.captured = true;
        charge.amount_captured = charge.amount;
    }
}

/// The success or cancel URL with Stripe's `{CHECKOUT_SESSION_ID}` template filled in.
pub fn session_redirect(url: &Option<String>, id: &str) -> Option<String> {
    url.as_ref().map(|u| u.replace("{CHECKOUT_SESSION_ID}", id))
}
