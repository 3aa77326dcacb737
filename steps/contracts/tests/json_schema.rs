//! Our JSON Schema validator against `jsonschema`, the oracle.
//!
//! Every schema the project exports (`schemas/**`: routes' bodies, step
//! inputs and outputs, events, records) gets generated instances, valid
//! ones and mutations of them (wrong types, missing and extra properties,
//! numbers and lengths at and past their bounds, broken patterns and
//! formats, non-ASCII text); both validators must accept or refuse each
//! alike and report the same first error (field, rule and message), which
//! is what the API's 4xx body carries. Then a table per keyword, and the
//! refusal of schemas with keywords the validator does not know.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use campaigns_contracts::json_schema::Validator;
use campaigns_core::time_zone::{self, TimeZone};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// A schema, compiled by both.
struct Pair {
    name: String,
    schema: Value,
    ours: Validator,
    oracle: jsonschema::Validator,
}

fn oracle(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .with_format(time_zone::FORMAT, |name| TimeZone::parse(name).is_some())
        .build(schema)
        .expect("the oracle compiles our schemas")
}

fn pair(name: String, schema: Value) -> Pair {
    let ours = Validator::new(&schema).unwrap_or_else(|err| panic!("{name}: {err}"));
    let oracle = oracle(&schema);
    Pair {
        name,
        schema,
        ours,
        oracle,
    }
}

/// Every `*.schema.json` under `schemas/`, plus what the contracts export
/// now (the same files when they are current, which another test checks).
static SCHEMAS: LazyLock<Vec<Pair>> = LazyLock::new(|| {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas");
    let mut pending: Vec<PathBuf> = vec![root.clone()];
    let mut found = Vec::new();
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).expect("schemas/ is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.to_string_lossy().ends_with(".schema.json") {
                let text = fs::read_to_string(&path).expect("a schema file");
                let schema = serde_json::from_str(&text).expect("a JSON schema file");
                found.push(pair(path.display().to_string(), schema));
            }
        }
    }
    for (path, text) in campaigns_contracts::export::files() {
        if path.ends_with(".schema.json") {
            let schema = serde_json::from_str(&text).expect("an exported schema");
            found.push(pair(format!("export:{path}"), schema));
        }
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    found
});

/// What the API would report: (field, rule, message) of the first error.
fn ours_first(pair: &Pair, instance: &Value) -> Option<(String, String, String)> {
    pair.ours.validate(instance).err().map(|err| {
        (
            err.instance_path.clone(),
            err.keyword.to_owned(),
            err.to_string(),
        )
    })
}

fn oracle_first(pair: &Pair, instance: &Value) -> Option<(String, String, String)> {
    pair.oracle.iter_errors(instance).next().map(|err| {
        (
            err.instance_path().as_str().to_owned(),
            err.kind().keyword().to_owned(),
            err.to_string(),
        )
    })
}

/// Asserts both validators judge `instance` alike; returns whether valid.
fn agree(pair: &Pair, instance: &Value) -> bool {
    let ours = ours_first(pair, instance);
    let theirs = oracle_first(pair, instance);
    assert_eq!(
        ours, theirs,
        "{}: instance {instance}: ours {ours:?}, jsonschema {theirs:?}",
        pair.name
    );
    ours.is_none()
}

/// A small deterministic generator (SplitMix64) seeded by proptest, so a
/// failing case is reproduced by its seed.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Characters strings are made of: ASCII, accents, a CJK character, emoji
/// (one code point, four UTF-8 bytes), and ECMA whitespace.
const CHARS: [&str; 14] = [
    "a", "Z", "7", "_", "-", ".", "é", "ß", "中", "😀", " ", "\t", "\u{a0}", "\u{feff}",
];

const ZONES: [&str; 5] = [
    "Australia/Sydney",
    "UTC",
    "Europe/London",
    "Asia/Kolkata",
    "America/Argentina/Buenos_Aires",
];

/// Text of `length` code points.
fn text(generator: &mut Gen, length: u64) -> String {
    (0..length).map(|_| *generator.pick(&CHARS)).collect()
}

fn date(generator: &mut Gen) -> String {
    let year = 1999 + generator.below(30);
    let month = 1 + generator.below(12);
    let day = 1 + generator.below(28);
    format!("{year:04}-{month:02}-{day:02}")
}

fn date_time(generator: &mut Gen) -> String {
    let time = format!(
        "{:02}:{:02}:{:02}",
        generator.below(24),
        generator.below(60),
        generator.below(60)
    );
    let fraction = if generator.chance(30) { ".123" } else { "" };
    let zone = *generator.pick(&["Z", "+10:00", "-03:30", "+00:00", "z"]);
    format!("{}T{time}{fraction}{zone}", date(generator))
}

/// A string our patterns accept, by pattern.
fn matching(generator: &mut Gen, pattern: &str) -> Option<String> {
    let length = 1 + generator.below(6);
    let word = text(generator, length).replace(|c: char| !c.is_ascii_alphanumeric(), "x");
    match pattern {
        "^evt_" => Some(format!("evt_{word}")),
        "^cs_[A-Za-z0-9_]+$" => Some(format!("cs_{word}")),
        "\\S" => Some(format!(" {word}")),
        _ if pattern.contains('@') => Some(format!("{word}.o'neil+x@Example.com.au")),
        _ => None,
    }
}

/// A number within the schema's bounds (or past them, rarely).
fn number(generator: &mut Gen, schema: &Map<String, Value>, integer: bool) -> Value {
    let bound = |key: &str| schema.get(key).and_then(Value::as_f64);
    let low = bound("minimum").unwrap_or(-1000.0).max(-1e6);
    let high = bound("maximum").unwrap_or(1000.0).min(1e6);
    let choice = match generator.below(6) {
        0 => low,
        1 => high,
        _ => low + (high - low) * (generator.below(1000) as f64 / 1000.0),
    };
    if integer {
        let whole = choice.round() as i64;
        if generator.chance(10) {
            json!(whole as f64)
        } else {
            json!(whole)
        }
    } else {
        json!((choice * 100.0).round() / 100.0)
    }
}

/// An instance that the schema should accept (not guaranteed: `oneOf`
/// branches may overlap; both validators judge it anyway).
fn valid(generator: &mut Gen, schema: &Value, root: &Value, depth: u32) -> Value {
    let Some(map) = schema.as_object() else {
        return json!({"any": [1, "x"]});
    };
    if let Some(Value::String(reference)) = map.get("$ref") {
        let name = reference.trim_start_matches("#/$defs/");
        return valid(generator, &root["$defs"][name], root, depth + 1);
    }
    if let Some(value) = map.get("const") {
        return value.clone();
    }
    if let Some(Value::Array(options)) = map.get("enum") {
        return generator.pick(options).clone();
    }
    for combinator in ["anyOf", "oneOf"] {
        if let Some(Value::Array(branches)) = map.get(combinator) {
            let branch = generator.pick(branches).clone();
            return valid(generator, &branch, root, depth + 1);
        }
    }
    let types: Vec<&str> = match map.get("type") {
        Some(Value::String(name)) => vec![name.as_str()],
        Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).collect(),
        _ => vec!["string", "integer", "object"],
    };
    let mut kind = *generator.pick(&types);
    if depth > 6 && types.contains(&"null") {
        kind = "null";
    }
    match kind {
        "null" => Value::Null,
        "boolean" => json!(generator.chance(50)),
        "integer" => number(generator, map, true),
        "number" => number(generator, map, false),
        "string" => Value::String(string(generator, map)),
        "array" => {
            let min = map.get("minItems").and_then(Value::as_u64).unwrap_or(0);
            let max = map
                .get("maxItems")
                .and_then(Value::as_u64)
                .unwrap_or(3)
                .min(min + 3);
            let count = if depth > 6 {
                min
            } else {
                min + generator.below(max - min + 1)
            };
            let items = map.get("items").cloned().unwrap_or(json!(true));
            Value::Array(
                (0..count)
                    .map(|_| valid(generator, &items, root, depth + 1))
                    .collect(),
            )
        }
        "object" => {
            let mut object = Map::new();
            let required: Vec<&str> = map
                .get("required")
                .and_then(Value::as_array)
                .map(|names| names.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if let Some(Value::Object(properties)) = map.get("properties") {
                for (name, property) in properties {
                    if required.contains(&name.as_str()) || (depth < 6 && generator.chance(60)) {
                        object.insert(name.clone(), valid(generator, property, root, depth + 1));
                    }
                }
            }
            if let Some(additional @ Value::Object(_)) = map.get("additionalProperties")
                && generator.chance(50)
            {
                object.insert(
                    "extra".into(),
                    valid(generator, additional, root, depth + 1),
                );
            }
            Value::Object(object)
        }
        _ => Value::Null,
    }
}

fn string(generator: &mut Gen, map: &Map<String, Value>) -> String {
    match map.get("format").and_then(Value::as_str) {
        Some("date-time") => return date_time(generator),
        Some("date") => return date(generator),
        Some(format) if format == time_zone::FORMAT => return (*generator.pick(&ZONES)).into(),
        _ => {}
    }
    let pattern = map.get("pattern").and_then(Value::as_str);
    let min = map.get("minLength").and_then(Value::as_u64).unwrap_or(0);
    let max = map
        .get("maxLength")
        .and_then(Value::as_u64)
        .unwrap_or(min + 12);
    if let Some(found) = pattern.and_then(|pattern| matching(generator, pattern)) {
        return found;
    }
    let length = match generator.below(4) {
        0 => min,
        1 => max,
        _ => min + generator.below(max - min + 1),
    };
    let mut made = text(generator, length);
    // A string of only whitespace would miss `\S` by chance, not by design.
    if pattern == Some("\\S") && made.chars().all(char::is_whitespace) && length > 0 {
        made = format!("x{}", made.chars().skip(1).collect::<String>());
    }
    made
}

/// Every location in `value`, as a path of keys and indexes.
fn locations(value: &Value, here: Vec<Value>, out: &mut Vec<Vec<Value>>) {
    match value {
        Value::Object(members) => {
            for (name, member) in members {
                let mut next = here.clone();
                next.push(json!(name));
                locations(member, next, out);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let mut next = here.clone();
                next.push(json!(index));
                locations(item, next, out);
            }
        }
        _ => {}
    }
    out.push(here);
}

fn at<'a>(value: &'a mut Value, path: &[Value]) -> &'a mut Value {
    path.iter().fold(value, |value, step| match step {
        Value::String(name) => &mut value[name.as_str()],
        _ => &mut value[step.as_u64().unwrap_or(0) as usize],
    })
}

/// Values that probe types, number edges, and formats.
fn probe(generator: &mut Gen) -> Value {
    let probes = [
        json!(null),
        json!(true),
        json!(0),
        json!(-1),
        json!(1.0),
        json!(1.5),
        json!(4294967295u64),
        json!(4294967296u64),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(1e300),
        json!(-0.0),
        json!(""),
        json!("😀"),
        json!([]),
        json!({}),
        json!("2024-02-29"),
        json!("2023-02-29"),
        json!("2000-02-29"),
        json!("1900-02-29"),
        json!("2024-04-31"),
        json!("2024-13-01"),
        json!("2016-12-31T23:59:60Z"),
        json!("2016-12-31T23:59:60+01:00"),
        json!("2017-01-01T00:59:60+01:00"),
        json!("2016-12-31T22:59:60-01:00"),
        json!("2016-12-31T12:59:60Z"),
        json!("2024-01-01t10:00:00z"),
        json!("2024-01-01T10:00:00"),
        json!("2024-01-01T10:00:00.Z"),
        json!("2024-01-01T24:00:00Z"),
        json!("2024-01-01T10:00:00+24:00"),
        json!("2024-01-01 10:00:00Z"),
        json!("２０２４-01-01"),
        json!("Australia/Sydney"),
        json!("australia/sydney"),
        json!("Mars/Olympus"),
        json!("evt_"),
        json!("EVT_1"),
        json!("cs_"),
        json!("cs_a b"),
        json!(" \u{a0}\u{feff}"),
        json!("\u{85}"),
        json!("a@b.c"),
        json!("a@@b.c"),
        json!("😀@example.com"),
    ];
    generator.pick(&probes).clone()
}

/// `value` broken in one place: a member dropped or added, a value
/// replaced, nudged past a bound, lengthened or shortened.
fn mutate(generator: &mut Gen, value: &Value) -> Value {
    let mut value = value.clone();
    let mut paths = Vec::new();
    locations(&value, Vec::new(), &mut paths);
    let path = generator.pick(&paths).clone();
    let target = at(&mut value, &path);
    match target.clone() {
        Value::Object(mut members) if generator.chance(60) => {
            let names: Vec<String> = members.keys().cloned().collect();
            if !names.is_empty() && generator.chance(60) {
                members.remove(generator.pick(&names));
            } else {
                members.insert("unexpected".into(), json!(1));
            }
            *target = Value::Object(members);
        }
        Value::Array(mut items) if generator.chance(60) => {
            if !items.is_empty() && generator.chance(50) {
                items.pop();
            } else if let Some(first) = items.first().cloned() {
                items.push(first);
            } else {
                items.push(json!({}));
            }
            *target = Value::Array(items);
        }
        Value::Number(number) if generator.chance(70) => {
            let float = number.as_f64().unwrap_or(0.0);
            *target = match generator.below(6) {
                0 => number
                    .as_i64()
                    .map_or(json!(float - 1.0), |n| json!(n.saturating_sub(1))),
                1 => number
                    .as_i64()
                    .map_or(json!(float + 1.0), |n| json!(n.saturating_add(1))),
                2 => json!(float + 0.5),
                3 => json!(float),
                4 => json!(-float),
                _ => json!(float * 1e6),
            };
        }
        Value::String(text) if generator.chance(70) => {
            let mut chars: Vec<char> = text.chars().collect();
            match generator.below(6) {
                0 => {
                    chars.pop();
                }
                1 => chars.push('😀'),
                2 => chars.insert(0, ' '),
                3 => chars.push('é'),
                4 if !chars.is_empty() => {
                    chars.remove(0);
                }
                _ => chars = chars.iter().flat_map(|c| c.to_uppercase()).collect(),
            }
            *target = Value::String(chars.into_iter().collect());
        }
        _ => *target = probe(generator),
    }
    value
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Each case: for every schema, one valid instance and four mutations.
    #[test]
    fn every_exported_schema_judges_instances_as_jsonschema_does(seed in any::<u64>()) {
        let mut generator = Gen(seed);
        for pair in SCHEMAS.iter() {
            let instance = valid(&mut generator, &pair.schema, &pair.schema, 0);
            agree(pair, &instance);
            let mut broken = instance.clone();
            for _ in 0..4 {
                broken = if generator.chance(50) {
                    mutate(&mut generator, &instance)
                } else {
                    mutate(&mut generator, &broken)
                };
                agree(pair, &broken);
            }
        }
    }
}

#[test]
fn the_generator_makes_mostly_valid_instances() {
    // Without this the mutations would start from refused instances and
    // the comparison would say little about acceptance.
    let mut generator = Gen(7);
    let (mut accepted, mut total) = (0, 0);
    for pair in SCHEMAS.iter() {
        for _ in 0..5 {
            let instance = valid(&mut generator, &pair.schema, &pair.schema, 0);
            total += 1;
            if agree(pair, &instance) {
                accepted += 1;
            }
        }
    }
    assert!(SCHEMAS.len() > 100, "{} schemas", SCHEMAS.len());
    assert!(accepted * 10 >= total * 9, "{accepted} of {total} accepted");
}

/// A keyword's table: (schema, [(instance, valid)]), each checked against
/// both validators.
fn table(schema: Value, cases: &[(Value, bool)]) {
    let pair = pair(schema.to_string(), schema);
    for (instance, expected) in cases {
        assert_eq!(
            agree(&pair, instance),
            *expected,
            "{}: {instance}",
            pair.name
        );
    }
}

#[test]
fn type_accepts_integers_written_with_a_zero_fraction() {
    table(
        json!({"type": "integer"}),
        &[
            (json!(1), true),
            (json!(1.0), true),
            (json!(-0.0), true),
            (json!(1.5), false),
            (json!(u64::MAX), true),
            (json!(i64::MIN), true),
            (json!(1e300), true),
            (json!("1"), false),
            (json!(null), false),
        ],
    );
    table(
        json!({"type": ["string", "null"]}),
        &[
            (json!(null), true),
            (json!("x"), true),
            (json!(1), false),
            (json!([]), false),
        ],
    );
    table(
        json!({"type": "number"}),
        &[(json!(1), true), (json!(0.1), true), (json!(true), false)],
    );
    table(
        json!({"type": ["array", "object", "boolean"]}),
        &[
            (json!([]), true),
            (json!({}), true),
            (json!(false), true),
            (json!(0), false),
        ],
    );
}

#[test]
fn bounds_compare_numbers_exactly() {
    table(
        json!({"minimum": 0, "maximum": 4294967295u64}),
        &[
            (json!(0), true),
            (json!(-0.0), true),
            (json!(-1), false),
            (json!(-0.01), false),
            (json!(4294967295u64), true),
            (json!(4294967295.0), true),
            (json!(4294967295.5), false),
            (json!(4294967296u64), false),
            (json!("not a number"), true),
        ],
    );
    table(
        json!({"exclusiveMinimum": 0.5, "exclusiveMaximum": 10}),
        &[
            (json!(0.5), false),
            (json!(0.51), true),
            (json!(9.99), true),
            (json!(10.0), false),
        ],
    );
    table(
        json!({"maximum": 9007199254740993u64}),
        &[
            (json!(9007199254740993u64), true),
            (json!(9007199254740994u64), false),
        ],
    );
}

#[test]
fn lengths_count_code_points() {
    table(
        json!({"minLength": 2, "maxLength": 3}),
        &[
            (json!("ab"), true),
            (json!("😀😀"), true),
            (json!("😀😀😀"), true),
            (json!("😀😀😀😀"), false),
            (json!("é"), false),
            (json!("e\u{301}"), true),
            (json!(""), false),
            (json!(7), true),
        ],
    );
}

#[test]
fn date_time_follows_rfc_3339_with_leap_seconds_at_utc_midnight() {
    table(
        json!({"format": "date-time"}),
        &[
            (json!("2024-02-29T10:00:00Z"), true),
            (json!("2023-02-29T10:00:00Z"), false),
            (json!("2016-12-31T23:59:60Z"), true),
            (json!("2016-12-31T23:59:60+00:00"), true),
            (json!("2017-01-01T00:59:60+01:00"), true),
            (json!("2016-12-31T22:59:60-01:00"), true),
            (json!("2016-12-31T23:59:60+01:00"), false),
            (json!("2016-12-31T12:59:60Z"), false),
            (json!("2024-01-01t10:00:00.5z"), true),
            (json!("2024-01-01T10:00:00"), false),
            (json!("2024-01-01T10:00:00.Z"), false),
            (json!("2024-01-01T24:00:00Z"), false),
            (json!("2024-01-01T10:00:00+24:00"), false),
            (json!("2024-01-01 10:00:00Z"), false),
            (json!(20240101), true),
        ],
    );
}

#[test]
fn date_knows_leap_years() {
    table(
        json!({"format": "date"}),
        &[
            (json!("2024-02-29"), true),
            (json!("2000-02-29"), true),
            (json!("1900-02-29"), false),
            (json!("2023-02-29"), false),
            (json!("2024-04-31"), false),
            (json!("2024-04-30"), true),
            (json!("2024-00-10"), false),
            (json!("2024-1-10"), false),
            (json!("２０２４-01-01"), false),
        ],
    );
}

#[test]
fn iana_time_zones_are_checked_against_the_database() {
    table(
        json!({"type": "string", "format": time_zone::FORMAT}),
        &[
            (json!("Australia/Sydney"), true),
            (json!("UTC"), true),
            (json!("australia/sydney"), false),
            (json!("Mars/Olympus"), false),
        ],
    );
}

#[test]
fn number_width_formats_are_annotations() {
    table(
        json!({"type": "integer", "format": "uint32"}),
        &[(json!(1), true), (json!(-1), true)],
    );
}

#[test]
fn patterns_are_ecma_262() {
    table(
        json!({"pattern": "\\S"}),
        &[
            (json!("a"), true),
            (json!(" \t"), false),
            // ECMA whitespace: no-break space and BOM are spaces; NEL is not.
            (json!("\u{a0}\u{feff}\u{3000}"), false),
            (json!("\u{85}"), true),
            (json!(""), false),
        ],
    );
    table(
        json!({"pattern": "^\\d+$"}),
        &[
            (json!("123"), true),
            (json!("١٢٣"), false),
            (json!("12a"), false),
        ],
    );
    table(
        json!({"pattern": "^\\w+$"}),
        &[(json!("a_1"), true), (json!("é"), false)],
    );
    table(
        json!({"pattern": "^a.c$"}),
        &[
            (json!("abc"), true),
            (json!("a😀c"), true),
            (json!("a\nc"), false),
            (json!("a\u{2028}c"), false),
        ],
    );
    table(
        json!({"pattern": "^[a&~[]+$"}),
        &[(json!("a&~["), true), (json!("b"), false)],
    );
    table(
        json!({"pattern": "^evt_"}),
        &[
            (json!("evt_1"), true),
            (json!("xevt_1"), false),
            (json!(1), true),
        ],
    );
}

#[test]
fn objects_check_required_and_additional_properties() {
    table(
        json!({
            "type": "object",
            "required": ["id", "name"],
            "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
            "additionalProperties": false,
            "minProperties": 1
        }),
        &[
            (json!({"id": "a", "name": "b"}), true),
            (json!({"id": "a"}), false),
            (json!({"id": "a", "name": "b", "x": 1, "y": 2}), false),
            (json!({"id": 1, "name": "b", "x": 1}), false),
            (json!({}), false),
        ],
    );
    table(
        json!({"type": "object", "additionalProperties": {"type": "number"}}),
        &[(json!({"a": 1.5}), true), (json!({"a": "x"}), false)],
    );
}

#[test]
fn arrays_check_items_and_counts() {
    table(
        json!({"type": "array", "items": {"type": "boolean"}, "minItems": 1, "maxItems": 2}),
        &[
            (json!([true]), true),
            (json!([]), false),
            (json!([true, false, true]), false),
            (json!([1]), false),
        ],
    );
}

#[test]
fn values_compare_numbers_by_value() {
    table(
        json!({"enum": ["a", 1, null, {"k": [2]}]}),
        &[
            (json!("a"), true),
            (json!(1.0), true),
            (json!({"k": [2.0]}), true),
            (json!("b"), false),
            (json!(2), false),
        ],
    );
    // More options than the message lists: "… or 3 other candidates".
    table(
        json!({"enum": ["a", "b", "c", "d", "e"]}),
        &[(json!("c"), true), (json!("z"), false)],
    );
    table(
        json!({"const": "event"}),
        &[(json!("event"), true), (json!("Event"), false)],
    );
}

#[test]
fn combinators_and_references() {
    table(
        json!({
            "$defs": {"Tier": {"type": "string", "enum": ["gold", "silver"]}},
            "anyOf": [{"$ref": "#/$defs/Tier"}, {"type": "null"}],
        }),
        &[
            (json!("gold"), true),
            (json!(null), true),
            (json!("bronze"), false),
        ],
    );
    table(
        json!({"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 1}]}),
        &[
            (json!(0), true),
            (json!(1.5), true),
            (json!(2), false),
            (json!("x"), false),
        ],
    );
    table(
        json!({"type": "string", "allOf": [{"maxLength": 2}, {"pattern": "^a"}]}),
        &[
            (json!("ab"), true),
            (json!("abc"), false),
            (json!("b"), false),
        ],
    );
}

#[test]
fn errors_name_the_field_and_rule() {
    let validator = Validator::new(&json!({
        "type": "object",
        "required": ["id"],
        "properties": {"id": {"type": "string"}, "n": {"type": "integer"}},
        "additionalProperties": false,
    }))
    .expect("compiles");
    let missing = validator.validate(&json!({})).expect_err("id is required");
    assert_eq!(
        (missing.field().as_str(), missing.keyword),
        ("/id", "required")
    );
    let extra = validator
        .validate(&json!({"id": "a", "a/b": 1}))
        .expect_err("closed");
    assert_eq!(
        (extra.field().as_str(), extra.keyword),
        ("/a~1b", "additionalProperties")
    );
    let wrong = validator
        .validate(&json!({"id": "a", "n": "1"}))
        .expect_err("n is an integer");
    assert_eq!((wrong.field().as_str(), wrong.keyword), ("/n", "type"));
    assert_eq!(wrong.to_string(), "\"1\" is not of type \"integer\"");
}

#[test]
fn unknown_keywords_formats_and_references_do_not_compile() {
    for (schema, pointer) in [
        (
            json!({"type": "array", "uniqueItems": true}),
            "/uniqueItems",
        ),
        (
            json!({"properties": {"a": {"maxProperties": 1}}}),
            "/properties/a/maxProperties",
        ),
        (json!({"type": "string", "format": "email"}), "/format"),
        (json!({"$ref": "#/definitions/A"}), "/$ref"),
        (json!({"$defs": {"A": true}, "$ref": "#/$defs/B"}), "/$ref"),
        (json!({"items": {"$defs": {"A": true}}}), "/items/$defs"),
        (json!({"pattern": "^(?=a)"}), "/pattern"),
        (json!({"pattern": "(a)\\1"}), "/pattern"),
        (json!({"type": "text"}), "/type"),
        (json!({"items": [true]}), "/items"),
    ] {
        let refused = Validator::new(&schema).expect_err("refused");
        assert_eq!(refused.pointer, pointer, "{schema}: {refused}");
    }
}
