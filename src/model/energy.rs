//! What background work costs in battery (DESIGN §13): a phone's process starts, CPU awake time
//! and radio use priced in mAh, by cause.
//!
//! The radio follows Huang et al. (MobiSys 2012): the first transfer after the radio went idle
//! pays a promotion; transfers draw the radio's base power plus a per-Mbit/s term while
//! downloading; after the last transfer the radio stays connected for its tail. A transfer that
//! starts within the tail of the previous one shares it (no new promotion, the tail restarts).
//! Wi-Fi is the cheaper radio. Energy is attributed to the day its piece starts in.

use crate::model::params::Params;

/// Why energy was spent, in output order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnergyCause {
    /// CPU time of the browser's start by a wake-up.
    ProcessStart,
    /// CPU kept awake while the process lives for background work.
    Awake,
    RadioPromotion,
    RadioActive,
    RadioTail,
}

impl EnergyCause {
    pub const ALL: [EnergyCause; 5] = [
        EnergyCause::ProcessStart,
        EnergyCause::Awake,
        EnergyCause::RadioPromotion,
        EnergyCause::RadioActive,
        EnergyCause::RadioTail,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EnergyCause::ProcessStart => "process_start",
            EnergyCause::Awake => "awake",
            EnergyCause::RadioPromotion => "radio_promotion",
            EnergyCause::RadioActive => "radio_active",
            EnergyCause::RadioTail => "radio_tail",
        }
    }
}

/// A radio's power model (ms and mW).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RadioModel {
    pub promotion_ms: u64,
    pub promotion_mw: f64,
    pub tail_ms: u64,
    pub tail_mw: f64,
    pub active_mw: f64,
    pub mw_per_mbps: f64,
}

/// Which radio carries a transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Radio {
    Cellular,
    Wifi,
}

/// The energy constants of a run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EnergyParams {
    pub voltage: f64,
    pub cpu_active_ma: f64,
    pub cpu_awake_ma: f64,
    pub process_start_ms: u64,
    pub lte: RadioModel,
    pub wifi: RadioModel,
}

impl From<&Params> for EnergyParams {
    fn from(p: &Params) -> Self {
        EnergyParams {
            voltage: p.battery_voltage,
            cpu_active_ma: p.cpu_active_ma,
            cpu_awake_ma: p.cpu_awake_ma,
            process_start_ms: p.process_start_cpu_time.ms(),
            lte: RadioModel {
                promotion_ms: p.lte_promotion_time.ms(),
                promotion_mw: p.lte_promotion_power,
                tail_ms: p.lte_tail_time.ms(),
                tail_mw: p.lte_tail_power,
                active_mw: p.lte_active_power,
                mw_per_mbps: p.lte_downlink_power_per_mbps,
            },
            wifi: RadioModel {
                promotion_ms: p.wifi_promotion_time.ms(),
                promotion_mw: p.wifi_promotion_power,
                tail_ms: p.wifi_tail_time.ms(),
                tail_mw: p.wifi_tail_power,
                active_mw: p.wifi_active_power,
                mw_per_mbps: p.wifi_downlink_power_per_mbps,
            },
        }
    }
}

impl EnergyParams {
    fn radio(&self, r: Radio) -> &RadioModel {
        match r {
            Radio::Cellular => &self.lte,
            Radio::Wifi => &self.wifi,
        }
    }

    /// Micro-ampere-hours of `mj` millijoules at the battery's voltage (mAh = mJ / (V · 3600)).
    pub fn uah(&self, mj: f64) -> f64 {
        mj / (self.voltage * 3.6)
    }

    /// µAh of a current `ma` drawn for `ms`.
    pub fn uah_of_current(ma: f64, ms: u64) -> f64 {
        ma * ms as f64 / 3600.0
    }
}

/// One use of the radio: `[from, to)` ms on `radio`, downloading at `bytes_per_s` (0 for a
/// sync event's small exchange).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transfer {
    pub from: u64,
    pub to: u64,
    pub radio: Radio,
    pub bytes_per_s: u64,
}

/// The radio's energy for `transfers` sorted by start, each piece reported to `add` as
/// `(time it starts, cause, mJ)`; the last tail is cut at `horizon`.
pub fn radio_energy(
    transfers: &[Transfer],
    p: &EnergyParams,
    horizon: u64,
    mut add: impl FnMut(u64, EnergyCause, f64),
) {
    // The connected radio and the end of its last transfer.
    let mut session: Option<(Radio, u64)> = None;
    let tail = |add: &mut dyn FnMut(u64, EnergyCause, f64), r: Radio, from: u64, ms: u64| {
        if ms > 0 {
            add(
                from,
                EnergyCause::RadioTail,
                ms as f64 * p.radio(r).tail_mw / 1000.0,
            );
        }
    };
    for t in transfers {
        let m = p.radio(t.radio);
        let active_mw = m.active_mw + m.mw_per_mbps * t.bytes_per_s as f64 * 8.0 / 1e6;
        let start = match session {
            Some((r, busy))
                if r == t.radio && t.from <= busy.saturating_add(p.radio(r).tail_ms) =>
            {
                // Within the tail: it is cut short, no promotion.
                if t.from > busy {
                    tail(&mut add, r, busy, t.from - busy);
                }
                busy.max(t.from)
            }
            _ => {
                if let Some((r, busy)) = session {
                    tail(
                        &mut add,
                        r,
                        busy,
                        p.radio(r).tail_ms.min(horizon.saturating_sub(busy)),
                    );
                }
                add(
                    t.from,
                    EnergyCause::RadioPromotion,
                    m.promotion_ms as f64 * m.promotion_mw / 1000.0,
                );
                t.from
            }
        };
        let end = t.to.max(start);
        if end > start {
            add(
                start,
                EnergyCause::RadioActive,
                (end - start) as f64 * active_mw / 1000.0,
            );
        }
        let busy = session
            .filter(|s| s.0 == t.radio)
            .map_or(end, |(_, b)| b.max(end));
        session = Some((t.radio, busy));
    }
    if let Some((r, busy)) = session {
        tail(
            &mut add,
            r,
            busy,
            p.radio(r).tail_ms.min(horizon.saturating_sub(busy)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(transfers: &[Transfer]) -> Vec<(u64, &'static str, f64)> {
        let p = EnergyParams::from(&Params::default());
        let mut out = vec![];
        radio_energy(transfers, &p, u64::MAX, |t, c, mj| {
            out.push((t, c.name(), (mj * 1000.0).round() / 1000.0))
        });
        out
    }

    fn lte(from: u64, to: u64) -> Transfer {
        Transfer {
            from,
            to,
            radio: Radio::Cellular,
            bytes_per_s: 0,
        }
    }

    #[test]
    fn one_sync_event_on_lte_pays_promotion_transfer_and_tail() {
        // A 2-s event at 10 s: promotion 260 ms × 1210.7 mW = 314.782 mJ; active 2 s ×
        // 1288.04 mW = 2576.08 mJ; tail 11.576 s × 1060.0 mW = 12270.56 mJ. In all 15161.422 mJ
        // = 15161.422 / (3.85 × 3.6) µAh = 1093.898 µAh ≈ 1.094 mAh.
        let got = collect(&[lte(10_000, 12_000)]);
        assert_eq!(
            got,
            vec![
                (10_000, "radio_promotion", 314.782),
                (10_000, "radio_active", 2576.08),
                (12_000, "radio_tail", 12270.56),
            ]
        );
        let p = EnergyParams::from(&Params::default());
        let total: f64 = got.iter().map(|g| g.2).sum();
        assert_eq!((p.uah(total) * 1000.0).round() / 1000.0, 1093.898);
    }

    #[test]
    fn two_events_within_one_tail_share_it() {
        // The second event starts 5 s after the first ended (inside the 11.576-s tail): no
        // second promotion; the first tail is cut to 5 s (5300 mJ); one full tail at the end.
        let got = collect(&[lte(0, 2_000), lte(7_000, 9_000)]);
        assert_eq!(
            got,
            vec![
                (0, "radio_promotion", 314.782),
                (0, "radio_active", 2576.08),
                (2_000, "radio_tail", 5300.0),
                (7_000, "radio_active", 2576.08),
                (9_000, "radio_tail", 12270.56),
            ]
        );
    }

    #[test]
    fn a_wifi_event_is_cheap() {
        // Promotion 79 ms × 124.4 mW = 9.828 mJ; active 2 s × 132.86 mW = 265.72 mJ; tail
        // 238 ms × 119.3 mW = 28.393 mJ: 303.941 mJ, 50 times less than on LTE.
        let got = collect(&[Transfer {
            radio: Radio::Wifi,
            ..lte(0, 2_000)
        }]);
        assert_eq!(
            got,
            vec![
                (0, "radio_promotion", 9.828),
                (0, "radio_active", 265.72),
                (2_000, "radio_tail", 28.393),
            ]
        );
    }
}
