//! The adapters against moto's server: real SDK calls over HTTP to an
//! emulator of DynamoDB, S3, SESv2, EventBridge Scheduler and Step Functions.
//! One binary, so the SDK is linked once.

mod after_payment;
mod common;
mod files;
mod journeys;
mod mail;
mod owed_journeys;
mod records;
mod schedules;
mod workflows;
