//! The adapters against moto's server: real SDK calls over HTTP to an
//! emulator of DynamoDB, S3, SESv2, EventBridge Scheduler, Step Functions and
//! EventBridge (with SQS, to read back what a rule delivers).
//! One binary, so the SDK is linked once.

mod access_events;
mod after_payment;
mod common;
mod files;
mod journeys;
mod mail;
mod owed_journeys;
mod privacy;
mod records;
mod schedules;
mod workflows;
