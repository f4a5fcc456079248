package dev.quiver.tests.backend;

import dev.quiver.backend.Backends;
import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Step;
import dev.quiver.ops.Comparison;
import dev.quiver.ops.RunningStats;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The issue-16 ops give the same values and gradients on every backend: a step using all of them
 * (normalisations, dropout, masks, rank-4 matmul, masked causal attention), forward and backward,
 * compared against the scalar backend. The fused normalisation, dropout and mask loops are the same
 * Java on every backend (bitwise equal); GEMM and exp differ by backend within rounding, so the
 * comparison allows a few ulps of the dtype, scaled by the values.
 */
class LayerOpsAgreementTest {

    record Result(Tensor out, List<Tensor> grads, Tensor runningMean) {}

    static Result run(TensorMath math, DType dt) {
        Graph g = new Graph().seed(Seed.of(21));
        Node x = g.param("x", Tensor.randn(dt, Seed.of(1), 2, 3, 8, 16));
        Node w = g.param("w", Tensor.randn(dt, Seed.of(2), 16, 16).mul(0.25));
        Node gamma = g.param("gamma", Tensor.randn(dt, Seed.of(3), 16)), beta = g.param("beta", Tensor.randn(dt, Seed.of(4), 16));
        Node gamma3 = g.param("gamma3", Tensor.ones(dt, 3)), beta3 = g.param("beta3", Tensor.zeros(dt, 3));
        RunningStats stats = new RunningStats(dt, 3, 0.1);
        Tensor mask = Tensor.zeros(DType.BOOL, 8, 8);
        for (int i = 0; i < 64; i++) ((boolean[]) mask.data())[i] = i % 5 != 2;
        Node h = g.dropout(g.layerNorm(x.matmul(w), gamma, beta, 1e-5), 0.3);
        Node att = g.attention(h, h.tanh(), h, g.constant(mask), true);
        Node r = g.rmsNorm(att, gamma, 1e-6).reshape(2, 3, 128);
        Node bn = g.batchNorm(r, gamma3, beta3, stats, 1e-5);
        Node y = g.clamp(g.maskedFill(bn, g.compare(Comparison.GT, bn, 1.5), 0.5), -2, 2);
        Node loss = y.square().sum();
        Step step = g.compile(loss, CompileOptions.training().withMath(math).withKeep(y));
        step.forward().backward();
        List<Tensor> grads = new ArrayList<>();
        for (var p : step.parameters()) grads.add(p.grad().copy());
        return new Result(step.value(y).copy(), grads, stats.mean().copy());
    }

    static void close(Tensor expected, Tensor actual, double ulps, String what) {
        double scale = 0;
        for (int i = 0; i < expected.size(); i++) scale = Math.max(scale, Math.abs(expected.getFlat(i)));
        double unit = expected.dtype() == DType.F64 ? Math.ulp(Math.max(scale, 1)) : Math.ulp((float) Math.max(scale, 1));
        double tol = ulps * unit;
        for (int i = 0; i < expected.size(); i++) assertEquals(expected.getFlat(i), actual.getFlat(i), tol, what + " element " + i + " tol " + tol + " scale " + scale);
    }

    @Test
    void everyBackendAgreesWithTheScalarOne() {
        for (DType dt : DType.FLOATING) {
            Result ref = run(TensorMath.of(Backends.create("scalar", 1)), dt);
            for (String name : Backends.available()) {
                for (int threads : new int[] {1, 2}) {
                    Result r = run(TensorMath.of(Backends.create(name, threads)), dt);
                    String where = dt + " " + name + " x" + threads;
                    close(ref.out(), r.out(), 64, where + " value");
                    close(ref.runningMean(), r.runningMean(), 64, where + " running mean");
                    for (int i = 0; i < ref.grads().size(); i++) close(ref.grads().get(i), r.grads().get(i), 1024, where + " grad " + i);
                }
            }
        }
    }
}
