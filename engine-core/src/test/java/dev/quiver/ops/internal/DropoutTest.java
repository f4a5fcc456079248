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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Dropout: inverted scaling, rate, reproducibility by seed and draw, the regenerated mask in backward, evaluation. */
class DropoutTest {
    static final int N = 20_000;

    record Run(Step step, Node y, Node x) {}

    static Run build(DType dt, long seed, double p, CompileOptions options) {
        Graph g = new Graph().seed(Seed.of(seed));
        Node x = g.param("x", Tensor.full(dt, new int[] {N}, 2.0));
        Node y = g.named("y", g.dropout(x, p));
        return new Run(g.compile(y.mul(g.constant(Tensor.arange(dt, N))).sum(), options.withKeep(y)), y, x);
    }

    @Test
    void dropsAtTheRateScalesTheRestAndTheGradientFollowsTheSameMask() {
        for (DType dt : DType.FLOATING) {
            Run r = build(dt, 7, 0.25, CompileOptions.training());
            r.step().forward().backward();
            Tensor y = r.step().value(r.y()), grad = r.x().parameter().grad();
            int zeros = 0;
            for (int i = 0; i < N; i++) {
                double v = y.getFlat(i);
                if (v == 0) zeros++;
                else assertEquals(2.0 / 0.75, v, 1e-6, "kept elements are scaled by 1/(1-p)");
                // d/dx_i of sum(y * i) is i/(1-p) where kept, 0 where dropped
                assertEquals(v == 0 ? 0 : i / 0.75, grad.getFlat(i), 1e-3 * Math.max(1, i), "gradient " + i);
            }
            assertTrue(Math.abs(zeros - 0.25 * N) < 4 * Math.sqrt(N * 0.25 * 0.75), dt + ": " + zeros + " zeros of " + N);
        }
    }

    @Test
    void theSameSeedAndDrawGiveTheSameMaskAndTheNextDrawANewOne() {
        Run a = build(DType.F32, 11, 0.5, CompileOptions.training()), b = build(DType.F64, 11, 0.5, CompileOptions.training());
        Tensor first = a.step().forward().value(a.y()).copy();
        b.step().forward();
        for (int i = 0; i < N; i++) assertEquals(first.getFlat(i) == 0, b.step().value(b.y()).getFlat(i) == 0, "F32 and F64 masks agree");
        Tensor second = a.step().forward().value(a.y()).copy();
        int differ = 0;
        for (int i = 0; i < N; i++) if ((first.getFlat(i) == 0) != (second.getFlat(i) == 0)) differ++;
        assertTrue(differ > N / 4, "the next forward draws a new mask (" + differ + " elements changed)");
        a.step().setNextRandomDraw(0);
        Tensor again = a.step().forward().value(a.y());
        for (int i = 0; i < N; i++) assertEquals(Float.floatToIntBits((float) first.getFlat(i)), Float.floatToIntBits((float) again.getFlat(i)));
        assertEquals(1, a.step().nextRandomDraw());
        Run other = build(DType.F32, 12, 0.5, CompileOptions.training());
        Tensor seeded = other.step().forward().value(other.y());
        int d = 0;
        for (int i = 0; i < N; i++) if ((first.getFlat(i) == 0) != (seeded.getFlat(i) == 0)) d++;
        assertNotEquals(0, d, "another seed, another mask");
    }

    @Test
    void evaluationIsTheIdentity() {
        Run r = build(DType.F64, 3, 0.9, CompileOptions.inferenceOnly());
        Tensor y = r.step().forward().value(r.y());
        for (int i = 0; i < N; i++) assertEquals(2.0, y.getFlat(i));
    }

    @Test
    void aProbabilityOutsideTheUnitIntervalIsRefused() {
        Graph g = new Graph();
        Node x = g.input("x", DType.F32, 3);
        var e = assertThrows(IllegalArgumentException.class, () -> g.dropout(x, 1.5));
        assertTrue(e.getMessage().contains("dropout: p must be in [0, 1]"), e.getMessage());
    }
}
