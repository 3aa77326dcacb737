//! Choice rules: in JSONPath, comparisons (and their `…Path` forms), `Is*`
//! tests and the And/Or/Not combinators — a comparison between values of the
//! wrong type is simply false, as on AWS; in JSONata, a `Condition`.

use crate::definition::{Field, check_fields, field};
use crate::error::{DefinitionError, Failure, shape};
use crate::jsonpath::JsonPath;
use crate::payload::Scope;
use crate::query::{self, Expr, QueryLanguage, States};
use crate::values::parse_timestamp;
use serde_json::Value;
use std::cmp::Ordering;

/// A top-level rule with where it leads, and in JSONata the state's output
/// when it matches.
#[derive(Debug)]
pub struct ChoiceRule {
    pub test: Test,
    pub next: String,
    pub assign: Option<Field>,
    pub output: Option<query::Template>,
}

/// What a top-level rule tests.
#[derive(Debug)]
pub enum Test {
    Rule(Rule),
    /// JSONata's `Condition`: a boolean, or an expression that must give one.
    Condition(Condition),
}

#[derive(Debug)]
pub enum Condition {
    Literal(bool),
    Expr(Expr),
}

impl Test {
    /// Whether the rule matches; JSONPath reads `scope`, JSONata `states`.
    pub fn eval(&self, scope: &Scope, states: &States) -> Result<bool, Failure> {
        match self {
            Test::Rule(r) => r.eval(scope),
            Test::Condition(Condition::Literal(b)) => Ok(*b),
            Test::Condition(Condition::Expr(e)) => match e.eval("Condition", states)? {
                Value::Bool(b) => Ok(b),
                other => Err(e.unexpected("Condition", "boolean", &other)),
            },
        }
    }
}

#[derive(Debug)]
pub enum Rule {
    And(Vec<Rule>),
    Or(Vec<Rule>),
    Not(Box<Rule>),
    Compare {
        variable: JsonPath,
        kind: Kind,
        op: Ordering,
        or_equal: bool,
        operand: Operand,
    },
    Matches {
        variable: JsonPath,
        pattern: String,
    },
    Is {
        variable: JsonPath,
        test: IsTest,
        expect: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    String,
    Numeric,
    Boolean,
    Timestamp,
}

#[derive(Debug)]
pub enum Operand {
    Literal(Value),
    Path(JsonPath),
}

#[derive(Debug, Clone, Copy)]
pub enum IsTest {
    Present,
    Null,
    Numeric,
    String,
    Boolean,
    Timestamp,
}

const KINDS: [(&str, Kind); 4] = [
    ("String", Kind::String),
    ("Numeric", Kind::Numeric),
    ("Boolean", Kind::Boolean),
    ("Timestamp", Kind::Timestamp),
];
const OPS: [(&str, Ordering, bool); 5] = [
    ("Equals", Ordering::Equal, false),
    ("LessThanEquals", Ordering::Less, true),
    ("GreaterThanEquals", Ordering::Greater, true),
    ("LessThan", Ordering::Less, false),
    ("GreaterThan", Ordering::Greater, false),
];
const TESTS: [(&str, IsTest); 6] = [
    ("IsPresent", IsTest::Present),
    ("IsNull", IsTest::Null),
    ("IsNumeric", IsTest::Numeric),
    ("IsString", IsTest::String),
    ("IsBoolean", IsTest::Boolean),
    ("IsTimestamp", IsTest::Timestamp),
];

impl ChoiceRule {
    pub fn compile_top(v: &Value, lang: QueryLanguage) -> Result<ChoiceRule, DefinitionError> {
        let o = v
            .as_object()
            .ok_or_else(|| shape("a choice rule must be an object"))?;
        let next = o
            .get("Next")
            .and_then(Value::as_str)
            .ok_or_else(|| shape("every choice rule needs 'Next'"))?
            .to_string();
        let mut errs = Vec::new();
        check_fields(o, lang, &mut errs);
        if let Some(e) = errs.into_iter().next() {
            return Err(shape(e));
        }
        let test = match lang {
            QueryLanguage::JsonPath => Test::Rule(Rule::compile(v)?),
            QueryLanguage::Jsonata => Test::Condition(match o.get("Condition") {
                Some(Value::Bool(b)) => Condition::Literal(*b),
                Some(Value::String(s)) => match Expr::from_template(s) {
                    Some(e) => Condition::Expr(e.map_err(|e| e.in_field("Condition"))?),
                    None => {
                        return Err(shape(format!(
                            "Condition must be a boolean or a JSONata expression, got '{s}'"
                        )));
                    }
                },
                _ => return Err(shape("a JSONata choice rule needs 'Condition'")),
            }),
        };
        let output = o
            .get("Output")
            .map(query::Template::compile)
            .transpose()
            .map_err(|e| e.in_field("Output"))?;
        Ok(ChoiceRule {
            test,
            next,
            assign: field(o, "Assign", lang)?,
            output,
        })
    }
}

impl Rule {
    fn compile(v: &Value) -> Result<Rule, DefinitionError> {
        let o = v
            .as_object()
            .ok_or_else(|| shape("a choice rule must be an object"))?;
        let list = |k: &str| -> Result<Vec<Rule>, DefinitionError> {
            match o.get(k).and_then(Value::as_array) {
                Some(a) if !a.is_empty() => a.iter().map(Rule::compile).collect(),
                _ => Err(shape(format!("'{k}' needs a non-empty array"))),
            }
        };
        if o.contains_key("And") {
            return Ok(Rule::And(list("And")?));
        }
        if o.contains_key("Or") {
            return Ok(Rule::Or(list("Or")?));
        }
        if let Some(n) = o.get("Not") {
            return Ok(Rule::Not(Box::new(Rule::compile(n)?)));
        }
        if o.contains_key("Condition") {
            return Err(shape(
                "'Condition' is JSONata; this Choice state's QueryLanguage is JSONPath",
            ));
        }
        let var = o
            .get("Variable")
            .and_then(Value::as_str)
            .ok_or_else(|| shape("a choice rule needs 'Variable'"))?;
        let variable = JsonPath::parse(var)?;
        for (name, test) in TESTS {
            if let Some(b) = o.get(name) {
                let expect = b
                    .as_bool()
                    .ok_or_else(|| shape(format!("'{name}' must be a boolean")))?;
                return Ok(Rule::Is {
                    variable,
                    test,
                    expect,
                });
            }
        }
        if let Some(p) = o.get("StringMatches") {
            let pattern = p
                .as_str()
                .ok_or_else(|| shape("'StringMatches' must be a string"))?
                .to_string();
            return Ok(Rule::Matches { variable, pattern });
        }
        for (kname, kind) in KINDS {
            for (oname, op, or_equal) in OPS {
                if kind == Kind::Boolean && (op != Ordering::Equal || or_equal) {
                    continue;
                }
                let field = format!("{kname}{oname}");
                if let Some(lit) = o.get(&field) {
                    let ok = match kind {
                        Kind::String => lit.is_string(),
                        Kind::Numeric => lit.is_number(),
                        Kind::Boolean => lit.is_boolean(),
                        Kind::Timestamp => lit.as_str().and_then(parse_timestamp).is_some(),
                    };
                    if !ok {
                        return Err(shape(format!(
                            "'{field}' has a value of the wrong type: {lit}"
                        )));
                    }
                    return Ok(Rule::Compare {
                        variable,
                        kind,
                        op,
                        or_equal,
                        operand: Operand::Literal(lit.clone()),
                    });
                }
                if let Some(p) = o.get(&format!("{field}Path")) {
                    let path = JsonPath::parse(
                        p.as_str()
                            .ok_or_else(|| shape(format!("'{field}Path' must be a string")))?,
                    )?;
                    return Ok(Rule::Compare {
                        variable,
                        kind,
                        op,
                        or_equal,
                        operand: Operand::Path(path),
                    });
                }
            }
        }
        Err(shape("a choice rule needs a comparison operator"))
    }

    pub fn eval(&self, scope: &Scope) -> Result<bool, Failure> {
        Ok(match self {
            Rule::And(rs) => {
                for r in rs {
                    if !r.eval(scope)? {
                        return Ok(false);
                    }
                }
                true
            }
            Rule::Or(rs) => {
                for r in rs {
                    if r.eval(scope)? {
                        return Ok(true);
                    }
                }
                false
            }
            Rule::Not(r) => !r.eval(scope)?,
            Rule::Is {
                variable,
                test,
                expect,
            } => {
                let v = scope.resolve(variable);
                let got = match (test, &v) {
                    (IsTest::Present, v) => v.is_some(),
                    (_, None) => false,
                    (IsTest::Null, Some(v)) => v.is_null(),
                    (IsTest::Numeric, Some(v)) => v.is_number(),
                    (IsTest::String, Some(v)) => v.is_string(),
                    (IsTest::Boolean, Some(v)) => v.is_boolean(),
                    (IsTest::Timestamp, Some(v)) => v.as_str().and_then(parse_timestamp).is_some(),
                };
                got == *expect
            }
            Rule::Matches { variable, pattern } => {
                let v = scope.require(variable)?;
                v.as_str().is_some_and(|s| wildcard_match(pattern, s))
            }
            Rule::Compare {
                variable,
                kind,
                op,
                or_equal,
                operand,
            } => {
                let a = scope.require(variable)?;
                let b = match operand {
                    Operand::Literal(v) => v.clone(),
                    Operand::Path(p) => scope.require(p)?,
                };
                match compare(*kind, &a, &b) {
                    Some(ord) => ord == *op || (*or_equal && ord == Ordering::Equal),
                    None => false,
                }
            }
        })
    }
}

fn compare(kind: Kind, a: &Value, b: &Value) -> Option<Ordering> {
    match kind {
        Kind::String => Some(a.as_str()?.cmp(b.as_str()?)),
        Kind::Numeric => {
            if !a.is_number() || !b.is_number() {
                return None;
            }
            a.as_f64()?.partial_cmp(&b.as_f64()?)
        }
        Kind::Boolean => (a.as_bool()? == b.as_bool()?).then_some(Ordering::Equal),
        Kind::Timestamp => Some(parse_timestamp(a.as_str()?)?.cmp(&parse_timestamp(b.as_str()?)?)),
    }
}

/// `StringMatches`: `*` matches any run of characters, `\*` a literal star.
fn wildcard_match(pattern: &str, s: &str) -> bool {
    let mut parts: Vec<String> = vec![String::new()];
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    parts.last_mut().expect("part").push(n);
                }
            }
            '*' => parts.push(String::new()),
            c => parts.last_mut().expect("part").push(c),
        }
    }
    if parts.len() == 1 {
        return s == parts[0];
    }
    let (first, last) = (&parts[0], &parts[parts.len() - 1]);
    if !s.starts_with(first.as_str())
        || s.len() < first.len() + last.len()
        || !s.ends_with(last.as_str())
    {
        return false;
    }
    let mut rest = &s[first.len()..s.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid.as_str()) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::wildcard_match;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("log-*.txt", "log-2024.txt"));
        assert!(!wildcard_match("log-*.txt", "log-2024.csv"));
        assert!(wildcard_match("a\\*b", "a*b"));
        assert!(wildcard_match("*", ""));
    }
}
