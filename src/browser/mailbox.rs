//! A single-threaded async queue: callbacks (a worker's `onmessage`, a timer) post into it, one
//! async loop takes from it in order. The Batch page and its worker each read the other's
//! messages this way, so their loops are plain sequential code instead of state spread over
//! callbacks. Standard library only; tested in the browser (tests/web/mailbox.rs).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::task::{Poll, Waker};

/// Items posted by callbacks, taken by one async reader.
#[derive(Debug)]
pub struct Mailbox<T> {
    state: RefCell<(VecDeque<T>, Option<Waker>)>,
}

impl<T> Default for Mailbox<T> {
    fn default() -> Self {
        Mailbox {
            state: RefCell::new((VecDeque::new(), None)),
        }
    }
}

impl<T> Mailbox<T> {
    pub fn new() -> Mailbox<T> {
        Mailbox::default()
    }

    /// Adds `item` and wakes the reader.
    pub fn post(&self, item: T) {
        let waker = {
            let mut state = self.state.borrow_mut();
            state.0.push_back(item);
            state.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// The oldest item, if one is waiting.
    pub fn try_take(&self) -> Option<T> {
        self.state.borrow_mut().0.pop_front()
    }

    /// The oldest item, waiting for one if none is there.
    pub fn take(&self) -> impl Future<Output = T> + '_ {
        std::future::poll_fn(move |context| {
            let mut state = self.state.borrow_mut();
            match state.0.pop_front() {
                Some(item) => Poll::Ready(item),
                None => {
                    state.1 = Some(context.waker().clone());
                    Poll::Pending
                }
            }
        })
    }
}
