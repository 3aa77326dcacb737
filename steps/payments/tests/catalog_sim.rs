//! The catalog sync against the simulator: creates the seed §4 catalog once, changes
//! nothing on a second run, replaces a changed price, and writes nothing in a dry run.
#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

use std::net::SocketAddr;

use campaigns_payments::StripeConfig;
use campaigns_payments::catalog::{Action, CatalogSync, product_catalog};
use stripe::{Client, ClientBuilder};
use stripe_product::PriceTaxBehavior;
use stripe_product::price::{CreatePrice, ListPrice};
use stripe_product::product::ListProduct;
use stripe_sim::{RunningSimulator, SimConfig};

const KEY: &str = "sk_test_catalog";

async fn start() -> (RunningSimulator, CatalogSync, Client) {
    let config = SimConfig {
        api_key: KEY.into(),
        ..SimConfig::default()
    };
    let sim = stripe_sim::spawn(SocketAddr::from(([127, 0, 0, 1], 0)), config)
        .await
        .unwrap();
    let base = sim.api_base();
    let sync = CatalogSync::new(StripeConfig::new(KEY, Some(base.clone()), "https://f")).unwrap();
    let client = ClientBuilder::new(KEY).url(base).build().unwrap();
    (sim, sync, client)
}

async fn all_products(client: &Client) -> Vec<stripe_product::Product> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        // A small page, so pagination is exercised.
        let mut list = ListProduct::new().limit(4).active(true);
        if let Some(after) = &after {
            list = list.starting_after(after.clone());
        }
        let page = list.send(client).await.unwrap();
        after = page.data.last().map(|p| p.id.to_string());
        out.extend(page.data);
        if !page.has_more {
            return out;
        }
    }
}

async fn prices(client: &Client, active: Option<bool>) -> Vec<stripe_product::Price> {
    let mut list = ListPrice::new().limit(100);
    if let Some(active) = active {
        list = list.active(active);
    }
    list.send(client).await.unwrap().data
}

#[tokio::test]
async fn first_sync_creates_the_seed_catalog_and_a_second_changes_nothing() {
    let (_sim, sync, client) = start().await;
    let catalog = product_catalog();

    let first = sync.sync(&catalog, false).await.unwrap();
    assert_eq!(first.products_with(Action::Create), 11);
    assert_eq!(first.prices_with(Action::Create), 10);
    assert!(
        first
            .products
            .iter()
            .flat_map(|p| &p.prices)
            .all(|p| p.price_id.is_some())
    );

    let products = all_products(&client).await;
    assert_eq!(products.len(), 11);
    let team = products
        .iter()
        .find(|p| p.id.as_str() == "prodenthub_team-full-6months")
        .unwrap();
    assert_eq!(team.name, "ProDentHub Full Version - 6 Months (Team Plan)");
    assert_eq!(team.metadata["planType"], "full-6months");
    assert_eq!(team.metadata["campaignId"], "team-creation");
    assert_eq!(team.metadata["productId"], "team-full-6months");
    let scholarship = products
        .iter()
        .find(|p| p.id.as_str() == "prodenthub_scholarship-3months")
        .unwrap();
    assert_eq!(scholarship.name, "ProDentHub Scholarship Access - 3 Months");
    assert_eq!(scholarship.metadata["planType"], "scholarship-3months");
    assert_eq!(
        scholarship.metadata["campaignId"],
        "scholarship-application"
    );
    let mock = products
        .iter()
        .find(|p| p.id.as_str() == "prodenthub_mock-exam-premium")
        .unwrap();
    assert_eq!(mock.name, "Mock Exam Premium Access");

    // Each priced product: one active AUD Price, GST-inclusive, under its lookup key.
    let all = prices(&client, Some(true)).await;
    assert_eq!(all.len(), 10);
    for item in catalog.iter().filter(|i| i.amount_cents.is_some()) {
        let key = format!("{}-aud", item.product_id);
        let found: Vec<_> = all
            .iter()
            .filter(|p| p.lookup_key.as_deref() == Some(key.as_str()))
            .collect();
        assert_eq!(found.len(), 1, "{key}");
        assert_eq!(found[0].unit_amount, item.amount_cents, "{key}");
        assert_eq!(
            found[0].product.id().as_str(),
            format!("prodenthub_{}", item.product_id)
        );
        assert_eq!(
            found[0].tax_behavior,
            Some(PriceTaxBehavior::Inclusive),
            "{key}"
        );
    }
    let team_price = ListPrice::new()
        .lookup_keys(vec!["team-full-6months-aud".to_owned()])
        .send(&client)
        .await
        .unwrap()
        .data;
    assert_eq!(team_price.len(), 1);
    assert_eq!(team_price[0].unit_amount, Some(29900));
    assert_eq!(team_price[0].currency, stripe_types::Currency::AUD);
    assert!(team_price[0].recurring.is_none());
    let none_for_scholarship = ListPrice::new()
        .product("prodenthub_scholarship-3months".to_owned())
        .send(&client)
        .await
        .unwrap()
        .data;
    assert!(none_for_scholarship.is_empty());

    let second = sync.sync(&catalog, false).await.unwrap();
    assert!(!second.changes(), "{second}");
    assert_eq!(second.products_with(Action::Unchanged), 11);
    assert_eq!(second.prices_with(Action::Unchanged), 10);
    assert_eq!(all_products(&client).await.len(), 11);
    assert_eq!(prices(&client, None).await.len(), 10);
}

#[tokio::test]
async fn a_changed_amount_creates_a_new_price_and_deactivates_the_old() {
    let (_sim, sync, client) = start().await;
    let mut catalog = product_catalog();
    let first = sync.sync(&catalog, false).await.unwrap();
    let old = first
        .products
        .iter()
        .find(|p| p.product_id == "mock-exam-premium")
        .unwrap()
        .prices[0]
        .price_id
        .clone()
        .unwrap();

    let mock = catalog
        .iter_mut()
        .find(|i| i.product_id == "mock-exam-premium")
        .unwrap();
    mock.amount_cents = Some(3900);
    mock.name = "Mock Exam Premium Access (2026)".into();

    let dry = sync.sync(&catalog, true).await.unwrap();
    assert_eq!(dry.products_with(Action::Update), 1);
    assert_eq!(dry.prices_with(Action::Create), 1);
    assert_eq!(dry.prices_with(Action::Deactivate), 1);
    assert_eq!(
        prices(&client, None).await.len(),
        10,
        "a dry run writes nothing"
    );

    let change = sync.sync(&catalog, false).await.unwrap();
    assert_eq!(change.products_with(Action::Update), 1);
    assert_eq!(change.products_with(Action::Unchanged), 10);
    let report = change
        .products
        .iter()
        .find(|p| p.product_id == "mock-exam-premium")
        .unwrap();
    assert_eq!(report.prices.len(), 2);
    assert_eq!(report.prices[0].action, Action::Create);
    assert_eq!(report.prices[1].action, Action::Deactivate);
    assert_eq!(report.prices[1].price_id.as_deref(), Some(old.as_str()));

    let current = ListPrice::new()
        .lookup_keys(vec!["mock-exam-premium-aud".to_owned()])
        .send(&client)
        .await
        .unwrap()
        .data;
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].unit_amount, Some(3900));
    assert!(current[0].active);
    let inactive = prices(&client, Some(false)).await;
    assert_eq!(inactive.len(), 1);
    assert_eq!(inactive[0].id.as_str(), old);
    assert_eq!(
        inactive[0].lookup_key, None,
        "the lookup key moved to the new price"
    );

    assert!(!sync.sync(&catalog, false).await.unwrap().changes());

    // Back to the first amount: a new price again, not a replay of the first one.
    let mock = catalog
        .iter_mut()
        .find(|i| i.product_id == "mock-exam-premium")
        .unwrap();
    mock.amount_cents = Some(2900);
    let back = sync.sync(&catalog, false).await.unwrap();
    assert_eq!(back.prices_with(Action::Create), 1);
    assert_eq!(back.prices_with(Action::Deactivate), 1);
    assert_eq!(prices(&client, Some(true)).await.len(), 10);
    assert_eq!(prices(&client, None).await.len(), 12);
}

#[tokio::test]
async fn a_dry_run_reports_the_plan_and_writes_nothing() {
    let (_sim, sync, client) = start().await;
    let catalog = product_catalog();
    let plan = sync.sync(&catalog, true).await.unwrap();
    assert!(plan.dry_run);
    assert_eq!(plan.products_with(Action::Create), 11);
    assert_eq!(plan.prices_with(Action::Create), 10);
    assert!(all_products(&client).await.is_empty());
    assert!(prices(&client, None).await.is_empty());

    let done = sync.sync(&catalog, false).await.unwrap();
    assert_eq!(done.products_with(Action::Create), 11);
    let after = sync.sync(&catalog, true).await.unwrap();
    assert!(!after.changes());
}

#[tokio::test]
async fn prices_synced_before_tax_behavior_become_inclusive() {
    let (_sim, sync, client) = start().await;
    let catalog = product_catalog();
    // Products synced; two prices as an earlier sync left them: one with no
    // tax behavior, one someone made exclusive.
    sync.sync(&catalog, false).await.unwrap();
    for (product, amount, tax) in [
        ("basic-1month", 4900, PriceTaxBehavior::Unspecified),
        ("standard-3months", 12900, PriceTaxBehavior::Exclusive),
    ] {
        let current = ListPrice::new()
            .lookup_keys(vec![format!("{product}-aud")])
            .send(&client)
            .await
            .unwrap()
            .data;
        stripe_product::price::UpdatePrice::new(current[0].id.as_str())
            .active(false)
            .send(&client)
            .await
            .unwrap();
        CreatePrice::new(stripe_types::Currency::AUD)
            .product(format!("prodenthub_{product}"))
            .unit_amount(amount)
            .lookup_key(format!("{product}-aud"))
            .transfer_lookup_key(true)
            .tax_behavior(tax)
            .send(&client)
            .await
            .unwrap();
    }

    let report = sync.sync(&catalog, false).await.unwrap();
    let basic = report
        .products
        .iter()
        .find(|p| p.product_id == "basic-1month")
        .unwrap();
    assert_eq!(basic.prices.len(), 1);
    assert_eq!(basic.prices[0].action, Action::Update, "{report}");
    let standard = report
        .products
        .iter()
        .find(|p| p.product_id == "standard-3months")
        .unwrap();
    assert_eq!(
        standard.prices.iter().map(|p| p.action).collect::<Vec<_>>(),
        [Action::Create, Action::Deactivate],
        "an exclusive price cannot change: {report}"
    );

    let active = prices(&client, Some(true)).await;
    assert_eq!(active.len(), 10);
    assert!(
        active
            .iter()
            .all(|p| p.tax_behavior == Some(PriceTaxBehavior::Inclusive))
    );
    // The unspecified one was kept, now inclusive, under its lookup key.
    let basic_price = ListPrice::new()
        .lookup_keys(vec!["basic-1month-aud".to_owned()])
        .send(&client)
        .await
        .unwrap()
        .data;
    assert_eq!(
        basic_price[0].id.to_string(),
        basic.prices[0].price_id.clone().unwrap()
    );
    assert!(!sync.sync(&catalog, false).await.unwrap().changes());
}
