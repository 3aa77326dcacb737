//! What happens to a payment after it settled, on DynamoDB and SESv2: the
//! Stripe webhook, handed signed events as the API function is, records a
//! partial refund and keeps the access, ends it at the full refund, and a
//! dispute suspends the access (found through the grants' PaymentIntent
//! index) until it is won.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_sesv2::Client;
use campaigns_app::App;
use campaigns_app::access::{self, Grant};
use campaigns_app::clock::SystemClock;
use campaigns_app::http::{ApiRequest, dispatch, route};
use campaigns_app::settings::{AdminAuth, Settings};
use campaigns_app::tokens::AccessTokens;
use campaigns_app::wiring::{Port, Unwired};
use campaigns_aws::{DynamoRecords, SesMailer};
use campaigns_contracts::Example;
use campaigns_contracts::records::{
    AccessGrant, AccessGrantStatus, DiscountPurchase, PurchaseStatus,
};
use campaigns_core::campaign::CampaignId;
use campaigns_core::catalog::ProductId;
use campaigns_core::money::Cents;
use campaigns_mail::{Links, MailSettings, NothingKept};
use campaigns_payments::SignatureVerifier;
use campaigns_records::Records;
use serde_json::{Value, json};

use crate::common::{sdk_config, settings, unique};
use crate::records::create_tables;

const SECRET: &str = "whsec_moto_after_payment";

/// The webhook's App on the AWS adapters: DynamoDB records, SES mail from a
/// verified sender; the payments and workflows ports are not called by the
/// events sent here, and stay unwired, as does the access events' port.
async fn webhook_app() -> App {
    let sdk = sdk_config().await;
    let settings = settings();
    create_tables(&sdk, &settings).await;
    let from = format!("{}@prodenthub.com.au", unique("noreply-"));
    Client::new(&sdk)
        .create_email_identity()
        .email_identity(&from)
        .send()
        .await
        .expect("a verified sender");
    let clock = Arc::new(SystemClock);
    App {
        records: Records::new(Arc::new(DynamoRecords::new(&sdk, &settings, clock.clone()))),
        payments: Arc::new(Unwired(Port::Payments)),
        mail: Arc::new(SesMailer::new(&sdk)),
        kept_mail: Arc::new(NothingKept),
        mail_settings: MailSettings::new(
            from,
            Links::new("https://campaigns.prodenthub.com.au").expect("links"),
        ),
        webhook_verifier: Arc::new(SignatureVerifier::new(SECRET)),
        files: Arc::new(Unwired(Port::Files)),
        scheduler: Arc::new(Unwired(Port::Schedules)),
        workflows: Arc::new(Unwired(Port::Workflows)),
        // The events these changes owe stay owed here (access_events.rs
        // publishes them to EventBridge).
        access_events: Arc::new(Unwired(Port::Access)),
        clock,
        tokens: AccessTokens::new(b"a secret for the moto tests only".to_vec()),
        settings: Arc::new(Settings {
            frontend_url: "https://campaigns.prodenthub.com.au".into(),
            api_base_url: "https://api.prodenthub.com.au/v1".into(),
            admin: AdminAuth::Gateway,
            checkout_lifetime: Duration::from_secs(31 * 60),
            upload_lifetime: Duration::from_secs(15 * 60),
        }),
    }
}

/// A paid $159.20 purchase with its six months of access; its id and
/// PaymentIntent.
async fn paid_purchase(app: &App) -> (String, String) {
    let purchase_id = unique("pur_");
    let payment_intent = unique("pi_");
    let purchase = DiscountPurchase {
        purchase_id: purchase_id.clone(),
        payment_intent_id: Some(payment_intent.clone()),
        ..DiscountPurchase::example()
    };
    app.records.insert(&purchase).await.expect("stored");
    access::grant(
        app,
        &Grant {
            email: &purchase.email,
            product: ProductId::Full6Months,
            campaign: CampaignId::DiscountPurchase,
            record_id: &purchase_id,
            member_id: None,
            payment_intent_id: Some(&payment_intent),
            starts_at: app.now(),
            months: 6,
        },
    )
    .await
    .expect("granted");
    (purchase_id, payment_intent)
}

/// Sends one signed event to the webhook as API Gateway hands it to the
/// function; the status.
async fn deliver(app: &App, kind: &str, object: Value) -> u16 {
    let now = app.now().timestamp();
    let event = json!({
        "id": unique("evt_"),
        "object": "event",
        "type": kind,
        "created": now,
        "livemode": false,
        "data": {"object": object},
    });
    let body = serde_json::to_vec(&event).expect("JSON");
    let request = ApiRequest {
        path_params: BTreeMap::new(),
        query: BTreeMap::new(),
        headers: BTreeMap::from([(
            "stripe-signature".to_owned(),
            campaigns_payments::sign(SECRET, now, &body),
        )]),
        body,
    };
    let webhook = route("stripeWebhook").expect("the webhook route");
    dispatch(app, &webhook, request).await.status
}

fn refunded_charge(purchase_id: &str, payment_intent: &str, refunded: i64) -> Value {
    json!({
        "id": unique("ch_"),
        "object": "charge",
        "amount": 15_920,
        "amount_captured": 15_920,
        "amount_refunded": refunded,
        "refunded": refunded == 15_920,
        "currency": "aud",
        "payment_intent": payment_intent,
        "metadata": {"campaignId": "discount-purchase", "recordId": purchase_id},
    })
}

async fn grant_of(app: &App, purchase_id: &str) -> AccessGrant {
    app.records
        .get::<AccessGrant>(&format!("grant_{purchase_id}"))
        .await
        .expect("reads")
        .expect("the grant")
        .record
}

async fn purchase_of(app: &App, purchase_id: &str) -> DiscountPurchase {
    app.records
        .get::<DiscountPurchase>(purchase_id)
        .await
        .expect("reads")
        .expect("the purchase")
        .record
}

#[tokio::test]
async fn a_partial_refund_keeps_access_and_the_rest_ends_it_on_dynamodb() {
    let app = webhook_app().await;
    let (purchase_id, payment_intent) = paid_purchase(&app).await;

    let part = refunded_charge(&purchase_id, &payment_intent, 5_000);
    assert_eq!(deliver(&app, "charge.refunded", part).await, 200);
    let purchase = purchase_of(&app, &purchase_id).await;
    assert_eq!(
        (purchase.status, purchase.amount_refunded),
        (PurchaseStatus::Paid, Some(Cents(5_000)))
    );
    assert_eq!(
        grant_of(&app, &purchase_id).await.status,
        AccessGrantStatus::Active
    );

    let rest = refunded_charge(&purchase_id, &payment_intent, 15_920);
    assert_eq!(deliver(&app, "charge.refunded", rest).await, 200);
    // The partial refund's event again, late: the record keeps the total.
    let late = refunded_charge(&purchase_id, &payment_intent, 5_000);
    assert_eq!(deliver(&app, "charge.refunded", late).await, 200);
    let purchase = purchase_of(&app, &purchase_id).await;
    assert_eq!(
        (purchase.status, purchase.amount_refunded),
        (PurchaseStatus::Refunded, Some(Cents(15_920)))
    );
    assert_eq!(
        grant_of(&app, &purchase_id).await.status,
        AccessGrantStatus::Revoked
    );
}

#[tokio::test]
async fn a_dispute_suspends_access_until_won_on_dynamodb() {
    let app = webhook_app().await;
    let (purchase_id, payment_intent) = paid_purchase(&app).await;
    let dispute_id = unique("du_");
    let dispute = |status: &str| {
        json!({
            "id": dispute_id,
            "object": "dispute",
            "amount": 15_920,
            "currency": "aud",
            "charge": unique("ch_"),
            "payment_intent": payment_intent,
            "reason": "fraudulent",
            "status": status,
            "metadata": {},
        })
    };

    assert_eq!(
        deliver(&app, "charge.dispute.created", dispute("needs_response")).await,
        200
    );
    assert_eq!(
        grant_of(&app, &purchase_id).await.status,
        AccessGrantStatus::Suspended
    );
    assert_eq!(
        deliver(&app, "charge.dispute.closed", dispute("won")).await,
        200
    );
    let restored = grant_of(&app, &purchase_id).await;
    assert_eq!(restored.status, AccessGrantStatus::Active);
    assert!(restored.ends_at > app.now());
}
