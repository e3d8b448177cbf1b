//! `send0._native`: the send0 core exposed to Python. Private: the public API is the Python
//! package `send0`, which turns what this module returns into typed objects.
//!
//! Everything of substance is the core's. This module converts arguments, releases the GIL while
//! the core works, and raises the core's errors as the classes of `send0.errors`.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use pyo3::prelude::*;
use pyo3_async_runtimes::TaskLocals;
use pyo3_async_runtimes::generic::{self, ContextExt};

mod webhooks;

/// How often a blocked sync call looks for Ctrl-C.
const SIGNAL_CHECK: Duration = Duration::from_millis(50);

/// The Python exception for a core error: `send0.errors._from_native` builds the right class
/// (APIError subclasses, APIConnectionError, WebhookVerificationError, ...) from its JSON form.
fn to_py_err(py: Python<'_>, error: send0::Error) -> PyErr {
    let built =
        py.import("send0.errors").and_then(|module| module.call_method1("_from_native", (error.to_json(),)));
    match built {
        Ok(exception) => PyErr::from_value(exception),
        Err(import_failed) => import_failed,
    }
}

/// The `webhook-signature` value for a message.
#[pyfunction]
fn sign(py: Python<'_>, secret: &str, msg_id: &str, timestamp: i64, body: &[u8]) -> PyResult<String> {
    send0::webhooks::sign(secret, msg_id, timestamp, body).map_err(|e| to_py_err(py, e))
}

/// Async calls not yet finished, and whether the process made any.
static ASYNC_IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
static ASYNC_USED: AtomicBool = AtomicBool::new(false);

struct InFlight;

impl InFlight {
    fn start() -> InFlight {
        ASYNC_USED.store(true, Ordering::SeqCst);
        ASYNC_IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
        InFlight
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        ASYNC_IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Registered with `atexit`: lets async calls finish handing their results back before the
/// interpreter finalizes. pyo3-async-runtimes completes each call on a runtime thread that takes
/// the GIL to set the result and to drop its references to the event loop; a thread that asks for
/// the GIL once finalization has begun is torn down mid-call and crashes the process. So, with the
/// GIL released, wait for the calls in flight (at most 2 s), then a moment for those last drops.
#[pyfunction]
fn _drain_async_at_exit(py: Python<'_>) {
    if !ASYNC_USED.load(Ordering::SeqCst) {
        return;
    }
    py.detach(|| {
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        while ASYNC_IN_FLIGHT.load(Ordering::SeqCst) > 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(50));
    });
}

/// In a child after `os.fork()`: the parent's runtime threads do not exist here, so the next call
/// builds a new runtime (and clients rebuild their connection pools). The parent's async calls
/// will never finish here, so they are not waited for at exit either.
#[pyfunction]
fn _after_fork_in_child() {
    send0_bridge::runtime::reset_after_fork();
    ASYNC_IN_FLIGHT.store(0, Ordering::SeqCst);
}

/// Where async calls run: the core's runtime of the moment. pyo3-async-runtimes' own tokio runtime
/// is fixed once per process, so after a fork it would spawn onto the parent's, whose threads are
/// gone, and every call would hang; `send0_bridge::runtime::handle()` is rebuilt in the child instead.
struct CoreRuntime;

/// A task that did not finish: its panic payload, or None when it was aborted.
struct TaskFailed(Option<Box<dyn Any + Send>>);

impl generic::JoinError for TaskFailed {
    fn is_panic(&self) -> bool {
        self.0.is_some()
    }
    fn into_panic(self) -> Box<dyn Any + Send> {
        self.0.unwrap_or_else(|| Box::new("the task was aborted"))
    }
}

type Joined = Pin<Box<dyn Future<Output = Result<(), TaskFailed>> + Send>>;

impl generic::Runtime for CoreRuntime {
    type JoinError = TaskFailed;
    type JoinHandle = Joined;

    fn spawn<F: Future<Output = ()> + Send + 'static>(future: F) -> Joined {
        joined(send0_bridge::runtime::handle().spawn(future))
    }

    fn spawn_blocking<F: FnOnce() + Send + 'static>(work: F) -> Joined {
        joined(send0_bridge::runtime::handle().spawn_blocking(work))
    }
}

/// A tokio task as pyo3-async-runtimes awaits it: a panic keeps its payload.
fn joined(task: tokio::task::JoinHandle<()>) -> Joined {
    Box::pin(async move { task.await.map_err(|e| TaskFailed(e.try_into_panic().ok())) })
}

/// Task locals carry the event loop for Rust code that awaits Python; the client never does, so
/// there is none to keep, and each call takes the caller's running loop.
impl ContextExt for CoreRuntime {
    fn scope<F, R>(_locals: TaskLocals, future: F) -> Pin<Box<dyn Future<Output = R> + Send>>
    where
        F: Future<Output = R> + Send + 'static,
    {
        Box::pin(future)
    }

    fn get_task_locals() -> Option<TaskLocals> {
        None
    }
}

/// The API client: one core client, rebuilt after a fork.
#[pyclass(frozen, module = "send0._native")]
struct NativeClient {
    builder: send0::ClientBuilder,
    base_url: String,
    api_key_hint: String,
    current: Mutex<(u64, send0::Client)>,
}

impl NativeClient {
    /// The core client of the current runtime generation.
    fn client(&self) -> send0::Result<send0::Client> {
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        let generation = send0_bridge::runtime::generation();
        if current.0 != generation {
            *current = (generation, self.builder.clone().build()?);
        }
        Ok(current.1.clone())
    }
}

/// Runs `future` on the shared runtime with the GIL released, waking every 50 ms to let Python
/// handle signals: Ctrl-C raises KeyboardInterrupt and drops (cancels) the request. A panic in the
/// core is the core's `api` error (a `Send0Error`), not a `PanicException` that `except Exception`
/// would miss.
fn block_on<T: Send>(py: Python<'_>, future: impl Future<Output = send0::Result<T>> + Send) -> PyResult<T> {
    let runtime = send0_bridge::runtime::handle();
    let mut future = Box::pin(future);
    loop {
        let step = py.detach(|| {
            send0::catch_panic(|| runtime.block_on(send0_bridge::runtime::timeout(SIGNAL_CHECK, &mut future)))
        });
        match step {
            Ok(Some(result)) => return result.map_err(|e| to_py_err(py, e)),
            Ok(None) => py.check_signals()?,
            Err(panic) => return Err(to_py_err(py, panic)),
        }
    }
}

#[pymethods]
impl NativeClient {
    #[new]
    #[pyo3(signature = (api_key, base_url, timeout, max_retries, user_agent))]
    fn new(
        py: Python<'_>,
        api_key: Option<String>,
        base_url: Option<String>,
        timeout: f64,
        max_retries: u32,
        user_agent: String,
    ) -> PyResult<Self> {
        if !(timeout.is_finite() && timeout > 0.0) {
            return Err(to_py_err(
                py,
                send0::Error::new(
                    send0::ErrorKind::InvalidArgument,
                    "timeout must be a positive number of seconds",
                ),
            ));
        }
        let builder = send0_bridge::ClientConfig {
            api_key: api_key.map(Into::into),
            base_url,
            timeout_ms: Some((timeout * 1000.0).ceil() as u64),
            max_retries: Some(max_retries),
            user_agent: Some(user_agent),
            user_agent_suffix: None,
        }
        .into_builder();
        let client = builder.clone().build().map_err(|e| to_py_err(py, e))?;
        Ok(NativeClient {
            base_url: client.base_url().to_owned(),
            api_key_hint: client.api_key_hint(),
            builder,
            current: Mutex::new((send0_bridge::runtime::generation(), client)),
        })
    }

    /// Runs one operation (JSON in, JSON out), blocking with the GIL released.
    fn call(&self, py: Python<'_>, request: String) -> PyResult<String> {
        let client = self.client().map_err(|e| to_py_err(py, e))?;
        block_on(py, async move { send0_bridge::call_json(&client, request.as_bytes()).await })
    }

    /// Runs one operation and returns an awaitable; cancelling the asyncio task drops the request.
    fn call_async<'py>(&self, py: Python<'py>, request: String) -> PyResult<Bound<'py, PyAny>> {
        let client = self.client().map_err(|e| to_py_err(py, e))?;
        let in_flight = InFlight::start();
        generic::future_into_py::<CoreRuntime, _, _>(py, async move {
            let _in_flight = in_flight;
            let result = send0_bridge::call_json(&client, request.as_bytes()).await;
            result.map_err(|e| Python::attach(|py| to_py_err(py, e)))
        })
    }

    #[getter]
    fn base_url(&self) -> &str {
        &self.base_url
    }

    fn __repr__(&self) -> String {
        format!("NativeClient(base_url={:?}, api_key={:?})", self.base_url, self.api_key_hint)
    }
}

/// Panics inside [`block_on`], for the test that proves a core panic reaches Python as a
/// `Send0Error` (an `Exception`), not a `PanicException`. Test-only: the public API does not expose it.
#[pyfunction]
#[allow(clippy::panic)]
fn _panic_for_test(py: Python<'_>, message: String) -> PyResult<()> {
    block_on(py, async move { panic!("{message}") })
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", send0::VERSION)?;
    m.add_function(wrap_pyfunction!(webhooks::verify, m)?)?;
    m.add_function(wrap_pyfunction!(webhooks::verify_raw, m)?)?;
    m.add_function(wrap_pyfunction!(webhooks::explain, m)?)?;
    m.add_function(wrap_pyfunction!(webhooks::loads, m)?)?;
    m.add_function(wrap_pyfunction!(sign, m)?)?;
    m.add_function(wrap_pyfunction!(_after_fork_in_child, m)?)?;
    m.add_function(wrap_pyfunction!(_drain_async_at_exit, m)?)?;
    m.add_function(wrap_pyfunction!(_panic_for_test, m)?)?;
    m.add_class::<NativeClient>()?;
    Ok(())
}
