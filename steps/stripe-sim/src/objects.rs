//! The simulator's objects and their JSON in Stripe's shapes (API version
//! `2026-09-30.endive`): every field Stripe always sends is present, null when unused,
//! because clients such as async-stripe reject objects with missing fields.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Value, json};

use crate::catalog::Price;

/// The API version the simulator speaks and stamps on events.
pub const API_VERSION: &str = "2026-09-30.endive";

/// How a PaymentIntent's funds are captured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capture {
    /// On payment.
    Automatic,
    /// By a capture call.
    Manual,
}

impl Capture {
    fn as_str(self) -> &'static str {
        match self {
            Self::Automatic => "automatic_async",
            Self::Manual => "manual",
        }
    }
}

/// A Checkout Session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub id: String,
    pub created: i64,
    pub expires_at: i64,
    #[serde(deserialize_with = "known")]
    pub status: Status,
    #[serde(deserialize_with = "known")]
    pub payment_status: Status,
    pub amount_total: i64,
    pub currency: String,
    pub product_name: String,
    pub customer_email: Option<String>,
    pub client_reference_id: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub intent_metadata: BTreeMap<String, String>,
    pub capture: Capture,
    pub success_url: Option<String>,
    pub cancel_url: Option<String>,
    pub payment_intent: Option<String>,
    /// The hosted page, while the session is open.
    pub url: String,
    /// What is sold; `None` for a session saved before line items were kept.
    #[serde(default)]
    pub line_item: Option<LineItem>,
}

/// A session's one line item.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LineItem {
    /// `li_…`.
    pub id: String,
    pub quantity: i64,
    pub price: LinePrice,
}

/// The Price of a line item.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinePrice {
    /// A catalog Price, by id (`line_items[n][price]`).
    Catalog(String),
    /// The inactive Price Stripe makes from `line_items[n][price_data]`.
    Inline(Price),
}

/// A PaymentIntent.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Intent {
    pub id: String,
    pub created: i64,
    pub amount: i64,
    pub amount_capturable: i64,
    pub amount_received: i64,
    pub currency: String,
    pub capture: Capture,
    #[serde(deserialize_with = "known")]
    pub status: Status,
    pub metadata: BTreeMap<String, String>,
    pub latest_charge: Option<String>,
    pub last_error: Option<(String, String)>,
    pub canceled_at: Option<i64>,
    pub cancellation_reason: Option<String>,
    pub receipt_email: Option<String>,
}

/// A Charge.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Charge {
    pub id: String,
    pub created: i64,
    pub amount: i64,
    pub amount_captured: i64,
    pub amount_refunded: i64,
    pub captured: bool,
    pub currency: String,
    #[serde(deserialize_with = "known")]
    pub status: Status,
    pub payment_intent: String,
    pub metadata: BTreeMap<String, String>,
    pub failure: Option<(String, String)>,
    pub email: Option<String>,
    /// Its refunds' ids, oldest first.
    #[serde(default)]
    pub refunds: Vec<String>,
    /// Its dispute's id, once disputed.
    #[serde(default)]
    pub dispute: Option<String>,
    /// Paid with the dispute test card under manual capture: the dispute opens
    /// when the funds are captured.
    #[serde(default)]
    pub disputes_when_captured: bool,
}

/// A Refund.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Refund {
    pub id: String,
    pub created: i64,
    pub amount: i64,
    pub currency: String,
    pub charge: String,
    pub payment_intent: String,
    pub metadata: BTreeMap<String, String>,
    pub reason: Option<String>,
}

/// A Dispute of a charge.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Dispute {
    pub id: String,
    pub created: i64,
    pub amount: i64,
    pub currency: String,
    pub charge: String,
    pub payment_intent: String,
    #[serde(deserialize_with = "known")]
    pub status: Status,
    pub reason: String,
    pub metadata: BTreeMap<String, String>,
    /// The text evidence fields given, by name (`uncategorized_text`, ...).
    pub evidence: BTreeMap<String, String>,
    /// How many times evidence was submitted.
    pub submission_count: u64,
    /// The last day to respond, in unix seconds.
    pub due_by: i64,
}

/// A webhook endpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Endpoint {
    pub id: String,
    pub created: i64,
    pub url: String,
    pub secret: String,
    /// `*` or event types.
    pub enabled_events: Vec<String>,
    pub api_version: Option<String>,
    /// Made from [`crate::SimConfig::webhooks`] rather than through the API.
    #[serde(default)]
    pub configured: bool,
}

/// An object's status: one of [`STATUSES`]. (An alias rather than
/// `&'static str` written out, which serde's derive would borrow from the
/// input instead of reading through [`known`].)
pub type Status = &'static str;

/// Every status the objects take, so that a saved one reads back as the same
/// `&'static str`.
const STATUSES: &[&str] = &[
    "open",
    "complete",
    "expired",
    "paid",
    "unpaid",
    "no_payment_required",
    "requires_payment_method",
    "requires_confirmation",
    "requires_action",
    "requires_capture",
    "processing",
    "canceled",
    "succeeded",
    "failed",
    "pending",
    "needs_response",
    "under_review",
    "won",
    "lost",
];

fn known<'de, D: Deserializer<'de>>(deserializer: D) -> Result<&'static str, D::Error> {
    let text = String::deserialize(deserializer)?;
    STATUSES
        .iter()
        .find(|status| **status == text)
        .copied()
        .ok_or_else(|| serde::de::Error::custom(format!("unknown status {text:?}")))
}

impl Endpoint {
    /// Whether events of `kind` go to this endpoint.
    pub fn wants(&self, kind: &str) -> bool {
        self.enabled_events.iter().any(|e| e == "*" || e == kind)
    }
}

impl Session {
    pub fn json(&self) -> Value {
        let open = self.status == "open";
        let customer_details = (!open).then(|| {
            json!({
                "address": null, "business_name": null, "email": self.customer_email,
                "individual_name": null, "name": null, "phone": null, "tax_exempt": "none", "tax_ids": [],
            })
        });
        json!({
            "id": self.id, "object": "checkout.session",
            "adaptive_pricing": null, "after_expiration": null, "allow_promotion_codes": null,
            "amount_subtotal": self.amount_total, "amount_total": self.amount_total,
            "automatic_tax": { "enabled": false, "liability": null, "provider": null, "status": null },
            "billing_address_collection": null, "cancel_url": self.cancel_url,
            "client_reference_id": self.client_reference_id, "client_secret": null,
            "collected_information": null, "consent": null, "consent_collection": null,
            "created": self.created, "currency": self.currency, "currency_conversion": null,
            "custom_fields": [],
            "custom_text": { "after_submit": null, "shipping_address": null, "submit": null, "terms_of_service_acceptance": null },
            "customer": null, "customer_account": null, "customer_creation": "if_required",
            "customer_details": customer_details, "customer_email": self.customer_email,
            "discounts": [], "expires_at": self.expires_at, "invoice": null, "invoice_creation": null,
            "livemode": false, "locale": null, "metadata": self.metadata, "mode": "payment",
            "payment_intent": self.payment_intent, "payment_link": null,
            "payment_method_collection": "if_required", "payment_method_configuration_details": null,
            "payment_method_options": {}, "payment_method_types": ["card"],
            "payment_status": self.payment_status, "phone_number_collection": { "enabled": false },
            "recovered_from": null, "saved_payment_method_options": null, "setup_intent": null,
            "shipping_address_collection": null, "shipping_cost": null, "shipping_options": [],
            "status": self.status, "submit_type": null, "subscription": null,
            "success_url": self.success_url,
            "total_details": { "amount_discount": 0, "amount_shipping": 0, "amount_tax": 0 },
            "ui_mode": "hosted_page", "url": open.then_some(&self.url), "wallet_options": null,
        })
    }
}

impl Intent {
    pub fn json(&self) -> Value {
        let last_payment_error = self.last_error.as_ref().map(|(code, message)| {
            json!({ "type": "card_error", "code": code, "decline_code": "generic_decline", "message": message, "charge": self.latest_charge })
        });
        json!({
            "id": self.id, "object": "payment_intent",
            "amount": self.amount, "amount_capturable": self.amount_capturable,
            "amount_details": { "tip": {} }, "amount_received": self.amount_received,
            "application": null, "application_fee_amount": null, "automatic_payment_methods": null,
            "canceled_at": self.canceled_at, "cancellation_reason": self.cancellation_reason,
            "capture_method": self.capture.as_str(),
            "client_secret": format!("{}_secret_simulated", self.id),
            "confirmation_method": "automatic", "created": self.created, "currency": self.currency,
            "customer": null, "description": null, "last_payment_error": last_payment_error,
            "latest_charge": self.latest_charge, "livemode": false, "metadata": self.metadata,
            "next_action": null, "on_behalf_of": null, "payment_method": null,
            "payment_method_options": {}, "payment_method_types": ["card"], "processing": null,
            "receipt_email": self.receipt_email, "review": null, "setup_future_usage": null,
            "shipping": null, "source": null, "statement_descriptor": null,
            "statement_descriptor_suffix": null, "status": self.status,
            "transfer_data": null, "transfer_group": null,
        })
    }
}

impl Charge {
    /// The charge; `refunds`, the list of its refunds, only when expanded
    /// (Stripe stopped including it by default in API version 2022-11-15).
    pub fn json(&self, refunds: Option<Vec<Value>>) -> Value {
        let mut value = json!({
            "id": self.id, "object": "charge",
            "amount": self.amount, "amount_captured": self.amount_captured,
            "amount_refunded": self.amount_refunded, "application": null, "application_fee": null,
            "application_fee_amount": null, "balance_transaction": null,
            "billing_details": { "address": null, "email": self.email, "name": null, "phone": null, "tax_id": null },
            "calculated_statement_descriptor": null, "captured": self.captured,
            "created": self.created, "currency": self.currency, "customer": null, "description": null,
            "disputed": self.dispute.is_some(), "failure_balance_transaction": null,
            "failure_code": self.failure.as_ref().map(|f| &f.0),
            "failure_message": self.failure.as_ref().map(|f| &f.1),
            "fraud_details": {}, "livemode": false, "metadata": self.metadata, "on_behalf_of": null,
            "outcome": null, "paid": self.status == "succeeded", "payment_intent": self.payment_intent,
            "payment_method": null, "payment_method_details": null, "receipt_email": null,
            "receipt_number": null, "receipt_url": null,
            "refunded": self.amount_captured > 0 && self.amount_refunded >= self.amount_captured,
            "review": null, "shipping": null, "source_transfer": null, "statement_descriptor": null,
            "statement_descriptor_suffix": null, "status": self.status,
            "transfer_data": null, "transfer_group": null,
        });
        if let Some(refunds) = refunds {
            value["refunds"] = json!({
                "object": "list", "has_more": false, "total_count": refunds.len(),
                "url": format!("/v1/charges/{}/refunds", self.id), "data": refunds,
            });
        }
        value
    }
}

impl Dispute {
    pub fn json(&self) -> Value {
        let text = |name: &str| self.evidence.get(name);
        json!({
            "id": self.id, "object": "dispute", "amount": self.amount, "balance_transactions": [],
            "charge": self.charge, "created": self.created, "currency": self.currency,
            "enhanced_eligibility_types": [],
            "evidence": {
                "access_activity_log": text("access_activity_log"), "billing_address": text("billing_address"),
                "cancellation_policy": null, "cancellation_policy_disclosure": text("cancellation_policy_disclosure"),
                "cancellation_rebuttal": text("cancellation_rebuttal"), "customer_communication": null,
                "customer_email_address": text("customer_email_address"), "customer_name": text("customer_name"),
                "customer_purchase_ip": text("customer_purchase_ip"), "customer_signature": null,
                "duplicate_charge_documentation": null, "duplicate_charge_explanation": text("duplicate_charge_explanation"),
                "duplicate_charge_id": text("duplicate_charge_id"), "enhanced_evidence": {},
                "product_description": text("product_description"), "receipt": null, "refund_policy": null,
                "refund_policy_disclosure": text("refund_policy_disclosure"),
                "refund_refusal_explanation": text("refund_refusal_explanation"), "service_date": text("service_date"),
                "service_documentation": null, "shipping_address": text("shipping_address"),
                "shipping_carrier": text("shipping_carrier"), "shipping_date": text("shipping_date"),
                "shipping_documentation": null, "shipping_tracking_number": text("shipping_tracking_number"),
                "uncategorized_file": null, "uncategorized_text": text("uncategorized_text"),
            },
            "evidence_details": {
                "due_by": self.due_by, "enhanced_eligibility": {}, "has_evidence": !self.evidence.is_empty(),
                "past_due": false, "submission_count": self.submission_count,
            },
            "is_charge_refundable": false, "livemode": false, "metadata": self.metadata,
            "network_reason_code": null, "payment_intent": self.payment_intent,
            "payment_method_details": null, "reason": self.reason, "status": self.status,
        })
    }
}

impl Refund {
    pub fn json(&self) -> Value {
        json!({
            "id": self.id, "object": "refund", "amount": self.amount, "balance_transaction": null,
            "charge": self.charge, "created": self.created, "currency": self.currency,
            "destination_details": null, "metadata": self.metadata,
            "payment_intent": self.payment_intent, "reason": self.reason, "receipt_number": null,
            "source_transfer_reversal": null, "status": "succeeded", "transfer_reversal": null,
        })
    }
}

impl Endpoint {
    /// The endpoint; `with_secret` only in the creation response, as Stripe does.
    pub fn json(&self, with_secret: bool) -> Value {
        let mut value = json!({
            "id": self.id, "object": "webhook_endpoint", "api_version": self.api_version,
            "application": null, "created": self.created, "description": null,
            "enabled_events": self.enabled_events, "livemode": false, "metadata": {},
            "status": "enabled", "url": self.url,
        });
        if with_secret {
            value["secret"] = json!(self.secret);
        }
        value
    }
}

/// An event about `object`. Events about the platform's own objects carry no
/// `account` (a connected account's events do) and no `context`.
pub fn event_json(
    id: &str,
    kind: &str,
    created: i64,
    object: Value,
    pending_webhooks: usize,
) -> Value {
    json!({
        "id": id, "object": "event", "api_version": API_VERSION,
        "created": created, "data": { "object": object }, "livemode": false,
        "pending_webhooks": pending_webhooks,
        "request": { "id": null, "idempotency_key": null }, "type": kind,
    })
}
