package dev.quiver.layers;

import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.ops.ConvSpec;
import dev.quiver.optim.Init;

import java.util.List;

/**
 * {@code y = conv2d(x, W) + b} over NCHW images ({@link dev.quiver.graph.Graph#conv2d}): x
 * {@code [N, in, H, W]} to {@code [N, out, OH, OW]}. Parameters {@code W [out, in/groups, kh, kw]}
 * (He uniform over the kernel's fan-in {@code in/groups * kh * kw}, {@link #KERNEL_INIT}) and,
 * unless disabled, {@code b [out]} (zeros). Stride, padding ("same" too), dilation and groups come
 * from the {@link ConvSpec}.
 *
 * <pre>{@code
 * var conv = new Conv2d(model.child("conv1"), 3, 64, 3, ConvSpec.DEFAULT.padding(1));  // conv1.W, conv1.b
 * }</pre>
 */
public final class Conv2d implements Layer {
    /** He uniform for a kernel {@code [out, in/groups, k...]}: U(-a, a), a = sqrt(6 / (in/groups · Πk)) ({@link Init}'s kernel fan rule). */
    public static final Initializer KERNEL_INIT = Init::heUniform;

    private final String name;
    private final int in, out;
    private final ConvSpec spec;
    private final Parameter W, b;
    private final List<Parameter> parameters;

    /** A square {@code kernel x kernel} convolution with a bias, stride 1, no padding. */
    public Conv2d(Scope scope, int in, int out, int kernel) {
        this(scope, in, out, kernel, kernel, ConvSpec.DEFAULT, true, KERNEL_INIT);
    }

    /** A square {@code kernel x kernel} convolution with a bias. */
    public Conv2d(Scope scope, int in, int out, int kernel, ConvSpec spec) {
        this(scope, in, out, kernel, kernel, spec, true, KERNEL_INIT);
    }

    public Conv2d(Scope scope, int in, int out, int kh, int kw, ConvSpec spec, boolean bias, Initializer weightInit) {
        String what = Cells.describe("Conv2d", scope.name());
        if (in <= 0 || out <= 0 || kh <= 0 || kw <= 0) {
            throw new IllegalArgumentException(what + ": sizes must be positive, got in " + in + ", out " + out + ", kernel " + kh + "x" + kw);
        }
        if (in % spec.groups() != 0 || out % spec.groups() != 0) {
            throw new IllegalArgumentException(what + ": " + in + " in and " + out + " out channels must both divide into " + spec.groups() + " groups");
        }
        this.name = scope.name();
        this.in = in;
        this.out = out;
        this.spec = spec;
        this.W = scope.parameter("W", weightInit, out, in / spec.groups(), kh, kw);
        this.b = bias ? scope.parameter("b", Initializer.zeros(), out) : null;
        this.parameters = bias ? List.of(W, b) : List.of(W);
    }

    @Override public Node apply(Node x) {
        if (x.rank() != 4 || x.dim(1) != in) {
            throw new IllegalArgumentException(Cells.describe("Conv2d", name) + ": input " + x.describe() + " must be [N, " + in + ", H, W]");
        }
        var g = x.graph();
        return g.conv2d(x, g.param(W), b == null ? null : g.param(b), spec);
    }

    public Parameter weight() { return W; }
    /** The bias, or null for a layer without one. */
    public Parameter bias() { return b; }

    @Override public String name() { return name; }
    @Override public List<Parameter> parameters() { return parameters; }
    @Override public String toString() { return "Conv2d(" + name + ", " + in + " -> " + out + ", " + spec + (b == null ? ", no bias)" : ")"); }
}
