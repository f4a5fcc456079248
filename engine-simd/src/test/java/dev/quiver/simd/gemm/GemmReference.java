package dev.quiver.simd.gemm;

/**
 * The independent oracle for the GEMM tests: the definition as plain loops, accumulated in
 * double precision for both dtypes, plus the sum of absolute products that scales the error
 * bound. Not generated (the float overloads must stay in double precision).
 */
final class GemmReference {
    private GemmReference() {
    }

    /** Room for an entry's expected value and its error scale. */
    static double[] newOut() {
        return new double[2];
    }

    /** Unit roundoff times two (machine epsilon) of the operands' dtype. */
    static double eps(double[] ignored) {
        return Math.ulp(1.0);
    }

    static double eps(float[] ignored) {
        return Math.ulp(1.0f);
    }

    /**
     * Entry (i, j) of batch p: {@code out[0] = alpha * sum_l A(i,l) B(l,j) + beta * C(i,j)} and
     * {@code out[1] = |alpha| sum_l |A(i,l) B(l,j)| + |beta C(i,j)|} (0 for the C term when beta
     * is 0, so NaN in C is ignored as the contract demands).
     */
    static void entry(int p, int i, int j, int k, double alpha, double[] a, int aOff, int aBatch, int aRow, int aCol,
                      double[] b, int bOff, int bBatch, int bRow, int bCol, double beta, double cOld, double[] out) {
        double sum = 0, abs = 0;
        for (int l = 0; l < k; l++) {
            double x = a[aOff + p * aBatch + i * aRow + l * aCol] * b[bOff + p * bBatch + l * bRow + j * bCol];
            sum += x;
            abs += Math.abs(x);
        }
        out[0] = alpha * sum + (beta == 0 ? 0 : beta * cOld);
        out[1] = Math.abs(alpha) * abs + (beta == 0 ? 0 : Math.abs(beta * cOld));
    }

    static void entry(int p, int i, int j, int k, double alpha, float[] a, int aOff, int aBatch, int aRow, int aCol,
                      float[] b, int bOff, int bBatch, int bRow, int bCol, double beta, double cOld, double[] out) {
        double sum = 0, abs = 0;
        for (int l = 0; l < k; l++) {
            double x = (double) a[aOff + p * aBatch + i * aRow + l * aCol] * b[bOff + p * bBatch + l * bRow + j * bCol];
            sum += x;
            abs += Math.abs(x);
        }
        out[0] = alpha * sum + (beta == 0 ? 0 : beta * cOld);
        out[1] = Math.abs(alpha) * abs + (beta == 0 ? 0 : Math.abs(beta * cOld));
    }
}
