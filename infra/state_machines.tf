# One Standard state machine per workflows/definitions/<name>.asl.json, named
# <name> (the code starts "<STATE_MACHINE_ARN_PREFIX><name>"). The definitions
# are the same files the embedded engine runs; templatefile fills each
# ${<Step>FunctionArn} with the ARN of the function campaigns-<step>.

locals {
  definitions_dir = "${local.repo_root}/workflows/definitions"

  state_machines = {
    for file in fileset(local.definitions_dir, "*.asl.json") :
    trimsuffix(file, ".asl.json") => "${local.definitions_dir}/${file}"
  }

  # ${ConfirmPurchaseFunctionArn} => the ARN of campaigns-confirm-purchase.
  function_arn_placeholders = {
    for name, function in local.functions : function.placeholder => aws_lambda_function.this[name].arn
    if function.placeholder != null
  }

  # The placeholders each definition names: its role may invoke only those.
  state_machine_placeholders = {
    for name, path in local.state_machines :
    name => distinct(flatten(regexall("\\$\\{([A-Za-z0-9]+)\\}", file(path))))
  }
}

resource "aws_cloudwatch_log_group" "state_machine" {
  # checkov:skip=CKV_AWS_338:Seed section 12 sets 30 days; these logs can hold emails and ids, so they are kept no longer than operations need (var.log_retention_days).
  for_each = local.state_machines

  # The vendedlogs prefix keeps the account's log resource policy small.
  name              = "/aws/vendedlogs/states/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.campaigns.arn
}

data "aws_iam_policy_document" "states_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_iam_role" "state_machine" {
  for_each = local.state_machines

  name               = "${each.key}-state-machine"
  assume_role_policy = data.aws_iam_policy_document.states_assume.json
}

data "aws_iam_policy_document" "state_machine" {
  for_each = local.state_machines

  statement {
    sid     = "InvokeOwnSteps"
    actions = ["lambda:InvokeFunction"]
    resources = flatten([
      for placeholder in local.state_machine_placeholders[each.key] : [
        local.function_arn_placeholders[placeholder],
        "${local.function_arn_placeholders[placeholder]}:*",
      ]
    ])
  }

  # Log delivery and X-Ray name no resource; IAM accepts only "*" for them.
  statement {
    sid = "LogDelivery"
    actions = [
      "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "state_machine" {
  for_each = local.state_machines

  name   = "invoke-own-steps"
  role   = aws_iam_role.state_machine[each.key].id
  policy = data.aws_iam_policy_document.state_machine[each.key].json
}

resource "aws_sfn_state_machine" "this" {
  for_each = local.state_machines

  # checkov:skip=CKV_AWS_285:Execution data is names and emails; operators read it in the execution history (kept by Step Functions), so the logs record every event without a second copy of the personal data.

  name     = each.key
  type     = "STANDARD"
  role_arn = aws_iam_role.state_machine[each.key].arn

  # templatefile fails the plan if a definition names a placeholder that no
  # function supplies; tests/infra/consistency.py finds it before that.
  definition = templatefile(each.value, local.function_arn_placeholders)

  logging_configuration {
    log_destination = "${aws_cloudwatch_log_group.state_machine[each.key].arn}:*"
    level           = "ALL"
    # Inputs and outputs hold names and emails; the execution history in the
    # console shows them to operators, the logs need not keep a copy.
    include_execution_data = false
  }

  tracing_configuration {
    enabled = true
  }

  depends_on = [aws_iam_role_policy.state_machine]
}
