//! Validation of origins: engagement, handlers, registrations and origin events.

use super::format::*;
use super::{InputError, limits, resolve::Resolver};
use crate::model::engagement::{EngagementLevel, EngagementSpec};
use crate::model::fetch::FetchSpec;
use crate::model::handler::{DurationDist, HandlerSpec, Settle};
use crate::model::registration::SyncKind;
use crate::model::world::{
    ArrivalsDuring, OriginAction, OriginEvent, OriginSpec, RegisterWhen, RegistrationSpec,
    origin_block_key,
};

impl Resolver<'_> {
    pub(super) fn origin(
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
        // The origin's handler is checked where it is written, even with no registration using
        // it; a registration's handler then only adds its own fields (checked at its path).
        self.handler_fields(&o.handler, &format!("{path}.handler"))?;
        let engagement = self.engagement(&o.engagement, &format!("{path}.engagement"), horizon)?;
        let scored = matches!(engagement, EngagementSpec::Score { .. });
        let mut registrations = Vec::new();
        let mut fetches: Vec<FetchSpec> = Vec::new();
        for (i, r) in o.registrations.iter().enumerate() {
            let rpath = format!("{path}.registrations[{i}]");
            if r.kind == KindFile::Fetch {
                let f = self.fetch(r, &o.handler, &rpath, horizon)?;
                if let Some(other) = fetches
                    .iter()
                    .find(|x| x.developer_id == f.developer_id && x.at == f.at)
                {
                    return Err(self.err(
                        &rpath,
                        format!(
                            "a second fetch {:?} at the same instant",
                            other.developer_id
                        ),
                    ));
                }
                fetches.push(f);
            } else {
                registrations.push(self.registration(r, &o.handler, &rpath, horizon)?);
            }
        }
        let mut events = Vec::new();
        for (i, e) in o.events.iter().enumerate() {
            events.push(self.event(e, &format!("{path}.events[{i}]"), horizon, scored)?);
        }
        let block: std::sync::Arc<str> = origin_block_key(&o.name).into();
        Ok((0..o.count.0)
            .map(|i| OriginSpec {
                block: block.clone(),
                name: o.name.replace("{i}", &i.to_string()),
                installed: o.installed,
                notification_permission: o.notification_permission,
                background_sync_allowed: o.background_sync == ContentSettingFile::Allow,
                engagement: engagement.clone(),
                registrations: registrations.clone(),
                fetches: fetches.clone(),
                events: events.clone(),
            })
            .collect())
    }

    pub(super) fn engagement(
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

    pub(super) fn duration_dist(
        &self,
        d: DurationDistFile,
        path: &str,
    ) -> Result<DurationDist, InputError> {
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

    /// Checks the fields a handler block gives, wherever it stands.
    fn handler_fields(&self, h: &HandlerFile, path: &str) -> Result<(), InputError> {
        if let Some(d) = &h.duration {
            self.duration_dist(d.clone(), &format!("{path}.duration"))?;
        }
        if let Some(p) = h.success_probability {
            self.probability(&format!("{path}.success_probability"), p)?;
        }
        if let Some(p) = h.hang_probability {
            self.probability(&format!("{path}.hang_probability"), p)?;
        }
        Ok(())
    }

    pub(super) fn handler(
        &self,
        base: &HandlerFile,
        over: Option<&HandlerFile>,
        path: &str,
    ) -> Result<HandlerSpec, InputError> {
        if let Some(over) = over {
            self.handler_fields(over, path)?;
        }
        let o = over.cloned().unwrap_or_default();
        let duration = o
            .duration
            .or_else(|| base.duration.clone())
            .ok_or_else(|| {
                self.err(
                    format!("{path}.duration"),
                    "missing handler `duration` (e.g. {\"fixed\": \"2s\"}): give it in the origin's `handler` or in this registration's",
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

    pub(super) fn registration(
        &self,
        r: &RegistrationFile,
        origin_handler: &HandlerFile,
        path: &str,
        horizon: u64,
    ) -> Result<RegistrationSpec, InputError> {
        let kind = match r.kind {
            KindFile::OneShot => SyncKind::OneShot,
            KindFile::Periodic => SyncKind::Periodic,
            KindFile::Fetch => unreachable!("fetches are resolved by `fetch`"),
        };
        for (field, present) in [
            ("requests", r.requests.is_some()),
            ("id", r.id.is_some()),
            ("resume", r.resume.is_some()),
            (
                "request_failure_probability",
                r.request_failure_probability.is_some(),
            ),
        ] {
            if present {
                return Err(self.err(
                    format!("{path}.{field}"),
                    format!("{field} is only for kind \"fetch\""),
                ));
            }
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
                let expected = horizon / a.mean_interval.0;
                if expected > limits::MAX_ARRIVALS {
                    return Err(self.err(
                        format!("{path}.arrivals.mean_interval"),
                        format!(
                            "expected at most {} arrivals over the duration, got about {expected}: give a longer mean_interval",
                            limits::MAX_ARRIVALS
                        ),
                    ));
                }
                (
                    RegisterWhen::Arrivals {
                        mean_interval: a.mean_interval.0,
                        during: match a.during {
                            DuringFile::Sessions => ArrivalsDuring::Sessions,
                            DuringFile::Always => ArrivalsDuring::Always,
                        },
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

    /// A `kind: "fetch"` registration (DESIGN §8).
    fn fetch(
        &self,
        r: &RegistrationFile,
        origin_handler: &HandlerFile,
        path: &str,
        horizon: u64,
    ) -> Result<FetchSpec, InputError> {
        let at = match (&r.at, &r.arrivals) {
            (Some(at), None) => self.check_time(&format!("{path}.at"), at.0, horizon)?,
            (_, Some(_)) => {
                return Err(self.err(
                    format!("{path}.arrivals"),
                    "a fetch is registered at a time (`at`), not by arrivals",
                ));
            }
            (None, None) => return Err(self.err(path, "expected `at` (when the fetch is started)")),
        };
        if r.min_interval.is_some() {
            return Err(self.err(
                format!("{path}.min_interval"),
                "min_interval is only for periodic registrations",
            ));
        }
        let requests: Vec<u64> = r
            .requests
            .as_ref()
            .map(|v| v.iter().map(|q| q.bytes).collect())
            .unwrap_or_default();
        if requests.is_empty() {
            return Err(self.err(
                format!("{path}.requests"),
                "expected at least one request, e.g. [{\"bytes\": 1048576}]",
            ));
        }
        if requests.len() > limits::MAX_FETCH_REQUESTS {
            return Err(self.err(
                format!("{path}.requests"),
                format!(
                    "expected at most {} requests per fetch, got {}",
                    limits::MAX_FETCH_REQUESTS,
                    requests.len()
                ),
            ));
        }
        if let Some(i) = requests
            .iter()
            .position(|b| *b == 0 || *b > limits::MAX_REQUEST_BYTES)
        {
            return Err(self.err(
                format!("{path}.requests[{i}].bytes"),
                format!(
                    "expected between 1 and {} bytes (1 TiB), got {}",
                    limits::MAX_REQUEST_BYTES,
                    requests[i]
                ),
            ));
        }
        let developer_id =
            r.id.clone()
                .or_else(|| r.tag.clone())
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    self.err(
                        format!("{path}.id"),
                        "missing field `id` (the fetch's developer id; `tag` works too)",
                    )
                })?;
        let p = r.request_failure_probability.unwrap_or(0.0);
        self.probability(&format!("{path}.request_failure_probability"), p)?;
        Ok(FetchSpec {
            developer_id,
            at,
            requests,
            resume: r.resume.unwrap_or(false),
            request_failure_probability: p,
            handler: self.handler(
                origin_handler,
                r.handler.as_ref(),
                &format!("{path}.handler"),
            )?,
        })
    }

    pub(super) fn event(
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
                            "use the abort action (with `id`) for a fetch",
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
            ActionFile::BlockBackgroundSync => OriginAction::SetBackgroundSync { allowed: false },
            ActionFile::AllowBackgroundSync => OriginAction::SetBackgroundSync { allowed: true },
            ActionFile::UnregisterServiceWorker => OriginAction::UnregisterServiceWorker,
            ActionFile::Visit | ActionFile::ClearHistory if !scored => {
                return Err(self.err(
                    format!("{path}.action"),
                    "visit and clear_history need score-based engagement ({\"initial_score\": …}), not a pinned level",
                ));
            }
            ActionFile::Visit => OriginAction::Visit,
            ActionFile::ClearHistory => OriginAction::ClearHistory,
            ActionFile::Abort => {
                let id = e.id.clone().filter(|t| !t.is_empty()).ok_or_else(|| {
                    self.err(
                        format!("{path}.id"),
                        "expected the fetch's developer id for abort",
                    )
                })?;
                OriginAction::Abort { id }
            }
        };
        if !matches!(action, OriginAction::Unregister { .. })
            && (e.kind.is_some() || e.tag.is_some())
        {
            return Err(self.err(path, "kind and tag are only for the unregister action"));
        }
        if !matches!(action, OriginAction::Abort { .. }) && e.id.is_some() {
            return Err(self.err(format!("{path}.id"), "id is only for the abort action"));
        }
        Ok(OriginEvent { at, action })
    }
}
