# WAF in front of the v1 stage (seed section 13): a per-IP rate limit, AWS's
# common, known-bad-input (Log4j), IP-reputation and anonymous-proxy rules,
# logged with credentials redacted.

resource "aws_wafv2_web_acl" "api" {
  name  = "prodenthub-campaigns-api"
  scope = "REGIONAL"

  default_action {
    allow {}
  }

  rule {
    name     = "rate-limit-per-ip"
    priority = 1
    action {
      block {}
    }
    statement {
      rate_based_statement {
        limit              = var.waf_rate_limit
        aggregate_key_type = "IP"
        # Stripe delivers every event from a few addresses; its bursts must
        # not lock the webhook out (its signature protects that route).
        scope_down_statement {
          not_statement {
            statement {
              byte_match_statement {
                search_string         = "/v1/webhook/stripe"
                positional_constraint = "STARTS_WITH"
                field_to_match {
                  uri_path {}
                }
                text_transformation {
                  priority = 0
                  type     = "NONE"
                }
              }
            }
          }
        }
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "rate-limit-per-ip"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "aws-common"
    priority = 2
    override_action {
      none {}
    }
    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesCommonRuleSet"
        # Stripe's events and exam results exceed the rule's 8 KB body limit;
        # API Gateway's own 10 MB limit and the request models bound bodies.
        rule_action_override {
          name = "SizeRestrictions_BODY"
          action_to_use {
            count {}
          }
        }
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "aws-common"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "aws-known-bad-inputs"
    priority = 3
    override_action {
      none {}
    }
    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesKnownBadInputsRuleSet"
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "aws-known-bad-inputs"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "aws-ip-reputation"
    priority = 4
    override_action {
      none {}
    }
    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesAmazonIpReputationList"
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "aws-ip-reputation"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "aws-anonymous-ip"
    priority = 5
    override_action {
      none {}
    }
    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesAnonymousIpList"
        # Stripe delivers webhooks from cloud hosting addresses; only
        # anonymizing proxies and Tor are blocked.
        rule_action_override {
          name = "HostingProviderIPList"
          action_to_use {
            count {}
          }
        }
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "aws-anonymous-ip"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "prodenthub-campaigns-api"
    sampled_requests_enabled   = true
  }
}

resource "aws_wafv2_web_acl_association" "api" {
  resource_arn = aws_api_gateway_stage.v1.arn
  web_acl_arn  = aws_wafv2_web_acl.api.arn
}

# WAF requires its log groups to be named aws-waf-logs-*.
resource "aws_cloudwatch_log_group" "waf" {
  # checkov:skip=CKV_AWS_338:Seed section 12 sets 30 days; these logs can hold emails and ids, so they are kept no longer than operations need (var.log_retention_days).
  name              = "aws-waf-logs-prodenthub-campaigns"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.campaigns.arn
}

resource "aws_wafv2_web_acl_logging_configuration" "api" {
  resource_arn            = aws_wafv2_web_acl.api.arn
  log_destination_configs = [aws_cloudwatch_log_group.waf.arn]

  # Credentials never reach the logs.
  dynamic "redacted_fields" {
    for_each = ["authorization", "x-access-token", "stripe-signature", "x-amz-security-token"]
    content {
      single_header {
        name = redacted_fields.value
      }
    }
  }
}
