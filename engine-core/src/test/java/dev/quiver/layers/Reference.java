package dev.quiver.layers;

import dev.quiver.graph.Parameter;

/**
 * The recurrent cells' formulas written out in plain double loops, one row vector at a time: the
 * oracle the layers' graphs are compared with.
 */
final class Reference {
    private Reference() {}

    static double sigmoid(double v) { return 1 / (1 + Math.exp(-v)); }

    /** x W (+ b) for a row x and a parameter W [n, m]. */
    static double[] affine(double[] x, Parameter W, Parameter b) {
        int n = W.value().dim(0), m = W.value().dim(1);
        double[] y = new double[m];
        for (int j = 0; j < m; j++) {
            double s = b == null ? 0 : b.value().getFlat(j);
            for (int i = 0; i < n; i++) s += x[i] * W.value().get(i, j);
            y[j] = s;
        }
        return y;
    }

    /** One LSTM step; returns {h, c}. Gate order (i, f, o, u). */
    static double[][] lstm(LstmCell cell, double[] x, double[] h, double[] c) {
        int H = cell.hiddenSize();
        var p = cell.parameters();
        double[] a = affine(x, p.get(0), p.get(2)), r = affine(h, p.get(1), null);
        double[] h2 = new double[H], c2 = new double[H];
        for (int j = 0; j < H; j++) {
            double i = sigmoid(a[j] + r[j]), f = sigmoid(a[H + j] + r[H + j]), o = sigmoid(a[2 * H + j] + r[2 * H + j]);
            double u = Math.tanh(a[3 * H + j] + r[3 * H + j]);
            c2[j] = i * u + f * c[j];
            h2[j] = o * Math.tanh(c2[j]);
        }
        return new double[][] {h2, c2};
    }

    /** One GRU step (PyTorch's equations); returns h. Gate order (r, z, n). */
    static double[] gru(GruCell cell, double[] x, double[] h) {
        int H = cell.hiddenSize();
        var p = cell.parameters();
        double[] a = affine(x, p.get(0), p.get(2)), r = affine(h, p.get(1), p.get(3));
        double[] out = new double[H];
        for (int j = 0; j < H; j++) {
            double rr = sigmoid(a[j] + r[j]), z = sigmoid(a[H + j] + r[H + j]);
            double n = Math.tanh(a[2 * H + j] + rr * r[2 * H + j]);
            out[j] = (1 - z) * n + z * h[j];
        }
        return out;
    }
}
