package dev.quiver.examples.dynamic;

import dev.quiver.backend.Backends;
import dev.quiver.graph.Graph;
import dev.quiver.graph.Losses;
import dev.quiver.graph.Node;
import dev.quiver.graph.Parameter;
import dev.quiver.graph.Step;
import dev.quiver.optim.Adam;
import dev.quiver.optim.Init;
import dev.quiver.optim.Sgd;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import static dev.quiver.tensor.DType.F32;

/**
 * The reproducibility probe run by {@code tools/repro-matrix} and {@code ReproMatrixTest}: trains,
 * from fixed seeds, (1) a static graph, the two-layer network tanh(x W + b) V + a with softmax
 * cross-entropy and momentum SGD on seeded random batches, and (2) a dynamic tree RNN
 * ({@link Structures}'s model: embedding lookups, tanh(W [hl; hr] + b), a class-index loss at every
 * node, Adam) on seeded random trees, one graph per tree; then prints one line
 * {@code repro: static=<hash> dynamic=<hash> ...}, each hash a 64-bit FNV-1a over the raw bits of
 * every final parameter. The same bits in every JVM means the same hash; any difference in any
 * last bit of any parameter changes it.
 *
 * <p>Usage: {@code Repro [staticSteps] [trees] [dtype]} (defaults 300, 300, F32); the backend and
 * threads come from {@code -Dquiver.backend} and {@code -Dquiver.threads} as everywhere.
 */
public final class Repro {
    private Repro() {}

    public static void main(String[] args) {
        int staticSteps = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        int trees = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        DType dtype = args.length > 2 ? DType.valueOf(args[2]) : F32;
        long t0 = System.nanoTime();
        long staticHash = staticModel(staticSteps, dtype);
        long dynamicHash = dynamicModel(trees);
        System.out.printf(Locale.ROOT, "repro: static=%016x dynamic=%016x backend=%s threads=%d simd_bits=%s seconds=%.1f%n",
                staticHash, dynamicHash, Backends.current().name(), Backends.defaultThreads(),
                System.getProperty("quiver.simd.bits", "default"), (System.nanoTime() - t0) / 1e9);
    }

    /** The two-layer network: 32 x 48 inputs, 40 hidden units, 10 classes, momentum SGD. */
    static long staticModel(int steps, DType dtype) {
        int batch = 32, in = 48, hidden = 40, classes = 10;
        var g = new Graph();
        var x = g.input("x", dtype, batch, in);
        var target = g.input("target", dtype, batch, classes);
        var W = g.param("W", Init.xavierUniform(dtype, Seed.of(1), in, hidden));
        var b = g.param("b", Tensor.zeros(dtype, hidden));
        var V = g.param("V", Init.xavierUniform(dtype, Seed.of(2), hidden, classes));
        var a = g.param("a", Tensor.zeros(dtype, classes));
        var y = x.matmul(W).add(b).tanh().matmul(V).add(a);
        Step train = g.compile(Losses.softmaxCrossEntropy(y, target));
        var opt = new Sgd(train.parameters(), 0.05, 0.9, 1e-4);
        var rnd = new SplittableRandom(7);
        for (int step = 0; step < steps; step++) {
            // A learnable task: the class is the index of the largest of the first 10 features.
            Tensor xs = Tensor.randn(dtype, Seed.of(1000 + step), batch, in), ts = Tensor.zeros(dtype, batch, classes);
            for (int r = 0; r < batch; r++) {
                int best = 0;
                for (int c = 1; c < classes; c++) if (xs.get(r, c) > xs.get(r, best)) best = c;
                if (rnd.nextInt(10) == 0) best = rnd.nextInt(classes); // label noise
                ts.set(1.0, r, best);
            }
            train.feed(x, xs).feed(target, ts);
            train.forward().backward();
            opt.step();
        }
        return hash(train.parameters());
    }

    /** The tree RNN: hidden 16, vocabulary 1,000, 5 classes, trees of 2 to 24 leaves, Adam. */
    static long dynamicModel(int trees) {
        int hidden = 16, vocab = 1000, classes = 5;
        var E = new Parameter("E", Tensor.randn(F32, Seed.of(1), vocab, hidden).mul(0.1));
        var W = new Parameter("W", Init.xavierUniform(F32, Seed.of(2), hidden, 2 * hidden));
        var b = new Parameter("b", Tensor.zeros(F32, hidden));
        var U = new Parameter("U", Init.xavierUniform(F32, Seed.of(3), classes, hidden));
        List<Parameter> params = List.of(E, W, b, U);
        var adam = new Adam(params, 0.01);
        var g = new Graph();
        var rnd = new SplittableRandom(42);
        for (int i = 0; i < trees; i++) {
            g.reset();
            List<Node> losses = new ArrayList<>();
            Structures.tree(g, E, W, b, U, 2 + rnd.nextInt(23), rnd, vocab, classes, losses);
            g.compile(g.addN(losses.toArray(new Node[0]))).forward().backward();
            adam.step();
        }
        return hash(params);
    }

    /** FNV-1a over the raw bits of every element of every parameter, in order. */
    static long hash(List<Parameter> params) {
        long h = 0xcbf29ce484222325L;
        for (Parameter p : params) {
            Tensor t = p.value();
            boolean f64 = t.dtype() == DType.F64;
            for (int i = 0; i < t.size(); i++) {
                long bits = f64 ? Double.doubleToRawLongBits(t.getFlat(i)) : Float.floatToRawIntBits((float) t.getFlat(i));
                for (int k = 0; k < 8; k++) {
                    h ^= (bits >>> (8 * k)) & 0xff;
                    h *= 0x100000001b3L;
                }
            }
        }
        return h;
    }
}
