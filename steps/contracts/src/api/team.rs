//! `POST /teams/create`: a leader and 1–4 others split the team plan.

use campaigns_core::money::Cents;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{CheckoutSession, Email, PersonName};
use crate::Example;
use crate::records::{MemberStatus, TeamMember, TeamStatus};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateTeamRequest {
    pub leader_email: Email,
    pub leader_first_name: PersonName,
    pub leader_last_name: PersonName,
    #[schemars(length(min = 2, max = 60))]
    pub country: String,
    /// The others: with the leader, a team has 2–5 members.
    #[schemars(length(min = 1, max = 4))]
    pub members: Vec<NewTeamMember>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewTeamMember {
    pub name: PersonName,
    pub email: Email,
}

/// The leader pays now through `checkout`; the others are invited by email.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateTeamResponse {
    pub team_id: String,
    /// Needed to read the team (`X-Access-Token`); shown once.
    pub access_token: String,
    pub status: TeamStatus,
    pub total_amount: Cents,
    pub price_per_member: Cents,
    pub members: Vec<TeamMember>,
    pub payment_deadline: DateTime<Utc>,
    pub checkout: CheckoutSession,
}

impl Example for CreateTeamRequest {
    fn example() -> Self {
        CreateTeamRequest {
            leader_email: "leader@example.com".into(),
            leader_first_name: "John".into(),
            leader_last_name: "Doe".into(),
            country: "Australia".into(),
            members: vec![
                NewTeamMember {
                    name: "Jane Smith".into(),
                    email: "jane@example.com".into(),
                },
                NewTeamMember {
                    name: "Ravi Patel".into(),
                    email: "ravi@example.com".into(),
                },
            ],
        }
    }
}

impl Example for CreateTeamResponse {
    fn example() -> Self {
        let member = |id: &str, name: &str, email: &str, cents| TeamMember {
            amount_refunded: None,
            member_id: Some(id.into()),
            name: name.into(),
            email: email.into(),
            status: MemberStatus::Pending,
            share_amount: Cents(cents),
            stripe_checkout_session_id: None,
            checkout_attempt: 0,
            stripe_payment_intent_id: None,
            refunded_at: None,
        };
        let checkout = CheckoutSession::example();
        let mut members = vec![
            member(
                "mem_01JH3Z8Q4W6T2V9K5M7N1P3S",
                "John Doe",
                "leader@example.com",
                9_967,
            ),
            member(
                "mem_01JH3Z8Q4W6T2V9K5M7N1P3T",
                "Jane Smith",
                "jane@example.com",
                9_967,
            ),
            member(
                "mem_01JH3Z8Q4W6T2V9K5M7N1P3V",
                "Ravi Patel",
                "ravi@example.com",
                9_966,
            ),
        ];
        // The leader's session is opened with the team.
        members[0].stripe_checkout_session_id = Some(checkout.session_id.clone());
        CreateTeamResponse {
            team_id: "team_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
            access_token: "tok_9f8e7d6c5b4a39281706f5e4d3c2b1a0".into(),
            status: TeamStatus::PendingPayment,
            total_amount: Cents(29_900),
            price_per_member: Cents(9_967),
            members,
            payment_deadline: "2025-01-12T10:30:00Z".parse().expect("valid timestamp"),
            checkout,
        }
    }
}
