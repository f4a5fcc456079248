package dev.quiver.benchmarks.peers;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas;
import org.openjdk.jmh.annotations.*;

import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.bytedeco.openblas.global.openblas.*;

/**
 * The peer for MlpStepBench: the same two-layer training step written by hand against OpenBLAS
 * (JavaCPP), all buffers preallocated in native memory, elementwise work in plain Java loops.
 * h = tanh(x W + b), y = h V + a, softmax cross-entropy (or MSE for one output), SGD.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class OpenBlasMlpStepBench {
    @Param({"784-256-10x64", "4-8-1x1"})
    public String shape;

    @Param({"1"})
    public int threads;

    private int in, hid, out, batch;
    private FloatPointer x, t, w, b, v, a, h, y, dy, dh, dw, dv;
    private FloatBuffer xb, tb, bb, ab, hb, yb, dyb, dhb;
    private final float lr = 0.01f;

    @Setup
    public void setup() {
        Loader.load(openblas.class);
        blas_set_num_threads(threads);
        String[] d = shape.split("[-x]");
        in = Integer.parseInt(d[0]);
        hid = Integer.parseInt(d[1]);
        out = Integer.parseInt(d[2]);
        batch = Integer.parseInt(d[3]);
        SplittableRandom r = new SplittableRandom(1);
        x = filled(batch * in, r, 1);
        t = new FloatPointer(batch * out);
        w = filled(in * hid, r, (float) Math.sqrt(6.0 / (in + hid)));
        b = new FloatPointer(hid);
        v = filled(hid * out, r, (float) Math.sqrt(6.0 / (hid + out)));
        a = new FloatPointer(out);
        h = new FloatPointer(batch * hid);
        y = new FloatPointer(batch * out);
        dy = new FloatPointer(batch * out);
        dh = new FloatPointer(batch * hid);
        dw = new FloatPointer(in * hid);
        dv = new FloatPointer(hid * out);
        for (FloatPointer p : new FloatPointer[] {t, b, a}) p.zero();
        xb = x.asBuffer(); tb = t.asBuffer(); bb = b.asBuffer(); ab = a.asBuffer();
        hb = h.asBuffer(); yb = y.asBuffer(); dyb = dy.asBuffer(); dhb = dh.asBuffer();
        for (int i = 0; i < batch; i++) tb.put(i * out + (out == 1 ? 0 : i % out), out == 1 ? 0.5f : 1f);
    }

    private static FloatPointer filled(int n, SplittableRandom r, float scale) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) values[i] = (float) (scale * (2 * r.nextDouble() - 1));
        return new FloatPointer(values);
    }

    @Benchmark
    public float step() {
        // forward: h = tanh(x W + b); y = h V + a
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, batch, hid, in, 1f, x, in, w, hid, 0f, h, hid);
        for (int i = 0; i < batch; i++) {
            for (int j = 0; j < hid; j++) {
                int k = i * hid + j;
                hb.put(k, (float) Math.tanh(hb.get(k) + bb.get(j)));
            }
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, batch, out, hid, 1f, h, hid, v, out, 0f, y, out);
        float loss = 0;
        for (int i = 0; i < batch; i++) {
            if (out == 1) {
                float diff = yb.get(i) + ab.get(0) - tb.get(i);
                loss += diff * diff / batch;
                dyb.put(i, 2 * diff / batch);
                continue;
            }
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < out; j++) max = Math.max(max, yb.get(i * out + j) + ab.get(j));
            float sum = 0;
            for (int j = 0; j < out; j++) sum += (float) Math.exp(yb.get(i * out + j) + ab.get(j) - max);
            float logSum = (float) Math.log(sum) + max;
            for (int j = 0; j < out; j++) {
                int k = i * out + j;
                float logp = yb.get(k) + ab.get(j) - logSum;
                loss -= tb.get(k) * logp / batch;
                dyb.put(k, ((float) Math.exp(logp) - tb.get(k)) / batch);
            }
        }
        // backward: dV = h^T dy; da = colsum dy; dh = dy V^T * (1 - h^2); dW = x^T dh; db = colsum dh
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, hid, out, batch, 1f, h, hid, dy, out, 0f, dv, out);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, batch, hid, out, 1f, dy, out, v, out, 0f, dh, hid);
        for (int k = 0; k < batch * hid; k++) {
            float hv = hb.get(k);
            dhb.put(k, dhb.get(k) * (1 - hv * hv));
        }
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, in, hid, batch, 1f, x, in, dh, hid, 0f, dw, hid);
        // SGD: parameters -= lr * gradients (bias gradients summed on the fly)
        for (int j = 0; j < out; j++) {
            float g = 0;
            for (int i = 0; i < batch; i++) g += dyb.get(i * out + j);
            ab.put(j, ab.get(j) - lr * g);
        }
        for (int j = 0; j < hid; j++) {
            float g = 0;
            for (int i = 0; i < batch; i++) g += dhb.get(i * hid + j);
            bb.put(j, bb.get(j) - lr * g);
        }
        cblas_saxpy(in * hid, -lr, dw, 1, w, 1);
        cblas_saxpy(hid * out, -lr, dv, 1, v, 1);
        return loss;
    }
}
