package dev.quiver.graph;

import dev.quiver.ops.CrossEntropy;
import dev.quiver.optim.Adam;
import dev.quiver.optim.Init;
import dev.quiver.optim.Optimizer;
import dev.quiver.optim.Sgd;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Index ops, class-index losses and sparse optimiser updates allocate nothing in steady state:
 * forward, backward (lookup, take along axis 1, scatter-add, class cross-entropy with options, pick)
 * and the optimiser's step over row-sparse gradients.
 */
class IndexAllocationTest {

    static long bestWindow(Runnable iteration) {
        AllocationTest.allocated(iteration, 300);
        long best = Long.MAX_VALUE;
        for (int w = 0; w < 8 && best != 0; w++) best = Math.min(best, AllocationTest.allocated(iteration, 200));
        return best;
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void lookupsClassLossesAndSparseStepsAllocateNothing(TensorMath m) {
        for (DType dt : DType.FLOATING) {
            Graph g = new Graph();
            Node table = g.param("E", Init.xavierUniform(dt, Seed.of(1), 40, 8));
            Node w = g.param("W", Init.xavierUniform(dt, Seed.of(2), 8, 5));
            Node base = g.param("B", Tensor.zeros(dt, 4, 8));
            Node ids = g.constant(new Tensor(new int[] {3, 17, 3, 39, 0, 8}, 6));
            Node classes = g.constant(new Tensor(new long[] {4, 0, -1, 2, 2, 1}, 6));
            Node h = table.lookup(ids).tanh();                                     // [6, 8]
            Node mixed = g.scatterAdd(base, 0, g.constant(new Tensor(new int[] {1, 1, 0, 3, 2, 0}, 6)), h);   // [4, 8]
            Node cols = h.take(1, g.constant(new Tensor(new int[] {7, 0, 2}, 3)));                             // [6, 3]
            Node logits = h.matmul(w);
            Node loss = g.softmaxCrossEntropy(logits, classes, CrossEntropy.defaults().withIgnoreIndex(-1).withLabelSmoothing(0.1))
                    .add(g.pickNegLogSoftmax(logits.slice(dev.quiver.tensor.Index.at(1)), 3))
                    .add(mixed.sum()).add(cols.square().sum());
            Step step = g.compile(loss, Backs.on(m));
            Runnable pass = () -> step.forward().backward();
            assertEquals(0, bestWindow(pass), dt + ": bytes allocated by 200 forward + backward passes (best window)");

            Parameter e = table.parameter();
            SparseGrads.write(e, Tensor.randn(dt, Seed.of(5), 40, 8), 3, 17, 39, 0, 8);
            for (Optimizer opt : new Optimizer[] {new Adam(java.util.List.of(e), 0.01, 0.9, 0.999, 1e-8, m),
                    new Sgd(java.util.List.of(e), 0.01, 0.9, 1e-4, m)}) {
                Runnable sparseStep = () -> {
                    e.markGradientWritten();
                    opt.step();
                };
                assertEquals(0, bestWindow(sparseStep), dt + " " + opt.getClass().getSimpleName() + ": bytes allocated by 200 sparse steps");
            }
        }
    }
}
