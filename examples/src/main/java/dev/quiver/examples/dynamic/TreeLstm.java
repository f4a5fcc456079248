package dev.quiver.examples.dynamic;

import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.ops.CrossEntropy;
import dev.quiver.optim.Init;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;

import java.util.List;

import static dev.quiver.tensor.Index.all;
import static dev.quiver.tensor.Index.range;

/**
 * Binary TreeLSTM (Tai et al. 2015, the N-ary form with N = 2), float32, built as a new graph for
 * every tree. Leaf j with word embedding x: {@code [i, o, u] = W_leaf x + b_leaf},
 * {@code c = σ(i) ⊙ tanh(u)}, {@code h = σ(o) ⊙ tanh(c)}. Internal node with children (h_l, c_l),
 * (h_r, c_r): {@code [i, f_l, f_r, o, u] = W [h_l; h_r] + b},
 * {@code c = σ(i) ⊙ tanh(u) + σ(f_l) ⊙ c_l + σ(f_r) ⊙ c_r}, {@code h = σ(o) ⊙ tanh(c)}. Every node
 * predicts its sentiment label through {@code softmax(W_out h + b_out)}; the training loss is the sum
 * of the nodes' cross-entropies.
 *
 * <p>A leaf's word vector is a lookup of its row of E, so E's gradient is row-sparse and the
 * optimiser updates only the tree's words; the word ids and the labels are small integer constants,
 * which are data, not structure. (Measured alternatives, no faster on this model: one lookup of all
 * the leaves' rows and one [leaves, 3H] matmul, sliced per leaf; a pickNegLogSoftmax per node summed
 * with addN instead of the stacked loss.)
 */
public final class TreeLstm {
    public static final int CLASSES = 5;
    private static final DType F32 = DType.F32;
    private static final CrossEntropy SUM = CrossEntropy.defaults().withReduction(CrossEntropy.Reduction.SUM);

    public final int vocab, embed, hidden;
    public final Parameter E, Wleaf, bleaf, W, b, Wout, bout;
    private final List<Parameter> parameters;

    public TreeLstm(int vocab, int embed, int hidden, long seed) {
        this.vocab = vocab;
        this.embed = embed;
        this.hidden = hidden;
        E = new Parameter("E", Init.uniform(F32, Seed.of(seed), new int[] {vocab, embed}, -0.1, 0.1));
        Wleaf = new Parameter("W_leaf", Init.xavierUniform(F32, Seed.of(seed + 1), embed, 3 * hidden));
        bleaf = new Parameter("b_leaf", Tensor.zeros(F32, 1, 3 * hidden));
        W = new Parameter("W", Init.xavierUniform(F32, Seed.of(seed + 2), 2 * hidden, 5 * hidden));
        b = new Parameter("b", Tensor.zeros(F32, 1, 5 * hidden));
        Wout = new Parameter("W_out", Init.xavierUniform(F32, Seed.of(seed + 3), hidden, CLASSES));
        bout = new Parameter("b_out", Tensor.zeros(F32, 1, CLASSES));
        parameters = List.of(E, Wleaf, bleaf, W, b, Wout, bout);
    }

    public List<Parameter> parameters() { return parameters; }

    /** The graph's parameter nodes, created once per build. */
    private record Params(Node E, Node Wleaf, Node bleaf, Node W, Node b, Node Wout, Node bout) {}

    private Params params(Graph g, Sst.Tree t) {
        boolean internal = t.size() > 1;
        return new Params(g.param(E), g.param(Wleaf), g.param(bleaf),
                internal ? g.param(W) : null, internal ? g.param(b) : null, g.param(Wout), g.param(bout));
    }

    /**
     * The leaves' word vectors, one [1, embed] node per leaf in leaf order: a lookup of the leaf's
     * row of E (the word id is data, not structure; E's gradient is row-sparse).
     */
    private Node[] embed(Graph g, Params p, Sst.Tree t) {
        int n = t.leaves();
        Node[] x = new Node[n];
        for (int i = 0, leaf = 0; i < t.size(); i++) {
            if (t.isLeaf(i)) x[leaf++] = g.lookup(p.E, g.constant(Tensor.ofInts(new int[] {t.word()[i]}, 1)));
        }
        return x;
    }

    /** Hidden states of every node, [1, hidden] each, in the tree's (post-)order. */
    private Node[] hiddenStates(Graph g, Params p, Sst.Tree t) {
        int n = t.size(), H = hidden;
        Node[] h = new Node[n], c = new Node[n];
        Node[] x = embed(g, p, t);
        for (int i = 0, leaf = 0; i < n; i++) {
            if (t.isLeaf(i)) {
                Node gates = x[leaf++].matmul(p.Wleaf).add(p.bleaf);                  // [1, 3H]: i, o, u
                Node sig = gates.slice(all(), range(0, 2 * H)).sigmoid();
                Node u = gates.slice(all(), range(2 * H, 3 * H)).tanh();
                c[i] = sig.slice(all(), range(0, H)).mul(u);
                h[i] = sig.slice(all(), range(H, 2 * H)).mul(c[i].tanh());
            } else {
                int l = t.left()[i], r = t.right()[i];
                Node gates = g.concat(1, h[l], h[r]).matmul(p.W).add(p.b);            // [1, 5H]: i, f_l, f_r, o, u
                Node sig = gates.slice(all(), range(0, 4 * H)).sigmoid();
                Node u = gates.slice(all(), range(4 * H, 5 * H)).tanh();
                c[i] = g.addN(sig.slice(all(), range(0, H)).mul(u),
                        sig.slice(all(), range(H, 2 * H)).mul(c[l]),
                        sig.slice(all(), range(2 * H, 3 * H)).mul(c[r]));
                h[i] = sig.slice(all(), range(3 * H, 4 * H)).mul(c[i].tanh());
            }
        }
        return h;
    }

    /**
     * The training loss of one tree: the sum over all nodes of the softmax cross-entropy of the
     * node's label. The nodes' hidden states are stacked into one [nodes, hidden] matrix, so one
     * matmul gives every node's logits and one fused loss with integer classes (a small I32
     * constant: data, not structure) sums the cross-entropies.
     */
    public Node loss(Graph g, Sst.Tree t) {
        Params p = params(g, t);
        Node[] h = hiddenStates(g, p, t);
        int n = t.size();
        Node all = n == 1 ? h[0] : g.concat(0, h);
        Node logits = all.matmul(p.Wout).add(p.bout);
        return g.softmaxCrossEntropy(logits, g.constant(Tensor.ofInts(t.label(), n)), SUM);
    }

    /** The root's logits [1, 5] (for prediction; compile inference-only). */
    public Node rootLogits(Graph g, Sst.Tree t) {
        Params p = params(g, t);
        Node[] h = hiddenStates(g, p, t);
        return h[t.root()].matmul(p.Wout).add(p.bout);
    }

    /** Number of parameters. */
    public long size() {
        long s = 0;
        for (Parameter q : parameters) s += q.value().size();
        return s;
    }
}
