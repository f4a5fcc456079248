package dev.quiver.examples.dynamic;

import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.ops.CrossEntropy;
import dev.quiver.optim.Init;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;

import java.util.List;


/**
 * A BiLSTM sequence tagger, float32, one graph per sentence: word vectors {@code x_t = E[w_t]}, a
 * forward LSTM over {@code x_1..x_L} and a backward one over {@code x_L..x_1} (each
 * {@link Lstm}), and per token
 * {@code p(tag_t) = softmax(W_out [h_t^fwd; h_t^bwd] + b_out)}. The loss of a sentence is the summed
 * cross-entropy of its tags; word and tag ids are small I32 constants (data, not structure).
 */
public final class BiLstmTagger {
    private static final DType F32 = DType.F32;
    private static final CrossEntropy SUM = CrossEntropy.defaults().withReduction(CrossEntropy.Reduction.SUM);

    public final int vocab, embed, hidden, tags;
    public final Parameter E, fwdWx, fwdWh, fwdB, bwdWx, bwdWh, bwdB, Wout, bout;
    private final List<Parameter> parameters;

    public BiLstmTagger(int vocab, int embed, int hidden, int tags, long seed) {
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
        Node[] fwd = Lstm.states(g, x.matmul(g.param(fwdWx)).add(g.param(fwdB)), fwdWh, hidden, false);   // [L, 4H] gates in
        Node[] bwd = Lstm.states(g, x.matmul(g.param(bwdWx)).add(g.param(bwdB)), bwdWh, hidden, true);
        Node[] both = new Node[n];
        for (int t = 0; t < n; t++) both[t] = g.concat(1, fwd[t], bwd[t]);
        Node h = n == 1 ? both[0] : g.concat(0, both);                                        // [L, 2H]
        return h.matmul(g.param(Wout)).add(g.param(bout));
    }

    /** The summed cross-entropy of a sentence's tags. */
    public Node loss(Graph g, int[] words, int[] tagIds) {
        return g.softmaxCrossEntropy(logits(g, words), g.constant(Tensor.ofInts(tagIds, tagIds.length)), SUM);
    }
}
