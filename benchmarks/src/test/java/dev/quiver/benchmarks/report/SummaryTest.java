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
        assertTrue(svg.startsWith("<svg") && svg.contains("polyline") && svg.contains("openblas"), svg);
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
