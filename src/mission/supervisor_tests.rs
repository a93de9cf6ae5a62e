//! Table-driven tests of every supervisor rule.

use super::*;
use crate::mission::StopCategory::*;

fn sup(cfg: SafetyConfig) -> SafetySupervisor {
    SafetySupervisor::new(cfg, 400.0)
}

/// One rule: how to break a nominal observation, the trip expected, its response.
struct Rule {
    name: &'static str,
    breaks: fn(&mut Observation),
    kind: TripKind,
    stop: StopCategory,
    rotor_off: bool,
    clearing: Clearing,
}

fn rules() -> Vec<Rule> {
    vec![
        Rule {
            name: "estop",
            breaks: |o| o.estop_pressed = true,
            kind: TripKind::EStop,
            stop: Cat0,
            rotor_off: true,
            clearing: Clearing::ExplicitReset,
        },
        Rule {
            name: "footprint on unprocessed ground",
            breaks: |o| {
                o.footprint_uncovered_m2 = 0.5;
                o.footprint_uncovered_inflated_m2 = 0.5
            },
            kind: TripKind::FootprintViolation,
            stop: Cat1,
            rotor_off: true,
            clearing: Clearing::Terminal,
        },
        Rule {
            name: "footprint not proven",
            breaks: |o| o.footprint_uncovered_inflated_m2 = 0.3,
            kind: TripKind::FootprintUncertain,
            stop: Cat2,
            rotor_off: false,
            clearing: Clearing::Condition,
        },
        Rule {
            name: "outside geofence",
            breaks: |o| {
                o.outside_geofence = true;
                o.outside_geofence_inflated = true
            },
            kind: TripKind::GeofenceBreach,
            stop: Cat1,
            rotor_off: true,
            clearing: Clearing::Terminal,
        },
        Rule {
            name: "geofence within 3σ",
            breaks: |o| o.outside_geofence_inflated = true,
            kind: TripKind::GeofenceUncertain,
            stop: Cat2,
            rotor_off: false,
            clearing: Clearing::Condition,
        },
        Rule {
            name: "gnss sigma large",
            breaks: |o| o.sigma_h_m = 0.5,
            kind: TripKind::GnssDegraded,
            stop: Cat2,
            rotor_off: false,
            clearing: Clearing::Condition,
        },
        Rule {
            name: "gnss lost",
            breaks: |o| o.gnss_ok = false,
            kind: TripKind::GnssDegraded,
            stop: Cat2,
            rotor_off: false,
            clearing: Clearing::Condition,
        },
        Rule {
            name: "heartbeat old",
            breaks: |o| o.heartbeat_age_s = Some(0.8),
            kind: TripKind::LinkLost,
            stop: Cat1,
            rotor_off: true,
            clearing: Clearing::Condition,
        },
        Rule {
            name: "no heartbeat",
            breaks: |o| o.heartbeat_age_s = None,
            kind: TripKind::LinkLost,
            stop: Cat1,
            rotor_off: true,
            clearing: Clearing::Condition,
        },
        Rule {
            name: "rotor stall",
            breaks: |o| o.rotor_rpm = 100.0,
            kind: TripKind::RotorStall,
            stop: Cat2,
            rotor_off: true,
            clearing: Clearing::Condition,
        },
        Rule {
            name: "detonation",
            breaks: |o| o.detonation = Some((1.0, 2.0, 0.5)),
            kind: TripKind::Detonation,
            stop: Cat1,
            rotor_off: false,
            clearing: Clearing::Acknowledgement,
        },
    ]
}

#[test]
fn nominal_never_trips() {
    let mut s = sup(SafetyConfig::default());
    for i in 0..100 {
        let out = s.check(&Observation::nominal(), i as f64 * 0.1);
        assert!(out.tripped.is_empty(), "{out:?}");
    }
}

#[test]
fn every_rule_trips_with_its_response() {
    let cfg = SafetyConfig::default();
    for r in rules() {
        let mut s = sup(cfg.clone());
        let mut o = Observation::nominal();
        (r.breaks)(&mut o);
        // Stall needs its time; everything else trips at once.
        let mut tripped = s.check(&o, 0.0).tripped;
        o.detonation = None;
        tripped.extend(s.check(&o, 2.0).tripped);
        let kinds: Vec<_> = tripped.iter().map(|t| t.kind).collect();
        assert_eq!(kinds, vec![r.kind], "{}", r.name);
        let resp = Trip::response(r.kind, &cfg);
        assert_eq!(
            (resp.stop, resp.rotor_off, resp.clearing),
            (r.stop, r.rotor_off, r.clearing),
            "{}",
            r.name
        );
        assert!(s.is_active(r.kind), "{} latched", r.name);
    }
}

#[test]
fn self_clearing_rules_clear_only_after_their_hold_time() {
    let cfg = SafetyConfig::default();
    for r in rules().into_iter().filter(|r| r.clearing == Clearing::Condition) {
        let mut s = sup(cfg.clone());
        let mut o = Observation::nominal();
        (r.breaks)(&mut o);
        s.check(&o, 0.0);
        s.check(&o, 2.0);
        assert!(s.is_active(r.kind), "{}", r.name);
        // Good again: cleared at once only where the proof is immediate (σ was good all along),
        // otherwise after the hold time.
        let immediate = matches!(
            r.kind,
            TripKind::RotorStall | TripKind::FootprintUncertain | TripKind::GeofenceUncertain
        );
        let out = s.check(&Observation::nominal(), 2.1);
        assert!(out.cleared.is_empty() || immediate, "{}: {out:?}", r.name);
        let out = s.check(
            &Observation::nominal(),
            2.1 + cfg.gnss_recover_s.max(cfg.link_recover_s) + 0.01,
        );
        let cleared: Vec<_> = out.cleared.iter().map(|t| t.kind).collect();
        assert!(
            !s.is_active(r.kind) && (cleared == vec![r.kind] || immediate),
            "{}: {cleared:?}",
            r.name
        );
    }
}

#[test]
fn latched_rules_stay_until_reset_or_ack() {
    let cfg = SafetyConfig::default();
    for r in rules().into_iter().filter(|r| {
        matches!(
            r.clearing,
            Clearing::ExplicitReset | Clearing::Terminal | Clearing::Acknowledgement
        )
    }) {
        let mut s = sup(cfg.clone());
        let mut o = Observation::nominal();
        (r.breaks)(&mut o);
        s.check(&o, 0.0);
        for i in 1..200 {
            s.check(&Observation::nominal(), i as f64);
        }
        assert!(s.is_active(r.kind), "{} stays latched", r.name);
    }
}

#[test]
fn estop_reset_refused_while_pressed() {
    let mut s = sup(SafetyConfig::default());
    let mut o = Observation::nominal();
    o.estop_pressed = true;
    s.check(&o, 0.0);
    assert!(s.reset_estop(true).is_none());
    assert!(s.is_active(TripKind::EStop));
    assert!(s.reset_estop(false).is_some());
    assert!(s.active().is_empty());
}

#[test]
fn detonations_are_numbered_and_acknowledged_one_by_one() {
    let mut s = sup(SafetyConfig::default());
    let mut o = Observation::nominal();
    o.detonation = Some((0.0, 0.0, 0.0));
    let a = s.check(&o, 0.0).tripped;
    let b = s.check(&o, 1.0).tripped;
    assert_eq!((a[0].detonation_id, b[0].detonation_id), (1, 2));
    assert!(s.acknowledge(7).is_none());
    assert!(s.acknowledge(1).is_some());
    assert!(s.is_active(TripKind::Detonation));
    assert!(s.acknowledge(2).is_some());
    assert!(s.active().is_empty());
}

#[test]
fn ack_policies() {
    let cases = [
        (AckPolicy::Operator, true),
        (AckPolicy::AutoAfterDelay, false),
        (AckPolicy::Never, true),
    ];
    for (policy, still_active) in cases {
        let cfg = SafetyConfig {
            ack_policy: policy,
            ..SafetyConfig::default()
        };
        let mut s = sup(cfg.clone());
        let mut o = Observation::nominal();
        o.detonation = Some((0.0, 0.0, 0.0));
        s.check(&o, 0.0);
        s.check(&Observation::nominal(), cfg.auto_ack_delay_s + 0.1);
        assert_eq!(s.is_active(TripKind::Detonation), still_active, "{policy:?}");
    }
    let never = SafetyConfig {
        ack_policy: AckPolicy::Never,
        ..SafetyConfig::default()
    };
    assert_eq!(
        Trip::response(TripKind::Detonation, &never).clearing,
        Clearing::Terminal
    );
}

#[test]
fn short_rpm_dip_is_not_a_stall() {
    let mut s = sup(SafetyConfig::default());
    let mut o = Observation::nominal();
    o.rotor_rpm = 100.0;
    s.check(&o, 0.0);
    s.check(&o, 1.0);
    s.check(&Observation::nominal(), 1.2);
    s.check(&o, 1.3);
    assert!(s.check(&o, 2.5).tripped.is_empty());
    // Not expected at speed (spinning up): never a stall.
    o.rotor_expected = false;
    let mut s = sup(SafetyConfig::default());
    for i in 0..50 {
        assert!(s.check(&o, i as f64).tripped.is_empty());
    }
}

/// At an untrusted position (GNSS not ok, or σ over the limit) an estimated footprint violation
/// or geofence breach stops the machine as "uncertain" and does not end the mission; a trusted
/// position confirming it does.
#[test]
fn violations_at_an_untrusted_position_are_uncertain_until_confirmed() {
    let cfg = SafetyConfig::default();
    let untrusted: [fn(&mut Observation); 2] = [|o| o.gnss_ok = false, |o| o.sigma_h_m = 0.4];
    for (k, distrust) in untrusted.iter().enumerate() {
        for geofence in [false, true] {
            let mut s = sup(cfg.clone());
            let mut o = Observation::nominal();
            distrust(&mut o);
            if geofence {
                (o.outside_geofence, o.outside_geofence_inflated) = (true, true);
            } else {
                (o.footprint_uncovered_m2, o.footprint_uncovered_inflated_m2) = (0.4, 0.4);
            }
            let kinds: Vec<_> = s.check(&o, 0.0).tripped.iter().map(|t| t.kind).collect();
            let (uncertain, terminal) = if geofence {
                (TripKind::GeofenceUncertain, TripKind::GeofenceBreach)
            } else {
                (TripKind::FootprintUncertain, TripKind::FootprintViolation)
            };
            assert!(
                kinds.contains(&uncertain) && !kinds.contains(&terminal),
                "{k} {geofence}: {kinds:?}"
            );
            let resp = Trip::response(uncertain, &cfg);
            assert_eq!(resp.clearing, Clearing::Condition);
            // the position becomes trusted and still shows the violation: now it ends the mission
            let mut trusted = o.clone();
            (trusted.gnss_ok, trusted.sigma_h_m) = (true, 0.02);
            let kinds: Vec<_> = s.check(&trusted, 1.0).tripped.iter().map(|t| t.kind).collect();
            assert_eq!(kinds, vec![terminal], "{k} {geofence}");
        }
    }
}
