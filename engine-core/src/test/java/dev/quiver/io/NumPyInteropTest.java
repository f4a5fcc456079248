package dev.quiver.io;

import dev.quiver.tensor.Seed;
import dev.quiver.tensor.DType;
import dev.quiver.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real NumPy, when python3 with numpy is installed (skipped otherwise): our files load in
 * NumPy and equal, byte for byte, what numpy.save writes for the same values; files NumPy writes
 * (big-endian, Fortran order, format versions 2.0 and 3.0) load here with the same values.
 */
class NumPyInteropTest {
    private static boolean numpy;

    @BeforeAll
    static void probe() {
        try {
            Process p = new ProcessBuilder("python3", "-c", "import numpy").redirectErrorStream(true).start();
            numpy = p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            numpy = false;
        }
    }

    private static String python(Path dir, String script) throws Exception {
        Process p = new ProcessBuilder("python3", "-c", script).directory(dir.toFile()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "python timed out");
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    private static String pyList(Tensor t) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < t.size(); i++) sb.append(i > 0 ? ", " : "").append("float.fromhex('").append(Double.toHexString(t.getFlat(i))).append("')");
        return sb.append("]").toString();
    }

    @Test
    void numpyReadsOurFilesAndWritesTheSameBytes(@TempDir Path dir) throws Exception {
        assumeTrue(numpy, "python3 with numpy not available");
        Tensor a = Tensor.randn(DType.F64, Seed.of(5), 3, 4);
        Tensor b = Tensor.randn(DType.F32, Seed.of(6), 2, 3, 5);
        Npy.write(dir.resolve("a.npy"), a);
        Npy.write(dir.resolve("b.npy"), b, Npy.Order.FORTRAN);
        String out = python(dir, String.join("\n",
                "import numpy as np, io",
                "a = np.array(" + pyList(a) + ", dtype='<f8').reshape(3, 4)",
                "b = np.array(" + pyList(b) + ", dtype='<f4').reshape(2, 3, 5)",
                "la, lb = np.load('a.npy'), np.load('b.npy')",
                "assert la.dtype == a.dtype and la.shape == a.shape and (la.view('u8') == a.view('u8')).all()",
                "assert lb.dtype == b.dtype and lb.shape == b.shape and (lb.view('u4') == b.view('u4')).all()",
                "assert lb.flags.f_contiguous",
                "def saved(x):",
                "    f = io.BytesIO(); np.save(f, x); return f.getvalue()",
                "assert saved(a) == open('a.npy', 'rb').read(), 'C-order bytes differ from numpy.save'",
                "assert saved(np.asfortranarray(b)) == open('b.npy', 'rb').read(), 'Fortran bytes differ from numpy.save'",
                "print('ok')"));
        assertTrue(out.contains("ok"), out);
    }

    @Test
    void weReadWhatNumpyWrites(@TempDir Path dir) throws Exception {
        assumeTrue(numpy, "python3 with numpy not available");
        python(dir, String.join("\n",
                "import numpy as np",
                "from numpy.lib import format as fmt",
                "x = (np.arange(24, dtype='<f8').reshape(2, 3, 4) - 7.25) / 3",
                "np.save('le.npy', x)",
                "np.save('be.npy', x.astype('>f4'))",
                "np.save('fortran.npy', np.asfortranarray(x))",
                "for v in [(2, 0), (3, 0)]:",
                "    with open('v%d.npy' % v[0], 'wb') as f: fmt.write_array(f, x, version=v)",
                "np.save('scalar.npy', np.float64(2.5))"));
        double[] expected = new double[24];
        for (int i = 0; i < 24; i++) expected[i] = (i - 7.25) / 3;
        for (String name : new String[] {"le", "fortran", "v2", "v3"}) {
            NpyTest.assertBits(expected, new int[] {2, 3, 4}, Npy.read(dir.resolve(name + ".npy")));
        }
        Tensor be = Npy.read(dir.resolve("be.npy"));
        assertEquals(DType.F32, be.dtype());
        for (int i = 0; i < 24; i++) assertEquals((float) expected[i], be.f32()[i], 0f);
        assertEquals(2.5, Npy.read(dir.resolve("scalar.npy")).item());
        assertTrue(Files.size(dir.resolve("v3.npy")) > 0);
    }

    @Test
    void integerAndBoolArraysMatchNumPyBothWays(@TempDir Path dir) throws Exception {
        assumeTrue(numpy, "python3 with numpy not available");
        Npy.write(dir.resolve("i4.npy"), Tensor.ofInts(new int[] {1, -2, Integer.MAX_VALUE, Integer.MIN_VALUE, 0, 5}, 2, 3));
        Npy.write(dir.resolve("i8.npy"), Tensor.ofLongs(new long[] {Long.MIN_VALUE, (1L << 53) + 1, Long.MAX_VALUE}, 3));
        Npy.write(dir.resolve("b1.npy"), Tensor.ofBools(new boolean[] {true, false, false, true, true, false}, 3, 2), Npy.Order.FORTRAN);
        String out = python(dir, String.join("\n",
                "import numpy as np, io",
                "def saved(x):",
                "    f = io.BytesIO(); np.save(f, x); return f.getvalue()",
                "i4 = np.array([[1, -2, 2**31 - 1], [-2**31, 0, 5]], dtype='<i4')",
                "i8 = np.array([-2**63, 2**53 + 1, 2**63 - 1], dtype='<i8')",
                "b1 = np.array([[True, False], [False, True], [True, False]])",
                "for name, x in [('i4', i4), ('i8', i8), ('b1', np.asfortranarray(b1))]:",
                "    y = np.load(name + '.npy')",
                "    assert y.dtype == x.dtype and y.shape == x.shape and (y == x).all(), name",
                "    assert saved(x) == open(name + '.npy', 'rb').read(), name + ': bytes differ from numpy.save'",
                "x = np.arange(-3, 3).reshape(2, 3)",
                "np.save('be8.npy', x.astype('>i8')); np.save('be4.npy', x.astype('>i4'))",
                "np.save('i1.npy', x.astype('i1')); np.save('u1.npy', (x + 3).astype('u1')); np.save('i2.npy', (x * 1000).astype('<i2'))",
                "np.save('u2.npy', ((x + 3) * 9000).astype('>u2')); np.save('mask.npy', x > 0)",
                "print('ok')"));
        assertTrue(out.contains("ok"), out);
        assertArrayEquals(new long[] {-3, -2, -1, 0, 1, 2}, Npy.read(dir.resolve("be8.npy")).i64());
        assertArrayEquals(new int[] {-3, -2, -1, 0, 1, 2}, Npy.read(dir.resolve("be4.npy")).i32());
        assertArrayEquals(new byte[] {-3, -2, -1, 0, 1, 2}, Npy.read(dir.resolve("i1.npy")).i8());
        assertArrayEquals(new byte[] {0, 1, 2, 3, 4, 5}, Npy.read(dir.resolve("u1.npy")).u8());
        assertArrayEquals(new int[] {-3000, -2000, -1000, 0, 1000, 2000}, Npy.read(dir.resolve("i2.npy")).i32());
        assertArrayEquals(new int[] {0, 9000, 18000, 27000, 36000, 45000}, Npy.read(dir.resolve("u2.npy")).i32());
        Tensor mask = Npy.read(dir.resolve("mask.npy"));
        assertArrayEquals(new int[] {2, 3}, mask.shape());
        assertArrayEquals(new boolean[] {false, false, false, false, true, true}, mask.bool());
    }
}
