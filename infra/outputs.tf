output "api_invoke_url" {
  description = "The v1 stage's URL (API_BASE_URL unless a custom domain is mapped to it)."
  value       = aws_api_gateway_stage.v1.invoke_url
}

output "stripe_webhook_url" {
  description = "The endpoint to register in Stripe (Developers > Webhooks)."
  value       = "${trimsuffix(var.api_base_url, "/")}/webhook/stripe"
}

output "function_names" {
  description = "Every Lambda function."
  value       = sort([for function in aws_lambda_function.this : function.function_name])
}

output "state_machine_arns" {
  description = "Every state machine, by name."
  value       = { for name, machine in aws_sfn_state_machine.this : name => machine.arn }
}

output "table_names" {
  description = "Every table, by its variable (DYNAMODB_*_TABLE)."
  value       = local.table_environment
}

output "score_reports_bucket" {
  value = aws_s3_bucket.score_reports.bucket
}

output "secret_arns" {
  description = "The secrets to fill with `aws secretsmanager put-secret-value` (README)."
  value       = { for name, secret in aws_secretsmanager_secret.this : name => secret.arn }
}

output "ses_dkim_records" {
  description = "CNAME records that verify a domain identity (name => value)."
  value = {
    for token in aws_sesv2_email_identity.sender.dkim_signing_attributes[0].tokens :
    "${token}._domainkey.${local.ses_identity}" => "${token}.dkim.amazonses.com"
  }
}

output "alarm_topic_arn" {
  value = aws_sns_topic.alarms.arn
}

output "scheduler_role_arn" {
  value = aws_iam_role.scheduler.arn
}
