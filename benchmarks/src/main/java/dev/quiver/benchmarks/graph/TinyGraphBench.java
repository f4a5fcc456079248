package dev.quiver.benchmarks.graph;

import dev.quiver.backend.Backends;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Step;
import dev.quiver.graph.CompileOptions;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.openjdk.jmh.annotations.*;

import java.util.concurrent.TimeUnit;

/**
 * Per-op overhead: forward and backward of the lecture's tiny exercises on scalars and 3-vectors,
 * compiled once. Targets (issue 6): under 200 ns per call and 0 B/op (-prof gc). PyTorch through
 * DJL takes ~80 µs and 5.2 KB for the first one (PyTorchTinyBench, -Ppytorch).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class TinyGraphBench {
    @Param({"scalar", "simd"})
    public String backend;

    private Step cube, sigmoid, hinge;
    private Node cubeX, sigmoidX, hingeW;

    @Setup
    public void setup() {
        TensorMath math = TensorMath.of(Backends.create(backend, 1));
        CompileOptions options = CompileOptions.training().withMath(math).withInputGradients(true);

        Graph g1 = new Graph();
        cubeX = g1.input("x", DType.F64);
        cube = g1.compile(cubeX.pow(3).sub(cubeX.log()), options);          // f(x) = x^3 - log x
        cube.feed("x", Tensor.scalar(DType.F64, 1.7));

        Graph g2 = new Graph();
        sigmoidX = g2.input("x", DType.F64);
        sigmoid = g2.compile(sigmoidX.neg().exp().add(1).pow(-1), options);  // 1 / (1 + exp(-x)), composed
        sigmoid.feed("x", Tensor.scalar(DType.F64, 0.3));

        Graph g3 = new Graph();
        hingeW = g3.param("w", Tensor.vector(0.2, -0.4, 0.1));
        Node x = g3.input("x", DType.F64, 3), y = g3.input("y", DType.F64);
        hinge = g3.compile(y.mul(hingeW.dot(x)).neg().add(1).relu(), options); // max(0, 1 - y w'x)
        hinge.feed("x", Tensor.vector(1, 2, 3)).feed("y", Tensor.scalar(DType.F64, 1));
    }

    @Benchmark
    public double cubeMinusLog() {
        return cube.forward().backward().grad(cubeX).item();
    }

    @Benchmark
    public double sigmoid() {
        return sigmoid.forward().backward().grad(sigmoidX).item();
    }

    @Benchmark
    public double hinge() {
        return hinge.forward().backward().grad(hingeW).getFlat(0);
    }
}
