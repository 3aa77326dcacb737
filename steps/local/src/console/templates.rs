//! The console's templates and the values they show. Pages are minijinja
//! templates (`templates/`, embedded in the binary) that escape every value
//! by default, HTML and SVG alike, so a record, an execution's input or an
//! email can never inject markup into the console; no page is assembled by
//! hand.

use std::fmt::Write;
use std::sync::OnceLock;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::{Serde, Value};
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;

/// File name and source of every template.
const SOURCES: &[(&str, &str)] = &[
    ("layout.html", include_str!("templates/layout.html")),
    ("macros.html", include_str!("templates/macros.html")),
    ("message.html", include_str!("templates/message.html")),
    ("login.html", include_str!("templates/login.html")),
    ("executions.html", include_str!("templates/executions.html")),
    ("execution.html", include_str!("templates/execution.html")),
    ("graph.svg", include_str!("templates/graph.svg")),
    ("emails.html", include_str!("templates/emails.html")),
    ("email.html", include_str!("templates/email.html")),
    (
        "access_events.html",
        include_str!("templates/access_events.html"),
    ),
    ("records.html", include_str!("templates/records.html")),
];

/// The auto-escape of the console's markup: minijinja's HTML escaping
/// without its `/` → `&#x2f;`, which no text node or quoted attribute
/// needs, so paths and closing tags in data read as written in the source.
const MARKUP: &str = "markup";

/// Writes `text` for an HTML or SVG text node or a quoted attribute value.
fn write_escaped(out: &mut impl std::fmt::Write, text: &str) -> std::fmt::Result {
    let mut rest = text;
    while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
        out.write_str(&rest[..at])?;
        out.write_str(match rest.as_bytes()[at] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        })?;
        rest = &rest[at + 1..];
    }
    out.write_str(rest)
}

fn environment() -> &'static Environment<'static> {
    static ENVIRONMENT: OnceLock<Environment<'static>> = OnceLock::new();
    ENVIRONMENT.get_or_init(|| {
        let mut env = Environment::new();
        // Block tags on lines of their own leave no blank lines behind.
        env.set_syntax(
            SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .build()
                .expect("the default delimiters are valid"),
        );
        // A field a template names but its context lacks is an error, not a blank.
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        // Every value is escaped, in the SVG too (state names are data).
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") || name.ends_with(".svg") {
                AutoEscape::Custom(MARKUP.into())
            } else {
                AutoEscape::None
            }
        });
        env.set_formatter(|out, state, value| {
            if matches!(state.auto_escape(), AutoEscape::Custom(name) if name == MARKUP) {
                if value.is_safe() {
                    out.write_str(&value.to_string())?;
                } else {
                    write_escaped(out, &value.to_string())?;
                }
                Ok(())
            } else {
                minijinja::escape_formatter(out, state, value)
            }
        });
        for (name, source) in SOURCES {
            env.add_template(name, source)
                .unwrap_or_else(|err| panic!("console template {name} does not parse: {err:#}"));
        }
        env
    })
}

/// Renders the template `name` with `context`.
pub fn render(name: &str, context: &impl Serialize) -> Result<String, minijinja::Error> {
    environment()
        .get_template(name)?
        .render(Value::from(Serde(context)))
}

/// What every page gives the layout: its title, the navigation entry it
/// belongs to (none on the sign-in page, which also has no sign-out) and
/// its own fields.
#[derive(Serialize)]
struct Page<'a, T: Serialize> {
    title: &'a str,
    active: &'a str,
    #[serde(flatten)]
    fields: &'a T,
}

/// A whole console page with `status`: the template `name` (which extends
/// the layout) with `fields`.
pub fn page<T: Serialize>(
    status: StatusCode,
    name: &str,
    title: &str,
    active: &str,
    fields: &T,
) -> Response {
    match render(
        name,
        &Page {
            title,
            active,
            fields,
        },
    ) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(err) => {
            tracing::error!(template = name, error = %format!("{err:#}"), "console page not rendered");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The page could not be rendered.",
            )
                .into_response()
        }
    }
}

/// Percent-encodes a query parameter value.
pub fn url_param(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// A timestamp as people read it, to the second (UTC).
pub fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// A JSON text pretty-printed (or as given when it is not JSON).
pub fn pretty_json(text: &str) -> String {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|value| serde_json::to_string_pretty(&value).ok())
        .unwrap_or_else(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_query_values() {
        assert_eq!(
            url_param("arn:aws:states:x/y z&"),
            "arn%3Aaws%3Astates%3Ax%2Fy%20z%26"
        );
    }

    #[test]
    fn pages_escape_every_value() {
        #[derive(Serialize)]
        struct Message<'a> {
            message: &'a str,
        }
        let html = render(
            "message.html",
            &Page {
                title: "<b>'t'</b>",
                active: "executions",
                fields: &Message {
                    message: r#"<script>alert(1)</script>"onmouseover=&"#,
                },
            },
        )
        .expect("renders");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;onmouseover=&amp;"),
            "{html}"
        );
        assert!(html.contains("<title>&lt;b&gt;&#39;t&#39;&lt;/b&gt; · Campaigns console"));
        assert!(!html.contains("<script>") && !html.contains("<b>"));
    }
}
