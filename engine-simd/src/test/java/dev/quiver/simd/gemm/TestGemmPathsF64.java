package dev.quiver.simd.gemm;

import dev.quiver.backend.Workers;
import dev.quiver.kernel.internal.CanonicalGemmF64;
import org.junit.jupiter.api.Test;

import static dev.quiver.simd.gemm.GemmF64.Path;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Which path the GEMM takes for the products of a training step that runs one example at a time
 * (layers on row vectors): the thin, transposed and matrix-vector shapes must take their cheap
 * unpacked paths. When the canonical order first landed, {@code g Wᵀ} fell through to the packed
 * path (all of W copied and its one column padded to two vectors on every call), which made
 * unbatched TreeLSTM steps 3.8x slower with no test failing; this test fails on that code. The
 * path is the dispatcher's own decision ({@link GemmF64#path}), not a timing. Every width runs it
 * (CI: preferred, 256 and 128 bits): no shape below may depend on the lane count for its path.
 */
class TestGemmPathsF64 {
    private static final GemmF64 ONE = new GemmF64(new Workers(1));
    private static final GemmF64 TWO = new GemmF64(new Workers(2));
    private static final int LANES = CanonicalGemmF64.LANES;

    /** The path of batch x (m x k) (k x n), A and B row-major or transposed views, C row-major. */
    private static Path path(GemmF64 gemm, int batch, int m, int k, int n, boolean ta, boolean tb) {
        int aRow = ta ? 1 : k, aCol = ta ? m : 1, bRow = tb ? 1 : n, bCol = tb ? k : 1;
        return gemm.path(batch, m, n, k, aRow, aCol, bRow, bCol, n, 1);
    }

    private static void expect(Path expected, int m, int k, int n, boolean ta, boolean tb) {
        for (int threads = 1; threads <= 2; threads++) {
            for (int batch : new int[]{1, 3}) {
                assertEquals(expected, path(threads == 1 ? ONE : TWO, batch, m, k, n, ta, tb), "[" + m + "x" + k + "]"
                        + (ta ? "ᵀ" : "") + " x [" + k + "x" + n + "]" + (tb ? "ᵀ" : "") + ", batch " + batch + ", "
                        + threads + " thread(s), vectors of " + GemmF64.vectorBits() + " bits");
            }
        }
    }

    @Test
    void rowVectorLayers() {
        // A TreeLSTM node (hidden 128, gates 640) and a leaf (embedding 128, gates 384), an LSTM step (512 gates).
        for (int[] layer : new int[][]{{256, 640}, {128, 384}, {128, 512}}) {
            int in = layer[0], out = layer[1];
            expect(Path.GEMV_COLUMNS, 1, in, out, false, false);   // forward: x W
            expect(Path.DOT, 1, out, in, false, true);             // input gradient: g Wᵀ
            expect(Path.SMALL, in, 1, out, true, false);           // weight gradient: xᵀ g (an outer product)
        }
    }

    @Test
    void matrixVectorProducts() {
        expect(Path.DOT, 640, 256, 1, false, false);             // W x, long K sum: split-K, dot path
        expect(Path.GEMV_COLUMNS, 256, 640, 1, true, false);     // Wᵀ g
        expect(Path.ROW_DOTS, 256, 16 * LANES - 1, 1, false, false);   // W x, K too short for split-K
        expect(Path.ROW_DOTS, 256, 5, 1, false, false);
    }

    @Test
    void smallOutputLayers() {
        expect(Path.ROW_DOTS, 1, 5, 256, false, true);           // g Woutᵀ, 5 classes: Woutᵀ x g on rows
        expect(Path.DOT, 40, 128, 5, false, false);              // logits of 40 nodes, 5 classes
        expect(Path.SMALL_TRANSPOSED, 128, 40, 5, true, false);  // dWout = Hᵀ G
        expect(Path.DOT, 1, 256, 5, false, false);               // one node's logits
        // A TreeLSTM minibatch's output layer over 640 nodes: no packing.
        expect(Path.SMALL_TRANSPOSED, 128, 640, 5, true, false); // dWout = Hᵀ G, K blocks
        expect(Path.SMALL_BT, 640, 5, 128, false, true);         // G Woutᵀ, Woutᵀ copied row-major
    }

    /**
     * rnnlm's output layer over a 21-word sentence (hidden 256, vocabulary 7,596) on one thread:
     * none of its three products packs the 7.8 MB weight or its gradient (the packed path copied W
     * transposed for G Wᵀ and sent every tile of Hᵀ G through a buffer). On two threads these large
     * products are split by the packed path. Smaller products of the same kinds take the same paths
     * on either thread count.
     */
    @Test
    void languageModelOutputLayer() {
        int words = 21, hidden = 256, vocab = 7596;
        assertEquals(Path.SMALL, path(ONE, 1, words, hidden, vocab, false, false));      // logits H W
        assertEquals(Path.THIN_BT, path(ONE, 1, words, vocab, hidden, false, true));     // hidden-state gradient G Wᵀ
        assertEquals(Path.SMALL, path(ONE, 1, hidden, words, vocab, true, false));       // weight gradient Hᵀ G
        assertEquals(Path.PACKED, path(TWO, 1, hidden, words, vocab, true, false));
        expect(Path.THIN_BT, 5, 300, 40, false, true);
        expect(Path.THIN_BT, GemmF64.THIN_M, 2 * GemmF64.KC + 1, 8, false, true);
        expect(Path.SMALL, 100, GemmF64.SHORT_K, 130, true, false);
        expect(Path.PACKED, 100, GemmF64.SHORT_K + 1, 130, true, false);
    }

    @Test
    void largeProductsStillPack() {
        expect(Path.PACKED, 256, 256, 256, false, false);
        expect(Path.PACKED, 784, 64, 256, true, false);
    }
}
