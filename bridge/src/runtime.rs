//! The one process-wide tokio runtime that the bindings run the client on: built on first use and
//! never dropped (dropping a runtime from a foreign thread, or at interpreter exit, can hang).
//!
//! `fork()` copies the runtime's memory but not its threads, so a child must not use the parent's.
//! [`reset_after_fork`] (called by a binding's at-fork hook in the child) abandons it; the next
//! [`handle`] builds a fresh one, and [`generation`] tells clients to rebuild their connection pools.

use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

use tokio::runtime::{Builder, Handle, Runtime};

static RUNTIME: AtomicPtr<Runtime> = AtomicPtr::new(std::ptr::null_mut());
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// The shared runtime's handle, building the runtime on first use.
pub fn handle() -> Handle {
    shared().handle().clone()
}

/// The shared runtime itself (for libraries that take a `&'static Runtime`).
pub fn shared() -> &'static Runtime {
    let current = RUNTIME.load(Ordering::Acquire);
    if !current.is_null() {
        // SAFETY: a non-null pointer always comes from `Box::into_raw` below and is never freed.
        return unsafe { &*current };
    }
    // Building fails only when the OS refuses to start threads; there is no runtime to report that
    // through, and every binding's entry point turns the panic into its language's error.
    #[allow(clippy::expect_used)]
    let built = Builder::new_multi_thread()
        .worker_threads(std::thread::available_parallelism().map_or(2, |n| n.get().min(4)))
        .thread_name("send0-runtime")
        .enable_all()
        .build()
        .expect("the send0 tokio runtime can be built");
    let built = Box::into_raw(Box::new(built));
    match RUNTIME.compare_exchange(std::ptr::null_mut(), built, Ordering::AcqRel, Ordering::Acquire) {
        // SAFETY: as above; `built` is now the shared runtime, leaked on purpose.
        Ok(_) => unsafe { &*built },
        Err(winner) => {
            // Another thread built one first: use it, and stop ours without blocking.
            // SAFETY: `built` came from Box::into_raw just above and was never shared.
            unsafe { Box::from_raw(built) }.shutdown_background();
            // SAFETY: see the first branch.
            unsafe { &*winner }
        }
    }
}

/// `future`'s output, or None when it is not ready within `limit` (the future is left as it is, so
/// a caller can poll it again after doing something else, such as checking for Ctrl-C).
pub async fn timeout<F: std::future::Future + Unpin>(
    limit: std::time::Duration,
    future: &mut F,
) -> Option<F::Output> {
    tokio::time::timeout(limit, future).await.ok()
}

/// Which runtime is current: it changes at every [`reset_after_fork`].
pub fn generation() -> u64 {
    GENERATION.load(Ordering::Acquire)
}

/// In a forked child: abandons the parent's runtime (its threads do not exist here; its memory is
/// leaked, never dropped) so that the next [`handle`] builds a new one.
pub fn reset_after_fork() {
    RUNTIME.store(std::ptr::null_mut(), Ordering::Release);
    GENERATION.fetch_add(1, Ordering::AcqRel);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_runtime_until_a_reset() {
        let a = handle();
        let b = handle();
        assert_eq!(a.id(), b.id());
        let before = generation();
        reset_after_fork();
        assert_eq!(generation(), before + 1);
        assert_ne!(handle().id(), a.id());
        assert_eq!(handle().block_on(async { 41 + 1 }), 42);
    }
}
