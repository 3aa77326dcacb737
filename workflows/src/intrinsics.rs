//! Intrinsic functions (`States.Format(...)` and friends): parsed once when the
//! definition loads, evaluated against a [`Scope`].

use crate::error::Failure;
use crate::jsonpath::{JsonPath, PathError};
use crate::payload::Scope;
use crate::values::{java_string, json_eq};
use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::{Map, Number, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    name: String,
    args: Vec<Arg>,
}

#[derive(Debug, Clone, PartialEq)]
enum Arg {
    /// A string literal: its value, and its text with escapes kept (Format
    /// needs to tell `\{` from `{`).
    Str(String, String),
    Lit(Value),
    Path(JsonPath),
    Call(Call),
}

const FUNCTIONS: &[&str] = &[
    "States.Format",
    "States.StringToJson",
    "States.JsonToString",
    "States.Array",
    "States.ArrayPartition",
    "States.ArrayContains",
    "States.ArrayRange",
    "States.ArrayGetItem",
    "States.ArrayLength",
    "States.ArrayUnique",
    "States.Base64Encode",
    "States.Base64Decode",
    "States.Hash",
    "States.JsonMerge",
    "States.MathRandom",
    "States.MathAdd",
    "States.StringSplit",
    "States.UUID",
];

/// The functions a Fail state's `ErrorPath` and `CausePath` may call: those
/// the developer guide lists as giving a string.
pub const TEXT_FUNCTIONS: &[&str] = &[
    "States.Format",
    "States.JsonToString",
    "States.ArrayGetItem",
    "States.Base64Encode",
    "States.Base64Decode",
    "States.Hash",
    "States.UUID",
];

/// An intrinsic function call the parser refuses.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CallSyntaxError {
    #[error("expected '('")]
    ExpectedOpen,
    #[error("unknown intrinsic function '{0}'")]
    UnknownFunction(String),
    #[error("expected ',' or ')' in '{0}'")]
    ExpectedSeparator(String),
    #[error("invalid argument '{0}'")]
    InvalidArgument(String),
    #[error("unterminated string")]
    UnterminatedEscape,
    #[error("unterminated string literal")]
    UnterminatedString,
    #[error("unexpected text after intrinsic function in '{0}'")]
    TrailingText(String),
    #[error(transparent)]
    Path(#[from] PathError),
}

impl Call {
    /// The function's name (`States.Format`).
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn parse(text: &str) -> Result<Call, CallSyntaxError> {
        let mut p = P { s: text, i: 0 };
        let c = p.call()?;
        p.ws();
        if p.i != text.len() {
            return Err(CallSyntaxError::TrailingText(text.to_string()));
        }
        Ok(c)
    }

    pub fn eval(&self, scope: &Scope) -> Result<Value, Failure> {
        let mut vals = Vec::with_capacity(self.args.len());
        for a in &self.args {
            vals.push(match a {
                Arg::Str(v, _) => Value::String(v.clone()),
                Arg::Lit(v) => v.clone(),
                Arg::Path(p) => scope.resolve(p).ok_or_else(|| {
                    Failure::runtime(format!(
                        "The JSONPath '{}' could not be found in the input '{}'",
                        p.text,
                        scope.input_text(p)
                    ))
                })?,
                Arg::Call(c) => c.eval(scope)?,
            });
        }
        apply(self, vals)
    }
}

fn fail(name: &str, why: impl std::fmt::Display) -> Failure {
    Failure::intrinsic(format!("The function '{name}' {why}"))
}

fn want_args(name: &str, v: &[Value], n: usize) -> Result<(), Failure> {
    if v.len() == n {
        Ok(())
    } else {
        Err(fail(
            name,
            format_args!("expects {n} argument(s) but got {}", v.len()),
        ))
    }
}

fn as_int(name: &str, v: &Value) -> Result<i64, Failure> {
    match v.as_f64() {
        Some(f) if f.fract() == 0.0 => Ok(f as i64),
        _ => Err(fail(
            name,
            format_args!("expects an integer argument, got {v}"),
        )),
    }
}

fn as_str<'a>(name: &str, v: &'a Value) -> Result<&'a str, Failure> {
    v.as_str()
        .ok_or_else(|| fail(name, format_args!("expects a string argument, got {v}")))
}

fn as_array<'a>(name: &str, v: &'a Value) -> Result<&'a Vec<Value>, Failure> {
    v.as_array()
        .ok_or_else(|| fail(name, format_args!("expects an array argument, got {v}")))
}

/// Java's Math.round: half up.
fn round_half_up(f: f64) -> i64 {
    (f + 0.5).floor() as i64
}

fn apply(call: &Call, v: Vec<Value>) -> Result<Value, Failure> {
    let name = call.name.as_str();
    Ok(match name {
        "States.Format" => {
            // A literal template keeps its escapes; one read from a path or
            // variable is taken as it is.
            let template = match (call.args.first(), v.first()) {
                (Some(Arg::Str(_, raw)), _) => raw.clone(),
                (_, Some(Value::String(s))) => s.replace('\\', "\\\\"),
                _ => return Err(fail(name, "expects a string as its first argument")),
            };
            format(name, &template, &v[1..])?
        }
        "States.StringToJson" => {
            want_args(name, &v, 1)?;
            let s = as_str(name, &v[0])?;
            if s.trim().is_empty() {
                // As AWS answers for an empty or blank string.
                Value::Null
            } else {
                serde_json::from_str(s)
                    .map_err(|e| fail(name, format_args!("could not parse '{s}': {e}")))?
            }
        }
        "States.JsonToString" => {
            want_args(name, &v, 1)?;
            Value::String(v[0].to_string())
        }
        "States.Array" => Value::Array(v),
        "States.ArrayPartition" => {
            want_args(name, &v, 2)?;
            let arr = as_array(name, &v[0])?;
            let size = as_int(name, &v[1])?;
            if size <= 0 {
                return Err(fail(name, "expects a chunk size greater than 0"));
            }
            Value::Array(
                arr.chunks(size as usize)
                    .map(|c| Value::Array(c.to_vec()))
                    .collect(),
            )
        }
        "States.ArrayContains" => {
            want_args(name, &v, 2)?;
            Value::Bool(as_array(name, &v[0])?.iter().any(|x| json_eq(x, &v[1])))
        }
        "States.ArrayRange" => {
            want_args(name, &v, 3)?;
            let (start, end, step) = (
                as_int(name, &v[0])?,
                as_int(name, &v[1])?,
                as_int(name, &v[2])?,
            );
            if step == 0 {
                return Err(fail(name, "expects a non-zero step"));
            }
            let mut out = Vec::new();
            let mut i = start;
            while (step > 0 && i <= end) || (step < 0 && i >= end) {
                out.push(Value::from(i));
                if out.len() > 1000 {
                    return Err(fail(name, "would create more than 1000 items"));
                }
                i += step;
            }
            Value::Array(out)
        }
        "States.ArrayGetItem" => {
            want_args(name, &v, 2)?;
            let arr = as_array(name, &v[0])?;
            let i = as_int(name, &v[1])?;
            usize::try_from(i)
                .ok()
                .and_then(|i| arr.get(i))
                .cloned()
                .ok_or_else(|| fail(name, format_args!("index {i} is out of bounds")))?
        }
        "States.ArrayLength" => {
            want_args(name, &v, 1)?;
            Value::from(as_array(name, &v[0])?.len())
        }
        "States.ArrayUnique" => {
            want_args(name, &v, 1)?;
            let mut out: Vec<Value> = Vec::new();
            for x in as_array(name, &v[0])? {
                if !out.iter().any(|y| json_eq(x, y)) {
                    out.push(x.clone());
                }
            }
            Value::Array(out)
        }
        "States.Base64Encode" => {
            want_args(name, &v, 1)?;
            Value::String(base64_encode(as_str(name, &v[0])?.as_bytes()))
        }
        "States.Base64Decode" => {
            want_args(name, &v, 1)?;
            let bytes = base64_decode(as_str(name, &v[0])?)
                .ok_or_else(|| fail(name, "got invalid base64"))?;
            Value::String(
                String::from_utf8(bytes).map_err(|_| fail(name, "decoded to invalid UTF-8"))?,
            )
        }
        "States.Hash" => {
            want_args(name, &v, 2)?;
            let data = match &v[0] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            Value::String(hash(name, data.as_bytes(), as_str(name, &v[1])?)?)
        }
        "States.JsonMerge" => {
            want_args(name, &v, 3)?;
            if v[2] != Value::Bool(false) {
                return Err(fail(
                    name,
                    "supports only shallow merging (false as third argument)",
                ));
            }
            let (Some(a), Some(b)) = (v[0].as_object(), v[1].as_object()) else {
                return Err(fail(name, "expects two JSON objects"));
            };
            let mut out: Map<String, Value> = a.clone();
            out.extend(b.iter().map(|(k, v)| (k.clone(), v.clone())));
            Value::Object(out)
        }
        "States.MathRandom" => {
            if v.len() != 2 && v.len() != 3 {
                return Err(fail(name, "expects 2 or 3 arguments"));
            }
            // Bounds with a fraction are truncated, as AWS does.
            let bound = |x: &Value| {
                x.as_f64()
                    .map(|f| f.trunc() as i64)
                    .ok_or_else(|| fail(name, format_args!("expects numbers, got {x}")))
            };
            let (lo, hi) = (bound(&v[0])?, bound(&v[1])?);
            if hi <= lo {
                return Err(fail(name, "expects the end to be greater than the start"));
            }
            let seed = match v.get(2) {
                Some(s) => as_int(name, s)? as u64,
                None => uuid::Uuid::new_v4().as_u64_pair().0,
            };
            Value::from(lo + (splitmix(seed) % (hi - lo) as u64) as i64)
        }
        "States.MathAdd" => {
            want_args(name, &v, 2)?;
            let mut sum: i64 = 0;
            for x in &v {
                let f = x
                    .as_f64()
                    .ok_or_else(|| fail(name, format_args!("expects numbers, got {x}")))?;
                sum += round_half_up(f);
            }
            Value::Number(Number::from(sum))
        }
        "States.StringSplit" => {
            want_args(name, &v, 2)?;
            let s = as_str(name, &v[0])?;
            let delims: Vec<char> = as_str(name, &v[1])?.chars().collect();
            Value::Array(
                s.split(|c| delims.contains(&c))
                    .filter(|p| !p.is_empty())
                    .map(|p| Value::String(p.to_string()))
                    .collect(),
            )
        }
        "States.UUID" => {
            want_args(name, &v, 0)?;
            Value::String(uuid::Uuid::new_v4().to_string())
        }
        _ => return Err(fail(name, "is not supported")),
    })
}

fn format(name: &str, raw: &str, args: &[Value]) -> Result<Value, Failure> {
    let mut out = String::new();
    let mut it = raw.chars();
    let mut next_arg = args.iter();
    while let Some(c) = it.next() {
        match c {
            '\\' => {
                if let Some(n) = it.next() {
                    out.push(n);
                }
            }
            '{' => {
                if it.next() != Some('}') {
                    return Err(fail(name, "has an unmatched '{' in its template"));
                }
                let a = next_arg
                    .next()
                    .ok_or_else(|| fail(name, "has more placeholders than arguments"))?;
                out.push_str(&java_string(a));
            }
            c => out.push(c),
        }
    }
    if next_arg.next().is_some() {
        return Err(fail(name, "has more arguments than placeholders"));
    }
    Ok(Value::String(out))
}

/// The hex digest of `data` with one of the algorithms `States.Hash` and
/// `$hash` accept; `None` for another name.
pub(crate) fn digest(data: &[u8], algo: &str) -> Option<String> {
    use sha2::Digest;
    Some(match algo {
        "MD5" => hex::encode(md5::Md5::digest(data)),
        "SHA-1" => hex::encode(sha1::Sha1::digest(data)),
        "SHA-256" => hex::encode(sha2::Sha256::digest(data)),
        "SHA-384" => hex::encode(sha2::Sha384::digest(data)),
        "SHA-512" => hex::encode(sha2::Sha512::digest(data)),
        _ => return None,
    })
}

fn hash(name: &str, data: &[u8], algo: &str) -> Result<String, Failure> {
    digest(data, algo).ok_or_else(|| {
        fail(
            name,
            format_args!("does not support the algorithm '{algo}'"),
        )
    })
}

/// SplitMix64: a seed's well-mixed 64 bits.
pub(crate) fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Standard base64 as Step Functions (a Java service) reads it: the padding
/// may be left out but, when present, must be complete; any byte outside the
/// alphabet (whitespace, the URL-safe `-` and `_`) or a lone final
/// character is refused; unused low bits of the last character are ignored.
const PADDED: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(true),
);
const UNPADDED: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(true),
);

/// Standard base64 with padding (`States.Base64Encode`, `$base64encode`).
pub(crate) fn base64_encode(data: &[u8]) -> String {
    PADDED.encode(data)
}

/// The bytes of standard base64 text; `None` if it is not base64.
pub(crate) fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let engine = if s.ends_with('=') { &PADDED } else { &UNPADDED };
    engine.decode(s).ok()
}

struct P<'a> {
    s: &'a str,
    i: usize,
}

impl P<'_> {
    fn rest(&self) -> &str {
        &self.s[self.i..]
    }
    fn ws(&mut self) {
        while self.rest().starts_with([' ', '\t', '\n']) {
            self.i += 1;
        }
    }

    fn call(&mut self) -> Result<Call, CallSyntaxError> {
        self.ws();
        let open = self.rest().find('(').ok_or(CallSyntaxError::ExpectedOpen)?;
        let name = self.rest()[..open].trim().to_string();
        if !FUNCTIONS.contains(&name.as_str()) {
            return Err(CallSyntaxError::UnknownFunction(name));
        }
        self.i += open + 1;
        let mut args = Vec::new();
        self.ws();
        if self.rest().starts_with(')') {
            self.i += 1;
            return Ok(Call { name, args });
        }
        loop {
            self.ws();
            args.push(self.arg()?);
            self.ws();
            if self.rest().starts_with(',') {
                self.i += 1;
            } else if self.rest().starts_with(')') {
                self.i += 1;
                return Ok(Call { name, args });
            } else {
                return Err(CallSyntaxError::ExpectedSeparator(self.s.to_string()));
            }
        }
    }

    fn arg(&mut self) -> Result<Arg, CallSyntaxError> {
        let r = self.rest();
        if r.starts_with('\'') {
            return self.string();
        }
        if r.starts_with("States.") {
            return Ok(Arg::Call(self.call()?));
        }
        let end = self.token_end();
        let tok = &self.s[self.i..end];
        self.i = end;
        if tok.starts_with('$') {
            return Ok(Arg::Path(JsonPath::parse(tok)?));
        }
        serde_json::from_str::<Value>(tok)
            .ok()
            .filter(|v| !v.is_object() && !v.is_array() && !v.is_string())
            .map(Arg::Lit)
            .ok_or_else(|| CallSyntaxError::InvalidArgument(tok.to_string()))
    }

    /// End of a bare argument: the ',' or ')' that closes it, outside brackets.
    fn token_end(&self) -> usize {
        let mut depth = 0i32;
        let mut quote: Option<char> = None;
        for (off, c) in self.rest().char_indices() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '\'' | '"') => quote = Some(c),
                (None, '[' | '(') => depth += 1,
                (None, ']') => depth -= 1,
                (None, ')') if depth > 0 => depth -= 1,
                (None, ',' | ')') if depth == 0 => return self.i + off,
                _ => {}
            }
        }
        self.s.len()
    }

    fn string(&mut self) -> Result<Arg, CallSyntaxError> {
        self.i += 1;
        let start = self.i;
        let mut val = String::new();
        let mut chars = self.rest().char_indices();
        while let Some((off, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, n @ ('{' | '}'))) => {
                        val.push(n);
                    }
                    Some((_, n)) => val.push(n),
                    None => return Err(CallSyntaxError::UnterminatedEscape),
                },
                '\'' => {
                    let raw = self.s[start..start + off].to_string();
                    self.i = start + off + 1;
                    return Ok(Arg::Str(val, raw));
                }
                c => val.push(c),
            }
        }
        Err(CallSyntaxError::UnterminatedString)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip() {
        for s in ["", "a", "ab", "abc", "Data to encode"] {
            assert_eq!(
                base64_decode(&base64_encode(s.as_bytes())).unwrap(),
                s.as_bytes()
            );
        }
        assert_eq!(base64_encode(b"Data to encode"), "RGF0YSB0byBlbmNvZGU=");
    }

    #[test]
    fn base64_decode_reads_as_step_functions_does() {
        // Padding may be left out, and unused low bits are ignored.
        assert_eq!(base64_decode("YQ").unwrap(), b"a");
        assert_eq!(base64_decode("YR==").unwrap(), b"a");
        // Wrong padding, a byte outside the standard alphabet, a lone final
        // character, data after the padding: refused.
        for bad in [
            "YQ=", "YQ===", "Y", "YWJj\n", "YW Jj", "-_-_", "YQ==YQ==", "YWJj*",
        ] {
            assert_eq!(base64_decode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn math_random_stays_in_bounds() {
        let call = Call::parse("States.MathRandom($.a, $.b)").unwrap();
        let vars = crate::payload::Vars::default();
        let input = serde_json::json!({"a": 12.5, "b": 44.51});
        let scope = Scope {
            input: &input,
            context: &Value::Null,
            vars: &vars,
        };
        for _ in 0..100 {
            let n = call.eval(&scope).unwrap().as_i64().unwrap();
            assert!((12..44).contains(&n));
        }
    }

    #[test]
    fn rounding_is_half_up() {
        assert_eq!(round_half_up(-2.5), -2);
        assert_eq!(round_half_up(2.5), 3);
        assert_eq!(round_half_up(-1.51), -2);
    }
}
