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
        PartialSum s = PartialSum.of(1, 2, List.of(Tensor.of(new float[] {1.5f, -2f, 3.25f}, 3)), 0.75);
        PartialSum back = Session.readResult(serialise(s));
        assertEquals(1, back.partitions);
        assertEquals(null, back.slots(), "partition 1 of 2 alone is not the sum");
        back.add(PartialSum.of(0, 2, List.of(Tensor.of(new float[] {0.5f, 1f, -0.25f}, 3)), 0.25));
        assertArrayEquals(new float[] {2f, -1f, 3f}, (float[]) back.slots()[0]);
        assertEquals(1.0, back.lossSum());
        assertEquals(2, back.partitions);
    }

    @Test
    void anyOtherClassIsRefused() throws Exception {
        ArrayList<Object> other = new ArrayList<>(List.of(new java.util.Date()));
        assertThrows(InvalidClassException.class, () -> Session.readResult(serialise(other)));
    }
}
