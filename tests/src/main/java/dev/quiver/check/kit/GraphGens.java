package dev.quiver.check.kit;

import dev.quiver.tensor.DType;
import dev.quiver.tensor.Shapes;
import dev.quiver.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Random computation graphs: DAGs of up to {@code maxSteps} op nodes over one to three leaves,
 * drawn from the engine's op set (elementwise maps, broadcasting binary ops, ops with a scalar,
 * reductions, softmax, matmul and transpose on square matrices), with fan-out (any earlier node may
 * be an argument, several times). Every node's shape broadcasts to one base shape of rank 0-2.
 *
 * <p>The generator tracks a conservative value interval per node and only draws ops that stay
 * well conditioned on it (log and sqrt of values >= 0.1, division by values away from 0, exp of
 * values <= 3, products bounded), so a finite-difference check of the graph is meaningful.
 * Shrinking removes steps (each is preceded by a "one more?" choice), lowers ranks and dimensions
 * and moves leaf values towards 0.
 */
public final class GraphGens {
    private GraphGens() {}

    private static final String[] UNARY = {"neg", "tanh", "sigmoid", "exp", "log", "sqrt", "square", "relu", "abs",
            "add_c", "mul_c", "pow", "sum", "sum_axis", "softmax", "transpose"};
    private static final String[] BINARY = {"add", "sub", "mul", "div", "max", "min", "matmul"};

    /** Graphs of up to 20 nodes from the built-in op set. */
    public static Gen<GraphSpec> dags() {
        return dags(17, List.of());
    }

    /** Graphs of up to {@code maxSteps} ops, also drawing the given custom unary ops. */
    public static Gen<GraphSpec> dags(int maxSteps, List<GraphSpec.Custom> customs) {
        Gen<int[]> shapes = TensorGens.shapes(0, 2, 1, 3, 0);
        return s -> {
            int[] shape = shapes.generate(s);
            if (shape.length == 2 && s.weighted(0.3)) shape[1] = shape[0]; // square: matmul and transpose apply
            List<GraphSpec.Leaf> leaves = new ArrayList<>();
            List<int[]> nodeShapes = new ArrayList<>();
            List<double[]> intervals = new ArrayList<>();
            // One leaf, then "one more?" coins: deleting a coin and its leaf's choices removes the leaf.
            for (int i = 0; i == 0 || i < 3 && s.weighted(0.5); i++) {
                boolean param = s.weighted(0.3);
                int[] leafShape = i == 0 ? shape.clone() : TensorGens.broadcastable(1, Gens.constant(shape)).generate(s)[0];
                Tensor value = TensorGens.tensors(DType.F64, leafShape, Domain.interval(-2, 2)).generate(s);
                leaves.add(new GraphSpec.Leaf((param ? "p" : "x") + i, param, value));
                nodeShapes.add(leafShape);
                intervals.add(new double[] {-2, 2});
            }
            List<GraphSpec.Step> steps = new ArrayList<>();
            while (steps.size() < maxSteps && s.weighted(0.85)) {
                int count = nodeShapes.size();
                int a = count - 1 - (int) s.choice(count); // 0 = the newest node: chains are simplest
                int opPick = (int) s.choice(UNARY.length + BINARY.length + customs.size());
                GraphSpec.Step step = null;
                int[] outShape = null;
                double[] outInterval = null;
                double[] ia = intervals.get(a);
                int[] sa = nodeShapes.get(a);
                if (opPick >= UNARY.length + BINARY.length) {
                    GraphSpec.Custom c = customs.get(opPick - UNARY.length - BINARY.length);
                    double[] r = c.interval().apply(ia);
                    if (r != null && bounded(r)) { step = new GraphSpec.Step(c.name(), new int[] {a}, 0, 0); outShape = sa; outInterval = r; }
                } else if (opPick >= UNARY.length) {
                    String op = BINARY[opPick - UNARY.length];
                    int b = count - 1 - (int) s.choice(count);
                    double[] ib = intervals.get(b);
                    int[] sb = nodeShapes.get(b);
                    double[] r = binaryInterval(op, ia, ib);
                    boolean shapesOk = op.equals("matmul")
                            ? sa.length == 2 && sa[0] == sa[1] && java.util.Arrays.equals(sa, sb)
                            : true;
                    if (r != null && shapesOk && bounded(r)) {
                        step = new GraphSpec.Step(op, new int[] {a, b}, 0, 0);
                        outShape = op.equals("matmul") ? sa : Shapes.broadcast(op, sa, sb);
                        outInterval = op.equals("matmul") ? new double[] {-sa[0] * r[1], sa[0] * r[1]} : r;
                    }
                } else {
                    String op = UNARY[opPick];
                    double constant = switch (op) {
                        case "add_c" -> Gens.elements(1.0, -0.5, 2.0).generate(s);
                        case "mul_c" -> Gens.elements(2.0, -1.0, 0.5).generate(s);
                        case "pow" -> Gens.elements(2.0, 3.0, 0.5).generate(s);
                        default -> 0;
                    };
                    int axis = sa.length > 0 && (op.equals("sum_axis") || op.equals("softmax")) ? (int) s.choice(sa.length) : 0;
                    double[] r = unaryInterval(op, ia, constant, sa);
                    boolean shapeOk = switch (op) {
                        case "sum_axis", "softmax" -> sa.length > 0;
                        case "transpose" -> sa.length == 2 && sa[0] == sa[1];
                        default -> true;
                    };
                    if (r != null && shapeOk && bounded(r)) {
                        step = new GraphSpec.Step(op, new int[] {a}, constant, axis);
                        outInterval = r;
                        outShape = switch (op) {
                            case "sum" -> new int[0];
                            case "sum_axis" -> { int[] t = sa.clone(); t[axis] = 1; yield t; }
                            default -> sa;
                        };
                    }
                }
                if (step == null) continue; // not applicable here: the "one more?" coin decides again
                steps.add(step);
                nodeShapes.add(outShape);
                intervals.add(outInterval);
            }
            return new GraphSpec(shape, List.copyOf(leaves), List.copyOf(steps));
        };
    }

    private static boolean bounded(double[] r) {
        return Math.abs(r[0]) <= 60 && Math.abs(r[1]) <= 60;
    }

    private static double[] unaryInterval(String op, double[] x, double c, int[] shape) {
        double lo = x[0], hi = x[1], m = Math.max(Math.abs(lo), Math.abs(hi));
        int n = Math.max(1, Shapes.size(shape));
        return switch (op) {
            case "neg" -> new double[] {-hi, -lo};
            case "tanh" -> new double[] {Math.tanh(lo), Math.tanh(hi)};
            case "sigmoid" -> new double[] {sig(lo), sig(hi)};
            case "exp" -> hi <= 3 ? new double[] {Math.exp(lo), Math.exp(hi)} : null;
            case "log" -> lo >= 0.1 ? new double[] {Math.log(lo), Math.log(hi)} : null;
            case "sqrt" -> lo >= 0.1 ? new double[] {Math.sqrt(lo), Math.sqrt(hi)} : null;
            case "square" -> new double[] {lo > 0 || hi < 0 ? Math.min(lo * lo, hi * hi) : 0, m * m};
            case "relu" -> new double[] {Math.max(0, lo), Math.max(0, hi)};
            case "abs" -> new double[] {lo > 0 || hi < 0 ? Math.min(Math.abs(lo), Math.abs(hi)) : 0, m};
            case "add_c" -> new double[] {lo + c, hi + c};
            case "mul_c" -> new double[] {Math.min(lo * c, hi * c), Math.max(lo * c, hi * c)};
            case "pow" -> c == 0.5 ? (lo >= 0.1 ? new double[] {Math.sqrt(lo), Math.sqrt(hi)} : null)
                    : c == 2 ? unaryInterval("square", x, 0, shape)
                    : new double[] {lo * lo * lo, hi * hi * hi};
            case "sum", "sum_axis" -> new double[] {-n * m, n * m};
            case "softmax" -> new double[] {0, 1};
            case "transpose" -> x.clone();
            default -> null;
        };
    }

    private static double[] binaryInterval(String op, double[] a, double[] b) {
        double ma = Math.max(Math.abs(a[0]), Math.abs(a[1])), mb = Math.max(Math.abs(b[0]), Math.abs(b[1]));
        return switch (op) {
            case "add" -> new double[] {a[0] + b[0], a[1] + b[1]};
            case "sub" -> new double[] {a[0] - b[1], a[1] - b[0]};
            case "mul", "matmul" -> new double[] {-ma * mb, ma * mb};
            case "div" -> b[0] >= 0.2 || b[1] <= -0.2
                    ? new double[] {-ma / Math.min(Math.abs(b[0]), Math.abs(b[1])), ma / Math.min(Math.abs(b[0]), Math.abs(b[1]))} : null;
            case "max" -> new double[] {Math.max(a[0], b[0]), Math.max(a[1], b[1])};
            case "min" -> new double[] {Math.min(a[0], b[0]), Math.min(a[1], b[1])};
            default -> null;
        };
    }

    private static double sig(double x) {
        return 1 / (1 + Math.exp(-x));
    }
}
