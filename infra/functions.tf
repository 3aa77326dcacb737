# Every Lambda function and what it may touch.
#
# Each function runs the `bootstrap` binary of one deployment package
# (steps/lambda, PACKAGES; built by infra/build.sh into
# target/lambda/<package>/bootstrap.zip), which links the adapters of only the
# ports it wires, and picks its handler from its name. `package` is the
# smallest package that wires every port the function's handlers declare
# (default `step` for a step, `api` for an API function). The seven API
# functions of seed section 2 and privacy-handler serve the routes; each journey step of
# campaigns_app::steps::all() is a function `campaigns-<step>`.
# tests/infra/consistency.py checks this list, the packages and the access
# below against the code in both directions.
#
# Access is least privilege per function, derived from what each one does
# (docs in infra/README.md, "Who may touch what"):
#   package  the deployment package (see above)
#   read     GetItem and Query on the table (strongly consistent reads of the
#            records it handles)
#   write    PutItem, UpdateItem, DeleteItem and ConditionCheckItem, the item
#            actions of the TransactWriteItems batches the records adapter sends
#   indexes  Query on these GSIs ("table/index")
#   start    StartExecution of these state machines
#   resume   SendTaskSuccess/Failure/Heartbeat (task tokens carry no ARN, so
#            IAM cannot narrow these to a state machine)
#   mail     SESv2 SendEmail from the project's identity
#   uploads  presigned PutObject and HeadObject on the score-report bucket
#   schedules  create/update/delete one-time schedules in the project's group
#   access_events  PutEvents on the access event bus (events.tf)
#   scan     Scan on the table: an operator's search of a person's records by
#            email, which no index serves (docs/decisions.md, "Privacy")
#   delete_uploads  DeleteObject on the score-report bucket (erasure)
# start or resume is granted exactly to the functions whose handlers declare
# the Workflows port, mail the Mail port, uploads Files, schedules Schedules,
# access_events Access. A function that changes access also writes
# access_events, the table its owed events wait in until published.

locals {
  # The tables every campaign record lives in.
  campaign_tables = ["teams", "scholarships", "discount_purchases", "personalized_plans", "mock_exams", "mock_registrations"]

  function_access_defaults = {
    read      = []
    write     = []
    indexes   = []
    start     = []
    resume    = false
    mail      = false
    uploads   = false
    schedules = false
    access_events = false
    scan          = []
    delete_uploads = false
  }

  api_functions = {
    # POST /teams/create, GET /teams/{teamId}, member checkouts.
    "team-creation-handler" = {
      write = ["teams", "payment_waits", "idempotency_keys", "journey_starts"]
      start = ["team-creation"]
    }
    # calculate (pure), apply, read, and the reviewer's decision, which
    # resumes the journey's await-review task.
    "scholarship-handler" = {
      package = "api-mail-workflows"
      write   = ["scholarships", "payment_waits", "idempotency_keys", "journey_starts"]
      start   = ["scholarship-application"]
      resume  = true
    }
    # Coupons (admin), validation, purchases with the coupon use reserved in
    # the purchase's transaction.
    "discount-purchase-handler" = {
      read  = ["coupons", "coupon_usage"]
      write = ["discount_purchases", "coupons", "coupon_usage", "payment_waits", "idempotency_keys", "journey_starts"]
      start = ["discount-purchase"]
    }
    # Assessment (pure), the presigned upload of the score report, plans.
    "personalized-plan-handler" = {
      write   = ["personalized_plans", "payment_waits", "idempotency_keys", "journey_starts"]
      start   = ["personalized-plan"]
      uploads = true
    }
    # Exams (admin, with their reminder and results schedules), listing
    # upcoming exams, registrations with a seat taken atomically, results and
    # statistics, and cancellation (runs unscheduled, paid seats refunded,
    # candidates emailed).
    "mock-exam-handler" = {
      read      = ["mock_statistics"]
      write     = ["mock_exams", "mock_registrations", "mock_statistics", "payment_waits", "idempotency_keys", "journey_starts"]
      indexes   = ["mock_exams/status-startsAt-index", "mock_exams/examDate-index", "mock_registrations/mockExamId-index"]
      start     = ["mock-exam-registration", "mock-exam-results"]
      schedules = true
      mail      = true
    }
    # A fresh checkout for any payable record (stores the session on it), the
    # state of a checkout after Stripe's redirect, the cancel link, which
    # expires the session and, where that ends a wait, resumes the journey,
    # and admins' refunds (sent to Stripe; its event changes the records).
    "checkout-session-handler" = {
      write  = concat(local.campaign_tables, ["payment_waits"])
      resume = true
    }
    # Stripe's events: each id once, the payment rendezvous (a PaymentIntent
    # that succeeded is checked against its session in Stripe), retry emails
    # on declines, refunds and disputes applied to records and access.
    "stripe-webhook-handler" = {
      write         = concat(local.campaign_tables, ["webhook_events", "payment_waits", "access_grants", "access_events"])
      indexes       = ["access_grants/paymentIntentId-index"]
      resume        = true
      mail          = true
      access_events = true
    }
    # Operators' privacy routes: a customer's records by email, the export
    # of everything held about an email, and its erasure (records deleted or
    # pseudonymized in every table, uploaded score reports deleted). It
    # declares KeptMail, not Mail: on one machine that is the outbox; SES
    # keeps no messages, so on AWS it needs no mail grant.
    "privacy-handler" = {
      write          = keys(local.tables)
      scan           = keys(local.tables)
      uploads        = true
      delete_uploads = true
    }
  }

  step_functions = {
    # Shared by every paid journey.
    "await-payment" = {
      package = "step-workflows"
      write   = ["payment_waits"]
      resume  = true
    }
    "reconcile-payment" = {
      package = "step-payments"
      read    = local.campaign_tables
      write   = ["payment_waits"]
    }
    "send-email" = {
      package = "step-mail"
      # payment_waits: a team reminder is skipped when the member's payment
      # is already waiting at the rendezvous.
      read = concat(local.campaign_tables, ["mock_statistics", "payment_waits"])
      mail = true
    }
    # Not a journey's step: the sweep the owed-journeys schedule runs
    # (schedules.tf), starting the journeys creators died before starting.
    "start-owed-journeys" = {
      package = "step-workflows"
      write   = ["journey_starts"]
      indexes = ["journey_starts/queue-dueAt-index"]
      # The journeys the create routes owe (campaigns_app::journey_starts).
      start = ["team-creation", "scholarship-application", "discount-purchase", "personalized-plan", "mock-exam-registration"]
    }
    # Not a journey's step either: the sweep the owed-access-events schedule
    # runs (schedules.tf), publishing the events handlers died before
    # publishing (campaigns_app::access).
    "publish-owed-access-events" = {
      package       = "step-access"
      write         = ["access_events"]
      indexes       = ["access_events/queue-dueAt-index"]
      access_events = true
    }
    # Not a journey's step: the daily sweep (schedules.tf) that removes a
    # scholarship's income, employment and refugee status 90 days after its
    # decision (campaigns_app::privacy).
    "redact-scholarships" = {
      write   = ["scholarships"]
      indexes = ["scholarships/status-index"]
    }

    # discount-purchase
    "confirm-purchase" = {
      package       = "step-access"
      write         = ["discount_purchases", "coupons", "coupon_usage", "access_grants", "access_events"]
      access_events = true
    }
    "release-purchase" = {
      write = ["discount_purchases", "coupons", "coupon_usage"]
    }

    # team-creation
    "team-share-timer" = {
      read = ["teams"]
    }
    "reopen-team-share" = {
      write = ["teams", "payment_waits"]
    }
    "authorize-team-share" = {
      write = ["teams", "payment_waits"]
    }
    "check-team-shares" = {
      read = ["teams"]
    }
    "capture-team-shares" = {
      package       = "step-payments"
      write         = ["teams", "access_grants", "access_events"]
      access_events = true
    }
    "release-team-shares" = {
      package = "step-payments"
      write   = ["teams"]
    }

    # scholarship-application
    "await-review" = {
      package = "step-workflows"
      write   = ["scholarships"]
      # An application decided before the wait began is resumed at once.
      resume = true
    }
    "close-review" = {
      write = ["scholarships"]
    }
    "approve-scholarship" = {
      write = ["scholarships"]
    }
    "confirm-scholarship" = {
      package       = "step-access"
      write         = ["scholarships", "access_grants", "access_events"]
      access_events = true
    }
    "expire-scholarship" = {
      write = ["scholarships"]
    }

    # personalized-plan
    "activate-plan" = {
      package       = "step-access"
      write         = ["personalized_plans", "access_grants", "access_events"]
      access_events = true
    }
    "close-plan" = {
      write = ["personalized_plans"]
    }

    # mock-exam-registration, mock-exam-reminders, mock-exam-results
    "confirm-mock-registration" = {
      # mock_exams: the premium price the payment is checked against.
      read  = ["mock_exams"]
      write = ["mock_registrations"]
    }
    "cancel-mock-registration" = {
      write = ["mock_registrations", "mock_exams"]
    }
    "list-mock-registrants" = {
      read    = ["mock_exams", "mock_registrations"]
      indexes = ["mock_registrations/mockExamId-index"]
    }
    "check-mock-results" = {
      read    = ["mock_exams", "mock_registrations"]
      indexes = ["mock_registrations/mockExamId-index"]
    }
    "publish-mock-results" = {
      # mock_exams: the run marks the exam completed.
      write   = ["mock_exams", "mock_registrations", "mock_statistics"]
      indexes = ["mock_registrations/mockExamId-index"]
    }
  }

  # Function name => its settings, access filled in with the defaults.
  functions = merge(
    {
      for name, access in local.api_functions : name => merge(local.function_access_defaults, { package = "api" }, access, {
        kind                                                                                            = "api"
        memory                                                                                          = var.api_function_memory_mb
        timeout                                                                                         = 29 # API Gateway gives up after 29 s
        placeholder                                                                                     = null
      })
    },
    {
      for step, access in local.step_functions : "campaigns-${step}" => merge(local.function_access_defaults, { package = "step" }, access, {
        kind                                                                                                            = "step"
        memory                                                                                                          = var.step_function_memory_mb
        timeout                                                                                                         = 60
        # `confirm-purchase` => `${ConfirmPurchaseFunctionArn}` in the definitions.
        placeholder = "${join("", [for word in split("-", step) : title(word)])}FunctionArn"
      })
    },
  )
}
