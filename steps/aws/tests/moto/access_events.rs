//! The access events on EventBridge: what the grants' changes publish on
//! DynamoDB reaches a rule on the bus, which delivers it to an SQS queue the
//! test reads back, as the rule to the main platform's API destination
//! would receive it — one event per change, a replayed change adding none,
//! and a grant whose handler died before publishing published by the sweep.

use std::sync::Arc;

use aws_config::SdkConfig;
use aws_sdk_eventbridge::types::Target;
use aws_sdk_sqs::types::QueueAttributeName;
use campaigns_app::App;
use campaigns_app::access::{self, Change, GRACE, Grant};
use campaigns_app::faults;
use campaigns_aws::EventBridgeAccessEvents;
use campaigns_contracts::events::{ACCESS_EVENT_SOURCE, AccessEvent, AccessEventType};
use campaigns_contracts::records::{ACCESS_EVENT_QUEUE, OwedAccessEvent};
use campaigns_core::campaign::CampaignId;
use campaigns_core::catalog::ProductId;
use serde_json::json;

use crate::common::{sdk_config, settings, unique};
use crate::owed_journeys::aws_app;

/// The product on DynamoDB publishing to a bus of this run's, and the queue
/// a rule on that bus delivers every access event to.
struct Bus {
    app: App,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
}

async fn bus() -> Bus {
    let sdk: SdkConfig = sdk_config().await;
    let settings = settings();
    let mut app = aws_app().await;
    app.access_events = Arc::new(EventBridgeAccessEvents::new(&sdk, &settings));
    let events = aws_sdk_eventbridge::Client::new(&sdk);
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let bus = &settings.access_event_bus;
    // The name is this test's alone: "already exists" can only be the SDK's
    // retry of a creation whose first answer was lost on a loaded machine.
    if let Err(err) = events.create_event_bus().name(bus).send().await
        && !err
            .as_service_error()
            .is_some_and(|service| service.is_resource_already_exists_exception())
    {
        panic!("the bus is not created: {err:?}");
    }
    let queue_url = sqs
        .create_queue()
        .queue_name(unique("access-events-"))
        .send()
        .await
        .expect("the queue is created")
        .queue_url
        .expect("a queue URL");
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("the queue's attributes");
    let queue_arn = attributes
        .attributes()
        .and_then(|found| found.get(&QueueAttributeName::QueueArn))
        .expect("the queue's ARN")
        .clone();
    let rule = unique("to-platform-");
    events
        .put_rule()
        .name(&rule)
        .event_bus_name(bus)
        .event_pattern(json!({"source": [ACCESS_EVENT_SOURCE]}).to_string())
        .send()
        .await
        .expect("the rule is created");
    events
        .put_targets()
        .rule(&rule)
        .event_bus_name(bus)
        .targets(
            Target::builder()
                .id("platform")
                .arn(queue_arn)
                .build()
                .expect("a target"),
        )
        .send()
        .await
        .expect("the queue is the rule's target");
    Bus {
        app,
        sqs,
        queue_url,
    }
}

impl Bus {
    /// Every event of `record` the rule delivered, in order, once the queue
    /// has been quiet for a second (so an extra event would be seen). Tests
    /// share the tables, so a sweep may publish another test's event here.
    async fn delivered(&self, record: &str) -> Vec<AccessEvent> {
        let mut events = Vec::new();
        loop {
            let received = self
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await
                .expect("the queue answers");
            let messages = received.messages();
            if messages.is_empty() {
                events.retain(|event: &AccessEvent| event.detail.record_id == record);
                return events;
            }
            for message in messages {
                let body = message.body().expect("a body");
                events.push(
                    serde_json::from_str(body)
                        .unwrap_or_else(|err| panic!("not an access event ({err}): {body}")),
                );
                self.sqs
                    .delete_message()
                    .queue_url(&self.queue_url)
                    .receipt_handle(message.receipt_handle().expect("a receipt"))
                    .send()
                    .await
                    .expect("deleted");
            }
        }
    }

    async fn owed(&self, record_id: &str) -> Vec<OwedAccessEvent> {
        let owed: Vec<OwedAccessEvent> = self
            .app
            .records
            .query("queue-dueAt-index", ACCESS_EVENT_QUEUE, None)
            .await
            .expect("reads");
        owed.into_iter()
            .filter(|owed| owed.event.detail.record_id == record_id)
            .collect()
    }
}

fn purchase<'a>(record_id: &'a str, email: &'a str, payment_intent: &'a str) -> Grant<'a> {
    Grant {
        email,
        product: ProductId::Full6Months,
        campaign: CampaignId::DiscountPurchase,
        record_id,
        member_id: None,
        payment_intent_id: Some(payment_intent),
        starts_at: chrono::Utc::now(),
        months: 6,
    }
}

fn kinds(events: &[AccessEvent]) -> Vec<(AccessEventType, String)> {
    events
        .iter()
        .map(|event| (event.detail_type, event.detail.event_id.clone()))
        .collect()
}

#[tokio::test]
async fn every_change_of_a_grant_reaches_the_bus_once() {
    let bus = bus().await;
    let app = &bus.app;
    let (record, pi) = (unique("pur_"), unique("pi_"));
    let email = format!("{}@example.com", unique("lena."));
    let grant = purchase(&record, &email, &pi);
    access::grant(app, &grant).await.expect("granted");
    access::grant(app, &grant)
        .await
        .expect("granted again: a retried step");
    let suspend = Change::Suspend { dispute_id: "du_1" };
    for _ in 0..2 {
        access::change_paid_by(app, &pi, &suspend)
            .await
            .expect("suspended");
    }
    let won = Change::CloseDispute {
        dispute_id: "du_1",
        won: true,
    };
    access::change_paid_by(app, &pi, &won)
        .await
        .expect("restored");
    for _ in 0..2 {
        access::change_paid_by(app, &pi, &Change::Revoke)
            .await
            .expect("revoked");
    }

    let delivered = bus.delivered(&record).await;
    let grant_id = format!("grant_{record}");
    assert_eq!(
        kinds(&delivered),
        [
            (
                AccessEventType::AccessGranted,
                format!("{grant_id}.granted")
            ),
            (
                AccessEventType::AccessSuspended,
                format!("{grant_id}.suspended.du_1")
            ),
            (
                AccessEventType::AccessRestored,
                format!("{grant_id}.restored.du_1")
            ),
            (
                AccessEventType::AccessRevoked,
                format!("{grant_id}.revoked")
            ),
        ]
    );
    let granted = &delivered[0];
    assert_eq!(granted.source, ACCESS_EVENT_SOURCE);
    let detail = &granted.detail;
    assert_eq!(
        (
            detail.email.as_str(),
            detail.plan_type.as_str(),
            detail.record_id.as_str(),
            detail.payment_intent_id.as_deref(),
            detail.campaign_id
        ),
        (
            email.as_str(),
            "full-6months",
            record.as_str(),
            Some(pi.as_str()),
            CampaignId::DiscountPurchase
        )
    );
    assert_eq!(delivered[1].detail.dispute_id.as_deref(), Some("du_1"));
    let revoked = &delivered[3].detail;
    assert!(
        revoked.access_ends_at < detail.access_ends_at,
        "ended early"
    );
    assert!(bus.owed(&record).await.is_empty(), "nothing stays owed");
}

#[tokio::test]
async fn a_grant_whose_handler_died_before_publishing_is_published_by_the_sweep() {
    let bus = bus().await;
    let (record, pi) = (unique("pur_"), unique("pi_"));
    let email = format!("{}@example.com", unique("amal."));
    let grant = purchase(&record, &email, &pi);
    // The grant and its owed event are written, then the process dies.
    let (dying, interruption) = faults::interrupt_after(&bus.app, 1);
    let finished = faults::until_interrupted(&interruption, access::grant(&dying, &grant)).await;
    assert!(finished.is_none(), "the grant stopped before publishing");
    assert!(
        bus.delivered(&record).await.is_empty(),
        "nothing was published"
    );
    assert_eq!(bus.owed(&record).await.len(), 1, "the event is owed");

    let app = &bus.app;
    let swept = access::publish_owed(app, app.now() + GRACE + chrono::TimeDelta::seconds(1))
        .await
        .expect("the sweep reads");
    assert!(swept.published >= 1, "{swept:?}");
    assert_eq!(
        kinds(&bus.delivered(&record).await),
        [(
            AccessEventType::AccessGranted,
            format!("grant_{record}.granted")
        )]
    );
    assert!(bus.owed(&record).await.is_empty());
    // The step retried by Step Functions finds the grant and publishes nothing.
    access::grant(app, &grant).await.expect("granted");
    assert!(bus.delivered(&record).await.is_empty());
}
