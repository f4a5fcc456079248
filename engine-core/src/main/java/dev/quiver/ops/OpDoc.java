package dev.quiver.ops;

import dev.quiver.ops.internal.Attention;
import dev.quiver.ops.internal.Dropouts;
import dev.quiver.ops.internal.Masks;
import dev.quiver.ops.internal.ModeGate;
import dev.quiver.ops.internal.Normalization;
import dev.quiver.ops.internal.Products;

import java.util.List;

/**
 * One line of the generated op reference (docs/ops.md) for a graph op that is not a map or a
 * binary op: how to call it, its shape rule, and its derivative. Declared next to the op it
 * describes ({@code DOCS} in its class), so the page changes when the op does.
 *
 * @param call     the graph method, e.g. {@code g.layerNorm(x, gamma, beta, eps)}
 * @param op       the op's name (as in errors and plans)
 * @param shape    the shape and dtype rule
 * @param gradient the VJP, or why there is none
 */
public record OpDoc(String call, String op, String shape, String gradient) {
    /** Every documented op, in page order. */
    public static List<OpDoc> all() {
        java.util.ArrayList<OpDoc> all = new java.util.ArrayList<>();
        all.addAll(Normalization.DOCS);
        all.addAll(Dropouts.DOCS);
        all.addAll(ModeGate.DOCS);
        all.addAll(Masks.DOCS);
        all.addAll(Products.DOCS);
        all.addAll(Attention.DOCS);
        return all;
    }
}
