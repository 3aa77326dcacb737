# The functions of functions.tf: one role, one policy, one log group each.

locals {
  table_arn = { for id, table in aws_dynamodb_table.this : id => table.arn }

  # Every function reads the same settings: the production application is
  # built once per cold start from them (steps/lambda).
  lambda_environment = merge(
    local.table_environment,
    {
      S3_SCORE_REPORTS_BUCKET  = aws_s3_bucket.score_reports.bucket
      SES_FROM_EMAIL           = var.ses_from_email
      SELLER_LEGAL_NAME        = var.seller_legal_name
      SELLER_ABN               = var.seller_abn
      OPS_EMAIL                = var.ops_email
      API_BASE_URL             = var.api_base_url
      FRONTEND_URL             = var.frontend_url
      STATE_MACHINE_ARN_PREFIX = local.state_machine_arn_prefix
      SCHEDULE_GROUP_NAME      = aws_scheduler_schedule_group.campaigns.name
      SCHEDULER_ROLE_ARN       = aws_iam_role.scheduler.arn
      ACCESS_EVENT_BUS_NAME    = aws_cloudwatch_event_bus.access.name
      # Secrets travel by ARN; the function reads the value at init through
      # the Parameters and Secrets extension, so no secret is in the
      # function's configuration or in Terraform's state.
      STRIPE_SECRET_KEY_ARN     = aws_secretsmanager_secret.this["stripe-secret-key"].arn
      STRIPE_WEBHOOK_SECRET_ARN = aws_secretsmanager_secret.this["stripe-webhook-secret"].arn
      ACCESS_TOKEN_SECRET_ARN   = aws_secretsmanager_secret.this["access-token-secret"].arn
      SECRETS_GENERATION        = tostring(var.secrets_generation)
    },
    var.stripe_webhook_secret_rollover ? {
      STRIPE_WEBHOOK_SECRET_PREVIOUS_ARN = aws_secretsmanager_secret.this["stripe-webhook-secret-previous"].arn
    } : {},
    var.access_token_secret_rollover ? {
      ACCESS_TOKEN_SECRET_PREVIOUS_ARN = aws_secretsmanager_secret.this["access-token-secret-previous"].arn
    } : {},
  )

  # DYNAMODB_*_TABLE for each table of tables.tf.
  table_environment = { for id, table in local.tables : table.env_var => aws_dynamodb_table.this[id].name }
}

resource "aws_cloudwatch_log_group" "function" {
  # checkov:skip=CKV_AWS_338:Seed section 12 sets 30 days; these logs can hold emails and ids, so they are kept no longer than operations need (var.log_retention_days).
  for_each = local.functions

  # The name Lambda writes to (seed section 12: /aws/lambda/<function-name>).
  name              = "/aws/lambda/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.campaigns.arn
}

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_iam_role" "function" {
  for_each = local.functions

  # IAM role names are at most 64 characters; function names here are short.
  name               = "${each.key}-role"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

data "aws_iam_policy_document" "function" {
  for_each = local.functions

  statement {
    sid       = "OwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.function[each.key].arn}:*"]
  }

  # The secrets every function's init reads (see local.lambda_environment).
  statement {
    sid     = "Secrets"
    actions = ["secretsmanager:GetSecretValue"]
    resources = concat(
      [for name in ["stripe-secret-key", "stripe-webhook-secret", "access-token-secret"] : aws_secretsmanager_secret.this[name].arn],
      var.stripe_webhook_secret_rollover ? [aws_secretsmanager_secret.this["stripe-webhook-secret-previous"].arn] : [],
      var.access_token_secret_rollover ? [aws_secretsmanager_secret.this["access-token-secret-previous"].arn] : [],
    )
  }

  # The project key, for the secrets, the environment and the bucket's
  # objects; the tables use it on the caller's behalf.
  statement {
    sid       = "ProjectKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.campaigns.arn]
  }

  dynamic "statement" {
    for_each = length(concat(each.value.read, each.value.write)) > 0 ? ["read"] : []
    content {
      sid       = "ReadRecords"
      actions   = ["dynamodb:GetItem", "dynamodb:Query"]
      resources = [for id in distinct(concat(each.value.read, each.value.write)) : local.table_arn[id]]
    }
  }

  dynamic "statement" {
    for_each = length(each.value.write) > 0 ? ["write"] : []
    content {
      sid       = "WriteRecords"
      actions   = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"]
      resources = [for id in distinct(each.value.write) : local.table_arn[id]]
    }
  }

  dynamic "statement" {
    for_each = length(each.value.indexes) > 0 ? ["indexes"] : []
    content {
      sid     = "QueryIndexes"
      actions = ["dynamodb:Query"]
      resources = [
        for ref in each.value.indexes :
        "${local.table_arn[split("/", ref)[0]]}/index/${split("/", ref)[1]}"
      ]
    }
  }

  dynamic "statement" {
    for_each = length(each.value.scan) > 0 ? ["scan"] : []
    content {
      sid       = "ScanRecords"
      actions   = ["dynamodb:Scan"]
      resources = [for id in distinct(each.value.scan) : local.table_arn[id]]
    }
  }

  dynamic "statement" {
    for_each = length(each.value.start) > 0 ? ["start"] : []
    content {
      sid       = "StartJourneys"
      actions   = ["states:StartExecution"]
      resources = [for machine in each.value.start : "${local.state_machine_arn_prefix}${machine}"]
    }
  }

  dynamic "statement" {
    for_each = length(each.value.start) > 0 ? ["describe"] : []
    content {
      # A repeated start reads the execution to tell a retry from a clash.
      sid       = "DescribeOwnExecutions"
      actions   = ["states:DescribeExecution"]
      resources = [for machine in each.value.start : "arn:${local.partition}:states:${local.region}:${local.account}:execution:${machine}:*"]
    }
  }

  dynamic "statement" {
    for_each = each.value.resume ? ["resume"] : []
    content {
      # Task-token calls name no resource; IAM accepts only "*" for them.
      sid       = "ResumeJourneys"
      actions   = ["states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"]
      resources = ["*"]
    }
  }

  dynamic "statement" {
    for_each = each.value.mail ? ["mail"] : []
    content {
      sid       = "SendMail"
      actions   = ["ses:SendEmail"]
      resources = [aws_sesv2_email_identity.sender.arn, aws_sesv2_configuration_set.campaigns.arn]
    }
  }

  dynamic "statement" {
    for_each = each.value.uploads ? ["uploads"] : []
    content {
      # PutObject signs the browser's upload; GetObject covers HeadObject.
      sid       = "ScoreReportUploads"
      actions   = ["s3:PutObject", "s3:GetObject"]
      resources = ["${aws_s3_bucket.score_reports.arn}/score-reports/*"]
    }
  }

  dynamic "statement" {
    for_each = each.value.delete_uploads ? ["delete-uploads"] : []
    content {
      sid       = "ScoreReportErasure"
      actions   = ["s3:DeleteObject"]
      resources = ["${aws_s3_bucket.score_reports.arn}/score-reports/*"]
    }
  }

  dynamic "statement" {
    for_each = each.value.access_events ? ["access-events"] : []
    content {
      sid       = "PublishAccessEvents"
      actions   = ["events:PutEvents"]
      resources = [aws_cloudwatch_event_bus.access.arn]
    }
  }

  dynamic "statement" {
    for_each = each.value.schedules ? ["schedules"] : []
    content {
      sid       = "ExamSchedules"
      actions   = ["scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule", "scheduler:GetSchedule"]
      resources = ["arn:${local.partition}:scheduler:${local.region}:${local.account}:schedule/${aws_scheduler_schedule_group.campaigns.name}/*"]
    }
  }

  dynamic "statement" {
    for_each = each.value.schedules ? ["pass-role"] : []
    content {
      # A schedule runs as the scheduler role; creating one passes it.
      sid       = "PassSchedulerRole"
      actions   = ["iam:PassRole"]
      resources = [aws_iam_role.scheduler.arn]
      condition {
        test     = "StringEquals"
        variable = "iam:PassedToService"
        values   = ["scheduler.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "function" {
  for_each = local.functions

  name   = "least-privilege"
  role   = aws_iam_role.function[each.key].id
  policy = data.aws_iam_policy_document.function[each.key].json
}

# X-Ray segments name no resource; the managed policy is exactly the write
# actions the tracing runtime needs.
resource "aws_iam_role_policy_attachment" "function_xray" {
  for_each = local.functions

  role       = aws_iam_role.function[each.key].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AWSXRayDaemonWriteAccess"
}

resource "aws_lambda_function" "this" {
  for_each = local.functions

  # checkov:skip=CKV_AWS_116:Every invocation is synchronous (API Gateway proxy, Step Functions lambda:invoke); failures return to the caller, which retries (the state machines' Retry) or reports; a DLQ only applies to asynchronous invocations.
  # checkov:skip=CKV_AWS_117:The functions call only public AWS endpoints and Stripe; a VPC would add NAT gateways or endpoints (cost, cold starts) and protect nothing reachable only inside it.
  # checkov:skip=CKV_AWS_115:Load is bounded upstream (API Gateway throttling, WAF rate rule, Step Functions retries); reserved concurrency carves from the account pool and makes an apply fail on accounts with a small limit.
  # checkov:skip=CKV_AWS_272:The zip comes from this repository's build; code signing needs an AWS Signer profile and a signed S3 object, which the build does not produce.

  function_name = each.key
  description   = each.value.kind == "api" ? "API: seed section 2 ${each.key}" : "Journey step ${trimprefix(each.key, "campaigns-")}"
  role          = aws_iam_role.function[each.key].arn

  filename         = "${local.lambda_packages}/${each.value.package}/bootstrap.zip"
  source_code_hash = filebase64sha256("${local.lambda_packages}/${each.value.package}/bootstrap.zip")
  runtime          = "provided.al2023"
  handler          = "bootstrap"
  architectures    = [var.lambda_architecture]
  memory_size      = each.value.memory
  timeout          = each.value.timeout
  layers           = [var.secrets_extension_layer_arn]
  kms_key_arn      = aws_kms_key.campaigns.arn

  environment {
    variables = merge(local.lambda_environment, {
      # The handler this function serves (the binary also falls back to
      # AWS_LAMBDA_FUNCTION_NAME, which is the same name).
      CAMPAIGNS_HANDLER = each.key
    })
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.function[each.key].name
  }

  depends_on = [aws_iam_role_policy.function]
}
