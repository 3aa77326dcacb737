# The secrets the functions read at init, by ARN (see lambda.tf). Terraform
# creates the containers only: values are put with the AWS CLI (README), so
# they are never in a variable, a plan or the state.

locals {
  secrets = {
    "stripe-secret-key"              = "STRIPE_SECRET_KEY: Stripe's secret API key (sk_live_...)."
    "stripe-webhook-secret"          = "STRIPE_WEBHOOK_SECRET: the signing secret of the webhook endpoint (whsec_...)."
    "stripe-webhook-secret-previous" = "STRIPE_WEBHOOK_SECRET_PREVIOUS: the signing secret being rolled out, accepted while stripe_webhook_secret_rollover is true."
    "access-token-secret"            = "ACCESS_TOKEN_SECRET: the HMAC key of the records' access tokens (32 random bytes, hex)."
    "access-token-secret-previous"   = "ACCESS_TOKEN_SECRET_PREVIOUS: the HMAC key being rolled out, accepted while access_token_secret_rollover is true."
  }
}

resource "aws_secretsmanager_secret" "this" {
  for_each = local.secrets

  # checkov:skip=CKV2_AWS_57:These are rotated by hand in Stripe's dashboard (Stripe has no API to roll a key) and with the two-secret rollover of the README; a rotation Lambda could not do either.

  name                    = "prodenthub-campaigns/${each.key}"
  description             = each.value
  kms_key_id              = aws_kms_key.campaigns.arn
  recovery_window_in_days = 30
}
