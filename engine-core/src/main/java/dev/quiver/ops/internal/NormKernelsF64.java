package dev.quiver.ops.internal;

import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.KernelsF64;
import dev.quiver.kernel.ReduceOp;
import dev.quiver.ops.Op.Instruction;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

/**
 * Fused normalisation loops on contiguous float64 data: layer and RMS normalisation over rows of
 * length d, batch normalisation over the channels of an [n, c, s] block. This file is the source
 * of truth; {@code NormKernelsF32} is generated from it by {@code tools/twins}.
 *
 * <p>Why fused and not composed from backend primitives: a row is read once into L1 and every
 * statistic and the output come from it there (the composed form streams the whole tensor through
 * memory five or six times and keeps four intermediates alive). The loops are the same Java on
 * every backend, so both backends give the same bits. The row (and channel) sums are the
 * backend's canonical reductions ({@code KernelsF64.reduce}: vectorised on the SIMD backend, the
 * same order and bits everywhere) and the elementwise steps its binary and axpby kernels.
 * Nothing here allocates. Arrays must not overlap unless a method says so.
 */
final class NormKernelsF64 {
    private NormKernelsF64() {}

    /** These loops behind the dtype-erased {@link NormKernels}, on the backend's float64 kernels. */
    static final NormKernels VIEW = new NormKernels() {
        private static KernelsF64 k(TensorMath math) {
            return (KernelsF64) math.kernels(DType.F64, "normalisation").typed();
        }

        private static double[] data(Tensor t) {
            return t == null ? null : (double[]) t.data();
        }

        private static int offset(Tensor t) {
            return t == null ? 0 : t.offset();
        }

        @Override
        public Instruction layerNorm(TensorMath math, int rows, int d, Tensor x, Tensor gamma, Tensor beta, double/*erased*/ eps,
                                     boolean rms, Tensor out) {
            KernelsF64 k = k(math);
            double[] sc = new double[1];   // the kernels' broadcast scalar, allocated once here
            double[] xa = data(x), ga = data(gamma), ba = data(beta), ya = data(out);
            int xo = x.offset(), go = offset(gamma), bo = offset(beta), yo = out.offset();
            double e = (double) eps;
            return m -> NormKernelsF64.layerNorm(k, rows, d, xa, xo, ga, go, ba, bo, e, rms, sc, ya, yo);
        }

        @Override
        public Instruction layerNormGrad(TensorMath math, int rows, int d, Tensor x, Tensor gamma, Tensor g, int gRow,
                                         double/*erased*/ eps, boolean rms, Tensor c, Tensor out) {
            KernelsF64 k = k(math);
            double[] sc = new double[1];
            double[] xa = data(x), ga = data(gamma), gr = data(g), ca = data(c), oa = data(out);
            int xo = x.offset(), go = offset(gamma), gOff = g.offset(), co = c.offset(), oo = out.offset();
            double e = (double) eps;
            return m -> NormKernelsF64.layerNormGrad(k, rows, d, xa, xo, ga, go, gr, gOff, gRow, e, rms, ca, co, sc, oa, oo);
        }

        @Override
        public Instruction layerNormParamGrad(TensorMath math, int rows, int d, Tensor x, Tensor g, int gRow, double/*erased*/ eps,
                                              boolean rms, Tensor c, Tensor out) {
            KernelsF64 k = k(math);
            double[] sc = new double[1];
            double[] xa = data(x), gr = data(g), ca = data(c), oa = data(out);
            int xo = x.offset(), gOff = g.offset(), co = c.offset(), oo = out.offset();
            double e = (double) eps;
            return m -> NormKernelsF64.layerNormParamGrad(k, rows, d, xa, xo, gr, gOff, gRow, e, rms, ca, co, sc, oa, oo);
        }

        @Override
        public Instruction batchNorm(TensorMath math, int n, int c, int s, Tensor x, Tensor gamma, Tensor beta, double/*erased*/ eps,
                                     boolean train, double/*erased*/ momentum, Tensor runningMean, Tensor runningVar, Tensor out) {
            KernelsF64 k = k(math);
            double[] st = new double[2];   // the kernels' scalars, allocated once here
            double[] xa = data(x), ga = data(gamma), ba = data(beta), rma = data(runningMean), rva = data(runningVar), ya = data(out);
            int xo = x.offset(), go = gamma.offset(), bo = beta.offset(), rmo = runningMean.offset(), rvo = runningVar.offset();
            int yo = out.offset();
            double e = (double) eps, mom = (double) momentum;
            return m -> NormKernelsF64.batchNorm(k, n, c, s, xa, xo, ga, go, ba, bo, e, train, mom, rma, rmo, rva, rvo, st, ya, yo);
        }

        @Override
        public Instruction batchNormGrad(TensorMath math, int n, int c, int s, Tensor x, Tensor gamma, Tensor g, double/*erased*/ eps,
                                         Tensor out) {
            KernelsF64 k = k(math);
            double[] st = new double[2];
            double[] xa = data(x), ga = data(gamma), gr = data(g), oa = data(out);
            int xo = x.offset(), go = gamma.offset(), gOff = g.offset(), oo = out.offset();
            double e = (double) eps;
            return m -> NormKernelsF64.batchNormGrad(k, n, c, s, xa, xo, ga, go, gr, gOff, e, st, oa, oo);
        }

        @Override
        public Instruction batchNormParamGrad(TensorMath math, int n, int c, int s, Tensor x, Tensor g, double/*erased*/ eps, Tensor w,
                                              Tensor out) {
            KernelsF64 k = k(math);
            double[] st = new double[2];
            double[] xa = data(x), gr = data(g), wa = data(w), oa = data(out);
            int xo = x.offset(), gOff = g.offset(), wo = w.offset(), oo = out.offset();
            double e = (double) eps;
            return m -> NormKernelsF64.batchNormParamGrad(k, n, c, s, xa, xo, gr, gOff, e, wa, wo, st, oa, oo);
        }
    };

    /*
     * Layer and RMS normalisation run on the backend's kernels: row sums are its canonical
     * reductions (KernelsF64.reduce), elementwise steps its binary and axpby kernels (one IEEE
     * operation per element, so every backend gives the same bits). Plain Java loops would not do:
     * C2 does not vectorise a loop over rows of two arrays at different offsets (it cannot rule out
     * that they overlap), and the old scalar row sums were most of the time. {@code s} is a
     * one-element scratch array holding the scalar a broadcast step reads (stride 0).
     */

    /**
     * Writes {@code c = x - mean} for the row and returns {@code 1 / sqrt(Σ c² / d + eps)}, the sum
     * of squares the backend's canonical reduction. c may be x itself.
     */
    private static double centre(KernelsF64 k, int d, double[] x, int xr, double mean, double eps, double[] s, double[] c, int cr) {
        s[0] = mean;
        k.binary(BinaryOp.SUB, d, x, xr, 1, s, 0, 0, c, cr, 1, false);
        double var = d == 0 ? (double) 0 : k.reduce(ReduceOp.SUM_SQUARES, d, c, cr, 1) / d;
        return (double) (1 / Math.sqrt(var + eps));
    }

    /** The row's mean by the backend's canonical sum (0 for RMS normalisation, which does not centre). */
    private static double mean(KernelsF64 k, double[] x, int o, int d, boolean rms) {
        return rms || d == 0 ? (double) 0 : k.reduce(ReduceOp.SUM, d, x, o, 1) / d;
    }

    /**
     * {@code y[r, j] = (x[r, j] - mean_r) * rstd_r * gamma[j] + beta[j]} for r in [0, rows), with
     * mean_r = 0 when rms; gamma and beta may be null (1 and 0). y may be x itself. {@code s}: one
     * element of scratch.
     */
    static void layerNorm(KernelsF64 k, int rows, int d, double[] x, int xo, double[] gamma, int go, double[] beta, int bo,
                          double eps, boolean rms, double[] s, double[] y, int yo) {
        for (int r = 0; r < rows; r++) {
            int xr = xo + r * d, yr = yo + r * d;
            double mean = mean(k, x, xr, d, rms);
            double rstd = centre(k, d, x, xr, mean, eps, s, y, yr);
            k.axpby(d, rstd, y, yr, 1, 0, y, yr, 1);
            if (gamma != null) k.binary(BinaryOp.MUL, d, y, yr, 1, gamma, go, 1, y, yr, 1, false);
            if (beta != null) k.binary(BinaryOp.ADD, d, y, yr, 1, beta, bo, 1, y, yr, 1, false);
        }
    }

    /**
     * The input gradient of {@link #layerNorm}: with xh = (x - mean) * rstd and h = g * gamma,
     * {@code dx = rstd * (h - mean(h) - xh * mean(h * xh))}; for RMS normalisation the mean(h)
     * term is absent. gamma may be null. Row r of g starts at {@code gOff + r * gRow} ({@code gRow} 0:
     * every row of g is the same, e.g. the broadcast gradient of a sum). {@code c}: d elements of
     * scratch (h); {@code s}: one. The dx row is scratch too until its last step.
     */
    static void layerNormGrad(KernelsF64 k, int rows, int d, double[] x, int xo, double[] gamma, int go, double[] g, int gOff, int gRow,
                              double eps, boolean rms, double[] c, int co, double[] s, double[] dx, int dxo) {
        for (int r = 0; r < rows; r++) {
            int xr = xo + r * d, gr = gOff + r * gRow, dr = dxo + r * d;
            double mean = mean(k, x, xr, d, rms);
            double rstd = centre(k, d, x, xr, mean, eps, s, dx, dr);
            k.axpby(d, rstd, dx, dr, 1, 0, dx, dr, 1);                                      // dx = xh
            // c = h = g * gamma
            if (gamma == null) System.arraycopy(g, gr, c, co, d);
            else k.binary(BinaryOp.MUL, d, g, gr, 1, gamma, go, 1, c, co, 1, false);
            double mh = rms || d == 0 ? (double) 0 : k.reduce(ReduceOp.SUM, d, c, co, 1) / d;
            // mean(h xh): the product built in dx, summed, then dx rebuilt as xh * mean(h xh)
            k.binary(BinaryOp.MUL, d, dx, dr, 1, c, co, 1, dx, dr, 1, false);
            double mhx = d == 0 ? (double) 0 : k.reduce(ReduceOp.SUM, d, dx, dr, 1) / d;
            s[0] = mean;
            k.binary(BinaryOp.SUB, d, x, xr, 1, s, 0, 0, dx, dr, 1, false);                 // x - mean
            k.axpby(d, rstd, dx, dr, 1, 0, dx, dr, 1);                                      // xh
            k.axpby(d, mhx, dx, dr, 1, 0, dx, dr, 1);                                       // xh * mean(h xh)
            s[0] = mh;
            k.binary(BinaryOp.SUB, d, c, co, 1, s, 0, 0, c, co, 1, false);                  // h - mean(h)
            k.binary(BinaryOp.SUB, d, c, co, 1, dx, dr, 1, dx, dr, 1, false);               // h - mean(h) - xh mean(h xh)
            k.axpby(d, rstd, dx, dr, 1, 0, dx, dr, 1);
        }
    }

    /**
     * The parameter gradients of {@link #layerNorm}, summed over rows in order:
     * {@code out[j] = Σ_r g[r, j] xh[r, j]} (dgamma) and {@code out[d + j] = Σ_r g[r, j]} (dbeta); row
     * r of g starts at {@code gOff + r * gRow}. {@code c}: d elements of scratch (xh); {@code s}: one.
     */
    static void layerNormParamGrad(KernelsF64 k, int rows, int d, double[] x, int xo, double[] g, int gOff, int gRow, double eps, boolean rms,
                                   double[] c, int co, double[] s, double[] out, int oo) {
        k.fill(2 * d, 0, out, oo, 1);
        int bo = oo + d;
        for (int r = 0; r < rows; r++) {
            int xr = xo + r * d, gr = gOff + r * gRow;
            double mean = mean(k, x, xr, d, rms);
            double rstd = centre(k, d, x, xr, mean, eps, s, c, co);
            k.axpby(d, rstd, c, co, 1, 0, c, co, 1);                                        // xh
            k.binary(BinaryOp.MUL, d, g, gr, 1, c, co, 1, out, oo, 1, true);                // dgamma += g xh
            k.binary(BinaryOp.ADD, d, out, bo, 1, g, gr, 1, out, bo, 1, false);             // dbeta += g
        }
    }

    // ------------------------------------------------------------------ batch normalisation, [n, c, s] blocks

    /*
     * Batch normalisation runs on the backend's kernels as layer normalisation does: a channel is n
     * runs of s contiguous elements, each run summed by the canonical reduction and the runs' sums
     * added in batch order, so the statistics have the same bits on every backend. Every method takes
     * a scratch run per batch row for the centred values: row b's run at {@code wo + b * wRow}
     * ({@code wRow} 0: one run reused).
     */

    /** Σ over the n·s elements of channel ch: the runs' canonical sums, added in batch order. */
    private static double channelSum(KernelsF64 k, int n, int c, int s, double[] x, int xo, int ch) {
        double t = 0;
        for (int b = 0; b < n; b++) t += k.reduce(ReduceOp.SUM, s, x, xo + (b * c + ch) * s, 1);
        return t;
    }

    /**
     * The channel's training statistics: returns its mean and writes its biased variance to
     * {@code st[1]}; the centred runs x - mean are left in the scratch runs. {@code st[0]} is the
     * broadcast scalar.
     */
    private static double channelStats(KernelsF64 k, int n, int c, int s, double[] x, int xo, int ch,
                                       double[] w, int wo, int wRow, double[] st) {
        int count = n * s;
        double mean = count == 0 ? (double) 0 : channelSum(k, n, c, s, x, xo, ch) / count;
        st[0] = mean;
        double ss = 0;
        for (int b = 0; b < n; b++) {
            int wr = wo + b * wRow;
            k.binary(BinaryOp.SUB, s, x, xo + (b * c + ch) * s, 1, st, 0, 0, w, wr, 1, false);
            ss += k.reduce(ReduceOp.SUM_SQUARES, s, w, wr, 1);
        }
        st[1] = count == 0 ? (double) 0 : ss / count;
        return mean;
    }

    /**
     * Batch normalisation of x [n, c, s] per channel: in training ({@code train}) with the batch's
     * mean and biased variance, then {@code running = (1 - momentum) running + momentum batch}
     * (the variance unbiased, n·s / (n·s - 1), as PyTorch); in evaluation with the running mean and
     * variance (not modified). {@code y = (x - mean) rstd gamma[ch] + beta[ch]}. y may be x itself.
     * {@code st}: two elements of scratch.
     */
    static void batchNorm(KernelsF64 k, int n, int c, int s, double[] x, int xo, double[] gamma, int go, double[] beta, int bo,
                          double eps, boolean train, double momentum, double[] runMean, int rmo, double[] runVar, int rvo,
                          double[] st, double[] y, int yo) {
        int count = n * s;
        for (int ch = 0; ch < c; ch++) {
            double mean, var;
            if (train) {
                // the centred runs land in y, where the output is then built from them
                mean = channelStats(k, n, c, s, x, xo, ch, y, yo + ch * s, c * s, st);
                var = st[1];
                double unbiased = count > 1 ? var * count / (count - 1) : var;
                runMean[rmo + ch] = (1 - momentum) * runMean[rmo + ch] + momentum * mean;
                runVar[rvo + ch] = (1 - momentum) * runVar[rvo + ch] + momentum * unbiased;
            } else {
                mean = runMean[rmo + ch];
                var = runVar[rvo + ch];
                st[0] = mean;
                for (int b = 0; b < n; b++) {
                    int row = (b * c + ch) * s;
                    k.binary(BinaryOp.SUB, s, x, xo + row, 1, st, 0, 0, y, yo + row, 1, false);
                }
            }
            double scale = (double) (1 / Math.sqrt(var + eps)) * gamma[go + ch];
            st[0] = beta[bo + ch];
            for (int b = 0; b < n; b++) {
                int yr = yo + (b * c + ch) * s;
                k.axpby(s, scale, y, yr, 1, 0, y, yr, 1);
                k.binary(BinaryOp.ADD, s, y, yr, 1, st, 0, 0, y, yr, 1, false);
            }
        }
    }

    /**
     * The input gradient of {@link #batchNorm} in training, with the batch's statistics: with xh the
     * batch-normalised x and M = n·s, {@code dx = gamma rstd (g - Σg / M - xh Σ(g xh) / M)}. (In
     * evaluation the running statistics are constants and dx = gamma rstd g, which the derivative
     * rule builds in primitives.) The dx runs are scratch until their last step; {@code st}: two
     * elements of scratch.
     */
    static void batchNormGrad(KernelsF64 k, int n, int c, int s, double[] x, int xo, double[] gamma, int go, double[] g, int gOff,
                              double eps, double[] st, double[] dx, int dxo) {
        int count = n * s;
        for (int ch = 0; ch < c; ch++) {
            double mean = channelStats(k, n, c, s, x, xo, ch, dx, dxo + ch * s, c * s, st);
            double rstd = (double) (1 / Math.sqrt(st[1] + eps));
            double mg = channelSum(k, n, c, s, g, gOff, ch) / count;
            // mean(g xh) = rstd Σ g (x - mean) / M: the products built on the centred runs in dx, then dx rebuilt from x
            double sgx = 0;
            for (int b = 0; b < n; b++) {
                int row = (b * c + ch) * s, dr = dxo + row;
                k.binary(BinaryOp.MUL, s, dx, dr, 1, g, gOff + row, 1, dx, dr, 1, false);
                sgx += k.reduce(ReduceOp.SUM, s, dx, dr, 1);
            }
            double mgx = rstd * sgx / count;
            double a = gamma[go + ch] * rstd, b1 = -rstd * mgx;
            for (int b = 0; b < n; b++) {
                int row = (b * c + ch) * s, dr = dxo + row;
                st[0] = mean;
                k.binary(BinaryOp.SUB, s, x, xo + row, 1, st, 0, 0, dx, dr, 1, false);           // x - mean
                k.axpby(s, 1, g, gOff + row, 1, b1, dx, dr, 1);                                // g - xh mean(g xh)
                st[0] = mg;
                k.binary(BinaryOp.SUB, s, dx, dr, 1, st, 0, 0, dx, dr, 1, false);              // - mean(g)
                k.axpby(s, a, dx, dr, 1, 0, dx, dr, 1);
            }
        }
    }

    /**
     * {@code Σ g (x - mean)} over channel ch: each run's products written to its scratch run and
     * summed by the canonical reduction, the runs' sums added in batch order.
     */
    private static double centredDot(KernelsF64 k, int n, int c, int s, double[] x, int xo, int ch, double mean,
                                     double[] g, int gOff, double[] w, int wo, int wRow, double[] st) {
        st[0] = mean;
        double t = 0;
        for (int b = 0; b < n; b++) {
            int row = (b * c + ch) * s, wr = wo + b * wRow;
            k.binary(BinaryOp.SUB, s, x, xo + row, 1, st, 0, 0, w, wr, 1, false);
            k.binary(BinaryOp.MUL, s, w, wr, 1, g, gOff + row, 1, w, wr, 1, false);
            t += k.reduce(ReduceOp.SUM, s, w, wr, 1);
        }
        return t;
    }

    /**
     * {@code out[ch] = Σ g xh} (dgamma) and {@code out[c + ch] = Σ g} (dbeta), xh with the batch's
     * statistics (training). {@code w}: s elements of scratch; {@code st}: two.
     */
    static void batchNormParamGrad(KernelsF64 k, int n, int c, int s, double[] x, int xo, double[] g, int gOff, double eps,
                                   double[] w, int wo, double[] st, double[] out, int oo) {
        for (int ch = 0; ch < c; ch++) {
            double mean = channelStats(k, n, c, s, x, xo, ch, w, wo, 0, st);
            double rstd = (double) (1 / Math.sqrt(st[1] + eps));
            out[oo + ch] = rstd * centredDot(k, n, c, s, x, xo, ch, mean, g, gOff, w, wo, 0, st);
            out[oo + c + ch] = channelSum(k, n, c, s, g, gOff, ch);
        }
    }
}
