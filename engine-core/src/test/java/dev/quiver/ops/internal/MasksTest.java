package dev.quiver.ops.internal;

import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Step;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Comparisons, where, masked fill, clamp, one-hot and arg-max: values, dtypes, errors. */
class MasksTest {

    @Test
    void comparisonsGiveBoolAndWhereSelectsWithoutReadingTheOtherSide() {
        for (DType dt : DType.FLOATING) {
            Graph g = new Graph();
            Node a = g.constant(Tensor.of(dt, dt == DType.F64 ? new double[] {1, 2, Double.NaN, 4, 5, 6} : new float[] {1, 2, Float.NaN, 4, 5, 6}, 2, 3));
            Node b = g.constant(Tensor.of(dt, dt == DType.F64 ? new double[] {2, 2, 0} : new float[] {2, 2, 0}, 3));
            Node lt = g.named("lt", g.lt(a, b)), ne = g.named("ne", g.ne(a, b));
            assertEquals(DType.BOOL, lt.dtype());
            assertArrayEquals(new int[] {2, 3}, lt.shape());
            Node inf = g.constant(Tensor.full(dt, new int[] {2, 3}, Double.POSITIVE_INFINITY));
            Node w = g.named("w", g.where(lt, a, inf.mul(0)));   // NaN where not selected
            Node filled = g.named("filled", g.maskedFill(a, g.ge(a, b), -1));
            Step s = g.compile(w.sum(), CompileOptions.inferenceOnly().withKeep(lt, ne, w, filled));
            s.forward();
            boolean[] expectLt = {true, false, false, false, false, false};
            boolean[] expectNe = {true, false, true, true, true, true};
            for (int i = 0; i < 6; i++) {
                assertEquals(expectLt[i], ((boolean[]) s.value(lt).data())[s.value(lt).offset() + i], "lt " + i);
                assertEquals(expectNe[i], ((boolean[]) s.value(ne).data())[s.value(ne).offset() + i], "ne " + i);
            }
            assertEquals(1.0, s.value(w).getFlat(0));
            assertTrue(Double.isNaN(s.value(w).getFlat(1)), "0 * inf where the mask is false");
            assertEquals(1.0, s.value(filled).getFlat(0));
            assertEquals(-1.0, s.value(filled).getFlat(1));
            assertTrue(Double.isNaN(s.value(filled).getFlat(2)), "NaN >= 0 is false: kept");
        }
    }

    @Test
    void clampOneHotAndArgmax() {
        Graph g = new Graph();
        Tensor xv = Tensor.randn(DType.F32, Seed.of(4), 3, 4, 5);
        Node x = g.input("x", DType.F32, 3, 4, 5);
        Node c = g.named("c", g.clamp(x, -0.5, 0.5));
        Node am = g.named("am", g.argmax(x.permute(2, 0, 1), 1));   // over x's axis 0, of a view
        Node oh = g.named("oh", g.oneHot(am, 3, DType.F64));
        Step s = g.compile(c.sum(), CompileOptions.inferenceOnly().withKeep(c, am, oh));
        s.forward(Map.of("x", xv));
        assertEquals(DType.I64, am.dtype());
        assertArrayEquals(new int[] {5, 4}, am.shape());
        assertArrayEquals(new int[] {5, 4, 3}, oh.shape());
        for (int k = 0; k < 5; k++) for (int j = 0; j < 4; j++) {
            int best = 0;
            for (int i = 1; i < 3; i++) if (xv.get(i, j, k) > xv.get(best, j, k)) best = i;
            assertEquals(best, s.value(am).get(k, j), "argmax at " + k + "," + j);
            for (int i = 0; i < 3; i++) assertEquals(i == best ? 1.0 : 0.0, s.value(oh).get(k, j, i));
        }
        for (int i = 0; i < xv.size(); i++) assertEquals(Math.max(-0.5, Math.min(0.5, xv.getFlat(i))), s.value(c).getFlat(i), 0);
    }

    @Test
    void badInputsNameTheOp() {
        Graph g = new Graph();
        Node x = g.input("x", DType.F32, 2, 3), y = g.input("y", DType.F64, 3);
        var e = assertThrows(IllegalArgumentException.class, () -> g.where(x, x, x));
        assertTrue(e.getMessage().startsWith("where(") && e.getMessage().contains("must be BOOL"), e.getMessage());
        var f = assertThrows(IllegalArgumentException.class, () -> g.lt(x, y));
        assertTrue(f.getMessage().startsWith("lt(") && f.getMessage().contains("F32 and F64"), f.getMessage());
        var h = assertThrows(IllegalArgumentException.class, () -> g.where(g.gt(x, x), x, g.input("z", DType.F32, 4)));
        assertTrue(h.getMessage().contains("do not broadcast") && h.getMessage().contains("'z' [4]"), h.getMessage());
        var k = assertThrows(IllegalArgumentException.class, () -> g.oneHot(x, 3, DType.F32));
        assertTrue(k.getMessage().contains("indices must be I32 or I64"), k.getMessage());
        Node ids = g.constant(new Tensor(new int[] {0, 7}, 2));
        Step s = g.compile(g.oneHot(ids, 3, DType.F32).sum(), CompileOptions.inferenceOnly());
        var oob = assertThrows(IndexOutOfBoundsException.class, s::forward);
        assertTrue(oob.getMessage().contains("index 7 at flat position 1"), oob.getMessage());
    }
}
