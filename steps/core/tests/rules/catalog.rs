use campaigns_core::campaign::CampaignId;
use campaigns_core::catalog::{PlanFamily, ProductId, STANDARD_3_MONTHS_PRICE, product};
use campaigns_core::money::Cents;

#[test]
fn catalog_has_the_seed_products_with_their_prices_and_durations() {
    use ProductId::*;
    let expected = [
        (
            Basic1Month,
            "Basic - 1 Month",
            Some(49),
            Some(1),
            CampaignId::DiscountPurchase,
        ),
        (
            Standard3Months,
            "Standard - 3 Months",
            Some(129),
            Some(3),
            CampaignId::DiscountPurchase,
        ),
        (
            Full6Months,
            "Full - 6 Months",
            Some(199),
            Some(6),
            CampaignId::DiscountPurchase,
        ),
        (
            Premium12Months,
            "Premium - 12 Months",
            Some(299),
            Some(12),
            CampaignId::DiscountPurchase,
        ),
        (
            TeamFull6Months,
            "ProDentHub Full Version - 6 Months (Team Plan)",
            Some(299),
            Some(6),
            CampaignId::TeamCreation,
        ),
        (
            Scholarship3Months,
            "ProDentHub Scholarship Access - 3 Months",
            None,
            Some(3),
            CampaignId::ScholarshipApplication,
        ),
        (
            Cluster1ClinicalKnowledgeGap,
            "Cluster 1 - Clinical Knowledge Gap",
            Some(179),
            Some(3),
            CampaignId::PersonalizedPlan,
        ),
        (
            Cluster2TheoryFundamentals,
            "Cluster 2 - Theory Fundamentals",
            Some(199),
            Some(4),
            CampaignId::PersonalizedPlan,
        ),
        (
            Cluster3TimeManagement,
            "Cluster 3 - Time Management",
            Some(149),
            Some(2),
            CampaignId::PersonalizedPlan,
        ),
        (
            Cluster4ComprehensiveReview,
            "Cluster 4 - Comprehensive Review",
            Some(249),
            Some(6),
            CampaignId::PersonalizedPlan,
        ),
        (
            MockExamPremium,
            "Mock Exam Premium Access",
            Some(29),
            None,
            CampaignId::MockExam,
        ),
    ];
    assert_eq!(ProductId::all().len(), expected.len());
    for (id, name, dollars, months, campaign) in expected {
        let p = product(id);
        assert_eq!(p.id, id);
        assert_eq!(p.name, name);
        assert_eq!(p.price, dollars.map(Cents::from_dollars), "{name}");
        assert_eq!(p.access_months, months, "{name}");
        assert_eq!(p.campaign, campaign, "{name}");
    }
}

#[test]
fn every_id_finds_its_own_entry() {
    for &id in ProductId::all() {
        assert_eq!(product(id).id, id);
    }
}

#[test]
fn ids_serialize_as_stable_kebab_case_strings() {
    let ids: Vec<String> = ProductId::all()
        .iter()
        .map(|id| {
            serde_json::to_value(id)
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        ids,
        [
            "basic-1month",
            "standard-3months",
            "full-6months",
            "premium-12months",
            "team-full-6months",
            "scholarship-3months",
            "cluster-1-clinical-knowledge-gap",
            "cluster-2-theory-fundamentals",
            "cluster-3-time-management",
            "cluster-4-comprehensive-review",
            "mock-exam-premium",
        ]
    );
    for &id in ProductId::all() {
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(serde_json::from_str::<ProductId>(&json).unwrap(), id);
    }
}

#[test]
fn metadata_carries_plan_type_and_campaign_id() {
    let team = product(ProductId::TeamFull6Months);
    assert_eq!(
        team.metadata(),
        [
            ("planType", "full-6months"),
            ("campaignId", "team-creation")
        ]
    );
    let scholarship = product(ProductId::Scholarship3Months);
    assert_eq!(
        scholarship.metadata(),
        [
            ("planType", "scholarship-3months"),
            ("campaignId", "scholarship-application")
        ]
    );
    for &id in ProductId::all() {
        let p = product(id);
        let [(plan_key, plan_type), (campaign_key, campaign)] = p.metadata();
        assert_eq!((plan_key, campaign_key), ("planType", "campaignId"));
        assert!(!plan_type.is_empty());
        assert_eq!(
            serde_json::to_value(p.campaign).unwrap().as_str(),
            Some(campaign),
            "{}",
            p.name
        );
    }
}

#[test]
fn scholarship_price_is_dynamic_and_based_on_the_standard_plan() {
    assert_eq!(product(ProductId::Scholarship3Months).price, None);
    assert_eq!(
        product(ProductId::Standard3Months).price,
        Some(STANDARD_3_MONTHS_PRICE)
    );
    assert_eq!(STANDARD_3_MONTHS_PRICE, Cents::from_dollars(129));
}

#[test]
fn plan_families_are_the_four_standard_plans() {
    let names: Vec<_> = PlanFamily::ALL
        .iter()
        .map(|f| serde_json::to_value(f).unwrap())
        .collect();
    assert_eq!(names, ["basic", "standard", "full", "premium"]);
    for family in PlanFamily::ALL {
        assert_eq!(family.product().plan_family(), Some(family));
        assert_eq!(
            product(family.product()).campaign,
            CampaignId::DiscountPurchase
        );
    }
    let with_family = ProductId::all()
        .iter()
        .filter(|id| id.plan_family().is_some())
        .count();
    assert_eq!(with_family, 4);
    assert_eq!(ProductId::TeamFull6Months.plan_family(), None);
}

#[test]
fn campaign_ids_match_the_seed_strings() {
    let ids: Vec<_> = CampaignId::ALL
        .iter()
        .map(|c| serde_json::to_value(c).unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "team-creation",
            "scholarship-application",
            "discount-purchase",
            "personalized-plan",
            "mock-exam"
        ]
    );
    for campaign in CampaignId::ALL {
        assert_eq!(serde_json::to_value(campaign).unwrap(), campaign.as_str());
        assert_eq!(campaign.to_string(), campaign.as_str());
    }
}
