variable "region" {
  description = "AWS region of the whole deployment."
  type        = string
  default     = "ap-southeast-2"
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

# --- the build -------------------------------------------------------------

variable "lambda_packages" {
  description = "The directory infra/build.sh writes the deployment packages to, one <package>/bootstrap.zip each. Null means target/lambda at the repository root."
  type        = string
  default     = null
}

variable "lambda_architecture" {
  description = "Instruction set the bootstrap binary was built for (x86_64 or arm64); it must match infra/build.sh's argument."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.lambda_architecture)
    error_message = "lambda_architecture is arm64 or x86_64."
  }
}

variable "secrets_extension_layer_arn" {
  description = "ARN of the AWS Parameters and Secrets Lambda Extension layer for this region and architecture (AWS publishes one per region); the functions read their secrets through it."
  type        = string
}

variable "api_function_memory_mb" {
  description = "Memory of the API functions (CPU scales with it)."
  type        = number
  default     = 256
}

variable "step_function_memory_mb" {
  description = "Memory of the journey step functions."
  type        = number
  default     = 256
}

variable "log_retention_days" {
  description = "Retention of every log group (seed section 12: 30 days). Logs can hold emails, so keep it short."
  type        = number
  default     = 30
}

# --- seed section 7 ----------------------------------------------------------

variable "frontend_url" {
  description = "FRONTEND_URL: the campaigns frontend, the only CORS origin, and the base of every email link and Stripe return URL."
  type        = string
  default     = "https://campaigns.prodenthub.com.au"
}

variable "api_base_url" {
  description = "API_BASE_URL: the public base URL of the API (a custom domain mapped to the v1 stage, or the stage's invoke URL)."
  type        = string
  default     = "https://api.prodenthub.com.au/v1"
}

variable "ses_from_email" {
  description = "SES_FROM_EMAIL: the sender of every email."
  type        = string
  default     = "noreply@prodenthub.com.au"
}

variable "seller_legal_name" {
  description = "SELLER_LEGAL_NAME: the legal name every tax invoice is issued by (GST: prices include it). No default: a deployment without it would issue invoices from the local placeholder."
  type        = string

  validation {
    condition     = length(trimspace(var.seller_legal_name)) > 0
    error_message = "seller_legal_name is the seller's legal name."
  }
}

variable "seller_abn" {
  description = "SELLER_ABN: the seller's Australian Business Number on every tax invoice (11 digits; the code checks its check digits at start)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{11}$", replace(var.seller_abn, " ", "")))
    error_message = "seller_abn is 11 digits (spaces allowed)."
  }
}

variable "ops_email" {
  description = "OPS_EMAIL: where emails for people in operations go (a payment disputed, an exam's marked results not uploaded)."
  type        = string
  default     = "ops@prodenthub.com.au"
}

variable "ses_identity" {
  description = "The SES identity to verify: a domain (recommended, DKIM records are output) or the sender address itself. Null means the domain of ses_from_email."
  type        = string
  default     = null
}

variable "score_reports_bucket" {
  description = "S3_SCORE_REPORTS_BUCKET (bucket names are global: override it outside production)."
  type        = string
  default     = "prodenthub-score-reports"
}

variable "schedule_group_name" {
  description = "SCHEDULE_GROUP_NAME: the EventBridge Scheduler group of the mock-exam schedules."
  type        = string
  default     = "prodenthub-campaigns"
}

# --- secret rollover -----------------------------------------------------------

variable "stripe_webhook_secret_rollover" {
  description = "While true, the functions also accept the signing secret stored in the previous-webhook-secret (see README: rolling a webhook secret). The secret must have a value before this is set."
  type        = bool
  default     = false
}

variable "access_token_secret_rollover" {
  description = "While true, access tokens signed with the previous ACCESS_TOKEN_SECRET stay valid. The previous secret must have a value before this is set."
  type        = bool
  default     = false
}

variable "secrets_generation" {
  description = "Bump after changing a secret's value: functions read secrets once per cold start, and a configuration change starts fresh instances."
  type        = number
  default     = 1
}

# --- protection ----------------------------------------------------------------

variable "api_throttle_rate" {
  description = "Steady-state requests per second the v1 stage accepts (all routes together, per account limits aside)."
  type        = number
  default     = 50
}

variable "api_throttle_burst" {
  description = "Burst of requests the v1 stage accepts."
  type        = number
  default     = 100
}

variable "waf_rate_limit" {
  description = "Requests one IP address may make in 5 minutes before WAF blocks it (Stripe's webhook path is exempt)."
  type        = number
  default     = 1000
}

variable "manage_api_gateway_account" {
  description = "Set API Gateway's account-wide CloudWatch role (needed once per account and region for access and execution logs). False when another stack owns it."
  type        = bool
  default     = true
}

variable "alarm_emails" {
  description = "Addresses subscribed to the alarm topic (each confirms by email)."
  type        = list(string)
  default     = []
}

variable "access_event_bus_name" {
  description = "The EventBridge bus the access events are published to (ACCESS_EVENT_BUS_NAME)."
  type        = string
  default     = "prodenthub-campaigns"
}

variable "platform_events_endpoint" {
  description = "The main platform's HTTPS endpoint for access events; empty for no rule and no API destination (the events stay on the bus and in its archive)."
  type        = string
  default     = ""
  validation {
    condition     = var.platform_events_endpoint == "" || startswith(var.platform_events_endpoint, "https://")
    error_message = "platform_events_endpoint is an https:// URL, or empty."
  }
}

variable "platform_events_auth" {
  description = "How the API destination authenticates to the platform: API_KEY or BASIC."
  type        = string
  default     = "API_KEY"
  validation {
    condition     = contains(["API_KEY", "BASIC"], var.platform_events_auth)
    error_message = "platform_events_auth is API_KEY or BASIC."
  }
}

variable "platform_events_api_key_header" {
  description = "The header that carries the API key (platform_events_auth = API_KEY)."
  type        = string
  default     = "x-api-key"
}

variable "platform_events_credential_secret_arn" {
  description = "A Secrets Manager secret holding the platform's API key, or {\"username\", \"password\"} for BASIC; required with platform_events_endpoint."
  type        = string
  default     = ""
}

variable "platform_events_rate_per_second" {
  description = "At most this many access events per second are sent to the platform."
  type        = number
  default     = 10
}
