package dev.quiver.examples.dynamic;

import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.graph.Step;
import dev.quiver.layers.Scope;
import dev.quiver.ops.CrossEntropy;
import dev.quiver.optim.Adam;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The language model built from layers: its parameter names, the hand-wired model it replaced, a training step, save/load by name. */
class LstmLmTest {
    private static final int[] IN = {0, 5, 17, 3, 9}, OUT = {5, 17, 3, 9, 0};

    /** The model as it was wired by hand before the layer API, over the layer model's own parameters. */
    static Node handWiredLoss(Graph g, Scope m, int[] in, int[] out, int H) {
        Node x = g.lookup(g.param(m.get("lm.embed.E")), g.constant(Tensor.ofInts(in, in.length)));
        Node[] hs = BiLstmTaggerTest.states(g, x.matmul(g.param(m.get("lm.lstm.Wx"))).add(g.param(m.get("lm.lstm.b"))), m.get("lm.lstm.Wh"), H, false);
        Node logits = g.concat(0, hs).matmul(g.param(m.get("lm.out.W"))).add(g.param(m.get("lm.out.b")));
        return g.softmaxCrossEntropy(logits, g.constant(Tensor.ofInts(out, out.length)), CrossEntropy.defaults().withReduction(CrossEntropy.Reduction.SUM));
    }

    @Test
    void parametersHaveHierarchicalNames() {
        var model = new LstmLm(30, 6, 5, 1);
        List<String> names = model.parameters().stream().map(Parameter::name).toList();
        assertEquals(List.of("lm.embed.E", "lm.lstm.Wx", "lm.lstm.Wh", "lm.lstm.b", "lm.out.W", "lm.out.b"), names);
        assertArrayEquals(new int[] {30, 6}, model.model.get("lm.embed.E").value().shape());
        assertArrayEquals(new int[] {6, 20}, model.model.get("lm.lstm.Wx").value().shape());
        assertArrayEquals(new int[] {5, 20}, model.model.get("lm.lstm.Wh").value().shape());
        assertArrayEquals(new int[] {5, 30}, model.model.get("lm.out.W").value().shape());
        assertEquals(30 * 6 + 6 * 20 + 5 * 20 + 20 + 5 * 30 + 30, model.size());
    }

    @Test
    void layersComputeTheHandWiredModelBitForBit() {
        var model = new LstmLm(30, 6, 5, 3);
        long seed = 7;
        for (Parameter p : model.parameters()) {                  // non-zero biases, so the bias paths count
            Tensor noise = Tensor.randn(p.value().dtype(), Seed.of(seed++), p.value().shape());
            for (int i = 0; i < noise.size(); i++) p.value().setFlat(i, p.value().getFlat(i) + 0.1f * noise.getFlat(i));
        }
        var g1 = new Graph();
        Step layers = g1.compile(model.sentenceNll(g1, IN, OUT)).forward().backward();
        List<double[]> layerGrads = new ArrayList<>();
        for (Parameter p : model.parameters()) layerGrads.add(p.grad().toDoubleArray());
        var g2 = new Graph();
        Step hand = g2.compile(handWiredLoss(g2, model.model, IN, OUT, 5)).forward().backward();
        assertEquals(hand.output().item(), layers.output().item(), 0.0);
        for (int i = 0; i < layerGrads.size(); i++) {
            assertArrayEquals(model.parameters().get(i).grad().toDoubleArray(), layerGrads.get(i), 0.0, model.parameters().get(i).name());
        }
        assertEquals(hand.plan().forwardKernels(), layers.plan().forwardKernels());
        assertEquals(hand.plan().backwardKernels(), layers.plan().backwardKernels());
    }

    /** The fed-input path ({@code loss} + {@code feed}) agrees with the constant path, and one Adam step on the sentence lowers its loss. */
    @Test
    void oneTrainingStepLowersTheSentencesLoss() {
        var model = new LstmLm(30, 6, 5, 2);
        var adam = new Adam(model.parameters(), 0.01);
        var g = new Graph();
        Step step = g.compile(model.loss(g, IN.length), CompileOptions.training());
        model.feed(step, IN, OUT);
        double before = step.forward().output().item();
        var check = new Graph();
        assertEquals(before, check.compile(model.sentenceNll(check, IN, OUT)).forward().output().item() / IN.length, 1e-6);
        step.backward();
        adam.step();
        double after = step.forward().output().item();
        assertTrue(after < before - 1e-3, "loss " + before + " -> " + after);
    }

    @Test
    void savesAndLoadsByName(@TempDir Path dir) throws Exception {
        var trained = new LstmLm(30, 6, 5, 4);
        var adam = new Adam(trained.parameters(), 0.01);
        var g = new Graph();
        g.compile(trained.sentenceNll(g, IN, OUT)).forward().backward();
        adam.step();
        Path file = dir.resolve("lm.safetensors");
        trained.model.save(file);
        var fresh = new LstmLm(30, 6, 5, 5);
        assertNotEquals(loss(trained), loss(fresh));
        fresh.model.load(file);
        for (int i = 0; i < trained.parameters().size(); i++) {
            assertArrayEquals(trained.parameters().get(i).value().toDoubleArray(), fresh.parameters().get(i).value().toDoubleArray(), 0.0);
        }
        assertEquals(loss(trained), loss(fresh), 0.0);
    }

    private static double loss(LstmLm model) {
        var g = new Graph();
        return g.compile(model.sentenceNll(g, IN, OUT), CompileOptions.inferenceOnly()).forward().output().item();
    }
}
