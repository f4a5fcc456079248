package dev.quiver.benchmarks.dynamic;

import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.ops.CrossEntropy;
import dev.quiver.optim.Init;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;

import java.util.List;

import static dev.quiver.tensor.Index.all;
import static dev.quiver.tensor.Index.range;

/**
 * The {@code tagger} example's BiLSTM model as it was written before the layer API
 * ({@code dev.quiver.layers}), every parameter wired by hand: {@link TaggerBench} runs it next to
 * the example's layer-built model ({@code model=hand} and {@code model=layers}) so that the cost
 * of the layers shows in one JMH run. A BiLSTM sequence tagger, float32, one graph per sentence:
 * word vectors {@code x_t = E[w_t]}, a forward LSTM over {@code x_1..x_L} and a backward one over {@code x_L..x_1} (each
 * {@link #states}), and per token
 * {@code p(tag_t) = softmax(W_out [h_t^fwd; h_t^bwd] + b_out)}. The loss of a sentence is the summed
 * cross-entropy of its tags; word and tag ids are small I32 constants (data, not structure).
 */
public final class HandWrittenTagger {
    private static final DType F32 = DType.F32;
    private static final CrossEntropy SUM = CrossEntropy.defaults().withReduction(CrossEntropy.Reduction.SUM);

    public final int vocab, embed, hidden, tags;
    public final Parameter E, fwdWx, fwdWh, fwdB, bwdWx, bwdWh, bwdB, Wout, bout;
    private final List<Parameter> parameters;

    public HandWrittenTagger(int vocab, int embed, int hidden, int tags, long seed) {
        this.vocab = vocab;
        this.embed = embed;
        this.hidden = hidden;
        this.tags = tags;
        E = new Parameter("E", Init.uniform(F32, Seed.of(seed), new int[] {vocab, embed}, -0.1, 0.1));
        fwdWx = new Parameter("fwd.W_x", Init.xavierUniform(F32, Seed.of(seed + 1), embed, 4 * hidden));
        fwdWh = new Parameter("fwd.W_h", Init.xavierUniform(F32, Seed.of(seed + 2), hidden, 4 * hidden));
        fwdB = new Parameter("fwd.b", Tensor.zeros(F32, 1, 4 * hidden));
        bwdWx = new Parameter("bwd.W_x", Init.xavierUniform(F32, Seed.of(seed + 3), embed, 4 * hidden));
        bwdWh = new Parameter("bwd.W_h", Init.xavierUniform(F32, Seed.of(seed + 4), hidden, 4 * hidden));
        bwdB = new Parameter("bwd.b", Tensor.zeros(F32, 1, 4 * hidden));
        Wout = new Parameter("W_out", Init.xavierUniform(F32, Seed.of(seed + 5), 2 * hidden, tags));
        bout = new Parameter("b_out", Tensor.zeros(F32, 1, tags));
        parameters = List.of(E, fwdWx, fwdWh, fwdB, bwdWx, bwdWh, bwdB, Wout, bout);
    }

    public List<Parameter> parameters() { return parameters; }

    public long size() {
        long s = 0;
        for (Parameter q : parameters) s += q.value().size();
        return s;
    }

    /** The tag logits of a sentence, [L, tags]. */
    public Node logits(Graph g, int[] words) {
        int n = words.length;
        Node x = g.lookup(g.param(E), g.constant(Tensor.ofInts(words, n)));                   // [L, embed]
        Node[] fwd = states(g, x.matmul(g.param(fwdWx)).add(g.param(fwdB)), fwdWh, hidden, false);   // [L, 4H] gates in
        Node[] bwd = states(g, x.matmul(g.param(bwdWx)).add(g.param(bwdB)), bwdWh, hidden, true);
        Node[] both = new Node[n];
        for (int t = 0; t < n; t++) both[t] = g.concat(1, fwd[t], bwd[t]);
        Node h = n == 1 ? both[0] : g.concat(0, both);                                        // [L, 2H]
        return h.matmul(g.param(Wout)).add(g.param(bout));
    }

    /** The summed cross-entropy of a sentence's tags. */
    public Node loss(Graph g, int[] words, int[] tagIds) {
        return g.softmaxCrossEntropy(logits(g, words), g.constant(Tensor.ofInts(tagIds, tagIds.length)), SUM);
    }

    /** The hidden states [1, H] of every step, in input order; {@code backward} runs from the last step to the first. */
    private static Node[] states(Graph g, Node xw, Parameter Wh, int H, boolean backward) {
        int n = xw.dim(0);
        Node[] hs = new Node[n];
        Node h = null, c = null;
        for (int k = 0; k < n; k++) {
            int t = backward ? n - 1 - k : k;
            Node gates = xw.slice(range(t, t + 1), all());
            if (h != null) gates = gates.add(h.matmul(g.param(Wh)));
            Node sig = gates.slice(all(), range(0, 3 * H)).sigmoid();        // i, f, o
            Node u = gates.slice(all(), range(3 * H, 4 * H)).tanh();
            Node iu = sig.slice(all(), range(0, H)).mul(u);
            c = c == null ? iu : iu.add(sig.slice(all(), range(H, 2 * H)).mul(c));
            h = sig.slice(all(), range(2 * H, 3 * H)).mul(c.tanh());
            hs[t] = h;
        }
        return hs;
    }
}
