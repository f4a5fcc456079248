package dev.quiver.spark;

import dev.quiver.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** What the driver accepts from a session socket: a task's PartialSum, and no other class. */
class SessionResultTest {
    private static byte[] serialise(Object o) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(b)) {
            out.writeObject(o);
        }
        return b.toByteArray();
    }

    @Test
    void aTaskResultRoundTrips() throws Exception {
        PartialSum s = PartialSum.of(List.of(Tensor.of(new float[] {1.5f, -2f, 3.25f}, 3)));
        s.lossSum = 0.75;
        s.partitions = 1;
        s.error = null;
        PartialSum back = Session.readResult(serialise(s));
        assertArrayEquals(new float[] {1.5f, -2f, 3.25f}, (float[]) back.slots[0]);
        assertEquals(0.75, back.lossSum);
        assertEquals(1, back.partitions);
    }

    @Test
    void anyOtherClassIsRefused() throws Exception {
        ArrayList<Object> other = new ArrayList<>(List.of(new java.util.Date()));
        assertThrows(InvalidClassException.class, () -> Session.readResult(serialise(other)));
    }
}
