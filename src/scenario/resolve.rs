//! Validation of the parsed scenario file into `model::world` types: every semantic check
//! (times inside the horizon, unique names, kind-specific fields) with the JSON path it concerns.
//! Origins and what they hold are validated in `origin.rs`.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::format::*;
use super::{InputError, Scenario, limits};
use crate::engine::time::SimDuration;
use crate::experiment::{Expect, Rule};
use crate::model::browser::{CrashSpec, Platform, Sessions};
use crate::model::fleet::{DeviceBlock, FleetSpec};
use crate::model::network::{Flaky, NetworkSpec};
use crate::model::params::{ParamDef, Params, Unit, Value};
use crate::model::policy::Preset;
use crate::model::timeline::Windows;
use crate::model::trace::Trace;
use crate::model::world::DeviceSpec;

use super::trace_file::{CsvTrace, TraceKind, WifiRows};

/// Default download bandwidth (bytes/s) for Background Fetch, when the network gives none.
const DEFAULT_BANDWIDTH: u64 = 1_000_000;

/// DESIGN §4.2: the OS kills an idle android browser after 60 s unless configured otherwise.
const DEFAULT_IDLE_KILL_AFTER: u64 = 60 * crate::engine::time::SECOND;

/// Longest scenario name: it names a directory, `results/<name>/`.
pub const MAX_NAME_LEN: usize = 64;

/// A scenario name names `results/<name>/` and `results/baselines/<name>.json`, so it must be a
/// safe slug (DESIGN §9): letters, digits, `.`, `_` and `-`, not starting with a dot (no `.`,
/// `..` or hidden directories), at most [`MAX_NAME_LEN`] bytes, and not `baselines`.
pub fn check_name(name: &str) -> Result<(), String> {
    let shown: String = name.chars().take(MAX_NAME_LEN + 8).collect();
    if name.is_empty() {
        return Err("expected a non-empty name such as \"retry-basics\"".into());
    }
    if name.len() > MAX_NAME_LEN {
        return Err(format!(
            "expected a name of at most {MAX_NAME_LEN} characters (it names results/<name>/), got {} characters",
            name.len()
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(format!(
            "expected a name of letters, digits, '.', '_' and '-' only (it names results/<name>/), got {shown:?} with {c:?}"
        ));
    }
    if name.starts_with('.') {
        return Err(format!(
            "expected a name that does not start with '.' (it names results/<name>/), got {shown:?}"
        ));
    }
    if name == "baselines" {
        return Err(
            "the name \"baselines\" is reserved: results/baselines/ holds the CI baselines".into(),
        );
    }
    Ok(())
}

pub(super) struct Resolver<'a> {
    pub(super) file: &'a str,
    /// Every trace file the scenario reads (DESIGN §14), in the order met.
    pub(super) traces: std::cell::RefCell<Vec<Arc<CsvTrace>>>,
    /// The block being resolved: its horizon and the `count` it gives, for trace checks.
    pub(super) block: std::cell::Cell<(u64, Option<u64>)>,
}

impl Resolver<'_> {
    pub(super) fn new(file: &str) -> Resolver<'_> {
        Resolver {
            file,
            traces: Default::default(),
            block: Default::default(),
        }
    }

    pub(super) fn err(&self, path: impl Into<String>, message: impl Into<String>) -> InputError {
        InputError::new(self.file, path, message)
    }

    pub(super) fn scenario(
        &self,
        raw: ScenarioFile,
        digest: String,
    ) -> Result<Scenario, InputError> {
        check_name(&raw.name).map_err(|m| self.err("name", m))?;
        if raw.duration.0 == 0 {
            return Err(self.err("duration", "expected a duration greater than 0"));
        }
        let preset = Preset::from_name(&raw.policy.preset).ok_or_else(|| {
            let known: Vec<_> = Preset::ALL.iter().map(|p| p.name()).collect();
            self.err(
                "policy.preset",
                format!(
                    "unknown preset {:?}, expected one of {}",
                    raw.policy.preset,
                    known.join(", ")
                ),
            )
        })?;
        let params = self.params(&raw.policy.params)?;
        if raw.devices.is_empty() {
            return Err(self.err("devices", "expected at least one device block"));
        }
        let horizon = raw.duration.0;
        let mut devices = 0u64;
        for (i, d) in raw.devices.iter().enumerate() {
            devices = devices.saturating_add(d.count.map_or(0, |c| c.0));
            if devices > limits::MAX_DEVICES {
                return Err(self.err(
                    format!("devices[{i}].count"),
                    format!("expected at most {} devices in all", limits::MAX_DEVICES),
                ));
            }
        }
        let blocks = raw
            .devices
            .into_iter()
            .enumerate()
            .map(|(i, d)| self.device(d, &format!("devices[{i}]"), horizon))
            .collect::<Result<Vec<_>, _>>()?;
        let mut devices = 0u64;
        for (i, b) in blocks.iter().enumerate() {
            devices = devices.saturating_add(b.count);
            if devices > limits::MAX_DEVICES {
                return Err(self.err(
                    format!("devices[{i}].count"),
                    format!(
                        "expected at most {} devices in all (counting the devices traces name)",
                        limits::MAX_DEVICES
                    ),
                ));
            }
        }
        let expect = raw
            .expect
            .into_iter()
            .enumerate()
            .map(|(i, e)| self.expect(e, &format!("expect[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        let fleet = FleetSpec::new(blocks, horizon, raw.seed, preset, params);
        Ok(Scenario::new(
            raw.name,
            raw.description,
            fleet,
            expect,
            digest,
            self.file.to_string(),
            self.traces.take(),
        ))
    }

    fn params(
        &self,
        raw: &std::collections::BTreeMap<String, serde_json::Value>,
    ) -> Result<Params, InputError> {
        let mut params = Params::default();
        for (name, value) in raw {
            let path = format!("policy.params.{name}");
            let def = Params::def(name).ok_or_else(|| {
                self.err(
                    &path,
                    format!("unknown parameter {name:?} (`bgsim params` lists them)"),
                )
            })?;
            let v = match (def.unit, value) {
                (Unit::Duration, serde_json::Value::String(s)) => {
                    def.parse(s).map_err(|m| self.err(&path, m))?
                }
                (Unit::Count, serde_json::Value::Number(n)) if n.as_u64().is_some() => {
                    ParamDef::count(n.as_u64().unwrap_or_default())
                        .map_err(|m| self.err(&path, m))?
                }
                (Unit::Bool, serde_json::Value::Bool(b)) => Value::Bool(*b),
                (Unit::Choice, serde_json::Value::String(text)) => {
                    def.parse(text).map_err(|m| self.err(&path, m))?
                }
                (Unit::Real, serde_json::Value::Number(n))
                    if n.as_f64().is_some_and(|x| x >= 0.0) =>
                {
                    Value::Real(n.as_f64().unwrap_or_default())
                }
                (unit, other) => {
                    let expected = match unit {
                        Unit::Duration => "a duration like \"5m\"",
                        Unit::Count => "a whole number",
                        Unit::Bool => "true or false",
                        Unit::Real => "a number ≥ 0",
                        Unit::Choice => "one of the names `bgsim params` lists",
                    };
                    return Err(self.err(&path, format!("expected {expected}, got {other}")));
                }
            };
            def.set(&mut params, v);
        }
        params
            .check()
            .map_err(|(p, m)| self.err(format!("policy.params.{p}"), m))?;
        Ok(params)
    }

    pub(super) fn check_time(&self, path: &str, t: u64, horizon: u64) -> Result<u64, InputError> {
        if t >= horizon {
            return Err(self.err(
                path,
                format!(
                    "expected a time before the scenario's duration ({}), got {}",
                    crate::model::duration::format_ms(horizon),
                    crate::model::duration::format_ms(t)
                ),
            ));
        }
        Ok(t)
    }

    pub(super) fn probability(&self, path: &str, p: f64) -> Result<f64, InputError> {
        if !(0.0..=1.0).contains(&p) {
            return Err(self.err(
                path,
                format!("expected a probability between 0 and 1, got {p}"),
            ));
        }
        Ok(p)
    }

    fn device(&self, d: DeviceFile, path: &str, horizon: u64) -> Result<DeviceBlock, InputError> {
        let given = d.count.map(|c| c.0);
        self.block.set((horizon, given));
        let first_trace = self.traces.borrow().len();
        let platform = match d.platform {
            PlatformFile::Desktop => Platform::Desktop,
            PlatformFile::Android => Platform::Android,
        };
        if platform == Platform::Desktop {
            if d.browser.idle_kill_after.is_some() {
                return Err(self.err(
                    format!("{path}.browser.idle_kill_after"),
                    "idle_kill_after applies to android only",
                ));
            }
            if d.browser.task_latency.is_some() {
                return Err(self.err(
                    format!("{path}.browser.task_latency"),
                    "task_latency applies to android only (desktop has no wake-up tasks)",
                ));
            }
            if d.browser.play_services.is_some() {
                return Err(self.err(
                    format!("{path}.browser.play_services"),
                    "play_services applies to android only",
                ));
            }
        }
        let idle_kill_after = d
            .browser
            .idle_kill_after
            .map_or(DEFAULT_IDLE_KILL_AFTER, |d| d.0);
        if idle_kill_after == 0 {
            return Err(self.err(
                format!("{path}.browser.idle_kill_after"),
                "expected a duration greater than 0 (the OS kills an idle process after it)",
            ));
        }
        let task_latency = d
            .browser
            .task_latency
            .clone()
            .map(|t| self.duration_dist(t, &format!("{path}.browser.task_latency")))
            .transpose()?;
        let sessions = self.sessions(d.browser.sessions, &format!("{path}.browser.sessions"))?;
        let wifi_given = d.android.as_ref().is_some_and(|a| a.wifi.is_some());
        let (power, mut wifi) = self.power(platform, d.android, &format!("{path}.android"))?;
        let bandwidth = match &d.network {
            NetworkFile::AlwaysOnline { bandwidth }
            | NetworkFile::Schedule { bandwidth, .. }
            | NetworkFile::Markov { bandwidth, .. }
            | NetworkFile::Diurnal { bandwidth, .. }
            | NetworkFile::Trace { bandwidth, .. } => bandwidth.map_or(DEFAULT_BANDWIDTH, |b| b.0),
        };
        if bandwidth == 0 {
            return Err(self.err(
                format!("{path}.network.bandwidth"),
                "expected a bandwidth of at least 1 byte/s",
            ));
        }
        let network = match d.network {
            NetworkFile::AlwaysOnline { .. } => NetworkSpec::AlwaysOnline,
            NetworkFile::Schedule { offline, .. } => {
                let w = self.windows(&offline, &format!("{path}.network.offline"))?;
                NetworkSpec::Schedule(Windows::merged(w))
            }
            NetworkFile::Markov {
                mean_online,
                mean_offline,
                ..
            } => NetworkSpec::Markov(self.flaky(
                mean_online,
                mean_offline,
                &format!("{path}.network"),
            )?),
            NetworkFile::Diurnal {
                offline_daily,
                flaky,
                ..
            } => NetworkSpec::Diurnal {
                offline_daily: self
                    .daily_windows(&offline_daily, &format!("{path}.network.offline_daily"))?,
                flaky: flaky
                    .map(|f| {
                        self.flaky(
                            f.mean_online,
                            f.mean_offline,
                            &format!("{path}.network.flaky"),
                        )
                    })
                    .transpose()?,
            },
            NetworkFile::Trace { file, .. } => {
                let npath = format!("{path}.network.file");
                let trace = self.trace(&file, TraceKind::Network, &npath)?;
                if trace.has_radio() {
                    if wifi_given {
                        return Err(self.err(
                            format!("{path}.android.wifi"),
                            "the network trace has a radio column, which says when the device is on Wi-Fi: give one or the other",
                        ));
                    }
                    if platform == Platform::Android {
                        wifi = Sessions::Trace(Trace(Arc::new(WifiRows(trace.clone()))));
                    }
                }
                NetworkSpec::Trace(Trace(trace))
            }
        };
        let crashes = match d.crashes {
            None => CrashSpec::default(),
            Some(c) => self.crashes(c, &format!("{path}.crashes"), horizon)?,
        };
        let mut origins = Vec::new();
        let mut names = BTreeSet::new();
        let (mut n_origins, mut n_entries) = (0u64, 0u64);
        for (i, o) in d.origins.into_iter().enumerate() {
            let opath = format!("{path}.origins[{i}]");
            n_origins = n_origins.saturating_add(o.count.0);
            if n_origins > limits::MAX_ORIGINS {
                return Err(self.err(
                    format!("{opath}.count"),
                    format!(
                        "expected at most {} origins per device in all",
                        limits::MAX_ORIGINS
                    ),
                ));
            }
            n_entries =
                n_entries.saturating_add(o.count.0.saturating_mul(o.registrations.len() as u64));
            if n_entries > limits::MAX_REGISTRATION_ENTRIES {
                return Err(self.err(
                    format!("{opath}.registrations"),
                    format!(
                        "expected at most {} registration entries per device in all (entries × origin count)",
                        limits::MAX_REGISTRATION_ENTRIES
                    ),
                ));
            }
            for spec in self.origin(o, &opath, horizon)? {
                if !names.insert(spec.name.clone()) {
                    return Err(self.err(
                        format!("{opath}.name"),
                        format!("duplicate origin name {:?} on this device", spec.name),
                    ));
                }
                origins.push(spec);
            }
        }
        let traced = self.traces.borrow()[first_trace..]
            .iter()
            .map(|t| t.devices())
            .max();
        let count = match (given, traced) {
            (Some(n), _) => n,
            (None, None) => 1,
            (None, Some(0)) => {
                return Err(self.err(
                    path,
                    "the block's traces have no rows, so they name no device: give `count`",
                ));
            }
            (None, Some(n)) => n,
        };
        Ok(DeviceBlock {
            count,
            spec: DeviceSpec {
                platform,
                sessions,
                network,
                crashes,
                idle_kill_after: SimDuration::from_ms(idle_kill_after),
                task_latency,
                bandwidth,
                sync_disabled: d.browser.play_services == Some(false),
                sessions_engage: d.browser.sessions_engage.unwrap_or(true),
                power,
                wifi,
                origins,
            },
        })
    }

    /// Windows in the `sessions` notation (`path` names the field).
    pub(super) fn sessions(&self, s: SessionsFile, path: &str) -> Result<Sessions, InputError> {
        Ok(match s {
            SessionsFile::Always => Sessions::Windows(Windows::always()),
            SessionsFile::Never => Sessions::Windows(Windows::default()),
            SessionsFile::Daily(w) => {
                Sessions::Daily(self.daily_windows(&w, &format!("{path}.daily"))?)
            }
            SessionsFile::At(w) => {
                let w = self.windows(&w, &format!("{path}.at"))?;
                Sessions::Windows(Windows::merged(w))
            }
            SessionsFile::Trace(t) => {
                let trace = self.trace(&t.file, TraceKind::Intervals, &format!("{path}.file"))?;
                Sessions::Trace(Trace(trace))
            }
        })
    }

    pub(super) fn windows(
        &self,
        raw: &[(Dur, Dur)],
        path: &str,
    ) -> Result<Vec<(u64, u64)>, InputError> {
        raw.iter()
            .enumerate()
            .map(|(i, (a, b))| {
                if a.0 >= b.0 {
                    Err(self.err(format!("{path}[{i}]"), "expected [from, to] with from < to"))
                } else {
                    Ok((a.0, b.0))
                }
            })
            .collect()
    }

    pub(super) fn daily_windows(
        &self,
        raw: &[(Tod, Tod)],
        path: &str,
    ) -> Result<Vec<(u64, u64)>, InputError> {
        raw.iter()
            .enumerate()
            .map(|(i, (a, b))| {
                if a.0 >= b.0 {
                    Err(self.err(
                        format!("{path}[{i}]"),
                        "expected [\"HH:MM\", \"HH:MM\"] with from < to (split a window that crosses midnight in two)",
                    ))
                } else {
                    Ok((a.0, b.0))
                }
            })
            .collect()
    }

    fn flaky(&self, on: Dur, off: Dur, path: &str) -> Result<Flaky, InputError> {
        if on.0 == 0 {
            return Err(self.err(
                format!("{path}.mean_online"),
                "expected a duration greater than 0",
            ));
        }
        if off.0 == 0 {
            return Err(self.err(
                format!("{path}.mean_offline"),
                "expected a duration greater than 0",
            ));
        }
        Ok(Flaky {
            mean_online: on.0,
            mean_offline: off.0,
        })
    }

    fn crashes(&self, c: CrashesFile, path: &str, horizon: u64) -> Result<CrashSpec, InputError> {
        let restart_delay = c.restart_delay.ok_or_else(|| {
            self.err(
                format!("{path}.restart_delay"),
                "missing field `restart_delay` (required when crashes are given)",
            )
        })?;
        if !c.rate_per_day.is_finite() || c.rate_per_day < 0.0 {
            return Err(self.err(
                format!("{path}.rate_per_day"),
                "expected a rate of at least 0",
            ));
        }
        let during_event_probability = self.probability(
            &format!("{path}.during_event_probability"),
            c.during_event_probability.unwrap_or(0.0),
        )?;
        if during_event_probability > 0.0 && restart_delay.0 == 0 {
            return Err(self.err(
                format!("{path}.restart_delay"),
                "expected a duration greater than 0 with during_event_probability > 0 (a crash at an event's first instant would restart and crash again at the same instant forever)",
            ));
        }
        let mut at =
            c.at.iter()
                .enumerate()
                .map(|(i, t)| self.check_time(&format!("{path}.at[{i}]"), t.0, horizon))
                .collect::<Result<Vec<_>, _>>()?;
        at.sort_unstable();
        let trace = match (c.model, c.file) {
            (None, None) => None,
            (None, Some(_)) => {
                return Err(self.err(
                    format!("{path}.file"),
                    "`file` goes with \"model\": \"trace\"",
                ));
            }
            (Some(_), None) => {
                return Err(self.err(path, "missing field `file` (required by model \"trace\")"));
            }
            (Some(_), Some(file)) => {
                if !at.is_empty() || c.rate_per_day > 0.0 {
                    return Err(self.err(
                        path,
                        "with \"model\": \"trace\" the crashes come from the file: drop `at` and `rate_per_day`",
                    ));
                }
                let trace = self.trace(&file, TraceKind::Instants, &format!("{path}.file"))?;
                Some(Trace(trace))
            }
        };
        Ok(CrashSpec {
            at,
            trace,
            rate_per_day: c.rate_per_day,
            restart_delay: SimDuration::from_ms(restart_delay.0),
            during_event_probability,
            storage_write_latency: SimDuration::from_ms(c.storage_write_latency.map_or(0, |d| d.0)),
        })
    }

    fn expect(&self, e: ExpectFile, path: &str) -> Result<Expect, InputError> {
        if e.metric.is_empty() {
            return Err(self.err(
                format!("{path}.metric"),
                "expected a metric name such as \"one_shot.success_rate\"",
            ));
        }
        let rules: Vec<Rule> = [
            e.le.map(Rule::Le),
            e.ge.map(Rule::Ge),
            e.eq.map(Rule::Eq),
            e.between.map(|(a, b)| Rule::Between(a, b)),
        ]
        .into_iter()
        .flatten()
        .collect();
        if let Some((a, b)) = e.between
            && a > b
        {
            return Err(self.err(
                format!("{path}.between"),
                format!("expected [low, high] with low ≤ high, got [{a}, {b}]"),
            ));
        }
        match rules.as_slice() {
            [rule] => Ok(Expect {
                metric: e.metric,
                rule: *rule,
            }),
            _ => Err(self.err(path, "expected exactly one of le, ge, eq, between")),
        }
    }
}
