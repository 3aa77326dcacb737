//! The mail adapter for one machine: each email an `.eml` file in a folder.
//!
//! Nothing leaves the machine; the local server lists the folder and shows
//! each email in the browser, and tests read back what a journey sent. A
//! file appears whole or not at all (written aside, then renamed), so a
//! reader never sees half an email and concurrent sends never share a name.
//! An email is stamped by the machine's clock (virtual in tests), as every
//! other record of one machine is.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use mail_parser::{Message, MessageParser};

use crate::eml::{TEMPLATE_HEADER, to_eml};
use crate::{
    KeptEmail, KeptMail, MailError, MailFuture, Mailer, OutgoingEmail, SentEmail, TemplateName,
};

/// The time an email is sent at: the machine's clock.
pub type Now = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Sends by writing `<id>.eml` into a folder.
#[derive(Clone)]
pub struct OutboxMailer {
    dir: PathBuf,
    now: Now,
}

impl std::fmt::Debug for OutboxMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxMailer")
            .field("dir", &self.dir)
            .finish()
    }
}

/// One sent email, as the outbox lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub id: String,
    pub to: String,
    pub subject: String,
    /// `None` for a file that names no template we know.
    pub template: Option<TemplateName>,
    pub sent_at: DateTime<Utc>,
}

/// One sent email in full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEmail {
    pub entry: OutboxEntry,
    pub html: String,
    pub text: String,
    /// The `.eml` file as written.
    pub eml: Vec<u8>,
}

const EXTENSION: &str = "eml";

impl OutboxMailer {
    /// An outbox in `dir`, created if missing, stamping emails by `now`.
    pub fn new(
        dir: impl Into<PathBuf>,
        now: impl Fn() -> DateTime<Utc> + Send + Sync + 'static,
    ) -> Result<OutboxMailer, MailError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(OutboxMailer {
            dir,
            now: Arc::new(now),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every email sent, newest first.
    pub fn list(&self) -> Result<Vec<OutboxEntry>, MailError> {
        let mut entries = Vec::new();
        for file in std::fs::read_dir(&self.dir)? {
            let path = file?.path();
            let Some(id) = path
                .file_stem()
                .and_then(|stem| stem.to_str())
                .filter(|_| path.extension().is_some_and(|ext| ext == EXTENSION))
                .filter(|id| is_valid_id(id))
            else {
                continue;
            };
            let eml = std::fs::read(&path)?;
            entries.push(entry(id, &parse(id, &eml)?));
        }
        // Ids start with the send time, so they sort in sending order.
        entries.sort_by(|a, b| b.id.cmp(&a.id));
        Ok(entries)
    }

    /// The email `id`, as listed by [`OutboxMailer::list`].
    pub fn read(&self, id: &str) -> Result<StoredEmail, MailError> {
        if !is_valid_id(id) {
            return Err(MailError::NotFound(id.into()));
        }
        let eml = match std::fs::read(self.path(id)) {
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Err(MailError::NotFound(id.into()));
            }
            read => read?,
        };
        let (entry, html, text) = {
            let message = parse(id, &eml)?;
            // The message carries CRLF line ends (RFC 5322); give the bodies
            // back as they were composed.
            let body = |part: Option<Cow<'_, str>>| part.unwrap_or_default().replace("\r\n", "\n");
            (
                entry(id, &message),
                body(message.body_html(0)),
                body(message.body_text(0)),
            )
        };
        Ok(StoredEmail {
            entry,
            html,
            text,
            eml,
        })
    }

    fn path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.{EXTENSION}"))
    }

    fn write(&self, email: &OutgoingEmail) -> Result<SentEmail, MailError> {
        let sent_at = (self.now)();
        let id = new_id(sent_at);
        let domain = email
            .from
            .rsplit_once('@')
            .map_or("localhost", |(_, domain)| domain.trim_end_matches('>'));
        let eml = to_eml(email, &format!("{id}@{domain}"), sent_at)?;
        // A leading dot keeps the partial file out of listings.
        let partial = self.dir.join(format!(".{id}.partial"));
        std::fs::write(&partial, &eml)?;
        std::fs::rename(&partial, self.path(&id))?;
        Ok(SentEmail { id, sent_at })
    }
}

impl Mailer for OutboxMailer {
    fn send<'a>(&'a self, email: &'a OutgoingEmail) -> MailFuture<'a, SentEmail> {
        // A local file write is brief; doing it inline keeps the adapter
        // free of any particular async runtime.
        Box::pin(std::future::ready(self.write(email)))
    }
}

impl KeptMail for OutboxMailer {
    fn kept(&self) -> MailFuture<'_, Vec<KeptEmail>> {
        let kept = self.list().map(|entries| {
            entries
                .into_iter()
                .map(|entry| KeptEmail {
                    id: entry.id,
                    to: entry.to,
                    subject: entry.subject,
                    sent_at: entry.sent_at,
                })
                .collect()
        });
        Box::pin(std::future::ready(kept))
    }

    fn forget<'a>(&'a self, id: &'a str) -> MailFuture<'a, ()> {
        let removed = if is_valid_id(id) {
            match std::fs::remove_file(self.path(id)) {
                Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(err.into()),
                _ => Ok(()),
            }
        } else {
            Err(MailError::NotFound(id.into()))
        };
        Box::pin(std::future::ready(removed))
    }
}

/// `20250306T103000.123456789Z-<pid>-<n>`: sortable by time, and unique
/// across threads and processes sharing the folder. The sequence is padded
/// so that emails sent at one instant (a clock that stands still in a test)
/// still sort in sending order.
fn new_id(sent_at: DateTime<Utc>) -> String {
    static SEQUENCE: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}-{:020}",
        sent_at.format("%Y%m%dT%H%M%S%.9fZ"),
        std::process::id(),
        SEQUENCE.fetch_add(1, Ordering::Relaxed)
    )
}

/// Ids come back from URLs: only the characters [`new_id`] writes, so an id
/// can never name a file outside the folder.
fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
}

fn parse<'a>(id: &str, eml: &'a [u8]) -> Result<Message<'a>, MailError> {
    MessageParser::default()
        .parse(eml)
        .ok_or_else(|| MailError::Unavailable(format!("outbox email {id} is not a valid message")))
}

fn entry(id: &str, message: &Message<'_>) -> OutboxEntry {
    OutboxEntry {
        id: id.into(),
        to: message
            .to()
            .and_then(|to| to.first())
            .and_then(|addr| addr.address())
            .unwrap_or_default()
            .into(),
        subject: message.subject().unwrap_or_default().into(),
        template: message
            .header(TEMPLATE_HEADER)
            .and_then(|value| value.as_text())
            .and_then(TemplateName::parse),
        sent_at: message
            .date()
            .and_then(|date| DateTime::from_timestamp(date.to_timestamp(), 0))
            .unwrap_or_default(),
    }
}
