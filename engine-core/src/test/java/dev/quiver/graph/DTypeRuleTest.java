package dev.quiver.graph;

import dev.quiver.ops.Op;
import dev.quiver.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dtype rule of ops ({@link Op#dtype}): arithmetic takes one floating dtype; index tensors are refused when built. */
class DTypeRuleTest {

    static void refused(Executable build, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should contain '" + part + "'");
        }
    }

    @Test
    void integerInputsToArithmeticFailAtBuildTimeNamingTheNode() {
        Graph g = new Graph();
        Node ids = g.input("ids", DType.I32, 5);
        Node x = g.input("x", DType.F64, 5);
        Node m = g.input("m", DType.F64, 5, 3);
        Node longs = g.input("longs", DType.I64, 5, 3);
        Node mask = g.input("mask", DType.BOOL, 5);
        refused(() -> g.tanh(ids), "tanh", "'ids' [5]", "I32", "F32 or F64", "lookup/take");
        refused(() -> g.add(x, ids), "add", "'ids' [5]", "I32");
        refused(() -> g.add(ids, x), "add", "'ids' [5]", "I32");
        refused(() -> g.matmul(ids, m), "matmul", "'ids' [5]", "I32");
        refused(() -> g.matmul(x, longs), "matmul", "'longs' [5, 3]", "I64");
        refused(() -> g.mul(mask, 2.0), "'mask' [5]", "BOOL");
        refused(() -> g.sum(ids), "sum", "'ids' [5]", "I32");
        refused(() -> g.add(x, g.input("single", DType.F32, 5)), "add", "dtypes differ", "F64", "F32");
        int before = g.nodes().size();
        refused(() -> g.exp(longs), "exp", "'longs'");
        assertEquals(before, g.nodes().size(), "a refused op adds no node");
    }

    @Test
    void floatingInputsKeepTheirDtype() {
        Graph g = new Graph();
        assertEquals(DType.F32, g.input("a", DType.F32, 2).tanh().dtype());
        assertEquals(DType.F64, g.input("b", DType.F64, 2).add(g.input("c", DType.F64, 2)).dtype());
    }
}
