package dev.quiver.examples.dynamic;

import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.layers.Bidirectional;
import dev.quiver.layers.Embedding;
import dev.quiver.layers.Initializer;
import dev.quiver.layers.Linear;
import dev.quiver.layers.Scope;
import dev.quiver.ops.CrossEntropy;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;

import java.util.List;

/**
 * A BiLSTM sequence tagger, float32, one graph per sentence, built from layers
 * ({@code dev.quiver.layers}): word vectors {@code x_t = E[w_t]} ({@link Embedding}, uniform in
 * ±0.1), a forward LSTM over {@code x_1..x_L} and a backward one over {@code x_L..x_1}
 * ({@link Bidirectional#lstm}), and per token {@code p(tag_t) = softmax([h_t^fwd; h_t^bwd] W + b)}
 * ({@link Linear}). The loss of a sentence is the summed cross-entropy of its tags; word and tag ids
 * are small I32 constants (data, not structure). Parameters: {@code embed.E},
 * {@code bilstm.fwd.Wx/Wh/b}, {@code bilstm.bwd.Wx/Wh/b}, {@code out.W/b} ({@link #model}).
 */
public final class BiLstmTagger {
    private static final CrossEntropy SUM = CrossEntropy.defaults().withReduction(CrossEntropy.Reduction.SUM);

    public final int vocab, embed, hidden, tags;
    /** The model's parameters by name (save and load with {@link Scope#save} / {@link Scope#load}). */
    public final Scope model;
    private final Embedding words;
    private final Bidirectional bilstm;
    private final Linear out;

    public BiLstmTagger(int vocab, int embed, int hidden, int tags, long seed) {
        this.vocab = vocab;
        this.embed = embed;
        this.hidden = hidden;
        this.tags = tags;
        model = Scope.root(DType.F32, Seed.of(seed));
        words = new Embedding(model.child("embed"), vocab, embed, Initializer.uniform(-0.1, 0.1));
        bilstm = Bidirectional.lstm(model.child("bilstm"), embed, hidden);
        out = new Linear(model.child("out"), 2 * hidden, tags);
    }

    public List<Parameter> parameters() { return model.parameters(); }

    public long size() {
        long s = 0;
        for (Parameter q : parameters()) s += q.value().size();
        return s;
    }

    /** The tag logits of a sentence, [L, tags]. */
    public Node logits(Graph g, int[] sentence) {
        return out.apply(bilstm.apply(words.apply(g, sentence)));
    }

    /** The summed cross-entropy of a sentence's tags. */
    public Node loss(Graph g, int[] sentence, int[] tagIds) {
        return g.softmaxCrossEntropy(logits(g, sentence), g.constant(Tensor.ofInts(tagIds, tagIds.length)), SUM);
    }
}
