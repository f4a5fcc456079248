package dev.quiver.optim;

import dev.quiver.graph.Parameter;
import dev.quiver.graph.SparseGrads;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Optimisers skip parameters whose gradient was not written since their last update, and update
 * only the touched rows of a row-sparse gradient (lazy semantics), bit-exactly like the dense
 * update where the semantics agree.
 */
class SparseUpdateTest {
    static final int ROWS = 6, COLS = 5, STEPS = 4;

    record Kind(String name, Function<List<Parameter>, Optimizer> make) {
        @Override public String toString() { return name; }
    }

    static List<Object[]> cases() {
        List<Object[]> out = new ArrayList<>();
        for (TensorMath m : dev.quiver.graph.Backs.all().toList()) {
            for (DType dt : DType.FLOATING) {
                out.add(new Object[] {m, dt, new Kind("sgd", ps -> new Sgd(ps, 0.1, 0, 0, m))});
                out.add(new Object[] {m, dt, new Kind("sgd-momentum-decay", ps -> new Sgd(ps, 0.1, 0.9, 0.01, m))});
                out.add(new Object[] {m, dt, new Kind("adam", ps -> new Adam(ps, 0.05, 0.9, 0.999, 1e-8, m))});
            }
        }
        return out;
    }

    static Tensor gradient(DType dt, int step) {
        return Tensor.randn(dt, Seed.of(100 + step), ROWS, COLS);
    }

    /** Every row touched at every step: the sparse path equals the dense one bit for bit, values and state. */
    @ParameterizedTest(name = "{2} {1} on {0}") @MethodSource("cases")
    void sparseWithEveryRowTouchedEqualsDense(TensorMath m, DType dt, Kind kind) {
        Parameter dense = new Parameter("w", Tensor.randn(dt, Seed.of(1), ROWS, COLS));
        Parameter sparse = new Parameter("w", dense.value().copy());
        Optimizer od = kind.make().apply(List.of(dense)), os = kind.make().apply(List.of(sparse));
        int[] all = {4, 0, 5, 1, 3, 2};
        for (int s = 0; s < STEPS; s++) {
            Tensor g = gradient(dt, s);
            dense.grad().copyFrom(g);
            dense.markGradientWritten();
            SparseGrads.write(sparse, g, all);
            od.step();
            os.step();
        }
        assertTrue(dense.value().bitwiseEquals(sparse.value()), kind + ": values differ");
        for (Map.Entry<String, Tensor> e : od.state().entrySet()) {
            assertTrue(e.getValue().bitwiseEquals(os.state().get(e.getKey())), kind + ": state " + e.getKey() + " differs");
        }
    }

    /**
     * Some rows touched: each touched row moves exactly as a one-row parameter that receives the
     * row's gradient on the steps that touch it and is skipped (not written) on the others; untouched
     * rows keep value and state bit-exactly. Without momentum or decay this is the dense update itself.
     */
    @ParameterizedTest(name = "{2} {1} on {0}") @MethodSource("cases")
    void untouchedRowsKeepValueAndStateAndTouchedRowsUpdateLazily(TensorMath m, DType dt, Kind kind) {
        Parameter sparse = new Parameter("w", Tensor.randn(dt, Seed.of(2), ROWS, COLS));
        Optimizer os = kind.make().apply(List.of(sparse));
        List<Parameter> single = new ArrayList<>();
        for (int r = 0; r < ROWS; r++) single.add(new Parameter("row" + r, sparse.value().slice(dev.quiver.tensor.Index.at(r)).copy()));
        Optimizer reference = kind.make().apply(single);
        Parameter dense = new Parameter("w", sparse.value().copy());
        Optimizer od = kind.make().apply(List.of(dense));
        int[][] touched = {{1, 3}, {3}, {0, 1, 3}, {5, 1}};
        for (int s = 0; s < STEPS; s++) {
            Tensor g = gradient(dt, s);
            Tensor before = sparse.value().copy();
            List<Tensor> stateBefore = os.state().values().stream().map(Tensor::copy).toList();
            SparseGrads.write(sparse, g, touched[s]);
            dense.grad().copyFrom(sparse.grad());
            dense.markGradientWritten();
            for (int r : touched[s]) {
                single.get(r).grad().copyFrom(g.slice(dev.quiver.tensor.Index.at(r)));
                single.get(r).markGradientWritten();
            }
            os.step();
            od.step();
            reference.step();
            for (int r = 0; r < ROWS; r++) {
                boolean hit = false;
                for (int t : touched[s]) hit |= t == r;
                Tensor row = sparse.value().slice(dev.quiver.tensor.Index.at(r));
                if (hit) {
                    assertTrue(row.bitwiseEquals(single.get(r).value()), kind + " step " + s + ": touched row " + r + " differs from the lazy reference");
                } else {
                    assertTrue(row.bitwiseEquals(before.slice(dev.quiver.tensor.Index.at(r))), kind + " step " + s + ": untouched row " + r + " moved");
                    int k = 0;
                    for (Tensor state : os.state().values()) {
                        Tensor was = stateBefore.get(k++).slice(dev.quiver.tensor.Index.at(r));
                        assertTrue(state.slice(dev.quiver.tensor.Index.at(r)).bitwiseEquals(was), kind + ": state of untouched row " + r + " changed");
                    }
                }
            }
            if (kind.name().equals("sgd")) assertTrue(dense.value().bitwiseEquals(sparse.value()), "plain SGD: sparse equals dense");
        }
        if (!kind.name().equals("sgd")) assertFalse(dense.value().bitwiseEquals(sparse.value()), kind + ": lazy differs from dense here");
    }

    /** A parameter whose gradient was not written since its last update is not moved, though its momentum is not zero. */
    @ParameterizedTest(name = "{2} {1} on {0}") @MethodSource("cases")
    void aParameterAbsentFromTheStepIsNotMoved(TensorMath m, DType dt, Kind kind) {
        Parameter a = new Parameter("a", Tensor.randn(dt, Seed.of(3), 4)), b = new Parameter("b", Tensor.randn(dt, Seed.of(4), 4));
        Optimizer opt = kind.make().apply(List.of(a, b));
        a.grad().copyFrom(Tensor.ones(dt, 4));
        b.grad().copyFrom(Tensor.ones(dt, 4));
        a.markGradientWritten();
        b.markGradientWritten();
        opt.step();
        Tensor bAfterFirst = b.value().copy(), aAfterFirst = a.value().copy();
        List<Tensor> state = opt.state().values().stream().map(Tensor::copy).toList();
        a.markGradientWritten();    // only a is in the second step's graph; b's gradient is stale
        opt.step();
        assertTrue(b.value().bitwiseEquals(bAfterFirst), kind + ": b moved on a stale gradient");
        assertFalse(a.value().bitwiseEquals(aAfterFirst), kind + ": a did not move");
        int k = 0;
        for (Map.Entry<String, Tensor> e : opt.state().entrySet()) {
            Tensor was = state.get(k++);
            if (e.getKey().startsWith("b/")) assertTrue(e.getValue().bitwiseEquals(was), kind + ": state " + e.getKey() + " changed");
        }
        opt.step();                 // nothing written: nothing moves, the step still counts
        assertEquals(3, opt.stepCount());
        Parameter fresh = new Parameter("fresh", Tensor.ones(dt, 2));
        Optimizer never = kind.make().apply(List.of(fresh));
        never.step();               // a gradient never written is never applied
        assertTrue(fresh.value().bitwiseEquals(Tensor.ones(dt, 2)));
    }

    /** Issue 18: a schedule's rate is checked like the base rate, before anything is updated. */
    @Test
    void badScheduledRatesAreRefusedAtTheStep() {
        for (double bad : new double[] {-0.1, Double.NaN, Double.POSITIVE_INFINITY}) {
            Parameter p = new Parameter("p", Tensor.ones(DType.F64, 2));
            p.grad().fill(1);
            p.markGradientWritten();
            Sgd sgd = new Sgd(List.of(p), 0.1);
            sgd.schedule((step, base) -> bad);
            String msg = assertThrows(IllegalStateException.class, sgd::step).getMessage();
            assertTrue(msg.contains("Sgd") && msg.contains(String.valueOf(bad)) && msg.contains("step 0"), msg);
            assertEquals(1, p.value().getFlat(0));
        }
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.stepDecay(0, 0.5));
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.stepDecay(10, -0.5));
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.stepDecay(10, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.inverseTime(-1));
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.inverseTime(Double.NaN));
    }

    @Test
    void badArgumentsAreRefused() {
        Parameter p = new Parameter("p", Tensor.zeros(DType.F64, 2));
        for (double lr : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThrows(IllegalArgumentException.class, () -> new Sgd(List.of(p), lr));
            assertThrows(IllegalArgumentException.class, () -> new Adam(List.of(p), lr));
            assertThrows(IllegalArgumentException.class, () -> new Sgd(List.of(p), 0.1).setLearningRate(lr));
        }
        String msg = assertThrows(IllegalArgumentException.class, () -> new Adam(List.of(p, p), 0.1)).getMessage();
        assertTrue(msg.contains("'p'") && msg.contains("twice"), msg);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Sgd(List.of(), 0.1)).getMessage().contains("no parameters"));
        TensorMath math = TensorMath.get();
        for (double[] bad : new double[][] {{1, 0.999, 1e-8}, {0.9, 1, 1e-8}, {-0.1, 0.999, 1e-8}, {Double.NaN, 0.999, 1e-8},
                {0.9, Double.NaN, 1e-8}, {0.9, 0.999, 0}, {0.9, 0.999, -1e-8}, {0.9, 0.999, Double.NaN}, {0.9, 0.999, Double.POSITIVE_INFINITY}}) {
            assertThrows(IllegalArgumentException.class, () -> new Adam(List.of(p), 0.1, bad[0], bad[1], bad[2], math),
                    java.util.Arrays.toString(bad));
        }
        for (double[] bad : new double[][] {{1, 0}, {-0.5, 0}, {Double.NaN, 0}, {0.9, -1}, {0.9, Double.NaN}, {0.9, Double.POSITIVE_INFINITY}}) {
            assertThrows(IllegalArgumentException.class, () -> new Sgd(List.of(p), 0.1, bad[0], bad[1]), java.util.Arrays.toString(bad));
        }
        Parameter ids = new Parameter("ids", new Tensor(new int[] {1, 2}, 2));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Sgd(List.of(ids), 0.1)).getMessage().contains("I32"));
    }
}
