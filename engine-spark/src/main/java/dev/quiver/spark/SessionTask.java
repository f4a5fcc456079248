package dev.quiver.spark;

import dev.quiver.io.SafeTensors;
import org.apache.spark.TaskContext;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * The executor side of a {@link Session}: one task per partition of a barrier stage that lives for
 * many rounds. It reads its partition once, connects to the driver's session port, and then, round
 * after round, receives the parameter image, computes exactly what {@link RoundTask} computes in a
 * per-round job, and sends the result back; it returns (an empty iterator) when the driver says
 * stop. The task holds no training state of its own: the driver keeps parameters and optimiser, so
 * a restarted session loses at most the round in flight.
 */
final class SessionTask<T> extends scala.runtime.AbstractFunction2<Object, scala.collection.Iterator<T>, scala.collection.Iterator<Object>>
        implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    static final byte STOP = 0, ROUND = 1;

    private final RoundTask<T> plan;
    private final String host;
    private final int port;
    private final String token;

    SessionTask(RoundTask<T> plan, String host, int port, String token) {
        this.plan = plan;
        this.host = host;
        this.port = port;
        this.token = token;
    }

    @Override
    public scala.collection.Iterator<Object> apply(Object partitionIndex, scala.collection.Iterator<T> examples) {
        int partition = (Integer) partitionIndex;
        long t = System.nanoTime();
        List<T> data = new ArrayList<>();
        scala.jdk.javaapi.CollectionConverters.asJava(examples).forEachRemaining(data::add);
        long collect = System.nanoTime() - t;
        TaskContext ctx = TaskContext.get();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 60_000);
            s.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 1 << 16));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), 1 << 16));
            out.writeUTF(token);
            out.writeInt(partition);
            out.flush();
            byte[] image = new byte[0];
            ByteArrayOutputStream result = new ByteArrayOutputStream();
            while (true) {
                int kind = Session.awaitByte(s, in, () -> { if (ctx != null) ctx.killTaskIfInterrupted(); });
                long startMicros = RoundTask.epochMicros();
                if (kind == STOP) break;
                if (kind != ROUND) throw new IOException("session protocol: unexpected message " + kind);
                long round = in.readLong();
                int n = in.readInt();
                if (image.length != n) image = new byte[n];
                in.readFully(image, 0, n);
                byte[] bytes = image;
                PartialSum sum = plan.compute(partition, data, round, () -> {
                    try {
                        return SafeTensors.fromBytes(bytes, "round " + round + " parameters");
                    } catch (IOException e) {
                        throw new IllegalStateException(e.getMessage(), e);
                    }
                }, startMicros, collect);
                collect = 0;   // the partition is read once per session, not per round
                result.reset();
                try (ObjectOutputStream o = new ObjectOutputStream(result)) {
                    o.writeObject(sum);
                }
                out.writeInt(result.size());
                result.writeTo(out);
                out.flush();
            }
        } catch (IOException e) {
            // The driver closed the session (it restarts it or fell back to per-round jobs) or died.
            throw new UncheckedIOException("quiver session task, partition " + partition + ": " + e.getMessage(), e);
        }
        return scala.collection.Iterator$.MODULE$.empty();
    }
}
