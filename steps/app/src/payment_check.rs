//! Whether a payment is the one asked for. A payment settles a record only
//! if its session is the one the record opened, its amount is the record's
//! price in cents and its currency is AUD; the settling steps compare what
//! Stripe reported with the record before they grant anything.
//!
//! A payment that is not the one asked for grants nothing: the record is
//! marked `payment_review` and left holding what it holds (a coupon use, a
//! seat, the other shares' authorizations) until ops refund or accept it,
//! and an error is logged with `alarm = "payment_mismatch"`, which a log
//! metric filter counts (`infra/alarms.tf`).

use campaigns_contracts::records::PaymentOutcome;
use campaigns_core::money::Cents;
use campaigns_payments::CURRENCY;

use crate::checkout::Payable;
use crate::context::App;
use crate::metrics::{self, Fact};
use crate::payment_wait::Payee;

/// The value of the `alarm` field of every error logged about a payment
/// that is not the one asked for; the alarm's metric filter matches it.
pub const ALARM: &str = "payment_mismatch";

/// How a payment differs from the one asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Mismatch {
    /// No payment came, yet the record costs something.
    #[error("nothing was paid but {} cents are asked", asked.0)]
    NotPaid { asked: Cents },
    /// Paid through a session the record did not open (or no longer pays
    /// with).
    #[error("session {paid} is not the session the record opened ({})", opened.as_deref().unwrap_or("none"))]
    Session {
        opened: Option<String>,
        paid: String,
    },
    #[error("paid in {}, not in AUD", paid.as_deref().unwrap_or("no stated currency"))]
    Currency { paid: Option<String> },
    #[error("{} paid, {} cents asked", paid.map_or_else(|| "no amount".to_owned(), |paid| format!("{} cents", paid.0)), asked.0)]
    Amount { asked: Cents, paid: Option<Cents> },
    /// The payee's payment was already settled by another session: this
    /// one is a second payment.
    #[error("session {paid} paid again what session {settled} had paid")]
    PaidTwice { settled: String, paid: String },
}

/// Compares what Stripe reported with what the record asks. No payment at
/// all is the payment asked for only when nothing is asked (a coupon that
/// takes the price to zero).
pub fn compare(asked: &Payable, payment: Option<&PaymentOutcome>) -> Result<(), Mismatch> {
    let Some(payment) = payment else {
        return if asked.amount == Cents(0) {
            Ok(())
        } else {
            Err(Mismatch::NotPaid {
                asked: asked.amount,
            })
        };
    };
    if asked.current_session.as_deref() != Some(payment.checkout_session_id.as_str()) {
        return Err(Mismatch::Session {
            opened: asked.current_session.clone(),
            paid: payment.checkout_session_id.clone(),
        });
    }
    if !payment
        .currency
        .as_deref()
        .is_some_and(|currency| currency.eq_ignore_ascii_case(CURRENCY))
    {
        return Err(Mismatch::Currency {
            paid: payment.currency.clone(),
        });
    }
    if payment.amount != Some(asked.amount) {
        return Err(Mismatch::Amount {
            asked: asked.amount,
            paid: payment.amount,
        });
    }
    Ok(())
}

/// Logs the error the alarm counts, naming the payee and the payment, and
/// counts the payment held for review on the dashboard. Like the log line,
/// the count is at-least-once: a settling step run twice reports twice.
pub fn report(app: &App, payee: &Payee, mismatch: &Mismatch, payment: Option<&PaymentOutcome>) {
    metrics::emit(app, &Fact::PaymentHeldForReview(payee));
    tracing::error!(
        alarm = ALARM,
        campaign = %payee.campaign,
        record_id = payee.record_id,
        member_id = payee.member_id.as_deref(),
        checkout_session_id = payment.map(|payment| payment.checkout_session_id.as_str()),
        payment_intent_id = payment.and_then(|payment| payment.payment_intent_id.as_deref()),
        amount_cents = payment.and_then(|payment| payment.amount).map(|amount| amount.0),
        currency = payment.and_then(|payment| payment.currency.as_deref()),
        event_id = payment.map(|payment| payment.event_id.as_str()),
        reason = %mismatch,
        "a payment is not the one asked for: nothing is granted; refund or accept it"
    );
}

#[cfg(test)]
mod tests {
    use campaigns_contracts::records::PaymentResult;
    use campaigns_core::campaign::CampaignId;
    use campaigns_core::catalog::ProductId;
    use campaigns_payments::CaptureMode;

    use super::*;

    fn asking(amount: i64, session: Option<&str>) -> Payable {
        Payable {
            payee: Payee {
                campaign: CampaignId::DiscountPurchase,
                record_id: "pur_1".into(),
                member_id: None,
            },
            product: ProductId::Full6Months,
            amount: Cents(amount),
            email: "buyer@example.com".into(),
            capture: CaptureMode::Automatic,
            current_session: session.map(str::to_owned),
            attempt: 0,
        }
    }

    fn paid(session: &str, amount: Option<i64>, currency: Option<&str>) -> PaymentOutcome {
        PaymentOutcome {
            result: PaymentResult::Succeeded,
            payment_intent_id: Some("pi_1".into()),
            amount: amount.map(Cents),
            currency: currency.map(str::to_owned),
            checkout_session_id: session.into(),
            event_id: "evt_1".into(),
        }
    }

    #[test]
    fn the_payment_asked_for_passes() {
        let asked = asking(29_900, Some("cs_1"));
        assert_eq!(
            compare(&asked, Some(&paid("cs_1", Some(29_900), Some("aud")))),
            Ok(())
        );
        assert_eq!(
            compare(&asked, Some(&paid("cs_1", Some(29_900), Some("AUD")))),
            Ok(()),
            "currency codes compare without case"
        );
    }

    #[test]
    fn another_session_amount_or_currency_is_a_mismatch() {
        let asked = asking(29_900, Some("cs_1"));
        assert!(matches!(
            compare(&asked, Some(&paid("cs_2", Some(29_900), Some("aud")))),
            Err(Mismatch::Session { .. })
        ));
        assert_eq!(
            compare(&asked, Some(&paid("cs_1", Some(50), Some("aud")))),
            Err(Mismatch::Amount {
                asked: Cents(29_900),
                paid: Some(Cents(50))
            })
        );
        assert_eq!(
            compare(&asked, Some(&paid("cs_1", None, Some("aud")))),
            Err(Mismatch::Amount {
                asked: Cents(29_900),
                paid: None
            })
        );
        assert!(matches!(
            compare(&asked, Some(&paid("cs_1", Some(29_900), Some("usd")))),
            Err(Mismatch::Currency { .. })
        ));
        assert!(matches!(
            compare(&asked, Some(&paid("cs_1", Some(29_900), None))),
            Err(Mismatch::Currency { paid: None })
        ));
        assert!(
            matches!(
                compare(
                    &asking(29_900, None),
                    Some(&paid("cs_1", Some(29_900), Some("aud")))
                ),
                Err(Mismatch::Session { opened: None, .. })
            ),
            "a record that opened no session was paid by none"
        );
    }

    #[test]
    fn no_payment_passes_only_when_nothing_is_asked() {
        assert_eq!(compare(&asking(0, None), None), Ok(()));
        assert_eq!(
            compare(&asking(29_900, Some("cs_1")), None),
            Err(Mismatch::NotPaid {
                asked: Cents(29_900)
            })
        );
    }
}
