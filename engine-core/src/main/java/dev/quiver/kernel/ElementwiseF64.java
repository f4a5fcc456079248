package dev.quiver.kernel;

/**
 * The scalar definition of every {@link UnaryOp} and {@link BinaryOp} in this dtype's arithmetic:
 * the scalar backend computes with it, and the SIMD backend uses it on its non-vectorised
 * (strided) paths, so both round exactly as the vector code does, step by step. For float64 it
 * agrees with {@link UnaryOp#apply} and {@link BinaryOp#apply}; for float32 every step rounds to
 * float, and the transcendentals come from java.lang.Math rounded to float.
 */
public final class ElementwiseF64 {
    private ElementwiseF64() {
    }

    /** f(x). */
    public static double apply(UnaryOp op, double x) {
        return switch (op) {
            case IDENTITY -> x;
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case SIGN -> Math.signum(x);
            case EXP -> (double) Math.exp(x);
            case LOG -> (double) Math.log(x);
            case SQRT -> (double) Math.sqrt(x);
            case SQUARE -> x * x;
            case RECIPROCAL -> 1 / x;
            case TANH -> (double) Math.tanh(x);
            case SIGMOID -> {
                // e = exp(-|x|) <= 1 never overflows: 1 / (1 + e) for x >= 0, e / (1 + e) below.
                double e = (double) Math.exp(-Math.abs(x));
                yield (x < 0 ? e : 1) / (1 + e);
            }
            case RELU -> x > 0 ? x : 0 * x; // 0 * x keeps NaN as NaN
            case STEP -> x > 0 ? 1 : (x != x ? x : 0);
        };
    }

    /** f(a, b). */
    public static double apply(BinaryOp op, double a, double b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case MIN -> Math.min(a, b);
            case MAX -> Math.max(a, b);
            case POW -> (double) Math.pow(a, b);
            case GE_MASK -> a >= b ? 1 : 0;
            case GT_MASK -> a > b ? 1 : 0;
            case TANH_GRAD -> b * (1 - a * a);
            case SIGMOID_GRAD -> b * a * (1 - a);
            case RELU_GRAD -> a > 0 ? b : 0;
        };
    }
}
