# One customer managed key encrypts the project's data at rest: tables,
# bucket, secrets, log groups, the alarm topic, the functions' environment and
# the access event bus.
# One key keeps the key policy in one place; IAM policies then say which role
# may use it for what (the key policy delegates to IAM for this account).

resource "aws_kms_key" "campaigns" {
  description             = "ProDentHub campaigns: data at rest"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms.json
}

resource "aws_kms_alias" "campaigns" {
  name          = "alias/prodenthub-campaigns"
  target_key_id = aws_kms_key.campaigns.key_id
}

data "aws_iam_policy_document" "kms" {
  # checkov:skip=CKV_AWS_109:This is the key's own policy: "*" is this key, and the account statement is AWS's default delegation to IAM, where the roles' policies narrow its use.
  # checkov:skip=CKV_AWS_111:This is the key's own policy: "*" is this key, and the account statement is AWS's default delegation to IAM, where the roles' policies narrow its use.
  # checkov:skip=CKV_AWS_356:This is the key's own policy: in a key policy the resource "*" means this key only.
  # The account administers the key and delegates its use to IAM policies.
  statement {
    sid       = "Account"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account}:root"]
    }
  }

  # CloudWatch Logs encrypts the project's log groups, and only those.
  statement {
    sid       = "Logs"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account}:log-group:*"]
    }
  }

  # EventBridge encrypts the access event bus, its archive and the
  # platform connection's credential, and sends undelivered events to the
  # encrypted dead-letter queue.
  statement {
    sid       = "EventBridge"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }

  # CloudWatch alarms publish to the encrypted alarm topic.
  statement {
    sid       = "AlarmsToTopic"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}
