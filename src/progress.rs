//! How far long work has got (an import's phases, `generate`): on a
//! terminal a bar per phase (indicatif: done of total, rate, time left), and
//! otherwise a plain log line per phase every few seconds and when it ends.
//!
//! The commands that run long work turn it on ([`enable`]); the code that
//! does the work reports to a phase by name ([`begin`], [`advance`],
//! [`finish`]), which costs one atomic load when nothing is shown (a server,
//! a test).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The phases of long work, in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Canonical files read and parsed (bytes).
    Read,
    /// Rows written into the database.
    Write,
    /// Files written (a snapshot's, or `generate`'s).
    Files,
    /// Synthetic plans generated (`generate`).
    Generate,
}

impl Step {
    const ALL: [Step; 4] = [Step::Read, Step::Write, Step::Files, Step::Generate];

    fn index(self) -> usize {
        self as usize
    }

    fn describe(self) -> (&'static str, &'static str) {
        match self {
            Step::Read => ("reading files", "bytes"),
            Step::Write => ("writing the database", "rows"),
            Step::Files => ("writing files", "files"),
            Step::Generate => ("generating plans", "plans"),
        }
    }
}

/// How progress is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Bars on standard error (a terminal).
    Bars,
    /// Log lines (`info`), every few seconds and at the end of each phase.
    Lines,
}

/// Seconds between two log lines of one phase.
const LINE_EVERY: Duration = Duration::from_secs(3);

struct Phase {
    step: Step,
    total: AtomicU64,
    done: AtomicU64,
    started: Instant,
    last_line: Mutex<Instant>,
    bar: Option<ProgressBar>,
    finished: AtomicBool,
}

struct Shown {
    mode: Mode,
    bars: MultiProgress,
    phases: Mutex<[Option<Arc<Phase>>; 4]>,
}

static ON: AtomicBool = AtomicBool::new(false);
static SHOWN: std::sync::OnceLock<Shown> = std::sync::OnceLock::new();

/// Show the progress of the work this process does from now on.
pub fn enable(mode: Mode) {
    let bars = MultiProgress::with_draw_target(match mode {
        Mode::Bars => ProgressDrawTarget::stderr_with_hz(8),
        Mode::Lines => ProgressDrawTarget::hidden(),
    });
    if SHOWN.set(Shown { mode, bars, phases: Mutex::new(Default::default()) }).is_ok() {
        ON.store(true, Ordering::Release);
    }
}

/// Bars on a terminal, lines otherwise.
pub fn enable_for_stderr() -> Mode {
    let mode = if std::io::IsTerminal::is_terminal(&std::io::stderr()) { Mode::Bars } else { Mode::Lines };
    enable(mode);
    mode
}

fn shown() -> Option<&'static Shown> {
    if ON.load(Ordering::Acquire) {
        SHOWN.get()
    } else {
        None
    }
}

fn phase(step: Step) -> Option<Arc<Phase>> {
    let shown = shown()?;
    shown.phases.lock().ok()?[step.index()].clone()
}

/// Start phase `step` of `total` units (restarting it if it ran before).
pub fn begin(step: Step, total: u64) {
    let Some(shown) = shown() else { return };
    let (name, unit) = step.describe();
    let bar = (shown.mode == Mode::Bars).then(|| {
        let style = ProgressStyle::with_template(&format!(
            "{{prefix:24}} [{{bar:28}}] {{human_pos}}/{{human_len}} {unit} · {{per_sec}} · {{elapsed}} · about {{eta}} left"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        let bar = shown.bars.add(ProgressBar::new(total).with_style(style).with_prefix(name));
        if step == Step::Read {
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix:24} [{bar:28}] {binary_bytes}/{binary_total_bytes} · {binary_bytes_per_sec} · {elapsed} · about {eta} left",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
        }
        bar
    });
    let now = Instant::now();
    let phase = Phase {
        step,
        total: AtomicU64::new(total),
        done: AtomicU64::new(0),
        started: now,
        last_line: Mutex::new(now),
        bar,
        finished: AtomicBool::new(false),
    };
    if shown.mode == Mode::Lines {
        log::info!("{name}: {total} {unit} to go");
    }
    if let Ok(mut phases) = shown.phases.lock() {
        phases[step.index()] = Some(Arc::new(phase));
    }
}

/// `n` more units of phase `step` done.
pub fn advance(step: Step, n: u64) {
    let Some(p) = phase(step) else { return };
    let done = p.done.fetch_add(n, Ordering::Relaxed) + n;
    if let Some(bar) = &p.bar {
        bar.set_position(done);
        return;
    }
    // A line every few seconds, from whichever thread gets there first.
    let due = match p.last_line.try_lock() {
        Ok(mut last) if last.elapsed() >= LINE_EVERY => {
            *last = Instant::now();
            true
        }
        _ => false,
    };
    if due {
        log::info!("{}", p.line(done));
    }
}

/// Phase `step` has `n` more units to do than it began with.
pub fn grow(step: Step, n: u64) {
    let Some(p) = phase(step) else { return };
    let total = p.total.fetch_add(n, Ordering::Relaxed) + n;
    if let Some(bar) = &p.bar {
        bar.set_length(total);
    }
}

/// Phase `step` has ended: its bar stays, full, or its last line says how long it took.
pub fn finish(step: Step) {
    let Some(p) = phase(step) else { return };
    if p.finished.swap(true, Ordering::AcqRel) {
        return;
    }
    let done = p.done.load(Ordering::Relaxed);
    match &p.bar {
        Some(bar) => {
            bar.set_length(done.max(p.total.load(Ordering::Relaxed)));
            bar.finish();
        }
        None => {
            let (name, unit) = p.step.describe();
            let secs = p.started.elapsed().as_secs_f64();
            log::info!("{name}: done, {done} {unit} in {secs:.1} s ({:.0} {unit}/s)", done as f64 / secs.max(1e-3));
        }
    }
}

impl Phase {
    /// "writing the database: 350000 of 1210000 rows (29 %), 120000 rows/s, about 7 s left".
    fn line(&self, done: u64) -> String {
        let (name, unit) = self.step.describe();
        let total = self.total.load(Ordering::Relaxed).max(1);
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        let rate = done as f64 / secs;
        let left = if rate > 0.0 { total.saturating_sub(done) as f64 / rate } else { f64::NAN };
        format!(
            "{name}: {done} of {total} {unit} ({} %), {rate:.0} {unit}/s, about {left:.0} s left",
            done * 100 / total
        )
    }
}

/// Every phase that has begun and not finished, finished (at the end of a command).
pub fn finish_all() {
    for step in Step::ALL {
        finish(step);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_says_how_far_how_fast_and_how_long_is_left() {
        let p = Phase {
            step: Step::Write,
            total: AtomicU64::new(1000),
            done: AtomicU64::new(0),
            started: Instant::now() - Duration::from_secs(10),
            last_line: Mutex::new(Instant::now()),
            bar: None,
            finished: AtomicBool::new(false),
        };
        let line = p.line(250);
        assert!(line.starts_with("writing the database: 250 of 1000 rows (25 %), 25 rows/s"), "{line}");
        assert!(line.ends_with("about 30 s left"), "{line}");
    }

    #[test]
    fn nothing_is_shown_until_enabled() {
        // No phase: advancing and finishing do nothing (and do not panic).
        advance(Step::Files, 3);
        finish(Step::Files);
        assert!(phase(Step::Files).is_none());
    }
}
