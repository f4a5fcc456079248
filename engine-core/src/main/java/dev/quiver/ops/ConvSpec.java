package dev.quiver.ops;

import java.util.Arrays;

/**
 * Options of a convolution, immutable: stride, padding (explicit, or "same"), dilation and
 * groups, each given once for every spatial axis or once per axis (H then W for conv2d).
 *
 * <pre>{@code
 * g.conv2d(x, w, b, ConvSpec.DEFAULT.stride(2).padding(1));
 * g.conv2d(x, w, null, ConvSpec.DEFAULT.same().dilation(2).groups(4));
 * }</pre>
 */
public final class ConvSpec {
    /** Stride 1, no padding, no dilation, one group. */
    public static final ConvSpec DEFAULT = new ConvSpec(new int[] {1}, new int[] {0}, false, new int[] {1}, 1);

    private final int[] stride, padding, dilation;
    private final boolean same;
    private final int groups;

    private ConvSpec(int[] stride, int[] padding, boolean same, int[] dilation, int groups) {
        this.stride = stride;
        this.padding = padding;
        this.same = same;
        this.dilation = dilation;
        this.groups = groups;
    }

    public ConvSpec stride(int... s) { return new ConvSpec(perAxis("stride", s), padding, same, dilation, groups); }

    /** Zero padding, the same on both sides of an axis. */
    public ConvSpec padding(int... p) { return new ConvSpec(stride, perAxis("padding", p), false, dilation, groups); }

    /** Pads so that the output has {@code ceil(in / stride)} positions per axis, the smaller half before. */
    public ConvSpec same() { return new ConvSpec(stride, padding, true, dilation, groups); }

    public ConvSpec dilation(int... d) { return new ConvSpec(stride, padding, same, perAxis("dilation", d), groups); }

    /** Input and output channels split into this many groups, each convolved with its own kernels. */
    public ConvSpec groups(int g) { return new ConvSpec(stride, padding, same, dilation, g); }

    public int groups() { return groups; }

    private static int[] perAxis(String what, int[] v) {
        if (v.length < 1 || v.length > 2) {
            throw new IllegalArgumentException("ConvSpec: give the " + what + " once or once per spatial axis (H, W), got "
                    + Arrays.toString(v));
        }
        return v.clone();
    }

    /** The value along spatial axis a (0 = H) of {@code spatial} axes. */
    private static int along(String what, int[] v, int spatial, int a) {
        if (v.length == 1) return v[0];
        if (v.length != spatial) {
            throw new IllegalArgumentException("ConvSpec: " + what + " " + Arrays.toString(v) + " has " + v.length
                    + " values for " + spatial + " spatial axis");
        }
        return v[a];
    }

    /**
     * The window for a kernel of {@code k} (kh, kw; kh = 1 for 1-d) over input size {@code h x w}
     * (h = 1 for 1-d). Values are not validated here: the op's shape rule rejects bad ones with
     * the node names.
     */
    public Window window(int spatial, int kh, int kw, int h, int w) {
        int sh = spatial == 1 ? 1 : along("stride", stride, 2, 0), sw = along("stride", stride, spatial, spatial - 1);
        int dh = spatial == 1 ? 1 : along("dilation", dilation, 2, 0), dw = along("dilation", dilation, spatial, spatial - 1);
        int pt, pb, pl, pr;
        if (same) {
            int[] v = spatial == 1 ? new int[2] : Window.same(h, kh, sh, dh), u = Window.same(w, kw, sw, dw);
            pt = v[0];
            pb = v[1];
            pl = u[0];
            pr = u[1];
        } else {
            pt = pb = spatial == 1 ? 0 : along("padding", padding, 2, 0);
            pl = pr = along("padding", padding, spatial, spatial - 1);
        }
        return new Window(kh, kw, sh, sw, dh, dw, pt, pb, pl, pr);
    }

    @Override public String toString() {
        return "ConvSpec[stride=" + Arrays.toString(stride) + ", padding=" + (same ? "same" : Arrays.toString(padding))
                + ", dilation=" + Arrays.toString(dilation) + ", groups=" + groups + "]";
    }
}
