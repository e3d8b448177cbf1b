//! Walking every page of a list: the guard that ends a walk when the API repeats itself, and the
//! lazy stream built on it. The bindings walk pages through the same guard, one call at a time.

use std::future::Future;
use std::hash::{DefaultHasher, Hash, Hasher};

use futures_util::stream::{self, Stream, TryStreamExt};
use serde::{Deserialize, Serialize};

use super::models::{ListParams, Page};
use crate::error::{Error, ErrorKind, Result};

/// The most pages one walk reads before it stops with an error (a million items at 100 a page).
pub const MAX_PAGES: u32 = 10_000;
/// How many of the latest cursors a walk remembers: a cycle shorter than this is caught at once,
/// a longer one by [`MAX_PAGES`].
const REMEMBERED_CURSORS: usize = 16;

/// Where a walk over a list's pages stands. It turns each page into the parameters of the next, and
/// ends with a `decode` error, instead of looping, when the API says more pages follow but gives
/// no cursor, gives a cursor it gave before, or goes past [`MAX_PAGES`].
///
/// It is plain data, so a walk can also be carried from one call to the next (the bindings keep it
/// in the request for the next page).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageWalk {
    /// Pages read so far.
    pages: u32,
    /// Hashes of the latest cursors used, oldest first: fixed size, whatever the cursors' length.
    recent: Vec<u64>,
}

impl PageWalk {
    /// The parameters of the page after `page`, which was fetched with `params`; None after the
    /// last page.
    pub fn next<T>(&mut self, params: &ListParams, page: &Page<T>) -> Result<Option<ListParams>> {
        self.pages = self.pages.saturating_add(1);
        if !page.has_more {
            return Ok(None);
        }
        let cursor = match page.cursor.as_deref() {
            Some(cursor) if !cursor.is_empty() => cursor,
            _ => return Err(walk_error("the API said more pages follow but gave no cursor")),
        };
        if let Some(used) = params.cursor.as_deref() {
            self.remember(used);
        }
        if self.recent.contains(&hash(cursor)) {
            return Err(walk_error("the API gave a cursor it had given before; stopping instead of looping"));
        }
        if self.pages >= MAX_PAGES {
            return Err(walk_error(&format!("the list went on past {MAX_PAGES} pages; stopping")));
        }
        Ok(Some(ListParams { cursor: Some(cursor.to_owned()), ..params.clone() }))
    }

    fn remember(&mut self, cursor: &str) {
        let cursor = hash(cursor);
        if self.recent.last() != Some(&cursor) {
            self.recent.push(cursor);
        }
        if self.recent.len() > REMEMBERED_CURSORS {
            self.recent.remove(0);
        }
    }
}

/// A cursor's hash, cut to 53 bits: a walk crosses JavaScript as JSON, whose numbers hold no more.
fn hash(cursor: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    cursor.hash(&mut hasher);
    hasher.finish() & ((1 << 53) - 1)
}

fn walk_error(message: &str) -> Error {
    Error::new(ErrorKind::Decode, message)
}

/// A stream of every item of a list, fetching each page only when the previous one is used up.
///
/// `fetch` gets the parameters of each page in turn: `first`, then `first` with each page's
/// `cursor`. A [`PageWalk`] guards the walk: an API that repeats itself ends the stream with a
/// `decode` error instead of looping forever.
pub fn paginate<T, F, Fut>(first: ListParams, fetch: F) -> impl Stream<Item = Result<T>>
where
    F: FnMut(ListParams) -> Fut,
    Fut: Future<Output = Result<Page<T>>>,
{
    struct State<F> {
        next: Option<ListParams>,
        walk: PageWalk,
        fetch: F,
    }
    let state = State { next: Some(first), walk: PageWalk::default(), fetch };
    stream::try_unfold(state, |mut state| async move {
        let Some(params) = state.next.take() else { return Ok(None) };
        let page = (state.fetch)(params.clone()).await?;
        state.next = state.walk.next(&params, &page)?;
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
            extra: Default::default(),
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

    #[test]
    fn a_cycle_through_earlier_cursors_is_caught() {
        let mut walk = PageWalk::default();
        let mut params = ListParams::default();
        for cursor in ["a", "b", "c"] {
            params = walk.next(&params, &page(&[1], Some(cursor))).unwrap().unwrap();
        }
        let err = walk.next(&params, &page(&[1], Some("a"))).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
        assert!(err.message().contains("given before"), "{}", err.message());
    }

    #[test]
    fn more_pages_without_a_cursor_and_endless_lists_are_errors() {
        for cursor in [None, Some(String::new())] {
            let endless = Page { has_more: true, cursor, ..page(&[1], None) };
            assert_eq!(
                PageWalk::default().next(&ListParams::default(), &endless).unwrap_err().kind(),
                ErrorKind::Decode
            );
        }
        let mut walk = PageWalk::default();
        let mut params = ListParams::default();
        let mut pages = 0u32;
        let err = loop {
            pages += 1;
            match walk.next(&params, &page(&[1], Some(&format!("c{pages}")))) {
                Ok(next) => params = next.unwrap(),
                Err(err) => break err,
            }
        };
        assert_eq!((pages, err.kind()), (MAX_PAGES, ErrorKind::Decode));
    }

    #[test]
    fn a_walk_survives_json_numbers_of_javascript() {
        let mut walk = PageWalk::default();
        let mut params = ListParams::default();
        for n in 0..40 {
            params = walk.next(&params, &page(&[1], Some(&format!("cursor-{n}")))).unwrap().unwrap();
        }
        assert_eq!(walk.recent.len(), REMEMBERED_CURSORS);
        assert!(walk.recent.iter().all(|&h| h < (1 << 53)), "exact as an f64: {:?}", walk.recent);
    }

    #[test]
    fn the_last_page_ends_the_walk_and_limits_carry_over() {
        let mut walk = PageWalk::default();
        let first = ListParams { limit: Some(7), cursor: None };
        let next = walk.next(&first, &page(&[1], Some("c1"))).unwrap().unwrap();
        assert_eq!(next, ListParams { limit: Some(7), cursor: Some("c1".into()) });
        assert_eq!(walk.next(&next, &page(&[2], None)).unwrap(), None);
    }
}
