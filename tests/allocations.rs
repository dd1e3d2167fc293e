//! The step loop does not allocate: buffers are kept from one step to the next, so a
//! replication's allocations grow with what happens in it (orders, blocks, the notes
//! they write), not with its steps.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::Path;

use modsim::model::run_replication;
use modsim::scenario;

/// The system allocator, counting the allocations of each thread.
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count() {
    ALLOCATIONS.with(|n| n.set(n.get() + 1));
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The allocations of one replication of the flagship with `overrides`.
fn allocations(overrides: &[&str]) -> u64 {
    let overrides: Vec<_> = overrides.iter().map(|o| o.parse().expect("override parses")).collect();
    let loaded = scenario::load_with(Path::new("scenarios/tiktok-indonesia-2018.toml"), &overrides);
    let s = loaded.expect("the flagship loads").scenario;
    let before = ALLOCATIONS.with(Cell::get);
    let outcome = run_replication(&s, s.seed(), 1, false);
    let after = ALLOCATIONS.with(Cell::get);
    drop(outcome);
    after - before
}

#[test]
fn a_replication_allocates_nothing_per_step() {
    // The flagship's count processes and review queue, and a cleanup sweeping from
    // the start to the end; no findings, so no orders and no ladder.
    let quiet = [
        "regulator.crawler_samples_per_day=0",
        "regulator.complaints_per_violating_view=0",
        "playbook.cleanup.on=start",
        "playbook.cleanup.items_per_day=5",
    ];
    let horizon = |days: &'static str| [&quiet[..], &[days]].concat();
    let month = allocations(&horizon("scenario.horizon=30d"));
    let year = allocations(&horizon("scenario.horizon=360d"));
    // 7,920 more hourly steps. The buffers that grow with the run (the queue's
    // cohorts, the time grid, the outcome) double a few dozen times at most.
    assert!(year - month < 100, "{month} allocations in 30 days, {year} in 360");
    assert!(month > 0, "the counting allocator counts");
}

#[test]
fn the_flagship_allocates_per_event_not_per_step() {
    // With its orders, blocks and notes: about a hundred orders a year, each writing a
    // few notes, far fewer allocations than its 8,760 steps.
    let year = allocations(&[]);
    assert!(year < 8_760 / 2, "{year} allocations in a year of hourly steps");
}
