//! The payments port and its Stripe adapter.
