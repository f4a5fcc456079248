package dev.quiver.graph;

import dev.quiver.kernel.UnaryOp;
import dev.quiver.tensor.DType;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * Work a compile of a new structure no longer does, checked against the work it replaced:
 * tanh's and sigmoid's derivatives built directly as the node the fusion pass makes of their
 * primitive rules, and the planner's size classes numbered by a hash table instead of a sort.
 */
class NewStructureWorkTest {

    /** The direct derivative is the very node (op and inputs) that fusing the VJP's primitives gives. */
    @Test
    void directDerivativeIsWhatFusionMakesOfThePrimitiveRule() {
        for (DType dt : new DType[] {DType.F64, DType.F32}) {
            for (UnaryOp fn : new UnaryOp[] {UnaryOp.TANH, UnaryOp.SIGMOID}) {
                Graph g = new Graph();
                Node x = g.input("x", dt, 3, 4), grad = g.input("g", dt, 3, 4);
                Node y = fn == UnaryOp.TANH ? x.tanh() : x.sigmoid();
                int mark = g.size();
                // The rule in primitives, as differentiate built it before, then the fusion pass over it.
                Node root = y.op().vjp(new Node[] {x}, y, grad, new boolean[] {true})[0];
                assertEquals(1, Fusion.rewrite(g, mark, List.of(), List.of(), new Scratch()), fn + " " + dt + ": the pattern fuses");
                Node direct = Compiler.fusedDerivative(g, y, grad);
                assertNotNull(direct, fn + " " + dt);
                assertSame(root.op(), direct.op(), fn + " " + dt + ": the fused op");
                assertEquals(root.arity(), direct.arity(), fn + " " + dt);
                for (int k = 0; k < root.arity(); k++) assertSame(root.input(k), direct.input(k), fn + " " + dt + ": input " + k);
            }
        }
    }

    /** Other ops keep their VJPs. */
    @Test
    void noDirectDerivativeForOtherOps() {
        Graph g = new Graph();
        Node x = g.input("x", DType.F64, 2, 2), grad = g.input("g", DType.F64, 2, 2);
        assertEquals(null, Compiler.fusedDerivative(g, x.exp(), grad));
        assertEquals(null, Compiler.fusedDerivative(g, x.relu(), grad));
    }

    /**
     * A plan of more than {@link Planner#BEST_FIT_LIMIT} buffers (placed by the sweep, whose freed
     * slots hand their tensors on) where buffers of [2, 3] and [3, 2], of one size, take each
     * other's slots: each value must still be read with its own shape. A chain
     * {@code v <- transpose(v) * c_k * d_k}, checked element by element against the same products in doubles.
     */
    @Test
    void buffersOfOneSizeAndAnotherShapeKeepTheirShapeInALargePlan() {
        Graph g = new Graph();
        SplittableRandom r = new SplittableRandom(5);
        double[][] v = new double[2][3];
        double[] x0 = new double[6];
        for (int i = 0; i < 6; i++) v[i / 3][i % 3] = x0[i] = r.nextDouble() - 0.5;
        Node node = g.input("x", DType.F64, 2, 3);
        int steps = Planner.BEST_FIT_LIMIT;
        for (int k = 0; k < steps; k++) {
            int rows = v[0].length, cols = v.length;   // the transpose's shape
            double[] c = new double[rows * cols], d = new double[rows * cols];
            double[][] next = new double[rows][cols];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    c[i * cols + j] = 0.5 + r.nextDouble();
                    d[i * cols + j] = 0.5 + r.nextDouble();
                    next[i][j] = v[j][i] * c[i * cols + j] * d[i * cols + j];
                }
            }
            // Two products per shape: the slot a product frees is taken by the one two later, of the other shape.
            node = node.t().mul(g.constant(dev.quiver.tensor.Tensor.of(c, rows, cols)))
                    .mul(g.constant(dev.quiver.tensor.Tensor.of(d, rows, cols)));
            v = next;
        }
        Step step = g.compile(node, CompileOptions.inferenceOnly());
        step.forward(Map.of("x", dev.quiver.tensor.Tensor.of(x0, 2, 3)));
        dev.quiver.tensor.Tensor out = step.value(node);
        for (int i = 0; i < v.length; i++) {
            for (int j = 0; j < v[0].length; j++) assertEquals(v[i][j], out.get(i, j), 0, "element " + i + ", " + j);
        }
    }

    /**
     * Size classes: equal sizes, and only equal sizes, share a class; classes are numbered in
     * order of first appearance; from one distinct size to several hundred (past the table's
     * first doublings).
     */
    @Test
    void sizeClassesGroupExactlyTheEqualSizes() {
        SplittableRandom r = new SplittableRandom(12);
        for (int distinct : new int[] {1, 3, 31, 33, 100, 700}) {
            int n = 4 * distinct + r.nextInt(50);
            long[] sizes = new long[n];
            for (int i = 0; i < n; i++) sizes[i] = 1 + (long) r.nextInt(distinct) * 7919;
            int[] cls = new int[n];
            int classes = Planner.sizeClasses(sizes, n, cls);
            Map<Long, Integer> expected = new HashMap<>();
            for (int i = 0; i < n; i++) {
                Integer c = expected.get(sizes[i]);
                if (c == null) expected.put(sizes[i], c = expected.size());
                assertEquals(c, cls[i], "buffer " + i + " of size " + sizes[i] + " (" + distinct + " distinct)");
            }
            assertEquals(expected.size(), classes, distinct + " distinct");
        }
    }
}
