//! The per-origin limiter: at most `limit` requests in flight to one origin (scheme, host and port), the
//! rest queued by priority (lower first, then first come), and a queued request that nobody wants any
//! more (its future dropped) leaves the queue without ever being sent.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

/// Queue position: (priority, arrival).
type Slot = (i32, u64);

#[derive(Debug, Default)]
struct Origin {
    active: usize,
    queue: BTreeMap<Slot, Option<Waker>>,
    /// Slots granted a permit, not yet polled to take it.
    granted: HashSet<Slot>,
}

#[derive(Debug, Default)]
struct State {
    limit: usize,
    origins: HashMap<String, Origin>,
    seq: u64,
    peak: usize,
    cancelled: u64,
}

impl State {
    /// Hands freed slots of `origin` to the first queued requests.
    fn grant(&mut self, origin: &str) {
        let limit = self.limit;
        let Some(o) = self.origins.get_mut(origin) else { return };
        while o.active < limit {
            let Some((slot, waker)) = o.queue.pop_first() else { break };
            o.active += 1;
            o.granted.insert(slot);
            if let Some(w) = waker {
                w.wake();
            }
        }
        self.peak = self.peak.max(o.active);
        if o.active == 0 && o.queue.is_empty() && o.granted.is_empty() {
            self.origins.remove(origin);
        }
    }
}

/// Limits requests in flight per origin (cheap to clone: clones share the limits).
#[derive(Debug, Clone)]
pub struct Limiter {
    state: Arc<Mutex<State>>,
}

/// The right to have one request in flight to an origin; dropping it frees the slot for the next.
#[derive(Debug)]
pub struct Permit {
    limiter: Limiter,
    origin: String,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut s = self.limiter.lock();
        if let Some(o) = s.origins.get_mut(&self.origin) {
            o.active = o.active.saturating_sub(1);
        }
        s.grant(&self.origin);
    }
}

/// The origin of a URL: `scheme://host:port` as written (the part before the path).
pub fn origin_of(url: &str) -> &str {
    let after = url.find("://").map_or(0, |i| i + 3);
    let end = url[after..].find(['/', '?', '#']).map_or(url.len(), |i| after + i);
    &url[..end]
}

impl Limiter {
    /// At most `limit` requests in flight per origin (at least 1).
    pub fn new(limit: usize) -> Self {
        Limiter { state: Arc::new(Mutex::new(State { limit: limit.max(1), ..State::default() })) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for a slot of `url`'s origin; requests of lower `priority` go first.
    pub fn acquire(&self, url: &str, priority: i32) -> Acquire {
        Acquire { limiter: self.clone(), origin: origin_of(url).to_string(), priority, slot: None, done: false }
    }

    /// (queued, in flight, most in flight to one origin so far, dropped from the queue).
    pub fn counts(&self) -> (u64, u64, u64, u64) {
        let s = self.lock();
        let queued = s.origins.values().map(|o| o.queue.len() as u64).sum();
        let active = s.origins.values().map(|o| o.active as u64).sum();
        (queued, active, s.peak as u64, s.cancelled)
    }
}

/// A wait for a [`Permit`] ([`Limiter::acquire`]); dropped while queued, it leaves the queue.
#[derive(Debug)]
pub struct Acquire {
    limiter: Limiter,
    origin: String,
    priority: i32,
    slot: Option<Slot>,
    done: bool,
}

impl Future for Acquire {
    type Output = Permit;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Permit> {
        let this = &mut *self;
        let limiter = this.limiter.clone();
        let mut s = limiter.lock();
        let limit = s.limit;
        s.seq += 1;
        let seq = s.seq;
        let o = s.origins.entry(this.origin.clone()).or_default();
        let ready = match this.slot {
            Some(slot) if o.granted.remove(&slot) => true,
            Some(slot) => {
                if let Some(w) = o.queue.get_mut(&slot) {
                    *w = Some(cx.waker().clone());
                }
                false
            }
            None if o.active < limit && o.queue.is_empty() => {
                o.active += 1;
                true
            }
            None => {
                let slot = (this.priority, seq);
                o.queue.insert(slot, Some(cx.waker().clone()));
                this.slot = Some(slot);
                false
            }
        };
        if !ready {
            return Poll::Pending;
        }
        let active = o.active;
        s.peak = s.peak.max(active);
        this.done = true;
        Poll::Ready(Permit { limiter: this.limiter.clone(), origin: this.origin.clone() })
    }
}

impl Drop for Acquire {
    fn drop(&mut self) {
        let (Some(slot), false) = (self.slot, self.done) else { return };
        let mut s = self.limiter.lock();
        let Some(o) = s.origins.get_mut(&self.origin) else { return };
        if o.queue.remove(&slot).is_some() {
            s.cancelled += 1;
        } else if o.granted.remove(&slot) {
            // Granted but never taken: give the slot on.
            o.active = o.active.saturating_sub(1);
        }
        s.grant(&self.origin);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Wake;

    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }

    fn poll<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
        let w = Waker::from(Arc::new(Noop));
        Pin::new(f).poll(&mut Context::from_waker(&w))
    }

    #[test]
    fn origins_are_scheme_host_and_port() {
        assert_eq!(origin_of("https://b.s3.amazonaws.com/k/x.tif?X-Amz=1"), "https://b.s3.amazonaws.com");
        assert_eq!(origin_of("http://127.0.0.1:8080/a"), "http://127.0.0.1:8080");
        assert_eq!(origin_of("http://h"), "http://h");
    }

    #[test]
    fn queued_requests_go_by_priority_and_a_dropped_one_leaves_the_queue() {
        let l = Limiter::new(2);
        let u = "http://h/f";
        let p1 = match poll(&mut l.acquire(u, 5)) {
            Poll::Ready(p) => p,
            Poll::Pending => panic!("a free slot"),
        };
        let _p2 = match poll(&mut l.acquire(u, 5)) {
            Poll::Ready(p) => p,
            Poll::Pending => panic!("a free slot"),
        };
        // Another origin has its own slots.
        assert!(poll(&mut l.acquire("http://other/f", 9)).is_ready());
        let mut far = l.acquire(u, 9);
        let mut near = l.acquire(u, 1);
        let mut gone = l.acquire(u, 0);
        assert!(poll(&mut far).is_pending() && poll(&mut near).is_pending() && poll(&mut gone).is_pending());
        assert_eq!(l.counts().0, 3);
        drop(gone); // nobody wants it: it leaves the queue, never sent
        assert_eq!(l.counts().0, 2);
        assert_eq!(l.counts().3, 1);
        drop(p1);
        assert!(poll(&mut far).is_pending(), "priority 9 waits behind 1");
        let p3 = match poll(&mut near) {
            Poll::Ready(p) => p,
            Poll::Pending => panic!("priority 1 goes first"),
        };
        drop(p3);
        assert!(poll(&mut far).is_ready());
        assert_eq!(l.counts().2, 2, "never more than the limit in flight");
    }
}
