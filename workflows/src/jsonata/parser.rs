//! The JSONata grammar: a tokenizer and a Pratt (top-down operator
//! precedence) parser with the binding powers of the reference
//! implementation, producing the tree `eval` walks.

use super::Error;
use std::sync::Arc;

/// A parsed expression.
#[derive(Debug)]
pub(crate) enum Node {
    Num(f64),
    Str(String),
    Bool(bool),
    Null,
    Regex(Arc<regex_lite::Regex>),
    /// `$name`; `$` alone is the context item, `$$` the root input.
    Var(String),
    /// A field name step.
    Name(String),
    Wildcard,
    Descendants,
    Path {
        steps: Vec<Step>,
        keep_array: bool,
    },
    Neg(Box<Node>),
    Bin(Op, Box<Node>, Box<Node>),
    Array(Vec<Node>),
    Object(Vec<(Node, Node)>),
    /// `expr{ key: value }`: the object constructor over `expr`'s items.
    Group(Box<Node>, Vec<(Node, Node)>),
    /// `expr[predicate]` on something that is not a path step.
    Filter(Box<Node>, Box<Node>),
    /// `expr[]` on something that is not a path.
    KeepArray(Box<Node>),
    Block(Vec<Node>),
    Cond(Box<Node>, Box<Node>, Option<Box<Node>>),
    Bind(String, Box<Node>),
    Lambda(Arc<Lambda>),
    Call(Box<Node>, Vec<Node>),
    /// `lhs ~> rhs`.
    Apply(Box<Node>, Box<Node>),
    /// `lhs^(<key, >key)`: the items ordered by keys, `>` descending.
    Sort(Box<Node>, Vec<(Node, bool)>),
}

/// One step of a path with the predicates that filter it.
#[derive(Debug)]
pub(crate) struct Step {
    pub node: Node,
    pub stages: Vec<Node>,
}

/// A `function($a, …) { … }` definition.
#[derive(Debug)]
pub struct Lambda {
    pub(crate) params: Vec<String>,
    pub(crate) body: Node,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    In,
    Concat,
    Range,
    Coalesce,
    Elvis,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Str(String),
    Name(String),
    Var(String),
    Regex(String, String),
    Op(&'static str),
    End,
}

const OPERATORS: [&str; 33] = [
    "..", ":=", "!=", "<=", ">=", "~>", "**", "??", "?:", ".", "[", "]", "{", "}", "(", ")", ",",
    "@", "#", ";", ":", "?", "+", "-", "*", "/", "%", "|", "=", "<", ">", "^", "&",
];

fn binding_power(t: &Tok) -> u8 {
    match t {
        Tok::Op(op) => match *op {
            "." => 75,
            "[" | "(" | "@" | "#" => 80,
            "{" => 70,
            "*" | "/" | "%" | "**" => 60,
            "+" | "-" | "&" => 50,
            "=" | "!=" | "<" | "<=" | ">" | ">=" | "^" | "~>" | "?:" | "??" => 40,
            "?" | ".." | "|" => 20,
            ":=" => 10,
            _ => 0,
        },
        Tok::Name(n) => match n.as_str() {
            "and" => 30,
            "or" => 25,
            "in" => 40,
            _ => 0,
        },
        _ => 0,
    }
}

fn syntax(code: &'static str, message: impl Into<String>) -> Error {
    Error::new(code, message)
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl Lexer<'_> {
    fn skip_space(&mut self) -> Result<(), Error> {
        loop {
            let rest = &self.src[self.pos..];
            let trimmed = rest.trim_start();
            self.pos += rest.len() - trimmed.len();
            if let Some(comment) = trimmed.strip_prefix("/*") {
                let end = comment
                    .find("*/")
                    .ok_or_else(|| syntax("S0106", "Comment has no closing tag"))?;
                self.pos += end + 4;
            } else {
                return Ok(());
            }
        }
    }

    /// The next token; `prefix` says whether an operand is expected, where
    /// `/` starts a regular expression rather than dividing.
    fn next(&mut self, prefix: bool) -> Result<Tok, Error> {
        self.skip_space()?;
        let rest = &self.src[self.pos..];
        let Some(c) = rest.chars().next() else {
            return Ok(Tok::End);
        };
        if prefix && c == '/' {
            return self.regex();
        }
        if c == '"' || c == '\'' {
            return self.string(c);
        }
        if c.is_ascii_digit() {
            let end = number_end(rest);
            let text = &rest[..end];
            self.pos += end;
            let n: f64 = text
                .parse()
                .map_err(|_| syntax("S0102", format!("Number out of range: {text}")))?;
            if !n.is_finite() {
                return Err(syntax("S0102", format!("Number out of range: {text}")));
            }
            return Ok(Tok::Num(n));
        }
        if c == '`' {
            let end = rest[1..].find('`').ok_or_else(|| {
                syntax(
                    "S0105",
                    "Quoted property name must be terminated with a backquote (`)",
                )
            })?;
            self.pos += end + 2;
            return Ok(Tok::Name(rest[1..end + 1].to_string()));
        }
        for op in OPERATORS {
            if rest.starts_with(op) {
                self.pos += op.len();
                return Ok(Tok::Op(op));
            }
        }
        let end = rest
            .find(|ch: char| ch.is_whitespace() || "`.[]{}()@#;:?+-*/%|=<>^&!~,\"'".contains(ch))
            .unwrap_or(rest.len());
        if end == 0 {
            self.pos += c.len_utf8();
            return Err(syntax("S0204", format!("Unknown operator: {c}")));
        }
        self.pos += end;
        let word = &rest[..end];
        Ok(match word.strip_prefix('$') {
            Some(v) => Tok::Var(v.to_string()),
            None => Tok::Name(word.to_string()),
        })
    }

    fn string(&mut self, quote: char) -> Result<Tok, Error> {
        let mut out = String::new();
        let mut chars = self.src[self.pos + 1..].char_indices();
        while let Some((i, c)) = chars.next() {
            if c == quote {
                self.pos += i + 2;
                return Ok(Tok::Str(out));
            }
            if c != '\\' {
                out.push(c);
                continue;
            }
            let Some((_, e)) = chars.next() else { break };
            match e {
                '"' | '\\' | '/' | '\'' => out.push(e),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                'u' => {
                    let hex: String = (0..4)
                        .filter_map(|_| chars.next().map(|(_, h)| h))
                        .collect();
                    let code = u32::from_str_radix(&hex, 16).map_err(|_| {
                        syntax(
                            "S0104",
                            "The escape sequence \\u must be followed by 4 hex digits",
                        )
                    })?;
                    out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                }
                other => {
                    return Err(syntax(
                        "S0103",
                        format!("Unsupported escape sequence: \\{other}"),
                    ));
                }
            }
        }
        Err(syntax(
            "S0101",
            "String literal must be terminated by a matching quote",
        ))
    }

    fn regex(&mut self) -> Result<Tok, Error> {
        let body = &self.src[self.pos + 1..];
        let mut escaped = false;
        let mut end = None;
        for (i, c) in body.char_indices() {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '/' {
                end = Some(i);
                break;
            }
        }
        let end = end.ok_or_else(|| syntax("S0302", "No terminating / in regular expression"))?;
        let pattern = body[..end].to_string();
        if pattern.is_empty() {
            return Err(syntax("S0301", "Empty regular expressions are not allowed"));
        }
        let flags: String = body[end + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect();
        self.pos += end + 2 + flags.len();
        Ok(Tok::Regex(pattern, flags))
    }
}

fn number_end(s: &str) -> usize {
    let b = s.as_bytes();
    let digits = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    let mut i = digits(0);
    if i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
        i = digits(i + 1);
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            i = digits(j);
        }
    }
    i
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    tok: Tok,
    depth: usize,
}

/// Sub-expressions nested deeper than this are refused, so no text can
/// exhaust the parser's (or the evaluator's) stack.
const MAX_NESTING: usize = 150;

/// Parses a whole expression.
pub(crate) fn parse(text: &str) -> Result<Node, Error> {
    let mut p = Parser {
        lexer: Lexer { src: text, pos: 0 },
        tok: Tok::End,
        depth: 0,
    };
    p.advance(true)?;
    let node = p.expression(0)?;
    if p.tok != Tok::End {
        return Err(syntax("S0201", format!("Syntax error: {}", p.describe())));
    }
    Ok(node)
}

impl Parser<'_> {
    fn advance(&mut self, prefix: bool) -> Result<(), Error> {
        self.tok = self.lexer.next(prefix)?;
        Ok(())
    }

    fn describe(&self) -> String {
        match &self.tok {
            Tok::Num(n) => n.to_string(),
            Tok::Str(s) => format!("\"{s}\""),
            Tok::Name(n) => n.clone(),
            Tok::Var(v) => format!("${v}"),
            Tok::Regex(p, _) => format!("/{p}/"),
            Tok::Op(o) => (*o).to_string(),
            Tok::End => "(end)".into(),
        }
    }

    fn expect(&mut self, op: &'static str, prefix: bool) -> Result<(), Error> {
        if self.tok == Tok::Op(op) {
            self.advance(prefix)
        } else if self.tok == Tok::End {
            Err(syntax(
                "S0203",
                format!("Expected {op} before end of expression"),
            ))
        } else {
            Err(syntax(
                "S0202",
                format!("Expected {op}, got {}", self.describe()),
            ))
        }
    }

    fn expression(&mut self, rbp: u8) -> Result<Node, Error> {
        if self.depth == MAX_NESTING {
            return Err(syntax(
                "S0201",
                format!("Syntax error: expressions nested more than {MAX_NESTING} deep"),
            ));
        }
        let outer = self.depth;
        self.depth += 1;
        let r = self.nud().and_then(|mut left| {
            // Each operator applied here nests `left` one level deeper.
            while rbp < binding_power(&self.tok) {
                if self.depth == MAX_NESTING {
                    return Err(syntax(
                        "S0201",
                        format!("Syntax error: expressions nested more than {MAX_NESTING} deep"),
                    ));
                }
                self.depth += 1;
                left = self.led(left)?;
            }
            Ok(left)
        });
        self.depth = outer;
        r
    }

    /// A comma-separated list up to `close`.
    fn list(&mut self, close: &'static str) -> Result<Vec<Node>, Error> {
        let mut items = Vec::new();
        if self.tok != Tok::Op(close) {
            loop {
                items.push(self.expression(0)?);
                if self.tok != Tok::Op(",") {
                    break;
                }
                self.advance(true)?;
            }
        }
        self.expect(close, false)?;
        Ok(items)
    }

    fn pairs(&mut self) -> Result<Vec<(Node, Node)>, Error> {
        let mut pairs = Vec::new();
        if self.tok != Tok::Op("}") {
            loop {
                let k = self.expression(0)?;
                self.expect(":", true)?;
                let v = self.expression(0)?;
                pairs.push((k, v));
                if self.tok != Tok::Op(",") {
                    break;
                }
                self.advance(true)?;
            }
        }
        self.expect("}", false)?;
        Ok(pairs)
    }

    fn nud(&mut self) -> Result<Node, Error> {
        let tok = std::mem::replace(&mut self.tok, Tok::End);
        let node = match tok {
            Tok::Num(n) => {
                self.advance(false)?;
                Node::Num(n)
            }
            Tok::Str(s) => {
                self.advance(false)?;
                Node::Str(s)
            }
            Tok::Regex(p, flags) => {
                self.advance(false)?;
                let mut pattern = String::new();
                if flags.contains('i') {
                    pattern.push_str("(?i)");
                }
                if flags.contains('m') {
                    pattern.push_str("(?m)");
                }
                pattern.push_str(&p);
                let re = regex_lite::Regex::new(&pattern)
                    .map_err(|e| syntax("S0303", format!("Invalid regular expression: {e}")))?;
                Node::Regex(Arc::new(re))
            }
            Tok::Var(v) => {
                self.advance(false)?;
                Node::Var(v)
            }
            Tok::Name(n) => {
                let prefix_lambda = n == "function" || n == "λ";
                self.advance(false)?;
                match n.as_str() {
                    "true" => Node::Bool(true),
                    "false" => Node::Bool(false),
                    "null" => Node::Null,
                    _ if prefix_lambda && self.tok == Tok::Op("(") => self.lambda()?,
                    _ => Node::Path {
                        steps: vec![Step {
                            node: Node::Name(n),
                            stages: Vec::new(),
                        }],
                        keep_array: false,
                    },
                }
            }
            Tok::Op(op) => {
                // After a wildcard an operator follows; after the others, an operand.
                self.advance(!matches!(op, "*" | "**"))?;
                match op {
                    "-" => {
                        let e = self.expression(70)?;
                        match e {
                            Node::Num(n) => Node::Num(-n),
                            e => Node::Neg(Box::new(e)),
                        }
                    }
                    "*" | "**" => {
                        let node = if op == "*" {
                            Node::Wildcard
                        } else {
                            Node::Descendants
                        };
                        Node::Path {
                            steps: vec![Step {
                                node,
                                stages: Vec::new(),
                            }],
                            keep_array: false,
                        }
                    }
                    "(" => {
                        let mut items = Vec::new();
                        while self.tok != Tok::Op(")") {
                            items.push(self.expression(0)?);
                            if self.tok != Tok::Op(";") {
                                break;
                            }
                            self.advance(true)?;
                        }
                        self.expect(")", false)?;
                        Node::Block(items)
                    }
                    "[" => Node::Array(self.list("]")?),
                    "{" => Node::Object(self.pairs()?),
                    other => {
                        return Err(syntax(
                            "S0211",
                            format!("The symbol {other} cannot be used as a unary operator"),
                        ));
                    }
                }
            }
            Tok::End => return Err(syntax("S0207", "Unexpected end of expression")),
        };
        Ok(node)
    }

    fn lambda(&mut self) -> Result<Node, Error> {
        self.expect("(", true)?;
        let mut params = Vec::new();
        while self.tok != Tok::Op(")") {
            match &self.tok {
                Tok::Var(v) => params.push(v.clone()),
                _ => {
                    return Err(syntax(
                        "S0208",
                        format!(
                            "Parameter {} of function definition must be a variable name (start with $)",
                            self.describe()
                        ),
                    ));
                }
            }
            self.advance(false)?;
            if self.tok != Tok::Op(",") {
                break;
            }
            self.advance(true)?;
        }
        self.expect(")", false)?;
        self.expect("{", true)?;
        let body = if self.tok == Tok::Op("}") {
            Node::Block(Vec::new())
        } else {
            self.expression(0)?
        };
        self.expect("}", false)?;
        Ok(Node::Lambda(Arc::new(Lambda { params, body })))
    }

    fn led(&mut self, left: Node) -> Result<Node, Error> {
        let tok = std::mem::replace(&mut self.tok, Tok::End);
        let bp = binding_power(&tok);
        let op_name = match &tok {
            Tok::Op(o) => *o,
            Tok::Name(n) if n == "and" => "and",
            Tok::Name(n) if n == "or" => "or",
            Tok::Name(n) if n == "in" => "in",
            _ => return Err(syntax("S0201", "Syntax error")),
        };
        self.advance(true)?;
        let binary = match op_name {
            "+" => Some(Op::Add),
            "-" => Some(Op::Sub),
            "*" => Some(Op::Mul),
            "/" => Some(Op::Div),
            "%" => Some(Op::Mod),
            "=" => Some(Op::Eq),
            "!=" => Some(Op::Ne),
            "<" => Some(Op::Lt),
            "<=" => Some(Op::Le),
            ">" => Some(Op::Gt),
            ">=" => Some(Op::Ge),
            "&" => Some(Op::Concat),
            "and" => Some(Op::And),
            "or" => Some(Op::Or),
            "in" => Some(Op::In),
            ".." => Some(Op::Range),
            "??" => Some(Op::Coalesce),
            "?:" => Some(Op::Elvis),
            _ => None,
        };
        if let Some(op) = binary {
            let right = self.expression(bp)?;
            return Ok(Node::Bin(op, Box::new(left), Box::new(right)));
        }
        match op_name {
            "." => {
                let right = self.expression(bp)?;
                Ok(path_join(left, right))
            }
            "[" => {
                if self.tok == Tok::Op("]") {
                    self.advance(false)?;
                    return Ok(match left {
                        Node::Path { steps, .. } => Node::Path {
                            steps,
                            keep_array: true,
                        },
                        other => Node::KeepArray(Box::new(other)),
                    });
                }
                let pred = self.expression(0)?;
                self.expect("]", false)?;
                Ok(match left {
                    Node::Path {
                        mut steps,
                        keep_array,
                    } => {
                        if let Some(last) = steps.last_mut() {
                            last.stages.push(pred);
                        }
                        Node::Path { steps, keep_array }
                    }
                    other => Node::Filter(Box::new(other), Box::new(pred)),
                })
            }
            "(" => {
                let args = self.list(")")?;
                Ok(Node::Call(Box::new(left), args))
            }
            "{" => Ok(Node::Group(Box::new(left), self.pairs()?)),
            "^" => {
                self.expect("(", true)?;
                let mut terms = Vec::new();
                loop {
                    let descending = match self.tok {
                        Tok::Op(">") => true,
                        Tok::Op("<") => false,
                        _ => {
                            terms.push((self.expression(0)?, false));
                            if self.tok != Tok::Op(",") {
                                break;
                            }
                            self.advance(true)?;
                            continue;
                        }
                    };
                    self.advance(true)?;
                    terms.push((self.expression(0)?, descending));
                    if self.tok != Tok::Op(",") {
                        break;
                    }
                    self.advance(true)?;
                }
                self.expect(")", false)?;
                Ok(Node::Sort(Box::new(left), terms))
            }
            "?" => {
                let then = self.expression(0)?;
                let otherwise = if self.tok == Tok::Op(":") {
                    self.advance(true)?;
                    Some(Box::new(self.expression(0)?))
                } else {
                    None
                };
                Ok(Node::Cond(Box::new(left), Box::new(then), otherwise))
            }
            ":=" => {
                let Node::Var(name) = left else {
                    return Err(syntax(
                        "S0212",
                        "The left side of := must be a variable name (start with $)",
                    ));
                };
                let right = self.expression(bp - 1)?;
                Ok(Node::Bind(name, Box::new(right)))
            }
            "~>" => {
                let right = self.expression(bp)?;
                Ok(Node::Apply(Box::new(left), Box::new(right)))
            }
            other => Err(syntax(
                "S0201",
                format!("Syntax error: {other} is not supported"),
            )),
        }
    }
}

/// `left.right` as one path; `[]` on any step keeps the whole path's
/// result an array.
fn path_join(left: Node, right: Node) -> Node {
    let (mut steps, left_keep) = match left {
        Node::Path { steps, keep_array } => (steps, keep_array),
        other => (
            vec![Step {
                node: other,
                stages: Vec::new(),
            }],
            false,
        ),
    };
    let right_keep = match right {
        Node::Path {
            steps: more,
            keep_array,
        } => {
            steps.extend(more);
            keep_array
        }
        other => {
            steps.push(Step {
                node: other,
                stages: Vec::new(),
            });
            false
        }
    };
    Node::Path {
        steps,
        keep_array: left_keep || right_keep,
    }
}
