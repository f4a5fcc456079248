package dev.quiver.ops.internal;

import dev.quiver.ops.Op.Instruction;
import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.UnaryOp;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rank-0 float64 fast path against the ops' reference definitions, and the chaining of runs. */
class ScalarInstructionTest {
    private static final double[] XS = {1.7, -0.3, 0.0, 2.5};

    static java.util.stream.Stream<TensorMath> backends() { return dev.quiver.graph.Backs.all(); }

    /** One unit in the last place: the ops' reference definitions and the kernels may differ in the last bit. */
    private static double tol(double expected) { return Double.isFinite(expected) ? Math.ulp(expected) : 0; }

    /** Operands inside a larger array at an offset, as planned buffers are. */
    private static Tensor at(double value, int offset) {
        double[] arena = new double[offset + 2];
        arena[offset] = value;
        return new Tensor(arena, offset, new int[0], new int[0]);
    }

    @ParameterizedTest @EnumSource(UnaryOp.class)
    void unaryMatchesTheReferenceDefinition(UnaryOp op) {
        backends().forEach(m -> {
            for (double x : XS) {
                if (op == UnaryOp.LOG || op == UnaryOp.SQRT) x = Math.abs(x) + 0.5;
                Tensor in = at(x, 3), out = at(0, 1);
                Instruction i = Bound.unary(m, op, in, out);
                assertTrue(i instanceof ScalarInstruction, "rank-0 float64 takes the scalar path");
                i.run(m);
                assertEquals(op.apply(x), out.getFlat(0), tol(op.apply(x)), op + "(" + x + ")");
                Tensor acc = at(10, 2);
                Bound.copy(m, out, acc, true).run(m);
                assertEquals(10 + out.getFlat(0), acc.getFlat(0), 0.0, "accumulate");
            }
        });
    }

    @ParameterizedTest @EnumSource(BinaryOp.class)
    void binaryAndScalarFormsMatchTheReferenceDefinition(BinaryOp op) {
        backends().forEach(m -> {
            for (double a : XS) {
                for (double b : XS) {
                    double base = op == BinaryOp.POW ? Math.abs(a) + 0.5 : a;
                    double expected = op.apply(base, b);
                    Tensor out = at(0, 1);
                    Bound.binary(m, op, at(base, 2), at(b, 0), out).run(m);
                    assertEquals(expected, out.getFlat(0), tol(expected), op + "(" + base + ", " + b + ")");
                    if (op == BinaryOp.ADD || op == BinaryOp.SUB || op == BinaryOp.MUL || op == BinaryOp.DIV || op == BinaryOp.POW) {
                        Tensor out2 = at(0, 0);
                        Bound.scalar(m, op, at(base, 1), b, out2).run(m);
                        assertEquals(expected, out2.getFlat(0), tol(expected), op + " with scalar");
                    }
                }
            }
        });
    }

    @Test
    void exactOpsAreComputedInlineExactly() {
        TensorMath m = TensorMath.get();
        double a = 0.1, b = 0.7;
        Tensor out = at(0, 0);
        Bound.binary(m, BinaryOp.DIV, at(a, 0), at(b, 0), out).run(m);
        assertEquals(a / b, out.getFlat(0), 0.0);
        Bound.binary(m, BinaryOp.SUB, at(a, 0), at(b, 0), out).run(m);
        assertEquals(a - b, out.getFlat(0), 0.0);
        Bound.unary(m, UnaryOp.SQUARE, at(b, 0), out).run(m);
        assertEquals(b * b, out.getFlat(0), 0.0);
    }

    @Test
    void largerOrFloat32OperandsKeepTheGeneralPath() {
        TensorMath m = TensorMath.get();
        assertNull(ScalarInstruction.unary(m, UnaryOp.EXP, Tensor.vector(1, 2), Tensor.vector(0, 0), false));
        assertNull(ScalarInstruction.binary(m, BinaryOp.ADD, Tensor.scalar(DType.F64, 1), Tensor.vector(1, 2), Tensor.vector(0, 0)));
        assertNull(ScalarInstruction.unary(m, UnaryOp.EXP, Tensor.scalar(DType.F32, 1), Tensor.scalar(DType.F32, 0), false));
        assertNotNull(ScalarInstruction.unary(m, UnaryOp.EXP, Tensor.scalar(DType.F64, 1), Tensor.scalar(DType.F64, 0), false));
    }

    @Test
    void chainingKeepsOrderAndOtherInstructions() {
        TensorMath m = TensorMath.get();
        // x -> x+1 -> *2 -> (other: record) -> -3 -> square -> /4, each reading the previous value.
        Tensor v = at(5, 0);
        List<Double> seenByOther = new ArrayList<>();
        Instruction[] program = {
                Bound.scalar(m, BinaryOp.ADD, v, 1, v),
                Bound.scalar(m, BinaryOp.MUL, v, 2, v),
                mm -> seenByOther.add(v.getFlat(0)),
                Bound.scalar(m, BinaryOp.SUB, v, 3, v),
                Bound.unary(m, UnaryOp.SQUARE, v, v),
                Bound.scalar(m, BinaryOp.DIV, v, 4, v),
        };
        Instruction[] chained = Bound.chain(program);
        assertEquals(3, chained.length, "two runs of scalar instructions around the other one");
        assertTrue(chained[1] == program[2]);
        for (Instruction i : chained) i.run(m);
        assertEquals(List.of(12.0), seenByOther);
        assertEquals(81.0 / 4, v.getFlat(0), 0.0);
        assertEquals(1, Bound.chain(new Instruction[] {program[0]}).length);
    }
}
