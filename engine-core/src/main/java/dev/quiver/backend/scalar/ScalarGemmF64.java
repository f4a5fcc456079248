package dev.quiver.backend.scalar;

import dev.quiver.backend.Workers;

/**
 * The scalar backend's float64 GEMM: {@code C[p] = alpha * A[p] B[p] + beta * C[p]} with general
 * strides (see {@link dev.quiver.kernel.KernelsF64#gemm}). The float32 twin is generated.
 */
final class ScalarGemmF64 {
    private final Workers workers;

    ScalarGemmF64(Workers workers) {
        this.workers = workers;
    }

    void gemm(int batch, int m, int n, int k, double alpha,
              double[] a, int aOff, int aBatch, int aRow, int aCol,
              double[] b, int bOff, int bBatch, int bRow, int bCol,
              double beta,
              double[] c, int cOff, int cBatch, int cRow, int cCol) {
        for (int p = 0; p < batch; p++) {
            int ap = aOff + p * aBatch, bp = bOff + p * bBatch, cp = cOff + p * cBatch;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = 0;
                    for (int l = 0; l < k; l++) sum += a[ap + i * aRow + l * aCol] * b[bp + l * bRow + j * bCol];
                    int ci = cp + i * cRow + j * cCol;
                    c[ci] = beta == 0 ? alpha * sum : alpha * sum + beta * c[ci];
                }
            }
        }
    }
}
