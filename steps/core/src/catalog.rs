//! The product catalog (seed §4): what we sell, for how much, for how long.
//!
//! The server derives every amount it charges from here; no route accepts an
//! amount from the client. The Stripe adapter creates or looks up one Stripe
//! product per entry and copies its metadata.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::campaign::CampaignId;
use crate::money::Cents;

/// Stable product ids, used in records, requests and Stripe lookup keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum ProductId {
    #[serde(rename = "basic-1month")]
    Basic1Month,
    #[serde(rename = "standard-3months")]
    Standard3Months,
    #[serde(rename = "full-6months")]
    Full6Months,
    #[serde(rename = "premium-12months")]
    Premium12Months,
    #[serde(rename = "team-full-6months")]
    TeamFull6Months,
    #[serde(rename = "scholarship-3months")]
    Scholarship3Months,
    #[serde(rename = "cluster-1-clinical-knowledge-gap")]
    Cluster1ClinicalKnowledgeGap,
    #[serde(rename = "cluster-2-theory-fundamentals")]
    Cluster2TheoryFundamentals,
    #[serde(rename = "cluster-3-time-management")]
    Cluster3TimeManagement,
    #[serde(rename = "cluster-4-comprehensive-review")]
    Cluster4ComprehensiveReview,
    #[serde(rename = "mock-exam-premium")]
    MockExamPremium,
}

/// One thing we sell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    pub id: ProductId,
    /// The name customers see at checkout and in emails.
    pub name: &'static str,
    /// `None`: the price is set per purchase (the scholarship price).
    pub price: Option<Cents>,
    /// Length of the access it grants; `None` for mock-exam premium, which
    /// unlocks one exam rather than a period.
    pub access_months: Option<u32>,
    /// The campaign that sells it.
    pub campaign: CampaignId,
    /// The `planType` records and Stripe metadata carry (`full-6months`).
    pub plan_type: &'static str,
}

impl Product {
    /// Key/value pairs copied to the Stripe product and checkout session.
    pub fn metadata(&self) -> [(&'static str, &'static str); 2] {
        [
            ("planType", self.plan_type),
            ("campaignId", self.campaign.as_str()),
        ]
    }
}

/// A standard plan's family: the names coupons list in `applicablePlans`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PlanFamily {
    Basic,
    Standard,
    Full,
    Premium,
}

impl PlanFamily {
    /// The plans a discount purchase may buy, cheapest first.
    pub const ALL: [PlanFamily; 4] = [
        PlanFamily::Basic,
        PlanFamily::Standard,
        PlanFamily::Full,
        PlanFamily::Premium,
    ];

    /// The standard plan of this family.
    pub const fn product(self) -> ProductId {
        match self {
            PlanFamily::Basic => ProductId::Basic1Month,
            PlanFamily::Standard => ProductId::Standard3Months,
            PlanFamily::Full => ProductId::Full6Months,
            PlanFamily::Premium => ProductId::Premium12Months,
        }
    }

    /// Capitalised, for messages: "the Full plan".
    pub const fn display_name(self) -> &'static str {
        match self {
            PlanFamily::Basic => "Basic",
            PlanFamily::Standard => "Standard",
            PlanFamily::Full => "Full",
            PlanFamily::Premium => "Premium",
        }
    }
}

impl fmt::Display for PlanFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

/// The Standard 3-month price; also the scholarship's base price.
pub const STANDARD_3_MONTHS_PRICE: Cents = Cents::from_dollars(129);

/// The catalog, in [`ProductId::ALL`] order, so an id indexes its entry. Standard
/// plans are sold through the discount-purchase campaign.
static CATALOG: [Product; 11] = [
    Product {
        id: ProductId::Basic1Month,
        name: "Basic - 1 Month",
        price: Some(Cents::from_dollars(49)),
        access_months: Some(1),
        campaign: CampaignId::DiscountPurchase,
        plan_type: "basic-1month",
    },
    Product {
        id: ProductId::Standard3Months,
        name: "Standard - 3 Months",
        price: Some(STANDARD_3_MONTHS_PRICE),
        access_months: Some(3),
        campaign: CampaignId::DiscountPurchase,
        plan_type: "standard-3months",
    },
    Product {
        id: ProductId::Full6Months,
        name: "Full - 6 Months",
        price: Some(Cents::from_dollars(199)),
        access_months: Some(6),
        campaign: CampaignId::DiscountPurchase,
        plan_type: "full-6months",
    },
    Product {
        id: ProductId::Premium12Months,
        name: "Premium - 12 Months",
        price: Some(Cents::from_dollars(299)),
        access_months: Some(12),
        campaign: CampaignId::DiscountPurchase,
        plan_type: "premium-12months",
    },
    Product {
        id: ProductId::TeamFull6Months,
        name: "ProDentHub Full Version - 6 Months (Team Plan)",
        price: Some(Cents::from_dollars(299)),
        access_months: Some(6),
        campaign: CampaignId::TeamCreation,
        plan_type: "full-6months",
    },
    Product {
        id: ProductId::Scholarship3Months,
        name: "ProDentHub Scholarship Access - 3 Months",
        price: None,
        access_months: Some(3),
        campaign: CampaignId::ScholarshipApplication,
        plan_type: "scholarship-3months",
    },
    Product {
        id: ProductId::Cluster1ClinicalKnowledgeGap,
        name: "Cluster 1 - Clinical Knowledge Gap",
        price: Some(Cents::from_dollars(179)),
        access_months: Some(3),
        campaign: CampaignId::PersonalizedPlan,
        plan_type: "cluster-1-clinical-knowledge-gap",
    },
    Product {
        id: ProductId::Cluster2TheoryFundamentals,
        name: "Cluster 2 - Theory Fundamentals",
        price: Some(Cents::from_dollars(199)),
        access_months: Some(4),
        campaign: CampaignId::PersonalizedPlan,
        plan_type: "cluster-2-theory-fundamentals",
    },
    Product {
        id: ProductId::Cluster3TimeManagement,
        name: "Cluster 3 - Time Management",
        price: Some(Cents::from_dollars(149)),
        access_months: Some(2),
        campaign: CampaignId::PersonalizedPlan,
        plan_type: "cluster-3-time-management",
    },
    Product {
        id: ProductId::Cluster4ComprehensiveReview,
        name: "Cluster 4 - Comprehensive Review",
        price: Some(Cents::from_dollars(249)),
        access_months: Some(6),
        campaign: CampaignId::PersonalizedPlan,
        plan_type: "cluster-4-comprehensive-review",
    },
    Product {
        id: ProductId::MockExamPremium,
        name: "Mock Exam Premium Access",
        price: Some(Cents::from_dollars(29)),
        access_months: None,
        campaign: CampaignId::MockExam,
        plan_type: "mock-exam-premium",
    },
];

impl ProductId {
    /// Every product, in catalog order.
    pub const ALL: [ProductId; 11] = [
        ProductId::Basic1Month,
        ProductId::Standard3Months,
        ProductId::Full6Months,
        ProductId::Premium12Months,
        ProductId::TeamFull6Months,
        ProductId::Scholarship3Months,
        ProductId::Cluster1ClinicalKnowledgeGap,
        ProductId::Cluster2TheoryFundamentals,
        ProductId::Cluster3TimeManagement,
        ProductId::Cluster4ComprehensiveReview,
        ProductId::MockExamPremium,
    ];

    /// Every product, in catalog order.
    pub fn all() -> &'static [ProductId] {
        &Self::ALL
    }

    /// The standard plan family, for the four plans a discount purchase may buy.
    pub const fn plan_family(self) -> Option<PlanFamily> {
        match self {
            ProductId::Basic1Month => Some(PlanFamily::Basic),
            ProductId::Standard3Months => Some(PlanFamily::Standard),
            ProductId::Full6Months => Some(PlanFamily::Full),
            ProductId::Premium12Months => Some(PlanFamily::Premium),
            _ => None,
        }
    }
}

/// The catalog entry of a product.
pub fn product(id: ProductId) -> &'static Product {
    &CATALOG[id as usize]
}
