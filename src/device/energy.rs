//! The battery cost of a device's run (DESIGN §13), priced once it has finished from what it
//! recorded: wake-ups, background awake time, and every background use of the radio (sync
//! events that need the network, Background Fetch downloads, outside user sessions) on Wi-Fi
//! or cellular.

use super::DeviceSim;
use super::record::WakeCause;
use crate::engine::rng::round_to_u64;
use crate::engine::time::DAY;
use crate::model::energy::{EnergyCause, EnergyParams, Radio, Transfer, radio_energy};

impl DeviceSim<'_> {
    /// Fills every day's `energy_uah` (android only: desktop runs on mains).
    pub(super) fn finish_energy(&mut self) {
        if !self.android() {
            return;
        }
        let p = EnergyParams::from(self.params);
        let horizon = self.horizon.ms();
        let wifi = self.spec.wifi.windows(horizon, self.local);
        let radio = |on_wifi: bool| {
            if on_wifi {
                Radio::Wifi
            } else {
                Radio::Cellular
            }
        };
        // Attempts come in dispatch order, so their starts never decrease: the window lookups
        // move cursors forward.
        let (mut wifi_at, mut session_at) = (wifi.cursor(), self.sessions.cursor());
        let mut transfers: Vec<Transfer> = Vec::with_capacity(self.out.attempts.len());
        for row in &self.out.attempts {
            let reg = &self.out.registrations[row.reg as usize];
            let spec = &self.spec.origins[reg.origin as usize].registrations[reg.spec as usize];
            let from = row.start.ms();
            // In a user session the radio is up for the user's own browsing anyway: a sync
            // event there adds no promotion or tail of its own. Only background transfers count.
            if spec.handler.needs_network && !session_at.contains(from) {
                transfers.push(Transfer {
                    from,
                    to: row.end.map_or(horizon, |e| e.ms()),
                    radio: radio(wifi_at.contains(from)),
                    bytes_per_s: 0,
                });
            }
        }
        if self.out.fetches.is_empty() {
            // Only attempts: sorted but for attempts dispatched at one instant that end out of
            // order, and two transfers with equal `(from, to)` are equal (the radio follows
            // `from`), so an insertion sort gives what any sort does, in about n steps.
            insertion_sort_by_span(&mut transfers);
        } else {
            for f in &self.out.fetches {
                for &(_, from, to) in &f.segments {
                    if self.sessions.contains(from.ms()) {
                        continue;
                    }
                    transfers.push(Transfer {
                        from: from.ms(),
                        to: to.ms(),
                        radio: radio(wifi.contains(from.ms())),
                        bytes_per_s: self.spec.bandwidth,
                    });
                }
            }
            transfers.sort_unstable_by_key(|t| (t.from, t.to));
        }
        let mut radio_mj = vec![[0f64; 5]; self.out.days.len()];
        radio_energy(&transfers, &p, horizon, |t, cause, mj| {
            let d = ((t / DAY) as usize).min(radio_mj.len() - 1);
            radio_mj[d][cause as usize] += mj;
        });
        for (day, mj) in self.out.days.iter_mut().zip(&radio_mj) {
            let starts = day.wakeups_total() - day.wakeups[WakeCause::Timer];
            let mut uah = [0f64; 5];
            uah[EnergyCause::ProcessStart as usize] =
                starts as f64 * EnergyParams::uah_of_current(p.cpu_active_ma, p.process_start_ms);
            uah[EnergyCause::Awake as usize] =
                EnergyParams::uah_of_current(p.cpu_awake_ma, day.awake_ms);
            for c in [
                EnergyCause::RadioPromotion,
                EnergyCause::RadioActive,
                EnergyCause::RadioTail,
            ] {
                uah[c as usize] = p.uah(mj[c as usize]);
            }
            for (out, v) in day.energy_uah.iter_mut().zip(uah) {
                *out = round_to_u64(v);
            }
        }
    }
}

/// Sorts by `(from, to)`, each element moved back past the larger ones before it: linear for
/// the attempts' transfers, which are out of order only within an instant (std's stable sort,
/// which also takes sorted runs as they are, cost 0.7 % more of bench-fleet's instructions).
fn insertion_sort_by_span(transfers: &mut [Transfer]) {
    for i in 1..transfers.len() {
        let t = transfers[i];
        let mut j = i;
        while j > 0 && (transfers[j - 1].from, transfers[j - 1].to) > (t.from, t.to) {
            transfers[j] = transfers[j - 1];
            j -= 1;
        }
        transfers[j] = t;
    }
}
