package dev.quiver.graph;

import dev.quiver.ops.internal.Rows;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static dev.quiver.tensor.DType.F64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gradient of a row gather (autobatching's stacking of rows from many earlier groups): each
 * source gets the rows that read it, placed back where they came from, and the backward pass built
 * for it is proportional to the rows each source gave, not to all of the gather's rows per source.
 */
class RowsGradientTest {
    static final int COLS = 3;
    // rows 0-1 from source 0, 2-4 from source 1 (one of them twice), a zero row, one more from source 0; source 2 unread
    static final int[] SOURCE = {0, 0, 1, 1, 1, 0, 0};
    static final int[] ROW = {2, 0, 1, 3, 1, -1, 3};

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void eachSourceGetsTheGradientOfTheRowsItGave(TensorMath m) {
        var g = new Graph();
        Parameter[] p = {
                new Parameter("a", Tensor.randn(F64, Seed.of(31), 4, COLS)),
                new Parameter("b", Tensor.randn(F64, Seed.of(32), 5, COLS)),
                new Parameter("c", Tensor.randn(F64, Seed.of(33), 2, COLS))};
        Tensor weights = Tensor.randn(F64, Seed.of(34), SOURCE.length, COLS);
        Node gathered = g.apply(new Rows.Gather(SOURCE, ROW), g.param(p[0]), g.param(p[1]), g.param(p[2]));
        Step s = g.compile(gathered.mul(g.constant(weights)).sum(), Backs.on(m));
        s.forward().backward();
        double[][][] expected = new double[3][][];
        for (int q = 0; q < 3; q++) expected[q] = new double[p[q].value().dim(0)][COLS];
        for (int r = 0; r < SOURCE.length; r++) {
            if (ROW[r] < 0) continue;
            for (int c = 0; c < COLS; c++) expected[SOURCE[r]][ROW[r]][c] += weights.get(r, c);
        }
        for (int q = 0; q < 3; q++) {
            for (int i = 0; i < expected[q].length; i++) {
                for (int c = 0; c < COLS; c++) assertEquals(expected[q][i][c], p[q].grad().get(i, c), 0, p[q].name() + "[" + i + ", " + c + "]");
            }
        }
    }

    @Test
    void eachSourcesScatterReadsOnlyTheSpanOfRowsThatReadIt() {
        var g = new Graph();
        Node a = g.param("a", Tensor.zeros(F64, 4, COLS)), b = g.param("b", Tensor.zeros(F64, 5, COLS)), c = g.param("c", Tensor.zeros(F64, 2, COLS));
        Node[] in = {a, b, c};
        Node gathered = g.apply(new Rows.Gather(SOURCE, ROW), in);
        Node grad = g.param("g", Tensor.zeros(F64, SOURCE.length, COLS));
        Node[] vjps = gathered.op().vjp(in, gathered, grad, new boolean[] {true, true, true});
        // source 0: rows 0..6 of g (its span, the zero row inside it); source 1: rows 2..4; source 2: none
        Rows.Scatter s0 = (Rows.Scatter) vjps[0].op(), s1 = (Rows.Scatter) vjps[1].op();
        assertEquals(7, s0.rows()[0].length);
        assertEquals(3, s1.rows()[0].length);
        assertEquals(3, vjps[1].input(0).dim(0), "source 1's scatter reads rows 2..4 of the gradient only");
        assertTrue(java.util.Arrays.equals(new int[] {1, 3, 1}, s1.rows()[0]), java.util.Arrays.toString(s1.rows()[0]));
        assertNull(vjps[2], "a source no row reads has no gradient term");
    }
}
