# Seed section 12's alarms, to one SNS topic: Lambda error rate over 5 %,
# DynamoDB throttling, Stripe webhook failures, SES bounce rate over 10 %;
# failed journeys, which operations redrive; payments held for review,
# disputes and access events owed too long, from the log lines the code
# marks with an `alarm` field.

resource "aws_sns_topic" "alarms" {
  name              = "prodenthub-campaigns-alarms"
  kms_master_key_id = aws_kms_key.campaigns.arn
}

resource "aws_sns_topic_subscription" "alarms" {
  for_each  = toset(var.alarm_emails)
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}

# An API function answers most failures (a records store or Stripe
# unavailable) with a 5xx rather than failing its invocation, and logs an
# error with alarm = "server_error" for each (steps/lambda/src/api.rs): its
# error rate counts those too.
resource "aws_cloudwatch_log_metric_filter" "server_error" {
  for_each = local.api_functions

  name           = "${each.key}-server-error"
  log_group_name = aws_cloudwatch_log_group.function[each.key].name
  pattern        = "{ $.fields.alarm = \"server_error\" }"

  metric_transformation {
    name      = "ServerErrors-${each.key}"
    namespace = "ProDentHub/Campaigns"
    value     = "1"
    unit      = "Count"
  }
}

resource "aws_cloudwatch_metric_alarm" "lambda_error_rate" {
  for_each = local.functions

  alarm_name          = "${each.key}-error-rate"
  alarm_description   = "More than 5 % of ${each.key}'s invocations failed (an error, or for an API function a 5xx answer) in 5 minutes."
  comparison_operator = "GreaterThanThreshold"
  threshold           = 5
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  metric_query {
    id = "rate"
    expression = (contains(keys(local.api_functions), each.key)
      ? "IF(invocations > 0, 100 * (errors + FILL(answered_5xx, 0)) / invocations, 0)"
    : "IF(invocations > 0, 100 * errors / invocations, 0)")
    label       = "error rate (%)"
    return_data = true
  }
  dynamic "metric_query" {
    for_each = contains(keys(local.api_functions), each.key) ? [aws_cloudwatch_log_metric_filter.server_error[each.key]] : []
    content {
      id = "answered_5xx"
      metric {
        namespace   = metric_query.value.metric_transformation[0].namespace
        metric_name = metric_query.value.metric_transformation[0].name
        period      = 300
        stat        = "Sum"
      }
    }
  }
  metric_query {
    id = "errors"
    metric {
      namespace   = "AWS/Lambda"
      metric_name = "Errors"
      dimensions  = { FunctionName = aws_lambda_function.this[each.key].function_name }
      period      = 300
      stat        = "Sum"
    }
  }
  metric_query {
    id = "invocations"
    metric {
      namespace   = "AWS/Lambda"
      metric_name = "Invocations"
      dimensions  = { FunctionName = aws_lambda_function.this[each.key].function_name }
      period      = 300
      stat        = "Sum"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "dynamodb_throttles" {
  for_each = local.tables

  alarm_name          = "${each.value.name}-throttled"
  alarm_description   = "Requests to ${each.value.name} were throttled (on-demand tables throttle past their previous peak or the account limit)."
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]

  metric_query {
    id          = "throttles"
    expression  = "reads + writes"
    label       = "throttle events"
    return_data = true
  }
  metric_query {
    id = "reads"
    metric {
      namespace   = "AWS/DynamoDB"
      metric_name = "ReadThrottleEvents"
      dimensions  = { TableName = aws_dynamodb_table.this[each.key].name }
      period      = 300
      stat        = "Sum"
    }
  }
  metric_query {
    id = "writes"
    metric {
      namespace   = "AWS/DynamoDB"
      metric_name = "WriteThrottleEvents"
      dimensions  = { TableName = aws_dynamodb_table.this[each.key].name }
      period      = 300
      stat        = "Sum"
    }
  }
}

# Stripe retries a failed delivery for days, but a broken webhook (a wrong
# signing secret after a roll, an outage) stops every journey's payment.
resource "aws_cloudwatch_metric_alarm" "webhook" {
  for_each = {
    "5XXError" = { threshold = 0, what = "answered with a server error" }
    "4XXError" = { threshold = 5, what = "refused more than 5 deliveries (bad signature or body)" }
  }

  alarm_name          = "stripe-webhook-${lower(each.key)}"
  alarm_description   = "The Stripe webhook ${each.value.what} in 5 minutes."
  namespace           = "AWS/ApiGateway"
  metric_name         = each.key
  dimensions          = { ApiName = aws_api_gateway_rest_api.campaigns.name, Stage = aws_api_gateway_stage.v1.stage_name, Method = "POST", Resource = "/webhook/stripe" }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "ses_bounce_rate" {
  alarm_name          = "ses-bounce-rate"
  alarm_description   = "The account's SES bounce rate is over 10 % (SES reviews accounts at 5 % and may pause sending at 10 %)."
  namespace           = "AWS/SES"
  metric_name         = "Reputation.BounceRate"
  statistic           = "Maximum"
  period              = 3600
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0.10
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "journey_failed" {
  for_each = aws_sfn_state_machine.this

  alarm_name          = "${each.key}-executions-failed"
  alarm_description   = "A ${each.key} execution failed, timed out or was aborted: inspect and redrive it in the Step Functions console."
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]

  metric_query {
    id          = "failed"
    expression  = "failures + timeouts + aborts"
    label       = "executions that did not succeed"
    return_data = true
  }
  dynamic "metric_query" {
    for_each = { failures = "ExecutionsFailed", timeouts = "ExecutionsTimedOut", aborts = "ExecutionsAborted" }
    content {
      id = metric_query.key
      metric {
        namespace   = "AWS/States"
        metric_name = metric_query.value
        dimensions  = { StateMachineArn = each.value.arn }
        period      = 300
        stat        = "Sum"
      }
    }
  }
}

# A payment that is not the one asked for (another session, amount or
# currency, or a second payment of something already paid) grants nothing
# and leaves its record in payment_review until ops refund or accept it.
# Whoever sees one logs an error with alarm = "payment_mismatch"
# (steps/app/src/payment_check.rs): today the steps that settle a payment
# and the Stripe webhook. Every function's log group is filtered, so a new
# place that logs it is counted too.
resource "aws_cloudwatch_log_metric_filter" "payment_mismatch" {
  for_each = local.functions

  name           = "${each.key}-payment-mismatch"
  log_group_name = aws_cloudwatch_log_group.function[each.key].name
  pattern        = "{ $.fields.alarm = \"payment_mismatch\" }"

  metric_transformation {
    name      = "PaymentMismatches"
    namespace = "ProDentHub/Campaigns"
    value     = "1"
    unit      = "Count"
  }
}

resource "aws_cloudwatch_metric_alarm" "payment_mismatch" {
  alarm_name          = "payment-mismatch"
  alarm_description   = "A payment was not the one asked for: its record (named in the error log, alarm payment_mismatch) is payment_review and its journey ended in a ...PaymentNeedsReview state. Refund the payment or accept it."
  namespace           = "ProDentHub/Campaigns"
  metric_name         = "PaymentMismatches"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]

  depends_on = [aws_cloudwatch_log_metric_filter.payment_mismatch]
}

# A payment disputed (a chargeback): the Stripe webhook suspends the access
# it paid for and logs an error with alarm = "payment_disputed"
# (steps/app/src/disputes.rs). Ops answer the dispute in Stripe before its
# evidence deadline; its closing restores or ends the access.
resource "aws_cloudwatch_log_metric_filter" "payment_disputed" {
  name           = "stripe-webhook-handler-payment-disputed"
  log_group_name = aws_cloudwatch_log_group.function["stripe-webhook-handler"].name
  pattern        = "{ $.fields.alarm = \"payment_disputed\" }"

  metric_transformation {
    name      = "PaymentDisputes"
    namespace = "ProDentHub/Campaigns"
    value     = "1"
    unit      = "Count"
  }
}

resource "aws_cloudwatch_metric_alarm" "payment_disputed" {
  alarm_name          = "payment-disputed"
  alarm_description   = "A payment was disputed: the access it paid for is suspended (the error log with alarm payment_disputed names the dispute and PaymentIntent). Answer the dispute in Stripe's dashboard before its evidence deadline."
  namespace           = "ProDentHub/Campaigns"
  metric_name         = "PaymentDisputes"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]

  depends_on = [aws_cloudwatch_log_metric_filter.payment_disputed]
}

# An access event still owed to the main platform 15 minutes after its
# change: the sweep (campaigns-publish-owed-access-events, every two
# minutes) could not put it on the bus, and logs an error with
# alarm = "access_event_overdue" for it at every try
# (steps/app/src/access.rs). Events the bus took but the platform refused
# are the dead-letter queue's alarm (events.tf, access-events-undelivered).
resource "aws_cloudwatch_log_metric_filter" "access_event_overdue" {
  name           = "publish-owed-access-events-overdue"
  log_group_name = aws_cloudwatch_log_group.function["campaigns-publish-owed-access-events"].name
  pattern        = "{ $.fields.alarm = \"access_event_overdue\" }"

  metric_transformation {
    name      = "AccessEventsOverdue"
    namespace = "ProDentHub/Campaigns"
    value     = "1"
    unit      = "Count"
  }
}

resource "aws_cloudwatch_metric_alarm" "access_event_overdue" {
  alarm_name          = "access-events-overdue"
  alarm_description   = "An access event has been owed to the main platform for over 15 minutes: the sweep cannot publish it to the EventBridge bus (the error log with alarm access_event_overdue names the event and the cause). Fix the cause (the bus, the functions' events:PutEvents grant); the sweep publishes it by itself then."
  namespace           = "ProDentHub/Campaigns"
  metric_name         = "AccessEventsOverdue"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  depends_on = [aws_cloudwatch_log_metric_filter.access_event_overdue]
}
