//! How `campaigns admin` shows an answer: the API's JSON as is with
//! `--json` (for scripts), otherwise a table for a terminal.

use comfy_table::Table;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use serde_json::Value;

/// The columns of a list: a header and the JSON Pointer of its cell.
pub type Columns = &'static [(&'static str, &'static str)];

pub struct Output {
    pub json: bool,
}

impl Output {
    /// A list found at `pointer` in the answer (`""`: the answer is the
    /// list), one row per item; without `columns`, every scalar field.
    pub fn list(&self, answer: &Value, pointer: &str, columns: Option<Columns>) {
        if self.json {
            return print_json(answer);
        }
        let rows = answer
            .pointer(pointer)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        if rows.is_empty() {
            println!("(none)");
            return;
        }
        let columns: Vec<(String, String)> = match columns {
            Some(columns) => columns
                .iter()
                .map(|(header, pointer)| ((*header).to_owned(), (*pointer).to_owned()))
                .collect(),
            None => scalar_fields(rows)
                .into_iter()
                .map(|name| (name.clone(), format!("/{name}")))
                .collect(),
        };
        let mut table = table();
        table.set_header(columns.iter().map(|(header, _)| header.as_str()));
        for row in rows {
            table.add_row(
                columns
                    .iter()
                    .map(|(_, pointer)| cell(row.pointer(pointer))),
            );
        }
        println!("{table}");
        if let Some(next) = answer.get("nextCursor").and_then(Value::as_str) {
            println!("more: --cursor {next}");
        }
    }

    /// One record or result: a field per line.
    pub fn record(&self, answer: &Value) {
        if self.json {
            return print_json(answer);
        }
        let Some(fields) = answer.as_object() else {
            println!("{}", cell(Some(answer)));
            return;
        };
        let mut table = table();
        for (name, value) in fields {
            table.add_row([name.as_str(), &cell(Some(value))]);
        }
        println!("{table}");
    }
}

fn print_json(answer: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(answer).unwrap_or_else(|_| answer.to_string())
    );
}

fn table() -> Table {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    table
}

/// The names of the fields with scalar values, in the order first met (a
/// row's own in name order, as serde_json keeps them).
fn scalar_fields(rows: &[Value]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for row in rows {
        for (name, value) in row.as_object().into_iter().flatten() {
            if !value.is_object() && !value.is_array() && !names.contains(name) {
                names.push(name.clone());
            }
        }
    }
    names
}

/// A value as a cell: text as is, absent or null empty, the rest as JSON.
fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cells_show_text_bare_and_the_rest_as_json() {
        assert_eq!(cell(Some(&json!("pending_review"))), "pending_review");
        assert_eq!(cell(Some(&json!(99.5))), "99.5");
        assert_eq!(cell(Some(&json!(null))), "");
        assert_eq!(cell(None), "");
        assert_eq!(cell(Some(&json!(["a", "b"]))), r#"["a","b"]"#);
    }

    #[test]
    fn a_list_without_columns_shows_every_scalar_field_once() {
        let rows = [
            json!({"id": "a", "amount": 1, "items": [1]}),
            json!({"id": "b", "status": "paid"}),
        ];
        assert_eq!(scalar_fields(&rows), ["amount", "id", "status"]);
    }
}
