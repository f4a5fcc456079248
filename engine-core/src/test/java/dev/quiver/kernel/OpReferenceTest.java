package dev.quiver.kernel;

import dev.quiver.kernel.internal.TextAlgebra;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * docs/ops.md, the op reference, is generated from the op definitions ({@link UnaryOp},
 * {@link BinaryOp}): this test renders it and fails when the committed page differs. Regenerate:
 * {@code ./quiver mvn -B -q -o test -pl engine-core -Dtest=OpReferenceTest -Dquiver.regenerate=true}.
 */
class OpReferenceTest {
    static final Path PAGE = Path.of("..", "docs", "ops.md");

    @Test
    void opsMdIsGeneratedFromTheDefinitions() throws IOException {
        String page = render();
        if (Boolean.getBoolean("quiver.regenerate")) Files.writeString(PAGE, page);
        String committed = Files.exists(PAGE) ? Files.readString(PAGE) : "";
        assertEquals(page, committed, "docs/ops.md is stale: regenerate it with ./quiver mvn -B -q -o test -pl engine-core "
                + "-Dtest=OpReferenceTest -Dquiver.regenerate=true");
    }

    /** A table cell: a bar would end the cell. */
    static String cell(String s) {
        return s.replace("|", "\\|");
    }

    static String render() {
        StringBuilder b = new StringBuilder();
        b.append("# Elementwise op reference\n\n");
        b.append("GENERATED from the op definitions (`engine-core/.../kernel/UnaryOp.java`, `BinaryOp.java`) by\n");
        b.append("`OpReferenceTest`, which fails when this page is stale. Do not edit by hand.\n\n");
        b.append("Every map y = f(x) has the shape and dtype of x (F32 or F64). Its derivative is the VJP `dx`\n");
        b.append("from x, y = f(x) and the upstream gradient g, written in the primitives and built as graph\n");
        b.append("nodes, so every gradient below can be differentiated again (`Graph.grad`, `Graph.hvp`,\n");
        b.append("`GradCheck.secondOrder`). A *primitive* is a kernel every backend implements; a *composite*\n");
        b.append("is a formula in primitives that each backend runs through its own primitive kernels\n");
        b.append("(`Formula`, in blocks of 256 elements: SIMD wherever the primitives are, the same bits on\n");
        b.append("every backend). The domain is where the gradient property tests draw inputs; the bound is\n");
        b.append("the error of the engine's result in ulps of the exact value. Graph API: `g.map(UnaryOp.NAME, x)`\n");
        b.append("for every map, plus named methods (`x.tanh()`, `x.gelu()`, ...).\n\n");
        b.append("## Maps\n\n");
        b.append("| op | kind | y = f(x) | dx (VJP) | domain | bound (ulps) |\n");
        b.append("|---|---|---|---|---|---|\n");
        for (UnaryOp op : UnaryOp.values()) {
            String kind = op.isPrimitive() ? "primitive" : "composite, " + op.formula().steps() + " kernel steps";
            String dx = op.isDifferentiable() ? op.derivative(TextAlgebra.INSTANCE, "x", "y", "g") : "0 (piecewise constant)";
            b.append("| `").append(op.name().toLowerCase()).append("` | ").append(kind).append(" | `").append(cell(op.text()))
                    .append("` | `").append(cell(dx)).append("` | ").append(cell(op.domain().toString())).append(" | ")
                    .append(op.accuracy().ulps()).append(" (").append(cell(op.accuracy().source())).append(") |\n");
        }
        b.append("\n## Binary ops\n\n");
        b.append("c = f(a, b) with NumPy broadcasting: the shape is the broadcast of a's and b's, the dtype their\n");
        b.append("common floating dtype; each VJP is summed back to its operand's shape. All are primitives,\n");
        b.append("exact IEEE operations except `pow` (StrictMath.pow, float32 rounds the float64 result).\n\n");
        b.append("| op | c = f(a, b) | da (VJP) | db (VJP) |\n");
        b.append("|---|---|---|---|\n");
        for (BinaryOp op : BinaryOp.values()) {
            String da = op.derivativeA(TextAlgebra.INSTANCE, "a", "b", "c", "g");
            String db = op.derivativeB(TextAlgebra.INSTANCE, "a", "b", "c", "g");
            b.append("| `").append(op.name().toLowerCase()).append("` | `")
                    .append(cell(op.text())).append("` | `")
                    .append(da == null ? "0" : cell(da)).append("` | `").append(db == null ? "0" : cell(db)).append("` |\n");
        }
        b.append("\nTanh's and sigmoid's derivatives (and the sigmoid parts of SiLU's and GELU's) are written in\n");
        b.append("primitives; the graph compiler puts the fused `tanh_grad` and `sigmoid_grad` kernels in place\n");
        b.append("of those patterns in a backward graph (`graph.Fusion`, off with `CompileOptions.withFusion(false)`),\n");
        b.append("computing the same formula in the same order, so the values are the same bits. `relu_grad` is\n");
        b.append("built by relu's rule itself: the primitive form `g * [x > 0]` differs from it in the sign of\n");
        b.append("zero and for infinite g. The masks appear in min's and max's gradient routing. The VJPs above\n");
        b.append("make second derivatives of all these. Other graph ops (products, reductions, shaping, indexing, losses) are\n");
        b.append("documented in their classes under `dev.quiver.ops`; they are not in this table yet.\n");
        b.append("\n## Normalisation, dropout, masks, batched matmul, attention\n\n");
        b.append("GENERATED from the `DOCS` entries next to each op (`dev.quiver.ops.OpDoc.all()`). TRAIN and EVAL\n");
        b.append("are the compiled step's `Mode` (`CompileOptions.mode()`: training steps TRAIN, inference-only\n");
        b.append("steps EVAL, `withMode` to choose). Every gradient below is built of ops with VJPs, so it can be\n");
        b.append("differentiated again; \"fused back into\" names the kernels the compiler runs in its place in a\n");
        b.append("first-order step. A gradient that depends on the mode (batch_norm's) is built in the mode of the\n");
        b.append("step being compiled, or, by `Graph.grad` before any mode is chosen, in both forms behind the\n");
        b.append("train_only / eval_only gates.\n\n");
        b.append("| call | op | shape rule | gradient |\n");
        b.append("|---|---|---|---|\n");
        for (dev.quiver.ops.OpDoc d : dev.quiver.ops.OpDoc.all()) {
            b.append("| `").append(cell(d.call())).append("` | `").append(cell(d.op())).append("` | ").append(cell(d.shape()))
                    .append(" | ").append(cell(d.gradient())).append(" |\n");
        }
        renderConvolution(b);
        return b.toString();
    }

    /** One row per convolution or pooling op: its example node built, shape rule and VJP run here. */
    private static void row(StringBuilder b, String api, dev.quiver.graph.Node out, String note) {
        var op = out.op();
        var in = out.inputs();
        var g = out.graph();
        boolean[] all = new boolean[in.length];
        java.util.Arrays.fill(all, true);
        var grads = op.vjp(in, out, g.input("g" + g.nodes().size(), out.dtype(), out.shape()), all);
        StringBuilder shapes = new StringBuilder(), vjps = new StringBuilder();
        for (int i = 0; i < in.length; i++) {
            shapes.append(i > 0 ? ", " : "").append(dev.quiver.tensor.Shapes.str(in[i].shape()));
            vjps.append(i > 0 ? ", " : "").append(grads[i] == null ? "0" : grads[i].op() == null ? "g" : grads[i].op().name());
        }
        b.append("| `").append(op.name()).append("` | `").append(cell(api)).append("` | ").append(shapes).append(" -> ")
                .append(dev.quiver.tensor.Shapes.str(out.shape())).append(" | ").append(vjps).append(" | ").append(note).append(" |\n");
    }

    private static void renderConvolution(StringBuilder b) {
        b.append("\n## Convolution and pooling\n\n");
        b.append("NC(H)W layout, float32 and float64 (`dev.quiver.ops.internal.Conv`, `Pool`). The shape column is the op's\n");
        b.append("shape rule run on an example; the VJP column names the op each input's gradient is built with\n");
        b.append("(`0`: none). The convolution's three ops are the partial derivatives of one trilinear form, so\n");
        b.append("each one's VJPs are the other two and gradients of any order stay in the family; they run as\n");
        b.append("im2col into a planned workspace and the backend's GEMM. Stride, padding (`same`: output\n");
        b.append("`ceil(in / stride)`), dilation and groups come from `ConvSpec`. Pooling padding is at most half\n");
        b.append("the kernel; average pooling divides by the kernel size (padding counts as zeros).\n\n");
        b.append("| op | graph API | example shapes | VJPs | note |\n");
        b.append("|---|---|---|---|---|\n");
        var g = new dev.quiver.graph.Graph();
        var f = dev.quiver.tensor.DType.F32;
        var x = g.input("x", f, 8, 6, 28, 28);
        var w = g.input("w", f, 16, 3, 5, 5);
        var bias = g.input("b", f, 16);
        var spec = dev.quiver.ops.ConvSpec.DEFAULT.stride(2).padding(2).groups(2);
        var y = g.conv2d(x, w, bias, spec);
        row(b, "g.conv2d(x, w, b, ConvSpec.DEFAULT.stride(2).padding(2).groups(2))", y, "bias optional");
        var gy = g.input("gy", f, y.shape());
        var fwd = (dev.quiver.ops.internal.Conv) y.op();
        var dx = g.apply(new dev.quiver.ops.internal.Conv(dev.quiver.ops.internal.Conv.Role.INPUT_GRAD, 2, fwd.win(), 2, 28, 28), gy, w);
        row(b, "(x's gradient)", dx, "transposed convolution");
        row(b, "(w's gradient)", g.apply(new dev.quiver.ops.internal.Conv(dev.quiver.ops.internal.Conv.Role.KERNEL_GRAD, 2, fwd.win(), 2, 0, 0), x, gy), "summed over the batch");
        var x1 = g.input("x1", f, 8, 4, 100);
        row(b, "g.conv1d(x1, w1, null, ConvSpec.DEFAULT.same().dilation(2))",
                g.conv1d(x1, g.input("w1", f, 4, 4, 3), null, dev.quiver.ops.ConvSpec.DEFAULT.same().dilation(2)), "also `_input_grad`, `_kernel_grad`");
        var mp = g.maxPool2d(x, 2, 2, 0);
        row(b, "g.maxPool2d(x, 2, 2, 0)", mp, "the first maximum of a window wins");
        var route = g.apply(new dev.quiver.ops.internal.Pool(true, dev.quiver.ops.internal.Pool.Role.GRAD, 2, ((dev.quiver.ops.internal.Pool) mp.op()).win(), 0, 0), x, g.input("gp", f, mp.shape()));
        row(b, "(x's gradient)", route, "g added at each window's maximum");
        row(b, "(its gradient)", g.apply(new dev.quiver.ops.internal.Pool(true, dev.quiver.ops.internal.Pool.Role.PICK, 2, ((dev.quiver.ops.internal.Pool) mp.op()).win(), 0, 0), x,
                g.input("h", f, x.shape())), "reads h at the maxima");
        var ap = g.avgPool2d(x, 3, 2, 1);
        row(b, "g.avgPool2d(x, 3, 2, 1)", ap, "");
        row(b, "(x's gradient)", g.apply(new dev.quiver.ops.internal.Pool(false, dev.quiver.ops.internal.Pool.Role.GRAD, 2, ((dev.quiver.ops.internal.Pool) ap.op()).win(), 28, 28),
                g.input("ga", f, ap.shape())), "spreads g over each window");
        row(b, "g.maxPool1d(x1, 3, 1, 1)", g.maxPool1d(x1, 3, 1, 1), "also `g.avgPool1d`");
        b.append("| `globalAvgPool` | `g.globalAvgPool(x)` | [N, C, H, W] or [N, C, W] -> [N, C] | composite: `mean` over the spatial axes | |\n");
    }
}
