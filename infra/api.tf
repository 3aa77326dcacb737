# The REST API: every route of schemas/openapi.json (generated from the route
# table in steps/contracts/src/routes.rs) under the v1 stage, each proxied to
# the Lambda function the document tags it with, with IAM on admin routes,
# CORS for FRONTEND_URL, throttling, access logs and tracing. The routes are
# read from the document, never restated.
#
# API Gateway validates no request body: the function checks every body
# against the same JSON Schema (schemas/) and refuses with the API's error
# body, `field` and `rule` included, exactly as `campaigns serve` does. The
# gateway's validator would answer first, without them (tests/infra checks it
# stays off).

locals {
  openapi     = jsondecode(file("${local.repo_root}/schemas/openapi.json"))

  http_methods = ["get", "put", "post", "delete", "patch"]

  # "POST /teams/create" => what API Gateway needs to know about the route.
  routes = merge([
    for path, operations in local.openapi.paths : {
      for method, operation in operations : "${upper(method)} ${path}" => {
        method   = upper(method)
        path     = path
        function = operation.tags[0]
        # The document's security scheme; no scheme is a public route.
        access = length(try(operation.security, [])) == 0 ? "public" : keys(operation.security[0])[0]
        path_params  = [for param in try(operation.parameters, []) : param.name if param["in"] == "path"]
        query_params = [for param in try(operation.parameters, []) : param.name if param["in"] == "query"]
      } if contains(local.http_methods, method)
    }
  ]...)

  # How API Gateway authorizes each security scheme of the document. Record
  # tokens and Stripe signatures are checked by the function (HMAC over the
  # record id; Stripe's signature over the raw body), admins by IAM (SigV4).
  authorization = {
    public          = "NONE"
    accessToken     = "NONE"
    stripeSignature = "NONE"
    admin           = "AWS_IAM"
  }

  # The resource tree: every prefix of every path, by depth. API Gateway
  # resources name their parent, so each depth is its own resource block
  # below; the check fails if a path is deeper than the deepest block.
  path_prefixes = distinct(flatten([
    for route in local.routes : [
      for depth in range(1, length(split("/", trimprefix(route.path, "/"))) + 1) :
      join("/", slice(split("/", trimprefix(route.path, "/")), 0, depth))
    ]
  ]))
  prefixes_at = {
    for depth in range(1, 7) : depth => toset([for prefix in local.path_prefixes : prefix if length(split("/", prefix)) == depth])
  }

  resource_ids = merge(
    { for prefix, resource in aws_api_gateway_resource.depth1 : "/${prefix}" => resource.id },
    { for prefix, resource in aws_api_gateway_resource.depth2 : "/${prefix}" => resource.id },
    { for prefix, resource in aws_api_gateway_resource.depth3 : "/${prefix}" => resource.id },
    { for prefix, resource in aws_api_gateway_resource.depth4 : "/${prefix}" => resource.id },
    { for prefix, resource in aws_api_gateway_resource.depth5 : "/${prefix}" => resource.id },
    { for prefix, resource in aws_api_gateway_resource.depth6 : "/${prefix}" => resource.id },
  )

  # Paths the browser calls: all but Stripe's webhook get a CORS preflight.
  browser_paths = toset([for route in local.routes : route.path if route.access != "stripeSignature"])

  cors_headers = "Content-Type,Idempotency-Key,X-Access-Token,Authorization,X-Amz-Date,X-Amz-Security-Token"
  cors_origin  = trimsuffix(var.frontend_url, "/")
}

resource "aws_api_gateway_rest_api" "campaigns" {
  name        = "prodenthub-campaigns"
  description = "ProDentHub campaigns API (schemas/openapi.json)"

  endpoint_configuration {
    types = ["REGIONAL"]
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_resource" "depth1" {
  for_each    = local.prefixes_at[1]
  rest_api_id = aws_api_gateway_rest_api.campaigns.id
  parent_id   = aws_api_gateway_rest_api.campaigns.root_resource_id
  path_part   = each.key
}

resource "aws_api_gateway_resource" "depth2" {
  for_each    = local.prefixes_at[2]
  rest_api_id = aws_api_gateway_rest_api.campaigns.id
  parent_id   = aws_api_gateway_resource.depth1[join("/", slice(split("/", each.key), 0, 1))].id
  path_part   = split("/", each.key)[1]
}

resource "aws_api_gateway_resource" "depth3" {
  for_each    = local.prefixes_at[3]
  rest_api_id = aws_api_gateway_rest_api.campaigns.id
  parent_id   = aws_api_gateway_resource.depth2[join("/", slice(split("/", each.key), 0, 2))].id
  path_part   = split("/", each.key)[2]
}

resource "aws_api_gateway_resource" "depth4" {
  for_each    = local.prefixes_at[4]
  rest_api_id = aws_api_gateway_rest_api.campaigns.id
  parent_id   = aws_api_gateway_resource.depth3[join("/", slice(split("/", each.key), 0, 3))].id
  path_part   = split("/", each.key)[3]
}

resource "aws_api_gateway_resource" "depth5" {
  for_each    = local.prefixes_at[5]
  rest_api_id = aws_api_gateway_rest_api.campaigns.id
  parent_id   = aws_api_gateway_resource.depth4[join("/", slice(split("/", each.key), 0, 4))].id
  path_part   = split("/", each.key)[4]
}

resource "aws_api_gateway_resource" "depth6" {
  for_each    = local.prefixes_at[6]
  rest_api_id = aws_api_gateway_rest_api.campaigns.id
  parent_id   = aws_api_gateway_resource.depth5[join("/", slice(split("/", each.key), 0, 5))].id
  path_part   = split("/", each.key)[5]
}

resource "aws_api_gateway_request_validator" "parameters" {
  rest_api_id                 = aws_api_gateway_rest_api.campaigns.id
  name                        = "parameters"
  validate_request_body       = false
  validate_request_parameters = true
}

resource "aws_api_gateway_method" "route" {
  for_each = local.routes

  # checkov:skip=CKV_AWS_59:Only admin routes are IAM-authorized at the gateway; the others are public by design (the campaigns' forms), proven by a record's access token, or by Stripe's signature, which the function checks over the raw body. WAF and throttling front them all.

  rest_api_id          = aws_api_gateway_rest_api.campaigns.id
  resource_id          = local.resource_ids[each.value.path]
  http_method          = each.value.method
  authorization        = local.authorization[each.value.access]
  request_validator_id = aws_api_gateway_request_validator.parameters.id
  # Query parameters are declared but not required here: the function checks
  # them against the query's schema and answers with the API's own error body.
  request_parameters = merge(
    { for param in each.value.path_params : "method.request.path.${param}" => true },
    { for param in each.value.query_params : "method.request.querystring.${param}" => false },
  )
}

resource "aws_api_gateway_integration" "route" {
  for_each = local.routes

  rest_api_id             = aws_api_gateway_rest_api.campaigns.id
  resource_id             = local.resource_ids[each.value.path]
  http_method             = aws_api_gateway_method.route[each.key].http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = aws_lambda_function.this[each.value.function].invoke_arn
}

# API Gateway may invoke each function for its own routes only.
resource "aws_lambda_permission" "route" {
  for_each = local.routes

  statement_id  = "apigateway-${md5(each.key)}"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this[each.value.function].function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.campaigns.execution_arn}/*/${each.value.method}${replace(each.value.path, "/\\{[^}]+\\}/", "*")}"
}

# --- CORS: preflight for the frontend's origin --------------------------------

resource "aws_api_gateway_method" "preflight" {
  for_each = local.browser_paths

  # checkov:skip=CKV_AWS_59:A CORS preflight carries no credentials by definition; it is a mock that returns headers.

  rest_api_id   = aws_api_gateway_rest_api.campaigns.id
  resource_id   = local.resource_ids[each.key]
  http_method   = "OPTIONS"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "preflight" {
  for_each = local.browser_paths

  rest_api_id       = aws_api_gateway_rest_api.campaigns.id
  resource_id       = local.resource_ids[each.key]
  http_method       = aws_api_gateway_method.preflight[each.key].http_method
  type              = "MOCK"
  request_templates = { "application/json" = "{\"statusCode\": 200}" }
}

resource "aws_api_gateway_method_response" "preflight" {
  for_each = local.browser_paths

  rest_api_id = aws_api_gateway_rest_api.campaigns.id
  resource_id = local.resource_ids[each.key]
  http_method = aws_api_gateway_method.preflight[each.key].http_method
  status_code = "200"
  response_parameters = {
    "method.response.header.Access-Control-Allow-Origin"  = true
    "method.response.header.Access-Control-Allow-Methods" = true
    "method.response.header.Access-Control-Allow-Headers" = true
    "method.response.header.Access-Control-Max-Age"       = true
  }
}

resource "aws_api_gateway_integration_response" "preflight" {
  for_each = local.browser_paths

  rest_api_id = aws_api_gateway_rest_api.campaigns.id
  resource_id = local.resource_ids[each.key]
  http_method = aws_api_gateway_method.preflight[each.key].http_method
  status_code = aws_api_gateway_method_response.preflight[each.key].status_code
  response_parameters = {
    "method.response.header.Access-Control-Allow-Origin"  = "'${local.cors_origin}'"
    "method.response.header.Access-Control-Allow-Methods" = "'${join(",", concat([for route in local.routes : route.method if route.path == each.key], ["OPTIONS"]))}'"
    "method.response.header.Access-Control-Allow-Headers" = "'${local.cors_headers}'"
    "method.response.header.Access-Control-Max-Age"       = "'600'"
  }

  depends_on = [aws_api_gateway_integration.preflight]
}

# Errors API Gateway answers itself (auth, throttling) carry the
# CORS header too, so the browser can read them, and the API's error shape.
resource "aws_api_gateway_gateway_response" "errors" {
  for_each = {
    DEFAULT_4XX = "REQUEST_REJECTED"
    DEFAULT_5XX = "GATEWAY_ERROR"
  }

  rest_api_id   = aws_api_gateway_rest_api.campaigns.id
  response_type = each.key
  response_parameters = {
    "gatewayresponse.header.Access-Control-Allow-Origin" = "'${local.cors_origin}'"
  }
  response_templates = {
    "application/json" = "{\"error\": {\"code\": \"${each.value}\", \"message\": $context.error.messageString}}"
  }
}

# --- deployment and the v1 stage --------------------------------------------------

resource "aws_api_gateway_deployment" "campaigns" {
  rest_api_id = aws_api_gateway_rest_api.campaigns.id

  # A new deployment whenever a route or a CORS answer changes.
  triggers = {
    redeployment = sha1(jsonencode([
      local.routes,
      local.authorization,
      local.cors_origin,
      [for integration in aws_api_gateway_integration.route : integration.uri],
      [for response in aws_api_gateway_gateway_response.errors : response.response_templates],
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }

  depends_on = [
    aws_api_gateway_method.route,
    aws_api_gateway_integration.route,
    aws_api_gateway_integration.preflight,
    aws_api_gateway_integration_response.preflight,
  ]
}

resource "aws_cloudwatch_log_group" "api_access" {
  # checkov:skip=CKV_AWS_338:Seed section 12 sets 30 days; these logs can hold emails and ids, so they are kept no longer than operations need (var.log_retention_days).
  name              = "/aws/apigateway/prodenthub-campaigns/access"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.campaigns.arn
}

resource "aws_api_gateway_stage" "v1" {
  # checkov:skip=CKV_AWS_120:Responses are per user and per record (tokens, checkouts, fresh state); a cache would serve stale or someone else's data.
  # checkov:skip=CKV2_AWS_51:Client certificates authenticate API Gateway to an HTTP backend; every integration here is a Lambda proxy.

  rest_api_id          = aws_api_gateway_rest_api.campaigns.id
  deployment_id        = aws_api_gateway_deployment.campaigns.id
  stage_name           = "v1" # the seed's base path: https://api.prodenthub.com.au/v1
  xray_tracing_enabled = true

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format = jsonencode({
      requestId       = "$context.requestId"
      ip              = "$context.identity.sourceIp"
      requestTime     = "$context.requestTime"
      httpMethod      = "$context.httpMethod"
      resourcePath    = "$context.resourcePath"
      status          = "$context.status"
      responseLength  = "$context.responseLength"
      latency         = "$context.responseLatency"
      integrationErr  = "$context.integrationErrorMessage"
      validationError = "$context.error.validationErrorString"
      wafResponse     = "$context.wafResponseCode"
      userArn         = "$context.identity.userArn"
    })
  }

  depends_on = [aws_api_gateway_account.campaigns]
}

resource "aws_api_gateway_method_settings" "all" {
  # checkov:skip=CKV_AWS_225:Caching is off on purpose (see the stage): responses are per user and change with every payment.

  rest_api_id = aws_api_gateway_rest_api.campaigns.id
  stage_name  = aws_api_gateway_stage.v1.stage_name
  method_path = "*/*"

  settings {
    metrics_enabled        = true # per-method 4XX/5XX for the webhook alarm
    logging_level          = "ERROR"
    data_trace_enabled     = false # full bodies would put personal data in logs
    throttling_rate_limit  = var.api_throttle_rate
    throttling_burst_limit = var.api_throttle_burst
    caching_enabled        = false
  }
}

# API Gateway writes logs through one account-wide role per region.
data "aws_iam_policy_document" "apigateway_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "apigateway_logs" {
  count              = var.manage_api_gateway_account ? 1 : 0
  name               = "prodenthub-campaigns-apigateway-logs"
  assume_role_policy = data.aws_iam_policy_document.apigateway_assume.json
}

resource "aws_iam_role_policy_attachment" "apigateway_logs" {
  count      = var.manage_api_gateway_account ? 1 : 0
  role       = aws_iam_role.apigateway_logs[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}

resource "aws_api_gateway_account" "campaigns" {
  count               = var.manage_api_gateway_account ? 1 : 0
  cloudwatch_role_arn = aws_iam_role.apigateway_logs[0].arn
}
