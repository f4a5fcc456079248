package dev.quiver.benchmarks.gemm;

import dev.quiver.backend.Backends;
import dev.quiver.backend.Workers;
import dev.quiver.kernel.KernelsF32;
import dev.quiver.kernel.KernelsF64;
import dev.quiver.simd.gemm.GemmF32;
import dev.quiver.simd.gemm.GemmF64;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.CommonOps_FDRM;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * C = A B, row-major, SGEMM (f32) and DGEMM (f64), ours against the scalar backend, OpenBLAS and
 * EJML in one run.
 * Shapes are "n" (n x n times n x n) or "MxKxN" (M x K times K x N). The {@code threads}
 * parameter sets our worker count and OpenBLAS's; EJML is single-threaded (run it with
 * {@code -p threads=1}). Read the {@code flop} row: flop/ns = GFLOP/s.
 *
 * <pre>
 * ./quiver bench 'gemm.GemmBench' -f 1 -wi 3 -i 5 -p dtype=f32 -p threads=1
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Benchmark)
public class GemmBench {
    /**
     * The last three are the 784-256-10 training step's other GEMMs at batch 64: dW1 = X^T dH
     * ("784x64x256t": a trailing t stores A column-major, read as a transposed view with aRow = 1),
     * dH = dY W2^T ("64x10x256") and dW2 = H^T dY ("256x64x10t"); "24x256x7596" is the rnnlm
     * example's output layer for a 24-word sentence (a few rows against a wide B). The rnnlm step's
     * other two output-layer products at 21 words: the hidden-state gradient G Wᵀ ("21x7596x256tb":
     * a trailing tb stores B column-major, read as a transposed view with bRow = 1) and the weight
     * gradient Hᵀ G ("256x21x7596t"). The TreeLSTM's at a minibatch of 32 trees (hidden 128, 5
     * classes; shapes logged from TreeLstmBench, autobatched): the input gradient dG Wᵀ of a level
     * of m internal nodes, [m, 640] x [256, 640]ᵀ, at m = 2, 8, 32 and 154 ("mx640x256tb"), and the
     * output layer over ~1,280 nodes: logits H Wout ("1280x128x5"), G Woutᵀ ("1280x5x128tb") and
     * Hᵀ G ("128x1280x5t").
     */
    @Param({"16", "64", "256", "1024", "2048", "64x784x256", "256x64x784", "64x256x10", "784x64x256t", "24x256x7596",
            "64x10x256", "256x64x10t", "21x7596x256tb", "256x21x7596t",
            "2x640x256tb", "8x640x256tb", "32x640x256tb", "154x640x256tb", "1280x128x5", "1280x5x128tb", "128x1280x5t"})
    public String shape;
    @Param({"f32", "f64"})
    public String dtype;
    @Param({"1", "2"})
    public int threads;

    int m, k, n;
    long flopsPerCall;
    boolean f32;
    boolean transA, transB;
    int aRow, aCol, lda, bRow, bCol, ldb;
    Workers workers;
    GemmF32 gemmF32;
    GemmF64 gemmF64;
    KernelsF32 scalarF32;
    KernelsF64 scalarF64;
    float[] af, bf, cf;
    double[] ad, bd, cd;
    FloatPointer afp, bfp, cfp;
    DoublePointer adp, bdp, cdp;
    FMatrixRMaj aEf, bEf, cEf;
    DMatrixRMaj aEd, bEd, cEd;

    @Setup(Level.Trial)
    public void setUp() {
        int[] mkn = parse(shape);
        m = mkn[0];
        k = mkn[1];
        n = mkn[2];
        flopsPerCall = 2L * m * n * k;
        f32 = dtype.equals("f32");
        transB = shape.endsWith("tb");
        transA = shape.endsWith("t") && !transB;
        aRow = transA ? 1 : k;
        aCol = transA ? m : 1;
        lda = transA ? m : k;
        bRow = transB ? 1 : n;
        bCol = transB ? k : 1;
        ldb = transB ? k : n;
        workers = new Workers(threads);
        var scalar = Backends.create("scalar", threads);
        scalarF32 = scalar.f32();
        scalarF64 = scalar.f64();
        openblas.blas_set_num_threads(threads);
        var rng = new Random(42);
        if (f32) {
            gemmF32 = new GemmF32(workers);
            af = randomFloats(rng, m * k);
            bf = randomFloats(rng, k * n);
            cf = new float[m * n];
            afp = new FloatPointer(af);
            bfp = new FloatPointer(bf);
            cfp = new FloatPointer(cf);
            aEf = transA ? new FMatrixRMaj(k, m, true, af) : new FMatrixRMaj(m, k, true, af);
            bEf = transB ? new FMatrixRMaj(n, k, true, bf) : new FMatrixRMaj(k, n, true, bf);
            cEf = new FMatrixRMaj(m, n);
        } else {
            gemmF64 = new GemmF64(workers);
            ad = randomDoubles(rng, m * k);
            bd = randomDoubles(rng, k * n);
            cd = new double[m * n];
            adp = new DoublePointer(ad);
            bdp = new DoublePointer(bd);
            cdp = new DoublePointer(cd);
            aEd = transA ? new DMatrixRMaj(k, m, true, ad) : new DMatrixRMaj(m, k, true, ad);
            bEd = transB ? new DMatrixRMaj(n, k, true, bd) : new DMatrixRMaj(k, n, true, bd);
            cEd = new DMatrixRMaj(m, n);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (var p : new org.bytedeco.javacpp.Pointer[]{afp, bfp, cfp, adp, bdp, cdp}) {
            if (p != null) p.close();
        }
    }

    @Benchmark
    public void quiver(Flops flops) {
        if (f32) {
            gemmF32.gemm(1, m, n, k, 1f, af, 0, 0, aRow, aCol, bf, 0, 0, bRow, bCol, 0f, cf, 0, 0, n, 1);
        } else {
            gemmF64.gemm(1, m, n, k, 1.0, ad, 0, 0, aRow, aCol, bd, 0, 0, bRow, bCol, 0.0, cd, 0, 0, n, 1);
        }
        flops.flop += flopsPerCall;
    }

    /** The scalar reference backend's gemm on the same arrays (simd/scalar in the summary). */
    @Benchmark
    public void scalar(Flops flops) {
        if (f32) {
            scalarF32.gemm(1, m, n, k, 1f, af, 0, 0, aRow, aCol, bf, 0, 0, bRow, bCol, 0f, cf, 0, 0, n, 1);
        } else {
            scalarF64.gemm(1, m, n, k, 1.0, ad, 0, 0, aRow, aCol, bd, 0, 0, bRow, bCol, 0.0, cd, 0, 0, n, 1);
        }
        flops.flop += flopsPerCall;
    }

    /** OpenBLAS on off-heap buffers: its best case, no copies. */
    @Benchmark
    public void openblasNative(Flops flops) {
        if (f32) {
            openblas.cblas_sgemm(openblas.CblasRowMajor, transA ? openblas.CblasTrans : openblas.CblasNoTrans, transB ? openblas.CblasTrans : openblas.CblasNoTrans,
                    m, n, k, 1f, afp, lda, bfp, ldb, 0f, cfp, n);
        } else {
            openblas.cblas_dgemm(openblas.CblasRowMajor, transA ? openblas.CblasTrans : openblas.CblasNoTrans, transB ? openblas.CblasTrans : openblas.CblasNoTrans,
                    m, n, k, 1.0, adp, lda, bdp, ldb, 0.0, cdp, n);
        }
        flops.flop += flopsPerCall;
    }

    /** OpenBLAS on Java arrays, as a Java user calls it (JavaCPP copies the arrays across JNI). */
    @Benchmark
    public void openblasArrays(Flops flops) {
        if (f32) {
            openblas.cblas_sgemm(openblas.CblasRowMajor, transA ? openblas.CblasTrans : openblas.CblasNoTrans, transB ? openblas.CblasTrans : openblas.CblasNoTrans,
                    m, n, k, 1f, af, lda, bf, ldb, 0f, cf, n);
        } else {
            openblas.cblas_dgemm(openblas.CblasRowMajor, transA ? openblas.CblasTrans : openblas.CblasNoTrans, transB ? openblas.CblasTrans : openblas.CblasNoTrans,
                    m, n, k, 1.0, ad, lda, bd, ldb, 0.0, cd, n);
        }
        flops.flop += flopsPerCall;
    }

    /** EJML's row-major multiply (single-threaded whatever {@code threads} says). */
    @Benchmark
    public void ejml(Flops flops) {
        if (f32) {
            if (transA) CommonOps_FDRM.multTransA(aEf, bEf, cEf);
            else if (transB) CommonOps_FDRM.multTransB(aEf, bEf, cEf);
            else CommonOps_FDRM.mult(aEf, bEf, cEf);
        } else {
            if (transA) CommonOps_DDRM.multTransA(aEd, bEd, cEd);
            else if (transB) CommonOps_DDRM.multTransB(aEd, bEd, cEd);
            else CommonOps_DDRM.mult(aEd, bEd, cEd);
        }
        flops.flop += flopsPerCall;
    }

    /** "n" gives {n, n, n}; "MxKxN" gives {M, K, N} (a trailing "t" or "tb", a layout, is ignored here). */
    static int[] parse(String shape) {
        String[] parts = shape.replaceAll("tb?$", "").split("x");
        if (parts.length == 1) {
            int s = Integer.parseInt(parts[0]);
            return new int[]{s, s, s};
        }
        return new int[]{Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2])};
    }

    static float[] randomFloats(Random rng, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = rng.nextFloat() * 2 - 1;
        return x;
    }

    static double[] randomDoubles(Random rng, int size) {
        double[] x = new double[size];
        for (int i = 0; i < size; i++) x[i] = rng.nextDouble() * 2 - 1;
        return x;
    }
}
