//! The five campaigns. Their ids tag Stripe metadata, records and state
//! machines, so the strings are fixed by the seed.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CampaignId {
    TeamCreation,
    ScholarshipApplication,
    DiscountPurchase,
    PersonalizedPlan,
    MockExam,
}

impl CampaignId {
    pub const ALL: [CampaignId; 5] = [
        CampaignId::TeamCreation,
        CampaignId::ScholarshipApplication,
        CampaignId::DiscountPurchase,
        CampaignId::PersonalizedPlan,
        CampaignId::MockExam,
    ];

    /// The id as written in records and Stripe metadata.
    pub const fn as_str(self) -> &'static str {
        match self {
            CampaignId::TeamCreation => "team-creation",
            CampaignId::ScholarshipApplication => "scholarship-application",
            CampaignId::DiscountPurchase => "discount-purchase",
            CampaignId::PersonalizedPlan => "personalized-plan",
            CampaignId::MockExam => "mock-exam",
        }
    }
}

impl fmt::Display for CampaignId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
