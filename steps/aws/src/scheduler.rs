//! The schedules port on EventBridge Scheduler: one one-time `at()` schedule
//! per run (an exam's reminder, its statistics), in our schedule group, whose
//! target is the journey's state machine.

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_scheduler::Client;
use aws_sdk_scheduler::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_scheduler::types::{
    ActionAfterCompletion, FlexibleTimeWindow, FlexibleTimeWindowMode, Target,
};
use campaigns_ports::schedules::{Schedule, ScheduleError, Scheduler};

use crate::settings::AwsSettings;

pub struct EventBridgeScheduler {
    client: Client,
    settings: AwsSettings,
}

impl EventBridgeScheduler {
    /// Schedules in SCHEDULE_GROUP_NAME, started as SCHEDULER_ROLE_ARN.
    pub fn new(sdk: &SdkConfig, settings: &AwsSettings) -> EventBridgeScheduler {
        EventBridgeScheduler {
            client: Client::new(sdk),
            settings: settings.clone(),
        }
    }

    /// A state machine as a templated target: the scheduler calls
    /// StartExecution with the schedule's input.
    fn target(&self, schedule: &Schedule) -> Result<Target, ScheduleError> {
        Target::builder()
            .arn(self.settings.state_machine_arn(&schedule.state_machine))
            .role_arn(&self.settings.scheduler_role_arn)
            .input(schedule.input.to_string())
            .build()
            .map_err(unavailable)
    }
}

/// The `at()` expression of an instant, to the second, in UTC.
fn at_expression(schedule: &Schedule) -> String {
    format!("at({})", schedule.at.format("%Y-%m-%dT%H:%M:%S"))
}

fn unavailable(err: impl std::error::Error) -> ScheduleError {
    ScheduleError::Unavailable(DisplayErrorContext(err).to_string())
}

/// Fills a CreateSchedule or an UpdateSchedule request (the two take the
/// whole definition, with the same setters).
macro_rules! definition {
    ($request:expr, $scheduler:expr, $schedule:expr) => {
        $request
            .name(&$schedule.name)
            .group_name(&$scheduler.settings.schedule_group)
            .schedule_expression(at_expression($schedule))
            .schedule_expression_timezone("UTC")
            .flexible_time_window(
                FlexibleTimeWindow::builder()
                    .mode(FlexibleTimeWindowMode::Off)
                    .build()
                    .map_err(unavailable)?,
            )
            .target($scheduler.target($schedule)?)
            // A one-time schedule that has run has nothing left to do.
            .action_after_completion(ActionAfterCompletion::Delete)
    };
}

#[async_trait]
impl Scheduler for EventBridgeScheduler {
    /// Creates the schedule; if one of that name exists (ConflictException),
    /// replaces its definition, which moves it.
    async fn upsert(&self, schedule: &Schedule) -> Result<(), ScheduleError> {
        let created = definition!(self.client.create_schedule(), self, schedule)
            .send()
            .await;
        match created {
            Ok(_) => Ok(()),
            Err(err) if err.code() == Some("ConflictException") => {
                definition!(self.client.update_schedule(), self, schedule)
                    .send()
                    .await
                    .map(drop)
                    .map_err(unavailable)
            }
            Err(err) => Err(unavailable(err)),
        }
    }

    async fn delete(&self, name: &str) -> Result<(), ScheduleError> {
        let deleted = self
            .client
            .delete_schedule()
            .name(name)
            .group_name(&self.settings.schedule_group)
            .send()
            .await;
        match deleted {
            Err(err) if err.code() != Some("ResourceNotFoundException") => Err(unavailable(err)),
            _ => Ok(()),
        }
    }
}
