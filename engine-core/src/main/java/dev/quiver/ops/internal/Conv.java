package dev.quiver.ops.internal;

import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import dev.quiver.ops.Op;
import dev.quiver.ops.Operand;
import dev.quiver.ops.Value;
import dev.quiver.ops.Window;

import java.util.ArrayList;
import java.util.List;

/**
 * Convolution over NCW (1-d) or NCHW (2-d) tensors, as three ops of one trilinear family: with
 * {@code T(x, w, g) = <conv(x, w), g>},
 * <ul>
 *   <li>{@link Role#FORWARD} {@code y = conv(x, w) [+ b]}: x [N, C, (H,) W], w [O, C/groups, (kh,) kw],
 *       optional bias b [O]; y [N, O, (OH,) OW];</li>
 *   <li>{@link Role#INPUT_GRAD} {@code dx = conv^T(g, w)} (the transposed convolution), x's shape;</li>
 *   <li>{@link Role#KERNEL_GRAD} {@code dw = sum_n g[n] (x) col(x[n])^T}, w's shape.</li>
 * </ul>
 * Each is a partial derivative of T, so each one's VJPs are the other two (and db is g summed over
 * N and the spatial axes): gradients of every order stay in the family. Forward and both
 * gradients run as im2col into a planned workspace and the backend's GEMM ({@code ConvKernelsF64});
 * a 1x1 stride-1 unpadded kernel skips im2col.
 *
 * @param role    which of the three
 * @param spatial 1 (conv1d) or 2 (conv2d)
 * @param win     kernel size, stride, dilation and padding (kh = 1 for 1-d)
 * @param groups  channel groups (C and O divisible by it)
 * @param inH     x's H for {@link Role#INPUT_GRAD} (the output size rounds down, so g does not fix it), else 0
 * @param inW     x's W for {@link Role#INPUT_GRAD}, else 0
 */
public record Conv(Role role, int spatial, Window win, int groups, int inH, int inW) implements Op {
    /** Elements of im2col workspace a forward or backward convolution plans at most (beyond one sample's). */
    static final int COL_BUDGET = 1 << 20;

    public enum Role { FORWARD, INPUT_GRAD, KERNEL_GRAD }

    /** The forward op (bias optional: two or three inputs). */
    public static Conv forward(int spatial, Window win, int groups) {
        return new Conv(Role.FORWARD, spatial, win, groups, 0, 0);
    }

    @Override public String name() {
        String base = "conv" + spatial + "d";
        return switch (role) {
            case FORWARD -> base;
            case INPUT_GRAD -> base + "_input_grad";
            case KERNEL_GRAD -> base + "_kernel_grad";
        };
    }

    @Override public String attributes() {
        return win.describe(spatial) + (groups != 1 ? " groups=" + groups : "")
                + (role == Role.INPUT_GRAD ? " in=" + (spatial == 2 ? inH + "x" : "") + inW : "");
    }

    private int[] spatialOf(int[] s) { return spatial == 2 ? new int[] {s[2], s[3]} : new int[] {1, s[2]}; }

    @Override public int[] shape(Operand[] in) {
        int rank = spatial + 2;
        if (spatial != 1 && spatial != 2) throw Op.fail(this, in, "spatial rank must be 1 or 2, got " + spatial);
        int arity = role == Role.FORWARD ? (in.length == 3 ? 3 : 2) : 2;
        if (in.length != arity) throw Op.fail(this, in, "takes " + (role == Role.FORWARD ? "(x, w) or (x, w, bias)" : "two inputs"));
        String bad = win.invalid();
        if (bad != null) throw Op.fail(this, in, bad);
        if (groups < 1) throw Op.fail(this, in, "groups must be at least 1, got " + groups);
        String layout = spatial == 2 ? "[N, C, H, W]" : "[N, C, W]";
        for (int i = 0; i < 2; i++) {
            if (in[i].rank() != rank) {
                String what = switch (role) {
                    case FORWARD -> i == 0 ? "the input must be " + layout : "the kernel must be " + (spatial == 2 ? "[O, C/groups, kh, kw]" : "[O, C/groups, k]");
                    case INPUT_GRAD -> i == 0 ? "the output gradient must be " + layout : "the kernel must have rank " + rank;
                    case KERNEL_GRAD -> i == 0 ? "the input must be " + layout : "the output gradient must be " + layout;
                };
                throw Op.fail(this, in, what + " (rank " + rank + "), got rank " + in[i].rank());
            }
        }
        int[] a = in[0].shape(), b = in[1].shape();
        return switch (role) {
            case FORWARD -> {
                int[] y = forwardShape(in, a, b);
                if (arity == 3) {
                    int[] bias = in[2].shape();
                    if (bias.length != 1 || bias[0] != b[0]) throw Op.fail(this, in, "the bias must be [" + b[0] + "] (one per output channel), got " + Shapes.str(bias));
                }
                yield y;
            }
            case INPUT_GRAD -> {
                int[] x = spatial == 2 ? new int[] {a[0], b[1] * groups, inH, inW} : new int[] {a[0], b[1] * groups, inW};
                int[] y = forwardShape(in, x, b);
                if (!java.util.Arrays.equals(y, a)) {
                    throw Op.fail(this, in, "the output gradient must be " + Shapes.str(y) + " for an input " + Shapes.str(x));
                }
                yield x;
            }
            case KERNEL_GRAD -> {
                int[] w = spatial == 2 ? new int[] {b[1], a[1] / groups, win.kh(), win.kw()} : new int[] {b[1], a[1] / groups, win.kw()};
                int[] y = forwardShape(in, a, w);
                if (!java.util.Arrays.equals(y, b)) throw Op.fail(this, in, "the output gradient must be " + Shapes.str(y));
                yield w;
            }
        };
    }

    /** y's shape for x and w, checking channels, groups and the window against the kernel. */
    private int[] forwardShape(Operand[] in, int[] x, int[] w) {
        int c = x[1], o = w[0];
        if (c % groups != 0) throw Op.fail(this, in, c + " input channels are not divisible into " + groups + " groups");
        if (o % groups != 0) throw Op.fail(this, in, o + " output channels are not divisible into " + groups + " groups");
        if (w[1] != c / groups) {
            throw Op.fail(this, in, "the kernel must have " + c / groups + " input channels (" + c + " channels / " + groups
                    + " groups), got " + w[1]);
        }
        int[] k = spatialOf(w), xs = spatialOf(x);
        if (k[0] != win.kh() || k[1] != win.kw()) {
            throw Op.fail(this, in, "the kernel's size " + (spatial == 2 ? k[0] + "x" : "") + k[1] + " differs from the window's "
                    + win.describe(spatial));
        }
        int oh = win.outH(xs[0]), ow = win.outW(xs[1]);
        if (oh < 1 || ow < 1) {
            throw Op.fail(this, in, "the input " + (spatial == 2 ? xs[0] + "x" : "") + xs[1] + " with padding is smaller than the dilated kernel ("
                    + win.describe(spatial) + "): the output would be empty");
        }
        return spatial == 2 ? new int[] {x[0], o, oh, ow} : new int[] {x[0], o, ow};
    }

    /** The input whose spatial size the im2col matrix covers: x for FORWARD and KERNEL_GRAD, the output for INPUT_GRAD. */
    private int colSize(Operand[] in, int[] out) {
        int[] x = role == Role.INPUT_GRAD ? out : in[0].shape();
        int[] y = role == Role.FORWARD ? out : role == Role.INPUT_GRAD ? in[0].shape() : in[1].shape();
        int n = x[0], kk = x[1] / groups * win.kh() * win.kw(), p = Shapes.size(y) / Math.max(1, y[0] * y[1]);
        long one = (long) kk * p;
        if (one > Integer.MAX_VALUE / 2) {
            throw Op.fail(this, in, "one sample's im2col matrix (" + kk + " x " + p + ") is too large");
        }
        int chunk = (int) Math.max(1, Math.min(Math.max(n, 1), COL_BUDGET / Math.max(one, 1)));
        // The in-place paths keep one sample's padded channels of a group there instead.
        int[] xs = spatialOf(x);
        return (int) Math.max(chunk * one, (long) x[1] / groups * (xs[0] + win.pt() + win.pb()) * (xs[1] + win.pl() + win.pr()));
    }

    @Override public int[][] workspace(Operand[] in, int[] out) {
        List<int[]> ws = new ArrayList<>();
        if (!win.pointwise()) ws.add(new int[] {colSize(in, out)});
        for (Operand n : in) if (!n.contiguous()) ws.add(n.shape());
        return ws.toArray(new int[0][]);
    }

    @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
        if (!out.isContiguous()) throw new IllegalStateException(name() + ": the planned output is not contiguous");
        Tensor col = win.pointwise() ? null : work[0];
        List<Instruction> program = new ArrayList<>();
        Tensor[] flat = contiguous(math, in, work, win.pointwise() ? 0 : 1, program);
        ConvKernels kernels = out.dtype().pick(name(), ConvKernelsF64.VIEW, ConvKernelsF32.VIEW);
        // The in-place kernels (no im2col matrix) run on the caller's thread; with more threads the
        // im2col path's GEMMs split over them. Both give the same bits.
        boolean inPlace = math.backend().threads() == 1 && inPlacePays(flat, out);
        Instruction run = switch (role) {
            case FORWARD -> {
                Tensor b = flat.length == 3 ? flat[2] : null;
                yield kernels.forward(math, flat[0], flat[1], b, out, col, win, groups, inPlace);
            }
            case INPUT_GRAD -> kernels.inputGrad(math, flat[0], flat[1], out, col, win, groups, inPlace);
            case KERNEL_GRAD -> kernels.kernelGrad(math, flat[0], flat[1], out, col, win, groups, inPlace);
        };
        program.add(run);
        return Bound.sequence(program);
    }

    /**
     * Whether the in-place kernels beat im2col and GEMM here. Their tiles are 12 (or 6) channels by
     * two vectors of one output row, so thin layers fill them with padding: LeNet's (1-16 channels,
     * rows of 10-28) ran at 0.56-0.83x of the im2col path in JMH, a ResNet block's (64 channels,
     * rows of 32) at 1.1-1.2x. Both channel counts per group at least 32 and rows of at least 16.
     */
    private boolean inPlacePays(Tensor[] flat, Tensor out) {
        Tensor w = role == Role.KERNEL_GRAD ? out : flat[1];
        Tensor y = switch (role) {
            case FORWARD -> out;
            case INPUT_GRAD -> flat[0];
            case KERNEL_GRAD -> flat[1];
        };
        return w.dim(0) / groups >= 32 && w.dim(1) >= 32 && y.dim(-1) >= 16;
    }

    /**
     * The inputs as contiguous tensors: strided ones (views) are copied into the workspaces
     * planned for them from {@code first} on, by an instruction added to the program.
     */
    static Tensor[] contiguous(TensorMath math, Tensor[] in, Tensor[] work, int first, List<Instruction> program) {
        Tensor[] flat = in.clone();
        boolean[] used = new boolean[work.length];
        for (int i = 0; i < in.length; i++) {
            if (in[i].isContiguous()) continue;
            for (int w = first; w < work.length; w++) {
                if (!used[w] && work[w].size() == in[i].size()) {
                    used[w] = true;
                    flat[i] = work[w].reshape(in[i].shape());
                    program.add(Bound.copy(math, in[i], flat[i], false));
                    break;
                }
            }
            if (flat[i] == in[i]) throw new IllegalStateException("no workspace planned for a strided input of shape " + Shapes.str(in[i].shape()));
        }
        return flat;
    }

    @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
        var graph = out.graph();
        V a = in[0], b = in[1];
        V[] d = Op.noGrads(in, in.length);
        switch (role) {
            case FORWARD -> {       // (x, w[, bias]) -> y
                int[] xs = a.shape();
                if (needed[0]) d[0] = graph.apply(grad(Role.INPUT_GRAD, xs), g, b);
                if (needed[1]) d[1] = graph.apply(grad(Role.KERNEL_GRAD, xs), a, g);
                if (in.length == 3 && needed[2]) d[2] = spatial == 2 ? g.sum(false, 0, 2, 3) : g.sum(false, 0, 2);
            }
            case INPUT_GRAD -> {    // (gy, w) -> dx; the cotangent g has x's shape
                if (needed[0]) d[0] = graph.apply(forward(spatial, win, groups), g, b);
                if (needed[1]) d[1] = graph.apply(grad(Role.KERNEL_GRAD, g.shape()), g, a);
            }
            case KERNEL_GRAD -> {   // (x, gy) -> dw; the cotangent g has w's shape
                if (needed[0]) d[0] = graph.apply(grad(Role.INPUT_GRAD, a.shape()), b, g);
                if (needed[1]) d[1] = graph.apply(forward(spatial, win, groups), a, g);
            }
        }
        return d;
    }

    private Conv grad(Role r, int[] xShape) {
        return r == Role.INPUT_GRAD ? new Conv(r, spatial, win, groups, spatial == 2 ? xShape[2] : 1, xShape[xShape.length - 1])
                : new Conv(r, spatial, win, groups, 0, 0);
    }
}
