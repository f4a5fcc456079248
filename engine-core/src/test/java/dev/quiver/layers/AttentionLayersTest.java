package dev.quiver.layers;

import dev.quiver.check.GradCheck;
import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.quiver.layers.LayersTest.perturb;
import static dev.quiver.layers.LayersTest.randn;
import static dev.quiver.layers.LayersTest.run;
import static dev.quiver.tensor.DType.F64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LayerNorm, Dropout and MultiHeadAttention: against formulas written out in loops, and gradients in float64. */
class AttentionLayersTest {

    /** x W + b for row t of sequence b of x [batch, seq, n]. */
    private static double[] affine(Tensor x, int b, int t, Linear l) {
        int n = l.in();
        double[] row = new double[n];
        for (int i = 0; i < n; i++) row[i] = x.get(b, t, i);
        return Reference.affine(row, l.weight(), l.bias());
    }

    @Test void multiHeadAttentionMatchesTheFormula() {
        for (boolean causal : new boolean[] {false, true}) {
            int batch = 2, seq = 4, model = 6, heads = 3, d = model / heads;
            Scope m = Scope.root(F64, Seed.of(3));
            var mha = new MultiHeadAttention(m.child("attn"), model, heads, causal);
            perturb(m, 30);
            Tensor xv = randn(31, batch, seq, model);
            var g = new Graph();
            Tensor got = run(mha.apply(g.input("x", F64, batch, seq, model)), Map.of("x", xv));
            Linear[] proj = {linear(m, "attn.q"), linear(m, "attn.k"), linear(m, "attn.v")};
            Linear out = linear(m, "attn.out");
            for (int b = 0; b < batch; b++) {
                double[][][] qkv = new double[3][seq][];
                for (int p = 0; p < 3; p++) for (int t = 0; t < seq; t++) qkv[p][t] = affine(xv, b, t, proj[p]);
                for (int i = 0; i < seq; i++) {
                    double[] merged = new double[model];
                    for (int h = 0; h < heads; h++) {
                        double[] w = new double[seq];
                        double max = Double.NEGATIVE_INFINITY, sum = 0;
                        for (int j = 0; j < seq; j++) {
                            if (causal && j > i) continue;
                            double s = 0;
                            for (int c = 0; c < d; c++) s += qkv[0][i][h * d + c] * qkv[1][j][h * d + c];
                            w[j] = s / Math.sqrt(d);
                            max = Math.max(max, w[j]);
                        }
                        for (int j = 0; j < seq; j++) {
                            w[j] = causal && j > i ? 0 : Math.exp(w[j] - max);
                            sum += w[j];
                        }
                        for (int j = 0; j < seq; j++) for (int c = 0; c < d; c++) merged[h * d + c] += w[j] / sum * qkv[2][j][h * d + c];
                    }
                    double[] y = Reference.affine(merged, out.weight(), out.bias());
                    for (int c = 0; c < model; c++) assertEquals(y[c], got.get(b, i, c), 1e-12, "causal=" + causal + " b=" + b + " i=" + i);
                }
            }
        }
    }

    /** A Linear view of the parameters {@code prefix.W}, {@code prefix.b} of m (for the reference). */
    private static Linear linear(Scope m, String prefix) {
        Parameter W = m.get(prefix + ".W"), b = m.get(prefix + ".b");
        Scope copy = Scope.root(F64, Seed.of(0));
        var l = new Linear(copy.child("copy"), W.value().dim(0), W.value().dim(1));
        l.weight().value().copyFrom(W.value());
        l.bias().value().copyFrom(b.value());
        return l;
    }

    @Test void multiHeadAttentionGradients() {
        Scope m = Scope.root(F64, Seed.of(4));
        var mha = new MultiHeadAttention(m.child("attn"), 4, 2, true);
        perturb(m, 40);
        var g = new Graph();
        Node x = g.input("x", F64, 2, 3, 4);
        GradCheck.of(mha.apply(x).tanh().sum()).feed("x", randn(41, 2, 3, 4)).check().assertOk();
        var g2 = new Graph();                                    // one sequence, rank 2
        Node s = g2.input("s", F64, 3, 4);
        GradCheck.of(mha.apply(s).square().sum()).feed("s", randn(42, 3, 4)).check().assertOk();
    }

    @Test void layerNormMatchesTheFormulaAndDifferentiates() {
        Scope m = Scope.root(F64, Seed.of(5));
        var ln = new LayerNorm(m.child("ln"), 5);
        var rms = LayerNorm.rms(m.child("rms"), 5, 1e-6);
        perturb(m, 50);
        Tensor xv = randn(51, 3, 5);
        var g = new Graph();
        Node x = g.input("x", F64, 3, 5);
        Tensor a = run(ln.apply(x), Map.of("x", xv));
        var g2 = new Graph();
        Tensor r = run(rms.apply(g2.input("x", F64, 3, 5)), Map.of("x", xv));
        Tensor gamma = m.get("ln.gamma").value(), beta = m.get("ln.beta").value(), rg = m.get("rms.gamma").value();
        for (int i = 0; i < 3; i++) {
            double mean = 0, var = 0, sq = 0;
            for (int j = 0; j < 5; j++) mean += xv.get(i, j) / 5;
            for (int j = 0; j < 5; j++) {
                var += (xv.get(i, j) - mean) * (xv.get(i, j) - mean) / 5;
                sq += xv.get(i, j) * xv.get(i, j) / 5;
            }
            for (int j = 0; j < 5; j++) {
                assertEquals((xv.get(i, j) - mean) / Math.sqrt(var + 1e-5) * gamma.getFlat(j) + beta.getFlat(j), a.get(i, j), 1e-12);
                assertEquals(xv.get(i, j) / Math.sqrt(sq + 1e-6) * rg.getFlat(j), r.get(i, j), 1e-12);
            }
        }
        GradCheck.of(ln.apply(x).tanh().sum()).feed("x", xv).check().assertOk();
        var g3 = new Graph();
        GradCheck.of(rms.apply(g3.input("x", F64, 3, 5)).tanh().sum()).feed("x", xv).check().assertOk();
    }

    @Test void dropoutDropsInTrainingOnlyAndRefusesBadRates() {
        var drop = new Dropout(0.5);
        var g = new Graph();
        Node x = g.input("x", F64, 1000);
        Tensor ones = Tensor.full(F64, new int[] {1000}, 1);
        Node y = drop.apply(x);
        Tensor eval = g.compile(y, CompileOptions.inferenceOnly()).forward(Map.of("x", ones)).output();
        for (int i = 0; i < 1000; i++) assertEquals(1, eval.getFlat(i));
        var g2 = new Graph();
        Node y2 = drop.apply(g2.input("x", F64, 1000)).sum();
        Tensor train = g2.compile(y2, CompileOptions.training().withInputGradients(true)).forward(Map.of("x", ones)).output();
        double kept = train.item() / 2;                          // survivors are scaled by 1 / (1 - p) = 2
        assertTrue(kept > 400 && kept < 600, "about half kept in training, got " + kept);
        assertThrows(IllegalArgumentException.class, () -> new Dropout(1));
        assertThrows(IllegalArgumentException.class, () -> new Dropout(-0.1));
    }

    @Test void wrongInputsNameTheLayerAndTheShape() {
        Scope m = Scope.root(F64, Seed.of(6));
        var mha = new MultiHeadAttention(m.child("enc.attn"), 8, 2, false);
        var ln = new LayerNorm(m.child("enc.ln"), 8);
        var g = new Graph();
        Node bad = g.input("x", F64, 2, 3, 6);
        var e = assertThrows(IllegalArgumentException.class, () -> mha.apply(bad));
        assertTrue(e.getMessage().contains("MultiHeadAttention 'enc.attn'") && e.getMessage().contains("[2, 3, 6]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ln.apply(bad));
        assertTrue(e.getMessage().contains("LayerNorm 'enc.ln'") && e.getMessage().contains("[2, 3, 6]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new MultiHeadAttention(m.child("x"), 6, 4, false));
        assertTrue(e.getMessage().contains("multiple of heads"), e.getMessage());
    }
}
