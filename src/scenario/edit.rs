//! Scenario fields changed by JSON path (`sweep --vary devices[0].network.mean_offline=10m,1h`):
//! the file's JSON is edited and validated again, so an edited field is checked exactly like a
//! written one.

use serde_json::Value;

/// Whether a `--vary` name is a JSON path into the scenario (rather than a parameter name).
pub fn is_json_path(name: &str) -> bool {
    name.contains('.') || name.contains('[')
}

/// A value as written on the command line: JSON if it parses as JSON (`3`, `0.5`, `true`,
/// `"text"`, `[…]`), a string otherwise (`10m`, `08:00`).
pub fn parse_value(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

/// Sets `path` (`a.b[2].c`) in `root` to `value`. Every object and array on the way must
/// exist; the last key may be new (a field the file left to its default).
pub fn set_path(root: &mut Value, path: &str, value: Value) -> Result<(), String> {
    let mut steps: Vec<Step> = Vec::new();
    for part in path.split('.') {
        let (key, rest) = part.split_at(part.find('[').unwrap_or(part.len()));
        if !key.is_empty() {
            steps.push(Step::Key(key.to_string()));
        }
        let mut rest = rest;
        while let Some(r) = rest.strip_prefix('[') {
            let close = r
                .find(']')
                .ok_or_else(|| format!("expected `]` in {path:?}"))?;
            let index = r[..close].parse::<usize>().map_err(|_| {
                format!("expected an array index in {path:?}, got {:?}", &r[..close])
            })?;
            steps.push(Step::Index(index));
            rest = &r[close + 1..];
        }
        if !rest.is_empty() || (key.is_empty() && part.is_empty()) {
            return Err(format!(
                "expected a path such as devices[0].network.mean_offline, got {path:?}"
            ));
        }
    }
    let Some((last, walk)) = steps.split_last() else {
        return Err(format!(
            "expected a path such as devices[0].network.mean_offline, got {path:?}"
        ));
    };
    let mut node = root;
    let mut at = String::new();
    for step in walk {
        node = match step {
            Step::Key(k) => {
                at.push_str(&format!(".{k}"));
                node.get_mut(k.as_str())
            }
            Step::Index(i) => {
                at.push_str(&format!("[{i}]"));
                node.get_mut(*i)
            }
        }
        .ok_or_else(|| format!("the scenario has no {}", at.trim_start_matches('.')))?;
    }
    match (last, node) {
        (Step::Key(k), Value::Object(m)) => {
            m.insert(k.clone(), value);
            Ok(())
        }
        (Step::Index(i), Value::Array(a)) if *i < a.len() => {
            a[*i] = value;
            Ok(())
        }
        _ => Err(format!("the scenario has no {path}")),
    }
}

enum Step {
    Key(String),
    Index(usize),
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_set_nested_fields_and_new_keys() {
        let mut v = json!({ "devices": [{ "network": { "mean_offline": "1m" } }] });
        set_path(
            &mut v,
            "devices[0].network.mean_offline",
            parse_value("10m"),
        )
        .unwrap();
        set_path(
            &mut v,
            "devices[0].crashes",
            parse_value(r#"{"rate_per_day": 3}"#),
        )
        .unwrap();
        assert_eq!(
            v,
            json!({ "devices": [{ "network": { "mean_offline": "10m" }, "crashes": { "rate_per_day": 3 } }] })
        );
        assert_eq!(
            set_path(&mut v, "devices[2].count", json!(1)).unwrap_err(),
            "the scenario has no devices[2]"
        );
        assert!(set_path(&mut v, "devices[x].count", json!(1)).is_err());
        assert_eq!(parse_value("0.5"), json!(0.5));
        assert_eq!(parse_value("true"), json!(true));
    }
}
