package dev.quiver.kernel;

/**
 * Elementwise functions {@code y = f(x)} that every backend implements as a primitive kernel.
 * {@link #apply(double)} is the reference definition (float64); the scalar backend is checked
 * against it, the SIMD backend against the scalar one.
 */
public enum UnaryOp {
    /** y = x (a strided copy). */
    IDENTITY,
    NEG,
    ABS,
    /** -1, 0 or 1 (0 at 0; NaN stays NaN). */
    SIGN,
    EXP,
    LOG,
    SQRT,
    SQUARE,
    RECIPROCAL,
    TANH,
    /** 1 / (1 + exp(-x)), computed without overflow for large |x|. */
    SIGMOID,
    /** max(0, x); relu(0) = 0, and its subgradient at 0 is 0. */
    RELU,
    /** 1 where x > 0, else 0: the derivative of relu (subgradient 0 at 0). */
    STEP;

    /** The reference definition in float64. */
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
        };
    }
}
