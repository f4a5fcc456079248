package dev.quiver.tests.tensor;

import dev.quiver.check.kit.Gen;
import dev.quiver.check.kit.Gens;
import dev.quiver.check.kit.Property;
import dev.quiver.check.kit.TensorGens;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Index;
import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Views and broadcasting against reference index arithmetic: every view element is compared with
 * the base element a plain re-derivation of NumPy's rules says it must be, and writes through a
 * view must land in the base. Bases have distinct element values (0, 1, 2, ...) and random
 * storage layouts, so a wrong stride or offset shows up as a wrong value.
 */
class TensorViewProperties {

    /** A tensor of the shape holding 0, 1, 2, ... in row-major order, in a random layout. */
    static Gen<Tensor> distinct(Gen<int[]> shapes) {
        return TensorGens.dtypes().flatMap(dtype -> shapes.flatMap(shape -> {
            Tensor t = Tensor.zeros(dtype, shape);
            for (int i = 0; i < t.size(); i++) t.setFlat(i, i);
            return TensorGens.layoutOf(t);
        }));
    }

    /** Row-major multi-index of flat position i in shape. */
    static int[] unravel(int i, int[] shape) {
        int[] index = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            index[d] = i % shape[d];
            i /= shape[d];
        }
        return index;
    }

    record Sliced(Tensor base, List<Index> index) {}

    /** Python's slice.indices(n), written out: the positions start:stop:step selects. */
    static List<Integer> pythonRange(Integer start, Integer stop, int step, int n) {
        int lower = step > 0 ? 0 : -1, upper = step > 0 ? n : n - 1;
        int s = start == null ? (step > 0 ? lower : upper) : start < 0 ? Math.max(start + n, lower) : Math.min(start, upper);
        int e = stop == null ? (step > 0 ? upper : lower) : stop < 0 ? Math.max(stop + n, lower) : Math.min(stop, upper);
        List<Integer> out = new ArrayList<>();
        for (int i = s; step > 0 ? i < e : i > e; i += step) out.add(i);
        return out;
    }

    static Gen<Index> indexFor(int n) {
        Gen<Integer> bound = Gens.ints(-n - 2, n + 2);
        return s -> switch ((int) s.choice(n > 0 ? 4 : 3)) {
            case 0 -> Index.all();
            case 1 -> {
                boolean noStart = s.weighted(0.3), noStop = s.weighted(0.3);
                int start = bound.generate(s), stop = bound.generate(s);
                int step = Gens.ints(-3, 3).filter(x -> x != 0).generate(s);
                yield new Index.Range(noStart ? Integer.MAX_VALUE : start, noStop ? Integer.MAX_VALUE : stop, step);
            }
            case 2 -> Index.newAxis();
            default -> Index.at(Gens.ints(-n, n - 1).generate(s));
        };
    }

    static Gen<Sliced> slices() {
        return distinct(TensorGens.shapes(0, 4, 0, 5, 0.05)).flatMap(base -> s -> {
            List<Index> index = new ArrayList<>();
            int axis = 0;
            int count = (int) s.choice(base.rank() + 2);
            for (int k = 0; k < count; k++) {
                if (axis == base.rank()) {
                    if (s.weighted(0.5)) index.add(Index.newAxis());
                    continue;
                }
                Index ix = indexFor(base.dim(axis)).generate(s);
                index.add(ix);
                if (!(ix instanceof Index.NewAxis)) axis++;
            }
            return new Sliced(base, index);
        });
    }

    @Test
    void sliceSelectsWhatPythonSelects() {
        Property.forAll(slices()).classify("rank", c -> c.base().rank()).check(c -> {
            Tensor base = c.base();
            // Reference: per output dimension, the base axis it walks and the positions it visits.
            List<int[]> fixed = new ArrayList<>();      // {axis, position} of At entries
            List<Integer> axes = new ArrayList<>();     // base axis per output dim, -1 for a new axis
            List<List<Integer>> picks = new ArrayList<>();
            int axis = 0;
            for (Index ix : c.index()) {
                switch (ix) {
                    case Index.At at -> {
                        int n = base.dim(axis);
                        fixed.add(new int[] {axis, at.index() < 0 ? at.index() + n : at.index()});
                        axis++;
                    }
                    case Index.Range r -> {
                        axes.add(axis);
                        picks.add(pythonRange(r.start() == Integer.MAX_VALUE ? null : r.start(),
                                r.stop() == Integer.MAX_VALUE ? null : r.stop(), r.step(), base.dim(axis)));
                        axis++;
                    }
                    case Index.NewAxis ignored -> {
                        axes.add(-1);
                        picks.add(List.of(0));
                    }
                }
            }
            for (; axis < base.rank(); axis++) {
                axes.add(axis);
                List<Integer> all = new ArrayList<>();
                for (int i = 0; i < base.dim(axis); i++) all.add(i);
                picks.add(all);
            }
            Tensor view = c.base().slice(c.index().toArray(Index[]::new));
            int[] expectedShape = picks.stream().mapToInt(List::size).toArray();
            assertArrayEquals(expectedShape, view.shape(), "shape");
            for (int i = 0; i < view.size(); i++) {
                int[] out = unravel(i, expectedShape);
                int[] src = new int[base.rank()];
                for (int[] f : fixed) src[f[0]] = f[1];
                for (int d = 0; d < out.length; d++) if (axes.get(d) >= 0) src[axes.get(d)] = picks.get(d).get(out[d]);
                assertEquals(base.get(src), view.getFlat(i), "element " + Arrays.toString(out));
                view.setFlat(i, -1 - i);
                assertEquals(-1 - i, base.get(src), "write through the view at " + Arrays.toString(out));
                view.setFlat(i, base.size() + 7); // restore-proofing: positions are distinct, so never aliased
            }
        });
    }

    record Permuted(Tensor base, int[] order) {}

    record Narrowed(Tensor base, int axis, int start, int length) {}

    @Test
    void narrowSelectsARangeAlongOneAxisAndRefusesOutOfRange() {
        Gen<Narrowed> gen = distinct(TensorGens.shapes(1, 4, 0, 5, 0.05)).flatMap(base -> s -> {
            int axis = (int) s.choice(base.rank()), n = base.dim(axis);
            int start = (int) s.choice(n + 1), length = (int) s.choice(n - start + 1);
            return new Narrowed(base, s.weighted(0.2) ? axis - base.rank() : axis, start, length);
        });
        Property.forAll(gen).classify("rank", c -> c.base().rank()).check(c -> {
            Tensor base = c.base(), view = base.narrow(c.axis(), c.start(), c.length());
            int a = c.axis() < 0 ? c.axis() + base.rank() : c.axis();
            for (int d = 0; d < base.rank(); d++) assertEquals(d == a ? c.length() : base.dim(d), view.dim(d), "dim " + d);
            // Reference: element i of the view is the base element at the same index shifted by start along the axis.
            for (int i = 0; i < view.size(); i++) {
                int[] at = unravel(i, view.shape());
                at[a] += c.start();
                int flat = 0;
                for (int d = 0; d < base.rank(); d++) flat = flat * base.dim(d) + at[d];
                assertEquals(base.getFlat(flat), view.getFlat(i), "view element " + i);
            }
            if (view.size() > 0) assertTrue(view.sharesStorage(base));
            int n = base.dim(a);
            assertThrows(IndexOutOfBoundsException.class, () -> base.narrow(a, c.start(), n - c.start() + 1));
            assertThrows(IndexOutOfBoundsException.class, () -> base.narrow(a, -1, 1));
        });
    }

    @Test
    void permuteAndTransposeMoveIndices() {
        Gen<Permuted> gen = distinct(TensorGens.shapes(0, 4, 0, 4, 0.05)).flatMap(base -> s -> {
            List<Integer> left = new ArrayList<>();
            for (int a = 0; a < base.rank(); a++) left.add(a);
            int[] order = new int[base.rank()];
            for (int i = 0; i < order.length; i++) {
                int a = left.remove((int) s.choice(left.size()));
                order[i] = s.weighted(0.2) ? a - base.rank() : a;
            }
            return new Permuted(base, order);
        });
        Property.forAll(gen).classify("rank", p -> p.base().rank()).check(p -> {
            Tensor base = p.base(), view = base.permute(p.order());
            int rank = base.rank();
            for (int i = 0; i < view.size(); i++) {
                int[] out = unravel(i, view.shape());
                int[] src = new int[rank];
                for (int d = 0; d < rank; d++) src[Math.floorMod(p.order()[d], rank)] = out[d];
                assertEquals(base.get(src), view.getFlat(i));
            }
            Tensor t = base.transpose();
            for (int i = 0; i < t.size(); i++) {
                int[] out = unravel(i, t.shape());
                int[] src = new int[rank];
                for (int d = 0; d < rank; d++) src[rank - 1 - d] = out[d];
                assertEquals(base.get(src), t.getFlat(i));
            }
        });
    }

    record Reshaped(Tensor base, int[] target) {}

    /** A target shape with the same element count: the count's prime factors dealt into 0-4 bins, maybe one -1. */
    static Gen<Reshaped> reshapes() {
        return distinct(TensorGens.shapes(0, 4, 0, 6, 0.05)).flatMap(base -> s -> {
            int size = base.size();
            List<Integer> factors = new ArrayList<>();
            int rest = size;
            for (int p = 2; rest > 1; p++) while (rest % p == 0) { factors.add(p); rest /= p; }
            int rank = size == 0 ? 1 + (int) s.choice(3) : (int) s.choice(5);
            if (rank == 0 && size != 1) rank = 1;
            int[] target = new int[rank];
            Arrays.fill(target, 1);
            if (size == 0) target[(int) s.choice(rank)] = 0;
            for (int f : factors) target[(int) s.choice(rank)] *= f;
            for (int d = 0; d < rank; d++) if (size == 0 && target[d] != 0) target[d] = 1 + (int) s.choice(3);
            if (rank > 0 && size > 0 && s.weighted(0.3)) target[(int) s.choice(rank)] = -1;
            return new Reshaped(base, target);
        });
    }

    @Test
    void reshapeKeepsRowMajorOrderAndViewsShareStorage() {
        Property.forAll(reshapes()).classify("view", r -> r.base().reshapeIsView(r.target())).check(r -> {
            Tensor base = r.base(), view = base.reshape(r.target());
            assertEquals(base.size(), view.size());
            for (int d = 0; d < r.target().length; d++) if (r.target()[d] >= 0) assertEquals(r.target()[d], view.dim(d));
            for (int i = 0; i < base.size(); i++) assertEquals(base.getFlat(i), view.getFlat(i), "flat " + i);
            if (base.reshapeIsView(r.target())) {
                assertTrue(view.sharesStorage(base));
                for (int i = 0; i < base.size(); i++) {
                    view.setFlat(i, -1 - i);
                    assertEquals(-1 - i, base.getFlat(i), "write through the view at flat " + i);
                }
            } else {
                assertTrue(!view.sharesStorage(base), "a copying reshape must not alias");
            }
        });
    }

    record Expanded(Tensor base, int[] target) {}

    @Test
    void expandRepeatsAlongStretchedDimensions() {
        Gen<Expanded> gen = TensorGens.broadcastable(1, TensorGens.shapes(0, 4, 0, 4, 0.05))
                .flatMap(p -> s -> {
                    int[] operand = p[0];
                    // The target: the operand's shape aligned right, 1s stretched, maybe new leading dims.
                    int lead = (int) s.choice(3);
                    int[] target = new int[lead + operand.length];
                    for (int i = 0; i < lead; i++) target[i] = (int) s.choice(4);
                    for (int i = 0; i < operand.length; i++) target[lead + i] = operand[i] == 1 ? (int) s.choice(4) : operand[i];
                    return new int[][] {operand, target};
                })
                .flatMap(p -> distinct(Gens.constant(p[0])).map(base -> new Expanded(base, p[1])));
        Property.forAll(gen).check(e -> {
            Tensor base = e.base(), view = base.expand(e.target());
            assertArrayEquals(e.target(), view.shape());
            int lead = e.target().length - base.rank();
            for (int i = 0; i < view.size(); i++) {
                int[] out = unravel(i, e.target());
                int[] src = new int[base.rank()];
                for (int d = 0; d < base.rank(); d++) src[d] = base.dim(d) == 1 ? 0 : out[lead + d];
                assertEquals(base.get(src), view.getFlat(i));
            }
        });
    }

    record ShapePair(int[] a, int[] b) {}

    @Test
    void broadcastFollowsNumpyRulesAndNamesBothShapesWhenItCannot() {
        Gen<ShapePair> related = TensorGens.broadcastable(2, TensorGens.shapes()).map(p -> new ShapePair(p[0], p[1]));
        Gen<int[]> any = TensorGens.shapes(0, 4, 0, 3, 0.1);
        Gen<ShapePair> unrelated = s -> new ShapePair(any.generate(s), any.generate(s));
        Property.forAll(Gens.oneOf(related, unrelated)).check(p -> {
            int rank = Math.max(p.a().length, p.b().length);
            int[] expected = new int[rank];
            boolean ok = true;
            for (int i = 0; i < rank; i++) {
                int ai = i - (rank - p.a().length), bi = i - (rank - p.b().length);
                int da = ai >= 0 ? p.a()[ai] : 1, db = bi >= 0 ? p.b()[bi] : 1;
                if (da == db || db == 1) expected[i] = da;
                else if (da == 1) expected[i] = db;
                else ok = false;
            }
            if (ok) {
                assertArrayEquals(expected, Shapes.broadcast("add", p.a(), p.b()));
            } else {
                var e = assertThrows(IllegalArgumentException.class, () -> Shapes.broadcast("add", p.a(), p.b()));
                assertTrue(e.getMessage().contains("add") && e.getMessage().contains(Shapes.str(p.a()))
                        && e.getMessage().contains(Shapes.str(p.b())), e.getMessage());
            }
        });
    }

    @Test
    void atIndexesTheFirstDimensionFromEitherEnd() {
        Gen<Object[]> gen = distinct(TensorGens.shapes(1, 4, 1, 4, 0)).flatMap(t -> Gens.ints(-t.dim(0), t.dim(0) - 1)
                .map(i -> new Object[] {t, i}));
        Property.forAll(gen).check(c -> {
            Tensor t = (Tensor) c[0];
            int i = (Integer) c[1], row = i < 0 ? i + t.dim(0) : i;
            Tensor sub = t.at(i);
            int inner = t.size() / t.dim(0);
            for (int j = 0; j < inner; j++) assertEquals(t.getFlat(row * inner + j), sub.getFlat(j));
        });
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void badIndicesAxesAndShapesThrowTheDocumentedExceptions() {
        Property.forAll(distinct(TensorGens.shapes(1, 4, 1, 4, 0))).check(t -> {
            int rank = t.rank();
            int[] bad = new int[rank];
            bad[rank - 1] = t.dim(rank - 1); // one past the end
            var oob = assertThrows(IndexOutOfBoundsException.class, () -> t.get(bad));
            assertTrue(oob.getMessage().contains(Shapes.str(t.shape())), oob.getMessage());
            var wrongRank = assertThrows(IllegalArgumentException.class, () -> t.get(new int[rank + 1]));
            assertTrue(wrongRank.getMessage().contains(Shapes.str(t.shape())), wrongRank.getMessage());

            var axis = assertThrows(IllegalArgumentException.class, () -> t.dim(rank));
            assertTrue(axis.getMessage().contains("axis " + rank), axis.getMessage());

            int[] repeated = new int[rank];
            if (rank > 1) {
                var perm = assertThrows(IllegalArgumentException.class, () -> t.permute(repeated));
                assertTrue(perm.getMessage().contains("permute"), perm.getMessage());
            }
            var permRank = assertThrows(IllegalArgumentException.class, () -> t.permute(new int[rank + 1]));
            assertTrue(permRank.getMessage().contains("permute") && permRank.getMessage().contains(Shapes.str(t.shape())));

            var reshape = assertThrows(IllegalArgumentException.class, () -> t.reshape(t.size() + 1));
            assertTrue(reshape.getMessage().contains("reshape") && reshape.getMessage().contains(Shapes.str(t.shape())),
                    reshape.getMessage());

            Index[] tooMany = new Index[rank + 1];
            Arrays.fill(tooMany, Index.at(0));
            var slice = assertThrows(IllegalArgumentException.class, () -> t.slice(tooMany));
            assertTrue(slice.getMessage().contains("slice"), slice.getMessage());

            int[] incompatible = t.shape();
            incompatible[rank - 1] = t.dim(rank - 1) + 1;
            if (t.dim(rank - 1) != 1) {
                var expand = assertThrows(IllegalArgumentException.class, () -> t.expand(incompatible));
                assertTrue(expand.getMessage().contains("expand"), expand.getMessage());
            }
        });
        Property.forAll(TensorGens.shapes(1, 4, 1, 4, 0)).check(shape -> {
            int[] negative = shape.clone();
            negative[0] = -1 - negative[0];
            assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(DType.F64, negative));
            assertThrows(IllegalArgumentException.class, () -> Tensor.of(new double[Shapes.size(shape) + 1], shape));
        });
    }
}
