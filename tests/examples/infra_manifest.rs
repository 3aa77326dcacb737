//! Prints, as JSON, what `infra/` must provision for this build: the tables
//! (keys, indexes, TTL, the variable naming each), the routes and the Lambda
//! function serving each, the journey steps (function names and the `${…}`
//! placeholders the definitions use), each function's ports and deployment
//! package, the state machines, and the business metrics (EMF) and the
//! campaigns they are counted by.
//!
//! `tests/infra/consistency.py` compares it with the Terraform, so the lists
//! are read from the code rather than restated.
//!
//!     cargo run -q -p campaigns-tests --example infra_manifest

use campaigns_contracts::routes::{Access, routes};
use campaigns_records::Table;
use serde_json::{Value, json};

fn main() {
    let tables: Vec<Value> = Table::ALL
        .iter()
        .map(|table| {
            let def = table.def();
            json!({
                "name": def.default_name,
                "envVar": def.env_var,
                "key": def.key,
                "ttl": def.ttl,
                "indexes": def.indexes.iter().map(|index| json!({
                    "name": index.name,
                    "hash": index.hash,
                    "range": index.range,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let routes: Vec<Value> = routes()
        .iter()
        .map(|route| {
            let access = match route.access {
                Access::Public => "public",
                Access::RecordToken => "record-token",
                Access::Admin => "admin",
                Access::StripeSignature => "stripe-signature",
            };
            json!({
                "method": route.method.as_str(),
                "path": route.path,
                "operationId": route.operation_id,
                "lambda": route.lambda,
                "access": access,
                "request": route.request.map(|body| (body.name)()),
            })
        })
        .collect();
    let steps: Vec<Value> = campaigns_app::steps::all()
        .iter()
        .map(|step| {
            json!({
                "name": step.name,
                "function": step.function_name(),
                "placeholder": step.placeholder(),
            })
        })
        .collect();
    let port_names = |ports: &[campaigns_app::wiring::Port]| -> Vec<String> {
        ports.iter().map(|port| format!("{port:?}")).collect()
    };
    let functions: Vec<Value> = campaigns_lambda::Function::all()
        .iter()
        .map(|function| {
            json!({
                "name": function.name,
                "ports": port_names(function.ports),
                "package": function.package().name,
            })
        })
        .collect();
    let packages: Vec<Value> = campaigns_lambda::PACKAGES
        .iter()
        .map(|package| json!({"name": package.name, "ports": port_names(package.ports)}))
        .collect();
    let metrics: Vec<Value> = campaigns_app::metrics::ALL
        .iter()
        .map(|metric| {
            json!({
                "name": metric.name,
                "unit": metric.unit.as_str(),
                "dimensions": metric.dimensions,
            })
        })
        .collect();
    let campaigns: Vec<&str> = campaigns_core::campaign::CampaignId::ALL
        .iter()
        .map(|campaign| campaign.as_str())
        .collect();
    let manifest = json!({
        "tables": tables,
        "routes": routes,
        "steps": steps,
        "functions": functions,
        "packages": packages,
        "stateMachines": campaigns_app::steps::state_machines(),
        "metrics": metrics,
        "metricsNamespace": campaigns_app::metrics::NAMESPACE,
        "campaigns": campaigns,
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&manifest).expect("the manifest serializes")
    );
}
