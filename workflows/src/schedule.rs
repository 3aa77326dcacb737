//! One-time schedules that start an execution at a given time, named after
//! EventBridge Scheduler (`at(yyyy-mm-ddThh:mm:ss)` expressions, UTC).
//!
//! A schedule fires by starting an execution whose name is derived from the
//! schedule and its time, so a process that stops just after firing and
//! fires again on restart finds the same execution: it starts once.

use crate::engine::{Engine, check_name, execution_arn};
use crate::error::ApiError;
use crate::store::{Backoff, ScheduleRecord};
use chrono::{DateTime, NaiveDateTime, Utc};

/// What `CreateSchedule` / `UpdateSchedule` take.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleSpec {
    pub name: String,
    /// `at(2026-03-01T09:00:00)`, in UTC.
    pub schedule_expression: String,
    pub state_machine_arn: String,
    pub input: String,
    pub enabled: bool,
    pub delete_after_completion: bool,
}

fn parse_at(expr: &str) -> Result<DateTime<Utc>, ApiError> {
    let inner = expr
        .strip_prefix("at(")
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| {
            ApiError::Validation(format!(
                "only one-time at(...) schedules are supported, got '{expr}'"
            ))
        })?;
    NaiveDateTime::parse_from_str(inner, "%Y-%m-%dT%H:%M:%S")
        .map(|t| t.and_utc())
        .map_err(|e| ApiError::Validation(format!("invalid at() time '{inner}': {e}")))
}

impl Engine {
    /// `CreateSchedule`.
    pub fn create_schedule(&self, spec: &ScheduleSpec) -> Result<(), ApiError> {
        let name = &spec.name;
        if self
            .0
            .core
            .store
            .run_sync(|s| s.get_schedule(name))?
            .is_some()
        {
            return Err(ApiError::Conflict(format!(
                "Schedule {} already exists.",
                spec.name
            )));
        }
        self.put_schedule(spec)
    }

    /// `UpdateSchedule`: replaces the schedule, which fires again if its
    /// new time has not passed.
    pub fn update_schedule(&self, spec: &ScheduleSpec) -> Result<(), ApiError> {
        self.get_schedule(&spec.name)?;
        self.put_schedule(spec)
    }

    /// `DeleteSchedule`.
    pub fn delete_schedule(&self, name: &str) -> Result<(), ApiError> {
        if !self.0.core.store.run_sync(|s| s.delete_schedule(name))? {
            return Err(ApiError::ResourceNotFound(format!(
                "Schedule {name} does not exist."
            )));
        }
        if let Some(h) = self
            .0
            .schedules
            .lock()
            .expect("schedules lock")
            .remove(name)
        {
            h.abort();
        }
        Ok(())
    }

    /// `GetSchedule`.
    pub fn get_schedule(&self, name: &str) -> Result<ScheduleRecord, ApiError> {
        self.0
            .core
            .store
            .run_sync(|s| s.get_schedule(name))?
            .ok_or_else(|| ApiError::ResourceNotFound(format!("Schedule {name} does not exist.")))
    }

    /// `ListSchedules`.
    pub fn list_schedules(&self) -> Result<Vec<ScheduleRecord>, ApiError> {
        Ok(self.0.core.store.run_sync(|s| s.list_schedules())?)
    }

    fn put_schedule(&self, spec: &ScheduleSpec) -> Result<(), ApiError> {
        check_name(&spec.name)?;
        let at = parse_at(&spec.schedule_expression)?;
        serde_json::from_str::<serde_json::Value>(&spec.input)
            .map_err(|e| ApiError::Validation(format!("the input is not JSON: {e}")))?;
        let rec = ScheduleRecord {
            name: spec.name.clone(),
            at,
            state_machine_arn: spec.state_machine_arn.clone(),
            input: spec.input.clone(),
            enabled: spec.enabled,
            delete_after_completion: spec.delete_after_completion,
            execution_arn: None,
        };
        self.0.core.store.run_sync(|s| s.put_schedule(&rec))?;
        self.arm(rec);
        Ok(())
    }

    /// Sets (or replaces) the timer of a schedule that is still to fire.
    pub(crate) fn arm(&self, s: ScheduleRecord) {
        let mut timers = self.0.schedules.lock().expect("schedules lock");
        if let Some(h) = timers.remove(&s.name) {
            h.abort();
        }
        if !s.enabled || s.execution_arn.is_some() {
            return;
        }
        let engine = self.clone();
        let name = s.name.clone();
        let handle = tokio::spawn(async move {
            engine.0.core.clock.sleep_until(s.at).await;
            // A store error must not lose the execution: fire again later.
            let mut backoff = Backoff::default();
            while let Err(e) = engine.fire(&s).await {
                tracing::warn!(
                    schedule = %s.name, error = %e,
                    "store error; the schedule fires again in {:?}",
                    backoff.next()
                );
                backoff.wait().await;
            }
        });
        timers.insert(name, handle);
    }

    /// Starts the schedule's execution and records that it fired; fails
    /// only on a store error, after which firing again is safe.
    async fn fire(&self, s: &ScheduleRecord) -> Result<(), ApiError> {
        let store = &self.0.core.store;
        // The schedule may have changed since it was armed.
        let name = s.name.clone();
        let current = store.run(move |st| st.get_schedule(&name)).await?;
        let Some(mut current) = current.filter(|c| c == s) else {
            return Ok(());
        };
        let name = format!("{}-{}", s.name, s.at.timestamp());
        let arn = match self
            .start_execution(&s.state_machine_arn, Some(&name), Some(&s.input))
            .await
        {
            Ok(out) => out.execution_arn,
            Err(ApiError::ExecutionAlreadyExists(_)) => {
                let sm_name = s.state_machine_arn.rsplit(':').next().unwrap_or_default();
                execution_arn(sm_name, &name)
            }
            Err(e @ ApiError::Store(_)) => return Err(e),
            // Any other refusal (the state machine is gone) is final: the
            // schedule stays unfired.
            Err(_) => return Ok(()),
        };
        store
            .run(move |st| {
                if current.delete_after_completion {
                    st.delete_schedule(&current.name).map(|_| ())
                } else {
                    current.execution_arn = Some(arn);
                    st.put_schedule(&current)
                }
            })
            .await?;
        Ok(())
    }
}
