use campaigns_core::catalog::PlanFamily;
use campaigns_core::coupon::{
    Coupon, CouponDiscount, CouponError, CouponStatus, Discount, Percent, Redemption,
    normalize_code, validate,
};
use campaigns_core::money::Cents;
use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use serde_json::{Value, json};

/// The seed's sample record, verbatim.
fn seed_json() -> Value {
    json!({
        "couponCode": "SAVE20",
        "type": "percentage",
        "value": 20,
        "minPurchase": 100,
        "maxDiscount": 50,
        "validFrom": "2025-01-01T00:00:00Z",
        "validUntil": "2025-12-31T23:59:59Z",
        "usageLimit": 100,
        "usageCount": 45,
        "perUserLimit": 1,
        "applicablePlans": ["standard", "full", "premium"],
        "status": "active"
    })
}

fn seed() -> Coupon {
    serde_json::from_value(seed_json()).unwrap()
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// A redemption the seed coupon accepts: the Full plan, mid-2025, first use.
fn redemption() -> Redemption {
    Redemption {
        now: at("2025-06-01T12:00:00Z"),
        plan: PlanFamily::Full,
        price: Cents::from_dollars(199),
        user_uses: 0,
    }
}

fn code(coupon: &Coupon, redemption: &Redemption) -> &'static str {
    match validate(Some(coupon), redemption) {
        Ok(_) => "OK",
        Err(err) => err.code(),
    }
}

#[test]
fn seed_sample_parses() {
    let coupon = seed();
    assert_eq!(coupon.coupon_code, "SAVE20");
    assert_eq!(
        coupon.discount,
        CouponDiscount::Percentage(Percent::new(20).unwrap())
    );
    assert_eq!(coupon.min_purchase, Cents::from_dollars(100));
    assert_eq!(coupon.max_discount, Some(Cents::from_dollars(50)));
    assert_eq!(coupon.valid_from, at("2025-01-01T00:00:00Z"));
    assert_eq!(coupon.valid_until, at("2025-12-31T23:59:59Z"));
    assert_eq!(
        (
            coupon.usage_limit,
            coupon.usage_count,
            coupon.per_user_limit
        ),
        (100, 45, 1)
    );
    assert_eq!(
        coupon.applicable_plans,
        [PlanFamily::Standard, PlanFamily::Full, PlanFamily::Premium]
    );
    assert_eq!(coupon.status, CouponStatus::Active);
}

#[test]
fn seed_sample_round_trips_to_the_same_json() {
    let written = serde_json::to_value(seed()).unwrap();
    assert_eq!(written, seed_json());
    assert_eq!(serde_json::from_value::<Coupon>(written).unwrap(), seed());
}

#[test]
fn fixed_coupons_and_absent_max_discount_round_trip() {
    let mut record = seed_json();
    record["type"] = json!("fixed");
    record["value"] = json!(15.5);
    record.as_object_mut().unwrap().remove("maxDiscount");
    let coupon: Coupon = serde_json::from_value(record.clone()).unwrap();
    assert_eq!(coupon.discount, CouponDiscount::Fixed(Cents(1550)));
    assert_eq!(coupon.max_discount, None);
    assert_eq!(serde_json::to_value(&coupon).unwrap(), record);
}

#[test]
fn percentage_must_be_a_whole_percent_from_1_to_100() {
    assert!(Percent::new(1).is_ok());
    assert!(Percent::new(100).is_ok());
    let err = Percent::new(0).unwrap_err();
    assert_eq!(err.code(), "COUPON_INVALID_PERCENTAGE");
    assert_eq!(
        Percent::new(101).unwrap_err().code(),
        "COUPON_INVALID_PERCENTAGE"
    );
    for bad in [json!(0), json!(101), json!(20.5), json!(-5)] {
        let mut record = seed_json();
        record["value"] = bad.clone();
        assert!(serde_json::from_value::<Coupon>(record).is_err(), "{bad}");
    }
    let mut record = seed_json();
    record["value"] = json!(101);
    let err = serde_json::from_value::<Coupon>(record)
        .unwrap_err()
        .to_string();
    assert!(err.contains("from 1 to 100"), "{err}");
}

#[test]
fn unknown_type_and_status_are_rejected() {
    let mut record = seed_json();
    record["type"] = json!("bogo");
    assert!(serde_json::from_value::<Coupon>(record).is_err());
    let mut record = seed_json();
    record["status"] = json!("paused");
    assert!(serde_json::from_value::<Coupon>(record).is_err());
}

#[test]
fn codes_are_trimmed_and_case_insensitive() {
    assert_eq!(normalize_code("  save20 "), "SAVE20");
    assert_eq!(normalize_code("Save20"), normalize_code("SAVE20"));
    assert_eq!(normalize_code("\tspring-sale\n"), "SPRING-SALE");
}

#[test]
fn valid_coupon_takes_twenty_percent_off() {
    assert_eq!(
        validate(Some(&seed()), &redemption()).unwrap(),
        Discount {
            original_price: Cents(19_900),
            discount_amount: Cents(3980),
            final_price: Cents(15_920),
            free: false,
        }
    );
}

#[test]
fn missing_coupon_is_not_found() {
    let err = validate(None, &redemption()).unwrap_err();
    assert_eq!(err, CouponError::NotFound);
    assert_eq!(err.code(), "COUPON_NOT_FOUND");
}

#[test]
fn inactive_coupon_is_refused() {
    let coupon = Coupon {
        status: CouponStatus::Inactive,
        ..seed()
    };
    assert_eq!(code(&coupon, &redemption()), "COUPON_INACTIVE");
}

#[test]
fn valid_from_is_reached_at_the_instant() {
    let coupon = seed();
    let mut r = redemption();
    r.now = coupon.valid_from;
    assert_eq!(code(&coupon, &r), "OK");
    r.now = coupon.valid_from - Duration::seconds(1);
    assert_eq!(code(&coupon, &r), "COUPON_NOT_YET_VALID");
}

#[test]
fn valid_until_still_accepts_at_the_instant() {
    let coupon = seed();
    let mut r = redemption();
    r.now = coupon.valid_until;
    assert_eq!(code(&coupon, &r), "OK");
    r.now = coupon.valid_until + Duration::seconds(1);
    assert_eq!(code(&coupon, &r), "COUPON_EXPIRED");
}

#[test]
fn usage_limit_from_both_sides() {
    let mut coupon = seed();
    coupon.usage_count = coupon.usage_limit - 1;
    assert_eq!(code(&coupon, &redemption()), "OK");
    coupon.usage_count = coupon.usage_limit;
    assert_eq!(code(&coupon, &redemption()), "COUPON_USAGE_LIMIT_REACHED");
}

#[test]
fn per_user_limit_from_both_sides() {
    let coupon = Coupon {
        per_user_limit: 2,
        ..seed()
    };
    let mut r = redemption();
    r.user_uses = 1;
    assert_eq!(code(&coupon, &r), "OK");
    r.user_uses = 2;
    assert_eq!(code(&coupon, &r), "COUPON_PER_USER_LIMIT_REACHED");
}

#[test]
fn plan_must_be_applicable() {
    let mut r = redemption();
    r.plan = PlanFamily::Basic;
    r.price = Cents::from_dollars(149);
    let err = validate(Some(&seed()), &r).unwrap_err();
    assert_eq!(err.code(), "COUPON_PLAN_NOT_APPLICABLE");
    assert_eq!(
        err.message(),
        "This coupon does not apply to the Basic plan."
    );
}

#[test]
fn minimum_purchase_from_both_sides() {
    let coupon = seed();
    let mut r = redemption();
    r.price = Cents(9_999);
    let err = validate(Some(&coupon), &r).unwrap_err();
    assert_eq!(err.code(), "COUPON_MIN_PURCHASE_NOT_MET");
    assert_eq!(
        err.message(),
        "This coupon needs a purchase of at least $100.00 AUD."
    );
    r.price = Cents(10_000);
    assert_eq!(
        validate(Some(&coupon), &r).unwrap().final_price,
        Cents(8_000)
    );
}

#[test]
fn checks_run_in_the_documented_order() {
    // A coupon that breaks every rule; fixing one rule at a time reveals the
    // next, in order.
    let mut coupon = Coupon {
        status: CouponStatus::Inactive,
        valid_from: at("2026-01-01T00:00:00Z"),
        valid_until: at("2025-01-02T00:00:00Z"),
        usage_count: 100,
        applicable_plans: vec![PlanFamily::Premium],
        min_purchase: Cents::from_dollars(500),
        ..seed()
    };
    let mut r = redemption();
    r.user_uses = 1;
    let mut seen = vec![code(&coupon, &r)];
    coupon.status = CouponStatus::Active;
    seen.push(code(&coupon, &r));
    coupon.valid_from = at("2025-01-01T00:00:00Z");
    seen.push(code(&coupon, &r));
    coupon.valid_until = at("2025-12-31T23:59:59Z");
    seen.push(code(&coupon, &r));
    coupon.usage_count = 0;
    seen.push(code(&coupon, &r));
    r.user_uses = 0;
    seen.push(code(&coupon, &r));
    coupon.applicable_plans.push(PlanFamily::Full);
    seen.push(code(&coupon, &r));
    coupon.min_purchase = Cents::ZERO;
    seen.push(code(&coupon, &r));
    assert_eq!(
        seen,
        [
            "COUPON_INACTIVE",
            "COUPON_NOT_YET_VALID",
            "COUPON_EXPIRED",
            "COUPON_USAGE_LIMIT_REACHED",
            "COUPON_PER_USER_LIMIT_REACHED",
            "COUPON_PLAN_NOT_APPLICABLE",
            "COUPON_MIN_PURCHASE_NOT_MET",
            "OK",
        ]
    );
}

#[test]
fn every_error_has_its_own_code_and_an_english_message() {
    let instant = at("2025-12-31T23:59:59Z");
    let errors = [
        CouponError::NotFound,
        CouponError::Inactive,
        CouponError::NotYetValid {
            valid_from: instant,
        },
        CouponError::Expired {
            valid_until: instant,
        },
        CouponError::UsageLimitReached,
        CouponError::PerUserLimitReached { per_user_limit: 1 },
        CouponError::PlanNotApplicable {
            plan: PlanFamily::Basic,
        },
        CouponError::MinPurchaseNotMet {
            min_purchase: Cents(10_000),
        },
    ];
    let mut codes: Vec<_> = errors.iter().map(CouponError::code).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), errors.len());
    for err in &errors {
        let message = err.message();
        assert!(message.starts_with("This coupon") || message.starts_with("You have"));
        assert!(message.ends_with('.'), "{message}");
    }
    assert_eq!(
        CouponError::Expired {
            valid_until: instant
        }
        .message(),
        "This coupon expired on 31 December 2025, 23:59:59 UTC."
    );
}

#[test]
fn max_discount_caps_a_percentage() {
    let mut r = redemption();
    r.plan = PlanFamily::Premium;
    r.price = Cents::from_dollars(299);
    let discount = validate(Some(&seed()), &r).unwrap();
    // 20 % of 299.00 is 59.80, capped at 50.00.
    assert_eq!(discount.discount_amount, Cents::from_dollars(50));
    assert_eq!(discount.final_price, Cents::from_dollars(249));
}

#[test]
fn percentage_rounds_half_up_to_the_cent() {
    let percent = |value| Coupon {
        discount: CouponDiscount::Percentage(Percent::new(value).unwrap()),
        max_discount: None,
        ..seed()
    };
    // 15 % of 0.10 is 1.5 cents, of 0.30 is 4.5 cents, of 0.70 is 10.5 cents.
    assert_eq!(
        percent(15).discount_for(Cents(10)).discount_amount,
        Cents(2)
    );
    assert_eq!(
        percent(15).discount_for(Cents(30)).discount_amount,
        Cents(5)
    );
    assert_eq!(
        percent(15).discount_for(Cents(70)).discount_amount,
        Cents(11)
    );
    // 33 % of 1.01 is 33.33 cents.
    assert_eq!(
        percent(33).discount_for(Cents(101)).discount_amount,
        Cents(33)
    );
    // 33 % of 1.03 is 33.99 cents.
    assert_eq!(
        percent(33).discount_for(Cents(103)).discount_amount,
        Cents(34)
    );
}

#[test]
fn fixed_discount_never_exceeds_the_price() {
    let fixed = |dollars| Coupon {
        discount: CouponDiscount::Fixed(Cents::from_dollars(dollars)),
        max_discount: None,
        ..seed()
    };
    let basic = Cents::from_dollars(49);
    let ten_off = fixed(10).discount_for(basic);
    assert_eq!(ten_off.final_price, Cents::from_dollars(39));
    assert!(!ten_off.free);
    let sixty_off = fixed(60).discount_for(basic);
    assert_eq!(sixty_off.discount_amount, basic);
    assert_eq!(sixty_off.final_price, Cents::ZERO);
    assert!(sixty_off.free);
}

#[test]
fn full_discount_is_free() {
    let coupon = Coupon {
        discount: CouponDiscount::Percentage(Percent::new(100).unwrap()),
        max_discount: None,
        ..seed()
    };
    let discount = validate(Some(&coupon), &redemption()).unwrap();
    assert_eq!(discount.final_price, Cents::ZERO);
    assert!(discount.free);
    // One cent short of free when a cap applies.
    let capped = Coupon {
        max_discount: Some(Cents(19_899)),
        ..coupon
    };
    let discount = validate(Some(&capped), &redemption()).unwrap();
    assert_eq!(discount.final_price, Cents(1));
    assert!(!discount.free);
}

#[test]
fn discount_serializes_with_camel_case_dollar_amounts() {
    let discount = validate(Some(&seed()), &redemption()).unwrap();
    assert_eq!(
        serde_json::to_value(discount).unwrap(),
        json!({"originalPrice": 199, "discountAmount": 39.8, "finalPrice": 159.2, "free": false})
    );
}

fn any_discount() -> impl Strategy<Value = CouponDiscount> {
    prop_oneof![
        (1u32..=100).prop_map(|p| CouponDiscount::Percentage(Percent::new(p).unwrap())),
        (0i64..100_000).prop_map(|c| CouponDiscount::Fixed(Cents(c))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn discount_never_exceeds_the_price_nor_the_cap(
        discount in any_discount(),
        max_discount in proptest::option::of(0i64..100_000),
        price in 0i64..1_000_000,
    ) {
        let coupon = Coupon { discount, max_discount: max_discount.map(Cents), ..seed() };
        let result = coupon.discount_for(Cents(price));
        prop_assert!(result.discount_amount >= Cents::ZERO);
        prop_assert!(result.discount_amount <= Cents(price));
        if let Some(max) = max_discount {
            prop_assert!(result.discount_amount <= Cents(max));
        }
        prop_assert_eq!(result.original_price, Cents(price));
        prop_assert_eq!(result.final_price, Cents(price) - result.discount_amount);
        prop_assert_eq!(result.free, result.final_price == Cents::ZERO);
    }

    #[test]
    fn uncapped_percentage_is_the_exact_amount_rounded_half_up(
        percent in 1u32..=100,
        price in 0i64..1_000_000,
    ) {
        let coupon = Coupon {
            discount: CouponDiscount::Percentage(Percent::new(percent).unwrap()),
            max_discount: None,
            ..seed()
        };
        let d = coupon.discount_for(Cents(price)).discount_amount.0;
        // The exact discount is price × percent / 100 cents; 100·d may differ
        // from 100 × exact by less than half a cent, and a half rounds up.
        let error = 100 * d - price * i64::from(percent);
        prop_assert!(-50 < error && error <= 50, "error {}", error);
    }
}
