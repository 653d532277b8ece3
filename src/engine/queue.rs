//! The event queue: a binary min-heap keyed by `(time, sequence)` with O(1) cancellation.
//!
//! # Ordering contract
//! Events pop in increasing time; events at the same millisecond pop in the order they were
//! scheduled (FIFO by a per-queue sequence number). This is the whole tie rule of DESIGN §2: *when*
//! each event is scheduled is fixed by SEMANTICS S2 (eager timeline first, then everything enqueued
//! while running), so the queue itself needs no notion of priority.
//!
//! # Layout
//! The heap holds only 16-byte keys, `(time, seq, slot)` packed into one `u128` that orders
//! exactly like the triple (40 bits of time: every instant up to the 10-year horizon limit and
//! beyond; 56 bits of sequence; 32 bits of slot), so a comparison is one integer compare;
//! payloads live in a slab of slots reused through a free list, so a warmed-up queue schedules and pops without allocating. Cancelling
//! frees the slot at once; its heap key becomes stale and is skipped when it surfaces (the slot's
//! sequence number no longer matches). Every operation is O(log n) or better.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::time::SimTime;

/// Handle to a scheduled event, used to cancel it. Stale handles are harmless.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventKey {
    slot: u32,
    seq: u64,
}

/// `time ‖ seq ‖ slot` in one integer: orders by time, then sequence (slot never decides:
/// sequences are unique).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct HeapKey(u128);

/// Times at or past this are kept at it: they are beyond any horizon (`MAX_HORIZON` is about
/// 2^38 ms), so they never run and their order among themselves is still by sequence.
const TIME_CAP: u64 = (1 << 40) - 1;

impl HeapKey {
    fn new(time: SimTime, seq: u64, slot: u32) -> HeapKey {
        debug_assert!(seq < 1 << 56, "sequence numbers fit 56 bits");
        let t = time.ms().min(TIME_CAP) as u128;
        HeapKey(t << 88 | (seq as u128) << 32 | slot as u128)
    }

    fn time(self) -> SimTime {
        SimTime::from_ms((self.0 >> 88) as u64)
    }

    fn seq(self) -> u64 {
        (self.0 >> 32) as u64 & ((1 << 56) - 1)
    }

    fn slot(self) -> u32 {
        self.0 as u32
    }
}

struct Slot<E> {
    seq: u64,
    event: Option<E>,
}

/// A deterministic priority queue of events of type `E`.
pub struct EventQueue<E> {
    heap: BinaryHeap<Reverse<HeapKey>>,
    slots: Vec<Slot<E>>,
    free: Vec<u32>,
    next_seq: u64,
    live: usize,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
            live: 0,
        }
    }

    /// Schedules `event` at `time`, after every event already scheduled for that same time.
    pub fn schedule(&mut self, time: SimTime, event: E) -> EventKey {
        let seq = self.next_seq;
        self.next_seq += 1;
        let slot = match self.free.pop() {
            Some(slot) => {
                let s = &mut self.slots[slot as usize];
                debug_assert!(s.event.is_none(), "free list holds an occupied slot");
                s.seq = seq;
                s.event = Some(event);
                slot
            }
            None => {
                self.slots.push(Slot {
                    seq,
                    event: Some(event),
                });
                (self.slots.len() - 1) as u32
            }
        };
        self.heap.push(Reverse(HeapKey::new(time, seq, slot)));
        self.live += 1;
        EventKey { slot, seq }
    }

    /// Cancels a scheduled event. Returns it if it was still pending, `None` if it already ran or
    /// was cancelled before.
    pub fn cancel(&mut self, key: EventKey) -> Option<E> {
        let s = self.slots.get_mut(key.slot as usize)?;
        if s.seq != key.seq {
            return None;
        }
        let event = s.event.take()?;
        self.free.push(key.slot);
        self.live -= 1;
        Some(event)
    }

    /// Removes and returns the earliest live event with its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        while let Some(Reverse(key)) = self.heap.pop() {
            let s = &mut self.slots[key.slot() as usize];
            if s.seq != key.seq() {
                continue; // cancelled; the slot was reused or is free
            }
            if let Some(event) = s.event.take() {
                self.free.push(key.slot());
                self.live -= 1;
                return Some((key.time(), event));
            }
        }
        None
    }

    /// Removes and returns the earliest event, which [`EventQueue::peek_time`] has just found
    /// live (the run loop peeks once, decides, then takes it without checking it again).
    pub fn pop_peeked(&mut self) -> Option<(SimTime, E)> {
        let Reverse(key) = self.heap.pop()?;
        let s = &mut self.slots[key.slot() as usize];
        debug_assert_eq!(s.seq, key.seq(), "pop_peeked after peek_time only");
        let event = s.event.take()?;
        self.free.push(key.slot());
        self.live -= 1;
        Some((key.time(), event))
    }

    /// Time of the earliest live event, discarding stale keys on the way.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        while let Some(Reverse(key)) = self.heap.peek() {
            let s = &self.slots[key.slot() as usize];
            if s.seq == key.seq() && s.event.is_some() {
                return Some(key.time());
            }
            self.heap.pop();
        }
        None
    }

    /// Number of live (scheduled, not cancelled) events.
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn same_instant_pops_fifo() {
        let mut q = EventQueue::new();
        q.schedule(SimTime::from_ms(5), 'b');
        q.schedule(SimTime::from_ms(1), 'a');
        q.schedule(SimTime::from_ms(5), 'c');
        q.schedule(SimTime::from_ms(5), 'd');
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec!['a', 'b', 'c', 'd']);
    }

    #[test]
    fn cancelled_event_never_pops_and_slot_is_reused() {
        let mut q = EventQueue::new();
        let k = q.schedule(SimTime::from_ms(3), 1);
        q.schedule(SimTime::from_ms(4), 2);
        assert_eq!(q.cancel(k), Some(1));
        assert_eq!(q.cancel(k), None, "second cancel is a no-op");
        // The freed slot is reused; the stale heap key of event 1 must not resurrect event 3.
        let k3 = q.schedule(SimTime::from_ms(10), 3);
        assert_eq!(k3.slot, k.slot);
        assert_eq!(q.len(), 2);
        assert_eq!(q.pop(), Some((SimTime::from_ms(4), 2)));
        assert_eq!(q.pop(), Some((SimTime::from_ms(10), 3)));
        assert_eq!(q.pop(), None);
        assert_eq!(
            q.cancel(k3),
            None,
            "cancelling an event that ran is a no-op"
        );
    }

    proptest! {
        /// Against a sorted reference: pops come out by (time, insertion order), cancelled ones never.
        #[test]
        fn matches_sorted_reference(ops in proptest::collection::vec((0u64..20, any::<bool>()), 0..200)) {
            let mut q = EventQueue::new();
            let mut reference = Vec::new();
            for (i, (t, cancel)) in ops.iter().enumerate() {
                let k = q.schedule(SimTime::from_ms(*t), i);
                if *cancel {
                    q.cancel(k);
                } else {
                    reference.push((*t, i));
                }
            }
            reference.sort();
            let popped: Vec<(u64, usize)> = std::iter::from_fn(|| q.pop().map(|(t, e)| (t.ms(), e))).collect();
            prop_assert_eq!(popped, reference);
        }
    }

    #[test]
    fn packed_keys_order_like_time_then_sequence_up_to_the_horizon_limit() {
        // The longest horizon (3,650 days = 315,360,000,000 ms) and a millisecond before it:
        // the earlier time pops first though scheduled later; at one instant, FIFO. A time past
        // the 40-bit cap (never run: beyond every horizon) still pops after both.
        let max = crate::engine::time::MAX_HORIZON;
        let mut q = EventQueue::new();
        q.schedule(SimTime::from_ms(u64::MAX), 'z');
        q.schedule(SimTime::from_ms(max), 'b');
        q.schedule(SimTime::from_ms(max - 1), 'a');
        q.schedule(SimTime::from_ms(max), 'c');
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec!['a', 'b', 'c', 'z']);
        let mut q = EventQueue::new();
        q.schedule(SimTime::from_ms(max), 'x');
        assert_eq!(q.pop(), Some((SimTime::from_ms(max), 'x')));
    }

    #[test]
    fn peek_skips_cancelled_events_and_pop_peeked_takes_the_peeked_one() {
        // Events at 5 (cancelled), 7 and 10: the peek discards the stale key at 5 and sees 7;
        // the pop takes that one, the next peek sees 10.
        let mut q = EventQueue::new();
        let a = q.schedule(SimTime::from_ms(5), 'a');
        q.schedule(SimTime::from_ms(7), 'b');
        q.schedule(SimTime::from_ms(10), 'c');
        q.cancel(a);
        assert_eq!(q.peek_time(), Some(SimTime::from_ms(7)));
        assert_eq!(q.pop_peeked(), Some((SimTime::from_ms(7), 'b')));
        assert_eq!(q.len(), 1);
        assert_eq!(q.peek_time(), Some(SimTime::from_ms(10)));
        assert_eq!(q.pop_peeked(), Some((SimTime::from_ms(10), 'c')));
        assert_eq!(q.peek_time(), None);
        assert_eq!(q.pop_peeked(), None);
    }
}
