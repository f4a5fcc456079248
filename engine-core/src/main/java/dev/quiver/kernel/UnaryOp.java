package dev.quiver.kernel;

import dev.quiver.kernel.internal.Libm;
import dev.quiver.kernel.internal.TextAlgebra;

/**
 * Elementwise functions {@code y = f(x)}, one definition each: everything the engine knows about
 * a map lives in its entry, and the rest is read from there.
 * <ul>
 *   <li><b>Forward.</b> A <em>primitive</em> ({@link #isPrimitive}) is a kernel every backend
 *       implements (its formula is the text given here and {@link #apply} is its float64
 *       reference). A <em>composite</em> overrides {@link #forward}: a formula written once in
 *       the primitives ({@link Algebra}), which backends run through their own primitive kernels
 *       ({@link Formula}; SIMD-accelerated wherever the primitives are, bitwise equal across
 *       backends because every primitive is), and which is also its float64 reference.</li>
 *   <li><b>Derivative.</b> {@link #derivative}: the VJP {@code dx} from x, y = f(x) and the
 *       upstream gradient g, in the same primitives, so that {@code dev.quiver.ops} builds it as a
 *       graph and a gradient can be differentiated again.</li>
 *   <li><b>Domain</b> ({@link #domain}): where property tests draw inputs (away from kinks).</li>
 *   <li><b>Accuracy</b> ({@link #accuracy}): the error bound, in ulps of the result.</li>
 * </ul>
 * The shape rule of every map is the identity (y has x's shape and dtype). The op reference
 * {@code docs/ops.md} is generated from these entries (OpReferenceTest fails when it is stale).
 * Adding a map is adding an entry here: kernels, graph op, gradient and SIMD agreement properties
 * and the reference pick it up.
 */
public enum UnaryOp {
    /** y = x (a strided copy). */
    IDENTITY("x", Domain.REAL, Accuracy.EXACT) {
        @Override public <T> T derivative(Algebra<T> m, T x, T y, T g) { return g; }
    },
    NEG("-x", Domain.REAL, Accuracy.EXACT) {
        @Override public <T> T derivative(Algebra<T> m, T x, T y, T g) { return m.neg(g); }
    },
    /** |x|; subgradient 0 at the kink (sign(0) = 0). */
    ABS("|x|", Domain.AWAY_FROM_ZERO, Accuracy.EXACT) {
        @Override public <T> T derivative(Algebra<T> m, T x, T y, T g) { return m.mul(g, m.sign(x)); }
    },
    /** -1, 0 or 1 (0 at 0; NaN stays NaN); piecewise constant: no derivative (0 almost everywhere). */
    SIGN("sign(x)", Domain.AWAY_FROM_ZERO, Accuracy.EXACT),
    EXP("exp(x)", Domain.REAL, Accuracy.LIBM_1) {
        @Override public <T> T derivative(Algebra<T> m, T x, T y, T g) { return m.mul(g, y); }
    },
    LOG("log(x)", Domain.POSITIVE, Accuracy.LIBM_1) {
        @Override public <T> T derivative(Algebra<T> m, T x, T y, T g) { return m.div(g, x); }
    },
    SQRT("sqrt(x)", Domain.POSITIVE, Accuracy.ROUNDED) {
        @Override public <T> T derivative(Algebra<T> m, T x, T y, T g) { return m.div(m.mul(g, 0.5), y); }
    },
    SQUARE("x * x", Domain.REAL, Accuracy.ROUNDED) {
        @Override public <T> T derivative(Algebra<T> m, T x, T y, T g) { return m.mul(m.mul(g, x), 2.0); }
    },
    RECIPROCAL("1 / x", Domain.AWAY_FROM_ZERO, Accuracy.ROUNDED) {
        @Override public <T> T derivative(Algebra<T> m, T x, T y, T g) { return m.neg(m.mul(g, m.square(y))); }
    },
    /** Derivative g (1 - y^2): the compiler fuses it into the TANH_GRAD kernel (graph.Fusion). */
    TANH("tanh(x)", Domain.REAL, Accuracy.LIBM_2_5) {
        @Override public <T> T derivative(Algebra<T> m, T x, T y, T g) { return BinaryOp.tanhGrad(m, y, g); }
    },
    /**
     * 1 / (1 + exp(-x)), computed without overflow for large |x|. Derivative (g y) (1 - y): the
     * compiler fuses it into the SIGMOID_GRAD kernel (graph.Fusion).
     */
    SIGMOID("1 / (1 + exp(-x))", Domain.REAL, Accuracy.LIBM_2_5) {
        @Override public <T> T derivative(Algebra<T> m, T x, T y, T g) { return BinaryOp.sigmoidGrad(m, y, g); }
    },
    /** max(0, x); relu(0) = 0, and its subgradient at 0 is 0. */
    RELU("max(0, x)", Domain.AWAY_FROM_ZERO, Accuracy.EXACT) {
        @Override public <T> T derivative(Algebra<T> m, T x, T y, T g) { return m.binary(BinaryOp.RELU_GRAD, x, g); }
    },
    /** 1 where x > 0, else 0: the derivative of relu (subgradient 0 at 0); no derivative of its own. */
    STEP("[x > 0]", Domain.AWAY_FROM_ZERO, Accuracy.EXACT),

    // ------------------------------------------------------------------ composites

    /**
     * GELU, the tanh approximation (PyTorch's {@code gelu(x, approximate='tanh')}; PyTorch's default
     * is the erf form, which differs by up to about 5e-4):
     * {@code 0.5 x (1 + tanh(u)) = x sigmoid(2u)}, {@code u = sqrt(2/pi) (x + 0.044715 x^3)}. The
     * sigmoid form has no cancellation where tanh(u) is near -1, so it keeps a relative error
     * bound for negative x.
     */
    GELU(null, Domain.REAL, new Accuracy(64, "for |x| <= 5, measured 49 (F32), 62 (F64); the rounding of u times the condition number |2u| for x < 0 (up to 256 for |x| <= 10), a few ulps for x > 0")) {
        @Override public <T> T forward(Algebra<T> m, T x) {
            return m.mul(x, m.sigmoid(m.mul(m.mul(x, m.add(m.mul(m.square(x), GELU_CUBIC), 1.0)), 2 * GELU_SCALE)));
        }
        @Override public <T> T derivative(Algebra<T> m, T x, T y, T g) {
            // d/dx x s(2u) = s + x s (1 - s) 2u',  2u' = 2 sqrt(2/pi) (1 + 3 * 0.044715 x^2)
            T x2 = m.square(x);
            T s = m.sigmoid(m.mul(m.mul(x, m.add(m.mul(x2, GELU_CUBIC), 1.0)), 2 * GELU_SCALE));
            T du = m.mul(m.add(m.mul(x2, 3 * GELU_CUBIC), 1.0), 2 * GELU_SCALE);
            return m.mul(g, m.add(s, BinaryOp.sigmoidGrad(m, s, m.mul(x, du))));
        }
    },
    /** softplus log(1 + e^x), stable: {@code max(x, 0) + log1p(exp(-|x|))} (no overflow, no cancellation). */
    SOFTPLUS(null, Domain.REAL, new Accuracy(4, "measured 2 (|x| <= 10)")) {
        @Override public <T> T forward(Algebra<T> m, T x) {
            return m.add(m.relu(x), m.unary(LOG1P, m.exp(m.neg(m.abs(x)))));
        }
        @Override public <T> T derivative(Algebra<T> m, T x, T y, T g) { return m.mul(g, m.sigmoid(x)); }
    },
    /** SiLU (swish) {@code x sigmoid(x)}. */
    SILU(null, Domain.REAL, new Accuracy(3.5, "sigmoid's 2.5 and one rounding; measured 3")) {
        @Override public <T> T forward(Algebra<T> m, T x) { return m.mul(x, m.sigmoid(x)); }
        @Override public <T> T derivative(Algebra<T> m, T x, T y, T g) {
            // s + x s (1 - s)
            T s = m.sigmoid(x);
            return m.mul(g, m.add(s, BinaryOp.sigmoidGrad(m, s, x)));
        }
    },
    /**
     * log(1 + x), accurate near 0: with u = 1 + x rounded, {@code log(u) - ((u - 1) - x) / u}
     * corrects log(u) by the rounding error of u (first order; u - 1 is exact near 0). Domain
     * x > -1; log1p(-1) and log1p(+inf) give NaN (not -inf and +inf).
     */
    LOG1P(null, new Domain(-0.75, 3, 0, new double[0]), new Accuracy(4, "measured 1.7 (F32), 1 (F64) on (-1, 10]")) {
        @Override public <T> T forward(Algebra<T> m, T x) {
            T u = m.add(x, 1.0);
            return m.sub(m.log(u), m.div(m.sub(m.add(u, -1.0), x), u));
        }
        @Override public <T> T derivative(Algebra<T> m, T x, T y, T g) { return m.div(g, m.add(x, 1.0)); }
    },
    /**
     * e^x - 1, accurate near 0: with u = exp(x), {@code (u - 1) - u (log(u) - x)} where |x| <= 1
     * (log(u) - x estimates u's relative rounding error), plain {@code u - 1} elsewhere, where it
     * is accurate already. The correction is computed on x clamped to [-1, 1] and multiplied by
     * the mask [|x| <= 1], so it stays finite (0, not NaN) outside.
     */
    EXPM1(null, Domain.REAL, new Accuracy(4, "measured 2 (|x| <= 10)")) {
        @Override public <T> T forward(Algebra<T> m, T x) {
            T u = m.exp(x);
            T xs = m.min(m.max(x, -1.0), 1.0);
            T us = m.min(m.max(u, EXP_MINUS_ONE), Math.E);
            T inside = m.binary(BinaryOp.GE_MASK, 1.0, m.abs(x));
            T correction = m.mul(m.mul(us, m.sub(m.log(us), xs)), inside);
            return m.sub(m.add(u, -1.0), correction);
        }
        @Override public <T> T derivative(Algebra<T> m, T x, T y, T g) { return m.mul(g, m.add(y, 1.0)); }
    };

    static final double GELU_SCALE = 0.7978845608028654; // sqrt(2 / pi)
    static final double GELU_CUBIC = 0.044715;
    static final double EXP_MINUS_ONE = 0.36787944117144233; // exp(-1)

    private final String text;
    private final Domain domain;
    private final Accuracy accuracy;
    private Formula formula;

    UnaryOp(String text, Domain domain, Accuracy accuracy) {
        this.text = text;
        this.domain = domain;
        this.accuracy = accuracy;
    }

    /** True for a kernel every backend implements; false for a composite of primitives. */
    public boolean isPrimitive() { return text != null; }

    /**
     * y = f(x) written in primitives; a primitive is itself ({@code m.unary(this, x)}). Composites
     * may use only primitives and composites defined above them.
     */
    public <T> T forward(Algebra<T> m, T x) { return m.unary(this, x); }

    /**
     * The VJP dx = g f'(x) in primitives, from x, y = f(x) and the upstream gradient g; null when
     * the derivative is 0 almost everywhere (piecewise constant maps).
     */
    public <T> T derivative(Algebra<T> m, T x, T y, T g) { return null; }

    /** True when the derivative is not identically 0 (a gradient flows through the op). */
    public boolean isDifferentiable() { return derivative(TextAlgebra.INSTANCE, "x", "y", "g") != null; }

    /** Where property tests draw inputs. */
    public Domain domain() { return domain; }

    /** The error bound of the engine's result (both dtypes, both backends: they agree bitwise). */
    public Accuracy accuracy() { return accuracy; }

    /** The forward as a straight-line program over primitive kernels (one step for a primitive). */
    public Formula formula() {
        Formula f = formula;
        if (f == null) formula = f = Formula.trace(this);
        return f;
    }

    /** The forward formula as text, e.g. {@code tanh(x)}. */
    public String text() {
        return isPrimitive() ? text : forward(TextAlgebra.INSTANCE, "x");
    }

    /** The float64 reference definition (java.lang.Math for primitives; the formula over those for composites). */
    public double apply(double x) {
        return switch (this) {
            case IDENTITY -> x;
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case SIGN -> Math.signum(x);
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQRT -> Math.sqrt(x);
            case SQUARE -> x * x;
            case RECIPROCAL -> 1 / x;
            case TANH -> Math.tanh(x);
            case SIGMOID -> x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
            case RELU -> x > 0 ? x : 0 * x; // 0 * x keeps NaN as NaN
            case STEP -> x > 0 ? 1 : (Double.isNaN(x) ? x : 0);
            default -> forward(ReferenceAlgebra.INSTANCE, x);
        };
    }

    /**
     * Where property tests draw inputs: [lo, hi], at least {@code gap} away from each kink (where
     * the function is not differentiable and finite differences mean nothing).
     */
    public record Domain(double lo, double hi, double gap, double[] kinks) {
        public static final Domain REAL = new Domain(-3, 3, 0, new double[0]);
        public static final Domain POSITIVE = new Domain(0.25, 4, 0, new double[0]);
        public static final Domain AWAY_FROM_ZERO = new Domain(-3, 3, 0.1, new double[] {0});

        @Override public String toString() {
            StringBuilder b = new StringBuilder("[").append(lo).append(", ").append(hi).append(']');
            for (double k : kinks) b.append(", |x - ").append(k).append("| >= ").append(gap);
            return b.toString();
        }
    }

    /**
     * An error bound: at most {@code ulps} ulps of the exact result (composites: for |x| <= 5,
     * measured by CompositeAccuracyTest), with where it comes from.
     */
    public record Accuracy(double ulps, String source) {
        public static final Accuracy EXACT = new Accuracy(0, "exact");
        public static final Accuracy ROUNDED = new Accuracy(0.5, "one IEEE rounding");
        public static final Accuracy LIBM_1 = new Accuracy(1, "Libm, measured");
        public static final Accuracy LIBM_2_5 = new Accuracy(2.5, "Libm, measured");
    }

    /** Composites' float64 reference: the formula over the primitives' reference definitions. */
    private static final class ReferenceAlgebra implements Algebra<Double> {
        static final ReferenceAlgebra INSTANCE = new ReferenceAlgebra();
        @Override public Double unary(UnaryOp op, Double x) { return op.apply(x); }
        @Override public Double binary(BinaryOp op, Double a, Double b) { return op.apply(a, b); }
        @Override public Double binary(BinaryOp op, Double a, double c) { return op.apply(a, c); }
        @Override public Double binary(BinaryOp op, double c, Double b) { return op.apply(c, b); }
    }
}
