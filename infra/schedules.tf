# EventBridge Scheduler: mock-exam-handler creates one-time schedules in this
# group (a reminder 24 h before an exam, the results run after it); each
# starts a state machine as the role below. Recurring schedules, at the end,
# run the sweeps: owed journeys, owed access events, and the daily removal of
# scholarships' sensitive fields.

locals {
  # The state machines schedules start (campaigns_app::steps MOCK_EXAM_*).
  scheduled_state_machines = ["mock-exam-reminders", "mock-exam-results"]
}

resource "aws_scheduler_schedule_group" "campaigns" {
  name = var.schedule_group_name
}

data "aws_iam_policy_document" "scheduler_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }
    # Only schedules of our group may use the role.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:scheduler:${local.region}:${local.account}:schedule/${var.schedule_group_name}/*"]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  name               = "prodenthub-campaigns-scheduler"
  assume_role_policy = data.aws_iam_policy_document.scheduler_assume.json
}

data "aws_iam_policy_document" "scheduler" {
  statement {
    actions   = ["states:StartExecution"]
    resources = [for name in local.scheduled_state_machines : "${local.state_machine_arn_prefix}${name}"]
  }
  statement {
    actions   = ["lambda:InvokeFunction"]
    resources = [for sweep in ["campaigns-start-owed-journeys", "campaigns-publish-owed-access-events", "campaigns-redact-scholarships"] : aws_lambda_function.this[sweep].arn]
  }
  statement {
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.campaigns.arn]
  }
}

resource "aws_iam_role_policy" "scheduler" {
  name   = "start-scheduled-journeys"
  role   = aws_iam_role.scheduler.id
  policy = data.aws_iam_policy_document.scheduler.json
}

# The sweep for journeys a create owed but did not start (its Lambda timed out
# or died after writing the record): every two minutes the scheduler invokes
# campaigns-start-owed-journeys, which starts each one owed for over a minute
# (steps/app/src/journey_starts.rs). A reservation is thus carried by its
# journey within about three minutes, whatever instant its creator died at.
resource "aws_scheduler_schedule" "start_owed_journeys" {
  name       = "start-owed-journeys"
  group_name = aws_scheduler_schedule_group.campaigns.name
  # The (empty) input is encrypted with the project key, which the
  # scheduler role may decrypt.
  kms_key_arn = aws_kms_key.campaigns.arn

  schedule_expression = "rate(2 minutes)"
  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_lambda_function.this["campaigns-start-owed-journeys"].arn
    role_arn = aws_iam_role.scheduler.arn
    input    = jsonencode({})
    retry_policy {
      # The next run comes in two minutes; a late one is pointless.
      maximum_event_age_in_seconds = 120
      maximum_retry_attempts       = 0
    }
  }
}

# The sweep for access events a grant's change owed but did not publish (its
# Lambda timed out or died after writing the change): every two minutes the
# scheduler invokes campaigns-publish-owed-access-events, which publishes each
# one owed for over a minute (steps/app/src/access.rs).
resource "aws_scheduler_schedule" "publish_owed_access_events" {
  name       = "publish-owed-access-events"
  group_name = aws_scheduler_schedule_group.campaigns.name
  # The (empty) input is encrypted with the project key, which the
  # scheduler role may decrypt.
  kms_key_arn = aws_kms_key.campaigns.arn

  schedule_expression = "rate(2 minutes)"
  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_lambda_function.this["campaigns-publish-owed-access-events"].arn
    role_arn = aws_iam_role.scheduler.arn
    input    = jsonencode({})
    retry_policy {
      # The next run comes in two minutes; a late one is pointless.
      maximum_event_age_in_seconds = 120
      maximum_retry_attempts       = 0
    }
  }
}

# The daily removal of a scholarship's sensitive fields (income, employment,
# refugee status, statement) 90 days after its decision: a TTL removes whole
# items, never some of their fields, so the scheduler invokes
# campaigns-redact-scholarships once a day (steps/app/src/privacy.rs). A
# sweep rather than a one-time schedule per decision: nothing to create or
# delete per application, and a missed run is caught up by the next.
resource "aws_scheduler_schedule" "redact_scholarships" {
  name       = "redact-scholarships"
  group_name = aws_scheduler_schedule_group.campaigns.name
  # The (empty) input is encrypted with the project key, which the
  # scheduler role may decrypt.
  kms_key_arn = aws_kms_key.campaigns.arn

  schedule_expression = "rate(1 day)"
  flexible_time_window {
    mode                      = "FLEXIBLE"
    maximum_window_in_minutes = 60
  }

  target {
    arn      = aws_lambda_function.this["campaigns-redact-scholarships"].arn
    role_arn = aws_iam_role.scheduler.arn
    input    = jsonencode({})
    retry_policy {
      maximum_event_age_in_seconds = 3600
      maximum_retry_attempts       = 3
    }
  }
}
