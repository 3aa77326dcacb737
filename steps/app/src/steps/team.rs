//! The team journey's own steps: time each member's wait, record each
//! authorization, then capture every share together, or cancel every
//! authorization at the deadline. Each is safe to run again.

use campaigns_contracts::records::{
    MemberStatus, PaymentOutcome, PaymentResult, Team, TeamMember, TeamStatus,
};
use campaigns_core::campaign::CampaignId;
use campaigns_core::catalog::{self, ProductId};
use campaigns_mail::emails::{
    TeamActivated, TeamCreated, TeamExpired, TeamInvitation, TeamPaymentReminder,
};
use campaigns_mail::{EmailTemplate, TemplateName};
use campaigns_payments::{SessionPaymentStatus, SessionStatus};
use chrono::{DateTime, TimeDelta, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::email::SendEmail;
use super::payment::{mismatch, needs_review};
use super::purchase::update_error;
use super::{Step, StepError, step};
use crate::access::{self, Grant};
use crate::context::App;
use crate::metrics::{self, Fact};
use crate::payment_wait::{self, Payee};

/// The journey of a team (`team-creation.asl.json`).
pub const TEAM_CREATION: &str = "team-creation";
pub(super) const STATE_MACHINES: &[&str] = &[TEAM_CREATION];

/// Unpaid members are reminded this long before the deadline.
const REMINDER_LEAD: TimeDelta = TimeDelta::hours(24);

pub(super) fn steps() -> Vec<Step> {
    vec![
        step!("team-share-timer", share_timer, TeamShare, ShareTimer),
        step!("reopen-team-share", reopen_share, TeamShare, Reopened),
        step!(
            "authorize-team-share",
            authorize_share,
            AuthorizeShare,
            ShareAuthorized
        ),
        step!("check-team-shares", check_shares, TeamRef, SharesChecked),
        step!(
            "capture-team-shares",
            capture_shares,
            TeamRef,
            Settled,
            [Payments, Access]
        ),
        step!(
            "release-team-shares",
            release_shares,
            TeamRef,
            Settled,
            [Payments]
        ),
    ]
}

/// The team's emails, each to one member, with that member's links.
pub(super) async fn send_email(
    app: &App,
    template: TemplateName,
    input: &SendEmail,
) -> Result<(), StepError> {
    let team: Team = super::email::load(app, &input.record_id).await?;
    let member_id = input.member_id.as_deref().ok_or_else(|| {
        StepError::new(
            "Step.InvalidInput",
            "a team email goes to one member: memberId",
        )
    })?;
    let member = find(&team, member_id)?;
    let token = crate::api::team_member_token(app, &team, member);
    let links = &app.mail_settings.links;
    match template {
        TemplateName::TeamCreated => {
            send(app, &TeamCreated::new(&team, member, &token, links)?).await
        }
        TemplateName::TeamInvitation => {
            send(app, &TeamInvitation::new(&team, member, &token, links)?).await
        }
        TemplateName::TeamPaymentReminder => {
            // Only a share still waiting is reminded (a retried step, or a
            // payment that landed as the reminder fell due, sends nothing).
            if awaits_payment(app, &team, member).await? {
                send(
                    app,
                    &TeamPaymentReminder::new(&team, member, &token, links)?,
                )
                .await
            } else {
                Ok(())
            }
        }
        TemplateName::TeamActivated => {
            send(app, &TeamActivated::new(&team, member, &token, links)?).await
        }
        TemplateName::TeamExpired => {
            send(app, &TeamExpired::new(&team, member, &token, links)?).await
        }
        other => Err(super::email::not_ours(other)),
    }
}

async fn send<T: EmailTemplate>(app: &App, email: &T) -> Result<(), StepError> {
    Ok(crate::notify::send(app, email).await?)
}

async fn awaits_payment(app: &App, team: &Team, member: &TeamMember) -> Result<bool, StepError> {
    if team.status != TeamStatus::PendingPayment || member.status != MemberStatus::Pending {
        return Ok(false);
    }
    let reported = payment_wait::outcome(app, &payee(team, member)).await?;
    Ok(reported.is_none_or(|outcome| outcome.result != PaymentResult::Succeeded))
}

/// One member's share of a team.
/// The input of `team-share-timer` and `reopen-team-share`: one member's share.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TeamShare {
    pub team_id: String,
    pub member_id: String,
}

/// Which wait comes next for a share, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SharePhase {
    /// Wait until the reminder is due.
    BeforeReminder,
    /// The reminder is due or sent: wait until the deadline.
    BeforeDeadline,
    /// The deadline has passed (or the team no longer collects).
    Closed,
}

/// Where a share's payment window stands, and how long to wait next.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ShareTimer {
    pub phase: SharePhase,
    /// Whole seconds until the phase ends, at least 1 (a task timeout);
    /// 0 when closed.
    pub seconds: i64,
}

/// How long the member's next wait lasts, from the team's deadline and the
/// clock at the moment the wait begins (a wait's timeout counts from then).
pub async fn share_timer(app: &App, input: TeamShare) -> Result<ShareTimer, StepError> {
    let team: Team = super::email::load(app, &input.team_id).await?;
    let deadline = team.payment_deadline.ok_or_else(|| {
        StepError::new(
            "Team.NoDeadline",
            format!("team {} has no paymentDeadline", team.team_id),
        )
    })?;
    Ok(timer(app.now(), deadline, team.status))
}

fn timer(now: DateTime<Utc>, deadline: DateTime<Utc>, status: TeamStatus) -> ShareTimer {
    let until = |at: DateTime<Utc>| {
        let millis = (at - now).num_milliseconds();
        // Rounded up, so the wait ends at or just after the moment.
        ((millis + 999) / 1000).max(1)
    };
    let reminder = deadline - REMINDER_LEAD;
    if status != TeamStatus::PendingPayment || now >= deadline {
        ShareTimer {
            phase: SharePhase::Closed,
            seconds: 0,
        }
    } else if now < reminder {
        ShareTimer {
            phase: SharePhase::BeforeReminder,
            seconds: until(reminder),
        }
    } else {
        ShareTimer {
            phase: SharePhase::BeforeDeadline,
            seconds: until(deadline),
        }
    }
}

/// The member whose share can be paid again.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Reopened {
    pub member_id: String,
}

/// A member's payment failed (a delayed method): forget it, so the next wait
/// waits for the member's next attempt (the failure email links to a fresh
/// session) rather than ending on the failure.
pub async fn reopen_share(app: &App, input: TeamShare) -> Result<Reopened, StepError> {
    let team: Team = super::email::load(app, &input.team_id).await?;
    let member = find(&team, &input.member_id)?;
    payment_wait::reopen(app, &payee(&team, member)).await?;
    Ok(Reopened {
        member_id: input.member_id,
    })
}

/// The input of `authorize-team-share`: a member's authorized payment.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizeShare {
    pub team_id: String,
    pub member_id: String,
    /// What Stripe reported: the authorization.
    pub payment: PaymentOutcome,
}

/// The member whose share is now authorized.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ShareAuthorized {
    pub member_id: String,
    /// Always `true`: a payment that is not an authorization fails the step.
    pub authorized: bool,
}

/// The member's card is authorized for the share: the member is marked
/// `authorized` with the PaymentIntent to capture later. An authorization
/// that is not the share asked for (another session, amount or currency)
/// puts the share and the team in review instead: the team stops
/// collecting and nothing is captured or released until ops decide.
pub async fn authorize_share(
    app: &App,
    input: AuthorizeShare,
) -> Result<ShareAuthorized, StepError> {
    let payment_intent = match (&input.payment.result, &input.payment.payment_intent_id) {
        (PaymentResult::Succeeded, Some(payment_intent)) => payment_intent.clone(),
        _ => {
            return Err(StepError::new(
                "Team.NotAuthorized",
                format!(
                    "the payment reported is not an authorization: {:?}",
                    input.payment
                ),
            ));
        }
    };
    let payee = Payee {
        campaign: CampaignId::TeamCreation,
        record_id: input.team_id.clone(),
        member_id: Some(input.member_id.clone()),
    };
    if let Some(mismatch) = mismatch(app, &payee, Some(&input.payment)).await? {
        app.records
            .update::<Team, StepError>(&input.team_id, |team| {
                let member = find_mut(team, &input.member_id)?;
                if member.status == MemberStatus::Pending {
                    member.status = MemberStatus::PaymentReview;
                }
                if team.status == TeamStatus::PendingPayment {
                    team.status = TeamStatus::PaymentReview;
                }
                Ok(())
            })
            .await
            .map_err(update_error)?;
        return Err(needs_review(app, &payee, &mismatch, Some(&input.payment)));
    }
    app.records
        .update::<Team, StepError>(&input.team_id, |team| {
            let member = find_mut(team, &input.member_id)?;
            match member.status {
                MemberStatus::Pending => {
                    member.status = MemberStatus::Authorized;
                    member.stripe_payment_intent_id = Some(payment_intent.clone());
                    member.stripe_checkout_session_id =
                        Some(input.payment.checkout_session_id.clone());
                    Ok(())
                }
                MemberStatus::Authorized | MemberStatus::Paid => Ok(()),
                MemberStatus::Cancelled => Err(StepError::new(
                    "Team.ShareCancelled",
                    "the share was already released",
                )),
                MemberStatus::PaymentReview => Err(StepError::new(
                    "Team.ShareInReview",
                    "the share awaits review",
                )),
            }
        })
        .await
        .map_err(update_error)?;
    Ok(ShareAuthorized {
        member_id: input.member_id,
        authorized: true,
    })
}

/// The input of `check-team-shares`, `capture-team-shares` and
/// `release-team-shares`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TeamRef {
    pub team_id: String,
}

/// How many of the team's shares are authorized.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SharesChecked {
    /// Every member's share is authorized: the team can be captured.
    pub all_authorized: bool,
    /// A share was paid with a payment that is not the one asked for: the
    /// team waits for ops, neither captured nor released.
    pub in_review: bool,
    /// How many shares are authorized.
    pub authorized: usize,
    /// How many members the team has.
    pub members: usize,
}

/// Whether every share is authorized, from the team record.
pub async fn check_shares(app: &App, input: TeamRef) -> Result<SharesChecked, StepError> {
    let team: Team = super::email::load(app, &input.team_id).await?;
    let authorized = team
        .members
        .iter()
        .filter(|member| matches!(member.status, MemberStatus::Authorized | MemberStatus::Paid))
        .count();
    Ok(SharesChecked {
        all_authorized: team.status == TeamStatus::PendingPayment
            && authorized == team.members.len(),
        in_review: team.status == TeamStatus::PaymentReview,
        authorized,
        members: team.members.len(),
    })
}

/// The team's status after the step.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Settled {
    pub status: TeamStatus,
}

/// Every share is authorized: capture each (a member is marked `paid` as
/// soon as theirs is, so a retry captures only the rest), then activate the
/// team for six months and grant every member access.
pub async fn capture_shares(app: &App, input: TeamRef) -> Result<Settled, StepError> {
    let team: Team = super::email::load(app, &input.team_id).await?;
    for member in &team.members {
        let member_id = member_id(member)?;
        match (member.status, &member.stripe_payment_intent_id) {
            (MemberStatus::Paid, _) => continue,
            (MemberStatus::Authorized, Some(payment_intent)) => {
                app.payments.capture(&team.team_id, payment_intent).await?;
                let mut captured_now = false;
                app.records
                    .update::<Team, StepError>(&team.team_id, |stored| {
                        let share = find_mut(stored, member_id)?;
                        captured_now = share.status != MemberStatus::Paid;
                        share.status = MemberStatus::Paid;
                        Ok(())
                    })
                    .await
                    .map_err(update_error)?;
                if captured_now {
                    metrics::emit(app, &Fact::PaymentSucceeded(&payee(&team, member)));
                }
            }
            (status, _) => {
                return Err(StepError::new(
                    "Team.ShareNotAuthorized",
                    format!("member {member_id} is {status:?}; nothing to capture"),
                ));
            }
        }
    }

    let now = app.now();
    let months = catalog::product(ProductId::TeamFull6Months)
        .access_months
        .unwrap_or(0);
    let team = app
        .records
        .update::<Team, StepError>(&input.team_id, |team| match team.status {
            TeamStatus::PendingPayment => {
                let activated_at = *team.activated_at.get_or_insert(now);
                team.expires_at = Some(access::months_after(activated_at, months));
                team.status = TeamStatus::FullyPaid;
                Ok(())
            }
            TeamStatus::FullyPaid => Ok(()),
            other => Err(StepError::new(
                "Team.NotCollecting",
                format!("the team is {other:?}"),
            )),
        })
        .await
        .map_err(update_error)?;
    let activated_at = team.activated_at.unwrap_or(now);
    for member in &team.members {
        access::grant(
            app,
            &Grant {
                email: &member.email,
                product: ProductId::TeamFull6Months,
                campaign: CampaignId::TeamCreation,
                record_id: &team.team_id,
                member_id: Some(member_id(member)?),
                payment_intent_id: member.stripe_payment_intent_id.as_deref(),
                starts_at: activated_at,
                months,
            },
        )
        .await?;
    }
    Ok(Settled {
        status: team.status,
    })
}

/// Not every share came in by the deadline: cancel every authorization (no
/// money moved, so nothing to refund), make sure no session can still be
/// paid, mark every share `cancelled` and the team `expired`.
pub async fn release_shares(app: &App, input: TeamRef) -> Result<Settled, StepError> {
    let team: Team = super::email::load(app, &input.team_id).await?;
    for member in &team.members {
        let member_id = member_id(member)?;
        let authorization = match member.status {
            // Ops decide what becomes of an authorization in review.
            MemberStatus::Cancelled | MemberStatus::PaymentReview => continue,
            MemberStatus::Paid => {
                return Err(StepError::new(
                    "Team.ShareCaptured",
                    format!("member {member_id}'s share is captured; refund it by hand"),
                ));
            }
            MemberStatus::Authorized => member.stripe_payment_intent_id.clone(),
            MemberStatus::Pending => unrecorded_authorization(app, member).await?,
        };
        if let Some(payment_intent) = authorization {
            app.payments.cancel(&team.team_id, &payment_intent).await?;
        }
        let mut cancelled_now = false;
        app.records
            .update::<Team, StepError>(&team.team_id, |stored| {
                let share = find_mut(stored, member_id)?;
                cancelled_now = share.status != MemberStatus::Cancelled;
                share.status = MemberStatus::Cancelled;
                Ok(())
            })
            .await
            .map_err(update_error)?;
        // A member who never opened a checkout started none.
        if cancelled_now && member.stripe_checkout_session_id.is_some() {
            metrics::emit(app, &Fact::CheckoutExpired(&payee(&team, member)));
        }
    }
    let team = app
        .records
        .update::<Team, StepError>(&input.team_id, |team| {
            if team.status == TeamStatus::PendingPayment {
                team.status = TeamStatus::Expired;
            }
            Ok(())
        })
        .await
        .map_err(update_error)?;
    Ok(Settled {
        status: team.status,
    })
}

/// A pending member's current session: expired if still open, or its
/// PaymentIntent if it was authorized without the journey hearing of it.
async fn unrecorded_authorization(
    app: &App,
    member: &TeamMember,
) -> Result<Option<String>, StepError> {
    let Some(session_id) = &member.stripe_checkout_session_id else {
        return Ok(None);
    };
    let session = app.payments.retrieve_checkout(session_id).await?;
    if session.status == SessionStatus::Open {
        app.payments.expire_checkout(session_id).await?;
        return Ok(None);
    }
    let authorized = session.status == SessionStatus::Complete
        && session.payment_status == SessionPaymentStatus::Paid;
    Ok(session.payment_intent_id.filter(|_| authorized))
}

fn payee(team: &Team, member: &TeamMember) -> Payee {
    Payee {
        campaign: CampaignId::TeamCreation,
        record_id: team.team_id.clone(),
        member_id: member.member_id.clone(),
    }
}

fn member_id(member: &TeamMember) -> Result<&str, StepError> {
    member.member_id.as_deref().ok_or_else(|| {
        StepError::new(
            "Team.MemberWithoutId",
            format!("{} has no memberId", member.email),
        )
    })
}

fn find<'a>(team: &'a Team, member_id: &str) -> Result<&'a TeamMember, StepError> {
    team.members
        .iter()
        .find(|member| member.member_id.as_deref() == Some(member_id))
        .ok_or_else(|| no_member(team, member_id))
}

fn find_mut<'a>(team: &'a mut Team, member_id: &str) -> Result<&'a mut TeamMember, StepError> {
    let missing = no_member(team, member_id);
    team.members
        .iter_mut()
        .find(|member| member.member_id.as_deref() == Some(member_id))
        .ok_or(missing)
}

fn no_member(team: &Team, member_id: &str) -> StepError {
    StepError::new(
        "Step.RecordNotFound",
        format!("team {} has no member {member_id}", team.team_id),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_waits_for_the_reminder_then_for_the_deadline() {
        let deadline: DateTime<Utc> = "2025-01-12T10:30:00Z".parse().unwrap();
        let pending = TeamStatus::PendingPayment;
        let at = |hours_before: i64| deadline - TimeDelta::hours(hours_before);

        let first = timer(at(6 * 24), deadline, pending);
        assert_eq!(
            (first.phase, first.seconds),
            (SharePhase::BeforeReminder, 5 * 24 * 3600)
        );
        let reminded = timer(at(24), deadline, pending);
        assert_eq!(
            (reminded.phase, reminded.seconds),
            (SharePhase::BeforeDeadline, 24 * 3600)
        );
        let late = timer(deadline - TimeDelta::milliseconds(10), deadline, pending);
        assert_eq!((late.phase, late.seconds), (SharePhase::BeforeDeadline, 1));
        assert_eq!(timer(deadline, deadline, pending).phase, SharePhase::Closed);
        assert_eq!(
            timer(at(48), deadline, TeamStatus::Expired).phase,
            SharePhase::Closed
        );
    }
}
