//! A stateful simulator of the part of Stripe’s HTTP API the product uses.
