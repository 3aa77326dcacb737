use std::collections::BTreeSet;

use campaigns_core::catalog::product;
use campaigns_core::cluster::{
    Cluster, ClusterAssessment, DecisionRule, ScoreReport, assess, roadmap,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

/// Everything answered in half the time, sections level: no rule but the
/// tie in rule 5 matches.
fn report(clinical: f64, theory: f64, overall: f64) -> ScoreReport {
    ScoreReport {
        clinical_percent: clinical,
        theory_percent: theory,
        overall_percent: overall,
        questions_answered: 150,
        questions_total: 150,
        time_used_minutes: 105,
        time_allowed_minutes: 210,
    }
}

fn decided(report: &ScoreReport) -> (Cluster, DecisionRule) {
    let assessment = assess(report).unwrap();
    (assessment.cluster, assessment.rule)
}

#[test]
fn rule_1_low_across_the_board() {
    let low = report(54.99, 54.99, 49.99);
    assert_eq!(
        decided(&low),
        (
            Cluster::ComprehensiveReview,
            DecisionRule::LowAcrossTheBoard
        )
    );
    let reasons = assess(&low).unwrap().reasons;
    assert_eq!(
        reasons,
        [
            "Overall 49.99% is below 50%, and clinical 54.99% and theory 54.99% are both below 55%: both sections need a full review."
        ]
    );
    // Each condition from the other side.
    assert_eq!(
        decided(&report(54.99, 54.99, 50.0)).1,
        DecisionRule::WeakerSection
    );
    assert_eq!(
        decided(&report(55.0, 54.99, 49.99)).1,
        DecisionRule::WeakerSection
    );
    assert_eq!(
        decided(&report(54.99, 55.0, 49.99)).1,
        DecisionRule::WeakerSection
    );
}

#[test]
fn rule_2_ten_percent_unanswered() {
    let mut r = report(62.0, 64.0, 60.0);
    r.questions_answered = 135; // 15 of 150 unanswered: exactly 10 %
    assert_eq!(
        decided(&r),
        (Cluster::TimeManagement, DecisionRule::TimePressure)
    );
    let reasons = assess(&r).unwrap().reasons;
    assert_eq!(
        reasons,
        ["15 of 150 questions (10%) were left unanswered, at least 10%."]
    );
    r.questions_answered = 136; // 14 unanswered: 9.3 %
    assert_eq!(
        decided(&r),
        (Cluster::ClinicalKnowledgeGap, DecisionRule::WeakerSection)
    );
}

#[test]
fn rule_2_out_of_time_but_accurate() {
    let mut r = report(62.0, 62.0, 60.0);
    r.time_allowed_minutes = 200;
    r.time_used_minutes = 196; // exactly 98 %
    assert_eq!(
        decided(&r),
        (Cluster::TimeManagement, DecisionRule::TimePressure)
    );
    r.time_used_minutes = 195; // 97.5 %
    assert_eq!(
        decided(&r),
        (Cluster::ComprehensiveReview, DecisionRule::WeakerSection)
    );
}

#[test]
fn rule_2_accuracy_is_measured_on_answered_questions() {
    // 141 of 150 answered (6 % unanswered, below 10 %), all the time used.
    let mut r = report(62.0, 62.0, 56.4);
    r.questions_answered = 141;
    r.time_used_minutes = 210;
    // 56.4 × 150 / 141 = 60 % of answered questions correct.
    assert_eq!(
        decided(&r),
        (Cluster::TimeManagement, DecisionRule::TimePressure)
    );
    r.overall_percent = 56.3; // 59.89 %
    assert_eq!(
        decided(&r),
        (Cluster::ComprehensiveReview, DecisionRule::WeakerSection)
    );
}

#[test]
fn rule_3_clinical_gap_from_both_sides() {
    assert_eq!(
        decided(&report(60.0, 70.0, 65.0)),
        (Cluster::ClinicalKnowledgeGap, DecisionRule::ClinicalGap)
    );
    // 9.99 points: not a gap, but clinical is still the weaker section.
    assert_eq!(
        decided(&report(60.01, 70.0, 65.0)),
        (Cluster::ClinicalKnowledgeGap, DecisionRule::WeakerSection)
    );
    // 70.1 − 60.1 is 10 despite binary rounding.
    assert_eq!(
        decided(&report(60.1, 70.1, 65.0)).1,
        DecisionRule::ClinicalGap
    );
    let reasons = assess(&report(52.0, 66.0, 59.0)).unwrap().reasons;
    assert_eq!(
        reasons,
        ["Clinical 52% is 14 points below theory 66%, a gap of 10 or more."]
    );
}

#[test]
fn rule_4_theory_gap_from_both_sides() {
    assert_eq!(
        decided(&report(70.0, 60.0, 65.0)),
        (Cluster::TheoryFundamentals, DecisionRule::TheoryGap)
    );
    assert_eq!(
        decided(&report(70.0, 60.01, 65.0)),
        (Cluster::TheoryFundamentals, DecisionRule::WeakerSection)
    );
}

#[test]
fn rule_5_weaker_section_or_a_tie() {
    assert_eq!(
        decided(&report(65.0, 66.0, 65.0)).0,
        Cluster::ClinicalKnowledgeGap
    );
    assert_eq!(
        decided(&report(66.0, 65.0, 65.0)).0,
        Cluster::TheoryFundamentals
    );
    let tie = assess(&report(65.0, 65.0, 65.0)).unwrap();
    assert_eq!(
        (tie.cluster, tie.rule),
        (Cluster::ComprehensiveReview, DecisionRule::WeakerSection)
    );
    assert!(tie.reasons[0].contains("level at 65%"), "{:?}", tie.reasons);
}

#[test]
fn earlier_rules_win() {
    // Low everywhere and many unanswered: rule 1 before rule 2.
    let mut r = report(40.0, 50.0, 30.0);
    r.questions_answered = 100;
    assert_eq!(decided(&r).1, DecisionRule::LowAcrossTheBoard);
    // Many unanswered and a 20-point gap: rule 2 before rule 3.
    let mut r = report(50.0, 70.0, 55.0);
    r.questions_answered = 120;
    assert_eq!(decided(&r).1, DecisionRule::TimePressure);
    // A clinical gap of 10 and a theory gap cannot both hold; rule 3 before 5.
    assert_eq!(
        decided(&report(55.0, 65.0, 60.0)).1,
        DecisionRule::ClinicalGap
    );
}

/// How to break a report, and the code and field that name the fault.
type ImpossibleCase = (fn(&mut ScoreReport), &'static str, &'static str);

#[test]
fn impossible_reports_are_refused_with_a_code_and_field() {
    let cases: [ImpossibleCase; 9] = [
        (
            |r| r.clinical_percent = 100.01,
            "PERCENT_OUT_OF_RANGE",
            "clinicalPercent",
        ),
        (
            |r| r.theory_percent = -0.01,
            "PERCENT_OUT_OF_RANGE",
            "theoryPercent",
        ),
        (
            |r| r.overall_percent = f64::NAN,
            "PERCENT_OUT_OF_RANGE",
            "overallPercent",
        ),
        (|r| r.questions_total = 0, "NO_QUESTIONS", "questionsTotal"),
        (
            |r| r.questions_answered = 151,
            "ANSWERED_EXCEEDS_TOTAL",
            "questionsAnswered",
        ),
        (
            |r| r.time_allowed_minutes = 0,
            "NO_TIME_ALLOWED",
            "timeAllowedMinutes",
        ),
        (
            |r| r.time_used_minutes = 211,
            "TIME_USED_EXCEEDS_ALLOWED",
            "timeUsedMinutes",
        ),
        (
            |r| {
                r.questions_answered = 75;
                r.overall_percent = 50.6;
            },
            "OVERALL_EXCEEDS_ANSWERED",
            "overallPercent",
        ),
        (
            |r| {
                r.questions_answered = 0;
                r.overall_percent = 0.6;
            },
            "OVERALL_EXCEEDS_ANSWERED",
            "overallPercent",
        ),
    ];
    for (break_it, code, field) in cases {
        let mut r = report(60.0, 60.0, 60.0);
        break_it(&mut r);
        let err = assess(&r).unwrap_err();
        assert_eq!((err.code(), err.field()), (code, field), "{err}");
    }
    // The edges themselves are possible.
    let mut r = report(100.0, 0.0, 50.0);
    r.questions_answered = 75;
    r.time_used_minutes = 210;
    assert!(assess(&r).is_ok());
    // Half a point of rounding is allowed.
    r.overall_percent = 50.5;
    assert!(assess(&r).is_ok());
}

#[test]
fn nothing_answered_is_time_management() {
    let mut r = report(0.0, 0.0, 0.0);
    r.clinical_percent = 60.0;
    r.theory_percent = 60.0;
    r.questions_answered = 0;
    assert_eq!(
        decided(&r),
        (Cluster::TimeManagement, DecisionRule::TimePressure)
    );
}

#[test]
fn fits_cover_every_cluster_with_the_recommendation_highest() {
    let assessment = assess(&report(52.0, 66.0, 59.0)).unwrap();
    check_fits(&assessment);
    let clinical = &assessment.fits[0];
    assert_eq!(clinical.fit, 100);
    assert_eq!(clinical.name, "Clinical Knowledge Gap");
    assert_eq!(clinical.price.to_string(), "179.00");
    assert_eq!(clinical.access_months, 3);
    assert!(clinical.reasons[0].contains("14 points below theory 66%"));
    // Theory is 14 points above clinical: no fit at all.
    assert_eq!(assessment.fits[1].fit, 0);
}

fn check_fits(assessment: &ClusterAssessment) {
    let clusters: Vec<_> = assessment.fits.iter().map(|f| f.cluster).collect();
    assert_eq!(clusters, Cluster::ALL);
    let chosen = assessment
        .fits
        .iter()
        .find(|f| f.cluster == assessment.cluster)
        .unwrap();
    for fit in &assessment.fits {
        assert!(fit.fit <= 100);
        assert!(!fit.reasons.is_empty());
        assert_eq!(fit.product_id, fit.cluster.product());
        assert_eq!(fit.roadmap, roadmap(fit.cluster));
        if fit.cluster != assessment.cluster {
            assert!(
                fit.fit < chosen.fit,
                "{:?} {} >= {}",
                fit.cluster,
                fit.fit,
                chosen.fit
            );
        }
    }
    assert!(!assessment.reasons.is_empty());
}

#[test]
fn cluster_is_stored_as_its_number() {
    assert_eq!(
        serde_json::to_string(&Cluster::TimeManagement).unwrap(),
        "3"
    );
    assert_eq!(
        serde_json::from_str::<Cluster>("1").unwrap(),
        Cluster::ClinicalKnowledgeGap
    );
    assert_eq!(
        serde_json::from_str::<Cluster>("4").unwrap(),
        Cluster::ComprehensiveReview
    );
    for bad in ["0", "5", "\"1\"", "1.5"] {
        assert!(serde_json::from_str::<Cluster>(bad).is_err(), "{bad}");
    }
    let schema = serde_json::to_value(schemars::schema_for!(Cluster)).unwrap();
    assert_eq!(schema["type"], "integer");
    assert_eq!(
        (schema["minimum"].as_i64(), schema["maximum"].as_i64()),
        (Some(1), Some(4))
    );
}

#[test]
fn assessment_serializes_in_camel_case() {
    let json = serde_json::to_value(assess(&report(52.0, 66.0, 59.0)).unwrap()).unwrap();
    assert_eq!(json["cluster"], 1);
    assert_eq!(json["rule"], "clinicalGap");
    assert_eq!(json["fits"][2]["productId"], "cluster-3-time-management");
    assert_eq!(json["fits"][2]["accessMonths"], 2);
    assert_eq!(json["fits"][2]["roadmap"]["weeks"][0]["week"], 1);
    let report_json = serde_json::to_value(report(1.0, 2.0, 1.5)).unwrap();
    assert_eq!(report_json["questionsAnswered"], 150);
    assert_eq!(report_json["timeAllowedMinutes"], 210);
}

#[test]
fn roadmaps_last_the_access_period_week_by_week() {
    for (cluster, weeks) in [
        (Cluster::ClinicalKnowledgeGap, 12),
        (Cluster::TheoryFundamentals, 16),
        (Cluster::TimeManagement, 8),
        (Cluster::ComprehensiveReview, 24),
    ] {
        let plan = roadmap(cluster);
        assert_eq!(plan.cluster, cluster);
        assert_eq!(plan.weeks.len(), weeks, "{cluster:?}");
        assert_eq!(
            plan.weeks.len() as u32,
            product(cluster.product()).access_months.unwrap() * 4
        );
        for (index, week) in plan.weeks.iter().enumerate() {
            assert_eq!(week.week as usize, index + 1);
            assert!(!week.focus.is_empty());
            assert!(week.tasks.len() >= 3);
            assert!(
                week.tasks.iter().all(|t| t.ends_with('.')),
                "{:?}",
                week.tasks
            );
        }
        assert_eq!(plan.weeks[0].focus, "Baseline and study plan");
        assert_eq!(
            plan.weeks.last().unwrap().focus,
            "Full mock exam and final review"
        );
        // Topic weeks are all different.
        let topics: Vec<_> = plan
            .weeks
            .iter()
            .map(|w| &w.focus)
            .filter(|f| !f.starts_with("Mixed revision"))
            .collect();
        let distinct: BTreeSet<_> = topics.iter().collect();
        assert_eq!(distinct.len(), topics.len(), "{cluster:?}");
    }
}

#[test]
fn roadmaps_fit_each_cluster() {
    let focus = |cluster| -> Vec<String> {
        roadmap(cluster)
            .weeks
            .into_iter()
            .map(|w| w.focus)
            .collect()
    };
    assert!(focus(Cluster::ClinicalKnowledgeGap).contains(&"Endodontics".to_string()));
    assert!(focus(Cluster::TheoryFundamentals).contains(&"Head and neck anatomy".to_string()));
    assert!(
        focus(Cluster::TimeManagement)
            .iter()
            .any(|f| f.starts_with("Pacing"))
    );
    let comprehensive = focus(Cluster::ComprehensiveReview);
    assert!(comprehensive.contains(&"Endodontics".to_string()));
    assert!(comprehensive.contains(&"Pharmacology".to_string()));
    let theory = roadmap(Cluster::TheoryFundamentals);
    assert_eq!(theory.weeks[13].focus, "Mixed revision and timed practice");
    assert!(theory.weeks[1].tasks[0].starts_with("Study head and neck anatomy:"));
}

/// Any report that can be real: one-decimal percentages so that ties occur.
fn any_report() -> impl Strategy<Value = ScoreReport> {
    let percent = || (0u32..=1000).prop_map(|tenths| f64::from(tenths) / 10.0);
    (1u32..=200, 1u32..=300)
        .prop_flat_map(move |(total, allowed)| {
            (
                Just(total),
                0..=total,
                Just(allowed),
                0..=allowed,
                percent(),
                percent(),
                0.0..=1.0f64,
            )
        })
        .prop_map(
            |(total, answered, allowed, used, clinical, theory, share)| ScoreReport {
                clinical_percent: clinical,
                theory_percent: theory,
                // At most the share of questions answered.
                overall_percent: share * 100.0 * f64::from(answered) / f64::from(total),
                questions_answered: answered,
                questions_total: total,
                time_used_minutes: used,
                time_allowed_minutes: allowed,
            },
        )
}

#[test]
fn a_generator_reaches_every_cluster_and_every_rule() {
    let mut runner = TestRunner::deterministic();
    let strategy = any_report();
    let mut clusters = BTreeSet::new();
    let mut rules = Vec::new();
    for _ in 0..1000 {
        let report = strategy.new_tree(&mut runner).unwrap().current();
        let assessment = assess(&report).unwrap();
        clusters.insert(assessment.cluster);
        if !rules.contains(&assessment.rule) {
            rules.push(assessment.rule);
        }
        if clusters.len() == 4 && rules.len() == 5 {
            break;
        }
    }
    assert_eq!(clusters.into_iter().collect::<Vec<_>>(), Cluster::ALL);
    assert_eq!(rules.len(), 5, "{rules:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    #[test]
    fn every_real_report_gets_a_consistent_assessment(report in any_report()) {
        let assessment = assess(&report).unwrap();
        check_fits(&assessment);
        let expected_cluster = match assessment.rule {
            DecisionRule::LowAcrossTheBoard => Some(Cluster::ComprehensiveReview),
            DecisionRule::TimePressure => Some(Cluster::TimeManagement),
            DecisionRule::ClinicalGap => Some(Cluster::ClinicalKnowledgeGap),
            DecisionRule::TheoryGap => Some(Cluster::TheoryFundamentals),
            DecisionRule::WeakerSection => None,
        };
        if let Some(cluster) = expected_cluster {
            prop_assert_eq!(assessment.cluster, cluster);
        }
    }
}
