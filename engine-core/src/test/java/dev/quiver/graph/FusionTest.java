package dev.quiver.graph;

import dev.quiver.check.GradCheck;
import dev.quiver.ops.CrossEntropy;
import dev.quiver.ops.Op;
import dev.quiver.ops.Operand;
import dev.quiver.ops.RunningStats;
import dev.quiver.ops.Value;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The compiler's fusion pass ({@link Fusion}): tanh's and sigmoid's derivatives are built in
 * primitives and run as the fused kernels, with the same bits as the unfused graph.
 */
class FusionTest {

    static Stream<TensorMath> backends() { return Backs.all(); }

    /** Loss and every parameter gradient of one training step, as raw bits. */
    private record Run(long[] bits, PlanReport plan) {}

    private static Run run(DType dt, TensorMath m, boolean fusion, boolean autobatch,
                           BiFunction<Graph, DType, Node> model) {
        return run(dt, m, fusion, autobatch, Mode.TRAIN, model);
    }

    private static Run run(DType dt, TensorMath m, boolean fusion, boolean autobatch, Mode mode,
                           BiFunction<Graph, DType, Node> model) {
        Graph g = new Graph();
        Node loss = model.apply(g, dt);
        Step step = g.compile(loss, Backs.on(m).withFusion(fusion).withAutobatch(autobatch).withMode(mode));
        Map<String, Tensor> feeds = new HashMap<>();
        for (Node n : g.nodes()) {
            if (n.kind() == Node.Kind.INPUT && n.name() != null) feeds.put(n.name(), Tensor.randn(dt, Seed.of(n.index() + 40), n.shape()));
        }
        step.forward(feeds).backward();
        List<Long> bits = new ArrayList<>();
        bits.add(Double.doubleToRawLongBits(step.output().item()));
        for (Parameter p : step.parameters()) {
            Tensor gr = p.grad();
            for (int i = 0; i < gr.size(); i++) bits.add(Double.doubleToRawLongBits(gr.getFlat(i)));
        }
        long[] out = new long[bits.size()];
        for (int i = 0; i < out.length; i++) out[i] = bits.get(i);
        return new Run(out, step.plan());
    }

    /** An MLP through tanh, sigmoid, SiLU and GELU into a softmax cross-entropy. */
    private static Node activations(Graph g, DType dt) {
        Node x = g.input("x", dt, 6, 5);
        Node t = g.input("t", dt, 6, 3);
        Node W1 = g.param("W1", Tensor.randn(dt, Seed.of(1), 5, 7).mul(0.6));
        Node W2 = g.param("W2", Tensor.randn(dt, Seed.of(2), 7, 7).mul(0.6));
        Node W3 = g.param("W3", Tensor.randn(dt, Seed.of(3), 7, 3).mul(0.6));
        Node h = x.matmul(W1).tanh();
        h = h.matmul(W2).sigmoid().silu().gelu();
        return g.softmaxCrossEntropy(h.matmul(W3), t.softmax(-1));
    }

    @ParameterizedTest
    @MethodSource("backends")
    void fusedAndUnfusedStepsGiveTheSameBits(TensorMath m) {
        for (DType dt : new DType[] {DType.F64, DType.F32}) {
            Run fused = run(dt, m, true, false, FusionTest::activations), plain = run(dt, m, false, false, FusionTest::activations);
            assertArrayEquals(plain.bits(), fused.bits(), dt + ": loss and gradients, fused vs unfused");
            // tanh, sigmoid, and one sigmoid part each in SiLU's and GELU's derivatives; each fusion drops 3 kernels
            assertEquals(4, fused.plan().fusedNodes(), fused.plan().toString());
            assertEquals(0, plain.plan().fusedNodes(), plain.plan().toString());
            assertEquals(plain.plan().backwardKernels() - 3 * 4, fused.plan().backwardKernels(), fused.plan() + " vs " + plain.plan());
        }
    }

    /** Independent tanh and sigmoid chains: autobatching groups them, and the batched groups' VJPs fuse. */
    private static Node chains(Graph g, DType dt) {
        Node W = g.param("W", Tensor.randn(dt, Seed.of(4), 4, 4).mul(0.5));
        Node[] losses = new Node[5];
        for (int i = 0; i < losses.length; i++) {
            Node x = g.input("x" + i, dt, 1, 4);
            losses[i] = x.matmul(W).tanh().matmul(W).sigmoid().sum();
        }
        return g.addN(losses);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void autobatchedGroupsFuseAfterBatching(TensorMath m) {
        Run fused = run(DType.F64, m, true, true, FusionTest::chains), plain = run(DType.F64, m, false, true, FusionTest::chains);
        assertArrayEquals(plain.bits(), fused.bits(), "loss and gradients, fused vs unfused");
        assertTrue(fused.plan().unbatchedKernels() > fused.plan().forwardKernels(), "batched: " + fused.plan());
        assertEquals(2, fused.plan().fusedNodes(), "one batched tanh and one batched sigmoid: " + fused.plan());
    }

    /** The op names of a step's backward instructions (named only in steps that check for NaN). */
    private static Map<String, Integer> backwardOps(Step s) {
        Map<String, Integer> count = new HashMap<>();
        for (String op : s.backwardOpNames()) count.merge(op, 1, Integer::sum);
        return count;
    }

    @Test
    void mlpTrainingStepRunsTheFusedTanhKernel() {
        for (boolean fusion : new boolean[] {true, false}) {
            Graph g = new Graph();
            Node x = g.input("x", DType.F32, 8, 6), t = g.input("t", DType.F32, 8, 3);
            Node W = g.param("W", Tensor.randn(DType.F32, Seed.of(5), 6, 10)), b = g.param("b", Tensor.zeros(DType.F32, 10));
            Node V = g.param("V", Tensor.randn(DType.F32, Seed.of(6), 10, 3)), a = g.param("a", Tensor.zeros(DType.F32, 3));
            Node loss = Losses.softmaxCrossEntropy(x.matmul(W).add(b).tanh().matmul(V).add(a), t);
            Step s = g.compile(loss, CompileOptions.training().withFusion(fusion).withCheckFinite(true));
            Map<String, Integer> ops = backwardOps(s);
            if (fusion) {
                assertEquals(1, ops.getOrDefault("tanh_grad", 0), ops.toString());
                assertNull(ops.get("square"), ops.toString());
                assertNull(ops.get("neg"), ops.toString());
                assertEquals(1, s.plan().fusedNodes());
                assertTrue(s.plan().toString().contains("(1 fused)"), s.plan().toString());
            } else {
                assertNull(ops.get("tanh_grad"), ops.toString());
                assertEquals(1, ops.getOrDefault("square", 0), ops.toString());
            }
        }
    }

    /**
     * An op whose VJP builds tanh's pattern {@code g (1 - y^2)} but also hands out its inner
     * {@code 1 - y^2} as the other input's gradient: that node has a second reader (a final
     * gradient), so the pattern is left as built.
     */
    record SharedInner() implements Op {
        @Override public String name() { return "shared_inner"; }
        @Override public int[] shape(Operand[] in) { return in[0].shape(); }
        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            return mm -> mm.copy(in[0], out);
        }
        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
            V inner = out.square().neg().add(1.0);
            return Op.grads(in, g.mul(inner), inner);
        }
    }

    @Test
    void aPatternWhoseInnerNodeHasAnotherReaderIsNotFused() {
        Graph g = new Graph();
        Node x = g.param("x", Tensor.vector(0.5, -0.25, 2.0)), z = g.param("z", Tensor.vector(1, 2, 3));
        Node loss = g.apply(new SharedInner(), x, z).mul(g.constant(Tensor.vector(3, 5, 7))).sum();
        Step s = g.compile(loss, CompileOptions.training());
        assertEquals(0, s.plan().fusedNodes(), s.plan().toString());
        s.forward().backward();
        double[] xs = {0.5, -0.25, 2.0}, gs = {3, 5, 7};
        for (int i = 0; i < 3; i++) {
            assertEquals(gs[i] * (1 - xs[i] * xs[i]), x.parameter().grad().get(i), 1e-15);
            assertEquals(1 - xs[i] * xs[i], z.parameter().grad().get(i), 1e-15);
        }
    }

    @Test
    void aPlanWithFusionIsNotReusedForACompileWithout() {
        Graph g = new Graph();
        Node x = g.param("x", Tensor.vector(0.5, -0.25));
        Node loss = x.tanh().sum();
        Step fused = g.compile(loss, CompileOptions.training());
        Step plain = g.compile(loss, CompileOptions.training().withFusion(false));
        assertNotSame(fused, plain);
        assertEquals(1, fused.plan().fusedNodes());
        assertEquals(0, plain.plan().fusedNodes());
    }

    @Test
    void secondOrderGradientsThroughTanhSigmoidAndSoftmaxCrossEntropy() {
        Graph g = new Graph();
        Node x = g.input("x", DType.F64, 3, 4);
        Node t = g.input("t", DType.F64, 3, 2);
        Node W = g.param("W", Tensor.randn(DType.F64, Seed.of(7), 4, 5).mul(0.7));
        Node V = g.param("V", Tensor.randn(DType.F64, Seed.of(8), 5, 2).mul(0.7));
        Node loss = g.softmaxCrossEntropy(x.matmul(W).tanh().matmul(V).sigmoid().mul(3.0), t.softmax(-1));
        GradCheck.of(loss).feed("x", Tensor.randn(DType.F64, Seed.of(9), 3, 4)).feed("t", Tensor.randn(DType.F64, Seed.of(10), 3, 2))
                .secondOrder().check().assertOk();
    }

    /** A linear layer into the class-index cross-entropy, per-row losses weighted so each row's g differs. */
    private static BiFunction<Graph, DType, Node> classLoss(CrossEntropy options) {
        return classLoss(options, 0, 2, 1, 2, 0);
    }

    /** classLoss with the five rows' classes given. */
    private static BiFunction<Graph, DType, Node> classLoss(CrossEntropy options, int... rowClasses) {
        return (g, dt) -> {
            Node x = g.input("x", dt, 5, 4);
            Node W = g.param("W", Tensor.randn(dt, Seed.of(11), 4, 3));
            Node classes = g.constant(Tensor.ofInts(rowClasses, 5));
            Node loss = g.softmaxCrossEntropy(x.matmul(W), classes, options);
            return options.reduction() == CrossEntropy.Reduction.NONE ? loss.mul(g.constant(Tensor.vector(1, -2, 3, 0.5, 4))).sum() : loss;
        };
    }

    @ParameterizedTest
    @MethodSource("backends")
    void classCrossEntropyGradientFusesIntoItsBackwardKernel(TensorMath m) {
        for (CrossEntropy.Reduction r : CrossEntropy.Reduction.values()) {
            for (double eps : new double[] {0, 0.1}) {
                CrossEntropy options = CrossEntropy.defaults().withReduction(r).withLabelSmoothing(eps);
                Run fused = run(DType.F64, m, true, false, classLoss(options)), plain = run(DType.F64, m, false, false, classLoss(options));
                assertEquals(1, fused.plan().fusedNodes(), options + ": " + fused.plan());
                // Not the same bits: the kernel scales e / sum and subtracts at the class in its own order.
                for (int i = 0; i < plain.bits().length; i++) {
                    double want = Double.longBitsToDouble(plain.bits()[i]), got = Double.longBitsToDouble(fused.bits()[i]);
                    assertEquals(want, got, 1e-14 * (1 + Math.abs(want)), options + " at " + i);
                }
            }
        }
    }

    @Test
    void classCrossEntropyStepRunsItsBackwardKernelAndHasSecondDerivatives() {
        for (boolean fusion : new boolean[] {true, false}) {
            Graph g = new Graph();
            Node loss = classLoss(CrossEntropy.defaults()).apply(g, DType.F32);
            Map<String, Integer> ops = backwardOps(g.compile(loss, CompileOptions.training().withFusion(fusion).withCheckFinite(true)));
            assertEquals(fusion ? 1 : 0, ops.getOrDefault("softmax_cross_entropy_grad", 0), ops.toString());
            assertEquals(fusion ? 0 : 1, ops.getOrDefault("one_hot", 0), ops.toString());
        }
        Graph g = new Graph();
        Node x = g.input("x", DType.F64, 4, 3);
        Node W = g.param("W", Tensor.randn(DType.F64, Seed.of(12), 3, 5).mul(0.8));
        Node classes = g.constant(Tensor.ofInts(new int[] {4, 0, 2, 2}, 4));
        Node loss = g.softmaxCrossEntropy(x.matmul(W).tanh(), classes, CrossEntropy.defaults().withLabelSmoothing(0.2));
        GradCheck.of(loss).feed("x", Tensor.randn(DType.F64, Seed.of(13), 4, 3)).secondOrder().check().assertOk();
    }

    /** y = 3x, with a VJP that multiplies by a scalar constant node (as the ignored-class cross-entropy's max(Σ k, 1) does). */
    record TimesThree() implements Op {
        @Override public String name() { return "times_three"; }
        @Override public int[] shape(Operand[] in) { return in[0].shape(); }
        @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
            Tensor x = in[0];
            return mm -> {
                for (int i = 0; i < x.size(); i++) out.setFlat(i, 3 * x.getFlat(i));
            };
        }
        @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
            return Op.grads(in, g.mul(g.graph().scalar(g.dtype(), 3)));
        }
    }

    /** A derivative rule's scalar constant has its value in a training step (such constants once read an unfilled buffer: 0). */
    @Test
    void aDerivativeRulesScalarConstantHasItsValueInATrainingStep() {
        Graph g = new Graph();
        Node x = g.param("x", Tensor.vector(0.5, -0.25));
        Step s = g.compile(g.apply(new TimesThree(), x).sum(), CompileOptions.training());
        s.forward().backward();
        assertEquals(3, x.parameter().grad().get(0));
        assertEquals(3, x.parameter().grad().get(1));
    }

    /** classLoss with classes where the ignored one (2 in range, or -100 outside) appears, or every row ignored. */
    private static BiFunction<Graph, DType, Node> ignoringLoss(CrossEntropy options, boolean allIgnored) {
        int i = (int) options.ignoreIndex();
        return allIgnored ? classLoss(options, i, i, i, i, i) : classLoss(options, 0, i, 1, i, 0);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void withAnIgnoredClassTheGradientFusesIntoItsBackwardKernel(TensorMath m) {
        for (CrossEntropy.Reduction r : CrossEntropy.Reduction.values()) {
            for (double eps : new double[] {0, 0.1}) {
                for (int ignore : new int[] {2, -100}) {
                    for (boolean all : new boolean[] {false, true}) {
                        CrossEntropy options = CrossEntropy.defaults().withReduction(r).withLabelSmoothing(eps).withIgnoreIndex(ignore);
                        Run fused = run(DType.F64, m, true, false, ignoringLoss(options, all));
                        Run plain = run(DType.F64, m, false, false, ignoringLoss(options, all));
                        assertEquals(1, fused.plan().fusedNodes(), options + ": " + fused.plan());
                        assertClose(plain, fused, DType.F64, 1e-14, options + (all ? " all ignored" : ""));
                    }
                }
            }
        }
        Graph g = new Graph();
        Node loss = ignoringLoss(CrossEntropy.defaults().withIgnoreIndex(-100), false).apply(g, DType.F32);
        Map<String, Integer> ops = backwardOps(g.compile(loss, CompileOptions.training().withCheckFinite(true)));
        assertEquals(Map.of("softmax_cross_entropy_grad", 1, "matmul", 1), ops);
    }

    @Test
    void secondOrderGradientsWithAnIgnoredClass() {
        for (CrossEntropy.Reduction r : CrossEntropy.Reduction.values()) {
            Graph g = new Graph();
            Node x = g.input("x", DType.F64, 4, 3);
            Node W = g.param("W", Tensor.randn(DType.F64, Seed.of(12), 3, 5).mul(0.8));
            Node classes = g.constant(Tensor.ofInts(new int[] {4, 0, 4, 2}, 4));
            CrossEntropy options = CrossEntropy.defaults().withReduction(r).withIgnoreIndex(4).withLabelSmoothing(0.2);
            Node loss = g.softmaxCrossEntropy(x.matmul(W).tanh(), classes, options);
            GradCheck.of(loss).feed("x", Tensor.randn(DType.F64, Seed.of(13), 4, 3)).secondOrder().check().assertOk();
        }
    }

    /** Loss and parameter gradients of fused and unfused runs agree within {@code rtol} relative (plus rtol absolute). */
    private static void assertClose(Run plain, Run fused, DType dt, double rtol, String what) {
        assertEquals(plain.bits().length, fused.bits().length, what);
        for (int i = 0; i < plain.bits().length; i++) {
            double want = Double.longBitsToDouble(plain.bits()[i]), got = Double.longBitsToDouble(fused.bits()[i]);
            assertFalse(Double.isNaN(want) || Double.isNaN(got), what + " " + dt + " at " + i + ": " + want + " vs " + got);
            assertEquals(want, got, rtol * (1 + Math.abs(want)), what + " " + dt + " at " + i);
        }
    }

    /** A linear layer into layer (or RMS) normalisation, then a nonlinearity, batched rows. */
    private static BiFunction<Graph, DType, Node> norm(boolean rms, int affine) {
        return (g, dt) -> {
            Node x = g.input("x", dt, 2, 3, 5);
            Node W = g.param("W", Tensor.randn(dt, Seed.of(14), 5, 6).mul(0.8));
            Node gamma = affine >= 1 ? g.param("gamma", Tensor.randn(dt, Seed.of(15), 6).add(1)) : null;
            Node beta = affine == 2 ? g.param("beta", Tensor.randn(dt, Seed.of(16), 6)) : null;
            Node h = x.matmul(W);
            Node y = rms ? g.rmsNorm(h, gamma, 1e-6) : g.layerNorm(h, gamma, beta, 1e-5);
            return y.mul(g.constant(Tensor.randn(dt, Seed.of(17), 2, 3, 6))).tanh().sum();
        };
    }

    /**
     * Layer and RMS normalisation's VJPs are primitives; fused, they run the row kernels. The kernels
     * sum and divide in their own order (canonical sum of squares, division by D where the
     * primitives multiply by 1 / D), so the two agree within rounding, not bitwise.
     */
    @ParameterizedTest
    @MethodSource("backends")
    void layerAndRmsNormGradientsFuseIntoTheirKernels(TensorMath m) {
        for (boolean rms : new boolean[] {false, true}) {
            for (int affine = 0; affine <= (rms ? 1 : 2); affine++) {
                for (DType dt : new DType[] {DType.F64, DType.F32}) {
                    String what = (rms ? "rms" : "layer") + " affine=" + affine;
                    Run fused = run(dt, m, true, false, norm(rms, affine)), plain = run(dt, m, false, false, norm(rms, affine));
                    assertClose(plain, fused, dt, dt == DType.F64 ? 1e-13 : 2e-5, what);
                    // the input gradient (W's needs it) always; the parameter gradients with gamma
                    assertEquals(1 + (affine > 0 ? 1 : 0) + 1, fused.plan().fusedNodes(), what + ": " + fused.plan());
                }
            }
        }
    }

    @Test
    void layerNormTrainingStepRunsTheFusedKernelsOnly() {
        Graph g = new Graph();
        Node loss = norm(false, 2).apply(g, DType.F32);
        Map<String, Integer> ops = backwardOps(g.compile(loss, CompileOptions.training().withCheckFinite(true)));
        // exactly what the VJP built when it was the fused ops themselves (sum_to: W's gradient over the batch axis)
        assertEquals(Map.of("layer_norm_grad", 1, "layer_norm_param_grad", 1, "tanh_grad", 1, "mul", 1, "matmul", 1, "sum_to", 1), ops);
        Graph u = new Graph();
        Map<String, Integer> plain = backwardOps(u.compile(norm(false, 2).apply(u, DType.F32),
                CompileOptions.training().withCheckFinite(true).withFusion(false)));
        assertNull(plain.get("layer_norm_grad"), plain.toString());
        assertEquals(2, plain.getOrDefault("reciprocal", 0), "one rstd per pattern: " + plain);
    }

    @Test
    void secondOrderGradientsThroughLayerAndRmsNorm() {
        for (boolean rms : new boolean[] {false, true}) {
            Graph g = new Graph();
            Node x = g.input("x", DType.F64, 3, 4);
            Node gamma = g.param("gamma", Tensor.randn(DType.F64, Seed.of(18), 4).add(1));
            Node beta = rms ? null : g.param("beta", Tensor.randn(DType.F64, Seed.of(19), 4));
            Node y = rms ? g.rmsNorm(x, gamma, 1e-6) : g.layerNorm(x, gamma, beta, 1e-5);
            Node loss = y.mul(g.constant(Tensor.randn(DType.F64, Seed.of(20), 3, 4))).tanh().sum();
            GradCheck.of(loss).feed("x", Tensor.randn(DType.F64, Seed.of(21), 3, 4)).secondOrder().check().assertOk();
        }
    }

    /** Self-attention over x [2, 4, 5] with projections, no mask (0), a boolean mask (1) or causal (2). */
    private static BiFunction<Graph, DType, Node> attention(int masking) {
        return (g, dt) -> {
            Node x = g.input("x", dt, 2, 4, 5);
            Node q = x.matmul(g.param("Wq", Tensor.randn(dt, Seed.of(22), 5, 3).mul(0.7)));
            Node k = x.matmul(g.param("Wk", Tensor.randn(dt, Seed.of(23), 5, 3).mul(0.7)));
            Node v = x.matmul(g.param("Wv", Tensor.randn(dt, Seed.of(24), 5, 3).mul(0.7)));
            Tensor m = Tensor.zeros(DType.BOOL, 4, 4);
            for (int i = 0; i < 16; i++) ((boolean[]) m.data())[i] = i % 3 != 1;
            Node out = g.attention(q, k, v, masking == 1 ? g.constant(m) : null, masking == 2);
            return out.mul(g.constant(Tensor.randn(dt, Seed.of(25), 2, 4, 3))).tanh().sum();
        };
    }

    /**
     * Attention's softmax VJP is primitives; fused, it runs the softmax_grad row kernel, which sums
     * Σ g p in four running sums where the primitives use the backend's canonical sum: equal within
     * rounding, not bitwise.
     */
    @ParameterizedTest
    @MethodSource("backends")
    void attentionSoftmaxGradientFusesIntoItsKernel(TensorMath m) {
        for (int masking = 0; masking < 3; masking++) {
            for (DType dt : new DType[] {DType.F64, DType.F32}) {
                Run fused = run(dt, m, true, false, attention(masking)), plain = run(dt, m, false, false, attention(masking));
                assertClose(plain, fused, dt, dt == DType.F64 ? 1e-13 : 2e-5, "attention masking=" + masking);
                assertEquals(2, fused.plan().fusedNodes(), "softmax and tanh: " + fused.plan());
            }
        }
        Graph g = new Graph();
        Map<String, Integer> ops = backwardOps(g.compile(attention(2).apply(g, DType.F32), CompileOptions.training().withCheckFinite(true)));
        assertEquals(1, ops.getOrDefault("softmax_grad", 0), ops.toString());
        assertNull(ops.get("sub"), ops.toString());
        assertNull(ops.get("mul_scalar"), ops.toString());
    }

    @Test
    void secondOrderGradientsThroughAttention() {
        for (int masking = 0; masking < 3; masking++) {
            Graph g = new Graph();
            Node loss = attention(masking).apply(g, DType.F64);
            GradCheck.of(loss).feed("x", Tensor.randn(DType.F64, Seed.of(26), 2, 4, 5)).secondOrder().check().assertOk();
        }
    }

    /** Running statistics away from PyTorch's initial ones, so that evaluation differs from a fresh start. */
    private static RunningStats movedStats(DType dt, int c) {
        return new RunningStats(Tensor.randn(dt, Seed.of(34), c).mul(0.3), Tensor.uniform(dt, Seed.of(35), new int[] {c}, 0.5, 2), 0.1);
    }

    /** A linear map over the last axis of x [4, 3, 5] into batch normalisation of its 3 channels, then a nonlinearity. */
    private static BiFunction<Graph, DType, Node> batchNorm(RunningStats[] stats) {
        return (g, dt) -> {
            Node x = g.input("x", dt, 4, 3, 5);
            Node W = g.param("W", Tensor.randn(dt, Seed.of(30), 5, 5).mul(0.8));
            Node gamma = g.param("gamma", Tensor.randn(dt, Seed.of(31), 3).add(1));
            Node beta = g.param("beta", Tensor.randn(dt, Seed.of(32), 3));
            stats[0] = movedStats(dt, 3);
            Node y = g.batchNorm(x.matmul(W), gamma, beta, stats[0], 1e-5);
            return y.mul(g.constant(Tensor.randn(dt, Seed.of(33), 4, 3, 5))).tanh().sum();
        };
    }

    /**
     * Batch normalisation's training VJP is primitives; fused, it runs its two kernels, which sum
     * per channel run by run where the primitives reduce over the axes at once (and scale by gamma
     * rstd at the end): equal within rounding, not bitwise. The running statistics, updated by the
     * forward kernel alone, are the same bits.
     */
    @ParameterizedTest
    @MethodSource("backends")
    void batchNormGradientsFuseIntoTheirKernels(TensorMath m) {
        for (DType dt : new DType[] {DType.F64, DType.F32}) {
            RunningStats[] fusedStats = new RunningStats[1], plainStats = new RunningStats[1];
            Run fused = run(dt, m, true, false, batchNorm(fusedStats)), plain = run(dt, m, false, false, batchNorm(plainStats));
            assertClose(plain, fused, dt, dt == DType.F64 ? 1e-13 : 2e-5, "batch norm");
            assertEquals(3, fused.plan().fusedNodes(), "input and parameter gradients, and tanh: " + fused.plan());
            for (int i = 0; i < 3; i++) {
                assertEquals(plainStats[0].mean().getFlat(i), fusedStats[0].mean().getFlat(i), "running mean " + i);
                assertEquals(plainStats[0].var().getFlat(i), fusedStats[0].var().getFlat(i), "running var " + i);
            }
        }
    }

    @Test
    void batchNormTrainingStepRunsTheFusedKernelsOnly() {
        Graph g = new Graph();
        Node loss = batchNorm(new RunningStats[1]).apply(g, DType.F32);
        Map<String, Integer> ops = backwardOps(g.compile(loss, CompileOptions.training().withCheckFinite(true)));
        // exactly what the VJP built when it was the fused ops themselves (main at cc0a638 printed this map)
        assertEquals(Map.of("batch_norm_grad", 1, "batch_norm_param_grad", 1, "tanh_grad", 1, "mul", 1, "matmul", 1, "sum_to", 1), ops);
        Graph u = new Graph();
        Map<String, Integer> plain = backwardOps(u.compile(batchNorm(new RunningStats[1]).apply(u, DType.F32),
                CompileOptions.training().withCheckFinite(true).withFusion(false)));
        assertNull(plain.get("batch_norm_grad"), plain.toString());
        assertEquals(2, plain.getOrDefault("reciprocal", 0), "one rstd per pattern: " + plain);
        // evaluation: the running statistics are constants, dx = g gamma rstd in primitives, nothing of training's form
        Graph e = new Graph();
        Map<String, Integer> eval = backwardOps(e.compile(batchNorm(new RunningStats[1]).apply(e, DType.F32),
                CompileOptions.training().withCheckFinite(true).withMode(Mode.EVAL)));
        assertNull(eval.get("batch_norm_grad"), eval.toString());
        assertEquals(1, eval.getOrDefault("sub", 0), "x minus the running mean, for dgamma: " + eval);
    }

    /**
     * A gradient built by Graph.grad before the step's mode is known carries both forms of batch
     * normalisation's VJP behind mode gates; compiled in either mode, it equals that mode's own
     * training-step gradient, and only the forward pass touches the running statistics (once per
     * training step, never in evaluation).
     */
    @ParameterizedTest
    @MethodSource("backends")
    void aGradientBuiltBeforeTheModeIsKnownTakesTheStepsMode(TensorMath m) {
        for (Mode mode : Mode.values()) {
            RunningStats[] stats = new RunningStats[1];
            Graph g = new Graph();
            Node loss = batchNorm(stats).apply(g, DType.F64);
            Node x = g.nodes().getFirst();
            Node[] params = g.nodes().stream().filter(n -> n.kind() == Node.Kind.PARAM).toArray(Node[]::new);
            Node[] grads = g.grad(loss, params);
            Tensor feed = Tensor.randn(DType.F64, Seed.of(36), 4, 3, 5);
            Step built = g.compile(g.concat(0, grads[0].reshape(-1), grads[1].reshape(-1), grads[2].reshape(-1)),
                    CompileOptions.inferenceOnly().withMath(m).withMode(mode));
            Tensor mean0 = stats[0].mean().copy(), var0 = stats[0].var().copy();
            built.forward(Map.of(x.name(), feed));
            Tensor gotMean = stats[0].mean().copy(), gotVar = stats[0].var().copy();
            Tensor viaGrad = built.output().copy();
            stats[0].mean().copyFrom(mean0);
            stats[0].var().copyFrom(var0);
            Step own = g.compile(loss, CompileOptions.training().withMath(m).withMode(mode));
            own.forward(Map.of(x.name(), feed)).backward();
            int k = 0;
            for (Node p : params) {
                Tensor want = p.parameter().grad();
                for (int i = 0; i < want.size(); i++, k++) {
                    assertEquals(want.getFlat(i), viaGrad.getFlat(k), 1e-13 * (1 + Math.abs(want.getFlat(i))), mode + " " + p.name() + " " + i);
                }
            }
            for (int i = 0; i < 3; i++) {
                assertEquals(stats[0].mean().getFlat(i), gotMean.getFlat(i), mode + " running mean after one forward " + i);
                assertEquals(stats[0].var().getFlat(i), gotVar.getFlat(i), mode + " running var after one forward " + i);
                if (mode == Mode.EVAL) assertEquals(mean0.getFlat(i), gotMean.getFlat(i), "evaluation leaves the running mean");
                else assertNotEquals(mean0.getFlat(i), gotMean.getFlat(i), "training updates the running mean");
            }
        }
    }

    @Test
    void secondOrderGradientsThroughBatchNormInBothModes() {
        for (Mode mode : Mode.values()) {
            Graph g = new Graph();
            Node loss = batchNorm(new RunningStats[1]).apply(g, DType.F64);
            GradCheck.of(loss).feed("x", Tensor.randn(DType.F64, Seed.of(37), 4, 3, 5)).mode(mode).secondOrder().check().assertOk();
        }
    }
}
