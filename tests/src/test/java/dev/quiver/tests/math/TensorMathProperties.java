package dev.quiver.tests.math;

import dev.quiver.backend.Backend;
import dev.quiver.check.kit.Coverage;
import dev.quiver.check.kit.Domain;
import dev.quiver.check.kit.Gen;
import dev.quiver.check.kit.Gens;
import dev.quiver.check.kit.Property;
import dev.quiver.check.kit.TensorGens;
import dev.quiver.check.kit.Tolerance;
import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.ReduceOp;
import dev.quiver.kernel.UnaryOp;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import dev.quiver.tests.support.Ref;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static dev.quiver.tests.support.Ref.broadcastIndex;
import static dev.quiver.tests.support.Ref.unravel;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Eager ops (TensorMath) on every available backend and thread count, against plain float64
 * loops over the reference definitions ({@link UnaryOp#apply}, {@link BinaryOp#apply}), with
 * random shapes, broadcasting, storage layouts (transposed, strided, reversed, offset) and both
 * dtypes. Bounds come from {@link Tolerance}.
 */
class TensorMathProperties {

    static Domain unaryDomain(UnaryOp op) {
        return switch (op) {
            case LOG, SQRT, RECIPROCAL -> Domain.POSITIVE;
            default -> Domain.interval(op.domain().lo(), op.domain().hi()); // the op definition's domain
        };
    }

    static Domain leftDomain(BinaryOp op) {
        return op == BinaryOp.POW ? Domain.POSITIVE : Domain.REAL;
    }

    static Domain rightDomain(BinaryOp op) {
        return op == BinaryOp.DIV ? Domain.AWAY_FROM_ZERO : Domain.REAL;
    }

    /** The scale of intermediate quantities of f(a, b), for {@link Tolerance#elementwise}. */
    static double scale(BinaryOp op, double a, double b) {
        return switch (op) {
            case ADD, SUB -> Math.abs(a) + Math.abs(b);
            case TANH_GRAD -> Math.abs(b) * (1 + a * a);
            case SIGMOID_GRAD -> Math.abs(b * a) * (1 + Math.abs(a));
            default -> 0;
        };
    }

    static Gen<Tensor> values(DType dtype, int[] shape, Domain domain) {
        return TensorGens.layoutOf(Tensor.zeros(dtype, shape)).flatMap(empty -> s -> {
            // Same layout generator, then fill with domain values through the view.
            Tensor t = TensorGens.tensors(dtype, shape, domain).generate(s);
            for (int i = 0; i < t.size(); i++) empty.setFlat(i, t.getFlat(i));
            return empty;
        });
    }

    // ------------------------------------------------------------------ elementwise

    record UnaryCase(UnaryOp op, int form, Tensor x, Tensor out) {}

    static final String[] UNARY_FORMS = {"out", "in place", "accumulate", "allocating"};

    static Gen<UnaryCase> unaryCases() {
        return s -> {
            UnaryOp op = Gens.elements(UnaryOp.values()).generate(s);
            DType dtype = TensorGens.dtypes().generate(s);
            int[] shape = TensorGens.shapes(0, 4, 0, 5, 0.05).generate(s);
            int form = (int) s.choice(4);
            Tensor x = values(dtype, shape, unaryDomain(op)).generate(s);
            Tensor out = values(dtype, shape, Domain.REAL).generate(s);
            return new UnaryCase(op, form, x, out);
        };
    }

    static void unaryProperty(TensorMath math, UnaryCase c) {
        Coverage.note("op", c.op());
        Coverage.note("form", UNARY_FORMS[c.form()]);
        Tensor x = c.x(), before = c.out().copy(), xBefore = x.copy();
        Tensor result = switch (c.form()) {
            case 0 -> math.unary(c.op(), x, c.out());
            case 1 -> math.unary(c.op(), x, x);
            case 2 -> math.unaryAccumulate(c.op(), x, c.out());
            default -> math.unary(c.op(), x);
        };
        if (c.form() == 0 || c.form() == 2) assertSame(c.out(), result, "the out form returns out");
        if (c.form() == 1) assertSame(x, result);
        assertArrayEquals(x.shape(), result.shape());
        for (int i = 0; i < x.size(); i++) {
            double xi = xBefore.getFlat(i), f = c.op().apply(xi);
            double expected = c.form() == 2 ? before.getFlat(i) + f : f;
            double scale = c.form() == 2 ? Math.abs(before.getFlat(i)) + Math.abs(f) : 0;
            Tolerance.check(c.op() + " element " + Arrays.toString(unravel(i, x.shape())), expected, result.getFlat(i),
                    Tolerance.elementwise(x.dtype(), expected, scale));
            if (c.form() != 1) assertEquals(xBefore.getFlat(i), x.getFlat(i), "the input is not modified");
        }
    }

    record BinaryCase(BinaryOp op, int form, Tensor a, Tensor b, double scalar, Tensor out) {}

    static final String[] BINARY_FORMS = {"out", "accumulate", "allocating", "scalar"};

    static Gen<BinaryCase> binaryCases() {
        return s -> {
            BinaryOp op = Gens.elements(BinaryOp.values()).generate(s);
            DType dtype = TensorGens.dtypes().generate(s);
            int[][] shapes = TensorGens.broadcastable(2, TensorGens.shapes(0, 4, 0, 5, 0.05)).generate(s);
            int form = (int) s.choice(4);
            Tensor a = values(dtype, shapes[0], leftDomain(op)).generate(s);
            Tensor b = values(dtype, shapes[1], rightDomain(op)).generate(s);
            double scalar = rightDomain(op).draw(s);
            int[] outShape = form == 3 ? shapes[0] : Shapes.broadcast("test", shapes[0], shapes[1]);
            Tensor out = values(dtype, outShape, Domain.REAL).generate(s);
            return new BinaryCase(op, form, a, b, scalar, out);
        };
    }

    static void binaryProperty(TensorMath math, BinaryCase c) {
        Coverage.note("op", c.op());
        Coverage.note("form", BINARY_FORMS[c.form()]);
        Tensor before = c.out().copy();
        Tensor result = switch (c.form()) {
            case 0 -> math.binary(c.op(), c.a(), c.b(), c.out());
            case 1 -> math.binaryAccumulate(c.op(), c.a(), c.b(), c.out());
            case 2 -> math.binary(c.op(), c.a(), c.b());
            default -> math.binary(c.op(), c.a(), c.scalar(), c.out());
        };
        assertArrayEquals(c.out().shape(), result.shape());
        DType dtype = c.a().dtype();
        double s = dtype == DType.F32 ? (float) c.scalar() : c.scalar();
        for (int i = 0; i < result.size(); i++) {
            int[] idx = unravel(i, result.shape());
            double a = c.a().get(broadcastIndex(idx, c.a().shape()));
            double b = c.form() == 3 ? s : c.b().get(broadcastIndex(idx, c.b().shape()));
            double f = c.op().apply(a, b);
            double expected = c.form() == 1 ? before.getFlat(i) + f : f;
            double scale = scale(c.op(), a, b) + (c.form() == 1 ? Math.abs(before.getFlat(i)) + Math.abs(f) : 0);
            Tolerance.check(c.op() + " element " + Arrays.toString(idx) + " of a=" + a + ", b=" + b, expected,
                    result.getFlat(i), Tolerance.elementwise(dtype, expected, scale));
        }
    }

    record AxpbyCase(double alpha, double beta, Tensor x, Tensor y, int form) {}

    static Gen<AxpbyCase> axpbyCases() {
        return s -> {
            DType dtype = TensorGens.dtypes().generate(s);
            int[][] shapes = TensorGens.broadcastable(1, TensorGens.shapes(0, 4, 0, 5, 0.05)).generate(s);
            int[] yShape = TensorGens.broadcastable(1, Gens.constant(shapes[0])).generate(s)[0];
            // x broadcasts to y: x is the smaller operand of a (result = y) pair.
            int form = (int) s.choice(3); // axpby, copy, fill
            Tensor x = values(dtype, yShape, Domain.REAL).generate(s);
            Tensor y = values(dtype, shapes[0], Domain.REAL).generate(s);
            double alpha = Domain.REAL.draw(s), beta = s.weighted(0.2) ? 0 : Domain.REAL.draw(s);
            return new AxpbyCase(alpha, beta, x, y, form);
        };
    }

    static void axpbyProperty(TensorMath math, AxpbyCase c) {
        String[] forms = {"axpby", "copy", "fill"};
        Coverage.note("op", forms[c.form()]);
        DType dtype = c.y().dtype();
        Tensor y = c.y(), before = y.copy();
        double alpha = dtype == DType.F32 ? (float) c.alpha() : c.alpha(), beta = dtype == DType.F32 ? (float) c.beta() : c.beta();
        if (c.form() == 2) {
            assertSame(y, math.fill(y, c.alpha()));
        } else if (c.form() == 1) {
            assertSame(y, math.copy(c.x(), y));
        } else {
            if (c.beta() == 0) for (int i = 0; i < y.size(); i++) y.setFlat(i, Double.NaN); // y must not be read
            assertSame(y, math.axpby(c.alpha(), c.x(), c.beta(), y));
        }
        for (int i = 0; i < y.size(); i++) {
            int[] idx = unravel(i, y.shape());
            double x = c.x().get(broadcastIndex(idx, c.x().shape()));
            double expected = switch (c.form()) {
                case 2 -> alpha;
                case 1 -> x;
                default -> c.beta() == 0 ? alpha * x : alpha * x + beta * before.getFlat(i);
            };
            double scale = c.form() == 0 ? Math.abs(alpha * x) + Math.abs(beta * before.getFlat(i)) : 0;
            Tolerance.check(forms[c.form()] + " element " + Arrays.toString(idx), expected, y.getFlat(i),
                    Tolerance.elementwise(dtype, expected, scale));
        }
    }

    // ------------------------------------------------------------------ reductions

    record ReduceCase(ReduceOp op, int form, Tensor x, int[] axes, boolean keepDims, Tensor out) {}

    static Gen<ReduceCase> reduceCases() {
        return s -> {
            ReduceOp op = Gens.elements(ReduceOp.values()).generate(s);
            DType dtype = TensorGens.dtypes().generate(s);
            int[] shape = TensorGens.shapes(0, 4, 0, 6, 0.05).generate(s);
            Tensor x = values(dtype, shape, Domain.REAL).generate(s);
            int[] axes = TensorGens.axes(shape.length).generate(s);
            boolean keepDims = s.weighted(0.5);
            int form = (int) s.choice(2); // out form, allocating form
            int mask = mask(axes, shape.length);
            Tensor out = values(dtype, reducedShape(shape, mask, keepDims), Domain.REAL).generate(s);
            return new ReduceCase(op, form, x, axes, keepDims, out);
        };
    }

    static int mask(int[] axes, int rank) {
        if (axes.length == 0) return (1 << rank) - 1;
        int m = 0;
        for (int a : axes) m |= 1 << Math.floorMod(a, rank);
        return m;
    }

    static int[] reducedShape(int[] shape, int mask, boolean keepDims) {
        List<Integer> out = new ArrayList<>();
        for (int d = 0; d < shape.length; d++) {
            boolean reduced = (mask & (1 << d)) != 0;
            if (!reduced) out.add(shape[d]);
            else if (keepDims) out.add(1);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    static void reduceProperty(TensorMath math, ReduceCase c) {
        Coverage.note("op", c.op());
        Tensor x = c.x();
        int rank = x.rank(), mask = mask(c.axes(), rank);
        Tensor result = c.form() == 0 ? math.reduce(c.op(), x, c.keepDims(), c.axes(), c.out())
                : math.reduce(c.op(), x, c.keepDims(), c.axes());
        int[] expectedShape = reducedShape(x.shape(), mask, c.keepDims());
        assertArrayEquals(expectedShape, result.shape());
        // Reference: walk every input element and combine it into its output slot.
        int n = result.size();
        double[] acc = new double[n], sumAbs = new double[n];
        int[] count = new int[n];
        Arrays.fill(acc, c.op().identity());
        int[] keptShape = reducedShape(x.shape(), mask, true);
        for (int i = 0; i < x.size(); i++) {
            int[] idx = unravel(i, x.shape());
            int slot = 0;
            for (int d = 0; d < rank; d++) slot = slot * keptShape[d] + ((mask & (1 << d)) != 0 ? 0 : idx[d]);
            double v = x.getFlat(i);
            acc[slot] = switch (c.op()) {
                case SUM -> acc[slot] + v;
                case SUM_SQUARES -> acc[slot] + v * v;
                case MAX -> Math.max(acc[slot], v);
                case MIN -> Math.min(acc[slot], v);
            };
            sumAbs[slot] += c.op() == ReduceOp.SUM_SQUARES ? v * v : Math.abs(v);
            count[slot]++;
        }
        for (int i = 0; i < n; i++) {
            Tolerance.check(c.op() + " over axes " + Arrays.toString(c.axes()) + " at " + Arrays.toString(unravel(i, expectedShape)),
                    acc[i], result.getFlat(i), Tolerance.sum(x.dtype(), count[i], sumAbs[i]));
        }
    }

    record SumToCase(Tensor x, Tensor out) {}

    static Gen<SumToCase> sumToCases() {
        return s -> {
            DType dtype = TensorGens.dtypes().generate(s);
            int[][] p = TensorGens.broadcastable(1, TensorGens.shapes(0, 4, 0, 5, 0.05)).generate(s);
            int[] big = p[0];
            int[] small = TensorGens.broadcastable(1, Gens.constant(big)).generate(s)[0];
            return new SumToCase(values(dtype, big, Domain.REAL).generate(s), values(dtype, small, Domain.REAL).generate(s));
        };
    }

    static void sumToProperty(TensorMath math, SumToCase c) {
        Tensor x = c.x(), out = c.out();
        assertSame(out, math.sumTo(x, out));
        double[] acc = new double[out.size()], abs = new double[out.size()];
        int[] count = new int[out.size()];
        int[] outStrides = Shapes.contiguousStrides(out.shape());
        for (int i = 0; i < x.size(); i++) {
            int[] idx = broadcastIndex(unravel(i, x.shape()), out.shape());
            int slot = 0;
            for (int d = 0; d < idx.length; d++) slot += idx[d] * outStrides[d];
            acc[slot] += x.getFlat(i);
            abs[slot] += Math.abs(x.getFlat(i));
            count[slot]++;
        }
        for (int i = 0; i < out.size(); i++) {
            Tolerance.check("sumTo " + Shapes.str(out.shape()) + " at " + i, acc[i], out.getFlat(i), Tolerance.sum(x.dtype(), count[i], abs[i]));
        }
    }

    // ------------------------------------------------------------------ linear algebra

    record MatmulCase(Tensor a, Tensor b, Tensor out, double alpha, double beta, boolean gemm) {}

    static Gen<MatmulCase> matmulCases() {
        return s -> {
            DType dtype = TensorGens.dtypes().generate(s);
            boolean gemm = s.weighted(0.3);
            int ar = gemm ? 2 + (int) s.choice(2) : 1 + (int) s.choice(3);
            int br = gemm ? 2 + (int) s.choice(2) : 1 + (int) s.choice(3);
            if (ar == 3 && br == 1) br = 2;
            if (ar == 1 && br == 3) ar = 2;
            Gen<Integer> dim = Gens.sizes(9);
            int m = dim.generate(s), k = dim.generate(s), n = dim.generate(s), batch = 1 + (int) s.choice(3);
            int aBatch = ar == 3 && s.weighted(0.2) ? 1 : batch, bBatch = br == 3 && s.weighted(0.2) ? 1 : batch;
            int[] aShape = ar == 1 ? new int[] {k} : ar == 2 ? new int[] {m, k} : new int[] {aBatch, m, k};
            int[] bShape = br == 1 ? new int[] {k} : br == 2 ? new int[] {k, n} : new int[] {bBatch, k, n};
            boolean batched = ar == 3 || br == 3;
            int outBatch = Math.max(ar == 3 ? aBatch : 1, br == 3 ? bBatch : 1);
            int[] outShape = batched ? new int[] {outBatch, m, n}
                    : ar == 1 && br == 1 ? new int[0] : ar == 1 ? new int[] {n} : br == 1 ? new int[] {m} : new int[] {m, n};
            Tensor a = values(dtype, aShape, Domain.REAL).generate(s);
            Tensor b = values(dtype, bShape, Domain.REAL).generate(s);
            Tensor out = values(dtype, outShape, Domain.REAL).generate(s);
            double alpha = gemm ? Domain.REAL.draw(s) : 1, beta = gemm && s.weighted(0.7) ? Domain.REAL.draw(s) : 0;
            return new MatmulCase(a, b, out, alpha, beta, gemm);
        };
    }

    static void matmulProperty(TensorMath math, MatmulCase c) {
        Tensor a = c.a(), b = c.b(), out = c.out();
        Coverage.note("ranks", a.rank() + "x" + b.rank() + (c.gemm() ? " gemm" : ""));
        DType dtype = a.dtype();
        Tensor before = out.copy();
        if (c.beta() == 0) for (int i = 0; i < out.size(); i++) out.setFlat(i, Double.NaN); // not read when beta == 0
        double alpha = dtype == DType.F32 ? (float) c.alpha() : c.alpha(), beta = dtype == DType.F32 ? (float) c.beta() : c.beta();
        Tensor result = c.gemm() ? math.gemm(c.alpha(), a, b, c.beta(), out) : math.matmul(a, b, out);
        assertSame(out, result);
        // Reference: promote both operands to (batch, m, k) and (batch, k, n) index functions.
        int k = a.dim(-1);
        for (int i = 0; i < out.size(); i++) {
            int[] idx = unravel(i, out.shape());
            int p = out.rank() == 3 ? idx[0] : 0;
            int row = a.rank() == 1 ? 0 : out.rank() == 3 ? idx[1] : idx[0];
            int col = b.rank() == 1 ? 0 : idx[idx.length - 1];
            double sum = 0, abs = 0;
            for (int l = 0; l < k; l++) {
                double av = a.rank() == 1 ? a.get(l) : a.rank() == 2 ? a.get(row, l) : a.get(a.dim(0) == 1 ? 0 : p, row, l);
                double bv = b.rank() == 1 ? b.get(l) : b.rank() == 2 ? b.get(l, col) : b.get(b.dim(0) == 1 ? 0 : p, l, col);
                sum += av * bv;
                abs += Math.abs(av * bv);
            }
            double expected = alpha * sum + (c.beta() == 0 ? 0 : beta * before.getFlat(i));
            double bound = Tolerance.sum(dtype, k + 2, Math.abs(alpha) * abs + Math.abs(beta * before.getFlat(i)));
            Tolerance.check("matmul " + Shapes.str(a.shape()) + "·" + Shapes.str(b.shape()) + " at " + Arrays.toString(idx),
                    expected, result.getFlat(i), bound);
        }
    }

    record ModeCase(Tensor a, Tensor b, int mode, boolean kLast, Tensor out) {}

    static Gen<ModeCase> modeCases() {
        return s -> {
            DType dtype = TensorGens.dtypes().generate(s);
            int[] shape = TensorGens.shapes(1, 4, 0, 5, 0.05).generate(s);
            int mode = TensorGens.axis(shape.length).generate(s);
            int md = Math.floorMod(mode, shape.length);
            int kDim = Gens.sizes(6).generate(s);
            boolean kLast = s.weighted(0.5);
            int[] outShape;
            if (kLast) {
                List<Integer> dims = new ArrayList<>();
                for (int d = 0; d < shape.length; d++) if (d != md) dims.add(shape[d]);
                dims.add(kDim);
                outShape = dims.stream().mapToInt(Integer::intValue).toArray();
            } else {
                outShape = shape.clone();
                outShape[md] = kDim;
            }
            return new ModeCase(values(dtype, shape, Domain.REAL).generate(s),
                    values(dtype, new int[] {shape[md], kDim}, Domain.REAL).generate(s), mode, kLast,
                    values(dtype, outShape, Domain.REAL).generate(s));
        };
    }

    static void modeProperty(TensorMath math, ModeCase c) {
        Tensor a = c.a(), b = c.b(), out = c.out();
        int md = Math.floorMod(c.mode(), a.rank());
        Coverage.note("mode", md + "/" + a.rank() + (c.kLast() ? " kLast" : ""));
        Tensor result = c.kLast() ? math.modeNLast(a, b, c.mode(), out) : math.modeN(a, b, c.mode(), out);
        assertSame(out, result);
        for (int i = 0; i < out.size(); i++) {
            int[] idx = unravel(i, out.shape());
            int kk = c.kLast() ? idx[idx.length - 1] : idx[md];
            int[] aIdx = new int[a.rank()];
            for (int d = 0, o = 0; d < a.rank(); d++) {
                if (d == md) continue;
                aIdx[d] = c.kLast() ? idx[o++] : idx[d];
            }
            double sum = 0, abs = 0;
            for (int j = 0; j < a.dim(md); j++) {
                aIdx[md] = j;
                double t = a.get(aIdx) * b.get(j, kk);
                sum += t;
                abs += Math.abs(t);
            }
            Tolerance.check("mode-" + md + " product at " + Arrays.toString(idx), sum, result.getFlat(i),
                    Tolerance.sum(a.dtype(), a.dim(md), abs));
        }
    }

    /** mean, norm, argmax, dot and outer on one random tensor (and vectors cut from it). */
    static void smallOpsProperty(TensorMath math, Tensor x) {
        DType dtype = x.dtype();
        double sum = 0, abs = 0, squares = 0;
        for (int i = 0; i < x.size(); i++) {
            sum += x.getFlat(i);
            abs += Math.abs(x.getFlat(i));
            squares += x.getFlat(i) * x.getFlat(i);
        }
        if (x.size() > 0) {
            Tolerance.check("mean", sum / x.size(), math.mean(x).item(), Tolerance.sum(dtype, x.size() + 1, abs / x.size()));
        }
        Tolerance.check("norm", Math.sqrt(squares), math.norm(x).item(), Tolerance.sum(dtype, x.size() + 2, Math.sqrt(squares)));
        if (x.rank() > 0 && x.dim(-1) > 0) {
            Tensor arg = math.argmax(x, -1);
            for (int i = 0; i < arg.size(); i++) {
                int[] idx = unravel(i, arg.shape());
                int[] full = Arrays.copyOf(idx, x.rank());
                int best = 0;
                for (int j = 0; j < x.dim(-1); j++) {
                    full[x.rank() - 1] = j;
                    double v = x.get(full);
                    full[x.rank() - 1] = best;
                    if (v > x.get(full)) best = j;
                }
                assertEquals(best, arg.getFlat(i), "argmax at " + Arrays.toString(idx));
            }
        }
        Tensor v = x.reshape(-1);
        Tensor w = v.copy();
        for (int i = 0; i < w.size(); i++) w.setFlat(i, 1.5 - 0.25 * i);
        double dot = 0, dotAbs = 0;
        for (int i = 0; i < v.size(); i++) {
            dot += v.getFlat(i) * w.getFlat(i);
            dotAbs += Math.abs(v.getFlat(i) * w.getFlat(i));
        }
        Tolerance.check("dot", dot, math.dot(v, w).item(), Tolerance.sum(dtype, v.size(), dotAbs));
        Tensor outer = math.outer(v, w);
        assertArrayEquals(new int[] {v.size(), w.size()}, outer.shape());
        for (int i = 0; i < v.size(); i++) {
            for (int j = 0; j < w.size(); j++) {
                double e = v.getFlat(i) * w.getFlat(j);
                Tolerance.check("outer", e, outer.get(i, j), Tolerance.elementwise(dtype, e, 0));
            }
        }
    }

    // ------------------------------------------------------------------ bad input

    static void badInputProperty(TensorMath math, Tensor x) {
        int[] shape = x.shape();
        int[] wrong = Arrays.copyOf(shape, shape.length + 1);
        wrong[shape.length] = 2;
        Tensor wrongOut = Tensor.zeros(x.dtype(), wrong);
        expectMessage(() -> math.unary(UnaryOp.EXP, x, wrongOut), "unary", Shapes.str(shape), Shapes.str(wrong));
        Tensor otherType = Tensor.zeros(x.dtype() == DType.F64 ? DType.F32 : DType.F64, shape);
        expectMessage(() -> math.binary(BinaryOp.ADD, x, otherType), "binary");
        if (x.rank() > 0) {
            expectMessage(() -> math.sum(x, x.rank()), "axis " + x.rank(), Shapes.str(shape));
            expectMessage(() -> math.sum(x, 0, -x.rank()), "repeated", Shapes.str(shape));
            Tensor m = Tensor.zeros(x.dtype(), x.dim(-1) + 1, 2);
            if (x.rank() <= 3) expectMessage(() -> math.matmul(x, m), "matmul", Shapes.str(shape), Shapes.str(m.shape()));
            Tensor modeMatrix = Tensor.zeros(x.dtype(), x.dim(0) + 1, 2);
            expectMessage(() -> math.modeN(x, modeMatrix, 0), "modeN", Shapes.str(shape), Shapes.str(modeMatrix.shape()));
            expectMessage(() -> math.reduce(ReduceOp.SUM, x, false, new int[0], Tensor.zeros(x.dtype(), 7)), "reduce");
        }
    }

    static void expectMessage(org.junit.jupiter.api.function.Executable call, String... parts) {
        var e = assertThrows(IllegalArgumentException.class, call, "expected an error mentioning " + Arrays.toString(parts));
        for (String part : parts) assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should contain '" + part + "'");
    }

    // ------------------------------------------------------------------ the suite

    @TestFactory
    Stream<DynamicTest> everyOpOnEveryBackend() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Backend backend : Ref.backends()) {
            TensorMath math = TensorMath.of(backend);
            String on = " on " + Ref.label(backend);
            tests.add(Property.forAll(unaryCases()).tries(300).classify("dtype", c -> c.x().dtype()).classify("rank", c -> c.x().rank())
                    .test("unary" + on, c -> unaryProperty(math, c)));
            tests.add(Property.forAll(binaryCases()).tries(300).classify("dtype", c -> c.a().dtype())
                    .test("binary" + on, c -> binaryProperty(math, c)));
            tests.add(Property.forAll(axpbyCases()).test("axpby, copy, fill" + on, c -> axpbyProperty(math, c)));
            tests.add(Property.forAll(reduceCases()).tries(200).classify("rank", c -> c.x().rank())
                    .test("reduce" + on, c -> reduceProperty(math, c)));
            tests.add(Property.forAll(sumToCases()).test("sumTo" + on, c -> sumToProperty(math, c)));
            tests.add(Property.forAll(matmulCases()).tries(200).classify("dtype", c -> c.a().dtype())
                    .test("matmul and gemm" + on, c -> matmulProperty(math, c)));
            tests.add(Property.forAll(modeCases()).tries(200).test("mode-n products" + on, c -> modeProperty(math, c)));
            tests.add(Property.forAll(TensorGens.anyLayout(TensorGens.tensors(Domain.REAL)))
                    .test("mean, norm, argmax, dot, outer" + on, x -> smallOpsProperty(math, x)));
            tests.add(Property.forAll(TensorGens.tensors(Domain.REAL)).test("bad input" + on, x -> badInputProperty(math, x)));
        }
        return tests.stream();
    }
}
