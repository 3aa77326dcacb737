//! Mock-exam seats: taken at registration, given back when a premium seat
//! goes unpaid or is refunded.
//!
//! Two rules hold together in one all-or-nothing batch: the exam's
//! `registeredCount` is incremented only while below its `capacity`, and the
//! registration is written under its candidate's next free key, which is
//! derived from (exam, the email's canonical key, n) with the server's
//! secret. A candidate's keys are taken in order and a key is only free
//! while nobody wrote it; the `n`-th is tried only once the one before it is
//! cancelled (a final state), so a candidate holds at most one live
//! registration per exam however many requests race, and may register again
//! after a cancellation.

use campaigns_contracts::records::{MockExam, MockRegistration, RegistrationStatus};
use campaigns_core::email::canonical_key;
use campaigns_records::optimistic::{self, Attempt};
use campaigns_records::{Condition, StoreError, Table, Write, typed};

use crate::context::App;
use crate::failure::ApiFailure;
use crate::ids::id_from_bytes;

/// The `n`-th registration key for `exam_id` of the person behind `email`:
/// case and `+tag` variants of one address share their keys.
fn registration_id(app: &App, exam_id: &str, email: &str, n: u32) -> String {
    let person = canonical_key(email);
    id_from_bytes(
        "reg",
        app.tokens
            .derive(&format!("mock-seat:{exam_id}:{person}:{n}")),
    )
}

/// Takes a seat for `registration` (whose id is set here) and stores it, in
/// one batch with what `owes(registration_id)` adds (its journey).
pub async fn reserve(
    app: &App,
    exam: &MockExam,
    mut registration: MockRegistration,
    owes: impl Fn(&str) -> Result<Vec<Write>, StoreError>,
) -> Result<MockRegistration, ApiFailure> {
    let email = registration.email.clone();
    optimistic::until_written(
        app.records.store(),
        &format!("{email}'s seats for {}", exam.mock_exam_id),
        || free_key(app, &exam.mock_exam_id, &email),
        |free| {
            let id = free.ok_or_else(already_registered)?;
            registration.registration_id = id;
            let mut writes = vec![
                typed::put(&registration, Condition::NotExists)?,
                Write::Increment {
                    table: Table::MockExams,
                    key: exam.mock_exam_id.clone(),
                    field: "registeredCount",
                    by: 1,
                    limit_field: Some("capacity"),
                },
            ];
            writes.extend(owes(&registration.registration_id)?);
            Ok(Attempt::Write(writes, registration.clone()))
        },
        |index| {
            // Another request of the same candidate took the key (and with
            // it the journey's name): look again. The seat count is the limit.
            (index == 1)
                .then(|| ApiFailure::conflict("EXAM_FULL", "every seat of this exam is taken"))
        },
    )
    .await
}

/// The candidate's first key nobody wrote, after their cancelled ones;
/// `None` when a key holds a live registration.
async fn free_key(app: &App, exam_id: &str, email: &str) -> Result<Option<String>, StoreError> {
    let mut n = 1;
    loop {
        let id = registration_id(app, exam_id, email, n);
        match app.records.get::<MockRegistration>(&id).await? {
            None => return Ok(Some(id)),
            Some(found) if found.record.status == RegistrationStatus::Cancelled => n += 1,
            Some(_) => return Ok(None),
        }
    }
}

fn already_registered() -> ApiFailure {
    ApiFailure::conflict(
        "ALREADY_REGISTERED",
        "this email is already registered for this exam",
    )
    .with_field("/email")
}

/// Cancels the registration and gives its seat back, in one batch; a
/// cancelled registration stays as it is. `None` if there is no such
/// registration.
pub async fn release(
    app: &App,
    registration_id: &str,
) -> Result<Option<MockRegistration>, StoreError> {
    optimistic::until_written(
        app.records.store(),
        &format!("registration {registration_id}"),
        || app.records.get::<MockRegistration>(registration_id),
        |found| {
            let Some(found) = found else {
                return Ok(Attempt::Done(None));
            };
            if found.record.status == RegistrationStatus::Cancelled {
                return Ok(Attempt::Done(Some(found.record)));
            }
            let cancelled = MockRegistration {
                status: RegistrationStatus::Cancelled,
                cancelled_at: Some(app.now()),
                ..found.record
            };
            let writes = vec![
                typed::put(&cancelled, Condition::Version(found.version))?,
                Write::Increment {
                    table: Table::MockExams,
                    key: cancelled.mock_exam_id.clone(),
                    field: "registeredCount",
                    by: -1,
                    limit_field: None,
                },
            ];
            Ok(Attempt::Write(writes, Some(cancelled)))
        },
        optimistic::always_retry::<StoreError>,
    )
    .await
}
