package dev.quiver.graph;

import dev.quiver.optim.Init;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Seed;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static dev.quiver.tensor.Index.all;
import static dev.quiver.tensor.Index.range;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coded instructions (elementwise, matrix products, sums, concatenations, row moves as op codes
 * run by one interpreter loop) compute bit for bit what the bound closures they replace compute:
 * random trees of tiny cells, built fresh, compiled with and without coding on every backend and
 * both float dtypes, give the same loss and the same gradients of every parameter, to the bit.
 */
class CodedInstructionTest {
    static Stream<Object[]> cases() {
        List<Object[]> out = new ArrayList<>();
        Backs.all().forEach(m -> {
            for (DType d : new DType[] {DType.F32, DType.F64}) for (int hidden : new int[] {3, 16}) out.add(new Object[] {m, d, hidden});
        });
        return out.stream();
    }

    /** The parameters of one model: a table of rows, a cell's weight and bias, an output scale. */
    record Model(Parameter table, Parameter w, Parameter b, Parameter scale) {
        static Model of(DType d, int hidden) {
            return new Model(new Parameter("X", Init.uniform(d, Seed.of(1), new int[] {16, hidden}, -1, 1)),
                    new Parameter("W", Init.uniform(d, Seed.of(2), new int[] {2 * hidden, hidden}, -0.5, 0.5)),
                    new Parameter("b", Init.uniform(d, Seed.of(3), new int[] {hidden}, -0.1, 0.1)),
                    new Parameter("s", Init.uniform(d, Seed.of(4), new int[] {1, hidden}, 0.5, 1.5)));
        }
    }

    /**
     * A random tree over table rows ([1, hidden] values): a cell concatenates its children,
     * multiplies by W, adds the bias (on either side), and applies tanh, sigmoid or relu, sometimes
     * scaled by a constant; the loss sums every cell times the scale row, the root's squares, a
     * dense term of the table and the bias broadcast over blocks of rows (both broadcast forms).
     */
    static Node build(Graph g, Model model, long seed, int leaves) {
        g.reset();
        SplittableRandom r = new SplittableRandom(seed);
        Node x = g.param(model.table), w = g.param(model.w), b = g.param(model.b), s = g.param(model.scale);
        ArrayDeque<Node> stack = new ArrayDeque<>();
        List<Node> cells = new ArrayList<>();
        int pushed = 0;
        while (pushed < leaves || stack.size() > 1) {
            if (stack.size() >= 2 && (pushed == leaves || r.nextBoolean())) {
                Node right = stack.pop(), left = stack.pop();
                Node pre = g.concat(1, left, right).matmul(w);
                pre = r.nextBoolean() ? pre.add(b) : b.add(pre);
                Node h = switch (r.nextInt(3)) {
                    case 0 -> pre.tanh();
                    case 1 -> pre.sigmoid();
                    default -> pre.relu();
                };
                if (r.nextInt(4) == 0) h = h.mul(0.5);
                cells.add(h.mul(s));
                stack.push(h);
            } else {
                int row = r.nextInt(8);   // rows repeat: their gradients add up
                stack.push(x.slice(range(row, row + 1), all()));
                pushed++;
            }
        }
        cells.add(stack.pop().square());
        cells.add(x.square().mul(0.01));   // the table's row gradients are then summed with a dense term, not its final gradient
        cells.add(x.slice(range(0, 4), all()).add(b).tanh());   // the bias row broadcast over four rows, on either side
        cells.add(b.add(x.slice(range(2, 6), all())).sigmoid());
        Node[] sums = new Node[cells.size()];
        for (int i = 0; i < sums.length; i++) sums[i] = cells.get(i).sum();
        return g.addN(sums);
    }

    /**
     * Loss and gradients, as raw bits, of the tree of {@code seed} compiled with or without coding:
     * the gradients of a plain step, then of the same step accumulating them (the final gradients
     * are then run from the program, not bound to write the gradient tensors directly), then of a
     * step that checks for NaN (which runs one instruction at a time).
     */
    static List<long[]> run(TensorMath m, DType d, int hidden, long seed, boolean coded) {
        boolean before = Compiler.coding;
        Compiler.coding = coded;
        try {
            Model model = Model.of(d, hidden);
            Graph g = new Graph();
            List<long[]> bits = new ArrayList<>();
            for (boolean check : new boolean[] {false, true}) {
                Step step = g.compile(build(g, model, seed, 9), Backs.on(m).withCheckFinite(check));
                if (coded) assertTrue(step.codedInstructions() > 20, "coded instructions: " + step.codedInstructions());
                else assertEquals(0, step.codedInstructions());
                step.forward().backward();
                bits.add(bits(step.output()));
                for (Parameter p : List.of(model.table, model.w, model.b, model.scale)) bits.add(bits(p.grad()));
                if (check) continue;
                step.accumulateGradients(true);
                step.zeroGradients();
                step.forward().backward();
                for (Parameter p : List.of(model.table, model.w, model.b, model.scale)) bits.add(bits(p.grad()));
            }
            return bits;
        } finally {
            Compiler.coding = before;
        }
    }

    static long[] bits(Tensor t) {
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) out[i] = Double.doubleToRawLongBits(t.getFlat(i));
        return out;
    }

    @ParameterizedTest @MethodSource("cases")
    void codedStepsMatchBoundOnesBitForBit(TensorMath m, DType d, int hidden) {
        for (long seed = 1; seed <= 6; seed++) {
            List<long[]> bound = run(m, d, hidden, seed, false), coded = run(m, d, hidden, seed, true);
            String[] what = {"loss", "table gradient", "W gradient", "b gradient", "scale gradient", "accumulated table gradient",
                    "accumulated W gradient", "accumulated b gradient", "accumulated scale gradient", "checked loss",
                    "checked table gradient", "checked W gradient", "checked b gradient", "checked scale gradient"};
            assertEquals(what.length, bound.size());
            for (int k = 0; k < what.length; k++) {
                assertArrayEquals(bound.get(k), coded.get(k), what[k] + " (tree " + seed + ", " + d + ", hidden " + hidden + ")");
            }
        }
    }
}
