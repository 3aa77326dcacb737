# The sender of every email (SES_FROM_EMAIL). A domain identity needs its DKIM
# records published (output ses_dkim_records); the account must be out of the
# SES sandbox to mail anyone who is not verified.

locals {
  ses_identity = coalesce(var.ses_identity, split("@", var.ses_from_email)[1])
}

resource "aws_sesv2_configuration_set" "campaigns" {
  configuration_set_name = "prodenthub-campaigns"

  delivery_options {
    tls_policy = "REQUIRE"
  }

  # Bounce and complaint rates per account feed the bounce alarm.
  reputation_options {
    reputation_metrics_enabled = true
  }

  sending_options {
    sending_enabled = true
  }
}

resource "aws_sesv2_email_identity" "sender" {
  email_identity = local.ses_identity
  # Every email from this identity goes through the configuration set above,
  # so the mailer need not name it.
  configuration_set_name = aws_sesv2_configuration_set.campaigns.configuration_set_name
}
