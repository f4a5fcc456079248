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

/** Scaled dot-product attention against a naive reference: multi-head shapes, masks, causal, errors. */
class AttentionTest {

    /** softmax(q k^T * scale) v for one head, keys allowed by {@code allowed[i][j]}; zeros for a row with none. */
    static double[][] reference(Tensor q, Tensor k, Tensor v, int b, int h, boolean[][] allowed, double scale) {
        int lq = q.dim(2), lk = k.dim(2), d = q.dim(3), dv = v.dim(3);
        double[][] out = new double[lq][dv];
        for (int i = 0; i < lq; i++) {
            double[] s = new double[lk];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < lk; j++) {
                if (!allowed[i][j]) continue;
                for (int l = 0; l < d; l++) s[j] += q.get(b, h, i, l) * k.get(b, h, j, l) * scale;
                max = Math.max(max, s[j]);
            }
            if (max == Double.NEGATIVE_INFINITY) continue;
            double sum = 0;
            for (int j = 0; j < lk; j++) sum += allowed[i][j] ? Math.exp(s[j] - max) : 0;
            for (int j = 0; j < lk; j++) {
                if (!allowed[i][j]) continue;
                double p = Math.exp(s[j] - max) / sum;
                for (int c = 0; c < dv; c++) out[i][c] += p * v.get(b, h, j, c);
            }
        }
        return out;
    }

    @Test
    void multiHeadAttentionWithMaskAndCausalMatchesTheReference() {
        int batch = 2, heads = 3, lq = 5, lk = 5, d = 4, dv = 3;
        for (DType dt : DType.FLOATING) {
            Tensor qv = Tensor.randn(dt, Seed.of(1), batch, heads, lq, d), kv = Tensor.randn(dt, Seed.of(2), batch, heads, lk, d);
            Tensor vv = Tensor.randn(dt, Seed.of(3), batch, heads, lk, dv);
            Tensor mask = Tensor.zeros(DType.BOOL, lq, lk);
            boolean[] md = (boolean[]) mask.data();
            for (int i = 0; i < lq * lk; i++) md[i] = (i * 7) % 3 != 0;
            for (int j = 0; j < lk; j++) md[2 * lk + j] = false;   // query 2 sees nothing: a zero row
            for (int variant = 0; variant < 3; variant++) {
                Graph g = new Graph();
                Node q = g.constant(qv), k = g.constant(kv), v = g.constant(vv);
                boolean causal = variant == 2;
                Node out = g.named("out", g.attention(q, k, v, variant == 0 ? null : g.constant(mask), causal));
                assertArrayEquals(new int[] {batch, heads, lq, dv}, out.shape());
                Step s = g.compile(out.sum(), CompileOptions.inferenceOnly().withKeep(out));
                s.forward();
                boolean[][] allowed = new boolean[lq][lk];
                for (int i = 0; i < lq; i++) for (int j = 0; j < lk; j++) {
                    allowed[i][j] = (variant == 0 || md[i * lk + j]) && (!causal || j <= i);
                }
                for (int b = 0; b < batch; b++) for (int h = 0; h < heads; h++) {
                    double[][] ref = reference(qv, kv, vv, b, h, allowed, 1 / Math.sqrt(d));
                    for (int i = 0; i < lq; i++) for (int c = 0; c < dv; c++) {
                        assertEquals(ref[i][c], s.value(out).get(b, h, i, c), dt == DType.F64 ? 1e-12 : 1e-5, dt + " variant " + variant);
                    }
                }
            }
        }
    }

    @Test
    void mismatchedShapesAreNamed() {
        Graph g = new Graph();
        Node q = g.input("q", DType.F32, 2, 8, 16), k = g.input("k", DType.F32, 2, 8, 8), v = g.input("v", DType.F32, 2, 8, 16);
        var e = assertThrows(IllegalArgumentException.class, () -> g.attention(q, k, v, null, false));
        assertTrue(e.getMessage().startsWith("attention(") && e.getMessage().contains("'k' [2, 8, 8]"), e.getMessage());
        Node k2 = g.input("k2", DType.F32, 2, 8, 16);
        var m = assertThrows(IllegalArgumentException.class, () -> g.attention(q, k2, v, g.input("m", DType.BOOL, 3, 8), false));
        assertTrue(m.getMessage().startsWith("masked_softmax") && m.getMessage().contains("must broadcast"), m.getMessage());
    }
}
