package dev.quiver.tensor;

/**
 * One entry of a slicing expression, as in NumPy: {@code T.slice(all(), all(), all(), at(i))}
 * is {@code T[:, :, :, i]}; {@code range(1, -1, 2)} is {@code 1:-1:2}. Negative positions count
 * from the end; a range's stop is clamped to the dimension, like Python's.
 */
public sealed interface Index {
    /** A single position; the dimension is dropped. */
    record At(int index) implements Index {
        /** NumPy's notation: {@code 2}. */
        @Override public String toString() { return Integer.toString(index); }
    }

    /** A strided range {@code start:stop:step}; the dimension is kept. */
    record Range(int start, int stop, int step) implements Index {
        public Range {
            if (step == 0) throw new IllegalArgumentException("slice step must not be 0");
        }

        /**
         * NumPy's notation, a positive step's defaults left out: {@code :}, {@code 1:-1}, {@code ::2},
         * {@code 0:3:2} as {@code :3:2}; a negative step in full ({@code 3:0:-1}).
         */
        @Override public String toString() {
            if (step < 0) return start + ":" + stop + ":" + step;
            String s = (start == 0 ? "" : Integer.toString(start)) + ":" + (stop == Integer.MAX_VALUE ? "" : Integer.toString(stop));
            return step == 1 ? s : s + ":" + step;
        }
    }

    /** Inserts a new dimension of size 1 ({@code None} / {@code np.newaxis}). */
    record NewAxis() implements Index {
        /** NumPy's notation: {@code None}. */
        @Override public String toString() { return "None"; }
    }

    static Index at(int index) { return new At(index); }

    static Index all() { return ALL; }

    /** {@code :}, shared (ranges are values). */
    Range ALL = new Range(0, Integer.MAX_VALUE, 1);

    static Index range(int start, int stop) { return new Range(start, stop, 1); }

    static Index range(int start, int stop, int step) { return new Range(start, stop, step); }

    static Index newAxis() { return new NewAxis(); }
}
