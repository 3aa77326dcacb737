//! The language's rules, from the JSONata documentation's examples.

use super::*;
use serde_json::json;

struct NoHost;

impl Host for NoHost {
    fn variable(&self, name: &str) -> Option<Val> {
        (name == "answer").then_some(Val::Num(42.0))
    }
    fn function(&self, _: &str) -> Option<(usize, NativeFn)> {
        None
    }
    fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(1_500_000_000_000).expect("instant")
    }
}

fn eval(expr: &str, input: Value) -> Result<Outcome, Error> {
    Expression::parse(expr)?.evaluate(Some(&input), &NoHost)
}

fn value(expr: &str, input: Value) -> Value {
    match eval(expr, input) {
        Ok(Outcome::Value(v)) => v,
        other => panic!("{expr}: {other:?}"),
    }
}

fn code(expr: &str, input: Value) -> &'static str {
    match eval(expr, input) {
        Err(e) => e.code,
        other => panic!("{expr}: expected an error, got {other:?}"),
    }
}

fn address() -> Value {
    json!({
        "FirstName": "Fred",
        "Surname": "Smith",
        "Age": 28,
        "Address": {"Street": "Hursley Park", "City": "Winchester"},
        "Phone": [
            {"type": "home", "number": "0203 544 1234"},
            {"type": "office", "number": "01962 001234"},
            {"type": "mobile", "number": "077 7700 1234"}
        ],
        "Other": {"Misc": null}
    })
}

#[test]
fn paths_select_and_flatten() {
    let a = address();
    assert_eq!(value("Surname", a.clone()), json!("Smith"));
    assert_eq!(value("Address.City", a.clone()), json!("Winchester"));
    assert_eq!(value("Other.Misc", a.clone()), json!(null));
    assert_eq!(eval("Other.Nothing", a.clone()), Ok(Outcome::Undefined));
    assert_eq!(value("Phone[0].number", a.clone()), json!("0203 544 1234"));
    assert_eq!(value("Phone[-1].type", a.clone()), json!("mobile"));
    assert_eq!(
        value("Phone.number", a.clone()),
        json!(["0203 544 1234", "01962 001234", "077 7700 1234"])
    );
    assert_eq!(
        value("Phone[type='office'].number", a.clone()),
        json!("01962 001234")
    );
    // A singleton sequence is its item, unless `[]` keeps the array.
    assert_eq!(
        value("Phone[type='office'].number[]", a.clone()),
        json!(["01962 001234"])
    );
    // (serde_json keeps an input's keys sorted.)
    assert_eq!(
        value("Address.*", a.clone()),
        json!(["Winchester", "Hursley Park"])
    );
    assert_eq!(value("$.Age", a), json!(28));
    assert_eq!(value("n.* / 2", json!({"n": {"a": 4}})), json!(2));
    assert_eq!(
        value("$count(**.x)", json!({"a": {"x": 1, "b": [{"x": 2}]}})),
        json!(2)
    );
}

#[test]
fn arrays_inside_input_stay_arrays() {
    assert_eq!(value("items", json!({"items": [0]})), json!([0]));
    assert_eq!(value("items", json!({"items": []})), json!([]));
    assert_eq!(
        eval("items[0]", json!({"items": []})),
        Ok(Outcome::Undefined)
    );
    assert_eq!(
        value("a.b", json!({"a": [{"b": [1, 2]}, {"b": [3]}]})),
        json!([1, 2, 3])
    );
    assert_eq!(value("[1, 'two', 3]", json!({})), json!([1, "two", 3]));
    assert_eq!(value("[[1, 2], [3]]", json!({})), json!([[1, 2], [3]]));
    assert_eq!(value("[1..3, 5]", json!({})), json!([1, 2, 3, 5]));
    assert_eq!(value("[1, 2, 3][1]", json!({})), json!(2));
}

#[test]
fn operators() {
    assert_eq!(value("1 + 2 * 3 - 4 / 2", json!({})), json!(5));
    assert_eq!(value("7 % 3", json!({})), json!(1));
    assert_eq!(value("-(1 + 2)", json!({})), json!(-3));
    assert_eq!(
        value("'a' & 1 & true & null", json!({})),
        json!("a1truenull")
    );
    assert_eq!(value("0.1 + 0.2 & ''", json!({})), json!("0.3"));
    assert_eq!(value("1 = 1.0 and 'a' != 'b'", json!({})), json!(true));
    assert_eq!(value("{'a': [1]} = {'a': [1]}", json!({})), json!(true));
    assert_eq!(value("2 in [1, 2]", json!({})), json!(true));
    assert_eq!(value("'a' < 'b' or false", json!({})), json!(true));
    assert_eq!(value("nothing = nothing", json!({})), json!(false));
    assert_eq!(eval("nothing + 1", json!({})), Ok(Outcome::Undefined));
    assert_eq!(
        value("x > 3 ? 'big' : 'small'", json!({"x": 5})),
        json!("big")
    );
    assert_eq!(eval("false ? 1", json!({})), Ok(Outcome::Undefined));
    assert_eq!(value("nothing ?? 'fallback'", json!({})), json!("fallback"));
    assert_eq!(value("'' ?: 'empty'", json!({})), json!("empty"));
    assert_eq!(code("'a' + 1", json!({})), "T2001");
    assert_eq!(code("1 < 'a'", json!({})), "T2009");
    assert_eq!(code("{} < 1", json!({})), "T2010");
    assert_eq!(code("-'a'", json!({})), "D1002");
}

#[test]
fn objects_bindings_and_lambdas() {
    assert_eq!(
        value(
            "{'name': FirstName & ' ' & Surname, 'none': nothing}",
            address()
        ),
        json!({"name": "Fred Smith"})
    );
    assert_eq!(
        value("Phone{type: number}", address()),
        json!({"home": "0203 544 1234", "office": "01962 001234", "mobile": "077 7700 1234"})
    );
    assert_eq!(code("{1: 2}", json!({})), "T1003");
    assert_eq!(
        value("($x := 3; $y := $x * 2; $x + $y)", json!({})),
        json!(9)
    );
    assert_eq!(
        value(
            "($f := function($n) { $n <= 1 ? 1 : $n * $f($n - 1) }; $f(5))",
            json!({})
        ),
        json!(120)
    );
    assert_eq!(value("$answer", json!({})), json!(42));
    assert_eq!(value("[1, 2, 3] ~> $sum()", json!({})), json!(6));
    assert_eq!(value("'abc' ~> $uppercase", json!({})), json!("ABC"));
    assert_eq!(
        eval("function($x) { $x }", json!({})),
        Ok(Outcome::Function)
    );
    assert_eq!(code("$nothing()", json!({})), "T1006");
    assert_eq!(code("nothing()", json!({})), "T1005");
    assert_eq!(
        code("($f := function() { $f() }; $f())", json!({})),
        "U1001"
    );
}

#[test]
fn order_by() {
    let orders = json!({"o": [
        {"p": "b", "n": 2}, {"p": "a", "n": 2}, {"p": "c", "n": 1}, {"p": "d"}
    ]});
    assert_eq!(
        value("o^(n).p", orders.clone()),
        json!(["c", "b", "a", "d"])
    );
    assert_eq!(
        value("o^(>n, p).p", orders.clone()),
        json!(["a", "b", "c", "d"])
    );
    assert_eq!(value("[3, 1, 2]^($)", json!({})), json!([1, 2, 3]));
    assert_eq!(code("o^(p = 'a')", orders.clone()), "T2008");
    assert_eq!(code("[1, 'a']^($)", json!({})), "T2007");
}

#[test]
fn parse_errors_have_codes() {
    for (text, c) in [
        ("'open", "S0101"),
        ("(1", "S0203"),
        ("1 +", "S0207"),
        ("1 2", "S0201"),
        ("/*", "S0106"),
        ("$contains('a', /a)", "S0302"),
        ("5 := 3", "S0212"),
    ] {
        assert_eq!(
            Expression::parse(text).map(|_| ()).unwrap_err().code,
            c,
            "{text}"
        );
    }
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    let deep = "(".repeat(10_000) + "1" + &")".repeat(10_000);
    assert_eq!(
        Expression::parse(&deep).map(|_| ()).unwrap_err().code,
        "S0201"
    );
    let chain = vec!["1"; 10_000].join(" + ");
    assert_eq!(
        Expression::parse(&chain).map(|_| ()).unwrap_err().code,
        "S0201"
    );
    let fine = "(".repeat(60) + &vec!["1"; 60].join(" + ") + &")".repeat(60);
    assert_eq!(Expression::parse(&fine).map(|_| ()), Ok(()));
}

#[test]
fn string_functions() {
    let v = |e: &str| value(e, json!({}));
    assert_eq!(v("$string(5)"), json!("5"));
    assert_eq!(v("$string({'a': [1, 2.5]})"), json!("{\"a\":[1,2.5]}"));
    assert_eq!(v("$length('héllo')"), json!(5));
    assert_eq!(v("$substring('Hello World', 3)"), json!("lo World"));
    assert_eq!(v("$substring('Hello World', 3, 5)"), json!("lo Wo"));
    assert_eq!(v("$substring('Hello World', -4)"), json!("orld"));
    assert_eq!(v("$substringBefore('Hello World', ' ')"), json!("Hello"));
    assert_eq!(v("$substringAfter('Hello World', ' ')"), json!("World"));
    assert_eq!(v("$trim('  a   b  ')"), json!("a b"));
    assert_eq!(v("$pad('5', -3, '0')"), json!("005"));
    assert_eq!(v("$contains('abracadabra', 'bra')"), json!(true));
    assert_eq!(v("$contains('hello$world', /^hello\\$/)"), json!(true));
    assert_eq!(v("$contains('Hello', /hello/i)"), json!(true));
    assert_eq!(v("$split('a,b,c', ',')"), json!(["a", "b", "c"]));
    assert_eq!(v("$split('a, b;c', /[,;] ?/, 2)"), json!(["a", "b"]));
    assert_eq!(v("$join(['a', 'b'], '-')"), json!("a-b"));
    assert_eq!(
        v("$replace('John Smith', /(\\w+)\\s(\\w+)/, '$2, $1')"),
        json!("Smith, John")
    );
    assert_eq!(v("$replace('aaa', 'a', 'b', 2)"), json!("bba"));
    assert_eq!(v("$match('ab12cd34', /\\d+/).match"), json!(["12", "34"]));
    assert_eq!(v("$uppercase('abc') & $lowercase('DEF')"), json!("ABCdef"));
    assert_eq!(
        v("$base64encode('myuser:mypass')"),
        json!("bXl1c2VyOm15cGFzcw==")
    );
    assert_eq!(
        v("$base64decode('bXl1c2VyOm15cGFzcw==')"),
        json!("myuser:mypass")
    );
    assert_eq!(v("$encodeUrlComponent('?x=test')"), json!("%3Fx%3Dtest"));
    assert_eq!(
        v("$encodeUrl('https://mozilla.org/?x=шеллы')"),
        json!("https://mozilla.org/?x=%D1%88%D0%B5%D0%BB%D0%BB%D1%8B")
    );
    assert_eq!(v("$decodeUrlComponent('%3Fx%3Dtest')"), json!("?x=test"));
    assert_eq!(code("$decodeUrl('%E0%A4%A')", json!({})), "D3140");
}

#[test]
fn numeric_and_aggregate_functions() {
    let v = |e: &str| value(e, json!({}));
    assert_eq!(v("$number('2')"), json!(2));
    assert_eq!(v("$number('0x1F')"), json!(31));
    assert_eq!(v("$number(true)"), json!(1));
    assert_eq!(code("$number('abc')", json!({})), "D3030");
    assert_eq!(v("$round(2.5)"), json!(2));
    assert_eq!(v("$round(3.5)"), json!(4));
    assert_eq!(v("$round(123.456, 2)"), json!(123.46));
    assert_eq!(v("$round(125, -1)"), json!(120));
    assert_eq!(v("[$floor(-1.5), $ceil(1.2), $abs(-3)]"), json!([-2, 2, 3]));
    assert_eq!(v("$power(2, 10)"), json!(1024));
    assert_eq!(v("$sqrt(16)"), json!(4));
    assert_eq!(
        v("[$formatBase(100, 2), $formatBase(2555, 16), $formatBase(-10, 10)]"),
        json!(["1100100", "9fb", "-10"])
    );
    assert_eq!(code("$formatBase(1, 40)", json!({})), "D3100");
    assert_eq!(v("$sort($shuffle([1, 2, 3]))"), json!([1, 2, 3]));
    assert_eq!(
        v("[$sum([1, 2, 3]), $max([1, 5]), $min([4, 2]), $average([1, 2])]"),
        json!([6, 5, 2, 1.5])
    );
    assert_eq!(code("$sum(['a'])", json!({})), "T0412");
    assert_eq!(
        v("[$count([1, 2]), $count(nothing), $count(7)]"),
        json!([2, 0, 1])
    );
}

#[test]
fn array_object_and_higher_order_functions() {
    let v = |e: &str| value(e, json!({}));
    assert_eq!(v("$append([1], 2)"), json!([1, 2]));
    assert_eq!(v("$reverse([1, 2, 3])"), json!([3, 2, 1]));
    assert_eq!(v("$distinct([1, 2, 1, 'a', 'a'])"), json!([1, 2, "a"]));
    assert_eq!(v("$sort([3, 1, 2])"), json!([1, 2, 3]));
    assert_eq!(
        v("$sort([3, 1, 2], function($a, $b) { $a < $b })"),
        json!([3, 2, 1])
    );
    assert_eq!(
        v("$zip([1, 2, 3], ['a', 'b'])"),
        json!([[1, "a"], [2, "b"]])
    );
    assert_eq!(v("$keys({'a': 1, 'b': 2})"), json!(["a", "b"]));
    assert_eq!(v("$lookup({'a': 1}, 'a')"), json!(1));
    assert_eq!(
        v("$merge([{'a': 1}, {'b': 2, 'a': 3}])"),
        json!({"a": 3, "b": 2})
    );
    assert_eq!(v("$spread({'a': 1, 'b': 2})"), json!([{"a": 1}, {"b": 2}]));
    assert_eq!(
        v("$each({'a': 1}, function($v, $k) { $k & $v })"),
        json!("a1")
    );
    assert_eq!(
        v("$sift({'a': 1, 'b': 2}, function($v) { $v > 1 })"),
        json!({"b": 2})
    );
    assert_eq!(
        v("$map([1, 2, 3], function($x, $i) { $x * $i })"),
        json!([0, 2, 6])
    );
    assert_eq!(
        v("$filter([1, 2, 3, 4], function($x) { $x % 2 = 0 })"),
        json!([2, 4])
    );
    assert_eq!(
        v("$reduce([1, 2, 3, 4], function($a, $x) { $a + $x })"),
        json!(10)
    );
    assert_eq!(
        v("$reduce([1, 2], function($a, $x) { $a + $x }, 10)"),
        json!(13)
    );
    assert_eq!(v("$single([1, 2, 3], function($x) { $x = 2 })"), json!(2));
    assert_eq!(code("$single([1, 2])", json!({})), "D3138");
    assert_eq!(v("[$exists(nothing), $exists(null)]"), json!([false, true]));
    assert_eq!(
        v("[$type(1), $type('a'), $type([]), $type({}), $type(null), $type(true)]"),
        json!(["number", "string", "array", "object", "null", "boolean"])
    );
    assert_eq!(
        v("[$boolean([]), $boolean([0, 1]), $not('')]"),
        json!([false, true, true])
    );
    assert_eq!(code("$error('stop')", json!({})), "D3137");
}

#[test]
fn time_comes_from_the_host() {
    let v = |e: &str| value(e, json!({}));
    assert_eq!(v("$now()"), json!("2017-07-14T02:40:00.000Z"));
    assert_eq!(v("$millis()"), json!(1_500_000_000_000i64));
    assert_eq!(
        v("$toMillis('2017-07-14T02:40:00.000Z')"),
        json!(1_500_000_000_000i64)
    );
    assert_eq!(v("$fromMillis(0)"), json!("1970-01-01T00:00:00.000Z"));
}

proptest::proptest! {
    /// Whatever the text, parsing and evaluating give a value or an error,
    /// never a panic.
    #[test]
    fn arbitrary_text_never_panics(text in "[a-cé`$.\\[\\]{}():,;?<>=!&*/%^~0-9 '\"-]{0,40}") {
        if let Ok(e) = Expression::parse(&text) {
            let _ = e.evaluate(Some(&json!({"a": [1, {"b": 2}], "c": "x"})), &NoHost);
        }
    }
}
