package dev.quiver.graph;

import dev.quiver.optim.Sgd;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;

import static dev.quiver.tensor.DType.F32;
import static dev.quiver.tensor.DType.F64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A parameter read only through lookups gets a row-sparse gradient: touched rows only, cost independent of the table. */
class SparseLookupTest {
    static final double[] V = {0.5, -1, 2};

    /** loss = sum over ids of tanh(E[id]) . v, built per example as a dynamic graph would. */
    static Step build(Graph g, Parameter E, int[] ids, TensorMath m) {
        g.reset();
        Node table = g.param(E), v = g.constant(Tensor.vector(V));
        Node[] terms = new Node[ids.length];
        for (int i = 0; i < ids.length; i++) terms[i] = g.lookup(table, ids[i]).tanh().dot(v);
        return g.compile(g.addN(terms), Backs.on(m));
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void touchedRowsOnlyWithRepeatsSummed(TensorMath m) {
        var E = new Parameter("E", Tensor.randn(F64, Seed.of(11), 50, 3));
        var g = new Graph();
        int[][] examples = {{4, 7, 4}, {9, 1}, {4, 7, 4}};
        Step first = null;
        for (int[] ids : examples) {
            Step s = build(g, E, ids, m);
            if (ids.length == 3) {
                if (first == null) first = s; else assertSame(first, s);   // the row ids are data
            }
            s.forward().backward();
            RowSet rows = E.sparseRows();
            assertNotNull(rows, "a lookup-only table has a sparse gradient");
            int[] distinct = Arrays.stream(ids).distinct().toArray();
            assertEquals(distinct.length, rows.size());
            double[] expected = new double[50 * 3];
            for (int id : ids) {
                for (int j = 0; j < 3; j++) {
                    double t = Math.tanh(E.value().get(id, j));
                    expected[id * 3 + j] += (1 - t * t) * V[j];
                }
            }
            assertArrayEquals(expected, E.grad().toDoubleArray(), 1e-12, "every other row is zero: " + Arrays.toString(ids));
        }
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void aDenseUseMakesTheGradientDenseAgain(TensorMath m) {
        var E = new Parameter("E", Tensor.randn(F64, Seed.of(12), 6, 3));
        var g = new Graph();
        build(g, E, new int[] {2}, m).forward().backward();
        assertNotNull(E.sparseRows());
        g.reset();
        Node table = g.param(E);
        Step s = g.compile(g.lookup(table, 1).sum().add(table.square().sum()), Backs.on(m));
        s.forward().backward();
        assertNull(E.sparseRows());
        for (int r = 0; r < 6; r++) {
            for (int j = 0; j < 3; j++) {
                double expected = 2 * E.value().get(r, j) + (r == 1 ? 1 : 0);
                assertEquals(expected, E.grad().get(r, j), 1e-12);
            }
        }
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void planSizeDoesNotDependOnTheTable(TensorMath m) {
        long[] planned = new long[2];
        int[] tableRows = {10, 200_000};
        for (int k = 0; k < 2; k++) {
            var E = new Parameter("E", Tensor.zeros(F32, tableRows[k], 16));
            var g = new Graph();
            Node table = g.param(E);
            Node h = g.lookup(table, 3).add(g.lookup(table, 5)).tanh();
            planned[k] = g.compile(h.sum(), Backs.on(m)).plan().plannedBytes();
        }
        assertEquals(planned[0], planned[1]);
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void sgdMovesOnlyLookedUpRows(TensorMath m) {
        var E = new Parameter("E", Tensor.randn(F64, Seed.of(13), 20, 3));
        Tensor before = E.value().copy();
        var g = new Graph();
        var opt = new Sgd(java.util.List.of(E), 0.1);
        Step s = build(g, E, new int[] {3, 17}, m);
        s.forward().backward();
        opt.step();
        for (int r = 0; r < 20; r++) {
            boolean touched = r == 3 || r == 17;
            for (int j = 0; j < 3; j++) {
                double moved = before.get(r, j) - E.value().get(r, j);
                assertTrue(touched ? moved != 0 : moved == 0, "row " + r);
            }
        }
    }

    /** {@code P.slice(at(i))} of a parameter is a lookup: the row is data and the gradient sparse, with the slice's values. */
    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void aRowSliceOfAParameterIsALookup(TensorMath m) {
        var E = new Parameter("E", Tensor.randn(F64, Seed.of(14), 30, 4));
        var g = new Graph();
        Step first = null;
        for (int row : new int[] {3, 17, -1}) {
            g.reset();
            Node sliced = g.param(E).slice(dev.quiver.tensor.Index.at(row), dev.quiver.tensor.Index.all());
            Step s = g.compile(sliced.tanh().sum(), Backs.on(m));
            if (first == null) first = s; else assertSame(first, s);
            s.forward().backward();
            int r = row < 0 ? row + 30 : row;
            assertEquals(1, E.sparseRows().size());
            assertEquals(r, E.sparseRows().row(0));
            // The dense path (a slice of a view of E) gives the same value and gradient.
            var d = new Graph();
            Node dense = d.param(E).reshape(30, 4).slice(dev.quiver.tensor.Index.at(row));
            Step ds = d.compile(dense.tanh().sum(), Backs.on(m));
            double value = s.output().item();
            Tensor grad = E.grad().copy();
            ds.forward().backward();
            assertNull(E.sparseRows());
            assertEquals(ds.output().item(), value, 0);
            assertArrayEquals(E.grad().toDoubleArray(), grad.toDoubleArray(), 0);
        }
    }
}
