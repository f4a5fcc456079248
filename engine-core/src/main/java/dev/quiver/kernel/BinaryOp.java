package dev.quiver.kernel;

import dev.quiver.kernel.internal.ElementwiseF64;

/**
 * Elementwise functions {@code c = f(a, b)} implemented by every backend as primitive kernels,
 * each with its derivative rules beside it ({@link #derivativeA}, {@link #derivativeB}: the VJPs
 * written in primitives, as {@link UnaryOp}'s), so the backward graph of any of them, the fused
 * ones included, can be differentiated again. A scalar operand is passed as a one-element array
 * with stride 0, so "x + 3", "pow(x, 2)" and bias addition need no extra kernels. The
 * {@code *_GRAD} entries are fused activation derivatives (one pass instead of three
 * temporaries): the derivative rules are written in primitives, and the graph compiler puts these
 * kernels in place of those primitive patterns in a backward graph ({@code graph.Fusion}). The
 * graph layer applies broadcasting and sums gradients back to each operand's shape.
 */
public enum BinaryOp {
    ADD {
        @Override public <T> T derivativeA(Algebra<T> m, T a, T b, T c, T g) { return g; }
        @Override public <T> T derivativeB(Algebra<T> m, T a, T b, T c, T g) { return g; }
    },
    SUB {
        @Override public <T> T derivativeA(Algebra<T> m, T a, T b, T c, T g) { return g; }
        @Override public <T> T derivativeB(Algebra<T> m, T a, T b, T c, T g) { return m.neg(g); }
    },
    MUL {
        @Override public <T> T derivativeA(Algebra<T> m, T a, T b, T c, T g) { return m.mul(g, b); }
        @Override public <T> T derivativeB(Algebra<T> m, T a, T b, T c, T g) { return m.mul(g, a); }
    },
    DIV {
        @Override public <T> T derivativeA(Algebra<T> m, T a, T b, T c, T g) { return m.div(g, b); }
        @Override public <T> T derivativeB(Algebra<T> m, T a, T b, T c, T g) { return m.neg(m.div(m.mul(g, c), b)); }
    },
    /** min(a, b); on ties the gradient goes to a. */
    MIN {
        @Override public <T> T derivativeA(Algebra<T> m, T a, T b, T c, T g) { return m.mul(g, m.binary(GE_MASK, b, a)); }
        @Override public <T> T derivativeB(Algebra<T> m, T a, T b, T c, T g) { return m.mul(g, m.binary(GT_MASK, a, b)); }
    },
    /** max(a, b); on ties the gradient goes to a. */
    MAX {
        @Override public <T> T derivativeA(Algebra<T> m, T a, T b, T c, T g) { return m.mul(g, m.binary(GE_MASK, a, b)); }
        @Override public <T> T derivativeB(Algebra<T> m, T a, T b, T c, T g) { return m.mul(g, m.binary(GT_MASK, b, a)); }
    },
    /** a raised to the power b ({@link Math#pow}). */
    POW {
        @Override public <T> T derivativeA(Algebra<T> m, T a, T b, T c, T g) {
            return m.mul(m.mul(g, b), m.binary(POW, a, m.add(b, -1.0)));
        }
        @Override public <T> T derivativeB(Algebra<T> m, T a, T b, T c, T g) { return m.mul(m.mul(g, c), m.log(a)); }
    },
    /** 1 where a >= b, else 0: routes the gradient of max(a, b) to a on ties (piecewise constant). */
    GE_MASK,
    /** 1 where a > b, else 0 (piecewise constant). */
    GT_MASK,
    /**
     * b * (1 - a * a), with a = tanh(x) and b the upstream gradient: {@link #tanhGrad} in one pass.
     * Derivatives never build it; the compiler puts it in place of that pattern (graph.Fusion).
     */
    TANH_GRAD {
        /** d/da b (1 - a^2) = -2 a b. */
        @Override public <T> T derivativeA(Algebra<T> m, T a, T b, T c, T g) { return m.mul(m.mul(m.mul(g, b), a), -2.0); }
        /** d/db b (1 - a^2) = 1 - a^2. */
        @Override public <T> T derivativeB(Algebra<T> m, T a, T b, T c, T g) { return tanhGrad(m, a, g); }
    },
    /** (b * a) * (1 - a), with a = sigmoid(x) and b the upstream gradient: {@link #sigmoidGrad} in one pass (as TANH_GRAD). */
    SIGMOID_GRAD {
        /** d/da b a (1 - a) = b (1 - 2a). */
        @Override public <T> T derivativeA(Algebra<T> m, T a, T b, T c, T g) { return m.mul(m.mul(g, b), m.add(m.mul(a, -2.0), 1.0)); }
        @Override public <T> T derivativeB(Algebra<T> m, T a, T b, T c, T g) { return sigmoidGrad(m, a, g); }
    },
    /** a > 0 ? b : 0, with a the relu input and b the upstream gradient (piecewise constant in a). */
    RELU_GRAD {
        @Override public <T> T derivativeB(Algebra<T> m, T a, T b, T c, T g) { return m.binary(RELU_GRAD, a, g); }
    };

    /**
     * {@code b (1 - a^2)} in primitives, the TANH_GRAD kernel's formula in its evaluation order
     * (square, 1 - that, times b), so the kernel the compiler fuses it into gives the same bits.
     */
    public static <T> T tanhGrad(Algebra<T> m, T a, T b) { return m.mul(b, m.sub(1.0, m.square(a))); }

    /** {@code (b a) (1 - a)} in primitives, the SIGMOID_GRAD kernel's formula in its evaluation order (as {@link #tanhGrad}). */
    public static <T> T sigmoidGrad(Algebra<T> m, T a, T b) { return m.mul(m.mul(b, a), m.sub(1.0, a)); }

    /** The VJP for a: g dc/da from a, b, c = f(a, b) and the upstream gradient g; null when 0 almost everywhere. */
    public <T> T derivativeA(Algebra<T> m, T a, T b, T c, T g) { return null; }

    /** The VJP for b (as {@link #derivativeA}). */
    public <T> T derivativeB(Algebra<T> m, T a, T b, T c, T g) { return null; }

    /** The formula as text, e.g. {@code b (1 - a^2)}. */
    public String text() {
        return switch (this) {
            case ADD -> "a + b";
            case SUB -> "a - b";
            case MUL -> "a * b";
            case DIV -> "a / b";
            case MIN -> "min(a, b)";
            case MAX -> "max(a, b)";
            case POW -> "pow(a, b)";
            case GE_MASK -> "[a >= b]";
            case GT_MASK -> "[a > b]";
            case TANH_GRAD -> "b * (1 - a^2)";
            case SIGMOID_GRAD -> "b * a * (1 - a)";
            case RELU_GRAD -> "a > 0 ? b : 0";
        };
    }

    /**
     * The definition in float64: the kernels' own ({@link ElementwiseF64#apply(BinaryOp, double, double)}),
     * so each binary formula is written once (pow is StrictMath's, within an ulp of Math.pow). The
     * derivative rules above are checked against it by finite differences in the property suite.
     */
    public double apply(double a, double b) {
        return ElementwiseF64.apply(this, a, b);
    }
}
