use campaigns_core::money::Cents;
use campaigns_core::scholarship::countries::{COUNTRIES, IncomeGroup, find_country};
use campaigns_core::scholarship::{
    AUTO_APPROVAL_MAX_PERCENT, Applicant, BASE_PRICE, ComponentName, EmploymentStatus, PRICE_FLOOR,
    ScholarshipCalculation, calculate, discounted_price, percentage_for,
};
use proptest::prelude::*;

/// Zero points everywhere except need: a single person in Australia, working
/// full-time, who scored 40 %.
fn applicant(income: u64) -> Applicant {
    Applicant {
        household_income: income,
        household_size: 1,
        country: "Australia".into(),
        employment_status: EmploymentStatus::FullTime,
        refugee_or_asylum_seeker: false,
        latest_exam_score: Some(40.0),
    }
}

fn points(calc: &ScholarshipCalculation, name: ComponentName) -> u32 {
    calc.components
        .iter()
        .find(|c| c.name == name)
        .unwrap()
        .points
}

fn calc(applicant: &Applicant) -> ScholarshipCalculation {
    calculate(applicant).unwrap()
}

#[test]
fn worked_example() {
    let calc = calc(&Applicant {
        household_income: 42_000,
        household_size: 3,
        country: "Egypt".into(),
        employment_status: EmploymentStatus::PartTime,
        refugee_or_asylum_seeker: false,
        latest_exam_score: Some(58.0),
    });
    // 14,000 per person: 30; lower-middle: 20; part-time: 5; 58 %: 10.
    assert_eq!(calc.total_points, 65);
    assert_eq!(calc.percentage, 65);
    assert!(calc.eligible);
    assert_eq!(calc.base_price, Cents::from_dollars(129));
    // 129 × 35 % = 45.15, rounded to 45.
    assert_eq!(calc.price, Cents::from_dollars(45));
    assert_eq!(calc.savings, Cents::from_dollars(84));
    assert!(!calc.auto_approved);
    let names: Vec<_> = calc.components.iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        [
            ComponentName::Need,
            ComponentName::Country,
            ComponentName::Situation,
            ComponentName::Merit
        ]
    );
    let need = &calc.components[0];
    assert_eq!((need.points, need.max_points), (30, 40));
    assert!(need.explanation.contains("$42,000"), "{}", need.explanation);
    assert!(
        need.explanation.contains("$14,000 AUD per person"),
        "{}",
        need.explanation
    );
    assert!(
        calc.components[1]
            .explanation
            .contains("Egypt is in the World Bank's lower-middle income group")
    );
    assert_eq!(
        calc.components[2].explanation,
        "Working part-time: 5 points."
    );
    assert!(calc.components[3].explanation.contains("58%"));
    assert!(
        calc.summary.contains("65%") && calc.summary.contains("$45.00 AUD"),
        "{}",
        calc.summary
    );
}

#[test]
fn need_thresholds_from_both_sides() {
    for (income, expected) in [
        (0, 40),
        (9_999, 40),
        (10_000, 30),
        (19_999, 30),
        (20_000, 20),
        (34_999, 20),
        (35_000, 10),
        (49_999, 10),
        (50_000, 0),
        (1_000_000, 0),
    ] {
        assert_eq!(
            points(&calc(&applicant(income)), ComponentName::Need),
            expected,
            "{income}"
        );
    }
}

#[test]
fn need_divides_income_by_household_size_rounding_down() {
    let mut shared = applicant(20_001);
    shared.household_size = 2;
    // 10,000.5 per person counts as 10,000.
    assert_eq!(points(&calc(&shared), ComponentName::Need), 30);
    shared.household_income = 19_999;
    assert_eq!(points(&calc(&shared), ComponentName::Need), 40);
}

#[test]
fn country_points_follow_the_income_group() {
    for (country, expected) in [
        ("Ethiopia", 25),
        ("India", 20),
        ("Brazil", 10),
        ("Australia", 0),
    ] {
        let mut a = applicant(100_000);
        a.country = country.into();
        assert_eq!(
            points(&calc(&a), ComponentName::Country),
            expected,
            "{country}"
        );
    }
}

#[test]
fn countries_match_by_name_code_or_alias_ignoring_case() {
    let group = |input: &str| find_country(input).map(|c| c.income_group);
    assert_eq!(find_country("in").unwrap().name, "India");
    assert_eq!(find_country(" IN ").unwrap().name, "India");
    assert_eq!(find_country("iran").unwrap().iso2, "IR");
    assert_eq!(find_country("Iran, Islamic Rep.").unwrap().iso2, "IR");
    assert_eq!(
        find_country("united  states of america").unwrap().iso2,
        "US"
    );
    assert_eq!(find_country("UK").unwrap().iso2, "GB");
    assert_eq!(find_country("Viet Nam").unwrap().iso2, "VN");
    assert_eq!(find_country("Côte d’Ivoire").unwrap().iso2, "CI");
    assert_eq!(find_country("cote d'ivoire").unwrap().iso2, "CI");
    assert_eq!(group("Afghanistan"), Some(IncomeGroup::Low));
    assert_eq!(group("Pakistan"), Some(IncomeGroup::LowerMiddle));
    assert_eq!(group("Iran"), Some(IncomeGroup::UpperMiddle));
    assert_eq!(group("Saudi Arabia"), Some(IncomeGroup::High));
    assert_eq!(find_country("Narnia"), None);
    assert_eq!(find_country(""), None);
}

#[test]
fn country_table_is_consistent() {
    let mut codes: Vec<_> = COUNTRIES.iter().map(|c| c.iso2).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), COUNTRIES.len(), "duplicate ISO codes");
    assert!(
        COUNTRIES.len() > 200,
        "the World Bank classifies over 200 economies"
    );
    for country in COUNTRIES {
        assert!(
            country.iso2.len() == 2 && country.iso2.chars().all(|c| c.is_ascii_uppercase()),
            "{}",
            country.name
        );
        assert_eq!(find_country(country.name), Some(country));
        assert_eq!(find_country(country.iso2), Some(country));
    }
    for group in IncomeGroup::ALL {
        assert!(COUNTRIES.iter().any(|c| c.income_group == group));
    }
}

#[test]
fn unknown_country_is_refused() {
    let mut a = applicant(10_000);
    a.country = "Atlantis".into();
    let err = calculate(&a).unwrap_err();
    assert_eq!(err.code(), "UNKNOWN_COUNTRY");
    assert_eq!(err.field(), "country");
    assert!(err.to_string().contains("Atlantis"));
}

#[test]
fn situation_points() {
    for (status, expected) in [
        (EmploymentStatus::Unemployed, 15),
        (EmploymentStatus::Student, 10),
        (EmploymentStatus::PartTime, 5),
        (EmploymentStatus::FullTime, 0),
    ] {
        let mut a = applicant(100_000);
        a.employment_status = status;
        assert_eq!(points(&calc(&a), ComponentName::Situation), expected);
        a.refugee_or_asylum_seeker = true;
        let with_refugee = calc(&a);
        assert_eq!(
            points(&with_refugee, ComponentName::Situation),
            expected + 15
        );
        assert!(
            with_refugee.components[2]
                .explanation
                .ends_with("; refugee or asylum seeker: 15 more.")
        );
    }
}

#[test]
fn merit_thresholds_from_both_sides() {
    for (score, expected) in [
        (Some(100.0), 20),
        (Some(70.0), 20),
        (Some(69.99), 15),
        (Some(60.0), 15),
        (Some(59.99), 10),
        (Some(50.0), 10),
        (Some(49.99), 0),
        (Some(0.0), 0),
        (None, 5),
    ] {
        let mut a = applicant(100_000);
        a.latest_exam_score = score;
        assert_eq!(
            points(&calc(&a), ComponentName::Merit),
            expected,
            "{score:?}"
        );
    }
}

#[test]
fn impossible_inputs_are_refused() {
    let mut a = applicant(10_000);
    a.household_size = 0;
    let err = calculate(&a).unwrap_err();
    assert_eq!(
        (err.code(), err.field()),
        ("INVALID_HOUSEHOLD_SIZE", "householdSize")
    );
    for score in [-0.01, 100.01, f64::NAN] {
        let mut a = applicant(10_000);
        a.latest_exam_score = Some(score);
        let err = calculate(&a).unwrap_err();
        assert_eq!(
            (err.code(), err.field()),
            ("INVALID_EXAM_SCORE", "latestExamScore")
        );
    }
}

#[test]
fn percentage_is_capped_and_rounded_down_to_five() {
    for (points, expected) in [
        (0, 0),
        (4, 0),
        (5, 5),
        (9, 5),
        (10, 10),
        (34, 30),
        (35, 35),
        (74, 70),
        (75, 75),
        (80, 75),
        (115, 75),
    ] {
        assert_eq!(percentage_for(points), expected, "{points} points");
    }
}

#[test]
fn eligibility_starts_at_ten_percent() {
    // 5 points (no exam yet) only: 5 %, not eligible, full price.
    let mut a = applicant(100_000);
    a.latest_exam_score = None;
    let five = calc(&a);
    assert_eq!((five.percentage, five.eligible), (5, false));
    assert_eq!(five.price, BASE_PRICE);
    assert_eq!(five.savings, Cents::ZERO);
    assert!(!five.auto_approved);
    assert!(
        five.summary.contains("below the 10% minimum"),
        "{}",
        five.summary
    );
    // 10 points (part-time and no exam yet): 10 %, eligible; 116.10 → 116.
    a.employment_status = EmploymentStatus::PartTime;
    let ten = calc(&a);
    assert_eq!((ten.percentage, ten.eligible), (10, true));
    assert_eq!(ten.price, Cents::from_dollars(116));
    assert!(ten.auto_approved);
}

#[test]
fn auto_approval_up_to_thirty_percent() {
    assert_eq!(AUTO_APPROVAL_MAX_PERCENT, 30);
    // 15,000 a year: 30 points, nothing else.
    let thirty = calc(&applicant(15_000));
    assert_eq!(thirty.percentage, 30);
    assert!(thirty.auto_approved);
    // Plus 5 for no exam yet: 35 %.
    let mut a = applicant(15_000);
    a.latest_exam_score = None;
    let thirty_five = calc(&a);
    assert_eq!(thirty_five.percentage, 35);
    assert!(thirty_five.eligible);
    assert!(!thirty_five.auto_approved);
}

#[test]
fn price_rounds_half_up_to_the_dollar() {
    // 129 × 50 % = 64.50 → 65; × 30 % off = 90.30 → 90; × 75 % off = 32.25 → 32.
    assert_eq!(discounted_price(BASE_PRICE, 50), Cents::from_dollars(65));
    assert_eq!(discounted_price(BASE_PRICE, 30), Cents::from_dollars(90));
    assert_eq!(discounted_price(BASE_PRICE, 75), Cents::from_dollars(32));
    assert_eq!(discounted_price(BASE_PRICE, 0), BASE_PRICE);
}

#[test]
fn price_never_falls_below_the_floor() {
    assert_eq!(PRICE_FLOOR, Cents::from_dollars(29));
    let hundred = Cents::from_dollars(100);
    assert_eq!(discounted_price(hundred, 70), Cents::from_dollars(30));
    assert_eq!(discounted_price(hundred, 71), Cents::from_dollars(29));
    assert_eq!(discounted_price(hundred, 72), PRICE_FLOOR);
    assert_eq!(discounted_price(hundred, 100), PRICE_FLOOR);
    // 129 × 20 % = 25.80 → 26, lifted to the floor.
    assert_eq!(discounted_price(BASE_PRICE, 80), PRICE_FLOOR);
}

#[test]
fn most_generous_case_hits_the_cap() {
    let calc = calc(&Applicant {
        household_income: 5_000,
        household_size: 4,
        country: "Syria".into(),
        employment_status: EmploymentStatus::Unemployed,
        refugee_or_asylum_seeker: true,
        latest_exam_score: Some(75.0),
    });
    assert_eq!(calc.total_points, 40 + 25 + 30 + 20);
    assert_eq!(calc.percentage, 75);
    assert_eq!(calc.price, Cents::from_dollars(32));
    assert_eq!(calc.savings, Cents::from_dollars(97));
}

#[test]
fn serializes_with_camel_case_fields() {
    let json = serde_json::to_value(calc(&applicant(15_000))).unwrap();
    for key in [
        "percentage",
        "eligible",
        "basePrice",
        "price",
        "savings",
        "totalPoints",
        "components",
        "autoApproved",
        "summary",
    ] {
        assert!(json.get(key).is_some(), "{key}");
    }
    assert_eq!(json["basePrice"], 129);
    assert_eq!(json["components"][0]["name"], "need");
    assert_eq!(json["components"][0]["maxPoints"], 40);
    let applicant_json = serde_json::to_value(applicant(1)).unwrap();
    assert_eq!(applicant_json["employmentStatus"], "full-time");
    assert_eq!(applicant_json["refugeeOrAsylumSeeker"], false);
}

/// One country per income group, richest first.
const BY_GROUP: [&str; 4] = ["Japan", "Mexico", "Kenya", "Malawi"];

fn any_applicant() -> impl Strategy<Value = Applicant> {
    (
        0u64..150_000,
        1u32..8,
        0usize..4,
        prop_oneof![
            Just(EmploymentStatus::Unemployed),
            Just(EmploymentStatus::Student),
            Just(EmploymentStatus::PartTime),
            Just(EmploymentStatus::FullTime),
        ],
        any::<bool>(),
        proptest::option::of(0.0..=100.0f64),
    )
        .prop_map(|(income, size, group, status, refugee, score)| Applicant {
            household_income: income,
            household_size: size,
            country: BY_GROUP[group].into(),
            employment_status: status,
            refugee_or_asylum_seeker: refugee,
            latest_exam_score: score,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn percentage_is_a_multiple_of_five_up_to_75(a in any_applicant()) {
        let c = calc(&a);
        prop_assert!(c.percentage <= 75 && c.percentage.is_multiple_of(5));
        prop_assert_eq!(c.total_points, c.components.iter().map(|x| x.points).sum::<u32>());
        prop_assert_eq!(c.eligible, c.percentage >= 10);
        prop_assert_eq!(c.auto_approved, c.eligible && c.percentage <= 30);
        prop_assert_eq!(c.price + c.savings, BASE_PRICE);
        prop_assert!(c.price >= PRICE_FLOOR);
    }

    #[test]
    fn percentage_never_falls_when_income_per_person_falls(
        a in any_applicant(),
        cut in 0u64..150_000,
    ) {
        let poorer = Applicant { household_income: a.household_income.saturating_sub(cut), ..a.clone() };
        prop_assert!(calc(&poorer).percentage >= calc(&a).percentage);
        let bigger_household = Applicant { household_size: a.household_size + 1, ..a.clone() };
        prop_assert!(calc(&bigger_household).percentage >= calc(&a).percentage);
    }

    #[test]
    fn percentage_never_falls_in_a_lower_income_country(a in any_applicant()) {
        let group = BY_GROUP.iter().position(|c| *c == a.country).unwrap();
        for lower in &BY_GROUP[group..] {
            let elsewhere = Applicant { country: lower.to_string(), ..a.clone() };
            prop_assert!(calc(&elsewhere).percentage >= calc(&a).percentage);
        }
    }
}
