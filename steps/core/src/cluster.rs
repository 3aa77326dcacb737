//! Performance clusters: which personalized plan a score report points to.
//!
//! Five rules, in order, decide the recommended cluster; the first that
//! matches wins. Every cluster also gets a fit score with reasons, so the user
//! can see how close the others came and pick another (`selectedCluster`).

mod roadmaps;

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::catalog::{ProductId, product};
use crate::money::Cents;
pub use roadmaps::{Roadmap, RoadmapWeek, roadmap};

/// The numbers of an ADC score report that the rules read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScoreReport {
    #[schemars(range(min = 0.0, max = 100.0))]
    pub clinical_percent: f64,
    #[schemars(range(min = 0.0, max = 100.0))]
    pub theory_percent: f64,
    /// Correct answers as a percentage of all questions.
    #[schemars(range(min = 0.0, max = 100.0))]
    pub overall_percent: f64,
    pub questions_answered: u32,
    #[schemars(range(min = 1))]
    pub questions_total: u32,
    pub time_used_minutes: u32,
    #[schemars(range(min = 1))]
    pub time_allowed_minutes: u32,
}

/// A performance cluster. Stored as its number (`selectedCluster` is a
/// DynamoDB number attribute in the seed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum Cluster {
    ClinicalKnowledgeGap = 1,
    TheoryFundamentals = 2,
    TimeManagement = 3,
    ComprehensiveReview = 4,
}

impl Cluster {
    pub const ALL: [Cluster; 4] = [
        Cluster::ClinicalKnowledgeGap,
        Cluster::TheoryFundamentals,
        Cluster::TimeManagement,
        Cluster::ComprehensiveReview,
    ];

    pub const fn number(self) -> u8 {
        self as u8
    }

    pub const fn name(self) -> &'static str {
        match self {
            Cluster::ClinicalKnowledgeGap => "Clinical Knowledge Gap",
            Cluster::TheoryFundamentals => "Theory Fundamentals",
            Cluster::TimeManagement => "Time Management",
            Cluster::ComprehensiveReview => "Comprehensive Review",
        }
    }

    /// The plan sold for this cluster.
    pub const fn product(self) -> ProductId {
        match self {
            Cluster::ClinicalKnowledgeGap => ProductId::Cluster1ClinicalKnowledgeGap,
            Cluster::TheoryFundamentals => ProductId::Cluster2TheoryFundamentals,
            Cluster::TimeManagement => ProductId::Cluster3TimeManagement,
            Cluster::ComprehensiveReview => ProductId::Cluster4ComprehensiveReview,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("a cluster is a number from 1 to 4, got {0}")]
pub struct InvalidCluster(pub u8);

impl TryFrom<u8> for Cluster {
    type Error = InvalidCluster;
    fn try_from(number: u8) -> Result<Cluster, InvalidCluster> {
        Cluster::ALL
            .into_iter()
            .find(|cluster| cluster.number() == number)
            .ok_or(InvalidCluster(number))
    }
}

impl From<Cluster> for u8 {
    fn from(cluster: Cluster) -> u8 {
        cluster.number()
    }
}

impl JsonSchema for Cluster {
    fn schema_name() -> Cow<'static, str> {
        "Cluster".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "integer",
            "minimum": 1,
            "maximum": 4,
            "description": "Performance cluster: 1 Clinical Knowledge Gap, 2 Theory Fundamentals, 3 Time Management, 4 Comprehensive Review.",
        })
    }
}

/// The rule that decided, in the order they are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum DecisionRule {
    /// 1. Overall below 50 % and both sections below 55 %.
    LowAcrossTheBoard,
    /// 2. At least 10 % unanswered, or at least 98 % of the time used with at
    ///    least 60 % accuracy on the questions answered.
    TimePressure,
    /// 3. Clinical at least 10 points below theory.
    ClinicalGap,
    /// 4. Theory at least 10 points below clinical.
    TheoryGap,
    /// 5. Otherwise the weaker section; a tie means a comprehensive review.
    WeakerSection,
}

/// The recommendation and how every cluster fits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClusterAssessment {
    pub cluster: Cluster,
    pub rule: DecisionRule,
    /// Why the rule matched, with the report's numbers.
    pub reasons: Vec<String>,
    /// Every cluster, in cluster order; the recommended one has the highest fit.
    pub fits: Vec<ClusterFit>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClusterFit {
    pub cluster: Cluster,
    pub name: String,
    pub product_id: ProductId,
    pub price: Cents,
    pub access_months: u32,
    /// 0–100: how well the cluster's plan matches the report.
    pub fit: u32,
    pub reasons: Vec<String>,
    pub roadmap: Roadmap,
}

/// A score report that cannot be real.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ScoreReportError {
    #[error("{field} must be a percentage from 0 to 100, got {value}")]
    PercentOutOfRange { field: &'static str, value: f64 },
    #[error("the report must have at least one question")]
    NoQuestions,
    #[error("questions answered ({answered}) cannot exceed the total ({total})")]
    AnsweredExceedsTotal { answered: u32, total: u32 },
    #[error("the time allowed must be at least one minute")]
    NoTimeAllowed,
    #[error("time used ({used} min) cannot exceed the time allowed ({allowed} min)")]
    TimeUsedExceedsAllowed { used: u32, allowed: u32 },
    #[error(
        "an overall score of {overall}% is impossible with {answered} of {total} questions answered"
    )]
    OverallExceedsAnswered {
        overall: f64,
        answered: u32,
        total: u32,
    },
}

impl ScoreReportError {
    pub fn code(&self) -> &'static str {
        match self {
            ScoreReportError::PercentOutOfRange { .. } => "PERCENT_OUT_OF_RANGE",
            ScoreReportError::NoQuestions => "NO_QUESTIONS",
            ScoreReportError::AnsweredExceedsTotal { .. } => "ANSWERED_EXCEEDS_TOTAL",
            ScoreReportError::NoTimeAllowed => "NO_TIME_ALLOWED",
            ScoreReportError::TimeUsedExceedsAllowed { .. } => "TIME_USED_EXCEEDS_ALLOWED",
            ScoreReportError::OverallExceedsAnswered { .. } => "OVERALL_EXCEEDS_ANSWERED",
        }
    }

    /// The [`ScoreReport`] field at fault, as named in JSON.
    pub fn field(&self) -> &'static str {
        match self {
            ScoreReportError::PercentOutOfRange { field, .. } => field,
            ScoreReportError::NoQuestions => "questionsTotal",
            ScoreReportError::AnsweredExceedsTotal { .. } => "questionsAnswered",
            ScoreReportError::NoTimeAllowed => "timeAllowedMinutes",
            ScoreReportError::TimeUsedExceedsAllowed { .. } => "timeUsedMinutes",
            ScoreReportError::OverallExceedsAnswered { .. } => "overallPercent",
        }
    }
}

/// Section gaps and accuracy are compared with this tolerance, so that
/// 70.1 − 60.1 counts as the 10 points it is despite binary rounding.
const TOLERANCE: f64 = 1e-9;

/// Reported percentages are rounded; an overall score may exceed the share of
/// questions answered by this much before the report counts as impossible.
const ROUNDING_ALLOWANCE: f64 = 0.5;

/// The report's numbers that the rules and fit scores read.
struct Facts {
    clinical: f64,
    theory: f64,
    overall: f64,
    total: u32,
    unanswered: u32,
    unanswered_percent: f64,
    used: u32,
    allowed: u32,
    time_percent: f64,
    /// Accuracy on the questions answered; `None` when none were.
    accuracy: Option<f64>,
}

impl Facts {
    fn from_report(report: &ScoreReport) -> Result<Facts, ScoreReportError> {
        for (field, value) in [
            ("clinicalPercent", report.clinical_percent),
            ("theoryPercent", report.theory_percent),
            ("overallPercent", report.overall_percent),
        ] {
            if !(0.0..=100.0).contains(&value) {
                return Err(ScoreReportError::PercentOutOfRange { field, value });
            }
        }
        let (answered, total) = (report.questions_answered, report.questions_total);
        let (used, allowed) = (report.time_used_minutes, report.time_allowed_minutes);
        if total == 0 {
            return Err(ScoreReportError::NoQuestions);
        }
        if answered > total {
            return Err(ScoreReportError::AnsweredExceedsTotal { answered, total });
        }
        if allowed == 0 {
            return Err(ScoreReportError::NoTimeAllowed);
        }
        if used > allowed {
            return Err(ScoreReportError::TimeUsedExceedsAllowed { used, allowed });
        }
        let overall = report.overall_percent;
        let answered_percent = 100.0 * f64::from(answered) / f64::from(total);
        if overall > answered_percent + ROUNDING_ALLOWANCE {
            return Err(ScoreReportError::OverallExceedsAnswered {
                overall,
                answered,
                total,
            });
        }
        Ok(Facts {
            clinical: report.clinical_percent,
            theory: report.theory_percent,
            overall,
            total,
            unanswered: total - answered,
            unanswered_percent: 100.0 - answered_percent,
            used,
            allowed,
            time_percent: 100.0 * f64::from(used) / f64::from(allowed),
            accuracy: (answered > 0)
                .then(|| (overall * f64::from(total) / f64::from(answered)).min(100.0)),
        })
    }

    /// At least 10 % of the questions left unanswered (exact, in integers).
    fn many_unanswered(&self) -> bool {
        10 * u64::from(self.unanswered) >= u64::from(self.total)
    }

    /// At least 98 % of the time used (exact, in integers).
    fn out_of_time(&self) -> bool {
        100 * u64::from(self.used) >= 98 * u64::from(self.allowed)
    }

    fn accurate_when_answering(&self) -> bool {
        self.accuracy
            .is_some_and(|accuracy| accuracy >= 60.0 - TOLERANCE)
    }
}

/// Recommends a cluster for `report` and scores how every cluster fits.
pub fn assess(report: &ScoreReport) -> Result<ClusterAssessment, ScoreReportError> {
    let facts = Facts::from_report(report)?;
    let (cluster, rule, reasons) = decide(&facts);
    let raw: Vec<(Cluster, u32, Vec<String>)> = Cluster::ALL
        .into_iter()
        .map(|c| {
            let (fit, reasons) = raw_fit(c, &facts);
            (c, fit, reasons)
        })
        .collect();
    let best_other = raw
        .iter()
        .filter(|(c, _, _)| *c != cluster)
        .map(|(_, fit, _)| *fit)
        .max()
        .unwrap_or(0);
    let fits = raw
        .into_iter()
        .map(|(c, fit, reasons)| {
            // The rules decide; the fit scores rank the others below the
            // recommendation, whatever their raw score.
            let fit = if c == cluster {
                fit.max(best_other + 1).min(100)
            } else {
                fit.min(99)
            };
            cluster_fit(c, fit, reasons)
        })
        .collect::<Vec<_>>();
    Ok(ClusterAssessment {
        cluster,
        rule,
        reasons,
        fits,
    })
}

fn cluster_fit(cluster: Cluster, fit: u32, reasons: Vec<String>) -> ClusterFit {
    let plan = product(cluster.product());
    ClusterFit {
        cluster,
        name: cluster.name().to_string(),
        product_id: plan.id,
        price: plan.price.unwrap_or_default(),
        access_months: plan.access_months.unwrap_or_default(),
        fit,
        reasons,
        roadmap: roadmap(cluster),
    }
}

/// The five rules, first match wins.
fn decide(f: &Facts) -> (Cluster, DecisionRule, Vec<String>) {
    let (clinical, theory, overall) = (pct(f.clinical), pct(f.theory), pct(f.overall));

    if f.overall < 50.0 && f.clinical < 55.0 && f.theory < 55.0 {
        return (
            Cluster::ComprehensiveReview,
            DecisionRule::LowAcrossTheBoard,
            vec![format!(
                "Overall {overall}% is below 50%, and clinical {clinical}% and theory {theory}% are both below 55%: both sections need a full review."
            )],
        );
    }

    let mut time_reasons = Vec::new();
    if f.many_unanswered() {
        time_reasons.push(format!(
            "{} of {} questions ({}%) were left unanswered, at least 10%.",
            f.unanswered,
            f.total,
            pct(f.unanswered_percent)
        ));
    }
    if f.out_of_time() && f.accurate_when_answering() {
        time_reasons.push(format!(
            "{} of {} minutes ({}%) were used, at least 98%, with {}% of answered questions correct, at least 60%: the knowledge is there but time runs out.",
            f.used,
            f.allowed,
            pct(f.time_percent),
            pct(f.accuracy.unwrap_or_default())
        ));
    }
    if !time_reasons.is_empty() {
        return (
            Cluster::TimeManagement,
            DecisionRule::TimePressure,
            time_reasons,
        );
    }

    let gap = f.theory - f.clinical;
    if gap >= 10.0 - TOLERANCE {
        return (
            Cluster::ClinicalKnowledgeGap,
            DecisionRule::ClinicalGap,
            vec![format!(
                "Clinical {clinical}% is {} points below theory {theory}%, a gap of 10 or more.",
                pct(gap)
            )],
        );
    }
    if -gap >= 10.0 - TOLERANCE {
        return (
            Cluster::TheoryFundamentals,
            DecisionRule::TheoryGap,
            vec![format!(
                "Theory {theory}% is {} points below clinical {clinical}%, a gap of 10 or more.",
                pct(-gap)
            )],
        );
    }

    let (cluster, reason) = if gap.abs() <= TOLERANCE {
        (
            Cluster::ComprehensiveReview,
            format!(
                "Clinical and theory are level at {clinical}%: no weaker section, so a review of both."
            ),
        )
    } else if gap > 0.0 {
        (
            Cluster::ClinicalKnowledgeGap,
            format!(
                "Clinical {clinical}% is the weaker section, {} points below theory {theory}%.",
                pct(gap)
            ),
        )
    } else {
        (
            Cluster::TheoryFundamentals,
            format!(
                "Theory {theory}% is the weaker section, {} points below clinical {clinical}%.",
                pct(-gap)
            ),
        )
    };
    (cluster, DecisionRule::WeakerSection, vec![reason])
}

/// How well each cluster's plan matches the report, before the recommendation
/// is placed first.
fn raw_fit(cluster: Cluster, f: &Facts) -> (u32, Vec<String>) {
    let (clinical, theory) = (pct(f.clinical), pct(f.theory));
    match cluster {
        // 50 when the sections are level, 100 at a 10-point gap.
        Cluster::ClinicalKnowledgeGap => {
            let gap = f.theory - f.clinical;
            let reason = if gap > 0.0 {
                format!(
                    "Clinical {clinical}% is {} points below theory {theory}%.",
                    pct(gap)
                )
            } else {
                format!("Clinical {clinical}% is not below theory {theory}%.")
            };
            (score(50.0 + 5.0 * gap), vec![reason])
        }
        Cluster::TheoryFundamentals => {
            let gap = f.clinical - f.theory;
            let reason = if gap > 0.0 {
                format!(
                    "Theory {theory}% is {} points below clinical {clinical}%.",
                    pct(gap)
                )
            } else {
                format!("Theory {theory}% is not below clinical {clinical}%.")
            };
            (score(50.0 + 5.0 * gap), vec![reason])
        }
        // 100 at 10 % unanswered, or at 98 % of the time used (half when
        // accuracy on answered questions is below 60 %).
        Cluster::TimeManagement => {
            let unanswered = 10.0 * f.unanswered_percent;
            let accuracy_factor = if f.accurate_when_answering() {
                1.0
            } else {
                0.5
            };
            let time = 5.0 * (f.time_percent - 78.0) * accuracy_factor;
            let mut reasons = vec![
                format!(
                    "{} of {} questions ({}%) unanswered.",
                    f.unanswered,
                    f.total,
                    pct(f.unanswered_percent)
                ),
                format!(
                    "{} of {} minutes ({}%) used.",
                    f.used,
                    f.allowed,
                    pct(f.time_percent)
                ),
            ];
            if let Some(accuracy) = f.accuracy {
                reasons.push(format!("{}% of answered questions correct.", pct(accuracy)));
            }
            (score(unanswered.max(time)), reasons)
        }
        // 0 at 90 % overall, 100 at 40 %.
        Cluster::ComprehensiveReview => (
            score(2.0 * (90.0 - f.overall)),
            vec![format!(
                "Overall {}%, clinical {clinical}%, theory {theory}%.",
                pct(f.overall)
            )],
        ),
    }
}

/// A raw score clamped to 0–100 and rounded.
fn score(value: f64) -> u32 {
    // Clamped first, so the cast is exact.
    value.clamp(0.0, 100.0).round() as u32
}

/// A number for reasons: at most two decimals, without trailing zeros
/// ("52", "14.67", "49.99"), so a value just under a threshold never reads as
/// the threshold itself.
fn pct(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}
