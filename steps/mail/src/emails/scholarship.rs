//! Scholarship review: received, approved (with the price to pay), declined;
//! and paid, with the access and the tax invoice.

use campaigns_contracts::records::Scholarship;
use campaigns_core::campaign::CampaignId;
use campaigns_core::catalog::{ProductId, product};
use campaigns_core::scholarship::{ComponentName, ScholarshipComponent};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::invoice::TaxInvoice;
use super::payment::Payment;
use super::required;
use crate::display::date_time;
use crate::links::PayTarget;
use crate::{EmailTemplate, Links, MailError, TemplateName};

/// What every scholarship email shows about the application.
#[derive(Debug, Clone, Serialize)]
struct Application {
    #[serde(skip)]
    to: String,
    first_name: String,
    plan_name: &'static str,
    percentage: u32,
    base_price: String,
    price: String,
    savings: String,
    summary: String,
    components: Vec<Component>,
    applied_at: String,
    status_url: String,
}

#[derive(Debug, Clone, Serialize)]
struct Component {
    label: &'static str,
    points: u32,
    max_points: u32,
    explanation: String,
}

impl Application {
    fn new(scholarship: &Scholarship, token: &str, links: &Links) -> Application {
        let calculation = &scholarship.calculation;
        Application {
            to: scholarship.email.clone(),
            first_name: scholarship.first_name.clone(),
            plan_name: product(ProductId::Scholarship3Months).name,
            percentage: calculation.percentage,
            base_price: calculation.base_price.to_aud_string(),
            price: scholarship.price.to_aud_string(),
            savings: (calculation.base_price - scholarship.price).to_aud_string(),
            summary: calculation.summary.clone(),
            components: calculation.components.iter().map(Component::new).collect(),
            applied_at: date_time(scholarship.created_at),
            status_url: links.scholarship(&scholarship.scholarship_id, token),
        }
    }
}

impl Component {
    fn new(component: &ScholarshipComponent) -> Component {
        Component {
            label: match component.name {
                ComponentName::Need => "Financial need",
                ComponentName::Country => "Country",
                ComponentName::Situation => "Situation",
                ComponentName::Merit => "Merit",
            },
            points: component.points,
            max_points: component.max_points,
            explanation: component.explanation.clone(),
        }
    }
}

/// The application is in: its calculation, and what happens next (an
/// automatic decision at 30 % or less, otherwise a reviewer's).
#[derive(Debug, Clone, Serialize)]
pub struct ScholarshipReceived {
    #[serde(flatten)]
    application: Application,
    auto_approved: bool,
}

impl ScholarshipReceived {
    pub fn new(scholarship: &Scholarship, token: &str, links: &Links) -> ScholarshipReceived {
        ScholarshipReceived {
            application: Application::new(scholarship, token, links),
            auto_approved: scholarship.calculation.auto_approved,
        }
    }
}

impl EmailTemplate for ScholarshipReceived {
    const NAME: TemplateName = TemplateName::ScholarshipReceived;
    fn to(&self) -> &str {
        &self.application.to
    }
    fn subject(&self) -> String {
        "We have received your ProDentHub scholarship application".into()
    }
}

/// Approved: the price after the scholarship and the page that pays it.
#[derive(Debug, Clone, Serialize)]
pub struct ScholarshipApproved {
    #[serde(flatten)]
    application: Application,
    reviewer_note: Option<String>,
    pay_url: String,
    pay_by: String,
}

impl ScholarshipApproved {
    /// `pay_by` is when the journey stops waiting for the payment.
    pub fn new(
        scholarship: &Scholarship,
        pay_by: DateTime<Utc>,
        token: &str,
        links: &Links,
    ) -> ScholarshipApproved {
        ScholarshipApproved {
            application: Application::new(scholarship, token, links),
            reviewer_note: scholarship.reviewer_note.clone(),
            pay_url: links.pay(
                PayTarget {
                    campaign: CampaignId::ScholarshipApplication,
                    record_id: &scholarship.scholarship_id,
                    member_id: None,
                },
                token,
            ),
            pay_by: date_time(pay_by),
        }
    }
}

impl EmailTemplate for ScholarshipApproved {
    const NAME: TemplateName = TemplateName::ScholarshipApproved;
    fn to(&self) -> &str {
        &self.application.to
    }
    fn subject(&self) -> String {
        format!(
            "Your {}% ProDentHub scholarship is approved: 3 months for {}",
            self.application.percentage, self.application.price
        )
    }
}

/// Declined by a reviewer, or undecided when the review period ran out.
#[derive(Debug, Clone, Serialize)]
pub struct ScholarshipDeclined {
    #[serde(flatten)]
    application: Application,
    reviewer_note: Option<String>,
}

impl ScholarshipDeclined {
    pub fn new(scholarship: &Scholarship, token: &str, links: &Links) -> ScholarshipDeclined {
        ScholarshipDeclined {
            application: Application::new(scholarship, token, links),
            reviewer_note: scholarship.reviewer_note.clone(),
        }
    }
}

impl EmailTemplate for ScholarshipDeclined {
    const NAME: TemplateName = TemplateName::ScholarshipDeclined;
    fn to(&self) -> &str {
        &self.application.to
    }
    fn subject(&self) -> String {
        "Your ProDentHub scholarship application".into()
    }
}

/// Paid: the access period, how to use it, and the tax invoice. Seed §8.4's
/// "with access details", sent once the access exists.
#[derive(Debug, Clone, Serialize)]
pub struct ScholarshipPaid {
    #[serde(flatten)]
    application: Application,
    /// The address the access is linked to.
    email: String,
    access_from: String,
    access_until: String,
    invoice: Option<TaxInvoice>,
}

impl ScholarshipPaid {
    /// `scholarship` as paid: with its `paidAt` and `accessExpiresAt`.
    pub fn new(
        scholarship: &Scholarship,
        token: &str,
        links: &Links,
    ) -> Result<ScholarshipPaid, MailError> {
        let template = TemplateName::ScholarshipPaid;
        let paid_at = required(scholarship.paid_at, template, "the scholarship's paidAt")?;
        let access_until = required(
            scholarship.access_expires_at,
            template,
            "the scholarship's accessExpiresAt",
        )?;
        Ok(ScholarshipPaid {
            application: Application::new(scholarship, token, links),
            email: scholarship.email.clone(),
            access_from: date_time(paid_at),
            access_until: date_time(access_until),
            invoice: TaxInvoice::new(Payment::Scholarship(scholarship), template)?,
        })
    }
}

impl EmailTemplate for ScholarshipPaid {
    const NAME: TemplateName = TemplateName::ScholarshipPaid;
    fn to(&self) -> &str {
        &self.application.to
    }
    fn subject(&self) -> String {
        format!(
            "Your ProDentHub scholarship access is active until {}",
            self.access_until
        )
    }
}
