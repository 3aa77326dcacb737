use std::collections::BTreeMap;

use campaigns_core::stats::{ExamResult, ExamStatistics, compute};
use proptest::prelude::*;

fn result(id: &str, score: f64) -> ExamResult {
    ExamResult {
        registration_id: id.into(),
        score,
        section_scores: BTreeMap::new(),
        answers: None,
    }
}

fn scores(values: &[f64]) -> Vec<ExamResult> {
    values
        .iter()
        .enumerate()
        .map(|(i, &s)| result(&format!("reg_{i}"), s))
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9
}

#[test]
fn empty_input_has_count_zero_and_nothing_undefined() {
    let stats = compute(&[], 60.0).unwrap();
    assert_eq!(stats.count, 0);
    assert_eq!(stats.passed, 0);
    assert_eq!(
        (
            stats.mean,
            stats.median,
            stats.standard_deviation,
            stats.min,
            stats.max
        ),
        (None, None, None, None, None)
    );
    assert_eq!(stats.percentiles, None);
    assert_eq!(stats.pass_rate_percent, None);
    assert_eq!(stats.histogram.len(), 10);
    assert!(stats.histogram.iter().all(|b| b.count == 0));
    assert!(stats.section_means.is_empty());
    assert_eq!(stats.item_analysis, None);
    assert!(stats.percentile_ranks.is_empty());
    let json = serde_json::to_value(&stats).unwrap();
    assert_eq!(json["count"], 0);
    assert!(json["mean"].is_null());
}

#[test]
fn one_score() {
    let stats = compute(&scores(&[72.5]), 60.0).unwrap();
    assert_eq!(stats.mean, Some(72.5));
    assert_eq!(stats.median, Some(72.5));
    assert_eq!(stats.standard_deviation, None);
    assert_eq!(stats.percentiles.unwrap().p10, 72.5);
    assert_eq!(stats.percentiles.unwrap().p90, 72.5);
    assert_eq!(stats.percentile_ranks[0].percentile_rank, 50.0);
    assert_eq!(stats.pass_rate_percent, Some(100.0));
}

#[test]
fn five_scores_worked_by_hand() {
    let stats = compute(&scores(&[83.0, 48.0, 68.5, 61.5, 74.0]), 60.0).unwrap();
    assert_eq!(stats.count, 5);
    assert_eq!(stats.mean, Some(67.0));
    assert_eq!(stats.median, Some(68.5));
    // Squared deviations 256 + 361 + 2.25 + 30.25 + 49 = 698.5, over n − 1 = 4.
    assert!(close(
        stats.standard_deviation.unwrap(),
        (698.5f64 / 4.0).sqrt()
    ));
    assert_eq!((stats.min, stats.max), (Some(48.0), Some(83.0)));
    let p = stats.percentiles.unwrap();
    // Positions (n − 1)·p = 0.4, 1, 3, 3.6 in 48, 61.5, 68.5, 74, 83.
    assert!(close(p.p10, 48.0 + 0.4 * 13.5));
    assert!(close(p.p25, 61.5));
    assert!(close(p.p75, 74.0));
    assert!(close(p.p90, 74.0 + 0.6 * 9.0));
    assert_eq!(stats.passed, 4);
    assert_eq!(stats.pass_rate_percent, Some(80.0));
    // Percentile ranks in input order: 83 is above four of five.
    let ranks: Vec<f64> = stats
        .percentile_ranks
        .iter()
        .map(|r| r.percentile_rank)
        .collect();
    assert_eq!(ranks, [90.0, 10.0, 50.0, 30.0, 70.0]);
    assert_eq!(stats.percentile_ranks[0].registration_id, "reg_0");
}

#[test]
fn even_count_median_is_the_mean_of_the_middle_two() {
    let stats = compute(&scores(&[40.0, 60.0, 70.0, 90.0]), 50.0).unwrap();
    assert_eq!(stats.median, Some(65.0));
}

#[test]
fn pass_mark_is_inclusive() {
    let stats = compute(&scores(&[59.99, 60.0, 60.01]), 60.0).unwrap();
    assert_eq!(stats.passed, 2);
    assert!(close(stats.pass_rate_percent.unwrap(), 200.0 / 3.0));
}

#[test]
fn histogram_bins_are_ten_points_wide_with_100_in_the_last() {
    let stats = compute(
        &scores(&[0.0, 9.99, 10.0, 55.0, 89.99, 90.0, 99.99, 100.0]),
        50.0,
    )
    .unwrap();
    let bins: Vec<(u32, u32, usize)> = stats
        .histogram
        .iter()
        .map(|b| (b.from, b.to, b.count))
        .collect();
    assert_eq!(
        bins,
        [
            (0, 10, 2),
            (10, 20, 1),
            (20, 30, 0),
            (30, 40, 0),
            (40, 50, 0),
            (50, 60, 1),
            (60, 70, 0),
            (70, 80, 0),
            (80, 90, 1),
            (90, 100, 3),
        ]
    );
}

#[test]
fn ties_share_a_percentile_rank() {
    let stats = compute(&scores(&[50.0, 50.0, 70.0, 90.0]), 60.0).unwrap();
    let ranks: Vec<f64> = stats
        .percentile_ranks
        .iter()
        .map(|r| r.percentile_rank)
        .collect();
    assert_eq!(ranks, [25.0, 25.0, 62.5, 87.5]);
}

#[test]
fn section_means_count_only_results_with_the_section() {
    let mut results = scores(&[60.0, 70.0, 80.0]);
    results[0].section_scores =
        BTreeMap::from([("clinical".into(), 50.0), ("theory".into(), 70.0)]);
    results[1].section_scores = BTreeMap::from([("clinical".into(), 60.0)]);
    let stats = compute(&results, 60.0).unwrap();
    let means: Vec<(&str, f64, usize)> = stats
        .section_means
        .iter()
        .map(|s| (s.section.as_str(), s.mean, s.count))
        .collect();
    assert_eq!(means, [("clinical", 55.0, 2), ("theory", 70.0, 1)]);
}

#[test]
fn item_analysis_by_hand() {
    // Four respondents, three items; totals 3, 2, 1, 0.
    let answers = [
        [true, true, true],
        [true, true, false],
        [true, false, false],
        [false, false, false],
    ];
    let mut results = scores(&[90.0, 60.0, 30.0, 10.0]);
    for (r, a) in results.iter_mut().zip(answers) {
        r.answers = Some(a.to_vec());
    }
    // One more result without answers does not count as a respondent.
    results.push(result("reg_late", 50.0));
    let items = compute(&results, 50.0).unwrap().item_analysis.unwrap();
    assert_eq!(items.respondents, 4);
    let difficulty: Vec<f64> = items.items.iter().map(|i| i.difficulty).collect();
    assert_eq!(difficulty, [0.75, 0.5, 0.25]);
    // Totals: mean 1.5, population variance 1.25. Item 1: correct totals
    // average 2, wrong 0: (2 − 0) / √1.25 × √(0.75 × 0.25).
    let expected = 2.0 / 1.25f64.sqrt() * (0.75f64 * 0.25).sqrt();
    assert!(close(items.items[0].discrimination.unwrap(), expected));
    assert_eq!(items.items[2].question, 3);
    // KR-20 = 3/2 × (1 − (0.1875 + 0.25 + 0.1875) / 1.25) = 0.75.
    assert!(close(items.kr20.unwrap(), 0.75));
}

#[test]
fn undefined_item_statistics_are_none() {
    let mut results = scores(&[80.0, 40.0]);
    results[0].answers = Some(vec![true, true]);
    results[1].answers = Some(vec![true, false]);
    let items = compute(&results, 50.0).unwrap().item_analysis.unwrap();
    // Everyone got item 1 right: it cannot discriminate.
    assert_eq!(items.items[0].difficulty, 1.0);
    assert_eq!(items.items[0].discrimination, None);
    assert!(close(items.items[1].discrimination.unwrap(), 1.0));
    // Equal totals: no variance, no KR-20 and no discrimination.
    results[0].answers = Some(vec![true, false]);
    results[1].answers = Some(vec![false, true]);
    let items = compute(&results, 50.0).unwrap().item_analysis.unwrap();
    assert_eq!(items.kr20, None);
    assert!(items.items.iter().all(|i| i.discrimination.is_none()));
    // A single item has no KR-20.
    results[0].answers = Some(vec![true]);
    results[1].answers = Some(vec![false]);
    assert_eq!(
        compute(&results, 50.0).unwrap().item_analysis.unwrap().kr20,
        None
    );
    // No answers anywhere, or empty answer lists: no item analysis.
    assert_eq!(compute(&scores(&[50.0]), 50.0).unwrap().item_analysis, None);
    let mut empty = scores(&[50.0]);
    empty[0].answers = Some(vec![]);
    assert_eq!(compute(&empty, 50.0).unwrap().item_analysis, None);
}

#[test]
fn impossible_input_is_refused_with_a_code() {
    let code = |results: &[ExamResult], pass_mark| compute(results, pass_mark).unwrap_err().code();
    assert_eq!(code(&scores(&[50.0]), 100.01), "PASS_MARK_OUT_OF_RANGE");
    assert_eq!(code(&scores(&[50.0]), f64::NAN), "PASS_MARK_OUT_OF_RANGE");
    assert_eq!(code(&scores(&[100.01]), 50.0), "SCORE_OUT_OF_RANGE");
    assert_eq!(code(&scores(&[-0.01]), 50.0), "SCORE_OUT_OF_RANGE");
    assert_eq!(code(&scores(&[f64::INFINITY]), 50.0), "SCORE_OUT_OF_RANGE");
    let mut section = scores(&[50.0]);
    section[0].section_scores.insert("theory".into(), 120.0);
    assert_eq!(code(&section, 50.0), "SECTION_SCORE_OUT_OF_RANGE");
    let mut uneven = scores(&[50.0, 60.0]);
    uneven[0].answers = Some(vec![true, false]);
    uneven[1].answers = Some(vec![true]);
    let err = compute(&uneven, 50.0).unwrap_err();
    assert_eq!(err.code(), "ANSWER_COUNT_MISMATCH");
    assert_eq!(
        err.to_string(),
        "reg_1 has 1 answers where other results have 2"
    );
    // The boundaries themselves are fine.
    assert!(compute(&scores(&[0.0, 100.0]), 0.0).is_ok());
    assert!(compute(&scores(&[0.0, 100.0]), 100.0).is_ok());
}

#[test]
fn statistics_serialize_in_camel_case() {
    let json = serde_json::to_value(compute(&scores(&[50.0, 70.0]), 60.0).unwrap()).unwrap();
    for key in [
        "count",
        "passMark",
        "mean",
        "median",
        "standardDeviation",
        "min",
        "max",
        "percentiles",
        "passed",
        "passRatePercent",
        "histogram",
        "sectionMeans",
        "itemAnalysis",
        "percentileRanks",
    ] {
        assert!(json.get(key).is_some(), "{key}");
    }
    assert_eq!(json["percentileRanks"][1]["registrationId"], "reg_1");
    assert_eq!(json["percentileRanks"][1]["percentileRank"], 75.0);
}

/// A plain, independent computation of the same statistics.
mod reference {
    pub fn mean(xs: &[f64]) -> f64 {
        let mut sum = 0.0;
        for x in xs {
            sum += x;
        }
        sum / xs.len() as f64
    }

    pub fn sample_sd(xs: &[f64]) -> f64 {
        let m = mean(xs);
        let mut sum = 0.0;
        for x in xs {
            sum += (x - m) * (x - m);
        }
        (sum / (xs.len() as f64 - 1.0)).sqrt()
    }

    pub fn sorted(xs: &[f64]) -> Vec<f64> {
        let mut v = xs.to_vec();
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v
    }

    pub fn median(xs: &[f64]) -> f64 {
        let v = sorted(xs);
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    }

    /// R type 7: h = (n − 1)p, between v[⌊h⌋] and v[⌊h⌋ + 1].
    pub fn percentile(xs: &[f64], p: f64) -> f64 {
        let v = sorted(xs);
        let h = (v.len() - 1) as f64 * p;
        let lo = h.floor() as usize;
        if lo + 1 >= v.len() {
            return v[lo];
        }
        v[lo] + (h - lo as f64) * (v[lo + 1] - v[lo])
    }

    pub fn percentile_rank(xs: &[f64], x: f64) -> f64 {
        let below = xs.iter().filter(|&&y| y < x).count() as f64;
        let equal = xs.iter().filter(|&&y| y == x).count() as f64;
        (below + 0.5 * equal) / xs.len() as f64 * 100.0
    }

    pub fn bin(x: f64) -> usize {
        if x == 100.0 { 9 } else { (x / 10.0) as usize }
    }

    /// (M1 − M0) / s · √(pq), s the population SD of the totals.
    pub fn point_biserial(item: &[bool], totals: &[f64]) -> Option<f64> {
        let right: Vec<f64> = totals
            .iter()
            .zip(item)
            .filter(|(_, c)| **c)
            .map(|(t, _)| *t)
            .collect();
        let wrong: Vec<f64> = totals
            .iter()
            .zip(item)
            .filter(|(_, c)| !**c)
            .map(|(t, _)| *t)
            .collect();
        let m = mean(totals);
        let mut ss = 0.0;
        for t in totals {
            ss += (t - m) * (t - m);
        }
        let s = (ss / totals.len() as f64).sqrt();
        if right.is_empty() || wrong.is_empty() || s == 0.0 {
            return None;
        }
        let p = right.len() as f64 / totals.len() as f64;
        Some((mean(&right) - mean(&wrong)) / s * (p * (1.0 - p)).sqrt())
    }

    pub fn kr20(answers: &[Vec<bool>], totals: &[f64]) -> Option<f64> {
        let k = answers[0].len() as f64;
        let m = mean(totals);
        let mut ss = 0.0;
        for t in totals {
            ss += (t - m) * (t - m);
        }
        let variance = ss / totals.len() as f64;
        if k < 2.0 || variance == 0.0 {
            return None;
        }
        let mut pq = 0.0;
        for j in 0..answers[0].len() {
            let p = answers.iter().filter(|a| a[j]).count() as f64 / answers.len() as f64;
            pq += p * (1.0 - p);
        }
        Some(k / (k - 1.0) * (1.0 - pq / variance))
    }
}

fn any_results() -> impl Strategy<Value = (Vec<ExamResult>, f64)> {
    // Scores from a mix of continuous values and a few repeated ones, so
    // that ties, bin edges and 100 itself occur.
    let score = prop_oneof![
        0.0..=100.0f64,
        prop::sample::select(vec![0.0, 10.0, 50.0, 60.0, 99.99, 100.0]),
    ];
    (0usize..40, 0usize..12).prop_flat_map(move |(n, k)| {
        (
            prop::collection::vec(
                (
                    score.clone(),
                    prop::option::of(0.0..=100.0f64),
                    prop::option::of(prop::collection::vec(any::<bool>(), k)),
                ),
                n,
            ),
            0.0..=100.0f64,
        )
            .prop_map(|(rows, pass_mark)| {
                let results = rows
                    .into_iter()
                    .enumerate()
                    .map(|(i, (score, clinical, answers))| ExamResult {
                        registration_id: format!("reg_{i}"),
                        score,
                        section_scores: clinical
                            .map(|c| BTreeMap::from([("clinical".to_string(), c)]))
                            .unwrap_or_default(),
                        answers,
                    })
                    .collect();
                (results, pass_mark)
            })
    })
}

fn assert_close(name: &str, actual: f64, expected: f64) -> Result<(), TestCaseError> {
    prop_assert!(
        close(actual, expected),
        "{}: {} vs reference {}",
        name,
        actual,
        expected
    );
    Ok(())
}

fn check_against_reference(
    results: &[ExamResult],
    pass_mark: f64,
    stats: &ExamStatistics,
) -> Result<(), TestCaseError> {
    let xs: Vec<f64> = results.iter().map(|r| r.score).collect();
    let n = xs.len();
    prop_assert_eq!(stats.count, n);
    prop_assert_eq!(stats.passed, xs.iter().filter(|&&x| x >= pass_mark).count());
    let mut bins = [0usize; 10];
    for &x in &xs {
        bins[reference::bin(x)] += 1;
    }
    prop_assert_eq!(
        stats.histogram.iter().map(|b| b.count).collect::<Vec<_>>(),
        bins.to_vec()
    );
    if n == 0 {
        prop_assert!(stats.mean.is_none() && stats.median.is_none() && stats.percentiles.is_none());
        return Ok(());
    }
    assert_close("mean", stats.mean.unwrap(), reference::mean(&xs))?;
    assert_close("median", stats.median.unwrap(), reference::median(&xs))?;
    let sorted = reference::sorted(&xs);
    prop_assert_eq!(stats.min, Some(sorted[0]));
    prop_assert_eq!(stats.max, Some(sorted[n - 1]));
    match stats.standard_deviation {
        Some(sd) => assert_close("sd", sd, reference::sample_sd(&xs))?,
        None => prop_assert!(n < 2),
    }
    let p = stats.percentiles.unwrap();
    for (name, actual, q) in [
        ("p10", p.p10, 0.10),
        ("p25", p.p25, 0.25),
        ("p75", p.p75, 0.75),
        ("p90", p.p90, 0.90),
    ] {
        assert_close(name, actual, reference::percentile(&xs, q))?;
    }
    assert_close(
        "pass rate",
        stats.pass_rate_percent.unwrap(),
        100.0 * stats.passed as f64 / n as f64,
    )?;
    for (rank, x) in stats.percentile_ranks.iter().zip(&xs) {
        assert_close(
            "percentile rank",
            rank.percentile_rank,
            reference::percentile_rank(&xs, *x),
        )?;
    }
    let clinical: Vec<f64> = results
        .iter()
        .filter_map(|r| r.section_scores.get("clinical").copied())
        .collect();
    match stats.section_means.first() {
        Some(section) => {
            prop_assert_eq!(section.count, clinical.len());
            assert_close("section mean", section.mean, reference::mean(&clinical))?;
        }
        None => prop_assert!(clinical.is_empty()),
    }
    let answers: Vec<Vec<bool>> = results.iter().filter_map(|r| r.answers.clone()).collect();
    match &stats.item_analysis {
        None => prop_assert!(answers.is_empty() || answers[0].is_empty()),
        Some(items) => {
            prop_assert_eq!(items.respondents, answers.len());
            let totals: Vec<f64> = answers
                .iter()
                .map(|a| a.iter().filter(|&&c| c).count() as f64)
                .collect();
            for (j, item) in items.items.iter().enumerate() {
                let column: Vec<bool> = answers.iter().map(|a| a[j]).collect();
                let p = column.iter().filter(|&&c| c).count() as f64 / column.len() as f64;
                assert_close("difficulty", item.difficulty, p)?;
                match (
                    item.discrimination,
                    reference::point_biserial(&column, &totals),
                ) {
                    (Some(actual), Some(expected)) => {
                        assert_close("discrimination", actual, expected)?
                    }
                    (actual, expected) => prop_assert_eq!(actual, expected),
                }
            }
            match (items.kr20, reference::kr20(&answers, &totals)) {
                (Some(actual), Some(expected)) => assert_close("kr20", actual, expected)?,
                (actual, expected) => prop_assert_eq!(actual, expected),
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn statistics_agree_with_a_plain_reference((results, pass_mark) in any_results()) {
        let stats = compute(&results, pass_mark).unwrap();
        check_against_reference(&results, pass_mark, &stats)?;
        // Nothing undefined leaks out as NaN or infinity.
        let json = serde_json::to_string(&stats).unwrap();
        let numbers = serde_json::from_str::<serde_json::Value>(&json).unwrap();
        prop_assert!(all_finite(&numbers));
    }
}

fn all_finite(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Number(n) => n.as_f64().is_some_and(f64::is_finite),
        serde_json::Value::Array(items) => items.iter().all(all_finite),
        serde_json::Value::Object(map) => map.values().all(all_finite),
        _ => true,
    }
}
