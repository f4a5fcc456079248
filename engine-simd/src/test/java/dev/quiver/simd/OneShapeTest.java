package dev.quiver.simd;

import dev.quiver.simd.gemm.GemmF32;
import dev.quiver.simd.gemm.GemmF64;
import jdk.incubator.vector.Vector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The backend uses one vector shape per process ({@link SimdShape}): every species, vector, mask
 * and shuffle constant of its kernels has that shape, except the conversions' shorts, which have
 * half of it and no other. Two shapes of one element type pollute the JDK's type profiles and
 * can leave a recompiled kernel boxing vectors (SimdShape's comment). Checked at every width CI
 * runs (preferred, 256, 128).
 */
class OneShapeTest {
    static final Class<?>[] KERNELS = {SimdKernelsF64.class, SimdKernelsF32.class, VectorLibm.class,
            SimdConversions.class, GemmF64.class, GemmF32.class};

    @Test
    void everyVectorConstantHasTheOneShape() throws Exception {
        Map<Class<?>, VectorShape> shapeOf = new HashMap<>();
        List<String> seen = new ArrayList<>();
        for (Class<?> c : KERNELS) {
            for (Field f : c.getDeclaredFields()) {
                if (!Modifier.isStatic(f.getModifiers())) continue;
                f.setAccessible(true);
                VectorSpecies<?> species = switch (f.get(null)) {
                    case VectorSpecies<?> s -> s;
                    case Vector<?> v -> v.species();
                    case VectorMask<?> m -> m.vectorSpecies();
                    case VectorShuffle<?> s -> s.vectorSpecies();
                    case null, default -> null;
                };
                if (species == null) continue;
                String where = c.getSimpleName() + "." + f.getName() + " (" + species + ")";
                seen.add(where);
                VectorShape expected = species.elementType() == short.class
                        ? VectorShape.forBitSize(SimdShape.SHAPE.vectorBitSize() / 2) : SimdShape.SHAPE;
                assertEquals(expected, species.vectorShape(), where + " is not the process's one shape");
                VectorShape before = shapeOf.putIfAbsent(species.elementType(), species.vectorShape());
                assertTrue(before == null || before == species.vectorShape(), where + ": a second shape of " + species.elementType());
            }
        }
        // The kernels' species constants were found (a renamed field must not make this test vacuous).
        assertTrue(seen.size() >= 10, "only " + seen);
        assertEquals(SimdShape.SHAPE.vectorBitSize(), SimdBackend.vectorBits());
        assertEquals(SimdShape.SHAPE.vectorBitSize(), GemmF64.vectorBits());
        assertEquals(SimdShape.SHAPE.vectorBitSize(), GemmF32.vectorBits());
    }
}
