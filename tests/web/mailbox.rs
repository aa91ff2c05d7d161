//! The mailbox the app and its worker read messages through (`browser::mailbox`): order and
//! waking, polled by hand so the test sees each step.

use instacart_reorder::browser::mailbox::Mailbox;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Wake};
use std::task::{Poll, Waker};
use wasm_bindgen_test::wasm_bindgen_test;

struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[wasm_bindgen_test]
fn items_come_out_in_order_and_a_waiting_reader_is_woken() {
    let mailbox = Mailbox::new();
    mailbox.post(1);
    assert_eq!(mailbox.try_take(), Some(1));
    assert_eq!(mailbox.try_take(), None);
    let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
    let waker = Waker::from(Arc::clone(&counter));
    let mut context = Context::from_waker(&waker);
    let mut next = pin!(mailbox.take());
    assert!(next.as_mut().poll(&mut context).is_pending());
    mailbox.post(2);
    mailbox.post(3);
    assert_eq!(counter.0.load(Ordering::SeqCst), 1);
    assert_eq!(next.as_mut().poll(&mut context), Poll::Ready(2));
    assert_eq!(mailbox.try_take(), Some(3));
}
