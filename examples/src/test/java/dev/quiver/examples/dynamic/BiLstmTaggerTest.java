package dev.quiver.examples.dynamic;

import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.graph.Step;
import dev.quiver.layers.Scope;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.quiver.tensor.Index.all;
import static dev.quiver.tensor.Index.range;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The tagger built from layers computes what the hand-wired tagger it replaced computed, bit for bit. */
class BiLstmTaggerTest {
    /** The tagger as it was wired by hand before the layer API, over the layer model's own parameters. */
    static Node handWiredLogits(Graph g, Scope m, int[] words, int H) {
        Node x = g.lookup(g.param(m.get("embed.E")), g.constant(Tensor.ofInts(words, words.length)));
        Node[] fwd = states(g, x.matmul(g.param(m.get("bilstm.fwd.Wx"))).add(g.param(m.get("bilstm.fwd.b"))), m.get("bilstm.fwd.Wh"), H, false);
        Node[] bwd = states(g, x.matmul(g.param(m.get("bilstm.bwd.Wx"))).add(g.param(m.get("bilstm.bwd.b"))), m.get("bilstm.bwd.Wh"), H, true);
        Node[] both = new Node[words.length];
        for (int t = 0; t < words.length; t++) both[t] = g.concat(1, fwd[t], bwd[t]);
        return g.concat(0, both).matmul(g.param(m.get("out.W"))).add(g.param(m.get("out.b")));
    }

    static Node[] states(Graph g, Node xw, Parameter Wh, int H, boolean backward) {
        int n = xw.dim(0);
        Node[] hs = new Node[n];
        Node h = null, c = null;
        for (int k = 0; k < n; k++) {
            int t = backward ? n - 1 - k : k;
            Node gates = xw.slice(range(t, t + 1), all());
            if (h != null) gates = gates.add(h.matmul(g.param(Wh)));
            Node sig = gates.slice(all(), range(0, 3 * H)).sigmoid();
            Node u = gates.slice(all(), range(3 * H, 4 * H)).tanh();
            Node iu = sig.slice(all(), range(0, H)).mul(u);
            c = c == null ? iu : iu.add(sig.slice(all(), range(H, 2 * H)).mul(c));
            h = sig.slice(all(), range(2 * H, 3 * H)).mul(c.tanh());
            hs[t] = h;
        }
        return hs;
    }

    @Test
    void layersComputeTheHandWiredTaggerBitForBit() {
        var model = new BiLstmTagger(40, 6, 5, 4, 3);
        long seed = 7;
        for (Parameter p : model.parameters()) {                  // non-zero biases, so the bias paths count
            Tensor noise = Tensor.randn(p.value().dtype(), Seed.of(seed++), p.value().shape());
            for (int i = 0; i < noise.size(); i++) p.value().setFlat(i, p.value().getFlat(i) + 0.1f * noise.getFlat(i));
        }
        int[] words = {3, 17, 4, 39, 9, 4};
        var g1 = new Graph();
        Step layers = g1.compile(model.logits(g1, words).square().sum()).forward().backward();
        List<double[]> layerGrads = new ArrayList<>();
        for (Parameter p : model.parameters()) layerGrads.add(p.grad().toDoubleArray());
        var g2 = new Graph();
        Step hand = g2.compile(handWiredLogits(g2, model.model, words, 5).square().sum()).forward().backward();
        assertEquals(hand.output().item(), layers.output().item(), 0.0);
        for (int i = 0; i < layerGrads.size(); i++) {
            assertArrayEquals(model.parameters().get(i).grad().toDoubleArray(), layerGrads.get(i), 0.0, model.parameters().get(i).name());
        }
        assertEquals(hand.plan().forwardKernels(), layers.plan().forwardKernels());
        assertEquals(hand.plan().backwardKernels(), layers.plan().backwardKernels());
        assertEquals(hand.plan().plannedBytes(), layers.plan().plannedBytes());
    }
}
