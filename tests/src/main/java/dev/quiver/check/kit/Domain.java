package dev.quiver.check.kit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A set of real numbers to draw from: a union of disjoint closed intervals. Each interval's
 * simplest value (what shrinking moves towards) is its point closest to 0; the intervals are
 * ordered by that point's magnitude, so the simplest value of the whole domain is the one
 * closest to 0 (0 itself when it is included).
 *
 * <p>Typical domains: {@link #REAL} for smooth functions, {@link #POSITIVE} for log, sqrt and
 * reciprocal, {@link #awayFrom(double, double, double, double...)} for functions with kinks
 * (abs and relu at 0, hinge at its margin), where a finite difference straddling the kink would
 * disagree with any subgradient.
 */
public final class Domain {
    /** [-3, 3]: where smooth ops (exp, tanh, sigmoid, products) are well conditioned. */
    public static final Domain REAL = interval(-3, 3);
    /** [0.25, 4]: for log, sqrt, reciprocal and pow with non-integer exponents. */
    public static final Domain POSITIVE = interval(0.25, 4);
    /** [-3, 3] without (-0.1, 0.1): for abs, relu, sign and other ops with a kink at 0. */
    public static final Domain AWAY_FROM_ZERO = awayFrom(-3, 3, 0.1, 0);

    private final double[] lo;
    private final double[] hi;

    private Domain(double[] lo, double[] hi) {
        this.lo = lo;
        this.hi = hi;
    }

    /** The closed interval [lo, hi]. */
    public static Domain interval(double lo, double hi) {
        if (!(lo <= hi) || !Double.isFinite(lo) || !Double.isFinite(hi)) {
            throw new IllegalArgumentException("Domain.interval: need finite lo <= hi, got [" + lo + ", " + hi + "]");
        }
        return new Domain(new double[] {lo}, new double[] {hi});
    }

    /** [lo, hi] without the open intervals (k - gap, k + gap) around each kink k. */
    public static Domain awayFrom(double lo, double hi, double gap, double... kinks) {
        if (!(gap > 0)) throw new IllegalArgumentException("Domain.awayFrom: gap must be positive, got " + gap);
        double[] sorted = kinks.clone();
        Arrays.sort(sorted);
        List<double[]> parts = new ArrayList<>();
        double start = lo;
        for (double k : sorted) {
            double end = Math.min(hi, k - gap);
            if (end >= start) parts.add(new double[] {start, end});
            start = Math.max(start, k + gap);
        }
        if (hi >= start) parts.add(new double[] {start, hi});
        if (parts.isEmpty()) throw new IllegalArgumentException("Domain.awayFrom: nothing of [" + lo + ", " + hi + "] is left");
        parts.sort(Comparator.comparingDouble(p -> Math.abs(anchor(p[0], p[1]))));
        return new Domain(parts.stream().mapToDouble(p -> p[0]).toArray(), parts.stream().mapToDouble(p -> p[1]).toArray());
    }

    private static double anchor(double lo, double hi) {
        return Math.max(lo, Math.min(hi, 0));
    }

    /** Resolution of drawn values: 2^20 steps on each side of an interval's anchor. */
    private static final long STEPS = 1L << 20;

    /**
     * Draws a value: an interval (simplest first), then a side of its anchor and a distance on a
     * grid of 2^20 steps, so shrinking moves the value towards the anchor.
     */
    public double draw(Source s) {
        int part = lo.length == 1 ? 0 : (int) s.choice(lo.length);
        double a = anchor(lo[part], hi[part]);
        long c = s.choice(2 * STEPS);
        double fraction = (c >> 1) / (double) STEPS;
        boolean below = (c & 1) == 1;
        double room = below ? a - lo[part] : hi[part] - a;
        if (room == 0) {
            below = !below;
            room = below ? a - lo[part] : hi[part] - a;
        }
        double v = below ? a - fraction * room : a + fraction * room;
        return Math.max(lo[part], Math.min(hi[part], v));
    }

    /** True when x lies in the domain. */
    public boolean contains(double x) {
        for (int i = 0; i < lo.length; i++) if (x >= lo[i] && x <= hi[i]) return true;
        return false;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lo.length; i++) {
            if (i > 0) sb.append(" u ");
            sb.append('[').append(lo[i]).append(", ").append(hi[i]).append(']');
        }
        return sb.toString();
    }
}
