package dev.quiver.ops.internal;

import dev.quiver.ops.Op.Instruction;
import dev.quiver.kernel.KernelsF64;
import dev.quiver.kernel.internal.CanonicalGemmF64;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;
import dev.quiver.ops.Window;

/**
 * Convolution and pooling over float64 NC(H)W buffers, bound at compile time (source of truth for
 * the generated {@code ConvKernelsF32}). A convolution is im2col into a planned workspace and the
 * backend's GEMM: per group, {@code out[n] = W_g col(x[n])} with the weights shared across a chunk
 * of samples (batch stride 0, so the GEMM packs them once per chunk). Every tensor passed here is
 * contiguous (the op copies strided inputs into its workspace first); a 1-d tensor is a 2-d one with
 * H = 1. The loops only move data; all arithmetic beyond pooling's max and sum is the GEMM's.
 */
final class ConvKernelsF64 {
    private ConvKernelsF64() {}

    /** These factories behind the dtype-erased {@link ConvKernels}, on the backend's float64 kernels. */
    static final ConvKernels VIEW = new ConvKernels() {
        private static KernelsF64 k(TensorMath math) {
            return (KernelsF64) math.kernels(DType.F64, "conv").typed();
        }

        @Override
        public Instruction forward(TensorMath math, Tensor x, Tensor w, Tensor b, Tensor out, Tensor col, Window win, int groups,
                                   boolean inPlace) {
            return ConvKernelsF64.forward(k(math), x, w, b, out, col, win, groups, inPlace);
        }

        @Override
        public Instruction inputGrad(TensorMath math, Tensor gy, Tensor w, Tensor dx, Tensor col, Window win, int groups,
                                     boolean inPlace) {
            return ConvKernelsF64.inputGrad(k(math), gy, w, dx, col, win, groups, inPlace);
        }

        @Override
        public Instruction kernelGrad(TensorMath math, Tensor x, Tensor gy, Tensor dw, Tensor col, Window win, int groups,
                                      boolean inPlace) {
            return ConvKernelsF64.kernelGrad(k(math), x, gy, dw, col, win, groups, inPlace);
        }

        @Override
        public Instruction maxPool(int mode, Tensor x, Tensor g, Tensor out, Window win) {
            return ConvKernelsF64.maxPool(mode, x, g, out, win);
        }

        @Override
        public Instruction avgPool(boolean back, Tensor x, Tensor out, Window win) {
            return ConvKernelsF64.avgPool(back, x, out, win);
        }
    };

    /** Dims of an N C (H) W tensor as {N, C, H, W}. */
    static int[] nchw(Tensor t) {
        return new int[] {t.dim(0), t.dim(1), t.rank() == 4 ? t.dim(2) : 1, t.dim(-1)};
    }

    private static int ceilDiv(int a, int b) { return a <= 0 ? 0 : (a + b - 1) / b; }

    /** First output column whose input column {@code ow*s + off} is >= 0. */
    private static int lo(int off, int s) { return off >= 0 ? 0 : ceilDiv(-off, s); }

    /** One past the last output column whose input column is < size, clipped to [lo, out]. */
    private static int hi(int off, int s, int size, int out, int lo) { return Math.max(lo, Math.min(out, ceilDiv(size - off, s))); }

    /**
     * {@code col[(c kh + i) kw + j, oh OW + ow] = x[c, oh sh - pt + i dh, ow sw - pl + j dw]}, 0 in
     * the padding: the K x P matrix (K = C kh kw, P = OH OW) whose product with the kernels is the
     * convolution of one sample's C channels. With stride 1 along W the in-range part of each (c, i, j)
     * row is one block of rows for the backend's {@code copyRows} (vector moves; a row is the output
     * width, often shorter than a vector), the padding zeros filled around it.
     */
    static void im2col(KernelsF64 k, double[] x, int xo, int c0, int h, int w, Window win, int oh, int ow, double[] col, int co) {
        int p = oh * ow, row = co, sh = win.sh(), sw = win.sw();
        for (int c = 0; c < c0; c++) {
            for (int i = 0; i < win.kh(); i++) {
                int offH = i * win.dh() - win.pt(), y0 = lo(offH, sh), y1 = hi(offH, sh, h, oh, y0);
                for (int j = 0; j < win.kw(); j++, row += p) {
                    int off = j * win.dw() - win.pl();
                    int a = lo(off, sw), b = hi(off, sw, w, ow, a);
                    if (sw == 1) {
                        if (y0 > 0) java.util.Arrays.fill(col, row, row + y0 * ow, 0);
                        if (y1 < oh) java.util.Arrays.fill(col, row + y1 * ow, row + p, 0);
                        if (a > 0 || b < ow) {
                            for (int y = y0; y < y1; y++) {
                                int dst = row + y * ow;
                                if (a > 0) java.util.Arrays.fill(col, dst, dst + a, 0);
                                if (b < ow) java.util.Arrays.fill(col, dst + b, dst + ow, 0);
                            }
                        }
                        if (b > a && y1 > y0) {
                            k.copyRows(y1 - y0, b - a, x, xo + (c * h + y0 * sh + offH) * w + off + a, sh * w,
                                    col, row + y0 * ow + a, ow, false);
                        }
                        continue;
                    }
                    for (int y = 0; y < oh; y++) {
                        int ih = y * sh + offH, dst = row + y * ow;
                        if (ih < 0 || ih >= h) {
                            java.util.Arrays.fill(col, dst, dst + ow, 0);
                            continue;
                        }
                        int src = xo + (c * h + ih) * w + off;
                        if (a > 0) java.util.Arrays.fill(col, dst, dst + a, 0);
                        for (int q = a; q < b; q++) col[dst + q] = x[src + q * sw];
                        if (b < ow) java.util.Arrays.fill(col, dst + b, dst + ow, 0);
                    }
                }
            }
        }
    }

    /**
     * The adjoint of {@link #im2col}: {@code x[c, ih, iw] += col[...]} for every window position (x
     * not cleared), in the order of col's rows (stride 1 along W: each (c, i, j) row one accumulating
     * {@code copyRows}, whose rows land on distinct rows of x).
     */
    static void col2im(KernelsF64 k, double[] col, int co, int c0, int h, int w, Window win, int oh, int ow, double[] x, int xo) {
        int p = oh * ow, row = co, sh = win.sh(), sw = win.sw();
        for (int c = 0; c < c0; c++) {
            for (int i = 0; i < win.kh(); i++) {
                int offH = i * win.dh() - win.pt(), y0 = lo(offH, sh), y1 = hi(offH, sh, h, oh, y0);
                for (int j = 0; j < win.kw(); j++, row += p) {
                    int off = j * win.dw() - win.pl();
                    int a = lo(off, sw), b = hi(off, sw, w, ow, a);
                    if (b <= a || y1 <= y0) continue;
                    if (sw == 1) {
                        k.copyRows(y1 - y0, b - a, col, row + y0 * ow + a, ow,
                                x, xo + (c * h + y0 * sh + offH) * w + off + a, sh * w, true);
                        continue;
                    }
                    for (int y = y0; y < y1; y++) {
                        int src = row + y * ow, dst = xo + (c * h + y * sh + offH) * w + off;
                        for (int q = a; q < b; q++) x[dst + q * sw] += col[src + q];
                    }
                }
            }
        }
    }

    /**
     * The terms of {@link #col2imRows} for a stride-1 window, t = i kw + j: one per kernel position,
     * {@code {rel, lo, hi}} such that x's row ih of a channel receives
     * {@code col[base + ih OW + rel[t] + iw]} for {@code lo[t] <= iw < hi[t]} (base: the channel's
     * first row of col) whenever kernel row i reaches ih.
     */
    static int[][] col2imTerms(int w, Window win, int oh, int ow) {
        int kh = win.kh(), kw = win.kw(), p = oh * ow;
        int[] rel = new int[kh * kw], lo = new int[kh * kw], hi = new int[kh * kw];
        for (int i = 0; i < kh; i++) {
            for (int j = 0; j < kw; j++) {
                // a clamped to the row: a tap in the padding for every output column covers nothing
                int t = i * kw + j, off = j * win.dw() - win.pl(), a = Math.min(ow, lo(off, 1)), b = hi(off, 1, w, ow, a);
                rel[t] = t * p + (win.pt() - i * win.dh()) * ow - off;
                lo[t] = off + a;
                hi[t] = off + b;
            }
        }
        return new int[][] {rel, lo, hi};
    }

    /**
     * The adjoint of {@link #im2col} for stride 1, as a gather: each row of x (overwritten) is the
     * sum of the col segments that land on it, in the order of col's rows, so the same bits as
     * {@link #col2im} on a cleared x. One backend {@code gatherRow} per row of x.
     */
    static void col2imRows(KernelsF64 k, double[] col, int co, int c0, int h, int w, Window win, int oh, int ow,
                           int[][] terms, double[] x, int xo) {
        int kh = win.kh(), kw = win.kw(), p = oh * ow, dh = win.dh(), pt = win.pt();
        for (int c = 0; c < c0; c++) {
            int base = co + c * kh * kw * p;
            for (int ih = 0; ih < h; ih++) {
                // Kernel row i reaches ih when the output row ih + pt - i dh exists: a run of i.
                int i0 = 0, i1 = kh;
                while (i0 < kh && ih + pt - i0 * dh >= oh) i0++;
                while (i1 > i0 && ih + pt - (i1 - 1) * dh < 0) i1--;
                k.gatherRow(w, i0 * kw, i1 * kw, col, base + ih * ow, terms[0], terms[1], terms[2], x, xo + (c * h + ih) * w);
            }
        }
    }

    /**
     * The zero-padded copy of x's channels [c0, c0 + cn) of one sample that the direct paths read
     * in place of im2col: {@code xp[c, y, q]} (Hp = h + pt + pb rows of Wp = w + pl + pr) at
     * {@code xp[xpo + (c * Hp + y) * Wp + q]}.
     */
    static void pad(KernelsF64 k, double[] x, int xo, int cn, int h, int w, Window win, double[] xp, int xpo) {
        int hp = h + win.pt() + win.pb(), wp = w + win.pl() + win.pr();
        k.fill(cn * hp * wp, 0, xp, xpo, 1);
        for (int c = 0; c < cn; c++) {
            k.copyRows(h, w, x, xo + c * h * w, w, xp, xpo + (c * hp + win.pt()) * wp + win.pl(), wp, false);
        }
    }

    /** Elements of {@link #pad}'s copy of cn channels. */
    static int paddedSize(int cn, int h, int w, Window win) {
        return cn * (h + win.pt() + win.pb()) * (w + win.pl() + win.pr());
    }

    /**
     * Offsets in {@link #pad}'s copy of the im2col rows l = (c i + i) kw + j: where the window
     * position (0, 0) of tap (c, i, j) reads; row l of the im2col matrix at output row y is the
     * run starting at {@code offsets[l] + y sh Wp}.
     */
    static int[] windowOffsets(int cn, int h, int w, Window win) {
        int hp = h + win.pt() + win.pb(), wp = w + win.pl() + win.pr(), taps = win.kh() * win.kw();
        int[] off = new int[cn * taps];
        for (int c = 0, l = 0; c < cn; c++) {
            for (int i = 0; i < win.kh(); i++) {
                for (int j = 0; j < win.kw(); j++, l++) off[l] = (c * hp + i * win.dh()) * wp + j * win.dw();
            }
        }
        return off;
    }

    /**
     * {@code out[n, o] = b[o] + sum_{c, i, j} w[o, c, i, j] x[n, g Cg + c, ...]}: x [N, C, H, W], w [O,
     * C/groups, kh, kw], b [O] or null, col a workspace of whole samples' im2col matrices (null for
     * a pointwise window). With {@code inPlace} (and {@link #forwardInPlace}) the im2col matrix is
     * never built: each sample's padded channels are copied into col and the backend's
     * {@code gemmShifted} reads its rows where they lie, same bits.
     */
    static Instruction forward(KernelsF64 k, Tensor x, Tensor w, Tensor b, Tensor out, Tensor col, Window win, int groups,
                               boolean inPlace) {
        int[] xd = nchw(x), od = nchw(out);
        int n = xd[0], c = xd[1], h = xd[2], wd = xd[3], o = od[1], oh = od[2], ow = od[3];
        int cg = c / groups, og = o / groups, kk = cg * win.kh() * win.kw(), p = oh * ow, hw = h * wd;
        boolean direct = win.pointwise();
        int chunk = direct ? Math.max(n, 1) : col.size() / Math.max(kk * p, 1);
        double[] xa = (double[]) x.data(), wa = (double[]) w.data(), oa = (double[]) out.data();
        double[] ba = b == null ? null : (double[]) b.data(), ca = direct ? null : (double[]) col.data();
        int xo = x.offset(), wo = w.offset(), oo = out.offset(), bo = b == null ? 0 : b.offset(), co = direct ? 0 : col.offset();
        double beta = b == null ? 0 : 1;
        boolean shifted = inPlace && !direct && forwardInPlace(c, og, p, win, groups) && col.size() >= paddedSize(cg, h, wd, win);
        int[] rows = shifted ? windowOffsets(cg, h, wd, win) : null;
        int step = win.sh() * (wd + win.pl() + win.pr()), kc = CanonicalGemmF64.KC;
        return m -> {
            if (ba != null) {
                for (int s = 0; s < n; s++) for (int q = 0; q < o; q++) k.fill(p, ba[bo + q], oa, oo + (s * o + q) * p, 1);
            }
            if (shifted) {
                for (int s = 0; s < n; s++) {
                    for (int g = 0; g < groups; g++) {
                        pad(k, xa, xo + (s * c + g * cg) * hw, cg, h, wd, win, ca, co);
                        // gemm's K blocks: the first adds to C by beta, the later ones by 1.
                        for (int l0 = 0; l0 < kk; l0 += kc) {
                            k.gemmShifted(oh, og, ow, Math.min(kc, kk - l0), 1, wa, wo + g * og * kk + l0, kk, 1,
                                    ca, co, step, rows, l0, l0 == 0 ? beta : 1, oa, oo + (s * o + g * og) * p, ow, p);
                        }
                    }
                }
                return;
            }
            for (int n0 = 0; n0 < n; n0 += chunk) {
                int nc = Math.min(chunk, n - n0);
                for (int g = 0; g < groups; g++) {
                    int xg = xo + (n0 * c + g * cg) * hw;
                    if (!direct) for (int s = 0; s < nc; s++) im2col(k, xa, xg + s * c * hw, cg, h, wd, win, oh, ow, ca, co + s * kk * p);
                    k.gemm(nc, og, p, kk, 1, wa, wo + g * og * kk, 0, kk, 1,
                            direct ? xa : ca, direct ? xg : co, direct ? c * hw : kk * p, p, 1,
                            beta, oa, oo + (n0 * o + g * og) * p, o * p, p, 1);
                }
            }
        };
    }

    /**
     * Whether {@link #forward} and {@link #kernelGrad} may read the padded input in place of im2col:
     * a window sliding by 1 along W (im2col's rows are then runs of the padded input), and GEMMs
     * that take gemm's chain order (the only order the in-place kernels compute).
     */
    static boolean forwardInPlace(int c, int og, int p, Window win, int groups) {
        int kk = c / groups * win.kh() * win.kw();
        return !win.pointwise() && win.sw() == 1 && !CanonicalGemmF64.splitK(og, p, kk, 1, p)
                && !CanonicalGemmF64.splitK(kk, og, p, 1, 1);
    }

    /**
     * Whether {@link #inputGrad} may skip col: stride 1 (the gather form), a K sum over the output
     * channels of one gemm block, and the chain order. Then the backend's {@code gemmTaps} sums
     * each kernel tap's product {@code W_t^T gy} over the rows of dx it reaches, in the gather's
     * order of taps, and writes dx once.
     */
    static boolean inputGradInPlace(int c, int og, int p, Window win, int groups) {
        int kk = c / groups * win.kh() * win.kw();
        return !win.pointwise() && win.sh() == 1 && win.sw() == 1 && og <= CanonicalGemmF64.KC
                && !CanonicalGemmF64.splitK(kk, p, og, kk, p);
    }

    /** {@code dx = conv^T(gy, w)}: the gradient of the input, x's shape [N, C, H, W] from gy [N, O, OH, OW]. */
    static Instruction inputGrad(KernelsF64 k, Tensor gy, Tensor w, Tensor dx, Tensor col, Window win, int groups,
                                 boolean inPlace) {
        int[] xd = nchw(dx), od = nchw(gy);
        int n = xd[0], c = xd[1], h = xd[2], wd = xd[3], o = od[1], oh = od[2], ow = od[3];
        int cg = c / groups, og = o / groups, kk = cg * win.kh() * win.kw(), p = oh * ow, hw = h * wd;
        boolean direct = win.pointwise();
        int chunk = direct ? Math.max(n, 1) : col.size() / Math.max(kk * p, 1);
        double[] ga = (double[]) gy.data(), wa = (double[]) w.data(), xa = (double[]) dx.data();
        double[] ca = direct ? null : (double[]) col.data();
        int go = gy.offset(), wo = w.offset(), xo = dx.offset(), co = direct ? 0 : col.offset(), size = dx.size();
        boolean gather = !direct && win.sh() == 1 && win.sw() == 1;
        int[][] terms = gather ? col2imTerms(wd, win, oh, ow) : null;
        boolean taps = inPlace && inputGradInPlace(c, og, p, win, groups);
        int kh = win.kh(), kw = win.kw();
        // Tap t = (i, j) adds W_t^T gy, read at gy's row ih + pt - i dh and column iw - off, into the
        // rows ih of x whose output row exists and the columns [lo, hi) of its gather term.
        int[] bTap = new int[kh * kw], rowLo = new int[kh * kw], rowHi = new int[kh * kw];
        int[] colLo = new int[kh * kw], colHi = new int[kh * kw];
        for (int i = 0; i < kh && taps; i++) {
            for (int j = 0; j < kw; j++) {
                int t = i * kw + j;
                bTap[t] = (win.pt() - i * win.dh()) * ow - (j * win.dw() - win.pl());
                rowLo[t] = Math.max(0, i * win.dh() - win.pt());
                rowHi[t] = Math.min(h, oh + i * win.dh() - win.pt());
                colLo[t] = Math.max(terms[1][t], 0);
                colHi[t] = Math.min(terms[2][t], wd);
            }
        }
        return m -> {
            if (taps) {
                for (int s = 0; s < n; s++) {
                    for (int g = 0; g < groups; g++) {
                        k.gemmTaps(h, cg, wd, og, kh * kw, wa, wo + g * og * kk, 1, kh * kw, kk,
                                ga, go + (s * o + g * og) * p, ow, p, bTap, rowLo, rowHi, colLo, colHi,
                                xa, xo + (s * c + g * cg) * hw, wd, hw);
                    }
                }
                return;
            }
            if (!direct && !gather) k.fill(size, 0, xa, xo, 1);
            for (int n0 = 0; n0 < n; n0 += chunk) {
                int nc = Math.min(chunk, n - n0);
                for (int g = 0; g < groups; g++) {
                    int xg = xo + (n0 * c + g * cg) * hw;
                    // W_g^T (kk x og) times gy[n, g] (og x p): the transpose is a swap of W's strides.
                    k.gemm(nc, kk, p, og, 1, wa, wo + g * og * kk, 0, 1, kk,
                            ga, go + (n0 * o + g * og) * p, o * p, p, 1,
                            0, direct ? xa : ca, direct ? xg : co, direct ? c * hw : kk * p, p, 1);
                    for (int s = 0; s < nc && !direct; s++) {
                        if (gather) col2imRows(k, ca, co + s * kk * p, cg, h, wd, win, oh, ow, terms, xa, xg + s * c * hw);
                        else col2im(k, ca, co + s * kk * p, cg, h, wd, win, oh, ow, xa, xg + s * c * hw);
                    }
                }
            }
        };
    }

    /** {@code dw[o] = sum_n gy[n, o] col(x[n])^T}: the gradient of the kernels, [O, C/groups, kh, kw]. */
    static Instruction kernelGrad(KernelsF64 k, Tensor x, Tensor gy, Tensor dw, Tensor col, Window win, int groups,
                                  boolean inPlace) {
        int[] xd = nchw(x), od = nchw(gy);
        int n = xd[0], c = xd[1], h = xd[2], wd = xd[3], o = od[1], oh = od[2], ow = od[3];
        int cg = c / groups, og = o / groups, kk = cg * win.kh() * win.kw(), p = oh * ow, hw = h * wd;
        boolean direct = win.pointwise();
        int chunk = direct ? Math.max(n, 1) : col.size() / Math.max(kk * p, 1);
        double[] xa = (double[]) x.data(), ga = (double[]) gy.data(), da = (double[]) dw.data();
        double[] ca = direct ? null : (double[]) col.data();
        int xo = x.offset(), go = gy.offset(), wo = dw.offset(), co = direct ? 0 : col.offset(), size = dw.size();
        boolean windows = inPlace && !direct && forwardInPlace(c, og, p, win, groups) && col.size() >= paddedSize(cg, h, wd, win);
        int[] rows = windows ? windowOffsets(cg, h, wd, win) : null;
        int step = win.sh() * (wd + win.pl() + win.pr()), kc = CanonicalGemmF64.KC;
        return m -> {
            if (n == 0) k.fill(size, 0, da, wo, 1);
            if (windows) {
                for (int s = 0; s < n; s++) {
                    for (int g = 0; g < groups; g++) {
                        pad(k, xa, xo + (s * c + g * cg) * hw, cg, h, wd, win, ca, co);
                        // dw_g^T (kk x og) += windows of x (kk x p) times gy[n, g]^T, in gemm's K blocks of p.
                        for (int p0 = 0; p0 < p; p0 += kc) {
                            k.gemmWindows(kk, og, p0, Math.min(p, p0 + kc), ow, 1, ca, co, rows, 0, step,
                                    ga, go + (s * o + g * og) * p, 1, p, s == 0 && p0 == 0 ? 0 : 1, da, wo + g * og * kk, 1, kk);
                        }
                    }
                }
                return;
            }
            for (int n0 = 0; n0 < n; n0 += chunk) {
                int nc = Math.min(chunk, n - n0);
                for (int g = 0; g < groups; g++) {
                    int xg = xo + (n0 * c + g * cg) * hw;
                    if (!direct) for (int s = 0; s < nc; s++) im2col(k, xa, xg + s * c * hw, cg, h, wd, win, oh, ow, ca, co + s * kk * p);
                    for (int s = 0; s < nc; s++) {
                        // dw_g^T (kk x og) += col (kk x p) times gy[n, g]^T (p x og), samples summed in a fixed order
                        // by beta = 1. Row-major A rather than gy col^T, whose B operand (the transposed im2col
                        // matrix) the SIMD GEMM would pack through a stride of p.
                        k.gemm(1, kk, og, p, 1, direct ? xa : ca, direct ? xg + s * c * hw : co + s * kk * p, 0, p, 1,
                                ga, go + ((n0 + s) * o + g * og) * p, 0, 1, p,
                                n0 + s == 0 ? 0 : 1, da, wo + g * og * kk, 0, 1, kk);
                    }
                }
            }
        };
    }

    /** The flat index in its (H, W) plane of the first maximum of x's window at (y, q), padding excluded. */
    private static int argmax(double[] x, int plane, int h, int w, Window win, int y, int q) {
        int best = -1;
        double v = 0;
        for (int i = 0; i < win.kh(); i++) {
            int ih = y * win.sh() - win.pt() + i * win.dh();
            if (ih < 0 || ih >= h) continue;
            for (int j = 0; j < win.kw(); j++) {
                int iw = q * win.sw() - win.pl() + j * win.dw();
                if (iw < 0 || iw >= w) continue;
                double e = x[plane + ih * w + iw];
                if (best < 0 || e > v || e != e && v == v) {
                    best = ih * w + iw;
                    v = e;
                }
            }
        }
        return best;
    }

    /**
     * Max pooling and its two linear companions over planes of x [N, C, H, W] (the window never
     * lies wholly in padding: the op checks padding <= kernel / 2). mode 0: {@code out = max};
     * mode 1 (gradient, out shaped like x): {@code out[argmax] += g}; mode 2 (pick, out pooled):
     * {@code out = g[argmax]}. The first maximum wins a tie; a NaN wins over numbers.
     */
    static Instruction maxPool(int mode, Tensor x, Tensor g, Tensor out, Window win) {
        int[] xd = nchw(x);
        int planes = xd[0] * xd[1], h = xd[2], w = xd[3], oh = win.outH(h), ow = win.outW(w);
        double[] xa = (double[]) x.data(), oa = (double[]) out.data(), ga = g == null ? null : (double[]) g.data();
        int xo = x.offset(), oo = out.offset(), go = g == null ? 0 : g.offset(), size = out.size();
        return m -> {
            if (mode == 1) java.util.Arrays.fill(oa, oo, oo + size, 0);
            for (int pl = 0; pl < planes; pl++) {
                int xp = xo + pl * h * w, pp = pl * oh * ow;
                for (int y = 0; y < oh; y++) {
                    for (int q = 0; q < ow; q++) {
                        int at = argmax(xa, xp, h, w, win, y, q), r = pp + y * ow + q;
                        switch (mode) {
                            case 0 -> oa[oo + r] = xa[xp + at];
                            case 1 -> oa[oo + pl * h * w + at] += ga[go + r];
                            default -> oa[oo + r] = ga[go + pl * h * w + at];
                        }
                    }
                }
            }
        };
    }

    /**
     * Average pooling (padding counts as zeros, divisor kh kw: PyTorch's default) over planes of
     * x [N, C, H, W] into out, or, when {@code back}, its adjoint: {@code x} is then the pooled
     * gradient and {@code out} (shaped like the input) receives each window's share.
     */
    static Instruction avgPool(boolean back, Tensor x, Tensor out, Window win) {
        Tensor big = back ? out : x;
        int[] bd = nchw(big);
        int planes = bd[0] * bd[1], h = bd[2], w = bd[3], oh = win.outH(h), ow = win.outW(w);
        double scale = (double) (1.0 / (win.kh() * win.kw()));
        double[] xa = (double[]) x.data(), oa = (double[]) out.data();
        int xo = x.offset(), oo = out.offset(), size = out.size();
        return m -> {
            if (back) java.util.Arrays.fill(oa, oo, oo + size, 0);
            for (int pl = 0; pl < planes; pl++) {
                int bp = pl * h * w, pp = pl * oh * ow;
                for (int y = 0; y < oh; y++) {
                    for (int q = 0; q < ow; q++) {
                        int r = pp + y * ow + q;
                        double s = back ? xa[xo + r] * scale : 0;
                        for (int i = 0; i < win.kh(); i++) {
                            int ih = y * win.sh() - win.pt() + i * win.dh();
                            if (ih < 0 || ih >= h) continue;
                            for (int j = 0; j < win.kw(); j++) {
                                int iw = q * win.sw() - win.pl() + j * win.dw();
                                if (iw < 0 || iw >= w) continue;
                                if (back) oa[oo + bp + ih * w + iw] += s;
                                else s += xa[xo + bp + ih * w + iw];
                            }
                        }
                        if (!back) oa[oo + r] = s * scale;
                    }
                }
            }
        };
    }
}
