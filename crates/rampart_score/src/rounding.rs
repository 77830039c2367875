//! Exact decimal rounding of the score's ratios, done on integers so that no binary floating-point
//! error can move a value across a rounding boundary.
//!
//! Invariant: every public score figure is derived from these integer results; `f64` only appears at
//! the very end, as the nearest double to an exact 2- or 4-decimal value.

/// `num / den` rounded to the nearest integer, ties away from zero (all inputs are non-negative,
/// so this is "half up"). `den` must be non-zero; callers guard it.
pub(crate) fn div_round(num: u128, den: u128) -> u128 {
    debug_assert!(den != 0);
    (2 * num + den) / (2 * den)
}

/// A control's current score in hundredths of a point: `round₂(max × H / (H + U))`.
/// Zero when `H + U = 0` (the API's "if total points is zeroed, the return number is 0.00").
pub(crate) fn current_hundredths(max: u32, healthy: u64, unhealthy: u64) -> u64 {
    let weight = u128::from(healthy) + u128::from(unhealthy);
    if weight == 0 {
        return 0;
    }
    let hundredths = div_round(100 * u128::from(max) * u128::from(healthy), weight);
    // ≤ 100 × max, which fits u64 for any u32 max.
    u64::try_from(hundredths).unwrap_or(u64::MAX)
}

/// A ratio `current / max` in ten-thousandths, from a current in hundredths: `round₄(c/100 / max)`.
/// Zero when `max = 0`.
pub(crate) fn percentage_ten_thousandths(current_hundredths: u64, max: u64) -> u64 {
    if max == 0 {
        return 0;
    }
    let value = div_round(100 * u128::from(current_hundredths), u128::from(max));
    u64::try_from(value).unwrap_or(u64::MAX)
}

/// Hundredths as the nearest `f64` (e.g. 333 → 3.33).
#[expect(
    clippy::cast_precision_loss,
    reason = "score values are far below 2^53"
)]
pub(crate) fn from_hundredths(value: u64) -> f64 {
    value as f64 / 100.0
}

/// Ten-thousandths as the nearest `f64` (e.g. 8325 → 0.8325).
#[expect(
    clippy::cast_precision_loss,
    reason = "score values are far below 2^53"
)]
pub(crate) fn from_ten_thousandths(value: u64) -> f64 {
    value as f64 / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_like_the_api_example() {
        // Encrypt data in transit: max 4, H 5, U 1 → 3.33, percentage 0.8325.
        let current = current_hundredths(4, 5, 1);
        assert_eq!(current, 333);
        assert_eq!(percentage_ten_thousandths(current, 4), 8325);
    }

    #[test]
    fn ties_round_away_from_zero() {
        // max 1, H 1, U 7 → 0.125 exactly → 0.13.
        assert_eq!(current_hundredths(1, 1, 7), 13);
        // max 1, H 1, U 199 → 0.005 exactly → 0.01 (a binary double of 0.005 is not exact).
        assert_eq!(current_hundredths(1, 1, 199), 1);
    }

    #[test]
    fn zero_weight_and_zero_max_give_zero() {
        assert_eq!(current_hundredths(6, 0, 0), 0);
        assert_eq!(percentage_ten_thousandths(0, 0), 0);
    }
}
