package dev.quiver.graph;

import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.UnaryOp;
import dev.quiver.ops.Comparison;
import dev.quiver.ops.CrossEntropy;
import dev.quiver.ops.Op;
import dev.quiver.ops.internal.Attention;
import dev.quiver.ops.internal.ClassCrossEntropy;
import dev.quiver.ops.internal.Elementwise;
import dev.quiver.ops.internal.Masks;
import dev.quiver.ops.internal.Normalization;
import dev.quiver.ops.internal.Reductions;
import dev.quiver.ops.internal.Shaping;

import java.util.Arrays;
import java.util.List;

/**
 * The compiler's fusion pass: derivative rules are written in primitive ops (so a backward graph
 * can be differentiated again), and this pass puts the engine's fused kernels back in place of
 * the primitive patterns they build, so a training step runs the same kernels as if the rules
 * had built the fused ops themselves.
 *
 * <p>It runs once per compile of a new structure, after autobatching and differentiation (so the
 * VJPs of batched groups fuse too) and before scheduling. It rewrites backward nodes only (those
 * the compile appended, never a node the user built, so the gradients a user builds with
 * {@code Graph.grad} to differentiate again stay primitives): at each node whose op is a
 * pattern's root (a multiply, or the concatenation of a normalisation's parameter gradients) it checks
 * the ops and operand structure of the nodes below it, and fuses only when every inner node of
 * the pattern is a backward node read only by the pattern's own nodes (one reader, or exactly the
 * two or three of the pattern where it shares a value such as xh; not a final gradient, not read
 * by any other node). The root node itself becomes the fused op on the pattern's leaves, keeping
 * its index, shape, dtype and readers; the inner nodes are left with no reader, so the scheduler
 * never runs them. One pass over the backward nodes to count readers and one to match, with the
 * counts in a {@link Scratch} array: O(nodes), no allocation per node (a fused node gets a new op
 * and input array, as building its backward op directly would).
 *
 * <p>The elementwise kernels compute their pattern's formula in the same evaluation order, so
 * values and gradients are the same bits with fusion on or off ({@link CompileOptions#withFusion});
 * the row kernels (cross-entropy, layer and batch norm, attention's softmax) sum, divide and scale in their
 * own order (within rounding).
 */
final class Fusion {
    /** The op at a pattern's root. */
    private enum Root { MUL, CONCAT }

    /**
     * The rules, tried in this order at each backward node whose op is the rule's root. Each says
     * what it fuses and why.
     */
    private enum Rule {
        /** {@code b * (1 - a^2)} (tanh's VJP) as TANH_GRAD(a, b): one pass over a and b instead of three temporaries. */
        TANH_GRAD(Root.MUL) {
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
        SIGMOID_GRAD(Root.MUL) {
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
         * {@code d * s}, {@code d = softmax(x) - t}, masked as {@code where(k > 0.5, d, 0)} with an ignored
         * class (the class-index cross-entropy's VJP, {@code ClassCrossEntropy.gradient}) as its
         * Backward(x, classes, g): one kernel writes each row once instead of five passes or more and
         * softmax-sized temporaries.
         */
        CLASS_CROSS_ENTROPY_GRAD(Root.MUL) {
            @Override boolean fuse(Fusion f, Node root, Node p, Node q) {
                // With an ignored class: p = where(k > 0.5, d, 0), k = the one-hot rows' sums
                Node d = p, counted = null;
                if (p.op() instanceof Masks.Where) {
                    Node keep = p.input(0);
                    if (!f.inner(p) || !f.isScalar(p.input(2), 0) || !f.inner(keep) || !(keep.op() instanceof Masks.Compare cmp)
                            || cmp.kind() != Comparison.GT || !f.isScalar(keep.input(1), 0.5)) {
                        return false;
                    }
                    d = p.input(1);
                    counted = keep.input(0);
                }
                if (!f.inner(d) || !isBinary(d, BinaryOp.SUB)) return false;
                Node x = f.softmaxOf(d.input(0));
                if (x == null || x.dtype() != root.dtype() || !x.sameShape(root)) return false;
                Node t = d.input(1), oneHot = t;
                double eps = 0;
                if (t.op() instanceof Elementwise.WithScalar add && add.fn() == BinaryOp.ADD && f.inner(t)
                        && t.input(0).op() instanceof Elementwise.WithScalar mul && mul.fn() == BinaryOp.MUL && f.inner(t.input(0))) {
                    oneHot = t.input(0).input(0);
                    // eps from either constant (1 - (1 - eps) and (eps / C) * C need not round back to eps): one that gives both
                    eps = smoothing(1 - mul.scalar(), mul.scalar(), add.scalar(), x.dim(-1));
                    if (Double.isNaN(eps)) eps = smoothing(add.scalar() * x.dim(-1), mul.scalar(), add.scalar(), x.dim(-1));
                    if (Double.isNaN(eps)) return false;
                }
                // the one-hot rows are read by t alone, or by t and their sums k (which skip the ignored class)
                if (!f.inner(oneHot, counted == null ? 1 : 2) || !(oneHot.op() instanceof Masks.OneHot oh) || oh.classes() != x.dim(-1)
                        || oh.skipping() != (counted != null)) {
                    return false;
                }
                if (counted != null && (!(counted.op() instanceof Reductions.Sum rs) || !rs.keepDims() || !lastAxis(rs.axes(), counted.rank())
                        || counted.input(0) != oneHot)) {
                    return false;
                }
                Node classes = oneHot.input(0);
                // The reduction from the scale's form: g * (1 / rows), or g / max(Σ k, 1) with an ignored class; g of
                // rank 0; or g with a class axis of 1.
                CrossEntropy.Reduction reduction;
                Node g;
                if (counted == null && q.op() instanceof Elementwise.WithScalar mean && mean.fn() == BinaryOp.MUL && f.inner(q)
                        && q.input(0).rank() == 0 && mean.scalar() == 1.0 / Math.max(1, classes.size())) {
                    reduction = CrossEntropy.Reduction.MEAN;
                    g = q.input(0);
                } else if (counted != null && f.countedMean(q, counted)) {
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
                // k is read by the mask, and for the mean by the count too
                if (g.dtype() != root.dtype() || counted != null && !f.inner(counted, reduction == CrossEntropy.Reduction.MEAN ? 2 : 1)) return false;
                CrossEntropy options = CrossEntropy.defaults().withReduction(reduction).withLabelSmoothing(eps);
                if (counted != null) options = options.withIgnoreIndex(oh.skip());
                f.replace(root, new ClassCrossEntropy.Backward(options), new Node[] {x, classes, g});
                return true;
            }
        },
        /**
         * {@code (p scale) (g - Σ_last g p)} (attention's softmax VJP, {@code Attention.gradient}) as
         * SoftmaxGrad(p, g): one pass per row instead of four and two [..., Lq, Lk] temporaries.
         */
        SOFTMAX_GRAD(Root.MUL) {
            @Override boolean fuse(Fusion f, Node root, Node p, Node q) {
                if (!f.inner(p) || !(p.op() instanceof Elementwise.WithScalar s) || s.fn() != BinaryOp.MUL) return false;
                if (!f.inner(q) || !isBinary(q, BinaryOp.SUB)) return false;
                Node probs = p.input(0), g = q.input(0), dot = q.input(1);
                if (!f.inner(dot) || !(dot.op() instanceof Reductions.Sum sum) || !sum.keepDims() || !lastAxis(sum.axes(), dot.rank())) return false;
                Node gp = dot.input(0);
                if (!f.inner(gp) || !isBinary(gp, BinaryOp.MUL) || gp.input(0) != g || gp.input(1) != probs) return false;
                if (!probs.sameShape(root) || !g.sameShape(root) || probs.dtype() != root.dtype() || g.dtype() != root.dtype()) return false;
                f.replace(root, new Attention.SoftmaxGrad(s.scalar()), new Node[] {probs, g});
                return true;
            }
        },
        /**
         * {@code (h - mean(h) - xh mean(h xh)) r} with {@code h = g gamma}, {@code xh = c r},
         * {@code r = 1 / sqrt(mean(c^2) + eps)}, {@code c = x - mean(x)} (the input gradient of layer_norm,
         * means over the last axis, without mean(h) and with c = x for RMS normalisation; and of
         * batch_norm in training, means over every axis but the channels, gamma reshaped to
         * [1, C, 1, ...]; {@code Normalization.inputGradient}) as LayerNormGrad(x, gamma, g) or
         * BatchNormGrad(x, gamma, g): one kernel keeps each row (channel) in L1 for all its statistics
         * instead of 20 kernels over x-sized and statistics-sized temporaries.
         */
        NORM_GRAD(Root.MUL) {
            @Override boolean fuse(Fusion f, Node root, Node p, Node q) {
                for (Norm kind : NORMS) if (fuse(f, root, p, q, kind)) return true;
                return false;
            }

            private boolean fuse(Fusion f, Node root, Node p, Node q, Norm kind) {
                if (!f.inner(p) || !isBinary(p, BinaryOp.SUB)) return false;
                Node u = p.input(0), b = p.input(1), r = q;
                if (!f.inner(b) || !isBinary(b, BinaryOp.MUL)) return false;
                Node xh = b.input(0), hx = f.meanOf(b.input(1), kind);
                if (!f.inner(xh, 2) || !isBinary(xh, BinaryOp.MUL) || xh.input(1) != r || !f.inner(r, 2)) return false;
                if (hx == null || !f.inner(hx) || !isBinary(hx, BinaryOp.MUL) || hx.input(1) != xh) return false;
                Node h = hx.input(0);
                boolean rms = u == h;   // RMS: p = h - xh mean(h xh); layer norm: p = (h - mean(h)) - xh mean(h xh)
                if (!rms && (!f.inner(u) || !isBinary(u, BinaryOp.SUB) || u.input(0) != h || f.meanOf(u.input(1), kind) != h)) return false;
                Node g = h, gamma = null;
                if (f.inner(h, rms ? 2 : 3) && isBinary(h, BinaryOp.MUL) && h.input(0).sameShape(h)) {
                    gamma = kind.gamma(f, h.input(1));
                    if (gamma != null) g = h.input(0);
                }
                Node c = xh.input(0);
                double eps = f.epsOfRstd(r, c, kind);
                Node x = rms ? c : f.centredOf(c, 2, kind);
                if (Double.isNaN(eps) || x == null || !x.sameShape(root) || !g.sameShape(root) || x.dtype() != root.dtype()
                        || g.dtype() != root.dtype() || gamma != null && (gamma.dim(0) != kind.channels(x) || gamma.dtype() != root.dtype())) {
                    return false;
                }
                if (kind == Norm.BATCH) {
                    if (rms || gamma == null) return false;   // batch_norm's VJP always has both
                    f.replace(root, new Normalization.BatchNormGrad(eps), new Node[] {x, gamma, g});
                } else {
                    f.replace(root, new Normalization.LayerNormGrad(eps, rms, gamma != null), gamma != null ? new Node[] {x, gamma, g} : new Node[] {x, g});
                }
                return true;
            }
        },
        /**
         * {@code concat(Σ g xh, Σ g)} as [2, D], xh as in NORM_GRAD (the parameter gradients of
         * layer_norm, sums over the rows, and of batch_norm in training, sums over every axis but the
         * channels; {@code Normalization.parameterGradients}) as LayerNormParamGrad(x, g) or
         * BatchNormParamGrad(x, g): one pass over x and g instead of 14 kernels and a recomputed xh.
         */
        NORM_PARAM_GRAD(Root.CONCAT) {
            @Override boolean fuse(Fusion f, Node root, Node p, Node q) {
                if (root.arity() != 2 || ((Shaping.Concat) root.op()).axis() != 0 || root.rank() != 2 || root.dim(0) != 2) return false;
                if (!f.inner(p) || !f.inner(q) || !(p.op() instanceof Shaping.Reshape) || !(q.op() instanceof Shaping.Reshape)) return false;
                for (Norm kind : NORMS) if (fuse(f, root, p, q, kind)) return true;
                return false;
            }

            private boolean fuse(Fusion f, Node root, Node p, Node q, Norm kind) {
                Node gxh = f.overRows(p.input(0), kind);
                if (gxh == null || !isBinary(gxh, BinaryOp.MUL) || !f.inner(gxh) || !f.inner(gxh.input(1))) return false;
                // dbeta: g summed as dgamma's product is, or g itself for a single row
                Node g = gxh.input(0);
                if (gxh.rank() > 1 ? f.overRows(q.input(0), kind) != g : q.input(0) != g) return false;
                Node xh = gxh.input(1);
                if (!isBinary(xh, BinaryOp.MUL)) return false;
                Node c = xh.input(0), r = xh.input(1);
                double eps = f.inner(r) ? f.epsOfRstd(r, c, kind) : Double.NaN;
                Node centred = f.centredOf(c, 2, kind);
                Node x = centred != null ? centred : c;   // RMS normalisation when c is not x - mean(x)
                if (Double.isNaN(eps) || !x.sameShape(g) || kind.channels(x) != root.dim(1) || x.dtype() != root.dtype() || g.dtype() != root.dtype()) {
                    return false;
                }
                if (kind == Norm.BATCH) {
                    if (centred == null) return false;
                    f.replace(root, new Normalization.BatchNormParamGrad(eps), new Node[] {x, g});
                } else {
                    f.replace(root, new Normalization.LayerNormParamGrad(eps, centred == null), new Node[] {x, g});
                }
                return true;
            }
        };

        final Root root;

        Rule(Root root) {
            this.root = root;
        }

        /** eps when the target's constants are {@code 1 - eps} and {@code eps / C} as the VJP computes them, else NaN. */
        private static double smoothing(double eps, double keep, double spread, int classes) {
            return eps > 0 && eps < 1 && 1 - eps == keep && eps / classes == spread ? eps : Double.NaN;
        }

        /** Fuses the pattern rooted at {@code root} = p * q if it is this rule's; false (nothing changed) otherwise. */
        abstract boolean fuse(Fusion f, Node root, Node p, Node q);
    }

    private static final Rule[] RULES = Rule.values();

    /**
     * The two normalisations NORM_GRAD and NORM_PARAM_GRAD fuse, by the axes their statistics reduce
     * over: layer and RMS norm over the last (gamma [D] broadcast along it, parameter gradients
     * summed over the rows), batch norm over every axis but 1 (gamma reshaped to [1, C, 1, ...],
     * parameter gradients summed over the same axes as the statistics).
     */
    private enum Norm {
        LAYER, BATCH;

        /** True when a reduction over {@code axes} of a value of rank {@code rank} is this normalisation's. */
        boolean reduces(int[] axes, int rank) {
            return this == LAYER ? lastAxis(axes, rank) : Arrays.equals(axes, Normalization.batchAxes(rank));
        }

        /** The parameter gradients' sum axes for a value of rank {@code rank} (layer norm: the rows, 0 .. rank - 2). */
        boolean sums(int[] axes, int rank) {
            if (this == BATCH) return reduces(axes, rank);
            if (axes.length != rank - 1) return false;
            for (int i = 0; i < axes.length; i++) if (axes[i] != i) return false;
            return true;
        }

        /** The length gamma has for x. */
        int channels(Node x) {
            return this == LAYER ? x.dim(-1) : x.dim(1);
        }

        /** gamma [C] when {@code b} is how the VJP multiplies it into g (itself, or reshaped for batch norm; inner), else null. */
        Node gamma(Fusion f, Node b) {
            if (this == LAYER) return b.rank() == 1 ? b : null;
            return f.inner(b) && b.op() instanceof Shaping.Reshape && b.input(0).rank() == 1 ? b.input(0) : null;
        }
    }

    private static final Norm[] NORMS = Norm.values();

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
            if (n.kind() != Node.Kind.OP) continue;
            Root root = isBinary(n, BinaryOp.MUL) ? Root.MUL : n.op() instanceof Shaping.Concat && n.arity() == 2 ? Root.CONCAT : null;
            if (root == null) continue;
            Node p = n.input(0), q = n.input(1);
            for (Rule r : RULES) if (r.root == root && r.fuse(f, n, p, q)) break;
        }
        return f.fused;
    }

    private static void external(int[] uses, int mark, Node n) {
        if (n != null && n.index() >= mark) uses[n.index() - mark] += 2;
    }

    /** True for a backward op node read by exactly one node: the pattern may absorb it. */
    private boolean inner(Node n) {
        return inner(n, 1);
    }

    /** True for a backward op node read by exactly {@code readers} nodes (the caller checked that each is in the pattern). */
    private boolean inner(Node n, int readers) {
        int i = n.index();
        return i >= mark && n.kind() == Node.Kind.OP && uses[i - mark] == readers;
    }

    /** True for a scalar constant the derivative rules built (a backward node), of value {@code v}. */
    private boolean isScalar(Node n, double v) {
        return n.index() >= mark && n.kind() == Node.Kind.CONSTANT && n.rank() == 0 && n.constant().item() == v;
    }

    /** True when {@code q} is {@code g / max(Σ k, 1)} (the mean over counted rows), g of rank 0, q and the nodes below it inner. */
    private boolean countedMean(Node q, Node k) {
        if (!inner(q) || !isBinary(q, BinaryOp.DIV) || q.input(0).rank() != 0) return false;
        Node m = q.input(1);
        if (!inner(m) || !isBinary(m, BinaryOp.MAX) || !isScalar(m.input(1), 1)) return false;
        Node total = m.input(0);
        return inner(total) && total.op() instanceof Reductions.Sum s && s.axes().length == 0 && total.input(0) == k;
    }

    /**
     * v when {@code m} is v's mean over the axes of {@code kind} with dimensions kept, as
     * {@code Graph.mean} builds it (sum, then times the count's reciprocal), both inner; else null.
     */
    private Node meanOf(Node m, Norm kind) {
        if (!inner(m) || !(m.op() instanceof Elementwise.WithScalar ws) || ws.fn() != BinaryOp.MUL) return null;
        Node s = m.input(0);
        if (!inner(s) || !(s.op() instanceof Reductions.Sum sum) || !sum.keepDims()) return null;
        Node v = s.input(0);
        return kind.reduces(sum.axes(), v.rank()) && s.size() > 0 && v.size() > 0 && ws.scalar() == (double) s.size() / v.size() ? v : null;
    }

    /** x when {@code c} is {@code x - mean(x)} over the axes of {@code kind}, c read by {@code readers} nodes and the mean inner; else null. */
    private Node centredOf(Node c, int readers, Norm kind) {
        if (!inner(c, readers) || !isBinary(c, BinaryOp.SUB)) return null;
        Node x = c.input(0);
        return meanOf(c.input(1), kind) == x && x.sameShape(c) ? x : null;
    }

    /**
     * eps when {@code r} is {@code 1 / sqrt(mean(c^2) + eps)} over the axes of {@code kind}, every
     * node below r inner (r's own readers are the caller's to check); else NaN.
     */
    private double epsOfRstd(Node r, Node c, Norm kind) {
        if (!isMap(r, UnaryOp.RECIPROCAL)) return Double.NaN;
        Node s = r.input(0);
        if (!inner(s) || !isMap(s, UnaryOp.SQRT)) return Double.NaN;
        Node a = s.input(0);
        if (!inner(a) || !(a.op() instanceof Elementwise.WithScalar add) || add.fn() != BinaryOp.ADD) return Double.NaN;
        Node sq = meanOf(a.input(0), kind);
        return sq != null && inner(sq) && isMap(sq, UnaryOp.SQUARE) && sq.input(0) == c ? add.scalar() : Double.NaN;
    }

    /**
     * v when {@code s} is v summed over the parameter-gradient axes of {@code kind} to rank 1 (for
     * layer norm, s itself of rank 1: a single row, no sum), the sum inner; else null.
     */
    private Node overRows(Node s, Norm kind) {
        if (kind == Norm.LAYER && s.rank() == 1 && !(s.op() instanceof Reductions.Sum)) return s;
        if (!inner(s) || !(s.op() instanceof Reductions.Sum sum) || sum.keepDims() || s.rank() != 1) return null;
        Node v = s.input(0);
        return kind.sums(sum.axes(), v.rank()) ? v : null;
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
        root.init(Node.Kind.OP, op, in, root.shapeRef(), root.dtype(), null, null, root.name());
        fused++;
    }

    /**
     * Makes {@code root} the fused kernel {@code fn(a, b)} when a, b and root agree in shape and
     * dtype (the patterns are written without broadcasting); false otherwise.
     */
    private boolean replace(Node root, BinaryOp fn, Node a, Node b) {
        if (a.dtype() != root.dtype() || b.dtype() != root.dtype() || !a.sameShape(root) || !b.sameShape(root)) return false;
        root.init(Node.Kind.OP, Elementwise.fused(fn), new Node[] {a, b}, root.shapeRef(), root.dtype(), null, null, root.name());
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
