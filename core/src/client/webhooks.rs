//! The Webhooks API resource: `/v1/webhooks` and everything under it.

use futures_util::Stream;
use http::Method;

use super::models::{
    CreateWebhookParams, DeletedWebhookEndpoint, DeliveryAttempt, ListParams, Page, RotateSecretParams,
    RotatedSecret, TestResult, UpdateWebhookParams, WebhookEndpoint, WebhookEndpointWithSecret,
};
use super::pagination::paginate;
use super::transport::ApiRequest;
use super::{Client, RequestOptions};
use crate::error::{Error, ErrorKind, Result};

/// Webhook endpoints: create, read, change, delete, test, rotate secrets, read delivery logs.
///
/// Get one from [`Client::webhooks`]; [`Webhooks::with_options`] sets per-request options
/// (an idempotency key, a timeout, retries) for the calls made through it.
#[derive(Debug, Clone)]
pub struct Webhooks {
    client: Client,
    options: RequestOptions,
}

impl Webhooks {
    pub(crate) fn new(client: Client, options: RequestOptions) -> Self {
        Webhooks { client, options }
    }

    /// The same resource with `options` applied to every request made through it.
    pub fn with_options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }

    /// The same resource with this `Idempotency-Key` on its POSTs (the caller's own, for retries
    /// across processes). Without it each POST gets a fresh key reused by its own retries.
    pub fn with_idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.options.idempotency_key = Some(key.into());
        self
    }

    /// `POST /v1/webhooks`: creates an endpoint. The response alone carries its signing secret.
    pub async fn create(&self, params: &CreateWebhookParams) -> Result<WebhookEndpointWithSecret> {
        let request = ApiRequest::new(Method::POST, &["v1", "webhooks"]).json(params)?;
        self.client.send(request, &self.options).await
    }

    /// `GET /v1/webhooks/{id}`.
    pub async fn get(&self, id: &str) -> Result<WebhookEndpoint> {
        let path = ["v1", "webhooks", checked_id(id)?];
        self.client.send(ApiRequest::new(Method::GET, &path), &self.options).await
    }

    /// `GET /v1/webhooks`: one page, newest first.
    pub async fn list(&self, params: &ListParams) -> Result<Page<WebhookEndpoint>> {
        let request = with_paging(ApiRequest::new(Method::GET, &["v1", "webhooks"]), params)?;
        self.client.send(request, &self.options).await
    }

    /// Every endpoint, newest first, fetching pages as the stream is read.
    pub fn list_all(
        &self,
        params: ListParams,
    ) -> impl Stream<Item = Result<WebhookEndpoint>> + Send + 'static {
        let this = self.clone();
        paginate(params, move |page| {
            let this = this.clone();
            async move { this.list(&page).await }
        })
    }

    /// `PATCH /v1/webhooks/{id}`: changes only the fields that are set.
    pub async fn update(&self, id: &str, params: &UpdateWebhookParams) -> Result<WebhookEndpoint> {
        let path = ["v1", "webhooks", checked_id(id)?];
        let request = ApiRequest::new(Method::PATCH, &path).json(params)?;
        self.client.send(request, &self.options).await
    }

    /// `DELETE /v1/webhooks/{id}`.
    pub async fn delete(&self, id: &str) -> Result<DeletedWebhookEndpoint> {
        let path = ["v1", "webhooks", checked_id(id)?];
        self.client.send(ApiRequest::new(Method::DELETE, &path), &self.options).await
    }

    /// `POST /v1/webhooks/{id}/test`: delivers a `platform.test` event now and reports the outcome.
    pub async fn test(&self, id: &str) -> Result<TestResult> {
        let path = ["v1", "webhooks", checked_id(id)?, "test"];
        self.client.send(ApiRequest::new(Method::POST, &path), &self.options).await
    }

    /// `POST /v1/webhooks/{id}/rotate-secret`: issues a new secret; the previous one keeps signing
    /// alongside it for `expire_previous_in` seconds.
    pub async fn rotate_secret(&self, id: &str, params: &RotateSecretParams) -> Result<RotatedSecret> {
        let path = ["v1", "webhooks", checked_id(id)?, "rotate-secret"];
        let request = ApiRequest::new(Method::POST, &path).json(params)?;
        self.client.send(request, &self.options).await
    }

    /// `GET /v1/webhooks/{id}/deliveries`: one page of delivery attempts, newest first.
    pub async fn deliveries(&self, id: &str, params: &ListParams) -> Result<Page<DeliveryAttempt>> {
        let path = ["v1", "webhooks", checked_id(id)?, "deliveries"];
        let request = with_paging(ApiRequest::new(Method::GET, &path), params)?;
        self.client.send(request, &self.options).await
    }

    /// Every delivery attempt of an endpoint, newest first, fetching pages as the stream is read.
    pub fn deliveries_all(
        &self,
        id: &str,
        params: ListParams,
    ) -> impl Stream<Item = Result<DeliveryAttempt>> + Send + 'static {
        let this = self.clone();
        let id = id.to_owned();
        paginate(params, move |page| {
            let this = this.clone();
            let id = id.clone();
            async move { this.deliveries(&id, &page).await }
        })
    }
}

/// Refuses an empty id here: sent as is, it would address the collection instead of one endpoint.
/// So would `.` and `..`, which URL path building drops as dot-segments instead of encoding.
fn checked_id(id: &str) -> Result<&str> {
    if id.trim().is_empty() {
        return Err(Error::new(ErrorKind::InvalidArgument, "the webhook endpoint id is empty"));
    }
    if matches!(id, "." | "..") {
        return Err(Error::new(ErrorKind::InvalidArgument, format!("`{id}` is not a webhook endpoint id")));
    }
    Ok(id)
}

fn with_paging<'a>(mut request: ApiRequest<'a>, params: &ListParams) -> Result<ApiRequest<'a>> {
    if let Some(limit) = params.limit {
        if !(1..=100).contains(&limit) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("limit must be between 1 and 100, not {limit}"),
            ));
        }
        request.query.push(("limit", limit.to_string()));
    }
    if let Some(cursor) = &params.cursor {
        request.query.push(("cursor", cursor.clone()));
    }
    Ok(request)
}
