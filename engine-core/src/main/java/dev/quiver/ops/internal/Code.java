package dev.quiver.ops.internal;

import dev.quiver.kernel.BinaryOp;
import dev.quiver.kernel.UnaryOp;
import dev.quiver.ops.Op.Instruction;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import dev.quiver.tensor.TensorMath;

/**
 * A step's coded instructions (see {@link CodeF64}): one stream per floating dtype, each an int
 * array run by its interpreter loop. {@link Codable} ops append to it while the compiler emits;
 * after an append, {@link #lastStream}, {@link #lastStart} and {@link #lastEnd} say where the
 * instruction went, which is what the step's program records instead of an instruction object.
 *
 * <p>Float64 instructions on one-element operands are not coded: {@link ScalarInstruction} binds
 * those (a chain of them runs its own loop), and they keep that path.
 */
public final class Code {
    /**
     * What a factory that either codes or binds (given a code, or not) returns when it coded: an
     * instruction that is never run.
     */
    public static final Instruction CODED = m -> {
        throw new IllegalStateException("a coded instruction runs from its step's code");
    };

    /** {@link #blocks} for such a factory: {@link #CODED}, or null where the blocks are not coded. */
    static Instruction blocks(Code code, Tensor out, boolean zeroFirst, Tensor[] src, int[] at, boolean accumulate) {
        return code.blocks(out, zeroFirst, src, at, accumulate) ? CODED : null;
    }

    /** Stream numbers. */
    public static final int F64 = 0, F32 = 1;

    private final CodeView f64, f32;
    private int lastStream, lastStart, lastEnd;

    /** @param f64Work, f32Work arrays to record each stream into (see {@link CodeF64#CodeF64}) */
    public Code(TensorMath math, int[] f64Work, int[] f32Work) {
        this.f64 = new CodeF64(math, f64Work);
        this.f32 = new CodeF32(math, f32Work);
    }

    /** After {@link #finish}: the array a stream was recorded into, possibly grown (for the compiler to keep). */
    public int[] work(int stream) { return stream(stream).work(); }

    private CodeView view(Tensor out) {
        return out.dtype().pick("coded kernel", f64, f32);
    }

    private static boolean scalarF64(Tensor t) { return t.dtype() == DType.F64 && t.size() == 1; }

    /** Starts an append into out's stream. */
    private CodeView begin(Tensor out) {
        CodeView v = view(out);
        lastStream = v == f64 ? F64 : F32;
        lastStart = v.length();
        return v;
    }

    /** Ends an append: true when the view appended. */
    private boolean end(boolean appended) {
        lastEnd = appended ? stream(lastStream).length() : lastStart;
        return appended;
    }

    private CodeView stream(int s) { return s == F64 ? f64 : f32; }

    public int lastStream() { return lastStream; }

    public int lastStart() { return lastStart; }

    public int lastEnd() { return lastEnd; }

    public boolean unary(UnaryOp op, Tensor x, Tensor out, boolean accumulate) {
        if (!out.dtype().isFloating() || x.dtype() != out.dtype() || scalarF64(x) && scalarF64(out)) return false;
        return end(begin(out).unary(op, x, out, accumulate));
    }

    public boolean binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        if (!out.dtype().isFloating() || a.dtype() != out.dtype() || b.dtype() != out.dtype()
                || scalarF64(a) && scalarF64(b) && scalarF64(out)) return false;
        return end(begin(out).binary(op, a, b, out));
    }

    public boolean scalar(BinaryOp op, Tensor a, double s, Tensor out) {
        if (!out.dtype().isFloating() || a.dtype() != out.dtype() || scalarF64(a) && scalarF64(out)) return false;
        return end(begin(out).scalar(op, a, s, out));
    }

    public boolean matmul(Tensor a, Tensor b, Tensor out, int beta) {
        if (!out.dtype().isFloating() || a.dtype() != out.dtype() || b.dtype() != out.dtype()) return false;
        return end(begin(out).matmul(a, b, out, beta));
    }

    public boolean sumAll(Tensor x, Tensor out) {
        if (!out.dtype().isFloating() || x.dtype() != out.dtype()) return false;
        return end(begin(out).sumAll(x, out));
    }

    public boolean sumRows(Tensor x, Tensor out) {
        if (!out.dtype().isFloating() || x.dtype() != out.dtype()) return false;
        return end(begin(out).sumRows(x, out));
    }

    /** The block moves of {@link Bound#blocks}: false where that returns null. */
    public boolean blocks(Tensor out, boolean zeroFirst, Tensor[] src, int[] at, boolean accumulate) {
        if (!out.isContiguous() || !out.dtype().isFloating()) return false;
        for (Tensor t : src) if (t != null && (!t.isContiguous() || t.dtype() != out.dtype())) return false;
        return end(begin(out).blocks(out, zeroFirst, src, at, accumulate));
    }

    public boolean copy(Tensor x, Tensor y, boolean accumulate) {
        if (!y.dtype().isFloating() || x.dtype() != y.dtype() || scalarF64(x) && scalarF64(y)) return false;
        return end(begin(y).copy(x, y, accumulate));
    }

    /**
     * {@code out = in[0] + in[1] + ...} as one copy and then an accumulating copy per further term,
     * as {@link Shaping.AddN} binds it: all of them coded, or none.
     */
    public boolean sum(Tensor[] in, Tensor out) {
        if (!out.dtype().isFloating() || !out.isContiguous() || scalarF64(out)) return false;
        for (Tensor t : in) if (t.dtype() != out.dtype() || !t.isContiguous() || t.size() != out.size()) return false;
        CodeView v = begin(out);
        for (int i = 0; i < in.length; i++) v.copy(in[i], out, i > 0);
        return end(true);
    }

    /** Trims both streams; call once, when the step's instructions are all recorded. */
    public void finish() {
        f64.finish();
        f32.finish();
    }

    /** Runs the instructions in {@code [from, to)} of a stream. */
    public void run(int stream, int from, int to) {
        stream(stream).run(from, to);
    }

    /** One instruction that runs {@code [from, to)} of a stream: a step runs each run of consecutive coded instructions as one. */
    public Instruction runner(int stream, int from, int to) {
        CodeView v = stream(stream);
        return m -> v.run(from, to);
    }
}
