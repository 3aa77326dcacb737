//! The templates and the engine that renders them.
//!
//! Each email is a pair of templates, `<name>.html` and `<name>.txt`,
//! embedded in the binary so a Lambda needs no files. HTML output is
//! auto-escaped (names come from users); undefined variables are errors, so
//! a context that lacks a field fails in the tests instead of sending a
//! blank.

use std::fmt;
use std::sync::OnceLock;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

use crate::{MailError, Seller};

/// A context that renders into one email: its recipient, its subject and
/// the fields its two templates read.
pub trait EmailTemplate: Serialize {
    const NAME: TemplateName;
    fn to(&self) -> &str;
    fn subject(&self) -> String;
}

/// Declares the templates once: the enum, their names and their sources.
macro_rules! templates {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)*) => {
        /// Which template an email was rendered from; also the file stem of
        /// its `.html` and `.txt` sources and of its preview.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum TemplateName {
            $($(#[$doc])* $variant,)*
        }

        impl TemplateName {
            pub const ALL: &[TemplateName] = &[$(TemplateName::$variant,)*];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $(TemplateName::$variant => $name,)*
                }
            }
        }

        /// File name and source of every template, layouts included.
        const SOURCES: &[(&str, &str)] = &[
            ("layout.html", include_str!("../templates/layout.html")),
            ("layout.txt", include_str!("../templates/layout.txt")),
            ("macros.html", include_str!("../templates/macros.html")),
            ("macros.txt", include_str!("../templates/macros.txt")),
            $(
                (concat!($name, ".html"), include_str!(concat!("../templates/", $name, ".html"))),
                (concat!($name, ".txt"), include_str!(concat!("../templates/", $name, ".txt"))),
            )*
        ];
    };
}

templates! {
    /// Seed §8.1, to the leader: the team, the shares, the deadline.
    TeamCreated => "team_created",
    /// Seed §8.2, to each other member: their share and a payment link.
    TeamInvitation => "team_invitation",
    /// To every member once all shares are captured: access until when.
    TeamActivated => "team_activated",
    /// Before the deadline, to members who have not authorized their share.
    TeamPaymentReminder => "team_payment_reminder",
    /// At the deadline: authorizations released, nothing charged.
    TeamExpired => "team_expired",
    /// Seed §8.3: the application and its calculation.
    ScholarshipReceived => "scholarship_received",
    /// Seed §8.4: the price after the scholarship and a payment link.
    ScholarshipApproved => "scholarship_approved",
    /// A reviewer declined, or no decision came in time.
    ScholarshipDeclined => "scholarship_declined",
    /// Seed §8.5: the receipt, with the coupon's discount.
    PurchaseConfirmation => "purchase_confirmation",
    /// Seed §8.6: the plan and its week-by-week roadmap.
    PlanActivated => "plan_activated",
    /// Seed §8.7: the exam's details and the access link.
    MockExamRegistration => "mock_exam_registration",
    /// Seed §8.8: 24 hours before the exam.
    MockExamReminder => "mock_exam_reminder",
    /// Seed §8.9: the registrant's score and percentile, and the exam's statistics.
    MockExamResults => "mock_exam_results",
    /// A payment did not go through: a link to try again.
    PaymentFailed => "payment_failed",
    /// A refund, full or partial, with its adjustment note.
    RefundIssued => "refund_issued",
    /// To ops: a payment is disputed and its access suspended.
    DisputeOpened => "dispute_opened",
    /// To each candidate of a cancelled exam; a paid seat is refunded in full.
    MockExamCancelled => "mock_exam_cancelled",
    /// To each candidate of an exam moved to another time: the new times.
    MockExamMoved => "mock_exam_moved",
    /// Seed §8.4's access details, once the scholarship is paid: the tax invoice.
    ScholarshipPaid => "scholarship_paid",
    /// To ops: an exam's results run is waiting for marked results to be uploaded.
    MockResultsMissing => "mock_results_missing",
}

impl TemplateName {
    /// The template named `name` (as written by [`TemplateName::as_str`]).
    pub fn parse(name: &str) -> Option<TemplateName> {
        TemplateName::ALL
            .iter()
            .copied()
            .find(|template| template.as_str() == name)
    }
}

impl fmt::Display for TemplateName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The HTML and plain-text bodies of `email`, sent on behalf of `seller`.
pub(crate) fn render<T: EmailTemplate>(
    email: &T,
    seller: &Seller,
) -> Result<(String, String), MailError> {
    let failed = |err: minijinja::Error| MailError::Template {
        template: T::NAME,
        message: format!("{err:#}"),
    };
    let env = environment();
    // The subject also titles the HTML document; the seller is who issues
    // the tax invoices and adjustment notes.
    let context = minijinja::context! {
        subject => email.subject(),
        seller => Serde(seller),
        ..minijinja::Value::from(Serde(email))
    };
    let render = |extension: &str| {
        env.get_template(&format!("{}.{extension}", T::NAME))
            .and_then(|template| template.render(context.clone()))
            .map_err(failed)
    };
    Ok((render("html")?, render("txt")?))
}

fn environment() -> &'static Environment<'static> {
    static ENVIRONMENT: OnceLock<Environment<'static>> = OnceLock::new();
    ENVIRONMENT.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        // Block tags on their own line leave no blank line behind, which
        // the plain-text bodies depend on.
        env.set_syntax(
            SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .build()
                .expect("the default delimiters are valid"),
        );
        for (name, source) in SOURCES {
            env.add_template(name, source)
                .unwrap_or_else(|err| panic!("embedded template {name} does not parse: {err:#}"));
        }
        env
    })
}
