import dev.quiver.graph.*;
import dev.quiver.tensor.*;
import dev.quiver.optim.Init;
import static dev.quiver.tensor.DType.F32;
import static dev.quiver.tensor.Index.*;

/** Writes the DOT of the README's two-layer network: java -cp engine-core/target/classes docs/graph/TwoLayerDot.java docs/graph/two-layer.dot && dot -Tsvg docs/graph/two-layer.dot -o docs/graph/two-layer.svg */
public class TwoLayerDot {
    public static void main(String[] a) throws Exception {
        var g = new Graph();
        var x = g.input("x", F32, 64, 784);
        var target = g.input("target", F32, 64, 10);
        var W = g.param("W", Init.xavierUniform(F32, Seed.of(1), 784, 256));
        var b = g.param("b", Tensor.zeros(F32, 256));
        var V = g.param("V", Init.xavierUniform(F32, Seed.of(2), 256, 10));
        var h = g.named("h", x.matmul(W).add(b).tanh());
        var y = g.named("y", h.matmul(V));
        var first = y.slice(all(), at(0));
        var loss = g.named("loss", Losses.softmaxCrossEntropy(y, target).add(g.mul(first.sum(), 0.01)));
        java.nio.file.Files.writeString(java.nio.file.Path.of(a[0]), g.toDot());
    }
}
