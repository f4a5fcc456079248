package dev.quiver.check.kit;

import dev.quiver.tensor.DType;

/**
 * Error bounds, named per dtype in one place and scaled with the length of sums (the standard
 * forward error bound of recursive summation, |fl(Σ x_i) - Σ x_i| <= γ_n Σ |x_i| with
 * γ_n ≈ n u, u the unit roundoff), so that a backend may reorder or fuse operations but cannot
 * be wrong by more than rounding explains. Comparisons are against float64 references.
 */
public final class Tolerance {
    private Tolerance() {}

    /** Unit roundoff: 2^-53 for F64, 2^-24 for F32. */
    public static double unitRoundoff(DType dtype) {
        return dtype == DType.F64 ? 0x1p-53 : 0x1p-24;
    }

    /** Below this, differences are noise (subnormal range). */
    public static double tiny(DType dtype) {
        return dtype == DType.F64 ? Double.MIN_NORMAL : Float.MIN_NORMAL;
    }

    /**
     * Bound for one elementwise result: a few ulps of the result plus a few ulps of the scale of
     * the intermediate quantities (e.g. |a| + |b| for a - b, |b|(1 + a²) for b(1 - a²)), 16 u
     * each: enough for a ≤ 2-ulp transcendental after rounding, far below any real bug.
     */
    public static double elementwise(DType dtype, double result, double scale) {
        return 16 * unitRoundoff(dtype) * (Math.abs(result) + Math.abs(scale)) + tiny(dtype);
    }

    /**
     * Bound for a sum of n terms whose magnitudes add up to sumAbs (dot products, GEMM entries,
     * reductions): (n + 2) u sumAbs, doubled for safety.
     */
    public static double sum(DType dtype, long n, double sumAbs) {
        return 2 * (n + 2) * unitRoundoff(dtype) * sumAbs + tiny(dtype);
    }

    /** Throws an AssertionError naming what, expected, actual and the bound unless |actual - expected| <= bound. */
    public static void check(String what, double expected, double actual, double bound) {
        if (Double.isNaN(expected) && Double.isNaN(actual)) return;
        if (expected == actual) return;
        if (!(Math.abs(actual - expected) <= bound)) {
            throw new AssertionError(what + ": expected " + expected + " but got " + actual
                    + " (difference " + Math.abs(actual - expected) + " > bound " + bound + ")");
        }
    }
}
