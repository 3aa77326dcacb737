//! The reference client at `/app` (embedded default only): one plain page
//! per journey start and per link the emails carry, calling the public API
//! under `/v1` as the campaigns frontend would. FRONTEND_URL defaults to
//! this server's `/app`, so every email's button on one machine lands here;
//! production emails link to the real frontend and nothing here is deployed.
//!
//! Pages are HTML fragments in `pages/`, framed here; their behaviour is one
//! vanilla JS module (`assets/pages.js`) over a small API helper
//! (`assets/api.js`). Everything is compiled in with `include_str!`: no
//! build step, no framework. Every answer carries a Content-Security-Policy
//! that allows only this origin's scripts, styles and requests (no inline
//! script), and no referrer, since links carry access tokens. See
//! `docs/app.md`.

use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

/// A page: its path under `/app` (also its key in `pages.js`), title and body.
struct Page {
    path: &'static str,
    title: &'static str,
    body: &'static str,
}

const PAGES: &[Page] = &[
    Page {
        path: "/",
        title: "Campaigns",
        body: include_str!("pages/index.html"),
    },
    Page {
        path: "/buy",
        title: "Buy a plan",
        body: include_str!("pages/buy.html"),
    },
    Page {
        path: "/team/new",
        title: "Create a team",
        body: include_str!("pages/team_new.html"),
    },
    Page {
        path: "/scholarship/apply",
        title: "Apply for a scholarship",
        body: include_str!("pages/scholarship_apply.html"),
    },
    Page {
        path: "/plan/new",
        title: "A personalized plan",
        body: include_str!("pages/plan_new.html"),
    },
    Page {
        path: "/mock-exams",
        title: "Mock exams",
        body: include_str!("pages/mock_exams.html"),
    },
    Page {
        path: "/pay",
        title: "Payment",
        body: include_str!("pages/pay.html"),
    },
    Page {
        path: "/team",
        title: "Your team",
        body: include_str!("pages/team.html"),
    },
    Page {
        path: "/scholarship",
        title: "Your scholarship",
        body: include_str!("pages/scholarship.html"),
    },
    Page {
        path: "/purchase",
        title: "Your purchase",
        body: include_str!("pages/purchase.html"),
    },
    Page {
        path: "/plan",
        title: "Your plan",
        body: include_str!("pages/plan.html"),
    },
    Page {
        path: "/mock-exam",
        title: "Your mock exam",
        body: include_str!("pages/mock_exam.html"),
    },
    Page {
        path: "/mock-exam/results",
        title: "Your results",
        body: include_str!("pages/mock_exam_results.html"),
    },
    Page {
        path: "/checkout/success",
        title: "Thank you",
        body: include_str!("pages/checkout_success.html"),
    },
    Page {
        path: "/checkout/cancel",
        title: "Checkout left",
        body: include_str!("pages/checkout_cancel.html"),
    },
];

/// This origin only, no inline script or style, no framing, no plugins.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; \
     frame-ancestors 'none'";

/// The client's routes: `/app`, its pages and assets (and `/app/`, which
/// a person may type, sent to `/app`).
pub fn router() -> Router {
    let mut router = Router::new()
        .route("/app/", get(|| async { Redirect::permanent("/app") }))
        .route(
            "/app/api.js",
            get(|| async { answer("text/javascript", include_str!("assets/api.js")) }),
        )
        .route(
            "/app/pages.js",
            get(|| async { answer("text/javascript", include_str!("assets/pages.js")) }),
        )
        .route(
            "/app/app.css",
            get(|| async { answer("text/css", include_str!("assets/app.css")) }),
        );
    for page in PAGES {
        let html = framed(page);
        let path = match page.path {
            "/" => "/app".to_owned(),
            path => format!("/app{path}"),
        };
        router = router.route(
            &path,
            get(move || async move { answer("text/html; charset=utf-8", html) }),
        );
    }
    router
}

/// A page in the frame every page shares. Titles and bodies are this
/// crate's own text; no request data is ever written into a page.
fn framed(page: &Page) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · ProDentHub</title><link rel=\"stylesheet\" href=\"/app/app.css\">\
         <script type=\"module\" src=\"/app/pages.js\"></script></head>\
         <body data-page=\"{path}\"><header><a href=\"/app\">ProDentHub campaigns</a>\
         <span>reference client on the embedded default</span></header>\
         <main>{body}</main></body></html>",
        title = page.title,
        path = page.path,
        body = page.body,
    )
}

fn answer(content_type: &'static str, body: impl Into<String>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body.into(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_has_its_behaviour_and_every_behaviour_its_page() {
        let script = include_str!("assets/pages.js");
        let table = &script[script.find("const PAGES = {").expect("the page table")..];
        for page in PAGES.iter().filter(|page| page.path != "/") {
            assert!(
                table.contains(&format!("'{}':", page.path)),
                "{} has no entry in pages.js",
                page.path
            );
        }
        let keyed = table.lines().filter(|line| line.contains("': ")).count();
        assert_eq!(keyed, PAGES.len() - 1, "pages.js names a page not served");
    }

    #[test]
    fn pages_carry_no_inline_script_or_style() {
        for page in PAGES {
            for forbidden in ["<script", "style=", "onclick", "onsubmit", "javascript:"] {
                assert!(
                    !page.body.contains(forbidden),
                    "{} contains {forbidden}",
                    page.path
                );
            }
        }
    }

    #[test]
    fn every_email_link_has_a_page() {
        let links = campaigns_mail::Links::new("http://127.0.0.1:8080/app").expect("a base");
        let served = |url: String| {
            let path = url
                .strip_prefix("http://127.0.0.1:8080/app")
                .and_then(|rest| rest.split('?').next())
                .expect("a link under the base")
                .to_owned();
            assert!(
                PAGES.iter().any(|page| page.path == path),
                "{path} is not served"
            );
        };
        served(links.pay(
            campaigns_mail::PayTarget {
                campaign: campaigns_core::campaign::CampaignId::TeamCreation,
                record_id: "team_1",
                member_id: Some("mem_1"),
            },
            "tok",
        ));
        served(links.team("team_1", "tok"));
        served(links.scholarship("sch_1", "tok"));
        served(links.purchase("pur_1", "tok"));
        served(links.plan("plan_1", "tok"));
        served(links.mock_exam("reg_1", "tok"));
        served(links.mock_exam_results("mex_1", "reg_1", "tok"));
    }
}
