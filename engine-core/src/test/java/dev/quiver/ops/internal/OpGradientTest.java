package dev.quiver.ops.internal;

import dev.quiver.graph.Backs;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Losses;
import dev.quiver.graph.Node;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Index;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import static dev.quiver.tensor.DType.F64;

/** Every op's VJP against central finite differences in float64, on every backend. */
class OpGradientTest {
    record Case(String name, Function<Node[], Node> build, Tensor[] inputs) {
        @Override public String toString() { return name; }
    }

    private static long seed = 1;

    private static Tensor r(int... shape) { return Tensor.randn(F64, Seed.of(seed++), shape); }

    private static Tensor pos(int... shape) { return Tensor.uniform(F64, Seed.of(seed++), shape, 0.5, 2); }

    private static Case c(String name, Function<Node[], Node> build, Tensor... inputs) {
        return new Case(name, build, inputs);
    }

    private static Graph g(Node[] n) { return n[0].graph(); }

    static List<Case> cases() {
        List<Case> cs = new ArrayList<>();
        cs.add(c("add", n -> n[0].add(n[1]), r(2, 3), r(2, 3)));
        cs.add(c("add broadcast", n -> n[0].add(n[1]), r(2, 3), r(3)));
        cs.add(c("sub broadcast", n -> n[0].sub(n[1]), r(2, 1, 3), r(4, 1)));
        cs.add(c("mul broadcast", n -> n[0].mul(n[1]), r(2, 3), r(2, 1)));
        cs.add(c("mul self", n -> n[0].mul(n[0]), r(5)));
        cs.add(c("div broadcast", n -> n[0].div(n[1]), r(2, 3), pos(3)));
        cs.add(c("neg", n -> n[0].neg(), r(4)));
        cs.add(c("exp", n -> n[0].exp(), r(4)));
        cs.add(c("log", n -> n[0].log(), pos(4)));
        cs.add(c("tanh", n -> n[0].tanh(), r(2, 3)));
        cs.add(c("sigmoid", n -> n[0].sigmoid(), r(2, 3)));
        cs.add(c("relu", n -> n[0].relu(), r(6)));
        cs.add(c("pow 3", n -> n[0].pow(3), r(4)));
        cs.add(c("pow -1.5", n -> n[0].pow(-1.5), pos(4)));
        cs.add(c("square", n -> n[0].square(), r(4)));
        cs.add(c("pow -1 (reciprocal)", n -> n[0].pow(-1), pos(4)));
        cs.add(c("pow 0.5 (sqrt)", n -> n[0].pow(0.5), pos(4)));
        cs.add(c("sqrt", n -> n[0].sqrt(), pos(4)));
        cs.add(c("abs", n -> n[0].abs(), r(6)));
        cs.add(c("hinge", n -> n[0].hinge(), Tensor.vector(-0.5, 0.3, 1.7, 2.5, 0.9)));
        cs.add(c("scalar ops", n -> n[0].add(2.0).mul(3.0).sub(1.0).div(4.0), r(3)));
        cs.add(c("max", n -> n[0].max(n[1]), r(2, 3), r(2, 3)));
        cs.add(c("min broadcast", n -> n[0].min(n[1]), r(2, 3), r(3)));
        cs.add(c("matmul mm", n -> n[0].matmul(n[1]), r(2, 3), r(3, 4)));
        cs.add(c("matmul vm (x^T A)", n -> n[0].t().matmul(n[1]), r(3), r(3, 4)));
        cs.add(c("matmul mv", n -> n[0].matmul(n[1]), r(2, 3), r(3)));
        cs.add(c("matmul vv", n -> n[0].matmul(n[1]), r(3), r(3)));
        cs.add(c("matmul A^T B", n -> n[0].t().matmul(n[1]), r(3, 2), r(3, 4)));
        cs.add(c("matmul batched", n -> n[0].matmul(n[1]), r(2, 2, 3), r(2, 3, 2)));
        cs.add(c("matmul batched x shared", n -> n[0].matmul(n[1]), r(2, 2, 3), r(3, 2)));
        cs.add(c("matmul shared x batched", n -> n[0].matmul(n[1]), r(2, 3), r(3, 3, 2)));
        cs.add(c("transpose", n -> n[0].t().mul(n[1]), r(2, 3), r(3, 2)));
        cs.add(c("permute", n -> n[0].permute(2, 0, 1).exp(), r(2, 3, 4)));
        cs.add(c("reshape view", n -> n[0].reshape(3, 2).mul(n[1]), r(2, 3), r(3, 2)));
        cs.add(c("reshape copy", n -> n[0].t().reshape(6).mul(n[1]), r(2, 3), r(6)));
        cs.add(c("slice", n -> n[0].slice(Index.range(1, 3), Index.at(1)).exp(), r(4, 3)));
        cs.add(c("slice strided", n -> n[0].slice(Index.all(), Index.range(0, 4, 2)), r(2, 4)));
        cs.add(c("concat", n -> g(n).concat(1, n[0], n[1], n[0]), r(2, 1), r(2, 3)));
        cs.add(c("stack", n -> g(n).stack(0, n[0], n[1]).tanh(), r(3), r(3)));
        cs.add(c("addN", n -> g(n).addN(n[0], n[1], n[0].exp()), r(2, 2), r(2, 2)));
        cs.add(c("sum all", n -> n[0].sum(), r(2, 3)));
        cs.add(c("sum axis", n -> n[0].sum(false, 1), r(2, 3, 2)));
        cs.add(c("sum axes keep", n -> n[0].sum(true, 0, 2), r(2, 3, 2)));
        cs.add(c("mean", n -> n[0].mean(), r(2, 3)));
        cs.add(c("mean axis", n -> n[0].mean(false, 0), r(4, 3)));
        cs.add(c("norm", n -> n[0].norm(), r(5)));
        cs.add(c("dot", n -> n[0].dot(n[1]), r(4), r(4)));
        cs.add(c("expand", n -> g(n).expand(n[0], 3, 2).mul(n[1]), r(2), r(3, 2)));
        cs.add(c("mode-0", n -> n[0].modeN(n[1], 0), r(3, 2, 2), r(3, 4)));
        cs.add(c("mode-1", n -> n[0].modeN(n[1], 1), r(2, 3, 2), r(3, 4)));
        cs.add(c("mode-2", n -> n[0].modeN(n[1], 2), r(2, 2, 3), r(3, 4)));
        cs.add(c("mode-1 lecture form", n -> g(n).modeNLast(n[0], n[1], 1), r(2, 3, 2), r(3, 4)));
        cs.add(c("softmax", n -> n[0].softmax(-1), r(2, 4)));
        cs.add(c("softmax axis 0", n -> n[0].softmax(0), r(3, 2)));
        cs.add(c("log-softmax", n -> n[0].logSoftmax(1), r(2, 4)));
        cs.add(c("softmax cross-entropy", n -> Losses.softmaxCrossEntropy(n[0], n[1].softmax(-1)), r(3, 4), r(3, 4)));
        cs.add(c("softmax cross-entropy large logits", n -> Losses.softmaxCrossEntropy(n[0].mul(100.0), n[1].softmax(-1)), r(2, 3), r(2, 3)));
        cs.add(c("mse", n -> Losses.mse(n[0], n[1]), r(3, 2), r(3, 2)));
        cs.add(c("svm objective", n -> Losses.svm(n[0], n[1], n[2].tanh(), 0.7), r(3), r(5, 3), r(5)));
        return cs;
    }

    static Stream<Arguments> backendsAndCases() {
        return Backs.all().flatMap(m -> cases().stream().map(c -> Arguments.of(m.backend().name(), m, c)));
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void detachIsAConstantForDifferentiation(TensorMath math) {
        var g = new Graph();
        var x = g.param("x", Tensor.vector(0.5, -2, 3));
        var step = g.compile(g.detach(x).mul(x).sum(), dev.quiver.graph.CompileOptions.training().withMath(math));
        step.forward().backward();
        for (int i = 0; i < 3; i++) {
            org.junit.jupiter.api.Assertions.assertEquals(x.parameter().value().get(i), step.grad(x).get(i)); // d/dx sum(c * x) = c
        }
    }

    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("backendsAndCases")
    void vjpMatchesCentralDifferences(String backend, TensorMath math, Case c) {
        FiniteDifferences.check(math, c.name(), c.build(), c.inputs());
    }
}
