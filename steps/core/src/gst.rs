//! GST: what a GST-inclusive price includes, the seller's ABN, and the
//! numbers of our tax invoices.
//!
//! ProDentHub sells to Australian consumers at GST-inclusive prices (Stripe
//! `tax_behavior: inclusive`), so the GST in an amount is worked out of it
//! rather than added to it: 10 % GST on the price before tax is 1/11 of the
//! price after it.

use std::fmt;

use thiserror::Error;

use crate::money::Cents;

/// The GST included in a GST-inclusive `amount`: 1/11 of it, rounded to the
/// nearest cent, half up (the ATO's rule for GST on an invoice). An exact
/// half cent cannot occur, since `amount / 11` is never a whole cent plus
/// one half; so the rule is also plain rounding to the nearest cent.
/// `$299.00 → $27.18`.
pub fn gst_included(amount: Cents) -> Cents {
    // floor(amount / 11 + 1/2) = floor((2 amount + 11) / 22), in i128 so
    // that no amount overflows.
    let cents = (i128::from(amount.0) * 2 + 11).div_euclid(22);
    Cents(i64::try_from(cents).expect("a twenty-second of an i64 fits in an i64"))
}

/// The GST a refund takes back from a payment of `paid` of which
/// `refunded_before` had already been refunded: the GST in what remained
/// paid before this refund less the GST in what remains after it (the
/// "difference between the GST before and after the adjustment" that an
/// adjustment note shows). Worked out this way, the refunds of a payment give
/// back exactly the GST its tax invoice showed, never a cent more or less;
/// each refund's share is within a cent of [`gst_included`] of its amount.
pub fn gst_refunded(paid: Cents, refunded_before: Cents, refunded_now: Cents) -> Cents {
    let remaining_before = paid - refunded_before;
    gst_included(remaining_before) - gst_included(remaining_before - refunded_now)
}

/// The number of the tax invoice for what `paid_for_id` names: a record's id,
/// or a team member's id for that member's share. `PDH-` and the id in upper
/// case with `-` for `_`: `pur_01JH…` gives `PDH-PUR-01JH…`.
///
/// Derived rather than counted, so it needs no counter and no write: the
/// same record gives the same number after a crash, a restart or a retried
/// step, and two records never share one, because ids are unique (a kind's
/// prefix, then 128 random or keyed-hash bits in Crockford base32, whose
/// letters are already upper case). A member id is as unique as a record id
/// and belongs to one team, so each member's share has its own invoice.
pub fn invoice_number(paid_for_id: &str) -> String {
    format!("PDH-{}", paid_for_id.to_ascii_uppercase().replace('_', "-"))
}

/// An Australian Business Number: eleven digits whose weighted sum (the
/// first digit less one, weights 10, 1, 3, 5, …, 19) is a multiple of 89.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Abn([u8; 11]);

/// Why a string is not an ABN.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AbnError {
    #[error("an ABN is 11 digits (spaces allowed between them), got {0:?}")]
    Format(String),
    #[error("{0:?} fails the ABN check digits: it is not an ABN")]
    CheckDigits(String),
}

impl Abn {
    const WEIGHTS: [u32; 11] = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19];

    /// Parses an ABN as people write it: `51 824 753 556` or `51824753556`.
    pub fn parse(text: &str) -> Result<Abn, AbnError> {
        let digits: Vec<u8> = text
            .chars()
            .filter(|c| *c != ' ')
            .map(|c| c.to_digit(10).map(|d| d as u8))
            .collect::<Option<_>>()
            .ok_or_else(|| AbnError::Format(text.into()))?;
        let digits: [u8; 11] = digits
            .try_into()
            .map_err(|_| AbnError::Format(text.into()))?;
        // The check digits are 10–99, so an ABN never starts with 0; taking
        // one from the first digit takes its weight from the sum.
        let weighted: u32 = digits
            .iter()
            .zip(Self::WEIGHTS)
            .map(|(digit, weight)| weight * u32::from(*digit))
            .sum();
        if digits[0] == 0 || !(weighted - Self::WEIGHTS[0]).is_multiple_of(89) {
            return Err(AbnError::CheckDigits(text.into()));
        }
        Ok(Abn(digits))
    }
}

/// As the ABR shows it: `51 824 753 556`.
impl fmt::Display for Abn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, digit) in self.0.iter().enumerate() {
            if matches!(index, 2 | 5 | 8) {
                f.write_str(" ")?;
            }
            write!(f, "{digit}")?;
        }
        Ok(())
    }
}
