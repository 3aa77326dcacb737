# The seed's business metrics (section 12) on one CloudWatch dashboard. The
# functions print them as Embedded Metric Format lines
# (steps/app/src/metrics.rs; docs/operations.md, "Business metrics"), which
# CloudWatch Logs turns into metrics of the namespace below without any
# filter. Rates are metric math over the counts, per campaign and per day:
# payments settle days after their checkout started for the campaigns that
# give the payer days (a team, a scholarship).
#
# tests/infra/consistency.py checks that every metric the code emits is
# charted here and that the campaigns are the code's.

locals {
  metrics_namespace = "ProDentHub/Campaigns"
  # campaigns_core::campaign::CampaignId::ALL, the values of the Campaign dimension.
  metric_campaigns = ["team-creation", "scholarship-application", "discount-purchase", "personalized-plan", "mock-exam"]
  day              = 86400

  # One line per campaign: a rate (%) computed from hidden per-campaign
  # daily counts; "#" in an id stands for the campaign's index.
  rate_widgets = [for rate in [
    {
      title      = "Conversion: payments succeeded / checkouts started (%)"
      counts     = { started = "CheckoutStarted", paid = "PaymentSucceeded" }
      expression = "IF(started# > 0, 100 * FILL(paid#, 0) / started#, 0)"
    },
    {
      title      = "Payment success rate: succeeded / (succeeded + failed attempts) (%)"
      counts     = { paid = "PaymentSucceeded", failed = "PaymentFailed" }
      expression = "IF(FILL(paid#, 0) + FILL(failed#, 0) > 0, 100 * FILL(paid#, 0) / (FILL(paid#, 0) + FILL(failed#, 0)), 0)"
    },
    ] : {
    type   = "metric"
    width  = 12
    height = 6
    properties = {
      title  = rate.title
      view   = "timeSeries"
      region = local.region
      stat   = "Sum"
      period = local.day
      yAxis  = { left = { min = 0, max = 100 } }
      metrics = concat(
        [for pair in setproduct(keys(rate.counts), range(length(local.metric_campaigns))) :
          [local.metrics_namespace, rate.counts[pair[0]], "Campaign", local.metric_campaigns[pair[1]], { id = "${pair[0]}${pair[1]}", visible = false }]
        ],
        [for i, campaign in local.metric_campaigns :
          [{ id = "rate${i}", label = campaign, expression = replace(rate.expression, "#", tostring(i)) }]
        ],
      )
    }
  }]

  # Daily counts, one line per value of the metric's dimension.
  count_widgets = [for widget in [
    { title = "Checkouts started, by campaign", metric = "CheckoutStarted", dimension = "Campaign", values = local.metric_campaigns, stat = "Sum" },
    { title = "Payments succeeded, by campaign", metric = "PaymentSucceeded", dimension = "Campaign", values = local.metric_campaigns, stat = "Sum" },
    { title = "Failed payment attempts, by campaign", metric = "PaymentFailed", dimension = "Campaign", values = local.metric_campaigns, stat = "Sum" },
    { title = "Checkouts expired unpaid, by campaign", metric = "CheckoutExpired", dimension = "Campaign", values = local.metric_campaigns, stat = "Sum" },
    { title = "Payments held for review, by campaign (alarm: payment-mismatch)", metric = "PaymentHeldForReview", dimension = "Campaign", values = local.metric_campaigns, stat = "Sum" },
    { title = "Coupon uses redeemed (code in each line's CouponCode)", metric = "CouponRedeemed", dimension = "Campaign", values = ["discount-purchase"], stat = "Sum" },
    { title = "Coupon discounts given (AUD)", metric = "CouponDiscountAmount", dimension = "Campaign", values = ["discount-purchase"], stat = "Sum" },
    { title = "Mock exam registrations, by tier", metric = "MockExamRegistered", dimension = "Tier", values = ["free", "premium"], stat = "Sum" },
    { title = "Scholarship applications", metric = "ScholarshipApplied", dimension = "Campaign", values = ["scholarship-application"], stat = "Sum" },
    { title = "Scholarships approved", metric = "ScholarshipApproved", dimension = "Campaign", values = ["scholarship-application"], stat = "Sum" },
    { title = "Average scholarship percentage applied for (%)", metric = "ScholarshipPercentage", dimension = "Campaign", values = ["scholarship-application"], stat = "Average" },
    { title = "Average scholarship percentage approved (%)", metric = "ApprovedScholarshipPercentage", dimension = "Campaign", values = ["scholarship-application"], stat = "Average" },
    ] : {
    type   = "metric"
    width  = 8
    height = 6
    properties = {
      title   = widget.title
      view    = "timeSeries"
      region  = local.region
      stat    = widget.stat
      period  = local.day
      metrics = [for value in widget.values : [local.metrics_namespace, widget.metric, widget.dimension, value, { label = value }]]
    }
  }]
}

resource "aws_cloudwatch_dashboard" "business" {
  dashboard_name = "prodenthub-campaigns-business"
  dashboard_body = jsonencode({
    widgets = concat(local.rate_widgets, local.count_widgets)
  })
}
