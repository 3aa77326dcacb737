# Access events to the main ProDentHub platform (docs/access-events.md).
#
# The functions that change access publish to this bus (events:PutEvents,
# granted in lambda.tf to the functions whose handlers declare the Access
# port). An archive keeps 30 days of events for replays. When
# platform_events_endpoint is set, a rule sends every access event to the
# platform through an API destination: POST, the whole event as the body,
# authenticated by a connection whose API key or basic-auth credentials come
# from the secret platform_events_credential_secret_arn. Deliveries that fail
# for 24 hours go to a dead-letter queue, and the alarm topic hears of them.

locals {
  platform_events = var.platform_events_endpoint != ""
  # The events the platform receives: all of this system's access events.
  access_event_pattern = jsonencode({
    source        = ["prodenthub.campaigns"]
    "detail-type" = ["AccessGranted", "AccessRevoked", "AccessSuspended", "AccessRestored"]
  })
}

resource "aws_cloudwatch_event_bus" "access" {
  name               = var.access_event_bus_name
  kms_key_identifier = aws_kms_key.campaigns.arn
}

resource "aws_cloudwatch_event_archive" "access" {
  name             = "${var.access_event_bus_name}-access"
  description      = "Access events, for replays to the platform."
  event_source_arn = aws_cloudwatch_event_bus.access.arn
  event_pattern    = local.access_event_pattern
  retention_days   = 30
}

# The credential the platform gave us, put in this secret by hand: the API
# key itself, or {"username": ..., "password": ...} for basic auth.
# EventBridge keeps it in a secret of its own for the connection, so
# Terraform reads it (it is in the state, marked sensitive).
data "aws_secretsmanager_secret_version" "platform_events" {
  count     = local.platform_events ? 1 : 0
  secret_id = var.platform_events_credential_secret_arn
}

resource "aws_cloudwatch_event_connection" "platform" {
  count              = local.platform_events ? 1 : 0
  name               = "prodenthub-platform-access"
  description        = "The main ProDentHub platform's access-event endpoint."
  authorization_type = var.platform_events_auth
  kms_key_identifier = aws_kms_key.campaigns.arn

  auth_parameters {
    dynamic "api_key" {
      for_each = var.platform_events_auth == "API_KEY" ? ["api-key"] : []
      content {
        key   = var.platform_events_api_key_header
        value = data.aws_secretsmanager_secret_version.platform_events[0].secret_string
      }
    }
    dynamic "basic" {
      for_each = var.platform_events_auth == "BASIC" ? ["basic"] : []
      content {
        username = jsondecode(data.aws_secretsmanager_secret_version.platform_events[0].secret_string).username
        password = jsondecode(data.aws_secretsmanager_secret_version.platform_events[0].secret_string).password
      }
    }
  }
}

resource "aws_cloudwatch_event_api_destination" "platform" {
  count                            = local.platform_events ? 1 : 0
  name                             = "prodenthub-platform-access"
  description                      = "POSTs each access event to the main platform."
  invocation_endpoint              = var.platform_events_endpoint
  http_method                      = "POST"
  invocation_rate_limit_per_second = var.platform_events_rate_per_second
  connection_arn                   = aws_cloudwatch_event_connection.platform[0].arn
}

resource "aws_cloudwatch_event_rule" "platform" {
  count          = local.platform_events ? 1 : 0
  name           = "access-events-to-platform"
  description    = "Every access event, to the main platform."
  event_bus_name = aws_cloudwatch_event_bus.access.name
  event_pattern  = local.access_event_pattern
}

resource "aws_cloudwatch_event_target" "platform" {
  count          = local.platform_events ? 1 : 0
  rule           = aws_cloudwatch_event_rule.platform[0].name
  event_bus_name = aws_cloudwatch_event_bus.access.name
  target_id      = "platform"
  arn            = aws_cloudwatch_event_api_destination.platform[0].arn
  role_arn       = aws_iam_role.platform_events[0].arn

  # A platform that is down is retried for a day before the event is
  # parked; the consumer dedupes by detail.eventId, so retries are safe.
  retry_policy {
    maximum_event_age_in_seconds = 86400
    maximum_retry_attempts       = 185
  }
  dead_letter_config {
    arn = aws_sqs_queue.platform_dead_letters[0].arn
  }
}

resource "aws_iam_role" "platform_events" {
  count = local.platform_events ? 1 : 0
  name  = "prodenthub-platform-access-events"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account } }
    }]
  })
}

resource "aws_iam_role_policy" "platform_events" {
  count = local.platform_events ? 1 : 0
  name  = "invoke-platform-destination"
  role  = aws_iam_role.platform_events[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "events:InvokeApiDestination"
      Resource = aws_cloudwatch_event_api_destination.platform[0].arn
    }]
  })
}

# Events the platform did not take within a day, kept 14 days for a replay
# from the archive or by hand.
resource "aws_sqs_queue" "platform_dead_letters" {
  count                     = local.platform_events ? 1 : 0
  name                      = "prodenthub-platform-access-events-dlq"
  kms_master_key_id         = aws_kms_key.campaigns.arn
  message_retention_seconds = 1209600
}

resource "aws_sqs_queue_policy" "platform_dead_letters" {
  count     = local.platform_events ? 1 : 0
  queue_url = aws_sqs_queue.platform_dead_letters[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = aws_sqs_queue.platform_dead_letters[0].arn
      Condition = { ArnEquals = { "aws:SourceArn" = aws_cloudwatch_event_rule.platform[0].arn } }
    }]
  })
}

resource "aws_cloudwatch_metric_alarm" "platform_dead_letters" {
  count               = local.platform_events ? 1 : 0
  alarm_name          = "access-events-undelivered"
  alarm_description   = "Access events the main platform did not take within a day are in the dead-letter queue: fix the endpoint, then replay them (docs/access-events.md)."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.platform_dead_letters[0].name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
}
