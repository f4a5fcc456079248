package dev.quiver.kernel.internal;

import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.FloatingKernels;
import dev.quiver.kernel.KernelsF64;
import dev.quiver.kernel.ReduceOp;
import dev.quiver.kernel.UnaryOp;

/**
 * The {@link FloatingKernels} view of a backend's typed kernels for one dtype (the class name's):
 * casts the arrays, narrows the scalars to the element type and calls the typed kernel. The
 * float64 file is the source of truth; tools/twins generates the float32 one.
 */
public final class FloatingKernelsF64 implements FloatingKernels {
    private final KernelsF64 k;

    public FloatingKernelsF64(KernelsF64 k) {
        this.k = k;
    }

    @Override
    public void gemm(int batch, int m, int n, int kk, double/*erased*/ alpha,
                     Object a, int aOff, int aBatch, int aRow, int aCol,
                     Object b, int bOff, int bBatch, int bRow, int bCol,
                     double/*erased*/ beta,
                     Object c, int cOff, int cBatch, int cRow, int cCol) {
        k.gemm(batch, m, n, kk, (double) alpha, (double[]) a, aOff, aBatch, aRow, aCol, (double[]) b, bOff, bBatch, bRow, bCol,
                (double) beta, (double[]) c, cOff, cBatch, cRow, cCol);
    }

    @Override
    public void unary(UnaryOp op, int n, Object x, int xOff, int xStride, Object y, int yOff, int yStride, boolean accumulate) {
        k.unary(op, n, (double[]) x, xOff, xStride, (double[]) y, yOff, yStride, accumulate);
    }

    @Override
    public void binary(BinaryOp op, int n, Object a, int aOff, int aStride, Object b, int bOff, int bStride,
                       Object c, int cOff, int cStride, boolean accumulate) {
        k.binary(op, n, (double[]) a, aOff, aStride, (double[]) b, bOff, bStride, (double[]) c, cOff, cStride, accumulate);
    }

    @Override
    public double/*erased*/ reduce(ReduceOp op, int n, Object x, int xOff, int xStride) {
        return k.reduce(op, n, (double[]) x, xOff, xStride);
    }

    @Override
    public int argmax(int n, Object x, int xOff, int xStride) {
        return k.argmax(n, (double[]) x, xOff, xStride);
    }

    @Override
    public void axpby(int n, double/*erased*/ alpha, Object x, int xOff, int xStride, double/*erased*/ beta, Object y, int yOff,
                      int yStride) {
        k.axpby(n, (double) alpha, (double[]) x, xOff, xStride, (double) beta, (double[]) y, yOff, yStride);
    }

    @Override
    public void fill(int n, double/*erased*/ value, Object y, int yOff, int yStride) {
        k.fill(n, (double) value, (double[]) y, yOff, yStride);
    }

    @Override
    public double/*erased*/ get(Object data, int i) {
        return ((double[]) data)[i];
    }

    @Override
    public void set(Object data, int i, double/*erased*/ value) {
        ((double[]) data)[i] = (double) value;
    }

    @Override
    public Object newArray(int n) {
        return new double[n];
    }

    @Override
    public KernelsF64 typed() {
        return k;
    }
}
