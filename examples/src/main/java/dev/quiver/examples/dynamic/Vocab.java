package dev.quiver.examples.dynamic;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Words to dense ids; id 0 is {@code <unk>}, which unknown words map to. */
public final class Vocab {
    public static final String UNK = "<unk>";
    private final Map<String, Integer> ids = new HashMap<>();
    private final List<String> words = new ArrayList<>();

    public Vocab() {
        add(UNK);
    }

    /** The word's id, adding it if new. */
    public int add(String word) {
        Integer id = ids.get(word);
        if (id != null) return id;
        ids.put(word, words.size());
        words.add(word);
        return words.size() - 1;
    }

    /** The word's id, or 0 ({@code <unk>}) if unknown. */
    public int id(String word) {
        Integer id = ids.get(word);
        return id == null ? 0 : id;
    }

    public String word(int id) { return words.get(id); }

    public int size() { return words.size(); }
}
