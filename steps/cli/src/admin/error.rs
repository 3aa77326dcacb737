//! What can go wrong in `campaigns admin`, and the exit code a script reads
//! for each (listed in docs/operations.md).

use std::fmt;
use std::process::ExitCode;

use serde_json::Value;

#[derive(Debug)]
pub enum AdminError {
    /// The API answered with an error body.
    Api {
        status: u16,
        code: String,
        message: String,
        field: Option<String>,
    },
    /// The API did not answer (network, TLS, timeout).
    Unreachable(String),
    /// Nothing was sent: the command's input or the operator's setup.
    Local(anyhow::Error),
}

impl AdminError {
    /// The API's error body `{"error": {"code", "message", "field"}}`.
    pub fn from_body(status: u16, body: &Value) -> AdminError {
        let error = &body["error"];
        let text = |name: &str| error[name].as_str().map(str::to_owned);
        AdminError::Api {
            status,
            code: text("code").unwrap_or_else(|| format!("HTTP_{status}")),
            message: text("message").unwrap_or_else(|| body.to_string()),
            field: text("field"),
        }
    }

    /// 0 is success and 2 a command line clap refused; then: 3 the API
    /// refused the input (400, 422), 4 not found, 5 a conflict with the
    /// record's state (409), 6 not authorized (401, 403), 7 the API failed
    /// or did not answer (5xx, network): retry; 1 anything else.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            AdminError::Api { status, .. } => match status {
                400 | 413 | 415 | 422 => 3,
                404 => 4,
                409 => 5,
                401 | 403 => 6,
                500..=599 => 7,
                _ => 1,
            },
            AdminError::Unreachable(_) => 7,
            AdminError::Local(_) => 1,
        })
    }
}

impl fmt::Display for AdminError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AdminError::Api {
                status,
                code,
                message,
                field,
            } => {
                write!(f, "{code} ({status}): {message}")?;
                if let Some(field) = field.as_deref().filter(|field| !field.is_empty()) {
                    write!(f, " [field {field}]")?;
                }
                Ok(())
            }
            AdminError::Unreachable(why) => write!(f, "the API did not answer: {why}"),
            AdminError::Local(err) => write!(f, "{err:#}"),
        }
    }
}

impl From<anyhow::Error> for AdminError {
    fn from(err: anyhow::Error) -> AdminError {
        AdminError::Local(err)
    }
}
