package dev.quiver.benchmarks.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class SummaryTest {
    /** Two implementations in avgt mode: simd at 2 ms and openblas at 1 ms give simd/openblas = 0.50. */
    private static String result(String impl, int n, double ms, double alloc) {
        return """
            {"benchmark":"dev.quiver.benchmarks.gemm.GemmBench.sgemm","mode":"avgt","threads":1,"forks":1,
             "params":{"impl":"%s","n":"%d"},
             "primaryMetric":{"score":%s,"scoreError":0.01,"scoreUnit":"ms/op"},
             "secondaryMetrics":{"gc.alloc.rate.norm":{"score":%s,"scoreUnit":"B/op"}}}
            """.formatted(impl, n, ms, alloc);
    }

    @Test
    void ratiosAreThroughputRatiosWithinARow(@TempDir Path dir) throws Exception {
        String json = "[" + String.join(",", List.of(
                result("simd", 64, 2.0, 0), result("openblas", 64, 1.0, 16),
                result("simd", 128, 1.0, 0), result("openblas", 128, 4.0, 16))) + "]";
        String md = Summary.markdown(Summary.read(json), dir);
        assertTrue(md.contains("| case | simd | openblas | simd/openblas | alloc B/op |"), md);
        assertTrue(md.contains("| n=64 | 2.00 ms/op | 1.00 ms/op | 0.50 | 0 |"), md);
        assertTrue(md.contains("| n=128 | 1.00 ms/op | 4.00 ms/op | 4.00 | 0 |"), md);
        String svg = Files.readString(dir.resolve("GemmBench-sgemm.svg"));
        assertTrue(svg.contains("<svg") && svg.contains("openblas") && svg.contains("simd") && svg.contains("n (log scale)"), svg);
        byte[] png = Files.readAllBytes(dir.resolve("GemmBench-sgemm.png"));
        assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G');
        assertTrue(md.contains("![GemmBench.sgemm](GemmBench-sgemm.svg) ([PNG](GemmBench-sgemm.png))"), md);
    }

    /** Issue 18: a log size axis, no two series alike in colour and marker, the legend outside the plot. */
    @Test
    void chartsTellEverySeriesApart() {
        java.util.Map<String, java.util.TreeMap<Double, Double>> lines = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 24; i++) lines.put("peer" + i, new java.util.TreeMap<>(java.util.Map.of(64.0, 1.0 + i, 4096.0, 2.0 + i)));
        var chart = Charts.lines("t", "n (log scale)", "GFLOP/s", lines, true);
        var plot = chart.getXYPlot();
        assertInstanceOf(org.jfree.chart.axis.LogAxis.class, plot.getDomainAxis());
        var renderer = plot.getRenderer();
        java.util.Set<String> styles = new java.util.HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            java.awt.geom.Rectangle2D bounds = renderer.getSeriesShape(i).getBounds2D();
            String shape = renderer.getSeriesShape(i).getClass().getSimpleName() + bounds + pathSignature(renderer.getSeriesShape(i));
            assertTrue(styles.add(renderer.getSeriesPaint(i) + " " + shape), "series " + i + " looks like an earlier one");
            if (i > 0) assertNotEquals(renderer.getSeriesPaint(i - 1), renderer.getSeriesPaint(i));
        }
        assertEquals(org.jfree.chart.ui.RectangleEdge.RIGHT, chart.getLegend().getPosition());
    }

    private static String pathSignature(java.awt.Shape shape) {
        StringBuilder b = new StringBuilder();
        double[] c = new double[6];
        for (var it = shape.getPathIterator(null); !it.isDone(); it.next()) {
            int type = it.currentSegment(c);
            b.append(type).append(':').append(Math.round(c[0])).append(',').append(Math.round(c[1])).append(' ');
        }
        return b.toString();
    }

    /** Issue 18: the benchmarks read JMH files with engine-core's one JSON reader, and its errors. */
    @Test
    void readsWithTheEnginesJsonReader() {
        var e = assertThrows(dev.quiver.io.QuiverIOException.class, () -> Summary.read("[{\"benchmark\": }]"));
        assertTrue(e.getMessage().startsWith("JMH results: malformed JSON"), e.getMessage());
    }

    @Test
    void methodNamesAreImplementationsWithoutAnImplParameter(@TempDir Path dir) throws Exception {
        String json = """
            [{"benchmark":"x.TinyBench.quiver","mode":"thrpt","threads":1,"params":{},
              "primaryMetric":{"score":300.0,"scoreUnit":"ops/us"}},
             {"benchmark":"x.TinyBench.pytorch","mode":"thrpt","threads":1,"params":{},
              "primaryMetric":{"score":3.0,"scoreUnit":"ops/us"}}]
            """;
        String md = Summary.markdown(Summary.read(json), dir);
        assertTrue(md.contains("| - | 300 ops/us | 3.00 ops/us | 100.00 |"), md);
    }
}
