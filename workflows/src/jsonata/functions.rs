//! JSONata's function library (the part of the 2.0 library that does not
//! format pictures or dates): strings, numbers, aggregates, booleans,
//! arrays, objects, higher-order functions and time.

use super::Error;
use super::eval::{Eval, show};
use super::value::{Func, NativeFn, Object, Val, deep_equal, format_number, stringify, truthy};
use std::rc::Rc;

type R = Result<Option<Val>, Error>;

/// The built-in function of that name (without `$`) and its arity.
pub(crate) fn builtin(name: &str) -> Option<(usize, NativeFn)> {
    let (arity, f): (usize, NativeFn) = match name {
        "string" => (2, |_, a| {
            one(a, |v| Ok(Val::str(&stringify(v, is_true(a, 1))?)))
        }),
        "length" => (1, |_, a| {
            str_fn(a, "length", |s| Val::Num(s.chars().count() as f64))
        }),
        "substring" => (3, substring),
        "substringBefore" => (2, |_, a| {
            str2(a, "substringBefore", |s, p| {
                Val::str(s.find(p).map_or(s, |i| &s[..i]))
            })
        }),
        "substringAfter" => (2, |_, a| {
            str2(a, "substringAfter", |s, p| {
                Val::str(s.find(p).map_or(s, |i| &s[i + p.len()..]))
            })
        }),
        "uppercase" => (1, |_, a| {
            str_fn(a, "uppercase", |s| Val::str(&s.to_uppercase()))
        }),
        "lowercase" => (1, |_, a| {
            str_fn(a, "lowercase", |s| Val::str(&s.to_lowercase()))
        }),
        "trim" => (1, |_, a| {
            str_fn(a, "trim", |s| {
                Val::str(&s.split_whitespace().collect::<Vec<_>>().join(" "))
            })
        }),
        "pad" => (3, pad),
        "contains" => (2, contains),
        "split" => (3, split),
        "join" => (2, join),
        "replace" => (4, replace),
        "match" => (3, match_fn),
        "number" => (1, |_, a| one(a, to_number)),
        "abs" => (1, |_, a| num_fn(a, "abs", f64::abs)),
        "floor" => (1, |_, a| num_fn(a, "floor", f64::floor)),
        "ceil" => (1, |_, a| num_fn(a, "ceil", f64::ceil)),
        "round" => (2, round),
        "power" => (2, power),
        "sqrt" => (1, sqrt),
        "random" => (0, |_, _| {
            Ok(Some(Val::Num(
                uuid::Uuid::new_v4().as_u128() as f64 / 2f64.powi(128),
            )))
        }),
        "sum" => (1, |_, a| aggregate(a, "sum", |ns| Some(ns.iter().sum()))),
        "max" => (1, |_, a| {
            aggregate(a, "max", |ns| ns.iter().copied().reduce(f64::max))
        }),
        "min" => (1, |_, a| {
            aggregate(a, "min", |ns| ns.iter().copied().reduce(f64::min))
        }),
        "average" => (1, |_, a| {
            aggregate(a, "average", |ns| {
                (!ns.is_empty()).then(|| ns.iter().sum::<f64>() / ns.len() as f64)
            })
        }),
        "count" => (1, |_, a| {
            Ok(Some(Val::Num(match arg(a, 0) {
                None => 0.0,
                Some(Val::Arr(x, _)) => x.len() as f64,
                Some(_) => 1.0,
            })))
        }),
        "boolean" => (1, |_, a| one(a, |v| Ok(Val::Bool(truthy(v))))),
        "not" => (1, |_, a| one(a, |v| Ok(Val::Bool(!truthy(v))))),
        "exists" => (1, |_, a| Ok(Some(Val::Bool(arg(a, 0).is_some())))),
        "type" => (1, |_, a| one(a, |v| Ok(Val::str(v.type_name())))),
        "append" => (2, |_, a| Ok(append(arg(a, 0).cloned(), arg(a, 1).cloned()))),
        "reverse" => (1, |_, a| {
            one(a, |v| {
                let mut items = items_of(v);
                items.reverse();
                Ok(Val::array(items))
            })
        }),
        "distinct" => (1, |_, a| {
            one(a, |v| {
                let Val::Arr(items, _) = v else {
                    return Ok(v.clone());
                };
                let mut out: Vec<Val> = Vec::new();
                for x in items.iter() {
                    if !out.iter().any(|y| deep_equal(x, y)) {
                        out.push(x.clone());
                    }
                }
                Ok(Val::sequence(out))
            })
        }),
        "zip" => (2, |_, a| {
            let arrays: Vec<Vec<Val>> = a.iter().flatten().map(items_of).collect();
            let n = arrays.iter().map(Vec::len).min().unwrap_or(0);
            Ok(Some(Val::array(
                (0..n)
                    .map(|i| Val::array(arrays.iter().map(|x| x[i].clone()).collect()))
                    .collect(),
            )))
        }),
        "sort" => (2, sort),
        "keys" => (1, |_, a| {
            let mut keys: Vec<String> = Vec::new();
            for o in arg(a, 0).map(items_of).unwrap_or_default() {
                if let Val::Obj(o) = o {
                    for k in o.keys() {
                        if !keys.contains(k) {
                            keys.push(k.clone());
                        }
                    }
                }
            }
            Ok(Some(Val::sequence(
                keys.iter().map(|k| Val::str(k)).collect(),
            )))
        }),
        "lookup" => (2, |_, a| {
            let key = need_str(a, 1, "lookup")?;
            let mut out = Vec::new();
            for o in arg(a, 0).map(items_of).unwrap_or_default() {
                if let Val::Obj(o) = o
                    && let Some(v) = o.get(key)
                {
                    match v {
                        Val::Arr(x, _) => out.extend(x.iter().cloned()),
                        other => out.push(other.clone()),
                    }
                }
            }
            Ok(Some(Val::sequence(out)))
        }),
        "merge" => (1, |_, a| {
            let Some(v) = arg(a, 0) else { return Ok(None) };
            let mut out = Object::new();
            for o in items_of(v) {
                match o {
                    Val::Obj(o) => out.extend(o.iter().map(|(k, v)| (k.clone(), v.clone()))),
                    _ => return Err(signature(1, "merge")),
                }
            }
            Ok(Some(Val::Obj(Rc::new(out))))
        }),
        "spread" => (1, |_, a| {
            let Some(v) = arg(a, 0) else { return Ok(None) };
            let mut out = Vec::new();
            for o in items_of(v) {
                match o {
                    Val::Obj(o) => {
                        for (k, v) in o.iter() {
                            let mut single = Object::new();
                            single.insert(k.clone(), v.clone());
                            out.push(Val::Obj(Rc::new(single)));
                        }
                    }
                    other => out.push(other),
                }
            }
            Ok(Some(Val::sequence(out)))
        }),
        "each" => (2, |ev, a| {
            let (Some(Val::Obj(o)), Some(Val::Func(f))) = (arg(a, 0), arg(a, 1)) else {
                return Ok(None);
            };
            let mut out = Vec::new();
            for (k, v) in o.iter() {
                let args = [
                    Some(v.clone()),
                    Some(Val::str(k)),
                    Some(Val::Obj(o.clone())),
                ];
                if let Some(r) = ev.call(f, &args[..f.arity().min(3)])? {
                    out.push(r);
                }
            }
            Ok(Some(Val::sequence(out)))
        }),
        "sift" => (2, |ev, a| {
            let (Some(Val::Obj(o)), Some(Val::Func(f))) = (arg(a, 0), arg(a, 1)) else {
                return Ok(None);
            };
            let mut out = Object::new();
            for (k, v) in o.iter() {
                let args = [
                    Some(v.clone()),
                    Some(Val::str(k)),
                    Some(Val::Obj(o.clone())),
                ];
                if ev
                    .call(f, &args[..f.arity().min(3)])?
                    .as_ref()
                    .is_some_and(truthy)
                {
                    out.insert(k.clone(), v.clone());
                }
            }
            Ok((!out.is_empty()).then(|| Val::Obj(Rc::new(out))))
        }),
        "map" => (2, |ev, a| {
            let (items, f) = hof_args(a, "map")?;
            let mut out = Vec::new();
            for (i, x) in items.iter().enumerate() {
                if let Some(r) = ev.call(&f, &hof_call_args(&f, x, i, &items))? {
                    out.push(r);
                }
            }
            Ok(Some(Val::sequence(out)))
        }),
        "filter" => (2, |ev, a| {
            let (items, f) = hof_args(a, "filter")?;
            let mut out = Vec::new();
            for (i, x) in items.iter().enumerate() {
                if ev
                    .call(&f, &hof_call_args(&f, x, i, &items))?
                    .as_ref()
                    .is_some_and(truthy)
                {
                    out.push(x.clone());
                }
            }
            Ok(Some(Val::sequence(out)))
        }),
        "single" => (2, |ev, a| {
            let items = arg(a, 0).map(items_of).unwrap_or_default();
            let f = match arg(a, 1) {
                Some(Val::Func(f)) => Some(f.clone()),
                _ => None,
            };
            let mut found = None;
            for (i, x) in items.iter().enumerate() {
                let hit = match &f {
                    Some(f) => ev
                        .call(f, &hof_call_args(f, x, i, &items))?
                        .as_ref()
                        .is_some_and(truthy),
                    None => true,
                };
                if hit {
                    if found.is_some() {
                        return Err(Error::new(
                            "D3138",
                            "The $single() function expected exactly 1 matching result.  Instead it matched more.",
                        ));
                    }
                    found = Some(x.clone());
                }
            }
            found.map(Some).ok_or_else(|| Error::new("D3139", "The $single() function expected exactly 1 matching result.  Instead it matched 0."))
        }),
        "reduce" => (3, |ev, a| {
            let (items, f) = hof_args(a, "reduce")?;
            if f.arity() < 2 {
                return Err(Error::new(
                    "D3050",
                    "The second argument of reduce function must be a function with at least two arguments",
                ));
            }
            let mut it = items.iter().enumerate();
            let mut acc = match arg(a, 2) {
                Some(init) => Some(init.clone()),
                None => it.next().map(|(_, x)| x.clone()),
            };
            for (i, x) in it {
                let args = [
                    acc,
                    Some(x.clone()),
                    Some(Val::Num(i as f64)),
                    Some(Val::array(items.clone())),
                ];
                acc = ev.call(&f, &args[..f.arity().min(4)])?;
            }
            Ok(acc)
        }),
        "error" => (1, |_, a| {
            let msg = arg(a, 0)
                .and_then(Val::as_str)
                .unwrap_or("$error() function evaluated");
            Err(Error::new("D3137", msg))
        }),
        "assert" => (2, |_, a| match arg(a, 0) {
            Some(Val::Bool(true)) => Ok(None),
            Some(Val::Bool(false)) => Err(Error::new(
                "D3141",
                arg(a, 1)
                    .and_then(Val::as_str)
                    .unwrap_or("$assert() statement failed"),
            )),
            _ => Err(Error::new(
                "T0410",
                "Argument 1 of function assert does not match function signature",
            )),
        }),
        "base64encode" => (1, |_, a| {
            str_fn(a, "base64encode", |s| {
                Val::str(&crate::intrinsics::base64_encode(s.as_bytes()))
            })
        }),
        "base64decode" => (1, |_, a| {
            let Some(s) = arg(a, 0) else { return Ok(None) };
            let s = s.as_str().ok_or_else(|| signature(1, "base64decode"))?;
            let bytes =
                crate::intrinsics::base64_decode(s).ok_or_else(|| signature(1, "base64decode"))?;
            Ok(Some(Val::str(&String::from_utf8_lossy(&bytes))))
        }),
        "encodeUrlComponent" => (1, |_, a| {
            str_fn(a, "encodeUrlComponent", |s| {
                Val::str(&percent_encode(s, "-_.!~*'()"))
            })
        }),
        "encodeUrl" => (1, |_, a| {
            str_fn(a, "encodeUrl", |s| {
                Val::str(&percent_encode(s, "-_.!~*'();/?:@&=+$,#"))
            })
        }),
        "decodeUrlComponent" | "decodeUrl" => (1, |_, a| {
            let Some(s) = arg(a, 0) else { return Ok(None) };
            let s = s.as_str().ok_or_else(|| signature(1, "decodeUrl"))?;
            percent_decode(s)
                .map(|d| Some(Val::str(&d)))
                .ok_or_else(|| {
                    Error::new(
                        "D3140",
                        format!(
                            "Malformed URL passed to $decodeUrl(): {}",
                            show(&Val::str(s))
                        ),
                    )
                })
        }),
        "formatBase" => (2, |_, a| {
            let Some(n) = arg(a, 0) else { return Ok(None) };
            let n = n.as_num().ok_or_else(|| signature(1, "formatBase"))?;
            let radix = match arg(a, 1) {
                None => 10.0,
                Some(r) => r.as_num().ok_or_else(|| signature(2, "formatBase"))?,
            };
            if !(2.0..=36.0).contains(&radix) {
                return Err(Error::new(
                    "D3100",
                    format!(
                        "The radix of the formatBase function must be between 2 and 36.  It was given {}",
                        format_number(radix)
                    ),
                ));
            }
            Ok(Some(Val::str(&to_radix(n.round() as i64, radix as u32))))
        }),
        "shuffle" => (1, |_, a| {
            one(a, |v| {
                let mut items = items_of(v);
                for i in (1..items.len()).rev() {
                    let j = (uuid::Uuid::new_v4().as_u128() % (i as u128 + 1)) as usize;
                    items.swap(i, j);
                }
                Ok(Val::array(items))
            })
        }),
        "now" => (0, |ev, _| {
            Ok(Some(Val::str(&crate::values::format_timestamp(ev.now()))))
        }),
        "millis" => (0, |ev, _| {
            Ok(Some(Val::Num(ev.now().timestamp_millis() as f64)))
        }),
        "fromMillis" => (1, |_, a| {
            let Some(ms) = arg(a, 0) else { return Ok(None) };
            let ms = ms.as_num().ok_or_else(|| signature(1, "fromMillis"))?;
            let t = chrono::DateTime::from_timestamp_millis(ms as i64)
                .ok_or_else(|| Error::new("D3110", format!("Unable to format timestamp: {ms}")))?;
            Ok(Some(Val::str(&crate::values::format_timestamp(t))))
        }),
        "toMillis" => (1, |_, a| {
            let Some(s) = arg(a, 0) else { return Ok(None) };
            let s = s.as_str().ok_or_else(|| signature(1, "toMillis"))?;
            let t = crate::values::parse_timestamp(s).ok_or_else(|| {
                Error::new(
                    "D3110",
                    format!("Unable to parse ISO 8601 timestamp string: {s}"),
                )
            })?;
            Ok(Some(Val::Num(t.timestamp_millis() as f64)))
        }),
        _ => return None,
    };
    Some((arity, f))
}

fn arg(a: &[Option<Val>], i: usize) -> Option<&Val> {
    a.get(i).and_then(Option::as_ref)
}

fn is_true(a: &[Option<Val>], i: usize) -> bool {
    matches!(arg(a, i), Some(Val::Bool(true)))
}

fn signature(index: usize, name: &str) -> Error {
    Error::new(
        "T0410",
        format!("Argument {index} of function {name} does not match function signature"),
    )
}

/// Undefined in, undefined out; otherwise `f` of the first argument.
fn one(a: &[Option<Val>], f: impl FnOnce(&Val) -> Result<Val, Error>) -> R {
    arg(a, 0).map(f).transpose()
}

fn need_str<'a>(a: &'a [Option<Val>], i: usize, name: &str) -> Result<&'a str, Error> {
    arg(a, i)
        .and_then(Val::as_str)
        .ok_or_else(|| signature(i + 1, name))
}

fn str_fn(a: &[Option<Val>], name: &str, f: impl FnOnce(&str) -> Val) -> R {
    match arg(a, 0) {
        None => Ok(None),
        Some(Val::Str(s)) => Ok(Some(f(s))),
        Some(_) => Err(signature(1, name)),
    }
}

fn str2(a: &[Option<Val>], name: &str, f: impl FnOnce(&str, &str) -> Val) -> R {
    let Some(s) = arg(a, 0) else { return Ok(None) };
    let s = s.as_str().ok_or_else(|| signature(1, name))?;
    Ok(Some(f(s, need_str(a, 1, name)?)))
}

fn num_fn(a: &[Option<Val>], name: &str, f: impl FnOnce(f64) -> f64) -> R {
    match arg(a, 0) {
        None => Ok(None),
        Some(Val::Num(n)) => Ok(Some(Val::Num(f(*n)))),
        Some(_) => Err(signature(1, name)),
    }
}

/// The items of an array, or the value as a one-item list.
fn items_of(v: &Val) -> Vec<Val> {
    match v {
        Val::Arr(a, _) => a.to_vec(),
        other => vec![other.clone()],
    }
}

/// `$append`: both sides as arrays, concatenated.
pub(crate) fn append(a: Option<Val>, b: Option<Val>) -> Option<Val> {
    match (a, b) {
        (None, b) => b,
        (a, None) => a,
        (Some(a), Some(b)) => {
            let mut items = items_of(&a);
            items.extend(items_of(&b));
            Some(Val::array(items))
        }
    }
}

fn hof_args(a: &[Option<Val>], name: &str) -> Result<(Vec<Val>, Rc<Func>), Error> {
    let items = arg(a, 0).map(items_of).unwrap_or_default();
    match arg(a, 1) {
        Some(Val::Func(f)) => Ok((items, f.clone())),
        _ => Err(signature(2, name)),
    }
}

/// A callback gets (item, index, array), as many as it declares.
fn hof_call_args(f: &Func, x: &Val, i: usize, items: &[Val]) -> Vec<Option<Val>> {
    let all = [
        Some(x.clone()),
        Some(Val::Num(i as f64)),
        Some(Val::array(items.to_vec())),
    ];
    all[..f.arity().clamp(1, 3)].to_vec()
}

fn substring(_: &Eval<'_>, a: &[Option<Val>]) -> R {
    let Some(s) = arg(a, 0) else { return Ok(None) };
    let s: Vec<char> = s
        .as_str()
        .ok_or_else(|| signature(1, "substring"))?
        .chars()
        .collect();
    let start = arg(a, 1)
        .and_then(Val::as_num)
        .ok_or_else(|| signature(2, "substring"))?;
    let len = s.len() as f64;
    let start = if start < 0.0 {
        (len + start).max(0.0)
    } else {
        start.min(len)
    };
    let end = match arg(a, 2) {
        None => len,
        Some(v) => {
            let n = v.as_num().ok_or_else(|| signature(3, "substring"))?;
            (start + n.max(0.0)).min(len)
        }
    };
    Ok(Some(Val::str(
        &s[start as usize..end.max(start) as usize]
            .iter()
            .collect::<String>(),
    )))
}

fn pad(_: &Eval<'_>, a: &[Option<Val>]) -> R {
    let Some(s) = arg(a, 0) else { return Ok(None) };
    let s = s.as_str().ok_or_else(|| signature(1, "pad"))?;
    let width = arg(a, 1)
        .and_then(Val::as_num)
        .ok_or_else(|| signature(2, "pad"))?;
    let fill = match arg(a, 2) {
        Some(Val::Str(c)) if !c.is_empty() => c.to_string(),
        _ => " ".into(),
    };
    let missing = (width.abs() as usize).saturating_sub(s.chars().count());
    let padding: String = fill.chars().cycle().take(missing).collect();
    Ok(Some(Val::str(&if width < 0.0 {
        padding + s
    } else {
        s.to_string() + &padding
    })))
}

fn contains(_: &Eval<'_>, a: &[Option<Val>]) -> R {
    let Some(s) = arg(a, 0) else { return Ok(None) };
    let s = s.as_str().ok_or_else(|| signature(1, "contains"))?;
    Ok(Some(Val::Bool(match arg(a, 1) {
        Some(Val::Str(p)) => s.contains(&**p),
        Some(Val::Func(f)) => match &**f {
            Func::Regex(re) => re.is_match(s),
            _ => return Err(signature(2, "contains")),
        },
        _ => return Err(signature(2, "contains")),
    })))
}

fn limit(
    a: &[Option<Val>],
    i: usize,
    code: &'static str,
    what: &str,
) -> Result<Option<usize>, Error> {
    match arg(a, i) {
        None => Ok(None),
        Some(Val::Num(n)) if *n >= 0.0 => Ok(Some(*n as usize)),
        Some(_) => Err(Error::new(code, what.to_string())),
    }
}

fn split(_: &Eval<'_>, a: &[Option<Val>]) -> R {
    let Some(s) = arg(a, 0) else { return Ok(None) };
    let s = s.as_str().ok_or_else(|| signature(1, "split"))?;
    let max = limit(
        a,
        2,
        "D3020",
        "Third argument of split function must evaluate to a positive number",
    )?;
    let parts: Vec<String> = match arg(a, 1) {
        Some(Val::Str(sep)) if sep.is_empty() => s.chars().map(String::from).collect(),
        Some(Val::Str(sep)) => s.split(&**sep).map(String::from).collect(),
        Some(Val::Func(f)) => match &**f {
            Func::Regex(re) => re.split(s).map(String::from).collect(),
            _ => return Err(signature(2, "split")),
        },
        _ => return Err(signature(2, "split")),
    };
    let n = max.unwrap_or(parts.len()).min(parts.len());
    Ok(Some(Val::array(
        parts[..n].iter().map(|p| Val::str(p)).collect(),
    )))
}

fn join(_: &Eval<'_>, a: &[Option<Val>]) -> R {
    let Some(v) = arg(a, 0) else { return Ok(None) };
    let sep = match arg(a, 1) {
        None => "",
        Some(Val::Str(s)) => s,
        Some(_) => return Err(signature(2, "join")),
    };
    let parts = items_of(v)
        .iter()
        .map(|x| {
            x.as_str()
                .map(String::from)
                .ok_or_else(|| signature(1, "join"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(Val::str(&parts.join(sep))))
}

fn replace(ev: &Eval<'_>, a: &[Option<Val>]) -> R {
    let Some(s) = arg(a, 0) else { return Ok(None) };
    let s = s.as_str().ok_or_else(|| signature(1, "replace"))?;
    let max = limit(
        a,
        3,
        "D3011",
        "Fourth argument of replace function must evaluate to a positive number",
    )?
    .unwrap_or(usize::MAX);
    let replacement = arg(a, 2).ok_or_else(|| signature(3, "replace"))?;
    match arg(a, 1) {
        Some(Val::Str(p)) => {
            if p.is_empty() {
                return Err(Error::new(
                    "D3010",
                    "Second argument of replace function cannot be an empty string",
                ));
            }
            let r = replacement
                .as_str()
                .ok_or_else(|| signature(3, "replace"))?;
            Ok(Some(Val::str(&s.replacen(&**p, r, max))))
        }
        Some(Val::Func(f)) => {
            let Func::Regex(re) = &**f else {
                return Err(signature(2, "replace"));
            };
            let mut out = String::new();
            let mut last = 0;
            for caps in re.captures_iter(s).take(max) {
                let m = caps.get(0).expect("group 0");
                out.push_str(&s[last..m.start()]);
                match replacement {
                    Val::Str(r) => {
                        let mut dst = String::new();
                        caps.expand(r, &mut dst);
                        out.push_str(&dst);
                    }
                    Val::Func(g) => {
                        let matched = match_object(&caps);
                        match ev.call(g, &[Some(matched)])? {
                            Some(Val::Str(t)) => out.push_str(&t),
                            _ => {
                                return Err(Error::new(
                                    "D3012",
                                    "Attempted to replace a matched string with a non-string value",
                                ));
                            }
                        }
                    }
                    _ => return Err(signature(3, "replace")),
                }
                last = m.end();
            }
            out.push_str(&s[last..]);
            Ok(Some(Val::str(&out)))
        }
        _ => Err(signature(2, "replace")),
    }
}

fn match_object(caps: &regex_lite::Captures<'_>) -> Val {
    let m = caps.get(0).expect("group 0");
    let mut o = Object::new();
    o.insert("match".into(), Val::str(m.as_str()));
    o.insert("index".into(), Val::Num(m.start() as f64));
    o.insert(
        "groups".into(),
        Val::array(
            caps.iter()
                .skip(1)
                .map(|g| Val::str(g.map_or("", |g| g.as_str())))
                .collect(),
        ),
    );
    Val::Obj(Rc::new(o))
}

/// Calling a regular expression: its first match in a string.
pub(crate) fn regex_match(re: &regex_lite::Regex, s: &str) -> Option<Val> {
    re.captures(s).map(|c| match_object(&c))
}

fn match_fn(_: &Eval<'_>, a: &[Option<Val>]) -> R {
    let Some(s) = arg(a, 0) else { return Ok(None) };
    let s = s.as_str().ok_or_else(|| signature(1, "match"))?;
    let Some(Val::Func(f)) = arg(a, 1) else {
        return Err(signature(2, "match"));
    };
    let Func::Regex(re) = &**f else {
        return Err(signature(2, "match"));
    };
    let max = limit(
        a,
        2,
        "D3040",
        "Third argument of match function must evaluate to a positive number",
    )?
    .unwrap_or(usize::MAX);
    Ok(Some(Val::sequence(
        re.captures_iter(s)
            .take(max)
            .map(|c| match_object(&c))
            .collect(),
    )))
}

fn to_number(v: &Val) -> Result<Val, Error> {
    let fail = || {
        Error::new(
            "D3030",
            format!("Unable to cast value to a number: {}", show(v)),
        )
    };
    match v {
        Val::Num(_) => Ok(v.clone()),
        Val::Bool(b) => Ok(Val::Num(if *b { 1.0 } else { 0.0 })),
        Val::Str(s) => {
            let t = s.trim();
            let radix = [
                ("0x", 16),
                ("0X", 16),
                ("0o", 8),
                ("0O", 8),
                ("0b", 2),
                ("0B", 2),
            ]
            .iter()
            .find_map(|(p, r)| t.strip_prefix(p).map(|d| (d, *r)));
            let n = match radix {
                Some((digits, r)) => i64::from_str_radix(digits, r).ok().map(|i| i as f64),
                None => serde_json::from_str::<serde_json::Number>(t)
                    .ok()
                    .and_then(|n| n.as_f64()),
            };
            n.filter(|n| n.is_finite()).map(Val::Num).ok_or_else(fail)
        }
        _ => Err(fail()),
    }
}

/// `$round`: half to even, at a number of decimal places.
fn round(_: &Eval<'_>, a: &[Option<Val>]) -> R {
    let Some(v) = arg(a, 0) else { return Ok(None) };
    let n = v.as_num().ok_or_else(|| signature(1, "round"))?;
    let places = match arg(a, 1) {
        None => 0,
        Some(p) => p.as_num().ok_or_else(|| signature(2, "round"))? as i32,
    };
    let shift = |x: f64, p: i32| -> f64 {
        format!("{x:e}")
            .replacen('e', "#", 1)
            .split_once('#')
            .map_or(x, |(m, e)| {
                format!("{m}e{}", e.parse::<i32>().unwrap_or(0) + p)
                    .parse()
                    .unwrap_or(x)
            })
    };
    let scaled = shift(n, places);
    let mut r = scaled.round();
    if (r - scaled).abs() == 0.5 && r % 2.0 != 0.0 {
        r -= scaled.signum();
    }
    let out = shift(r, -places);
    Ok(Some(Val::Num(if out == 0.0 { 0.0 } else { out })))
}

fn power(_: &Eval<'_>, a: &[Option<Val>]) -> R {
    let Some(b) = arg(a, 0) else { return Ok(None) };
    let b = b.as_num().ok_or_else(|| signature(1, "power"))?;
    let e = arg(a, 1)
        .and_then(Val::as_num)
        .ok_or_else(|| signature(2, "power"))?;
    let r = b.powf(e);
    if !r.is_finite() {
        return Err(Error::new(
            "D3061",
            format!(
                "The power function has resulted non-representable number: base={}, exponent={}",
                format_number(b),
                format_number(e)
            ),
        ));
    }
    Ok(Some(Val::Num(r)))
}

fn sqrt(_: &Eval<'_>, a: &[Option<Val>]) -> R {
    let Some(v) = arg(a, 0) else { return Ok(None) };
    let n = v.as_num().ok_or_else(|| signature(1, "sqrt"))?;
    if n < 0.0 {
        return Err(Error::new(
            "D3060",
            format!(
                "The sqrt function cannot be applied to a negative number: {}",
                format_number(n)
            ),
        ));
    }
    Ok(Some(Val::Num(n.sqrt())))
}

fn aggregate(a: &[Option<Val>], name: &str, f: impl FnOnce(&[f64]) -> Option<f64>) -> R {
    let Some(v) = arg(a, 0) else { return Ok(None) };
    let ns = items_of(v)
        .iter()
        .map(Val::as_num)
        .collect::<Option<Vec<f64>>>()
        .ok_or_else(|| {
            Error::new(
                "T0412",
                format!("Argument 1 of function {name} must be an array of numbers"),
            )
        })?;
    Ok(f(&ns).map(Val::Num))
}

fn sort(ev: &Eval<'_>, a: &[Option<Val>]) -> R {
    let Some(v) = arg(a, 0) else { return Ok(None) };
    let mut items = items_of(v);
    match arg(a, 1) {
        Some(Val::Func(f)) => {
            // A stable insertion sort: the comparator may fail.
            let mut sorted: Vec<Val> = Vec::with_capacity(items.len());
            for x in items {
                let mut at = sorted.len();
                while at > 0 {
                    let swap = ev.call(f, &[Some(sorted[at - 1].clone()), Some(x.clone())])?;
                    if !swap.as_ref().is_some_and(truthy) {
                        break;
                    }
                    at -= 1;
                }
                sorted.insert(at, x);
            }
            Ok(Some(Val::array(sorted)))
        }
        Some(_) => Err(signature(2, "sort")),
        None => {
            let all_num = items.iter().all(|x| matches!(x, Val::Num(_)));
            let all_str = items.iter().all(|x| matches!(x, Val::Str(_)));
            if !all_num && !all_str {
                return Err(Error::new(
                    "D3070",
                    "The single argument form of the sort function can only be applied to an array of strings or an array of numbers.  Use the second argument to specify a comparison function",
                ));
            }
            items.sort_by(|x, y| match (x, y) {
                (Val::Num(p), Val::Num(q)) => p.total_cmp(q),
                (Val::Str(p), Val::Str(q)) => p.cmp(q),
                _ => std::cmp::Ordering::Equal,
            });
            Ok(Some(Val::array(items)))
        }
    }
}

/// Percent-encodes UTF-8 bytes except ASCII letters, digits and `keep`.
fn percent_encode(s: &str, keep: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || keep.contains(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// The text percent-encoded in `s`; `None` for a malformed escape or UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// An integer in a radix from 2 to 36, lower-case digits.
fn to_radix(n: i64, radix: u32) -> String {
    let mut digits = Vec::new();
    let mut m = n.unsigned_abs();
    loop {
        digits.push(std::char::from_digit((m % u64::from(radix)) as u32, radix).unwrap_or('0'));
        m /= u64::from(radix);
        if m == 0 {
            break;
        }
    }
    if n < 0 {
        digits.push('-');
    }
    digits.iter().rev().collect()
}
