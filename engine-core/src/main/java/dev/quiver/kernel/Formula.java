package dev.quiver.kernel;

import dev.quiver.kernel.internal.FormulaF32;
import dev.quiver.kernel.internal.FormulaF64;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A composite map's forward formula ({@link UnaryOp#forward}) traced once into a straight-line
 * program over primitive kernels: step j applies one primitive {@link UnaryOp} or {@link BinaryOp}
 * to registers or constants and writes register j + 1 (register 0 is x; the last step's register
 * is y). {@link FormulaF64} and {@link FormulaF32} run it block by block through any backend's
 * kernels, so a composite needs no kernel code of its own and gets the same bits on every backend.
 */
public final class Formula {
    private static final UnaryOp[] UNARY = UnaryOp.values();
    private static final BinaryOp[] BINARY = BinaryOp.values();

    /** Per step: op (UnaryOp ordinal, or -1 - BinaryOp ordinal), operand a, operand b (register >= 0, constant -1 - index). */
    private final int[] code;
    private final double[] constantsF64;
    private final float[] constantsF32;

    private Formula(int[] code, double[] constants) {
        this.code = code;
        this.constantsF64 = constants;
        this.constantsF32 = new float[constants.length];
        for (int i = 0; i < constants.length; i++) constantsF32[i] = (float) constants[i];
    }

    /** The program of op's forward formula (composites inlined, down to primitives). */
    static Formula trace(UnaryOp op) {
        Tracer t = new Tracer();
        int out = op.forward(t, 0);
        if (out == 0) t.unary(UnaryOp.IDENTITY, 0);
        return new Formula(t.code.stream().mapToInt(Integer::intValue).toArray(),
                t.constants.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** Number of steps (at least one); the last writes y. */
    public int steps() { return code.length / 3; }

    /** True when step j is a map, false when it is a binary op. */
    public boolean isUnary(int j) { return code[3 * j] >= 0; }

    public UnaryOp unary(int j) { return UNARY[code[3 * j]]; }

    public BinaryOp binary(int j) { return BINARY[-1 - code[3 * j]]; }

    /** Operand a of step j: a register (>= 0) or a constant (-1 - index into the constants). */
    public int a(int j) { return code[3 * j + 1]; }

    /** Operand b of a binary step j (as {@link #a}). */
    public int b(int j) { return code[3 * j + 2]; }

    public double[] constantsF64() { return constantsF64; }

    public float[] constantsF32() { return constantsF32; }

    @Override public String toString() {
        StringBuilder s = new StringBuilder();
        for (int j = 0; j < steps(); j++) {
            s.append('r').append(j + 1).append(" = ").append(isUnary(j) ? unary(j).name() : binary(j).name())
                    .append('(').append(operand(a(j)));
            if (!isUnary(j)) s.append(", ").append(operand(b(j)));
            s.append(")\n");
        }
        return s.toString();
    }

    private String operand(int r) { return r >= 0 ? "r" + r : Double.toString(constantsF64[-1 - r]); }

    /** Records the primitive steps a formula performs; a value is a register number. */
    private static final class Tracer implements Algebra<Integer> {
        final List<Integer> code = new ArrayList<>();
        final List<Double> constants = new ArrayList<>();

        private int emit(int op, int a, int b) {
            code.add(op);
            code.add(a);
            code.add(b);
            return code.size() / 3;
        }

        private int constant(double c) {
            for (int i = 0; i < constants.size(); i++) {
                if (Double.doubleToLongBits(constants.get(i)) == Double.doubleToLongBits(c)) return -1 - i;
            }
            constants.add(c);
            return -constants.size();
        }

        @Override public Integer unary(UnaryOp op, Integer x) {
            return op.isPrimitive() ? emit(op.ordinal(), x, 0) : op.forward(this, x);
        }

        @Override public Integer binary(BinaryOp op, Integer a, Integer b) { return emit(-1 - op.ordinal(), a, b); }

        @Override public Integer binary(BinaryOp op, Integer a, double c) { return emit(-1 - op.ordinal(), a, constant(c)); }

        @Override public Integer binary(BinaryOp op, double c, Integer b) { return emit(-1 - op.ordinal(), constant(c), b); }
    }

    @Override public boolean equals(Object o) {
        return o instanceof Formula f && Arrays.equals(code, f.code) && Arrays.equals(constantsF64, f.constantsF64);
    }

    @Override public int hashCode() { return Arrays.hashCode(code); }
}
