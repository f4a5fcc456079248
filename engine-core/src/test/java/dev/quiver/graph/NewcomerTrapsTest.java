package dev.quiver.graph;

import dev.quiver.backend.Backends;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 18's graph traps: the mean of nothing, ranks above the maximum, and compiling twice. */
class NewcomerTrapsTest {
    private static final TensorMath SCALAR = TensorMath.of(Backends.create("scalar", 1));

    @Test
    void meanOfAnEmptyTensorIsNaNInAGraphAsEagerly() {
        Tensor empty = Tensor.zeros(DType.F64, 0, 3);
        assertTrue(Double.isNaN(SCALAR.mean(empty).item()));
        var g = new Graph();
        var x = g.input("x", DType.F64, 0, 3);
        var all = g.named("all", g.mean(x));
        var rows = g.named("rows", g.mean(x, false, 0));
        var cols = g.named("cols", g.mean(x, false, 1));
        var step = g.compile(all, CompileOptions.inferenceOnly().withKeep(rows, cols).withMath(SCALAR));
        step.forward(Map.of("x", empty));
        assertTrue(Double.isNaN(step.value(all).item()), "graph mean of [0, 3]: " + step.value(all));
        Tensor eagerRows = SCALAR.mean(empty, 0);
        assertEquals(3, eagerRows.size());
        for (int j = 0; j < 3; j++) {
            assertTrue(Double.isNaN(eagerRows.getFlat(j)));
            assertTrue(Double.isNaN(step.value(rows).getFlat(j)), "graph mean over the empty axis: " + step.value(rows));
        }
        assertEquals(0, step.value(cols).size());
    }

    @Test
    void aRankAboveTheMaximumFailsWhenTheNodeIsBuiltNamingIt() {
        var g = new Graph();
        DTypeRuleTest.refused(() -> g.input("big", DType.F32, 1, 1, 1, 1, 1, 1, 1, 1, 1),
                "input 'big'", "rank 9", "maximum 8");
        var x = g.input("x", DType.F32, 1, 1, 1, 1, 1, 1, 1, 2);
        DTypeRuleTest.refused(() -> x.reshape(1, 1, 1, 1, 1, 1, 1, 1, 2), "reshape", "rank 9", "'x' [1, 1, 1, 1, 1, 1, 1, 2]");
    }

    @Test
    void compilingTheSameStructureTwiceReturnsTheSameStepAndAnotherGraphAnIndependentOne() {
        var g = new Graph();
        var x = g.input("x", DType.F64, 2);
        var f = g.named("f", x.tanh().sum());
        Step first = g.compile(f, CompileOptions.training().withInputGradients(true));
        Step second = g.compile(f, CompileOptions.training().withInputGradients(true));
        assertSame(first, second, "documented on Graph.compile: the plan cache returns the same step");
        var h = new Graph();
        var y = h.input("x", DType.F64, 2);
        Step other = h.compile(h.named("f", y.tanh().sum()), CompileOptions.training().withInputGradients(true));
        assertNotSame(first, other);
        first.forward(Map.of("x", Tensor.vector(1, 2)));
        other.forward(Map.of("x", Tensor.vector(3, 4)));
        assertEquals(Math.tanh(1) + Math.tanh(2), first.value(f).item(), 1e-12);
    }
}
