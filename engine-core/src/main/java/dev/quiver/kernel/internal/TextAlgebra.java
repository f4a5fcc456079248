package dev.quiver.kernel.internal;

import dev.quiver.kernel.Algebra;
import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.UnaryOp;

/** Formulas as text, for the op reference and error messages: {@code x * sigmoid((x * 1.5957691216057308))}. */
public final class TextAlgebra implements Algebra<String> {
    public static final TextAlgebra INSTANCE = new TextAlgebra();

    private TextAlgebra() {
    }

    @Override public String unary(UnaryOp op, String x) {
        return switch (op) {
            case IDENTITY -> x;
            case NEG -> "-" + x;
            case ABS -> "|" + x + "|";
            case SQUARE -> x + "^2";
            case RECIPROCAL -> "1 / " + x;
            default -> op.name().toLowerCase() + "(" + strip(x) + ")";
        };
    }

    @Override public String binary(BinaryOp op, String a, String b) {
        return switch (op) {
            case ADD -> "(" + a + " + " + b + ")";
            case SUB -> "(" + a + " - " + b + ")";
            case MUL -> a + " * " + b;
            case DIV -> a + " / " + b;
            case GE_MASK -> "[" + strip(a) + " >= " + strip(b) + "]";
            case GT_MASK -> "[" + strip(a) + " > " + strip(b) + "]";
            default -> op.name().toLowerCase() + "(" + strip(a) + ", " + strip(b) + ")";
        };
    }

    @Override public String binary(BinaryOp op, String a, double c) {
        if (op == BinaryOp.ADD && c < 0) return binary(BinaryOp.SUB, a, number(-c));
        return binary(op, a, number(c));
    }

    @Override public String binary(BinaryOp op, double c, String b) { return binary(op, number(c), b); }

    private static String number(double c) {
        String s = c == Math.rint(c) && Math.abs(c) < 1e15 ? Long.toString((long) c) : Double.toString(c);
        return c < 0 ? "(" + s + ")" : s;
    }

    private static String strip(String s) {
        if (!s.startsWith("(") || !s.endsWith(")")) return s;
        int depth = 0;
        for (int i = 0; i < s.length() - 1; i++) {
            if (s.charAt(i) == '(') depth++;
            else if (s.charAt(i) == ')') depth--;
            if (depth == 0) return s; // "(a) + (b)": the outer parentheses are not one pair
        }
        return s.substring(1, s.length() - 1);
    }
}
