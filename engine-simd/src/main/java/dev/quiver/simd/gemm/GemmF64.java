package dev.quiver.simd.gemm;

import dev.quiver.backend.Workers;
import dev.quiver.kernel.internal.CanonicalGemmF64;
import dev.quiver.simd.SimdShape;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float64 GEMM for the SIMD backend, same contract as {@link dev.quiver.kernel.KernelsF64#gemm}:
 * {@code C[p] = alpha * A[p] B[p] + beta * C[p]} over a batch, every operand addressed by general
 * (BLIS-style) strides. C is modified; A and B are not and must not overlap C. When
 * {@code beta == 0} C is never read.
 *
 * <p>Built like BLIS/GotoBLAS: A is packed into MR-row panels and B into NR-column panels
 * (packing absorbs any strides, so transposed and strided views cost nothing extra, and edges are
 * zero-padded so the micro-kernel never branches), the K sum is blocked by KC, the rows by MC and
 * the columns by NC, and a register-blocked micro-kernel of MR x 2 vector accumulators does the
 * FMAs. An operand with batch stride 0 is packed once per block and reused across the batch (the
 * middle-mode case of a mode-n product). Large problems are split over the {@link Workers} by
 * output region only (never the K sum); every element is computed by the same sequence of
 * operations whatever the partition, so results are bitwise identical for any thread count.
 *
 * <p>Below the packing threshold: plain scalar loops for tiny products, an unpacked small path,
 * and for a narrow C (at most 16 columns, not a whole number of vectors) with a long k a
 * dot-product path that vectorises along k; a
 * column-major A with a narrow C runs the small path on the transposed problem (Cᵀ = Bᵀ Aᵀ),
 * vectors along m. Parallel calls hand the workers a per-thread job object, not a lambda, so a
 * call allocates nothing.
 *
 * <p>Every path uses the backend's one vector shape ({@link SimdShape}: the preferred one unless
 * {@code -Dquiver.simd.bits=128|256|512} forces another, for tests of every width), read once
 * into a static final.
 */
public final class GemmF64 {
    static final VectorSpecies<Double> SPECIES = VectorSpecies.of(double.class, SimdShape.SHAPE);
    private static final int L = SPECIES.length();
    /** Columns of a micro-tile: two vectors. */
    static final int NR = 2 * L;
    /**
     * Rows of a micro-tile. 2*MR accumulators + 2 B vectors + 1 broadcast must fit the register
     * file: 32 vector registers with AVX-512 (also for its 128/256-bit forms), 16 otherwise.
     * {@code -Dquiver.gemm.mr=6} forces the 16-register kernel (to test it on AVX-512 machines).
     */
    static final int MR = Integer.getInteger("quiver.gemm.mr",
            DoubleVector.SPECIES_PREFERRED.vectorBitSize() >= 512 ? 12 : 6) == 6 ? 6 : 12;
    /**
     * K block: a KC x NR panel of B stays in L1 while a whole MC x KC block of A streams by. Fixed
     * by the canonical order (C is rounded once per K block), so not a tuning knob.
     */
    static final int KC = CanonicalGemmF64.KC;
    /** Row block: MC x KC of packed A stays in L2. A multiple of MR. */
    static final int MC = roundUp(Integer.getInteger("quiver.gemm.mc", 8 * 12), MR);
    /** Column block: KC x NC of packed B stays in L3. A multiple of NR. */
    static final int NC = roundUp(Integer.getInteger("quiver.gemm.nc", 2048), NR);
    /**
     * Problems of at most this many multiply-adds per batch entry (with unit-stride rows of B and C
     * and k <= KC) skip packing: at that size copying the operands costs more than it saves.
     */
    static final long SMALL_MACS = Long.getLong("quiver.gemm.smallMacs", 64 * 64 * 64);
    /**
     * A with at most this many rows takes the small path whatever n (on one thread): a few rows
     * against a wide B (the [sentence, hidden] x [hidden, vocabulary] output layer of a language
     * model) reuse each B column block from L1 for all row tiles, where the packed path first
     * copies all of B.
     */
    static final int THIN_M = Integer.getInteger("quiver.gemm.thinM", 48);
    /**
     * A K sum at most this long takes the small path whatever m and n (on one thread): with so few
     * terms per element the packed path's cost is packing and its trip of every tile through a
     * buffer, where the small path stores C from the registers (a language model's output weight
     * gradient Hᵀ G, [hidden, words] x [words, vocabulary]; GemmBench "256x21x7596t"). Rough timings
     * put the two paths level near k = 64 and the packed one ahead by k = 100.
     */
    static final int SHORT_K = Integer.getInteger("quiver.gemm.shortK", 48);
    /**
     * Problems of at most this many multiply-adds per batch entry run as plain scalar loops. Vector
     * code is only fast once C2 has compiled it (interpreted or C1-compiled, every vector op
     * allocates); tiny products gain little from vectors, and scalar loops are fine in every tier.
     */
    static final long TINY_MACS = Long.getLong("quiver.gemm.tinyMacs", 1024);
    /** Rows of the small path's two-vector tile: 2*SMALL_MR accumulators fit even 16 registers. */
    private static final int SMALL_MR = 6;
    /**
     * Whether the small path runs four-vector tiles over blocks of NW columns: 24 accumulators need
     * the 32 vector registers of AVX-512 (as the 12-row micro-kernel, see MR).
     */
    private static final boolean WIDE_TILES = MR == 12;
    /** Rows of the small path's one-vector tile. */
    private static final int SMALL_MR1 = 8;
    /** The small path packs A in chunks of a multiple of this many rows (both tile heights divide it). */
    private static final int SMALL_CHUNK = 24;
    /** The small path copies A into tile panels for a C at least this wide and a K sum of at most SHORT_K. */
    private static final int SMALL_PACK_N = 4 * NR;
    /** A C this narrow that does not fill whole vectors is computed transposed when A is column-major. */
    private static final int NARROW_N = 16;
    /** Rows of one block of the column-major matrix-vector path: its accumulators stay in L1. */
    private static final int GEMV_ROWS = 2048;
    /** Rows and columns of the dot path's tile: 4 x 4 accumulators, 4 A and 4 B vectors. */
    private static final int DOT_TILE = 4;
    /**
     * The dot path (the canonical split-K order, for a narrow C: a 10-class output layer, a
     * matrix-vector product) vectorises along k, one lane per partial sum: P partial sums of one
     * dot product fill 256 bits. With 256-bit vectors a vector holds one dot product's partials;
     * with 512-bit ones (the process's only shape on AVX-512, see {@link SimdShape}) it holds two
     * dot products' (two columns of C in the tile kernel, two rows in the one-column kernel), lane
     * g*P + q being partial sum q of the g-th, so each partial is still one FMA chain in
     * increasing l. On Zen 4 (512-bit operations as two 256-bit halves) this costs lane permutes
     * the 256-bit form does not need (README, "One vector shape"). Below 256 bits the same order runs in scalars
     * ({@link CanonicalGemmF64#splitKRows}).
     */
    private static final int P = CanonicalGemmF64.LANES;
    /** Dot products per vector on the dot path: 1 (256-bit vectors) or 2 (512-bit). */
    private static final int G = L / P;
    /** Whether the dot path runs on vectors (one or two dot products per vector). */
    static final boolean DOT_VECTORS = L == P || L == 2 * P;
    /** With G = 2: lanes [0, P) repeated in both halves, and lanes [P, 2P) likewise. */
    private static final VectorShuffle<Double> DUP_LO = VectorShuffle.fromOp(SPECIES, i -> i % P);
    private static final VectorShuffle<Double> DUP_HI = VectorShuffle.fromOp(SPECIES, i -> G == 2 ? P + i % P : i);
    /**
     * With G = 2, lane indices for {@code selectFrom(u, v)}: block 0 of u and of v side by side
     * (u's lanes [0, P), then v's), and block 1 of each ([P, 2P) of u, then of v).
     */
    private static final DoubleVector PAIR_LO = DoubleVector.fromArray(SPECIES, pairIndexes(0), 0);
    private static final DoubleVector PAIR_HI = DoubleVector.fromArray(SPECIES, pairIndexes(P), 0);
    /** Lane i holds i: the lanes of a tile's column range as a compare. */
    private static final DoubleVector LANE = DoubleVector.fromArray(SPECIES, laneIndexes(), 0);
    /** Largest shared A (rows x KC elements) packed whole, once per K block, for a batch. */
    static final int SHARED_A_MAX = 1 << 20;
    /** Below this many multiply-adds (batch*m*n*k) a call runs on the caller's thread only. */
    static final long PARALLEL_MIN_MACS = Long.getLong("quiver.gemm.parallelMinMacs", 1L << 21);

    /** Per-thread packing buffers, allocated once per thread so calls allocate nothing. */
    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    private static final class Workspace {
        final double[] packedA = new double[MC * KC];
        /** Also the dot path's transposed B (at most SPLIT_MAX_N x SPLIT_MAX_K). */
        final double[] packedB = new double[Math.max(KC * NC, CanonicalGemmF64.SPLIT_MAX_N * CanonicalGemmF64.SPLIT_MAX_K)];
        final double[] tile = new double[Math.max(Math.max(MR, SMALL_MR1) * NR, DOT_TILE * DOT_TILE * L)];
        /** gemmTaps' sums of one C tile, and its B row offsets (l * bRow) for shiftedKernel. */
        final double[] sums = new double[MR * NR];
        final int[] bRows = new int[KC];
        /** All of a shared A's row panels for one K block; grown on first need, then reused. */
        double[] sharedA = new double[0];

        double[] sharedA(int size) {
            if (sharedA.length < size) sharedA = new double[size];
            return sharedA;
        }
    }

    private final Workers workers;

    public GemmF64(Workers workers) {
        this.workers = workers;
    }

    /** The vector width in bits this class was initialised with (for tests and reports). */
    public static int vectorBits() {
        return SPECIES.vectorBitSize();
    }

    /**
     * {@code C[p] = alpha * A[p] B[p] + beta * C[p]} for {@code p in [0, batch)}, where A[p] is
     * m x k with (i, l) at {@code a[aOff + p*aBatch + i*aRow + l*aCol]}, B[p] is k x n with
     * (l, j) at {@code b[bOff + p*bBatch + l*bRow + j*bCol]} and C[p] is m x n with (i, j) at
     * {@code c[cOff + p*cBatch + i*cRow + j*cCol]}. C is modified (not read when beta is 0);
     * a and b are not modified and must not overlap the elements of C.
     *
     * @throws IllegalArgumentException if a size is negative or an operand's extent falls outside
     *                                  its array (checked once, up front)
     */
    public void gemm(int batch, int m, int n, int k, double alpha,
                     double[] a, int aOff, int aBatch, int aRow, int aCol,
                     double[] b, int bOff, int bBatch, int bRow, int bCol,
                     double beta,
                     double[] c, int cOff, int cBatch, int cRow, int cCol) {
        if (batch < 0 || m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("gemm: negative size, batch=" + batch + " m=" + m
                    + " n=" + n + " k=" + k);
        }
        if (batch == 0 || m == 0 || n == 0) return;
        checkExtent("C", c.length, cOff, batch, cBatch, m, cRow, n, cCol, batch, m, n, k);
        if (k == 0) {
            scaleC(batch, m, n, alpha, beta, c, cOff, cBatch, cRow, cCol);
            return;
        }
        checkExtent("A", a.length, aOff, batch, aBatch, m, aRow, k, aCol, batch, m, n, k);
        checkExtent("B", b.length, bOff, batch, bBatch, k, bRow, n, bCol, batch, m, n, k);

        // The order of the sums is chosen here, from the problem alone (CanonicalGemmF64); every
        // path below computes the one chosen, whatever the width or thread count.
        if (CanonicalGemmF64.splitKNarrow(m, n, k, aCol)) {
            // Narrow C, row-major A, long K sum: vectorise along k (measured on 64xkx10 against the
            // vector-along-n paths: f32 52 vs 32 GFLOP/s at k=256, 35 vs 34 at k=128).
            dotGemmSplit(batch, m, n, k, alpha, a, aOff, aBatch, aRow, b, bOff, bBatch, bRow, bCol,
                    beta, c, cOff, cBatch, cRow, cCol);
            return;
        }
        if (CanonicalGemmF64.splitKRowVector(m, n, k, bRow)) {
            // x Wᵀ (the input gradient of a layer x W): the matrix-vector product Cᵀ = Bᵀ xᵀ with
            // row-major Bᵀ, one dot product per contiguous column of B. The chain order would need
            // B copied transposed on every call (the packed path: 3.8x slower unbatched TreeLSTM steps).
            dotGemmSplit(batch, n, 1, k, alpha, b, bOff, bBatch, bCol, a, aOff, aBatch, aCol, aRow,
                    beta, c, cOff, cBatch, cCol, cRow);
            return;
        }
        chainGemm(batch, m, n, k, alpha, a, aOff, aBatch, aRow, aCol, b, bOff, bBatch, bRow, bCol,
                beta, c, cOff, cBatch, cRow, cCol);
    }

    /**
     * The chain order (see {@link CanonicalGemmF64}): one FMA chain per element and K block, so any
     * of the paths below, on the problem or its transpose, gives the same bits; they differ only
     * in speed.
     */
    private void chainGemm(int batch, int m, int n, int k, double alpha,
                           double[] a, int aOff, int aBatch, int aRow, int aCol,
                           double[] b, int bOff, int bBatch, int bRow, int bCol,
                           double beta,
                           double[] c, int cOff, int cBatch, int cRow, int cCol) {
        switch (chainStep(batch, m, n, k, aRow, aCol, bRow, bCol, cRow, cCol, workers.threads())) {
            case TINY -> {
                for (int p = 0; p < batch; p++) {
                    tinyGemm(m, n, k, alpha, a, aOff + p * aBatch, aRow, aCol, b, bOff + p * bBatch, bRow, bCol,
                            beta, c, cOff + p * cBatch, cRow, cCol);
                }
            }
            case TRANSPOSE -> chainGemm(batch, n, m, k, alpha, b, bOff, bBatch, bCol, bRow, a, aOff, aBatch, aCol, aRow,
                    beta, c, cOff, cBatch, cCol, cRow);
            case GEMV_COLUMNS -> {
                for (int p = 0; p < batch; p++) {
                    gemvColumns(m, k, alpha, a, aOff + p * aBatch, aCol, b, bOff + p * bBatch, bRow, beta, c, cOff + p * cBatch);
                }
            }
            case ROW_DOTS -> {
                for (int p = 0; p < batch; p++) {
                    rowDots(m, k, alpha, a, aOff + p * aBatch, aRow, b, bOff + p * bBatch, bRow, beta, c, cOff + p * cBatch, cRow);
                }
            }
            case SMALL_TRANSPOSED -> smallGemms(batch, n, m, k, alpha, b, bOff, bBatch, bCol, bRow, a, aOff, aBatch, aCol, 1,
                    beta, c, cOff, cBatch, cCol, cRow);
            case SMALL, SMALL_BT -> smallGemms(batch, m, n, k, alpha, a, aOff, aBatch, aRow, aCol, b, bOff, bBatch, bRow, bCol,
                    beta, c, cOff, cBatch, cRow, 1);
            case THIN_BT -> {
                for (int p = 0; p < batch; p++) {
                    thinTransposedB(m, n, k, alpha, a, aOff + p * aBatch, aRow, b, bOff + p * bBatch, bCol,
                            beta, c, cOff + p * cBatch, cRow, cCol);
                }
            }
            default -> packedGemm(batch, m, n, k, alpha, a, aOff, aBatch, aRow, aCol, b, bOff, bBatch, bRow, bCol,
                    beta, c, cOff, cBatch, cRow, cCol);
        }
    }

    /** The paths of {@link #gemm}; {@link #path} tells which one a problem takes (for tests). */
    enum Path {
        /** The split-K order's dot path (on the problem or, for x Wᵀ, its transpose). */
        DOT,
        /** Chain order: plain scalar loops for tiny problems. */
        TINY,
        /** Chain order: compute Cᵀ = Bᵀ Aᵀ instead (never returned by {@link #path}). */
        TRANSPOSE,
        /** Chain order: matrix-vector product with column-major A, vectors along m. */
        GEMV_COLUMNS,
        /** Chain order: matrix-vector product with row-major A, scalar dot products. */
        ROW_DOTS,
        /** Chain order: the unpacked small path on Cᵀ = Bᵀ Aᵀ (column-major A, narrow C). */
        SMALL_TRANSPOSED,
        /** Chain order: the unpacked small path. */
        SMALL,
        /** Chain order: the unpacked small path after copying a transposed B (a short K sum) row-major. */
        SMALL_BT,
        /** Chain order: a few rows times a transposed matrix (g Wᵀ): the small path on Cᵀ = W gᵀ, W read in place, K blocked. */
        THIN_BT,
        /** Chain order: BLIS-style packed blocks (large problems). */
        PACKED
    }

    /**
     * The path {@link #gemm} takes for a problem (k > 0), transpositions followed through: what the
     * tests check so that thin and transposed products never fall back to packing silently.
     */
    Path path(int batch, int m, int n, int k, int aRow, int aCol, int bRow, int bCol, int cRow, int cCol) {
        return CanonicalGemmF64.splitK(m, n, k, aCol, bRow) ? Path.DOT
                : chainPath(batch, m, n, k, aRow, aCol, bRow, bCol, cRow, cCol);
    }

    private Path chainPath(int batch, int m, int n, int k, int aRow, int aCol, int bRow, int bCol, int cRow, int cCol) {
        Path step = chainStep(batch, m, n, k, aRow, aCol, bRow, bCol, cRow, cCol, workers.threads());
        return step == Path.TRANSPOSE ? chainPath(batch, n, m, k, bCol, bRow, aCol, aRow, cCol, cRow) : step;
    }

    /** The chain-order path for a problem (one step: TRANSPOSE means decide again on Cᵀ = Bᵀ Aᵀ). */
    private static Path chainStep(int batch, int m, int n, int k, int aRow, int aCol, int bRow, int bCol,
                                  int cRow, int cCol, int threads) {
        long macs = (long) m * n * k;
        if (macs <= TINY_MACS && k <= KC) return Path.TINY;
        // A row vector times a matrix (x W and g W^T of a layer written on row vectors): the
        // matrix-vector product C^T = B^T a^T, which the paths below run without packing B
        // (the packed path re-packed all of B on every call and padded the one column).
        if (m == 1 && n > 1 && (bRow == 1 || n >= L && bCol == 1)) return Path.TRANSPOSE;
        // Matrix-vector product with column-major A (a transposed view: the input gradient W^T g of a
        // matrix-vector layer): C += x[l] * A[:, l] column by column, unit stride along m, no packing.
        // The packed path re-packed all of A on every call (1.6 vs 15 GFLOP/s at 256x640x1 f32).
        if (n == 1 && aRow == 1 && aCol != 1 && cRow == 1 && m >= L) return Path.GEMV_COLUMNS;
        // Matrix-vector product with row-major A and a K sum too short for the split-K order (the
        // transposed g Wᵀ of a small layer): dot products along A's rows in scalars, four chains at
        // a time. The packed path would copy all of A and pad the one column to 2 vectors.
        if (n == 1 && aCol == 1) return Path.ROW_DOTS;
        // Column-major A (a transposed view, e.g. dW = H^T dY) with narrow C: the small path on
        // the transposed problem C^T = B^T A^T, whose right operand (A^T) has unit-stride rows,
        // so vectors run along m instead of wasting lanes along n (256x64x10: see GemmBench). Past
        // one K block or SMALL_MACS too (in K blocks; on one thread, as the small path): the packed
        // path padded the narrow C to two vectors (a TreeLSTM's output weight gradient Hᵀ G,
        // 128x1280x5t, 7 GFLOP/s against OpenBLAS's 37-76).
        if (aRow == 1 && aCol != 1 && n <= NARROW_N && n % L != 0 && m >= 2 * L
                && (k <= KC && macs <= SMALL_MACS || threads == 1 || batch * macs < PARALLEL_MIN_MACS)) {
            return Path.SMALL_TRANSPOSED;
        }
        // A few rows times a matrix with unit-stride columns (g Wᵀ, the input gradient of a layer x W
        // over a sentence: [words, vocabulary] x [vocabulary, hidden] in a language model): the small
        // path on Cᵀ = W gᵀ, W's rows read in place as its A, only g's few rows copied into panels,
        // any k (K blocks). The packed path copied all of W transposed on every call.
        if (bRow == 1 && bCol != 1 && aCol == 1 && m <= THIN_M && (threads == 1 || batch * macs < PARALLEL_MIN_MACS)) {
            return Path.THIN_BT;
        }
        // A short K sum times a transposed B with many rows (the input gradient G Woutᵀ of a small
        // output layer over a TreeLSTM minibatch's nodes, 1280x5x128tb): B (k x n) is small, so it is
        // copied row-major and the small path runs; the packed path copied A too and sent every
        // k = 5 tile through its buffer (15-33 GFLOP/s against OpenBLAS's 25-53).
        if (bRow == 1 && bCol != 1 && cCol == 1 && k <= SHORT_K && (long) k * n <= B_COPY_MAX
                && (aCol == 1 || (long) m * k <= (long) MC * KC) && (threads == 1 || batch * macs < PARALLEL_MIN_MACS)) {
            return Path.SMALL_BT;
        }
        // (The small path copies a strided A whole, row-major, into the MC x KC buffer.)
        if (bCol == 1 && cCol == 1 && k <= KC && (aCol == 1 || (long) m * k <= (long) MC * KC) && (macs <= SMALL_MACS
                || (m <= THIN_M || k <= SHORT_K) && (threads == 1 || batch * macs < PARALLEL_MIN_MACS))) {
            return Path.SMALL;
        }
        return Path.PACKED;
    }

    /** The packed path, split over the workers by output region when it is large enough. */
    private void packedGemm(int batch, int m, int n, int k, double alpha,
                            double[] a, int aOff, int aBatch, int aRow, int aCol,
                            double[] b, int bOff, int bBatch, int bRow, int bCol,
                            double beta,
                            double[] c, int cOff, int cBatch, int cRow, int cCol) {
        int threads = workers.threads();
        long macs = (long) batch * m * n * k;
        if (threads == 1 || macs < PARALLEL_MIN_MACS) {
            region(0, batch, 0, m, 0, n, k, alpha, a, aOff, aBatch, aRow, aCol,
                    b, bOff, bBatch, bRow, bCol, beta, c, cOff, cBatch, cRow, cCol);
            return;
        }
        // Static partition of the output: over the batch when it has enough entries, else over
        // the longer of m and n in whole micro-tiles. Each region is one task, computed exactly as
        // the single-threaded code would compute it.
        int tasks;
        int splitDim; // 0: batch, 1: rows, 2: columns
        if (batch >= threads) {
            splitDim = 0;
            tasks = threads;
        } else if (n >= m) {
            splitDim = 2;
            tasks = Math.min(threads, ceilDiv(n, NR));
        } else {
            splitDim = 1;
            tasks = Math.min(threads, ceilDiv(m, MR));
        }
        runJob(splitDim, tasks, batch, m, n, k, alpha, a, aOff, aBatch, aRow, aCol, b, bOff, bBatch, bRow, bCol,
                beta, c, cOff, cBatch, cRow, cCol);
    }

    /** Runs one parallel GEMM through this thread's reusable {@link Job} (a fresh one if it is busy). */
    private void runJob(int mode, int parts, int batch, int m, int n, int k, double alpha,
                        double[] a, int aOff, int aBatch, int aRow, int aCol,
                        double[] b, int bOff, int bBatch, int bRow, int bCol,
                        double beta, double[] c, int cOff, int cBatch, int cRow, int cCol) {
        Job job = JOB.get();
        if (job.busy) job = new Job();   // a GEMM started from inside a task of this thread's own GEMM (not done today)
        job.busy = true;
        job.set(mode, parts, batch, m, n, k, alpha, a, aOff, aBatch, aRow, aCol, b, bOff, bBatch, bRow, bCol,
                beta, c, cOff, cBatch, cRow, cCol);
        try {
            workers.parallelFor(parts, job);
        } finally {
            job.clear();
        }
    }

    private static final ThreadLocal<Job> JOB = ThreadLocal.withInitial(Job::new);

    /**
     * The arguments of one parallel GEMM, reused per calling thread: a capturing lambda would
     * allocate ~100 bytes per call (Workers.parallelFor hands its body to other threads, so escape
     * analysis cannot remove it).
     */
    private static final class Job implements java.util.function.IntConsumer {
        /** Modes: 0, 1, 2 split the packed path over batch, rows or columns; DOT splits the dot path over rows. */
        static final int DOT = 3;
        int mode, parts, batch, m, n, k, aOff, aBatch, aRow, aCol, bOff, bBatch, bRow, bCol, cOff, cBatch, cRow, cCol;
        double alpha, beta;
        double[] a, b, c;
        boolean busy;

        void set(int mode, int parts, int batch, int m, int n, int k, double alpha,
                 double[] a, int aOff, int aBatch, int aRow, int aCol,
                 double[] b, int bOff, int bBatch, int bRow, int bCol,
                 double beta, double[] c, int cOff, int cBatch, int cRow, int cCol) {
            this.mode = mode; this.parts = parts; this.batch = batch; this.m = m; this.n = n; this.k = k;
            this.alpha = alpha; this.beta = beta;
            this.a = a; this.aOff = aOff; this.aBatch = aBatch; this.aRow = aRow; this.aCol = aCol;
            this.b = b; this.bOff = bOff; this.bBatch = bBatch; this.bRow = bRow; this.bCol = bCol;
            this.c = c; this.cOff = cOff; this.cBatch = cBatch; this.cRow = cRow; this.cCol = cCol;
        }

        /** Drops the array references so that the thread-local does not keep user data alive. */
        void clear() {
            busy = false;
            a = null;
            b = null;
            c = null;
        }

        @Override
        public void accept(int t) {
            switch (mode) {
                case 0 -> region(chunk(batch, 1, parts, t), chunk(batch, 1, parts, t + 1), 0, m, 0, n, k,
                        alpha, a, aOff, aBatch, aRow, aCol, b, bOff, bBatch, bRow, bCol,
                        beta, c, cOff, cBatch, cRow, cCol);
                case 1 -> region(0, batch, chunk(m, MR, parts, t), chunk(m, MR, parts, t + 1), 0, n, k,
                        alpha, a, aOff, aBatch, aRow, aCol, b, bOff, bBatch, bRow, bCol,
                        beta, c, cOff, cBatch, cRow, cCol);
                case 2 -> region(0, batch, 0, m, chunk(n, NR, parts, t), chunk(n, NR, parts, t + 1), k,
                        alpha, a, aOff, aBatch, aRow, aCol, b, bOff, bBatch, bRow, bCol,
                        beta, c, cOff, cBatch, cRow, cCol);
                default -> {
                    int i0 = chunk(m, DOT_TILE, parts, t), i1 = chunk(m, DOT_TILE, parts, t + 1);
                    for (int p = 0; p < batch; p++) {
                        dotGemm(i0, i1, n, k, alpha, a, aOff + p * aBatch, aRow, b, bOff + p * bBatch, bRow, bCol,
                                beta, c, cOff + p * cBatch, cRow, cCol);
                    }
                }
            }
        }
    }

    /** Start of part t of [0, size) split into parts pieces of whole units (the last may be short). */
    private static int chunk(int size, int unit, int parts, int t) {
        int units = ceilDiv(size, unit);
        return Math.min(size, (int) ((long) units * t / parts) * unit);
    }

    /**
     * Computes batch entries [p0, p1), rows [i0, i1) and columns [j0, j1) of C. Loop order
     * jc (NC) - pc (KC) - [batch] - ic (MC) - micro-tiles; the batch loop sits inside the K block
     * so that an operand shared across the batch (batch stride 0) is packed once per block.
     */
    private static void region(int p0, int p1, int i0, int i1, int j0, int j1, int k, double alpha,
                               double[] a, int aOff, int aBatch, int aRow, int aCol,
                               double[] b, int bOff, int bBatch, int bRow, int bCol,
                               double beta,
                               double[] c, int cOff, int cBatch, int cRow, int cCol) {
        if (p0 >= p1 || i0 >= i1 || j0 >= j1) return;
        Workspace ws = WORKSPACE.get();
        double[] packedA = ws.packedA;
        double[] packedB = ws.packedB;
        double[] tile = ws.tile;
        boolean sharedA = aBatch == 0 && p1 - p0 > 1;
        boolean sharedB = bBatch == 0 && p1 - p0 > 1;
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                // Later K blocks add to what the first one wrote.
                double betaBlock = pc == 0 ? beta : 1;
                if (sharedB) packB(kc, nc, b, bOff + pc * bRow + jc * bCol, bRow, bCol, packedB);
                int paddedRows = roundUp(i1 - i0, MR);
                if (sharedA && !sharedB && (long) paddedRows * kc <= SHARED_A_MAX) {
                    // The mode-n middle-mode case: all of A packed once per K block, each B once.
                    double[] allA = ws.sharedA(paddedRows * kc);
                    packA(i1 - i0, kc, a, aOff + i0 * aRow + pc * aCol, aRow, aCol, allA);
                    for (int p = p0; p < p1; p++) {
                        packB(kc, nc, b, bOff + p * bBatch + pc * bRow + jc * bCol, bRow, bCol, packedB);
                        for (int ic = i0; ic < i1; ic += MC) {
                            macroKernel(Math.min(MC, i1 - ic), nc, kc, alpha, allA, (ic - i0) * kc, packedB, betaBlock,
                                    c, cOff + p * cBatch + ic * cRow + jc * cCol, cRow, cCol, tile);
                        }
                    }
                } else if (sharedA && !sharedB) {
                    // A too large to pack whole: packed once per (ic, pc) block, B repacked per entry.
                    for (int ic = i0; ic < i1; ic += MC) {
                        int mc = Math.min(MC, i1 - ic);
                        packA(mc, kc, a, aOff + ic * aRow + pc * aCol, aRow, aCol, packedA);
                        for (int p = p0; p < p1; p++) {
                            packB(kc, nc, b, bOff + p * bBatch + pc * bRow + jc * bCol, bRow, bCol, packedB);
                            macroKernel(mc, nc, kc, alpha, packedA, 0, packedB, betaBlock,
                                    c, cOff + p * cBatch + ic * cRow + jc * cCol, cRow, cCol, tile);
                        }
                    }
                } else {
                    for (int p = p0; p < p1; p++) {
                        if (!sharedB) {
                            packB(kc, nc, b, bOff + p * bBatch + pc * bRow + jc * bCol, bRow, bCol, packedB);
                        }
                        for (int ic = i0; ic < i1; ic += MC) {
                            int mc = Math.min(MC, i1 - ic);
                            packA(mc, kc, a, aOff + p * aBatch + ic * aRow + pc * aCol, aRow, aCol, packedA);
                            macroKernel(mc, nc, kc, alpha, packedA, 0, packedB, betaBlock,
                                    c, cOff + p * cBatch + ic * cRow + jc * cCol, cRow, cCol, tile);
                        }
                    }
                }
            }
        }
    }

    /**
     * {@code c[0..m) = alpha * A x + beta * c} for column-major A ((i, l) at {@code a[aOff + i + l*aCol]})
     * and x at stride {@code xStride}, in the chain order: per block of GEMV_ROWS rows and KC
     * columns, an accumulator row starts at zero and takes A[:, l] * x[l] by FMA for l in order,
     * four columns per pass (one load and store of the accumulators per four FMAs), then goes into
     * c as {@link #writeTile} writes a tile. Unit stride along m, no packing.
     */
    private static void gemvColumns(int m, int k, double alpha, double[] a, int aOff, int aCol,
                                    double[] x, int xOff, int xStride, double beta, double[] c, int cOff) {
        // C = 1 * s with C not read (one K block, alpha 1, beta 0: a layer's forward product) is
        // the chain sum itself, so it accumulates in C and skips the merge pass.
        boolean direct = k <= KC && alpha == 1 && beta == 0;
        double[] acc = direct ? c : WORKSPACE.get().packedA;
        for (int i0 = 0; i0 < m; i0 += GEMV_ROWS) {
            int rows = Math.min(GEMV_ROWS, m - i0);
            int bound = SPECIES.loopBound(rows);
            int accOff = direct ? cOff + i0 : 0;
            for (int pc = 0; pc < k; pc += KC) {
                int kEnd = Math.min(k, pc + KC);
                java.util.Arrays.fill(acc, accOff, accOff + rows, 0);
                int l = pc;
                for (; l + 4 <= kEnd; l += 4) {
                    double x0 = x[xOff + l * xStride], x1 = x[xOff + (l + 1) * xStride];
                    double x2 = x[xOff + (l + 2) * xStride], x3 = x[xOff + (l + 3) * xStride];
                    int a0 = aOff + i0 + l * aCol, a1 = a0 + aCol, a2 = a1 + aCol, a3 = a2 + aCol;
                    DoubleVector v0 = DoubleVector.broadcast(SPECIES, x0), v1 = DoubleVector.broadcast(SPECIES, x1);
                    DoubleVector v2 = DoubleVector.broadcast(SPECIES, x2), v3 = DoubleVector.broadcast(SPECIES, x3);
                    int i = 0;
                    for (; i < bound; i += L) {
                        DoubleVector t = DoubleVector.fromArray(SPECIES, acc, accOff + i);
                        t = DoubleVector.fromArray(SPECIES, a, a0 + i).fma(v0, t);
                        t = DoubleVector.fromArray(SPECIES, a, a1 + i).fma(v1, t);
                        t = DoubleVector.fromArray(SPECIES, a, a2 + i).fma(v2, t);
                        t = DoubleVector.fromArray(SPECIES, a, a3 + i).fma(v3, t);
                        t.intoArray(acc, accOff + i);
                    }
                    for (; i < rows; i++) {
                        double t = acc[accOff + i];
                        t = Math.fma(a[a0 + i], x0, t);
                        t = Math.fma(a[a1 + i], x1, t);
                        t = Math.fma(a[a2 + i], x2, t);
                        t = Math.fma(a[a3 + i], x3, t);
                        acc[accOff + i] = t;
                    }
                }
                for (; l < kEnd; l++) {
                    double x0 = x[xOff + l * xStride];
                    int a0 = aOff + i0 + l * aCol;
                    DoubleVector v0 = DoubleVector.broadcast(SPECIES, x0);
                    int i = 0;
                    for (; i < bound; i += L) {
                        DoubleVector.fromArray(SPECIES, a, a0 + i).fma(v0, DoubleVector.fromArray(SPECIES, acc, accOff + i)).intoArray(acc, accOff + i);
                    }
                    for (; i < rows; i++) acc[accOff + i] = Math.fma(a[a0 + i], x0, acc[accOff + i]);
                }
                if (!direct) writeTile(acc, 1, rows, alpha, pc == 0 ? beta : 1, c, cOff + i0, 0, 1);
            }
        }
    }

    /**
     * {@code c[i] = alpha * A(i, :) x + beta * c[i]} for row-major A (A(i, l) at
     * {@code a[aOff + i*aRow + l]}) in the chain order: per row and K block one FMA chain in
     * increasing l, merged as {@link #writeTile} merges a tile; four rows per pass so that four
     * independent chains hide the FMA latency.
     */
    private static void rowDots(int m, int k, double alpha, double[] a, int aOff, int aRow,
                                double[] x, int xOff, int xStride, double beta, double[] c, int cOff, int cRow) {
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            int r0 = aOff + i * aRow, r1 = r0 + aRow, r2 = r1 + aRow, r3 = r2 + aRow;
            int ci = cOff + i * cRow;
            for (int pc = 0; pc < k; pc += KC) {
                int end = Math.min(k, pc + KC);
                double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                for (int l = pc, xi = xOff + pc * xStride; l < end; l++, xi += xStride) {
                    double y = x[xi];
                    s0 = Math.fma(a[r0 + l], y, s0);
                    s1 = Math.fma(a[r1 + l], y, s1);
                    s2 = Math.fma(a[r2 + l], y, s2);
                    s3 = Math.fma(a[r3 + l], y, s3);
                }
                double blockBeta = pc == 0 ? beta : 1;
                c[ci] = merge(alpha, s0, blockBeta, c, ci);
                c[ci + cRow] = merge(alpha, s1, blockBeta, c, ci + cRow);
                c[ci + 2 * cRow] = merge(alpha, s2, blockBeta, c, ci + 2 * cRow);
                c[ci + 3 * cRow] = merge(alpha, s3, blockBeta, c, ci + 3 * cRow);
            }
        }
        for (; i < m; i++) {
            int r0 = aOff + i * aRow, ci = cOff + i * cRow;
            for (int pc = 0; pc < k; pc += KC) {
                int end = Math.min(k, pc + KC);
                double s0 = 0;
                for (int l = pc, xi = xOff + pc * xStride; l < end; l++, xi += xStride) s0 = Math.fma(a[r0 + l], x[xi], s0);
                c[ci] = merge(alpha, s0, pc == 0 ? beta : 1, c, ci);
            }
        }
    }

    /** One element of C as the chain order merges a K block's sum s: C not read when beta is 0. */
    private static double merge(double alpha, double s, double beta, double[] c, int ci) {
        return beta == 0 ? alpha * s : alpha * s + c[ci] * beta;
    }

    /**
     * Scalar loops for tiny problems (k at most KC), in the chain order: one FMA chain over l from
     * 0, then alpha * acc + beta * C (C not read when beta is 0).
     */
    private static void tinyGemm(int m, int n, int k, double alpha,
                                 double[] a, int aBase, int aRow, int aCol,
                                 double[] b, int bBase, int bRow, int bCol,
                                 double beta, double[] c, int cBase, int cRow, int cCol) {
        for (int i = 0; i < m; i++) {
            int ci = cBase + i * cRow;
            int j = 0;
            // Four columns at a time: four independent FMA chains hide the FMA latency.
            for (; j + 4 <= n; j += 4, ci += 4 * cCol) {
                double acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
                for (int l = 0, ai = aBase + i * aRow, bi = bBase + j * bCol; l < k; l++, ai += aCol, bi += bRow) {
                    double x = a[ai];
                    acc0 = Math.fma(x, b[bi], acc0);
                    acc1 = Math.fma(x, b[bi + bCol], acc1);
                    acc2 = Math.fma(x, b[bi + 2 * bCol], acc2);
                    acc3 = Math.fma(x, b[bi + 3 * bCol], acc3);
                }
                if (beta == 0) {
                    c[ci] = alpha * acc0;
                    c[ci + cCol] = alpha * acc1;
                    c[ci + 2 * cCol] = alpha * acc2;
                    c[ci + 3 * cCol] = alpha * acc3;
                } else {
                    c[ci] = alpha * acc0 + c[ci] * beta;
                    c[ci + cCol] = alpha * acc1 + c[ci + cCol] * beta;
                    c[ci + 2 * cCol] = alpha * acc2 + c[ci + 2 * cCol] * beta;
                    c[ci + 3 * cCol] = alpha * acc3 + c[ci + 3 * cCol] * beta;
                }
            }
            for (; j < n; j++, ci += cCol) {
                double acc = 0;
                for (int l = 0, ai = aBase + i * aRow, bi = bBase + j * bCol; l < k; l++, ai += aCol, bi += bRow) {
                    acc = Math.fma(a[ai], b[bi], acc);
                }
                c[ci] = beta == 0 ? alpha * acc : alpha * acc + c[ci] * beta;
            }
        }
    }

    /**
     * The small path over the batch. One call site for {@link #smallGemm}: with two call sites in
     * gemm, its vectors were left boxed in a JVM that had run the other paths first (measured with
     * GemmCpuTime: 850 KB per call of 64x10x256 and 10x slower; 0 B with one call site).
     */
    private static void smallGemms(int batch, int m, int n, int k, double alpha,
                                   double[] a, int aOff, int aBatch, int aRow, int aCol,
                                   double[] b, int bOff, int bBatch, int bRow, int bCol,
                                   double beta, double[] c, int cOff, int cBatch, int cRow, int cCol) {
        Workspace ws = WORKSPACE.get();
        double[] copy = ws.packedB;
        for (int p = 0; p < batch; p++) {
            double[] bs = b;
            int bBase = bOff + p * bBatch, bStep = bRow;
            if (bCol != 1) {
                // A transposed B (Path.SMALL_BT, at most B_COPY_MAX elements) copied row-major, past
                // the k x NR panel that smallGemm packs at the start of the same buffer.
                copyRowMajor(k, n, b, bBase, bRow, bCol, copy, B_COPY);
                bs = copy;
                bBase = B_COPY;
                bStep = n;
            }
            // K blocks in the chain order: later blocks add to what the first wrote (beta 1).
            for (int pc = 0; pc < k; pc += KC) {
                double blockBeta = pc == 0 ? beta : 1;
                smallGemm(m, n, Math.min(KC, k - pc), alpha, a, aOff + p * aBatch + pc * aCol, aRow, aCol,
                        bs, bBase + pc * bStep, bStep, blockBeta, c, cOff + p * cBatch, cRow, cCol);
            }
        }
    }

    /** Where smallGemms copies a transposed B in the packedB buffer: after smallGemm's k x NR panel. */
    private static final int B_COPY = KC * NR;
    /** The largest transposed B (k x n elements) that smallGemms copies. */
    private static final long B_COPY_MAX = (long) KC * NC - B_COPY;

    /** dst[off + l*n + j] = B(l, j) for B(l, j) at {@code b[bBase + l*bRow + j*bCol]}. */
    private static void copyRowMajor(int k, int n, double[] b, int bBase, int bRow, int bCol, double[] dst, int off) {
        for (int j = 0; j < n; j++) {
            for (int l = 0, src = bBase + j * bCol, d = off + j; l < k; l++, src += bRow, d += n) dst[d] = b[src];
        }
    }

    /**
     * The small-problem path, in the packed path's rounding (one FMA chain over l per element,
     * then alpha * acc + beta * C). For a short K sum against many column blocks, A is copied per
     * chunk of rows (as many as fit the MC x KC buffer twice) into panels of a tile's rows,
     * interleaved ({@link #packSmallA}): a tile's broadcasts of one l sit at consecutive addresses
     * at a constant stride along l, so C2 drops their bounds checks and keeps one pointer instead
     * of one per row (reading A in place, the k = 10 tile spent about as many instructions on row
     * pointers, bounds checks and address arithmetic as on FMAs). Otherwise A is read in place (a
     * strided A copied row-major first). B's rows (unit stride) are read in place as vectors,
     * but for a narrower last column block, copied into a zero-padded k x NR panel (masked loads
     * in the k loop measured 6x slower; a copy of every block measured slower than reading in
     * place, even for 64³, and again for 64x10x256 with A packed). No masks.
     */
    private static void smallGemm(int m, int n, int k, double alpha,
                                  double[] a, int aBase, int aRow, int aCol,
                                  double[] b, int bBase, int bRow,
                                  double beta, double[] c, int cBase, int cRow, int cCol) {
        Workspace ws = WORKSPACE.get();
        double[] ap = ws.packedA, bp = ws.packedB;
        // Which tile kernels run: two vectors wide for blocks wider than one vector, one for a last
        // block of at most one vector; each reads its own packing of the chunk's rows.
        boolean two = n > L, one = n % NR != 0 && n % NR <= L;
        // The copy pays where a tile's setup is large against its k loop and A's elements feed many
        // column blocks (64x10x256 f32 +10%, 64x32x256 +4%); with few column blocks or a long K sum,
        // copying costs more than the in-place kernels' row pointers save (16³ f32 2x slower, 64³ f64
        // 15% slower; exploratory timing loops, not JMH; 256x64x10t f64 50 -> 31 GFLOP/s in JMH).
        boolean inPlace = n < SMALL_PACK_N || k > SHORT_K;
        double[] as = a;
        int aStart = aBase, aStep = aRow;
        if (inPlace && aCol != 1) {
            // A strided A (at most MC x KC, see chainStep) copied row-major once, so that C2 hoists A's
            // bounds checks out of the k loops (read through a variable column stride, every
            // broadcast carried a bounds check and the row pointers spilled to the stack).
            for (int i = 0, d = 0; i < m; i++) {
                for (int l = 0, src = aBase + i * aRow; l < k; l++, src += aCol) ap[d++] = a[src];
            }
            as = ap;
            aStart = 0;
            aStep = k;
        }
        // Four-vector tiles (32 registers) over more than 12 rows in tiles of 6. On 4 to 12 rows (the
        // transposed C of 256x64x10t has 10) only with A in place, in tiles of whichever of 6, 5 or 4
        // rows pads the fewest: two-vector tiles of 6 rows computed 12 rows for 10.
        int wideRows = !WIDE_TILES || m < 4 || (m <= 2 * SMALL_MR && !inPlace) ? 0
                : m > 2 * SMALL_MR ? SMALL_MR : fewestPadded(m);
        int chunk = inPlace ? m : Math.max(SMALL_CHUNK, MC * KC / (2 * k) / SMALL_CHUNK * SMALL_CHUNK);
        for (int i0 = 0; i0 < m; i0 += chunk) {
            int rows = Math.min(chunk, m - i0);
            int a1 = two && !inPlace ? packSmallA(rows, k, SMALL_MR, a, aBase + i0 * aRow, aRow, aCol, ap, 0) : 0;
            if (one && !inPlace) packSmallA(rows, k, SMALL_MR1, a, aBase + i0 * aRow, aRow, aCol, ap, a1);
            int ci = cBase + i0 * cRow;
            for (int j = 0; j < n; j += NR) {
                int cj = ci + j * cCol;
                if (wideRows > 0 && n - j >= NW) {
                    if (!inPlace) {
                        panel6x4(rows, NW, k, alpha, ap, 0, b, bBase + j, bRow, beta, c, cj, cRow, cCol, ws.tile);
                    } else if (wideRows == 6) {
                        inPlace6x4(rows, NW, k, alpha, as, aStart, aStep, b, bBase + j, bRow, beta, c, cj, cRow, cCol, ws.tile);
                    } else if (wideRows == 5) {
                        inPlace5x4(rows, NW, k, alpha, as, aStart, aStep, b, bBase + j, bRow, beta, c, cj, cRow, cCol, ws.tile);
                    } else {
                        inPlace4x4(rows, NW, k, alpha, as, aStart, aStep, b, bBase + j, bRow, beta, c, cj, cRow, cCol, ws.tile);
                    }
                    j += NW - NR;
                    continue;
                }
                int cols = Math.min(NR, n - j);
                double[] bs = b;
                int bStart = bBase + j, bStep = bRow;
                if (cols != NR && cols != L) {
                    packPanel(k, cols, b, bBase + j, bRow, bp);
                    bs = bp;
                    bStart = 0;
                    bStep = NR;
                }
                if (inPlace && cols > L && eightRows(rows)) {
                    inPlace8x2(rows, cols, k, alpha, as, aStart, aStep, bs, bStart, bStep, beta, c, cj, cRow, cCol, ws.tile);
                } else if (inPlace && cols > L) {
                    inPlace6x2(rows, cols, k, alpha, as, aStart, aStep, bs, bStart, bStep, beta, c, cj, cRow, cCol, ws.tile);
                } else if (inPlace) {
                    inPlace8x1(rows, cols, k, alpha, as, aStart, aStep, bs, bStart, bStep, beta, c, cj, cRow, cCol, ws.tile);
                } else if (cols > L) {
                    panel6x2(rows, cols, k, alpha, ap, 0, bs, bStart, bStep, beta, c, cj, cRow, cCol, ws.tile);
                } else {
                    panel8x1(rows, cols, k, alpha, ap, a1, bs, bStart, bStep, beta, c, cj, cRow, cCol, ws.tile);
                }
            }
        }
    }

    /**
     * Whether two-vector tiles of m rows (A in place) are 8 rows high rather than 6: with 32 vector
     * registers (16 accumulators), when 8 pads m no more than 6 does. 16³ computed 18 rows in tiles
     * of 6, each B vector feeding 6 FMAs; in tiles of 8, 16 rows, each B vector feeding 8.
     */
    private static boolean eightRows(int m) {
        return WIDE_TILES && ceilDiv(m, 8) * 8 <= ceilDiv(m, SMALL_MR) * SMALL_MR;
    }

    /** Of tiles of 6, 5 and 4 rows, the height that pads m rows with the fewest (the larger on a tie). */
    private static int fewestPadded(int m) {
        int best = SMALL_MR;
        for (int h = SMALL_MR - 1; h >= 4; h--) {
            if (ceilDiv(m, h) * h < ceilDiv(m, best) * best) best = h;
        }
        return best;
    }

    // BEGIN GENERATED by tools/gemm-tiles (tools/GemmTiles.java): do not edit, change the generator and rerun it.
    // The small path's register tiles (see smallGemm): inPlaceRxV reads A(i, l) at
    // a[aStart + i*aStep + l], panelRxV from panels of R interleaved rows
    // (a[aStart + (i / R)*R*k + l*R + i % R], packSmallA); B(l, j) at b[bStart + l*bStep + j];
    // C(i, j) at c[cBase + i*cRow + j*cCol]. Each computes rows [0, m) and columns [0, cols)
    // (cols at most V vectors; B is read V vectors wide) in tiles of R rows, one FMA chain per
    // element in increasing l. A short last tile recomputes its last row instead of branching in
    // the loop (its repeated stores write the same values to the same place, so only when C is
    // not read). Full-width tiles of unit-stride C are merged from the registers; the rest go
    // through writeTile, which rounds the same (alpha * s, then + beta * C; alpha 1 with beta 0
    // stores s, the same bits). In each branch no vector is assigned (a phi of vectors may be
    // left boxed by C2) and none is passed to a helper.

    /** 8 rows x 1 vector, A in place. */
    private static void inPlace8x1(int m, int cols, int k, double alpha, double[] a, int aStart, int aStep,
            double[] b, int bStart, int bStep, double beta, double[] c, int cBase, int cRow, int cCol, double[] tile) {
        for (int i = 0; i < m; i += 8) {
            int rows = Math.min(8, m - i);
            int a0 = aStart + i * aStep;
            int a1 = a0 + Math.min(1, rows - 1) * aStep;
            int a2 = a0 + Math.min(2, rows - 1) * aStep;
            int a3 = a0 + Math.min(3, rows - 1) * aStep;
            int a4 = a0 + Math.min(4, rows - 1) * aStep;
            int a5 = a0 + Math.min(5, rows - 1) * aStep;
            int a6 = a0 + Math.min(6, rows - 1) * aStep;
            int a7 = a0 + Math.min(7, rows - 1) * aStep;
            DoubleVector c00 = DoubleVector.zero(SPECIES), c10 = c00, c20 = c00, c30 = c00, c40 = c00, c50 = c00, c60 = c00, c70 = c00;
            for (int l = 0; l < k; l++) {
                int bi = bStart + l * bStep;
                DoubleVector b0 = DoubleVector.fromArray(SPECIES, b, bi);
                DoubleVector x = DoubleVector.broadcast(SPECIES, a[a0 + l]);
                c00 = b0.fma(x, c00);
                x = DoubleVector.broadcast(SPECIES, a[a1 + l]);
                c10 = b0.fma(x, c10);
                x = DoubleVector.broadcast(SPECIES, a[a2 + l]);
                c20 = b0.fma(x, c20);
                x = DoubleVector.broadcast(SPECIES, a[a3 + l]);
                c30 = b0.fma(x, c30);
                x = DoubleVector.broadcast(SPECIES, a[a4 + l]);
                c40 = b0.fma(x, c40);
                x = DoubleVector.broadcast(SPECIES, a[a5 + l]);
                c50 = b0.fma(x, c50);
                x = DoubleVector.broadcast(SPECIES, a[a6 + l]);
                c60 = b0.fma(x, c60);
                x = DoubleVector.broadcast(SPECIES, a[a7 + l]);
                c70 = b0.fma(x, c70);
            }
            int ci = cBase + i * cRow;
            if (cols == L && cCol == 1 && (beta == 0 || rows == 8)) {
                int e1 = ci + Math.min(1, rows - 1) * cRow;
                int e2 = ci + Math.min(2, rows - 1) * cRow;
                int e3 = ci + Math.min(3, rows - 1) * cRow;
                int e4 = ci + Math.min(4, rows - 1) * cRow;
                int e5 = ci + Math.min(5, rows - 1) * cRow;
                int e6 = ci + Math.min(6, rows - 1) * cRow;
                int e7 = ci + Math.min(7, rows - 1) * cRow;
                if (beta == 0 && alpha == 1) {
                    c00.intoArray(c, ci);
                    c10.intoArray(c, e1);
                    c20.intoArray(c, e2);
                    c30.intoArray(c, e3);
                    c40.intoArray(c, e4);
                    c50.intoArray(c, e5);
                    c60.intoArray(c, e6);
                    c70.intoArray(c, e7);
                } else if (beta == 0) {
                    c00.mul(alpha).intoArray(c, ci);
                    c10.mul(alpha).intoArray(c, e1);
                    c20.mul(alpha).intoArray(c, e2);
                    c30.mul(alpha).intoArray(c, e3);
                    c40.mul(alpha).intoArray(c, e4);
                    c50.mul(alpha).intoArray(c, e5);
                    c60.mul(alpha).intoArray(c, e6);
                    c70.mul(alpha).intoArray(c, e7);
                } else {
                    c00.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, ci).mul(beta)).intoArray(c, ci);
                    c10.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e1).mul(beta)).intoArray(c, e1);
                    c20.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e2).mul(beta)).intoArray(c, e2);
                    c30.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e3).mul(beta)).intoArray(c, e3);
                    c40.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e4).mul(beta)).intoArray(c, e4);
                    c50.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e5).mul(beta)).intoArray(c, e5);
                    c60.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e6).mul(beta)).intoArray(c, e6);
                    c70.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e7).mul(beta)).intoArray(c, e7);
                }
            } else {
                c00.intoArray(tile, 0);
                c10.intoArray(tile, L);
                c20.intoArray(tile, 2 * L);
                c30.intoArray(tile, 3 * L);
                c40.intoArray(tile, 4 * L);
                c50.intoArray(tile, 5 * L);
                c60.intoArray(tile, 6 * L);
                c70.intoArray(tile, 7 * L);
                writeTile(tile, 0, L, rows, cols, alpha, beta, c, ci, cRow, cCol);
            }
        }
    }

    /** 6 rows x 2 vectors, A in place. */
    private static void inPlace6x2(int m, int cols, int k, double alpha, double[] a, int aStart, int aStep,
            double[] b, int bStart, int bStep, double beta, double[] c, int cBase, int cRow, int cCol, double[] tile) {
        for (int i = 0; i < m; i += 6) {
            int rows = Math.min(6, m - i);
            int a0 = aStart + i * aStep;
            int a1 = a0 + Math.min(1, rows - 1) * aStep;
            int a2 = a0 + Math.min(2, rows - 1) * aStep;
            int a3 = a0 + Math.min(3, rows - 1) * aStep;
            int a4 = a0 + Math.min(4, rows - 1) * aStep;
            int a5 = a0 + Math.min(5, rows - 1) * aStep;
            DoubleVector c00 = DoubleVector.zero(SPECIES), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00,
                    c40 = c00, c41 = c00, c50 = c00, c51 = c00;
            for (int l = 0; l < k; l++) {
                int bi = bStart + l * bStep;
                DoubleVector b0 = DoubleVector.fromArray(SPECIES, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(SPECIES, b, bi + L);
                DoubleVector x = DoubleVector.broadcast(SPECIES, a[a0 + l]);
                c00 = b0.fma(x, c00); c01 = b1.fma(x, c01);
                x = DoubleVector.broadcast(SPECIES, a[a1 + l]);
                c10 = b0.fma(x, c10); c11 = b1.fma(x, c11);
                x = DoubleVector.broadcast(SPECIES, a[a2 + l]);
                c20 = b0.fma(x, c20); c21 = b1.fma(x, c21);
                x = DoubleVector.broadcast(SPECIES, a[a3 + l]);
                c30 = b0.fma(x, c30); c31 = b1.fma(x, c31);
                x = DoubleVector.broadcast(SPECIES, a[a4 + l]);
                c40 = b0.fma(x, c40); c41 = b1.fma(x, c41);
                x = DoubleVector.broadcast(SPECIES, a[a5 + l]);
                c50 = b0.fma(x, c50); c51 = b1.fma(x, c51);
            }
            int ci = cBase + i * cRow;
            if (cols == 2 * L && cCol == 1 && (beta == 0 || rows == 6)) {
                int e1 = ci + Math.min(1, rows - 1) * cRow;
                int e2 = ci + Math.min(2, rows - 1) * cRow;
                int e3 = ci + Math.min(3, rows - 1) * cRow;
                int e4 = ci + Math.min(4, rows - 1) * cRow;
                int e5 = ci + Math.min(5, rows - 1) * cRow;
                if (beta == 0 && alpha == 1) {
                    c00.intoArray(c, ci); c01.intoArray(c, ci + L);
                    c10.intoArray(c, e1); c11.intoArray(c, e1 + L);
                    c20.intoArray(c, e2); c21.intoArray(c, e2 + L);
                    c30.intoArray(c, e3); c31.intoArray(c, e3 + L);
                    c40.intoArray(c, e4); c41.intoArray(c, e4 + L);
                    c50.intoArray(c, e5); c51.intoArray(c, e5 + L);
                } else if (beta == 0) {
                    c00.mul(alpha).intoArray(c, ci); c01.mul(alpha).intoArray(c, ci + L);
                    c10.mul(alpha).intoArray(c, e1); c11.mul(alpha).intoArray(c, e1 + L);
                    c20.mul(alpha).intoArray(c, e2); c21.mul(alpha).intoArray(c, e2 + L);
                    c30.mul(alpha).intoArray(c, e3); c31.mul(alpha).intoArray(c, e3 + L);
                    c40.mul(alpha).intoArray(c, e4); c41.mul(alpha).intoArray(c, e4 + L);
                    c50.mul(alpha).intoArray(c, e5); c51.mul(alpha).intoArray(c, e5 + L);
                } else {
                    c00.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, ci).mul(beta)).intoArray(c, ci);
                    c01.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, ci + L).mul(beta)).intoArray(c, ci + L);
                    c10.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e1).mul(beta)).intoArray(c, e1);
                    c11.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e1 + L).mul(beta)).intoArray(c, e1 + L);
                    c20.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e2).mul(beta)).intoArray(c, e2);
                    c21.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e2 + L).mul(beta)).intoArray(c, e2 + L);
                    c30.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e3).mul(beta)).intoArray(c, e3);
                    c31.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e3 + L).mul(beta)).intoArray(c, e3 + L);
                    c40.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e4).mul(beta)).intoArray(c, e4);
                    c41.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e4 + L).mul(beta)).intoArray(c, e4 + L);
                    c50.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e5).mul(beta)).intoArray(c, e5);
                    c51.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e5 + L).mul(beta)).intoArray(c, e5 + L);
                }
            } else {
                c00.intoArray(tile, 0); c01.intoArray(tile, L);
                c10.intoArray(tile, 2 * L); c11.intoArray(tile, 3 * L);
                c20.intoArray(tile, 4 * L); c21.intoArray(tile, 5 * L);
                c30.intoArray(tile, 6 * L); c31.intoArray(tile, 7 * L);
                c40.intoArray(tile, 8 * L); c41.intoArray(tile, 9 * L);
                c50.intoArray(tile, 10 * L); c51.intoArray(tile, 11 * L);
                writeTile(tile, 0, 2 * L, rows, cols, alpha, beta, c, ci, cRow, cCol);
            }
        }
    }

    /** 8 rows x 2 vectors, A in place. */
    private static void inPlace8x2(int m, int cols, int k, double alpha, double[] a, int aStart, int aStep,
            double[] b, int bStart, int bStep, double beta, double[] c, int cBase, int cRow, int cCol, double[] tile) {
        for (int i = 0; i < m; i += 8) {
            int rows = Math.min(8, m - i);
            int a0 = aStart + i * aStep;
            int a1 = a0 + Math.min(1, rows - 1) * aStep;
            int a2 = a0 + Math.min(2, rows - 1) * aStep;
            int a3 = a0 + Math.min(3, rows - 1) * aStep;
            int a4 = a0 + Math.min(4, rows - 1) * aStep;
            int a5 = a0 + Math.min(5, rows - 1) * aStep;
            int a6 = a0 + Math.min(6, rows - 1) * aStep;
            int a7 = a0 + Math.min(7, rows - 1) * aStep;
            DoubleVector c00 = DoubleVector.zero(SPECIES), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00,
                    c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
            for (int l = 0; l < k; l++) {
                int bi = bStart + l * bStep;
                DoubleVector b0 = DoubleVector.fromArray(SPECIES, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(SPECIES, b, bi + L);
                DoubleVector x = DoubleVector.broadcast(SPECIES, a[a0 + l]);
                c00 = b0.fma(x, c00); c01 = b1.fma(x, c01);
                x = DoubleVector.broadcast(SPECIES, a[a1 + l]);
                c10 = b0.fma(x, c10); c11 = b1.fma(x, c11);
                x = DoubleVector.broadcast(SPECIES, a[a2 + l]);
                c20 = b0.fma(x, c20); c21 = b1.fma(x, c21);
                x = DoubleVector.broadcast(SPECIES, a[a3 + l]);
                c30 = b0.fma(x, c30); c31 = b1.fma(x, c31);
                x = DoubleVector.broadcast(SPECIES, a[a4 + l]);
                c40 = b0.fma(x, c40); c41 = b1.fma(x, c41);
                x = DoubleVector.broadcast(SPECIES, a[a5 + l]);
                c50 = b0.fma(x, c50); c51 = b1.fma(x, c51);
                x = DoubleVector.broadcast(SPECIES, a[a6 + l]);
                c60 = b0.fma(x, c60); c61 = b1.fma(x, c61);
                x = DoubleVector.broadcast(SPECIES, a[a7 + l]);
                c70 = b0.fma(x, c70); c71 = b1.fma(x, c71);
            }
            int ci = cBase + i * cRow;
            if (cols == 2 * L && cCol == 1 && (beta == 0 || rows == 8)) {
                int e1 = ci + Math.min(1, rows - 1) * cRow;
                int e2 = ci + Math.min(2, rows - 1) * cRow;
                int e3 = ci + Math.min(3, rows - 1) * cRow;
                int e4 = ci + Math.min(4, rows - 1) * cRow;
                int e5 = ci + Math.min(5, rows - 1) * cRow;
                int e6 = ci + Math.min(6, rows - 1) * cRow;
                int e7 = ci + Math.min(7, rows - 1) * cRow;
                if (beta == 0 && alpha == 1) {
                    c00.intoArray(c, ci); c01.intoArray(c, ci + L);
                    c10.intoArray(c, e1); c11.intoArray(c, e1 + L);
                    c20.intoArray(c, e2); c21.intoArray(c, e2 + L);
                    c30.intoArray(c, e3); c31.intoArray(c, e3 + L);
                    c40.intoArray(c, e4); c41.intoArray(c, e4 + L);
                    c50.intoArray(c, e5); c51.intoArray(c, e5 + L);
                    c60.intoArray(c, e6); c61.intoArray(c, e6 + L);
                    c70.intoArray(c, e7); c71.intoArray(c, e7 + L);
                } else if (beta == 0) {
                    c00.mul(alpha).intoArray(c, ci); c01.mul(alpha).intoArray(c, ci + L);
                    c10.mul(alpha).intoArray(c, e1); c11.mul(alpha).intoArray(c, e1 + L);
                    c20.mul(alpha).intoArray(c, e2); c21.mul(alpha).intoArray(c, e2 + L);
                    c30.mul(alpha).intoArray(c, e3); c31.mul(alpha).intoArray(c, e3 + L);
                    c40.mul(alpha).intoArray(c, e4); c41.mul(alpha).intoArray(c, e4 + L);
                    c50.mul(alpha).intoArray(c, e5); c51.mul(alpha).intoArray(c, e5 + L);
                    c60.mul(alpha).intoArray(c, e6); c61.mul(alpha).intoArray(c, e6 + L);
                    c70.mul(alpha).intoArray(c, e7); c71.mul(alpha).intoArray(c, e7 + L);
                } else {
                    c00.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, ci).mul(beta)).intoArray(c, ci);
                    c01.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, ci + L).mul(beta)).intoArray(c, ci + L);
                    c10.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e1).mul(beta)).intoArray(c, e1);
                    c11.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e1 + L).mul(beta)).intoArray(c, e1 + L);
                    c20.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e2).mul(beta)).intoArray(c, e2);
                    c21.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e2 + L).mul(beta)).intoArray(c, e2 + L);
                    c30.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e3).mul(beta)).intoArray(c, e3);
                    c31.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e3 + L).mul(beta)).intoArray(c, e3 + L);
                    c40.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e4).mul(beta)).intoArray(c, e4);
                    c41.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e4 + L).mul(beta)).intoArray(c, e4 + L);
                    c50.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e5).mul(beta)).intoArray(c, e5);
                    c51.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e5 + L).mul(beta)).intoArray(c, e5 + L);
                    c60.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e6).mul(beta)).intoArray(c, e6);
                    c61.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e6 + L).mul(beta)).intoArray(c, e6 + L);
                    c70.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e7).mul(beta)).intoArray(c, e7);
                    c71.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e7 + L).mul(beta)).intoArray(c, e7 + L);
                }
            } else {
                c00.intoArray(tile, 0); c01.intoArray(tile, L);
                c10.intoArray(tile, 2 * L); c11.intoArray(tile, 3 * L);
                c20.intoArray(tile, 4 * L); c21.intoArray(tile, 5 * L);
                c30.intoArray(tile, 6 * L); c31.intoArray(tile, 7 * L);
                c40.intoArray(tile, 8 * L); c41.intoArray(tile, 9 * L);
                c50.intoArray(tile, 10 * L); c51.intoArray(tile, 11 * L);
                c60.intoArray(tile, 12 * L); c61.intoArray(tile, 13 * L);
                c70.intoArray(tile, 14 * L); c71.intoArray(tile, 15 * L);
                writeTile(tile, 0, 2 * L, rows, cols, alpha, beta, c, ci, cRow, cCol);
            }
        }
    }

    /** 6 rows x 4 vectors, A in place. */
    private static void inPlace6x4(int m, int cols, int k, double alpha, double[] a, int aStart, int aStep,
            double[] b, int bStart, int bStep, double beta, double[] c, int cBase, int cRow, int cCol, double[] tile) {
        for (int i = 0; i < m; i += 6) {
            int rows = Math.min(6, m - i);
            int a0 = aStart + i * aStep;
            int a1 = a0 + Math.min(1, rows - 1) * aStep;
            int a2 = a0 + Math.min(2, rows - 1) * aStep;
            int a3 = a0 + Math.min(3, rows - 1) * aStep;
            int a4 = a0 + Math.min(4, rows - 1) * aStep;
            int a5 = a0 + Math.min(5, rows - 1) * aStep;
            DoubleVector c00 = DoubleVector.zero(SPECIES), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00,
                    c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00,
                    c40 = c00, c41 = c00, c42 = c00, c43 = c00, c50 = c00, c51 = c00, c52 = c00, c53 = c00;
            for (int l = 0; l < k; l++) {
                int bi = bStart + l * bStep;
                DoubleVector b0 = DoubleVector.fromArray(SPECIES, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(SPECIES, b, bi + L);
                DoubleVector b2 = DoubleVector.fromArray(SPECIES, b, bi + 2 * L);
                DoubleVector b3 = DoubleVector.fromArray(SPECIES, b, bi + 3 * L);
                DoubleVector x = DoubleVector.broadcast(SPECIES, a[a0 + l]);
                c00 = b0.fma(x, c00); c01 = b1.fma(x, c01); c02 = b2.fma(x, c02); c03 = b3.fma(x, c03);
                x = DoubleVector.broadcast(SPECIES, a[a1 + l]);
                c10 = b0.fma(x, c10); c11 = b1.fma(x, c11); c12 = b2.fma(x, c12); c13 = b3.fma(x, c13);
                x = DoubleVector.broadcast(SPECIES, a[a2 + l]);
                c20 = b0.fma(x, c20); c21 = b1.fma(x, c21); c22 = b2.fma(x, c22); c23 = b3.fma(x, c23);
                x = DoubleVector.broadcast(SPECIES, a[a3 + l]);
                c30 = b0.fma(x, c30); c31 = b1.fma(x, c31); c32 = b2.fma(x, c32); c33 = b3.fma(x, c33);
                x = DoubleVector.broadcast(SPECIES, a[a4 + l]);
                c40 = b0.fma(x, c40); c41 = b1.fma(x, c41); c42 = b2.fma(x, c42); c43 = b3.fma(x, c43);
                x = DoubleVector.broadcast(SPECIES, a[a5 + l]);
                c50 = b0.fma(x, c50); c51 = b1.fma(x, c51); c52 = b2.fma(x, c52); c53 = b3.fma(x, c53);
            }
            int ci = cBase + i * cRow;
            if (cCol == 1 && beta == 0 && alpha == 1) {
                int e1 = ci + Math.min(1, rows - 1) * cRow;
                int e2 = ci + Math.min(2, rows - 1) * cRow;
                int e3 = ci + Math.min(3, rows - 1) * cRow;
                int e4 = ci + Math.min(4, rows - 1) * cRow;
                int e5 = ci + Math.min(5, rows - 1) * cRow;
                c00.intoArray(c, ci); c01.intoArray(c, ci + L); c02.intoArray(c, ci + 2 * L); c03.intoArray(c, ci + 3 * L);
                c10.intoArray(c, e1); c11.intoArray(c, e1 + L); c12.intoArray(c, e1 + 2 * L); c13.intoArray(c, e1 + 3 * L);
                c20.intoArray(c, e2); c21.intoArray(c, e2 + L); c22.intoArray(c, e2 + 2 * L); c23.intoArray(c, e2 + 3 * L);
                c30.intoArray(c, e3); c31.intoArray(c, e3 + L); c32.intoArray(c, e3 + 2 * L); c33.intoArray(c, e3 + 3 * L);
                c40.intoArray(c, e4); c41.intoArray(c, e4 + L); c42.intoArray(c, e4 + 2 * L); c43.intoArray(c, e4 + 3 * L);
                c50.intoArray(c, e5); c51.intoArray(c, e5 + L); c52.intoArray(c, e5 + 2 * L); c53.intoArray(c, e5 + 3 * L);
            } else {
                c00.intoArray(tile, 0); c01.intoArray(tile, L); c02.intoArray(tile, 2 * L); c03.intoArray(tile, 3 * L);
                c10.intoArray(tile, 4 * L); c11.intoArray(tile, 5 * L); c12.intoArray(tile, 6 * L); c13.intoArray(tile, 7 * L);
                c20.intoArray(tile, 8 * L); c21.intoArray(tile, 9 * L); c22.intoArray(tile, 10 * L); c23.intoArray(tile, 11 * L);
                c30.intoArray(tile, 12 * L); c31.intoArray(tile, 13 * L); c32.intoArray(tile, 14 * L); c33.intoArray(tile, 15 * L);
                c40.intoArray(tile, 16 * L); c41.intoArray(tile, 17 * L); c42.intoArray(tile, 18 * L); c43.intoArray(tile, 19 * L);
                c50.intoArray(tile, 20 * L); c51.intoArray(tile, 21 * L); c52.intoArray(tile, 22 * L); c53.intoArray(tile, 23 * L);
                writeTile(tile, 0, 4 * L, rows, cols, alpha, beta, c, ci, cRow, cCol);
            }
        }
    }

    /** 5 rows x 4 vectors, A in place. */
    private static void inPlace5x4(int m, int cols, int k, double alpha, double[] a, int aStart, int aStep,
            double[] b, int bStart, int bStep, double beta, double[] c, int cBase, int cRow, int cCol, double[] tile) {
        for (int i = 0; i < m; i += 5) {
            int rows = Math.min(5, m - i);
            int a0 = aStart + i * aStep;
            int a1 = a0 + Math.min(1, rows - 1) * aStep;
            int a2 = a0 + Math.min(2, rows - 1) * aStep;
            int a3 = a0 + Math.min(3, rows - 1) * aStep;
            int a4 = a0 + Math.min(4, rows - 1) * aStep;
            DoubleVector c00 = DoubleVector.zero(SPECIES), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00,
                    c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00,
                    c40 = c00, c41 = c00, c42 = c00, c43 = c00;
            for (int l = 0; l < k; l++) {
                int bi = bStart + l * bStep;
                DoubleVector b0 = DoubleVector.fromArray(SPECIES, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(SPECIES, b, bi + L);
                DoubleVector b2 = DoubleVector.fromArray(SPECIES, b, bi + 2 * L);
                DoubleVector b3 = DoubleVector.fromArray(SPECIES, b, bi + 3 * L);
                DoubleVector x = DoubleVector.broadcast(SPECIES, a[a0 + l]);
                c00 = b0.fma(x, c00); c01 = b1.fma(x, c01); c02 = b2.fma(x, c02); c03 = b3.fma(x, c03);
                x = DoubleVector.broadcast(SPECIES, a[a1 + l]);
                c10 = b0.fma(x, c10); c11 = b1.fma(x, c11); c12 = b2.fma(x, c12); c13 = b3.fma(x, c13);
                x = DoubleVector.broadcast(SPECIES, a[a2 + l]);
                c20 = b0.fma(x, c20); c21 = b1.fma(x, c21); c22 = b2.fma(x, c22); c23 = b3.fma(x, c23);
                x = DoubleVector.broadcast(SPECIES, a[a3 + l]);
                c30 = b0.fma(x, c30); c31 = b1.fma(x, c31); c32 = b2.fma(x, c32); c33 = b3.fma(x, c33);
                x = DoubleVector.broadcast(SPECIES, a[a4 + l]);
                c40 = b0.fma(x, c40); c41 = b1.fma(x, c41); c42 = b2.fma(x, c42); c43 = b3.fma(x, c43);
            }
            int ci = cBase + i * cRow;
            if (cCol == 1 && beta == 0 && alpha == 1) {
                int e1 = ci + Math.min(1, rows - 1) * cRow;
                int e2 = ci + Math.min(2, rows - 1) * cRow;
                int e3 = ci + Math.min(3, rows - 1) * cRow;
                int e4 = ci + Math.min(4, rows - 1) * cRow;
                c00.intoArray(c, ci); c01.intoArray(c, ci + L); c02.intoArray(c, ci + 2 * L); c03.intoArray(c, ci + 3 * L);
                c10.intoArray(c, e1); c11.intoArray(c, e1 + L); c12.intoArray(c, e1 + 2 * L); c13.intoArray(c, e1 + 3 * L);
                c20.intoArray(c, e2); c21.intoArray(c, e2 + L); c22.intoArray(c, e2 + 2 * L); c23.intoArray(c, e2 + 3 * L);
                c30.intoArray(c, e3); c31.intoArray(c, e3 + L); c32.intoArray(c, e3 + 2 * L); c33.intoArray(c, e3 + 3 * L);
                c40.intoArray(c, e4); c41.intoArray(c, e4 + L); c42.intoArray(c, e4 + 2 * L); c43.intoArray(c, e4 + 3 * L);
            } else {
                c00.intoArray(tile, 0); c01.intoArray(tile, L); c02.intoArray(tile, 2 * L); c03.intoArray(tile, 3 * L);
                c10.intoArray(tile, 4 * L); c11.intoArray(tile, 5 * L); c12.intoArray(tile, 6 * L); c13.intoArray(tile, 7 * L);
                c20.intoArray(tile, 8 * L); c21.intoArray(tile, 9 * L); c22.intoArray(tile, 10 * L); c23.intoArray(tile, 11 * L);
                c30.intoArray(tile, 12 * L); c31.intoArray(tile, 13 * L); c32.intoArray(tile, 14 * L); c33.intoArray(tile, 15 * L);
                c40.intoArray(tile, 16 * L); c41.intoArray(tile, 17 * L); c42.intoArray(tile, 18 * L); c43.intoArray(tile, 19 * L);
                writeTile(tile, 0, 4 * L, rows, cols, alpha, beta, c, ci, cRow, cCol);
            }
        }
    }

    /** 4 rows x 4 vectors, A in place. */
    private static void inPlace4x4(int m, int cols, int k, double alpha, double[] a, int aStart, int aStep,
            double[] b, int bStart, int bStep, double beta, double[] c, int cBase, int cRow, int cCol, double[] tile) {
        for (int i = 0; i < m; i += 4) {
            int rows = Math.min(4, m - i);
            int a0 = aStart + i * aStep;
            int a1 = a0 + Math.min(1, rows - 1) * aStep;
            int a2 = a0 + Math.min(2, rows - 1) * aStep;
            int a3 = a0 + Math.min(3, rows - 1) * aStep;
            DoubleVector c00 = DoubleVector.zero(SPECIES), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00,
                    c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
            for (int l = 0; l < k; l++) {
                int bi = bStart + l * bStep;
                DoubleVector b0 = DoubleVector.fromArray(SPECIES, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(SPECIES, b, bi + L);
                DoubleVector b2 = DoubleVector.fromArray(SPECIES, b, bi + 2 * L);
                DoubleVector b3 = DoubleVector.fromArray(SPECIES, b, bi + 3 * L);
                DoubleVector x = DoubleVector.broadcast(SPECIES, a[a0 + l]);
                c00 = b0.fma(x, c00); c01 = b1.fma(x, c01); c02 = b2.fma(x, c02); c03 = b3.fma(x, c03);
                x = DoubleVector.broadcast(SPECIES, a[a1 + l]);
                c10 = b0.fma(x, c10); c11 = b1.fma(x, c11); c12 = b2.fma(x, c12); c13 = b3.fma(x, c13);
                x = DoubleVector.broadcast(SPECIES, a[a2 + l]);
                c20 = b0.fma(x, c20); c21 = b1.fma(x, c21); c22 = b2.fma(x, c22); c23 = b3.fma(x, c23);
                x = DoubleVector.broadcast(SPECIES, a[a3 + l]);
                c30 = b0.fma(x, c30); c31 = b1.fma(x, c31); c32 = b2.fma(x, c32); c33 = b3.fma(x, c33);
            }
            int ci = cBase + i * cRow;
            if (cCol == 1 && beta == 0 && alpha == 1) {
                int e1 = ci + Math.min(1, rows - 1) * cRow;
                int e2 = ci + Math.min(2, rows - 1) * cRow;
                int e3 = ci + Math.min(3, rows - 1) * cRow;
                c00.intoArray(c, ci); c01.intoArray(c, ci + L); c02.intoArray(c, ci + 2 * L); c03.intoArray(c, ci + 3 * L);
                c10.intoArray(c, e1); c11.intoArray(c, e1 + L); c12.intoArray(c, e1 + 2 * L); c13.intoArray(c, e1 + 3 * L);
                c20.intoArray(c, e2); c21.intoArray(c, e2 + L); c22.intoArray(c, e2 + 2 * L); c23.intoArray(c, e2 + 3 * L);
                c30.intoArray(c, e3); c31.intoArray(c, e3 + L); c32.intoArray(c, e3 + 2 * L); c33.intoArray(c, e3 + 3 * L);
            } else {
                c00.intoArray(tile, 0); c01.intoArray(tile, L); c02.intoArray(tile, 2 * L); c03.intoArray(tile, 3 * L);
                c10.intoArray(tile, 4 * L); c11.intoArray(tile, 5 * L); c12.intoArray(tile, 6 * L); c13.intoArray(tile, 7 * L);
                c20.intoArray(tile, 8 * L); c21.intoArray(tile, 9 * L); c22.intoArray(tile, 10 * L); c23.intoArray(tile, 11 * L);
                c30.intoArray(tile, 12 * L); c31.intoArray(tile, 13 * L); c32.intoArray(tile, 14 * L); c33.intoArray(tile, 15 * L);
                writeTile(tile, 0, 4 * L, rows, cols, alpha, beta, c, ci, cRow, cCol);
            }
        }
    }

    /** 8 rows x 1 vector, A in panels of 8 rows. */
    private static void panel8x1(int m, int cols, int k, double alpha, double[] a, int aStart,
            double[] b, int bStart, int bStep, double beta, double[] c, int cBase, int cRow, int cCol, double[] tile) {
        for (int i = 0, ai = aStart; i < m; i += 8, ai += 8 * k) {
            int rows = Math.min(8, m - i);
            DoubleVector c00 = DoubleVector.zero(SPECIES), c10 = c00, c20 = c00, c30 = c00, c40 = c00, c50 = c00, c60 = c00, c70 = c00;
            for (int l = 0; l < k; l++) {
                int x0 = ai + l * 8, bi = bStart + l * bStep;
                DoubleVector b0 = DoubleVector.fromArray(SPECIES, b, bi);
                DoubleVector x = DoubleVector.broadcast(SPECIES, a[x0]);
                c00 = b0.fma(x, c00);
                x = DoubleVector.broadcast(SPECIES, a[x0 + 1]);
                c10 = b0.fma(x, c10);
                x = DoubleVector.broadcast(SPECIES, a[x0 + 2]);
                c20 = b0.fma(x, c20);
                x = DoubleVector.broadcast(SPECIES, a[x0 + 3]);
                c30 = b0.fma(x, c30);
                x = DoubleVector.broadcast(SPECIES, a[x0 + 4]);
                c40 = b0.fma(x, c40);
                x = DoubleVector.broadcast(SPECIES, a[x0 + 5]);
                c50 = b0.fma(x, c50);
                x = DoubleVector.broadcast(SPECIES, a[x0 + 6]);
                c60 = b0.fma(x, c60);
                x = DoubleVector.broadcast(SPECIES, a[x0 + 7]);
                c70 = b0.fma(x, c70);
            }
            int ci = cBase + i * cRow;
            if (cols == L && cCol == 1 && (beta == 0 || rows == 8)) {
                int e1 = ci + Math.min(1, rows - 1) * cRow;
                int e2 = ci + Math.min(2, rows - 1) * cRow;
                int e3 = ci + Math.min(3, rows - 1) * cRow;
                int e4 = ci + Math.min(4, rows - 1) * cRow;
                int e5 = ci + Math.min(5, rows - 1) * cRow;
                int e6 = ci + Math.min(6, rows - 1) * cRow;
                int e7 = ci + Math.min(7, rows - 1) * cRow;
                if (beta == 0 && alpha == 1) {
                    c00.intoArray(c, ci);
                    c10.intoArray(c, e1);
                    c20.intoArray(c, e2);
                    c30.intoArray(c, e3);
                    c40.intoArray(c, e4);
                    c50.intoArray(c, e5);
                    c60.intoArray(c, e6);
                    c70.intoArray(c, e7);
                } else if (beta == 0) {
                    c00.mul(alpha).intoArray(c, ci);
                    c10.mul(alpha).intoArray(c, e1);
                    c20.mul(alpha).intoArray(c, e2);
                    c30.mul(alpha).intoArray(c, e3);
                    c40.mul(alpha).intoArray(c, e4);
                    c50.mul(alpha).intoArray(c, e5);
                    c60.mul(alpha).intoArray(c, e6);
                    c70.mul(alpha).intoArray(c, e7);
                } else {
                    c00.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, ci).mul(beta)).intoArray(c, ci);
                    c10.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e1).mul(beta)).intoArray(c, e1);
                    c20.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e2).mul(beta)).intoArray(c, e2);
                    c30.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e3).mul(beta)).intoArray(c, e3);
                    c40.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e4).mul(beta)).intoArray(c, e4);
                    c50.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e5).mul(beta)).intoArray(c, e5);
                    c60.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e6).mul(beta)).intoArray(c, e6);
                    c70.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e7).mul(beta)).intoArray(c, e7);
                }
            } else {
                c00.intoArray(tile, 0);
                c10.intoArray(tile, L);
                c20.intoArray(tile, 2 * L);
                c30.intoArray(tile, 3 * L);
                c40.intoArray(tile, 4 * L);
                c50.intoArray(tile, 5 * L);
                c60.intoArray(tile, 6 * L);
                c70.intoArray(tile, 7 * L);
                writeTile(tile, 0, L, rows, cols, alpha, beta, c, ci, cRow, cCol);
            }
        }
    }

    /** 6 rows x 2 vectors, A in panels of 6 rows. */
    private static void panel6x2(int m, int cols, int k, double alpha, double[] a, int aStart,
            double[] b, int bStart, int bStep, double beta, double[] c, int cBase, int cRow, int cCol, double[] tile) {
        for (int i = 0, ai = aStart; i < m; i += 6, ai += 6 * k) {
            int rows = Math.min(6, m - i);
            DoubleVector c00 = DoubleVector.zero(SPECIES), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00,
                    c40 = c00, c41 = c00, c50 = c00, c51 = c00;
            for (int l = 0; l < k; l++) {
                int x0 = ai + l * 6, bi = bStart + l * bStep;
                DoubleVector b0 = DoubleVector.fromArray(SPECIES, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(SPECIES, b, bi + L);
                DoubleVector x = DoubleVector.broadcast(SPECIES, a[x0]);
                c00 = b0.fma(x, c00); c01 = b1.fma(x, c01);
                x = DoubleVector.broadcast(SPECIES, a[x0 + 1]);
                c10 = b0.fma(x, c10); c11 = b1.fma(x, c11);
                x = DoubleVector.broadcast(SPECIES, a[x0 + 2]);
                c20 = b0.fma(x, c20); c21 = b1.fma(x, c21);
                x = DoubleVector.broadcast(SPECIES, a[x0 + 3]);
                c30 = b0.fma(x, c30); c31 = b1.fma(x, c31);
                x = DoubleVector.broadcast(SPECIES, a[x0 + 4]);
                c40 = b0.fma(x, c40); c41 = b1.fma(x, c41);
                x = DoubleVector.broadcast(SPECIES, a[x0 + 5]);
                c50 = b0.fma(x, c50); c51 = b1.fma(x, c51);
            }
            int ci = cBase + i * cRow;
            if (cols == 2 * L && cCol == 1 && (beta == 0 || rows == 6)) {
                int e1 = ci + Math.min(1, rows - 1) * cRow;
                int e2 = ci + Math.min(2, rows - 1) * cRow;
                int e3 = ci + Math.min(3, rows - 1) * cRow;
                int e4 = ci + Math.min(4, rows - 1) * cRow;
                int e5 = ci + Math.min(5, rows - 1) * cRow;
                if (beta == 0 && alpha == 1) {
                    c00.intoArray(c, ci); c01.intoArray(c, ci + L);
                    c10.intoArray(c, e1); c11.intoArray(c, e1 + L);
                    c20.intoArray(c, e2); c21.intoArray(c, e2 + L);
                    c30.intoArray(c, e3); c31.intoArray(c, e3 + L);
                    c40.intoArray(c, e4); c41.intoArray(c, e4 + L);
                    c50.intoArray(c, e5); c51.intoArray(c, e5 + L);
                } else if (beta == 0) {
                    c00.mul(alpha).intoArray(c, ci); c01.mul(alpha).intoArray(c, ci + L);
                    c10.mul(alpha).intoArray(c, e1); c11.mul(alpha).intoArray(c, e1 + L);
                    c20.mul(alpha).intoArray(c, e2); c21.mul(alpha).intoArray(c, e2 + L);
                    c30.mul(alpha).intoArray(c, e3); c31.mul(alpha).intoArray(c, e3 + L);
                    c40.mul(alpha).intoArray(c, e4); c41.mul(alpha).intoArray(c, e4 + L);
                    c50.mul(alpha).intoArray(c, e5); c51.mul(alpha).intoArray(c, e5 + L);
                } else {
                    c00.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, ci).mul(beta)).intoArray(c, ci);
                    c01.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, ci + L).mul(beta)).intoArray(c, ci + L);
                    c10.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e1).mul(beta)).intoArray(c, e1);
                    c11.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e1 + L).mul(beta)).intoArray(c, e1 + L);
                    c20.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e2).mul(beta)).intoArray(c, e2);
                    c21.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e2 + L).mul(beta)).intoArray(c, e2 + L);
                    c30.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e3).mul(beta)).intoArray(c, e3);
                    c31.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e3 + L).mul(beta)).intoArray(c, e3 + L);
                    c40.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e4).mul(beta)).intoArray(c, e4);
                    c41.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e4 + L).mul(beta)).intoArray(c, e4 + L);
                    c50.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e5).mul(beta)).intoArray(c, e5);
                    c51.mul(alpha).add(DoubleVector.fromArray(SPECIES, c, e5 + L).mul(beta)).intoArray(c, e5 + L);
                }
            } else {
                c00.intoArray(tile, 0); c01.intoArray(tile, L);
                c10.intoArray(tile, 2 * L); c11.intoArray(tile, 3 * L);
                c20.intoArray(tile, 4 * L); c21.intoArray(tile, 5 * L);
                c30.intoArray(tile, 6 * L); c31.intoArray(tile, 7 * L);
                c40.intoArray(tile, 8 * L); c41.intoArray(tile, 9 * L);
                c50.intoArray(tile, 10 * L); c51.intoArray(tile, 11 * L);
                writeTile(tile, 0, 2 * L, rows, cols, alpha, beta, c, ci, cRow, cCol);
            }
        }
    }

    /** 6 rows x 4 vectors, A in panels of 6 rows. */
    private static void panel6x4(int m, int cols, int k, double alpha, double[] a, int aStart,
            double[] b, int bStart, int bStep, double beta, double[] c, int cBase, int cRow, int cCol, double[] tile) {
        for (int i = 0, ai = aStart; i < m; i += 6, ai += 6 * k) {
            int rows = Math.min(6, m - i);
            DoubleVector c00 = DoubleVector.zero(SPECIES), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00,
                    c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00,
                    c40 = c00, c41 = c00, c42 = c00, c43 = c00, c50 = c00, c51 = c00, c52 = c00, c53 = c00;
            for (int l = 0; l < k; l++) {
                int x0 = ai + l * 6, bi = bStart + l * bStep;
                DoubleVector b0 = DoubleVector.fromArray(SPECIES, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(SPECIES, b, bi + L);
                DoubleVector b2 = DoubleVector.fromArray(SPECIES, b, bi + 2 * L);
                DoubleVector b3 = DoubleVector.fromArray(SPECIES, b, bi + 3 * L);
                DoubleVector x = DoubleVector.broadcast(SPECIES, a[x0]);
                c00 = b0.fma(x, c00); c01 = b1.fma(x, c01); c02 = b2.fma(x, c02); c03 = b3.fma(x, c03);
                x = DoubleVector.broadcast(SPECIES, a[x0 + 1]);
                c10 = b0.fma(x, c10); c11 = b1.fma(x, c11); c12 = b2.fma(x, c12); c13 = b3.fma(x, c13);
                x = DoubleVector.broadcast(SPECIES, a[x0 + 2]);
                c20 = b0.fma(x, c20); c21 = b1.fma(x, c21); c22 = b2.fma(x, c22); c23 = b3.fma(x, c23);
                x = DoubleVector.broadcast(SPECIES, a[x0 + 3]);
                c30 = b0.fma(x, c30); c31 = b1.fma(x, c31); c32 = b2.fma(x, c32); c33 = b3.fma(x, c33);
                x = DoubleVector.broadcast(SPECIES, a[x0 + 4]);
                c40 = b0.fma(x, c40); c41 = b1.fma(x, c41); c42 = b2.fma(x, c42); c43 = b3.fma(x, c43);
                x = DoubleVector.broadcast(SPECIES, a[x0 + 5]);
                c50 = b0.fma(x, c50); c51 = b1.fma(x, c51); c52 = b2.fma(x, c52); c53 = b3.fma(x, c53);
            }
            int ci = cBase + i * cRow;
            if (cCol == 1 && beta == 0 && alpha == 1) {
                int e1 = ci + Math.min(1, rows - 1) * cRow;
                int e2 = ci + Math.min(2, rows - 1) * cRow;
                int e3 = ci + Math.min(3, rows - 1) * cRow;
                int e4 = ci + Math.min(4, rows - 1) * cRow;
                int e5 = ci + Math.min(5, rows - 1) * cRow;
                c00.intoArray(c, ci); c01.intoArray(c, ci + L); c02.intoArray(c, ci + 2 * L); c03.intoArray(c, ci + 3 * L);
                c10.intoArray(c, e1); c11.intoArray(c, e1 + L); c12.intoArray(c, e1 + 2 * L); c13.intoArray(c, e1 + 3 * L);
                c20.intoArray(c, e2); c21.intoArray(c, e2 + L); c22.intoArray(c, e2 + 2 * L); c23.intoArray(c, e2 + 3 * L);
                c30.intoArray(c, e3); c31.intoArray(c, e3 + L); c32.intoArray(c, e3 + 2 * L); c33.intoArray(c, e3 + 3 * L);
                c40.intoArray(c, e4); c41.intoArray(c, e4 + L); c42.intoArray(c, e4 + 2 * L); c43.intoArray(c, e4 + 3 * L);
                c50.intoArray(c, e5); c51.intoArray(c, e5 + L); c52.intoArray(c, e5 + 2 * L); c53.intoArray(c, e5 + 3 * L);
            } else {
                c00.intoArray(tile, 0); c01.intoArray(tile, L); c02.intoArray(tile, 2 * L); c03.intoArray(tile, 3 * L);
                c10.intoArray(tile, 4 * L); c11.intoArray(tile, 5 * L); c12.intoArray(tile, 6 * L); c13.intoArray(tile, 7 * L);
                c20.intoArray(tile, 8 * L); c21.intoArray(tile, 9 * L); c22.intoArray(tile, 10 * L); c23.intoArray(tile, 11 * L);
                c30.intoArray(tile, 12 * L); c31.intoArray(tile, 13 * L); c32.intoArray(tile, 14 * L); c33.intoArray(tile, 15 * L);
                c40.intoArray(tile, 16 * L); c41.intoArray(tile, 17 * L); c42.intoArray(tile, 18 * L); c43.intoArray(tile, 19 * L);
                c50.intoArray(tile, 20 * L); c51.intoArray(tile, 21 * L); c52.intoArray(tile, 22 * L); c53.intoArray(tile, 23 * L);
                writeTile(tile, 0, 4 * L, rows, cols, alpha, beta, c, ci, cRow, cCol);
            }
        }
    }
    // END GENERATED by tools/gemm-tiles

    /**
     * Rows [0, m) of A ((i, l) at {@code a[aBase + i*aRow + l*aCol]}) into panels of h rows from
     * {@code ap[off]}: A(i, l) at {@code ap[off + (i / h) * h * k + l * h + i % h]}; a short last
     * panel repeats its last row (so a tile computes every row it stores, see the tile kernels).
     * Returns the offset after the last panel.
     */
    private static int packSmallA(int m, int k, int h, double[] a, int aBase, int aRow, int aCol, double[] ap, int off) {
        for (int i = 0; i < m; i += h, off += h * k) {
            if (aCol == 1) {
                for (int r = 0; r < h; r++) {
                    int src = aBase + Math.min(i + r, m - 1) * aRow;
                    for (int l = 0, d = off + r; l < k; l++, d += h) ap[d] = a[src + l];
                }
            } else {
                for (int l = 0, d = off; l < k; l++) {
                    for (int r = 0; r < h; r++) ap[d++] = a[aBase + Math.min(i + r, m - 1) * aRow + l * aCol];
                }
            }
        }
        return off;
    }

    /**
     * {@code C = alpha * A B + beta * C} for a few rows of row-major A ((i, l) at
     * {@code a[aBase + i*aRow + l]}) times B with unit-stride columns ((l, j) at
     * {@code b[bBase + l + j*bCol]}), as the small path on Cᵀ = Bᵀ Aᵀ: Bᵀ's rows are read in place as
     * its A, and per block of NR rows of A and K block, those rows are copied transposed into a
     * zero-padded KC x NR panel (the only copy: A has a few rows, B is the large matrix). K blocks
     * after the first add to C (beta 1), as the packed path's; C is written through
     * {@link #writeTile} (transposed, so never the register stores).
     */
    private static void thinTransposedB(int m, int n, int k, double alpha, double[] a, int aBase, int aRow,
                                        double[] b, int bBase, int bCol, double beta, double[] c, int cBase, int cRow, int cCol) {
        Workspace ws = WORKSPACE.get();
        double[] bp = ws.packedB;
        for (int i = 0; i < m; i += NR) {
            int cols = Math.min(NR, m - i);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                double betaBlock = pc == 0 ? beta : 1;
                packPanelTransposed(kc, cols, a, aBase + i * aRow + pc, aRow, bp);
                if (cols > L && eightRows(n)) {
                    inPlace8x2(n, cols, kc, alpha, b, bBase + pc, bCol, bp, 0, NR, betaBlock, c, cBase + i * cRow, cCol, cRow, ws.tile);
                } else if (cols > L) {
                    inPlace6x2(n, cols, kc, alpha, b, bBase + pc, bCol, bp, 0, NR, betaBlock, c, cBase + i * cRow, cCol, cRow, ws.tile);
                } else {
                    inPlace8x1(n, cols, kc, alpha, b, bBase + pc, bCol, bp, 0, NR, betaBlock, c, cBase + i * cRow, cCol, cRow, ws.tile);
                }
            }
        }
    }

    /**
     * bp[l * NR + j] = A(j, l) for l < k, j < cols (A's rows unit-stride, aRow apart), zero for
     * cols <= j < (one or two vectors, whichever holds cols): {@link #packPanel} of Aᵀ.
     */
    private static void packPanelTransposed(int k, int cols, double[] a, int aStart, int aRow, double[] bp) {
        int width = cols > L ? NR : L;
        for (int j = 0; j < cols; j++) {
            for (int l = 0, src = aStart + j * aRow, d = j; l < k; l++, d += NR) bp[d] = a[src + l];
        }
        for (int j = cols; j < width; j++) {
            for (int l = 0, d = j; l < k; l++, d += NR) bp[d] = 0;
        }
    }

    /**
     * bp[l * NR + j] = B(l, j) for j < cols, zero for cols <= j < (one or two vectors, whichever
     * holds cols); B's columns have unit stride.
     */
    private static void packPanel(int k, int cols, double[] b, int bStart, int bRow, double[] bp) {
        int width = cols > L ? NR : L;
        for (int l = 0, src = bStart; l < k; l++, src += bRow) {
            int d = l * NR, j = 0;
            for (; j < cols; j++) bp[d + j] = b[src + j];
            for (; j < width; j++) bp[d + j] = 0;
        }
    }

    /** The dot path over the batch, split over rows between the workers when it is large enough. */
    private void dotGemmSplit(int batch, int m, int n, int k, double alpha,
                              double[] a, int aOff, int aBatch, int aRow,
                              double[] b, int bOff, int bBatch, int bRow, int bCol,
                              double beta, double[] c, int cOff, int cBatch, int cRow, int cCol) {
        int threads = workers.threads();
        if (threads == 1 || (long) batch * m * n * k < PARALLEL_MIN_MACS || m < 2 * DOT_TILE) {
            for (int p = 0; p < batch; p++) {
                dotGemm(0, m, n, k, alpha, a, aOff + p * aBatch, aRow, b, bOff + p * bBatch, bRow, bCol,
                        beta, c, cOff + p * cBatch, cRow, cCol);
            }
            return;
        }
        int parts = Math.min(threads, ceilDiv(m, DOT_TILE));
        runJob(Job.DOT, parts, batch, m, n, k, alpha, a, aOff, aBatch, aRow, 1, b, bOff, bBatch, bRow, bCol,
                beta, c, cOff, cBatch, cRow, cCol);
    }

    /**
     * The dot path, rows [i0, i1) of C, for row-major A (unit column stride) and narrow C: each
     * C element is a dot product along k. B is packed transposed (column j of B contiguous, zero
     * columns up to a multiple of DOT_TILE), A rows are read in place as vectors, and a tile of
     * DOT_TILE x DOT_TILE dot products keeps 16 independent FMA chains with one load per two FMAs.
     * No masks and no broadcasts (a one-vector-wide tile along n needs one broadcast per FMA:
     * 28-33 GFLOP/s on 64x256x10 f32 with 8 or 16 rows, A read in place or packed). Rounding: the
     * split-K order of {@link CanonicalGemmF64}, lane q of a 256-bit accumulator being partial
     * sum q; below 256-bit kernels, the same order in scalars. A short last row block recomputes
     * its last row instead of branching in the loop, and only its own rows are stored.
     */
    private static void dotGemm(int i0, int i1, int n, int k, double alpha,
                                double[] a, int aBase, int aRow,
                                double[] b, int bBase, int bRow, int bCol,
                                double beta, double[] c, int cBase, int cRow, int cCol) {
        if (!DOT_VECTORS || k < 2 * P) {
            // (The split-K order has k >= 128 float32 / 64 float64; the kernels below need two blocks.)
            CanonicalGemmF64.splitKRows(i0, i1, n, k, alpha, a, aBase, aRow, b, bBase, bRow, bCol, beta, c, cBase, cRow, cCol);
            return;
        }
        if (n == 1) {
            if (G == 1) {
                dotGemv(i0, i1, k, alpha, a, aBase, aRow, b, bBase, bRow, beta, c, cBase, cRow);
            } else {
                dotGemvPairs(i0, i1, k, alpha, a, aBase, aRow, b, bBase, bRow, beta, c, cBase, cRow);
            }
            return;
        }
        if (G == 2) {
            dotGemmPairs(i0, i1, n, k, alpha, a, aBase, aRow, b, bBase, bRow, bCol, beta, c, cBase, cRow, cCol);
            return;
        }
        Workspace ws = WORKSPACE.get();
        double[] bt = ws.packedB;
        double[] tile = ws.tile;
        int nPadded = ceilDiv(n, DOT_TILE) * DOT_TILE;
        packTransposedB(k, n, nPadded, b, bBase, bRow, bCol, bt);
        int kv = SPECIES.loopBound(k);
        for (int i = i0; i < i1; i += DOT_TILE) {
            int rows = Math.min(DOT_TILE, i1 - i);
            int r0 = aBase + i * aRow;
            int r1 = r0 + Math.min(1, rows - 1) * aRow;
            int r2 = r0 + Math.min(2, rows - 1) * aRow;
            int r3 = r0 + Math.min(3, rows - 1) * aRow;
            for (int j = 0; j < n; j += DOT_TILE) {
                int q0 = j * k, q1 = q0 + k, q2 = q1 + k, q3 = q2 + k;
                DoubleVector c00 = DoubleVector.zero(SPECIES), c01 = c00, c02 = c00, c03 = c00,
                        c10 = c00, c11 = c00, c12 = c00, c13 = c00, c20 = c00, c21 = c00, c22 = c00, c23 = c00,
                        c30 = c00, c31 = c00, c32 = c00, c33 = c00;
                for (int l = 0; l < kv; l += L) {
                    DoubleVector x0 = DoubleVector.fromArray(SPECIES, a, r0 + l);
                    DoubleVector x1 = DoubleVector.fromArray(SPECIES, a, r1 + l);
                    DoubleVector x2 = DoubleVector.fromArray(SPECIES, a, r2 + l);
                    DoubleVector x3 = DoubleVector.fromArray(SPECIES, a, r3 + l);
                    DoubleVector y = DoubleVector.fromArray(SPECIES, bt, q0 + l);
                    c00 = x0.fma(y, c00); c10 = x1.fma(y, c10); c20 = x2.fma(y, c20); c30 = x3.fma(y, c30);
                    y = DoubleVector.fromArray(SPECIES, bt, q1 + l);
                    c01 = x0.fma(y, c01); c11 = x1.fma(y, c11); c21 = x2.fma(y, c21); c31 = x3.fma(y, c31);
                    y = DoubleVector.fromArray(SPECIES, bt, q2 + l);
                    c02 = x0.fma(y, c02); c12 = x1.fma(y, c12); c22 = x2.fma(y, c22); c32 = x3.fma(y, c32);
                    y = DoubleVector.fromArray(SPECIES, bt, q3 + l);
                    c03 = x0.fma(y, c03); c13 = x1.fma(y, c13); c23 = x2.fma(y, c23); c33 = x3.fma(y, c33);
                }
                // tile[(r * DOT_TILE + col) * L + lane]; through memory so no vector crosses a call.
                c00.intoArray(tile, 0); c01.intoArray(tile, L); c02.intoArray(tile, 2 * L); c03.intoArray(tile, 3 * L);
                c10.intoArray(tile, 4 * L); c11.intoArray(tile, 5 * L); c12.intoArray(tile, 6 * L); c13.intoArray(tile, 7 * L);
                c20.intoArray(tile, 8 * L); c21.intoArray(tile, 9 * L); c22.intoArray(tile, 10 * L); c23.intoArray(tile, 11 * L);
                c30.intoArray(tile, 12 * L); c31.intoArray(tile, 13 * L); c32.intoArray(tile, 14 * L); c33.intoArray(tile, 15 * L);
                int cols = Math.min(DOT_TILE, n - j);
                for (int r = 0; r < rows; r++) {
                    int ar = aBase + (i + r) * aRow;
                    int ci = cBase + (i + r) * cRow + j * cCol;
                    for (int col = 0; col < cols; col++, ci += cCol) {
                        int t = (r * DOT_TILE + col) * L;
                        double sum = tile[t];
                        for (int lane = 1; lane < L; lane++) sum += tile[t + lane];
                        for (int l = kv, q = (j + col) * k + kv; l < k; l++, q++) sum = Math.fma(a[ar + l], bt[q], sum);
                        c[ci] = beta == 0 ? alpha * sum : alpha * sum + c[ci] * beta;
                    }
                }
            }
        }
    }

    /**
     * The dot path for a one-column C (A x with row-major A, or x Wᵀ computed transposed), rows
     * [i0, i1): eight rows at a time, one 256-bit accumulator each (eight independent FMA chains
     * hide the FMA latency; the 4 x 4 tile would compute three zero columns), x read in place when
     * it is contiguous. Same rounding as {@link #dotGemm}: lane q is partial sum q, lanes added in
     * order, the k tail by scalar FMAs, then alpha * sum + beta * C.
     */
    private static void dotGemv(int i0, int i1, int k, double alpha, double[] a, int aBase, int aRow,
                                double[] x, int xBase, int xStride, double beta, double[] c, int cBase, int cRow) {
        Workspace ws = WORKSPACE.get();
        double[] tile = ws.tile;
        double[] xs = x;
        int xo = xBase;
        if (xStride != 1) {
            xs = ws.packedB;
            xo = 0;
            for (int l = 0, src = xBase; l < k; l++, src += xStride) xs[l] = x[src];
        }
        int kv = SPECIES.loopBound(k);
        for (int i = i0; i < i1; i += 8) {
            int rows = Math.min(8, i1 - i);
            int r0 = aBase + i * aRow;
            int r1 = r0 + Math.min(1, rows - 1) * aRow;
            int r2 = r0 + Math.min(2, rows - 1) * aRow;
            int r3 = r0 + Math.min(3, rows - 1) * aRow;
            int r4 = r0 + Math.min(4, rows - 1) * aRow;
            int r5 = r0 + Math.min(5, rows - 1) * aRow;
            int r6 = r0 + Math.min(6, rows - 1) * aRow;
            int r7 = r0 + Math.min(7, rows - 1) * aRow;
            DoubleVector c0 = DoubleVector.zero(SPECIES), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
            for (int l = 0; l < kv; l += L) {
                DoubleVector y = DoubleVector.fromArray(SPECIES, xs, xo + l);
                c0 = DoubleVector.fromArray(SPECIES, a, r0 + l).fma(y, c0);
                c1 = DoubleVector.fromArray(SPECIES, a, r1 + l).fma(y, c1);
                c2 = DoubleVector.fromArray(SPECIES, a, r2 + l).fma(y, c2);
                c3 = DoubleVector.fromArray(SPECIES, a, r3 + l).fma(y, c3);
                c4 = DoubleVector.fromArray(SPECIES, a, r4 + l).fma(y, c4);
                c5 = DoubleVector.fromArray(SPECIES, a, r5 + l).fma(y, c5);
                c6 = DoubleVector.fromArray(SPECIES, a, r6 + l).fma(y, c6);
                c7 = DoubleVector.fromArray(SPECIES, a, r7 + l).fma(y, c7);
            }
            // Through memory so that no vector crosses a call.
            c0.intoArray(tile, 0); c1.intoArray(tile, L); c2.intoArray(tile, 2 * L); c3.intoArray(tile, 3 * L);
            c4.intoArray(tile, 4 * L); c5.intoArray(tile, 5 * L); c6.intoArray(tile, 6 * L); c7.intoArray(tile, 7 * L);
            for (int r = 0; r < rows; r++) {
                int ar = aBase + (i + r) * aRow, ci = cBase + (i + r) * cRow;
                int t = r * L;
                double sum = tile[t];
                for (int lane = 1; lane < L; lane++) sum += tile[t + lane];
                for (int l = kv; l < k; l++) sum = Math.fma(a[ar + l], xs[xo + l], sum);
                c[ci] = beta == 0 ? alpha * sum : alpha * sum + c[ci] * beta;
            }
        }
    }

    /**
     * {@link #dotGemm} with two dot products per vector (512-bit vectors): B is packed in pairs
     * of columns ({@link #packColumnPairs}), so that one load gives block b of two columns, and
     * each A row is read in place two blocks at a time and its blocks repeated into both halves
     * (one lane permute each), so that lane g*P + q of an accumulator is partial sum q of row i
     * and column j + g. A 4 x 4 tile of C is 8 accumulators: 16 FMAs per 4 A loads, 8 permutes
     * and 4 B loads. The last block when their count is odd, the lanes' sum and the k tail as
     * {@link #dotGemm}.
     */
    private static void dotGemmPairs(int i0, int i1, int n, int k, double alpha,
                                     double[] a, int aBase, int aRow,
                                     double[] b, int bBase, int bRow, int bCol,
                                     double beta, double[] c, int cBase, int cRow, int cCol) {
        Workspace ws = WORKSPACE.get();
        double[] bt = ws.packedB;
        double[] tile = ws.tile;
        int nPadded = ceilDiv(n, DOT_TILE) * DOT_TILE;
        int blocks = k / P, kv = blocks * P, even = blocks & ~1;
        packColumnPairs(k, n, nPadded, b, bBase, bRow, bCol, bt);
        for (int i = i0; i < i1; i += DOT_TILE) {
            int rows = Math.min(DOT_TILE, i1 - i);
            int r0 = aBase + i * aRow;
            int r1 = r0 + Math.min(1, rows - 1) * aRow;
            int r2 = r0 + Math.min(2, rows - 1) * aRow;
            int r3 = r0 + Math.min(3, rows - 1) * aRow;
            for (int j = 0; j < n; j += DOT_TILE) {
                // Columns j, j+1 at bt[ya + b*L], columns j+2, j+3 at bt[yb + b*L].
                int ya = (j / 2) * blocks * L, yb = ya + blocks * L;
                DoubleVector c0a = DoubleVector.zero(SPECIES), c0b = c0a, c1a = c0a, c1b = c0a,
                        c2a = c0a, c2b = c0a, c3a = c0a, c3b = c0a;
                for (int l = 0, t = 0; l < kv - P; l += 2 * P, t += 2 * L) {
                    DoubleVector v0 = DoubleVector.fromArray(SPECIES, a, r0 + l);
                    DoubleVector v1 = DoubleVector.fromArray(SPECIES, a, r1 + l);
                    DoubleVector v2 = DoubleVector.fromArray(SPECIES, a, r2 + l);
                    DoubleVector v3 = DoubleVector.fromArray(SPECIES, a, r3 + l);
                    DoubleVector y0 = DoubleVector.fromArray(SPECIES, bt, ya + t);
                    DoubleVector y1 = DoubleVector.fromArray(SPECIES, bt, yb + t);
                    DoubleVector x = v0.rearrange(DUP_LO);
                    c0a = x.fma(y0, c0a); c0b = x.fma(y1, c0b);
                    x = v1.rearrange(DUP_LO);
                    c1a = x.fma(y0, c1a); c1b = x.fma(y1, c1b);
                    x = v2.rearrange(DUP_LO);
                    c2a = x.fma(y0, c2a); c2b = x.fma(y1, c2b);
                    x = v3.rearrange(DUP_LO);
                    c3a = x.fma(y0, c3a); c3b = x.fma(y1, c3b);
                    y0 = DoubleVector.fromArray(SPECIES, bt, ya + t + L);
                    y1 = DoubleVector.fromArray(SPECIES, bt, yb + t + L);
                    x = v0.rearrange(DUP_HI);
                    c0a = x.fma(y0, c0a); c0b = x.fma(y1, c0b);
                    x = v1.rearrange(DUP_HI);
                    c1a = x.fma(y0, c1a); c1b = x.fma(y1, c1b);
                    x = v2.rearrange(DUP_HI);
                    c2a = x.fma(y0, c2a); c2b = x.fma(y1, c2b);
                    x = v3.rearrange(DUP_HI);
                    c3a = x.fma(y0, c3a); c3b = x.fma(y1, c3b);
                }
                if (even < blocks) {
                    // The odd last block: the two blocks ending there, upper one repeated.
                    int l = kv - 2 * P, t = even * L;
                    DoubleVector y0 = DoubleVector.fromArray(SPECIES, bt, ya + t);
                    DoubleVector y1 = DoubleVector.fromArray(SPECIES, bt, yb + t);
                    DoubleVector x = DoubleVector.fromArray(SPECIES, a, r0 + l).rearrange(DUP_HI);
                    c0a = x.fma(y0, c0a); c0b = x.fma(y1, c0b);
                    x = DoubleVector.fromArray(SPECIES, a, r1 + l).rearrange(DUP_HI);
                    c1a = x.fma(y0, c1a); c1b = x.fma(y1, c1b);
                    x = DoubleVector.fromArray(SPECIES, a, r2 + l).rearrange(DUP_HI);
                    c2a = x.fma(y0, c2a); c2b = x.fma(y1, c2b);
                    x = DoubleVector.fromArray(SPECIES, a, r3 + l).rearrange(DUP_HI);
                    c3a = x.fma(y0, c3a); c3b = x.fma(y1, c3b);
                }
                // tile[(r * 2 + pair) * L + g * P + q]; through memory so no vector crosses a call.
                c0a.intoArray(tile, 0); c0b.intoArray(tile, L); c1a.intoArray(tile, 2 * L); c1b.intoArray(tile, 3 * L);
                c2a.intoArray(tile, 4 * L); c2b.intoArray(tile, 5 * L); c3a.intoArray(tile, 6 * L); c3b.intoArray(tile, 7 * L);
                int cols = Math.min(DOT_TILE, n - j);
                for (int r = 0; r < rows; r++) {
                    int ar = aBase + (i + r) * aRow;
                    int ci = cBase + (i + r) * cRow + j * cCol;
                    for (int col = 0; col < cols; col++, ci += cCol) {
                        int t = r * 2 * L + col * P;
                        double sum = tile[t];
                        for (int lane = 1; lane < P; lane++) sum += tile[t + lane];
                        for (int l = kv, q = bBase + kv * bRow + (j + col) * bCol; l < k; l++, q += bRow) {
                            sum = Math.fma(a[ar + l], b[q], sum);
                        }
                        c[ci] = beta == 0 ? alpha * sum : alpha * sum + c[ci] * beta;
                    }
                }
            }
        }
    }

    /**
     * {@link #dotGemv} with two dot products per vector (512-bit vectors): eight rows at a time in
     * four pairs, one accumulator per pair whose lower half holds the partial sums of the first
     * row and upper half those of the second; x is repeated into both halves of each block once
     * per call. Each row is loaded two blocks at a time and a pair's two loads give its two
     * blocks by a two-vector lane select each ({@link #PAIR_LO}, {@link #PAIR_HI}); an odd last
     * block loads the two blocks ending there. Same rounding as {@link #dotGemv}.
     */
    private static void dotGemvPairs(int i0, int i1, int k, double alpha, double[] a, int aBase, int aRow,
                                     double[] x, int xBase, int xStride, double beta, double[] c, int cBase, int cRow) {
        Workspace ws = WORKSPACE.get();
        double[] tile = ws.tile;
        double[] xs = ws.packedB;
        int blocks = k / P, kv = blocks * P;
        // xs[b * L + g * P + q] = x[b * P + q] for both g.
        for (int bl = 0, src = xBase, d = 0; bl < blocks; bl++, d += L) {
            for (int q = 0; q < P; q++, src += xStride) {
                xs[d + q] = x[src];
                xs[d + P + q] = x[src];
            }
        }
        DoubleVector lo = PAIR_LO, hi = PAIR_HI;
        for (int i = i0; i < i1; i += 8) {
            int rows = Math.min(8, i1 - i);
            int r0 = aBase + i * aRow;
            int r1 = r0 + Math.min(1, rows - 1) * aRow;
            int r2 = r0 + Math.min(2, rows - 1) * aRow;
            int r3 = r0 + Math.min(3, rows - 1) * aRow;
            int r4 = r0 + Math.min(4, rows - 1) * aRow;
            int r5 = r0 + Math.min(5, rows - 1) * aRow;
            int r6 = r0 + Math.min(6, rows - 1) * aRow;
            int r7 = r0 + Math.min(7, rows - 1) * aRow;
            DoubleVector c01 = DoubleVector.zero(SPECIES), c23 = c01, c45 = c01, c67 = c01;
            int l = 0, t = 0;
            for (; l < kv - P; l += 2 * P, t += 2 * L) {
                DoubleVector y0 = DoubleVector.fromArray(SPECIES, xs, t), y1 = DoubleVector.fromArray(SPECIES, xs, t + L);
                DoubleVector u = DoubleVector.fromArray(SPECIES, a, r0 + l), v = DoubleVector.fromArray(SPECIES, a, r1 + l);
                c01 = lo.selectFrom(u, v).fma(y0, c01);
                c01 = hi.selectFrom(u, v).fma(y1, c01);
                u = DoubleVector.fromArray(SPECIES, a, r2 + l);
                v = DoubleVector.fromArray(SPECIES, a, r3 + l);
                c23 = lo.selectFrom(u, v).fma(y0, c23);
                c23 = hi.selectFrom(u, v).fma(y1, c23);
                u = DoubleVector.fromArray(SPECIES, a, r4 + l);
                v = DoubleVector.fromArray(SPECIES, a, r5 + l);
                c45 = lo.selectFrom(u, v).fma(y0, c45);
                c45 = hi.selectFrom(u, v).fma(y1, c45);
                u = DoubleVector.fromArray(SPECIES, a, r6 + l);
                v = DoubleVector.fromArray(SPECIES, a, r7 + l);
                c67 = lo.selectFrom(u, v).fma(y0, c67);
                c67 = hi.selectFrom(u, v).fma(y1, c67);
            }
            if (l < kv) {
                // The odd last block: the two blocks ending there, upper halves selected.
                l = kv - 2 * P;
                DoubleVector y = DoubleVector.fromArray(SPECIES, xs, t);
                c01 = hi.selectFrom(DoubleVector.fromArray(SPECIES, a, r0 + l), DoubleVector.fromArray(SPECIES, a, r1 + l)).fma(y, c01);
                c23 = hi.selectFrom(DoubleVector.fromArray(SPECIES, a, r2 + l), DoubleVector.fromArray(SPECIES, a, r3 + l)).fma(y, c23);
                c45 = hi.selectFrom(DoubleVector.fromArray(SPECIES, a, r4 + l), DoubleVector.fromArray(SPECIES, a, r5 + l)).fma(y, c45);
                c67 = hi.selectFrom(DoubleVector.fromArray(SPECIES, a, r6 + l), DoubleVector.fromArray(SPECIES, a, r7 + l)).fma(y, c67);
            }
            // Through memory so that no vector crosses a call: row r's partials at tile[r * P].
            c01.intoArray(tile, 0); c23.intoArray(tile, L); c45.intoArray(tile, 2 * L); c67.intoArray(tile, 3 * L);
            for (int r = 0; r < rows; r++) {
                int ar = aBase + (i + r) * aRow, ci = cBase + (i + r) * cRow;
                int tr = r * P;
                double sum = tile[tr];
                for (int lane = 1; lane < P; lane++) sum += tile[tr + lane];
                for (int m = kv, xi = xBase + kv * xStride; m < k; m++, xi += xStride) sum = Math.fma(a[ar + m], x[xi], sum);
                c[ci] = beta == 0 ? alpha * sum : alpha * sum + c[ci] * beta;
            }
        }
    }

    /**
     * For the dot path with two dot products per vector: block b (P elements of k) of columns
     * 2p and 2p+1 of B side by side at {@code bt[(p * blocks + b) * L]}, the first column in the
     * lower half; zero columns up to nPadded; the k tail (k mod P) is not packed.
     */
    private static void packColumnPairs(int k, int n, int nPadded, double[] b, int bBase, int bRow, int bCol,
                                        double[] bt) {
        int blocks = k / P;
        for (int j = 0; j < n; j++) {
            int d0 = (j / 2) * blocks * L + (j % 2) * P;
            for (int bl = 0, src = bBase + j * bCol, d = d0; bl < blocks; bl++, d += L) {
                for (int q = 0; q < P; q++, src += bRow) bt[d + q] = b[src];
            }
        }
        for (int j = n; j < nPadded; j++) {
            int d0 = (j / 2) * blocks * L + (j % 2) * P;
            for (int bl = 0, d = d0; bl < blocks; bl++, d += L) java.util.Arrays.fill(bt, d, d + P, 0);
        }
    }

    /** bt[j * k + l] = B(l, j) for j < n; zero for n <= j < nPadded. */
    private static void packTransposedB(int k, int n, int nPadded, double[] b, int bBase, int bRow, int bCol,
                                        double[] bt) {
        if (bRow == 1) {
            // A transposed view: each column of B is already contiguous.
            for (int j = 0; j < n; j++) System.arraycopy(b, bBase + j * bCol, bt, j * k, k);
        } else {
            // One long store stream per column (a short inner loop over j measured 2.5 cycles per element).
            for (int j = 0, d = 0; j < n; j++) {
                for (int l = 0, src = bBase + j * bCol; l < k; l++, src += bRow) bt[d++] = b[src];
            }
        }
        java.util.Arrays.fill(bt, n * k, nPadded * k, 0);
    }

    /**
     * {@link dev.quiver.kernel.KernelsF64#gemmShifted}: A packed into MR-row panels once per MC
     * rows, B's rows read in place (a convolution's padded input: no im2col copy, no packing of
     * B), the same micro-tile and tile write as the packed path, so the same bits as gemm's chain
     * order. An A panel (kc x MR) stays in L1 while every output row streams its B rows by.
     */
    public void gemmShifted(int rows, int m, int n, int k, double alpha,
                            double[] a, int aOff, int aRow, int aCol,
                            double[] b, int bOff, int bStep, int[] bRows, int bRowsOff,
                            double beta, double[] c, int cOff, int cStep, int cRow) {
        if (rows < 0 || m < 0 || n < 0 || k < 0 || k > KC) {
            throw new IllegalArgumentException("gemmShifted: sizes rows=" + rows + " m=" + m + " n=" + n + " k=" + k
                    + " must be non-negative with k <= " + KC);
        }
        if (rows == 0 || m == 0 || n == 0) return;
        checkExtent("C", c.length, cOff, rows, cStep, m, cRow, n, 1, rows, m, n, k);
        if (k == 0) {
            for (int r = 0; r < rows; r++) scaleC(1, m, n, alpha, beta, c, cOff + r * cStep, 0, cRow, 1);
            return;
        }
        checkExtent("A", a.length, aOff, 1, 0, m, aRow, k, aCol, rows, m, n, k);
        int lo = Integer.MAX_VALUE, hi = Integer.MIN_VALUE;
        for (int l = 0; l < k; l++) {
            lo = Math.min(lo, bRows[bRowsOff + l]);
            hi = Math.max(hi, bRows[bRowsOff + l]);
        }
        checkExtent("B", b.length, bOff + lo, rows, bStep, hi - lo + 1, 1, n, 1, rows, m, n, k);
        Workspace ws = WORKSPACE.get();
        double[] packedA = ws.packedA, tile = ws.tile;
        for (int ic = 0; ic < m; ic += MC) {
            int mc = Math.min(MC, m - ic);
            packA(mc, k, a, aOff + ic * aRow, aRow, aCol, packedA);
            // A small packed A (an input gradient's one tap: 64 x 64) stays in L1 whole: then each
            // output row's B rows are read from L2 once for all panels instead of once per panel.
            boolean rowsOuter = (long) mc * k * Double.BYTES <= 16 * 1024;
            // rowsOuter loops over output rows r outside the panels ir, else ir outside r; each C tile
            // is one kernel call either way, so the order changes speed, not bits.
            int outer = rowsOuter ? rows : 1;
            for (int rr = 0; rr < outer; rr++) {
                for (int ir = 0; ir < mc; ir += MR) {
                    int mr = Math.min(MR, mc - ir);
                    int rFrom = rowsOuter ? rr : 0, rTo = rowsOuter ? rr + 1 : rows;
                    for (int r = rFrom; r < rTo; r++) {
                        for (int jr = 0; jr < n; jr += NR) {
                            int nr = Math.min(NR, n - jr), base = bOff + r * bStep + jr;
                            // Whole vectors read NR columns, past n where the array still has them (those
                            // lanes are never written back); at the array's end, a zero-padded copy.
                            if (base + lo >= 0 && base + hi + NR <= b.length) {
                                shiftedKernel(mr, k, packedA, ir * k, b, base, bRows, bRowsOff, tile);
                            } else {
                                packShifted(k, nr, b, base, bRows, bRowsOff, ws.packedB);
                                microKernel(mr, k, packedA, ir * k, ws.packedB, 0, tile);
                            }
                            writeTile(tile, 0, NR, mr, nr, alpha, beta, c, cOff + r * cStep + (ic + ir) * cRow + jr, cRow, 1);
                        }
                    }
                }
            }
        }
    }

    /**
     * {@link dev.quiver.kernel.KernelsF64#gemmTaps}: per MR-row panel, every tap's A packed in one
     * pass over A (a convolution's kernels are [O, C, taps]: taps side by side), then per C tile
     * (MR rows by NR columns of one row r) each reaching tap's chain computed by
     * {@link #shiftedKernel} and added into the tile's sums over the lanes the tap reaches, and the
     * tile written to C once. Accumulating every tap's product in C instead (a gemmShifted per tap)
     * re-reads and re-writes all of C per tap, and packs A's strided columns once per tap.
     */
    public void gemmTaps(int rows, int m, int n, int k, int taps,
                         double[] a, int aOff, int aTap, int aRow, int aCol,
                         double[] b, int bOff, int bStep, int bRow, int[] bTap,
                         int[] rowLo, int[] rowHi, int[] colLo, int[] colHi,
                         double[] c, int cOff, int cStep, int cRow) {
        if (rows < 0 || m < 0 || n < 0 || k < 0 || k > KC || taps < 0) {
            throw new IllegalArgumentException("gemmTaps: sizes rows=" + rows + " m=" + m + " n=" + n + " k=" + k
                    + " taps=" + taps + " must be non-negative with k <= " + KC);
        }
        if (rows == 0 || m == 0 || n == 0) return;
        checkExtent("C", c.length, cOff, rows, cStep, m, cRow, n, 1, rows, m, n, k);
        if (taps > 0 && k > 0) checkExtent("A", a.length, aOff, taps, aTap, m, aRow, k, aCol, rows, m, n, k);
        for (int t = 0; t < taps && k > 0; t++) {
            int r0 = Math.max(rowLo[t], 0), r1 = Math.min(rowHi[t], rows), j0 = Math.max(colLo[t], 0), j1 = Math.min(colHi[t], n);
            if (r1 > r0 && j1 > j0) {
                checkExtent("B", b.length, bOff + bTap[t] + r0 * bStep + j0, r1 - r0, bStep, k, bRow, j1 - j0, 1, rows, m, n, k);
            }
        }
        Workspace ws = WORKSPACE.get();
        double[] packedA = ws.sharedA(taps * k * MR), tile = ws.tile, sums = ws.sums;
        int[] offsets = ws.bRows;
        for (int l = 0; l < k; l++) offsets[l] = l * bRow;
        int lowest = Math.min(0, (k - 1) * bRow), highest = Math.max(0, (k - 1) * bRow) + NR;
        for (int ir = 0; ir < m; ir += MR) {
            int mr = Math.min(MR, m - ir);
            packTaps(mr, k, taps, a, aOff + ir * aRow, aTap, aRow, aCol, packedA);
            for (int r = 0; r < rows; r++) {
                for (int jr = 0; jr < n; jr += NR) {
                    int nr = Math.min(NR, n - jr);
                    java.util.Arrays.fill(sums, 0);
                    for (int t = 0; t < taps; t++) {
                        int lo = Math.max(colLo[t], jr) - jr, hi = Math.min(colHi[t], jr + nr) - jr;
                        if (r < rowLo[t] || r >= rowHi[t] || hi <= lo) continue;
                        int base = bOff + bTap[t] + r * bStep + jr;
                        // Whole vectors read lanes the tap does not reach (added nowhere); at the array's
                        // ends, a copy of the reached lanes with zeros around them.
                        if (base + lowest >= 0 && base + highest <= b.length) {
                            shiftedKernel(mr, k, packedA, t * k * MR, b, base, offsets, 0, tile);
                        } else {
                            packReached(k, lo, hi, b, base, bRow, ws.packedB);
                            microKernel(mr, k, packedA, t * k * MR, ws.packedB, 0, tile);
                        }
                        addReached(mr, lo, hi, tile, sums);
                    }
                    for (int i = 0; i < mr; i++) System.arraycopy(sums, i * NR, c, cOff + r * cStep + (ir + i) * cRow + jr, nr);
                }
            }
        }
    }

    /** packed[t][l][r] = A_t(r, l) (at a[aBase + t*aTap + r*aRow + l*aCol]) for r < mr, zero up to MR. */
    private static void packTaps(int mr, int k, int taps, double[] a, int aBase, int aTap, int aRow, int aCol, double[] packed) {
        int tapSize = k * MR;
        for (int l = 0; l < k; l++) {
            for (int r = 0; r < MR; r++) {
                int d = l * MR + r, src = aBase + r * aRow + l * aCol;
                if (r < mr) {
                    for (int t = 0; t < taps; t++) packed[t * tapSize + d] = a[src + t * aTap];
                } else {
                    for (int t = 0; t < taps; t++) packed[t * tapSize + d] = 0;
                }
            }
        }
    }

    /** packed[l][j] = b[base + l*bRow + j] for lo <= j < hi, zero elsewhere up to NR. */
    private static void packReached(int k, int lo, int hi, double[] b, int base, int bRow, double[] packed) {
        for (int l = 0, d = 0; l < k; l++, d += NR) {
            java.util.Arrays.fill(packed, d, d + NR, 0);
            System.arraycopy(b, base + l * bRow + lo, packed, d + lo, hi - lo);
        }
    }

    /** sums = tile + sums in the lanes [lo, hi) of each of the mr rows (NR columns each), sums elsewhere. */
    private static void addReached(int mr, int lo, int hi, double[] tile, double[] sums) {
        VectorMask<Double> m0 = LANE.compare(VectorOperators.GE, lo).and(LANE.compare(VectorOperators.LT, hi));
        VectorMask<Double> m1 = LANE.compare(VectorOperators.GE, lo - L).and(LANE.compare(VectorOperators.LT, hi - L));
        for (int i = 0, o = 0; i < mr; i++, o += NR) {
            DoubleVector s0 = DoubleVector.fromArray(SPECIES, sums, o), s1 = DoubleVector.fromArray(SPECIES, sums, o + L);
            s0.blend(DoubleVector.fromArray(SPECIES, tile, o).add(s0), m0).intoArray(sums, o);
            s1.blend(DoubleVector.fromArray(SPECIES, tile, o + L).add(s1), m1).intoArray(sums, o + L);
        }
    }

    /** packed[l][j] = b[base + bRows[bRowsOff + l] + j] for j < nr, zero up to NR. */
    private static void packShifted(int k, int nr, double[] b, int base, int[] bRows, int bRowsOff, double[] packed) {
        for (int l = 0, d = 0; l < k; l++, d += NR) {
            System.arraycopy(b, base + bRows[bRowsOff + l], packed, d, nr);
            java.util.Arrays.fill(packed, d + nr, d + NR, 0);
        }
    }

    /**
     * {@link #microKernel} with B's row l read in place at {@code b[base + rows[ro + l]]} (two
     * vectors) instead of from a packed panel: the same FMAs in the same order.
     */
    private static void shiftedKernel(int mr, int kc, double[] ap, int ai, double[] b, int base, int[] rows, int ro,
                                      double[] tile) {
        DoubleVector c00 = DoubleVector.zero(SPECIES), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
                c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        if (MR == 12 && mr > 6) {
            DoubleVector c60 = c00, c61 = c00, c70 = c00, c71 = c00, c80 = c00, c81 = c00,
                    c90 = c00, c91 = c00, ca0 = c00, ca1 = c00, cb0 = c00, cb1 = c00;
            for (int l = 0; l < kc; l++, ai += 12) {
                int bi = base + rows[ro + l];
                DoubleVector b0 = DoubleVector.fromArray(SPECIES, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(SPECIES, b, bi + L);
                DoubleVector x = DoubleVector.broadcast(SPECIES, ap[ai]);
                c00 = b0.fma(x, c00); c01 = b1.fma(x, c01);
                x = DoubleVector.broadcast(SPECIES, ap[ai + 1]);
                c10 = b0.fma(x, c10); c11 = b1.fma(x, c11);
                x = DoubleVector.broadcast(SPECIES, ap[ai + 2]);
                c20 = b0.fma(x, c20); c21 = b1.fma(x, c21);
                x = DoubleVector.broadcast(SPECIES, ap[ai + 3]);
                c30 = b0.fma(x, c30); c31 = b1.fma(x, c31);
                x = DoubleVector.broadcast(SPECIES, ap[ai + 4]);
                c40 = b0.fma(x, c40); c41 = b1.fma(x, c41);
                x = DoubleVector.broadcast(SPECIES, ap[ai + 5]);
                c50 = b0.fma(x, c50); c51 = b1.fma(x, c51);
                x = DoubleVector.broadcast(SPECIES, ap[ai + 6]);
                c60 = b0.fma(x, c60); c61 = b1.fma(x, c61);
                x = DoubleVector.broadcast(SPECIES, ap[ai + 7]);
                c70 = b0.fma(x, c70); c71 = b1.fma(x, c71);
                x = DoubleVector.broadcast(SPECIES, ap[ai + 8]);
                c80 = b0.fma(x, c80); c81 = b1.fma(x, c81);
                x = DoubleVector.broadcast(SPECIES, ap[ai + 9]);
                c90 = b0.fma(x, c90); c91 = b1.fma(x, c91);
                x = DoubleVector.broadcast(SPECIES, ap[ai + 10]);
                ca0 = b0.fma(x, ca0); ca1 = b1.fma(x, ca1);
                x = DoubleVector.broadcast(SPECIES, ap[ai + 11]);
                cb0 = b0.fma(x, cb0); cb1 = b1.fma(x, cb1);
            }
            c00.intoArray(tile, 0); c01.intoArray(tile, L);
            c10.intoArray(tile, NR); c11.intoArray(tile, NR + L);
            c20.intoArray(tile, 2 * NR); c21.intoArray(tile, 2 * NR + L);
            c30.intoArray(tile, 3 * NR); c31.intoArray(tile, 3 * NR + L);
            c40.intoArray(tile, 4 * NR); c41.intoArray(tile, 4 * NR + L);
            c50.intoArray(tile, 5 * NR); c51.intoArray(tile, 5 * NR + L);
            c60.intoArray(tile, 6 * NR); c61.intoArray(tile, 6 * NR + L);
            c70.intoArray(tile, 7 * NR); c71.intoArray(tile, 7 * NR + L);
            c80.intoArray(tile, 8 * NR); c81.intoArray(tile, 8 * NR + L);
            c90.intoArray(tile, 9 * NR); c91.intoArray(tile, 9 * NR + L);
            ca0.intoArray(tile, 10 * NR); ca1.intoArray(tile, 10 * NR + L);
            cb0.intoArray(tile, 11 * NR); cb1.intoArray(tile, 11 * NR + L);
        } else {
            for (int l = 0; l < kc; l++, ai += MR) {
                int bi = base + rows[ro + l];
                DoubleVector b0 = DoubleVector.fromArray(SPECIES, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(SPECIES, b, bi + L);
                DoubleVector x = DoubleVector.broadcast(SPECIES, ap[ai]);
                c00 = b0.fma(x, c00); c01 = b1.fma(x, c01);
                x = DoubleVector.broadcast(SPECIES, ap[ai + 1]);
                c10 = b0.fma(x, c10); c11 = b1.fma(x, c11);
                x = DoubleVector.broadcast(SPECIES, ap[ai + 2]);
                c20 = b0.fma(x, c20); c21 = b1.fma(x, c21);
                x = DoubleVector.broadcast(SPECIES, ap[ai + 3]);
                c30 = b0.fma(x, c30); c31 = b1.fma(x, c31);
                x = DoubleVector.broadcast(SPECIES, ap[ai + 4]);
                c40 = b0.fma(x, c40); c41 = b1.fma(x, c41);
                x = DoubleVector.broadcast(SPECIES, ap[ai + 5]);
                c50 = b0.fma(x, c50); c51 = b1.fma(x, c51);
            }
            c00.intoArray(tile, 0); c01.intoArray(tile, L);
            c10.intoArray(tile, NR); c11.intoArray(tile, NR + L);
            c20.intoArray(tile, 2 * NR); c21.intoArray(tile, 2 * NR + L);
            c30.intoArray(tile, 3 * NR); c31.intoArray(tile, 3 * NR + L);
            c40.intoArray(tile, 4 * NR); c41.intoArray(tile, 4 * NR + L);
            c50.intoArray(tile, 5 * NR); c51.intoArray(tile, 5 * NR + L);
        }
    }

    /** Rows of a window tile ({@link #gemmWindows}): 6 x 4 vectors of accumulators. */
    private static final int WR = 6;
    /** Columns of a window tile: four vectors (a kernel gradient's 64 output channels in float32 at 512 bits). */
    private static final int NW = 4 * L;
    /** Terms of gemmWindows' K sub-blocks: 32 KB of a B panel, to stay in L1 with the windows' rows. */
    private static final int WINDOW_KB = 32 * 1024 / (NW * Double.BYTES);

    /**
     * {@link dev.quiver.kernel.KernelsF64#gemmWindows}: B packed into NW-column panels (zero
     * padded), A broadcast from its windows in place (a convolution's padded input: no im2col, no
     * transposing pack of it), 6 x 4-vector tiles, one FMA chain per element in increasing p.
     */
    public void gemmWindows(int m, int n, int p0, int p1, int q, double alpha,
                            double[] a, int aOff, int[] aRows, int aRowsOff, int aStep,
                            double[] b, int bOff, int bRow, int bCol,
                            double beta, double[] c, int cOff, int cRow, int cCol) {
        int k = p1 - p0;
        if (m < 0 || n < 0 || p0 < 0 || k < 0 || k > KC || q < 1 || aStep < q) {
            throw new IllegalArgumentException("gemmWindows: m=" + m + " n=" + n + " p=[" + p0 + ", " + p1 + ") q=" + q
                    + " aStep=" + aStep + ": need non-negative sizes, at most " + KC + " terms and aStep >= q >= 1");
        }
        if (m == 0 || n == 0) return;
        checkExtent("C", c.length, cOff, 1, 0, m, cRow, n, cCol, 1, m, n, k);
        if (k == 0) {
            scaleC(1, m, n, alpha, beta, c, cOff, 0, cRow, cCol);
            return;
        }
        checkExtent("B", b.length, bOff + p0 * bRow, 1, 0, k, bRow, n, bCol, 1, m, n, k);
        int lo = Integer.MAX_VALUE, hi = Integer.MIN_VALUE;
        for (int i = 0; i < m; i++) {
            lo = Math.min(lo, aRows[aRowsOff + i]);
            hi = Math.max(hi, aRows[aRowsOff + i]);
        }
        // With aStep >= q the window's first and last elements are its extremes.
        int first = p0 / q * aStep + p0 % q, last = (p1 - 1) / q * aStep + (p1 - 1) % q;
        if ((long) aOff + lo + first < 0 || (long) aOff + hi + last >= a.length) {
            throw new IllegalArgumentException("gemmWindows: operand A reaches [" + ((long) aOff + lo + first) + ", "
                    + ((long) aOff + hi + last) + "] outside its array of length " + a.length);
        }
        Workspace ws = WORKSPACE.get();
        double[] packed = ws.packedB;
        // Every row tile's sums of one panel, kept between sub-blocks of the K sum (rows of WR, padded).
        int mPadded = ceilDiv(m, WR) * WR;
        double[] sums = ws.sharedA(mPadded * NW);
        int ncMax = packed.length / k / NW * NW;
        for (int jc = 0; jc < n; jc += ncMax) {
            int nc = Math.min(ncMax, n - jc);
            packWide(k, nc, b, bOff + p0 * bRow + jc * bCol, bRow, bCol, packed);
            for (int jr = 0; jr < nc; jr += NW) {
                java.util.Arrays.fill(sums, 0, mPadded * NW, 0);
                // K in sub-blocks whose B panel fits L1, every row tile per sub-block: the whole panel
                // (KC x NW) streamed from L2 once per row tile otherwise. A tile's chains stop and go on
                // through its sums in memory, the same FMAs in the same order.
                for (int pc = p0; pc < p1; pc += WINDOW_KB) {
                    int pe = Math.min(p1, pc + WINDOW_KB);
                    for (int ir = 0; ir < m; ir += WR) {
                        int mr = Math.min(WR, m - ir);
                        // A tile's missing rows repeat its first (their results are never written).
                        int a0 = aOff + aRows[aRowsOff + ir];
                        int a1 = mr > 1 ? aOff + aRows[aRowsOff + ir + 1] : a0, a2 = mr > 2 ? aOff + aRows[aRowsOff + ir + 2] : a0;
                        int a3 = mr > 3 ? aOff + aRows[aRowsOff + ir + 3] : a0, a4 = mr > 4 ? aOff + aRows[aRowsOff + ir + 4] : a0;
                        int a5 = mr > 5 ? aOff + aRows[aRowsOff + ir + 5] : a0;
                        windowKernel(pc, pe, q, aStep, a, a0, a1, a2, a3, a4, a5, packed, jr * k + (pc - p0) * NW, sums, ir * NW);
                    }
                }
                for (int ir = 0; ir < m; ir += WR) {
                    writeTile(sums, ir * NW, NW, Math.min(WR, m - ir), Math.min(NW, nc - jr), alpha, beta, c,
                            cOff + ir * cRow + (jc + jr) * cCol, cRow, cCol);
                }
            }
        }
    }

    /** packed[panel][l][j] = B(l, panel*NW + j), zero past the last column: NW-wide panels of B. */
    private static void packWide(int k, int nc, double[] b, int bBase, int bRow, int bCol, double[] packed) {
        for (int jr = 0, dst = 0; jr < nc; jr += NW, dst += NW * k) {
            int nr = Math.min(NW, nc - jr);
            for (int j = 0; j < nr; j++) {
                // One column at a time: a transposed B (a kernel gradient's gy) is contiguous along l.
                for (int l = 0, src = bBase + (jr + j) * bCol, d = dst + j; l < k; l++, src += bRow, d += NW) packed[d] = b[src];
            }
            for (int j = nr; j < NW; j++) {
                for (int l = 0, d = dst + j; l < k; l++, d += NW) packed[d] = 0;
            }
        }
    }

    /**
     * sums from s (WR x NW, row-major) += rows a0..a5 of A's windows over p in [p0, p1) (row r's term
     * p at {@code a[ar + (p / q)*aStep + p % q]}) times a packed B panel (from bi, NW wide), as the
     * FMA chains started from those sums. The K loop runs along each window row, q terms at a time.
     */
    private static void windowKernel(int p0, int p1, int q, int aStep, double[] a, int a0, int a1, int a2, int a3,
                                     int a4, int a5, double[] bp, int bi, double[] sums, int s) {
        DoubleVector c00 = DoubleVector.fromArray(SPECIES, sums, s), c01 = DoubleVector.fromArray(SPECIES, sums, s + L),
                c02 = DoubleVector.fromArray(SPECIES, sums, s + 2 * L), c03 = DoubleVector.fromArray(SPECIES, sums, s + 3 * L);
        DoubleVector c10 = DoubleVector.fromArray(SPECIES, sums, s + NW), c11 = DoubleVector.fromArray(SPECIES, sums, s + NW + L),
                c12 = DoubleVector.fromArray(SPECIES, sums, s + NW + 2 * L), c13 = DoubleVector.fromArray(SPECIES, sums, s + NW + 3 * L);
        DoubleVector c20 = DoubleVector.fromArray(SPECIES, sums, s + 2 * NW), c21 = DoubleVector.fromArray(SPECIES, sums, s + 2 * NW + L),
                c22 = DoubleVector.fromArray(SPECIES, sums, s + 2 * NW + 2 * L), c23 = DoubleVector.fromArray(SPECIES, sums, s + 2 * NW + 3 * L);
        DoubleVector c30 = DoubleVector.fromArray(SPECIES, sums, s + 3 * NW), c31 = DoubleVector.fromArray(SPECIES, sums, s + 3 * NW + L),
                c32 = DoubleVector.fromArray(SPECIES, sums, s + 3 * NW + 2 * L), c33 = DoubleVector.fromArray(SPECIES, sums, s + 3 * NW + 3 * L);
        DoubleVector c40 = DoubleVector.fromArray(SPECIES, sums, s + 4 * NW), c41 = DoubleVector.fromArray(SPECIES, sums, s + 4 * NW + L),
                c42 = DoubleVector.fromArray(SPECIES, sums, s + 4 * NW + 2 * L), c43 = DoubleVector.fromArray(SPECIES, sums, s + 4 * NW + 3 * L);
        DoubleVector c50 = DoubleVector.fromArray(SPECIES, sums, s + 5 * NW), c51 = DoubleVector.fromArray(SPECIES, sums, s + 5 * NW + L),
                c52 = DoubleVector.fromArray(SPECIES, sums, s + 5 * NW + 2 * L), c53 = DoubleVector.fromArray(SPECIES, sums, s + 5 * NW + 3 * L);
        int p = p0, row = p0 / q * aStep, col = p0 % q;
        while (p < p1) {
            int end = Math.min(q - col, p1 - p), at = row + col;
            for (int t = 0; t < end; t++, bi += NW) {
                int e = at + t;
                DoubleVector b0 = DoubleVector.fromArray(SPECIES, bp, bi);
                DoubleVector b1 = DoubleVector.fromArray(SPECIES, bp, bi + L);
                DoubleVector b2 = DoubleVector.fromArray(SPECIES, bp, bi + 2 * L);
                DoubleVector b3 = DoubleVector.fromArray(SPECIES, bp, bi + 3 * L);
                DoubleVector x = DoubleVector.broadcast(SPECIES, a[a0 + e]);
                c00 = b0.fma(x, c00); c01 = b1.fma(x, c01); c02 = b2.fma(x, c02); c03 = b3.fma(x, c03);
                x = DoubleVector.broadcast(SPECIES, a[a1 + e]);
                c10 = b0.fma(x, c10); c11 = b1.fma(x, c11); c12 = b2.fma(x, c12); c13 = b3.fma(x, c13);
                x = DoubleVector.broadcast(SPECIES, a[a2 + e]);
                c20 = b0.fma(x, c20); c21 = b1.fma(x, c21); c22 = b2.fma(x, c22); c23 = b3.fma(x, c23);
                x = DoubleVector.broadcast(SPECIES, a[a3 + e]);
                c30 = b0.fma(x, c30); c31 = b1.fma(x, c31); c32 = b2.fma(x, c32); c33 = b3.fma(x, c33);
                x = DoubleVector.broadcast(SPECIES, a[a4 + e]);
                c40 = b0.fma(x, c40); c41 = b1.fma(x, c41); c42 = b2.fma(x, c42); c43 = b3.fma(x, c43);
                x = DoubleVector.broadcast(SPECIES, a[a5 + e]);
                c50 = b0.fma(x, c50); c51 = b1.fma(x, c51); c52 = b2.fma(x, c52); c53 = b3.fma(x, c53);
            }
            p += end;
            row += aStep;
            col = 0;
        }
        c00.intoArray(sums, s); c01.intoArray(sums, s + L); c02.intoArray(sums, s + 2 * L); c03.intoArray(sums, s + 3 * L);
        c10.intoArray(sums, s + NW); c11.intoArray(sums, s + NW + L); c12.intoArray(sums, s + NW + 2 * L); c13.intoArray(sums, s + NW + 3 * L);
        c20.intoArray(sums, s + 2 * NW); c21.intoArray(sums, s + 2 * NW + L); c22.intoArray(sums, s + 2 * NW + 2 * L); c23.intoArray(sums, s + 2 * NW + 3 * L);
        c30.intoArray(sums, s + 3 * NW); c31.intoArray(sums, s + 3 * NW + L); c32.intoArray(sums, s + 3 * NW + 2 * L); c33.intoArray(sums, s + 3 * NW + 3 * L);
        c40.intoArray(sums, s + 4 * NW); c41.intoArray(sums, s + 4 * NW + L); c42.intoArray(sums, s + 4 * NW + 2 * L); c43.intoArray(sums, s + 4 * NW + 3 * L);
        c50.intoArray(sums, s + 5 * NW); c51.intoArray(sums, s + 5 * NW + L); c52.intoArray(sums, s + 5 * NW + 2 * L); c53.intoArray(sums, s + 5 * NW + 3 * L);
    }

    /** C block (mc x nc) = alpha * packedA packedB + beta * C block, one micro-tile at a time. */
    private static void macroKernel(int mc, int nc, int kc, double alpha, double[] packedA, int aStart,
                                    double[] packedB,
                                    double beta, double[] c, int cBase, int cRow, int cCol, double[] tile) {
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr);
            int bPanel = jr * kc;
            for (int ir = 0; ir < mc; ir += MR) {
                int mr = Math.min(MR, mc - ir);
                microKernel(mr, kc, packedA, aStart + ir * kc, packedB, bPanel, tile);
                writeTile(tile, mr, nr, alpha, beta, c, cBase + ir * cRow + jr * cCol, cRow, cCol);
            }
        }
    }

    /**
     * tile (MR x NR, row-major) = A panel (kc x MR, packed) times B panel (kc x NR, packed); with
     * the 12-row kernel, a panel of at most 6 real rows (an edge: m = 64 leaves 4) runs the 6-row
     * loop over the same panel layout, so an edge costs half a tile instead of a whole one
     * (64x784x256 computes 66 rows instead of 72). All accumulators are locals of this one method
     * and each branch stores its own, so no vector crosses a call or merges at a branch (either is
     * boxed when C2 does not inline or cannot scalarise it). The MR == 12 tests fold away.
     */
    private static void microKernel(int mr, int kc, double[] ap, int ai, double[] bp, int bi, double[] tile) {
        DoubleVector c00 = DoubleVector.zero(SPECIES), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
                c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        if (MR == 12 && mr > 6) {
            DoubleVector c60 = c00, c61 = c00, c70 = c00, c71 = c00, c80 = c00, c81 = c00,
                    c90 = c00, c91 = c00, ca0 = c00, ca1 = c00, cb0 = c00, cb1 = c00;
            for (int l = 0; l < kc; l++, ai += 12, bi += NR) {
                DoubleVector b0 = DoubleVector.fromArray(SPECIES, bp, bi);
                DoubleVector b1 = DoubleVector.fromArray(SPECIES, bp, bi + L);
                DoubleVector x = DoubleVector.broadcast(SPECIES, ap[ai]);
                c00 = b0.fma(x, c00); c01 = b1.fma(x, c01);
                x = DoubleVector.broadcast(SPECIES, ap[ai + 1]);
                c10 = b0.fma(x, c10); c11 = b1.fma(x, c11);
                x = DoubleVector.broadcast(SPECIES, ap[ai + 2]);
                c20 = b0.fma(x, c20); c21 = b1.fma(x, c21);
                x = DoubleVector.broadcast(SPECIES, ap[ai + 3]);
                c30 = b0.fma(x, c30); c31 = b1.fma(x, c31);
                x = DoubleVector.broadcast(SPECIES, ap[ai + 4]);
                c40 = b0.fma(x, c40); c41 = b1.fma(x, c41);
                x = DoubleVector.broadcast(SPECIES, ap[ai + 5]);
                c50 = b0.fma(x, c50); c51 = b1.fma(x, c51);
                x = DoubleVector.broadcast(SPECIES, ap[ai + 6]);
                c60 = b0.fma(x, c60); c61 = b1.fma(x, c61);
                x = DoubleVector.broadcast(SPECIES, ap[ai + 7]);
                c70 = b0.fma(x, c70); c71 = b1.fma(x, c71);
                x = DoubleVector.broadcast(SPECIES, ap[ai + 8]);
                c80 = b0.fma(x, c80); c81 = b1.fma(x, c81);
                x = DoubleVector.broadcast(SPECIES, ap[ai + 9]);
                c90 = b0.fma(x, c90); c91 = b1.fma(x, c91);
                x = DoubleVector.broadcast(SPECIES, ap[ai + 10]);
                ca0 = b0.fma(x, ca0); ca1 = b1.fma(x, ca1);
                x = DoubleVector.broadcast(SPECIES, ap[ai + 11]);
                cb0 = b0.fma(x, cb0); cb1 = b1.fma(x, cb1);
            }
            c00.intoArray(tile, 0); c01.intoArray(tile, L);
            c10.intoArray(tile, NR); c11.intoArray(tile, NR + L);
            c20.intoArray(tile, 2 * NR); c21.intoArray(tile, 2 * NR + L);
            c30.intoArray(tile, 3 * NR); c31.intoArray(tile, 3 * NR + L);
            c40.intoArray(tile, 4 * NR); c41.intoArray(tile, 4 * NR + L);
            c50.intoArray(tile, 5 * NR); c51.intoArray(tile, 5 * NR + L);
            c60.intoArray(tile, 6 * NR); c61.intoArray(tile, 6 * NR + L);
            c70.intoArray(tile, 7 * NR); c71.intoArray(tile, 7 * NR + L);
            c80.intoArray(tile, 8 * NR); c81.intoArray(tile, 8 * NR + L);
            c90.intoArray(tile, 9 * NR); c91.intoArray(tile, 9 * NR + L);
            ca0.intoArray(tile, 10 * NR); ca1.intoArray(tile, 10 * NR + L);
            cb0.intoArray(tile, 11 * NR); cb1.intoArray(tile, 11 * NR + L);
        } else {
            // Six rows of a panel MR wide (the whole panel with the 6-row kernel, an edge with 12).
            for (int l = 0; l < kc; l++, ai += MR, bi += NR) {
                DoubleVector b0 = DoubleVector.fromArray(SPECIES, bp, bi);
                DoubleVector b1 = DoubleVector.fromArray(SPECIES, bp, bi + L);
                DoubleVector x = DoubleVector.broadcast(SPECIES, ap[ai]);
                c00 = b0.fma(x, c00); c01 = b1.fma(x, c01);
                x = DoubleVector.broadcast(SPECIES, ap[ai + 1]);
                c10 = b0.fma(x, c10); c11 = b1.fma(x, c11);
                x = DoubleVector.broadcast(SPECIES, ap[ai + 2]);
                c20 = b0.fma(x, c20); c21 = b1.fma(x, c21);
                x = DoubleVector.broadcast(SPECIES, ap[ai + 3]);
                c30 = b0.fma(x, c30); c31 = b1.fma(x, c31);
                x = DoubleVector.broadcast(SPECIES, ap[ai + 4]);
                c40 = b0.fma(x, c40); c41 = b1.fma(x, c41);
                x = DoubleVector.broadcast(SPECIES, ap[ai + 5]);
                c50 = b0.fma(x, c50); c51 = b1.fma(x, c51);
            }
            c00.intoArray(tile, 0); c01.intoArray(tile, L);
            c10.intoArray(tile, NR); c11.intoArray(tile, NR + L);
            c20.intoArray(tile, 2 * NR); c21.intoArray(tile, 2 * NR + L);
            c30.intoArray(tile, 3 * NR); c31.intoArray(tile, 3 * NR + L);
            c40.intoArray(tile, 4 * NR); c41.intoArray(tile, 4 * NR + L);
            c50.intoArray(tile, 5 * NR); c51.intoArray(tile, 5 * NR + L);
        }
    }

    /**
     * C tile (mr x nr) = alpha * tile + beta * C tile; C not read when beta is 0. The vector path
     * (full-width rows of unit-stride C) and the scalar path round identically (a multiply, a
     * multiply, an add; no FMA), so an element's bits do not depend on which path wrote it.
     */
    private static void writeTile(double[] tile, int mr, int nr, double alpha, double beta,
                                  double[] c, int ci, int cRow, int cCol) {
        writeTile(tile, 0, NR, mr, nr, alpha, beta, c, ci, cRow, cCol);
    }

    /** {@link #writeTile} for a tile from {@code tile[to]} whose rows are ts elements apart. */
    private static void writeTile(double[] tile, int to, int ts, int mr, int nr, double alpha, double beta,
                                  double[] c, int ci, int cRow, int cCol) {
        // Whole vectors of unit-stride rows go vector-wide; the rest (a tail, or strided C) per element.
        int vectorCols = cCol == 1 ? nr - nr % L : 0;
        for (int r = 0; r < mr; r++, ci += cRow) {
            int t = to + r * ts;
            int j = 0;
            // Two loops, not a vector assigned in a branch: such a phi may be left boxed by C2.
            if (beta == 0) {
                for (; j < vectorCols; j += L) {
                    DoubleVector.fromArray(SPECIES, tile, t + j).mul(alpha).intoArray(c, ci + j);
                }
            } else {
                for (; j < vectorCols; j += L) {
                    DoubleVector.fromArray(SPECIES, tile, t + j).mul(alpha)
                            .add(DoubleVector.fromArray(SPECIES, c, ci + j).mul(beta)).intoArray(c, ci + j);
                }
            }
            int cj = ci + j * cCol;
            if (beta == 0) {
                for (; j < nr; j++, cj += cCol) c[cj] = alpha * tile[t + j];
            } else {
                for (; j < nr; j++, cj += cCol) c[cj] = alpha * tile[t + j] + c[cj] * beta;
            }
        }
    }

    /** packed[panel][l][r] = A(ic + panel*MR + r, pc + l), zero past the last row. */
    private static void packA(int mc, int kc, double[] a, int aBase, int aRow, int aCol, double[] packed) {
        int dst = 0;
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            int rowBase = aBase + ir * aRow;
            if (mr == MR && aCol == 1) {
                // Row-major A: walk each row once, contiguously.
                for (int r = 0; r < MR; r++) {
                    int src = rowBase + r * aRow;
                    for (int l = 0; l < kc; l++) packed[dst + l * MR + r] = a[src + l];
                }
            } else {
                for (int l = 0; l < kc; l++) {
                    int src = rowBase + l * aCol;
                    int d = dst + l * MR;
                    int r = 0;
                    for (; r < mr; r++) packed[d + r] = a[src + r * aRow];
                    for (; r < MR; r++) packed[d + r] = 0;
                }
            }
            dst += MR * kc;
        }
    }

    /** packed[panel][l][j] = B(pc + l, jc + panel*NR + j), zero past the last column. */
    private static void packB(int kc, int nc, double[] b, int bBase, int bRow, int bCol, double[] packed) {
        int dst = 0;
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr);
            int colBase = bBase + jr * bCol;
            if (nr == NR && bCol == 1) {
                for (int l = 0, src = colBase; l < kc; l++, src += bRow, dst += NR) {
                    DoubleVector.fromArray(SPECIES, b, src).intoArray(packed, dst);
                    DoubleVector.fromArray(SPECIES, b, src + L).intoArray(packed, dst + L);
                }
            } else if (nr == NR && bRow == 1) {
                // Column-major B (a transposed view): walk each column once, contiguously.
                for (int j = 0; j < NR; j++) {
                    int src = colBase + j * bCol;
                    for (int l = 0; l < kc; l++) packed[dst + l * NR + j] = b[src + l];
                }
                dst += NR * kc;
            } else {
                for (int l = 0; l < kc; l++, dst += NR) {
                    int src = colBase + l * bRow;
                    int j = 0;
                    for (; j < nr; j++) packed[dst + j] = b[src + j * bCol];
                    for (; j < NR; j++) packed[dst + j] = 0;
                }
            }
        }
    }

    /** C = alpha * 0 + beta * C for k == 0 (C not read when beta is 0), as the definition gives. */
    private static void scaleC(int batch, int m, int n, double alpha, double beta,
                               double[] c, int cOff, int cBatch, int cRow, int cCol) {
        double zero = alpha * 0;
        for (int p = 0; p < batch; p++) {
            for (int i = 0; i < m; i++) {
                int ci = cOff + p * cBatch + i * cRow;
                for (int j = 0; j < n; j++, ci += cCol) c[ci] = beta == 0 ? zero : zero + c[ci] * beta;
            }
        }
    }

    /** Throws unless every index off + p*sb + x*s1 + y*s2 (within the given sizes) lies in the array. */
    private static void checkExtent(String name, int length, int off, int batch, int sBatch, int rows, int sRow,
                                    int cols, int sCol, int b, int m, int n, int k) {
        long tb = (long) (batch - 1) * sBatch, tr = (long) (rows - 1) * sRow, tc = (long) (cols - 1) * sCol;
        long lo = off + Math.min(tb, 0) + Math.min(tr, 0) + Math.min(tc, 0);
        long hi = off + Math.max(tb, 0) + Math.max(tr, 0) + Math.max(tc, 0);
        if (lo < 0 || hi >= length) {
            throw new IllegalArgumentException("gemm: operand " + name + " (" + rows + "x" + cols
                    + ", offset " + off + ", strides batch=" + sBatch + " row=" + sRow + " col=" + sCol
                    + ") reaches indices [" + lo + ", " + hi + "] outside its array of length " + length
                    + "; batch=" + b + " m=" + m + " n=" + n + " k=" + k);
        }
    }

    private static double[] laneIndexes() {
        double[] idx = new double[L];
        for (int i = 0; i < L; i++) idx[i] = i;
        return idx;
    }

    private static double[] pairIndexes(int from) {
        double[] idx = new double[L];
        for (int i = 0; i < L; i++) idx[i] = G == 2 ? (i < P ? from + i : L + from + i - P) : i;
        return idx;
    }

    private static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }

    private static int roundUp(int x, int unit) {
        return Math.max(unit, ceilDiv(x, unit) * unit);
    }
}
