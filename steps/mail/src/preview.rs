//! Renders every template with sample data into a folder, to look at the
//! emails in a browser or a text editor before they reach anyone.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use minijinja::HtmlEscape;

use crate::{Links, MailError, MailSettings, sample_emails};

/// Where the previews' links point; a preview is never sent.
const PREVIEW_FRONTEND_URL: &str = "https://campaigns.prodenthub.com.au";
const PREVIEW_FROM: &str = "noreply@prodenthub.com.au";

/// Writes `<template>.html` and `<template>.txt` for every template, and an
/// `index.html` that links them; returns the index's path.
pub fn render_previews(out_dir: &Path) -> Result<PathBuf, MailError> {
    let settings = MailSettings::new(PREVIEW_FROM, Links::new(PREVIEW_FRONTEND_URL)?);
    std::fs::create_dir_all(out_dir)?;
    let mut index = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Email previews</title></head>\n<body style=\"font-family:Arial,Helvetica,sans-serif;\">\n<h1>Email previews</h1>\n<table cellpadding=\"6\">\n<tr><th align=\"left\">Template</th><th align=\"left\">Subject</th><th align=\"left\">To</th><th></th><th></th></tr>\n",
    );
    for email in sample_emails(&settings)? {
        let name = email.template.as_str();
        std::fs::write(out_dir.join(format!("{name}.html")), &email.html)?;
        std::fs::write(out_dir.join(format!("{name}.txt")), &email.text)?;
        let _ = writeln!(
            index,
            "<tr><td><code>{name}</code></td><td>{}</td><td>{}</td><td><a href=\"{name}.html\">HTML</a></td><td><a href=\"{name}.txt\">text</a></td></tr>",
            HtmlEscape(&email.subject),
            HtmlEscape(&email.to),
        );
    }
    index.push_str("</table>\n</body>\n</html>\n");
    let index_path = out_dir.join("index.html");
    std::fs::write(&index_path, index)?;
    Ok(index_path)
}
