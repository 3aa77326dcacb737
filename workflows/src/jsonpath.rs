//! JSONPath as Step Functions evaluates it (the Jayway dialect): a *definite*
//! path yields one value or nothing, an *indefinite* one (wildcard, slice,
//! filter, deep scan, union) yields a list, possibly empty.

use serde_json::{Map, Value};
use std::fmt::Write as _;

/// Where a path starts: the state input (`$`), the context object (`$$`) or a
/// variable (`$name`).
#[derive(Debug, Clone, PartialEq)]
pub enum Root {
    Input,
    Context,
    Variable(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Key(String),
    Index(i64),
    Wildcard,
    Slice(Option<i64>, Option<i64>, i64),
    Union(Vec<Seg>),
    Descend(Box<Seg>),
    Filter(Filter),
    /// A Jayway function (`.length()`, `.sum()`): Step Functions runs
    /// none, so the path finds nothing.
    Function(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Filter {
    Or(Box<Filter>, Box<Filter>),
    And(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Exists(Operand),
    Cmp(Operand, CmpOp, Operand),
}

#[derive(Debug, Clone, PartialEq)]
enum Operand {
    Current(Vec<Seg>),
    Literal(Value),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A path the parser refuses: the path's text and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid JSONPath '{path}': {reason}")]
pub struct PathError {
    pub path: String,
    pub reason: PathSyntax,
}

/// What is wrong with a refused path.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum PathSyntax {
    #[error("must start with '$'")]
    MissingRoot,
    #[error("bad variable name")]
    BadVariableName,
    #[error("empty name")]
    EmptyName,
    #[error("unterminated string")]
    UnterminatedString,
    #[error("invalid UTF-8")]
    InvalidUtf8,
    #[error("expected index")]
    ExpectedIndex,
    #[error("expected ']'")]
    ExpectedBracket,
    #[error("expected ')'")]
    ExpectedParenthesis,
    #[error("bad literal in filter")]
    BadFilterLiteral,
    #[error("unexpected trailing characters")]
    TrailingCharacters,
}

/// A parsed path, kept with its text for error messages.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonPath {
    pub text: String,
    pub root: Root,
    segs: Vec<Seg>,
}

impl JsonPath {
    pub fn parse(text: &str) -> Result<Self, PathError> {
        let bad = |reason| PathError {
            path: text.to_string(),
            reason,
        };
        let (root, rest) = if let Some(r) = text.strip_prefix("$$") {
            (Root::Context, r)
        } else if let Some(r) = text.strip_prefix('$') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            if end == 0 {
                (Root::Input, r)
            } else {
                let name = &r[..end];
                if !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    return Err(bad(PathSyntax::BadVariableName));
                }
                (Root::Variable(name.to_string()), &r[end..])
            }
        } else {
            return Err(bad(PathSyntax::MissingRoot));
        };
        let mut p = Parser {
            s: rest.as_bytes(),
            i: 0,
            text: rest,
        };
        let segs = p.segments().map_err(bad)?;
        if p.i != p.s.len() {
            return Err(bad(PathSyntax::TrailingCharacters));
        }
        Ok(JsonPath {
            text: text.to_string(),
            root,
            segs,
        })
    }

    /// True when the path can select at most one value.
    pub fn is_definite(&self) -> bool {
        self.segs
            .iter()
            .all(|s| matches!(s, Seg::Key(_) | Seg::Index(_) | Seg::Function(_)))
    }

    /// The path's steps when it is a reference path (names and indexes
    /// only: no wildcard, filter, slice, union, deep scan or function), as
    /// ResultPath takes it.
    pub fn reference(&self) -> Option<Vec<Step>> {
        self.segs
            .iter()
            .map(|s| match s {
                Seg::Key(k) => Some(Step::Key(k.clone())),
                Seg::Index(i) => Some(Step::Index(*i)),
                _ => None,
            })
            .collect()
    }

    /// Every value the path selects in `doc`.
    pub fn select<'a>(&self, doc: &'a Value) -> Vec<&'a Value> {
        let mut cur = vec![doc];
        for seg in &self.segs {
            let mut next = Vec::new();
            for v in cur {
                apply(seg, v, &mut next);
            }
            cur = next;
        }
        cur
    }

    /// Definite paths give the value (or None); indefinite ones an array.
    pub fn eval(&self, doc: &Value) -> Option<Value> {
        let found = self.select(doc);
        if self.is_definite() {
            found.first().map(|v| (*v).clone())
        } else {
            Some(Value::Array(found.into_iter().cloned().collect()))
        }
    }

    /// The Jayway rendering used in "No results for path" messages.
    pub fn canonical(&self) -> String {
        let mut out = String::from("$");
        for s in &self.segs {
            match s {
                Seg::Key(k) => {
                    let _ = write!(out, "['{k}']");
                }
                Seg::Index(i) => {
                    let _ = write!(out, "[{i}]");
                }
                Seg::Function(f) => {
                    let _ = write!(out, ".{f}()");
                }
                _ => out.push_str("[*]"),
            }
        }
        out
    }
}

fn apply<'a>(seg: &Seg, v: &'a Value, out: &mut Vec<&'a Value>) {
    match seg {
        Seg::Key(k) => {
            if let Some(x) = v.as_object().and_then(|o| o.get(k)) {
                out.push(x);
            }
        }
        Seg::Index(i) => {
            if let Some(a) = v.as_array() {
                let idx = if *i < 0 { a.len() as i64 + i } else { *i };
                if idx >= 0
                    && let Some(x) = a.get(idx as usize)
                {
                    out.push(x);
                }
            }
        }
        Seg::Wildcard => match v {
            Value::Array(a) => out.extend(a.iter()),
            Value::Object(o) => out.extend(o.values()),
            _ => {}
        },
        Seg::Slice(start, end, step) => {
            if let Some(a) = v.as_array() {
                let len = a.len() as i64;
                let norm = |x: i64| if x < 0 { (len + x).max(0) } else { x.min(len) };
                let s = start.map(norm).unwrap_or(0);
                let e = end.map(norm).unwrap_or(len);
                let mut i = s;
                while i < e {
                    out.push(&a[i as usize]);
                    i += (*step).max(1);
                }
            }
        }
        Seg::Union(parts) => {
            for p in parts {
                apply(p, v, out);
            }
        }
        Seg::Descend(inner) => descend(inner, v, out),
        // `@` matches objects only, never a scalar (developer guide, Paths).
        Seg::Filter(f) => {
            let items: Box<dyn Iterator<Item = &Value>> = match v {
                Value::Array(a) => Box::new(a.iter()),
                Value::Object(o) => Box::new(o.values()),
                _ => Box::new(std::iter::empty()),
            };
            out.extend(items.filter(|x| x.is_object() && test(f, x)));
        }
        Seg::Function(_) => {}
    }
}

fn descend<'a>(seg: &Seg, v: &'a Value, out: &mut Vec<&'a Value>) {
    apply(seg, v, out);
    match v {
        Value::Array(a) => a.iter().for_each(|x| descend(seg, x, out)),
        Value::Object(o) => o.values().for_each(|x| descend(seg, x, out)),
        _ => {}
    }
}

fn operand(o: &Operand, cur: &Value) -> Option<Value> {
    match o {
        Operand::Literal(v) => Some(v.clone()),
        Operand::Current(segs) => {
            let mut vals = vec![cur];
            for s in segs {
                let mut next = Vec::new();
                for v in vals {
                    apply(s, v, &mut next);
                }
                vals = next;
            }
            vals.first().map(|v| (*v).clone())
        }
    }
}

fn test(f: &Filter, cur: &Value) -> bool {
    match f {
        Filter::Or(a, b) => test(a, cur) || test(b, cur),
        Filter::And(a, b) => test(a, cur) && test(b, cur),
        Filter::Not(a) => !test(a, cur),
        Filter::Exists(o) => operand(o, cur).is_some(),
        Filter::Cmp(l, op, r) => {
            let (Some(l), Some(r)) = (operand(l, cur), operand(r, cur)) else {
                return false;
            };
            let ord = match (&l, &r) {
                (Value::Number(a), Value::Number(b)) => a.as_f64().partial_cmp(&b.as_f64()),
                (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
                _ => {
                    return match op {
                        CmpOp::Eq => crate::values::json_eq(&l, &r),
                        CmpOp::Ne => !crate::values::json_eq(&l, &r),
                        _ => false,
                    };
                }
            };
            let Some(ord) = ord else { return false };
            use std::cmp::Ordering::*;
            match op {
                CmpOp::Eq => ord == Equal,
                CmpOp::Ne => ord != Equal,
                CmpOp::Lt => ord == Less,
                CmpOp::Le => ord != Greater,
                CmpOp::Gt => ord == Greater,
                CmpOp::Ge => ord != Less,
            }
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    text: &'a str,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n')) {
            self.i += 1;
        }
    }

    fn segments(&mut self) -> Result<Vec<Seg>, PathSyntax> {
        let mut segs = Vec::new();
        while let Some(c) = self.peek() {
            match c {
                b'.' if self.s.get(self.i + 1) == Some(&b'.') => {
                    self.i += 2;
                    let inner = if self.peek() == Some(b'[') {
                        self.bracket()?
                    } else {
                        self.dotted()?
                    };
                    segs.push(Seg::Descend(Box::new(inner)));
                }
                b'.' => {
                    self.i += 1;
                    segs.push(self.dotted()?);
                }
                b'[' => segs.push(self.bracket()?),
                _ => break,
            }
        }
        Ok(segs)
    }

    fn dotted(&mut self) -> Result<Seg, PathSyntax> {
        if self.eat(b'*') {
            return Ok(Seg::Wildcard);
        }
        let start = self.i;
        while let Some(c) = self.peek() {
            if c == b'.'
                || c == b'['
                || c == b' '
                || c == b'('
                || c == b')'
                || c == b'='
                || c == b'<'
                || c == b'>'
                || c == b'!'
                || c == b'&'
                || c == b'|'
            {
                break;
            }
            self.i += 1;
        }
        if self.i == start {
            return Err(PathSyntax::EmptyName);
        }
        let name = self.text[start..self.i].to_string();
        if self.s[self.i..].starts_with(b"()") {
            self.i += 2;
            return Ok(Seg::Function(name));
        }
        Ok(Seg::Key(name))
    }

    fn quoted(&mut self, q: u8) -> Result<String, PathSyntax> {
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return Err(PathSyntax::UnterminatedString),
                Some(b'\\') if self.s.get(self.i + 1) == Some(&q) => {
                    out.push(q);
                    self.i += 2;
                }
                Some(c) if c == q => {
                    self.i += 1;
                    break;
                }
                Some(c) => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
        String::from_utf8(out).map_err(|_| PathSyntax::InvalidUtf8)
    }

    fn int(&mut self) -> Option<i64> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        let r = self.text[start..self.i].parse().ok();
        if r.is_none() {
            self.i = start;
        }
        r
    }

    fn bracket(&mut self) -> Result<Seg, PathSyntax> {
        self.i += 1; // '['
        self.ws();
        if self.eat(b'*') {
            self.ws();
            return self.close(Seg::Wildcard);
        }
        if self.eat(b'?') {
            self.ws();
            let f = self.filter_or()?;
            self.ws();
            return self.close(Seg::Filter(f));
        }
        let mut parts = Vec::new();
        loop {
            self.ws();
            let part = match self.peek() {
                Some(q @ (b'\'' | b'"')) => {
                    self.i += 1;
                    Seg::Key(self.quoted(q)?)
                }
                Some(b':') => self.slice(None)?,
                _ => {
                    let n = self.int().ok_or(PathSyntax::ExpectedIndex)?;
                    self.ws();
                    if self.peek() == Some(b':') {
                        self.slice(Some(n))?
                    } else {
                        Seg::Index(n)
                    }
                }
            };
            parts.push(part);
            self.ws();
            if !self.eat(b',') {
                break;
            }
        }
        let seg = if parts.len() == 1 {
            parts.pop().expect("one part")
        } else {
            Seg::Union(parts)
        };
        self.close(seg)
    }

    fn slice(&mut self, start: Option<i64>) -> Result<Seg, PathSyntax> {
        self.i += 1; // ':'
        self.ws();
        let end = self.int();
        self.ws();
        let step = if self.eat(b':') {
            self.int().unwrap_or(1)
        } else {
            1
        };
        Ok(Seg::Slice(start, end, step))
    }

    fn close(&mut self, seg: Seg) -> Result<Seg, PathSyntax> {
        self.ws();
        if self.eat(b']') {
            Ok(seg)
        } else {
            Err(PathSyntax::ExpectedBracket)
        }
    }

    fn filter_or(&mut self) -> Result<Filter, PathSyntax> {
        let mut l = self.filter_and()?;
        loop {
            self.ws();
            if self.s[self.i..].starts_with(b"||") {
                self.i += 2;
                l = Filter::Or(Box::new(l), Box::new(self.filter_and()?));
            } else {
                return Ok(l);
            }
        }
    }

    fn filter_and(&mut self) -> Result<Filter, PathSyntax> {
        let mut l = self.filter_atom()?;
        loop {
            self.ws();
            if self.s[self.i..].starts_with(b"&&") {
                self.i += 2;
                l = Filter::And(Box::new(l), Box::new(self.filter_atom()?));
            } else {
                return Ok(l);
            }
        }
    }

    fn filter_atom(&mut self) -> Result<Filter, PathSyntax> {
        self.ws();
        if self.eat(b'!') {
            return Ok(Filter::Not(Box::new(self.filter_atom()?)));
        }
        if self.eat(b'(') {
            let f = self.filter_or()?;
            self.ws();
            if !self.eat(b')') {
                return Err(PathSyntax::ExpectedParenthesis);
            }
            return Ok(f);
        }
        let l = self.operand()?;
        self.ws();
        let ops: [(&[u8], CmpOp); 6] = [
            (b"==", CmpOp::Eq),
            (b"!=", CmpOp::Ne),
            (b"<=", CmpOp::Le),
            (b">=", CmpOp::Ge),
            (b"<", CmpOp::Lt),
            (b">", CmpOp::Gt),
        ];
        for (tok, op) in ops {
            if self.s[self.i..].starts_with(tok) {
                self.i += tok.len();
                self.ws();
                let r = self.operand()?;
                return Ok(Filter::Cmp(l, op, r));
            }
        }
        Ok(Filter::Exists(l))
    }

    fn operand(&mut self) -> Result<Operand, PathSyntax> {
        match self.peek() {
            Some(b'@') => {
                self.i += 1;
                Ok(Operand::Current(self.segments()?))
            }
            Some(q @ (b'\'' | b'"')) => {
                self.i += 1;
                Ok(Operand::Literal(Value::String(self.quoted(q)?)))
            }
            _ => {
                let start = self.i;
                while self
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || b"-+.eE".contains(&c))
                {
                    self.i += 1;
                }
                serde_json::from_str(&self.text[start..self.i])
                    .map(Operand::Literal)
                    .map_err(|_| PathSyntax::BadFilterLiteral)
            }
        }
    }
}

/// One step of a reference path: a member name or an array index.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Key(String),
    Index(i64),
}

/// Sets `value` at a reference path, creating the objects missing on the
/// way (a member only: no array is created); false when a node on the way
/// cannot take the next step: a name into a node that is not an object, an
/// index into a node that is not an array, or an index that is negative or
/// past the array's end. On false `doc` may hold objects created before the
/// refusal: callers work on a copy.
pub fn set_at(doc: &mut Value, steps: &[Step], value: Value) -> bool {
    let Some((last, parents)) = steps.split_last() else {
        *doc = value;
        return true;
    };
    let mut cur = doc;
    for step in parents {
        let next = match step {
            Step::Key(k) => cur.as_object_mut().map(|obj| {
                obj.entry(k.clone())
                    .or_insert_with(|| Value::Object(Map::new()))
            }),
            Step::Index(i) => element(cur, *i),
        };
        match next {
            Some(n) => cur = n,
            None => return false,
        }
    }
    let slot = match last {
        Step::Key(k) => match cur.as_object_mut() {
            Some(obj) => {
                obj.insert(k.clone(), value);
                return true;
            }
            None => None,
        },
        Step::Index(i) => element(cur, *i),
    };
    match slot {
        Some(s) => {
            *s = value;
            true
        }
        None => false,
    }
}

/// The existing element `i` of an array (never a negative index).
fn element(v: &mut Value, i: i64) -> Option<&mut Value> {
    let i = usize::try_from(i).ok()?;
    v.as_array_mut()?.get_mut(i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn definite_and_indefinite() {
        let doc = json!({"a": [{"x": 1}, {"x": 2}], "b-c": 3});
        assert_eq!(
            JsonPath::parse("$.a[1].x").unwrap().eval(&doc),
            Some(json!(2))
        );
        assert_eq!(
            JsonPath::parse("$.a[*].x").unwrap().eval(&doc),
            Some(json!([1, 2]))
        );
        assert_eq!(
            JsonPath::parse("$.a[?(@.x == 2)]").unwrap().eval(&doc),
            Some(json!([{"x": 2}]))
        );
        assert_eq!(
            JsonPath::parse("$..x").unwrap().eval(&doc),
            Some(json!([1, 2]))
        );
        assert_eq!(JsonPath::parse("$.b-c").unwrap().eval(&doc), Some(json!(3)));
        assert_eq!(JsonPath::parse("$.nope").unwrap().eval(&doc), None);
        assert_eq!(
            JsonPath::parse("$.a[:1]").unwrap().eval(&doc),
            Some(json!([{"x": 1}]))
        );
        assert_eq!(
            JsonPath::parse("$var.a").unwrap().root,
            Root::Variable("var".into())
        );
    }

    #[test]
    fn functions_find_nothing_and_filters_match_objects_only() {
        let doc = json!({"n": [1, 2, 3], "o": [{"x": 1}, {"x": 2}, 2]});
        let length = JsonPath::parse("$.n.length()").unwrap();
        assert!(length.is_definite());
        assert_eq!(length.eval(&doc), None);
        assert_eq!(length.canonical(), "$['n'].length()");
        assert_eq!(
            JsonPath::parse("$.n[?(@ > 1)]").unwrap().eval(&doc),
            Some(json!([]))
        );
        assert_eq!(
            JsonPath::parse("$.o[?(@.x > 1)]").unwrap().eval(&doc),
            Some(json!([{"x": 2}]))
        );
    }
}
