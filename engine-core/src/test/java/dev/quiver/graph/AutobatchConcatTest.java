package dev.quiver.graph;

import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static dev.quiver.tensor.DType.F64;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A tree cell's {@code concat(1, h_l, h_r)} of one-row children, autobatched: the children's rows
 * interleaved are the concatenation, so a level whose children lie in order in one group's result
 * reads them in place (no gather, no concat copy), and values and gradients equal the graph as built.
 */
class AutobatchConcatTest {
    static final int H = 6, TREES = 7;

    /** Trees of two leaves: leaf states tanh(x W1) of one row each, the root tanh([h_l, h_r] W2), summed. */
    private static Node forest(Graph g, Parameter w1, Parameter w2, Tensor[] x) {
        Node[] losses = new Node[TREES];
        for (int t = 0; t < TREES; t++) {
            Node l = g.constant(x[2 * t]).matmul(g.param(w1)).tanh();
            Node r = g.constant(x[2 * t + 1]).matmul(g.param(w1)).tanh();
            losses[t] = g.concat(1, l, r).matmul(g.param(w2)).tanh().sum();
        }
        return g.addN(losses);
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void aLevelsConcatenationOfOneRowChildrenReadsThemInPlace(TensorMath m) {
        Tensor[] x = new Tensor[2 * TREES];
        for (int i = 0; i < x.length; i++) x[i] = Tensor.randn(F64, Seed.of(70 + i), 1, H);
        var w1 = new Parameter("W1", Tensor.randn(F64, Seed.of(61), H, H).mul(0.4));
        var w2 = new Parameter("W2", Tensor.randn(F64, Seed.of(62), 2 * H, H).mul(0.4));
        double[] loss = new double[2];
        double[][] g1 = new double[2][], g2 = new double[2][];
        PlanReport batchedPlan = null;
        for (int batched = 0; batched < 2; batched++) {
            var g = new Graph();
            Step s = g.compile(forest(g, w1, w2, x), Backs.on(m).withAutobatch(batched == 1));
            loss[batched] = s.forward().output().item();
            s.backward();
            g1[batched] = w1.grad().copy().toDoubleArray();
            g2[batched] = w2.grad().copy().toDoubleArray();
            if (batched == 1) batchedPlan = s.plan();
        }
        assertEquals(loss[0], loss[1], 1e-12 * Math.abs(loss[0]), "loss");
        assertClose(g1[0], g1[1], "W1");
        assertClose(g2[0], g2[1], "W2");
        // Only the leaves' inputs (constants of their own) are gathered. The leaves run as one group in build
        // order (l_1, r_1, l_2, ...), so its result is the roots' operand as it lies: no copy of h_l and h_r.
        assertEquals(2 * TREES * H, batchedPlan.gatheredElements(), "elements copied by gathers: " + batchedPlan);
    }

    private static void assertClose(double[] expected, double[] got, String what) {
        double scale = 0;
        for (double v : expected) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], got[i], 1e-12 * scale, what + " gradient at " + i);
    }
}
