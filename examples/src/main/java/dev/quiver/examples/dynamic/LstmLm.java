package dev.quiver.examples.dynamic;

import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.graph.Step;
import dev.quiver.layers.Embedding;
import dev.quiver.layers.Initializer;
import dev.quiver.layers.Linear;
import dev.quiver.layers.LstmCell;
import dev.quiver.layers.Recurrent;
import dev.quiver.layers.Scope;
import dev.quiver.ops.CrossEntropy;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;

import java.util.List;


/**
 * An LSTM language model, float32, one graph per sentence, built from layers
 * ({@code dev.quiver.layers}): {@code x_t = E[w_t]} ({@link Embedding}, uniform in ±0.1),
 * {@code [i, f, o, u] = x_t W_x + h_{t-1} W_h + b}, {@code c_t = σ(i) ⊙ tanh(u) + σ(f) ⊙ c_{t-1}},
 * {@code h_t = σ(o) ⊙ tanh(c_t)} ({@link LstmCell} run by {@link Recurrent}; h_0 = c_0 = 0),
 * {@code p(w_{t+1}) = softmax(h_t W + b)} ({@link Linear}). The loss is the cross-entropy per
 * predicted word, averaged over the sentence. Parameters: {@code lm.embed.E},
 * {@code lm.lstm.Wx/Wh/b}, {@code lm.out.W/b} ({@link #model}).
 *
 * <p>A sentence of n words is read as {@code </s> w_1 .. w_n} and predicts {@code w_1 .. w_n </s>}
 * (L = n + 1 steps). Word ids and target ids are fed as I32 inputs [L] named "x" and "y" (data, not
 * structure), so sentences of the same length share one compiled plan: the inputs' word vectors are
 * one lookup of E (a row-sparse gradient: only the sentence's rows are updated), the loss is one
 * fused softmax cross-entropy with integer classes.
 */
public final class LstmLm {
    private static final CrossEntropy SUM = CrossEntropy.defaults().withReduction(CrossEntropy.Reduction.SUM);

    public final int vocab, embed, hidden;
    /** The model's parameters by name (save and load with {@link Scope#save} / {@link Scope#load}). */
    public final Scope model;
    private final Embedding words;
    private final Recurrent lstm;
    private final Linear out;

    public LstmLm(int vocab, int embed, int hidden, long seed) {
        this.vocab = vocab;
        this.embed = embed;
        this.hidden = hidden;
        model = Scope.root(DType.F32, Seed.of(seed));
        Scope lm = model.child("lm");
        words = new Embedding(lm.child("embed"), vocab, embed, Initializer.uniform(-0.1, 0.1));
        lstm = new Recurrent(new LstmCell(lm.child("lstm"), embed, hidden));
        out = new Linear(lm.child("out"), hidden, vocab);
    }

    public List<Parameter> parameters() { return model.parameters(); }

    public long size() {
        long s = 0;
        for (Parameter q : parameters()) s += q.value().size();
        return s;
    }

    /** The mean cross-entropy per predicted word of a sentence of {@code length} steps (inputs "x", "y"). */
    public Node loss(Graph g, int length) {
        return loss(g.input("x", DType.I32, length), g.input("y", DType.I32, length), CrossEntropy.defaults());
    }

    /**
     * The summed cross-entropy of one sentence's predicted words, its word and target ids small I32
     * constants (data, not structure): the per-sentence code a minibatch graph sums, for autobatching.
     */
    public Node sentenceNll(Graph g, int[] inputs, int[] targets) {
        int n = inputs.length;
        return loss(g.constant(Tensor.ofInts(inputs, n)), g.constant(Tensor.ofInts(targets, n)), SUM);
    }

    /** The sentence's loss for word ids {@code x} [L] and targets {@code y} [L]. */
    private Node loss(Node x, Node y, CrossEntropy reduction) {
        Node logits = out.apply(lstm.apply(words.apply(x)));   // [L, vocab]
        return x.graph().softmaxCrossEntropy(logits, y, reduction);
    }

    /** Feeds a sentence's inputs and targets (word ids, {@code inputs.length == targets.length == L}) into a step of {@link #loss}. */
    public void feed(Step step, int[] inputs, int[] targets) {
        ids(step, "x", inputs);
        ids(step, "y", targets);
    }

    private static void ids(Step step, String name, int[] ids) {
        Tensor t = step.input(name);
        for (int i = 0; i < ids.length; i++) t.setIntFlat(i, ids[i]);
    }
}
