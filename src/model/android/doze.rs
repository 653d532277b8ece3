//! Doze: AOSP's `DeviceIdleController` state machine (DESIGN §4.7), deep and light, driven by
//! the screen, charging, motion and the device's network, and by its own alarms.
//!
//! Source: `apex/jobscheduler/service/java/com/android/server/DeviceIdleController.java`
//! (`becomeActiveLocked`, `becomeInactiveIfAppropriateLocked`, `stepIdleStateLocked`,
//! `stepLightIdleStateLocked`, `handleMotionDetectedLocked`). Every timing constant is a
//! parameter named after its `KEY_` (see `model::params`).
//!
//! What bgsim leaves out, on purpose (README "Android power management"): alarm flex windows
//! (an alarm fires at its window start), quick doze (battery saver), upcoming alarm clocks, other
//! apps' jobs and alarms (`isOpsInactiveLocked` is taken as true, so light doze never waits in
//! PRE_IDLE), the AnyMotion reading time (SENSING decides at once) and ending a maintenance
//! window early once no job holds it (a window lasts its whole budget). A device is either
//! stationary or moving; moving, the significant-motion sensor fires as soon as it is armed.

use crate::engine::time::SimDuration;
use crate::model::params::Params;

/// `mState`: the deep doze states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deep {
    Active,
    Inactive,
    IdlePending,
    Sensing,
    Locating,
    Idle,
    IdleMaintenance,
}

/// `mLightState`: the light doze states (PRE_IDLE is never entered, see the module notes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Light {
    Active,
    Inactive,
    Idle,
    WaitingForNetwork,
    IdleMaintenance,
    /// Deep doze took over.
    Override,
}

/// What the outputs report per device-day: the doze states that matter to an app.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum DozeState {
    /// Screen on or charging.
    Active,
    /// Screen off, not yet dozing (jobs and network allowed).
    Inactive,
    LightIdle,
    LightMaintenance,
    DeepIdle,
    DeepMaintenance,
}

impl DozeState {
    /// Column order of the outputs.
    pub const ALL: [DozeState; 6] = [
        DozeState::Active,
        DozeState::Inactive,
        DozeState::LightIdle,
        DozeState::LightMaintenance,
        DozeState::DeepIdle,
        DozeState::DeepMaintenance,
    ];

    pub fn name(self) -> &'static str {
        match self {
            DozeState::Active => "active",
            DozeState::Inactive => "inactive",
            DozeState::LightIdle => "light_idle",
            DozeState::LightMaintenance => "light_maintenance",
            DozeState::DeepIdle => "deep_idle",
            DozeState::DeepMaintenance => "deep_maintenance",
        }
    }

    /// Jobs are deferred and apps have no network (DeviceIdleJobsController, NetworkPolicy).
    pub fn restricts(self) -> bool {
        matches!(self, DozeState::LightIdle | DozeState::DeepIdle)
    }
}

/// The timing constants, in ms (factors as read by AOSP: `(long) (delay * factor)`).
#[derive(Clone, Copy, Debug)]
pub struct DozeParams {
    pub light_idle_after_inactive_timeout: u64,
    pub light_idle_timeout: u64,
    pub light_idle_factor: f64,
    pub light_max_idle_timeout: u64,
    pub light_idle_maintenance_min_budget: u64,
    pub light_idle_maintenance_max_budget: u64,
    pub inactive_timeout: u64,
    pub motion_inactive_timeout: u64,
    pub idle_after_inactive_timeout: u64,
    pub locating_timeout: u64,
    pub idle_pending_timeout: u64,
    pub max_idle_pending_timeout: u64,
    pub idle_pending_factor: f64,
    pub idle_timeout: u64,
    pub max_idle_timeout: u64,
    pub idle_factor: f64,
}

impl From<&Params> for DozeParams {
    fn from(p: &Params) -> Self {
        let ms = SimDuration::ms;
        DozeParams {
            light_idle_after_inactive_timeout: ms(p.light_idle_after_inactive_timeout),
            light_idle_timeout: ms(p.light_idle_timeout),
            light_idle_factor: p.light_idle_factor,
            light_max_idle_timeout: ms(p.light_max_idle_timeout),
            light_idle_maintenance_min_budget: ms(p.light_idle_maintenance_min_budget),
            light_idle_maintenance_max_budget: ms(p.light_idle_maintenance_max_budget),
            inactive_timeout: ms(p.inactive_timeout),
            motion_inactive_timeout: ms(p.motion_inactive_timeout),
            idle_after_inactive_timeout: ms(p.idle_after_inactive_timeout),
            locating_timeout: ms(p.locating_timeout),
            idle_pending_timeout: ms(p.idle_pending_timeout),
            max_idle_pending_timeout: ms(p.max_idle_pending_timeout),
            idle_pending_factor: p.idle_pending_factor,
            idle_timeout: ms(p.idle_timeout),
            max_idle_timeout: ms(p.max_idle_timeout),
            idle_factor: p.idle_factor,
        }
    }
}

/// `(long) (delay * factor)`, in IEEE arithmetic (no libm). Rust's `as` truncates toward zero
/// and saturates (a product at or above 2^64 gives `u64::MAX`), so no branch of our own.
pub(super) fn scale(delay: u64, factor: f64) -> u64 {
    (delay as f64 * factor) as u64
}

/// The doze state reported for a pair of deep and light states.
const fn state_of(deep: Deep, light: Light) -> DozeState {
    match (deep, light) {
        (Deep::Idle, _) => DozeState::DeepIdle,
        (Deep::IdleMaintenance, _) => DozeState::DeepMaintenance,
        (_, Light::Idle | Light::WaitingForNetwork) => DozeState::LightIdle,
        (_, Light::IdleMaintenance) => DozeState::LightMaintenance,
        (Deep::Active, Light::Active) => DozeState::Active,
        _ => DozeState::Inactive,
    }
}

/// Every state, in declaration order (a new state goes here too; the table checks the order).
const DEEPS: [Deep; 7] = [
    Deep::Active,
    Deep::Inactive,
    Deep::IdlePending,
    Deep::Sensing,
    Deep::Locating,
    Deep::Idle,
    Deep::IdleMaintenance,
];
const LIGHTS: [Light; 6] = [
    Light::Active,
    Light::Inactive,
    Light::Idle,
    Light::WaitingForNetwork,
    Light::IdleMaintenance,
    Light::Override,
];

/// [`state_of`] for every pair, indexed by the states' discriminants.
const STATES: [[DozeState; LIGHTS.len()]; DEEPS.len()] = {
    let mut table = [[DozeState::Active; LIGHTS.len()]; DEEPS.len()];
    let mut d = 0;
    while d < DEEPS.len() {
        let mut l = 0;
        while l < LIGHTS.len() {
            assert!(DEEPS[d] as usize == d && LIGHTS[l] as usize == l);
            table[d][l] = state_of(DEEPS[d], LIGHTS[l]);
            l += 1;
        }
        d += 1;
    }
    table
};

/// Light doze's steady cycle from a pending alarm (see [`Doze::light_steady_cycle`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LightCycle {
    pub alarm: u64,
    pub period: u64,
    pub maint_offset: u64,
    pub maint_len: u64,
}

impl LightCycle {
    /// Milliseconds in maintenance during the first `t` ms from the alarm.
    pub fn maintenance_in(&self, t: u64) -> u64 {
        let whole = t / self.period * self.maint_len;
        let rest = (t % self.period).saturating_sub(self.maint_offset);
        whole + rest.min(self.maint_len)
    }
}

/// The device's inputs that the state machine reads when it steps.
#[derive(Clone, Copy, Debug)]
pub struct Inputs {
    pub screen_on: bool,
    pub charging: bool,
    pub stationary: bool,
    /// The device's own connectivity (`mNetworkConnected`), not an app's.
    pub network: bool,
}

/// One device's DeviceIdleController. Times are ms; the owner schedules `deep_alarm` and
/// `light_alarm` and calls [`Doze::deep_alarm_fired`] / [`Doze::light_alarm_fired`] at them.
#[derive(Clone, Debug)]
pub struct Doze {
    p: DozeParams,
    pub deep: Deep,
    pub light: Light,
    inactive_timeout: u64,
    next_idle_delay: u64,
    next_idle_pending_delay: u64,
    next_light_idle_delay: u64,
    cur_light_idle_budget: u64,
    /// When the deep state steps next (`scheduleAlarmLocked`), if armed.
    pub deep_alarm: Option<u64>,
    /// When the light state steps next (`scheduleLightAlarmLocked`), if armed.
    pub light_alarm: Option<u64>,
}

impl Doze {
    /// A device at `now` with these inputs: active, then made inactive if the screen is off
    /// and it is not charging (as at boot).
    pub fn new(p: DozeParams, now: u64, inputs: Inputs) -> Doze {
        let mut d = Doze {
            p,
            deep: Deep::Active,
            light: Light::Active,
            inactive_timeout: p.inactive_timeout,
            next_idle_delay: 0,
            next_idle_pending_delay: 0,
            next_light_idle_delay: 0,
            cur_light_idle_budget: 0,
            deep_alarm: None,
            light_alarm: None,
        };
        d.become_inactive_if_appropriate(now, inputs);
        d
    }

    /// The reported state ([`state_of`], looked up: asked at every step and every event's
    /// accounting, where the match's branches were unpredictable).
    pub fn state(&self) -> DozeState {
        let state = STATES[self.deep as usize][self.light as usize];
        debug_assert_eq!(state, state_of(self.deep, self.light));
        state
    }

    /// The screen turned on or off, or charging started or stopped
    /// (`updateInteractivityLocked`, `updateChargingLocked`).
    pub fn screen_or_charging_changed(&mut self, now: u64, inputs: Inputs) {
        if inputs.screen_on || inputs.charging {
            self.become_active();
        } else {
            self.become_inactive_if_appropriate(now, inputs);
        }
    }

    /// The device started moving: the significant-motion sensor is armed from IDLE_PENDING on.
    pub fn started_moving(&mut self, now: u64, inputs: Inputs) {
        if matches!(
            self.deep,
            Deep::IdlePending | Deep::Sensing | Deep::Locating | Deep::Idle | Deep::IdleMaintenance
        ) {
            self.motion_detected(now, inputs);
        }
    }

    /// The device's network came up: a light doze waiting for it goes to maintenance
    /// (`updateConnectivityState`).
    pub fn network_changed(&mut self, now: u64, inputs: Inputs) {
        if inputs.network & (self.light == Light::WaitingForNetwork) {
            self.step_light(now, inputs);
        }
    }

    /// The deep alarm a moving device must still be woken for, if any. While the phone moves
    /// and deep doze is INACTIVE, every alarm only finds motion and starts the same 10-minute
    /// cycle over (`handleMotionDetectedLocked`): nothing anyone can observe. Such alarms are
    /// not stepped; [`Doze::catch_up_moving`] replays them when the phone comes to rest.
    pub fn deep_alarm_to_step(&self, stationary: bool) -> Option<u64> {
        if !stationary && self.deep == Deep::Inactive {
            None
        } else {
            self.deep_alarm
        }
    }

    /// Replays the deep alarms before `until` of a phone that was moving all along: each one
    /// goes INACTIVE → IDLE_PENDING, sees motion and becomes INACTIVE again for
    /// `motion_inactive_timeout`.
    pub fn catch_up_moving(&mut self, until: u64) {
        let Some(alarm) = self.deep_alarm else { return };
        if (self.deep != Deep::Inactive) | (alarm >= until) {
            return;
        }
        let m = self.p.motion_inactive_timeout.max(1);
        let steps = (until - alarm).div_ceil(m);
        self.deep_alarm = Some(alarm.saturating_add(steps.saturating_mul(m)));
        self.inactive_timeout = m;
    }

    /// Light doze's steady cycle, when it has reached one: in light idle with its periods at
    /// their maximum, the pattern from the pending alarm repeats with `period`, in maintenance
    /// for `maint_len` from `maint_offset` into each period (with the network down, a first
    /// idle period waits for it). `None` while the periods still grow.
    pub fn light_steady_cycle(&self, network: bool) -> Option<LightCycle> {
        let p = self.p;
        let m = self.next_light_idle_delay;
        if (self.light != Light::Idle)
            | (scale(m, p.light_idle_factor).min(p.light_max_idle_timeout) != m)
        {
            return None;
        }
        let b = self.cur_light_idle_budget;
        if self.maintenance_budget() != b {
            return None;
        }
        let alarm = self.light_alarm?;
        Some(if network {
            LightCycle {
                alarm,
                period: b + m,
                maint_offset: 0,
                maint_len: b,
            }
        } else {
            LightCycle {
                alarm,
                period: 2 * m + b,
                maint_offset: m,
                maint_len: b,
            }
        })
    }

    /// Runs every step of the steady cycle `c` (see [`Doze::light_steady_cycle`]) before
    /// `limit`, at once; the pending one must be (`c.alarm < limit`). Returns the time of the
    /// last step. The cycle's steps, from the start of a period: to maintenance (network up) or
    /// to waiting for the network (down) at 0, to maintenance at `maint_offset` (down), back to
    /// idle at `maint_offset + maint_len`; each sets the alarm for the next. The budget and the
    /// idle delay are at their steady values and do not move.
    pub fn skip_light_steps(&mut self, c: &LightCycle, limit: u64) -> u64 {
        debug_assert!(self.light == Light::Idle && self.light_alarm == Some(c.alarm));
        debug_assert!(c.alarm < limit);
        let span = limit - 1 - c.alarm;
        let start = c.alarm + span / c.period * c.period;
        let into = span % c.period;
        let maint_end = c.maint_offset + c.maint_len;
        let (last, light, next) = if into >= maint_end {
            (start + maint_end, Light::Idle, start + c.period)
        } else if into >= c.maint_offset {
            (
                start + c.maint_offset,
                Light::IdleMaintenance,
                start + maint_end,
            )
        } else {
            (start, Light::WaitingForNetwork, start + c.maint_offset)
        };
        self.light = light;
        self.light_alarm = Some(next);
        last
    }

    pub fn deep_alarm_fired(&mut self, now: u64, inputs: Inputs) {
        self.deep_alarm = None;
        self.step_deep(now, inputs);
    }

    pub fn light_alarm_fired(&mut self, now: u64, inputs: Inputs) {
        self.light_alarm = None;
        self.step_light(now, inputs);
    }

    /// `becomeActiveLocked`: both machines to ACTIVE, alarms cancelled.
    fn become_active(&mut self) {
        self.deep = Deep::Active;
        self.inactive_timeout = self.p.inactive_timeout;
        self.reset_idle_management();
        self.light = Light::Active;
        self.reset_light_idle_management();
    }

    fn reset_idle_management(&mut self) {
        self.next_idle_pending_delay = 0;
        self.next_idle_delay = 0;
        self.deep_alarm = None;
    }

    fn reset_light_idle_management(&mut self) {
        self.next_light_idle_delay = 0;
        self.cur_light_idle_budget = 0;
        self.light_alarm = None;
    }

    /// `becomeInactiveIfAppropriateLocked`.
    fn become_inactive_if_appropriate(&mut self, now: u64, inputs: Inputs) {
        if inputs.charging || inputs.screen_on {
            return;
        }
        if self.deep == Deep::Active {
            self.deep = Deep::Inactive;
            self.reset_idle_management();
            self.deep_alarm = Some(now.saturating_add(self.inactive_timeout));
        }
        if self.light == Light::Active {
            self.light = Light::Inactive;
            self.reset_light_idle_management();
            self.light_alarm = Some(now.saturating_add(self.p.light_idle_after_inactive_timeout));
        }
    }

    /// `handleMotionDetectedLocked(MOTION_INACTIVE_TIMEOUT)`: deep doze starts over (light
    /// doze stays unless deep doze had overridden it).
    fn motion_detected(&mut self, now: u64, inputs: Inputs) {
        let mut become_inactive = false;
        if self.deep != Deep::Active {
            self.deep = Deep::Active;
            self.inactive_timeout = self.p.motion_inactive_timeout;
            become_inactive = true;
        }
        if self.light == Light::Override {
            self.light = Light::Active;
            become_inactive = true;
        }
        if become_inactive {
            self.become_inactive_if_appropriate(now, inputs);
        }
    }

    /// `stepIdleStateLocked`.
    fn step_deep(&mut self, now: u64, inputs: Inputs) {
        let p = self.p;
        match self.deep {
            Deep::Active => {}
            Deep::Inactive => {
                // startMonitoringMotionLocked: a moving device trips the sensor at once.
                self.deep = Deep::IdlePending;
                self.deep_alarm = Some(now.saturating_add(p.idle_after_inactive_timeout));
                if !inputs.stationary {
                    self.motion_detected(now, inputs);
                }
            }
            Deep::IdlePending | Deep::Sensing => {
                if !inputs.stationary {
                    self.motion_detected(now, inputs);
                    return;
                }
                self.deep = Deep::Locating;
                self.deep_alarm = Some(now.saturating_add(p.locating_timeout));
            }
            Deep::Locating => {
                self.next_idle_pending_delay = p.idle_pending_timeout;
                self.next_idle_delay = p.idle_timeout;
                self.enter_idle(now);
            }
            Deep::IdleMaintenance => self.enter_idle(now),
            Deep::Idle => {
                self.deep_alarm = Some(now.saturating_add(self.next_idle_pending_delay));
                self.next_idle_pending_delay =
                    scale(self.next_idle_pending_delay, p.idle_pending_factor)
                        .min(p.max_idle_pending_timeout)
                        .max(p.idle_pending_timeout);
                self.deep = Deep::IdleMaintenance;
            }
        }
    }

    fn enter_idle(&mut self, now: u64) {
        let p = self.p;
        self.deep_alarm = Some(now.saturating_add(self.next_idle_delay));
        self.next_idle_delay = scale(self.next_idle_delay, p.idle_factor)
            .min(p.max_idle_timeout)
            .max(p.idle_timeout);
        self.deep = Deep::Idle;
        if self.light != Light::Override {
            self.light = Light::Override;
            self.light_alarm = None;
        }
    }

    /// The next light maintenance window's length: the budget raised to the minimum, else
    /// lowered to the maximum, in AOSP's order (no panic when a scenario sets min > max).
    fn maintenance_budget(&self) -> u64 {
        let (b, p) = (self.cur_light_idle_budget, &self.p);
        if b < p.light_idle_maintenance_min_budget {
            p.light_idle_maintenance_min_budget
        } else {
            b.min(p.light_idle_maintenance_max_budget)
        }
    }

    /// `stepLightIdleStateLocked`. A maintenance window lasts its whole budget, so the budget
    /// neither grows nor shrinks.
    fn step_light(&mut self, now: u64, inputs: Inputs) {
        let p = self.p;
        match self.light {
            Light::Active | Light::Override => {}
            Light::Inactive | Light::IdleMaintenance => {
                if self.light == Light::Inactive {
                    self.cur_light_idle_budget = p.light_idle_maintenance_min_budget;
                    self.next_light_idle_delay = p.light_idle_timeout;
                }
                self.light_alarm = Some(now.saturating_add(self.next_light_idle_delay));
                self.next_light_idle_delay = scale(self.next_light_idle_delay, p.light_idle_factor)
                    .min(p.light_max_idle_timeout);
                self.light = Light::Idle;
            }
            Light::Idle | Light::WaitingForNetwork => {
                if inputs.network | (self.light == Light::WaitingForNetwork) {
                    let budget = self.maintenance_budget();
                    self.cur_light_idle_budget = budget;
                    self.light_alarm = Some(now.saturating_add(budget));
                    self.light = Light::IdleMaintenance;
                } else {
                    self.light_alarm = Some(now.saturating_add(self.next_light_idle_delay));
                    self.light = Light::WaitingForNetwork;
                }
            }
        }
    }
}
