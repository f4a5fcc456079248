package dev.quiver.tensor;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Per-dtype test tolerances, in one place. A result that accumulates {@code n} terms may differ
 * from the float64 reference by a few ulp per term, so the bound grows with n; elementwise ops
 * use n = 1. The comparison is {@code |actual - expected| <= tol(n) * (scale + |expected|)},
 * where scale is the magnitude of the terms (1 for data drawn from [-3, 3]).
 */
final class Tol {
    private Tol() {}

    /** Unit roundoff times a small safety factor. */
    static double eps(DType dtype) {
        return dtype == DType.F64 ? 4 * Math.ulp(1.0) : 4 * Math.ulp(1.0f);
    }

    /** Relative tolerance for a result accumulated over n terms. */
    static double of(DType dtype, int n) {
        return eps(dtype) * Math.max(1, n);
    }

    static void assertClose(String what, double[] expected, Tensor actual, int n) {
        double[] got = Ref.values(actual);
        if (got.length != expected.length) fail(what + ": " + got.length + " elements, expected " + expected.length);
        double tol = of(actual.dtype(), n);
        for (int i = 0; i < got.length; i++) {
            double e = expected[i], a = got[i];
            if (Double.isNaN(e) && Double.isNaN(a)) continue;
            if (e == a) continue;
            if (!(Math.abs(a - e) <= tol * (1 + Math.abs(e)))) {
                fail(what + ": element " + i + " is " + a + ", expected " + e + " (tolerance " + tol + ", "
                        + actual.dtype() + ", shape " + Shapes.str(actual.shape()) + ")");
            }
        }
    }

    static void assertClose(String what, double expected, double actual, DType dtype, int n) {
        double tol = of(dtype, n);
        if (!(Math.abs(actual - expected) <= tol * (1 + Math.abs(expected)))) {
            fail(what + ": " + actual + ", expected " + expected + " (tolerance " + tol + ", " + dtype + ")");
        }
    }
}
