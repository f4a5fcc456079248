package dev.quiver.graph;

import dev.quiver.tensor.Index;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Map;

import static dev.quiver.tensor.DType.F32;
import static dev.quiver.tensor.DType.F64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Executor semantics and misuse errors. */
class StepTest {
    static java.util.stream.Stream<TensorMath> backends() { return Backs.all(); }

    private static void assertMessage(Throwable t, String... parts) {
        for (String p : parts) assertTrue(t.getMessage().contains(p), "message '" + t.getMessage() + "' should mention " + p);
    }

    @ParameterizedTest @MethodSource("backends")
    void shapeErrorsNameOpNodesAndShapes(TensorMath m) {
        var g = new Graph();
        var x = g.input("x", F64, 3);
        var A = g.param("A", Tensor.zeros(F64, 4, 4));
        assertMessage(assertThrows(IllegalArgumentException.class, () -> x.matmul(A)), "matmul", "'x' [3]", "'A' [4, 4]");
        var y = g.input("y", F64, 2, 3);
        var z = g.input("z", F64, 4, 3);
        assertMessage(assertThrows(IllegalArgumentException.class, () -> y.add(z)), "add", "'y' [2, 3]", "'z' [4, 3]", "broadcast");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> y.modeN(A, 1)), "mode_n", "'y'", "'A' [4, 4]");
        var f = g.input("f", F32, 3);
        assertMessage(assertThrows(IllegalArgumentException.class, () -> x.add(f)), "add", "F64", "F32");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> g.input("x", F64, 1)), "'x'", "already");
    }

    @ParameterizedTest @MethodSource("backends")
    void nodesOfAnotherGraphAreRejected(TensorMath m) {
        var g1 = new Graph();
        var g2 = new Graph();
        var a = g1.input("a", F64, 2);
        var b = g2.input("b", F64, 2);
        assertMessage(assertThrows(IllegalArgumentException.class, () -> a.add(b)), "'b' [2]", "another graph");
        var step = g1.compile(a.sum(), Backs.on(m));
        assertMessage(assertThrows(IllegalArgumentException.class, () -> step.feed(b, Tensor.zeros(F64, 2))), "another graph");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> g1.compile(b)), "another graph");
    }

    @ParameterizedTest @MethodSource("backends")
    void feedingCopiesContiguousOffsetAndStridedValues(TensorMath m) {
        for (var dt : new dev.quiver.tensor.DType[] {F64, F32}) {
            var g = new Graph();
            var x = g.input("x", dt, 2, 3);
            var w = g.constant(Tensor.of(new double[] {1, 10, 100, 1000, 1e4, 1e5}, 2, 3).to(dt));
            var step = g.compile(x.mul(w).sum(), CompileOptions.inferenceOnly().withMath(m));
            var big = Tensor.of(new double[] {9, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 14).to(dt);
            Tensor contiguous = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3).to(dt);
            Tensor offset = big.slice(dev.quiver.tensor.Index.range(2, 8, 1)).reshape(2, 3);   // contiguous, offset 2
            Tensor strided = Tensor.of(new double[] {1, 4, 2, 5, 3, 6}, 3, 2).to(dt).transpose();   // rows 1 2 3 / 4 5 6
            for (Tensor value : new Tensor[] {contiguous, offset, strided}) {
                double expected = 0;
                for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) expected += value.get(i, j) * Math.pow(10, i * 3 + j);
                assertEquals(expected, step.feed(x, value).forward().output().item(), 1e-6 * expected, dt + " " + value);
            }
        }
    }

    @ParameterizedTest @MethodSource("backends")
    void feedingErrors(TensorMath m) {
        var g = new Graph();
        var x = g.input("x", F64, 3);
        var y = g.input("y", F64, 3);
        var step = g.compile(x.dot(y), Backs.on(m));
        assertMessage(assertThrows(IllegalStateException.class, step::forward), "'x' [3]", "not fed");
        assertMessage(assertThrows(IllegalStateException.class, () -> step.forward(Map.of("x", Tensor.zeros(F64, 3)))), "'y' [3]", "not fed");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> step.feed(x, Tensor.zeros(F64, 4))), "'x' [3]", "[4]");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> step.feed(x, Tensor.zeros(F32, 3))), "'x' [3]", "F32");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> step.feed("nope", Tensor.zeros(F64, 3))), "nope", "[x, y]");
    }

    @ParameterizedTest @MethodSource("backends")
    void backwardMisuse(TensorMath m) {
        var g = new Graph();
        var x = g.input("x", F64, 3);
        var w = g.param("w", Tensor.vector(1, 2, 3));
        var step = g.compile(x.mul(w), Backs.withInputs(m));
        assertMessage(assertThrows(IllegalStateException.class, step::backward), "forward");
        step.feed(x, Tensor.vector(1, 1, 1)).forward();
        assertMessage(assertThrows(IllegalStateException.class, step::backward), "[3]", "not a scalar", "backward(outputGradient)");
        step.backward(Tensor.vector(1, 10, 100));
        assertEquals(1, step.grad(w).get(0));
        assertEquals(100, step.grad(w).get(2));
        assertEquals(300, step.grad(x).get(2));
        assertMessage(assertThrows(IllegalArgumentException.class, () -> step.backward(Tensor.zeros(F64, 2))), "[2]");
        var infer = g.compile(x.mul(w).sum(), CompileOptions.inferenceOnly().withMath(m));
        infer.feed(x, Tensor.vector(1, 1, 1)).forward();
        assertEquals(6, infer.output().item());
        assertMessage(assertThrows(IllegalStateException.class, infer::backward), "inference");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> infer.grad(w)), "not a gradient target");
    }

    @ParameterizedTest @MethodSource("backends")
    void inputGradientsAreOptIn(TensorMath m) {
        var g = new Graph();
        var x = g.input("x", F64, 2);
        var w = g.param("w", Tensor.vector(1, 2));
        var step = g.compile(x.dot(w), Backs.on(m));
        assertEquals(java.util.List.of(w.parameter()), step.parameters());
        assertMessage(assertThrows(IllegalArgumentException.class, () -> step.grad(x)), "'x' [2]", "not a gradient target",
                "withInputGradients(true)", "withWrt(x)");
        var both = g.compile(x.dot(w), Backs.on(m).withWrt(x));
        both.feed(x, Tensor.vector(3, 4)).forward().backward();
        assertEquals(2, both.grad(x).get(1));
        assertThrows(IllegalArgumentException.class, () -> both.grad(w));
    }

    @ParameterizedTest @MethodSource("backends")
    void nanCheckNamesTheFirstNode(TensorMath m) {
        var g = new Graph();
        var x = g.input("x", F64, 2);
        var l = g.named("logx", x.log());
        var step = g.compile(l.sqrt().sum(), Backs.on(m).withCheckFinite(true));
        step.feed(x, Tensor.vector(2, 3)).forward().backward();
        var e = assertThrows(ArithmeticException.class, () -> step.feed(x, Tensor.vector(-1, 3)).forward());
        assertMessage(e, "'logx' [2]", "log");
    }

    /** Issue 18: a NaN that was fed is the input's, not the first op's that reads it. */
    @ParameterizedTest @MethodSource("backends")
    void nanCheckNamesTheInputOrParameterThatCarriedIt(TensorMath m) {
        var g = new Graph();
        var x = g.input("x", F64, 2);
        var w = g.param("w", Tensor.vector(1, 2));
        var step = g.compile(x.mul(w).sum(), Backs.on(m).withCheckFinite(true));
        var e = assertThrows(ArithmeticException.class, () -> step.feed(x, Tensor.vector(1, Double.NaN)).forward());
        assertMessage(e, "forward:", "NaN at [1] of input 'x' [2]", "as fed", "read by mul node mul#");
        step.feed(x, Tensor.vector(1, 2));
        w.parameter().value().set(Double.POSITIVE_INFINITY, 0);
        e = assertThrows(ArithmeticException.class, step::forward);
        assertMessage(e, "forward:", "Infinity at [0] of parameter 'w' [2]");
    }

    /** Issue 18: an unnamed op is placed inside the user's named node, with its inputs; backward says so. */
    @ParameterizedTest @MethodSource("backends")
    void nanCheckNamesTheUsersNodeAndThePass(TensorMath m) {
        var g = new Graph();
        var x = g.input("x", F64, 2);
        var loss = g.named("loss", x.log().mul(x).sum());
        var step = g.compile(loss, Backs.on(m).withCheckFinite(true).withWrt(x));
        var e = assertThrows(ArithmeticException.class, () -> step.feed(x, Tensor.vector(-1, 3)).forward());
        assertMessage(e, "forward:", "NaN at [0]", "log node log#", "= log('x' [2])", "inside your node 'loss' []");

        var h = new Graph();
        var u = h.input("u", F64, 2);
        var r = h.named("root", u.sqrt());
        var back = h.compile(r.sum(), Backs.on(m).withCheckFinite(true).withWrt(u));
        back.feed(u, Tensor.vector(0, 4)).forward();
        e = assertThrows(ArithmeticException.class, back::backward);
        assertMessage(e, "backward:", "Infinity at [0]", "gradient through sqrt node 'root' [2] = sqrt('u' [2])");
        assertFalse(e.getMessage().startsWith("non-finite"), e.getMessage());
    }

    @ParameterizedTest @MethodSource("backends")
    void gradientsOverwriteOrAccumulate(TensorMath m) {
        var g = new Graph();
        var x = g.input("x", F64, 2);
        var w = g.param("w", Tensor.vector(1, 1));
        var step = g.compile(x.dot(w), Backs.on(m));
        step.feed(x, Tensor.vector(2, 3)).forward().backward();
        step.feed(x, Tensor.vector(5, 7)).forward().backward();
        assertEquals(5, step.grad(w).get(0));              // overwritten
        step.accumulateGradients(true);
        step.feed(x, Tensor.vector(1, 1)).forward().backward();
        assertEquals(6, step.grad(w).get(0));              // accumulated
        assertEquals(8, step.grad(w).get(1));
        step.zeroGradients();
        assertEquals(0, step.grad(w).get(1));
    }

    @ParameterizedTest @MethodSource("backends")
    void valuesOfNamedNodesStayReadableOthersAreRefused(TensorMath m) {
        var g = new Graph();
        var x = g.input("x", F64, 2);
        var hidden = x.exp();
        var h = g.named("h", hidden.tanh());
        var step = g.compile(h.sum(), Backs.on(m));
        step.feed(x, Tensor.vector(0, 1)).forward();
        assertEquals(Math.tanh(Math.E), step.value("h").get(1), 1e-15);
        assertMessage(assertThrows(IllegalArgumentException.class, () -> step.value(hidden)), "not kept");
        var kept = g.compile(h.sum(), Backs.on(m).withKeep(hidden));
        kept.feed(x, Tensor.vector(0, 1)).forward();
        assertEquals(Math.E, kept.value(hidden).get(1), 1e-15);
    }

    @ParameterizedTest @MethodSource("backends")
    void sharedParameterGetsSummedGradientsAndUnusedOnesZero(TensorMath m) {
        var g = new Graph();
        var w = g.param("w", Tensor.vector(3));
        var unused = g.param("u", Tensor.vector(1, 2));
        var step = g.compile(w.mul(w).sum().add(w.sum()), Backs.on(m).withWrt(w, unused));
        unused.parameter().grad().setFlat(0, 42);
        step.forward().backward();
        assertEquals(7, step.grad(w).item());               // 2w + 1
        assertEquals(0, step.grad(unused).get(0));
    }

    @ParameterizedTest @MethodSource("backends")
    void inputInPlaceAndSlices(TensorMath m) {
        var g = new Graph();
        var x = g.input("x", F64, 3, 2);
        var row = x.slice(Index.at(1));
        var step = g.compile(row.square().sum(), Backs.withInputs(m));
        Tensor buf = step.input("x");
        for (int i = 0; i < 6; i++) buf.setFlat(i, i);
        step.forward().backward();
        assertEquals(4 + 9, step.output().item());
        double[] expected = {0, 0, 4, 6, 0, 0};
        for (int i = 0; i < 6; i++) assertEquals(expected[i], step.grad(x).getFlat(i));
    }

    /** Issue 18: labels show the op's own short form, not Java record text. */
    @ParameterizedTest @MethodSource("backends")
    void dotExportWritesOpsInTheirShortForm(TensorMath m) {
        var g = new Graph();
        var T = g.input("T", F64, 4, 3);
        var B = g.param("B", Tensor.zeros(F64, 3, 5));
        var col = T.slice(dev.quiver.tensor.Index.all(), dev.quiver.tensor.Index.at(2));
        var strided = T.slice(dev.quiver.tensor.Index.range(1, -1), dev.quiver.tensor.Index.range(0, 3, 2));
        g.modeN(T, B, 1);
        g.mul(col, 0.5);
        String dot = g.toDot();
        assertTrue(dot.contains("\\nslice [:, 2]\\nF64 [4]"), dot);
        assertTrue(dot.contains("\\nslice [1:-1, :3:2]\\nF64 [2, 2]"), dot);
        assertTrue(dot.contains("\\nmodeN(1)\\nF64 [4, 5]"), dot);
        assertTrue(dot.contains("\\n* 0.5\\nF64 [4]"), dot);
        assertFalse(dot.contains("Range[") || dot.contains("At[") || dot.contains("mode="), dot);
        assertEquals("[:, 2, None, 3:0:-1, ::2]", java.util.Arrays.toString(new dev.quiver.tensor.Index[] {dev.quiver.tensor.Index.all(),
                dev.quiver.tensor.Index.at(2), dev.quiver.tensor.Index.newAxis(), dev.quiver.tensor.Index.range(3, 0, -1), dev.quiver.tensor.Index.range(0, Integer.MAX_VALUE, 2)}));
    }

    @ParameterizedTest @MethodSource("backends")
    void dotExportNamesOpsAndShapes(TensorMath m) {
        var g = new Graph();
        var x = g.input("x", F64, 3);
        var A = g.param("A", Tensor.zeros(F64, 3, 3));
        g.named("f", x.t().matmul(A).matmul(x));
        String dot = g.toDot();
        assertTrue(dot.startsWith("digraph"));
        assertTrue(dot.contains("label=\"f\\ndot\\nF64 []\""), dot);
        assertTrue(dot.contains("label=\"A\\nparam\\nF64 [3, 3]\""), dot);
        assertTrue(dot.contains("n0 [shape=box, style=filled, fillcolor=\"#cfe2f3\", penwidth=2, label=\"x\\ninput"), dot);
        assertTrue(dot.contains("n1 [shape=box3d, style=filled, fillcolor=\"#fff2cc\", penwidth=2, label=\"A\\nparam"), dot);
        assertTrue(dot.contains("matmul#2\\nmatmul\\nF64 [3]"), dot);
        assertTrue(dot.contains("n0 -> n2;") && dot.contains("n1 -> n2;") && dot.contains("n2 -> n3;") && dot.contains("n0 -> n3;"), dot);
    }
}
