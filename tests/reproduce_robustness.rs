//! `modsim run --reproduce` on run.json files that are damaged or hostile: it answers
//! with an exit code and a message (0 reproduced or not compared, 1 not reproduced,
//! 2 bad input), never a panic. Property tests: random bytes, and real run.json files
//! with one field replaced by an odd value.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::modsim;
use proptest::prelude::*;

/// The run.json of a small real run, made once.
fn recorded() -> &'static (tempfile::TempDir, String) {
    static RECORD: OnceLock<(tempfile::TempDir, String)> = OnceLock::new();
    RECORD.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("run");
        common::small_run("tests/scenarios/hand-computed.toml", 2, &out);
        let text = std::fs::read_to_string(out.join("run.json")).unwrap();
        (dir, text)
    })
}

/// Runs `--reproduce` on `record` written to a fresh folder; returns the exit code and
/// stderr.
fn reproduce(record: &[u8]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let file: PathBuf = dir.path().join("run.json");
    std::fs::write(&file, record).unwrap();
    let out = modsim()
        .args(["run", "--reproduce"])
        .arg(&file)
        .arg("--out")
        .arg(dir.path().join("again"))
        .args(["--threads", "1"])
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn answers_without_panicking(code: Option<i32>, stderr: &str) -> Result<(), TestCaseError> {
    prop_assert!(matches!(code, Some(0..=2)), "exit {code:?}: {stderr}");
    prop_assert!(!stderr.contains("panicked"), "{stderr}");
    Ok(())
}

/// Odd values for a field of run.json.
fn odd_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::json;
    prop_oneof![
        Just(json!(null)),
        Just(json!(-1)),
        Just(json!(0)),
        Just(json!(18446744073709551615u64)),
        Just(json!(1e308)),
        Just(json!("")),
        Just(json!("abc")),
        Just(json!([])),
        Just(json!(["/dev/zero"])),
        Just(json!({})),
        Just(json!(["platform.review.moderators=-5"])),
        any::<i64>().prop_map(|n| json!(n)),
        "[a-z0-9_.=/]{0,20}".prop_map(|s| json!(s)),
    ]
}

proptest! {
    // Each case starts the binary (and may run a small simulation): few cases.
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn random_bytes_are_refused_without_a_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let (code, stderr) = reproduce(&bytes);
        answers_without_panicking(code, &stderr)?;
        prop_assert_ne!(code, Some(0), "random bytes reproduced: {}", stderr);
    }

    #[test]
    fn a_real_record_with_one_odd_field_is_answered_without_a_panic(
        field in 0usize..40, value in odd_value()
    ) {
        let (_, text) = recorded();
        let mut record: serde_json::Value = serde_json::from_str(text).unwrap();
        let object = record.as_object_mut().unwrap();
        let keys: Vec<String> = object.keys().cloned().collect();
        let key = &keys[field % keys.len()];
        object.insert(key.clone(), value);
        let bytes = serde_json::to_vec_pretty(&record).unwrap();
        let (code, stderr) = reproduce(&bytes);
        answers_without_panicking(code, &stderr)?;
    }
}

#[test]
fn the_untouched_record_reproduces() {
    // The property above can only pass for the right reason if the real record works.
    let (dir, text) = recorded();
    assert!(Path::new(&dir.path().join("run")).is_dir());
    let (code, stderr) = reproduce(text.as_bytes());
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn a_record_naming_a_device_is_refused_without_reading_it_all() {
    // A run.json whose scenario file is /dev/zero made --reproduce read until the
    // process was killed for want of memory; and so did `--reproduce /dev/zero`.
    if !Path::new("/dev/zero").exists() {
        return;
    }
    let (_, text) = recorded();
    let mut record: serde_json::Value = serde_json::from_str(text).unwrap();
    record["scenario_files"] = serde_json::json!(["/dev/zero"]);
    let (code, stderr) = reproduce(&serde_json::to_vec(&record).unwrap());
    assert!(matches!(code, Some(1 | 2)), "exit {code:?}: {stderr}");
    assert!(stderr.contains("more than 10485760 bytes"), "{stderr}");
    let out = modsim().args(["run", "--reproduce", "/dev/zero"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is larger than"), "{stderr}");
}
