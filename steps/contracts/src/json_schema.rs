//! A JSON Schema validator for the schemas our contract types derive.
//!
//! Why not the `jsonschema` crate: it implements every draft and keyword,
//! with two regex engines and their Unicode tables, and that was the largest
//! part of the API's Lambda binary (about 2.6 MB of it). Our schemas come
//! from `schemars` (draft 2020-12) and use a small, known set of keywords, so
//! this module implements exactly that set. `jsonschema` stays as the oracle
//! of `tests/json_schema.rs`: on every exported schema, generated valid and
//! broken instances must be accepted or refused by both alike.
//!
//! Rules that keep it honest:
//! - a keyword this module does not know is a compile error, so a schema
//!   that starts using a new keyword fails the tests loudly instead of
//!   validating as if the keyword were not there;
//! - `$ref` resolves only to `#/$defs/…` of the root, which is all schemars
//!   emits; any other reference is a compile error;
//! - `format` checks the formats our schemas use (`date`, `date-time`,
//!   `iana-time-zone`); the number-width formats schemars adds (`uint32`,
//!   `double`, …) are annotations, as in `jsonschema`; any other format is a
//!   compile error;
//! - `pattern` is ECMA-262, as JSON Schema says: the escapes whose meaning
//!   differs (`\d`, `\w`, `\s`, `.`) are translated before `regex-lite`
//!   compiles them, and what `regex-lite` cannot do (backreferences,
//!   lookaround) is a compile error.
//!
//! Errors come in `jsonschema`'s order (a node's keywords by its priority:
//! `type` first, then values, sizes, `required`, `pattern`, `format`, the
//! members, the combinators, `$ref`) with its keyword names and messages, so
//! the first error, which the API reports, is the one it reported before.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

use campaigns_core::time_zone::{self, TimeZone};
use regex_lite::Regex;
use serde_json::{Map, Number, Value};

/// A compiled schema: its root and the `$defs` its references point at.
#[derive(Debug)]
pub struct Validator {
    root: Node,
    defs: Vec<Node>,
}

/// A schema this module cannot validate with: where (a JSON Pointer into
/// the schema) and why.
#[derive(Debug, thiserror::Error)]
#[error("schema at '{pointer}': {reason}")]
pub struct CompileError {
    pub pointer: String,
    pub reason: String,
}

/// One way an instance fails its schema.
#[derive(Debug)]
pub struct ValidationError {
    /// JSON Pointer of the value that fails.
    pub instance_path: String,
    /// The schema keyword that refused it (`type`, `required`, …).
    pub keyword: &'static str,
    /// For `required` and `additionalProperties`: the (first) property that
    /// is missing or unexpected.
    property: Option<String>,
    message: String,
}

impl ValidationError {
    /// The field the error is about: for a missing or unexpected property,
    /// the property itself rather than the object that holds it.
    pub fn field(&self) -> String {
        match &self.property {
            Some(name) => format!("{}/{}", self.instance_path, escape(name)),
            None => self.instance_path.clone(),
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Validator {
    /// Compiles `schema` (draft 2020-12, references into its own `$defs`).
    pub fn new(schema: &Value) -> Result<Validator, CompileError> {
        let mut names = HashMap::new();
        let mut def_schemas = Vec::new();
        if let Some(defs) = schema.get("$defs") {
            let defs = defs
                .as_object()
                .ok_or_else(|| error("/$defs", "must be an object"))?;
            for (index, (name, def)) in defs.iter().enumerate() {
                names.insert(format!("#/$defs/{}", escape(name)), index);
                def_schemas.push((format!("/$defs/{}", escape(name)), def));
            }
        }
        let compiler = Compiler { names };
        let root = compiler.node(schema, "", true)?;
        let defs = def_schemas
            .into_iter()
            .map(|(pointer, def)| compiler.node(def, &pointer, false))
            .collect::<Result<_, _>>()?;
        Ok(Validator { root, defs })
    }

    /// Every way `instance` fails, in the order `jsonschema` reports them.
    fn errors(&self, instance: &Value) -> Vec<ValidationError> {
        let mut errors = Vec::new();
        self.collect(&self.root, instance, "", &mut errors);
        errors
    }

    /// The first way `instance` fails, if any.
    pub fn validate(&self, instance: &Value) -> Result<(), ValidationError> {
        match self.errors(instance).into_iter().next() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    fn collect(
        &self,
        node: &Node,
        instance: &Value,
        path: &str,
        errors: &mut Vec<ValidationError>,
    ) {
        let checks = match node {
            Node::Any => return,
            Node::Never => {
                errors.push(failure(
                    path,
                    "falseSchema",
                    format!("False schema does not allow {instance}"),
                ));
                return;
            }
            Node::Checks(checks) => checks,
        };
        if let Some(types) = checks.types.filter(|types| !types.accepts(instance)) {
            errors.push(failure(path, "type", types.message(instance)));
        }
        if let Some(expected) = checks
            .constant
            .as_ref()
            .filter(|value| !equal(instance, value))
        {
            errors.push(failure(path, "const", format!("{expected} was expected")));
        }
        let unlisted =
            |options: &&Vec<Value>| !options.iter().any(|option| equal(instance, option));
        if let Some(options) = checks.options.as_ref().filter(unlisted) {
            errors.push(failure(path, "enum", enum_message(instance, options)));
        }
        if let Value::Number(number) = instance {
            for (bound, limit) in &checks.bounds {
                if !bound.admits(number, limit) {
                    errors.push(failure(path, bound.keyword(), bound.message(number, limit)));
                }
            }
        }
        if let Value::String(text) = instance {
            let length = text.chars().count() as u64;
            if let Some(limit) = checks.min_length.filter(|limit| length < *limit) {
                let message = format!(
                    "{instance} is shorter than {limit} character{}",
                    plural(limit)
                );
                errors.push(failure(path, "minLength", message));
            }
            if let Some(limit) = checks.max_length.filter(|limit| length > *limit) {
                let message = format!(
                    "{instance} is longer than {limit} character{}",
                    plural(limit)
                );
                errors.push(failure(path, "maxLength", message));
            }
        }
        if let Value::Array(items) = instance {
            let count = items.len() as u64;
            if let Some(limit) = checks.min_items.filter(|limit| count < *limit) {
                let message = format!("{instance} has less than {limit} item{}", plural(limit));
                errors.push(failure(path, "minItems", message));
            }
            if let Some(limit) = checks.max_items.filter(|limit| count > *limit) {
                let message = format!("{instance} has more than {limit} item{}", plural(limit));
                errors.push(failure(path, "maxItems", message));
            }
        }
        if let Value::Object(members) = instance {
            if let Some(limit) = checks
                .min_properties
                .filter(|limit| (members.len() as u64) < *limit)
            {
                let ending = if limit == 1 { "y" } else { "ies" };
                let message = format!("{instance} has less than {limit} propert{ending}");
                errors.push(failure(path, "minProperties", message));
            }
            if !checks.required_last {
                missing(checks, members, path, errors);
            }
        }
        if let Value::String(text) = instance {
            if let Some(pattern) = checks
                .pattern
                .as_ref()
                .filter(|pattern| !pattern.regex.is_match(text))
            {
                let message = format!("{instance} does not match \"{}\"", pattern.source);
                errors.push(failure(path, "pattern", message));
            }
            if let Some(format) = checks.format.filter(|format| !format.accepts(text)) {
                let message = format!("{instance} is not a \"{}\"", format.name());
                errors.push(failure(path, "format", message));
            }
        }
        if let Value::Object(members) = instance {
            self.members(checks, members, path, errors);
            if checks.required_last {
                missing(checks, members, path, errors);
            }
        }
        if let (Value::Array(items), Some(schema)) = (instance, &checks.items) {
            for (index, item) in items.iter().enumerate() {
                self.collect(schema, item, &format!("{path}/{index}"), errors);
            }
        }
        for schema in &checks.all_of {
            self.collect(schema, instance, path, errors);
        }
        if !checks.any_of.is_empty()
            && !checks
                .any_of
                .iter()
                .any(|schema| self.accepts(schema, instance))
        {
            let message = format!(
                "{instance} is not valid under any of the schemas listed in the 'anyOf' keyword"
            );
            errors.push(failure(path, "anyOf", message));
        }
        if !checks.one_of.is_empty() {
            let valid = checks
                .one_of
                .iter()
                .filter(|schema| self.accepts(schema, instance))
                .count();
            if valid != 1 {
                let how = if valid == 0 {
                    "is not valid under any"
                } else {
                    "is valid under more than one"
                };
                let message =
                    format!("{instance} {how} of the schemas listed in the 'oneOf' keyword");
                errors.push(failure(path, "oneOf", message));
            }
        }
        if let Some(index) = checks.reference {
            self.collect(&self.defs[index], instance, path, errors);
        }
    }

    /// `properties` and `additionalProperties`: each member against its
    /// schema in member order; with `additionalProperties: false`, one error
    /// after them naming every unexpected member.
    fn members(
        &self,
        checks: &Checks,
        members: &Map<String, Value>,
        path: &str,
        errors: &mut Vec<ValidationError>,
    ) {
        let mut unexpected = Vec::new();
        for (name, value) in members {
            let at = || format!("{path}/{}", escape(name));
            match (checks.properties.get(name), &checks.additional) {
                (Some(schema), _) => self.collect(schema, value, &at(), errors),
                (None, Some(Node::Never)) => unexpected.push(name.clone()),
                (None, Some(schema)) => self.collect(schema, value, &at(), errors),
                (None, None) => {}
            }
        }
        if let Some(first) = unexpected.first() {
            let listed: Vec<String> = unexpected.iter().map(|name| format!("'{name}'")).collect();
            let verb = if unexpected.len() == 1 { "was" } else { "were" };
            let message = format!(
                "Additional properties are not allowed ({} {verb} unexpected)",
                listed.join(", ")
            );
            errors.push(ValidationError {
                property: Some(first.clone()),
                ..failure(path, "additionalProperties", message)
            });
        }
    }

    fn accepts(&self, node: &Node, instance: &Value) -> bool {
        let mut errors = Vec::new();
        self.collect(node, instance, "", &mut errors);
        errors.is_empty()
    }
}

/// A compiled subschema.
#[derive(Debug)]
enum Node {
    /// `true`.
    Any,
    /// `false`.
    Never,
    Checks(Box<Checks>),
}

/// The assertions of one schema object; absent keywords assert nothing.
#[derive(Debug, Default)]
struct Checks {
    types: Option<Types>,
    constant: Option<Value>,
    options: Option<Vec<Value>>,
    bounds: Vec<(Bound, Number)>,
    min_length: Option<u64>,
    max_length: Option<u64>,
    min_items: Option<u64>,
    max_items: Option<u64>,
    min_properties: Option<u64>,
    required: Vec<String>,
    /// `jsonschema` checks a closed object's single `required` name in the
    /// walk of its members, so reports it after them.
    required_last: bool,
    pattern: Option<Pattern>,
    format: Option<Format>,
    properties: BTreeMap<String, Node>,
    additional: Option<Node>,
    items: Option<Node>,
    all_of: Vec<Node>,
    any_of: Vec<Node>,
    one_of: Vec<Node>,
    reference: Option<usize>,
}

/// The keywords that only annotate: accepted, never checked.
const ANNOTATIONS: [&str; 5] = ["$schema", "title", "description", "default", "examples"];

struct Compiler {
    /// `#/$defs/Name` → index into [`Validator::defs`].
    names: HashMap<String, usize>,
}

impl Compiler {
    fn node(&self, schema: &Value, pointer: &str, root: bool) -> Result<Node, CompileError> {
        let map = match schema {
            Value::Bool(true) => return Ok(Node::Any),
            Value::Bool(false) => return Ok(Node::Never),
            Value::Object(map) => map,
            _ => return Err(error(pointer, "a schema is an object or a boolean")),
        };
        let mut checks = Checks::default();
        for (keyword, value) in map {
            let at = format!("{pointer}/{}", escape(keyword));
            match keyword.as_str() {
                "type" => checks.types = Some(Types::compile(value, &at)?),
                "const" => checks.constant = Some(value.clone()),
                "enum" => {
                    let options = value
                        .as_array()
                        .ok_or_else(|| error(&at, "must be an array"))?;
                    checks.options = Some(options.clone());
                }
                "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" => {
                    let limit = value
                        .as_number()
                        .ok_or_else(|| error(&at, "must be a number"))?;
                    checks.bounds.push((Bound::of(keyword), limit.clone()));
                }
                "minLength" => checks.min_length = Some(count(value, &at)?),
                "maxLength" => checks.max_length = Some(count(value, &at)?),
                "minItems" => checks.min_items = Some(count(value, &at)?),
                "maxItems" => checks.max_items = Some(count(value, &at)?),
                "minProperties" => checks.min_properties = Some(count(value, &at)?),
                "required" => {
                    let names = value
                        .as_array()
                        .ok_or_else(|| error(&at, "must be an array"))?;
                    checks.required = names
                        .iter()
                        .map(|name| name.as_str().map(str::to_owned))
                        .collect::<Option<_>>()
                        .ok_or_else(|| error(&at, "must name properties with strings"))?;
                }
                "pattern" => {
                    let source = value
                        .as_str()
                        .ok_or_else(|| error(&at, "must be a string"))?;
                    checks.pattern =
                        Some(Pattern::compile(source).map_err(|reason| error(&at, &reason))?);
                }
                "format" => {
                    let name = value
                        .as_str()
                        .ok_or_else(|| error(&at, "must be a string"))?;
                    checks.format = Format::of(name)
                        .ok_or_else(|| error(&at, &format!("unknown format '{name}'")))?;
                }
                "properties" => {
                    let members = value
                        .as_object()
                        .ok_or_else(|| error(&at, "must be an object"))?;
                    for (name, schema) in members {
                        let node = self.node(schema, &format!("{at}/{}", escape(name)), false)?;
                        checks.properties.insert(name.clone(), node);
                    }
                }
                "additionalProperties" => checks.additional = Some(self.node(value, &at, false)?),
                "items" => checks.items = Some(self.node(value, &at, false)?),
                "allOf" => checks.all_of = self.nodes(value, &at)?,
                "anyOf" => checks.any_of = self.nodes(value, &at)?,
                "oneOf" => checks.one_of = self.nodes(value, &at)?,
                "$ref" => {
                    let target = value
                        .as_str()
                        .ok_or_else(|| error(&at, "must be a string"))?;
                    let index = self.names.get(target).ok_or_else(|| {
                        error(&at, &format!("'{target}' is not in the root's $defs"))
                    })?;
                    checks.reference = Some(*index);
                }
                "$defs" if root => {}
                _ if ANNOTATIONS.contains(&keyword.as_str()) => {}
                _ => return Err(error(&at, &format!("unknown keyword '{keyword}'"))),
            }
        }
        checks.required_last = checks.required.len() == 1
            && map.contains_key("properties")
            && matches!(checks.additional, Some(Node::Never));
        // Check the bounds in jsonschema's order, whatever the map's order.
        checks.bounds.sort_by_key(|(bound, _)| *bound);
        Ok(Node::Checks(Box::new(checks)))
    }

    fn nodes(&self, value: &Value, pointer: &str) -> Result<Vec<Node>, CompileError> {
        let schemas = value
            .as_array()
            .filter(|schemas| !schemas.is_empty())
            .ok_or_else(|| error(pointer, "must be a non-empty array"))?;
        schemas
            .iter()
            .enumerate()
            .map(|(index, schema)| self.node(schema, &format!("{pointer}/{index}"), false))
            .collect()
    }
}

fn error(pointer: &str, reason: &str) -> CompileError {
    CompileError {
        pointer: pointer.to_owned(),
        reason: reason.to_owned(),
    }
}

/// A `required` error per missing property, in the keyword's order.
fn missing(
    checks: &Checks,
    members: &Map<String, Value>,
    path: &str,
    errors: &mut Vec<ValidationError>,
) {
    for name in checks
        .required
        .iter()
        .filter(|name| !members.contains_key(*name))
    {
        let message = format!("{} is a required property", Value::from(name.as_str()));
        errors.push(ValidationError {
            property: Some(name.clone()),
            ..failure(path, "required", message)
        });
    }
}

fn failure(path: &str, keyword: &'static str, message: String) -> ValidationError {
    ValidationError {
        instance_path: path.to_owned(),
        keyword,
        property: None,
        message,
    }
}

/// A non-negative integer keyword value (`minLength`, …); `2.0` counts as 2.
fn count(value: &Value, pointer: &str) -> Result<u64, CompileError> {
    let number = value
        .as_number()
        .ok_or_else(|| error(pointer, "must be a non-negative integer"))?;
    number
        .as_u64()
        .or_else(|| {
            number
                .as_f64()
                .filter(|float| float.fract() == 0.0 && *float >= 0.0 && *float < 1.8e19)
                .map(|float| float as u64)
        })
        .ok_or_else(|| error(pointer, "must be a non-negative integer"))
}

fn plural(count: u64) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// A JSON Pointer reference token.
fn escape(name: &str) -> std::borrow::Cow<'_, str> {
    if name.contains(['~', '/']) {
        name.replace('~', "~0").replace('/', "~1").into()
    } else {
        name.into()
    }
}

/// `jsonschema`'s enum message: every option when there are few.
fn enum_message(instance: &Value, options: &[Value]) -> String {
    const SHOWN: usize = 3;
    let mut message = format!("{instance} is not one of ");
    if options.len() <= SHOWN {
        for (index, option) in options.iter().enumerate() {
            let separator = match index {
                0 => "",
                _ if index == options.len() - 1 => " or ",
                _ => ", ",
            };
            message.push_str(&format!("{separator}{option}"));
        }
    } else {
        let listed: Vec<String> = options
            .iter()
            .take(SHOWN - 1)
            .map(Value::to_string)
            .collect();
        message.push_str(&format!(
            "{} or {} other candidates",
            listed.join(", "),
            options.len() - (SHOWN - 1)
        ));
    }
    message
}

/// The set of `type`s a schema allows, in `jsonschema`'s order for messages.
#[derive(Debug, Clone, Copy)]
struct Types(u8);

const TYPE_NAMES: [&str; 7] = [
    "null", "boolean", "integer", "number", "string", "array", "object",
];

impl Types {
    fn compile(value: &Value, pointer: &str) -> Result<Types, CompileError> {
        let bit = |name: &Value| {
            let name = name.as_str()?;
            let index = TYPE_NAMES.iter().position(|known| *known == name)?;
            Some(1u8 << index)
        };
        let bits = match value {
            Value::Array(names) if !names.is_empty() => names
                .iter()
                .try_fold(0, |bits, name| Some(bits | bit(name)?)),
            single => bit(single),
        };
        bits.map(Types)
            .ok_or_else(|| error(pointer, "must name JSON types"))
    }

    /// Whether the type at `index` of [`TYPE_NAMES`] is allowed.
    fn has(self, index: usize) -> bool {
        self.0 & (1 << index) != 0
    }

    fn accepts(self, instance: &Value) -> bool {
        let index = match instance {
            Value::Null => 0,
            Value::Bool(_) => 1,
            // JSON Schema: an integer is a number without a fraction, so 1.0 is one.
            Value::Number(number) => return self.has(3) || (self.has(2) && is_integer(number)),
            Value::String(_) => 4,
            Value::Array(_) => 5,
            Value::Object(_) => 6,
        };
        self.has(index)
    }

    fn message(self, instance: &Value) -> String {
        let names: Vec<&str> = TYPE_NAMES
            .iter()
            .enumerate()
            .filter(|(index, _)| self.has(*index))
            .map(|(_, name)| *name)
            .collect();
        match names.as_slice() {
            [single] => format!("{instance} is not of type \"{single}\""),
            many => {
                let quoted: Vec<String> = many.iter().map(|name| format!("\"{name}\"")).collect();
                format!("{instance} is not of types {}", quoted.join(", "))
            }
        }
    }
}

fn is_integer(number: &Number) -> bool {
    number.is_u64() || number.is_i64() || number.as_f64().is_some_and(|float| float.fract() == 0.0)
}

/// A numeric bound, ordered as `jsonschema` reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Bound {
    Minimum,
    Maximum,
    ExclusiveMinimum,
    ExclusiveMaximum,
}

impl Bound {
    fn of(keyword: &str) -> Bound {
        match keyword {
            "minimum" => Bound::Minimum,
            "maximum" => Bound::Maximum,
            "exclusiveMinimum" => Bound::ExclusiveMinimum,
            _ => Bound::ExclusiveMaximum,
        }
    }

    fn keyword(self) -> &'static str {
        match self {
            Bound::Minimum => "minimum",
            Bound::Maximum => "maximum",
            Bound::ExclusiveMinimum => "exclusiveMinimum",
            Bound::ExclusiveMaximum => "exclusiveMaximum",
        }
    }

    fn admits(self, number: &Number, limit: &Number) -> bool {
        let order = compare(number, limit);
        match self {
            Bound::Minimum => order != Ordering::Less,
            Bound::Maximum => order != Ordering::Greater,
            Bound::ExclusiveMinimum => order == Ordering::Greater,
            Bound::ExclusiveMaximum => order == Ordering::Less,
        }
    }

    fn message(self, number: &Number, limit: &Number) -> String {
        let relation = match self {
            Bound::Minimum => "less than the minimum",
            Bound::Maximum => "greater than the maximum",
            Bound::ExclusiveMinimum => "less than or equal to the minimum",
            Bound::ExclusiveMaximum => "greater than or equal to the maximum",
        };
        format!("{number} is {relation} of {limit}")
    }
}

/// Compares two JSON numbers exactly, whether each is a `u64`, an `i64` or
/// an `f64` (no rounding of a large integer to the nearest float).
fn compare(left: &Number, right: &Number) -> Ordering {
    match (exact(left), exact(right)) {
        (Some(left), Some(right)) => left.cmp(&right),
        (Some(left), None) => compare_with_float(left, right.as_f64().unwrap_or(0.0)),
        (None, Some(right)) => compare_with_float(right, left.as_f64().unwrap_or(0.0)).reverse(),
        (None, None) => {
            let (left, right) = (left.as_f64().unwrap_or(0.0), right.as_f64().unwrap_or(0.0));
            left.partial_cmp(&right).unwrap_or(Ordering::Equal)
        }
    }
}

fn exact(number: &Number) -> Option<i128> {
    number
        .as_u64()
        .map(i128::from)
        .or_else(|| number.as_i64().map(i128::from))
}

/// `integer` against a finite `float`.
fn compare_with_float(integer: i128, float: f64) -> Ordering {
    // Beyond ±1.7e38 the float is past every i64 and u64.
    if float >= 1.7e38 {
        return Ordering::Less;
    }
    if float <= -1.7e38 {
        return Ordering::Greater;
    }
    let whole = float.floor();
    match integer.cmp(&(whole as i128)) {
        Ordering::Equal if float > whole => Ordering::Less,
        order => order,
    }
}

/// JSON equality as JSON Schema defines it: numbers by value (`1 == 1.0`).
fn equal(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Number(left), Value::Number(right)) => compare(left, right) == Ordering::Equal,
        (Value::Array(left), Value::Array(right)) => {
            left.len() == right.len() && left.iter().zip(right).all(|(l, r)| equal(l, r))
        }
        (Value::Object(left), Value::Object(right)) => {
            left.len() == right.len()
                && left
                    .iter()
                    .all(|(name, l)| right.get(name).is_some_and(|r| equal(l, r)))
        }
        _ => left == right,
    }
}

/// The `format`s that are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// RFC 3339 `full-date`.
    Date,
    /// RFC 3339 `date-time`.
    DateTime,
    /// An IANA zone name the compiled-in database knows.
    TimeZone,
}

/// The formats schemars adds to numbers to say their Rust width. JSON Schema
/// does not define them and `jsonschema` ignores them: annotations here too.
const NUMBER_WIDTHS: [&str; 12] = [
    "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64",
    "float", "double",
];

impl Format {
    /// The check of format `name`: `Some(None)` for an annotation-only
    /// format, `None` for one this module does not know.
    fn of(name: &str) -> Option<Option<Format>> {
        match name {
            "date" => Some(Some(Format::Date)),
            "date-time" => Some(Some(Format::DateTime)),
            _ if name == time_zone::FORMAT => Some(Some(Format::TimeZone)),
            _ if NUMBER_WIDTHS.contains(&name) => Some(None),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Format::Date => "date",
            Format::DateTime => "date-time",
            Format::TimeZone => time_zone::FORMAT,
        }
    }

    fn accepts(self, text: &str) -> bool {
        match self {
            Format::Date => is_date(text.as_bytes()),
            Format::DateTime => is_date_time(text.as_bytes()),
            Format::TimeZone => TimeZone::parse(text).is_some(),
        }
    }
}

/// The value of ASCII digits, `None` if any byte is not one.
fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |value, byte| {
        byte.is_ascii_digit()
            .then(|| value * 10 + u32::from(byte - b'0'))
    })
}

/// `YYYY-MM-DD` with a day that exists in that month (Feb 29 in leap years
/// only, Gregorian rules).
fn is_date(bytes: &[u8]) -> bool {
    let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = bytes else {
        return false;
    };
    let (Some(year), Some(month), Some(day)) = (
        digits(&[*y0, *y1, *y2, *y3]),
        digits(&[*m0, *m1]),
        digits(&[*d0, *d1]),
    ) else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// RFC 3339 `date-time`: a date, `T` (or `t`), a time.
fn is_date_time(bytes: &[u8]) -> bool {
    match bytes.iter().position(|byte| matches!(byte, b'T' | b't')) {
        Some(at) => is_date(&bytes[..at]) && is_time(&bytes[at + 1..]),
        None => false,
    }
}

/// RFC 3339 `full-time`: `HH:MM:SS`, optional fraction, then `Z` or an
/// offset `±HH:MM`. Second 60 (a leap second) only where it is 23:59 in UTC.
fn is_time(bytes: &[u8]) -> bool {
    let [h0, h1, b':', m0, m1, b':', s0, s1, rest @ ..] = bytes else {
        return false;
    };
    let (Some(hour), Some(minute), Some(second)) = (
        digits(&[*h0, *h1]),
        digits(&[*m0, *m1]),
        digits(&[*s0, *s1]),
    ) else {
        return false;
    };
    if hour > 23 || minute > 59 || second > 60 {
        return false;
    }
    let mut rest = rest;
    if let Some(fraction) = rest.strip_prefix(b".") {
        let count = fraction
            .iter()
            .take_while(|byte| byte.is_ascii_digit())
            .count();
        if count == 0 {
            return false;
        }
        rest = &fraction[count..];
    }
    let local = i64::from(hour * 60 + minute);
    let utc = match rest {
        [b'Z' | b'z'] => local,
        [sign @ (b'+' | b'-'), oh0, oh1, b':', om0, om1] => {
            let (Some(hours), Some(minutes)) = (digits(&[*oh0, *oh1]), digits(&[*om0, *om1]))
            else {
                return false;
            };
            if hours > 23 || minutes > 59 {
                return false;
            }
            let offset = i64::from(hours * 60 + minutes);
            if *sign == b'+' {
                local - offset
            } else {
                local + offset
            }
        }
        _ => return false,
    };
    second != 60 || utc.rem_euclid(24 * 60) == 23 * 60 + 59
}

/// A `pattern`: its ECMA-262 source (for messages) and its translation.
#[derive(Debug)]
struct Pattern {
    source: String,
    regex: Regex,
}

/// ECMA-262 `\s`: its `WhiteSpace` and `LineTerminator` characters, as the
/// body of a character class.
const ECMA_SPACE: &str = r"\t\n\x0B\x0C\r \u{A0}\u{1680}\u{2000}-\u{200A}\u{2028}\u{2029}\u{202F}\u{205F}\u{3000}\u{FEFF}";

impl Pattern {
    fn compile(source: &str) -> Result<Pattern, String> {
        let translated = translate(source)?;
        let regex = Regex::new(&translated)
            .map_err(|err| format!("pattern {source:?} does not compile: {err}"))?;
        Ok(Pattern {
            source: source.to_owned(),
            regex,
        })
    }
}

/// Rewrites an ECMA-262 pattern in `regex-lite`'s syntax where the two read
/// the same text differently: `\d` and `\w` are ASCII in both but spelled out
/// to be sure, `\s` is ECMA's Unicode set, `.` stops at ECMA's line
/// terminators, and inside a class `[`, `&` and `~` are literal in ECMA but
/// set operators in `regex-lite`. Backreferences and lookaround have no
/// translation and are refused.
fn translate(source: &str) -> Result<String, String> {
    let mut out = String::with_capacity(source.len() * 2);
    let mut in_class = false;
    let mut chars = source.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '\\' => {
                let Some(escaped) = chars.next() else {
                    return Err("pattern ends in a lone backslash".into());
                };
                let class = match escaped {
                    'd' => Some(("0-9", false)),
                    'D' => Some(("0-9", true)),
                    'w' => Some(("0-9A-Za-z_", false)),
                    'W' => Some(("0-9A-Za-z_", true)),
                    's' => Some((ECMA_SPACE, false)),
                    'S' => Some((ECMA_SPACE, true)),
                    '1'..='9' | 'k' => return Err("backreferences are not supported".into()),
                    _ => None,
                };
                match class {
                    Some((body, negated)) if in_class => {
                        if negated {
                            return Err(format!("\\{escaped} inside a class is not supported"));
                        }
                        out.push_str(body);
                    }
                    Some((body, negated)) => {
                        out.push_str(if negated { "[^" } else { "[" });
                        out.push_str(body);
                        out.push(']');
                    }
                    None => {
                        out.push('\\');
                        out.push(escaped);
                    }
                }
            }
            '[' if in_class => out.push_str(r"\["),
            '&' | '~' if in_class => {
                out.push('\\');
                out.push(ch);
            }
            '[' => {
                in_class = true;
                out.push('[');
                if chars.peek() == Some(&'^') {
                    chars.next();
                    out.push('^');
                }
                if chars.peek() == Some(&']') {
                    return Err("an empty class is not supported".into());
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '.' if !in_class => out.push_str(r"[^\n\r\u{2028}\u{2029}]"),
            '(' if !in_class && chars.peek() == Some(&'?') => {
                let rest: String = chars.clone().take(3).collect();
                if ["?=", "?!", "?<=", "?<!"]
                    .iter()
                    .any(|look| rest.starts_with(look))
                {
                    return Err("lookaround is not supported".into());
                }
                out.push('(');
            }
            _ => out.push(ch),
        }
    }
    Ok(out)
}
