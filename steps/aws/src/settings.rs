//! What the adapters need to know beyond the SDK's own configuration: which
//! table, bucket, schedule group, state machines and event bus are ours.
//!
//! Credentials, region and endpoint come from the `aws_config::SdkConfig`
//! (so `AWS_ENDPOINT_URL` points every client at an emulator in tests); the
//! rest is read once, at a Lambda's init, from the seed §7 variables and the
//! few this crate adds.

use std::collections::BTreeMap;

use campaigns_records::Table;

/// Names of the project's AWS resources, read from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsSettings {
    /// Each table's name: its `TableDef::env_var`, else its `default_name`.
    pub tables: BTreeMap<Table, String>,
    /// S3_SCORE_REPORTS_BUCKET (default `prodenthub-score-reports`).
    pub score_reports_bucket: String,
    /// STATE_MACHINE_ARN_PREFIX, e.g. `arn:aws:states:ap-southeast-2:123456789012:stateMachine:`;
    /// a state machine's ARN is this prefix and its name.
    pub state_machine_arn_prefix: String,
    /// SCHEDULE_GROUP_NAME (default `prodenthub-campaigns`): a group of our
    /// own, so IAM can scope the scheduler permissions to it.
    pub schedule_group: String,
    /// SCHEDULER_ROLE_ARN: the role EventBridge Scheduler assumes to start
    /// executions.
    pub scheduler_role_arn: String,
    /// ACCESS_EVENT_BUS_NAME (default `prodenthub-campaigns`): the
    /// EventBridge bus the access events go to.
    pub access_event_bus: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SettingsError {
    #[error("{0} is not set")]
    Missing(&'static str),
    #[error("{name} is malformed: {reason}")]
    Malformed { name: &'static str, reason: String },
}

pub const SCORE_REPORTS_BUCKET_VAR: &str = "S3_SCORE_REPORTS_BUCKET";
pub const STATE_MACHINE_ARN_PREFIX_VAR: &str = "STATE_MACHINE_ARN_PREFIX";
pub const SCHEDULE_GROUP_VAR: &str = "SCHEDULE_GROUP_NAME";
pub const SCHEDULER_ROLE_ARN_VAR: &str = "SCHEDULER_ROLE_ARN";
pub const ACCESS_EVENT_BUS_VAR: &str = "ACCESS_EVENT_BUS_NAME";

impl AwsSettings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<AwsSettings, SettingsError> {
        AwsSettings::from_vars(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `var` (the environment, or a map in tests).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<AwsSettings, SettingsError> {
        let or_default =
            |name: &str, default: &str| var(name).unwrap_or_else(|| default.to_owned());
        let required = |name: &'static str| var(name).ok_or(SettingsError::Missing(name));
        let tables = Table::ALL
            .iter()
            .map(|table| {
                let def = table.def();
                (*table, or_default(def.env_var, def.default_name))
            })
            .collect();
        let state_machine_arn_prefix = required(STATE_MACHINE_ARN_PREFIX_VAR)?;
        if !(state_machine_arn_prefix.starts_with("arn:")
            && state_machine_arn_prefix.ends_with(":stateMachine:"))
        {
            return Err(SettingsError::Malformed {
                name: STATE_MACHINE_ARN_PREFIX_VAR,
                reason: "expected arn:PARTITION:states:REGION:ACCOUNT:stateMachine:".into(),
            });
        }
        Ok(AwsSettings {
            tables,
            score_reports_bucket: or_default(SCORE_REPORTS_BUCKET_VAR, "prodenthub-score-reports"),
            state_machine_arn_prefix,
            schedule_group: or_default(SCHEDULE_GROUP_VAR, "prodenthub-campaigns"),
            scheduler_role_arn: required(SCHEDULER_ROLE_ARN_VAR)?,
            access_event_bus: or_default(ACCESS_EVENT_BUS_VAR, "prodenthub-campaigns"),
        })
    }

    /// The name of `table` in this deployment.
    pub fn table_name(&self, table: Table) -> &str {
        &self.tables[&table]
    }

    /// The ARN of the state machine called `name`.
    pub fn state_machine_arn(&self, name: &str) -> String {
        format!("{}{name}", self.state_machine_arn_prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: BTreeMap<String, String> = pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        move |name| pairs.get(name).cloned()
    }

    const PREFIX: &str = "arn:aws:states:ap-southeast-2:123456789012:stateMachine:";
    const ROLE: &str = "arn:aws:iam::123456789012:role/scheduler";

    #[test]
    fn defaults_are_the_seed_names_and_variables_override_them() {
        let settings = AwsSettings::from_vars(vars(&[
            (STATE_MACHINE_ARN_PREFIX_VAR, PREFIX),
            (SCHEDULER_ROLE_ARN_VAR, ROLE),
            ("DYNAMODB_COUPONS_TABLE", "staging-coupons"),
        ]))
        .expect("settings");
        assert_eq!(settings.table_name(Table::Teams), "prodenthub-teams");
        assert_eq!(settings.table_name(Table::Coupons), "staging-coupons");
        assert_eq!(settings.score_reports_bucket, "prodenthub-score-reports");
        assert_eq!(settings.schedule_group, "prodenthub-campaigns");
        assert_eq!(
            settings.state_machine_arn("mock-exam"),
            format!("{PREFIX}mock-exam")
        );
    }

    #[test]
    fn the_prefix_and_the_role_are_required_and_the_prefix_checked() {
        assert_eq!(
            AwsSettings::from_vars(vars(&[(SCHEDULER_ROLE_ARN_VAR, ROLE)])),
            Err(SettingsError::Missing(STATE_MACHINE_ARN_PREFIX_VAR))
        );
        assert_eq!(
            AwsSettings::from_vars(vars(&[(STATE_MACHINE_ARN_PREFIX_VAR, PREFIX)])),
            Err(SettingsError::Missing(SCHEDULER_ROLE_ARN_VAR))
        );
        assert!(matches!(
            AwsSettings::from_vars(vars(&[
                (
                    STATE_MACHINE_ARN_PREFIX_VAR,
                    "arn:aws:states:ap-southeast-2:123456789012"
                ),
                (SCHEDULER_ROLE_ARN_VAR, ROLE),
            ])),
            Err(SettingsError::Malformed { .. })
        ));
    }
}
