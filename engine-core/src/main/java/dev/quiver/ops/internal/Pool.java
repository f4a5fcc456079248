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
 * Max and average pooling over NCW (1-d) or NCHW (2-d) tensors, each channel on its own, with
 * their gradients as ops of the same record:
 * <ul>
 *   <li>max: {@link Role#POOL} {@code y = max over the window} (padding never wins); its VJP
 *       {@link Role#GRAD} {@code dx = route(x, g)} adds each g to its window's first maximum; the
 *       route is linear in g with the positions fixed by x, so its VJP is {@link Role#PICK}
 *       {@code pick(x, h) = h at the maxima}, whose VJP is the route again (x gets none: the
 *       positions are piecewise constant);</li>
 *   <li>average: {@code y = sum over the window / (kh kw)}, padding counted as zeros (PyTorch's
 *       default {@code count_include_pad}); linear, its VJP {@link Role#GRAD} spreads each g over
 *       its window, and that one's VJP is the pooling.</li>
 * </ul>
 * Padding is at most half the kernel on each side, so no window lies wholly in padding.
 *
 * @param max     max pooling (else average)
 * @param role    the pooling, its gradient, or (max only) the pick
 * @param spatial 1 or 2
 * @param win     kernel, stride and padding (no dilation)
 * @param inH     the input's H for an average pooling's {@link Role#GRAD} (g alone does not fix it), else 0
 * @param inW     the input's W, likewise
 */
public record Pool(boolean max, Role role, int spatial, Window win, int inH, int inW) implements Op {

    public enum Role { POOL, GRAD, PICK }

    public static Pool of(boolean max, int spatial, Window win) {
        return new Pool(max, Role.POOL, spatial, win, 0, 0);
    }

    @Override public String name() {
        String base = (max ? "max_pool" : "avg_pool") + spatial + "d";
        return switch (role) {
            case POOL -> base;
            case GRAD -> base + "_grad";
            case PICK -> base + "_pick";
        };
    }

    @Override public String attributes() {
        return win.describe(spatial) + (role == Role.GRAD && !max ? " in=" + (spatial == 2 ? inH + "x" : "") + inW : "");
    }

    @Override public int[] shape(Operand[] in) {
        int arity = max && role != Role.POOL ? 2 : 1;
        if (in.length != arity) throw Op.fail(this, in, "takes " + (arity == 2 ? "(x, gradient)" : "one input"));
        if (role == Role.PICK && !max) throw Op.fail(this, in, "only max pooling picks");
        String bad = win.invalid();
        if (bad != null) throw Op.fail(this, in, bad);
        if (win.dh() != 1 || win.dw() != 1) throw Op.fail(this, in, "pooling takes no dilation");
        if (2 * win.pt() > win.kh() || 2 * win.pb() > win.kh() || 2 * win.pl() > win.kw() || 2 * win.pr() > win.kw()) {
            throw Op.fail(this, in, "padding " + win.padding() + " exceeds half the kernel " + win.kh() + "x" + win.kw());
        }
        int rank = spatial + 2;
        for (Operand n : in) {
            if (n.rank() != rank) {
                throw Op.fail(this, in, "takes " + (spatial == 2 ? "[N, C, H, W]" : "[N, C, W]") + " (rank " + rank + "), got rank " + n.rank());
            }
        }
        int[] x = role == Role.GRAD && !max ? (spatial == 2 ? new int[] {in[0].dim(0), in[0].dim(1), inH, inW}
                : new int[] {in[0].dim(0), in[0].dim(1), inW}) : in[0].shape();
        int h = spatial == 2 ? x[2] : 1, w = x[rank - 1], oh = win.outH(h), ow = win.outW(w);
        if (oh < 1 || ow < 1) {
            throw Op.fail(this, in, "the input " + (spatial == 2 ? h + "x" : "") + w + " with padding is smaller than the window ("
                    + win.describe(spatial) + "): the output would be empty");
        }
        int[] y = spatial == 2 ? new int[] {x[0], x[1], oh, ow} : new int[] {x[0], x[1], ow};
        Operand g = role == Role.POOL ? null : max ? in[1] : in[0];
        int[] expected = role == Role.PICK ? x : y;   // the pick reads a cotangent of x's shape
        if (g != null && !java.util.Arrays.equals(g.shape(), expected)) {
            throw Op.fail(this, in, "the gradient must be " + Shapes.str(expected) + ", got " + Shapes.str(g.shape()));
        }
        return role == Role.GRAD ? x : y;
    }

    @Override public int[][] workspace(Operand[] in, int[] out) {
        List<int[]> ws = new ArrayList<>();
        for (Operand n : in) if (!n.contiguous()) ws.add(n.shape());
        return ws.toArray(new int[0][]);
    }

    @Override public Instruction bind(TensorMath math, Tensor[] in, Tensor out, Tensor[] work) {
        if (!out.isContiguous()) throw new IllegalStateException(name() + ": the planned output is not contiguous");
        List<Instruction> program = new ArrayList<>();
        Tensor[] flat = Conv.contiguous(math, in, work, 0, program);
        ConvKernels kernels = out.dtype().pick(name(), ConvKernelsF64.VIEW, ConvKernelsF32.VIEW);
        Instruction run;
        if (max) {
            int mode = role.ordinal();
            Tensor g = flat.length == 2 ? flat[1] : null;
            run = kernels.maxPool(mode, flat[0], g, out, win);
        } else {
            boolean back = role == Role.GRAD;
            run = kernels.avgPool(back, flat[0], out, win);
        }
        program.add(run);
        return Bound.sequence(program);
    }

    @Override public <V extends Value<V>> V[] vjp(V[] in, V out, V g, boolean[] needed) {
        var graph = out.graph();
        if (!max) {
            if (!needed[0]) return Op.noGrads(in, 1);
            if (role == Role.POOL) {
                int[] x = in[0].shape();
                return Op.grads(in, graph.apply(new Pool(false, Role.GRAD, spatial, win, spatial == 2 ? x[2] : 1, x[x.length - 1]), g));
            }
            return Op.grads(in, graph.apply(of(false, spatial, win), g));
        }
        return switch (role) {
            case POOL -> Op.grads(in, needed[0] ? graph.apply(new Pool(true, Role.GRAD, spatial, win, 0, 0), in[0], g) : null);
            case GRAD -> Op.grads(in, null, needed[1] ? graph.apply(new Pool(true, Role.PICK, spatial, win, 0, 0), in[0], g) : null);
            case PICK -> Op.grads(in, null, needed[1] ? graph.apply(new Pool(true, Role.GRAD, spatial, win, 0, 0), in[0], g) : null);
        };
    }
}
