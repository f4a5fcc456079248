package dev.quiver.graph;

import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.UnaryOp;
import dev.quiver.ops.CrossEntropy;
import dev.quiver.ops.Op;
import dev.quiver.ops.internal.ClassCrossEntropy;
import dev.quiver.ops.internal.Elementwise;
import dev.quiver.ops.internal.Masks;
import dev.quiver.ops.internal.Reductions;
import dev.quiver.ops.internal.Shaping;

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
 * one to match, with the counts in a {@link Scratch} array: O(nodes), no allocation per node (a
 * fused loss gets a new op and input array, as building its backward op directly would).
 *
 * <p>The elementwise kernels compute their pattern's formula in the same evaluation order, so
 * values and gradients are the same bits with fusion on or off ({@link CompileOptions#withFusion});
 * the cross-entropy's row kernel scales and subtracts in its own order (within rounding).
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
        },
        /**
         * {@code (softmax(x) - t) * s} (the class-index cross-entropy's VJP, {@code ClassCrossEntropy.gradient}) as its
         * Backward(x, classes, g): one kernel writes each row once instead of five passes and softmax-sized temporaries.
         */
        CLASS_CROSS_ENTROPY_GRAD {
            @Override boolean fuse(Fusion f, Node root, Node p, Node q) {
                if (!f.inner(p) || !isBinary(p, BinaryOp.SUB)) return false;
                Node x = f.softmaxOf(p.input(0));
                if (x == null || x.dtype() != root.dtype() || !x.sameShape(root)) return false;
                Node t = p.input(1), oneHot = t;
                double eps = 0;
                if (t.op() instanceof Elementwise.WithScalar add && add.fn() == BinaryOp.ADD && f.inner(t)
                        && t.input(0).op() instanceof Elementwise.WithScalar mul && mul.fn() == BinaryOp.MUL && f.inner(t.input(0))) {
                    oneHot = t.input(0).input(0);
                    // eps from either constant (1 - (1 - eps) and (eps / C) * C need not round back to eps): one that gives both
                    eps = smoothing(1 - mul.scalar(), mul.scalar(), add.scalar(), x.dim(-1));
                    if (Double.isNaN(eps)) eps = smoothing(add.scalar() * x.dim(-1), mul.scalar(), add.scalar(), x.dim(-1));
                    if (Double.isNaN(eps)) return false;
                }
                if (!f.inner(oneHot) || !(oneHot.op() instanceof Masks.OneHot oh) || oh.classes() != x.dim(-1)) return false;
                Node classes = oneHot.input(0);
                // The reduction from the scale's form: g * (1 / rows), g of rank 0, or g with a class axis of 1.
                CrossEntropy.Reduction reduction;
                Node g;
                if (q.op() instanceof Elementwise.WithScalar mean && mean.fn() == BinaryOp.MUL && f.inner(q) && q.input(0).rank() == 0
                        && mean.scalar() == 1.0 / Math.max(1, classes.size())) {
                    reduction = CrossEntropy.Reduction.MEAN;
                    g = q.input(0);
                } else if (q.rank() == 0) {
                    reduction = CrossEntropy.Reduction.SUM;
                    g = q;
                } else if (q.op() instanceof Shaping.Reshape && f.inner(q) && q.rank() == classes.rank() + 1 && q.dim(-1) == 1
                        && q.input(0).sameShape(classes)) {
                    reduction = CrossEntropy.Reduction.NONE;
                    g = q.input(0);
                } else {
                    return false;
                }
                if (g.dtype() != root.dtype()) return false;
                CrossEntropy options = CrossEntropy.defaults().withReduction(reduction).withLabelSmoothing(eps);
                f.replace(root, new ClassCrossEntropy.Backward(options), new Node[] {x, classes, g});
                return true;
            }
        };

        /** eps when the target's constants are {@code 1 - eps} and {@code eps / C} as the VJP computes them, else NaN. */
        private static double smoothing(double eps, double keep, double spread, int classes) {
            return eps > 0 && eps < 1 && 1 - eps == keep && eps / classes == spread ? eps : Double.NaN;
        }

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
     * x when {@code p} is softmax(x) over the last axis as {@code Graph.softmax} builds it,
     * {@code e / sum(e)} with {@code e = exp(x - max_detached(x))}, every node but x inner (e read
     * by the division and the sum alone); else null.
     */
    private Node softmaxOf(Node p) {
        if (!inner(p) || !isBinary(p, BinaryOp.DIV)) return null;
        Node e = p.input(0), s = p.input(1);
        if (!inner(s) || !(s.op() instanceof Reductions.Sum sum) || !sum.keepDims() || s.input(0) != e) return null;
        if (e.index() < mark || uses[e.index() - mark] != 2 || !isMap(e, UnaryOp.EXP)) return null;
        Node z = e.input(0);
        if (!inner(z) || !isBinary(z, BinaryOp.SUB)) return null;
        Node x = z.input(0), max = z.input(1);
        if (!inner(max) || !(max.op() instanceof Reductions.DetachedMax m) || !m.keepDims() || max.input(0) != x) return null;
        return lastAxis(sum.axes(), x.rank()) && lastAxis(m.axes(), x.rank()) ? x : null;
    }

    private static boolean lastAxis(int[] axes, int rank) {
        return axes.length == 1 && (axes[0] == -1 || axes[0] == rank - 1);
    }

    /** Makes {@code root} the op {@code op} on {@code in} (of root's shape and dtype: the caller checked). */
    private void replace(Node root, Op op, Node[] in) {
        root.init(root.index(), Node.Kind.OP, op, in, root.shapeRef(), root.dtype(), null, null, root.name());
        fused++;
    }

    /**
     * Makes {@code root} the fused kernel {@code fn(a, b)} when a, b and root agree in shape and
     * dtype (the patterns are written without broadcasting); false otherwise.
     */
    private boolean replace(Node root, BinaryOp fn, Node a, Node b) {
        if (a.dtype() != root.dtype() || b.dtype() != root.dtype() || !a.sameShape(root) || !b.sameShape(root)) return false;
        root.init(root.index(), Node.Kind.OP, Elementwise.fused(fn), new Node[] {a, b}, root.shapeRef(), root.dtype(), null, null, root.name());
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
