package dev.quiver.tests.backend;

import dev.quiver.backend.Backends;
import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Mode;
import dev.quiver.graph.Node;
import dev.quiver.graph.Step;
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
 * Layer, RMS and batch normalisation give the same bits on every backend, forward and backward:
 * their row (channel) sums are the backend's canonical reductions and their elementwise steps the
 * backend's binary and axpby kernels, so the SIMD backend (at the width this JVM runs, 128 and 256
 * bits in the extra forks) must equal the scalar one exactly. Row lengths around the
 * 32/16-accumulator blocks and vector widths, rows with a large mean (a centring error shows),
 * gamma/beta present or not; batch normalisation in training (running statistics updated too) and
 * evaluation.
 */
class NormBitsTest {

    static List<Tensor> run(TensorMath math, DType dt, int d, boolean rms, boolean affine) {
        Graph g = new Graph();
        Node x = g.param("x", Tensor.randn(dt, Seed.of(d), 5, d).mul(3).add(7));
        Node gamma = affine ? g.param("gamma", Tensor.randn(dt, Seed.of(d + 1), d)) : null;
        Node beta = affine && !rms ? g.param("beta", Tensor.randn(dt, Seed.of(d + 2), d)) : null;
        Node y = rms ? g.rmsNorm(x, gamma, 1e-5) : g.layerNorm(x, gamma, beta, 1e-5);
        Node r = g.constant(Tensor.randn(dt, Seed.of(d + 3), 5, d));
        Step step = g.compile(y.mul(r).sum(), CompileOptions.training().withMath(math).withKeep(y));
        step.forward().backward();
        List<Tensor> out = new ArrayList<>();
        out.add(step.value(y).copy());
        for (var p : step.parameters()) if (p.grad() != null) out.add(p.grad().copy());
        return out;
    }

    static void assertSameBits(List<Tensor> ref, List<Tensor> got, String where, String tensors) {
        assertEquals(ref.size(), got.size());
        for (int t = 0; t < ref.size(); t++) {
            int which = t;
            for (int i = 0; i < ref.get(t).size(); i++) {
                double e = ref.get(t).getFlat(i), a = got.get(t).getFlat(i);
                assertEquals(Double.doubleToLongBits(e), Double.doubleToLongBits(a),
                        () -> where + ": tensor " + which + " (" + tensors + ") differs: " + e + " vs " + a);
            }
        }
    }

    @Test
    void layerAndRmsNormAreBitwiseEqualOnEveryBackend() {
        TensorMath scalar = TensorMath.of(Backends.create("scalar", 1));
        for (String name : Backends.available()) {
            TensorMath math = TensorMath.of(Backends.create(name, 2));
            for (DType dt : DType.FLOATING) {
                for (int d : new int[] {1, 3, 15, 16, 17, 31, 32, 33, 63, 100, 512, 515}) {
                    for (boolean rms : new boolean[] {false, true}) {
                        for (boolean affine : new boolean[] {false, true}) {
                            assertSameBits(run(scalar, dt, d, rms, affine), run(math, dt, d, rms, affine),
                                    name + " " + dt + " d=" + d + " rms=" + rms + " affine=" + affine, "0 = y, then the gradients");
                        }
                    }
                }
            }
        }
    }

    /** y, the gradients of x, gamma and beta, and the running statistics after one step. */
    static List<Tensor> runBatchNorm(TensorMath math, DType dt, int n, int sp, Mode mode) {
        int c = 3;
        Graph g = new Graph();
        Node x = g.param("x", Tensor.randn(dt, Seed.of(sp), n, c, sp).mul(3).add(7));
        Node gamma = g.param("gamma", Tensor.randn(dt, Seed.of(sp + 1), c));
        Node beta = g.param("beta", Tensor.randn(dt, Seed.of(sp + 2), c));
        // running statistics off their initial 0 and 1, so evaluation's centring and scaling show
        RunningStats stats = new RunningStats(Tensor.randn(dt, Seed.of(sp + 4), c).add(7),
                Tensor.uniform(dt, Seed.of(sp + 5), new int[] {c}, 0.5, 9), 0.1);
        Node y = g.batchNorm(x, gamma, beta, stats, 1e-5);
        Node r = g.constant(Tensor.randn(dt, Seed.of(sp + 3), n, c, sp));
        Step step = g.compile(y.mul(r).sum(), CompileOptions.training().withMode(mode).withMath(math).withKeep(y));
        step.forward().backward();
        List<Tensor> out = new ArrayList<>();
        out.add(step.value(y).copy());
        for (var p : step.parameters()) if (p.grad() != null) out.add(p.grad().copy());
        out.add(stats.mean().copy());
        out.add(stats.var().copy());
        return out;
    }

    @Test
    void batchNormIsBitwiseEqualOnEveryBackendInBothModes() {
        TensorMath scalar = TensorMath.of(Backends.create("scalar", 1));
        for (String name : Backends.available()) {
            TensorMath math = TensorMath.of(Backends.create(name, 2));
            for (DType dt : DType.FLOATING) {
                for (Mode mode : Mode.values()) {
                    for (int n : new int[] {1, 4}) {
                        for (int sp : new int[] {1, 3, 15, 16, 17, 33, 100, 256}) {
                            assertSameBits(runBatchNorm(scalar, dt, n, sp, mode), runBatchNorm(math, dt, n, sp, mode),
                                    name + " " + dt + " " + mode + " n=" + n + " s=" + sp,
                                    "0 = y, then the gradients of x, gamma, beta, then running mean and var");
                        }
                    }
                }
            }
        }
    }
}
