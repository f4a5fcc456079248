package dev.quiver.layers;

import dev.quiver.check.GradCheck;
import dev.quiver.graph.CompileOptions;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Node;
import dev.quiver.ops.ConvSpec;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.quiver.layers.LayersTest.perturb;
import static dev.quiver.layers.LayersTest.randn;
import static dev.quiver.tensor.DType.F32;
import static dev.quiver.tensor.DType.F64;
import static org.junit.jupiter.api.Assertions.*;

/** Conv1d, Conv2d and the pooling layers: parameters by name, values as the graph ops give them, gradients, refused inputs. */
class ConvLayersTest {

    @Test void parametersByNameAndShape() {
        Scope model = Scope.root(F32, Seed.of(1));
        var c2 = new Conv2d(model.child("conv1"), 4, 6, 5, ConvSpec.DEFAULT.groups(2));
        var c1 = new Conv1d(model.child("conv2"), 3, 8, 3, ConvSpec.DEFAULT, false, Initializer.zeros());
        assertEquals(List.of("conv1.W", "conv1.b", "conv2.W"), model.parameters().stream().map(p -> p.name()).toList());
        assertArrayEquals(new int[] {6, 2, 5, 5}, c2.weight().value().shape());
        assertNull(c1.bias());
        assertArrayEquals(new int[] {8, 3, 3}, c1.weight().value().shape());
        // He uniform over the kernel's fan-in (2 * 5 * 5 = 50): every value within sqrt(6 / 50).
        double a = Math.sqrt(6.0 / 50), max = 0;
        for (double v : c2.weight().value().toDoubleArray()) max = Math.max(max, Math.abs(v));
        assertTrue(max <= a && max > a / 2, "max |W| " + max + " for bound " + a);
    }

    @Test void aLayerIsTheGraphOpOnItsParameters() {
        Scope model = Scope.root(F64, Seed.of(2));
        var conv = new Conv2d(model.child("c"), 2, 3, 3, ConvSpec.DEFAULT.stride(2).padding(1));
        perturb(model, 3);
        Graph g = new Graph();
        Node x = g.input("x", F64, 2, 2, 7, 7);
        Node viaLayer = conv.apply(x), direct = g.conv2d(x, g.param(conv.weight()), g.param(conv.bias()), ConvSpec.DEFAULT.stride(2).padding(1));
        var step = g.compile(viaLayer.sub(direct).square().sum(), CompileOptions.inferenceOnly().withKeep(viaLayer));
        step.forward(Map.of("x", randn(4, 2, 2, 7, 7)));
        assertEquals(0, step.output().item());
        assertArrayEquals(new int[] {2, 3, 4, 4}, step.value(viaLayer).shape());
    }

    @Test void cnnGradients() {
        Scope model = Scope.root(F64, Seed.of(5));
        var net = Sequential.of(new Conv2d(model.child("c1"), 2, 4, 3, ConvSpec.DEFAULT.padding(1)), Node::tanh, Pooling.avg2d(2),
                new Conv2d(model.child("c2"), 4, 4, 3, ConvSpec.DEFAULT.groups(2).same()), Node::tanh, Pooling.max2d(2),
                Pooling.flatten(), new Linear(model.child("fc"), 4, 3));
        perturb(model, 6);
        Graph g = new Graph();
        Node x = g.input("x", F64, 2, 2, 4, 4);
        Node y = net.apply(x);
        assertArrayEquals(new int[] {2, 3}, y.shape());
        GradCheck.of(y).feed("x", randn(7, 2, 2, 4, 4)).check().assertOk();

        Scope seq = Scope.root(F64, Seed.of(8));
        var net1 = Sequential.of(new Conv1d(seq.child("c"), 3, 4, 3, ConvSpec.DEFAULT.same().dilation(2)), Node::tanh,
                Pooling.avg1d(2, 1, 1), Pooling.globalAvg());
        perturb(seq, 9);
        Graph h = new Graph();
        Node s = h.input("s", F64, 2, 3, 6);
        Node z = net1.apply(s);
        assertArrayEquals(new int[] {2, 4}, z.shape());
        GradCheck.of(z).feed("s", randn(10, 2, 3, 6)).check().assertOk();
    }

    @Test void wrongInputsNameTheLayer() {
        Scope model = Scope.root(F32, Seed.of(1));
        var conv = new Conv2d(model.child("enc").child("conv"), 3, 8, 3);
        Graph g = new Graph();
        var e = assertThrows(IllegalArgumentException.class, () -> conv.apply(g.input("img", F32, 1, 1, 8, 8)));
        assertTrue(e.getMessage().contains("Conv2d 'enc.conv'") && e.getMessage().contains("img") && e.getMessage().contains("[N, 3, H, W]"), e.getMessage());
        var e1 = assertThrows(IllegalArgumentException.class, () -> new Conv1d(model.child("c1"), 3, 4, 3, ConvSpec.DEFAULT.groups(2)));
        assertTrue(e1.getMessage().contains("Conv1d 'c1'") && e1.getMessage().contains("2 groups"), e1.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> Pooling.max2d(3).apply(g.input("v", F32, 2, 8)));
        assertTrue(e2.getMessage().contains("max_pool2d") && e2.getMessage().contains("v"), e2.getMessage());
    }
}
