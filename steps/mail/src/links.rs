//! Every link an email carries, built from FRONTEND_URL in one place.
//!
//! Emails link to frontend pages, never to the API or to a Stripe session:
//! a Checkout Session lives at most 24 hours, so a payment page asks the API
//! for a fresh one when it opens. Each link names its record by id and
//! carries the record's access token, which the page sends back as
//! `X-Access-Token`. `docs/emails.md` lists the paths for the frontend.

use campaigns_core::campaign::CampaignId;

use crate::MailError;

/// The frontend's address and the paths of the pages emails link to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    /// Absolute, without a trailing slash.
    base: String,
}

/// What a payment page pays for: the fields of `POST /checkout/create`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayTarget<'a> {
    pub campaign: CampaignId,
    pub record_id: &'a str,
    /// For a team: whose share.
    pub member_id: Option<&'a str>,
}

impl Links {
    /// `frontend_url` is FRONTEND_URL: an absolute http(s) URL, optionally
    /// with a path prefix, without a query or fragment.
    pub fn new(frontend_url: &str) -> Result<Links, MailError> {
        let base = frontend_url.trim().trim_end_matches('/');
        let host = base
            .strip_prefix("https://")
            .or_else(|| base.strip_prefix("http://"))
            .ok_or_else(|| {
                MailError::Config(format!(
                    "FRONTEND_URL must start with https:// or http://, got {frontend_url:?}"
                ))
            })?;
        if host.is_empty() || host.contains(['?', '#', ' ']) {
            return Err(MailError::Config(format!(
                "FRONTEND_URL must be a base URL without a query or fragment, got {frontend_url:?}"
            )));
        }
        Ok(Links { base: base.into() })
    }

    /// The payment page: it asks the API for a fresh checkout of `target`
    /// and redirects to it.
    pub fn pay(&self, target: PayTarget<'_>, token: &str) -> String {
        let mut query = vec![
            ("campaignId", target.campaign.as_str()),
            ("recordId", target.record_id),
        ];
        query.extend(target.member_id.map(|member| ("memberId", member)));
        query.push(("token", token));
        self.page("/pay", &query)
    }

    /// A team's page: members, shares and status.
    pub fn team(&self, team_id: &str, token: &str) -> String {
        self.page("/team", &[("teamId", team_id), ("token", token)])
    }

    /// A scholarship application's page: calculation, decision, payment.
    pub fn scholarship(&self, scholarship_id: &str, token: &str) -> String {
        self.page(
            "/scholarship",
            &[("scholarshipId", scholarship_id), ("token", token)],
        )
    }

    /// A purchase's receipt.
    pub fn purchase(&self, purchase_id: &str, token: &str) -> String {
        self.page(
            "/purchase",
            &[("purchaseId", purchase_id), ("token", token)],
        )
    }

    /// A personalized plan and its roadmap.
    pub fn plan(&self, plan_id: &str, token: &str) -> String {
        self.page("/plan", &[("planId", plan_id), ("token", token)])
    }

    /// A mock-exam registration: the exam's details and the way in.
    pub fn mock_exam(&self, registration_id: &str, token: &str) -> String {
        self.page(
            "/mock-exam",
            &[("registrationId", registration_id), ("token", token)],
        )
    }

    /// A registrant's results next to the exam's statistics.
    pub fn mock_exam_results(
        &self,
        mock_exam_id: &str,
        registration_id: &str,
        token: &str,
    ) -> String {
        self.page(
            "/mock-exam/results",
            &[
                ("mockExamId", mock_exam_id),
                ("registrationId", registration_id),
                ("token", token),
            ],
        )
    }

    fn page(&self, path: &str, query: &[(&str, &str)]) -> String {
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(query)
            .finish();
        format!("{}{path}?{query}", self.base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_absolute_and_encode_their_parameters() {
        let links = Links::new("https://campaigns.example.com/app/").unwrap();
        assert_eq!(
            links.pay(
                PayTarget {
                    campaign: CampaignId::TeamCreation,
                    record_id: "team_1",
                    member_id: Some("mem 2"),
                },
                "tok+/&=?",
            ),
            "https://campaigns.example.com/app/pay?campaignId=team-creation&recordId=team_1&memberId=mem+2&token=tok%2B%2F%26%3D%3F"
        );
    }

    #[test]
    fn a_frontend_url_must_be_an_absolute_base() {
        for bad in [
            "campaigns.example.com",
            "https://",
            "https://x.com/?a=1",
            "ftp://x.com",
        ] {
            assert_eq!(Links::new(bad).unwrap_err().name(), "Mail.Config", "{bad}");
        }
    }
}
