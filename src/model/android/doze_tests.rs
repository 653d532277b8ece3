//! Doze's state machine against DeviceIdleController's timings (hand-derived).

use super::doze::*;
use crate::engine::time::{HOUR, MINUTE, SECOND};
use crate::model::params::Params;

const OFF: Inputs = Inputs {
    screen_on: false,
    charging: false,
    stationary: false,
    network: true,
};

/// Fires the alarms in time order until `until`, recording each state change.
fn run(d: &mut Doze, until: u64, inputs: Inputs) -> Vec<(u64, DozeState)> {
    let mut out = vec![];
    let mut last = d.state();
    loop {
        let next = [d.deep_alarm, d.light_alarm].into_iter().flatten().min();
        let Some(t) = next.filter(|&t| t < until) else {
            return out;
        };
        if d.deep_alarm == Some(t) {
            d.deep_alarm_fired(t, inputs);
        } else {
            d.light_alarm_fired(t, inputs);
        }
        if d.state() != last {
            last = d.state();
            out.push((t, last));
        }
    }
}

fn doze(now: u64, inputs: Inputs) -> Doze {
    Doze::new(DozeParams::from(&Params::default()), now, inputs)
}

#[test]
fn light_doze_maintenance_windows_come_at_growing_intervals_up_to_15_minutes() {
    // Screen off at 0, moving (no deep idle). LIGHT_IDLE_AFTER_INACTIVE_TIMEOUT 60 s:
    // idle at 1 min; LIGHT_IDLE_TIMEOUT 5 min: maintenance at 6 min for the 1-min budget;
    // then idle 5 × 2 = 10 min (7 → 17), maintenance 17–18, idle min(20, 15) = 15 min
    // (18 → 33), maintenance 33–34, and 15 min from then on (34 → 49).
    let mut d = doze(0, OFF);
    assert_eq!(d.state(), DozeState::Inactive);
    let m = MINUTE;
    assert_eq!(
        run(&mut d, 50 * m, OFF),
        vec![
            (m, DozeState::LightIdle),
            (6 * m, DozeState::LightMaintenance),
            (7 * m, DozeState::LightIdle),
            (17 * m, DozeState::LightMaintenance),
            (18 * m, DozeState::LightIdle),
            (33 * m, DozeState::LightMaintenance),
            (34 * m, DozeState::LightIdle),
            (49 * m, DozeState::LightMaintenance),
        ]
    );
    assert!(DozeState::LightIdle.restricts() && !DozeState::LightMaintenance.restricts());
}

#[test]
fn deep_idle_periods_grow_by_the_idle_factor_to_six_hours() {
    // Stationary from screen-off at 0: INACTIVE_TIMEOUT 30 min → IDLE_PENDING,
    // IDLE_AFTER_INACTIVE_TIMEOUT 30 min → SENSING (still) → LOCATING, LOCATING_TIMEOUT
    // 30 s → deep idle at 60.5 min. Idle 1 h → maintenance (IDLE_PENDING_TIMEOUT 5 min) at
    // 120.5 min; idle 2 h from 125.5 → maintenance 10 min (×2, MAX_IDLE_PENDING 10 min) at
    // 245.5; idle 4 h from 255.5 → 495.5; maintenance → 505.5; idle min(8 h, 6 h) = 6 h →
    // 865.5; maintenance → 875.5; 6 h again → 1235.5; maintenance → 1245.5.
    let still = Inputs {
        stationary: true,
        ..OFF
    };
    let mut d = doze(0, still);
    let deep: Vec<_> = run(&mut d, 1300 * MINUTE, still)
        .into_iter()
        .filter(|(_, s)| matches!(s, DozeState::DeepIdle | DozeState::DeepMaintenance))
        .collect();
    let at = |min: u64| min * MINUTE + 30 * SECOND;
    assert_eq!(
        deep,
        vec![
            (at(60), DozeState::DeepIdle),
            (at(120), DozeState::DeepMaintenance),
            (at(125), DozeState::DeepIdle),
            (at(245), DozeState::DeepMaintenance),
            (at(255), DozeState::DeepIdle),
            (at(495), DozeState::DeepMaintenance),
            (at(505), DozeState::DeepIdle),
            (at(865), DozeState::DeepMaintenance),
            (at(875), DozeState::DeepIdle),
            (at(1235), DozeState::DeepMaintenance),
            (at(1245), DozeState::DeepIdle),
        ]
    );
}

#[test]
fn a_device_that_never_stays_still_never_reaches_deep_idle() {
    // Moving: every IDLE_PENDING trips the motion sensor and deep doze starts over
    // (MOTION_INACTIVE_TIMEOUT 10 min); only light doze ever restricts.
    let mut d = doze(0, OFF);
    let states = run(&mut d, 24 * HOUR, OFF);
    assert!(
        states
            .iter()
            .all(|(_, s)| !matches!(s, DozeState::DeepIdle | DozeState::DeepMaintenance))
    );
    assert!(
        states.len() > 100,
        "light doze keeps cycling: {}",
        states.len()
    );
}

#[test]
fn screen_on_or_charging_exits_doze_and_moving_ends_deep_idle() {
    let still = Inputs {
        stationary: true,
        ..OFF
    };
    let mut d = doze(0, still);
    run(&mut d, 61 * MINUTE, still);
    assert_eq!(d.state(), DozeState::DeepIdle);
    let charging = Inputs {
        charging: true,
        ..still
    };
    d.screen_or_charging_changed(61 * MINUTE, charging);
    assert_eq!(d.state(), DozeState::Active);
    assert_eq!((d.deep_alarm, d.light_alarm), (None, None));
    // Unplugged and picked up: deep doze starts over, light doze comes back 60 s later.
    d.screen_or_charging_changed(62 * MINUTE, OFF);
    run(&mut d, 200 * MINUTE, still);
    assert_eq!(d.state(), DozeState::DeepIdle);
    d.started_moving(200 * MINUTE, OFF);
    assert_eq!((d.deep, d.light), (Deep::Inactive, Light::Inactive));
    assert_eq!(d.deep_alarm, Some(210 * MINUTE));
    assert_eq!(d.light_alarm, Some(201 * MINUTE));
}

#[test]
fn light_maintenance_waits_for_the_network() {
    // Offline when the 6-min maintenance is due: WAITING_FOR_NETWORK (still restricting)
    // until the network comes back at 8 min.
    let offline = Inputs {
        network: false,
        ..OFF
    };
    let mut d = doze(0, OFF);
    run(&mut d, 2 * MINUTE, OFF);
    run(&mut d, 7 * MINUTE, offline);
    assert_eq!(d.light, Light::WaitingForNetwork);
    assert_eq!(d.state(), DozeState::LightIdle);
    d.network_changed(8 * MINUTE, OFF);
    assert_eq!(d.state(), DozeState::LightMaintenance);
    assert_eq!(d.light_alarm, Some(9 * MINUTE));
}

#[test]
fn skipping_a_steady_light_cycle_lands_where_stepping_it_does() {
    // From 34 min on (see the first test) light doze cycles with the network up: idle 15 min,
    // maintenance 1 min (period 16). Offline it waits for the network a second 15 min before
    // each 1-min maintenance (period 31). Skipping every step before a limit must leave the
    // same light state and alarm as stepping them one by one, and return the last step's time;
    // the limits fall on, just before and just after each kind of step, periods later.
    for network in [true, false] {
        let inputs = Inputs { network, ..OFF };
        let mut steady = doze(0, OFF);
        run(&mut steady, 34 * MINUTE + 1, OFF);
        let c = steady
            .light_steady_cycle(network)
            .expect("steady from 34 min");
        assert_eq!(c.alarm, 49 * MINUTE);
        assert_eq!(c.period, if network { 16 } else { 31 } * MINUTE);
        for periods in [0, 3] {
            for offset in [0, 1, 15 * MINUTE, 16 * MINUTE, 30 * MINUTE, 31 * MINUTE] {
                for delta in [0, 1, 2] {
                    let limit = c.alarm + periods * c.period + offset + delta;
                    if limit <= c.alarm || offset + delta > c.period {
                        continue;
                    }
                    let (mut stepped, mut skipped) = (steady.clone(), steady.clone());
                    let mut last = 0;
                    while let Some(t) = stepped.light_alarm.filter(|&t| t < limit) {
                        stepped.light_alarm_fired(t, inputs);
                        last = t;
                    }
                    assert_eq!(skipped.skip_light_steps(&c, limit), last, "limit {limit}");
                    assert_eq!(skipped.light, stepped.light, "limit {limit}");
                    assert_eq!(skipped.light_alarm, stepped.light_alarm, "limit {limit}");
                    assert_eq!(skipped.state(), stepped.state());
                }
            }
        }
    }
}

#[test]
fn scale_truncates_and_saturates() {
    // (long) (5 min × 2.0) = 10 min exactly; 7 × 1.5 = 10.5 truncates to 10; 2^62 × 4 = 2^64 is
    // one past u64::MAX and saturates, as does u64::MAX × 2.
    assert_eq!(scale(5 * MINUTE, 2.0), 10 * MINUTE);
    assert_eq!(scale(7, 1.5), 10);
    assert_eq!(scale(1 << 62, 4.0), u64::MAX);
    assert_eq!(scale(u64::MAX, 2.0), u64::MAX);
}
