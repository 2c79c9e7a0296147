//! A progress bar on stderr, drawn only when stderr is a terminal (logs and pipes stay clean).

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Bar {
    bar: ProgressBar,
}

impl Bar {
    pub fn new() -> Self {
        // indicatif would hide itself on a non-terminal too, but saying so here keeps the rule
        // (no escape codes in logs or pipes) independent of its heuristics.
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(None, target);
        // ASCII only, so the bar reads the same on any terminal: `[#####-----] 3/5 Storing`.
        if let Ok(style) = ProgressStyle::with_template("[{bar:30}] {pos}/{len} {msg}") {
            bar.set_style(style.progress_chars("##-"));
        }
        Self { bar }
    }
}

impl scal_app::progress::Progress for Bar {
    fn step(&self, done: usize, total: usize, what: &str) {
        if total == 0 {
            return;
        }
        self.bar.set_length(total as u64);
        self.bar.set_message(what.to_string());
        self.bar.set_position(done.min(total) as u64);
        if done >= total {
            // Draws the last state and leaves it on screen.
            self.bar.finish();
        }
    }
}
