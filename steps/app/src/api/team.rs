//! Team plans: a leader and 1–4 others split one plan, each authorizing a
//! share (manual capture) that the journey captures once every share is in.
//!
//! Tokens: the team's token (`team:{id}`, returned at creation) reads the
//! team and opens the leader's share; each other member's token
//! (`team:{id}:member:{memberId}`, in their emails) reads the team and opens
//! that member's share only.

use campaigns_contracts::api::{CreateCheckoutRequest, CreateTeamRequest, CreateTeamResponse};
use campaigns_contracts::records::{MemberStatus, Team, TeamMember, TeamStatus};
use campaigns_core::campaign::CampaignId;
use campaigns_core::catalog::{self, ProductId};
use campaigns_core::email::canonical_key;
use campaigns_core::team::split_shares;
use campaigns_mail::emails::Payment;
use campaigns_mail::{EmailTemplate, MailError};
use campaigns_payments::{CaptureMode, SessionPaymentStatus, SessionStatus};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;

use super::payable;
use super::{authorize, parse};
use crate::checkout::{self, Payable};
use crate::context::App;
use crate::failure::ApiFailure;
use crate::http::{ApiRequest, ApiResponse, Handled};
use crate::ids::new_id;
use crate::journey_starts::{self, Journey};
use crate::payment_wait::Payee;
use crate::refunds::ChargeRefund;
use crate::steps::TEAM_CREATION;
use crate::tokens::record_scope;

/// How long members have to authorize their shares: card authorizations
/// last seven days, and every share is captured before the first lapses.
const PAYMENT_WINDOW: TimeDelta = TimeDelta::days(6);

/// The scope of the team's token.
pub fn scope(team_id: &str) -> String {
    record_scope("team", team_id)
}

/// The scope of one member's token.
pub fn member_scope(team_id: &str, member_id: &str) -> String {
    format!("{}:member:{member_id}", scope(team_id))
}

/// The token a member's links carry: the leader's is the team's own.
pub fn member_token(app: &App, team: &Team, member: &TeamMember) -> String {
    match member.member_id.as_deref() {
        Some(member_id) if !is_leader(team, member_id) => {
            app.tokens.issue(&member_scope(&team.team_id, member_id))
        }
        _ => app.tokens.issue(&scope(&team.team_id)),
    }
}

fn is_leader(team: &Team, member_id: &str) -> bool {
    team.members
        .first()
        .is_some_and(|leader| leader.member_id.as_deref() == Some(member_id))
}

fn member<'a>(team: &'a Team, member_id: &str) -> Option<&'a TeamMember> {
    team.members
        .iter()
        .find(|member| member.member_id.as_deref() == Some(member_id))
}

pub async fn create(app: &App, request: &ApiRequest) -> Handled {
    let body: CreateTeamRequest = parse(request)?;
    let leader_email = body.leader_email.normalized();
    let mut emails = vec![leader_email.clone()];
    for (index, other) in body.members.iter().enumerate() {
        let email = other.email.normalized();
        // One person, one share: case and `+tag` variants are the same member.
        let person = canonical_key(&email);
        if emails.iter().any(|known| canonical_key(known) == person) {
            return Err(ApiFailure::rule(
                "DUPLICATE_MEMBER_EMAIL",
                format!("{email} is already in the team; each member pays one share"),
            )
            .with_field(&format!("/members/{index}/email")));
        }
        emails.push(email);
    }
    let product = catalog::product(ProductId::TeamFull6Months);
    let total = product.price.expect("the team plan has a fixed price");
    let shares = split_shares(total, emails.len())
        .map_err(|err| ApiFailure::rule(err.code(), err.to_string()).with_field("/members"))?;

    let leader_name = format!(
        "{} {}",
        body.leader_first_name.0.trim(),
        body.leader_last_name.0.trim()
    );
    let names = std::iter::once(leader_name).chain(
        body.members
            .iter()
            .map(|other| other.name.0.trim().to_owned()),
    );
    let members: Vec<TeamMember> = names
        .zip(emails)
        .zip(&shares)
        .map(|((name, email), share)| TeamMember {
            amount_refunded: None,
            member_id: Some(new_id("mem")),
            name,
            email,
            status: MemberStatus::Pending,
            share_amount: *share,
            stripe_checkout_session_id: None,
            checkout_attempt: 0,
            stripe_payment_intent_id: None,
            refunded_at: None,
        })
        .collect();
    let now = app.now();
    let deadline = now + PAYMENT_WINDOW;
    let team_id = new_id("team");
    let team = Team {
        team_id: team_id.clone(),
        campaign_id: CampaignId::TeamCreation,
        leader_email: leader_email.clone(),
        leader_first_name: body.leader_first_name.0.trim().to_owned(),
        leader_last_name: body.leader_last_name.0.trim().to_owned(),
        country: body.country.trim().to_owned(),
        total_members: members.len() as u32,
        members,
        plan_type: product.plan_type.to_owned(),
        total_amount: total,
        price_per_member: shares[0],
        status: TeamStatus::PendingPayment,
        created_at: now,
        activated_at: None,
        expires_at: None,
        payment_deadline: Some(deadline),
        stripe_checkout_session_id: None,
    };
    let members: Vec<_> = team
        .members
        .iter()
        .map(|member| json!({"memberId": member.member_id}))
        .collect();
    let journey = Journey::new(
        TEAM_CREATION,
        &team_id,
        json!({"teamId": team_id, "members": members}),
    );
    journey.insert_owing(app, &team).await?;

    // The leader pays at once, from the response.
    let leader = &team.members[0];
    let opened = match checkout::open(app, &payable(&team, leader)).await {
        Ok(opened) => opened,
        Err(failure) => {
            abandon(app, &team_id, None, &journey).await;
            return Err(failure);
        }
    };
    let session_id = opened.session.session_id.clone();
    let recorded = app
        .records
        .update::<Team, ApiFailure>(&team_id, |stored| {
            let leader = &mut stored.members[0];
            leader.stripe_checkout_session_id = Some(session_id.clone());
            leader.checkout_attempt = opened.attempt;
            stored.stripe_checkout_session_id = Some(session_id.clone());
            Ok(())
        })
        .await;
    let team = match recorded {
        Ok(team) => team,
        Err(err) => {
            abandon(app, &team_id, Some(&session_id), &journey).await;
            return Err(err.into());
        }
    };
    journey.start(app).await;

    let response = CreateTeamResponse {
        access_token: app.tokens.issue(&scope(&team_id)),
        team_id,
        status: team.status,
        total_amount: team.total_amount,
        price_per_member: team.price_per_member,
        payment_deadline: deadline,
        members: team.members,
        checkout: opened.session,
    };
    Ok(ApiResponse::json(201, &response))
}

/// Reads the team with the team's token or any of its members' tokens: every
/// member sees who is in the team and whose share is in.
pub async fn get(app: &App, request: &ApiRequest) -> Handled {
    let team_id = request.param("teamId")?;
    let token = request.access_token()?;
    let team_token = app.tokens.verify(&scope(team_id), token);
    let found = app.records.get::<Team>(team_id).await?;
    let opens = |team: &Team| {
        team_token
            || team.members.iter().any(|member| {
                member.member_id.as_deref().is_some_and(|member_id| {
                    app.tokens.verify(&member_scope(team_id, member_id), token)
                })
            })
    };
    match found {
        Some(found) if opens(&found.record) => Ok(ApiResponse::json(200, &found.record)),
        Some(_) => Err(denied()),
        None if team_token => Err(ApiFailure::not_found("team")),
        None => Err(denied()),
    }
}

fn denied() -> ApiFailure {
    ApiFailure::unauthorized("the access token does not open this team")
}

/// `POST /teams/{teamId}/members/{memberId}/checkout`.
pub async fn member_checkout(app: &App, request: &ApiRequest) -> Handled {
    let team_id = request.param("teamId")?;
    let member_id = request.param("memberId")?;
    open_share(app, request, team_id, member_id).await
}

/// `POST /checkout/create` for a team: the share of `memberId`.
pub async fn checkout(app: &App, request: &ApiRequest, body: &CreateCheckoutRequest) -> Handled {
    let member_id = body.member_id.as_deref().ok_or_else(|| {
        ApiFailure::rule(
            "MEMBER_REQUIRED",
            "a team is paid share by share: name the member whose share this is",
        )
        .with_field("/memberId")
    })?;
    open_share(app, request, &body.record_id, member_id).await
}

/// What a member pays: their share, authorized now and captured with the others.
pub fn payable(team: &Team, member: &TeamMember) -> Payable {
    Payable {
        payee: Payee {
            campaign: CampaignId::TeamCreation,
            record_id: team.team_id.clone(),
            member_id: member.member_id.clone(),
        },
        product: ProductId::TeamFull6Months,
        amount: member.share_amount,
        email: member.email.clone(),
        capture: CaptureMode::Manual,
        current_session: member.stripe_checkout_session_id.clone(),
        attempt: member.checkout_attempt,
    }
}

/// The member's open session, or a fresh one while the team collects and
/// the share is not yet authorized.
async fn open_share(app: &App, request: &ApiRequest, team_id: &str, member_id: &str) -> Handled {
    let member_token = authorize(app, request, &member_scope(team_id, member_id));
    let leader_only = member_token.is_err();
    if leader_only {
        // The team's token opens the leader's share (checked once the team is read).
        authorize(app, request, &scope(team_id))?;
    }
    let team = app
        .records
        .get::<Team>(team_id)
        .await?
        .ok_or_else(|| ApiFailure::not_found("team"))?
        .record;
    if leader_only && !is_leader(&team, member_id) {
        return Err(ApiFailure::unauthorized(
            "the team's token opens the leader's share only; members use their own link",
        ));
    }
    let share = member(&team, member_id).ok_or_else(|| ApiFailure::not_found("member"))?;
    still_payable(&team, share, app.now())?;
    // Paid but not yet recorded (Stripe's report is on its way): a second
    // session would hold the member's card twice.
    if let Some(current) = &share.stripe_checkout_session_id {
        let session = app.payments.retrieve_checkout(current).await?;
        if session.status == SessionStatus::Complete
            && session.payment_status == SessionPaymentStatus::Paid
        {
            return Err(already_authorized());
        }
    }

    let opened = checkout::open(app, &payable(&team, share)).await?;
    if opened.fresh {
        let session_id = opened.session.session_id.clone();
        let recorded = app
            .records
            .update::<Team, ApiFailure>(team_id, |stored| {
                collecting(stored, app.now())?;
                let leader = is_leader(stored, member_id);
                let share = stored
                    .members
                    .iter_mut()
                    .find(|member| member.member_id.as_deref() == Some(member_id))
                    .ok_or_else(|| ApiFailure::not_found("member"))?;
                if share.status != MemberStatus::Pending {
                    return Err(already_authorized());
                }
                share.stripe_checkout_session_id = Some(session_id.clone());
                share.checkout_attempt = opened.attempt;
                if leader {
                    stored.stripe_checkout_session_id = Some(session_id.clone());
                }
                Ok(())
            })
            .await;
        if let Err(err) = recorded {
            // Nobody may pay a session the team does not know about.
            if let Err(expire) = app.payments.expire_checkout(&session_id).await {
                tracing::error!(error = %expire, session_id, "could not expire an unrecorded session");
            }
            return Err(err.into());
        }
    }
    Ok(ApiResponse::json(200, &opened.session))
}

/// The team still takes authorizations: pending, and before its deadline.
fn collecting(team: &Team, now: DateTime<Utc>) -> Result<(), ApiFailure> {
    let open = team.status == TeamStatus::PendingPayment
        && team.payment_deadline.is_none_or(|deadline| now < deadline);
    if open {
        Ok(())
    } else {
        Err(ApiFailure::conflict(
            "TEAM_NOT_COLLECTING",
            "this team is no longer collecting payments",
        ))
    }
}

fn still_payable(team: &Team, share: &TeamMember, now: DateTime<Utc>) -> Result<(), ApiFailure> {
    collecting(team, now)?;
    if share.status == MemberStatus::Pending {
        Ok(())
    } else {
        Err(already_authorized())
    }
}

fn already_authorized() -> ApiFailure {
    ApiFailure::conflict(
        "SHARE_ALREADY_AUTHORIZED",
        "this share is already authorized",
    )
}

/// Undoes a team that could not be offered for payment: its session (if
/// any) can no longer be paid, the team is `cancelled`, and then its journey
/// is no longer owed (if the process dies before, the journey runs and finds
/// the team cancelled).
async fn abandon(app: &App, team_id: &str, session_id: Option<&str>, journey: &Journey) {
    if let Some(session_id) = session_id
        && let Err(err) = app.payments.expire_checkout(session_id).await
    {
        tracing::error!(error = %err, session_id, "could not expire the abandoned session");
    }
    let marked = app
        .records
        .update::<Team, ()>(team_id, |stored| {
            stored.status = TeamStatus::Cancelled;
            Ok(())
        })
        .await;
    match marked {
        Ok(_) => journey_starts::forgive(app, journey).await,
        Err(err) => tracing::error!(error = ?err, team_id, "could not mark the team cancelled"),
    }
}

/// The session a member pays their share with now.
pub async fn current_session(app: &App, payee: &Payee) -> Result<Option<String>, ApiFailure> {
    let Some(member_id) = payee.member_id.as_deref() else {
        return Ok(None);
    };
    Ok(app
        .records
        .get::<Team>(&payee.record_id)
        .await?
        .and_then(|found| {
            member(&found.record, member_id)?
                .stripe_checkout_session_id
                .clone()
        }))
}

/// Sends the email `compose` makes of a member's share and the token of the
/// member's page; nothing when the team or member is gone.
pub(crate) async fn send_about<E: EmailTemplate>(
    app: &App,
    payee: &Payee,
    compose: impl for<'a> FnOnce(Payment<'a>, &str) -> Result<E, MailError>,
) -> Result<(), ApiFailure> {
    let Some(member_id) = payee.member_id.as_deref() else {
        return Ok(());
    };
    let Some(found) = app.records.get::<Team>(&payee.record_id).await? else {
        return Ok(());
    };
    let team = found.record;
    let Some(share) = member(&team, member_id) else {
        return Ok(());
    };
    let token = member_token(app, &team, share);
    let payment = Payment::TeamShare {
        team: &team,
        member: share,
    };
    let email = compose(payment, &token).map_err(ApiFailure::unavailable)?;
    crate::notify::send(app, &email)
        .await
        .map_err(ApiFailure::unavailable)
}

/// Stripe declined a member's attempt: tell that member, with a link that
/// opens a fresh checkout for their share.
pub async fn payment_failed(app: &App, payee: &Payee) -> Result<(), ApiFailure> {
    let Some(member_id) = payee.member_id.as_deref() else {
        return Ok(());
    };
    let Some(found) = app.records.get::<Team>(&payee.record_id).await? else {
        return Ok(());
    };
    let team = found.record;
    let Some(share) = member(&team, member_id) else {
        return Ok(());
    };
    if still_payable(&team, share, app.now()).is_err() {
        return Ok(());
    }
    let token = member_token(app, &team, share);
    let payment = Payment::TeamShare {
        team: &team,
        member: share,
    };
    payable::send_payment_failed(app, payment, &token).await
}

/// A member's captured share was refunded: the amount is recorded; refunded
/// in full, the member gets `refundedAt` (their access grant is revoked by
/// the caller), and once every share is refunded the team is `cancelled`.
pub async fn refunded(app: &App, payee: &Payee, refund: &ChargeRefund) -> Result<(), ApiFailure> {
    let Some(member_id) = payee.member_id.as_deref() else {
        return Ok(());
    };
    let now = app.now();
    payable::refunded(app, payee, |stored: &mut Team| {
        if let Some(share) = stored
            .members
            .iter_mut()
            .find(|member| member.member_id.as_deref() == Some(member_id))
        {
            refund.record_on(&mut share.amount_refunded);
            if refund.is_full() {
                share.refunded_at.get_or_insert(now);
            }
        }
        let all_refunded = stored
            .members
            .iter()
            .all(|member| member.refunded_at.is_some());
        if all_refunded && stored.status == TeamStatus::FullyPaid {
            stored.status = TeamStatus::Cancelled;
        }
    })
    .await
}
