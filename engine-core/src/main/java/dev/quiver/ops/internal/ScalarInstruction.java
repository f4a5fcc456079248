package dev.quiver.ops.internal;

import dev.quiver.ops.Op.Instruction;
import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.KernelsF64;
import dev.quiver.kernel.UnaryOp;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

import java.util.ArrayList;
import java.util.List;

/**
 * An elementwise float64 instruction on one-element operands (rank-0 nodes, the lecture's
 * exercises). Why a class of its own: a schedule of tiny nodes spends most of its time in the
 * megamorphic {@link Instruction#run} dispatch, not in arithmetic. {@link #chain} turns every run
 * of consecutive scalar instructions into one instruction whose loop calls this final class
 * directly (inlined by the JIT).
 *
 * <p>Results are bitwise those of the backend's kernel: IEEE-exact operations (negation, square,
 * copy, +, -, *, /) are computed inline, which every correct kernel must round identically; every
 * other op (exp, log, pow, tanh, the fused activation derivatives, ...) still calls the kernel with
 * n = 1 and the same arguments as the general bound instruction.
 */
final class ScalarInstruction implements Instruction {
    private final KernelsF64 k;
    private final UnaryOp unary;     // null for a binary instruction
    private final BinaryOp binary;   // null for a unary instruction
    private final boolean accumulate;
    private final double[] a, b, c;
    private final int ao, bo, co;

    private ScalarInstruction(KernelsF64 k, UnaryOp unary, BinaryOp binary, boolean accumulate,
                              double[] a, int ao, double[] b, int bo, double[] c, int co) {
        this.k = k;
        this.unary = unary;
        this.binary = binary;
        this.accumulate = accumulate;
        this.a = a;
        this.ao = ao;
        this.b = b;
        this.bo = bo;
        this.c = c;
        this.co = co;
    }

    private static boolean scalarF64(Tensor t) { return t.dtype() == DType.F64 && t.size() == 1; }

    /** out = op(x), or out += op(x) when accumulate; null unless both are one-element float64 tensors. */
    static ScalarInstruction unary(TensorMath math, UnaryOp op, Tensor x, Tensor out, boolean accumulate) {
        if (!scalarF64(x) || !scalarF64(out)) return null;
        return new ScalarInstruction(math.backend().f64(), op, null, accumulate,
                (double[]) x.data(), x.offset(), null, 0, (double[]) out.data(), out.offset());
    }

    /** out = op(a, b); null unless all three are one-element float64 tensors. */
    static ScalarInstruction binary(TensorMath math, BinaryOp op, Tensor a, Tensor b, Tensor out) {
        if (!scalarF64(a) || !scalarF64(b) || !scalarF64(out)) return null;
        return new ScalarInstruction(math.backend().f64(), null, op, false,
                (double[]) a.data(), a.offset(), (double[]) b.data(), b.offset(), (double[]) out.data(), out.offset());
    }

    /** out = op(a, s); null unless a and out are one-element float64 tensors. */
    static ScalarInstruction scalar(TensorMath math, BinaryOp op, Tensor a, double s, Tensor out) {
        if (!scalarF64(a) || !scalarF64(out)) return null;
        return new ScalarInstruction(math.backend().f64(), null, op, false,
                (double[]) a.data(), a.offset(), new double[] {s}, 0, (double[]) out.data(), out.offset());
    }

    @Override
    public void run(TensorMath math) {
        if (unary != null) {
            double v;
            switch (unary) {
                case IDENTITY -> v = a[ao];
                case NEG -> v = -a[ao];
                case SQUARE -> v = a[ao] * a[ao];
                default -> {
                    k.unary(unary, 1, a, ao, 0, c, co, 1, accumulate);
                    return;
                }
            }
            c[co] = accumulate ? c[co] + v : v;
            return;
        }
        switch (binary) {
            case ADD -> c[co] = a[ao] + b[bo];
            case SUB -> c[co] = a[ao] - b[bo];
            case MUL -> c[co] = a[ao] * b[bo];
            case DIV -> c[co] = a[ao] / b[bo];
            default -> k.binary(binary, 1, a, ao, 0, b, bo, 0, c, co, 1, false);
        }
    }

    /**
     * The program with every run of two or more consecutive scalar instructions replaced by one
     * instruction that runs them in order; other instructions are kept as they are.
     */
    static Instruction[] chain(Instruction[] program) {
        List<Instruction> out = new ArrayList<>(program.length);
        for (int i = 0; i < program.length; ) {
            int j = i;
            while (j < program.length && program[j] instanceof ScalarInstruction) j++;
            if (j - i >= 2) {
                ScalarInstruction[] run = new ScalarInstruction[j - i];
                for (int r = 0; r < run.length; r++) run[r] = (ScalarInstruction) program[i + r];
                out.add(m -> {
                    for (ScalarInstruction s : run) s.run(m);
                });
                i = j;
            } else {
                out.add(program[i++]);
            }
        }
        return out.toArray(new Instruction[0]);
    }
}
