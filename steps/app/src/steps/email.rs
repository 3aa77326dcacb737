//! The `send-email` step: one of our templates, for one record.

use campaigns_contracts::records::DiscountPurchase;
use campaigns_mail::TemplateName;
use campaigns_mail::emails::PurchaseConfirmation;
use serde::{Deserialize, Serialize};

use super::StepError;
use crate::api::purchase_scope;
use crate::context::App;
use crate::notify;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SendEmail {
    /// A template name, e.g. `purchase_confirmation`.
    pub template: String,
    pub record_id: String,
    #[serde(default)]
    pub member_id: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Sent {
    pub template: String,
}

pub async fn send_email(app: &App, input: SendEmail) -> Result<Sent, StepError> {
    let template = TemplateName::parse(&input.template).ok_or_else(|| {
        StepError::new(
            "Step.InvalidInput",
            format!("no template {}", input.template),
        )
    })?;
    let links = &app.mail_settings.links;
    match template {
        TemplateName::PurchaseConfirmation => {
            let purchase = load::<DiscountPurchase>(app, &input.record_id).await?;
            let token = app.tokens.issue(&purchase_scope(&purchase.purchase_id));
            notify::send(app, &PurchaseConfirmation::new(&purchase, &token, links)?).await?;
        }
        other => {
            return Err(StepError::new(
                "Step.InvalidInput",
                format!("{other} is not sent by this step"),
            ));
        }
    }
    Ok(Sent {
        template: input.template,
    })
}

async fn load<T: campaigns_records::Record>(app: &App, key: &str) -> Result<T, StepError> {
    app.records
        .get::<T>(key)
        .await?
        .map(|found| found.record)
        .ok_or_else(|| StepError::new("Step.RecordNotFound", format!("no record {key}")))
}
