package dev.quiver.graph;

import java.util.Arrays;

/**
 * The working arrays of a compile, kept by its graph for the next one. A dynamic graph compiles
 * a new structure per example; without this, each compile allocates some twenty arrays as long as
 * the graph (a fifth of its bytes), and on graphs of 10^5 nodes and more that garbage sets the
 * pace of the young collections that copy the live graph. Each array is handed out cleared over
 * the length asked for; it may be longer, so its users take their lengths from the plan, never
 * from {@code array.length}. Nothing a {@link Step} keeps may come from here.
 *
 * <p>One compile at a time per graph (a graph is not thread-safe); the slots are named by the
 * phase constants below, and a slot is never handed out twice within one compile.
 */
final class Scratch {
    // int slots
    static final int READERS = 0, POS = 1, INPUT_START = 2, INPUTS = 3, ROOT_OF = 4, DIRECT_TARGET = 5, TARGETS = 6,
            BUFFER_OF = 7, IDS = 8, START = 9, END = 10, BUF_START = 11, BUF_END = 12,
            SIZE_CLASS = 13, FREE_HEAD = 14, NEXT_FREE = 15, FIRST_AT = 16, BY_START = 17, ENDING_HEAD = 18,
            ENDING_NEXT = 19, FUSION_USES = 20, FORWARD_NODE = 21, FORWARD_GRADIENT_OF = 22, BACKWARD_NODE = 23,
            BACKWARD_GRADIENT_OF = 24, FORWARD_CODE_FROM = 25, FORWARD_CODE_TO = 26, BACKWARD_CODE_FROM = 27,
            BACKWARD_CODE_TO = 28, CODE_F64 = 29, CODE_F32 = 30, DONOR = 31, INT_SLOTS = 32;
    // boolean slots
    static final int LIVE = 0, NEEDS = 1, SCHEDULED = 2, FINAL_GRADIENT = 3, CANDIDATE = 4, LOOKED = 5, SPARSE = 6,
            BOOLEAN_SLOTS = 7;
    // long slots
    static final int SIZES = 0, BUF_SIZE = 1, OFFSETS = 2, DELTA = 3, LONG_SLOTS = 4;
    // reference slots
    static final int FIRST_TERM = 0, MORE_TERMS = 1, GRAD_OF = 2, STACK_A = 3, STACK_GRADS = 4, ROW_PARTS = 5,
            ROW_ROWS = 6, WORK_OF = 7, BUF_SHAPE = 8, BUF_DTYPE = 9, BUFFERS = 10, FORWARD_INSTRUCTIONS = 11,
            FORWARD_OUT = 12, BACKWARD_INSTRUCTIONS = 13, BACKWARD_OUT = 14, DIRECT = 15, AT_OFFSET = 16, REF_SLOTS = 17;
    // byte slots
    static final int KIND = 0, BYTE_SLOTS = 1;

    /**
     * The structure hash's table of op and shape-array hashes by instance ({@code Compiler.structureHash}):
     * an entry stays right across compiles, as both are immutable and the table holds them.
     */
    final Object[] hashedInstances = new Object[64];
    final int[] instanceHashes = new int[64];

    private final int[][] ints = new int[INT_SLOTS][];
    private final boolean[][] booleans = new boolean[BOOLEAN_SLOTS][];
    private final long[][] longs = new long[LONG_SLOTS][];
    private final byte[][] bytes = new byte[BYTE_SLOTS][];
    private final Object[][] refs = new Object[REF_SLOTS][];
    /**
     * Per reference slot, how far it may hold references (none past this index): each array is
     * cleared once per compile, over what was used, either when it is handed out or, for the slots
     * {@link #release} empties, at the end of the compile that filled it.
     */
    private final int[] refsUsed = new int[REF_SLOTS];
    /**
     * The slots {@link #release} empties: those whose references would keep a step's memory (its
     * tensors over the arenas, its bound instructions) or the compile's per-node garbage (gradient
     * term lists) alive until the next compile. The others hold node handles (which live as long as
     * their graph anyway), interned shapes, dtypes and workspace indices, and are cleared when next
     * handed out instead: clearing them twice was 7-9% of a new structure's time.
     */
    private static final int[] RELEASED = {MORE_TERMS, STACK_A, STACK_GRADS, ROW_PARTS, ROW_ROWS, BUFFERS,
            FORWARD_INSTRUCTIONS, FORWARD_OUT, BACKWARD_INSTRUCTIONS, BACKWARD_OUT, DIRECT, AT_OFFSET};

    /**
     * Longer arrays are handed out but not kept. The bound is past the longest graph a step is
     * compiled for in practice (a 10^6-node forward graph has a few million nodes with its backward
     * graph): below it a graph keeps its working arrays, as its node tapes keep theirs, so a new
     * structure of a size seen before allocates none of them. Dropping them past 2^20 made each
     * compile of such a graph allocate them afresh, about a quarter of the 1.2 GB it allocated.
     */
    static final int MAX_KEPT = 1 << 23;

    /** An int array of at least {@code n} elements, zero over {@code [0, n)}. */
    int[] ints(int slot, int n) {
        int[] a = ints[slot];
        if (a == null || a.length < n) return keepIfSmall(slot, new int[capacity(n)]);
        Arrays.fill(a, 0, n, 0);
        return a;
    }

    /** {@link #ints} with the contents of {@code [0, n)} unspecified, for arrays written in full before they are read. */
    int[] intsDirty(int slot, int n) {
        int[] a = ints[slot];
        return a == null || a.length < n ? keepIfSmall(slot, new int[capacity(n)]) : a;
    }

    /** Keeps a longer array its user has grown in place of slot's, for the next compile. */
    int[] keep(int slot, int[] grown) { return keepIfSmall(slot, grown); }

    /**
     * The coded instructions' recording arrays ({@link #CODE_F64}, {@link #CODE_F32}) are kept up
     * to this length: about a dozen ints per instruction, a few per node, so a 10^6-node training
     * graph records some 2^24 ints, which a compile would otherwise allocate afresh (and regrow) each time.
     */
    static final int MAX_KEPT_CODE = 1 << 25;

    /** {@link #keep} for a coded-instruction slot. */
    void keepCode(int slot, int[] grown) {
        if (grown.length <= MAX_KEPT_CODE) ints[slot] = grown;
    }

    private int[] keepIfSmall(int slot, int[] a) {
        if (a.length <= MAX_KEPT) ints[slot] = a;
        return a;
    }

    boolean[] booleans(int slot, int n) {
        boolean[] a = booleans[slot];
        if (a == null || a.length < n) {
            a = new boolean[capacity(n)];
            if (a.length <= MAX_KEPT) booleans[slot] = a;
            return a;
        }
        Arrays.fill(a, 0, n, false);
        return a;
    }

    /** A byte array of at least {@code n} elements, contents of {@code [0, n)} unspecified (written in full before read). */
    byte[] bytes(int slot, int n) {
        byte[] a = bytes[slot];
        if (a == null || a.length < n) {
            a = new byte[capacity(n)];
            if (a.length <= MAX_KEPT) bytes[slot] = a;
        }
        return a;
    }

    long[] longs(int slot, int n) {
        long[] a = longs[slot];
        if (a == null || a.length < n) {
            a = new long[capacity(n)];
            if (a.length <= MAX_KEPT) longs[slot] = a;
            return a;
        }
        Arrays.fill(a, 0, n, 0);
        return a;
    }

    long[] keep(int slot, long[] grown) {
        if (grown.length <= MAX_KEPT) longs[slot] = grown;
        return grown;
    }

    /** A reference array of {@code type}'s class, at least {@code n} long, null over {@code [0, n)}. */
    @SuppressWarnings("unchecked")
    <T> T[] refs(int slot, int n, T[] type) {
        Object[] a = refs[slot];
        if (a == null || a.length < n || a.getClass() != type.getClass()) {
            a = Arrays.copyOf(type, capacity(n));
            if (a.length <= MAX_KEPT) refs[slot] = a;
        } else {
            Arrays.fill(a, 0, Math.min(n, refsUsed[slot]), null);
        }
        refsUsed[slot] = Math.max(refsUsed[slot], n);
        return (T[]) a;
    }

    /** Keeps a longer array its user has grown (and filled) in place of slot's, for the next compile. */
    <T> T[] keep(int slot, T[] grown) {
        if (grown.length <= MAX_KEPT) refs[slot] = grown;
        refsUsed[slot] = Math.max(refsUsed[slot], grown.length);
        return grown;
    }

    /**
     * Drops the references the last compile left in the {@link #RELEASED} arrays (tensors,
     * instructions, gradient lists), so scratch holds no step's memory alive between compiles;
     * called when a compile ends.
     */
    void release() {
        for (int slot : RELEASED) {
            Object[] a = refs[slot];
            if (a != null) Arrays.fill(a, 0, Math.min(a.length, refsUsed[slot]), null);
            refsUsed[slot] = 0;
        }
    }

    /** Grows by half again, so a graph growing one node per compile does not reallocate each time. */
    private static int capacity(int n) {
        long c = Math.max(16, (long) n + (n >> 1));
        return (int) Math.min(c, Integer.MAX_VALUE - 16);
    }
}
