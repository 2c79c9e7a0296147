//! A progress bar on stderr, drawn only when stderr is a terminal (logs and pipes stay clean).

use std::io::{IsTerminal, Write};

pub struct Bar {
    enabled: bool,
}

impl Bar {
    pub fn new() -> Self {
        Self {
            enabled: std::io::stderr().is_terminal(),
        }
    }
}

impl scal_app::progress::Progress for Bar {
    fn step(&self, done: usize, total: usize, what: &str) {
        if !self.enabled || total == 0 {
            return;
        }
        const WIDTH: usize = 30;
        let filled = WIDTH * done.min(total) / total;
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r\x1b[2K[{}{}] {done}/{total} {what}",
            "#".repeat(filled),
            "-".repeat(WIDTH - filled)
        );
        if done >= total {
            let _ = writeln!(err);
        }
        let _ = err.flush();
    }
}
