package dev.quiver.ops.internal;

import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Step;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import dev.quiver.ops.CrossEntropy;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Class-index softmax cross-entropy: values and logit gradients against plain loops, options, errors. */
class ClassCrossEntropyTest {

    /** Per-row loss and gradient (of the row loss) by the textbook formulas, in double. */
    static double rowLoss(double[] x, int c, double eps, double[] gradOut) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) max = Math.max(max, v);
        double s = 0;
        for (double v : x) s += Math.exp(v - max);
        double lse = max + Math.log(s), loss = 0;
        for (int j = 0; j < x.length; j++) {
            double t = (j == c ? 1 - eps : 0) + eps / x.length;
            loss -= t * (x[j] - lse);
            gradOut[j] = Math.exp(x[j] - lse) - t;
        }
        return loss;
    }

    @Test
    void everyReductionIgnoreAndSmoothingMatchesLoops() {
        int rows = 5, classes = 4;
        int[] cls = {3, 1, 0, 1, 2};
        for (DType dt : DType.FLOATING) {
            double tol = dt == DType.F64 ? 1e-12 : 1e-5;
            Tensor logits = Tensor.randn(dt, Seed.of(7), rows, classes).mul(3.0);
            for (CrossEntropy.Reduction red : CrossEntropy.Reduction.values()) {
                for (CrossEntropy opt : new CrossEntropy[] {CrossEntropy.defaults(), CrossEntropy.defaults().withIgnoreIndex(1),
                        CrossEntropy.defaults().withLabelSmoothing(0.2).withIgnoreIndex(-100)}) {
                    CrossEntropy o = opt.withReduction(red);
                    Graph g = new Graph();
                    Node x = g.param("x", logits);
                    Node loss = g.softmaxCrossEntropy(x, g.constant(new Tensor(cls, rows)), o);
                    Node scalar = red == CrossEntropy.Reduction.NONE ? loss.mul(g.constant(Tensor.arange(dt, rows))).sum() : loss;
                    Step step = g.compile(g.named("out", scalar));
                    step.forward().backward();
                    double[][] grad = new double[rows][classes];
                    double total = 0;
                    int counted = 0;
                    double[] perRow = new double[rows];
                    for (int r = 0; r < rows; r++) {
                        if (o.ignoring() && cls[r] == o.ignoreIndex()) continue;
                        double[] xr = new double[classes];
                        for (int j = 0; j < classes; j++) xr[j] = logits.get(r, j);
                        perRow[r] = rowLoss(xr, cls[r], o.labelSmoothing(), grad[r]);
                        total += perRow[r];
                        counted++;
                    }
                    double expected = switch (red) {
                        case MEAN -> total / counted;
                        case SUM -> total;
                        case NONE -> { double s = 0; for (int r = 0; r < rows; r++) s += r * perRow[r]; yield s; }
                    };
                    String what = dt + " " + o;
                    assertEquals(expected, step.output().item(), tol * 10, what);
                    Tensor dx = x.parameter().grad();
                    for (int r = 0; r < rows; r++) {
                        double scale = switch (red) { case MEAN -> 1.0 / counted; case SUM -> 1; case NONE -> r; };
                        for (int j = 0; j < classes; j++) assertEquals(grad[r][j] * scale, dx.get(r, j), tol, what + " grad " + r + "," + j);
                    }
                }
            }
        }
    }

    @Test
    void classIndicesDispatchAndAgreeWithOneHotTargets() {
        Graph g = new Graph();
        Tensor logits = Tensor.randn(DType.F64, Seed.of(3), 4, 6);
        int[] cls = {5, 0, 2, 2};
        Tensor oneHot = Tensor.zeros(DType.F64, 4, 6);
        for (int r = 0; r < 4; r++) oneHot.set(1, r, cls[r]);
        Node x = g.input("x", DType.F64, 4, 6);
        Node a = g.named("a", g.softmaxCrossEntropy(x, g.constant(new Tensor(cls, 4))));
        Node b = g.named("b", g.softmaxCrossEntropy(x, g.constant(oneHot)));
        assertTrue(a.op() instanceof ClassCrossEntropy);
        Step step = g.compile(a.sub(b));
        step.feed("x", logits).forward();
        assertEquals(step.value(b).item(), step.value(a).item(), 1e-12);
    }

    @Test
    void pickNegLogSoftmaxOfOneClassAndOfRows() {
        Graph g = new Graph();
        Node v = g.input("v", DType.F64, 3);
        Node pick = g.named("pick", g.pickNegLogSoftmax(v, 2));
        assertArrayEquals(new int[0], pick.shape());
        Node m = g.input("m", DType.F64, 2, 3);
        Node rows = g.named("rows", g.pickNegLogSoftmax(m, g.constant(new Tensor(new int[] {1, 2}, 2))));
        assertArrayEquals(new int[] {2}, rows.shape());
        Step step = g.compile(pick.add(rows.sum()));
        step.feed("v", Tensor.vector(1, 2, 3)).feed("m", Tensor.vector(1, 2, 3, 0, 0, 0).reshape(2, 3)).forward();
        double lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
        assertEquals(lse - 3, step.value(pick).item(), 1e-12);
        assertEquals(lse - 2, step.value(rows).get(0), 1e-12);
        assertEquals(Math.log(3), step.value(rows).get(1), 1e-12);
        assertThrows(IndexOutOfBoundsException.class, () -> g.pickNegLogSoftmax(v, 3));
        assertThrows(IllegalArgumentException.class, () -> g.pickNegLogSoftmax(m, 0));
    }

    @Test
    void classesOutOfRangeFailTheRunAndAllIgnoredRowsGiveZero() {
        Graph g = new Graph();
        int[] cls = {0, 1, 2};
        Node x = g.param("x", Tensor.randn(DType.F64, Seed.of(1), 3, 3));
        Step step = g.compile(g.softmaxCrossEntropy(x, g.constant(new Tensor(cls, 3)), CrossEntropy.defaults().withIgnoreIndex(7)));
        step.forward().backward();
        cls[1] = 3;
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, step::forward);
        for (String part : new String[] {"softmax_cross_entropy", "class 3", "[1]", "[0, 3)"}) {
            assertTrue(e.getMessage().contains(part), e.getMessage() + " should contain " + part);
        }
        cls[0] = cls[1] = cls[2] = 7;   // all ignored: loss 0, gradient 0 (PyTorch: NaN)
        step.forward().backward();
        assertEquals(0, step.output().item());
        for (int i = 0; i < 9; i++) assertEquals(0, x.parameter().grad().getFlat(i));
    }

    @Test
    void badShapesAndDtypesFailAtBuildTime() {
        Graph g = new Graph();
        Node x = g.input("x", DType.F64, 4, 3);
        Node wrong = g.input("wrong", DType.I32, 3);
        Node floats = g.input("floats", DType.F64, 4);
        String m = assertThrows(IllegalArgumentException.class, () -> g.softmaxCrossEntropy(x, wrong)).getMessage();
        assertTrue(m.contains("softmax_cross_entropy") && m.contains("'wrong' [3]") && m.contains("[4]"), m);
        m = assertThrows(IllegalArgumentException.class, () -> g.softmaxCrossEntropy(x, floats, CrossEntropy.defaults())).getMessage();
        assertTrue(m.contains("'floats' [4]") && m.contains("F64"), m);
        assertThrows(IllegalArgumentException.class, () -> CrossEntropy.defaults().withLabelSmoothing(1));
        assertThrows(IllegalArgumentException.class, () -> CrossEntropy.defaults().withLabelSmoothing(Double.NaN));
    }
}
