//! How far a long operation (workbook import or export) has got. The CLI draws a bar; the web
//! layer does not listen.

pub trait Progress: Send + Sync {
    /// `done` of `total` steps, now doing `what`.
    fn step(&self, done: usize, total: usize, what: &str);
}

/// Reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn step(&self, _done: usize, _total: usize, _what: &str) {}
}
