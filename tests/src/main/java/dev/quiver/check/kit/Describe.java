package dev.quiver.check.kit;

import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;

import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;

/**
 * Renders generated values for failure reports: tensors in full (dtype, shape, layout and every
 * value, up to 256 elements), arrays, collections and records component by component.
 */
public final class Describe {
    private Describe() {}

    public static String of(Object value) {
        StringBuilder sb = new StringBuilder();
        append(sb, value);
        return sb.toString();
    }

    private static void append(StringBuilder sb, Object v) {
        switch (v) {
            case null -> sb.append("null");
            case Tensor t -> tensor(sb, t);
            case int[] a -> sb.append(Arrays.toString(a));
            case long[] a -> sb.append(Arrays.toString(a));
            case double[] a -> sb.append(Arrays.toString(a));
            case float[] a -> sb.append(Arrays.toString(a));
            case boolean[] a -> sb.append(Arrays.toString(a));
            case Object[] a -> {
                sb.append('[');
                for (int i = 0; i < a.length; i++) {
                    if (i > 0) sb.append(", ");
                    append(sb, a[i]);
                }
                sb.append(']');
            }
            case Collection<?> c -> {
                sb.append('[');
                boolean first = true;
                for (Object o : c) {
                    if (!first) sb.append(", ");
                    first = false;
                    append(sb, o);
                }
                sb.append(']');
            }
            case Map<?, ?> m -> {
                sb.append('{');
                boolean first = true;
                for (var e : m.entrySet()) {
                    if (!first) sb.append(", ");
                    first = false;
                    sb.append(e.getKey()).append('=');
                    append(sb, e.getValue());
                }
                sb.append('}');
            }
            case GraphSpec g -> sb.append(g); // its own multi-line rendering
            case Record r -> record(sb, r);
            default -> sb.append(v);
        }
    }

    private static void record(StringBuilder sb, Record r) {
        sb.append(r.getClass().getSimpleName()).append('[');
        RecordComponent[] parts = r.getClass().getRecordComponents();
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(parts[i].getName()).append('=');
            try {
                var accessor = parts[i].getAccessor();
                accessor.setAccessible(true);
                append(sb, accessor.invoke(r));
            } catch (ReflectiveOperationException | RuntimeException e) {
                sb.append('?');
            }
        }
        sb.append(']');
    }

    /** "F64 [2, 3] (strides [1, 2], offset 0) [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]" */
    public static String tensor(Tensor t) {
        StringBuilder sb = new StringBuilder();
        tensor(sb, t);
        return sb.toString();
    }

    private static void tensor(StringBuilder sb, Tensor t) {
        sb.append(t.dtype()).append(' ').append(Shapes.str(t.shape()));
        if (!t.isContiguous() || t.offset() != 0) {
            sb.append(" (strides ").append(Shapes.str(t.strides())).append(", offset ").append(t.offset()).append(')');
        }
        sb.append(' ');
        if (t.size() > 256) {
            sb.append("<").append(t.size()).append(" elements> ").append(t);
            return;
        }
        values(sb, t, 0, new int[] {0});
    }

    private static void values(StringBuilder sb, Tensor t, int axis, int[] flat) {
        if (axis == t.rank()) {
            double v = t.getFlat(flat[0]++);
            sb.append(t.dtype() == dev.quiver.tensor.DType.F32 ? Float.toString((float) v) : Double.toString(v));
            return;
        }
        sb.append('[');
        for (int i = 0; i < t.dim(axis); i++) {
            if (i > 0) sb.append(", ");
            values(sb, t, axis + 1, flat);
        }
        sb.append(']');
    }
}
