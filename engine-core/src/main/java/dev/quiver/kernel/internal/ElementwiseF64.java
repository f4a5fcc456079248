package dev.quiver.kernel.internal;

import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.UnaryOp;

/**
 * The scalar definition of every {@link UnaryOp} and {@link BinaryOp} in this dtype's arithmetic:
 * the scalar backend computes with it, and the SIMD backend uses it on its non-vectorised
 * (strided) paths, so both round exactly as the vector code does, step by step. Every step rounds
 * in this dtype; exp, log, tanh and sigmoid are {@link Libm}'s (the same bits as the SIMD lanes,
 * on every JVM and tier), and pow is StrictMath's (fdlibm, specified to the bit; float32 rounds
 * the float64 result). Exact unary ops agree with {@link UnaryOp#apply}, the transcendentals
 * within Libm's stated ulp bounds; {@link BinaryOp#apply} is the float64 instance of the
 * binary switch below.
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
            case EXP -> Libm.exp(x);
            case LOG -> Libm.log(x);
            case SQRT -> (double) Math.sqrt(x);
            case SQUARE -> x * x;
            case RECIPROCAL -> 1 / x;
            case TANH -> Libm.tanh(x);
            case SIGMOID -> Libm.sigmoid(x);
            case RELU -> x > 0 ? x : 0 * x; // 0 * x keeps NaN as NaN
            case STEP -> x > 0 ? 1 : (x != x ? x : 0);
            default -> throw new IllegalArgumentException(op + " is a composite op: kernels run its formula (FormulaF64)");
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
            case POW -> (double) StrictMath.pow(a, b);
            case GE_MASK -> a >= b ? 1 : 0;
            case GT_MASK -> a > b ? 1 : 0;
            case TANH_GRAD -> b * (1 - a * a);
            case SIGMOID_GRAD -> b * a * (1 - a);
            case RELU_GRAD -> a > 0 ? b : 0;
        };
    }
}
