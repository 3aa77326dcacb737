//! Compiling a field's JSON into a template of either query language, with
//! every object or array that holds nothing to evaluate folded back into
//! one constant, so running a state copies its literal parts whole.

use crate::error::DefinitionError;
use serde_json::Value;

/// A compiled template: what each language evaluates, and how it holds a
/// constant, an object and an array.
pub(crate) trait Node: Sized {
    fn lit(v: Value) -> Self;
    fn is_lit(&self) -> bool;
    fn obj(fields: Vec<(String, Self)>) -> Self;
    fn arr(items: Vec<Self>) -> Self;
    /// An object member this language evaluates (JSONPath's `"key.$"`),
    /// under the name it takes in the result; `None` compiles it as JSON.
    fn member(key: &str, v: &Value) -> Result<Option<(String, Self)>, DefinitionError>;
    /// A string, number, boolean or null (JSONata's `{% … %}` strings).
    fn scalar(v: &Value) -> Result<Self, DefinitionError>;
}

/// The template of `v`, folded where it is constant.
pub(crate) fn compile<T: Node>(v: &Value) -> Result<T, DefinitionError> {
    let t = match v {
        Value::Object(o) => {
            let mut fields = Vec::with_capacity(o.len());
            for (k, v) in o {
                fields.push(match T::member(k, v)? {
                    Some(field) => field,
                    None => (k.clone(), compile(v)?),
                });
            }
            if fields.iter().all(|(_, t)| t.is_lit()) {
                T::lit(v.clone())
            } else {
                T::obj(fields)
            }
        }
        Value::Array(a) => {
            let items = a.iter().map(compile).collect::<Result<Vec<T>, _>>()?;
            if items.iter().all(T::is_lit) {
                T::lit(v.clone())
            } else {
                T::arr(items)
            }
        }
        other => T::scalar(other)?,
    };
    Ok(t)
}
