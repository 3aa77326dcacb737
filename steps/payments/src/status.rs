//! Provider status values, read tolerantly: a value Stripe adds later becomes `Other`
//! instead of an error, because Stripe extends these enums over time.

/// Declares a string-valued status enum with an `Other` catch-all, its string form, and
/// serde support through that string form.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
        #[serde(from = "String", into = "String")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this version does not know.
            Other(String),
        }

        impl $name {
            /// The provider's spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)+
                    Self::Other(other) => other,
                }
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $($text => Self::$variant,)+
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self::from(value.as_str())
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.as_str().to_owned()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use string_enum;

string_enum! {
    /// A Checkout Session's lifecycle.
    SessionStatus {
        /// Waiting for the payer.
        Open = "open",
        /// The payer finished checkout (payment may still be pending: see the payment status).
        Complete = "complete",
        /// Ended without payment.
        Expired = "expired",
    }
}

string_enum! {
    /// A Checkout Session's payment outcome.
    SessionPaymentStatus {
        /// Paid, or with manual capture authorized.
        Paid = "paid",
        /// Not paid yet: still open, or a delayed method is processing.
        Unpaid = "unpaid",
        /// Nothing to pay.
        NoPaymentRequired = "no_payment_required",
    }
}

string_enum! {
    /// A PaymentIntent's lifecycle.
    PaymentIntentStatus {
        /// Waiting for a payment method (also after a decline).
        RequiresPaymentMethod = "requires_payment_method",
        /// Waiting for confirmation.
        RequiresConfirmation = "requires_confirmation",
        /// Waiting for the payer (e.g. 3-D Secure).
        RequiresAction = "requires_action",
        /// A delayed method is in flight.
        Processing = "processing",
        /// Authorized; capture or cancel it.
        RequiresCapture = "requires_capture",
        /// Canceled; nothing is charged.
        Canceled = "canceled",
        /// Captured.
        Succeeded = "succeeded",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_values_round_trip() {
        assert_eq!(
            PaymentIntentStatus::from("requires_capture"),
            PaymentIntentStatus::RequiresCapture
        );
        let future = SessionStatus::from("paused");
        assert_eq!(future, SessionStatus::Other("paused".into()));
        assert_eq!(future.as_str(), "paused");
        let parsed: SessionPaymentStatus = serde_json::from_str("\"paid\"").unwrap();
        assert_eq!(parsed, SessionPaymentStatus::Paid);
        assert_eq!(
            serde_json::to_string(&SessionPaymentStatus::Unpaid).unwrap(),
            "\"unpaid\""
        );
    }
}
