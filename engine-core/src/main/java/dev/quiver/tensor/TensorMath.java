package dev.quiver.tensor;

import dev.quiver.backend.Backend;
import dev.quiver.backend.Backends;
import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.internal.HalfPrecision;
import dev.quiver.kernel.FloatingKernels;
import dev.quiver.kernel.internal.FloatingKernelsF32;
import dev.quiver.kernel.internal.FloatingKernelsF64;
import dev.quiver.kernel.ReduceOp;
import dev.quiver.kernel.UnaryOp;

import java.util.Arrays;
import java.util.function.DoubleUnaryOperator;

/**
 * Eager tensor math over one {@link Backend}: broadcasting, layouts and shape checks on top of the
 * backend's primitive kernels. Every op has an allocating form and an {@code out} form.
 *
 * <p>Contract of every {@code out} form: {@code out} must have exactly the result's shape and the
 * operands' dtype (else IllegalArgumentException naming the op and the shapes); it is fully
 * overwritten (or accumulated into where the method says so) and returned; it allocates nothing
 * (no temporaries, no boxing) when the operands are views of any layout, so the graph executor can
 * call it in a steady-state loop. Elementwise ops allow {@code out} to be one of the operands
 * (the very same view); any other overlap between {@code out} and an operand gives undefined
 * results, except for the products (matmul, gemm, dot, outer, modeN), which reject an {@code out}
 * whose storage range overlaps an operand's. Operands must share a dtype (mixing F32 and F64 is an
 * error naming both).
 *
 * <p>Integer and BOOL tensors (I32, I64, BOOL) are data for indexing and masks, and F16, BF16, I8
 * and U8 tensors are storage: {@link #copy} and {@link #fill} work for them (allocation-free like every out form), every other op (arithmetic,
 * {@code map}, reductions, {@code argmax}, products) refuses them with an IllegalArgumentException
 * naming the op and the dtype.
 *
 * <p>How an elementwise op runs: the trailing dimensions that every operand can walk with one
 * stride are collapsed into one run, and the backend's kernel is called once per run; the outer
 * dimensions are enumerated with integer arithmetic only. A contiguous (or broadcast-scalar)
 * operation is therefore one kernel call.
 *
 * <p>{@link #get()} works on the process default backend ({@link Backends#current()}).
 */
public final class TensorMath {
    private final Backend backend;
    /** The backend's kernels for F64 and F32 data, each viewed dtype-erased, picked by {@link #kernels}. */
    private final FloatingKernels f64, f32;

    /** One-element operands for the scalar forms, so that they allocate nothing per call. */
    private static final ThreadLocal<double[]> SCALAR_F64 = ThreadLocal.withInitial(() -> new double[1]);
    private static final ThreadLocal<float[]> SCALAR_F32 = ThreadLocal.withInitial(() -> new float[1]);

    private TensorMath(Backend backend) {
        this.backend = backend;
        this.f64 = new FloatingKernelsF64(backend.f64());
        this.f32 = new FloatingKernelsF32(backend.f32());
    }

    /**
     * This backend's kernels for values of {@code dtype}, arrays erased ({@link FloatingKernels}):
     * how ops, optimisers and utilities run a kernel without a dtype branch of their own. Fails,
     * naming {@code op}, for any dtype but F32 and F64. Allocates nothing; pick once per plan where
     * the dtype is fixed.
     */
    public FloatingKernels kernels(DType dtype, String op) {
        return dtype.pick(op, f64, f32);
    }

    /** Eager math on the given backend. */
    public static TensorMath of(Backend backend) {
        return new TensorMath(backend);
    }

    /** Eager math on the process default backend. */
    public static TensorMath get() {
        return Default.MATH;
    }

    public Backend backend() {
        return backend;
    }

    private static final class Default {
        static final TensorMath MATH = new TensorMath(Backends.current());
    }

    // ------------------------------------------------------------- elementwise (NumPy broadcasting)

    private static final int UNARY = 0, BINARY = 1, BINARY_SCALAR = 2, AXPBY = 3, FILL = 4, MAP = 5;

    /** out = f(x); x and out have the same shape; out may be x. */
    public Tensor unary(UnaryOp op, Tensor x, Tensor out) {
        checkSameShape("unary", op, x, out);
        elementwise(UNARY, op, null, null, 0, 0, false, x, null, out);
        return out;
    }

    /** out += f(x) (accumulating form used by backward passes); same shapes. */
    public Tensor unaryAccumulate(UnaryOp op, Tensor x, Tensor out) {
        checkSameShape("unaryAccumulate", op, x, out);
        elementwise(UNARY, op, null, null, 0, 0, true, x, null, out);
        return out;
    }

    /** out = f(a, b), broadcasting a and b to out's shape, which must be their broadcast shape. */
    public Tensor binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        checkBroadcastResult("binary", op, a, b, out);
        elementwise(BINARY, null, op, null, 0, 0, false, a, b, out);
        return out;
    }

    /** out += f(a, b), broadcasting a and b to out's shape, which must be their broadcast shape. */
    public Tensor binaryAccumulate(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        checkBroadcastResult("binaryAccumulate", op, a, b, out);
        elementwise(BINARY, null, op, null, 0, 0, true, a, b, out);
        return out;
    }

    /** out = f(a, s) with a scalar right operand (e.g. pow(x, 3), x * 0.5); out has a's shape. */
    public Tensor binary(BinaryOp op, Tensor a, double s, Tensor out) {
        checkSameShape("binary", op, a, out);
        elementwise(BINARY_SCALAR, null, op, null, s, 0, false, a, null, out);
        return out;
    }

    /**
     * A user-supplied scalar function, applied element by element in float64 (a slow path: one
     * interface call per element); out has x's shape and may be x.
     */
    public Tensor map(Tensor x, DoubleUnaryOperator f, Tensor out) {
        checkSameShape("map", null, x, out);
        elementwise(MAP, null, null, f, 0, 0, false, x, null, out);
        return out;
    }

    /**
     * y = alpha * x + beta * y, with x broadcast to y's shape; y is not read when beta is 0. y is
     * modified and returned; x may be y.
     */
    public Tensor axpby(double alpha, Tensor x, double beta, Tensor y) {
        checkBroadcastsTo("axpby", x, y, false);
        elementwise(AXPBY, null, null, null, alpha, beta, false, x, null, y);
        return y;
    }

    /**
     * Copies src into dst, broadcasting src to dst's shape (any layouts, any dtype, bit for bit);
     * the dtypes must be equal (convert with {@link Tensor#to}). Returns dst.
     */
    public Tensor copy(Tensor src, Tensor dst) {
        checkBroadcastsTo("copy", src, dst, true);
        elementwise(UNARY, UnaryOp.IDENTITY, null, null, 0, 0, false, src, null, dst);
        return dst;
    }

    /**
     * Sets every element of out to value (rounded to float32 for F32; for I32, I64 and BOOL the
     * value must be exact: an integer in range, 0 or 1 for BOOL, else ArithmeticException); returns out.
     */
    public Tensor fill(Tensor out, double value) {
        elementwise(FILL, null, null, null, value, 0, false, null, null, out);
        return out;
    }

    /** f(x) into a new contiguous tensor of x's shape. */
    public Tensor unary(UnaryOp op, Tensor x) {
        return unary(op, x, Tensor.zeros(x.dtype(), x.shape()));
    }

    /** f(a, b) into a new contiguous tensor of the broadcast shape. */
    public Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        checkDtypes("binary(" + op + ")", a, b);
        return binary(op, a, b, Tensor.zeros(a.dtype(), Shapes.broadcast("binary(" + op + ")", a.shape(), b.shape())));
    }

    /** f(a, s) into a new contiguous tensor of a's shape. */
    public Tensor binary(BinaryOp op, Tensor a, double s) {
        return binary(op, a, s, Tensor.zeros(a.dtype(), a.shape()));
    }

    /** f applied to every element (float64 slow path) into a new contiguous tensor. */
    public Tensor map(Tensor x, DoubleUnaryOperator f) {
        return map(x, f, Tensor.zeros(x.dtype(), x.shape()));
    }

    /**
     * The elementwise engine. {@code c} defines the iteration shape; {@code a} and {@code b}
     * (either may be null) are read broadcast to it. Shapes and dtypes are checked by the caller.
     */
    private void elementwise(int kind, UnaryOp uop, BinaryOp bop, DoubleUnaryOperator f,
                             double alpha, double beta, boolean accumulate, Tensor a, Tensor b, Tensor c) {
        if (c.size() == 0) return;
        int rank = c.rank();
        // Collapse the trailing dims that all operands can walk with one stride into one run.
        int first = rank, run = 1, sa = 0, sb = 0, sc = 0;
        for (int d = rank - 1; d >= 0; d--) {
            int n = c.shapeAt(d);
            if (n == 1) {
                first = d;
                continue;
            }
            int da = broadcastStride(a, rank, d), db = broadcastStride(b, rank, d), dc = c.strideAt(d);
            if (run == 1) {
                run = n; sa = da; sb = db; sc = dc; first = d;
            } else if (da == sa * run && db == sb * run && dc == sc * run) {
                run *= n;
                first = d;
            } else {
                break;
            }
        }
        int outer = 1;
        for (int d = 0; d < first; d++) outer *= c.shapeAt(d);
        if (!c.dtype().isFloating()) {
            copyOrFillData(kind, uop, alpha, a, c, rank, first, outer, run, sa, sc);
            return;
        }
        FloatingKernels k = kernels(c.dtype(), "elementwise");
        Object aData = a == null ? null : a.data(), bData = b == null ? null : b.data(), cData = c.data();
        if (kind == BINARY_SCALAR) {
            bData = c.dtype().pick("elementwise", SCALAR_F64, SCALAR_F32).get();
            k.set(bData, 0, alpha);
        }
        for (int o = 0; o < outer; o++) {
            int ap = a == null ? 0 : a.offset(), bp = b == null ? 0 : b.offset(), cp = c.offset();
            for (int d = first - 1, rest = o; d >= 0; d--) {
                int n = c.shapeAt(d), i = rest % n;
                rest /= n;
                ap += i * broadcastStride(a, rank, d);
                bp += i * broadcastStride(b, rank, d);
                cp += i * c.strideAt(d);
            }
            switch (kind) {
                case UNARY -> k.unary(uop, run, aData, ap, sa, cData, cp, sc, accumulate);
                case BINARY -> k.binary(bop, run, aData, ap, sa, bData, bp, sb, cData, cp, sc, accumulate);
                case BINARY_SCALAR -> k.binary(bop, run, aData, ap, sa, bData, 0, 0, cData, cp, sc, false);
                case AXPBY -> k.axpby(run, alpha, aData, ap, sa, beta, cData, cp, sc);
                case FILL -> k.fill(run, alpha, cData, cp, sc);
                default -> k.map(f, run, aData, ap, sa, cData, cp, sc);
            }
        }
    }

    /**
     * The elementwise engine's loop for the non-arithmetic dtypes (I32, I64, BOOL and the storage
     * dtypes F16, BF16, I8, U8), which only copy and fill (every other kind is refused by the
     * callers' dtype checks before it gets here). A fill value is rounded to F16 or BF16, and must
     * be exact for the integer dtypes and BOOL.
     */
    private static void copyOrFillData(int kind, UnaryOp uop, double value, Tensor a, Tensor c,
                                       int rank, int first, int outer, int run, int sa, int sc) {
        if (kind != FILL && !(kind == UNARY && uop == UnaryOp.IDENTITY)) {
            throw new IllegalArgumentException("elementwise: " + c.dtype() + " tensors only copy and fill"); // unreachable
        }
        DType dt = c.dtype();
        int iv = 0;
        long lv = 0;
        boolean bv = false;
        short sv = 0;
        byte yv = 0;
        if (kind == FILL) {
            switch (dt) {
                case I32 -> iv = Tensor.exactInt(value, "fill");
                case I64 -> lv = Tensor.exactLong(value, "fill");
                case F16 -> sv = HalfPrecision.f64ToF16(value);
                case BF16 -> sv = HalfPrecision.f64ToBf16(value);
                case I8, U8 -> yv = Tensor.exactByte(dt, value, "fill");
                default -> bv = Tensor.exactBool(value, "fill");
            }
        }
        Object aData = a == null ? null : a.data(), cData = c.data();
        for (int o = 0; o < outer; o++) {
            int ap = a == null ? 0 : a.offset(), cp = c.offset();
            for (int d = first - 1, rest = o; d >= 0; d--) {
                int n = c.shapeAt(d), i = rest % n;
                rest /= n;
                ap += i * broadcastStride(a, rank, d);
                cp += i * c.strideAt(d);
            }
            if (kind == UNARY && sa == 1 && sc == 1) {
                System.arraycopy(aData, ap, cData, cp, run);
                continue;
            }
            switch (dt) {
                case I32 -> {
                    int[] cd = (int[]) cData, ad = (int[]) aData;
                    for (int i = 0; i < run; i++) cd[cp + i * sc] = kind == FILL ? iv : ad[ap + i * sa];
                }
                case I64 -> {
                    long[] cd = (long[]) cData, ad = (long[]) aData;
                    for (int i = 0; i < run; i++) cd[cp + i * sc] = kind == FILL ? lv : ad[ap + i * sa];
                }
                case F16, BF16 -> {
                    short[] cd = (short[]) cData, ad = (short[]) aData;
                    for (int i = 0; i < run; i++) cd[cp + i * sc] = kind == FILL ? sv : ad[ap + i * sa];
                }
                case I8, U8 -> {
                    byte[] cd = (byte[]) cData, ad = (byte[]) aData;
                    for (int i = 0; i < run; i++) cd[cp + i * sc] = kind == FILL ? yv : ad[ap + i * sa];
                }
                default -> {
                    boolean[] cd = (boolean[]) cData, ad = (boolean[]) aData;
                    for (int i = 0; i < run; i++) cd[cp + i * sc] = kind == FILL ? bv : ad[ap + i * sa];
                }
            }
        }
    }

    /** Stride of t along dimension d of a rank-{@code rank} result it is broadcast to (0 where stretched). */
    private static int broadcastStride(Tensor t, int rank, int d) {
        if (t == null) return 0;
        int td = d - (rank - t.rank());
        if (td < 0 || t.shapeAt(td) == 1) return 0;
        return t.strideAt(td);
    }

    // ------------------------------------------------------------- reductions

    private static final int KEEP_DIMS = 0, DROP_DIMS = 1, SUM_TO = 2;

    /**
     * Reduces over the given axes (all axes when none are given) into out, whose shape is the
     * input's with those axes removed, or kept as 1 when {@code keepDims}. op is SUM, MAX, MIN
     * or SUM_SQUARES; axes may be negative and must be distinct. Reducing over an empty axis gives
     * {@link ReduceOp#identity()}. The order of accumulation is fixed (bitwise reproducible).
     * out must not overlap x (it is filled with the identity first).
     */
    public Tensor reduce(ReduceOp op, Tensor x, boolean keepDims, int[] axes, Tensor out) {
        return reduce("reduce", op, x, keepDims, axes, out);
    }

    private Tensor reduce(String opName, ReduceOp op, Tensor x, boolean keepDims, int[] axes, Tensor out) {
        Object detail = opName.equals("reduce") ? op : null;
        int mask = axisMask(opName, detail, x, axes);
        checkDtypes(opName, detail, x, out);
        int rank = x.rank();
        int expectedRank = keepDims ? rank : rank - Integer.bitCount(mask);
        boolean ok = out.rank() == expectedRank;
        for (int d = 0, od = 0; ok && d < rank; d++) {
            boolean reduced = (mask & (1 << d)) != 0;
            if (reduced && !keepDims) continue;
            ok = out.shapeAt(od++) == (reduced ? 1 : x.shapeAt(d));
        }
        if (!ok) {
            throw new IllegalArgumentException(name(opName, detail) + ": out has shape " + out.shapeString() + " but reducing "
                    + x.shapeString() + " over axes " + Arrays.toString(axes) + (keepDims ? " with keepDims" : "")
                    + " gives " + Shapes.str(reducedShape(x, mask, keepDims)));
        }
        reduceInto(op, x, mask, keepDims ? KEEP_DIMS : DROP_DIMS, 0, out);
        return out;
    }

    /** Allocating form of {@link #reduce(ReduceOp, Tensor, boolean, int[], Tensor)}: a new contiguous result. */
    public Tensor reduce(ReduceOp op, Tensor x, boolean keepDims, int... axes) {
        int mask = axisMask("reduce", op, x, axes);
        return reduce(op, x, keepDims, axes, Tensor.zeros(x.dtype(), reducedShape(x, mask, keepDims)));
    }

    /** Sum over the given axes (all when none), axes removed. */
    public Tensor sum(Tensor x, int... axes) {
        return reduce(ReduceOp.SUM, x, false, axes);
    }

    /** Arithmetic mean over the given axes (all when none), axes removed; NaN over an empty axis. */
    public Tensor mean(Tensor x, int... axes) {
        int mask = axisMask("mean", null, x, axes);
        return mean(x, false, axes, Tensor.zeros(x.dtype(), reducedShape(x, mask, false)));
    }

    /** out = mean of x over the axes (see {@link #reduce(ReduceOp, Tensor, boolean, int[], Tensor)}). */
    public Tensor mean(Tensor x, boolean keepDims, int[] axes, Tensor out) {
        reduce("mean", ReduceOp.SUM, x, keepDims, axes, out);
        int mask = axisMask("mean", null, x, axes);
        double count = 1;
        for (int d = 0; d < x.rank(); d++) if ((mask & (1 << d)) != 0) count *= x.shapeAt(d);
        return axpby(1 / count, out, 0, out);
    }

    /** Maximum over the given axes (all when none), axes removed; NaN propagates, -inf over an empty axis. */
    public Tensor max(Tensor x, int... axes) {
        return reduce(ReduceOp.MAX, x, false, axes);
    }

    /** Minimum over the given axes (all when none), axes removed; NaN propagates, +inf over an empty axis. */
    public Tensor min(Tensor x, int... axes) {
        return reduce(ReduceOp.MIN, x, false, axes);
    }

    /** Euclidean (Frobenius) norm over all elements, as a rank-0 tensor. */
    public Tensor norm(Tensor x) {
        return norm(x, Tensor.zeros(x.dtype()));
    }

    /** out (rank 0) = sqrt(Σ x²) over all elements; returns out. */
    public Tensor norm(Tensor x, Tensor out) {
        reduce("norm", ReduceOp.SUM_SQUARES, x, false, null, out);
        return unary(UnaryOp.SQRT, out, out);
    }

    /**
     * Positions of the first maximum along an axis (the axis removed), as a float64 tensor of
     * indices; a NaN counts as the maximum.
     */
    public Tensor argmax(Tensor x, int axis) {
        requireFloating("argmax", null, x);
        int ax = Shapes.axis("argmax", axis, x.rank());
        int[] shape = new int[x.rank() - 1];
        for (int d = 0, od = 0; d < x.rank(); d++) if (d != ax) shape[od++] = x.shapeAt(d);
        return argmax(x, axis, Tensor.zeros(DType.F64, shape));
    }

    /**
     * out = the positions of the first maximum along an axis; out is float64 (whatever x's dtype)
     * with x's shape minus that axis, any layout. Returns out.
     */
    public Tensor argmax(Tensor x, int axis, Tensor out) {
        requireFloating("argmax", null, x);
        int ax = Shapes.axis("argmax", axis, x.rank());
        int n = x.shapeAt(ax);
        boolean ok = out.dtype() == DType.F64 && out.rank() == x.rank() - 1;
        for (int d = 0, od = 0; ok && d < x.rank(); d++) if (d != ax) ok = out.shapeAt(od++) == x.shapeAt(d);
        if (!ok) {
            throw new IllegalArgumentException("argmax: out must be F64 with shape " + x.shapeString() + " without axis "
                    + axis + ", got " + out.dtype() + " " + out.shapeString());
        }
        if (n == 0 && out.size() > 0) {
            throw new IllegalArgumentException("argmax: axis " + axis + " of shape " + x.shapeString() + " is empty");
        }
        double[] od = out.f64();
        FloatingKernels k = kernels(x.dtype(), "argmax");
        Object xd = x.data();
        int stride = x.strideAt(ax), count = out.size(), outRank = out.rank();
        for (int o = 0; o < count; o++) {
            int pos = x.offset(), opos = out.offset();
            for (int d = x.rank() - 1, od2 = outRank - 1, rest = o; d >= 0; d--) {
                if (d == ax) continue;
                int size = x.shapeAt(d), i = rest % size;
                rest /= size;
                pos += i * x.strideAt(d);
                opos += i * out.strideAt(od2--);
            }
            od[opos] = k.argmax(n, xd, pos, stride);
        }
        return out;
    }

    /**
     * Sums x down to a shape it was broadcast from (the gradient of broadcasting): out's shape
     * must broadcast to x's shape. out is overwritten and returned; it must not overlap x unless
     * it is x itself with nothing to sum (then this is a no-op copy).
     */
    public Tensor sumTo(Tensor x, Tensor out) {
        checkDtypes("sumTo", x, out);
        int lead = x.rank() - out.rank();
        boolean ok = lead >= 0;
        int mask = 0;
        for (int d = 0; ok && d < x.rank(); d++) {
            if (d < lead) {
                mask |= 1 << d;
                continue;
            }
            int od = out.shapeAt(d - lead), xd = x.shapeAt(d);
            if (od == xd) continue;
            if (od == 1) mask |= 1 << d;
            else ok = false;
        }
        if (!ok) {
            throw new IllegalArgumentException("sumTo: out shape " + out.shapeString() + " does not broadcast to "
                    + x.shapeString());
        }
        if (mask == 0) return copy(x, out); // nothing to sum; also right when out is x itself
        reduceInto(ReduceOp.SUM, x, mask, SUM_TO, lead, out);
        return out;
    }

    /** The reduction engine; shapes are checked by the caller. */
    private void reduceInto(ReduceOp op, Tensor x, int mask, int mapping, int lead, Tensor out) {
        fill(out, op.identity());
        if (x.size() == 0) return;
        int rank = x.rank();
        // Collapse trailing dims that are all reduced or all kept and walkable with one stride.
        int first = rank, run = 1, sx = 0, so = 0;
        boolean innerReduced = false;
        for (int d = rank - 1; d >= 0; d--) {
            int n = x.shapeAt(d);
            if (n == 1) {
                first = d;
                continue;
            }
            boolean reduced = (mask & (1 << d)) != 0;
            int dx = x.strideAt(d), dout = outStride(out, mask, mapping, lead, d);
            if (run == 1) {
                run = n; sx = dx; so = dout; innerReduced = reduced; first = d;
            } else if (reduced == innerReduced && dx == sx * run && dout == so * run) {
                run *= n;
                first = d;
            } else {
                break;
            }
        }
        int outer = 1;
        for (int d = 0; d < first; d++) outer *= x.shapeAt(d);
        FloatingKernels k = kernels(x.dtype(), "reduce");
        Object xd = x.data(), od = out.data();
        for (int o = 0; o < outer; o++) {
            int xp = x.offset(), op0 = out.offset();
            for (int d = first - 1, rest = o; d >= 0; d--) {
                int n = x.shapeAt(d), i = rest % n;
                rest /= n;
                xp += i * x.strideAt(d);
                op0 += i * outStride(out, mask, mapping, lead, d);
            }
            if (innerReduced) {
                k.set(od, op0, combine(op, k.get(od, op0), k.reduce(op, run, xd, xp, sx)));
            } else {
                switch (op) {
                    case SUM -> k.binary(BinaryOp.ADD, run, od, op0, so, xd, xp, sx, od, op0, so, false);
                    case SUM_SQUARES -> k.binary(BinaryOp.MUL, run, xd, xp, sx, xd, xp, sx, od, op0, so, true);
                    case MAX -> k.binary(BinaryOp.MAX, run, od, op0, so, xd, xp, sx, od, op0, so, false);
                    case MIN -> k.binary(BinaryOp.MIN, run, od, op0, so, xd, xp, sx, od, op0, so, false);
                }
            }
        }
    }

    private static double combine(ReduceOp op, double acc, double partial) {
        return switch (op) {
            case SUM, SUM_SQUARES -> acc + partial;
            case MAX -> Math.max(acc, partial);
            case MIN -> Math.min(acc, partial);
        };
    }

    /** Stride in out that follows x's dimension d (0 for reduced dimensions). */
    private static int outStride(Tensor out, int mask, int mapping, int lead, int d) {
        if ((mask & (1 << d)) != 0) return 0;
        return switch (mapping) {
            case KEEP_DIMS -> out.strideAt(d);
            case DROP_DIMS -> out.strideAt(d - Integer.bitCount(mask & ((1 << d) - 1)));
            default -> out.strideAt(d - lead);
        };
    }

    /** Bit d set for every axis reduced; all axes when none are given. Rejects bad and repeated axes. */
    private static int axisMask(String opName, Object detail, Tensor x, int[] axes) {
        int rank = x.rank();
        if (axes == null || axes.length == 0) return (1 << rank) - 1;
        int mask = 0;
        for (int axis : axes) {
            int a = axis < 0 ? axis + rank : axis;
            if (a < 0 || a >= rank) {
                throw new IllegalArgumentException(name(opName, detail) + ": axis " + axis + " out of range for shape " + x.shapeString());
            }
            if ((mask & (1 << a)) != 0) {
                throw new IllegalArgumentException(name(opName, detail) + ": axis " + axis + " repeated in " + Arrays.toString(axes)
                        + " for shape " + x.shapeString());
            }
            mask |= 1 << a;
        }
        return mask;
    }

    private static int[] reducedShape(Tensor x, int mask, boolean keepDims) {
        int[] shape = new int[keepDims ? x.rank() : x.rank() - Integer.bitCount(mask)];
        for (int d = 0, od = 0; d < x.rank(); d++) {
            boolean reduced = (mask & (1 << d)) != 0;
            if (reduced && !keepDims) continue;
            shape[od++] = reduced ? 1 : x.shapeAt(d);
        }
        return shape;
    }

    // ------------------------------------------------------------- linear algebra

    /** Inner product of two vectors of equal length, as a rank-0 tensor. */
    public Tensor dot(Tensor a, Tensor b) {
        checkDtypes("dot", a, b);
        return dot(a, b, Tensor.zeros(a.dtype()));
    }

    /** out (rank 0) = Σ_i a[i] b[i]; returns out. */
    public Tensor dot(Tensor a, Tensor b, Tensor out) {
        checkDtypes("dot", a, b);
        checkDtypes("dot", a, out);
        if (a.rank() != 1 || b.rank() != 1 || a.shapeAt(0) != b.shapeAt(0) || out.rank() != 0) {
            throw new IllegalArgumentException("dot: expected two vectors of equal length and a rank-0 out, got "
                    + a.shapeString() + ", " + b.shapeString() + " and out " + out.shapeString());
        }
        checkNoOverlap("dot", a, b, out);
        runGemm(1, 1, 1, a.shapeAt(0), 1,
                a, a.offset(), 0, 0, a.strideAt(0),
                b, b.offset(), 0, b.strideAt(0), 0,
                0, out, out.offset(), 0, 0, 0);
        return out;
    }

    /** Outer product a bᵀ of two vectors. */
    public Tensor outer(Tensor a, Tensor b) {
        checkDtypes("outer", a, b);
        if (a.rank() != 1 || b.rank() != 1) {
            throw new IllegalArgumentException("outer: expected two vectors, got " + a.shapeString() + " and " + b.shapeString());
        }
        return outer(a, b, Tensor.zeros(a.dtype(), a.shapeAt(0), b.shapeAt(0)));
    }

    /** out[i, j] = a[i] b[j]; returns out. */
    public Tensor outer(Tensor a, Tensor b, Tensor out) {
        checkDtypes("outer", a, b);
        checkDtypes("outer", a, out);
        if (a.rank() != 1 || b.rank() != 1 || out.rank() != 2
                || out.shapeAt(0) != a.shapeAt(0) || out.shapeAt(1) != b.shapeAt(0)) {
            throw new IllegalArgumentException("outer: vectors " + a.shapeString() + " and " + b.shapeString()
                    + " need out of shape [" + (a.rank() == 1 ? a.shapeAt(0) : "?") + ", "
                    + (b.rank() == 1 ? b.shapeAt(0) : "?") + "], got " + out.shapeString());
        }
        checkNoOverlap("outer", a, b, out);
        runGemm(1, a.shapeAt(0), b.shapeAt(0), 1, 1,
                a, a.offset(), 0, a.strideAt(0), 0,
                b, b.offset(), 0, 0, b.strideAt(0),
                0, out, out.offset(), 0, out.strideAt(0), out.strideAt(1));
        return out;
    }

    /**
     * Matrix product. Ranks: (m,k)·(k,n) → (m,n); (k)·(k,n) → (n); (m,k)·(k) → (m); (k)·(k) → ();
     * batched (b,m,k)·(b,k,n) → (b,m,n), with a batch of 1 or a rank-2 operand broadcast over the
     * batch. Transposed views are used through their strides, without copies.
     */
    public Tensor matmul(Tensor a, Tensor b) {
        checkDtypes("matmul", a, b);
        return matmul(a, b, Tensor.zeros(a.dtype(), matmulShape("matmul", a, b)));
    }

    /** out = a·b (shapes as in {@link #matmul(Tensor, Tensor)}); out must not overlap a or b. */
    public Tensor matmul(Tensor a, Tensor b, Tensor out) {
        return product("matmul", 1, a, b, 0, out);
    }

    /**
     * out = alpha * a·b + beta * out, for a and b of rank 2 or batched rank 3 (as in
     * {@link #matmul(Tensor, Tensor)}, a rank-2 or batch-1 operand is shared by the batch); out is
     * not read when beta is 0, and must not overlap a or b.
     */
    public Tensor gemm(double alpha, Tensor a, Tensor b, double beta, Tensor out) {
        if (a.rank() < 2 || b.rank() < 2) {
            throw new IllegalArgumentException("gemm: operands must have rank 2 or 3, got " + a.shapeString()
                    + " and " + b.shapeString());
        }
        return product("gemm", alpha, a, b, beta, out);
    }

    private Tensor product(String op, double alpha, Tensor a, Tensor b, double beta, Tensor out) {
        checkDtypes(op, a, b);
        checkDtypes(op, a, out);
        int ar = a.rank(), br = b.rank();
        if (ar == 0 || br == 0 || ar > 3 || br > 3 || (ar == 3 && br == 1) || (ar == 1 && br == 3)) {
            throw new IllegalArgumentException(op + ": unsupported ranks " + a.shapeString() + " · " + b.shapeString()
                    + " (expected vectors, matrices or batches of matrices)");
        }
        // View both operands as (batch, m, k) and (batch, k, n), by strides only.
        int m = ar == 1 ? 1 : a.shapeAt(ar - 2);
        int k = a.shapeAt(ar - 1);
        int kb = br == 1 ? b.shapeAt(0) : b.shapeAt(br - 2);
        int n = br == 1 ? 1 : b.shapeAt(br - 1);
        int aBatchN = ar == 3 ? a.shapeAt(0) : 1, bBatchN = br == 3 ? b.shapeAt(0) : 1;
        if (k != kb || (aBatchN != bBatchN && aBatchN != 1 && bBatchN != 1)) {
            throw new IllegalArgumentException(op + ": shapes " + a.shapeString() + " and " + b.shapeString()
                    + " do not match" + (k != kb ? " (inner dimensions " + k + " vs " + kb + ")" : " (batch sizes differ)"));
        }
        int batch = Math.max(aBatchN, bBatchN);
        boolean batched = ar == 3 || br == 3;
        // Expected out shape, checked without allocating.
        int outRank = batched ? 3 : (ar == 1 ? 0 : 1) + (br == 1 ? 0 : 1);
        boolean ok = out.rank() == outRank;
        if (ok) {
            if (batched) ok = out.shapeAt(0) == batch && out.shapeAt(1) == m && out.shapeAt(2) == n;
            else if (ar == 2 && br == 2) ok = out.shapeAt(0) == m && out.shapeAt(1) == n;
            else if (ar == 2) ok = out.shapeAt(0) == m;
            else if (br == 2) ok = out.shapeAt(0) == n;
        }
        if (!ok) {
            throw new IllegalArgumentException(op + ": out has shape " + out.shapeString() + " but " + a.shapeString()
                    + " · " + b.shapeString() + " gives " + Shapes.str(matmulShape(op, a, b)));
        }
        checkNoOverlap(op, a, b, out);
        int aBatch = ar == 3 && aBatchN != 1 ? a.strideAt(0) : 0;
        int aRow = ar == 1 ? 0 : a.strideAt(ar - 2), aCol = a.strideAt(ar - 1);
        int bBatch = br == 3 && bBatchN != 1 ? b.strideAt(0) : 0;
        int bRow = br == 1 ? b.strideAt(0) : b.strideAt(br - 2), bCol = br == 1 ? 0 : b.strideAt(br - 1);
        int cBatch = batched ? out.strideAt(0) : 0;
        int cRow, cCol;
        if (batched) {
            cRow = out.strideAt(1);
            cCol = out.strideAt(2);
        } else if (ar == 2 && br == 2) {
            cRow = out.strideAt(0);
            cCol = out.strideAt(1);
        } else if (ar == 2) {
            cRow = out.strideAt(0);
            cCol = 0;
        } else if (br == 2) {
            cRow = 0;
            cCol = out.strideAt(0);
        } else {
            cRow = 0;
            cCol = 0;
        }
        runGemm(batch, m, n, k, alpha, a, a.offset(), aBatch, aRow, aCol, b, b.offset(), bBatch, bRow, bCol,
                beta, out, out.offset(), cBatch, cRow, cCol);
        return out;
    }

    private static int[] matmulShape(String op, Tensor a, Tensor b) {
        int ar = a.rank(), br = b.rank();
        if (ar == 0 || br == 0 || ar > 3 || br > 3 || (ar == 3 && br == 1) || (ar == 1 && br == 3)) {
            throw new IllegalArgumentException(op + ": unsupported ranks " + a.shapeString() + " · " + b.shapeString()
                    + " (expected vectors, matrices or batches of matrices)");
        }
        int k = a.shapeAt(ar - 1), kb = br == 1 ? b.shapeAt(0) : b.shapeAt(br - 2);
        if (k != kb) {
            throw new IllegalArgumentException(op + ": shapes " + a.shapeString() + " and " + b.shapeString()
                    + " do not match (inner dimensions " + k + " vs " + kb + ")");
        }
        if (ar == 1 && br == 1) return new int[0];
        if (ar == 1) return new int[] {b.shapeAt(1)};
        if (br == 1) return new int[] {a.shapeAt(0)};
        if (ar == 2 && br == 2) return new int[] {a.shapeAt(0), b.shapeAt(1)};
        int ab = ar == 3 ? a.shapeAt(0) : 1, bb = br == 3 ? b.shapeAt(0) : 1;
        if (ab != bb && ab != 1 && bb != 1) {
            throw new IllegalArgumentException(op + ": batch sizes of " + a.shapeString() + " and " + b.shapeString()
                    + " differ");
        }
        return new int[] {Math.max(ab, bb), a.shapeAt(ar - 2), b.shapeAt(br - 1)};
    }

    /**
     * Mode-n product (tensor times matrix): for A of shape I1×…×IN and B of shape (In, K), the
     * result has shape I1×…×I(n-1)×K×I(n+1)×…×IN with
     * {@code C[i1…k…iN] = Σ_j A[i1…j…iN] B[j, k]}. {@code mode} is 0-based (negative counts from
     * the end).
     *
     * <p>Runs as GEMM without copies: viewing A as (P, In, Q) and C as (P, K, Q), each slice is
     * {@code C[p] = Bᵀ A[p]}. Mode 0 (P = 1) and the last mode (Q = 1) are one GEMM; a middle mode
     * is one batched GEMM over p with B's batch stride 0, so B is packed once.
     */
    public Tensor modeN(Tensor a, Tensor b, int mode) {
        checkDtypes("modeN", a, b);
        return modeN(a, b, mode, Tensor.zeros(a.dtype(), modeShape("modeN", a, b, mode, false)));
    }

    /** out = the mode-n product of a and b (see {@link #modeN(Tensor, Tensor, int)}); out must not overlap a or b. */
    public Tensor modeN(Tensor a, Tensor b, int mode, Tensor out) {
        modeProduct("modeN", false, a, b, mode, out);
        return out;
    }

    /**
     * The lecture's form of the mode-n product: the new dimension K goes last. For A (M×N×R),
     * B (N×K) and mode 1: {@code C[m, r, k] = Σ_n A[m, n, r] B[n, k]}, shape (M, R, K). Runs as
     * one GEMM (first and last modes) or one batched GEMM with B shared (middle modes).
     */
    public Tensor modeNLast(Tensor a, Tensor b, int mode) {
        checkDtypes("modeNLast", a, b);
        return modeNLast(a, b, mode, Tensor.zeros(a.dtype(), modeShape("modeNLast", a, b, mode, true)));
    }

    /** out = the mode-n product with K last (see {@link #modeNLast(Tensor, Tensor, int)}). */
    public Tensor modeNLast(Tensor a, Tensor b, int mode, Tensor out) {
        modeProduct("modeNLast", true, a, b, mode, out);
        return out;
    }

    private static int[] modeShape(String op, Tensor a, Tensor b, int mode, boolean kLast) {
        if (a.rank() == 0) throw new IllegalArgumentException(op + ": tensor must have rank >= 1, got " + a.shapeString());
        int md = Shapes.axis(op, mode, a.rank());
        if (b.rank() != 2 || b.shapeAt(0) != a.shapeAt(md)) {
            throw new IllegalArgumentException(op + ": matrix of shape " + b.shapeString() + " does not match mode "
                    + mode + " of " + a.shapeString() + " (expected [" + a.shapeAt(md) + ", K])");
        }
        int[] shape = a.shape();
        if (!kLast) {
            shape[md] = b.shapeAt(1);
            return shape;
        }
        int[] result = new int[shape.length];
        for (int d = 0, o = 0; d < shape.length; d++) if (d != md) result[o++] = shape[d];
        result[shape.length - 1] = b.shapeAt(1);
        return result;
    }

    private void modeProduct(String op, boolean kLast, Tensor a, Tensor b, int mode, Tensor out) {
        checkDtypes(op, a, b);
        checkDtypes(op, a, out);
        if (a.rank() == 0) throw new IllegalArgumentException(op + ": tensor must have rank >= 1, got " + a.shapeString());
        int rank = a.rank();
        int md = Shapes.axis(op, mode, rank);
        int inner = a.shapeAt(md);
        if (b.rank() != 2 || b.shapeAt(0) != inner) {
            throw new IllegalArgumentException(op + ": matrix of shape " + b.shapeString() + " does not match mode "
                    + mode + " of " + a.shapeString() + " (expected [" + inner + ", K])");
        }
        int kDim = b.shapeAt(1);
        int kAxis = kLast ? rank - 1 : md;
        boolean ok = out.rank() == rank && out.shapeAt(kAxis) == kDim;
        for (int f = 0; ok && f < rank - 1; f++) ok = out.shapeAt(outAxis(f, md, kLast)) == a.shapeAt(freeAxis(f, md));
        if (!ok) {
            throw new IllegalArgumentException(op + ": out has shape " + out.shapeString() + " but mode " + mode
                    + " of " + a.shapeString() + " times " + b.shapeString() + " gives "
                    + Shapes.str(modeShape(op, a, b, mode, kLast)));
        }
        checkNoOverlap(op, a, b, out);
        if (out.size() == 0) return;
        // Group the free dims (all but the mode) from the innermost: group 1 becomes a GEMM
        // dimension, group 2 the batch, the rest an outer loop. Contiguous tensors need no loop.
        int free = rank - 1;
        int g1 = free, n1 = 1, sa1 = 0, sc1 = 0;
        for (int f = free - 1; f >= 0; f--) {
            int n = a.shapeAt(freeAxis(f, md));
            if (n == 1) { g1 = f; continue; }
            int da = a.strideAt(freeAxis(f, md)), dc = out.strideAt(outAxis(f, md, kLast));
            if (n1 == 1) { n1 = n; sa1 = da; sc1 = dc; g1 = f; }
            else if (da == sa1 * n1 && dc == sc1 * n1) { n1 *= n; g1 = f; }
            else break;
        }
        int g2 = g1, n2 = 1, sa2 = 0, sc2 = 0;
        for (int f = g1 - 1; f >= 0; f--) {
            int n = a.shapeAt(freeAxis(f, md));
            if (n == 1) { g2 = f; continue; }
            int da = a.strideAt(freeAxis(f, md)), dc = out.strideAt(outAxis(f, md, kLast));
            if (n2 == 1) { n2 = n; sa2 = da; sc2 = dc; g2 = f; }
            else if (da == sa2 * n2 && dc == sc2 * n2) { n2 *= n; g2 = f; }
            else break;
        }
        int outer = 1;
        for (int f = 0; f < g2; f++) outer *= a.shapeAt(freeAxis(f, md));
        int aMode = a.strideAt(md), cK = out.strideAt(kAxis);
        for (int o = 0; o < outer; o++) {
            int ap = a.offset(), cp = out.offset();
            for (int f = g2 - 1, rest = o; f >= 0; f--) {
                int n = a.shapeAt(freeAxis(f, md)), i = rest % n;
                rest /= n;
                ap += i * a.strideAt(freeAxis(f, md));
                cp += i * out.strideAt(outAxis(f, md, kLast));
            }
            if (kLast) {
                // C[q2][i][kk] = Σ_l A[q2][i][l] B[l][kk]
                runGemm(n2, n1, kDim, inner, 1, a, ap, sa2, sa1, aMode,
                        b, b.offset(), 0, b.strideAt(0), b.strideAt(1), 0, out, cp, sc2, sc1, cK);
            } else {
                // C[q2][kk][j] = Σ_l B[l][kk] A[q2][l][j]
                runGemm(n2, kDim, n1, inner, 1, b, b.offset(), 0, b.strideAt(1), b.strideAt(0),
                        a, ap, sa2, aMode, sa1, 0, out, cp, sc2, cK, sc1);
            }
        }
    }

    /** The axis of A that free dim f (counting all dims but the mode) refers to. */
    private static int freeAxis(int f, int mode) {
        return f < mode ? f : f + 1;
    }

    /** The axis of C that free dim f maps to. */
    private static int outAxis(int f, int mode, boolean kLast) {
        return kLast ? f : freeAxis(f, mode);
    }

    private void runGemm(int batch, int m, int n, int k, double alpha,
                         Tensor a, int aOff, int aBatch, int aRow, int aCol,
                         Tensor b, int bOff, int bBatch, int bRow, int bCol,
                         double beta, Tensor c, int cOff, int cBatch, int cRow, int cCol) {
        kernels(c.dtype(), "gemm").gemm(batch, m, n, k, alpha, a.data(), aOff, aBatch, aRow, aCol, b.data(), bOff, bBatch, bRow, bCol,
                beta, c.data(), cOff, cBatch, cRow, cCol);
    }

    // ------------------------------------------------------------- checks (allocate only to report)

    private static void checkDtypes(String op, Tensor a, Tensor b) {
        checkDtypes(op, null, a, b);
    }

    private static void checkDtypes(String op, Object detail, Tensor a, Tensor b) {
        requireFloating(op, detail, a);
        requireFloating(op, detail, b);
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException(name(op, detail) + ": mixed dtypes " + a.dtype() + " " + a.shapeString() + " and "
                    + b.dtype() + " " + b.shapeString());
        }
    }

    private static void checkSameShape(String op, Object detail, Tensor x, Tensor out) {
        checkDtypes(op, detail, x, out);
        boolean same = x.rank() == out.rank();
        for (int d = 0; same && d < x.rank(); d++) same = x.shapeAt(d) == out.shapeAt(d);
        if (!same) {
            throw new IllegalArgumentException(name(op, detail) + ": out has shape " + out.shapeString() + ", expected "
                    + x.shapeString());
        }
    }

    /** t must be F32 or F64: integer and BOOL tensors are data, not arithmetic operands. */
    private static void requireFloating(String op, Object detail, Tensor t) {
        if (t.dtype().isStorageOnly()) {
            throw new IllegalArgumentException(name(op, detail) + ": " + t.dtype() + " tensor " + t.shapeString() + " is a storage dtype,"
                    + " not computed in: convert with to(F32) (exact), and back with to(" + t.dtype() + ") if needed");
        }
        if (!t.dtype().isFloating()) {
            throw new IllegalArgumentException(name(op, detail) + ": " + t.dtype() + " tensor " + t.shapeString()
                    + " is not supported: arithmetic, reductions and products need F32 or F64 (convert with to(F32) or to(F64))");
        }
    }

    /** x must broadcast to exactly out's shape; any dtype when {@code anyDtype} (copies), else floating. */
    private static void checkBroadcastsTo(String op, Tensor x, Tensor out, boolean anyDtype) {
        if (anyDtype && x.dtype() != out.dtype()) {
            throw new IllegalArgumentException(op + ": mixed dtypes " + x.dtype() + " " + x.shapeString() + " and "
                    + out.dtype() + " " + out.shapeString() + " (convert with Tensor.to)");
        }
        if (!anyDtype) checkDtypes(op, x, out);
        int lead = out.rank() - x.rank();
        boolean ok = lead >= 0;
        for (int d = 0; ok && d < x.rank(); d++) {
            int xd = x.shapeAt(d);
            ok = xd == 1 || xd == out.shapeAt(lead + d);
        }
        if (!ok) {
            throw new IllegalArgumentException(op + ": shape " + x.shapeString() + " does not broadcast to "
                    + out.shapeString());
        }
    }

    /** out must be exactly the broadcast of a and b. */
    private static void checkBroadcastResult(String op, BinaryOp f, Tensor a, Tensor b, Tensor out) {
        checkDtypes(op, f, a, b);
        checkDtypes(op, f, a, out);
        int rank = Math.max(a.rank(), b.rank());
        boolean ok = out.rank() == rank;
        for (int d = 0; ok && d < rank; d++) {
            int da = d < rank - a.rank() ? 1 : a.shapeAt(d - (rank - a.rank()));
            int db = d < rank - b.rank() ? 1 : b.shapeAt(d - (rank - b.rank()));
            if (da != db && da != 1 && db != 1) {
                Shapes.broadcast(name(op, f), a.shape(), b.shape()); // throws with the standard message
            }
            ok = out.shapeAt(d) == (da == 1 ? db : da);
        }
        if (!ok) {
            throw new IllegalArgumentException(name(op, f) + ": out has shape " + out.shapeString() + " but "
                    + a.shapeString() + " and " + b.shapeString() + " broadcast to "
                    + Shapes.str(Shapes.broadcast(op, a.shape(), b.shape())));
        }
    }

    /** "op(detail)" for messages; only called when throwing. */
    private static String name(String op, Object detail) {
        return detail == null ? op : op + "(" + detail + ")";
    }

    private static void checkNoOverlap(String op, Tensor a, Tensor b, Tensor out) {
        if (overlaps(a, out) || overlaps(b, out)) {
            throw new IllegalArgumentException(op + ": out " + out.shapeString() + " overlaps an operand ("
                    + a.shapeString() + ", " + b.shapeString() + "); products need a separate out");
        }
    }

    private static boolean overlaps(Tensor x, Tensor out) {
        if (x.data() != out.data() || x.size() == 0 || out.size() == 0) return false;
        return x.lowestPosition() <= out.highestPosition() && out.lowestPosition() <= x.highestPosition();
    }
}
