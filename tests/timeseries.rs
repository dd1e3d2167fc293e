//! The time series on the fixed grid: its fan-chart quantiles against exact quantiles
//! of the replications' own samples, and its block probability against blocks.csv.

mod common;

use common::modsim;
use modsim::experiment::timeseries::{BAND_QUANTILES, QUANTILE_RELATIVE_ACCURACY};
use modsim::experiment::{run, RunConfig};
use modsim::model::{grid, run_replication};

#[test]
fn fan_quantiles_match_exact_quantiles_of_the_replications() {
    let loaded =
        modsim::scenario::load(std::path::Path::new("scenarios/tiktok-indonesia-2018.toml")).unwrap();
    let s = &loaded.scenario;
    let n = 120;
    let config = RunConfig { replications: n, seed: 7, threads: 2 };
    let results = run(s, &config, &()).unwrap();
    let ts = &results.timeseries;
    assert_eq!(ts.times, grid(s));
    assert_eq!(ts.n, n);
    // The same replications, played one by one, give the exact per-instant samples.
    let samples: Vec<_> = (0..n).map(|r| run_replication(s, 7, r, false).series).collect();
    assert!(samples.iter().all(|x| x.len() == ts.times.len()));
    let mut checked = 0;
    for i in (0..ts.times.len()).step_by(7) {
        let mut visible: Vec<u64> = samples.iter().map(|x| x[i].visible_violating).collect();
        visible.sort_unstable();
        for q in BAND_QUANTILES {
            // The sketch's rank convention: floor(q (n - 1)).
            let exact = visible[(q * (n - 1) as f64) as usize] as f64;
            let got = ts.visible_violating[i].quantile(q);
            assert!(
                (got - exact).abs() <= exact * QUANTILE_RELATIVE_ACCURACY + 0.5,
                "instant {i}, q {q}: sketch {got}, exact {exact}"
            );
            checked += 1;
        }
        let mean = visible.iter().sum::<u64>() as f64 / n as f64;
        assert!((ts.visible_violating[i].mean(n) - mean).abs() < 1e-6 * mean.max(1.0));
        let blocked = samples.iter().filter(|x| x[i].blocked).count() as f64 / n as f64;
        assert_eq!(ts.blocked_probability(i), blocked);
    }
    assert!(checked > 200);
    // The traced replication's samples are replication 0's.
    assert_eq!(ts.traced, samples[0]);
}

#[test]
fn block_probability_over_time_agrees_with_blocks_csv() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let status = modsim()
        .args(["run", "scenarios/tiktok-indonesia-2018.toml", "--replications", "60", "--no-charts", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(status.status.success());
    let read = |f: &str| csv::Reader::from_path(out.join(f)).unwrap();
    let mut blocks = read("blocks.csv");
    let header = blocks.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (rep, start, end) = (col("replication"), col("start"), col("end"));
    let spans: Vec<(u64, f64, f64)> = blocks
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[rep].parse().unwrap(), r[start].parse().unwrap(), r[end].parse().unwrap_or(f64::INFINITY))
        })
        .collect();
    assert!(!spans.is_empty());
    let mut series = read("timeseries.csv");
    let header = series.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (time, p, traced) = (col("time_days"), col("blocked_probability"), col("traced_blocked"));
    let mut rows = 0;
    for r in series.records() {
        let r = r.unwrap();
        let t: f64 = r[time].parse().unwrap();
        let covered = |replication: u64| spans.iter().any(|&(k, s, e)| k == replication && s <= t && t < e);
        let expected = (0..60).filter(|&k| covered(k)).count() as f64 / 60.0;
        let got: f64 = r[p].parse().unwrap();
        // A block that ends exactly at a grid instant may be counted either way.
        assert!((got - expected).abs() <= 1.0 / 60.0 + 1e-12, "day {t}: {got} vs {expected} from blocks.csv");
        assert_eq!(&r[traced] == "1", covered(0), "day {t}: traced replication");
        rows += 1;
    }
    assert_eq!(rows, 366, "a point a day for 365 days, and day 0");
}

#[test]
fn time_series_fold_is_the_same_for_any_thread_count_over_several_chunks() {
    // 600 replications span three folds of the time series (256 at a time).
    let dir = tempfile::tempdir().unwrap();
    let table = |threads: &str| {
        let out = dir.path().join(format!("t{threads}"));
        let status = modsim()
            .args(["run", "scenarios/registration-block-2022.toml", "--replications", "600", "--no-charts"])
            .args(["--threads", threads, "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(status.status.success());
        std::fs::read(out.join("timeseries.csv")).unwrap()
    };
    assert!(table("1") == table("2"), "timeseries.csv differs between --threads 1 and 2");
}
