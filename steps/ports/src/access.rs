//! Publishing access events to the main ProDentHub platform (seed §2.7:
//! "activate user access in main ProDentHub database").

use async_trait::async_trait;
use campaigns_contracts::events::AccessEvent;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AccessEventsError {
    /// Not published this time; the event stays owed and is published later.
    #[error("access events unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait AccessEvents: Send + Sync {
    /// Publishes `event`. At least once: a caller publishes again what it
    /// cannot show was published, so consumers dedupe on its event id.
    async fn publish(&self, event: &AccessEvent) -> Result<(), AccessEventsError>;
}
