//! Idempotency keys derived from our record ids: a retried step sends the same key, so
//! Stripe returns the first result instead of acting twice.

use crate::port::{CheckoutRequest, RefundRequest};

/// Prefix that keeps our keys apart from any other client of the same Stripe account.
const PREFIX: &str = "campaigns";

/// The key for creating the `attempt`-th session of a record (and member).
pub fn create_checkout(request: &CheckoutRequest) -> String {
    let member = request.member_id.as_deref().unwrap_or("-");
    format!(
        "{PREFIX}/checkout/{}/{}/{member}/{}",
        request.campaign_id, request.record_id, request.attempt
    )
}

/// The key for expiring a session.
pub fn expire_checkout(session_id: &str) -> String {
    format!("{PREFIX}/expire/{session_id}")
}

/// The key for capturing a record's PaymentIntent.
pub fn capture(record_id: &str, payment_intent_id: &str) -> String {
    format!("{PREFIX}/capture/{record_id}/{payment_intent_id}")
}

/// The key for canceling a record's PaymentIntent.
pub fn cancel(record_id: &str, payment_intent_id: &str) -> String {
    format!("{PREFIX}/cancel/{record_id}/{payment_intent_id}")
}

/// The key for one refund of a record's PaymentIntent: the request's own
/// key, so two refunds of the same amount are two refunds and one sent twice
/// is one.
pub fn refund(request: &RefundRequest) -> String {
    format!(
        "{PREFIX}/refund/{}/{}/{}",
        request.record_id, request.payment_intent_id, request.key
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::port::CaptureMode;

    fn checkout(member: Option<&str>, attempt: u32) -> CheckoutRequest {
        CheckoutRequest {
            campaign_id: "team-creation".into(),
            record_id: "team_1".into(),
            member_id: member.map(Into::into),
            attempt,
            product: campaigns_core::catalog::ProductId::TeamFull6Months,
            price: crate::port::CheckoutPrice::Computed,
            amount_cents: 9967,
            customer_email: "a@example.com".into(),
            expires_at: 0,
            capture: CaptureMode::Manual,
            cancel_url: "https://api.example.com/v1/checkout/cancel".into(),
        }
    }

    #[test]
    fn same_record_and_attempt_give_the_same_key() {
        assert_eq!(
            create_checkout(&checkout(Some("m1"), 0)),
            create_checkout(&checkout(Some("m1"), 0))
        );
        assert_eq!(
            create_checkout(&checkout(Some("m1"), 0)),
            "campaigns/checkout/team-creation/team_1/m1/0"
        );
    }

    #[test]
    fn another_member_or_attempt_gives_another_key() {
        let first = create_checkout(&checkout(Some("m1"), 0));
        assert_ne!(first, create_checkout(&checkout(Some("m2"), 0)));
        assert_ne!(first, create_checkout(&checkout(Some("m1"), 1)));
        assert_ne!(create_checkout(&checkout(None, 0)), first);
    }

    #[test]
    fn refund_keys_name_the_request() {
        let first = RefundRequest {
            record_id: "p1".into(),
            payment_intent_id: "pi_1".into(),
            amount_cents: Some(500),
            key: "k1".into(),
            reason: crate::RefundReason::RequestedByCustomer,
            note: None,
        };
        let second = RefundRequest {
            key: "k2".into(),
            ..first.clone()
        };
        assert_eq!(refund(&first), "campaigns/refund/p1/pi_1/k1");
        assert_ne!(refund(&first), refund(&second));
        assert_ne!(capture("p1", "pi_1"), cancel("p1", "pi_1"));
    }
}
