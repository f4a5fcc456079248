package dev.quiver.ops;

/**
 * Fused normalisation loops on contiguous float64 data: layer and RMS normalisation over rows of
 * length d, batch normalisation over the channels of an [n, c, s] block. This file is the source
 * of truth; {@code NormKernelsF32} is generated from it by {@code tools/twins}.
 *
 * <p>Why fused and not composed from backend primitives: a row is read once into L1 and every
 * statistic and the output come from it there (the composed form streams the whole tensor through
 * memory five or six times and keeps four intermediates alive). The loops are the same Java on
 * every backend, so both backends give the same bits. Sums use four accumulators in a fixed order
 * (deterministic; the independent chains keep the adder busy where a single one waits on latency).
 * Nothing here allocates. Arrays must not overlap unless a method says so.
 */
final class NormKernelsF64 {
    private NormKernelsF64() {}

    static double sum(double[] x, int o, int n) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int j = 0;
        for (; j + 4 <= n; j += 4) {
            s0 += x[o + j];
            s1 += x[o + j + 1];
            s2 += x[o + j + 2];
            s3 += x[o + j + 3];
        }
        for (; j < n; j++) s0 += x[o + j];
        return (s0 + s1) + (s2 + s3);
    }

    /** Σ (x - c)². */
    static double sumSquares(double[] x, int o, int n, double c) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int j = 0;
        for (; j + 4 <= n; j += 4) {
            double a = x[o + j] - c, b = x[o + j + 1] - c, e = x[o + j + 2] - c, f = x[o + j + 3] - c;
            s0 += a * a;
            s1 += b * b;
            s2 += e * e;
            s3 += f * f;
        }
        for (; j < n; j++) {
            double a = x[o + j] - c;
            s0 += a * a;
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** The row's mean (0 for RMS normalisation, which does not centre). */
    static double mean(double[] x, int o, int d, boolean rms) {
        return rms || d == 0 ? (double) 0 : sum(x, o, d) / d;
    }

    /** 1 / sqrt(mean((x - mean)²) + eps). */
    static double rstd(double[] x, int o, int d, double mean, double eps) {
        double var = d == 0 ? (double) 0 : sumSquares(x, o, d, mean) / d;
        return (double) (1 / Math.sqrt(var + eps));
    }

    /**
     * {@code y[r, j] = (x[r, j] - mean_r) * rstd_r * gamma[j] + beta[j]} for r in [0, rows), with
     * mean_r = 0 when rms; gamma and beta may be null (1 and 0). y may be x itself.
     */
    static void layerNorm(int rows, int d, double[] x, int xo, double[] gamma, int go, double[] beta, int bo,
                          double eps, boolean rms, double[] y, int yo) {
        for (int r = 0; r < rows; r++) {
            int xr = xo + r * d, yr = yo + r * d;
            double mean = mean(x, xr, d, rms);
            double rstd = rstd(x, xr, d, mean, eps);
            if (gamma == null) {
                for (int j = 0; j < d; j++) y[yr + j] = (x[xr + j] - mean) * rstd;
            } else if (beta == null) {
                for (int j = 0; j < d; j++) y[yr + j] = (x[xr + j] - mean) * rstd * gamma[go + j];
            } else {
                for (int j = 0; j < d; j++) y[yr + j] = (x[xr + j] - mean) * rstd * gamma[go + j] + beta[bo + j];
            }
        }
    }

    /**
     * The input gradient of {@link #layerNorm}: with xh = (x - mean) * rstd and h = g * gamma,
     * {@code dx = rstd * (h - mean(h) - xh * mean(h * xh))}; for RMS normalisation the mean(h)
     * term is absent. gamma may be null.
     */
    static void layerNormGrad(int rows, int d, double[] x, int xo, double[] gamma, int go, double[] g, int gOff,
                              double eps, boolean rms, double[] dx, int dxo) {
        for (int r = 0; r < rows; r++) {
            int xr = xo + r * d, gr = gOff + r * d, dr = dxo + r * d;
            double mean = mean(x, xr, d, rms);
            double rstd = rstd(x, xr, d, mean, eps);
            double sh0 = 0, sh1 = 0, shx0 = 0, shx1 = 0;
            int j = 0;
            for (; j + 2 <= d; j += 2) {
                double h0 = gamma == null ? g[gr + j] : g[gr + j] * gamma[go + j];
                double h1 = gamma == null ? g[gr + j + 1] : g[gr + j + 1] * gamma[go + j + 1];
                sh0 += h0;
                sh1 += h1;
                shx0 += h0 * ((x[xr + j] - mean) * rstd);
                shx1 += h1 * ((x[xr + j + 1] - mean) * rstd);
            }
            for (; j < d; j++) {
                double h = gamma == null ? g[gr + j] : g[gr + j] * gamma[go + j];
                sh0 += h;
                shx0 += h * ((x[xr + j] - mean) * rstd);
            }
            double mh = rms || d == 0 ? (double) 0 : (sh0 + sh1) / d;
            double mhx = d == 0 ? (double) 0 : (shx0 + shx1) / d;
            if (gamma == null) {
                for (j = 0; j < d; j++) dx[dr + j] = rstd * (g[gr + j] - mh - (x[xr + j] - mean) * rstd * mhx);
            } else {
                for (j = 0; j < d; j++) dx[dr + j] = rstd * (g[gr + j] * gamma[go + j] - mh - (x[xr + j] - mean) * rstd * mhx);
            }
        }
    }

    /**
     * The parameter gradients of {@link #layerNorm}, summed over rows in order:
     * {@code out[j] = Σ_r g[r, j] xh[r, j]} (dgamma) and {@code out[d + j] = Σ_r g[r, j]} (dbeta).
     */
    static void layerNormParamGrad(int rows, int d, double[] x, int xo, double[] g, int gOff, double eps, boolean rms,
                                   double[] out, int oo) {
        for (int j = 0; j < 2 * d; j++) out[oo + j] = 0;
        int bo = oo + d;
        for (int r = 0; r < rows; r++) {
            int xr = xo + r * d, gr = gOff + r * d;
            double mean = mean(x, xr, d, rms);
            double rstd = rstd(x, xr, d, mean, eps);
            for (int j = 0; j < d; j++) {
                double gj = g[gr + j];
                out[oo + j] += gj * ((x[xr + j] - mean) * rstd);
                out[bo + j] += gj;
            }
        }
    }

    // ------------------------------------------------------------------ batch normalisation, [n, c, s] blocks

    /** Σ over the n·s elements of channel ch. */
    private static double channelSum(int n, int c, int s, double[] x, int xo, int ch) {
        double t = 0;
        for (int b = 0; b < n; b++) t += sum(x, xo + (b * c + ch) * s, s);
        return t;
    }

    private static double channelSumSquares(int n, int c, int s, double[] x, int xo, int ch, double mean) {
        double t = 0;
        for (int b = 0; b < n; b++) t += sumSquares(x, xo + (b * c + ch) * s, s, mean);
        return t;
    }

    /**
     * Batch normalisation of x [n, c, s] per channel: in training ({@code train}) with the batch's
     * mean and biased variance, then {@code running = (1 - momentum) running + momentum batch}
     * (the variance unbiased, n·s / (n·s - 1), as PyTorch); in evaluation with the running mean and
     * variance (not modified). {@code y = (x - mean) rstd gamma[ch] + beta[ch]}.
     */
    static void batchNorm(int n, int c, int s, double[] x, int xo, double[] gamma, int go, double[] beta, int bo,
                          double eps, boolean train, double momentum, double[] runMean, int rmo, double[] runVar, int rvo,
                          double[] y, int yo) {
        int count = n * s;
        for (int ch = 0; ch < c; ch++) {
            double mean, var;
            if (train) {
                mean = count == 0 ? (double) 0 : channelSum(n, c, s, x, xo, ch) / count;
                var = count == 0 ? (double) 0 : channelSumSquares(n, c, s, x, xo, ch, mean) / count;
                double unbiased = count > 1 ? var * count / (count - 1) : var;
                runMean[rmo + ch] = (1 - momentum) * runMean[rmo + ch] + momentum * mean;
                runVar[rvo + ch] = (1 - momentum) * runVar[rvo + ch] + momentum * unbiased;
            } else {
                mean = runMean[rmo + ch];
                var = runVar[rvo + ch];
            }
            double rstd = (double) (1 / Math.sqrt(var + eps));
            double scale = rstd * gamma[go + ch], shift = beta[bo + ch] - mean * scale;
            for (int b = 0; b < n; b++) {
                int row = (b * c + ch) * s;
                for (int j = 0; j < s; j++) y[yo + row + j] = x[xo + row + j] * scale + shift;
            }
        }
    }

    /**
     * The input gradient of {@link #batchNorm}. Training: with xh the batch-normalised x and M = n·s,
     * {@code dx = gamma rstd (g - Σg / M - xh Σ(g xh) / M)}; evaluation (running statistics are
     * constants): {@code dx = gamma rstd g}.
     */
    static void batchNormGrad(int n, int c, int s, double[] x, int xo, double[] gamma, int go, double[] g, int gOff,
                              double eps, boolean train, double[] runMean, int rmo, double[] runVar, int rvo,
                              double[] dx, int dxo) {
        int count = n * s;
        for (int ch = 0; ch < c; ch++) {
            double mean, var;
            if (train) {
                mean = count == 0 ? (double) 0 : channelSum(n, c, s, x, xo, ch) / count;
                var = count == 0 ? (double) 0 : channelSumSquares(n, c, s, x, xo, ch, mean) / count;
            } else {
                mean = runMean[rmo + ch];
                var = runVar[rvo + ch];
            }
            double rstd = (double) (1 / Math.sqrt(var + eps));
            double k = gamma[go + ch] * rstd;
            if (!train) {
                for (int b = 0; b < n; b++) {
                    int row = (b * c + ch) * s;
                    for (int j = 0; j < s; j++) dx[dxo + row + j] = k * g[gOff + row + j];
                }
                continue;
            }
            double sg = 0, sgx = 0;
            for (int b = 0; b < n; b++) {
                int row = (b * c + ch) * s;
                for (int j = 0; j < s; j++) {
                    double gj = g[gOff + row + j];
                    sg += gj;
                    sgx += gj * ((x[xo + row + j] - mean) * rstd);
                }
            }
            double mg = sg / count, mgx = sgx / count;
            for (int b = 0; b < n; b++) {
                int row = (b * c + ch) * s;
                for (int j = 0; j < s; j++) {
                    dx[dxo + row + j] = k * (g[gOff + row + j] - mg - (x[xo + row + j] - mean) * rstd * mgx);
                }
            }
        }
    }

    /** {@code out[ch] = Σ g xh} (dgamma) and {@code out[c + ch] = Σ g} (dbeta), xh with the statistics {@link #batchNorm} used. */
    static void batchNormParamGrad(int n, int c, int s, double[] x, int xo, double[] g, int gOff, double eps, boolean train,
                                   double[] runMean, int rmo, double[] runVar, int rvo, double[] out, int oo) {
        int count = n * s;
        for (int ch = 0; ch < c; ch++) {
            double mean, var;
            if (train) {
                mean = count == 0 ? (double) 0 : channelSum(n, c, s, x, xo, ch) / count;
                var = count == 0 ? (double) 0 : channelSumSquares(n, c, s, x, xo, ch, mean) / count;
            } else {
                mean = runMean[rmo + ch];
                var = runVar[rvo + ch];
            }
            double rstd = (double) (1 / Math.sqrt(var + eps));
            double sg = 0, sgx = 0;
            for (int b = 0; b < n; b++) {
                int row = (b * c + ch) * s;
                for (int j = 0; j < s; j++) {
                    double gj = g[gOff + row + j];
                    sg += gj;
                    sgx += gj * ((x[xo + row + j] - mean) * rstd);
                }
            }
            out[oo + ch] = sgx;
            out[oo + c + ch] = sg;
        }
    }
}
