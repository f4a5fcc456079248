package dev.quiver.ops;

/**
 * The sliding window of a convolution or pooling over (H, W): kernel {@code kh x kw}, stride,
 * dilation, and padding on each side (top, bottom, left, right; asymmetric for "same" with an even
 * kernel). A 1-d window has {@code kh = sh = dh = 1} and no vertical padding. Output size per axis:
 * {@code (in + lo + hi - d (k - 1) - 1) / s + 1}, rounded down (PyTorch's and cuDNN's rule).
 */
public record Window(int kh, int kw, int sh, int sw, int dh, int dw, int pt, int pb, int pl, int pr) {

    public int outH(int h) { return out(h, kh, sh, dh, pt, pb); }

    public int outW(int w) { return out(w, kw, sw, dw, pl, pr); }

    private static int out(int in, int k, int s, int d, int lo, int hi) {
        int span = in + lo + hi - d * (k - 1) - 1;
        return span < 0 ? 0 : span / s + 1;
    }

    /** A 1x1 window with stride 1 and no padding: the input is its own im2col matrix. */
    public boolean pointwise() {
        return kh == 1 && kw == 1 && sh == 1 && sw == 1 && pt == 0 && pb == 0 && pl == 0 && pr == 0;
    }

    /** A reason this window is malformed, or null. */
    public String invalid() {
        if (kh < 1 || kw < 1) return "kernel " + kh + "x" + kw + " must be at least 1x1";
        if (sh < 1 || sw < 1) return "stride " + sh + "x" + sw + " must be at least 1";
        if (dh < 1 || dw < 1) return "dilation " + dh + "x" + dw + " must be at least 1";
        if (pt < 0 || pb < 0 || pl < 0 || pr < 0) return "padding " + padding() + " must not be negative";
        return null;
    }

    public String padding() { return pt + "," + pb + "," + pl + "," + pr; }

    /** The attributes in a plan key or error: {@code k=3x3 s=1x1 d=1x1 p=1,1,1,1}; only the W part for 1-d. */
    public String describe(int spatial) {
        return spatial == 1 ? "k=" + kw + " s=" + sw + " d=" + dw + " p=" + pl + "," + pr
                : "k=" + kh + "x" + kw + " s=" + sh + "x" + sw + " d=" + dh + "x" + dw + " p=" + padding();
    }

    /**
     * Padding on each side so that the output has {@code ceil(in / s)} positions (TensorFlow's and,
     * for stride 1, PyTorch's "same"): total {@code max((out - 1) s + d (k - 1) + 1 - in, 0)}, the
     * smaller half before.
     */
    static int[] same(int in, int k, int s, int d) {
        int out = (in + s - 1) / s;
        int total = Math.max((out - 1) * s + d * (k - 1) + 1 - in, 0);
        return new int[] {total / 2, total - total / 2};
    }
}
