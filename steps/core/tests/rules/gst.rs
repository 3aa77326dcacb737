use campaigns_core::catalog::{PlanFamily, ProductId, product};
use campaigns_core::coupon::{Coupon, CouponDiscount, CouponStatus, Percent};
use campaigns_core::gst::{Abn, AbnError, gst_included, gst_refunded, invoice_number};
use campaigns_core::money::Cents;
use campaigns_core::scholarship::{self, MAX_PERCENT, MIN_ELIGIBLE_PERCENT};
use campaigns_core::team::{MAX_TEAM_MEMBERS, MIN_TEAM_MEMBERS, split_shares};
use proptest::prelude::*;

/// The definition, as an oracle independent of the implementation: the GST
/// is the whole number of cents nearest to amount / 11, i.e. eleven times it
/// is within 5 cents of the amount (a tie, 5.5, cannot happen).
fn is_nearest_eleventh(amount: Cents, gst: Cents) -> bool {
    (11 * gst.0 - amount.0).abs() <= 5
}

#[test]
fn a_299_dollar_plan_includes_27_dollars_18_of_gst() {
    assert_eq!(gst_included(Cents::from_dollars(299)), Cents(2718));
}

#[test]
fn every_catalog_price_includes_its_gst() {
    let expected = [
        (ProductId::Basic1Month, Some(Cents(445))),
        (ProductId::Standard3Months, Some(Cents(1173))),
        (ProductId::Full6Months, Some(Cents(1809))),
        (ProductId::Premium12Months, Some(Cents(2718))),
        (ProductId::TeamFull6Months, Some(Cents(2718))),
        (ProductId::Scholarship3Months, None),
        (ProductId::Cluster1ClinicalKnowledgeGap, Some(Cents(1627))),
        (ProductId::Cluster2TheoryFundamentals, Some(Cents(1809))),
        (ProductId::Cluster3TimeManagement, Some(Cents(1355))),
        (ProductId::Cluster4ComprehensiveReview, Some(Cents(2264))),
        (ProductId::MockExamPremium, Some(Cents(264))),
    ];
    assert_eq!(expected.len(), ProductId::ALL.len());
    for (id, gst) in expected {
        assert_eq!(product(id).price.map(gst_included), gst, "{id:?}");
    }
}

#[test]
fn computed_prices_include_their_gst() {
    // The seed's coupon on the Full plan, each team share, a scholarship.
    assert_eq!(gst_included(Cents(15_920)), Cents(1447));
    assert_eq!(gst_included(Cents(9967)), Cents(906));
    assert_eq!(gst_included(Cents(9966)), Cents(906));
    assert_eq!(gst_included(Cents(7475)), Cents(680));
    assert_eq!(gst_included(Cents::from_dollars(84)), Cents(764));
    // A free order includes none.
    assert_eq!(gst_included(Cents::ZERO), Cents::ZERO);
}

#[test]
fn every_team_share_includes_the_nearest_cent_of_gst() {
    let total = product(ProductId::TeamFull6Months).price.unwrap();
    for members in MIN_TEAM_MEMBERS..=MAX_TEAM_MEMBERS {
        for share in split_shares(total, members).unwrap() {
            assert!(is_nearest_eleventh(share, gst_included(share)), "{share}");
        }
    }
}

#[test]
fn every_scholarship_price_includes_the_nearest_cent_of_gst() {
    for percentage in (MIN_ELIGIBLE_PERCENT..=MAX_PERCENT).step_by(5) {
        let price = scholarship::discounted_price(scholarship::BASE_PRICE, percentage);
        assert!(is_nearest_eleventh(price, gst_included(price)), "{price}");
    }
}

#[test]
fn every_percentage_coupon_price_includes_the_nearest_cent_of_gst() {
    for family in PlanFamily::ALL {
        let price = product(family.product()).price.unwrap();
        for percent in 1..=100 {
            let coupon = Coupon {
                coupon_code: "ANY".into(),
                discount: CouponDiscount::Percentage(Percent::new(percent).unwrap()),
                min_purchase: Cents::ZERO,
                max_discount: None,
                valid_from: "2025-01-01T00:00:00Z".parse().unwrap(),
                valid_until: "2025-12-31T23:59:59Z".parse().unwrap(),
                usage_limit: 1,
                usage_count: 0,
                per_user_limit: 1,
                applicable_plans: PlanFamily::ALL.to_vec(),
                status: CouponStatus::Active,
            };
            let paid = coupon.discount_for(price).final_price;
            assert!(is_nearest_eleventh(paid, gst_included(paid)), "{paid}");
        }
    }
}

#[test]
fn a_refund_takes_back_the_gst_difference() {
    let paid = Cents(15_920);
    // Refunded in full at once: all of the invoice's GST.
    assert_eq!(gst_refunded(paid, Cents::ZERO, paid), Cents(1447));
    // $50 of it, then the rest: $14.47 − $9.93 and $9.93, which add up to
    // the invoice's $14.47 (1/11 of $50 alone would round to $4.55).
    assert_eq!(gst_refunded(paid, Cents::ZERO, Cents(5000)), Cents(454));
    assert_eq!(gst_refunded(paid, Cents(5000), Cents(10_920)), Cents(993));
}

#[test]
fn a_refund_cent_by_cent_still_takes_back_exactly_the_invoices_gst() {
    let paid = Cents(2900);
    let total: Cents = (0..paid.0)
        .map(|before| gst_refunded(paid, Cents(before), Cents(1)))
        .sum();
    assert_eq!(total, gst_included(paid));
}

#[test]
fn invoice_numbers_are_the_paid_for_id_in_capitals() {
    assert_eq!(
        invoice_number("pur_01JH3Z8Q4W6T2V9K5M7N1P3R"),
        "PDH-PUR-01JH3Z8Q4W6T2V9K5M7N1P3R"
    );
    assert_eq!(
        invoice_number("mem_01JH3Z8Q4W6T2V9K5M7N1P3S"),
        "PDH-MEM-01JH3Z8Q4W6T2V9K5M7N1P3S"
    );
    // The same id, the same number: a retried step repeats it.
    assert_eq!(
        invoice_number("reg_01JH3Z8Q4W6T2V9K5M7N1P3R"),
        invoice_number("reg_01JH3Z8Q4W6T2V9K5M7N1P3R")
    );
    // Another kind of record with the same random part is another invoice.
    assert_ne!(
        invoice_number("pur_01JH3Z8Q4W6T2V9K5M7N1P3R"),
        invoice_number("sch_01JH3Z8Q4W6T2V9K5M7N1P3R")
    );
}

#[test]
fn abns_pass_the_ato_check_digits() {
    // The ATO's own ABN and the ABR's worked example.
    for text in ["51 824 753 556", "51824753556", "53 004 085 616"] {
        let abn = Abn::parse(text).unwrap();
        assert_eq!(Abn::parse(&abn.to_string()), Ok(abn));
    }
    assert_eq!(
        Abn::parse("51824753556").unwrap().to_string(),
        "51 824 753 556"
    );
}

#[test]
fn a_wrong_abn_is_refused_with_the_reason() {
    assert!(matches!(
        Abn::parse("51 824 753 557"),
        Err(AbnError::CheckDigits(_))
    ));
    for text in [
        "",
        "5182475355",
        "518247535561",
        "51-824-753-556",
        "5182475355a",
        "５1824753556",
    ] {
        assert!(
            matches!(Abn::parse(text), Err(AbnError::Format(_))),
            "{text:?}"
        );
    }
    // An ABN's check digits are 10–99: a leading zero is never one.
    assert!(matches!(
        Abn::parse("00000000000"),
        Err(AbnError::CheckDigits(_))
    ));
    let err = Abn::parse("12 345 678 901").unwrap_err().to_string();
    assert!(err.contains("check digits"), "{err}");
}

/// An id of the form records are given: a kind's prefix and 26 characters
/// of Crockford base32.
fn record_id() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["pur", "sch", "plan", "reg", "mem", "team"]),
        "[0-9A-HJKMNP-TV-Z]{26}",
    )
        .prop_map(|(prefix, random)| format!("{prefix}_{random}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn gst_is_the_nearest_cent_to_an_eleventh(amount in -Cents::MAX_DOLLARS * 100..=Cents::MAX_DOLLARS * 100) {
        let gst = gst_included(Cents(amount));
        prop_assert!(is_nearest_eleventh(Cents(amount), gst), "{} -> {}", amount, gst);
    }

    #[test]
    fn gst_grows_with_the_amount_a_cent_per_eleven(amount in 0..=Cents::MAX_DOLLARS * 100) {
        let gst = gst_included(Cents(amount));
        prop_assert!(gst_included(Cents(amount + 1)) >= gst);
        prop_assert_eq!(gst_included(Cents(amount + 11)), gst + Cents(1));
        prop_assert!(gst <= Cents(amount));
    }

    #[test]
    fn refunds_give_back_exactly_the_invoices_gst(
        paid in 1..=10_000_000i64,
        cuts in prop::collection::vec(0.0..1.0f64, 0..6),
    ) {
        // Split `paid` into refunds at the given fractions, in order.
        let mut points: Vec<i64> = cuts.iter().map(|cut| (paid as f64 * cut) as i64).collect();
        points.push(0);
        points.push(paid);
        points.sort_unstable();
        points.dedup();
        let mut total = Cents::ZERO;
        for pair in points.windows(2) {
            let (before, now) = (Cents(pair[0]), Cents(pair[1] - pair[0]));
            let gst = gst_refunded(Cents(paid), before, now);
            prop_assert!(gst >= Cents::ZERO);
            prop_assert!((gst - gst_included(now)).0.abs() <= 1, "{} of {}: {}", now, paid, gst);
            total = total + gst;
        }
        prop_assert_eq!(total, gst_included(Cents(paid)));
    }

    #[test]
    fn any_one_digit_changed_in_an_abn_is_caught(position in 0..11usize, delta in 1..10u8) {
        let valid = b"51824753556";
        let mut changed = *valid;
        changed[position] = b'0' + (changed[position] - b'0' + delta) % 10;
        let text = std::str::from_utf8(&changed).unwrap();
        prop_assert!(Abn::parse(text).is_err(), "{}", text);
    }

    #[test]
    fn different_ids_never_share_an_invoice_number(first in record_id(), second in record_id()) {
        prop_assume!(first != second);
        prop_assert_ne!(invoice_number(&first), invoice_number(&second));
    }
}
