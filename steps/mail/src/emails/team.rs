//! Team payment collection: created, invited, reminded, activated, expired.

use campaigns_contracts::records::{MemberStatus, Team, TeamMember};
use campaigns_core::campaign::CampaignId;
use campaigns_core::catalog::{ProductId, product};
use serde::Serialize;

use super::invoice::TaxInvoice;
use super::payment::Payment;
use super::required;
use crate::display::{date_time, full_name};
use crate::links::PayTarget;
use crate::{EmailTemplate, Links, MailError, TemplateName};

/// What every team email shows about the team.
#[derive(Debug, Clone, Serialize)]
struct TeamSummary {
    plan_name: &'static str,
    total: String,
    total_members: usize,
    leader_name: String,
    members: Vec<MemberLine>,
    authorized_count: usize,
    payment_deadline: String,
    team_url: String,
}

#[derive(Debug, Clone, Serialize)]
struct MemberLine {
    name: String,
    share: String,
    status: &'static str,
}

/// One member's part: their name, share and the link to pay it.
#[derive(Debug, Clone, Serialize)]
struct MemberPart {
    #[serde(skip)]
    to: String,
    name: String,
    share: String,
    pay_url: String,
}

impl TeamSummary {
    fn new(
        team: &Team,
        token: &str,
        links: &Links,
        template: TemplateName,
    ) -> Result<TeamSummary, MailError> {
        let deadline = required(
            team.payment_deadline,
            template,
            "the team's paymentDeadline",
        )?;
        Ok(TeamSummary {
            plan_name: product(ProductId::TeamFull6Months).name,
            total: team.total_amount.to_aud_string(),
            total_members: team.members.len(),
            leader_name: full_name(&team.leader_first_name, &team.leader_last_name),
            members: team
                .members
                .iter()
                .map(|member| MemberLine {
                    name: member.name.clone(),
                    share: member.share_amount.to_aud_string(),
                    status: status_label(member.status),
                })
                .collect(),
            authorized_count: team
                .members
                .iter()
                .filter(|member| {
                    matches!(member.status, MemberStatus::Authorized | MemberStatus::Paid)
                })
                .count(),
            payment_deadline: date_time(deadline),
            team_url: links.team(&team.team_id, token),
        })
    }
}

impl MemberPart {
    fn new(
        team: &Team,
        member: &TeamMember,
        token: &str,
        links: &Links,
        template: TemplateName,
    ) -> Result<MemberPart, MailError> {
        let member_id = required(
            member.member_id.as_deref(),
            template,
            "the member's memberId",
        )?;
        Ok(MemberPart {
            to: member.email.clone(),
            name: member.name.clone(),
            share: member.share_amount.to_aud_string(),
            pay_url: links.pay(
                PayTarget {
                    campaign: CampaignId::TeamCreation,
                    record_id: &team.team_id,
                    member_id: Some(member_id),
                },
                token,
            ),
        })
    }
}

fn status_label(status: MemberStatus) -> &'static str {
    match status {
        MemberStatus::Pending => "waiting for payment",
        MemberStatus::Authorized => "card authorized",
        MemberStatus::Paid => "paid",
        MemberStatus::Cancelled => "released",
        MemberStatus::PaymentReview => "payment under review",
    }
}

/// Declares a team email: a summary of the team and one member's part.
macro_rules! team_email {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Serialize)]
        pub struct $name {
            #[serde(flatten)]
            team: TeamSummary,
            #[serde(flatten)]
            member: MemberPart,
        }

        impl $name {
            /// `token` is the team's access token; `member` is the recipient.
            pub fn new(
                team: &Team,
                member: &TeamMember,
                token: &str,
                links: &Links,
            ) -> Result<$name, MailError> {
                let template = <$name as EmailTemplate>::NAME;
                Ok($name {
                    team: TeamSummary::new(team, token, links, template)?,
                    member: MemberPart::new(team, member, token, links, template)?,
                })
            }
        }
    };
}

team_email! {
    /// To the leader once the team is created: every share, the deadline,
    /// and the leader's own payment link in case checkout was left unfinished.
    TeamCreated
}

team_email! {
    /// To each other member: their share and the page that pays it.
    TeamInvitation
}

team_email! {
    /// Before the deadline, to a member whose share is not yet authorized.
    TeamPaymentReminder
}

team_email! {
    /// At the deadline, to every member: the team did not complete, every
    /// authorization was released and nobody was charged.
    TeamExpired
}

impl EmailTemplate for TeamCreated {
    const NAME: TemplateName = TemplateName::TeamCreated;
    fn to(&self) -> &str {
        &self.member.to
    }
    fn subject(&self) -> String {
        format!(
            "Your ProDentHub team of {} is created: pay by {}",
            self.team.total_members, self.team.payment_deadline
        )
    }
}

impl EmailTemplate for TeamInvitation {
    const NAME: TemplateName = TemplateName::TeamInvitation;
    fn to(&self) -> &str {
        &self.member.to
    }
    fn subject(&self) -> String {
        format!(
            "{} invited you to a ProDentHub team plan: your share is {}",
            self.team.leader_name, self.member.share
        )
    }
}

impl EmailTemplate for TeamPaymentReminder {
    const NAME: TemplateName = TemplateName::TeamPaymentReminder;
    fn to(&self) -> &str {
        &self.member.to
    }
    fn subject(&self) -> String {
        format!(
            "Reminder: your team share of {} is due by {}",
            self.member.share, self.team.payment_deadline
        )
    }
}

impl EmailTemplate for TeamExpired {
    const NAME: TemplateName = TemplateName::TeamExpired;
    fn to(&self) -> &str {
        &self.member.to
    }
    fn subject(&self) -> String {
        "Your ProDentHub team plan did not complete: nothing was charged".into()
    }
}

/// To every member once all shares are captured: the plan is theirs, and
/// the tax invoice of their own share.
#[derive(Debug, Clone, Serialize)]
pub struct TeamActivated {
    #[serde(skip)]
    to: String,
    name: String,
    share: String,
    activated_at: String,
    access_until: String,
    invoice: Option<TaxInvoice>,
    #[serde(flatten)]
    team: TeamSummary,
}

impl TeamActivated {
    /// `token` is the team's access token; `member` is the recipient.
    pub fn new(
        team: &Team,
        member: &TeamMember,
        token: &str,
        links: &Links,
    ) -> Result<TeamActivated, MailError> {
        let template = TemplateName::TeamActivated;
        let activated_at = required(team.activated_at, template, "the team's activatedAt")?;
        let expires_at = required(team.expires_at, template, "the team's expiresAt")?;
        Ok(TeamActivated {
            to: member.email.clone(),
            name: member.name.clone(),
            share: member.share_amount.to_aud_string(),
            activated_at: date_time(activated_at),
            access_until: date_time(expires_at),
            invoice: TaxInvoice::new(Payment::TeamShare { team, member }, template)?,
            team: TeamSummary::new(team, token, links, template)?,
        })
    }
}

impl EmailTemplate for TeamActivated {
    const NAME: TemplateName = TemplateName::TeamActivated;
    fn to(&self) -> &str {
        &self.to
    }
    fn subject(&self) -> String {
        format!(
            "Your ProDentHub team plan is active until {}",
            self.access_until
        )
    }
}
