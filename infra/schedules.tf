# EventBridge Scheduler: mock-exam-handler creates one-time schedules in this
# group (a reminder 24 h before an exam, the results run after it); each
# starts a state machine as the role below.

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
}

resource "aws_iam_role_policy" "scheduler" {
  name   = "start-scheduled-journeys"
  role   = aws_iam_role.scheduler.id
  policy = data.aws_iam_policy_document.scheduler.json
}
