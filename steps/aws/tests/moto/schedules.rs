//! One-time schedules created, moved and deleted, read back through the
//! Scheduler API.

use aws_sdk_scheduler::Client;
use campaigns_aws::EventBridgeScheduler;
use campaigns_ports::schedules::{Schedule, Scheduler};
use chrono::{TimeZone, Utc};
use serde_json::json;

use crate::common::{sdk_config, settings, unique};

#[tokio::test]
async fn schedules_are_created_moved_and_deleted() {
    let sdk = sdk_config().await;
    let settings = settings();
    let client = Client::new(&sdk);
    client
        .create_schedule_group()
        .name(&settings.schedule_group)
        .send()
        .await
        .expect("group");
    let scheduler = EventBridgeScheduler::new(&sdk, &settings);
    let name = unique("mock-exam-reminder-");
    let mut schedule = Schedule {
        name: name.clone(),
        at: Utc.with_ymd_and_hms(2030, 3, 14, 9, 0, 0).unwrap(),
        state_machine: "mock-exam-reminder".into(),
        input: json!({"mockExamId": "mock_1"}),
    };
    let read_back = || async {
        client
            .get_schedule()
            .group_name(&settings.schedule_group)
            .name(&name)
            .send()
            .await
    };

    scheduler.upsert(&schedule).await.expect("create");
    let created = read_back().await.expect("get");
    assert_eq!(
        created.schedule_expression(),
        Some("at(2030-03-14T09:00:00)")
    );
    assert_eq!(created.schedule_expression_timezone(), Some("UTC"));
    let target = created.target().expect("target");
    assert_eq!(
        target.arn(),
        settings.state_machine_arn("mock-exam-reminder")
    );
    assert_eq!(target.role_arn(), settings.scheduler_role_arn);
    assert_eq!(
        target
            .input()
            .map(serde_json::from_str::<serde_json::Value>)
            .transpose()
            .expect("json"),
        Some(json!({"mockExamId": "mock_1"}))
    );

    schedule.at = Utc.with_ymd_and_hms(2030, 3, 21, 9, 30, 0).unwrap();
    scheduler.upsert(&schedule).await.expect("move");
    let moved = read_back().await.expect("get");
    assert_eq!(moved.schedule_expression(), Some("at(2030-03-21T09:30:00)"));
    let listed = client
        .list_schedules()
        .group_name(&settings.schedule_group)
        .send()
        .await
        .expect("list");
    assert_eq!(listed.schedules().len(), 1, "moved, not added");

    scheduler.delete(&name).await.expect("delete");
    let gone = read_back().await.expect_err("deleted");
    assert!(
        gone.as_service_error()
            .is_some_and(|err| err.is_resource_not_found_exception()),
        "{gone:?}"
    );
    scheduler
        .delete(&name)
        .await
        .expect("deleting again is fine");
}
