//! Every template rendered with realistic data, for previews and tests.
//!
//! The records are the contracts' published examples, moved into the state
//! each email is sent in, so a preview shows what a customer would get.

use campaigns_contracts::Example;
use campaigns_contracts::api::{
    CreatePlanResponse, CreatePurchaseResponse, CreateTeamResponse, RegisterMockExamResponse,
    ScholarshipApplyResponse,
};
use campaigns_contracts::records::{
    DiscountPurchase, MemberStatus, MockExam, MockRegistration, MockStatistics, PersonalizedPlan,
    Scholarship, ScholarshipStatus, Team, TeamStatus,
};
use campaigns_core::money::Cents;
use chrono::Duration;

use crate::emails::{
    DisputeOpened, MockExamCancelled, MockExamMoved, MockExamRegistration, MockExamReminder,
    MockExamResults, MockResultsMissing, Payment, PaymentFailed, PlanActivated,
    PurchaseConfirmation, RefundDetails, RefundIssued, ScholarshipApproved, ScholarshipDeclined,
    ScholarshipPaid, ScholarshipReceived, TeamActivated, TeamCreated, TeamExpired, TeamInvitation,
    TeamPaymentReminder,
};
use crate::{MailError, MailSettings, OutgoingEmail};

/// One email per template, in [`crate::TemplateName::ALL`] order.
pub fn sample_emails(settings: &MailSettings) -> Result<Vec<OutgoingEmail>, MailError> {
    let links = &settings.links;

    let active_team = Team::example();
    let mut new_team = active_team.clone();
    new_team.status = TeamStatus::PendingPayment;
    new_team.activated_at = None;
    new_team.expires_at = None;
    for (member, status) in new_team.members.iter_mut().zip([
        MemberStatus::Authorized,
        MemberStatus::Authorized,
        MemberStatus::Pending,
    ]) {
        member.status = status;
    }
    let mut expired_team = new_team.clone();
    expired_team.status = TeamStatus::Expired;
    for member in &mut expired_team.members {
        member.status = MemberStatus::Cancelled;
    }
    let team_token = &CreateTeamResponse::example().access_token;
    let leader = &new_team.members[0];
    let unpaid = &new_team.members[2];

    let received = Scholarship::example();
    let mut approved = received.clone();
    approved.status = ScholarshipStatus::Approved;
    approved.decided_at = Some(received.created_at + Duration::days(2));
    approved.reviewer_note =
        Some("Your circumstances and your latest exam score made a strong case.".into());
    let pay_by = received.created_at + Duration::days(16);
    let mut declined = received.clone();
    declined.status = ScholarshipStatus::Declined;
    declined.decided_at = approved.decided_at;
    declined.reviewer_note =
        Some("This round's scholarships went to applicants with a lower income per person.".into());
    let mut paid = approved.clone();
    paid.status = ScholarshipStatus::Paid;
    paid.pay_by = Some(pay_by);
    paid.payment_intent_id = Some("pi_3QghiAmira".into());
    let paid_at = received.created_at + Duration::days(3);
    paid.paid_at = Some(paid_at);
    paid.access_expires_at = Some(paid_at + Duration::days(92));
    let scholarship_token = &ScholarshipApplyResponse::example().access_token;

    let purchase = DiscountPurchase::example();
    let purchase_token = &CreatePurchaseResponse::example().access_token;
    let plan = PersonalizedPlan::example();
    let plan_token = &CreatePlanResponse::example().access_token;

    let exam = MockExam::example();
    let registration = MockRegistration::example();
    let statistics = MockStatistics::example();
    let exam_token = &RegisterMockExamResponse::example().access_token;

    Ok(vec![
        settings.compose(&TeamCreated::new(&new_team, leader, team_token, links)?)?,
        settings.compose(&TeamInvitation::new(&new_team, unpaid, team_token, links)?)?,
        settings.compose(&TeamActivated::new(
            &active_team,
            &active_team.members[1],
            team_token,
            links,
        )?)?,
        settings.compose(&TeamPaymentReminder::new(
            &new_team, unpaid, team_token, links,
        )?)?,
        settings.compose(&TeamExpired::new(
            &expired_team,
            &expired_team.members[1],
            team_token,
            links,
        )?)?,
        settings.compose(&ScholarshipReceived::new(
            &received,
            scholarship_token,
            links,
        ))?,
        settings.compose(&ScholarshipApproved::new(
            &approved,
            pay_by,
            scholarship_token,
            links,
        ))?,
        settings.compose(&ScholarshipDeclined::new(
            &declined,
            scholarship_token,
            links,
        ))?,
        settings.compose(&PurchaseConfirmation::new(
            &purchase,
            purchase_token,
            links,
        )?)?,
        settings.compose(&PlanActivated::new(&plan, plan_token, links)?)?,
        settings.compose(&MockExamRegistration::new(
            &exam,
            &registration,
            exam_token,
            links,
        )?)?,
        settings.compose(&MockExamReminder::new(
            &exam,
            &registration,
            exam_token,
            links,
        ))?,
        settings.compose(&MockExamResults::new(
            &exam,
            &registration,
            &statistics,
            exam_token,
            links,
        )?)?,
        settings.compose(&PaymentFailed::new(
            Payment::Purchase(&purchase),
            Some("Your card was declined."),
            purchase_token,
            links,
        )?)?,
        settings.compose(&RefundIssued::new(
            Payment::Purchase(&purchase),
            RefundDetails {
                refund_id: "re_3QabcLena",
                amount: Cents::from_dollars(50),
                total_refunded: Cents::from_dollars(50),
                refunded_at: purchase.created_at + Duration::days(9),
            },
            purchase_token,
            links,
        )?)?,
        settings.compose(&DisputeOpened::new(
            Payment::Plan(&plan),
            "dp_1QdefSam",
            "fraudulent",
            plan.price,
            &settings.ops_email,
        )?)?,
        settings.compose(&MockExamCancelled::new(
            &exam,
            &registration,
            exam_token,
            links,
        ))?,
        settings.compose(&MockExamMoved::new(
            &exam,
            exam.starts_at - Duration::days(7),
            &registration,
            exam_token,
            links,
        ))?,
        settings.compose(&ScholarshipPaid::new(&paid, scholarship_token, links)?)?,
        settings.compose(&MockResultsMissing::new(
            &exam,
            exam.ends_at + Duration::days(14),
            &settings.ops_email,
        ))?,
    ])
}
