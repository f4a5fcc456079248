package dev.quiver.kernel;

/**
 * Elementwise functions {@code c = f(a, b)} implemented by every backend as primitive kernels.
 * A scalar operand is passed as a one-element array with stride 0, so "x + 3", "pow(x, 2)" and
 * bias addition need no extra kernels. The {@code *_GRAD} entries are the fused activation
 * derivatives the backward pass needs (one pass instead of three temporaries).
 */
public enum BinaryOp {
    ADD, SUB, MUL, DIV, MIN, MAX,
    /** a raised to the power b ({@link Math#pow}). */
    POW,
    /** 1 where a >= b, else 0: routes the gradient of max(a, b) to a on ties. */
    GE_MASK,
    /** 1 where a > b, else 0. */
    GT_MASK,
    /** b * (1 - a * a), with a = tanh(x) and b the upstream gradient. */
    TANH_GRAD,
    /** b * a * (1 - a), with a = sigmoid(x) and b the upstream gradient. */
    SIGMOID_GRAD,
    /** a > 0 ? b : 0, with a the relu input and b the upstream gradient. */
    RELU_GRAD;

    /** The reference definition in float64. */
    public double apply(double a, double b) {
        return switch (this) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case MIN -> Math.min(a, b);
            case MAX -> Math.max(a, b);
            case POW -> Math.pow(a, b);
            case GE_MASK -> a >= b ? 1 : 0;
            case GT_MASK -> a > b ? 1 : 0;
            case TANH_GRAD -> b * (1 - a * a);
            case SIGMOID_GRAD -> b * a * (1 - a);
            case RELU_GRAD -> a > 0 ? b : 0;
        };
    }
}
