//! Scenario files in (DESIGN §11): JSON → validated [`Scenario`].
//!
//! API boundary: this is where untrusted input becomes the plain, checked data of
//! `model::world`. Every rejection is an [`InputError`] naming the file, the JSON path and what
//! was expected.

mod error;
pub mod format;

use std::collections::BTreeSet;

use sha2::{Digest, Sha256};

use crate::engine::time::DAY;
use crate::experiment::{Expect, Rule};
use crate::model::browser::{CrashSpec, Platform};
use crate::model::engagement::{EngagementLevel, EngagementSpec};
use crate::model::handler::{DurationDist, HandlerSpec, Settle};
use crate::model::network::{Flaky, NetworkSpec};
use crate::model::params::{Params, Unit, Value};
use crate::model::policy::Preset;
use crate::model::registration::SyncKind;
use crate::model::timeline::Windows;
use crate::model::world::{
    DeviceSpec, OriginAction, OriginEvent, OriginSpec, RegisterWhen, RegistrationSpec,
};

pub use error::InputError;
use format::*;

/// A block of identical devices (`count` copies of one spec).
#[derive(Clone, Debug)]
pub struct DeviceBlock {
    pub count: u64,
    pub spec: DeviceSpec,
}

/// A validated scenario, ready to simulate.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// The horizon in ms (SEMANTICS S1: events at t ≥ duration never run).
    pub duration: u64,
    pub seed: u64,
    pub preset: Preset,
    pub params: Params,
    pub blocks: Vec<DeviceBlock>,
    pub expect: Vec<Expect>,
    /// SHA-256 of the scenario file's bytes, hex.
    pub digest: String,
    /// Where it was read from, for messages.
    pub source: String,
}

impl Scenario {
    /// Reads and validates a scenario file.
    pub fn load(path: &str) -> Result<Scenario, InputError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| InputError::new(path, "", format!("cannot read the file: {e}")))?;
        Scenario::parse(&text, path)
    }

    /// Validates scenario JSON; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Scenario, InputError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let raw: ScenarioFile = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let path = if path == "." { String::new() } else { path };
            InputError::new(file, path, e.inner().to_string())
        })?;
        let digest = Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Resolver { file }.scenario(raw, digest)
    }

    pub fn device_count(&self) -> u64 {
        self.blocks.iter().map(|b| b.count).sum()
    }

    /// The spec of the `index`-th device after `count` expansion.
    pub fn device(&self, mut index: u64) -> &DeviceSpec {
        for b in &self.blocks {
            if index < b.count {
                return &b.spec;
            }
            index -= b.count;
        }
        panic!("device index out of range")
    }

    /// Applies one `--set name=value` override.
    pub fn set_param(&mut self, assignment: &str) -> Result<(), InputError> {
        let err = |m: String| InputError::new("--set", assignment, m);
        let (name, value) = assignment
            .split_once('=')
            .ok_or_else(|| err("expected name=value".into()))?;
        let def = Params::def(name).ok_or_else(|| {
            err(format!(
                "unknown parameter {name:?} (`bgsim params` lists them)"
            ))
        })?;
        let v = def.parse(value).map_err(err)?;
        def.set(&mut self.params, v);
        self.params
            .check()
            .map_err(|(p, m)| InputError::new("--set", p, m))
    }

    /// Replaces the horizon (`--days`), re-checking that every scenario time still fits.
    pub fn set_days(&mut self, days: u64) -> Result<(), InputError> {
        if days == 0 {
            return Err(InputError::new("--days", "", "expected at least 1 day"));
        }
        self.duration = days * DAY;
        for b in &self.blocks {
            let too_late = b
                .spec
                .crashes
                .at
                .iter()
                .copied()
                .chain(b.spec.origins.iter().flat_map(|o| {
                    o.registrations
                        .iter()
                        .filter_map(|r| match r.when {
                            RegisterWhen::At(t) => Some(t),
                            _ => None,
                        })
                        .chain(o.events.iter().map(|e| e.at))
                }));
            if let Some(t) = too_late.into_iter().find(|t| *t >= self.duration) {
                return Err(InputError::new(
                    "--days",
                    "",
                    format!(
                        "the scenario has a time ({}) at or after the new horizon",
                        crate::model::duration::format_ms(t)
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// DESIGN §4.2: the OS kills an idle android browser after 60 s unless configured otherwise.
const DEFAULT_IDLE_KILL_AFTER: u64 = 60 * crate::engine::time::SECOND;

struct Resolver<'a> {
    file: &'a str,
}

impl Resolver<'_> {
    fn err(&self, path: impl Into<String>, message: impl Into<String>) -> InputError {
        InputError::new(self.file, path, message)
    }

    fn scenario(&self, raw: ScenarioFile, digest: String) -> Result<Scenario, InputError> {
        if raw.name.trim().is_empty() {
            return Err(self.err("name", "expected a non-empty name"));
        }
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
        if !preset.is_implemented() {
            return Err(self.err(
                "policy.preset",
                format!(
                    "preset {:?} is not implemented in this version yet",
                    preset.name()
                ),
            ));
        }
        let params = self.params(&raw.policy.params)?;
        if raw.devices.is_empty() {
            return Err(self.err("devices", "expected at least one device block"));
        }
        let horizon = raw.duration.0;
        let blocks = raw
            .devices
            .into_iter()
            .enumerate()
            .map(|(i, d)| self.device(d, &format!("devices[{i}]"), horizon))
            .collect::<Result<Vec<_>, _>>()?;
        let expect = raw
            .expect
            .into_iter()
            .enumerate()
            .map(|(i, e)| self.expect(e, &format!("expect[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Scenario {
            name: raw.name,
            description: raw.description,
            duration: horizon,
            seed: raw.seed,
            preset,
            params,
            blocks,
            expect,
            digest,
            source: self.file.to_string(),
        })
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
                    Value::Count(n.as_u64().unwrap_or_default())
                }
                (Unit::Bool, serde_json::Value::Bool(b)) => Value::Bool(*b),
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

    fn check_time(&self, path: &str, t: u64, horizon: u64) -> Result<u64, InputError> {
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

    fn probability(&self, path: &str, p: f64) -> Result<f64, InputError> {
        if !(0.0..=1.0).contains(&p) {
            return Err(self.err(
                path,
                format!("expected a probability between 0 and 1, got {p}"),
            ));
        }
        Ok(p)
    }

    fn device(&self, d: DeviceFile, path: &str, horizon: u64) -> Result<DeviceBlock, InputError> {
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
        }
        let idle_kill_after = d
            .browser
            .idle_kill_after
            .map_or(DEFAULT_IDLE_KILL_AFTER, |d| d.0);
        let task_latency = d
            .browser
            .task_latency
            .clone()
            .map(|t| self.duration_dist(t, &format!("{path}.browser.task_latency")))
            .transpose()?;
        let sessions = match d.browser.sessions {
            SessionsFile::Always => Windows::always(),
            SessionsFile::Never => Windows::default(),
            SessionsFile::Daily(w) => {
                let w = self.daily_windows(&w, &format!("{path}.browser.sessions.daily"))?;
                Windows::daily(&w, horizon)
            }
            SessionsFile::At(w) => {
                let w = self.windows(&w, &format!("{path}.browser.sessions.at"))?;
                Windows::merged(w)
            }
        };
        let network = match d.network {
            NetworkFile::AlwaysOnline {} => NetworkSpec::AlwaysOnline,
            NetworkFile::Schedule { offline } => {
                let w = self.windows(&offline, &format!("{path}.network.offline"))?;
                NetworkSpec::Schedule(Windows::merged(w))
            }
            NetworkFile::Markov {
                mean_online,
                mean_offline,
            } => NetworkSpec::Markov(self.flaky(
                mean_online,
                mean_offline,
                &format!("{path}.network"),
            )?),
            NetworkFile::Diurnal {
                offline_daily,
                flaky,
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
        };
        let crashes = match d.crashes {
            None => CrashSpec::default(),
            Some(c) => self.crashes(c, &format!("{path}.crashes"), horizon)?,
        };
        let mut origins = Vec::new();
        let mut names = BTreeSet::new();
        for (i, o) in d.origins.into_iter().enumerate() {
            let opath = format!("{path}.origins[{i}]");
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
        Ok(DeviceBlock {
            count: d.count.0,
            spec: DeviceSpec {
                platform,
                sessions,
                network,
                crashes,
                idle_kill_after,
                task_latency,
                origins,
            },
        })
    }

    fn windows(&self, raw: &[(Dur, Dur)], path: &str) -> Result<Vec<(u64, u64)>, InputError> {
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

    fn daily_windows(&self, raw: &[(Tod, Tod)], path: &str) -> Result<Vec<(u64, u64)>, InputError> {
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
        if let Some(p) = c.during_event_probability {
            self.probability(&format!("{path}.during_event_probability"), p)?;
            if p > 0.0 {
                return Err(self.err(
                    format!("{path}.during_event_probability"),
                    "crashes during events are not implemented in this version yet",
                ));
            }
        }
        let mut at =
            c.at.iter()
                .enumerate()
                .map(|(i, t)| self.check_time(&format!("{path}.at[{i}]"), t.0, horizon))
                .collect::<Result<Vec<_>, _>>()?;
        at.sort_unstable();
        Ok(CrashSpec {
            at,
            rate_per_day: c.rate_per_day,
            restart_delay: restart_delay.0,
        })
    }

    fn origin(
        &self,
        o: OriginFile,
        path: &str,
        horizon: u64,
    ) -> Result<Vec<OriginSpec>, InputError> {
        if o.name.trim().is_empty() {
            return Err(self.err(format!("{path}.name"), "expected a non-empty origin name"));
        }
        if o.count.0 > 1 && !o.name.contains("{i}") {
            return Err(self.err(
                format!("{path}.name"),
                "an origin block with count > 1 needs `{i}` in its name to keep names unique",
            ));
        }
        let engagement = self.engagement(&o.engagement, &format!("{path}.engagement"), horizon)?;
        let scored = matches!(engagement, EngagementSpec::Score { .. });
        let mut registrations = Vec::new();
        for (i, r) in o.registrations.iter().enumerate() {
            registrations.push(self.registration(
                r,
                &o.handler,
                &format!("{path}.registrations[{i}]"),
                horizon,
            )?);
        }
        let mut events = Vec::new();
        for (i, e) in o.events.iter().enumerate() {
            events.push(self.event(e, &format!("{path}.events[{i}]"), horizon, scored)?);
        }
        Ok((0..o.count.0)
            .map(|i| OriginSpec {
                name: o.name.replace("{i}", &i.to_string()),
                installed: o.installed,
                notification_permission: o.notification_permission,
                engagement: engagement.clone(),
                registrations: registrations.clone(),
                events: events.clone(),
            })
            .collect())
    }

    fn engagement(
        &self,
        e: &EngagementFile,
        path: &str,
        horizon: u64,
    ) -> Result<EngagementSpec, InputError> {
        if let Some(level) = e.level.as_deref() {
            if e.initial_score.is_some() || e.visits.is_some() {
                return Err(self.err(
                    path,
                    "expected either a pinned `level` or a score (`initial_score`, `visits`), not both",
                ));
            }
            return EngagementLevel::from_name(level)
                .map(EngagementSpec::Pinned)
                .ok_or_else(|| {
                    self.err(
                        format!("{path}.level"),
                        format!("unknown engagement level {level:?}, expected NONE, MINIMAL, LOW, MEDIUM, HIGH or MAX"),
                    )
                });
        }
        if e.initial_score.is_none() && e.visits.is_none() {
            return Err(self.err(
                path,
                "expected {\"level\": \"HIGH\"} or {\"initial_score\": 20, \"visits\": {\"mean_interval\": \"1d\"}}",
            ));
        }
        let initial = e.initial_score.unwrap_or(0.0);
        if !(0.0..=100.0).contains(&initial) {
            return Err(self.err(
                format!("{path}.initial_score"),
                format!("expected a score between 0 and 100, got {initial}"),
            ));
        }
        let (mean_interval, at, interactions) = match &e.visits {
            None => (None, Vec::new(), 0),
            Some(v) => {
                if let Some(m) = v.mean_interval
                    && m.0 == 0
                {
                    return Err(self.err(
                        format!("{path}.visits.mean_interval"),
                        "expected a duration greater than 0",
                    ));
                }
                let mut at = Vec::new();
                for (i, t) in v.at.iter().flatten().enumerate() {
                    at.push(self.check_time(&format!("{path}.visits.at[{i}]"), t.0, horizon)?);
                }
                at.sort_unstable();
                (
                    v.mean_interval.map(|d| d.0),
                    at,
                    v.interactions.unwrap_or(0),
                )
            }
        };
        Ok(EngagementSpec::Score {
            initial,
            mean_interval,
            at,
            interactions,
        })
    }

    fn duration_dist(&self, d: DurationDistFile, path: &str) -> Result<DurationDist, InputError> {
        Ok(match d {
            DurationDistFile::Fixed(d) => DurationDist::Fixed(d.0),
            DurationDistFile::Uniform((a, b)) => {
                if a.0 > b.0 {
                    return Err(self.err(
                        format!("{path}.uniform"),
                        "expected [low, high] with low ≤ high",
                    ));
                }
                DurationDist::Uniform(a.0, b.0)
            }
            DurationDistFile::Exponential(m) => DurationDist::Exponential(m.0),
            DurationDistFile::Lognormal(l) => {
                if l.median.0 == 0 || l.p95.0 < l.median.0 {
                    return Err(self.err(format!("{path}.lognormal"), "expected 0 < median ≤ p95"));
                }
                DurationDist::Lognormal {
                    median: l.median.0,
                    p95: l.p95.0,
                }
            }
        })
    }

    fn handler(
        &self,
        base: &HandlerFile,
        over: Option<&HandlerFile>,
        path: &str,
    ) -> Result<HandlerSpec, InputError> {
        let o = over.cloned().unwrap_or_default();
        let duration = o
            .duration
            .or_else(|| base.duration.clone())
            .ok_or_else(|| {
                self.err(
                    format!("{path}.duration"),
                    "missing field `duration` (e.g. {\"fixed\": \"2s\"})",
                )
            })?;
        let duration = self.duration_dist(duration, &format!("{path}.duration"))?;
        let outcomes = o
            .outcomes
            .or_else(|| base.outcomes.clone())
            .unwrap_or_default()
            .into_iter()
            .map(|x| match x {
                OutcomeFile::Success => Settle::Success,
                OutcomeFile::Fail => Settle::Fail,
                OutcomeFile::Hang => Settle::Hang,
            })
            .collect();
        let success_probability = self.probability(
            &format!("{path}.success_probability"),
            o.success_probability
                .or(base.success_probability)
                .unwrap_or(1.0),
        )?;
        let hang_probability = self.probability(
            &format!("{path}.hang_probability"),
            o.hang_probability.or(base.hang_probability).unwrap_or(0.0),
        )?;
        Ok(HandlerSpec {
            duration,
            outcomes,
            success_probability,
            hang_probability,
            needs_network: o.needs_network.or(base.needs_network).unwrap_or(false),
        })
    }

    fn registration(
        &self,
        r: &RegistrationFile,
        origin_handler: &HandlerFile,
        path: &str,
        horizon: u64,
    ) -> Result<RegistrationSpec, InputError> {
        let kind = match r.kind {
            KindFile::OneShot => SyncKind::OneShot,
            KindFile::Periodic => SyncKind::Periodic,
            KindFile::Fetch => {
                return Err(self.err(
                    format!("{path}.kind"),
                    "kind \"fetch\" (Background Fetch) is not implemented in this version yet",
                ));
            }
        };
        if r.requests.is_some() {
            return Err(self.err(
                format!("{path}.requests"),
                "requests are only for kind \"fetch\"",
            ));
        }
        let min_interval = match (kind, r.min_interval) {
            (SyncKind::Periodic, Some(d)) => d.0,
            (SyncKind::Periodic, None) => {
                return Err(self.err(
                    format!("{path}.min_interval"),
                    "missing field `min_interval` (required for periodic registrations)",
                ));
            }
            (SyncKind::OneShot, Some(_)) => {
                return Err(self.err(
                    format!("{path}.min_interval"),
                    "min_interval is only for periodic registrations",
                ));
            }
            (SyncKind::OneShot, None) => 0,
        };
        let (when, tag) = match (&r.at, &r.arrivals) {
            (Some(at), None) => (
                RegisterWhen::At(self.check_time(&format!("{path}.at"), at.0, horizon)?),
                r.tag.clone(),
            ),
            (None, Some(a)) => {
                if a.mean_interval.0 == 0 {
                    return Err(self.err(
                        format!("{path}.arrivals.mean_interval"),
                        "expected a duration greater than 0",
                    ));
                }
                (
                    RegisterWhen::Arrivals {
                        mean_interval: a.mean_interval.0,
                    },
                    a.tag.clone().or_else(|| r.tag.clone()),
                )
            }
            (Some(_), Some(_)) => {
                return Err(self.err(path, "expected either `at` or `arrivals`, not both"));
            }
            (None, None) => {
                return Err(self.err(
                    path,
                    "expected `at` (a time) or `arrivals` (a Poisson process)",
                ));
            }
        };
        let tag = tag.ok_or_else(|| self.err(format!("{path}.tag"), "missing field `tag`"))?;
        if tag.is_empty() {
            return Err(self.err(format!("{path}.tag"), "expected a non-empty tag"));
        }
        let handler = self.handler(
            origin_handler,
            r.handler.as_ref(),
            &format!("{path}.handler"),
        )?;
        Ok(RegistrationSpec {
            kind,
            tag,
            min_interval,
            when,
            handler,
        })
    }

    fn event(
        &self,
        e: &EventFile,
        path: &str,
        horizon: u64,
        scored: bool,
    ) -> Result<OriginEvent, InputError> {
        let at = self.check_time(&format!("{path}.at"), e.at.0, horizon)?;
        let action = match e.action {
            ActionFile::Unregister => {
                let kind = match e.kind {
                    Some(KindFile::OneShot) => SyncKind::OneShot,
                    Some(KindFile::Periodic) => SyncKind::Periodic,
                    Some(KindFile::Fetch) => {
                        return Err(self.err(
                            format!("{path}.kind"),
                            "kind \"fetch\" is not implemented in this version yet",
                        ));
                    }
                    None => {
                        return Err(self.err(
                            format!("{path}.kind"),
                            "missing field `kind` (one_shot or periodic) for unregister",
                        ));
                    }
                };
                let tag = e.tag.clone().filter(|t| !t.is_empty()).ok_or_else(|| {
                    self.err(
                        format!("{path}.tag"),
                        "expected a non-empty tag for unregister",
                    )
                })?;
                OriginAction::Unregister { kind, tag }
            }
            ActionFile::ClearSiteData => OriginAction::ClearSiteData,
            ActionFile::UnregisterServiceWorker => OriginAction::UnregisterServiceWorker,
            ActionFile::Visit | ActionFile::ClearHistory if !scored => {
                return Err(self.err(
                    format!("{path}.action"),
                    "visit and clear_history need score-based engagement ({\"initial_score\": …}), not a pinned level",
                ));
            }
            ActionFile::Visit => OriginAction::Visit,
            ActionFile::ClearHistory => OriginAction::ClearHistory,
        };
        if !matches!(action, OriginAction::Unregister { .. })
            && (e.kind.is_some() || e.tag.is_some())
        {
            return Err(self.err(path, "kind and tag are only for the unregister action"));
        }
        Ok(OriginEvent { at, action })
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
        match rules.as_slice() {
            [rule] => Ok(Expect {
                metric: e.metric,
                rule: *rule,
            }),
            _ => Err(self.err(path, "expected exactly one of le, ge, eq, between")),
        }
    }
}

impl Scenario {
    /// Rescales the fleet to `n` devices (`--devices`), keeping block proportions: each block gets
    /// `floor(count·n/total)` devices and the remainder goes to the first blocks in order.
    pub fn set_devices(&mut self, n: u64) -> Result<(), String> {
        if n == 0 {
            return Err("expected at least 1 device".into());
        }
        let total = self.device_count() as u128;
        let mut given = 0;
        for b in &mut self.blocks {
            b.count = (b.count as u128 * n as u128 / total) as u64;
            given += b.count;
        }
        let mut i = 0;
        let len = self.blocks.len();
        while given < n {
            self.blocks[i % len].count += 1;
            given += 1;
            i += 1;
        }
        self.blocks.retain(|b| b.count > 0);
        Ok(())
    }
}
