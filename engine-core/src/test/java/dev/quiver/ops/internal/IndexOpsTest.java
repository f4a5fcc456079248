package dev.quiver.ops.internal;

import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Step;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Take, lookup and scatter-add in the engine: values, gradients, indices as data, errors. */
class IndexOpsTest {

    static Tensor ints(int[] values, int... shape) { return new Tensor(values, shape); }

    @Test
    void lookupCopiesRowsAndItsGradientAddsThemBack() {
        for (DType dt : DType.FLOATING) {
            Graph g = new Graph();
            Tensor table = Tensor.arange(dt, 12).reshape(4, 3);
            Node w = g.param("W", table);
            int[] idData = {2, 0, 2};
            Node ids = g.constant(ints(idData, 3));
            Node rows = g.named("rows", w.lookup(ids));
            assertArrayEquals(new int[] {3, 3}, rows.shape());
            assertEquals(dt, rows.dtype());
            Step step = g.compile(rows.mul(g.constant(Tensor.arange(dt, 9).reshape(3, 3))).sum());
            step.forward().backward();
            Tensor r = step.value(rows);
            for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) assertEquals(table.get(idData[i], j), r.get(i, j));
            Tensor grad = w.parameter().grad();
            double[][] expected = {{3, 4, 5}, {0, 0, 0}, {0 + 6, 1 + 7, 2 + 8}, {0, 0, 0}};
            for (int i = 0; i < 4; i++) for (int j = 0; j < 3; j++) assertEquals(expected[i][j], grad.get(i, j), dt + " grad " + i + "," + j);
            // the ids are data: change them, same step
            idData[0] = 3;
            step.forward();
            assertEquals(table.get(3, 1), step.value(rows).get(0, 1));
        }
    }

    @Test
    void takeAlongAnyAxisOfAStridedViewMatchesLoops() {
        Tensor base = Tensor.randn(DType.F64, Seed.of(3), 4, 5, 6);   // seed 3, shape [4, 5, 6]
        int[] idx = {3, 0, 3, 2, 1, 0};
        // [6, 4, 5]: inner dimensions collapse to one strided run; [5, 6, 4]: they do not (runs per position)
        for (int[] order : new int[][] {{2, 0, 1}, {1, 2, 0}}) {
            Graph g = new Graph();
            Node x = g.constant(base).permute(order);
            Tensor xv = base.permute(order);
            Node ids = g.constant(ints(idx, 2, 3));
            for (int axis = 0; axis < 3; axis++) {
                Node t = g.named("t" + axis, x.take(axis, ids));
                Step step = g.compile(t, CompileOptions.inferenceOnly());
                step.forward();
                Tensor out = step.value(t);
                int[] s = xv.shape();
                int[] expectShape = new int[4];
                for (int d = 0, o = 0; d < 3; d++) {
                    if (d == axis) { expectShape[o++] = 2; expectShape[o++] = 3; } else expectShape[o++] = s[d];
                }
                assertArrayEquals(expectShape, out.shape());
                for (int flat = 0; flat < out.size(); flat++) {
                    int[] at = new int[4];
                    for (int d = 3, f = flat; d >= 0; d--) { at[d] = f % expectShape[d]; f /= expectShape[d]; }
                    int[] src = new int[3];
                    for (int d = 0, o = 0; d < 3; d++) {
                        if (d == axis) { src[d] = idx[at[o] * 3 + at[o + 1]]; o += 2; } else src[d] = at[o++];
                    }
                    assertEquals(xv.get(src), out.getFlat(flat), "axis " + axis + " element " + flat);
                }
            }
        }
    }

    @Test
    void lookupOfOneRowIsATakeWithARankZeroIndex() {
        Graph g = new Graph();
        Tensor table = Tensor.arange(DType.F32, 10).reshape(5, 2);
        Node row = g.named("row", g.param("E", table).lookup(3));
        assertArrayEquals(new int[] {2}, row.shape());
        Step step = g.compile(row.sum());
        step.forward().backward();
        assertEquals(6, step.value(row).get(0));
        assertEquals(7, step.value(row).get(1));
        assertEquals(1, g.node("E").parameter().grad().get(3, 1));
        assertEquals(0, g.node("E").parameter().grad().get(2, 1));
    }

    @Test
    void scatterAddAccumulatesRepeatedIndices() {
        Graph g = new Graph();
        Node base = g.input("base", DType.F64, 4, 2);
        Node ids = g.constant(ints(new int[] {1, 3, 1}, 3));
        Node upd = g.input("upd", DType.F64, 3, 2);
        Node out = g.named("out", g.scatterAdd(base, 0, ids, upd));
        Step step = g.compile(out.mul(g.constant(Tensor.arange(DType.F64, 8).reshape(4, 2))).sum(),
                CompileOptions.training().withInputGradients(true));
        step.feed("base", Tensor.ones(DType.F64, 4, 2)).feed("upd", Tensor.arange(DType.F64, 6).reshape(3, 2)).forward().backward();
        Tensor o = step.value(out);
        double[] expected = {1, 1, 1 + 0 + 4, 1 + 1 + 5, 1, 1, 1 + 2, 1 + 3};
        for (int i = 0; i < 8; i++) assertEquals(expected[i], o.getFlat(i), "element " + i);
        Tensor dUpd = step.grad(upd);   // take of the weights: rows 1, 3, 1
        double[] expectedGrad = {2, 3, 6, 7, 2, 3};
        for (int i = 0; i < 6; i++) assertEquals(expectedGrad[i], dUpd.getFlat(i));
        Tensor dBase = step.grad(base);
        for (int i = 0; i < 8; i++) assertEquals(i, dBase.getFlat(i));
    }

    @Test
    void indicesOutOfRangeFailTheRunNamingValuePositionAndRange() {
        Graph g = new Graph();
        int[] idx = {1, 2, 0, 1};
        Node rows = g.param("E", Tensor.zeros(DType.F64, 3, 2)).lookup(g.constant(ints(idx, 2, 2)));
        Step step = g.compile(rows.sum());
        step.forward();
        idx[3] = 3;
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, step::forward);
        for (String part : new String[] {"take", "axis=0", "index 3", "[1, 1]", "[0, 3)"}) {
            assertTrue(e.getMessage().contains(part), e.getMessage() + " should contain " + part);
        }
        idx[3] = -1;
        e = assertThrows(IndexOutOfBoundsException.class, step::forward);
        assertTrue(e.getMessage().contains("index -1") && e.getMessage().contains("negative"), e.getMessage());
    }

    @Test
    void badIndexDtypesAndAxesFailAtBuildTime() {
        Graph g = new Graph();
        Node x = g.input("x", DType.F64, 3, 2);
        Node f = g.input("f", DType.F64, 2);
        Node ids = g.input("ids", DType.I32, 2);
        String m = assertThrows(IllegalArgumentException.class, () -> x.lookup(f)).getMessage();
        assertTrue(m.contains("take") && m.contains("'f' [2]") && m.contains("F64") && m.contains("I32 or I64"), m);
        m = assertThrows(IllegalArgumentException.class, () -> ids.lookup(ids)).getMessage();
        assertTrue(m.contains("'ids' [2]") && m.contains("I32") && m.contains("F32 or F64"), m);
        m = assertThrows(IllegalArgumentException.class, () -> x.take(2, ids)).getMessage();
        assertTrue(m.contains("axis 2 out of range"), m);
        m = assertThrows(IllegalArgumentException.class, () -> g.scatterAdd(x, 0, ids, f)).getMessage();
        assertTrue(m.contains("scatter_add") && m.contains("[2, 2]"), m);
        assertArrayEquals(new int[] {3, 2}, x.take(-1, ids).shape());
    }
}
