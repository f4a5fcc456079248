package dev.quiver.spark;

import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.rdd.RDD;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Synchronous rounds without a Spark job per round: one barrier stage of P long-lived tasks
 * ({@link SessionTask}), each connected to this driver by a socket. A round is the parameter image
 * sent to every task and P results read back, summed in {@link PartialSum}'s fixed tree (the same
 * bits as a job's {@code treeAggregate} of them); the driver keeps the
 * parameters and the optimiser as in per-round jobs.
 *
 * <p>Why: Spark's job machinery (DAG scheduling, task serialisation and launch, result handling)
 * costs 20-30 ms per job whatever the model, which caps synchronous speed-up; the socket round
 * trip costs the bytes' transfer. Why a barrier stage: it starts all P tasks together or none (a
 * plain stage could run task 0 while task 1 waits for a slot task 0 holds, a deadlock).
 *
 * <p>Failures: Spark does not retry a failed barrier result stage (it aborts the job), so any
 * failure (a lost executor, a task error, a broken connection) ends the session with
 * {@link Lost}; the trainer then runs the same round again, in a new session or as a per-round job.
 * No state lives in the tasks, so nothing but the round in flight is lost.
 */
final class Session implements AutoCloseable {
    /** The session failed; the round in flight must be run again. */
    static final class Lost extends IOException {
        Lost(String message, Throwable cause) { super(message, cause); }
    }

    interface Check { void run() throws IOException; }

    private static final int POLL_MS = 200;
    /** A result is a PartialSum (its arrays travel as raw bytes): nothing else is deserialised from a socket. */
    private static final java.io.ObjectInputFilter RESULT_CLASSES =
            java.io.ObjectInputFilter.Config.createFilter("dev.quiver.spark.PartialSum;[J;java.lang.String;!*");

    private final ServerSocket server;
    private final JavaFutureAction<Long> job;
    private final Socket[] sockets;
    private final DataInputStream[] in;
    private final DataOutputStream[] out;

    private Session(ServerSocket server, JavaFutureAction<Long> job, int partitions) {
        this.server = server;
        this.job = job;
        this.sockets = new Socket[partitions];
        this.in = new DataInputStream[partitions];
        this.out = new DataOutputStream[partitions];
    }

    /**
     * Whether the cluster can run P tasks at once now (a barrier stage needs them all; Spark's own
     * check would otherwise wait up to 40 x 15 s before failing the job).
     */
    static boolean fits(SparkContext sc, int partitions) {
        if (sc.conf().getBoolean("spark.dynamicAllocation.enabled", false)) return false;   // barrier stages refuse it
        try {
            return sc.maxNumConcurrentTasks(sc.resourceProfileManager().defaultResourceProfile()) >= partitions;
        } catch (LinkageError e) {
            return true;   // a Spark without this (internal) method: let Spark's own check decide
        }
    }

    /** Starts the barrier stage and waits until its P tasks have connected. */
    static <T> Session open(JavaRDD<T> data, RoundTask<T> plan, int partitions, String description) throws Lost {
        SparkContext sc = data.context();
        String host = sc.conf().get("spark.driver.host", "127.0.0.1");
        String bind = sc.conf().get("spark.driver.bindAddress", host);
        ServerSocket server = null;
        Session s = null;
        try {
            server = new ServerSocket(0, partitions + 8, InetAddress.getByName(bind));
            String token = UUID.randomUUID().toString();
            SessionTask<T> task = new SessionTask<>(plan, host, server.getLocalPort(), token);
            scala.reflect.ClassTag<Object> tag = scala.reflect.ClassTag$.MODULE$.apply(Object.class);
            RDD<Object> stage = data.rdd().barrier().mapPartitionsWithIndex(task, true, tag);
            String before = sc.getLocalProperty("spark.job.description");
            sc.setJobDescription(description);
            JavaFutureAction<Long> job = new JavaRDD<>(stage, tag).countAsync();
            sc.setJobDescription(before);
            s = new Session(server, job, partitions);
            server.setSoTimeout(POLL_MS);
            for (int connected = 0; connected < partitions; ) {
                Socket c;
                try {
                    c = server.accept();
                } catch (SocketTimeoutException e) {
                    s.checkJob();
                    // An executor lost since fits() said yes: Spark's slot check would hold the
                    // stage for up to 40 x 15 s; give up at once instead.
                    if (!fits(sc, partitions)) throw new Lost("the cluster no longer runs " + partitions + " tasks at once", null);
                    continue;
                }
                c.setTcpNoDelay(true);
                c.setSoTimeout(60_000);
                DataInputStream i = new DataInputStream(new BufferedInputStream(c.getInputStream(), 1 << 16));
                int p;
                if (!token.equals(i.readUTF()) || (p = i.readInt()) < 0 || p >= partitions || s.sockets[p] != null) {
                    c.close();   // not one of this session's tasks
                    continue;
                }
                s.sockets[p] = c;
                s.in[p] = i;
                s.out[p] = new DataOutputStream(new BufferedOutputStream(c.getOutputStream(), 1 << 16));
                connected++;
            }
            return s;
        } catch (IOException | RuntimeException e) {
            if (s != null) s.close();
            else if (server != null) try { server.close(); } catch (IOException ignored) { }
            throw e instanceof Lost l ? l : new Lost("cannot start the session: " + e, e);
        }
    }

    /** Sends the round's image to every task and returns their results summed in {@link PartialSum}'s tree. */
    PartialSum round(long round, byte[] image) throws Lost {
        try {
            for (DataOutputStream o : out) {
                o.writeByte(SessionTask.ROUND);
                o.writeLong(round);
                o.writeInt(image.length);
                o.write(image);
                o.flush();
            }
            PartialSum sum = new PartialSum();
            for (int p = 0; p < in.length; p++) {
                awaitByte(sockets[p], in[p], this::checkJob, true);
                byte[] bytes = new byte[in[p].readInt()];
                in[p].readFully(bytes);
                sum.add(readResult(bytes));
            }
            return sum;
        } catch (Lost e) {
            throw e;
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            throw new Lost("round " + round + ": " + e, e);
        }
    }

    /** A task's serialised result; any class but PartialSum (and its String and long[] fields) is refused. */
    static PartialSum readResult(byte[] bytes) throws IOException, ClassNotFoundException {
        try (ObjectInputStream o = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            o.setObjectInputFilter(RESULT_CLASSES);
            return (PartialSum) o.readObject();
        }
    }

    /** Tells the tasks to finish and waits for the stage to end. */
    void finish() {
        try {
            for (DataOutputStream o : out) {
                o.writeByte(SessionTask.STOP);
                o.flush();
            }
            job.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            // The training is done; a stage that does not end cleanly is only cancelled.
        } finally {
            close();
        }
    }

    @Override
    public void close() {
        for (Socket c : sockets) if (c != null) try { c.close(); } catch (IOException ignored) { }
        try { server.close(); } catch (IOException ignored) { }
        if (!job.isDone()) job.cancel(true);
    }

    private void checkJob() throws Lost {
        if (!job.isDone()) return;
        Throwable cause = null;
        try {
            job.get();
        } catch (Exception e) {
            cause = e.getCause() != null ? e.getCause() : e;
        }
        throw new Lost("the session's Spark job ended" + (cause == null ? "" : ": " + cause.getMessage()), cause);
    }

    /**
     * Waits for the first byte of a message, running {@code check} every poll interval (a
     * timeout on a buffered single-byte read loses nothing), then reads the message without it.
     */
    static int awaitByte(Socket s, DataInputStream in, Check check) throws IOException {
        return awaitByte(s, in, check, false);
    }

    private static int awaitByte(Socket s, DataInputStream in, Check check, boolean pushBack) throws IOException {
        int timeout = s.getSoTimeout();
        s.setSoTimeout(POLL_MS);
        try {
            while (true) {
                try {
                    if (pushBack) {
                        in.mark(1);
                        int b = in.read();
                        in.reset();
                        if (b < 0) throw new java.io.EOFException("connection closed");
                        return b;
                    }
                    int b = in.read();
                    if (b < 0) throw new java.io.EOFException("connection closed");
                    return b;
                } catch (SocketTimeoutException e) {
                    check.run();
                }
            }
        } finally {
            s.setSoTimeout(timeout);
        }
    }
}
