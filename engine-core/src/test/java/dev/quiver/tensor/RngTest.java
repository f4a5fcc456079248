package dev.quiver.tensor;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class RngTest {
    @Test
    void firstOutputOfSeedZeroMatchesTheSplitMix64ReferenceVector() {
        // splitmix64.c (Vigna) with x = 0: first three outputs.
        Rng r = new Rng(0);
        assertEquals(0xE220A8397B1DCDAFL, r.nextLong());
        assertEquals(0x6E789E6AA1B965F4L, r.nextLong());
        assertEquals(0x06C45D188009454FL, r.nextLong());
    }

    @Test
    void nextLongAndNextDoubleMatchTheJdksSplittableRandom() {
        // SplittableRandom(seed) is the same generator (golden gamma, Mix13) implemented independently.
        for (long seed : new long[] {0, 1, -1, 42, Long.MIN_VALUE, 0x123456789ABCDEFL}) {
            Rng r = new Rng(seed);
            SplittableRandom reference = new SplittableRandom(seed);
            for (int i = 0; i < 1000; i++) {
                if (i % 2 == 0) assertEquals(reference.nextLong(), r.nextLong(), "seed " + seed + " draw " + i);
                else assertEquals(reference.nextDouble(), r.nextDouble(), 0.0, "seed " + seed + " draw " + i);
            }
        }
    }

    @Test
    void restoredStateContinuesTheSameSequence() {
        Rng a = new Rng(7);
        for (int i = 0; i < 13; i++) a.nextGaussian();
        long saved = a.state();
        double[] expected = new double[50];
        for (int i = 0; i < expected.length; i++) expected[i] = i % 3 == 0 ? a.nextGaussian() : i % 3 == 1 ? a.nextDouble() : a.nextInt(17);
        Rng b = new Rng(12345);
        b.restore(saved);
        for (int i = 0; i < expected.length; i++) {
            double v = i % 3 == 0 ? b.nextGaussian() : i % 3 == 1 ? b.nextDouble() : b.nextInt(17);
            assertEquals(Double.doubleToRawLongBits(expected[i]), Double.doubleToRawLongBits(v), "draw " + i);
        }
    }

    @Test
    void nextIntStaysInRangeAndIsUniform() {
        Rng r = new Rng(3);
        int bound = 10, n = 200_000;
        int[] counts = new int[bound];
        for (int i = 0; i < n; i++) {
            int v = r.nextInt(bound);
            assertTrue(v >= 0 && v < bound, "out of range: " + v);
            counts[v]++;
        }
        double expected = (double) n / bound, chi2 = 0;
        for (int c : counts) chi2 += (c - expected) * (c - expected) / expected;
        assertTrue(chi2 < 27.9, "chi-square " + chi2 + " over 9 degrees of freedom (p < 0.001): " + Arrays.toString(counts));
        assertThrows(IllegalArgumentException.class, () -> r.nextInt(0));
        for (int i = 0; i < 1000; i++) {
            int v = r.nextInt(Integer.MAX_VALUE);
            assertTrue(v >= 0);
        }
    }

    @Test
    void nextGaussianHasStandardNormalMoments() {
        Rng r = new Rng(11);
        int n = 200_000;
        double sum = 0, sumSq = 0, sum4 = 0;
        for (int i = 0; i < n; i++) {
            double g = r.nextGaussian();
            sum += g;
            sumSq += g * g;
            sum4 += g * g * g * g;
        }
        double mean = sum / n, var = sumSq / n - mean * mean;
        // standard errors: mean 1/sqrt(n) = 0.0022, variance sqrt(2/n) = 0.0032, 4th moment sqrt(96/n) = 0.022
        assertEquals(0, mean, 0.012);
        assertEquals(1, var, 0.016);
        assertEquals(3, sum4 / n, 0.11);
    }

    @Test
    void shuffleIsAPermutationAndEveryOrderOfThreeIsEquallyLikely() {
        Rng r = new Rng(5);
        int[] p = r.permutation(1000);
        int[] sorted = p.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) assertEquals(i, sorted[i]);
        int[] counts = new int[6];
        int n = 60_000;
        for (int t = 0; t < n; t++) {
            int[] q = {0, 1, 2};
            r.shuffle(q);
            counts[q[0] * 2 + (q[1] > q[2] ? 1 : 0)]++;
        }
        for (int c : counts) assertEquals(n / 6.0, c, 500, Arrays.toString(counts)); // sd ~ 91
    }
}
