package dev.quiver.ops.internal;

import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Step;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** matmul of rank > 3 with broadcast batch dimensions, against loops; the shape errors. */
class BatchedMatmulTest {

    @Test
    void rankFourWithBroadcastBatchesMatchesLoops() {
        for (DType dt : DType.FLOATING) {
            Tensor av = Tensor.randn(dt, Seed.of(1), 2, 1, 3, 4), bv = Tensor.randn(dt, Seed.of(2), 3, 4, 5);
            Graph g = new Graph();
            Node a = g.constant(av), b = g.constant(bv).permute(0, 2, 1).permute(0, 2, 1);   // a strided view of b, same values
            Node c = g.named("c", a.matmul(b));
            assertArrayEquals(new int[] {2, 3, 3, 5}, c.shape());
            Step s = g.compile(c.sum(), CompileOptions.inferenceOnly().withKeep(c));
            s.forward();
            for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) for (int r = 0; r < 3; r++) for (int q = 0; q < 5; q++) {
                double sum = 0;
                for (int l = 0; l < 4; l++) sum += av.get(i, 0, r, l) * bv.get(j, l, q);
                assertEquals(sum, s.value(c).get(i, j, r, q), dt == DType.F64 ? 1e-12 : 1e-5);
            }
        }
    }

    @Test
    void batchesThatDoNotBroadcastAreNamed() {
        Graph g = new Graph();
        Node a = g.input("q", DType.F32, 2, 3, 4, 8), b = g.input("k", DType.F32, 4, 8, 4);
        var e = assertThrows(IllegalArgumentException.class, () -> a.matmul(b));
        assertTrue(e.getMessage().startsWith("matmul(") && e.getMessage().contains("'q' [2, 3, 4, 8]") && e.getMessage().contains("do not broadcast"),
                e.getMessage());
    }
}
