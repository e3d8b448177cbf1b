//! `verify`, `verify_raw`, `explain` and the event's `data`: Python's own types read here, in one
//! call.
//!
//! The arguments arrive as the user passed them to `send0.Webhooks.verify` (or `explain`). The
//! common shapes (a `bytes` body, a `dict` or any header container, a `str` secret, int tolerance
//! and clock) are read without leaving Rust and without copying a string; the rare ones (a
//! `bytearray` body, a `timedelta`, a `datetime`) go through the package's own Python helpers, so
//! their messages stay in one place. The event comes back built: a `send0.WebhookEvent` with its
//! slots filled; explain's report comes back as the core's JSON.

use std::borrow::Cow;
use std::time::Duration;

use pyo3::IntoPyObjectExt;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyInt, PyList, PyString, PyTuple};
use send0::webhooks::{
    ExplainOptions, Verifier, WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP, WebhookHeaders,
};
use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};

use crate::to_py_err;

/// Bodies at least this large are verified with the GIL released (smaller ones finish sooner than
/// a release and re-acquire would).
const RELEASE_GIL_FROM: usize = 16 * 1024;
/// The only headers read; the core ignores every other one.
const NAMES: [&str; 3] = [WEBHOOK_ID, WEBHOOK_TIMESTAMP, WEBHOOK_SIGNATURE];
/// The createdAt values a `datetime` can hold (years 1 to 9999), in Unix milliseconds.
const MIN_MS: i64 = -62_135_596_800_000;
const MAX_MS: i64 = 253_402_300_799_999;

const NO_HEADERS: &str = "headers are required: pass the request's headers (any mapping or list of pairs)";
const NOT_PAIRS: &str = "headers must be a mapping or a list of (name, value) pairs";
const NOT_SECRETS: &str = "secret must be a string (whsec_…) or a list of strings";

/// A Python `str` as UTF-8, borrowed from the string itself. CPython caches the UTF-8 form in the
/// object, so after the first call this is a pointer and a length. `PyUnicode_AsUTF8AndSize` is in
/// the stable ABI from 3.10 and exported by every CPython 3 (the wheel is abi3 for 3.9, so pyo3
/// does not offer `to_str`); Windows' `python3.dll` of 3.9 lacks it, so there it is pyo3's copy.
fn utf8<'a>(text: &'a Bound<'_, PyString>) -> PyResult<Cow<'a, str>> {
    #[cfg(not(windows))]
    {
        unsafe extern "C" {
            fn PyUnicode_AsUTF8AndSize(
                unicode: *mut pyo3::ffi::PyObject,
                size: *mut pyo3::ffi::Py_ssize_t,
            ) -> *const std::ffi::c_char;
        }
        let mut size: pyo3::ffi::Py_ssize_t = 0;
        // SAFETY: `text` is a live str (or subclass) for 'a; the buffer it returns belongs to the
        // object and lives as long as it does. NULL means a Python error is set (lone surrogates).
        let data = unsafe { PyUnicode_AsUTF8AndSize(text.as_ptr(), &mut size) };
        let len = usize::try_from(size).unwrap_or(0);
        if data.is_null() {
            return Err(PyErr::fetch(text.py()));
        }
        // SAFETY: CPython returns `size` bytes of valid UTF-8 at `data` (it refuses to encode lone
        // surrogates), kept in the object until it dies.
        Ok(Cow::Borrowed(unsafe {
            std::str::from_utf8_unchecked(std::slice::from_raw_parts(data.cast::<u8>(), len))
        }))
    }
    #[cfg(windows)]
    {
        text.to_cow()
    }
}

/// `bytes.decode("latin-1")`, borrowed when the bytes are ASCII.
fn latin1(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) if bytes.is_ascii() => Cow::Borrowed(text),
        _ => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

/// Calls `f` with `str(value)`, or with `value.decode("latin-1")` for bytes when `bytes_latin1`.
fn with_text<R>(value: &Bound<'_, PyAny>, bytes_latin1: bool, f: impl FnOnce(&str) -> R) -> PyResult<R> {
    if let Ok(text) = value.cast_exact::<PyString>() {
        return Ok(f(&utf8(text)?));
    }
    if bytes_latin1 && let Ok(bytes) = value.cast::<PyBytes>() {
        return Ok(f(&latin1(bytes.as_bytes())));
    }
    let text = value.str()?;
    Ok(f(&utf8(&text)?))
}

/// Which webhook header `name` is (ASCII case-insensitive, as the core matches).
fn webhook_name(name: &str) -> Option<&'static str> {
    NAMES.iter().copied().find(|known| name.eq_ignore_ascii_case(known))
}

/// The three webhook headers of any header container, repeated values kept in order. Reads
/// Werkzeug/Flask and Starlette/FastAPI (`getlist`), `http.client` and `email.message` (`get_all`),
/// Django (`request.headers`), dicts and other mappings (str, bytes, or list/tuple values), and
/// lists of (name, value) pairs (bytes decoded as latin-1, as ASGI scopes carry them).
pub(crate) fn read_headers(headers: &Bound<'_, PyAny>) -> PyResult<WebhookHeaders> {
    let py = headers.py();
    let mut out = WebhookHeaders::new();
    // A plain dict has neither getlist nor get_all: straight to its items.
    if let Some(items) = dict_items(headers)? {
        return add_entries(out, &items);
    }
    // Only the three names are asked for.
    if let Some(multi) = multi_getter(headers)? {
        for name in NAMES {
            each_listed(&multi, name, |text| out.append(name, text))?;
        }
        return Ok(out);
    }
    let items = if headers.hasattr(intern!(py, "items"))? {
        headers.call_method0(intern!(py, "items"))?
    } else {
        headers.clone()
    };
    add_entries(out, &items)
}

/// The names `read_header_pairs` asks a container that can only be asked by name: the webhook
/// headers and Svix's names for them.
const ASKED_BY_NAME: [&str; 6] =
    [WEBHOOK_ID, WEBHOOK_TIMESTAMP, WEBHOOK_SIGNATURE, "svix-id", "svix-timestamp", "svix-signature"];

/// Every header of any container `read_headers` reads, as (name, value) text in order, for
/// `explain` (which also looks under `svix-*` and `HTTP_WEBHOOK_*` names, and counts the others):
/// through `items()`, which lists each value of a multi-value container, else `getlist`/`get_all`
/// for the names explain knows, else as pairs.
pub(crate) fn read_header_pairs(headers: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
    let py = headers.py();
    let mut pairs = Vec::new();
    let items = match dict_items(headers)? {
        Some(items) => items,
        None if headers.hasattr(intern!(py, "items"))? => headers.call_method0(intern!(py, "items"))?,
        None => match multi_getter(headers)? {
            Some(multi) => {
                for name in ASKED_BY_NAME {
                    each_listed(&multi, name, |text| pairs.push((name.to_owned(), text.to_owned())))?;
                }
                return Ok(pairs);
            }
            None => headers.clone(),
        },
    };
    for entry in items.try_iter()? {
        let (name, value) = unpack_pair(&entry?)?;
        let name = with_text(&name, true, str::to_owned)?;
        each_value(&value, |text| pairs.push((name.clone(), text.to_owned())))?;
    }
    Ok(pairs)
}

/// A plain dict's items (its items view, not pyo3's dict iterator, which panics when a value's
/// `__str__` changes the dict); None for any other container, and a TypeError for None.
fn dict_items<'py>(headers: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
    if headers.is_none() {
        return Err(PyTypeError::new_err(NO_HEADERS));
    }
    if headers.is_exact_instance_of::<PyDict>() {
        return headers.call_method0(intern!(headers.py(), "items")).map(Some);
    }
    Ok(None)
}

/// `getattr(h, "getlist", None) or getattr(h, "get_all", None)` when callable (never for dict
/// subclasses): how Werkzeug, Starlette, `http.client` and `email.message` list a name's values.
fn multi_getter<'py>(headers: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
    let py = headers.py();
    let mut multi = headers.getattr_opt(intern!(py, "getlist"))?;
    if !multi.as_ref().map(Bound::is_truthy).transpose()?.unwrap_or(false) {
        multi = headers.getattr_opt(intern!(py, "get_all"))?;
    }
    Ok(multi.filter(|m| m.is_callable() && !headers.is_instance_of::<PyDict>()))
}

/// Calls `f` with each value `multi(name)` lists, as `str()`.
fn each_listed(multi: &Bound<'_, PyAny>, name: &str, mut f: impl FnMut(&str)) -> PyResult<()> {
    let values = multi.call1((name,))?;
    if values.is_truthy()? {
        for value in values.try_iter()? {
            with_text(&value?, false, &mut f)?;
        }
    }
    Ok(())
}

/// Calls `f` with a header's value, or with each of its values for a list or tuple (bytes as
/// latin-1).
fn each_value(value: &Bound<'_, PyAny>, mut f: impl FnMut(&str)) -> PyResult<()> {
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        for v in value.try_iter()? {
            with_text(&v?, true, &mut f)?;
        }
        Ok(())
    } else {
        with_text(value, true, f)
    }
}

/// Every (name, value) entry of `items`, an iterable of pairs.
fn add_entries(mut out: WebhookHeaders, items: &Bound<'_, PyAny>) -> PyResult<WebhookHeaders> {
    for entry in items.try_iter()? {
        let (name, value) = unpack_pair(&entry?)?;
        add_entry(&mut out, &name, &value)?;
    }
    Ok(out)
}

/// `name, value = entry`, with any TypeError or ValueError of the unpacking reported as
/// [`NOT_PAIRS`] (other exceptions, raised by the entry's own code, pass through).
fn unpack_pair<'py>(entry: &Bound<'py, PyAny>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    if let Ok(tuple) = entry.cast_exact::<PyTuple>()
        && tuple.len() == 2
    {
        return Ok((tuple.get_item(0)?, tuple.get_item(1)?));
    }
    let py = entry.py();
    let not_pairs = |e: PyErr| {
        if e.is_instance_of::<PyTypeError>(py) || e.is_instance_of::<PyValueError>(py) {
            PyTypeError::new_err(NOT_PAIRS)
        } else {
            e
        }
    };
    let mut items = entry.try_iter().map_err(not_pairs)?;
    let mut next = || items.next().transpose().map_err(not_pairs);
    let (Some(name), Some(value)) = (next()?, next()?) else {
        return Err(PyTypeError::new_err(NOT_PAIRS));
    };
    match next()? {
        Some(_) => Err(PyTypeError::new_err(NOT_PAIRS)),
        None => Ok((name, value)),
    }
}

/// One (name, value) of a mapping or a list of pairs: a webhook header's value (or each of its
/// values, for a list or tuple) appended, anything else skipped.
fn add_entry(out: &mut WebhookHeaders, name: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<()> {
    // Some(None): a non-ASCII name, which Python's `name.lower()` may still map onto one of the
    // three (the Kelvin sign lowers to "k"); its values are read, as they always were, and the
    // core, which matches ASCII only, ignores them.
    let wanted = with_text(name, true, |text| match webhook_name(text) {
        Some(known) => Some(Some(known)),
        None if !text.is_ascii() => Some(None),
        None => None,
    })?;
    let wanted = match wanted {
        Some(None) if lowers_to_a_webhook_name(name)? => None,
        Some(Some(known)) => Some(known),
        _ => return Ok(()),
    };
    each_value(value, |text| {
        if let Some(name) = wanted {
            out.append(name, text);
        }
    })
}

/// `name.lower() in _NAMES`, as the Python SDK checked names (only asked for non-ASCII ones).
fn lowers_to_a_webhook_name(name: &Bound<'_, PyAny>) -> PyResult<bool> {
    let py = name.py();
    let text = match name.cast::<PyBytes>() {
        Ok(bytes) => PyString::new(py, &latin1(bytes.as_bytes())),
        Err(_) => name.str()?,
    };
    let lowered = text.call_method0(intern!(py, "lower"))?;
    Ok(NAMES.iter().any(|known| lowered.eq(*known).unwrap_or(false)))
}

/// The secret argument: one str, or a list or tuple of them (checked now, borrowed when used).
pub(crate) enum Secrets<'py> {
    One(Bound<'py, PyString>),
    Many(Vec<Bound<'py, PyString>>),
}

impl<'py> Secrets<'py> {
    fn read(secret: &Bound<'py, PyAny>) -> PyResult<Self> {
        if let Ok(one) = secret.cast::<PyString>() {
            utf8(one)?;
            return Ok(Secrets::One(one.clone()));
        }
        if !(secret.is_instance_of::<PyList>() || secret.is_instance_of::<PyTuple>()) {
            return Err(PyTypeError::new_err(NOT_SECRETS));
        }
        let mut many = Vec::new();
        for item in secret.try_iter()? {
            let item = item?.cast_into::<PyString>().map_err(|_| PyTypeError::new_err(NOT_SECRETS))?;
            utf8(&item)?;
            many.push(item);
        }
        Ok(Secrets::Many(many))
    }

    /// The secrets' text, borrowed from the strings.
    fn texts(&self) -> PyResult<Vec<Cow<'_, str>>> {
        match self {
            Secrets::One(one) => Ok(vec![utf8(one)?]),
            Secrets::Many(many) => many.iter().map(utf8).collect(),
        }
    }

    fn verifier(&self) -> PyResult<send0::Result<Verifier>> {
        Ok(Verifier::from_secrets(self.texts()?))
    }
}

/// The package's Python pieces this module uses, looked up once.
struct Helpers {
    body_bytes: Py<PyAny>,
    tolerance: Py<PyAny>,
    unix_seconds: Py<PyAny>,
    event_class: Py<PyAny>,
    unparsed: Py<PyAny>,
    object_new: Py<PyAny>,
    json_loads: Py<PyAny>,
}

static HELPERS: PyOnceLock<Helpers> = PyOnceLock::new();

fn helpers(py: Python<'_>) -> PyResult<&Helpers> {
    HELPERS.get_or_try_init(py, || {
        let module = py.import("send0._webhooks")?;
        let get = |name: &str| module.getattr(name).map(Bound::unbind);
        Ok(Helpers {
            body_bytes: get("_body_bytes")?,
            tolerance: get("_tolerance")?,
            unix_seconds: get("_unix_seconds")?,
            event_class: get("WebhookEvent")?,
            unparsed: get("_UNPARSED")?,
            object_new: py.import("builtins")?.getattr("object")?.getattr("__new__")?.unbind(),
            json_loads: py.import("json")?.getattr("loads")?.unbind(),
        })
    })
}

/// Everything `verify`, `verify_raw` and `explain` take, converted in the order the Python SDK
/// always has: body, headers, secrets, tolerance, clock. The headers as `read` (the three webhook
/// headers for verify, every pair for explain).
struct Arguments<'py, H = WebhookHeaders> {
    body: Bound<'py, PyBytes>,
    headers: H,
    secrets: Secrets<'py>,
    tolerance: u64,
    now: Option<i64>,
}

impl<'py, H> Arguments<'py, H> {
    fn read(
        body: &Bound<'py, PyAny>,
        headers: &Bound<'py, PyAny>,
        secret: &Bound<'py, PyAny>,
        tolerance: &Bound<'py, PyAny>,
        now: &Bound<'py, PyAny>,
        function: &str,
        read: impl FnOnce(&Bound<'py, PyAny>) -> PyResult<H>,
    ) -> PyResult<Self> {
        let py = body.py();
        let body = match body.cast::<PyBytes>() {
            Ok(bytes) => bytes.clone(),
            Err(_) => helpers(py)?.body_bytes.bind(py).call1((body, function))?.cast_into::<PyBytes>()?,
        };
        let headers = read(headers)?;
        let secrets = Secrets::read(secret)?;
        let tolerance = match tolerance.cast_exact::<PyInt>().ok().and_then(|t| t.extract::<u64>().ok()) {
            Some(seconds) => seconds,
            None => helpers(py)?.tolerance.bind(py).call1((tolerance,))?.extract()?,
        };
        let now = if now.is_none() {
            None
        } else {
            match now.cast_exact::<PyInt>().ok().and_then(|t| t.extract::<i64>().ok()) {
                Some(seconds) => Some(seconds),
                None => Some(helpers(py)?.unix_seconds.bind(py).call1((now, "now"))?.extract()?),
            }
        };
        Ok(Arguments { body, headers, secrets, tolerance, now })
    }

    /// `f` under the core's panic guard, with the GIL released for large bodies.
    fn guarded<T: Send>(&self, f: impl FnOnce() -> T + Send) -> send0::Result<T> {
        if self.body.as_bytes().len() >= RELEASE_GIL_FROM {
            self.body.py().detach(|| send0::catch_panic(f))
        } else {
            send0::catch_panic(f)
        }
    }
}

impl Arguments<'_> {
    /// Runs the core's check (and parse, when `event`), with the GIL released for large bodies.
    fn run<T: Send>(
        &self,
        check: impl FnOnce(&Verifier, &[u8], &WebhookHeaders) -> send0::Result<T> + Send,
    ) -> PyResult<T> {
        let py = self.body.py();
        let verifier = match self.secrets.verifier()? {
            Ok(verifier) => verifier.with_tolerance(Duration::from_secs(self.tolerance)),
            Err(e) => return Err(to_py_err(py, e)),
        };
        let verifier = match self.now {
            Some(now) => verifier.with_now(now),
            None => verifier,
        };
        let (body, headers) = (self.body.as_bytes(), &self.headers);
        self.guarded(|| check(&verifier, body, headers)).and_then(|r| r).map_err(|e| to_py_err(py, e))
    }
}

/// The event's fields, as the core parsed them; `data` as its span of the body.
struct Fields {
    id: String,
    event_type: String,
    service: String,
    data_span: (usize, usize),
    livemode: bool,
    created_ms: i64,
    webhook_id: String,
    timestamp: i64,
}

/// Verifies a delivery and returns its `send0.WebhookEvent`.
#[pyfunction]
#[pyo3(signature = (body, headers, secret, tolerance, now))]
pub(crate) fn verify<'py>(
    body: &Bound<'py, PyAny>,
    headers: &Bound<'py, PyAny>,
    secret: &Bound<'py, PyAny>,
    tolerance: &Bound<'py, PyAny>,
    now: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = body.py();
    let args = Arguments::read(body, headers, secret, tolerance, now, "Webhooks.verify", read_headers)?;
    let fields = args.run(|verifier, body, headers| {
        let event = verifier.verify(body, headers)?;
        let span = send0_bridge::webhooks::data_span(&event).unwrap_or(0..0);
        Ok(Fields {
            data_span: (span.start, span.len()),
            id: event.id,
            event_type: event.event_type,
            service: event.service,
            livemode: event.livemode,
            created_ms: event.created_at,
            webhook_id: event.webhook_id,
            timestamp: event.timestamp,
        })
    })?;
    if !(MIN_MS..=MAX_MS).contains(&fields.created_ms) {
        let message = format!(
            "the event's createdAt ({}) is not a representable time in milliseconds",
            fields.created_ms
        );
        return Err(to_py_err(py, send0::Error::new(send0::ErrorKind::InvalidPayload, message)));
    }
    // `object.__new__(WebhookEvent)` and its slots set directly: what `__init__` would store, with
    // `created_at` and `data` left to be made when first read.
    let helpers = helpers(py)?;
    let event = helpers.object_new.bind(py).call1((helpers.event_class.bind(py),))?;
    event.setattr(intern!(py, "id"), fields.id)?;
    event.setattr(intern!(py, "type"), fields.event_type)?;
    event.setattr(intern!(py, "service"), fields.service)?;
    event.setattr(intern!(py, "_data"), helpers.unparsed.bind(py))?;
    event.setattr(intern!(py, "_data_span"), fields.data_span)?;
    event.setattr(intern!(py, "livemode"), fields.livemode)?;
    event.setattr(intern!(py, "_created_at"), py.None())?;
    event.setattr(intern!(py, "_created_ms"), fields.created_ms)?;
    event.setattr(intern!(py, "webhook_id"), fields.webhook_id)?;
    event.setattr(intern!(py, "timestamp"), fields.timestamp)?;
    event.setattr(intern!(py, "raw"), &args.body)?;
    Ok(event)
}

/// Verifies a delivery's signature only.
#[pyfunction]
#[pyo3(signature = (body, headers, secret, tolerance, now))]
pub(crate) fn verify_raw(
    body: &Bound<'_, PyAny>,
    headers: &Bound<'_, PyAny>,
    secret: &Bound<'_, PyAny>,
    tolerance: &Bound<'_, PyAny>,
    now: &Bound<'_, PyAny>,
) -> PyResult<()> {
    let args = Arguments::read(body, headers, secret, tolerance, now, "Webhooks.verify_raw", read_headers)?;
    args.run(|verifier, body, headers| verifier.verify_raw(body, headers))
}

/// The core's `explain` report of a delivery, as its JSON: every header of the request is passed
/// on, and the secrets as given (explain reads the unusable ones too). Never fails for what the
/// delivery holds; arguments of the wrong type raise as they do for verify.
#[pyfunction]
#[pyo3(signature = (body, headers, secret, tolerance, now))]
pub(crate) fn explain(
    body: &Bound<'_, PyAny>,
    headers: &Bound<'_, PyAny>,
    secret: &Bound<'_, PyAny>,
    tolerance: &Bound<'_, PyAny>,
    now: &Bound<'_, PyAny>,
) -> PyResult<String> {
    let py = body.py();
    let args = Arguments::read(body, headers, secret, tolerance, now, "Webhooks.explain", read_header_pairs)?;
    let secrets = args.secrets.texts()?;
    let options = ExplainOptions { tolerance: Duration::from_secs(args.tolerance), now: args.now };
    let (body, pairs) = (args.body.as_bytes(), &args.headers);
    args.guarded(|| {
        let report = send0::webhooks::explain(body, pairs.iter().map(|(n, v)| (n, v)), &secrets, &options);
        serde_json::to_string(&report)
    })
    .map_err(|e| to_py_err(py, e))?
    .map_err(|e| PyValueError::new_err(format!("the report could not be encoded: {e}")))
}

/// Marks a number the fast path leaves to `json.loads` (floats, integers beyond 64 bits, `-0`),
/// whose exact Python value serde_json's f64 would not keep.
const LEAVE_TO_JSON: &str = "number left to json.loads";

/// Builds Python objects straight from JSON text, as `json.loads` would make them.
#[derive(Clone, Copy)]
struct Build<'py>(Python<'py>);

impl<'de, 'py> DeserializeSeed<'de> for Build<'py> {
    type Value = Bound<'py, PyAny>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

fn built<'py, T: IntoPyObject<'py>, E: serde::de::Error>(
    py: Python<'py>,
    value: T,
) -> Result<Bound<'py, PyAny>, E> {
    value.into_bound_py_any(py).map_err(E::custom)
}

impl<'de, 'py> Visitor<'de> for Build<'py> {
    type Value = Bound<'py, PyAny>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JSON")
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(PyBool::new(self.0, v).to_owned().into_any())
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
        built(self.0, v)
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
        built(self.0, v)
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Err(E::custom(LEAVE_TO_JSON))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(PyString::new(self.0, v).into_any())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.0.None().into_bound(self.0))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let list = PyList::empty(self.0);
        while let Some(item) = seq.next_element_seed(self)? {
            list.append(item).map_err(A::Error::custom)?;
        }
        Ok(list.into_any())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let dict = PyDict::new(self.0);
        while let Some(key) = map.next_key_seed(self)? {
            let value = map.next_value_seed(self)?;
            dict.set_item(key, value).map_err(A::Error::custom)?;
        }
        Ok(dict.into_any())
    }
}

/// The event's `data`: the JSON at `raw[start:start + length]` as `json.loads` makes it, built in
/// one pass from the bytes. Numbers whose exact value f64 would lose, and anything serde_json
/// refuses that `json.loads` might accept, are left to `json.loads` itself.
#[pyfunction]
pub(crate) fn loads<'py>(
    raw: &Bound<'py, PyBytes>,
    start: usize,
    length: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let py = raw.py();
    let span = start
        .checked_add(length)
        .and_then(|end| raw.as_bytes().get(start..end))
        .ok_or_else(|| PyValueError::new_err("the data span lies outside the body"))?;
    let mut deserializer = serde_json::Deserializer::from_slice(span);
    let fast = Build(py).deserialize(&mut deserializer).and_then(|value| deserializer.end().map(|()| value));
    match fast {
        Ok(value) => Ok(value),
        Err(_) => helpers(py)?.json_loads.bind(py).call1((PyBytes::new(py, span),)),
    }
}
