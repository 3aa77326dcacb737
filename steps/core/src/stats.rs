//! Mock-exam statistics, computed once an exam's results are in.
//!
//! The aggregate goes to the statistics record and the results emails; each
//! registrant's percentile rank goes into their own email. Anything undefined
//! for the data at hand (the SD of one score, the discrimination of an item
//! everyone got right) is `None`, never NaN.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// One registrant's marked result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExamResult {
    pub registration_id: String,
    /// Overall score in percent.
    #[schemars(range(min = 0.0, max = 100.0))]
    pub score: f64,
    /// Score in percent per section ("clinical", "theory", …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub section_scores: BTreeMap<String, f64>,
    /// Per question, whether the answer was correct, where the exam records it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answers: Option<Vec<bool>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExamStatistics {
    pub count: usize,
    pub pass_mark: f64,
    pub mean: Option<f64>,
    pub median: Option<f64>,
    /// Sample standard deviation (n − 1); needs two scores.
    pub standard_deviation: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub percentiles: Option<Percentiles>,
    /// Scores at or above the pass mark.
    pub passed: usize,
    /// `passed` as a percentage of `count`.
    pub pass_rate_percent: Option<f64>,
    /// Ten bins of ten points; the last includes 100.
    pub histogram: Vec<HistogramBin>,
    /// Per section, by name.
    pub section_means: Vec<SectionMean>,
    /// From per-question answers, where any were recorded.
    pub item_analysis: Option<ItemAnalysis>,
    /// One per result, in input order.
    pub percentile_ranks: Vec<PercentileRank>,
}

/// Linear interpolation between order statistics (numpy's default, R type 7).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Percentiles {
    pub p10: f64,
    pub p25: f64,
    pub p75: f64,
    pub p90: f64,
}

/// Scores from `from` (inclusive) to `to` (exclusive, but 100 is in the last
/// bin).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct HistogramBin {
    pub from: u32,
    pub to: u32,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SectionMean {
    pub section: String,
    pub mean: f64,
    /// Results that have a score for this section.
    pub count: usize,
}

/// Classical test theory over the results that carry per-question answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ItemAnalysis {
    pub respondents: usize,
    pub items: Vec<ItemStatistics>,
    /// Kuder–Richardson 20 reliability; needs two items and varied totals.
    pub kr20: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ItemStatistics {
    /// From 1.
    pub question: usize,
    /// Proportion of respondents who answered correctly (0–1).
    pub difficulty: f64,
    /// Point-biserial correlation of the item with the number correct;
    /// `None` when everyone or no one got the item right, or all totals tie.
    pub discrimination: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PercentileRank {
    pub registration_id: String,
    pub score: f64,
    /// Share of scores below, counting ties as half, in percent.
    pub percentile_rank: f64,
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum StatsError {
    #[error("the pass mark must be a percentage from 0 to 100, got {0}")]
    PassMarkOutOfRange(f64),
    #[error("the score of {registration_id} must be a percentage from 0 to 100, got {value}")]
    ScoreOutOfRange { registration_id: String, value: f64 },
    #[error(
        "the {section} score of {registration_id} must be a percentage from 0 to 100, got {value}"
    )]
    SectionScoreOutOfRange {
        registration_id: String,
        section: String,
        value: f64,
    },
    #[error("{registration_id} has {found} answers where other results have {expected}")]
    AnswerCountMismatch {
        registration_id: String,
        expected: usize,
        found: usize,
    },
}

impl StatsError {
    pub fn code(&self) -> &'static str {
        match self {
            StatsError::PassMarkOutOfRange(_) => "PASS_MARK_OUT_OF_RANGE",
            StatsError::ScoreOutOfRange { .. } => "SCORE_OUT_OF_RANGE",
            StatsError::SectionScoreOutOfRange { .. } => "SECTION_SCORE_OUT_OF_RANGE",
            StatsError::AnswerCountMismatch { .. } => "ANSWER_COUNT_MISMATCH",
        }
    }
}

pub fn compute(results: &[ExamResult], pass_mark: f64) -> Result<ExamStatistics, StatsError> {
    check(results, pass_mark)?;
    let scores: Vec<f64> = results.iter().map(|r| r.score).collect();
    let mut sorted = scores.clone();
    sorted.sort_by(f64::total_cmp);

    let count = scores.len();
    let passed = scores.iter().filter(|&&s| s >= pass_mark).count();
    let percentiles = (!sorted.is_empty()).then(|| Percentiles {
        p10: quantile(&sorted, 0.10),
        p25: quantile(&sorted, 0.25),
        p75: quantile(&sorted, 0.75),
        p90: quantile(&sorted, 0.90),
    });
    Ok(ExamStatistics {
        count,
        pass_mark,
        mean: mean(&scores),
        median: (!sorted.is_empty()).then(|| quantile(&sorted, 0.5)),
        standard_deviation: sample_sd(&scores),
        min: sorted.first().copied(),
        max: sorted.last().copied(),
        percentiles,
        passed,
        pass_rate_percent: (count > 0).then(|| 100.0 * passed as f64 / count as f64),
        histogram: histogram(&scores),
        section_means: section_means(results),
        item_analysis: item_analysis(results),
        percentile_ranks: results
            .iter()
            .map(|r| PercentileRank {
                registration_id: r.registration_id.clone(),
                score: r.score,
                percentile_rank: percentile_rank(&sorted, r.score),
            })
            .collect(),
    })
}

/// Every number within 0–100 (which also rules out NaN and infinities) and
/// every answer list the same length.
fn check(results: &[ExamResult], pass_mark: f64) -> Result<(), StatsError> {
    let is_percent = |value: f64| (0.0..=100.0).contains(&value);
    if !is_percent(pass_mark) {
        return Err(StatsError::PassMarkOutOfRange(pass_mark));
    }
    let mut answer_count = None;
    for result in results {
        let registration_id = || result.registration_id.clone();
        if !is_percent(result.score) {
            return Err(StatsError::ScoreOutOfRange {
                registration_id: registration_id(),
                value: result.score,
            });
        }
        if let Some((section, &value)) =
            result.section_scores.iter().find(|(_, v)| !is_percent(**v))
        {
            return Err(StatsError::SectionScoreOutOfRange {
                registration_id: registration_id(),
                section: section.clone(),
                value,
            });
        }
        if let Some(answers) = &result.answers {
            let expected = *answer_count.get_or_insert(answers.len());
            if answers.len() != expected {
                return Err(StatsError::AnswerCountMismatch {
                    registration_id: registration_id(),
                    expected,
                    found: answers.len(),
                });
            }
        }
    }
    Ok(())
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Two-pass: the mean first, then squared deviations from it.
fn sample_sd(values: &[f64]) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let mean = mean(values)?;
    let squares: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
    Some((squares / (values.len() - 1) as f64).sqrt())
}

fn population_variance(values: &[f64]) -> Option<f64> {
    let mean = mean(values)?;
    Some(values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64)
}

/// The `p` quantile of non-empty ascending `sorted`, interpolating linearly
/// between the two order statistics around position (n − 1)·p.
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let position = (sorted.len() - 1) as f64 * p;
    let lower = position.floor() as usize;
    let upper = (lower + 1).min(sorted.len() - 1);
    let weight = position - lower as f64;
    sorted[lower] + weight * (sorted[upper] - sorted[lower])
}

/// (below + ½·equal) / n, in percent.
fn percentile_rank(sorted: &[f64], score: f64) -> f64 {
    let below = sorted.partition_point(|&s| s < score);
    let equal = sorted.partition_point(|&s| s <= score) - below;
    100.0 * (below as f64 + 0.5 * equal as f64) / sorted.len() as f64
}

fn histogram(scores: &[f64]) -> Vec<HistogramBin> {
    let mut bins: Vec<HistogramBin> = (0..10)
        .map(|i| HistogramBin {
            from: i * 10,
            to: i * 10 + 10,
            count: 0,
        })
        .collect();
    for &score in scores {
        // Scores are within 0–100, so the index is 0–10; 100 joins bin 9.
        let index = ((score / 10.0).floor() as usize).min(9);
        bins[index].count += 1;
    }
    bins
}

fn section_means(results: &[ExamResult]) -> Vec<SectionMean> {
    let mut by_section: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for result in results {
        for (section, &score) in &result.section_scores {
            by_section.entry(section).or_default().push(score);
        }
    }
    by_section
        .into_iter()
        .filter_map(|(section, scores)| {
            Some(SectionMean {
                section: section.to_string(),
                mean: mean(&scores)?,
                count: scores.len(),
            })
        })
        .collect()
}

fn item_analysis(results: &[ExamResult]) -> Option<ItemAnalysis> {
    let answers: Vec<&[bool]> = results
        .iter()
        .filter_map(|r| r.answers.as_deref())
        .collect();
    let items = answers.first()?.len();
    if items == 0 {
        return None;
    }
    let respondents = answers.len() as f64;
    let totals: Vec<f64> = answers
        .iter()
        .map(|a| a.iter().filter(|&&correct| correct).count() as f64)
        .collect();
    let total_variance = population_variance(&totals)?;
    let total_mean = mean(&totals)?;

    let item_stats: Vec<ItemStatistics> = (0..items)
        .map(|item| {
            let marks: Vec<f64> = answers
                .iter()
                .map(|a| f64::from(u8::from(a[item])))
                .collect();
            let difficulty = marks.iter().sum::<f64>() / respondents;
            // Pearson correlation of the 0/1 item with the totals, with
            // population moments; undefined when either does not vary.
            let item_variance = difficulty * (1.0 - difficulty);
            let covariance = marks
                .iter()
                .zip(&totals)
                .map(|(m, t)| (m - difficulty) * (t - total_mean))
                .sum::<f64>()
                / respondents;
            let discrimination = (item_variance > 0.0 && total_variance > 0.0)
                .then(|| (covariance / (item_variance * total_variance).sqrt()).clamp(-1.0, 1.0));
            ItemStatistics {
                question: item + 1,
                difficulty,
                discrimination,
            }
        })
        .collect();

    let kr20 = (items >= 2 && total_variance > 0.0).then(|| {
        let k = items as f64;
        let pq: f64 = item_stats
            .iter()
            .map(|s| s.difficulty * (1.0 - s.difficulty))
            .sum();
        k / (k - 1.0) * (1.0 - pq / total_variance)
    });
    Some(ItemAnalysis {
        respondents: answers.len(),
        items: item_stats,
        kr20,
    })
}
