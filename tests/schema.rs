//! `modsim schema`: the JSON Schema accepts every scenario of the library and the case
//! library (converted from TOML to JSON as editors do, dates as text), and the file
//! `modsim init` writes; it rejects typos the parser rejects (an unknown key, a
//! misspelt section, a distribution's wrong parameter, a duration without its unit);
//! and its patterns accept exactly what the parsers of durations, dates and clock
//! times accept.

mod common;

use std::path::Path;

use common::{library, modsim, toml_files};
use modsim::scenario::units::{parse_clock_time, parse_datetime, parse_duration};

/// `modsim schema`'s output, compiled: the whole schema and the named definitions.
struct Schema {
    schemas: boon::Schemas,
    root: boon::SchemaIndex,
    compiler: boon::Compiler,
}

const URL: &str = "file:///modsim.schema.json";

impl Schema {
    fn new() -> Schema {
        let out = modsim().arg("schema").output().unwrap();
        assert!(out.status.success());
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut compiler = boon::Compiler::new();
        compiler.add_resource(URL, json).unwrap();
        let mut schemas = boon::Schemas::new();
        let root = compiler.compile(URL, &mut schemas).unwrap();
        Schema { schemas, root, compiler }
    }

    fn accepts(&self, instance: &serde_json::Value) -> Result<(), String> {
        self.schemas.validate(instance, self.root).map_err(|e| format!("{e:#}"))
    }

    /// The definition `name`, compiled.
    fn form(&mut self, name: &str) -> boon::SchemaIndex {
        self.compiler.compile(&format!("{URL}#/definitions/{name}"), &mut self.schemas).unwrap()
    }

    /// Whether the definition `form` accepts `text`.
    fn form_accepts(&self, form: boon::SchemaIndex, text: &str) -> bool {
        self.schemas.validate(&serde_json::Value::String(text.into()), form).is_ok()
    }
}

/// A TOML document as JSON, as Taplo hands it to a schema: dates and times as text.
fn json_of(value: toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        toml::Value::String(s) => J::String(s),
        toml::Value::Integer(i) => J::from(i),
        toml::Value::Float(f) => J::from(f),
        toml::Value::Boolean(b) => J::Bool(b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(a) => J::Array(a.into_iter().map(json_of).collect()),
        toml::Value::Table(t) => J::Object(t.into_iter().map(|(k, v)| (k, json_of(v))).collect()),
    }
}

fn json_of_text(text: &str) -> serde_json::Value {
    json_of(toml::Value::Table(text.parse::<toml::Table>().unwrap()))
}

#[test]
fn every_library_and_case_scenario_is_valid() {
    let schema = Schema::new();
    let library = library();
    let cases = toml_files("scenarios/cases");
    assert!(library.len() >= 9 && cases.len() >= 20, "{} {}", library.len(), cases.len());
    for path in library.iter().chain(&cases) {
        let instance = json_of_text(&std::fs::read_to_string(path).unwrap());
        if let Err(e) = schema.accepts(&instance) {
            panic!("{} does not match the schema:\n{e}", path.display());
        }
    }
}

#[test]
fn the_starting_scenario_is_valid_and_names_the_schema_it_is_written_beside() {
    let schema = Schema::new();
    let dir = tempfile::tempdir().unwrap();
    modsim().current_dir(dir.path()).args(["init", "case.toml"]).assert().success();
    let text = std::fs::read_to_string(dir.path().join("case.toml")).unwrap();
    assert_eq!(text.lines().next(), Some("#:schema ./modsim.schema.json"));
    schema.accepts(&json_of_text(&text)).unwrap();
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("modsim.schema.json")).unwrap()).unwrap();
    let printed: serde_json::Value =
        serde_json::from_slice(&modsim().arg("schema").output().unwrap().stdout).unwrap();
    assert_eq!(written, printed);
}

/// The flagship with `from` replaced by `to`, which must be in it.
fn flagship_with(from: &str, to: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("scenarios/tiktok-indonesia-2018.toml")).unwrap();
    assert!(text.contains(from), "{from}");
    text.replacen(from, to, 1)
}

#[test]
fn typos_are_refused_by_the_schema_as_by_the_parser() {
    let schema = Schema::new();
    let dir = tempfile::tempdir().unwrap();
    for (from, to, why) in [
        ("moderators = 20 ", "moderatros = 20 ", "an unknown key"),
        ("[platform.review]", "[platform.reveiw]", "a misspelt section"),
        ("[[playbook]]", "[[playbok]]", "a misspelt array of tables"),
        (
            "median = \"5d\", p90 = \"20d\"",
            "mean = \"5d\", p90 = \"20d\"",
            "a parameter the distribution lacks",
        ),
        (
            "{ dist = \"exponential\", mean = \"3d\" }",
            "{ dist = \"exponental\", mean = \"3d\" }",
            "a misspelt distribution",
        ),
        ("order_deadline = \"24h\"", "order_deadline = \"24 hours\"", "a duration as words"),
        ("kind = \"age_gate\"", "kind = \"age-gate\"", "an unknown action kind"),
        ("shift_start = \"09:00\"", "shift_start = \"9am\"", "a clock time as words"),
        ("on = \"block\"", "on = { blocked = \"30d\" }", "an unknown condition of `on`"),
        ("lifted_by = \"compliance\"", "lifted_by = \"complied\"", "an unknown lifting path"),
    ] {
        let text = flagship_with(from, to);
        assert!(schema.accepts(&json_of_text(&text)).is_err(), "the schema accepts {why}");
        let path = dir.path().join("typo.toml");
        std::fs::write(&path, &text).unwrap();
        modsim().arg("check").arg(&path).assert().code(2);
    }
}

/// Every string of up to `len` characters from `alphabet`.
fn strings(alphabet: &str, len: usize) -> Vec<String> {
    let mut all = vec![String::new()];
    let mut last = vec![String::new()];
    for _ in 0..len {
        last = last.iter().flat_map(|s| alphabet.chars().map(move |c| format!("{s}{c}"))).collect();
        all.extend(last.iter().cloned());
    }
    all
}

#[test]
fn the_patterns_accept_what_the_parsers_accept() {
    let mut schema = Schema::new();
    let (duration, date, clock_time) =
        (schema.form("Duration"), schema.form("Date"), schema.form("ClockTime"));
    let mut tried = 0;
    let longer = ["1d12h", "1d 12h", "1.5d", "1_000s", " 7d ", "2w3d4h5m6s7ms", "1min30s", "1.2.3d", "1e3s"];
    for text in strings("1.0_ mshdwi", 5).iter().map(String::as_str).chain(longer) {
        let parsed = parse_duration(text).is_ok();
        assert_eq!(
            schema.form_accepts(duration, text),
            parsed,
            "duration {text:?}: the parser says {parsed}"
        );
        tried += 1;
    }
    assert!(tried > 100_000);
    for text in [
        "2018-07-03",
        "2018-07-03T09:00",
        "2018-07-03T09:00:30",
        "2018-07-03 09:00",
        " 2018-07-03 ",
        "2018-7-3",
        "03/07/2018",
        "2018-07-03T9",
        "2018-07-03T9:5",
        "2018-07-03T09:00:61",
        "2018-13-03",
        "2018-07-03T09:00:00Z",
        "July 3",
    ] {
        let parsed = parse_datetime(text).is_ok();
        assert_eq!(schema.form_accepts(date, text), parsed, "date {text:?}: the parser says {parsed}");
    }
    for text in ["09:00", "9:00", "23:59", "00:00", "24:00", "09:60", "9am", "0900", " 09:00 "] {
        let parsed = parse_clock_time(text).is_ok();
        assert_eq!(
            schema.form_accepts(clock_time, text),
            parsed,
            "clock time {text:?}: the parser says {parsed}"
        );
    }
}

#[test]
fn a_schema_directive_on_the_first_line_is_a_comment_to_modsim() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flagship.toml");
    let text = flagship_with("[scenario]", "[scenario]");
    std::fs::write(&path, format!("#:schema ./modsim.schema.json\n{text}")).unwrap();
    modsim().arg("check").arg(&path).assert().success();
}
