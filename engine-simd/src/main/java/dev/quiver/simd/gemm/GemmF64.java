package dev.quiver.simd.gemm;

import dev.quiver.backend.Workers;

/**
 * Float64 GEMM for the SIMD backend, same contract as {@link dev.quiver.kernel.KernelsF64#gemm}.
 * Placeholder: a plain strided loop until the BLIS-style kernel lands.
 */
public final class GemmF64 {
    private final Workers workers;

    public GemmF64(Workers workers) {
        this.workers = workers;
    }

    public void gemm(int batch, int m, int n, int k, double alpha,
                     double[] a, int aOff, int aBatch, int aRow, int aCol,
                     double[] b, int bOff, int bBatch, int bRow, int bCol,
                     double beta,
                     double[] c, int cOff, int cBatch, int cRow, int cCol) {
        for (int p = 0; p < batch; p++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = 0;
                    for (int l = 0; l < k; l++) {
                        sum += a[aOff + p * aBatch + i * aRow + l * aCol] * b[bOff + p * bBatch + l * bRow + j * bCol];
                    }
                    int ci = cOff + p * cBatch + i * cRow + j * cCol;
                    c[ci] = beta == 0 ? alpha * sum : alpha * sum + beta * c[ci];
                }
            }
        }
    }
}
