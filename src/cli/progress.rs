//! The progress bar on stderr and the Ctrl-C flag that the running experiment polls.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::experiment;
use crate::output::publish;

/// Set by Ctrl-C while an experiment runs.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Whether an experiment runs and polls [`INTERRUPTED`].
static EXPERIMENT_RUNNING: AtomicBool = AtomicBool::new(false);

/// Exit code of a command stopped by Ctrl-C (128 + SIGINT, the shell's convention).
pub(super) const INTERRUPTED_EXIT: u8 = 130;

/// Makes Ctrl-C ask a running experiment to stop, leaving the output folder as it was;
/// any other work (checking, tracing, loading sweep points, rebuilding a report, which
/// writes nothing until it swaps its files in) stops at once with exit code 130.
pub(super) fn stop_on_ctrl_c() {
    let _ = ctrlc::set_handler(|| {
        if EXPERIMENT_RUNNING.load(Ordering::SeqCst) {
            INTERRUPTED.store(true, Ordering::SeqCst);
        } else {
            std::process::exit(i32::from(INTERRUPTED_EXIT));
        }
    });
}

/// Makes Ctrl-C ask a running calibration to stop (as [`Progress::new`] does for an
/// experiment).
pub(super) fn start_polling() {
    EXPERIMENT_RUNNING.store(true, Ordering::SeqCst);
}

/// Whether Ctrl-C asked the running command to stop.
pub(super) fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::Relaxed)
}

/// A progress bar on stderr, shown only on a terminal and only once a run has taken
/// longer than a moment.
pub(super) struct Progress {
    bar: ProgressBar,
    started: Instant,
    interactive: bool,
}

impl Progress {
    /// The progress of an experiment about to start: from now on Ctrl-C asks it to stop.
    pub fn new() -> Progress {
        EXPERIMENT_RUNNING.store(true, Ordering::SeqCst);
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} replications, {eta} left") {
            bar.set_style(style);
        }
        Progress { bar, started: Instant::now(), interactive: std::io::stderr().is_terminal() }
    }
}

impl experiment::Progress for Progress {
    fn planned(&self, n: u64) {
        self.bar.inc_length(n);
    }

    fn cancelled(&self) -> bool {
        INTERRUPTED.load(Ordering::Relaxed)
    }

    fn done(&self) {
        self.bar.inc(1);
        if self.interactive && self.bar.is_hidden() && self.started.elapsed() > Duration::from_millis(500) {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }
}

impl publish::Progress for Progress {
    fn finished(&self) {
        self.bar.finish_and_clear();
    }
}
