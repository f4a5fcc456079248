package dev.quiver.tests.backend;

import dev.quiver.backend.Backends;
import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Step;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Layer and RMS normalisation give the same bits on every backend, forward and backward: their row
 * sums are the backend's canonical reductions and their elementwise steps the backend's binary and
 * axpby kernels, so the SIMD backend (at the width this JVM runs, 128 and 256 bits in the extra
 * forks) must equal the scalar one exactly. Row lengths around the 32/16-accumulator blocks and
 * vector widths, rows with a large mean (a centring error shows), gamma/beta present or not.
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

    @Test
    void layerAndRmsNormAreBitwiseEqualOnEveryBackend() {
        TensorMath scalar = TensorMath.of(Backends.create("scalar", 1));
        for (String name : Backends.available()) {
            TensorMath math = TensorMath.of(Backends.create(name, 2));
            for (DType dt : DType.FLOATING) {
                for (int d : new int[] {1, 3, 15, 16, 17, 31, 32, 33, 63, 100, 512, 515}) {
                    for (boolean rms : new boolean[] {false, true}) {
                        for (boolean affine : new boolean[] {false, true}) {
                            List<Tensor> ref = run(scalar, dt, d, rms, affine), got = run(math, dt, d, rms, affine);
                            assertEquals(ref.size(), got.size());
                            for (int t = 0; t < ref.size(); t++) {
                                int which = t;
                                for (int i = 0; i < ref.get(t).size(); i++) {
                                    double e = ref.get(t).getFlat(i), a = got.get(t).getFlat(i);
                                    assertEquals(Double.doubleToLongBits(e), Double.doubleToLongBits(a),
                                            () -> name + " " + dt + " d=" + d + " rms=" + rms + " affine=" + affine
                                                    + ": tensor " + which + " (0 = y, then the gradients) differs: " + e + " vs " + a);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
