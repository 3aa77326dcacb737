//! The access port on EventBridge: each access event is one entry of
//! PutEvents on our bus, where a rule sends it on to the main platform
//! (infra/events.tf).

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::error::DisplayErrorContext;
use aws_sdk_eventbridge::primitives::DateTime;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use campaigns_contracts::events::AccessEvent;
use campaigns_ports::access::{AccessEvents, AccessEventsError};

use crate::settings::AwsSettings;

pub struct EventBridgeAccessEvents {
    client: Client,
    bus: String,
}

impl EventBridgeAccessEvents {
    /// Events on ACCESS_EVENT_BUS_NAME.
    pub fn new(sdk: &SdkConfig, settings: &AwsSettings) -> EventBridgeAccessEvents {
        EventBridgeAccessEvents {
            client: Client::new(sdk),
            bus: settings.access_event_bus.clone(),
        }
    }
}

fn unavailable(err: impl std::fmt::Display) -> AccessEventsError {
    AccessEventsError::Unavailable(err.to_string())
}

#[async_trait]
impl AccessEvents for EventBridgeAccessEvents {
    /// PutEvents answers 200 even when it refuses an entry, so the entry's
    /// own error code decides: a refused entry is not published.
    async fn publish(&self, event: &AccessEvent) -> Result<(), AccessEventsError> {
        let detail = serde_json::to_string(&event.detail).map_err(unavailable)?;
        let entry = PutEventsRequestEntry::builder()
            .event_bus_name(&self.bus)
            .source(&event.source)
            .detail_type(event.detail_type.as_str())
            .time(DateTime::from_secs(event.time.timestamp()))
            .detail(detail)
            .build();
        let answer = self
            .client
            .put_events()
            .entries(entry)
            .send()
            .await
            .map_err(|err| unavailable(DisplayErrorContext(err)))?;
        match answer.entries().first() {
            Some(entry) if entry.event_id().is_some() && entry.error_code().is_none() => Ok(()),
            Some(entry) => Err(unavailable(format!(
                "EventBridge refused {}: {} {}",
                event.detail.event_id,
                entry.error_code().unwrap_or("(no code)"),
                entry.error_message().unwrap_or("")
            ))),
            None => Err(unavailable(format!(
                "EventBridge answered no entry for {}",
                event.detail.event_id
            ))),
        }
    }
}
