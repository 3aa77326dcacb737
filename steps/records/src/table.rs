//! The tables: the seed's nine (§1) and the six the journeys add.
//!
//! One definition per table — default name, the environment variable that
//! overrides it, key, indexes, TTL — read by both adapters and by the check
//! that `infra/` declares the same.

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    Teams,
    Scholarships,
    Coupons,
    CouponUsage,
    DiscountPurchases,
    PersonalizedPlans,
    MockExams,
    MockRegistrations,
    MockStatistics,
    /// Each Stripe event id once: duplicates are acknowledged and ignored.
    WebhookEvents,
    /// The rendezvous of a journey's payment wait and Stripe's webhook.
    PaymentWaits,
    /// Paid access per (email, product, period), cut short by refunds.
    AccessGrants,
    /// The first response of each create request, replayed on a retry.
    IdempotencyKeys,
    /// Journeys owed by records whose creator may have died before starting
    /// them; the sweep starts them.
    JourneyStarts,
    /// Access events owed to the main platform, written with the grant's
    /// change; the sweep publishes those a dead handler left.
    AccessEvents,
}

/// A global secondary index: queried by `hash`, ordered by `range`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexDef {
    pub name: &'static str,
    pub hash: &'static str,
    pub range: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDef {
    pub table: Table,
    pub default_name: &'static str,
    pub env_var: &'static str,
    /// The partition key attribute (a string).
    pub key: &'static str,
    pub indexes: &'static [IndexDef],
    /// Whether items carry a [`TTL`] after which they read as absent (and
    /// DynamoDB deletes them, some time later).
    pub ttl: bool,
}

/// The attribute that holds an item's expiry, in epoch seconds: the TTL
/// attribute of every table that has one.
pub const TTL: &str = "ttl";

const fn index(name: &'static str, hash: &'static str, range: Option<&'static str>) -> IndexDef {
    IndexDef { name, hash, range }
}

impl Table {
    pub const ALL: [Table; 15] = [
        Table::Teams,
        Table::Scholarships,
        Table::Coupons,
        Table::CouponUsage,
        Table::DiscountPurchases,
        Table::PersonalizedPlans,
        Table::MockExams,
        Table::MockRegistrations,
        Table::MockStatistics,
        Table::WebhookEvents,
        Table::PaymentWaits,
        Table::AccessGrants,
        Table::IdempotencyKeys,
        Table::JourneyStarts,
        Table::AccessEvents,
    ];

    pub const fn def(self) -> &'static TableDef {
        use Table::*;
        const fn def(
            table: Table,
            default_name: &'static str,
            env_var: &'static str,
            key: &'static str,
            indexes: &'static [IndexDef],
            ttl: bool,
        ) -> TableDef {
            TableDef {
                table,
                default_name,
                env_var,
                key,
                indexes,
                ttl,
            }
        }
        const TEAMS: TableDef = def(
            Teams,
            "prodenthub-teams",
            "DYNAMODB_TEAMS_TABLE",
            "teamId",
            &[
                index("leaderEmail-index", "leaderEmail", None),
                index("status-createdAt-index", "status", Some("createdAt")),
            ],
            true,
        );
        const SCHOLARSHIPS: TableDef = def(
            Scholarships,
            "prodenthub-scholarships",
            "DYNAMODB_SCHOLARSHIPS_TABLE",
            "scholarshipId",
            &[
                index("email-index", "email", None),
                index("status-index", "status", None),
            ],
            true,
        );
        const COUPONS: TableDef = def(
            Coupons,
            "prodenthub-coupons",
            "DYNAMODB_COUPONS_TABLE",
            "couponCode",
            &[index("status-index", "status", None)],
            false,
        );
        const COUPON_USAGE: TableDef = def(
            CouponUsage,
            "prodenthub-coupon-usage",
            "DYNAMODB_COUPON_USAGE_TABLE",
            "usageId",
            &[index("couponCode-email-index", "couponCode", Some("email"))],
            true,
        );
        const PURCHASES: TableDef = def(
            DiscountPurchases,
            "prodenthub-discount-purchases",
            "DYNAMODB_DISCOUNT_PURCHASES_TABLE",
            "purchaseId",
            &[index("email-index", "email", None)],
            true,
        );
        const PLANS: TableDef = def(
            PersonalizedPlans,
            "prodenthub-personalized-plans",
            "DYNAMODB_PERSONALIZED_PLANS_TABLE",
            "planId",
            &[
                index("email-index", "email", None),
                index("selectedCluster-index", "selectedCluster", None),
            ],
            true,
        );
        const EXAMS: TableDef = def(
            MockExams,
            "prodenthub-mock-exams",
            "DYNAMODB_MOCK_EXAMS_TABLE",
            "mockExamId",
            &[
                index("examDate-index", "examDate", None),
                index("status-startsAt-index", "status", Some("startsAt")),
            ],
            false,
        );
        const REGISTRATIONS: TableDef = def(
            MockRegistrations,
            "prodenthub-mock-registrations",
            "DYNAMODB_MOCK_REGISTRATIONS_TABLE",
            "registrationId",
            &[
                index("mockExamId-index", "mockExamId", None),
                index("email-index", "email", None),
            ],
            true,
        );
        const STATISTICS: TableDef = def(
            MockStatistics,
            "prodenthub-mock-statistics",
            "DYNAMODB_MOCK_STATISTICS_TABLE",
            "mockExamId",
            &[],
            false,
        );
        const WEBHOOK_EVENTS: TableDef = def(
            WebhookEvents,
            "prodenthub-webhook-events",
            "DYNAMODB_WEBHOOK_EVENTS_TABLE",
            "eventId",
            &[],
            true,
        );
        const PAYMENT_WAITS: TableDef = def(
            PaymentWaits,
            "prodenthub-payment-waits",
            "DYNAMODB_PAYMENT_WAITS_TABLE",
            "waitId",
            &[],
            true,
        );
        const ACCESS_GRANTS: TableDef = def(
            AccessGrants,
            "prodenthub-access-grants",
            "DYNAMODB_ACCESS_GRANTS_TABLE",
            "grantId",
            &[
                index("email-index", "email", None),
                index("paymentIntentId-index", "paymentIntentId", None),
            ],
            false,
        );
        const IDEMPOTENCY_KEYS: TableDef = def(
            IdempotencyKeys,
            "prodenthub-idempotency-keys",
            "DYNAMODB_IDEMPOTENCY_KEYS_TABLE",
            "idempotencyKey",
            &[],
            true,
        );
        const JOURNEY_STARTS: TableDef = def(
            JourneyStarts,
            "prodenthub-journey-starts",
            "DYNAMODB_JOURNEY_STARTS_TABLE",
            "executionName",
            &[index("queue-dueAt-index", "queue", Some("dueAt"))],
            false,
        );
        const ACCESS_EVENTS: TableDef = def(
            AccessEvents,
            "prodenthub-access-events",
            "DYNAMODB_ACCESS_EVENTS_TABLE",
            "eventId",
            &[index("queue-dueAt-index", "queue", Some("dueAt"))],
            false,
        );
        match self {
            Teams => &TEAMS,
            Scholarships => &SCHOLARSHIPS,
            Coupons => &COUPONS,
            CouponUsage => &COUPON_USAGE,
            DiscountPurchases => &PURCHASES,
            PersonalizedPlans => &PLANS,
            MockExams => &EXAMS,
            MockRegistrations => &REGISTRATIONS,
            MockStatistics => &STATISTICS,
            WebhookEvents => &WEBHOOK_EVENTS,
            PaymentWaits => &PAYMENT_WAITS,
            AccessGrants => &ACCESS_GRANTS,
            IdempotencyKeys => &IDEMPOTENCY_KEYS,
            JourneyStarts => &JOURNEY_STARTS,
            AccessEvents => &ACCESS_EVENTS,
        }
    }

    /// The index of this table with that name.
    pub fn index(self, name: &str) -> Option<&'static IndexDef> {
        self.def().indexes.iter().find(|index| index.name == name)
    }

    /// Whether `body`, an item of this table, has expired at `now` (epoch
    /// seconds): the table has a TTL and the item's [`TTL`] is before `now`.
    /// An item without a numeric `ttl` never expires, as on DynamoDB.
    pub fn expired(self, body: &Value, now: i64) -> bool {
        self.def().ttl
            && body
                .get(TTL)
                .and_then(Value::as_f64)
                .is_some_and(|ttl| ttl < now as f64)
    }

    /// The record's key, read from its body.
    pub fn key_of(self, body: &Value) -> Option<&str> {
        body.get(self.def().key)?.as_str()
    }
}
