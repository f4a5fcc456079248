package dev.quiver.graph;

import dev.quiver.optim.Init;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Index;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static dev.quiver.tensor.DType.F32;
import static dev.quiver.tensor.DType.F64;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The float32 paths (generated BoundF32, UpdatesF32) agree with float64 to float32 precision. */
class Float32Test {
    record Result(double loss, Tensor[] grads) {}

    static Result run(TensorMath m, DType dt) {
        var g = new Graph();
        var x = g.input("x", dt, 6, 4);
        var t = g.input("t", dt, 6, 3);
        var W = g.param("W", Init.xavierUniform(F64, Seed.of(1), 4, 5).to(dt));
        var b = g.param("b", Tensor.uniform(F64, Seed.of(2), new int[] {5}, -1, 1).to(dt));
        var V = g.param("V", Init.xavierUniform(F64, Seed.of(3), 5, 3).to(dt));
        var h = x.matmul(W).add(b).tanh();
        var y = h.matmul(V).relu().add(h.slice(Index.all(), Index.range(0, 3)).sigmoid());
        var loss = Losses.softmaxCrossEntropy(y, t.softmax(-1)).add(Losses.mse(y, t)).add(W.abs().sum().mul(0.01));
        var step = g.compile(loss, Backs.on(m));
        step.feed(x, Tensor.uniform(F64, Seed.of(4), new int[] {6, 4}, -1, 1).to(dt)).feed(t, Tensor.uniform(F64, Seed.of(5), new int[] {6, 3}, 0, 1).to(dt));
        step.forward().backward();
        return new Result(step.output().item(), new Tensor[] {step.grad(W).copy(), step.grad(b).copy(), step.grad(V).copy()});
    }

    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void float32MatchesFloat64(TensorMath m) {
        Result a = run(m, F64), b = run(m, F32);
        assertEquals(a.loss(), b.loss(), 1e-5 * Math.abs(a.loss()));
        for (int p = 0; p < a.grads().length; p++) {
            for (int i = 0; i < a.grads()[p].size(); i++) {
                assertEquals(a.grads()[p].getFlat(i), b.grads()[p].getFlat(i), 1e-5, "grad " + p + "[" + i + "]");
            }
        }
    }
}
