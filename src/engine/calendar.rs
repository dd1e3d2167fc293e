//! The event calendar: a priority queue of future events keyed by (time, sequence).
//!
//! The key has two parts on purpose. Time orders events; the sequence number, taken
//! from a counter at scheduling, breaks ties in insertion order. Two events at the same
//! instant therefore always run in the order they were scheduled, independent of heap
//! layout, thread count or machine, which is what makes replications bit-identical.
//!
//! The earliest event is kept out of the heap while it is earlier than all of the
//! heap's: a model's next tick usually is, so most ticks are scheduled and popped
//! without a heap operation. The order of events is the same either way.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashSet};

use super::time::SimTime;

/// Future events of one replication, popped in (time, insertion order).
#[derive(Debug)]
pub struct Calendar<E> {
    /// An event earlier than every event in the heap, if one is kept aside.
    soonest: Option<Entry<E>>,
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
    now: SimTime,
    /// Sequence numbers of cancelled events still in the heap.
    cancelled: HashSet<u64>,
}

/// Names one scheduled event, to cancel it.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct EventKey(u64);

#[derive(Debug)]
struct Entry<E> {
    time: SimTime,
    seq: u64,
    event: E,
}

impl<E> Entry<E> {
    /// Whether `self` runs before `other`.
    fn before(&self, other: &Entry<E>) -> bool {
        (self.time, self.seq) < (other.time, other.seq)
    }
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.seq == other.seq
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    // BinaryHeap is a max-heap: reverse so that the earliest (time, seq) pops first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

impl<E> Default for Calendar<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> Calendar<E> {
    pub fn new() -> Self {
        Calendar {
            soonest: None,
            heap: BinaryHeap::new(),
            next_seq: 0,
            now: SimTime::ZERO,
            cancelled: HashSet::new(),
        }
    }

    /// The time of the event popped last (the simulation clock).
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at `time`. A time in the past is moved to now, so the clock
    /// never runs backwards. The key cancels it.
    pub fn schedule(&mut self, time: SimTime, event: E) -> EventKey {
        let time = time.max(self.now);
        let seq = self.next_seq;
        self.next_seq += 1;
        let entry = Entry { time, seq, event };
        match &mut self.soonest {
            Some(soonest) if entry.before(soonest) => {
                let later = std::mem::replace(soonest, entry);
                self.heap.push(later);
            }
            Some(_) => self.heap.push(entry),
            None if self.heap.peek().is_none_or(|front| entry.before(front)) => self.soonest = Some(entry),
            None => self.heap.push(entry),
        }
        EventKey(seq)
    }

    /// Cancels a scheduled event. Cancelling one that already ran, or twice, does
    /// nothing.
    pub fn cancel(&mut self, key: EventKey) {
        let pending = self.soonest.iter().chain(self.heap.iter()).any(|e| e.seq == key.0);
        if key.0 < self.next_seq && pending {
            self.cancelled.insert(key.0);
        }
    }

    /// Removes the next event and advances the clock to its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.drop_cancelled();
        let entry = match self.soonest.take() {
            Some(entry) => entry,
            None => self.heap.pop()?,
        };
        self.now = entry.time;
        Some((entry.time, entry.event))
    }

    /// Time of the next event, if any.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        self.drop_cancelled();
        self.soonest.as_ref().or(self.heap.peek()).map(|e| e.time)
    }

    /// Events still to run.
    pub fn len(&self) -> usize {
        self.heap.len() + usize::from(self.soonest.is_some()) - self.cancelled.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops cancelled events from the front of the heap.
    fn drop_cancelled(&mut self) {
        while !self.cancelled.is_empty() {
            if let Some(soonest) = &self.soonest {
                if !self.cancelled.remove(&soonest.seq) {
                    return;
                }
                self.soonest = None;
                continue;
            }
            match self.heap.peek() {
                Some(front) if self.cancelled.remove(&front.seq) => {
                    self.heap.pop();
                }
                _ => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_then_insertion_order() {
        let mut cal = Calendar::new();
        cal.schedule(SimTime(5), "b1");
        cal.schedule(SimTime(1), "a");
        cal.schedule(SimTime(5), "b2");
        cal.schedule(SimTime(5), "b3");
        cal.schedule(SimTime(9), "c");
        let order: Vec<_> = std::iter::from_fn(|| cal.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ["a", "b1", "b2", "b3", "c"]);
    }

    #[test]
    fn a_cancelled_event_never_surfaces_and_the_rest_keep_their_order() {
        let mut cal = Calendar::new();
        cal.schedule(SimTime(5), "b1");
        let gone = cal.schedule(SimTime(5), "b2");
        cal.schedule(SimTime(5), "b3");
        let front = cal.schedule(SimTime(1), "a");
        cal.cancel(gone);
        cal.cancel(gone);
        cal.cancel(front);
        assert_eq!(cal.len(), 2);
        assert_eq!(cal.peek_time(), Some(SimTime(5)));
        let order: Vec<_> = std::iter::from_fn(|| cal.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ["b1", "b3"]);
        assert!(cal.is_empty());
    }

    #[test]
    fn cancelling_an_event_that_ran_does_nothing() {
        let mut cal = Calendar::new();
        let ran = cal.schedule(SimTime(1), 1);
        assert_eq!(cal.pop(), Some((SimTime(1), 1)));
        cal.cancel(ran);
        cal.schedule(SimTime(2), 2);
        assert_eq!(cal.len(), 1);
        assert_eq!(cal.pop(), Some((SimTime(2), 2)));
    }

    #[test]
    fn events_kept_aside_run_in_the_same_order_as_the_heap_would_run_them() {
        // Schedules, pops and cancels in a pseudo-random mix, against a list sorted by
        // (time, insertion order): the event kept out of the heap changes nothing.
        let mut cal = Calendar::new();
        let mut reference: Vec<(SimTime, u64)> = Vec::new();
        let mut keys = Vec::new();
        let mut x = 12_345u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for id in 0..5_000u64 {
            match next() % 4 {
                0 | 1 => {
                    let time = (cal.now() + crate::engine::SimDuration(next() % 50)).max(cal.now());
                    keys.push((cal.schedule(time, id), time, id));
                    reference.push((time, id));
                }
                2 => {
                    reference.sort();
                    let expected = (!reference.is_empty()).then(|| reference.remove(0));
                    assert_eq!(cal.pop(), expected);
                    assert_eq!(cal.len(), reference.len());
                }
                _ => {
                    if let Some(&(key, time, id)) = keys.get((next() % 64) as usize) {
                        cal.cancel(key);
                        reference.retain(|e| *e != (time, id));
                    }
                }
            }
        }
        reference.sort();
        assert_eq!(cal.peek_time(), reference.first().map(|e| e.0));
        let rest: Vec<_> = std::iter::from_fn(|| cal.pop()).collect();
        assert_eq!(rest, reference);
    }

    #[test]
    fn the_clock_never_runs_backwards() {
        let mut cal = Calendar::new();
        cal.schedule(SimTime(10), 1);
        assert_eq!(cal.pop(), Some((SimTime(10), 1)));
        cal.schedule(SimTime(3), 2);
        assert_eq!(cal.pop(), Some((SimTime(10), 2)));
        assert_eq!(cal.now(), SimTime(10));
    }
}
