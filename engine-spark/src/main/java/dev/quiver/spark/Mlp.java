package dev.quiver.spark;

import dev.quiver.graph.Graph;
import dev.quiver.graph.Losses;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.graph.Step;
import dev.quiver.optim.Init;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/**
 * The lecture's two-layer network as a {@link ModelDefinition}: h = tanh(x W + b), y = h V + a,
 * mean softmax cross-entropy over one-hot targets, float32, on {@link LabeledVector}s.
 */
public record Mlp(int inputs, int hidden, int classes, long seed) implements ModelDefinition<LabeledVector> {

    @Override
    public SequencedMap<String, Tensor> initialParameters() {
        SequencedMap<String, Tensor> p = new LinkedHashMap<>();
        p.put("W", Init.xavierUniform(DType.F32, Seed.of(seed + 1), inputs, hidden));
        p.put("b", Tensor.zeros(DType.F32, hidden));
        p.put("V", Init.xavierUniform(DType.F32, Seed.of(seed + 2), hidden, classes));
        p.put("a", Tensor.zeros(DType.F32, classes));
        return p;
    }

    @Override
    public Node loss(Graph g, Map<String, Parameter> parameters, int batchSize) {
        Node x = g.input("x", DType.F32, batchSize, inputs);
        Node target = g.input("target", DType.F32, batchSize, classes);
        Node h = x.matmul(g.param(parameters.get("W"))).add(g.param(parameters.get("b"))).tanh();
        Node y = g.named("y", h.matmul(g.param(parameters.get("V"))).add(g.param(parameters.get("a"))));
        return Losses.softmaxCrossEntropy(y, target);
    }

    @Override
    public void fill(Step step, List<LabeledVector> batch) {
        Tensor xs = step.input("x"), ts = step.input("target");
        float[] x = xs.f32(), t = ts.f32();     // step buffers may be views into a shared arena: mind the offsets
        int xo = xs.offset(), to = ts.offset();
        Arrays.fill(t, to, to + batch.size() * classes, 0);
        for (int i = 0; i < batch.size(); i++) {
            LabeledVector e = batch.get(i);
            if (e.features().length != inputs) {
                throw new IllegalArgumentException("Mlp.fill: example " + i + " of the batch has " + e.features().length
                        + " features, the model's input is [" + batch.size() + ", " + inputs + "]");
            }
            if (e.label() < 0 || e.label() >= classes) {
                throw new IllegalArgumentException("Mlp.fill: example " + i + " of the batch has label " + e.label() + ", classes are 0.." + (classes - 1));
            }
            System.arraycopy(e.features(), 0, x, xo + i * inputs, inputs);
            t[to + i * classes + e.label()] = 1;
        }
    }

    /** Fraction of {@code data} whose highest logit is its label, for parameters as returned by training. */
    public double accuracy(Map<String, Tensor> params, List<LabeledVector> data) {
        float[] w = params.get("W").f32(), b = params.get("b").f32(), v = params.get("V").f32(), a = params.get("a").f32();
        int correct = 0;
        float[] h = new float[hidden];
        for (LabeledVector e : data) {
            for (int j = 0; j < hidden; j++) {
                float s = b[j];
                for (int i = 0; i < inputs; i++) s += e.features()[i] * w[i * hidden + j];
                h[j] = (float) Math.tanh(s);
            }
            int best = 0;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                float s = a[c];
                for (int j = 0; j < hidden; j++) s += h[j] * v[j * classes + c];
                if (s > bestScore) { bestScore = s; best = c; }
            }
            if (best == e.label()) correct++;
        }
        return data.isEmpty() ? Double.NaN : (double) correct / data.size();
    }
}
