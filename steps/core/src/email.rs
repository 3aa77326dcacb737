//! Email addresses: which are accepted, the form stored and mailed, and the
//! key that limits per person are counted under.
//!
//! An address is an addr-spec only: `local@domain`, with no display name, no
//! comment, no quoted local part and no CR/LF — text around an address is
//! where header injection and limit dodging hide. The grammar is written once,
//! as [`ADDR_SPEC_PATTERN`] and [`LOCAL_PART_PATTERN`], because request
//! schemas carry them: the API refuses
//! what it does not match before any handler runs, API Gateway applies the
//! same schema, and the OpenAPI document says exactly what is accepted.
//!
//! Two forms come out of an accepted address. [`normalize`] gives the one
//! stored and mailed: trimmed, domain in lower case, the local part as typed
//! (RFC 5321 leaves its case to the receiving server). [`canonical_key`]
//! gives the one a person is counted under (per-user coupon uses, one
//! registration per exam): the whole address in lower case without a
//! `+tag`, so `A+promo@Example.com` and `a@example.com` share their limits.

/// The longest address accepted, spaces around it included (RFC 5321's
/// 256-octet path less its angle brackets).
pub const MAX_LENGTH: u32 = 254;

/// The accepted addresses, as an ECMA-262 pattern (JSON Schema's dialect):
///
/// - optional spaces or tabs around the address, which [`normalize`] trims;
/// - a local part that is a dot-atom of RFC 5322 `atext`: letters, digits
///   and ``!#$%&'*+/=?^_`{|}~-``, dots only between them ([`LOCAL_PART_PATTERN`]
///   limits its length);
/// - a domain of two or more host-name labels (letters, digits, hyphens;
///   1–63 characters; no hyphen first or last), the last one starting with a
///   letter, so neither an IP address nor a bare host name passes.
///
/// Everything else is refused: display names and angle brackets, quoted
/// local parts, comments, domain literals, whitespace or control characters
/// inside, and non-ASCII text (internationalized domains go as `xn--`).
pub const ADDR_SPEC_PATTERN: &str = concat!(
    r"^[ \t]*",
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*",
    r"@",
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+",
    r"[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?",
    r"[ \t]*$",
);

/// The local part's length limit, 1–64 characters (RFC 5321), as a second
/// pattern the address must also match. It is not a look-ahead inside
/// [`ADDR_SPEC_PATTERN`]: test-data generators (schemathesis, Hypothesis)
/// cannot produce strings for look-aheads and give up on the schema.
pub const LOCAL_PART_PATTERN: &str = r"^[ \t]*[^@]{1,64}@";

/// The address as stored and mailed: without the spaces or tabs around it,
/// the domain in lower case, the local part as typed.
pub fn normalize(address: &str) -> String {
    let address = address.trim_matches([' ', '\t']);
    match address.rsplit_once('@') {
        Some((local, domain)) => format!("{local}@{}", domain.to_ascii_lowercase()),
        None => address.to_owned(),
    }
}

/// The key a person's limits are counted under: the normalized address in
/// lower case, with a `+tag` (from the first `+` of the local part on)
/// removed. A local part that starts with `+` keeps it, since nothing would
/// be left to tell its owner from others at the same domain.
pub fn canonical_key(address: &str) -> String {
    let address = normalize(address).to_ascii_lowercase();
    match address.rsplit_once('@') {
        Some((local, domain)) => {
            let untagged = match local.split_once('+') {
                Some((untagged, _)) if !untagged.is_empty() => untagged,
                _ => local,
            };
            format!("{untagged}@{domain}")
        }
        None => address,
    }
}
