package dev.quiver.benchmarks.graph;

import dev.quiver.backend.Backends;
import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Step;
import dev.quiver.ops.ConvSpec;
import dev.quiver.optim.Init;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.openjdk.jmh.annotations.*;

import java.util.concurrent.TimeUnit;

/**
 * conv2d forward and backward (gradients of the input, the kernels and the bias) in a planned
 * float32 graph, one kernel thread: {@code loss = sum(conv2d(x, w, b) * r)}, forward then backward,
 * the same work as {@code PyTorchConvBench}. Layers ({@link #layer}): LeNet's two convolutions
 * ({@code lenet1}: 1 -> 6 channels, 5x5, padding 2, on 28x28; {@code lenet2}: 6 -> 16, 5x5, on
 * 14x14) and a ResNet basic block's ({@code resnet}: 64 -> 64, 3x3, padding 1, on 32x32, CIFAR's
 * stage 1). Targets (issue 16): >= 0.7x PyTorch's throughput at batch 32, >= 1.0x at batch 1,
 * 0 B/op with -prof gc.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 4, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class ConvBench {
    /** in-out-kernel-padding-size. */
    @Param({"lenet1", "lenet2", "resnet"})
    public String layer;

    @Param({"32", "1"})
    public int batch;

    @Param({"simd"})
    public String backend;

    /** in, out, kernel, padding, size per layer name (shared with the PyTorch peer). */
    public static int[] geometry(String layer) {
        return switch (layer) {
            case "lenet1" -> new int[] {1, 6, 5, 2, 28};
            case "lenet2" -> new int[] {6, 16, 5, 0, 14};
            case "resnet" -> new int[] {64, 64, 3, 1, 32};
            default -> throw new IllegalArgumentException("unknown layer " + layer);
        };
    }

    private Step step;

    @Setup
    public void setup() {
        int[] d = geometry(layer);
        int in = d[0], out = d[1], k = d[2], pad = d[3], size = d[4];
        TensorMath math = TensorMath.of(Backends.create(backend, 1));
        Graph g = new Graph();
        Node x = g.input("x", DType.F32, batch, in, size, size);
        Node w = g.param("w", Init.xavierUniform(DType.F32, Seed.of(1), out, in, k, k));
        Node b = g.param("b", Tensor.zeros(DType.F32, out));
        Node y = g.conv2d(x, w, b, ConvSpec.DEFAULT.padding(pad));
        Node r = g.constant(Tensor.randn(DType.F32, Seed.of(2), y.shape()));
        step = g.compile(y.mul(r).sum(), CompileOptions.training().withWrt(x, w, b).withMath(math));
        step.feed("x", Tensor.randn(DType.F32, Seed.of(3), batch, in, size, size));
    }

    /** One forward and backward pass. */
    @Benchmark
    public double forwardBackward() {
        step.forward().backward();
        return step.output().item();
    }
}
