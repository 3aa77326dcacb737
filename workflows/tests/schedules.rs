//! One-time schedules: fire at their time on the clock, start one
//! execution, survive a restart, and can be updated or deleted.

mod common;

use common::*;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use workflows::{Engine, ExecutionStatus, ScheduleSpec, SqliteStore};

fn spec(sm: &str, at: &str) -> ScheduleSpec {
    ScheduleSpec {
        name: "exam-42-reminder".into(),
        schedule_expression: format!("at({at})"),
        state_machine_arn: sm.into(),
        input: r#"{"examId": 42}"#.into(),
        enabled: true,
        delete_after_completion: false,
    }
}

fn reminder() -> serde_json::Value {
    json!({"StartAt": "Remind", "States": {"Remind": {"Type": "Pass", "End": true}}})
}

#[tokio::test]
async fn a_schedule_starts_its_execution_at_its_time() {
    let clock = virtual_clock();
    let engine = Engine::builder()
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    let sm = create(&engine, "reminder", &reminder());
    engine
        .create_schedule(&spec(&sm, "2026-01-02T09:00:00"))
        .unwrap();
    assert_eq!(
        engine
            .create_schedule(&spec(&sm, "2026-01-02T09:00:00"))
            .unwrap_err()
            .code(),
        "ConflictException"
    );
    until_timer(&clock).await;
    clock.advance(Duration::from_secs(33 * 3600 - 1));
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert!(engine.list_executions(&sm, None).unwrap().is_empty());
    clock.advance(Duration::from_secs(1));
    for _ in 0..1000 {
        if engine
            .get_schedule("exam-42-reminder")
            .unwrap()
            .execution_arn
            .is_some()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let arn = engine
        .get_schedule("exam-42-reminder")
        .unwrap()
        .execution_arn
        .unwrap();
    let d = engine.wait_for_completion(&arn).await.unwrap();
    assert_eq!(
        (d.status, d.input.as_str()),
        (ExecutionStatus::Succeeded, r#"{"examId": 42}"#)
    );
    assert_eq!(engine.list_executions(&sm, None).unwrap().len(), 1);
}

#[tokio::test]
async fn schedules_can_be_updated_and_deleted() {
    let clock = virtual_clock();
    let engine = Engine::builder()
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    let sm = create(&engine, "reminder", &reminder());
    let mut s = spec(&sm, "2026-01-02T09:00:00");
    assert_eq!(
        engine.update_schedule(&s).unwrap_err().code(),
        "ResourceNotFoundException"
    );
    s.schedule_expression = "cron(0 9 * * ? *)".into();
    assert_eq!(
        engine.create_schedule(&s).unwrap_err().code(),
        "ValidationException"
    );
    s.schedule_expression = "at(2026-01-02T09:00:00)".into();
    engine.create_schedule(&s).unwrap();
    s.schedule_expression = "at(2026-01-03T09:00:00)".into();
    engine.update_schedule(&s).unwrap();
    clock.advance(Duration::from_secs(2 * 86400));
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert!(
        engine.list_executions(&sm, None).unwrap().is_empty(),
        "the old time no longer fires"
    );
    engine.delete_schedule(&s.name).unwrap();
    assert_eq!(
        engine.delete_schedule(&s.name).unwrap_err().code(),
        "ResourceNotFoundException"
    );
    clock.advance(Duration::from_secs(86400));
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert!(engine.list_executions(&sm, None).unwrap().is_empty());
    assert!(engine.list_schedules().unwrap().is_empty());
}

#[test]
fn a_schedule_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("engine.db");
    let clock = virtual_clock();
    let sm = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let engine = Engine::builder()
            .store(Arc::new(SqliteStore::open(&db).unwrap()))
            .clock(clock.clone())
            .start()
            .await
            .unwrap();
        let sm = create(&engine, "reminder", &reminder());
        let mut s = spec(&sm, "2026-01-02T00:00:00");
        s.delete_after_completion = true;
        engine.create_schedule(&s).unwrap();
        sm
    });
    clock.advance(Duration::from_secs(86400));
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let engine = Engine::builder()
            .store(Arc::new(SqliteStore::open(&db).unwrap()))
            .clock(clock.clone())
            .start()
            .await
            .unwrap();
        for _ in 0..1000 {
            if engine.list_schedules().unwrap().is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        assert!(
            engine.list_schedules().unwrap().is_empty(),
            "deleted after completion"
        );
        let runs = engine.list_executions(&sm, None).unwrap();
        assert_eq!(runs.len(), 1);
        assert_eq!(
            engine
                .wait_for_completion(&runs[0].execution_arn)
                .await
                .unwrap()
                .status,
            ExecutionStatus::Succeeded
        );
    });
}
