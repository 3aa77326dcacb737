//! Who emails come from, who sells, where alerts go and where links point,
//! from the environment.

use campaigns_core::gst::Abn;
use serde::Serialize;

use crate::render::render;
use crate::{EmailTemplate, Links, MailError, OutgoingEmail};

/// Where operational alerts go when OPS_EMAIL is not set.
const LOCAL_OPS_EMAIL: &str = "ops@prodenthub.com.au";

/// The sender address, the seller, the ops address and the frontend links
/// every email is composed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSettings {
    /// SES_FROM_EMAIL.
    pub from: String,
    /// Built from FRONTEND_URL.
    pub links: Links,
    /// SELLER_LEGAL_NAME and SELLER_ABN: who every tax invoice is from.
    pub seller: Seller,
    /// OPS_EMAIL: where alerts for people (a dispute opened, an exam's results missing) go.
    pub ops_email: String,
}

/// The seller named on tax invoices and adjustment notes. Every template
/// sees it as `seller`, as it sees the subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Seller {
    legal_name: String,
    /// As shown on an invoice: `51 824 753 556`.
    abn: String,
}

impl Seller {
    /// The legal entity and its ABN, which must pass the ATO's check digits.
    pub fn new(legal_name: &str, abn: &str) -> Result<Seller, MailError> {
        let legal_name = legal_name.trim();
        if legal_name.is_empty() {
            return Err(MailError::Config("SELLER_LEGAL_NAME is empty".into()));
        }
        let abn = Abn::parse(abn).map_err(|err| MailError::Config(format!("SELLER_ABN: {err}")))?;
        Ok(Seller {
            legal_name: legal_name.into(),
            abn: abn.to_string(),
        })
    }

    /// For local runs, tests and previews: it says on every invoice that it
    /// is not the real seller, so nobody mistakes one for a valid invoice.
    pub fn local_default() -> Seller {
        Seller {
            legal_name: "ProDentHub Pty Ltd (local default)".into(),
            abn: "00 000 000 000 (placeholder, not a real ABN)".into(),
        }
    }
}

impl MailSettings {
    /// For local runs and tests: `from` and `links`, the placeholder seller
    /// and the default ops address.
    pub fn new(from: impl Into<String>, links: Links) -> MailSettings {
        MailSettings {
            from: from.into(),
            links,
            seller: Seller::local_default(),
            ops_email: LOCAL_OPS_EMAIL.into(),
        }
    }

    /// Reads SES_FROM_EMAIL and FRONTEND_URL (seed §7), SELLER_LEGAL_NAME
    /// with SELLER_ABN, and OPS_EMAIL.
    pub fn from_env() -> Result<MailSettings, MailError> {
        MailSettings::from_vars(|name| std::env::var(name).ok())
    }

    /// The settings from `var`, which looks a variable up by name. The seller
    /// is both variables or neither (then the placeholder): half a seller is
    /// a mistake, not a default.
    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<MailSettings, MailError> {
        let set = |name: &str| var(name).filter(|value| !value.trim().is_empty());
        let required =
            |name: &str| set(name).ok_or_else(|| MailError::Config(format!("{name} is not set")));
        let seller = match (set("SELLER_LEGAL_NAME"), set("SELLER_ABN")) {
            (Some(name), Some(abn)) => Seller::new(&name, &abn)?,
            (None, None) => Seller::local_default(),
            _ => {
                return Err(MailError::Config(
                    "SELLER_LEGAL_NAME and SELLER_ABN are set together or not at all".into(),
                ));
            }
        };
        Ok(MailSettings {
            from: address("SES_FROM_EMAIL", required("SES_FROM_EMAIL")?)?,
            links: Links::new(&required("FRONTEND_URL")?)?,
            seller,
            ops_email: address(
                "OPS_EMAIL",
                set("OPS_EMAIL").unwrap_or_else(|| LOCAL_OPS_EMAIL.into()),
            )?,
        })
    }

    /// Renders `email` into a message ready for a [`crate::Mailer`].
    pub fn compose<T: EmailTemplate>(&self, email: &T) -> Result<OutgoingEmail, MailError> {
        let (html, text) = render(email, &self.seller)?;
        Ok(OutgoingEmail {
            to: email.to().to_string(),
            from: self.from.clone(),
            subject: email.subject(),
            html,
            text,
            template: T::NAME,
        })
    }
}

/// `value` of the variable `name`, if it is an email address.
fn address(name: &str, value: String) -> Result<String, MailError> {
    if value.contains('@') {
        Ok(value)
    } else {
        Err(MailError::Config(format!(
            "{name} must be an email address, got {value:?}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<MailSettings, MailError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        MailSettings::from_vars(|name| vars.get(name).cloned())
    }

    const BASE: [(&str, &str); 2] = [
        ("SES_FROM_EMAIL", "noreply@prodenthub.com.au"),
        ("FRONTEND_URL", "https://campaigns.prodenthub.com.au"),
    ];

    #[test]
    fn a_configured_seller_is_on_the_settings_with_its_abn_spaced() {
        let settings = settings(&[
            BASE[0],
            BASE[1],
            ("SELLER_LEGAL_NAME", " ProDentHub Pty Ltd "),
            ("SELLER_ABN", "51824753556"),
            ("OPS_EMAIL", "payments-ops@prodenthub.com.au"),
        ])
        .unwrap();
        assert_eq!(
            settings.seller,
            Seller {
                legal_name: "ProDentHub Pty Ltd".into(),
                abn: "51 824 753 556".into(),
            }
        );
        assert_eq!(settings.ops_email, "payments-ops@prodenthub.com.au");
    }

    #[test]
    fn without_a_seller_or_ops_address_the_defaults_say_what_they_are() {
        let settings = settings(&BASE).unwrap();
        assert_eq!(settings.seller, Seller::local_default());
        assert!(settings.seller.legal_name.contains("local default"));
        assert!(settings.seller.abn.contains("placeholder"));
        assert_eq!(settings.ops_email, LOCAL_OPS_EMAIL);
    }

    #[test]
    fn a_wrong_abn_half_a_seller_or_a_bad_ops_address_is_a_config_error() {
        for extra in [
            &[
                ("SELLER_LEGAL_NAME", "ProDentHub Pty Ltd"),
                ("SELLER_ABN", "51 824 753 557"),
            ][..],
            &[
                ("SELLER_LEGAL_NAME", "ProDentHub Pty Ltd"),
                ("SELLER_ABN", "5182475355"),
            ],
            &[("SELLER_ABN", "51 824 753 556")],
            &[("SELLER_LEGAL_NAME", "ProDentHub Pty Ltd")],
            &[("OPS_EMAIL", "ops")],
        ] {
            let vars: Vec<_> = BASE.iter().chain(extra).copied().collect();
            let err = settings(&vars).unwrap_err();
            assert_eq!(err.name(), "Mail.Config", "{extra:?}: {err}");
        }
        let err = settings(&[
            BASE[0],
            BASE[1],
            ("SELLER_LEGAL_NAME", "ProDentHub Pty Ltd"),
            ("SELLER_ABN", "51 824 753 557"),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("check digits"), "{err}");
    }

    #[test]
    fn the_sender_and_frontend_are_still_required() {
        assert_eq!(settings(&[BASE[1]]).unwrap_err().name(), "Mail.Config");
        assert_eq!(settings(&[BASE[0]]).unwrap_err().name(), "Mail.Config");
        assert_eq!(
            settings(&[("SES_FROM_EMAIL", "noreply"), BASE[1]])
                .unwrap_err()
                .name(),
            "Mail.Config"
        );
    }
}
