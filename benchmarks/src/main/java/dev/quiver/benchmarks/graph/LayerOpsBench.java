package dev.quiver.benchmarks.graph;

import dev.quiver.backend.Backends;
import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.graph.Step;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.openjdk.jmh.annotations.*;

import java.util.concurrent.TimeUnit;

/**
 * Layer and batch normalisation and multi-head attention, forward and backward in a planned float32 graph
 * (issue 16), one kernel thread; the peer is {@code PyTorchLayerOpsBench} (same shapes, same loss),
 * run in the same JMH invocation: {@code 'LayerOpsBench'} matches both.
 * <ul>
 *   <li>{@code layerNorm}: y = layerNorm(x) gamma + beta over [32*128, 512], loss sum(y); gradients
 *       for x, gamma and beta.</li>
 *   <li>{@code batchNorm}: training-mode batch normalisation of x [32, 64, 16, 16] (NCHW, statistics
 *       per channel over 32*16*16 values, running statistics updated), loss sum(y r) with a fixed r so
 *       the upstream gradient is a full tensor; gradients for x, gamma and beta. No peer yet.</li>
 *   <li>{@code attention}: softmax(q kᵀ / 8) v for q, k, v [batch, 4, 128, 64], loss sum(out);
 *       gradients for q, k and v. {@code batch} 1 and 8.</li>
 * </ul>
 * Target (issue 16): at least PyTorch's throughput, at 0 B/op with {@code -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 4, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class LayerOpsBench {
    @Param({"simd"})
    public String backend;

    @Param({"1", "8"})
    public int batch;

    private Step layerNorm, batchNorm, attention;

    @Setup
    public void setup() {
        TensorMath math = TensorMath.of(Backends.create(backend, 1));
        CompileOptions options = CompileOptions.training().withMath(math);

        Graph g = new Graph();
        Node x = g.param(new Parameter("x", Tensor.randn(DType.F32, Seed.of(1), 32 * 128, 512)));
        Node gamma = g.param(new Parameter("gamma", Tensor.ones(DType.F32, 512)));
        Node beta = g.param(new Parameter("beta", Tensor.zeros(DType.F32, 512)));
        layerNorm = g.compile(g.layerNorm(x, gamma, beta, 1e-5).sum(), options);

        Graph b = new Graph();
        int channels = 64;
        Node bx = b.param(new Parameter("x", Tensor.randn(DType.F32, Seed.of(5), 32, channels, 16, 16)));
        Node bGamma = b.param(new Parameter("gamma", Tensor.ones(DType.F32, channels)));
        Node bBeta = b.param(new Parameter("beta", Tensor.zeros(DType.F32, channels)));
        Node r = b.constant(Tensor.randn(DType.F32, Seed.of(6), 32, channels, 16, 16));
        var stats = new dev.quiver.ops.RunningStats(DType.F32, channels, 0.1);
        batchNorm = b.compile(b.batchNorm(bx, bGamma, bBeta, stats, 1e-5).mul(r).sum(), options);

        Graph a = new Graph();
        int heads = 4, seq = 128, d = 64;
        Node q = a.param(new Parameter("q", Tensor.randn(DType.F32, Seed.of(2), batch, heads, seq, d)));
        Node k = a.param(new Parameter("k", Tensor.randn(DType.F32, Seed.of(3), batch, heads, seq, d)));
        Node v = a.param(new Parameter("v", Tensor.randn(DType.F32, Seed.of(4), batch, heads, seq, d)));
        attention = a.compile(a.attention(q, k, v, null, false).sum(), options);
    }

    /** [4096, 512]: the batch parameter does not apply (run at batch=1 only when comparing). */
    @Benchmark
    public double layerNorm() {
        layerNorm.forward().backward();
        return layerNorm.output().item();
    }

    /** [32, 64, 16, 16]: the batch parameter does not apply (run at batch=1 only when comparing). */
    @Benchmark
    public double batchNorm() {
        batchNorm.forward().backward();
        return batchNorm.output().item();
    }

    @Benchmark
    public double attention() {
        attention.forward().backward();
        return attention.output().item();
    }
}
