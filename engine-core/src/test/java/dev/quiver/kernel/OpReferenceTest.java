package dev.quiver.kernel;

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
        b.append("\nThe fused `*_grad` kernels and the masks appear in backward graphs (tanh's, sigmoid's and relu's\n");
        b.append("derivatives; min's and max's gradient routing); their own VJPs above make second derivatives\n");
        b.append("of those graphs. Other graph ops (products, reductions, shaping, indexing, losses) are\n");
        b.append("documented in their classes under `dev.quiver.ops`; they are not in this table yet.\n");
        b.append("\n## Normalisation, dropout, masks, batched matmul, attention\n\n");
        b.append("GENERATED from the `DOCS` entries next to each op (`dev.quiver.ops.OpDoc.all()`). TRAIN and EVAL\n");
        b.append("are the compiled step's `Mode` (`CompileOptions.mode()`: training steps TRAIN, inference-only\n");
        b.append("steps EVAL, `withMode` to choose). \"First order only\": the fused backward kernel has no VJP of\n");
        b.append("its own, so differentiating through it twice is refused with an error naming it.\n\n");
        b.append("| call | op | shape rule | gradient |\n");
        b.append("|---|---|---|---|\n");
        for (dev.quiver.ops.OpDoc d : dev.quiver.ops.OpDoc.all()) {
            b.append("| `").append(cell(d.call())).append("` | `").append(cell(d.op())).append("` | ").append(cell(d.shape()))
                    .append(" | ").append(cell(d.gradient())).append(" |\n");
        }
        return b.toString();
    }
}
