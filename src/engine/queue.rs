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
//!
//! # Lanes
//! A timer that is re-armed far more often than it fires (Chrome's in-process delayed-processing
//! timer, the OS wake-up task) would leave a stale heap key at every re-arm. Such a timer gets a
//! *lane* instead: a fixed place outside the heap holding at most one event. Arming a lane takes
//! a sequence number from the same counter as `schedule`, and peeks compare the heap's top with
//! the lanes by `(time, seq)`, so the order of events is exactly as if the lane's event had been
//! scheduled (and its predecessor cancelled) in the heap.
//!
//! # Backlog
//! A simulation usually knows much of its future before it starts (a device's 30 days of user
//! sessions). Those events would sit deep in the heap and lengthen every push and pop. Events
//! scheduled between [`EventQueue::open_backlog`] and [`EventQueue::seal`] go to a *backlog*
//! instead, sorted once by the same `(time, seq)` key; the heap holds only the backlog's next
//! key, and popping it (or discarding it, cancelled) moves the one after it into the heap. The
//! order is exactly as if every event were in the heap.

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
    /// Lane events: key (its slot bits unused) and event.
    lanes: Vec<Option<(HeapKey, E)>>,
    /// The lane with the earliest event and its key (kept as lanes change: peeks are far more
    /// frequent than re-arms).
    first_lane: Option<(usize, HeapKey)>,
    /// Keys scheduled into the backlog, sorted once sealed; `backlog[next_backlog]` is the one
    /// after the backlog key in the heap.
    backlog: Vec<HeapKey>,
    next_backlog: usize,
    /// A heap key with a sequence number below this came from the backlog (which opens on a
    /// fresh queue; 0 without one).
    backlog_end: u64,
    /// Whether `schedule` fills the backlog.
    filling: bool,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        Self::with_lanes(0)
    }

    /// A queue with `lanes` timer lanes (see the module's doc), numbered from 0.
    pub fn with_lanes(lanes: usize) -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
            live: 0,
            lanes: std::iter::repeat_with(|| None).take(lanes).collect(),
            first_lane: None,
            backlog: Vec::new(),
            next_backlog: 0,
            backlog_end: 0,
            filling: false,
        }
    }

    /// Starts a backlog (see the module's doc): events scheduled until [`EventQueue::seal`]
    /// wait there, out of the heap. Only on an empty queue, once.
    pub fn open_backlog(&mut self) {
        debug_assert!(
            self.next_seq == 0 && self.backlog.is_empty(),
            "a fresh queue"
        );
        self.filling = true;
    }

    /// Ends the backlog: it is sorted (O(n log n) once, O(n) for already sorted runs such as a
    /// timeline's sessions) and its first event enters the heap; what is scheduled from now on
    /// goes to the heap. Must come before any peek or pop.
    pub fn seal(&mut self) {
        if !self.filling {
            return;
        }
        self.filling = false;
        self.backlog_end = self.next_seq;
        // Keys are unique, so the stable sort (which merges the sorted runs it finds, such as a
        // timeline's sessions) gives the same order as any other.
        self.backlog.sort();
        self.feed_backlog();
    }

    /// Moves the backlog's next key into the heap.
    fn feed_backlog(&mut self) {
        if let Some(&key) = self.backlog.get(self.next_backlog) {
            self.next_backlog += 1;
            self.heap.push(Reverse(key));
        }
    }

    /// A key left the heap: if it was the backlog's, the next one takes its place.
    #[inline]
    fn left_heap(&mut self, key: HeapKey) {
        if key.seq() < self.backlog_end {
            self.feed_backlog();
        }
    }

    /// Makes room for `additional` more scheduled events without reallocating (in the heap or
    /// the backlog, whichever they go to).
    pub fn reserve(&mut self, additional: usize) {
        self.heap.reserve(additional);
        self.backlog.reserve(additional);
        self.slots.reserve(additional);
        self.free.reserve(additional);
    }

    /// How many events the queue held room for at once (its slots, stale keys aside).
    pub fn capacity(&self) -> usize {
        self.slots.capacity()
    }

    /// Arms lane `lane` with `event` at `time`, replacing (cancelling) what it held: ordered
    /// like `cancel` of the old event followed by `schedule` of this one.
    pub fn set_lane(&mut self, lane: usize, time: SimTime, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let key = HeapKey::new(time, seq, u32::MAX);
        let old = self.lanes[lane].replace((key, event));
        if old.is_none() {
            self.live += 1;
        }
        match self.first_lane {
            Some((first, _)) if first == lane => self.first_lane = self.earliest_lane(),
            Some((_, k)) if k < key => {}
            _ => self.first_lane = Some((lane, key)),
        }
    }

    /// When lane `lane`'s event is due, if it holds one.
    pub fn lane_time(&self, lane: usize) -> Option<SimTime> {
        self.lanes[lane].as_ref().map(|(k, _)| k.time())
    }

    /// Empties lane `lane`; returns its event if it held one.
    pub fn clear_lane(&mut self, lane: usize) -> Option<E> {
        let (_, event) = self.lanes[lane].take()?;
        self.live -= 1;
        if self.first_lane.is_some_and(|(first, _)| first == lane) {
            self.first_lane = self.earliest_lane();
        }
        Some(event)
    }

    /// The lane holding the earliest lane event, with its key.
    fn earliest_lane(&self) -> Option<(usize, HeapKey)> {
        let mut first: Option<(usize, HeapKey)> = None;
        for (i, l) in self.lanes.iter().enumerate() {
            if let Some((k, _)) = l
                && first.is_none_or(|(_, f)| *k < f)
            {
                first = Some((i, *k));
            }
        }
        first
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
        let key = HeapKey::new(time, seq, slot);
        if self.filling {
            self.backlog.push(key);
        } else {
            self.heap.push(Reverse(key));
        }
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
        self.peek_time()?;
        self.pop_peeked()
    }

    /// Removes and returns the earliest event, which [`EventQueue::peek_time`] has just found
    /// (the run loop peeks once, decides, then takes it without checking the heap's top again).
    pub fn pop_peeked(&mut self) -> Option<(SimTime, E)> {
        let top = self.heap.peek().map(|Reverse(k)| *k);
        if let Some((lane, key)) = self.first_lane
            && top.is_none_or(|t| key < t)
        {
            let event = self.clear_lane(lane)?;
            return Some((key.time(), event));
        }
        let Reverse(key) = self.heap.pop()?;
        self.left_heap(key);
        let s = &mut self.slots[key.slot() as usize];
        debug_assert_eq!(s.seq, key.seq(), "pop_peeked after peek_time only");
        let event = s.event.take()?;
        self.free.push(key.slot());
        self.live -= 1;
        Some((key.time(), event))
    }

    /// Time of the earliest live event, discarding stale keys on the way.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        debug_assert!(!self.filling, "seal the backlog before running");
        let top = loop {
            let Some(Reverse(key)) = self.heap.peek() else {
                break None;
            };
            let s = &self.slots[key.slot() as usize];
            if s.seq == key.seq() && s.event.is_some() {
                break Some(*key);
            }
            if let Some(Reverse(stale)) = self.heap.pop() {
                self.left_heap(stale);
            }
        };
        let lane = self.first_lane.map(|(_, k)| k);
        match (top, lane) {
            (Some(t), Some(l)) => Some(t.min(l).time()),
            (t, l) => t.or(l).map(HeapKey::time),
        }
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

    #[test]
    fn lane_events_pop_as_if_scheduled_and_rearming_replaces() {
        // Heap: 'a' at 5 (seq 0). Lane 0 armed with 'x' at 5 (seq 1), then re-armed with 'y'
        // at 5 (seq 2): 'x' is gone. Heap: 'b' at 5 (seq 3). Lane 1: 'z' at 3 (seq 4), cleared.
        // Lane 1: 'w' at 7 (seq 5). Order by (time, seq): a(5,0) y(5,2) b(5,3) w(7,5).
        let mut q = EventQueue::with_lanes(2);
        q.schedule(SimTime::from_ms(5), 'a');
        q.set_lane(0, SimTime::from_ms(5), 'x');
        q.set_lane(0, SimTime::from_ms(5), 'y');
        q.schedule(SimTime::from_ms(5), 'b');
        q.set_lane(1, SimTime::from_ms(3), 'z');
        assert_eq!(q.peek_time(), Some(SimTime::from_ms(3)));
        assert_eq!(q.clear_lane(1), Some('z'));
        assert_eq!(q.clear_lane(1), None);
        q.set_lane(1, SimTime::from_ms(7), 'w');
        assert_eq!(q.len(), 4);
        let order: Vec<(u64, char)> =
            std::iter::from_fn(|| q.pop().map(|(t, e)| (t.ms(), e))).collect();
        assert_eq!(order, vec![(5, 'a'), (5, 'y'), (5, 'b'), (7, 'w')]);
        assert!(q.is_empty());
    }

    #[test]
    fn backlog_pops_in_heap_order_and_cancels() {
        // Backlog: a at 5 (seq 0), b at 1 (seq 1), c at 5 (seq 2); sealed; then the heap: d at 1
        // (seq 3), e at 5 (seq 4); b cancelled. By (time, seq): d(1,3) a(5,0) c(5,2) e(5,4) — the
        // backlog's a and c come before the heap's later-scheduled e at the same instant.
        let mut q = EventQueue::new();
        q.open_backlog();
        q.schedule(SimTime::from_ms(5), 'a');
        let b = q.schedule(SimTime::from_ms(1), 'b');
        q.schedule(SimTime::from_ms(5), 'c');
        q.seal();
        q.schedule(SimTime::from_ms(1), 'd');
        q.schedule(SimTime::from_ms(5), 'e');
        assert_eq!(q.cancel(b), Some('b'));
        assert_eq!(q.len(), 4);
        let order: Vec<(u64, char)> =
            std::iter::from_fn(|| q.pop().map(|(t, e)| (t.ms(), e))).collect();
        assert_eq!(order, vec![(1, 'd'), (5, 'a'), (5, 'c'), (5, 'e')]);
        assert!(q.is_empty());
    }

    proptest! {
        /// A backlog against the same queue without one: the first `split` operations go to the
        /// backlog, the rest (and pops in between) to the heap; cancels hit both. Both queues
        /// pop the same sequence.
        #[test]
        fn backlog_matches_plain_queue(
            ops in proptest::collection::vec((0u64..30, 0usize..4), 0..200),
            split in 0usize..100,
        ) {
            // op: (time, 0–1 = schedule, 2 = cancel an earlier one, 3 = pop once sealed).
            let mut backlog = EventQueue::new();
            let mut plain = EventQueue::new();
            backlog.open_backlog();
            let mut keys = Vec::new();
            for (i, (t, op)) in ops.iter().enumerate() {
                if i == split {
                    backlog.seal();
                }
                let at = SimTime::from_ms(*t);
                match op {
                    2 if !keys.is_empty() => {
                        let (kb, kp) = keys[*t as usize % keys.len()];
                        prop_assert_eq!(backlog.cancel(kb), plain.cancel(kp));
                    }
                    3 if i >= split => prop_assert_eq!(backlog.pop(), plain.pop()),
                    _ => keys.push((backlog.schedule(at, i), plain.schedule(at, i))),
                }
                prop_assert_eq!(backlog.len(), plain.len());
            }
            backlog.seal();
            let a: Vec<(SimTime, usize)> = std::iter::from_fn(|| backlog.pop()).collect();
            let b: Vec<(SimTime, usize)> = std::iter::from_fn(|| plain.pop()).collect();
            prop_assert_eq!(a, b);
        }

        /// Lanes against the same queue without them: re-arming a lane is cancelling its
        /// previous event and scheduling the new one, so both pop the same sequence.
        #[test]
        fn lanes_match_cancel_and_schedule(ops in proptest::collection::vec((0u64..20, 0usize..4, any::<bool>()), 0..200)) {
            // Lane ops: (time, lane 0–2 = arm that lane / 3 = schedule in the heap, clear?).
            let mut lanes = EventQueue::with_lanes(3);
            let mut plain = EventQueue::new();
            let mut keys: [Option<EventKey>; 3] = [None; 3];
            for (i, (t, lane, clear)) in ops.iter().enumerate() {
                let at = SimTime::from_ms(*t);
                if *lane == 3 {
                    lanes.schedule(at, i);
                    plain.schedule(at, i);
                    continue;
                }
                if let Some(k) = keys[*lane].take() {
                    plain.cancel(k);
                }
                if *clear {
                    lanes.clear_lane(*lane);
                } else {
                    lanes.set_lane(*lane, at, i);
                    keys[*lane] = Some(plain.schedule(at, i));
                }
                prop_assert_eq!(lanes.len(), plain.len());
            }
            let a: Vec<(SimTime, usize)> = std::iter::from_fn(|| lanes.pop()).collect();
            let b: Vec<(SimTime, usize)> = std::iter::from_fn(|| plain.pop()).collect();
            prop_assert_eq!(a, b);
        }

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
