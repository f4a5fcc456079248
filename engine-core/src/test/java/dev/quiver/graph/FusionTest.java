package dev.quiver.graph;

import dev.quiver.check.GradCheck;
import dev.quiver.ops.CrossEntropy;
import dev.quiver.ops.Op;
import dev.quiver.ops.Operand;
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
        Graph g = new Graph();
        Node loss = model.apply(g, dt);
        Step step = g.compile(loss, Backs.on(m).withFusion(fusion).withAutobatch(autobatch));
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
        return (g, dt) -> {
            Node x = g.input("x", dt, 5, 4);
            Node W = g.param("W", Tensor.randn(dt, Seed.of(11), 4, 3));
            Node classes = g.constant(Tensor.ofInts(new int[] {0, 2, 1, 2, 0}, 5));
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

    @Test
    void withAnIgnoredClassTheGradientIsTheBackwardKernelItself() {
        Graph g = new Graph();
        Node loss = classLoss(CrossEntropy.defaults().withIgnoreIndex(2)).apply(g, DType.F64);
        Step s = g.compile(loss, CompileOptions.training().withCheckFinite(true));
        assertEquals(0, s.plan().fusedNodes());
        assertEquals(1, backwardOps(s).getOrDefault("softmax_cross_entropy_grad", 0));
    }
}
