//! Which ports a handler uses, and the stand-in for a port it was built without.
//!
//! Every step and every API function declares the ports it calls beyond the
//! records. On AWS each function's binary links only the adapters of its
//! ports, which keeps its package small (`docs/lambda.md`); everywhere else
//! handlers run on [`App::wired_for`], so a handler that calls a port it did
//! not declare fails in every test that reaches the call.

use std::sync::Arc;

use async_trait::async_trait;
use campaigns_contracts::events::AccessEvent;
use campaigns_mail::{
    KeptEmail, KeptMail, MailError, MailFuture, Mailer, OutgoingEmail, SentEmail,
};
use campaigns_payments::{
    CheckoutRequest, CheckoutSession, ErrorDetail, PaymentIntent, Payments, PaymentsError,
    PaymentsFuture, Refund, RefundRequest,
};
use campaigns_ports::access::{AccessEvents, AccessEventsError};
use campaigns_ports::files::{FileStore, FilesError, PresignedUpload, UploadRequest};
use campaigns_ports::schedules::{Schedule, ScheduleError, Scheduler};
use campaigns_ports::workflows::{WorkflowError, Workflows};
use serde_json::Value;

use crate::context::App;

/// A port beyond the records, which every handler has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Port {
    Payments,
    Mail,
    /// The emails kept after sending (export and erasure); see
    /// [`campaigns_mail::KeptMail`].
    KeptMail,
    Files,
    Schedules,
    Workflows,
    Access,
}

impl App {
    /// This application with only `ports` wired; any other port answers
    /// every call with an error naming the undeclared port.
    pub fn wired_for(&self, ports: &[Port]) -> App {
        let mut app = self.clone();
        let unwired = |port: Port| Arc::new(Unwired(port));
        if !ports.contains(&Port::Payments) {
            app.payments = unwired(Port::Payments);
        }
        if !ports.contains(&Port::Mail) {
            app.mail = unwired(Port::Mail);
        }
        if !ports.contains(&Port::KeptMail) {
            app.kept_mail = unwired(Port::KeptMail);
        }
        if !ports.contains(&Port::Files) {
            app.files = unwired(Port::Files);
        }
        if !ports.contains(&Port::Schedules) {
            app.scheduler = unwired(Port::Schedules);
        }
        if !ports.contains(&Port::Workflows) {
            app.workflows = unwired(Port::Workflows);
        }
        if !ports.contains(&Port::Access) {
            app.access_events = unwired(Port::Access);
        }
        app
    }
}

/// The adapter of a port a function was built without. Its errors are the
/// port's `Unavailable` kind so they travel the usual paths, with a cause
/// that names the defect; reaching one means a handler's declared ports are
/// wrong.
#[derive(Debug, Clone, Copy)]
pub struct Unwired(pub Port);

impl Unwired {
    fn cause(&self) -> String {
        let cause = format!(
            "the {:?} port is not wired into this function: its handler does not declare it",
            self.0
        );
        tracing::error!(port = ?self.0, "{cause}");
        cause
    }

    fn payments<'a, T: Send + 'a>(&self) -> PaymentsFuture<'a, T> {
        let detail = ErrorDetail {
            message: self.cause(),
            ..ErrorDetail::default()
        };
        Box::pin(std::future::ready(Err(PaymentsError::Unavailable(detail))))
    }
}

impl Payments for Unwired {
    fn create_checkout<'a>(
        &'a self,
        _: &'a CheckoutRequest,
    ) -> PaymentsFuture<'a, CheckoutSession> {
        self.payments()
    }
    fn retrieve_checkout<'a>(&'a self, _: &'a str) -> PaymentsFuture<'a, CheckoutSession> {
        self.payments()
    }
    fn expire_checkout<'a>(&'a self, _: &'a str) -> PaymentsFuture<'a, CheckoutSession> {
        self.payments()
    }
    fn capture<'a>(&'a self, _: &'a str, _: &'a str) -> PaymentsFuture<'a, PaymentIntent> {
        self.payments()
    }
    fn cancel<'a>(&'a self, _: &'a str, _: &'a str) -> PaymentsFuture<'a, PaymentIntent> {
        self.payments()
    }
    fn refund<'a>(&'a self, _: &'a RefundRequest) -> PaymentsFuture<'a, Refund> {
        self.payments()
    }
}

impl Mailer for Unwired {
    fn send<'a>(&'a self, _: &'a OutgoingEmail) -> MailFuture<'a, SentEmail> {
        Box::pin(std::future::ready(Err(MailError::Unavailable(
            self.cause(),
        ))))
    }
}

impl KeptMail for Unwired {
    fn kept(&self) -> MailFuture<'_, Vec<KeptEmail>> {
        Box::pin(std::future::ready(Err(MailError::Unavailable(
            self.cause(),
        ))))
    }
    fn forget<'a>(&'a self, _: &'a str) -> MailFuture<'a, ()> {
        Box::pin(std::future::ready(Err(MailError::Unavailable(
            self.cause(),
        ))))
    }
}

#[async_trait]
impl FileStore for Unwired {
    async fn presign_upload(&self, _: &UploadRequest) -> Result<PresignedUpload, FilesError> {
        Err(FilesError::Unavailable(self.cause()))
    }
    async fn exists(&self, _: &str) -> Result<bool, FilesError> {
        Err(FilesError::Unavailable(self.cause()))
    }
    async fn delete(&self, _: &str) -> Result<(), FilesError> {
        Err(FilesError::Unavailable(self.cause()))
    }
}

#[async_trait]
impl Scheduler for Unwired {
    async fn upsert(&self, _: &Schedule) -> Result<(), ScheduleError> {
        Err(ScheduleError::Unavailable(self.cause()))
    }
    async fn delete(&self, _: &str) -> Result<(), ScheduleError> {
        Err(ScheduleError::Unavailable(self.cause()))
    }
}

#[async_trait]
impl Workflows for Unwired {
    async fn start(&self, _: &str, _: &str, _: &Value) -> Result<String, WorkflowError> {
        Err(WorkflowError::Unavailable(self.cause()))
    }
    async fn send_task_success(&self, _: &str, _: &Value) -> Result<(), WorkflowError> {
        Err(WorkflowError::Unavailable(self.cause()))
    }
    async fn send_task_failure(&self, _: &str, _: &str, _: &str) -> Result<(), WorkflowError> {
        Err(WorkflowError::Unavailable(self.cause()))
    }
    async fn send_task_heartbeat(&self, _: &str) -> Result<(), WorkflowError> {
        Err(WorkflowError::Unavailable(self.cause()))
    }
}

#[async_trait]
impl AccessEvents for Unwired {
    async fn publish(&self, _: &AccessEvent) -> Result<(), AccessEventsError> {
        Err(AccessEventsError::Unavailable(self.cause()))
    }
}
