package dev.quiver.tests.optim;

import dev.quiver.backend.Backend;
import dev.quiver.check.kit.Domain;
import dev.quiver.check.kit.Gen;
import dev.quiver.check.kit.Gens;
import dev.quiver.check.kit.Property;
import dev.quiver.check.kit.TensorGens;
import dev.quiver.graph.Parameter;
import dev.quiver.graph.SparseGradients;
import dev.quiver.optim.Adam;
import dev.quiver.optim.Optimizer;
import dev.quiver.optim.Sgd;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Index;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import dev.quiver.tests.support.Ref;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sparse optimiser updates on every backend and thread count, random table shapes (row lengths
 * that leave SIMD tails) and random touched rows: with every row touched, SGD (with and without
 * momentum and decay) and Adam give bit for bit the dense result; otherwise an untouched row keeps
 * value and state bit for bit, and a touched row moves exactly as a one-row parameter updated only
 * on the steps that touch it (lazy semantics; Adam's bias correction on the global step count).
 */
class SparseUpdateProperties {
    static final String[] KINDS = {"sgd", "sgd-momentum-decay", "adam"};

    record Case(DType dtype, int rows, int cols, String kind, int[][] touched, boolean everyRow, long seed) {
        @Override public String toString() {
            StringBuilder sb = new StringBuilder(kind + " " + dtype + " [" + rows + ", " + cols + "]" + (everyRow ? " every row" : "") + " rows");
            for (int[] t : touched) sb.append(' ').append(java.util.Arrays.toString(t));
            return sb.toString();
        }
    }

    static Gen<Case> cases() {
        return s -> {
            DType dt = TensorGens.dtypes().generate(s);
            int rows = Gens.ints(1, 6).generate(s), cols = Gens.ints(1, 19).generate(s), steps = Gens.ints(1, 4).generate(s);
            boolean every = s.weighted(0.4);
            int[][] touched = new int[steps][];
            for (int t = 0; t < steps; t++) {
                List<Integer> order = new ArrayList<>();
                for (int r = 0; r < rows; r++) order.add(r);
                List<Integer> picked = new ArrayList<>();
                while (!order.isEmpty()) {
                    int r = order.remove((int) s.choice(order.size()));
                    if (every || s.weighted(0.5)) picked.add(r);
                }
                touched[t] = picked.stream().mapToInt(Integer::intValue).toArray();
            }
            return new Case(dt, rows, cols, KINDS[(int) s.choice(KINDS.length)], touched, every, s.choice(1 << 20));
        };
    }

    static Optimizer make(String kind, List<Parameter> ps, TensorMath m) {
        return switch (kind) {
            case "sgd" -> new Sgd(ps, 0.1, 0, 0, m);
            case "sgd-momentum-decay" -> new Sgd(ps, 0.1, 0.9, 0.01, m);
            default -> new Adam(ps, 0.05, 0.9, 0.999, 1e-8, m);
        };
    }

    static void run(Case c, TensorMath m) {
        Tensor init = TensorGens.tensors(c.dtype(), new int[] {c.rows(), c.cols()}, Domain.REAL).generate(dev.quiver.check.kit.Source.random(c.seed()));
        Parameter sparse = new Parameter("w", init.copy()), dense = new Parameter("w", init.copy());
        Optimizer os = make(c.kind(), List.of(sparse), m), od = make(c.kind(), List.of(dense), m);
        List<Parameter> single = new ArrayList<>();
        for (int r = 0; r < c.rows(); r++) single.add(new Parameter("row" + r, init.slice(Index.at(r)).copy()));
        Optimizer reference = make(c.kind(), single, m);
        for (int t = 0; t < c.touched().length; t++) {
            Tensor g = Tensor.randn(c.dtype(), Seed.of(c.seed() + t), c.rows(), c.cols());
            Tensor before = sparse.value().copy();
            List<Tensor> stateBefore = os.state().values().stream().map(Tensor::copy).toList();
            SparseGradients.write(sparse, g, c.touched()[t]);
            dense.grad().copyFrom(sparse.grad());
            dense.markGradientWritten();
            boolean[] hit = new boolean[c.rows()];
            for (int r : c.touched()[t]) {
                hit[r] = true;
                single.get(r).grad().copyFrom(g.slice(Index.at(r)));
                single.get(r).markGradientWritten();
            }
            os.step();
            od.step();
            reference.step();
            for (int r = 0; r < c.rows(); r++) {
                Tensor row = sparse.value().slice(Index.at(r));
                if (hit[r]) {
                    assertTrue(row.bitwiseEquals(single.get(r).value()), "step " + t + ": touched row " + r + " differs from the lazy reference");
                    continue;
                }
                assertTrue(row.bitwiseEquals(before.slice(Index.at(r))), "step " + t + ": untouched row " + r + " moved");
                int k = 0;
                for (Tensor state : os.state().values()) {
                    assertTrue(state.slice(Index.at(r)).bitwiseEquals(stateBefore.get(k++).slice(Index.at(r))), "state of untouched row " + r + " changed");
                }
            }
            if (c.everyRow() || c.kind().equals("sgd")) {
                assertTrue(sparse.value().bitwiseEquals(dense.value()), "step " + t + ": sparse differs from dense");
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> sparseUpdatesOnEveryBackend() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Backend backend : Ref.backends()) {
            TensorMath m = TensorMath.of(backend);
            tests.add(Property.forAll(cases()).tries(30).classify("kind", Case::kind).classify("every row", Case::everyRow)
                    .test("sparse optimiser updates on " + Ref.label(backend), c -> run(c, m)));
        }
        return tests.stream();
    }
}
