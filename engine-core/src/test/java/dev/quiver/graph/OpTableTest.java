package dev.quiver.graph;

import dev.quiver.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.quiver.tensor.DType.F64;
import static dev.quiver.tensor.Index.all;
import static dev.quiver.tensor.Index.range;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Equal shaping and scalar ops built in one graph share one instance ({@link OpTable}); values are unchanged. */
class OpTableTest {
    @Test
    void equalShapingOpsShareOneInstanceAndKeepTheirValues() {
        Graph g = new Graph();
        Node x = g.input("x", F64, 3, 2);
        Node a = x.slice(range(0, 1), all()), b = x.slice(range(0, 1), all()), c = x.slice(range(2, 3), all());
        assertSame(a.op(), b.op(), "equal slices");
        assertNotSame(a.op(), c.op(), "different slices");
        Node ac = g.concat(1, a, c), ca = g.concat(1, c, a);
        assertSame(ac.op(), ca.op(), "concatenations along one axis");
        Node t1 = ac.permute(1, 0), t2 = ca.permute(1, 0);
        assertSame(t1.op(), t2.op(), "equal permutations");
        Node s1 = t1.add(2.5), s2 = t2.add(2.5), s3 = t2.add(-2.5);
        assertSame(s1.op(), s2.op(), "equal scalar ops");
        assertNotSame(s1.op(), s3.op(), "other scalars");
        Node r1 = s1.reshape(2, 2), r2 = s3.reshape(2, 2);
        assertSame(r1.op(), r2.op(), "equal reshapes");
        Step step = g.compile(g.named("out", g.concat(0, r1, r2)), CompileOptions.inferenceOnly());
        step.feed("x", Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 3, 2)).forward();
        // [x0 | x2] = [1, 2, 5, 6] as a column, + 2.5, reshaped to 2x2; then [x2 | x0] = [5, 6, 1, 2] - 2.5
        assertArrayEquals(new double[] {3.5, 4.5, 7.5, 8.5, 2.5, 3.5, -1.5, -0.5}, step.value("out").toDoubleArray(), 0);
    }
}
