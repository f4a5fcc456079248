package dev.quiver.benchmarks.dynamic;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

/**
 * Adam for PyTorch tensors through DJL, written as torch.optim.Adam's single-tensor loop (the
 * same update as Quiver's: {@code m = b1 m + (1-b1) g}, {@code v = b2 v + (1-b2) g²},
 * {@code p -= lr_t m / (sqrt(v) + eps)}, per-parameter step counts), run with autograd off.
 * {@link #updateRows} is torch.optim.SparseAdam's lazy form: only the rows that received gradient
 * (their moments included) are touched.
 */
final class TorchAdam {
    static final float LR = 0.001f, B1 = 0.9f, B2 = 0.999f, EPS = 1e-8f;
    private final NDArray[] params, m, v;
    private final long[] steps;

    TorchAdam(NDManager manager, NDArray... params) {
        this.params = params;
        m = new NDArray[params.length];
        v = new NDArray[params.length];
        steps = new long[params.length];
        for (int i = 0; i < params.length; i++) {
            m[i] = manager.zeros(params[i].getShape());
            v[i] = manager.zeros(params[i].getShape());
        }
    }

    private float rate(int i) {
        long t = ++steps[i];
        return (float) (LR * Math.sqrt(1 - Math.pow(B2, t)) / (1 - Math.pow(B1, t)));
    }

    /** Dense update of parameter i from gradient g (call inside an NDScope: temporaries are closed with it). */
    void update(int i, NDArray g) {
        float lrT = rate(i);
        m[i].muli(B1).addi(g.mul(1 - B1));
        v[i].muli(B2).addi(g.square().muli(1 - B2));
        params[i].subi(m[i].div(v[i].sqrt().addi(EPS)).muli(lrT));
    }

    /** Lazy update of the given rows of parameter i: {@code values} are the rows' current values, g their gradient. */
    void updateRows(int i, NDArray rows, NDArray values, NDArray g) {
        float lrT = rate(i);
        NDIndex index = new NDIndex("{}", rows);
        NDArray mr = m[i].get(index).muli(B1).addi(g.mul(1 - B1));
        NDArray vr = v[i].get(index).muli(B2).addi(g.square().muli(1 - B2));
        m[i].set(index, mr);
        v[i].set(index, vr);
        params[i].set(index, values.sub(mr.div(vr.sqrt().addi(EPS)).muli(lrT)));
    }
}
