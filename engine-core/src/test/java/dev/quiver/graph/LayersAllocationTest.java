package dev.quiver.graph;

import dev.quiver.layers.Bidirectional;
import dev.quiver.layers.Embedding;
import dev.quiver.layers.GruCell;
import dev.quiver.layers.Linear;
import dev.quiver.layers.Recurrent;
import dev.quiver.layers.Scope;
import dev.quiver.optim.Adam;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static dev.quiver.tensor.DType.F32;

/** Layers only build nodes: a static graph made of them trains in steady state with no allocation. */
class LayersAllocationTest {
    @ParameterizedTest @MethodSource("dev.quiver.graph.Backs#all")
    void staticGraphOfLayersAllocatesNothingPerStep(TensorMath m) {
        Scope model = Scope.root(F32, Seed.of(1));
        var embed = new Embedding(model.child("embed"), 50, 8);
        var bilstm = Bidirectional.lstm(model.child("bilstm"), 8, 6);
        var gru = new Recurrent(new GruCell(model.child("gru"), 12, 5), true);
        var out = new Linear(model.child("out"), 5, 3);
        var g = new Graph();
        var ids = g.input("ids", dev.quiver.tensor.DType.I32, 4, 16);        // time-major: 4 steps of 16 sequences
        var t = g.input("t", F32, 4, 16, 3);
        Node y = out.apply(gru.apply(bilstm.apply(embed.apply(ids))));      // [4, 16, 3]
        Step step = g.compile(Losses.mse(y, t), Backs.on(m));
        int[] idData = new int[64];
        for (int i = 0; i < idData.length; i++) idData[i] = (i * 7) % 50;
        var net = new AllocationTest.Net(step, ids, t, Tensor.ofInts(idData, 4, 16), Tensor.uniform(F32, Seed.of(2), new int[] {4, 16, 3}, 0, 1));
        AllocationTest.assertSteadyStateAllocatesNothing(net, new Adam(model.parameters(), 0.01, 0.9, 0.999, 1e-8, m));
    }
}
