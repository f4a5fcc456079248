package dev.quiver.spark;

import dev.quiver.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The fixed pairwise tree of {@link PartialSum}: the same bits whatever order results arrive and merge in. */
class PartialSumTreeTest {

    static PartialSum leaf(int p, int of, float... v) {
        return PartialSum.of(p, of, List.of(Tensor.of(v.clone(), v.length)), p);
    }

    /** Values where the order of float additions shows: 1e8 + 1 rounds back to 1e8. */
    @Test
    void fourPartitionsAddAsPairsWhateverTheArrivalOrder() {
        float[][] v = {{1e8f}, {1f}, {-1e8f}, {1f}};
        float tree = (v[0][0] + v[1][0]) + (v[2][0] + v[3][0]);
        float loop = ((v[0][0] + v[1][0]) + v[2][0]) + v[3][0];
        assertNotEquals(tree, loop, "the values must tell the orders apart");
        for (int[] order : permutations(4)) {
            PartialSum s = new PartialSum();
            for (int p : order) {
                assertNull(s.slots(), "complete before all 4 arrived");
                s.add(leaf(p, 4, v[p]));
            }
            assertEquals(tree, ((float[]) s.slots()[0])[0], "arrival order " + java.util.Arrays.toString(order));
            assertEquals(0 + 1 + 2 + 3, s.lossSum());
        }
    }

    /**
     * Random arrays, P = 3..7, every order of arrival, and merged as Spark's treeAggregate may do
     * (partial sums of arbitrary subsets, serialised between executors, then merged): all the same
     * bits as the tree computed by hand.
     */
    @Test
    void randomResultsSumToTheSameBitsInEveryOrderAndGrouping() throws Exception {
        SplittableRandom r = new SplittableRandom(11);
        for (int of = 3; of <= 7; of++) {
            float[][] v = new float[of][64];
            for (float[] a : v) for (int i = 0; i < a.length; i++) a[i] = (float) (r.nextDouble(-1, 1) * Math.pow(10, r.nextInt(-4, 5)));
            float[] expected = byHandRoot(v);
            List<int[]> orders = of <= 5 ? permutations(of) : randomOrders(of, 200, r);
            for (int[] order : orders) {
                PartialSum s = new PartialSum();
                for (int p : order) s.add(leaf(p, of, v[p]));
                assertArrayEquals(expected, (float[]) s.slots()[0], of + " partitions, order " + java.util.Arrays.toString(order));
                // Two groups (first half of the order, second half), each through serialisation, then merged.
                PartialSum a = new PartialSum(), b = new PartialSum();
                for (int k = 0; k < order.length; k++) (k < order.length / 2 ? a : b).add(leaf(order[k], of, v[order[k]]));
                PartialSum merged = new PartialSum().add(Session.readResult(serialise(b))).add(Session.readResult(serialise(a)));
                assertArrayEquals(expected, (float[]) merged.slots()[0], of + " partitions, grouped " + java.util.Arrays.toString(order));
            }
        }
    }

    @Test
    void aPartitionTwiceOrAnotherWidthIsRefused() {
        PartialSum s = new PartialSum().add(leaf(1, 4, 1f));
        IllegalStateException twice = assertThrows(IllegalStateException.class, () -> s.add(leaf(1, 4, 1f)));
        assertEquals("aggregate: partitions [1, 2) reported twice", twice.getMessage());
        assertThrows(IllegalStateException.class, () -> s.add(leaf(0, 3, 1f)));
    }

    /** Node (level, index) of the tree over partitions [0, of), added as PartialSum's comment says: left + right, an empty right passed over. */
    static float[] byHand(float[][] v, int level, int index, int of) {
        if (level == 0) return v[index].clone();
        int lo = index << level;
        int mid = lo + (1 << (level - 1));
        if (mid >= of) return byHand(v, level - 1, 2 * index, of);
        float[] a = byHand(v, level - 1, 2 * index, of), b = byHand(v, level - 1, 2 * index + 1, of);
        for (int i = 0; i < a.length; i++) a[i] += b[i];
        return a;
    }

    static float[] byHandRoot(float[][] v) {
        int level = 0;
        while ((1 << level) < v.length) level++;
        return byHand(v, level, 0, v.length);
    }

    static List<int[]> permutations(int n) {
        List<int[]> out = new ArrayList<>();
        permute(new int[n], new boolean[n], 0, out);
        return out;
    }

    private static void permute(int[] cur, boolean[] used, int k, List<int[]> out) {
        if (k == cur.length) {
            out.add(cur.clone());
            return;
        }
        for (int i = 0; i < cur.length; i++) {
            if (used[i]) continue;
            used[i] = true;
            cur[k] = i;
            permute(cur, used, k + 1, out);
            used[i] = false;
        }
    }

    static List<int[]> randomOrders(int n, int count, SplittableRandom r) {
        List<int[]> out = new ArrayList<>();
        for (int c = 0; c < count; c++) {
            int[] p = new int[n];
            for (int i = 0; i < n; i++) p[i] = i;
            for (int i = n - 1; i > 0; i--) {
                int k = r.nextInt(i + 1), t = p[i];
                p[i] = p[k];
                p[k] = t;
            }
            out.add(p);
        }
        return out;
    }

    static byte[] serialise(Object o) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(b)) {
            out.writeObject(o);
        }
        return b.toByteArray();
    }
}
