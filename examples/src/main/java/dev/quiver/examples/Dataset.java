package dev.quiver.examples;

import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.BufferedInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;

/**
 * A classification data set: features (one row per example) and integer labels in [0, classes).
 * Made synthetically (interleaved spirals, Gaussian blobs) or read from CSV or MNIST's IDX format.
 */
public record Dataset(String description, double[][] features, int[] labels, int classes) {

    public int size() { return labels.length; }

    public int dim() { return features.length == 0 ? 0 : features[0].length; }

    /**
     * {@code classes} interleaved spirals in 2-D, {@code perClass} points each, with Gaussian
     * noise; deterministic for a seed. Not linearly separable: a hidden layer is needed.
     */
    public static Dataset spirals(int perClass, int classes, double noise, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int n = perClass * classes;
        double[][] x = new double[n][2];
        int[] y = new int[n];
        for (int c = 0; c < classes; c++) {
            for (int i = 0; i < perClass; i++) {
                int row = c * perClass + i;
                double r = (double) (i + 1) / perClass;
                double theta = 2 * Math.PI * c / classes + 4.0 * r + noise * gaussian(random);
                x[row][0] = r * Math.sin(theta);
                x[row][1] = r * Math.cos(theta);
                y[row] = c;
            }
        }
        return new Dataset(classes + " interleaved spirals, " + n + " points", x, y, classes);
    }

    /**
     * Two Gaussian blobs in 2-D centred at (-1, -0.5) and (1, 0.5), {@code perClass} points each:
     * the SVM demo's default, almost linearly separable.
     */
    public static Dataset blobs(int perClass, double spread, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[][] x = new double[2 * perClass][2];
        int[] y = new int[2 * perClass];
        for (int i = 0; i < 2 * perClass; i++) {
            int c = i < perClass ? 0 : 1;
            double sign = c == 0 ? -1 : 1;
            x[i][0] = sign + spread * gaussian(random);
            x[i][1] = 0.5 * sign + spread * gaussian(random);
            y[i] = c;
        }
        return new Dataset("two Gaussian blobs, " + 2 * perClass + " points", x, y, 2);
    }

    private static double gaussian(SplittableRandom random) {
        double u = 1 - random.nextDouble(), v = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    /**
     * Reads a CSV file: one example per line, the label (a non-negative integer) in the first
     * column, numeric features after it. A first line that does not parse as numbers is a header.
     */
    public static Dataset readCsv(Path file) throws IOException {
        List<double[]> rows = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        int lineNo = 0, width = -1;
        for (String line : Files.readAllLines(file)) {
            lineNo++;
            if (line.isBlank()) continue;
            String[] cells = line.split(",");
            if (lineNo == 1 && !isNumber(cells[0].trim())) continue; // header
            if (cells.length < 2) throw new IOException(file + ":" + lineNo + ": expected a label and at least one feature");
            if (width < 0) width = cells.length;
            if (cells.length != width) {
                throw new IOException(file + ":" + lineNo + ": " + cells.length + " columns, expected " + width);
            }
            int label;
            try {
                label = Integer.parseInt(cells[0].trim());
            } catch (NumberFormatException e) {
                throw new IOException(file + ":" + lineNo + ": label '" + cells[0].trim() + "' is not a non-negative integer");
            }
            if (label < 0) throw new IOException(file + ":" + lineNo + ": negative label " + label);
            double[] row = new double[width - 1];
            for (int j = 1; j < width; j++) {
                try {
                    row[j - 1] = Double.parseDouble(cells[j].trim());
                } catch (NumberFormatException e) {
                    throw new IOException(file + ":" + lineNo + ": column " + (j + 1) + " '" + cells[j].trim() + "' is not a number");
                }
                if (!Double.isFinite(row[j - 1])) throw new IOException(file + ":" + lineNo + ": column " + (j + 1) + " is not finite");
            }
            rows.add(row);
            labels.add(label);
        }
        if (rows.isEmpty()) throw new IOException(file + ": no examples");
        int[] y = labels.stream().mapToInt(Integer::intValue).toArray();
        int classes = 1 + java.util.Arrays.stream(y).max().orElse(0);
        return new Dataset(file.getFileName() + " (CSV, " + y.length + " examples)", rows.toArray(double[][]::new), y, classes);
    }

    private static boolean isNumber(String s) {
        try {
            Double.parseDouble(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /**
     * Reads MNIST's IDX format: an images file (magic 0x00000803, unsigned bytes, n x rows x cols,
     * scaled to [0, 1]) and a labels file (magic 0x00000801). Either may be gzipped (.gz).
     */
    public static Dataset readIdx(Path images, Path labels) throws IOException {
        int[] y;
        try (DataInputStream in = open(labels)) {
            int magic = in.readInt();
            if (magic != 0x00000801) throw new IOException(labels + ": not an IDX label file (magic 0x" + Integer.toHexString(magic) + ", expected 0x801)");
            int n = in.readInt();
            if (n < 0 || n > Files.size(labels) * 64L) throw new IOException(labels + ": implausible label count " + n);
            y = new int[n];
            for (int i = 0; i < n; i++) y[i] = in.readUnsignedByte();
        } catch (EOFException e) {
            throw new IOException(labels + ": truncated", e);
        }
        double[][] x;
        try (DataInputStream in = open(images)) {
            int magic = in.readInt();
            if (magic != 0x00000803) throw new IOException(images + ": not an IDX image file (magic 0x" + Integer.toHexString(magic) + ", expected 0x803)");
            int n = in.readInt(), rows = in.readInt(), cols = in.readInt();
            if (n != y.length) throw new IOException(images + ": " + n + " images but " + y.length + " labels in " + labels);
            long pixels = (long) rows * cols;
            if (rows <= 0 || cols <= 0 || pixels * n > Files.size(images) * 64L) {
                throw new IOException(images + ": implausible image size " + n + " x " + rows + " x " + cols);
            }
            x = new double[n][(int) pixels];
            for (int i = 0; i < n; i++) for (int j = 0; j < pixels; j++) x[i][j] = in.readUnsignedByte() / 255.0;
        } catch (EOFException e) {
            throw new IOException(images + ": truncated", e);
        }
        int classes = 1 + java.util.Arrays.stream(y).max().orElse(0);
        return new Dataset(images.getFileName() + " (IDX, " + y.length + " images)", x, y, classes);
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file));
        if (file.toString().endsWith(".gz")) in = new GZIPInputStream(in);
        return new DataInputStream(in);
    }

    /** Features of rows [from, from + count) as a (count, dim) tensor. */
    public Tensor batch(DType dtype, int[] order, int from, int count) {
        Tensor t = Tensor.zeros(dtype, count, dim());
        fillBatch(t, order, from);
        return t;
    }

    /** Writes the features of rows order[from ...] into a preallocated (count, dim) tensor. */
    public void fillBatch(Tensor out, int[] order, int from) {
        int count = out.dim(0), d = dim();
        for (int i = 0; i < count; i++) {
            double[] row = features[order[from + i]];
            for (int j = 0; j < d; j++) out.setFlat(i * d + j, row[j]);
        }
    }

    /** Standardises every feature to zero mean and unit variance (in place); returns this. */
    public Dataset standardise() {
        int d = dim();
        for (int j = 0; j < d; j++) {
            double mean = 0, sq = 0;
            for (double[] row : features) mean += row[j];
            mean /= size();
            for (double[] row : features) sq += (row[j] - mean) * (row[j] - mean);
            double sd = Math.sqrt(sq / size());
            for (double[] row : features) row[j] = sd > 0 ? (row[j] - mean) / sd : 0;
        }
        return this;
    }
}
