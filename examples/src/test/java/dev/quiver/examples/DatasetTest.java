package dev.quiver.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class DatasetTest {
    @Test
    void csvWithHeader(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("d.csv");
        Files.writeString(f, "label,a,b\n1, 0.5,2\n0,-1,3e2\n\n2,0,0\n");
        Dataset d = Dataset.readCsv(f);
        assertEquals(3, d.size());
        assertEquals(2, d.dim());
        assertEquals(3, d.classes());
        assertArrayEquals(new int[] {1, 0, 2}, d.labels());
        assertArrayEquals(new double[] {-1, 300}, d.features()[1]);
    }

    @Test
    void csvErrorsNameFileLineAndProblem(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("bad.csv");
        Files.writeString(f, "1,2,3\n0,x,1\n");
        IOException e = assertThrows(IOException.class, () -> Dataset.readCsv(f));
        assertTrue(e.getMessage().contains("bad.csv:2") && e.getMessage().contains("'x'"), e.getMessage());
        Files.writeString(f, "1,2,3\n0,1\n");
        e = assertThrows(IOException.class, () -> Dataset.readCsv(f));
        assertTrue(e.getMessage().contains("2 columns, expected 3"), e.getMessage());
    }

    private static byte[] idx(int magic, int... dimsThenBytes) throws IOException {
        var bytes = new ByteArrayOutputStream();
        var out = new DataOutputStream(bytes);
        out.writeInt(magic);
        int dims = magic & 0xff;
        for (int i = 0; i < dims; i++) out.writeInt(dimsThenBytes[i]);
        for (int i = dims; i < dimsThenBytes.length; i++) out.writeByte(dimsThenBytes[i]);
        return bytes.toByteArray();
    }

    @Test
    void idxImagesAndLabels(@TempDir Path dir) throws IOException {
        Path images = dir.resolve("img.idx3-ubyte"), labels = dir.resolve("lbl.idx1-ubyte");
        Files.write(images, idx(0x803, 2, 2, 2, 0, 255, 51, 0, 255, 255, 255, 255));
        Files.write(labels, idx(0x801, 2, 7, 3));
        Dataset d = Dataset.readIdx(images, labels);
        assertEquals(2, d.size());
        assertEquals(4, d.dim());
        assertEquals(8, d.classes());
        assertArrayEquals(new double[] {0, 1, 0.2, 0}, d.features()[0], 1e-12);
        assertArrayEquals(new int[] {7, 3}, d.labels());
    }

    @Test
    void idxRejectsWrongMagicAndTruncation(@TempDir Path dir) throws IOException {
        Path images = dir.resolve("img"), labels = dir.resolve("lbl");
        Files.write(labels, idx(0x801, 2, 7, 3));
        Files.write(images, idx(0x801, 2, 1, 1));
        assertTrue(assertThrows(IOException.class, () -> Dataset.readIdx(images, labels)).getMessage().contains("not an IDX image file"));
        Files.write(images, idx(0x803, 2, 2, 2, 0, 255));
        assertTrue(assertThrows(IOException.class, () -> Dataset.readIdx(images, labels)).getMessage().contains("truncated"));
    }

    @Test
    void spiralsAreDeterministicAndBalanced() {
        Dataset a = Dataset.spirals(50, 3, 0.1, 7), b = Dataset.spirals(50, 3, 0.1, 7);
        assertEquals(150, a.size());
        assertArrayEquals(a.features()[77], b.features()[77]);
        assertEquals(50, java.util.Arrays.stream(a.labels()).filter(y -> y == 2).count());
        assertNotEquals(a.features()[10][0], Dataset.spirals(50, 3, 0.1, 8).features()[10][0]);
    }
}
