package dev.quiver.benchmarks.dynamic;

import dev.quiver.backend.Backends;
import dev.quiver.examples.dynamic.RnnLm;
import dev.quiver.kernel.KernelsF32;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;
import org.openjdk.jmh.annotations.*;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The least work any engine must do per {@code rnnlm} training step, whatever its overheads: the
 * output layer's three products for one sentence of {@code words} words — logits H W
 * (words x 256 times 256 x vocabulary), the weight gradient Hᵀ G and the hidden-state gradient
 * G Wᵀ — and Adam's update of that layer's weight and bias (the layer's gradient is dense, so
 * every element of its weight and both moments is read and written each step, in PyTorch as
 * here). The LSTM, the embedding, the softmax and every per-op cost are left out, so ops/s is an
 * upper bound on the sentences per second of {@link RnnLmBench}, and 1/10 of it an upper bound on
 * the PyTorch figure against which a 10x ratio is possible. Run it in the same call as
 * {@code RnnLmBench} and {@code PyTorchRnnLmBench} (-Ppytorch); the vocabulary is the benchmark
 * sentences' (7,596 words), {@code words} defaults to their mean (23.6, so 24).
 *
 * <p>{@code quiver}: the products with this engine's float32 kernels (the backend in use) and its
 * one-pass Adam; {@code openblas}: the products with OpenBLAS on off-heap buffers (no copies),
 * Adam the same; {@code gemms} and {@code adam}: each half alone with this engine's kernels.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 4, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class LmFloorBench {
    @Param({"24"})
    public int words;

    private int vocab, hidden, t;
    private KernelsF32 kernels;
    private float[] h, w, logits, gradLogits, gradW, gradH, bias, gradBias, mW, vW, mB, vB;
    private FloatPointer hp, wp, logitsP, gradLogitsP, gradWP, gradHP;

    @Setup
    public void setup() {
        vocab = Workloads.sentences("LmFloorBench", 200).vocab().size();
        hidden = RnnLm.HIDDEN;
        t = words;
        kernels = Backends.create(Backends.current().name(), 1).f32();
        openblas.blas_set_num_threads(1);
        var rng = new Random(7);
        h = random(rng, t * hidden);
        w = random(rng, hidden * vocab);
        gradLogits = random(rng, t * vocab);
        logits = new float[t * vocab];
        gradW = new float[hidden * vocab];
        gradH = new float[t * hidden];
        bias = random(rng, vocab);
        gradBias = random(rng, vocab);
        mW = new float[hidden * vocab];
        vW = new float[hidden * vocab];
        mB = new float[vocab];
        vB = new float[vocab];
        hp = new FloatPointer(h);
        wp = new FloatPointer(w);
        logitsP = new FloatPointer(logits);
        gradLogitsP = new FloatPointer(gradLogits);
        gradWP = new FloatPointer(gradW);
        gradHP = new FloatPointer(gradH);
    }

    @TearDown
    public void tearDown() {
        for (var p : new FloatPointer[]{hp, wp, logitsP, gradLogitsP, gradWP, gradHP}) p.close();
    }

    @Benchmark
    public float quiver() {
        gemms();
        return adam();
    }

    @Benchmark
    public float openblas() {
        int T = openblas.CblasTrans, N = openblas.CblasNoTrans, row = openblas.CblasRowMajor;
        openblas.cblas_sgemm(row, N, N, t, vocab, hidden, 1f, hp, hidden, wp, vocab, 0f, logitsP, vocab);
        openblas.cblas_sgemm(row, T, N, hidden, vocab, t, 1f, hp, hidden, gradLogitsP, vocab, 0f, gradWP, vocab);
        openblas.cblas_sgemm(row, N, T, t, hidden, vocab, 1f, gradLogitsP, vocab, wp, vocab, 0f, gradHP, hidden);
        return adam();
    }

    /** Logits, weight gradient and hidden-state gradient, in the layouts the rnnlm step uses. */
    @Benchmark
    public float gemms() {
        kernels.gemm(1, t, vocab, hidden, 1f, h, 0, 0, hidden, 1, w, 0, 0, vocab, 1, 0f, logits, 0, 0, vocab, 1);
        kernels.gemm(1, hidden, vocab, t, 1f, h, 0, 0, 1, hidden, gradLogits, 0, 0, vocab, 1, 0f, gradW, 0, 0, vocab, 1);
        kernels.gemm(1, t, hidden, vocab, 1f, gradLogits, 0, 0, vocab, 1, w, 0, 0, 1, vocab, 0f, gradH, 0, 0, hidden, 1);
        return logits[1] + gradW[1] + gradH[1];
    }

    /** Adam over the layer's weight and bias (lr 0.001, as the example); the weight is not moved far. */
    @Benchmark
    public float adam() {
        kernels.adam(hidden * vocab, 1e-3f, 0.9f, 0.999f, 1e-8f, 1f, w, 0, gradW, 0, mW, 0, vW, 0);
        kernels.adam(vocab, 1e-3f, 0.9f, 0.999f, 1e-8f, 1f, bias, 0, gradBias, 0, mB, 0, vB, 0);
        return w[1];
    }

    private static float[] random(Random rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = rng.nextFloat() * 0.2f - 0.1f;
        return a;
    }
}
