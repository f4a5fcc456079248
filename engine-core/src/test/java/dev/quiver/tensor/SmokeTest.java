package dev.quiver.tensor;

import dev.quiver.backend.Backends;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class SmokeTest {
    @Test
    void basics() {
        assertEquals("scalar", Backends.create("scalar", 1).name());
        Tensor a = Tensor.fromNested(new double[][] {{1, 2, 3}, {4, 5, 6}});
        Tensor b = Tensor.vector(10, 20, 30);
        assertArrayEquals(new double[] {11, 22, 33, 14, 25, 36}, a.add(b).toDoubleArray());
        assertArrayEquals(new double[] {5, 7, 9}, a.sum(0).toDoubleArray());
        assertArrayEquals(new double[] {6, 15}, a.sum(1).toDoubleArray());
        assertEquals(21, a.sum().item());
        assertArrayEquals(new double[] {140, 320}, a.matmul(b).toDoubleArray());
        assertArrayEquals(new double[] {17, 22, 27, 22, 29, 36, 27, 36, 45}, a.transpose().matmul(a).toDoubleArray());
    }
}
