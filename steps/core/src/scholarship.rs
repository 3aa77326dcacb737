//! The scholarship calculation: points for need, country, situation and merit
//! give a percentage off 3 months of access.
//!
//! Points are capped at 75 and rounded down to a multiple of 5; below 10 % the
//! applicant is not eligible. The price is the Standard 3-month price less the
//! percentage, rounded to the nearest dollar, never below $29. Up to 30 % is
//! approved automatically; above that a reviewer decides.

pub mod countries;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::catalog::STANDARD_3_MONTHS_PRICE;
use crate::money::Cents;
use countries::{IncomeGroup, find_country};

/// The price the percentage is taken off.
pub const BASE_PRICE: Cents = STANDARD_3_MONTHS_PRICE;
/// No scholarship takes the price below this.
pub const PRICE_FLOOR: Cents = Cents::from_dollars(29);
/// Points above this do not raise the percentage.
pub const MAX_PERCENT: u32 = 75;
/// Percentages below this are not a scholarship.
pub const MIN_ELIGIBLE_PERCENT: u32 = 10;
/// Eligible percentages up to this are approved without a reviewer.
pub const AUTO_APPROVAL_MAX_PERCENT: u32 = 30;

/// What an applicant declares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Applicant {
    /// Yearly household income in whole AUD.
    pub household_income: u64,
    /// People living on that income, the applicant included.
    #[schemars(range(min = 1))]
    pub household_size: u32,
    /// Country of residence: a name or an ISO 3166 alpha-2 code.
    pub country: String,
    pub employment_status: EmploymentStatus,
    pub refugee_or_asylum_seeker: bool,
    /// Latest ADC exam score in percent; `None` when no exam was taken yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 100.0))]
    pub latest_exam_score: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum EmploymentStatus {
    Unemployed,
    Student,
    PartTime,
    FullTime,
}

impl EmploymentStatus {
    fn label(self) -> &'static str {
        match self {
            EmploymentStatus::Unemployed => "Unemployed",
            EmploymentStatus::Student => "Student",
            EmploymentStatus::PartTime => "Working part-time",
            EmploymentStatus::FullTime => "Working full-time",
        }
    }
}

/// The calculation's answer, with one explained component per rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScholarshipCalculation {
    /// A multiple of 5 from 0 to 75, reported even when not eligible.
    pub percentage: u32,
    pub eligible: bool,
    pub base_price: Cents,
    /// What the applicant pays: the base price when not eligible.
    pub price: Cents,
    pub savings: Cents,
    /// Sum of the components' points before the cap.
    pub total_points: u32,
    pub components: Vec<ScholarshipComponent>,
    /// Eligible and at most 30 %: no reviewer needed.
    pub auto_approved: bool,
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScholarshipComponent {
    pub name: ComponentName,
    pub points: u32,
    /// The most this component can give.
    pub max_points: u32,
    pub explanation: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ComponentName {
    Need,
    Country,
    Situation,
    Merit,
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum ScholarshipError {
    #[error("\"{0}\" is not a country we recognise; use its English name or ISO code")]
    UnknownCountry(String),
    #[error("household size must be at least 1")]
    InvalidHouseholdSize,
    #[error("latest exam score must be a percentage from 0 to 100, got {0}")]
    InvalidExamScore(f64),
}

impl ScholarshipError {
    pub fn code(&self) -> &'static str {
        match self {
            ScholarshipError::UnknownCountry(_) => "UNKNOWN_COUNTRY",
            ScholarshipError::InvalidHouseholdSize => "INVALID_HOUSEHOLD_SIZE",
            ScholarshipError::InvalidExamScore(_) => "INVALID_EXAM_SCORE",
        }
    }

    /// The [`Applicant`] field at fault, as named in JSON.
    pub fn field(&self) -> &'static str {
        match self {
            ScholarshipError::UnknownCountry(_) => "country",
            ScholarshipError::InvalidHouseholdSize => "householdSize",
            ScholarshipError::InvalidExamScore(_) => "latestExamScore",
        }
    }
}

pub fn calculate(applicant: &Applicant) -> Result<ScholarshipCalculation, ScholarshipError> {
    if applicant.household_size == 0 {
        return Err(ScholarshipError::InvalidHouseholdSize);
    }
    if let Some(score) = applicant.latest_exam_score
        && !(0.0..=100.0).contains(&score)
    {
        return Err(ScholarshipError::InvalidExamScore(score));
    }
    let country = find_country(&applicant.country)
        .ok_or_else(|| ScholarshipError::UnknownCountry(applicant.country.clone()))?;

    let components = vec![
        need(applicant.household_income, applicant.household_size),
        country_component(country.name, country.income_group),
        situation(
            applicant.employment_status,
            applicant.refugee_or_asylum_seeker,
        ),
        merit(applicant.latest_exam_score),
    ];
    let total_points = components.iter().map(|c| c.points).sum();
    let percentage = percentage_for(total_points);
    let eligible = percentage >= MIN_ELIGIBLE_PERCENT;
    let price = if eligible {
        discounted_price(BASE_PRICE, percentage)
    } else {
        BASE_PRICE
    };
    let savings = BASE_PRICE - price;
    let auto_approved = eligible && percentage <= AUTO_APPROVAL_MAX_PERCENT;
    let summary = if eligible {
        format!(
            "{total_points} points give a {percentage}% scholarship: 3 months of access for {} instead of {}.",
            price.to_aud_string(),
            BASE_PRICE.to_aud_string()
        )
    } else {
        format!(
            "{total_points} points give {percentage}%, below the {MIN_ELIGIBLE_PERCENT}% minimum for a scholarship; the price stays {}.",
            BASE_PRICE.to_aud_string()
        )
    };
    Ok(ScholarshipCalculation {
        percentage,
        eligible,
        base_price: BASE_PRICE,
        price,
        savings,
        total_points,
        components,
        auto_approved,
        summary,
    })
}

/// Points capped at [`MAX_PERCENT`], rounded down to a multiple of 5.
pub fn percentage_for(points: u32) -> u32 {
    points.min(MAX_PERCENT) / 5 * 5
}

/// `base` less `percentage`, rounded half up to the nearest dollar, never
/// below [`PRICE_FLOOR`].
pub fn discounted_price(base: Cents, percentage: u32) -> Cents {
    // base × (100 − pct) / 100 is in cents; a further / 100 gives dollars.
    let hundredths_of_cents = base.0 * i64::from(100 - percentage.min(100));
    let dollars = (hundredths_of_cents + 5_000).div_euclid(10_000);
    Cents::from_dollars(dollars).max(PRICE_FLOOR)
}

fn need(household_income: u64, household_size: u32) -> ScholarshipComponent {
    let per_person = household_income / u64::from(household_size);
    let points = match per_person {
        0..10_000 => 40,
        10_000..20_000 => 30,
        20_000..35_000 => 20,
        35_000..50_000 => 10,
        _ => 0,
    };
    ScholarshipComponent {
        name: ComponentName::Need,
        points,
        max_points: 40,
        explanation: format!(
            "Household income of ${} AUD a year shared by {household_size} {} is ${} AUD per person: {points} points (under $10,000: 40; under $20,000: 30; under $35,000: 20; under $50,000: 10).",
            thousands(household_income),
            if household_size == 1 {
                "person"
            } else {
                "people"
            },
            thousands(per_person),
        ),
    }
}

fn country_component(name: &str, group: IncomeGroup) -> ScholarshipComponent {
    let points = match group {
        IncomeGroup::Low => 25,
        IncomeGroup::LowerMiddle => 20,
        IncomeGroup::UpperMiddle => 10,
        IncomeGroup::High => 0,
    };
    ScholarshipComponent {
        name: ComponentName::Country,
        points,
        max_points: 25,
        explanation: format!(
            "{name} is in the World Bank's {} group: {points} points.",
            group.label()
        ),
    }
}

fn situation(status: EmploymentStatus, refugee_or_asylum_seeker: bool) -> ScholarshipComponent {
    let employment = match status {
        EmploymentStatus::Unemployed => 15,
        EmploymentStatus::Student => 10,
        EmploymentStatus::PartTime => 5,
        EmploymentStatus::FullTime => 0,
    };
    let refugee = if refugee_or_asylum_seeker { 15 } else { 0 };
    let points = employment + refugee;
    let mut explanation = format!("{}: {employment} points", status.label());
    if refugee_or_asylum_seeker {
        explanation.push_str("; refugee or asylum seeker: 15 more");
    }
    explanation.push('.');
    ScholarshipComponent {
        name: ComponentName::Situation,
        points,
        max_points: 30,
        explanation,
    }
}

fn merit(latest_exam_score: Option<f64>) -> ScholarshipComponent {
    let (points, explanation) = match latest_exam_score {
        None => (
            5,
            "No ADC exam taken yet: 5 points, so first-time candidates are not left out."
                .to_string(),
        ),
        Some(score) => {
            let points = if score >= 70.0 {
                20
            } else if score >= 60.0 {
                15
            } else if score >= 50.0 {
                10
            } else {
                0
            };
            (
                points,
                format!(
                    "Latest exam score {score}%: {points} points (70% or more: 20; 60%: 15; 50%: 10)."
                ),
            )
        }
    };
    ScholarshipComponent {
        name: ComponentName::Merit,
        points,
        max_points: 20,
        explanation,
    }
}

/// `42000` as `42,000`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}
