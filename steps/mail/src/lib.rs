//! Emails: the mail port, the templates, and the outbox adapter.
