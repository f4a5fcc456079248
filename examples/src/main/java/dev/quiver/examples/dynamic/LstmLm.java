package dev.quiver.examples.dynamic;

import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.graph.Step;
import dev.quiver.ops.CrossEntropy;
import dev.quiver.optim.Init;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;

import java.util.List;


/**
 * An LSTM language model, float32, one graph per sentence: {@code x_t = E[w_t]},
 * {@code [i, f, o, u] = W_x x_t + W_h h_{t-1} + b}, {@code c_t = σ(i) ⊙ tanh(u) + σ(f) ⊙ c_{t-1}} ({@link Lstm}),
 * {@code h_t = σ(o) ⊙ tanh(c_t)}, {@code p(w_{t+1}) = softmax(W_out h_t + b_out)}; h_0 = c_0 = 0.
 * The loss is the cross-entropy per predicted word, averaged over the sentence.
 *
 * <p>A sentence of n words is read as {@code </s> w_1 .. w_n} and predicts {@code w_1 .. w_n </s>}
 * (L = n + 1 steps). Word ids and target ids are fed as I32 inputs [L] named "x" and "y" (data, not
 * structure), so sentences of the same length share one compiled plan: the inputs' word vectors are
 * one lookup of E (a row-sparse gradient: only the sentence's rows are updated), the loss is one
 * fused softmax cross-entropy with integer classes.
 */
public final class LstmLm {
    private static final DType F32 = DType.F32;

    public final int vocab, embed, hidden;
    public final Parameter E, Wx, Wh, b, Wout, bout;
    private final List<Parameter> parameters;

    public LstmLm(int vocab, int embed, int hidden, long seed) {
        this.vocab = vocab;
        this.embed = embed;
        this.hidden = hidden;
        E = new Parameter("E", Init.uniform(F32, Seed.of(seed), new int[] {vocab, embed}, -0.1, 0.1));
        Wx = new Parameter("W_x", Init.xavierUniform(F32, Seed.of(seed + 1), embed, 4 * hidden));
        Wh = new Parameter("W_h", Init.xavierUniform(F32, Seed.of(seed + 2), hidden, 4 * hidden));
        b = new Parameter("b", Tensor.zeros(F32, 1, 4 * hidden));
        Wout = new Parameter("W_out", Init.xavierUniform(F32, Seed.of(seed + 3), hidden, vocab));
        bout = new Parameter("b_out", Tensor.zeros(F32, 1, vocab));
        parameters = List.of(E, Wx, Wh, b, Wout, bout);
    }

    public List<Parameter> parameters() { return parameters; }

    public long size() {
        long s = 0;
        for (Parameter q : parameters) s += q.value().size();
        return s;
    }

    /** The mean cross-entropy per predicted word of a sentence of {@code length} steps (inputs "x", "y"). */
    public Node loss(Graph g, int length) {
        return loss(g, g.input("x", DType.I32, length), g.input("y", DType.I32, length), CrossEntropy.defaults());
    }

    /**
     * The summed cross-entropy of one sentence's predicted words, its word and target ids small I32
     * constants (data, not structure): the per-sentence code a minibatch graph sums, for autobatching.
     */
    public Node sentenceNll(Graph g, int[] inputs, int[] targets) {
        int n = inputs.length;
        return loss(g, g.constant(Tensor.ofInts(inputs, n)), g.constant(Tensor.ofInts(targets, n)), SUM);
    }

    private static final CrossEntropy SUM = CrossEntropy.defaults().withReduction(CrossEntropy.Reduction.SUM);

    /** The sentence's loss for word ids {@code x} [L] and targets {@code y} [L]. */
    private Node loss(Graph g, Node x, Node y, CrossEntropy reduction) {
        int length = x.dim(0);
        Node xw = g.lookup(g.param(E), x).matmul(g.param(Wx)).add(g.param(b));   // [L, 4H], input part of every step's gates
        Node[] hs = Lstm.states(g, xw, Wh, hidden, false);
        Node states = length == 1 ? hs[0] : g.concat(0, hs);
        Node logits = states.matmul(g.param(Wout)).add(g.param(bout));     // [L, vocab]
        return g.softmaxCrossEntropy(logits, y, reduction);
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
