package dev.quiver;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The module's API is its unqualified exports, read from module-info.java: no internal package is
 * among them, and no public or protected signature of a public type there (supertypes, fields,
 * constructors, methods, with their type arguments) names a type of an engine package outside
 * them, which a user could not name (an internal half, or one exported to engine-simd only).
 */
class ModuleApiTest {
    private static final Path SOURCES = Path.of("src/main/java");
    private static final Pattern EXPORT = Pattern.compile("\\bexports\\s+([\\w.]+)\\s*(to\\s+[\\w.,\\s]+)?;");

    /** Package -> qualified (true) or not, in module-info order. */
    static List<String[]> exports() throws IOException {
        String info = Files.readString(SOURCES.resolve("module-info.java")).replaceAll("//[^\n]*", "");
        List<String[]> out = new ArrayList<>();
        Matcher m = EXPORT.matcher(info);
        while (m.find()) out.add(new String[] {m.group(1), m.group(2) == null ? "" : m.group(2).trim()});
        return out;
    }

    static Set<String> api() throws IOException {
        Set<String> api = new TreeSet<>();
        for (String[] e : exports()) if (e[1].isEmpty()) api.add(e[0]);
        return api;
    }

    @Test
    void noInternalPackageIsExportedToEveryone() throws IOException {
        Set<String> api = api();
        assertTrue(api.contains("dev.quiver.graph") && api.contains("dev.quiver.ops"), "read the exports: " + api);
        List<String> wrong = new ArrayList<>();
        for (String p : api) if (p.endsWith(".internal") || p.contains(".internal.")) wrong.add(p);
        assertEquals(List.of(), wrong, "internal packages exported without a 'to' clause");
    }

    @Test
    void publicSignaturesNameOnlyApiTypes() throws IOException, ClassNotFoundException {
        Set<String> api = api();
        Set<String> leaks = new TreeSet<>();
        int scanned = 0;
        for (String pkg : api) {
            Path dir = SOURCES.resolve(pkg.replace('.', '/'));
            List<Path> files;
            try (Stream<Path> list = Files.list(dir)) {
                files = list.filter(p -> p.toString().endsWith(".java") && !p.endsWith("package-info.java")).toList();
            }
            for (Path f : files) {
                String name = f.getFileName().toString().replace(".java", "");
                scanned += scan(Class.forName(pkg + "." + name, false, getClass().getClassLoader()), api, leaks);
            }
        }
        assertEquals(Set.of(), leaks, "API signatures naming types outside the exported packages");
        assertTrue(scanned > 60, "scanned the public types: " + scanned);
    }

    private static int scan(Class<?> c, Set<String> api, Set<String> leaks) {
        if (!Modifier.isPublic(c.getModifiers())) return 0;
        int n = 1;
        String where = c.getName();
        check(where + " extends", c.getGenericSuperclass(), api, leaks);
        for (Type t : c.getGenericInterfaces()) check(where + " implements", t, api, leaks);
        for (TypeVariable<?> v : c.getTypeParameters()) for (Type b : v.getBounds()) check(where, b, api, leaks);
        for (Field f : c.getDeclaredFields()) {
            if (visible(f.getModifiers()) && !f.isSynthetic()) check(where + "." + f.getName(), f.getGenericType(), api, leaks);
        }
        for (Constructor<?> k : c.getDeclaredConstructors()) executable(where + ".<init>", k, api, leaks);
        for (Method m : c.getDeclaredMethods()) {
            if (!m.isBridge()) executable(where + "." + m.getName() + "()", m, api, leaks);
        }
        for (Class<?> nested : c.getDeclaredClasses()) n += scan(nested, api, leaks);
        return n;
    }

    private static boolean visible(int mod) {
        return Modifier.isPublic(mod) || Modifier.isProtected(mod);
    }

    private static void executable(String where, Executable e, Set<String> api, Set<String> leaks) {
        if (!visible(e.getModifiers()) || e.isSynthetic()) return;
        if (e instanceof Method m) check(where, m.getGenericReturnType(), api, leaks);
        for (Type t : e.getGenericParameterTypes()) check(where, t, api, leaks);
        for (Type t : e.getGenericExceptionTypes()) check(where, t, api, leaks);
        for (TypeVariable<?> v : e.getTypeParameters()) for (Type b : v.getBounds()) check(where, b, api, leaks);
    }

    private static void check(String where, Type t, Set<String> api, Set<String> leaks) {
        switch (t) {
            case null -> { }
            case Class<?> c -> {
                while (c.isArray()) c = c.getComponentType();
                String pkg = c.getPackageName();
                if (pkg.startsWith("dev.quiver.") && !api.contains(pkg)) leaks.add(where + " names " + c.getName());
            }
            case ParameterizedType p -> {
                check(where, p.getRawType(), api, leaks);
                for (Type a : p.getActualTypeArguments()) check(where, a, api, leaks);
            }
            case GenericArrayType g -> check(where, g.getGenericComponentType(), api, leaks);
            case WildcardType w -> {
                for (Type b : w.getUpperBounds()) check(where, b, api, leaks);
                for (Type b : w.getLowerBounds()) check(where, b, api, leaks);
            }
            default -> { } // type variables: their bounds are checked where they are declared
        }
    }
}
