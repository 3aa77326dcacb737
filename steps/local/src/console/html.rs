//! Escaping and the page frame. Every value that reaches a page goes
//! through [`esc`] (text and attribute values alike), so a record or an
//! email can never inject markup into the console.

use std::fmt::Write;

use chrono::{DateTime, Utc};

/// Escapes text for an HTML text node or a quoted attribute value.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
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

/// A JSON text pretty-printed (or as given when it is not JSON), escaped.
pub fn pretty_json(text: &str) -> String {
    let pretty = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|value| serde_json::to_string_pretty(&value).ok())
        .unwrap_or_else(|| text.to_owned());
    esc(&pretty)
}

/// The status as a coloured badge.
pub fn status_badge(status: &str) -> String {
    format!(
        "<span class=\"badge status-{s}\" data-status=\"{s}\">{s}</span>",
        s = esc(status)
    )
}

const STYLE: &str = r#"
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1f2933;background:#f5f7fa}
header{background:#1f2933;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1.4rem;align-items:center}
header a{color:#cbd2d9;text-decoration:none}header a.active{color:#fff;font-weight:600}
header .brand{font-weight:700;color:#fff}header form{margin-left:auto}
main{padding:1rem 1.4rem;max-width:1400px}
h1{font-size:1.35rem;margin:.4rem 0 1rem}h2{font-size:1.1rem;margin:1.6rem 0 .6rem}
table{border-collapse:collapse;background:#fff;width:100%;font-size:.88rem}
th,td{border:1px solid #e4e7eb;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f4f8}
pre{background:#fff;border:1px solid #e4e7eb;padding:.6rem;overflow:auto;max-height:28rem;font-size:.82rem}
code{font-size:.82rem;word-break:break-all}
.badge{display:inline-block;padding:.1rem .45rem;border-radius:.6rem;font-size:.78rem;font-weight:600;color:#fff;background:#7b8794}
.status-RUNNING{background:#2680c2}.status-SUCCEEDED{background:#3f9142}.status-FAILED{background:#ba2525}
.status-TIMED_OUT{background:#cb6e17}.status-ABORTED{background:#616e7c}
.box{background:#fff;border:1px solid #e4e7eb;padding:.8rem 1rem;margin:.6rem 0}
.error{border-left:4px solid #ba2525}.notice{border-left:4px solid #2680c2}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}
.facts dt{color:#616e7c}.facts dd{margin:0}
form.inline{display:inline-flex;gap:.4rem;align-items:center;margin:.2rem .6rem .2rem 0}
button{padding:.3rem .8rem;border:1px solid #9aa5b1;border-radius:.3rem;background:#fff;cursor:pointer}
button.danger{border-color:#ba2525;color:#ba2525}
.filters{display:flex;gap:.8rem;align-items:end;margin-bottom:.8rem}
.tabs a{margin-right:.8rem}.tabs a.active{font-weight:700}
.graph{background:#fff;border:1px solid #e4e7eb;overflow:auto;padding:.4rem}
.graph rect.node{fill:#fff;stroke:#9aa5b1;stroke-width:1.2}
.graph .visited rect.node{fill:#e3f8e5;stroke:#3f9142;stroke-width:2}
.graph .current rect.node{fill:#fff3c4;stroke:#cb6e17;stroke-width:3}
.graph .failed rect.node{fill:#ffe3e3;stroke:#ba2525;stroke-width:3}
.graph rect.container{fill:#f8fafc;stroke:#9aa5b1;stroke-dasharray:4 3}
.graph .visited rect.container{stroke:#3f9142}
.graph text{font-size:12px;fill:#1f2933}.graph text.kind{font-size:10px;fill:#616e7c}
.graph text.mark{font-size:10px;font-weight:700;fill:#cb6e17}
.graph path.edge{fill:none;stroke:#9aa5b1;stroke-width:1.2}
.graph path.edge.taken{stroke:#3f9142;stroke-width:2.6}
.legend span{display:inline-block;margin-right:1rem;font-size:.82rem}
.legend i{display:inline-block;width:.9rem;height:.9rem;vertical-align:middle;margin-right:.3rem;border:2px solid}
iframe.email{width:100%;height:36rem;border:1px solid #e4e7eb;background:#fff}
.muted{color:#7b8794}
"#;

/// A whole console page: the navigation, then `body`.
pub fn page(title: &str, active: &str, body: &str) -> String {
    let mut nav = String::new();
    for (href, label, key) in [
        ("/console/executions", "Executions", "executions"),
        ("/console/emails", "Emails", "emails"),
        ("/console/access-events", "Access events", "access-events"),
        ("/console/records", "Records", "records"),
    ] {
        let class = if key == active {
            " class=\"active\""
        } else {
            ""
        };
        let _ = write!(nav, "<a href=\"{href}\"{class}>{label}</a>");
    }
    let logout = if active.is_empty() {
        String::new()
    } else {
        "<form method=\"post\" action=\"/console/logout\"><button type=\"submit\">Sign out</button></form>".to_owned()
    };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Campaigns console</title><style>{STYLE}</style></head>\
         <body><header><span class=\"brand\">Campaigns console</span>{nav}{logout}</header>\
         <main>{body}</main></body></html>",
        title = esc(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn encodes_query_values() {
        assert_eq!(
            url_param("arn:aws:states:x/y z&"),
            "arn%3Aaws%3Astates%3Ax%2Fy%20z%26"
        );
    }
}
