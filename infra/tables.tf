# The fifteen tables of steps/records/src/table.rs: the seed's nine (section
# 1) and the six the journeys add (webhook events, payment waits, access
# grants, idempotency keys, owed journey starts, owed access events;
# docs/ARCHITECTURE.md says why). Names, keys,
# indexes and TTL must match the code's TableDefs; tests/infra/consistency.py
# checks that they do.

locals {
  tables = {
    teams = {
      name    = "prodenthub-teams"
      env_var = "DYNAMODB_TEAMS_TABLE"
      key     = "teamId"
      ttl     = true
      indexes = [
        { name = "leaderEmail-index", hash = "leaderEmail", range = null },
        { name = "status-createdAt-index", hash = "status", range = "createdAt" },
      ]
    }
    scholarships = {
      name    = "prodenthub-scholarships"
      env_var = "DYNAMODB_SCHOLARSHIPS_TABLE"
      key     = "scholarshipId"
      ttl     = true
      indexes = [
        { name = "email-index", hash = "email", range = null },
        { name = "status-index", hash = "status", range = null },
      ]
    }
    coupons = {
      name    = "prodenthub-coupons"
      env_var = "DYNAMODB_COUPONS_TABLE"
      key     = "couponCode"
      ttl     = false
      indexes = [
        { name = "status-index", hash = "status", range = null },
      ]
    }
    coupon_usage = {
      name    = "prodenthub-coupon-usage"
      env_var = "DYNAMODB_COUPON_USAGE_TABLE"
      key     = "usageId"
      ttl     = true
      indexes = [
        { name = "couponCode-email-index", hash = "couponCode", range = "email" },
      ]
    }
    discount_purchases = {
      name    = "prodenthub-discount-purchases"
      env_var = "DYNAMODB_DISCOUNT_PURCHASES_TABLE"
      key     = "purchaseId"
      ttl     = true
      indexes = [
        { name = "email-index", hash = "email", range = null },
      ]
    }
    personalized_plans = {
      name    = "prodenthub-personalized-plans"
      env_var = "DYNAMODB_PERSONALIZED_PLANS_TABLE"
      key     = "planId"
      ttl     = true
      indexes = [
        { name = "email-index", hash = "email", range = null },
        { name = "selectedCluster-index", hash = "selectedCluster", range = null },
      ]
    }
    mock_exams = {
      name    = "prodenthub-mock-exams"
      env_var = "DYNAMODB_MOCK_EXAMS_TABLE"
      key     = "mockExamId"
      ttl     = false
      indexes = [
        { name = "examDate-index", hash = "examDate", range = null },
        # The seed's examDate hash key finds one date; listing upcoming exams
        # needs a range condition: status = scheduled and startsAt >= now.
        { name = "status-startsAt-index", hash = "status", range = "startsAt" },
      ]
    }
    mock_registrations = {
      name    = "prodenthub-mock-registrations"
      env_var = "DYNAMODB_MOCK_REGISTRATIONS_TABLE"
      key     = "registrationId"
      ttl     = true
      indexes = [
        { name = "mockExamId-index", hash = "mockExamId", range = null },
        { name = "email-index", hash = "email", range = null },
      ]
    }
    mock_statistics = {
      name    = "prodenthub-mock-statistics"
      env_var = "DYNAMODB_MOCK_STATISTICS_TABLE"
      key     = "mockExamId"
      ttl     = false
      indexes = []
    }
    webhook_events = {
      name    = "prodenthub-webhook-events"
      env_var = "DYNAMODB_WEBHOOK_EVENTS_TABLE"
      key     = "eventId"
      ttl     = true
      indexes = []
    }
    payment_waits = {
      name    = "prodenthub-payment-waits"
      env_var = "DYNAMODB_PAYMENT_WAITS_TABLE"
      key     = "waitId"
      ttl     = true
      indexes = []
    }
    access_grants = {
      name    = "prodenthub-access-grants"
      env_var = "DYNAMODB_ACCESS_GRANTS_TABLE"
      key     = "grantId"
      ttl     = false
      indexes = [
        { name = "email-index", hash = "email", range = null },
        { name = "paymentIntentId-index", hash = "paymentIntentId", range = null },
      ]
    }
    idempotency_keys = {
      name    = "prodenthub-idempotency-keys"
      env_var = "DYNAMODB_IDEMPOTENCY_KEYS_TABLE"
      key     = "idempotencyKey"
      ttl     = true
      indexes = []
    }
    # A create's journey, written with its record and crossed off once
    # started; campaigns-start-owed-journeys starts what a dead creator left.
    journey_starts = {
      name    = "prodenthub-journey-starts"
      env_var = "DYNAMODB_JOURNEY_STARTS_TABLE"
      key     = "executionName"
      ttl     = false
      indexes = [
        { name = "queue-dueAt-index", hash = "queue", range = "dueAt" },
      ]
    }
    # An access event, written with the grant's change and crossed off once
    # published; campaigns-publish-owed-access-events publishes what a dead
    # handler left.
    access_events = {
      name    = "prodenthub-access-events"
      env_var = "DYNAMODB_ACCESS_EVENTS_TABLE"
      key     = "eventId"
      ttl     = false
      indexes = [
        { name = "queue-dueAt-index", hash = "queue", range = "dueAt" },
      ]
    }
  }

  # Item attributes are the records' fields; these are numbers (N), every
  # other key attribute a string (S).
  number_attributes = ["selectedCluster"]

  # Each table's key and index attributes, once each, with their type.
  table_attributes = {
    for id, table in local.tables : id => {
      for name in distinct(compact(concat(
        [table.key],
        [for index in table.indexes : index.hash],
        [for index in table.indexes : index.range],
      ))) : name => contains(local.number_attributes, name) ? "N" : "S"
    }
  }
}

resource "aws_dynamodb_table" "this" {
  for_each = local.tables

  name         = each.value.name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = each.value.key

  # Taking a table down takes an apply with this turned off first.
  deletion_protection_enabled = true

  dynamic "attribute" {
    for_each = local.table_attributes[each.key]
    content {
      name = attribute.key
      type = attribute.value
    }
  }

  dynamic "global_secondary_index" {
    for_each = each.value.indexes
    content {
      name            = global_secondary_index.value.name
      hash_key        = global_secondary_index.value.hash
      range_key       = global_secondary_index.value.range
      projection_type = "ALL"
    }
  }

  # Records with personal data carry `ttl` (epoch seconds) and go after it.
  dynamic "ttl" {
    for_each = each.value.ttl ? ["ttl"] : []
    content {
      attribute_name = ttl.value
      enabled        = true
    }
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.campaigns.arn
  }
}
