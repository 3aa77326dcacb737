//! The journeys' state machine definitions, compiled into the binary from
//! `workflows/definitions/`, with their `${…}FunctionArn` placeholders
//! filled the way Terraform's templatefile fills them in production.

use std::collections::BTreeMap;

use campaigns_app::steps;

/// Every definition, by state machine name.
pub const DEFINITIONS: &[(&str, &str)] = &[
    (
        steps::DISCOUNT_PURCHASE,
        include_str!("../../../workflows/definitions/discount-purchase.asl.json"),
    ),
    (
        steps::TEAM_CREATION,
        include_str!("../../../workflows/definitions/team-creation.asl.json"),
    ),
    (
        steps::MOCK_EXAM_REGISTRATION,
        include_str!("../../../workflows/definitions/mock-exam-registration.asl.json"),
    ),
    (
        steps::MOCK_EXAM_REMINDERS,
        include_str!("../../../workflows/definitions/mock-exam-reminders.asl.json"),
    ),
    (
        steps::MOCK_EXAM_RESULTS,
        include_str!("../../../workflows/definitions/mock-exam-results.asl.json"),
    ),
    (
        steps::PERSONALIZED_PLAN,
        include_str!("../../../workflows/definitions/personalized-plan.asl.json"),
    ),
    (
        steps::SCHOLARSHIP_APPLICATION,
        include_str!("../../../workflows/definitions/scholarship-application.asl.json"),
    ),
];

/// The ARN the engine resolves to the step registered under `function`.
pub fn function_arn(function: &str) -> String {
    format!(
        "arn:aws:lambda:{}:{}:function:{function}",
        workflows::REGION,
        workflows::ACCOUNT
    )
}

/// `${AwaitPaymentFunctionArn}` → the ARN of `campaigns-await-payment`, and
/// so on for every step.
pub fn placeholders() -> BTreeMap<String, String> {
    steps::all()
        .iter()
        .map(|step| (step.placeholder(), function_arn(&step.function_name())))
        .collect()
}
