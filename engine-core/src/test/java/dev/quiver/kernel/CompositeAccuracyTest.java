package dev.quiver.kernel;

import dev.quiver.backend.Backends;
import dev.quiver.backend.Backend;
import org.junit.jupiter.api.Test;

import java.util.function.DoubleUnaryOperator;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The composites' stated error bounds ({@link UnaryOp#accuracy}), measured: float32 results
 * against float64 references (exact to far below a float ulp), float64 results against
 * StrictMath-based references (fdlibm, under 1 ulp; the tolerance adds the reference's own error).
 */
class CompositeAccuracyTest {
    static final Backend SCALAR = Backends.create("scalar", 1);

    /** The bounds hold for |x| <= 5; beyond, see {@link UnaryOp.Accuracy#source}. */
    static final double BOUNDED = 5;

    static double reference(UnaryOp op, double x) {
        return switch (op) {
            // 0.5 x (1 + tanh(u)) = x / (1 + exp(-2u)): the tanh form cancels in float64 for x < -5
            case GELU -> x / (1 + StrictMath.exp(-2 * Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
            case SOFTPLUS -> Math.max(x, 0) + StrictMath.log1p(StrictMath.exp(-Math.abs(x)));
            case SILU -> x / (1 + StrictMath.exp(-x));
            case LOG1P -> StrictMath.log1p(x);
            case EXPM1 -> StrictMath.expm1(x);
            default -> throw new IllegalArgumentException(op.name());
        };
    }

    static double[] samples(UnaryOp op) {
        int n = 200_001;
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            double u = -1 + 2.0 * i / (n - 1);
            // Half the samples spread log-uniformly towards 0, where log1p and expm1 earn their keep.
            x[i] = i % 2 == 0 ? 10 * u : Math.copySign(Math.pow(10, -12 * Math.abs(u)), u);
            if (op == UnaryOp.LOG1P && x[i] <= -0.999) x[i] = -0.999 + 1e-3 * Math.abs(u);
        }
        return x;
    }

    @Test
    void compositesStayWithinTheirStatedBounds() {
        StringBuilder report = new StringBuilder();
        for (UnaryOp op : UnaryOp.values()) {
            if (op.isPrimitive()) continue;
            double[] x = samples(op);
            double[] y = new double[x.length];
            float[] xf = new float[x.length], yf = new float[x.length];
            for (int i = 0; i < x.length; i++) xf[i] = (float) x[i];
            SCALAR.f64().unary(op, x.length, x, 0, 1, y, 0, 1, false);
            SCALAR.f32().unary(op, x.length, xf, 0, 1, yf, 0, 1, false);
            double worst64 = 0, worst32 = 0, outside64 = 0, outside32 = 0;
            for (int i = 0; i < x.length; i++) {
                boolean inside = Math.abs(x[i]) <= BOUNDED;
                double r = reference(op, x[i]);
                if (r != 0 && Double.isFinite(r)) {
                    double e = Math.abs(y[i] - r) / Math.ulp(r);
                    if (inside) worst64 = Math.max(worst64, e);
                    else outside64 = Math.max(outside64, e);
                }
                double rf = reference(op, xf[i]);
                if ((float) rf != 0 && Float.isFinite((float) rf)) {
                    double e = Math.abs(yf[i] - rf) / Math.ulp((float) rf);
                    if (inside) worst32 = Math.max(worst32, e);
                    else outside32 = Math.max(outside32, e);
                }
            }
            report.append(String.format("%s: |x| <= %s: F32 %.2f ulps, F64 %.2f ulps (bound %.1f); 5 < |x| <= 10: F32 %.2f, F64 %.2f%n",
                    op, BOUNDED, worst32, worst64, op.accuracy().ulps(), outside32, outside64));
            assertTrue(worst32 <= op.accuracy().ulps(), op + " F32 " + worst32 + " ulps");
            assertTrue(worst64 <= op.accuracy().ulps() + 1.5, op + " F64 " + worst64 + " ulps");
        }
        System.out.print(report);
    }
}
