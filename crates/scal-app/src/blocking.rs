//! Bounded CPU work off the async workers.
//!
//! Parsing a workbook and hashing a password are slow, memory-hungry and synchronous. Each kind of
//! such work runs on tokio's blocking pool behind its own [`Gate`]: at most `permits` at once, so a
//! burst of uploads or sign-ins cannot exhaust memory or starve other requests. A caller waits a
//! short while for a permit; past that it is refused with [`AppError::Busy`] (503 and
//! `Retry-After`), which a client can retry, rather than queueing without end.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::{AppError, Result};

/// How long a refused caller is told to wait before trying again.
const RETRY_AFTER_SECS: u64 = 5;

#[derive(Debug, Clone)]
pub struct Gate {
    what: &'static str,
    permits: Arc<Semaphore>,
    size: usize,
    queue_wait: Duration,
}

impl Gate {
    /// `permits` of `what` at once (at least one); a caller waits up to `queue_wait` for one.
    pub fn new(what: &'static str, permits: usize, queue_wait: Duration) -> Self {
        let size = permits.max(1);
        Self {
            what,
            permits: Arc::new(Semaphore::new(size)),
            size,
            queue_wait,
        }
    }

    /// The number of permits, for tests and metrics.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Permits free right now.
    pub fn available(&self) -> usize {
        self.permits.available_permits()
    }

    /// Runs `work` on the blocking pool once a permit is free; [`AppError::Busy`] if none frees up
    /// within the queue wait. The permit is held until `work` returns, even if the caller's request
    /// is dropped meanwhile, so abandoned requests cannot push the work above the limit.
    pub async fn run<T, F>(&self, work: F) -> Result<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let permit = match tokio::time::timeout(self.queue_wait, self.permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => permit,
            Ok(Err(_)) | Err(_) => {
                tracing::warn!(what = self.what, limit = self.size, "refused: too much work at once");
                return Err(AppError::Busy {
                    retry_after_secs: RETRY_AFTER_SECS,
                });
            }
        };
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(|e| AppError::Internal(format!("{} failed: {e}", self.what)))
    }
}

/// Permits for CPU-bound work of one kind: the cores, at least two.
pub fn default_permits() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()).max(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn beyond_the_limit_a_caller_is_told_to_come_back() {
        let gate = Gate::new("test work", 1, Duration::from_millis(50));
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let busy = gate.clone();
        let holder = tokio::spawn(async move { busy.run(move || wait.recv().is_ok()).await });
        // Let the first caller take the only permit.
        while gate.available() > 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let refused = gate.run(|| true).await;
        assert!(matches!(refused, Err(AppError::Busy { retry_after_secs }) if retry_after_secs > 0));
        release.send(()).ok();
        assert!(matches!(holder.await, Ok(Ok(true))));
        assert!(matches!(gate.run(|| 7).await, Ok(7)));
    }
}
