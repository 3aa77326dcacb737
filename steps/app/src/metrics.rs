//! The seed's business metrics (§12: conversion, payment success and
//! failure, coupon use, mock exam registrations, scholarship percentages) as
//! CloudWatch Embedded Metric Format: one JSON object per line on stdout,
//! which CloudWatch Logs turns into metrics in the Lambda functions' log
//! groups (`infra/dashboard.tf` charts them). Each line is a `tracing` event
//! of target [`TARGET`] that [`layer`] prints as it is; the Lambda binaries
//! and the local server install that layer beside their logs, so both print
//! the very same lines, and a process without it (a test) prints nothing.
//!
//! Each fact is emitted where it becomes true, once: on the write that makes
//! it so (a status moving from waiting to paid), so a step that runs again
//! emits nothing. A process that dies between that write and the line loses
//! the count. `CheckoutStarted`, `PaymentFailed` and `PaymentHeldForReview`
//! are at-least-once (see their variants). `docs/operations.md` lists every
//! metric.

use std::fmt::Debug;
use std::io::Write;

use campaigns_contracts::records::RegistrationTier;
use campaigns_core::campaign::CampaignId;
use campaigns_core::money::Cents;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::Context;

use crate::context::App;
use crate::payment_wait::Payee;

/// The CloudWatch namespace of every metric the product emits.
pub const NAMESPACE: &str = "ProDentHub/Campaigns";

/// A CloudWatch unit, of the ones the EMF specification allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Percent,
    None,
}

impl Unit {
    pub const fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Percent => "Percent",
            Unit::None => "None",
        }
    }
}

/// One metric the code emits: its name, unit and the one dimension set it
/// is emitted with.
#[derive(Debug, Clone, Copy)]
pub struct MetricDef {
    pub name: &'static str,
    pub unit: Unit,
    pub dimensions: &'static [&'static str],
}

const fn def(name: &'static str, unit: Unit, dimensions: &'static [&'static str]) -> MetricDef {
    MetricDef {
        name,
        unit,
        dimensions,
    }
}

const BY_CAMPAIGN: &[&str] = &["Campaign"];

pub const CHECKOUT_STARTED: MetricDef = def("CheckoutStarted", Unit::Count, BY_CAMPAIGN);
pub const PAYMENT_SUCCEEDED: MetricDef = def("PaymentSucceeded", Unit::Count, BY_CAMPAIGN);
pub const PAYMENT_FAILED: MetricDef = def("PaymentFailed", Unit::Count, BY_CAMPAIGN);
pub const CHECKOUT_EXPIRED: MetricDef = def("CheckoutExpired", Unit::Count, BY_CAMPAIGN);
pub const PAYMENT_HELD_FOR_REVIEW: MetricDef =
    def("PaymentHeldForReview", Unit::Count, BY_CAMPAIGN);
pub const COUPON_REDEEMED: MetricDef = def("CouponRedeemed", Unit::Count, BY_CAMPAIGN);
/// In AUD (dollars): CloudWatch has no currency unit.
pub const COUPON_DISCOUNT: MetricDef = def("CouponDiscountAmount", Unit::None, BY_CAMPAIGN);
pub const MOCK_EXAM_REGISTERED: MetricDef = def("MockExamRegistered", Unit::Count, &["Tier"]);
pub const SCHOLARSHIP_APPLIED: MetricDef = def("ScholarshipApplied", Unit::Count, BY_CAMPAIGN);
pub const SCHOLARSHIP_PERCENTAGE: MetricDef =
    def("ScholarshipPercentage", Unit::Percent, BY_CAMPAIGN);
pub const SCHOLARSHIP_APPROVED: MetricDef = def("ScholarshipApproved", Unit::Count, BY_CAMPAIGN);
pub const APPROVED_SCHOLARSHIP_PERCENTAGE: MetricDef =
    def("ApprovedScholarshipPercentage", Unit::Percent, BY_CAMPAIGN);

/// Every metric the code emits; the infra checks chart each on the dashboard.
pub const ALL: &[MetricDef] = &[
    CHECKOUT_STARTED,
    PAYMENT_SUCCEEDED,
    PAYMENT_FAILED,
    CHECKOUT_EXPIRED,
    PAYMENT_HELD_FOR_REVIEW,
    COUPON_REDEEMED,
    COUPON_DISCOUNT,
    MOCK_EXAM_REGISTERED,
    SCHOLARSHIP_APPLIED,
    SCHOLARSHIP_PERCENTAGE,
    SCHOLARSHIP_APPROVED,
    APPROVED_SCHOLARSHIP_PERCENTAGE,
];

/// A business fact, as it becomes true.
#[derive(Debug)]
pub enum Fact<'a> {
    /// A payee's first Checkout Session opened. Counted twice if a handler
    /// dies after opening it and before recording it (the next opens
    /// another first session).
    CheckoutStarted(&'a Payee),
    /// A payee's payment settled as asked (a team share when captured).
    PaymentSucceeded(&'a Payee),
    /// Stripe reported a failed attempt (a decline, a delayed method that
    /// failed): one per Stripe event, twice if Stripe redelivers an event
    /// whose handling could not be recorded.
    PaymentFailed { payee: &'a Payee, event_id: &'a str },
    /// A payee's session expired (or was cancelled) unpaid, ending the wait;
    /// a team's share, held or not, when the team expires.
    CheckoutExpired(&'a Payee),
    /// A payment that is not the one asked for: its record is
    /// `payment_review` (the `payment-mismatch` alarm counts the log line).
    /// Reported again, like that line, if its settling step runs again.
    PaymentHeldForReview(&'a Payee),
    /// A coupon use confirmed by its purchase's payment.
    CouponRedeemed {
        campaign: CampaignId,
        coupon_code: &'a str,
        record_id: &'a str,
        discount: Cents,
    },
    MockExamRegistered {
        tier: RegistrationTier,
        mock_exam_id: &'a str,
        registration_id: &'a str,
    },
    /// An application scored eligible and stored, at its percentage.
    ScholarshipApplied {
        scholarship_id: &'a str,
        percentage: u32,
    },
    /// An application approved (automatically or by a reviewer).
    ScholarshipApproved {
        scholarship_id: &'a str,
        percentage: u32,
    },
}

/// The `tracing` target of the EMF lines.
pub const TARGET: &str = "emf";

/// The field of an EMF event that holds its line.
const LINE_FIELD: &str = "emf";

/// Emits the fact's EMF line, stamped with the app's clock.
pub fn emit(app: &App, fact: &Fact<'_>) {
    tracing::info!(target: TARGET, emf = %emf_line(app.now(), fact));
}

/// Whether an event is an EMF line: the other log layers leave those out.
pub fn is_emf(metadata: &Metadata<'_>) -> bool {
    metadata.target() == TARGET
}

/// The layer that prints every EMF line on stdout as it is, one per line,
/// whatever level the other logs are filtered at.
pub fn layer<S>() -> impl Layer<S>
where
    S: Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    layer_writing_to(std::io::stdout)
}

/// [`layer`], writing each line to what `writer` gives (the tests keep them).
pub fn layer_writing_to<S, W>(writer: impl Fn() -> W + Send + Sync + 'static) -> impl Layer<S>
where
    S: Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    W: Write,
{
    EmfLines(writer).with_filter(Targets::new().with_target(TARGET, Level::INFO))
}

struct EmfLines<F>(F);

impl<S, F, W> Layer<S> for EmfLines<F>
where
    S: Subscriber,
    F: Fn() -> W + Send + Sync + 'static,
    W: Write,
{
    fn on_event(&self, event: &Event<'_>, _context: Context<'_, S>) {
        let mut line = LineField(None);
        event.record(&mut line);
        if let Some(mut line) = line.0 {
            line.push('\n');
            let mut out = (self.0)();
            // One write, so lines of other threads cannot come between; a
            // metric is not worth failing the handler for.
            let _ = out.write_all(line.as_bytes()).and_then(|()| out.flush());
        }
    }
}

struct LineField(Option<String>);

impl Visit for LineField {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        if field.name() == LINE_FIELD {
            self.0 = Some(format!("{value:?}"));
        }
    }
}

/// A metric and its value in one line.
type Measured = (MetricDef, Value);
/// A top-level member of a line: a dimension or a property.
type Member = (&'static str, Value);

/// The EMF document of `fact`: the `_aws` metadata naming its metrics, then
/// each dimension, metric value and property as a top-level member.
pub fn emf_line(now: DateTime<Utc>, fact: &Fact<'_>) -> Value {
    let campaign = |campaign: CampaignId| ("Campaign", json!(campaign.as_str()));
    let payee_fields = |payee: &Payee| {
        let mut fields = vec![
            campaign(payee.campaign),
            ("RecordId", json!(payee.record_id)),
        ];
        if let Some(member) = &payee.member_id {
            fields.push(("MemberId", json!(member)));
        }
        fields
    };
    let (metrics, fields): (Vec<Measured>, Vec<Member>) = match fact {
        Fact::CheckoutStarted(payee) => (vec![(CHECKOUT_STARTED, json!(1))], payee_fields(payee)),
        Fact::PaymentSucceeded(payee) => (vec![(PAYMENT_SUCCEEDED, json!(1))], payee_fields(payee)),
        Fact::PaymentFailed { payee, event_id } => {
            let mut fields = payee_fields(payee);
            fields.push(("StripeEventId", json!(event_id)));
            (vec![(PAYMENT_FAILED, json!(1))], fields)
        }
        Fact::CheckoutExpired(payee) => (vec![(CHECKOUT_EXPIRED, json!(1))], payee_fields(payee)),
        Fact::PaymentHeldForReview(payee) => (
            vec![(PAYMENT_HELD_FOR_REVIEW, json!(1))],
            payee_fields(payee),
        ),
        Fact::CouponRedeemed {
            campaign: id,
            coupon_code,
            record_id,
            discount,
        } => (
            vec![
                (COUPON_REDEEMED, json!(1)),
                (COUPON_DISCOUNT, json!(dollars(*discount))),
            ],
            vec![
                campaign(*id),
                ("CouponCode", json!(coupon_code)),
                ("RecordId", json!(record_id)),
            ],
        ),
        Fact::MockExamRegistered {
            tier,
            mock_exam_id,
            registration_id,
        } => (
            vec![(MOCK_EXAM_REGISTERED, json!(1))],
            vec![
                ("Tier", json!(tier)),
                ("MockExamId", json!(mock_exam_id)),
                ("RecordId", json!(registration_id)),
            ],
        ),
        Fact::ScholarshipApplied {
            scholarship_id,
            percentage,
        } => (
            vec![
                (SCHOLARSHIP_APPLIED, json!(1)),
                (SCHOLARSHIP_PERCENTAGE, json!(percentage)),
            ],
            vec![
                campaign(CampaignId::ScholarshipApplication),
                ("RecordId", json!(scholarship_id)),
            ],
        ),
        Fact::ScholarshipApproved {
            scholarship_id,
            percentage,
        } => (
            vec![
                (SCHOLARSHIP_APPROVED, json!(1)),
                (APPROVED_SCHOLARSHIP_PERCENTAGE, json!(percentage)),
            ],
            vec![
                campaign(CampaignId::ScholarshipApplication),
                ("RecordId", json!(scholarship_id)),
            ],
        ),
    };
    // The metrics of one fact share their dimension set.
    let dimensions = metrics[0].0.dimensions;
    debug_assert!(metrics.iter().all(|(def, _)| def.dimensions == dimensions));
    let mut line = Map::new();
    line.insert(
        "_aws".into(),
        json!({
            "Timestamp": now.timestamp_millis(),
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [dimensions],
                "Metrics": metrics.iter().map(|(def, _)| json!({
                    "Name": def.name,
                    "Unit": def.unit.as_str(),
                })).collect::<Vec<_>>(),
            }],
        }),
    );
    for (name, value) in fields {
        line.insert(name.into(), value);
    }
    for (def, value) in metrics {
        line.insert(def.name.into(), value);
    }
    Value::Object(line)
}

/// Cents as AUD dollars, the unit the API shows.
fn dollars(amount: Cents) -> f64 {
    amount.0 as f64 / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_is_listed_once_with_a_dimension() {
        let mut names: Vec<_> = ALL.iter().map(|def| def.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
        assert!(ALL.iter().all(|def| !def.dimensions.is_empty()));
    }

    #[test]
    fn a_line_carries_its_dimension_metrics_and_properties_at_the_top() {
        let payee = Payee {
            campaign: CampaignId::TeamCreation,
            record_id: "team_1".into(),
            member_id: Some("mem_1".into()),
        };
        let at = DateTime::from_timestamp_millis(1_700_000_000_123).expect("an instant");
        let line = emf_line(at, &Fact::CheckoutStarted(&payee));
        assert_eq!(line["_aws"]["Timestamp"], 1_700_000_000_123_i64);
        assert_eq!(
            line["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["Campaign"]])
        );
        assert_eq!(line["Campaign"], "team-creation");
        assert_eq!(line["CheckoutStarted"], 1);
        assert_eq!(line["MemberId"], "mem_1");
    }
}
