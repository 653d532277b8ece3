//! DESIGN §13: what background work costs in battery, priced from a device's run. The radio
//! model's pieces are unit-tested in `model::energy`; these pin whole device-days of
//! `android_phone` (used 0–10 min, always online), with Android's power management off where
//! only the energy model is under test.

mod common;

use common::*;
use serde_json::json;

fn energy_rows(r: &Run) -> Vec<Vec<String>> {
    let mut rd = csv::Reader::from_path(r.dir.path().join("out/energy.csv")).unwrap();
    rd.records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect()
}

/// A 2 s one-shot that needs the network, fails once and then succeeds.
fn retried_network_sync() -> serde_json::Value {
    json!({
        "duration": { "fixed": "2s" }, "outcomes": ["fail", "success"], "needs_network": true
    })
}

#[test]
fn a_background_sync_event_on_lte_costs_its_wakeup_promotion_transfer_and_tail() {
    // The one-shot registered at 9 min 59 s fails once (in the session: no radio cost of its
    // own, see below); its retry wakes the browser at 15 min 1 s and runs 2 s on LTE. Process
    // start: 1 s × 100 mA = 27.778 µAh → 28; awake 60 s until the OS kills the process:
    // 60 s × 20 mA = 333.333 → 333. Radio: promotion 260 ms × 1210.7 mW = 314.782 mJ, transfer
    // 2 s × 1288.04 mW = 2576.08 mJ, tail 11.576 s × 1060 mW = 12270.56 mJ; at 3.85 V,
    // µAh = mJ / 13.86: 22.711 → 23, 185.864 → 186, 885.322 → 885. In all 1,455 µAh.
    let r = run(&android_phone(
        retried_network_sync(),
        "9m59s",
        json!({ "power_management": false }),
    ));
    assert_eq!(wakeups(&r), vec![(901_000, "retry".to_string())]);
    assert_eq!(
        energy_rows(&r),
        vec![vec![
            "0", "0", "1.455", "0.028", "0.333", "0.023", "0.186", "0.885"
        ]]
    );
    assert_eq!(r.summary["energy"]["mah_per_device_day"]["max"], 1.455);
}

#[test]
fn on_wifi_the_same_event_costs_fifty_times_less_radio() {
    // Wi-Fi all day: 9.828 + 265.72 + 28.393 mJ → 0.709 → 1, 19.172 → 19, 2.049 → 2 µAh of
    // radio (22 against 1,094 on LTE); process start and awake time as on LTE.
    let r = run(&android_phone(
        retried_network_sync(),
        "9m59s",
        json!({ "power_management": false, "wifi": "always" }),
    ));
    assert_eq!(
        energy_rows(&r),
        vec![vec![
            "0", "0", "0.383", "0.028", "0.333", "0.001", "0.019", "0.002"
        ]]
    );
}

#[test]
fn a_sync_event_in_a_user_session_adds_no_radio_cost() {
    // At 1 min, in the session: the radio is up for the user's browsing anyway.
    let handler = json!({ "duration": { "fixed": "2s" }, "needs_network": true });
    let r = run(&android_phone(
        handler,
        "1m",
        json!({ "power_management": false }),
    ));
    assert_eq!(r.attempts.len(), 1);
    assert_eq!(
        energy_rows(&r),
        vec![vec![
            "0", "0", "0.000", "0.000", "0.000", "0.000", "0.000", "0.000"
        ]]
    );
}

#[test]
fn a_wakeup_without_network_use_costs_its_start_and_awake_time() {
    // The one-shot registered at 9 min 59 s fails once, without using the network; its retry
    // wakes the browser at 15 min 1 s (power management off): one process start, 1 s of CPU at
    // 100 mA = 27.778 µAh → 28; then the process lives 60 s until the OS kills it (the 2-s
    // event ends long before): 60 s × 20 mA = 333.333 µAh → 333. No radio.
    let handler = json!({ "duration": { "fixed": "2s" }, "outcomes": ["fail", "success"] });
    let r = run(&android_phone(
        handler,
        "9m59s",
        json!({ "power_management": false }),
    ));
    assert_eq!(wakeups(&r), vec![(901_000, "retry".to_string())]);
    assert_eq!(
        energy_rows(&r),
        vec![vec![
            "0", "0", "0.361", "0.028", "0.333", "0.000", "0.000", "0.000"
        ]]
    );
}

#[test]
fn desktop_devices_on_mains_report_no_energy() {
    let mut s = android_phone(json!({ "duration": { "fixed": "2s" } }), "1m", json!(null));
    s["devices"][0]["platform"] = json!("desktop");
    s["devices"][0].as_object_mut().unwrap().remove("android");
    let r = run(&s);
    assert!(energy_rows(&r).is_empty());
    assert_eq!(r.summary["energy"]["device_days"], 0);
}
