package dev.quiver.tests.kit;

import dev.quiver.check.kit.Domain;
import dev.quiver.check.kit.Gen;
import dev.quiver.check.kit.Gens;
import dev.quiver.check.kit.Property;
import dev.quiver.check.kit.PropertyFailure;
import dev.quiver.check.kit.Settings;
import dev.quiver.check.kit.Source;
import dev.quiver.check.kit.TensorGens;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kit itself: shrinking reaches known minimal counterexamples, seeds reproduce, generators stay in bounds. */
class KitTest {

    /** Shrinking tests need a failure to be found: they fix the tries instead of following -Dquiver.tries. */
    private static PropertyFailure failure(Runnable property) {
        return assertThrows(PropertyFailure.class, property::run);
    }

    @Test
    void intShrinksToTheBoundary() {
        var f = failure(() -> Property.forAll(Gens.ints(0, 1_000_000)).fixedTries(100).check(x -> assertTrue(x < 1000)));
        assertEquals(1000, f.minimal());
        assertTrue(f.getMessage().contains("minimal case") && f.getMessage().contains("original case")
                && f.getMessage().contains("-Dquiver.seed=0x"), f.getMessage());
    }

    @Test
    void negativeIntShrinksTowardsZero() {
        var f = failure(() -> Property.forAll(Gens.ints(-1000, 1000)).fixedTries(100).check(x -> assertTrue(x > -17)));
        assertEquals(-17, f.minimal());
    }

    @Test
    void listShrinksToOneMinimalElement() {
        var f = failure(() -> Property.forAll(Gens.lists(Gens.ints(0, 1000), 0, 20)).fixedTries(100)
                .check(xs -> assertTrue(xs.stream().mapToInt(Integer::intValue).sum() < 100)));
        assertEquals(List.of(100), f.minimal());
    }

    @Test
    void shapeShrinksToLowestFailingRankAndSmallestDims() {
        var rank = failure(() -> Property.forAll(TensorGens.shapes()).fixedTries(100).check(s -> assertTrue(s.length < 3)));
        assertArrayEquals(new int[] {1, 1, 1}, (int[]) rank.minimal());
        var dim = failure(() -> Property.forAll(TensorGens.shapes()).fixedTries(100).check(s -> assertTrue(Arrays.stream(s).allMatch(d -> d < 4))));
        assertArrayEquals(new int[] {4}, (int[]) dim.minimal());
    }

    @Test
    void tensorShrinksToAScalarNearTheBoundary() {
        var f = failure(() -> Property.forAll(TensorGens.tensors(Domain.REAL)).fixedTries(100)
                .check(t -> {
                    for (int i = 0; i < t.size(); i++) assertTrue(t.getFlat(i) < 2);
                }));
        Tensor t = (Tensor) f.minimal();
        assertEquals(0, t.rank(), f.getMessage());
        assertEquals(DType.F64, t.dtype(), f.getMessage());
        assertTrue(t.item() >= 2 && t.item() < 2.00001, f.getMessage());
    }

    @Test
    void broadcastPairShrinksToTheBoundarySize() {
        var f = failure(() -> Property.forAll(TensorGens.broadcastable(2, TensorGens.shapes())).fixedTries(100)
                .check(p -> assertTrue(Shapes.size(p[0]) < 6)));
        int[][] pair = (int[][]) f.minimal();
        // The boundary is reached exactly; the rank is only locally minimal (from [3, 1, 2] the
        // next simpler failing shape, [6], needs two dimensions changed at once).
        assertEquals(6, Shapes.size(pair[0]), f.getMessage());
        Shapes.broadcast("test", pair[0], pair[1]);
    }

    @Test
    void failuresAreDeterministicAndTheSeedReproducesTheOriginalCase() {
        Runnable property = () -> Property.forAll(TensorGens.shapes()).named("seedProbe").fixedTries(100)
                .check(s -> assertTrue(Shapes.size(s) < 20));
        var first = failure(property);
        var second = failure(property);
        assertEquals(first.seed(), second.seed());
        assertEquals(first.originalDescription(), second.originalDescription());

        String before = System.getProperty(Settings.SEED);
        System.setProperty(Settings.SEED, "0x" + Long.toHexString(first.seed()));
        try {
            var rerun = failure(property);
            assertEquals(first.originalDescription(), rerun.originalDescription());
            assertEquals(first.minimalDescription(), rerun.minimalDescription());
        } finally {
            if (before == null) System.clearProperty(Settings.SEED);
            else System.setProperty(Settings.SEED, before);
        }
    }

    @Test
    void sameSeedSameValues() {
        Gen<Tensor> gen = TensorGens.anyLayout(TensorGens.tensors(Domain.REAL));
        for (long seed = 0; seed < 50; seed++) {
            Tensor a = gen.generate(Source.random(seed)), b = gen.generate(Source.random(seed));
            assertTrue(a.bitwiseEquals(b));
            Source s = Source.random(seed);
            Tensor c = gen.generate(s);
            assertTrue(c.bitwiseEquals(gen.generate(Source.replay(s.choices()))), "replay reproduces");
        }
    }

    @Test
    void intsStayInRangeAndCoverBothEnds() {
        Set<Integer> seen = new HashSet<>();
        Property.forAll(Gens.ints(-3, 5)).fixedTries(300).check(x -> {
            assertTrue(x >= -3 && x <= 5);
            seen.add(x);
        });
        assertEquals(9, seen.size());
    }

    @Test
    void domainsExcludeTheirKinks() {
        Domain d = Domain.awayFrom(-3, 3, 0.25, 0, 1);
        Property.forAll(Gens.doubles(d)).tries(500).check(x -> {
            assertTrue(x >= -3 && x <= 3, "in range: " + x);
            assertTrue(Math.abs(x) >= 0.25 && Math.abs(x - 1) >= 0.25, "away from kinks: " + x);
        });
        Property.forAll(Gens.doubles(Domain.POSITIVE)).tries(500).check(x -> assertTrue(x >= 0.25 && x <= 4));
        assertEquals(0.0, Gens.doubles(Domain.REAL).generate(Source.replay(new long[0])));
        assertEquals(0.25, Gens.doubles(Domain.POSITIVE).generate(Source.replay(new long[0])));
    }

    @Test
    void broadcastableShapesBroadcastToTheResult() {
        Property.forAll(TensorGens.broadcastable(3, TensorGens.shapes())).check(shapes -> {
            int[] out = Shapes.broadcast("test", Shapes.broadcast("test", shapes[0], shapes[1]), shapes[2]);
            for (int[] s : shapes) {
                assertTrue(s.length <= out.length);
                for (int i = 0; i < s.length; i++) {
                    int d = s[i], o = out[out.length - s.length + i];
                    assertTrue(d == 1 || d == o);
                }
            }
        });
    }

    @Test
    void layoutsKeepValuesAndNeverAlias() {
        Property.forAll(TensorGens.anyLayout(TensorGens.tensors(Domain.REAL)))
                .classify("contiguous", Tensor::isContiguous)
                .check(t -> {
                    Set<Integer> positions = new HashSet<>();
                    int[] shape = t.shape(), strides = t.strides();
                    for (int i = 0; i < t.size(); i++) {
                        int pos = t.offset(), rest = i;
                        for (int d = shape.length - 1; d >= 0; d--) {
                            pos += (rest % shape[d]) * strides[d];
                            rest /= shape[d];
                        }
                        assertTrue(positions.add(pos), "two elements share storage slot " + pos);
                        assertTrue(!Double.isNaN(t.getFlat(i)));
                    }
                });
    }

    @Test
    void coverageCountsClassifiedValues() {
        var result = Property.forAll(TensorGens.dtypes()).fixedTries(200).classify("dtype", d -> d).check(d -> {});
        int f32 = result.coverage().count("dtype", "F32"), f64 = result.coverage().count("dtype", "F64");
        assertEquals(200, f32 + f64);
        assertTrue(f32 > 50 && f64 > 50);
    }

    @Test
    void rejectingEverythingGivesUpWithAClearMessage() {
        var e = assertThrows(AssertionError.class,
                () -> Property.forAll(Gens.ints(0, 10)).tries(5).check(x -> Property.assume(false)));
        assertTrue(e.getMessage().contains("rejected"), e.getMessage());
    }

    @Test
    void triesFollowTheProfileAndTheOverride() {
        String tries = System.getProperty(Settings.TRIES), profile = System.getProperty(Settings.PROFILE);
        try {
            System.clearProperty(Settings.TRIES);
            System.clearProperty(Settings.PROFILE);
            assertEquals(40, Settings.tries(40));
            System.setProperty(Settings.PROFILE, "deep");
            assertEquals(400, Settings.tries(40));
            System.setProperty(Settings.TRIES, "7");
            assertEquals(7, Settings.tries(40));
            assertEquals(7, Property.forAll(Gens.ints(0, 3)).tries(40).check(x -> {}).tries());
            System.setProperty(Settings.TRIES, "zero");
            var e = assertThrows(IllegalArgumentException.class, () -> Settings.tries(40));
            assertTrue(e.getMessage().contains("quiver.tries"), e.getMessage());
        } finally {
            if (tries == null) System.clearProperty(Settings.TRIES); else System.setProperty(Settings.TRIES, tries);
            if (profile == null) System.clearProperty(Settings.PROFILE); else System.setProperty(Settings.PROFILE, profile);
        }
    }
}
