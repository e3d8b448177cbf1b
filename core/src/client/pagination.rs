//! Walking every page of a list lazily, as a stream.

use std::future::Future;

use futures_util::stream::{self, Stream, TryStreamExt};

use super::models::{ListParams, Page};
use crate::error::{Error, ErrorKind, Result};

/// A stream of every item of a list, fetching each page only when the previous one is used up.
///
/// `fetch` gets the parameters of each page in turn: `first`, then `first` with each page's
/// `cursor`. A server that answers `has_more` with no cursor, or the same cursor twice, ends the
/// stream with a `decode` error instead of looping forever.
pub fn paginate<T, F, Fut>(first: ListParams, fetch: F) -> impl Stream<Item = Result<T>>
where
    F: FnMut(ListParams) -> Fut,
    Fut: Future<Output = Result<Page<T>>>,
{
    struct State<F> {
        next: Option<ListParams>,
        fetch: F,
    }
    stream::try_unfold(State { next: Some(first), fetch }, |mut state| async move {
        let Some(params) = state.next.take() else { return Ok(None) };
        let page = (state.fetch)(params.clone()).await?;
        if page.has_more {
            match page.cursor.clone() {
                Some(cursor) if params.cursor.as_deref() != Some(cursor.as_str()) => {
                    state.next = Some(ListParams { cursor: Some(cursor), ..params });
                }
                _ => {
                    return Err(Error::new(
                        ErrorKind::Decode,
                        "the API said more pages follow but gave no new cursor",
                    ));
                }
            }
        }
        Ok(Some((stream::iter(page.data.into_iter().map(Ok)), state)))
    })
    .try_flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(items: &[u32], cursor: Option<&str>) -> Page<u32> {
        Page {
            object: "list".into(),
            data: items.to_vec(),
            has_more: cursor.is_some(),
            cursor: cursor.map(Into::into),
        }
    }

    #[tokio::test]
    async fn walks_every_page_lazily() {
        let mut calls = Vec::new();
        let items: Vec<u32> = paginate(ListParams { limit: Some(2), cursor: None }, |p| {
            calls.push(p.clone());
            let result = match p.cursor.as_deref() {
                None => page(&[1, 2], Some("c1")),
                Some("c1") => page(&[3, 4], Some("c2")),
                _ => page(&[5], None),
            };
            async move { Ok(result) }
        })
        .try_collect()
        .await
        .unwrap();
        assert_eq!(items, vec![1, 2, 3, 4, 5]);
        let cursors: Vec<Option<String>> = calls.into_iter().map(|p| p.cursor).collect();
        assert_eq!(cursors, vec![None, Some("c1".into()), Some("c2".into())]);
    }

    #[tokio::test]
    async fn a_repeated_cursor_is_an_error_not_a_loop() {
        let result: Result<Vec<u32>> =
            paginate(ListParams::default(), |_| async { Ok(page(&[1], Some("same"))) }).try_collect().await;
        assert_eq!(result.unwrap_err().kind(), ErrorKind::Decode);
    }
}
