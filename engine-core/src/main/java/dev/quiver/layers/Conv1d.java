package dev.quiver.layers;

import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.ops.ConvSpec;

import java.util.List;

/**
 * {@code y = conv1d(x, W) + b} over NCW sequences ({@link dev.quiver.graph.Graph#conv1d}): x
 * {@code [N, in, W]} to {@code [N, out, OW]}. Parameters {@code W [out, in/groups, k]}
 * (He uniform over the kernel's fan-in {@code in/groups * k}, {@link Conv2d#KERNEL_INIT}) and,
 * unless disabled, {@code b [out]} (zeros). Stride, padding ("same" too), dilation and groups come
 * from the {@link ConvSpec}.
 *
 * <pre>{@code
 * var conv = new Conv1d(model.child("conv1"), 128, 64, 3, ConvSpec.DEFAULT.same());  // conv1.W, conv1.b
 * }</pre>
 */
public final class Conv1d implements Layer {
    private final String name;
    private final int in, out;
    private final ConvSpec spec;
    private final Parameter W, b;
    private final List<Parameter> parameters;

    /** A convolution of width {@code kernel} with a bias, stride 1, no padding. */
    public Conv1d(Scope scope, int in, int out, int kernel) {
        this(scope, in, out, kernel, ConvSpec.DEFAULT, true, Conv2d.KERNEL_INIT);
    }

    /** A convolution of width {@code kernel} with a bias. */
    public Conv1d(Scope scope, int in, int out, int kernel, ConvSpec spec) {
        this(scope, in, out, kernel, spec, true, Conv2d.KERNEL_INIT);
    }

    public Conv1d(Scope scope, int in, int out, int kernel, ConvSpec spec, boolean bias, Initializer weightInit) {
        String what = Cells.describe("Conv1d", scope.name());
        if (in <= 0 || out <= 0 || kernel <= 0) {
            throw new IllegalArgumentException(what + ": sizes must be positive, got in " + in + ", out " + out + ", kernel " + kernel);
        }
        if (in % spec.groups() != 0 || out % spec.groups() != 0) {
            throw new IllegalArgumentException(what + ": " + in + " in and " + out + " out channels must both divide into " + spec.groups() + " groups");
        }
        this.name = scope.name();
        this.in = in;
        this.out = out;
        this.spec = spec;
        this.W = scope.parameter("W", weightInit, out, in / spec.groups(), kernel);
        this.b = bias ? scope.parameter("b", Initializer.zeros(), out) : null;
        this.parameters = bias ? List.of(W, b) : List.of(W);
    }

    @Override public Node apply(Node x) {
        if (x.rank() != 3 || x.dim(1) != in) {
            throw new IllegalArgumentException(Cells.describe("Conv1d", name) + ": input " + x.describe() + " must be [N, " + in + ", W]");
        }
        var g = x.graph();
        return g.conv1d(x, g.param(W), b == null ? null : g.param(b), spec);
    }

    public Parameter weight() { return W; }
    /** The bias, or null for a layer without one. */
    public Parameter bias() { return b; }

    @Override public String name() { return name; }
    @Override public List<Parameter> parameters() { return parameters; }
    @Override public String toString() { return "Conv1d(" + name + ", " + in + " -> " + out + ", " + spec + (b == null ? ", no bias)" : ")"); }
}
