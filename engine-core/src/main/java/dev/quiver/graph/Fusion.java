package dev.quiver.graph;

import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.UnaryOp;
import dev.quiver.ops.internal.Elementwise;

import java.util.List;

/**
 * The compiler's fusion pass: derivative rules are written in primitive ops (so a backward graph
 * can be differentiated again), and this pass puts the engine's fused kernels back in place of
 * the primitive patterns they build, so a training step runs the same kernels as if the rules
 * had built the fused ops themselves.
 *
 * <p>It runs once per compile of a new structure, after autobatching and differentiation (so the
 * VJPs of batched groups fuse too) and before scheduling. It rewrites backward nodes only (those
 * the compile appended, never a node the user built): at each node that is a pattern's root it
 * checks the ops and operand structure of the nodes below it, and fuses only when every inner
 * node of the pattern is a backward node with exactly one reader (not a final gradient, not read
 * by another node, whatever that node is). The root node itself becomes the fused op on the
 * pattern's leaves, keeping its index, shape, dtype and readers; the inner nodes are left with no
 * reader, so the scheduler never runs them. One pass over the backward nodes to count readers and
 * one to match, with the counts in a {@link Scratch} array: O(nodes), no allocation per node.
 *
 * <p>Each fused kernel computes its pattern's formula in the same evaluation order, so values
 * and gradients are the same bits with fusion on or off ({@link CompileOptions#withFusion}).
 */
final class Fusion {
    /**
     * The rules, tried in this order at each backward binary multiply (the root of every pattern
     * so far). Each says what it fuses and why.
     */
    private enum Rule {
        /** {@code b * (1 - a^2)} (tanh's VJP) as TANH_GRAD(a, b): one pass over a and b instead of three temporaries. */
        TANH_GRAD {
            @Override boolean fuse(Fusion f, Node root, Node p, Node q) {
                for (int k = 0; k < 2; k++) {
                    Node t = k == 0 ? q : p, b = k == 0 ? p : q;
                    Node s = f.oneMinus(t);
                    if (s != null && f.inner(s) && isMap(s, UnaryOp.SQUARE) && f.replace(root, BinaryOp.TANH_GRAD, s.input(0), b)) return true;
                }
                return false;
            }
        },
        /** {@code (b * a) * (1 - a)} (sigmoid's VJP, also inside SiLU's and GELU's) as SIGMOID_GRAD(a, b): as TANH_GRAD. */
        SIGMOID_GRAD {
            @Override boolean fuse(Fusion f, Node root, Node p, Node q) {
                for (int k = 0; k < 2; k++) {
                    Node t = k == 0 ? q : p, u = k == 0 ? p : q;
                    Node a = f.oneMinus(t);
                    if (a == null || !f.inner(u) || !isBinary(u, BinaryOp.MUL)) continue;
                    Node b = u.input(1) == a ? u.input(0) : u.input(0) == a ? u.input(1) : null;
                    if (b != null && f.replace(root, BinaryOp.SIGMOID_GRAD, a, b)) return true;
                }
                return false;
            }
        };

        /** Fuses the pattern rooted at {@code root} = p * q if it is this rule's; false (nothing changed) otherwise. */
        abstract boolean fuse(Fusion f, Node root, Node p, Node q);
    }

    private static final Rule[] RULES = Rule.values();

    private final int mark;
    /** Per backward node (index - mark), its readers: other nodes' inputs, plus two for a final gradient. */
    private final int[] uses;
    private int fused;

    private Fusion(int mark, int[] uses) {
        this.mark = mark;
        this.uses = uses;
    }

    /**
     * Rewrites the backward nodes of {@code g} (those from index {@code mark} on) by the rules;
     * {@code grads} (the targets' final gradients, null where none) and {@code sinks} are read by
     * the step, not by nodes. Returns the number of nodes fused.
     */
    static int rewrite(Graph g, int mark, List<Node> grads, List<Node> sinks, Scratch scratch) {
        List<Node> nodes = g.nodes();
        int total = nodes.size();
        if (total == mark) return 0;
        int[] uses = scratch.ints(Scratch.FUSION_USES, total - mark);
        for (int i = mark; i < total; i++) {
            Node n = nodes.get(i);
            for (int k = 0; k < n.arity(); k++) {
                int j = n.input(k).index();
                if (j >= mark) uses[j - mark]++;
            }
        }
        for (int j = 0; j < grads.size(); j++) external(uses, mark, grads.get(j));
        for (int j = 0; j < sinks.size(); j++) external(uses, mark, sinks.get(j));
        Fusion f = new Fusion(mark, uses);
        for (int i = mark; i < total; i++) {
            Node n = nodes.get(i);
            if (!isBinary(n, BinaryOp.MUL)) continue;
            Node p = n.input(0), q = n.input(1);
            for (Rule r : RULES) if (r.fuse(f, n, p, q)) break;
        }
        return f.fused;
    }

    private static void external(int[] uses, int mark, Node n) {
        if (n != null && n.index() >= mark) uses[n.index() - mark] += 2;
    }

    /** True for a backward op node read by exactly one node: the pattern may absorb it. */
    private boolean inner(Node n) {
        int i = n.index();
        return i >= mark && n.kind() == Node.Kind.OP && uses[i - mark] == 1;
    }

    /** x when {@code t} is {@code (-x) + 1} (how a rule writes 1 - x) and both nodes are inner, else null. */
    private Node oneMinus(Node t) {
        if (!inner(t) || !(t.op() instanceof Elementwise.WithScalar ws) || ws.fn() != BinaryOp.ADD || ws.scalar() != 1.0) return null;
        Node u = t.input(0);
        return inner(u) && isMap(u, UnaryOp.NEG) ? u.input(0) : null;
    }

    /**
     * Makes {@code root} the fused kernel {@code fn(a, b)} when a, b and root agree in shape and
     * dtype (the patterns are written without broadcasting); false otherwise.
     */
    private boolean replace(Node root, BinaryOp fn, Node a, Node b) {
        if (a.dtype() != root.dtype() || b.dtype() != root.dtype() || !a.sameShape(root) || !b.sameShape(root)) return false;
        // A binary node's two-element input array is its own (Graph builds or copies it), so it is reused.
        Node[] in = root.inputsRef();
        in[0] = a;
        in[1] = b;
        root.init(root.index(), Node.Kind.OP, Elementwise.fused(fn), in, root.shapeRef(), root.dtype(), null, null, root.name());
        fused++;
        return true;
    }

    private static boolean isMap(Node n, UnaryOp fn) {
        return n.op() instanceof Elementwise.Map m && m.fn() == fn;
    }

    private static boolean isBinary(Node n, BinaryOp fn) {
        return n.op() instanceof Elementwise.Binary b && b.fn() == fn;
    }
}
