//! The JSON Schema of the scenario format (`modsim schema`), derived from the raw
//! structs that parse it (`raw.rs`), so that a key the parser takes is a key the schema
//! describes. Editors that read JSON Schema (Taplo, Even Better TOML) then flag an
//! unknown key or a misspelt section as it is typed.
//!
//! Draft 7, which editors support widely. A scenario file points at the schema with a
//! first line `#:schema ./modsim.schema.json`, a TOML comment to modsim.

use std::borrow::Cow;

use schemars::generate::SchemaSettings;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};

use super::raw::{RawDist, RawOn, RawScenario, DISTRIBUTIONS};
use super::schema_forms::Duration;

/// The schema, as JSON.
pub fn scenario_schema() -> serde_json::Value {
    let mut schema = SchemaSettings::draft07().into_generator().into_root_schema_for::<RawScenario>();
    schema.insert("title".into(), "modsim scenario".into());
    schema.insert(
        "description".into(),
        format!(
            "A modsim {} scenario file (docs/scenario-format.md). Write it with `modsim schema > modsim.schema.json`.",
            env!("CARGO_PKG_VERSION")
        )
        .into(),
    );
    let mut value = schema.to_value();
    without_null(&mut value);
    value
}

/// `value` with null taken out of every schema in it: an `Option` field allows null in
/// JSON, but TOML has no null (a key left out is the only way to leave a value unset).
fn without_null(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(types)) = map.get_mut("type") {
                types.retain(|t| t != "null");
                if let [only] = types.as_slice() {
                    let only = only.clone();
                    map.insert("type".into(), only);
                }
            }
            if let Some(Value::Array(forms)) = map.get_mut("anyOf") {
                forms.retain(|f| f.get("type").is_none_or(|t| t != "null"));
                if let [only] = forms.as_slice() {
                    let only = only.clone();
                    map.remove("anyOf");
                    if let Value::Object(only) = only {
                        map.extend(only);
                    }
                }
            }
            map.values_mut().for_each(without_null);
        }
        Value::Array(items) => items.iter_mut().for_each(without_null),
        _ => {}
    }
}

// Hand-written as its `Deserialize` is: a duration, or a table naming one distribution
// and exactly the parameters it takes.
impl JsonSchema for RawDist {
    fn schema_name() -> Cow<'static, str> {
        "RandomDuration".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let duration = generator.subschema_for::<Duration>();
        let mut forms = vec![duration.clone()];
        for (dist, parameters) in DISTRIBUTIONS {
            let mut properties = serde_json::Map::new();
            properties.insert("dist".into(), serde_json::json!({ "const": dist }));
            for p in parameters {
                properties.insert((*p).into(), duration.clone().into());
            }
            let mut required = vec!["dist"];
            required.extend(parameters);
            forms.push(json_schema!({
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": false
            }));
        }
        json_schema!({
            "description": "A random duration: a duration (fixed), or a table naming the distribution and its parameters, e.g. { dist = \"lognormal\", median = \"5d\", p90 = \"20d\" }.",
            "oneOf": forms
        })
    }
}

// Hand-written as its `Deserialize` is: a name or a date, or a table of one condition.
impl JsonSchema for RawOn {
    fn schema_name() -> Cow<'static, str> {
        "On".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let duration = generator.subschema_for::<Duration>();
        json_schema!({
            "description": "What sets it in motion: \"start\", \"first_order\", a ladder step's, action's or outside event's name, a date, { blocked_for = DURATION } or { revenue_lost = AMOUNT }.",
            "oneOf": [
                { "type": "string" },
                {
                    "type": "object",
                    "properties": { "blocked_for": duration },
                    "required": ["blocked_for"],
                    "additionalProperties": false
                },
                {
                    "type": "object",
                    "properties": { "revenue_lost": { "type": "number" } },
                    "required": ["revenue_lost"],
                    "additionalProperties": false
                }
            ]
        })
    }
}
