package dev.quiver.tests.backend;

import dev.quiver.backend.Backend;
import dev.quiver.backend.Backends;
import dev.quiver.check.kit.Coverage;
import dev.quiver.check.kit.Gen;
import dev.quiver.check.kit.Gens;
import dev.quiver.check.kit.Property;
import dev.quiver.check.kit.TensorGens;
import dev.quiver.check.kit.Tolerance;
import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.ReduceOp;
import dev.quiver.kernel.UnaryOp;
import dev.quiver.tensor.DType;
import dev.quiver.tests.support.Ref;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every kernel of every available backend, called directly with raw arrays: against float64
 * reference loops (within {@link Tolerance}), against the scalar backend (the oracle; within the
 * same bounds), and with 1 vs 2 threads (bitwise identical). Sizes 1-67 with primes, zero-size
 * runs, occasional long runs; positive, negative, zero (broadcast) and transposed strides;
 * offsets; NaN in every storage slot a kernel must not read; both dtypes.
 */
class BackendAgreementProperties {

    /** A backend's kernels for one dtype behind one interface over Object arrays. */
    interface K {
        void gemm(int batch, int m, int n, int k, double alpha, Object a, int aOff, int aBatch, int aRow, int aCol,
                  Object b, int bOff, int bBatch, int bRow, int bCol, double beta, Object c, int cOff, int cBatch, int cRow, int cCol);
        void unary(UnaryOp op, int n, Object x, int xOff, int xs, Object y, int yOff, int ys, boolean acc);
        void binary(BinaryOp op, int n, Object a, int aOff, int as, Object b, int bOff, int bs, Object c, int cOff, int cs, boolean acc);
        double reduce(ReduceOp op, int n, Object x, int xOff, int xs);
        int argmax(int n, Object x, int xOff, int xs);
        void axpby(int n, double alpha, Object x, int xOff, int xs, double beta, Object y, int yOff, int ys);
        void fill(int n, double v, Object y, int yOff, int ys);
    }

    static K kernels(Backend backend, DType dtype) {
        if (dtype == DType.F64) {
            var k = backend.f64();
            return new K() {
                public void gemm(int batch, int m, int n, int kk, double alpha, Object a, int aOff, int aBatch, int aRow, int aCol,
                                 Object b, int bOff, int bBatch, int bRow, int bCol, double beta, Object c, int cOff, int cBatch, int cRow, int cCol) {
                    k.gemm(batch, m, n, kk, alpha, (double[]) a, aOff, aBatch, aRow, aCol, (double[]) b, bOff, bBatch, bRow, bCol,
                            beta, (double[]) c, cOff, cBatch, cRow, cCol);
                }
                public void unary(UnaryOp op, int n, Object x, int xOff, int xs, Object y, int yOff, int ys, boolean acc) {
                    k.unary(op, n, (double[]) x, xOff, xs, (double[]) y, yOff, ys, acc);
                }
                public void binary(BinaryOp op, int n, Object a, int aOff, int as, Object b, int bOff, int bs, Object c, int cOff, int cs, boolean acc) {
                    k.binary(op, n, (double[]) a, aOff, as, (double[]) b, bOff, bs, (double[]) c, cOff, cs, acc);
                }
                public double reduce(ReduceOp op, int n, Object x, int xOff, int xs) { return k.reduce(op, n, (double[]) x, xOff, xs); }
                public int argmax(int n, Object x, int xOff, int xs) { return k.argmax(n, (double[]) x, xOff, xs); }
                public void axpby(int n, double alpha, Object x, int xOff, int xs, double beta, Object y, int yOff, int ys) {
                    k.axpby(n, alpha, (double[]) x, xOff, xs, beta, (double[]) y, yOff, ys);
                }
                public void fill(int n, double v, Object y, int yOff, int ys) { k.fill(n, v, (double[]) y, yOff, ys); }
            };
        }
        var k = backend.f32();
        return new K() {
            public void gemm(int batch, int m, int n, int kk, double alpha, Object a, int aOff, int aBatch, int aRow, int aCol,
                             Object b, int bOff, int bBatch, int bRow, int bCol, double beta, Object c, int cOff, int cBatch, int cRow, int cCol) {
                k.gemm(batch, m, n, kk, (float) alpha, (float[]) a, aOff, aBatch, aRow, aCol, (float[]) b, bOff, bBatch, bRow, bCol,
                        (float) beta, (float[]) c, cOff, cBatch, cRow, cCol);
            }
            public void unary(UnaryOp op, int n, Object x, int xOff, int xs, Object y, int yOff, int ys, boolean acc) {
                k.unary(op, n, (float[]) x, xOff, xs, (float[]) y, yOff, ys, acc);
            }
            public void binary(BinaryOp op, int n, Object a, int aOff, int as, Object b, int bOff, int bs, Object c, int cOff, int cs, boolean acc) {
                k.binary(op, n, (float[]) a, aOff, as, (float[]) b, bOff, bs, (float[]) c, cOff, cs, acc);
            }
            public double reduce(ReduceOp op, int n, Object x, int xOff, int xs) { return k.reduce(op, n, (float[]) x, xOff, xs); }
            public int argmax(int n, Object x, int xOff, int xs) { return k.argmax(n, (float[]) x, xOff, xs); }
            public void axpby(int n, double alpha, Object x, int xOff, int xs, double beta, Object y, int yOff, int ys) {
                k.axpby(n, (float) alpha, (float[]) x, xOff, xs, (float) beta, (float[]) y, yOff, ys);
            }
            public void fill(int n, double v, Object y, int yOff, int ys) { k.fill(n, (float) v, (float[]) y, yOff, ys); }
        };
    }

    static double get(Object array, int i) {
        return array instanceof double[] d ? d[i] : ((float[]) array)[i];
    }

    static void set(Object array, int i, double v) {
        if (array instanceof double[] d) d[i] = v;
        else ((float[]) array)[i] = (float) v;
    }

    static Object copy(Object array) {
        return array instanceof double[] d ? d.clone() : ((float[]) array).clone();
    }

    static int length(Object array) {
        return array instanceof double[] d ? d.length : ((float[]) array).length;
    }

    static boolean bitwiseEqual(Object x, Object y) {
        return x instanceof double[] d ? Arrays.equals(d, (double[]) y) : Arrays.equals((float[]) x, (float[]) y);
    }

    /**
     * Storage of the given length, NaN everywhere, then values in [lo, hi) at the listed positions;
     * coarse values are rounded to multiples of 1/2 (ties for max, argmax and the masks, exact 0 for
     * relu and step) unless that leaves [lo, hi).
     */
    static Object storage(DType dtype, int length, int[] positions, long seed, double lo, double hi) {
        Object a = dtype.newArray(length);
        for (int i = 0; i < length; i++) set(a, i, Double.NaN);
        SplittableRandom r = new SplittableRandom(seed);
        boolean coarse = (seed & 1) == 0;
        for (int p : positions) {
            double v = lo + (hi - lo) * r.nextDouble();
            double rounded = Math.round(v * 2) / 2.0;
            set(a, p, coarse && rounded >= lo && rounded < hi ? rounded : v);
        }
        return a;
    }

    /** A strided run: n elements from offset with stride (negative allowed: the run starts at the far end). */
    record Run(int n, int offset, int stride, int length) {
        int[] positions() {
            int[] out = new int[n];
            for (int i = 0; i < n; i++) out[i] = offset + i * stride;
            return out;
        }
    }

    static Gen<Integer> runLength() {
        Gen<Integer> small = Gens.sizes(67);
        return s -> s.weighted(0.1) ? 68 + (int) s.choice(2000) : small.generate(s);
    }

    static Gen<Run> runs(int n) {
        return s -> {
            int stride = Gens.elements(1, 2, -1, 3, -2).generate(s);
            int pad = (int) s.choice(3);
            int span = n == 0 ? 0 : (n - 1) * Math.abs(stride);
            int offset = pad + (stride < 0 ? span : 0);
            return new Run(n, offset, stride, pad + span + 1 + (int) s.choice(2));
        };
    }

    // ------------------------------------------------------------------ elementwise and reductions

    record VectorCase(DType dtype, int kind, UnaryOp uop, BinaryOp bop, ReduceOp rop, Run x, Run y, Run z,
                      boolean broadcastB, boolean inPlace, boolean accumulate, double alpha, double beta, long seed) {}

    static final String[] KINDS = {"unary", "binary", "reduce", "argmax", "axpby", "fill"};

    static Gen<VectorCase> vectorCases() {
        return s -> {
            DType dtype = TensorGens.dtypes().generate(s);
            int kind = (int) s.choice(KINDS.length);
            UnaryOp uop = Gens.elements(UnaryOp.values()).generate(s);
            BinaryOp bop = Gens.elements(BinaryOp.values()).generate(s);
            ReduceOp rop = Gens.elements(ReduceOp.values()).generate(s);
            int n = runLength().generate(s);
            boolean broadcastB = s.weighted(0.2), inPlace = s.weighted(0.2), accumulate = s.weighted(0.3);
            Run x = runs(n).generate(s), y = runs(n).generate(s), z = runs(n).generate(s);
            if (broadcastB) y = new Run(n, 0, 0, 1);
            double alpha = Gens.elements(1.0, -0.5, 2.0, 0.0).generate(s), beta = Gens.elements(0.0, 1.0, -1.5).generate(s);
            return new VectorCase(dtype, kind, uop, bop, rop, x, y, z, broadcastB, inPlace, accumulate, alpha, beta, s.choice(1 << 30));
        };
    }

    /** Runs the case on one backend; returns the output storage (or a one-element array holding a scalar result). */
    static Object runVector(K k, VectorCase c, Object xs, Object ys, Object zs) {
        Run x = c.x(), y = c.y(), z = c.z();
        int n = x.n();
        switch (c.kind()) {
            case 0 -> {
                if (c.inPlace()) { k.unary(c.uop(), n, xs, x.offset(), x.stride(), xs, x.offset(), x.stride(), c.accumulate()); return xs; }
                k.unary(c.uop(), n, xs, x.offset(), x.stride(), zs, z.offset(), z.stride(), c.accumulate());
                return zs;
            }
            case 1 -> {
                if (c.inPlace()) {
                    k.binary(c.bop(), n, xs, x.offset(), x.stride(), ys, y.offset(), y.stride(), xs, x.offset(), x.stride(), c.accumulate());
                    return xs;
                }
                k.binary(c.bop(), n, xs, x.offset(), x.stride(), ys, y.offset(), y.stride(), zs, z.offset(), z.stride(), c.accumulate());
                return zs;
            }
            case 2 -> { return new double[] {k.reduce(c.rop(), n, xs, x.offset(), x.stride())}; }
            case 3 -> { return new double[] {k.argmax(n, xs, x.offset(), x.stride())}; }
            case 4 -> {
                if (c.inPlace()) { k.axpby(n, c.alpha(), xs, x.offset(), x.stride(), c.beta(), xs, x.offset(), x.stride()); return xs; }
                k.axpby(n, c.alpha(), xs, x.offset(), x.stride(), c.beta(), zs, z.offset(), z.stride());
                return zs;
            }
            default -> { k.fill(n, c.alpha(), zs, z.offset(), z.stride()); return zs; }
        }
    }

    static void vectorProperty(Backend backend, Backend twin, Backend scalar, VectorCase c) {
        Coverage.note("kernel", KINDS[c.kind()]);
        Coverage.note("dtype", c.dtype());
        DType dt = c.dtype();
        boolean positive = c.kind() == 0 && (c.uop() == UnaryOp.LOG || c.uop() == UnaryOp.SQRT || c.uop() == UnaryOp.RECIPROCAL)
                || c.kind() == 1 && c.bop() == BinaryOp.POW;
        double lo = positive ? 0.25 : -3, hi = positive ? 4 : 3;
        Object xs = storage(dt, c.x().length(), c.x().positions(), c.seed(), lo, hi);
        Object ys = storage(dt, c.y().length(), c.y().positions(), c.seed() + 1, c.kind() == 1 && c.bop() == BinaryOp.DIV ? 0.5 : -3, 3);
        // The output starts with values where the kernel writes (accumulate and beta read them), NaN elsewhere.
        boolean readsOut = c.kind() == 4 && c.beta() != 0 || (c.kind() <= 1 && c.accumulate());
        Object zs = storage(dt, c.z().length(), c.z().positions(), c.seed() + 2, -3, 3);
        if (!readsOut) for (int p : c.z().positions()) set(zs, p, Double.NaN);
        Object x0 = copy(xs), z0 = copy(zs);

        Object got = runVector(kernels(backend, dt), c, copy(xs), copy(ys), copy(zs));
        Object again = runVector(kernels(twin, dt), c, copy(xs), copy(ys), copy(zs));
        assertTrue(bitwiseEqual(got, again), Ref.label(backend) + " and " + Ref.label(twin) + " differ: thread count changed a result");
        Object oracle = runVector(kernels(scalar, dt), c, copy(xs), copy(ys), copy(zs));

        int n = c.x().n();
        if (c.kind() == 2 || c.kind() == 3) {
            double acc = c.rop().identity(), abs = 0;
            int best = n == 0 ? -1 : 0;
            for (int i = 0; i < n; i++) {
                double v = get(x0, c.x().offset() + i * c.x().stride());
                acc = switch (c.rop()) {
                    case SUM -> acc + v;
                    case SUM_SQUARES -> acc + v * v;
                    case MAX -> Math.max(acc, v);
                    case MIN -> Math.min(acc, v);
                };
                abs += c.rop() == ReduceOp.SUM_SQUARES ? v * v : Math.abs(v);
                if (v > get(x0, c.x().offset() + best * c.x().stride())) best = i;
            }
            double value = ((double[]) got)[0];
            if (c.kind() == 3) {
                assertEquals(best, (int) value, "argmax");
            } else {
                Tolerance.check(c.rop() + " of " + n, acc, value, Tolerance.sum(dt, n, abs));
                Tolerance.check(c.rop() + " vs scalar", ((double[]) oracle)[0], value, 2 * Tolerance.sum(dt, n, abs));
            }
            return;
        }
        Run out = c.inPlace() && c.kind() != 5 ? c.x() : c.z();
        Object before = c.inPlace() && c.kind() != 5 ? x0 : z0;
        boolean[] written = new boolean[length(got)];
        for (int i = 0; i < n; i++) {
            int p = out.offset() + i * out.stride();
            written[p] = true;
            double xv = get(x0, c.x().offset() + i * c.x().stride()), yv = get(ys, c.y().offset() + i * c.y().stride());
            double prior = get(before, p);
            double f, scale = 0;
            switch (c.kind()) {
                case 0 -> f = c.uop().apply(xv);
                case 1 -> { f = c.bop().apply(xv, yv); scale = switch (c.bop()) {
                    case ADD, SUB -> Math.abs(xv) + Math.abs(yv);
                    case TANH_GRAD -> Math.abs(yv) * (1 + xv * xv);
                    case SIGMOID_GRAD -> Math.abs(yv * xv) * (1 + Math.abs(xv));
                    default -> 0;
                }; }
                case 4 -> {
                    double alpha = dt == DType.F32 ? (float) c.alpha() : c.alpha(), beta = dt == DType.F32 ? (float) c.beta() : c.beta();
                    f = c.beta() == 0 ? alpha * xv : alpha * xv + beta * prior;
                    scale = Math.abs(alpha * xv) + (c.beta() == 0 ? 0 : Math.abs(beta * prior));
                }
                default -> f = dt == DType.F32 ? (float) c.alpha() : c.alpha();
            }
            boolean acc = c.kind() <= 1 && c.accumulate();
            double expected = acc ? prior + f : f;
            if (acc) scale += Math.abs(prior) + Math.abs(f);
            String what = KINDS[c.kind()] + " " + (c.kind() == 0 ? c.uop() : c.kind() == 1 ? c.bop() : "") + " element " + i + " of " + n;
            Tolerance.check(what, expected, get(got, p), Tolerance.elementwise(dt, expected, scale));
            Tolerance.check(what + " vs scalar", get(oracle, p), get(got, p), 2 * Tolerance.elementwise(dt, expected, scale));
        }
        for (int p = 0; p < written.length; p++) {
            if (!written[p] && !(Double.isNaN(get(before, p)) && Double.isNaN(get(got, p))) && get(before, p) != get(got, p)) {
                throw new AssertionError("slot " + p + " outside the output run was modified");
            }
        }
    }

    // ------------------------------------------------------------------ gemm

    /** One operand's layout: an r x c matrix per batch entry, row-major or transposed, padded, maybe shared. */
    record Layout(int rows, int cols, boolean transposed, int pad, boolean shared, int offset, int batch) {
        int rowStride() { return transposed ? 1 : cols + pad; }
        int colStride() { return transposed ? rows + pad : 1; }
        int matrixSpan() { return transposed ? (rows + pad) * Math.max(cols, 1) : (cols + pad) * Math.max(rows, 1); }
        int batchStride() { return shared ? 0 : matrixSpan() + pad; }
        int length() { return offset + (shared ? 1 : Math.max(batch, 1)) * (matrixSpan() + pad) + 1; }
        int at(int p, int i, int j) { return offset + p * batchStride() + i * rowStride() + j * colStride(); }
        int[] positions() {
            List<Integer> out = new ArrayList<>();
            for (int p = 0; p < (shared ? Math.min(batch, 1) : batch); p++)
                for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) out.add(at(p, i, j));
            return out.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    record GemmCase(DType dtype, int batch, int m, int n, int k, double alpha, double beta, Layout a, Layout b, Layout c, long seed) {}

    static Gen<Layout> layout(int rows, int cols, int batch, boolean mayShare) {
        return s -> new Layout(rows, cols, s.weighted(0.4), (int) s.choice(3), mayShare && s.weighted(0.3), (int) s.choice(4), batch);
    }

    static Gen<GemmCase> gemmCases() {
        Gen<Integer> size = Gens.sizes(67);
        return s -> {
            DType dtype = TensorGens.dtypes().generate(s);
            int batch = s.weighted(0.3) ? 1 + (int) s.choice(3) : 1;
            int m = size.generate(s), n = size.generate(s), k = size.generate(s);
            double alpha = Gens.elements(1.0, -1.0, 0.5, 0.0).generate(s), beta = Gens.elements(0.0, 1.0, -0.5).generate(s);
            return new GemmCase(dtype, batch, m, n, k, alpha, beta, layout(m, k, batch, true).generate(s),
                    layout(k, n, batch, true).generate(s), layout(m, n, batch, false).generate(s), s.choice(1 << 30));
        };
    }

    static Object runGemm(K kk, GemmCase g, Object a, Object b, Object c) {
        kk.gemm(g.batch(), g.m(), g.n(), g.k(), g.alpha(), a, g.a().offset(), g.a().batchStride(), g.a().rowStride(), g.a().colStride(),
                b, g.b().offset(), g.b().batchStride(), g.b().rowStride(), g.b().colStride(),
                g.beta(), c, g.c().offset(), g.c().batchStride(), g.c().rowStride(), g.c().colStride());
        return c;
    }

    static void gemmProperty(Backend backend, Backend twin, Backend scalar, GemmCase g) {
        Coverage.note("dtype", g.dtype());
        Coverage.note("shape", (g.m() == 0 || g.n() == 0 || g.k() == 0 ? "empty" : g.m() * g.n() * g.k() > 20_000 ? "large" : "small")
                + (g.batch() > 1 ? " batched" : ""));
        DType dt = g.dtype();
        Object a = storage(dt, g.a().length(), g.a().positions(), g.seed(), -1, 1);
        Object b = storage(dt, g.b().length(), g.b().positions(), g.seed() + 1, -1, 1);
        Object c = storage(dt, g.c().length(), g.c().positions(), g.seed() + 2, -1, 1);
        if (g.beta() == 0) for (int p : g.c().positions()) set(c, p, Double.NaN); // C must not be read
        Object got = runGemm(kernels(backend, dt), g, copy(a), copy(b), copy(c));
        Object again = runGemm(kernels(twin, dt), g, copy(a), copy(b), copy(c));
        assertTrue(bitwiseEqual(got, again), Ref.label(backend) + " and " + Ref.label(twin) + " differ: thread count changed a result");
        Object oracle = runGemm(kernels(scalar, dt), g, copy(a), copy(b), copy(c));
        double alpha = dt == DType.F32 ? (float) g.alpha() : g.alpha(), beta = dt == DType.F32 ? (float) g.beta() : g.beta();
        boolean[] written = new boolean[length(got)];
        for (int p = 0; p < g.batch(); p++) {
            int pa = g.a().shared() ? 0 : p, pb = g.b().shared() ? 0 : p;
            for (int i = 0; i < g.m(); i++) {
                for (int j = 0; j < g.n(); j++) {
                    double sum = 0, abs = 0;
                    for (int l = 0; l < g.k(); l++) {
                        double t = get(a, g.a().at(pa, i, l)) * get(b, g.b().at(pb, l, j));
                        sum += t;
                        abs += Math.abs(t);
                    }
                    int pos = g.c().at(p, i, j);
                    written[pos] = true;
                    double prior = get(c, pos);
                    double expected = g.beta() == 0 ? alpha * sum : alpha * sum + beta * prior;
                    double bound = Tolerance.sum(dt, g.k() + 2, Math.abs(alpha) * abs + (g.beta() == 0 ? 0 : Math.abs(beta * prior)));
                    String what = "gemm C[" + p + "][" + i + "][" + j + "]";
                    Tolerance.check(what, expected, get(got, pos), bound);
                    Tolerance.check(what + " vs scalar", get(oracle, pos), get(got, pos), 2 * bound);
                }
            }
        }
        for (int pos = 0; pos < written.length; pos++) {
            if (!written[pos] && !(Double.isNaN(get(c, pos)) && Double.isNaN(get(got, pos)))) {
                throw new AssertionError("gemm wrote storage slot " + pos + " outside C");
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> everyKernelAgreesWithTheReferenceAndTheScalarBackend() {
        Backend scalar = Backends.create("scalar", 1);
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : Backends.available()) {
            Backend one = Backends.create(name, 1), two = Backends.create(name, 2);
            name = one.description(); // e.g. the vector width of the SIMD backend
            tests.add(Property.forAll(vectorCases()).tries(400)
                    .test("elementwise, reduce, argmax, axpby, fill on " + name, c -> vectorProperty(one, two, scalar, c)));
            tests.add(Property.forAll(gemmCases()).tries(100)
                    .test("batched strided gemm on " + name, g -> gemmProperty(one, two, scalar, g)));
        }
        return tests.stream();
    }

}
