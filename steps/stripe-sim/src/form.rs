//! Stripe's form encoding (`a[b][0][c]=v`) read into a JSON tree, so handlers read
//! parameters by path and idempotent replays compare parameters structurally.

use serde_json::{Map, Value};

use crate::error::ApiError;

/// Parses an `application/x-www-form-urlencoded` body (or query string).
pub fn parse(body: &[u8]) -> Result<Value, ApiError> {
    let mut root = Value::Object(Map::new());
    for (key, value) in form_urlencoded::parse(body) {
        let path = split_key(&key)
            .ok_or_else(|| ApiError::invalid(format!("Invalid parameter name: {key}"), None))?;
        insert(&mut root, &path, value.into_owned(), &key)?;
    }
    Ok(normalize(root))
}

/// `a[b][]` → `["a", "b", ""]`.
fn split_key(key: &str) -> Option<Vec<String>> {
    let (head, mut rest) = match key.find('[') {
        Some(i) => (&key[..i], &key[i..]),
        None => (key, ""),
    };
    if head.is_empty() {
        return None;
    }
    let mut path = vec![head.to_owned()];
    while !rest.is_empty() {
        let close = rest.find(']')?;
        if !rest.starts_with('[') {
            return None;
        }
        path.push(rest[1..close].to_owned());
        rest = &rest[close + 1..];
    }
    Some(path)
}

fn insert(node: &mut Value, path: &[String], value: String, key: &str) -> Result<(), ApiError> {
    let conflict = || ApiError::invalid(format!("Invalid parameter: {key}"), Some(key));
    let Value::Object(map) = node else {
        return Err(conflict());
    };
    let (first, rest) = path.split_first().expect("paths are never empty");
    // `a[]=x` appends: give it the next free index.
    let name = if first.is_empty() {
        map.len().to_string()
    } else {
        first.clone()
    };
    if rest.is_empty() {
        if map.insert(name, Value::String(value)).is_some() {
            return Err(conflict());
        }
        return Ok(());
    }
    let child = map.entry(name).or_insert_with(|| Value::Object(Map::new()));
    insert(child, rest, value, key)
}

/// Objects whose keys are exactly 0..n become arrays.
fn normalize(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let is_array =
                !map.is_empty() && (0..map.len()).all(|i| map.contains_key(&i.to_string()));
            if is_array {
                let mut map = map;
                Value::Array(
                    (0..map.len())
                        .map(|i| normalize(map.remove(&i.to_string()).expect("checked")))
                        .collect(),
                )
            } else {
                Value::Object(map.into_iter().map(|(k, v)| (k, normalize(v))).collect())
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn nested_keys_become_objects_and_arrays() {
        let body = b"mode=payment&line_items%5B0%5D%5Bprice_data%5D%5Bunit_amount%5D=9967&line_items[0][quantity]=1\
&metadata[campaignId]=team-creation&payment_method_types[]=card&payment_method_types[]=au_becs_debit";
        assert_eq!(
            super::parse(body).unwrap(),
            json!({
                "mode": "payment",
                "line_items": [{"price_data": {"unit_amount": "9967"}, "quantity": "1"}],
                "metadata": {"campaignId": "team-creation"},
                "payment_method_types": ["card", "au_becs_debit"],
            })
        );
    }

    #[test]
    fn malformed_or_repeated_keys_are_rejected() {
        assert!(super::parse(b"a[b=1").is_err());
        assert!(super::parse(b"a=1&a=2").is_err());
        assert!(super::parse(b"=1").is_err());
    }
}
