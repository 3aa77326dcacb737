//! A fault the tests inject between two writes (feature `faults`): `App`
//! with its records, workflows and access ports wrapped so that, after a
//! given number of writes (record batches, journey starts, access events
//! published), every further call hangs. A handler driven on it stops exactly there, as one whose process
//! was killed or whose Lambda timed out would; the test then drops it.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;

use async_trait::async_trait;
use campaigns_contracts::events::AccessEvent;
use campaigns_ports::access::{AccessEvents, AccessEventsError};
use campaigns_ports::workflows::{WorkflowError, Workflows};
use campaigns_records::port::Query;
use campaigns_records::{Item, RecordStore, Records, StoreError, Table, Write};
use serde_json::Value;

use crate::context::App;
use crate::http::{ApiRequest, ApiResponse, dispatch, route};

/// Counts writes; the ones after the limit never return.
#[derive(Debug)]
pub struct Interruption {
    limit: usize,
    writes: AtomicUsize,
}

impl Interruption {
    /// Writes made, those that never returned included.
    pub fn writes(&self) -> usize {
        self.writes.load(Ordering::SeqCst)
    }

    /// Whether the handler reached the interruption.
    pub fn struck(&self) -> bool {
        self.writes() > self.limit
    }

    /// Lets write number `writes + 1` through, or hangs forever.
    async fn write(&self) {
        if self.writes.fetch_add(1, Ordering::SeqCst) >= self.limit {
            std::future::pending::<()>().await;
        }
    }

    /// A read, which hangs once the process is "dead".
    async fn read(&self) {
        if self.struck() {
            std::future::pending::<()>().await;
        }
    }
}

/// The create `operation` with a JSON `body` and an `Idempotency-Key`, on
/// `app` interrupted after `writes` writes: `Some(answer)` if it answered
/// first, `None` if it stopped at the interruption (it is dropped there).
pub async fn create_interrupted(
    app: &App,
    operation: &str,
    body: &Value,
    idempotency_key: &str,
    writes: usize,
) -> Option<ApiResponse> {
    let (app, interruption) = interrupt_after(app, writes);
    let route = route(operation).expect("an operation of the route table");
    let request = ApiRequest {
        path_params: BTreeMap::new(),
        query: BTreeMap::new(),
        headers: BTreeMap::from([
            ("content-type".to_owned(), "application/json".to_owned()),
            ("idempotency-key".to_owned(), idempotency_key.to_owned()),
        ]),
        body: body.to_string().into_bytes(),
    };
    until_interrupted(&interruption, dispatch(&app, &route, request)).await
}

/// `run` (a future over an app from [`interrupt_after`]) until it answers,
/// `Some`, or stops at the interruption, `None` (it is dropped there).
pub async fn until_interrupted<T>(
    interruption: &Interruption,
    run: impl Future<Output = T>,
) -> Option<T> {
    let mut run = std::pin::pin!(run);
    // The hanging write marks the interruption within the poll that hangs,
    // so a pending poll after it means the handler stopped there.
    std::future::poll_fn(|cx| match run.as_mut().poll(cx) {
        Poll::Ready(answer) => Poll::Ready(Some(answer)),
        Poll::Pending if interruption.struck() => Poll::Ready(None),
        Poll::Pending => Poll::Pending,
    })
    .await
}

/// `app` whose records, workflows and access events stop answering after
/// `writes` writes.
pub fn interrupt_after(app: &App, writes: usize) -> (App, Arc<Interruption>) {
    let interruption = Arc::new(Interruption {
        limit: writes,
        writes: AtomicUsize::new(0),
    });
    let store = Arc::new(InterruptedStore {
        inner: app.records.clone(),
        interruption: interruption.clone(),
    });
    let workflows = Arc::new(InterruptedWorkflows {
        inner: app.workflows.clone(),
        interruption: interruption.clone(),
    });
    let access_events = Arc::new(InterruptedAccessEvents {
        inner: app.access_events.clone(),
        interruption: interruption.clone(),
    });
    let interrupted = App {
        records: Records::new(store),
        workflows,
        access_events,
        ..app.clone()
    };
    (interrupted, interruption)
}

struct InterruptedStore {
    inner: Records,
    interruption: Arc<Interruption>,
}

#[async_trait]
impl RecordStore for InterruptedStore {
    async fn get(&self, table: Table, key: &str) -> Result<Option<Item>, StoreError> {
        self.interruption.read().await;
        self.inner.store().get(table, key).await
    }

    async fn query(&self, query: &Query) -> Result<Vec<Item>, StoreError> {
        self.interruption.read().await;
        self.inner.store().query(query).await
    }

    async fn scan(&self, table: Table) -> Result<Vec<Item>, StoreError> {
        self.interruption.read().await;
        self.inner.store().scan(table).await
    }

    async fn transact(&self, writes: &[Write]) -> Result<(), StoreError> {
        self.interruption.write().await;
        self.inner.store().transact(writes).await
    }
}

struct InterruptedWorkflows {
    inner: Arc<dyn Workflows>,
    interruption: Arc<Interruption>,
}

#[async_trait]
impl Workflows for InterruptedWorkflows {
    async fn start(
        &self,
        state_machine: &str,
        name: &str,
        input: &Value,
    ) -> Result<String, WorkflowError> {
        self.interruption.write().await;
        self.inner.start(state_machine, name, input).await
    }

    async fn send_task_success(&self, token: &str, output: &Value) -> Result<(), WorkflowError> {
        self.interruption.write().await;
        self.inner.send_task_success(token, output).await
    }

    async fn send_task_failure(
        &self,
        token: &str,
        error: &str,
        cause: &str,
    ) -> Result<(), WorkflowError> {
        self.interruption.write().await;
        self.inner.send_task_failure(token, error, cause).await
    }

    async fn send_task_heartbeat(&self, token: &str) -> Result<(), WorkflowError> {
        self.interruption.read().await;
        self.inner.send_task_heartbeat(token).await
    }
}

struct InterruptedAccessEvents {
    inner: Arc<dyn AccessEvents>,
    interruption: Arc<Interruption>,
}

#[async_trait]
impl AccessEvents for InterruptedAccessEvents {
    async fn publish(&self, event: &AccessEvent) -> Result<(), AccessEventsError> {
        self.interruption.write().await;
        self.inner.publish(event).await
    }
}
