//! Every route of the route table is served, and answers requests that are
//! empty, malformed, unauthorized or about unknown records with a 4xx and the
//! API's error body — never a 5xx, never a route documented but missing.

use campaigns_contracts::routes::{Method, routes};
use campaigns_tests::Product;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_bad_requests_with_a_4xx_error_body() {
    let product = Product::start().await;
    let client = reqwest::Client::new();
    for route in routes() {
        let path = route
            .path_params()
            .iter()
            .fold(route.path.to_owned(), |path, name| {
                path.replace(&format!("{{{name}}}"), "x_unknown")
            });
        let url = format!("{}{path}", product.embedded.api_url());
        for body in ["", "{}", "[1,", "{\"unexpected\": true}"] {
            let request = match route.method {
                Method::Get => client.get(&url),
                Method::Post => client
                    .post(&url)
                    .header("Content-Type", "application/json")
                    .body(body),
            };
            let response = request.send().await.expect("the product answers");
            let status = response.status().as_u16();
            let error: Value = response.json().await.unwrap_or(Value::Null);
            // A public listing has nothing to refuse.
            if route.method == Method::Get && route.path_params().is_empty() && status == 200 {
                continue;
            }
            assert!(
                (400..500).contains(&status),
                "{} {path} with {body:?} answered {status}: {error}",
                route.method.as_str()
            );
            assert!(
                error["error"]["code"]
                    .as_str()
                    .is_some_and(|code| !code.is_empty() && code != "ROUTE_NOT_FOUND"),
                "{} {path} with {body:?}: {error}",
                route.method.as_str()
            );
        }
    }
}
