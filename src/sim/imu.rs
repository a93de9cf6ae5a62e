//! The simulated gyro: yaw rate with a constant-ish bias (random walk) and white noise
//! (domain reference §7: bias 0.05 °/s, noise 0.01 °/s/√Hz), sampled at its own rate.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

/// Gyro parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct ImuParams {
    /// Sample rate, Hz. Default 100.
    pub rate_hz: f64,
    /// 1σ of the turn-on bias, °/s. Default 0.05.
    pub bias_sigma_dps: f64,
    /// Bias random walk, °/s/√s. Default 0.001.
    pub bias_walk_dps_rts: f64,
    /// White noise density, °/s/√Hz. Default 0.01.
    pub noise_dps_rthz: f64,
}

impl Default for ImuParams {
    fn default() -> Self {
        Self {
            rate_hz: 100.0,
            bias_sigma_dps: 0.05,
            bias_walk_dps_rts: 0.001,
            noise_dps_rthz: 0.01,
        }
    }
}

/// One gyro sample.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ImuSample {
    /// Simulated time, s.
    pub t_s: f64,
    /// Measured yaw rate, rad/s (counter-clockwise).
    pub yaw_rate_rps: f64,
}

/// The simulated gyro.
#[derive(Clone, Debug)]
pub struct Gyro {
    params: ImuParams,
    bias_rps: f64,
    next: u64,
}

impl Gyro {
    pub fn new(params: ImuParams, rng: &mut ChaCha8Rng) -> Self {
        let n: f64 = rng.sample(StandardNormal);
        Self {
            bias_rps: (params.bias_sigma_dps * n).to_radians(),
            params,
            next: 0,
        }
    }

    /// True bias now, rad/s (for tests of the estimator).
    pub fn bias_rps(&self) -> f64 {
        self.bias_rps
    }

    /// Samples due up to `t_s` of the true `yaw_rate_rps`.
    ///
    /// # Units
    /// `t_s` s, `yaw_rate_rps` rad/s.
    pub fn step(&mut self, t_s: f64, yaw_rate_rps: f64, rng: &mut ChaCha8Rng, out: &mut Vec<ImuSample>) {
        let dt = 1.0 / self.params.rate_hz;
        let white = (self.params.noise_dps_rthz * self.params.rate_hz.sqrt()).to_radians();
        let walk = (self.params.bias_walk_dps_rts * dt.sqrt()).to_radians();
        while self.next as f64 * dt <= t_s + 1e-9 {
            let (a, b): (f64, f64) = (rng.sample(StandardNormal), rng.sample(StandardNormal));
            self.bias_rps += walk * a;
            out.push(ImuSample {
                t_s: self.next as f64 * dt,
                yaw_rate_rps: yaw_rate_rps + self.bias_rps + white * b,
            });
            self.next += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn mean_is_rate_plus_bias() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let mut g = Gyro::new(ImuParams::default(), &mut rng);
        let mut out = Vec::new();
        g.step(100.0, 0.2, &mut rng, &mut out);
        assert_eq!(out.len(), 10_001);
        let mean = out.iter().map(|s| s.yaw_rate_rps).sum::<f64>() / out.len() as f64;
        assert!((mean - 0.2 - g.bias_rps()).abs() < 2e-4, "{mean}");
        assert!(g.bias_rps().abs() < 0.3f64.to_radians());
    }
}
