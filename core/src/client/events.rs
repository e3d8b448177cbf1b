//! The local server's events resource: `POST /v1/events`.

use http::Method;

use super::models::{EmitEventParams, EmittedEvent};
use super::transport::ApiRequest;
use super::{Client, RequestOptions};
use crate::error::Result;

/// Events of the local server (`send0-server`): emit one to every matching endpoint, as the
/// platform does when an email is sent, bounces or is opened. The send0 platform API has no such
/// call; against it, `emit` fails with `not_found`.
///
/// Get one from [`Client::events`].
#[derive(Debug, Clone)]
pub struct Events {
    client: Client,
    options: RequestOptions,
}

impl Events {
    pub(crate) fn new(client: Client, options: RequestOptions) -> Self {
        Events { client, options }
    }

    /// The same resource with `options` applied to every request made through it.
    pub fn with_options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }

    /// `POST /v1/events`: emits an event of `params.event_type` to every active endpoint of the
    /// key's workspace whose `events` match it (held for paused ones). Delivery happens in the
    /// background; the answer says how many endpoints the event matched.
    ///
    /// ```no_run
    /// # async fn run() -> send0::Result<()> {
    /// let client = send0::Client::builder().base_url("http://127.0.0.1:8765").build()?;
    /// let emitted = client.events().emit(&send0::client::EmitEventParams::new("email.bounced")).await?;
    /// println!("{} went to {} endpoint(s)", emitted.event_id, emitted.endpoints);
    /// # Ok(()) }
    /// ```
    pub async fn emit(&self, params: &EmitEventParams) -> Result<EmittedEvent> {
        let request = ApiRequest::new(Method::POST, &["v1", "events"]).json(params)?;
        self.client.send(request, &self.options).await
    }
}
