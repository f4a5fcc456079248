package dev.quiver.graph;

import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static dev.quiver.tensor.DType.F64;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A tree's states stacked by {@code concat(0, ...)} for its output layer, autobatched: the output
 * layer's group stacks every tree's stack, and the rows are gathered once from where the states
 * lie (not per tree and then again for the group); values and gradients equal the graph as built,
 * also when a tree's stack is read whole by an op that does not batch.
 */
class AutobatchStackTest {
    static final int H = 5, TREES = 6;

    /**
     * Trees of two leaves, leaf states tanh(x W1), root state tanh([h_l, h_r] W2); each tree's three
     * states stacked, put through W3 and summed; with {@code readWhole}, each stack's sum added too.
     */
    private static Node forest(Graph g, Parameter w1, Parameter w2, Parameter w3, Tensor[] x, boolean readWhole) {
        Node[] losses = new Node[TREES];
        for (int t = 0; t < TREES; t++) {
            Node l = g.constant(x[2 * t]).matmul(g.param(w1)).tanh();
            Node r = g.constant(x[2 * t + 1]).matmul(g.param(w1)).tanh();
            Node root = g.concat(1, l, r).matmul(g.param(w2)).tanh();
            Node states = g.concat(0, l, r, root);
            Node loss = states.matmul(g.param(w3)).tanh().sum();
            losses[t] = readWhole ? loss.add(states.sum()) : loss;
        }
        return g.addN(losses);
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void aTreesStackedStatesAreGatheredOnceForTheGroup(TensorMath m) {
        PlanReport plan = compare(m, false);
        // The leaves' inputs (their own constants), then the output layer's operand: every tree's
        // l, r, root rows once. Gathering each tree's stack first and then the stacks again is 3 H more per tree.
        assertEquals(2 * TREES * H + 3 * TREES * H, plan.gatheredElements(), "elements copied by gathers: " + plan);
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void aStackReadWholeIsStillItsRows(TensorMath m) {
        compare(m, true);
    }

    /** Loss and gradients batched and as built, equal to 1e-12; the batched plan. */
    private static PlanReport compare(TensorMath m, boolean readWhole) {
        Tensor[] x = new Tensor[2 * TREES];
        for (int i = 0; i < x.length; i++) x[i] = Tensor.randn(F64, Seed.of(90 + i), 1, H);
        var w1 = new Parameter("W1", Tensor.randn(F64, Seed.of(81), H, H).mul(0.4));
        var w2 = new Parameter("W2", Tensor.randn(F64, Seed.of(82), 2 * H, H).mul(0.4));
        var w3 = new Parameter("W3", Tensor.randn(F64, Seed.of(83), H, 3).mul(0.4));
        double[] loss = new double[2];
        double[][][] grads = new double[3][2][];
        PlanReport batchedPlan = null;
        for (int batched = 0; batched < 2; batched++) {
            var g = new Graph();
            Step s = g.compile(forest(g, w1, w2, w3, x, readWhole), Backs.on(m).withAutobatch(batched == 1));
            loss[batched] = s.forward().output().item();
            s.backward();
            grads[0][batched] = w1.grad().copy().toDoubleArray();
            grads[1][batched] = w2.grad().copy().toDoubleArray();
            grads[2][batched] = w3.grad().copy().toDoubleArray();
            if (batched == 1) batchedPlan = s.plan();
        }
        assertEquals(loss[0], loss[1], 1e-12 * Math.abs(loss[0]), "loss");
        for (int p = 0; p < 3; p++) assertClose(grads[p][0], grads[p][1], "W" + (p + 1));
        return batchedPlan;
    }

    private static void assertClose(double[] expected, double[] got, String what) {
        double scale = 0;
        for (double v : expected) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], got[i], 1e-12 * scale, what + " gradient at " + i);
    }
}
