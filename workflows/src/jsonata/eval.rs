//! Evaluating a parsed expression: paths over sequences, predicates,
//! constructors, operators, bindings and function calls, with the
//! reference implementation's rules for undefined and singleton sequences.

use super::parser::{Node, Op, Step};
use super::value::{Flags, Func, Object, Val, deep_equal, stringify, truthy};
use super::{Error, Host, functions};
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

/// Nested function calls allowed before an expression is stopped.
const MAX_DEPTH: usize = 200;
/// The largest array the range operator builds.
const MAX_RANGE: f64 = 1e7;

/// A frame of variable bindings (`$x := …`, lambda parameters).
#[derive(Default)]
pub struct Env {
    vars: RefCell<HashMap<String, Val>>,
    parent: Option<Rc<Env>>,
}

impl Env {
    fn child(parent: &Rc<Env>) -> Rc<Env> {
        Rc::new(Env {
            vars: RefCell::new(HashMap::new()),
            parent: Some(parent.clone()),
        })
    }
    fn lookup(&self, name: &str) -> Option<Val> {
        match self.vars.borrow().get(name) {
            Some(v) => Some(v.clone()),
            None => self.parent.as_ref().and_then(|p| p.lookup(name)),
        }
    }
    fn bind(&self, name: &str, v: Val) {
        self.vars.borrow_mut().insert(name.to_string(), v);
    }
}

/// One evaluation: the host's variables and functions and the root input.
pub struct Eval<'h> {
    host: &'h dyn Host,
    root: Option<Val>,
    depth: Cell<usize>,
    now: chrono::DateTime<chrono::Utc>,
}

type R = Result<Option<Val>, Error>;

impl<'h> Eval<'h> {
    pub(crate) fn new(host: &'h dyn Host, root: Option<Val>) -> Self {
        Eval {
            host,
            root,
            depth: Cell::new(0),
            now: host.now(),
        }
    }

    /// The instant of this evaluation (one for every `$now()` in it).
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.now
    }

    pub(crate) fn run(&self, node: &Node) -> R {
        let env = Rc::new(Env::default());
        let input = self.root.clone();
        self.eval(node, input.as_ref(), &env)
    }

    fn eval(&self, node: &Node, input: Option<&Val>, env: &Rc<Env>) -> R {
        let r = self.eval_inner(node, input, env)?;
        Ok(match r {
            Some(Val::Arr(items, flags)) if flags.sequence => match items.len() {
                0 => None,
                1 if !flags.keep => Some(items[0].clone()),
                _ => Some(Val::Arr(items, flags)),
            },
            other => other,
        })
    }

    fn eval_inner(&self, node: &Node, input: Option<&Val>, env: &Rc<Env>) -> R {
        Ok(match node {
            Node::Num(n) => Some(Val::Num(*n)),
            Node::Str(s) => Some(Val::str(s)),
            Node::Bool(b) => Some(Val::Bool(*b)),
            Node::Null => Some(Val::Null),
            Node::Regex(r) => Some(Val::Func(Rc::new(Func::Regex(r.clone())))),
            Node::Var(name) => match name.as_str() {
                "" => input.cloned(),
                "$" => self.root.clone(),
                _ => self.variable(name, env),
            },
            Node::Name(name) => input.and_then(|i| lookup(i, name)),
            Node::Wildcard => input.and_then(wildcard),
            Node::Descendants => {
                let mut out = Vec::new();
                if let Some(i) = input {
                    descendants(i, &mut out);
                }
                Some(Val::sequence(out))
            }
            Node::Path { steps, keep_array } => self.path(steps, *keep_array, input, env)?,
            Node::Neg(e) => match self.eval(e, input, env)? {
                None => None,
                Some(Val::Num(n)) => Some(Val::Num(-n)),
                Some(other) => {
                    return Err(Error::new(
                        "D1002",
                        format!("Cannot negate a non-numeric value: {}", show(&other)),
                    ));
                }
            },
            Node::Bin(op, a, b) => self.binary(*op, a, b, input, env)?,
            Node::Array(items) => {
                let mut out = Vec::new();
                for item in items {
                    match self.eval(item, input, env)? {
                        None => {}
                        Some(v) if matches!(item, Node::Array(_)) => out.push(v),
                        Some(Val::Arr(a, _)) => out.extend(a.iter().cloned()),
                        Some(v) => out.push(v),
                    }
                }
                Some(Val::Arr(
                    Rc::new(out),
                    Flags {
                        cons: true,
                        ..Flags::default()
                    },
                ))
            }
            Node::Object(pairs) => Some(self.group(pairs, input.cloned(), env)?),
            Node::Group(lhs, pairs) => {
                let items = self.eval(lhs, input, env)?;
                Some(self.group(pairs, items, env)?)
            }
            Node::Filter(e, pred) => {
                let v = self.eval(e, input, env)?;
                Some(self.filter(pred, v, env)?)
            }
            Node::KeepArray(e) => self.eval(e, input, env)?.map(|v| {
                let items = match v {
                    Val::Arr(a, _) => a,
                    other => Rc::new(vec![other]),
                };
                Val::Arr(
                    items,
                    Flags {
                        sequence: true,
                        keep: true,
                        cons: false,
                    },
                )
            }),
            Node::Block(items) => {
                let inner = Env::child(env);
                let mut last = None;
                for item in items {
                    last = self.eval(item, input, &inner)?;
                }
                last
            }
            Node::Cond(c, then, otherwise) => {
                let c = self.eval(c, input, env)?;
                if c.as_ref().is_some_and(truthy) {
                    self.eval(then, input, env)?
                } else if let Some(o) = otherwise {
                    self.eval(o, input, env)?
                } else {
                    None
                }
            }
            Node::Bind(name, e) => {
                let v = self.eval(e, input, env)?;
                if let Some(v) = &v {
                    env.bind(name, v.clone());
                }
                v
            }
            Node::Lambda(def) => Some(Val::Func(Rc::new(Func::Lambda {
                def: def.clone(),
                env: env.clone(),
                input: input.cloned(),
            }))),
            Node::Call(callee, args) => {
                let f = self.eval(callee, input, env)?;
                let mut values = Vec::with_capacity(args.len());
                for a in args {
                    values.push(self.eval(a, input, env)?);
                }
                match f {
                    Some(Val::Func(f)) => self.call(&f, &values)?,
                    _ => return Err(not_a_function(callee)),
                }
            }
            Node::Sort(lhs, terms) => {
                let items = match self.eval(lhs, input, env)? {
                    None => return Ok(None),
                    Some(Val::Arr(a, _)) => a.to_vec(),
                    Some(v) => vec![v],
                };
                Some(Val::sequence(self.order_by(items, terms, env)?))
            }
            Node::Apply(lhs, rhs) => {
                let first = self.eval(lhs, input, env)?;
                let (callee, rest) = match &**rhs {
                    Node::Call(callee, args) => (&**callee, args.as_slice()),
                    other => (other, &[][..]),
                };
                let f = self.eval(callee, input, env)?;
                let mut values = vec![first];
                for a in rest {
                    values.push(self.eval(a, input, env)?);
                }
                match f {
                    Some(Val::Func(f)) => self.call(&f, &values)?,
                    _ => {
                        return Err(Error::new(
                            "T2006",
                            "The right side of the function application operator ~> must be a function",
                        ));
                    }
                }
            }
        })
    }

    fn variable(&self, name: &str, env: &Rc<Env>) -> Option<Val> {
        env.lookup(name)
            .or_else(|| self.host.variable(name))
            .or_else(|| {
                let (arity, f) = self
                    .host
                    .function(name)
                    .or_else(|| functions::builtin(name))?;
                Some(Val::Func(Rc::new(Func::Native { arity, f })))
            })
    }

    /// Calls a function value with arguments (`None` for undefined).
    pub fn call(&self, f: &Func, args: &[Option<Val>]) -> R {
        let depth = self.depth.get();
        if depth >= MAX_DEPTH {
            return Err(Error::new(
                "U1001",
                "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.",
            ));
        }
        self.depth.set(depth + 1);
        let r = match f {
            Func::Lambda { def, env, input } => {
                let frame = Env::child(env);
                for (i, p) in def.params.iter().enumerate() {
                    if let Some(Some(v)) = args.get(i) {
                        frame.bind(p, v.clone());
                    }
                }
                self.eval(&def.body, input.as_ref(), &frame)
            }
            Func::Native { f, .. } => f(self, args),
            Func::Regex(re) => Ok(match args.first() {
                Some(Some(Val::Str(s))) => functions::regex_match(re, s),
                _ => None,
            }),
        };
        self.depth.set(depth);
        r
    }

    fn path(&self, steps: &[Step], keep_array: bool, input: Option<&Val>, env: &Rc<Env>) -> R {
        let first_is_var = matches!(steps.first().map(|s| &s.node), Some(Node::Var(_)));
        let mut seq: Vec<Option<Val>> = match input {
            Some(Val::Arr(a, _)) if !first_is_var => a.iter().cloned().map(Some).collect(),
            other => vec![other.cloned()],
        };
        let mut result: Option<Val> = None;
        let last = steps.len().saturating_sub(1);
        for (i, step) in steps.iter().enumerate() {
            let r = if i == 0 && matches!(step.node, Node::Array(_)) {
                let mut v = self.eval(&step.node, input, env)?;
                for stage in &step.stages {
                    v = Some(self.filter(stage, v, env)?);
                }
                v.map(|v| match v {
                    Val::Arr(a, f) => Val::Arr(
                        a,
                        Flags {
                            sequence: true,
                            ..f
                        },
                    ),
                    other => Val::sequence(vec![other]),
                })
            } else {
                self.step(step, &seq, i == last, env)?
            };
            let items: Vec<Val> = match &r {
                Some(Val::Arr(a, _)) => a.to_vec(),
                Some(v) => vec![v.clone()],
                None => Vec::new(),
            };
            result = r;
            // An empty sequence is undefined; an empty array value stays.
            if items.is_empty() {
                break;
            }
            seq = items.into_iter().map(Some).collect();
        }
        if keep_array {
            result = result.map(|v| {
                let (items, flags) = match v {
                    Val::Arr(a, f) if f.sequence && !f.cons => (a, f),
                    Val::Arr(a, f) => (Rc::new(vec![Val::Arr(a, f)]), Flags::default()),
                    other => (Rc::new(vec![other]), Flags::default()),
                };
                Val::Arr(
                    items,
                    Flags {
                        sequence: true,
                        keep: true,
                        ..flags
                    },
                )
            });
        }
        Ok(result)
    }

    /// One path step over every item of the sequence so far.
    fn step(&self, step: &Step, seq: &[Option<Val>], last: bool, env: &Rc<Env>) -> R {
        let mut results = Vec::new();
        for item in seq {
            let mut r = self.eval(&step.node, item.as_ref(), env)?;
            for stage in &step.stages {
                r = Some(self.filter(stage, r, env)?);
                if let Some(Val::Arr(a, _)) = &r
                    && a.is_empty()
                {
                    r = None;
                }
            }
            if let Some(v) = r {
                results.push(v);
            }
        }
        if last && results.len() == 1 && matches!(&results[0], Val::Arr(_, f) if !f.sequence) {
            return Ok(results.pop());
        }
        let mut out = Vec::new();
        for r in results {
            match r {
                Val::Arr(a, f) if !f.cons => out.extend(a.iter().cloned()),
                other => out.push(other),
            }
        }
        Ok(Some(Val::sequence(out)))
    }

    /// Orders items by keys evaluated on each (a stable sort; undefined
    /// keys last); keys must all be numbers or all strings.
    fn order_by(
        &self,
        items: Vec<Val>,
        terms: &[(Node, bool)],
        env: &Rc<Env>,
    ) -> Result<Vec<Val>, Error> {
        let mut keyed = Vec::with_capacity(items.len());
        for item in items {
            let mut keys = Vec::with_capacity(terms.len());
            for (t, _) in terms {
                let k = self.eval(t, Some(&item), env)?;
                if !matches!(k, None | Some(Val::Num(_) | Val::Str(_))) {
                    return Err(Error::new(
                        "T2008",
                        "The expressions within an order-by clause must evaluate to numeric or string values",
                    ));
                }
                keys.push(k);
            }
            keyed.push((keys, item));
        }
        for i in 0..terms.len() {
            let mut kind = None;
            for (keys, _) in &keyed {
                let this = keys[i].as_ref().map(Val::type_name);
                match (kind, this) {
                    (_, None) => {}
                    (None, Some(t)) => kind = Some(t),
                    (Some(k), Some(t)) if k != t => {
                        return Err(Error::new(
                            "T2007",
                            "Type mismatch when comparing values in order-by clause",
                        ));
                    }
                    _ => {}
                }
            }
        }
        use std::cmp::Ordering;
        keyed.sort_by(|(a, _), (b, _)| {
            for (i, (_, descending)) in terms.iter().enumerate() {
                let o = match (&a[i], &b[i]) {
                    (None, None) => Ordering::Equal,
                    (None, Some(_)) => return Ordering::Greater,
                    (Some(_), None) => return Ordering::Less,
                    (Some(Val::Num(x)), Some(Val::Num(y))) => x.total_cmp(y),
                    (Some(Val::Str(x)), Some(Val::Str(y))) => x.cmp(y),
                    _ => Ordering::Equal,
                };
                let o = if *descending { o.reverse() } else { o };
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        });
        Ok(keyed.into_iter().map(|(_, item)| item).collect())
    }

    /// A predicate `[…]`: an index (negative from the end) or a condition.
    fn filter(&self, pred: &Node, input: Option<Val>, env: &Rc<Env>) -> Result<Val, Error> {
        let items: Vec<Val> = match input {
            None => Vec::new(),
            Some(Val::Arr(a, _)) => a.to_vec(),
            Some(v) => vec![v],
        };
        let index = |n: f64, len: usize| -> Option<usize> {
            let i = n.floor();
            let i = if i < 0.0 { i + len as f64 } else { i };
            (i >= 0.0 && i < len as f64).then_some(i as usize)
        };
        let mut out = Vec::new();
        if let Node::Num(n) = pred {
            if let Some(i) = index(*n, items.len()) {
                match &items[i] {
                    Val::Arr(a, _) => out.extend(a.iter().cloned()),
                    v => out.push(v.clone()),
                }
            }
            return Ok(Val::sequence(out));
        }
        for (i, item) in items.iter().enumerate() {
            let r = self.eval(pred, Some(item), env)?;
            let keep = match &r {
                Some(Val::Num(n)) => index(*n, items.len()) == Some(i),
                Some(Val::Arr(a, _)) if a.iter().all(|v| matches!(v, Val::Num(_))) => a
                    .iter()
                    .any(|v| v.as_num().and_then(|n| index(n, items.len())) == Some(i)),
                Some(v) => truthy(v),
                None => false,
            };
            if keep {
                out.push(item.clone());
            }
        }
        Ok(Val::sequence(out))
    }

    /// The object constructor: keys and values evaluated per input item,
    /// items sharing a key grouped into the context of its value.
    fn group(
        &self,
        pairs: &[(Node, Node)],
        input: Option<Val>,
        env: &Rc<Env>,
    ) -> Result<Val, Error> {
        let items: Vec<Option<Val>> = match input {
            Some(Val::Arr(a, _)) if !a.is_empty() => a.iter().cloned().map(Some).collect(),
            Some(Val::Arr(..)) | None => vec![None],
            Some(v) => vec![Some(v)],
        };
        let mut groups: indexmap::IndexMap<String, (Option<Val>, usize)> =
            indexmap::IndexMap::new();
        for item in &items {
            for (pi, (k, _)) in pairs.iter().enumerate() {
                let key = match self.eval(k, item.as_ref(), env)? {
                    None => continue,
                    Some(Val::Str(s)) => s.to_string(),
                    Some(other) => {
                        return Err(Error::new(
                            "T1003",
                            format!(
                                "Key in object structure must evaluate to a string; got: {}",
                                show(&other)
                            ),
                        ));
                    }
                };
                match groups.get_mut(&key) {
                    Some((data, index)) => {
                        if *index != pi {
                            return Err(Error::new(
                                "D1009",
                                format!(
                                    "Multiple key definitions evaluate to same key: {}",
                                    Value::String(key.clone())
                                ),
                            ));
                        }
                        *data = functions::append(data.take(), item.clone());
                    }
                    None => {
                        groups.insert(key, (item.clone(), pi));
                    }
                }
            }
        }
        let mut out = Object::new();
        for (key, (data, pi)) in groups {
            if let Some(v) = self.eval(&pairs[pi].1, data.as_ref(), env)? {
                out.insert(key, v);
            }
        }
        Ok(Val::Obj(Rc::new(out)))
    }

    fn binary(&self, op: Op, a: &Node, b: &Node, input: Option<&Val>, env: &Rc<Env>) -> R {
        match op {
            Op::And => {
                let l = self.eval(a, input, env)?;
                if !l.as_ref().is_some_and(truthy) {
                    return Ok(Some(Val::Bool(false)));
                }
                let r = self.eval(b, input, env)?;
                return Ok(Some(Val::Bool(r.as_ref().is_some_and(truthy))));
            }
            Op::Or => {
                let l = self.eval(a, input, env)?;
                if l.as_ref().is_some_and(truthy) {
                    return Ok(Some(Val::Bool(true)));
                }
                let r = self.eval(b, input, env)?;
                return Ok(Some(Val::Bool(r.as_ref().is_some_and(truthy))));
            }
            Op::Coalesce => {
                let l = self.eval(a, input, env)?;
                return match l {
                    Some(v) => Ok(Some(v)),
                    None => self.eval(b, input, env),
                };
            }
            Op::Elvis => {
                let l = self.eval(a, input, env)?;
                return match l {
                    Some(v) if truthy(&v) => Ok(Some(v)),
                    _ => self.eval(b, input, env),
                };
            }
            _ => {}
        }
        let l = self.eval(a, input, env)?;
        let r = self.eval(b, input, env)?;
        let sym = op_symbol(op);
        Ok(match op {
            Op::Add | Op::Sub | Op::Mul | Op::Div | Op::Mod => {
                let num = |v: &Option<Val>, code: &'static str, side: &str| match v {
                    None => Ok(None),
                    Some(Val::Num(n)) => Ok(Some(*n)),
                    Some(_) => Err(Error::new(
                        code,
                        format!("The {side} side of the {sym} operator must evaluate to a number"),
                    )),
                };
                let (x, y) = (num(&l, "T2001", "left")?, num(&r, "T2002", "right")?);
                let (Some(x), Some(y)) = (x, y) else {
                    return Ok(None);
                };
                let n = match op {
                    Op::Add => x + y,
                    Op::Sub => x - y,
                    Op::Mul => x * y,
                    Op::Div => x / y,
                    _ => x % y,
                };
                if !n.is_finite() {
                    return Err(Error::new("D1001", format!("Number out of range: {n}")));
                }
                Some(Val::Num(n))
            }
            Op::Eq | Op::Ne => {
                let (Some(x), Some(y)) = (&l, &r) else {
                    return Ok(Some(Val::Bool(false)));
                };
                let eq = deep_equal(x, y);
                Some(Val::Bool(if op == Op::Eq { eq } else { !eq }))
            }
            Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                let comparable =
                    |v: &Option<Val>| matches!(v, None | Some(Val::Num(_) | Val::Str(_)));
                if !comparable(&l) || !comparable(&r) {
                    return Err(Error::new(
                        "T2010",
                        format!(
                            "The expressions either side of operator {sym} must evaluate to numeric or string values"
                        ),
                    ));
                }
                let (Some(x), Some(y)) = (&l, &r) else {
                    return Ok(Some(Val::Bool(false)));
                };
                let ord = match (x, y) {
                    (Val::Num(p), Val::Num(q)) => p.partial_cmp(q),
                    (Val::Str(p), Val::Str(q)) => Some(p.cmp(q)),
                    _ => {
                        return Err(Error::new(
                            "T2009",
                            format!(
                                "The values {} and {} either side of operator {sym} must be of the same data type",
                                show(x),
                                show(y)
                            ),
                        ));
                    }
                };
                use std::cmp::Ordering::*;
                Some(Val::Bool(match (op, ord) {
                    (_, None) => false,
                    (Op::Lt, Some(o)) => o == Less,
                    (Op::Le, Some(o)) => o != Greater,
                    (Op::Gt, Some(o)) => o == Greater,
                    (_, Some(o)) => o != Less,
                }))
            }
            Op::In => {
                let Some(x) = &l else {
                    return Ok(Some(Val::Bool(false)));
                };
                let found = match &r {
                    None => false,
                    Some(Val::Arr(a, _)) => a.iter().any(|v| deep_equal(v, x)),
                    Some(v) => deep_equal(v, x),
                };
                Some(Val::Bool(found))
            }
            Op::Concat => {
                let text = |v: &Option<Val>| match v {
                    None => Ok(String::new()),
                    Some(v) => stringify(v, false),
                };
                Some(Val::str(&(text(&l)? + &text(&r)?)))
            }
            Op::Range => {
                let int = |v: &Option<Val>, code: &'static str, side: &str| match v {
                    None => Ok(None),
                    Some(Val::Num(n)) if n.fract() == 0.0 => Ok(Some(*n)),
                    Some(_) => Err(Error::new(
                        code,
                        format!(
                            "The {side} side of the range operator (..) must evaluate to an integer"
                        ),
                    )),
                };
                let (x, y) = (int(&l, "T2003", "left")?, int(&r, "T2004", "right")?);
                let (Some(x), Some(y)) = (x, y) else {
                    return Ok(None);
                };
                if x > y {
                    return Ok(None);
                }
                if y - x >= MAX_RANGE {
                    return Err(Error::new(
                        "D2014",
                        format!(
                            "The size of the sequence allocated by the range operator (..) must not exceed 1e7.  Attempted to allocate {}.",
                            y - x + 1.0
                        ),
                    ));
                }
                let items = (x as i64..=y as i64).map(|i| Val::Num(i as f64)).collect();
                Some(Val::array(items))
            }
            Op::And | Op::Or | Op::Coalesce | Op::Elvis => unreachable!("handled above"),
        })
    }
}

fn op_symbol(op: Op) -> &'static str {
    match op {
        Op::Add => "+",
        Op::Sub => "-",
        Op::Mul => "*",
        Op::Div => "/",
        Op::Mod => "%",
        Op::Eq => "=",
        Op::Ne => "!=",
        Op::Lt => "<",
        Op::Le => "<=",
        Op::Gt => ">",
        Op::Ge => ">=",
        Op::And => "and",
        Op::Or => "or",
        Op::In => "in",
        Op::Concat => "&",
        Op::Range => "..",
        Op::Coalesce => "??",
        Op::Elvis => "?:",
    }
}

fn not_a_function(callee: &Node) -> Error {
    if let Node::Path { steps, .. } = callee
        && let [
            Step {
                node: Node::Name(n),
                ..
            },
        ] = steps.as_slice()
    {
        return Error::new(
            "T1005",
            format!("Attempted to invoke a non-function. Did you mean ${n}?"),
        );
    }
    Error::new("T1006", "Attempted to invoke a non-function")
}

/// A value inside an error message: JSON, strings quoted, as the
/// reference implementation's messages give it.
pub(crate) fn show(v: &Val) -> String {
    match v {
        Val::Str(s) => Value::String(s.to_string()).to_string(),
        other => stringify(other, false).unwrap_or_else(|_| "null".into()),
    }
}

/// A field of an object, or of every object in an array (flattened).
fn lookup(input: &Val, key: &str) -> Option<Val> {
    match input {
        Val::Obj(o) => o.get(key).cloned(),
        Val::Arr(a, _) => {
            let mut out = Vec::new();
            for item in a.iter() {
                match lookup(item, key) {
                    Some(Val::Arr(inner, _)) => out.extend(inner.iter().cloned()),
                    Some(v) => out.push(v),
                    None => {}
                }
            }
            Some(Val::sequence(out))
        }
        _ => None,
    }
}

fn wildcard(input: &Val) -> Option<Val> {
    let mut out = Vec::new();
    match input {
        Val::Obj(o) => {
            for v in o.values() {
                match v {
                    Val::Arr(a, _) => out.extend(a.iter().cloned()),
                    other => out.push(other.clone()),
                }
            }
        }
        Val::Arr(a, _) => {
            for item in a.iter() {
                if let Some(Val::Arr(inner, _)) = wildcard(item) {
                    out.extend(inner.iter().cloned());
                }
            }
        }
        _ => return None,
    }
    Some(Val::sequence(out))
}

fn descendants(input: &Val, out: &mut Vec<Val>) {
    match input {
        Val::Arr(a, _) => a.iter().for_each(|v| descendants(v, out)),
        Val::Obj(o) => {
            out.push(input.clone());
            o.values().for_each(|v| descendants(v, out));
        }
        other => out.push(other.clone()),
    }
}
