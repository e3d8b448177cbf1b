//! Blocking calls driven on the calling thread, for bindings whose callers block (Go's cgo calls).
//!
//! [`runtime::handle`](crate::runtime::handle)`().block_on` hands every request to a connection
//! task on a worker thread of the shared runtime and the answer back: two or three OS-thread
//! wake-ups per call, which Go's own `net/http` does as goroutine switches. Here each calling
//! thread keeps a current-thread runtime and, per client, a connection pool of its own, so a call
//! runs from request to answer on the thread that made it, with no hand-off.
//!
//! Between calls nothing polls a thread's connections, so a keep-alive connection the server
//! closed is found closed only when the next request tries it: hyper then sends a request it had
//! not yet written on a new connection, and one it had written fails as a `connection` error that
//! the client's retry policy retries (with the same `Idempotency-Key`). A call that ends early (a
//! timeout, a cancel) closes its connection before it returns. The runtime and pools of a
//! thread go when the thread exits; a freed client's pool goes at the next call on each thread that
//! used it.

use std::cell::RefCell;
use std::future::Future;
use std::sync::{Arc, Weak};

use send0::{Client, ClientBuilder, Error, ErrorKind, Result};
use tokio::runtime::{Builder, Runtime};

/// A client whose calls each run on the calling thread, with that thread's own connections.
pub struct ThreadLocalClient {
    builder: ClientBuilder,
    /// Identifies this client in every thread's table; a thread drops its copy once this is gone.
    alive: Arc<()>,
}

/// One thread's runtime and its copy of each client it has called with.
struct Here {
    runtime: Runtime,
    clients: Vec<(Weak<()>, Client)>,
}

thread_local! {
    static HERE: RefCell<Option<Here>> = const { RefCell::new(None) };
}

impl ThreadLocalClient {
    /// Checks the settings by building a client once, so a bad key or URL fails here.
    pub fn new(builder: ClientBuilder) -> Result<Self> {
        builder.clone().build()?;
        Ok(ThreadLocalClient { builder, alive: Arc::new(()) })
    }

    /// Runs `call` on this thread's copy of the client, blocking until it ends.
    pub fn block_on<T, F: Future<Output = Result<T>>>(&self, call: impl FnOnce(Client) -> F) -> Result<T> {
        HERE.with(|here| {
            // A second call from inside the first cannot happen through the C ABI, whose calls
            // block; were it ever to, it is an error, not a panic.
            let mut here = here.try_borrow_mut().map_err(|_| {
                Error::new(ErrorKind::Api, "a send0 call was made from inside another on the same thread")
            })?;
            if here.is_none() {
                *here = Some(Here { runtime: current_thread()?, clients: Vec::new() });
            }
            let Some(here) = here.as_mut() else {
                return Err(Error::new(ErrorKind::Api, "no runtime on this thread"));
            };
            here.clients.retain(|(alive, _)| alive.strong_count() > 0);
            let mine = Arc::downgrade(&self.alive);
            let client = match here.clients.iter().find(|(alive, _)| alive.ptr_eq(&mine)) {
                Some((_, client)) => client.clone(),
                None => {
                    let client = self.builder.clone().build()?;
                    here.clients.push((mine, client.clone()));
                    client
                }
            };
            let result = here.runtime.block_on(call(client));
            // A call that ended early (a timeout, a cancel) dropped its request, which wakes the
            // connection's task to close the connection: let it, rather than hold the socket open
            // until this thread's next call.
            here.runtime.block_on(settle());
            result
        })
    }
}

/// Lets the tasks that are ready run once or twice, then returns.
async fn settle() {
    for _ in 0..2 {
        tokio::task::yield_now().await;
    }
}

fn current_thread() -> Result<Runtime> {
    Builder::new_current_thread().enable_all().build().map_err(|e| {
        Error::new(ErrorKind::Api, format!("could not start the send0 runtime on this thread: {e}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> ThreadLocalClient {
        ThreadLocalClient::new(Client::builder().api_key("sk_test_x").base_url("http://127.0.0.1:9")).unwrap()
    }

    #[test]
    fn each_thread_keeps_one_copy_per_live_client_and_drops_freed_ones() {
        let a = client();
        let count = || HERE.with(|here| here.borrow().as_ref().map_or(0, |h| h.clients.len()));
        assert_eq!(
            a.block_on(|c| async move { Ok(c.base_url().to_owned()) }).unwrap(),
            "http://127.0.0.1:9/"
        );
        a.block_on(|_| async { Ok(()) }).unwrap();
        assert_eq!(count(), 1);
        let b = client();
        b.block_on(|_| async { Ok(()) }).unwrap();
        assert_eq!(count(), 2);
        drop(b);
        a.block_on(|_| async { Ok(()) }).unwrap();
        assert_eq!(count(), 1, "the freed client's copy is gone");
    }

    #[test]
    fn a_thread_that_exits_takes_its_runtime_with_it() {
        let a = Arc::new(client());
        for _ in 0..8 {
            let a = a.clone();
            std::thread::spawn(move || {
                let slept = a.block_on(|_| async {
                    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                    Ok(true)
                });
                assert!(slept.unwrap());
            })
            .join()
            .unwrap();
        }
    }

    #[test]
    fn a_timed_out_call_closes_its_connection_at_once() {
        use std::io::Read;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let silent = std::thread::spawn(move || {
            let (mut socket, _) = listener.accept().unwrap();
            socket.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
            let mut buffer = [0u8; 4096];
            // The request, then (never answered) the client's close: a read of 0 bytes.
            while socket.read(&mut buffer).unwrap() > 0 {}
        });
        let builder = Client::builder()
            .api_key("sk_test_x")
            .base_url(url)
            .max_retries(0)
            .timeout(std::time::Duration::from_millis(200));
        let client = ThreadLocalClient::new(builder).unwrap();
        let err = client.block_on(|c| async move { c.webhooks().get("wh_1").await }).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout);
        // This thread makes no further call; the server must still see the connection close.
        silent.join().expect("the connection was closed before the server's 5 s read timeout");
    }

    #[test]
    fn a_call_inside_a_call_is_an_error() {
        let a = client();
        let inner = a.block_on(|_| async { Ok(client().block_on(|_| async { Ok(()) })) }).unwrap();
        assert_eq!(inner.unwrap_err().kind(), ErrorKind::Api);
    }
}
