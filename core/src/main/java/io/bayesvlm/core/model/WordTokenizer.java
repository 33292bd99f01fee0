package io.bayesvlm.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The word-level tokenizer of models exported by {@code models/scripts/train_fashion_clip.py}
 * ({@code tokenizer.json}, type {@value #TYPE}): optionally lowercase, take the matches of {@code pattern} as
 * words, map them to ids through {@code vocab} ({@code unk_id} for unknown words), truncate or pad with
 * {@code pad_id} to {@code max_length}. Immutable and thread-safe.
 */
public final class WordTokenizer {

    public static final String TYPE = "bayesvlm-word-tokenizer/1";

    private final boolean lowercase;
    private final Pattern pattern;
    private final Map<String, Long> vocab;
    private final int maxLength;
    private final long padId;
    private final long unkId;

    private WordTokenizer(
            boolean lowercase, Pattern pattern, Map<String, Long> vocab, int maxLength, long padId, long unkId) {
        this.lowercase = lowercase;
        this.pattern = pattern;
        this.vocab = vocab;
        this.maxLength = maxLength;
        this.padId = padId;
        this.unkId = unkId;
    }

    public static WordTokenizer load(Path file) throws IOException {
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        String type = root.path("type").asText("");
        if (!TYPE.equals(type)) {
            throw new ModelFormatException(
                    file + ": tokenizer type '" + type + "' is not supported by this build (it reads '" + TYPE
                            + "'); compute class_text_activations with the model's own tooling instead");
        }
        Map<String, Long> vocab = new HashMap<>();
        root.path("vocab")
                .fields()
                .forEachRemaining(e -> vocab.put(e.getKey(), e.getValue().asLong()));
        if (vocab.isEmpty() || !root.hasNonNull("max_length")) {
            throw new ModelFormatException(file + ": tokenizer needs 'vocab' and 'max_length'");
        }
        return new WordTokenizer(
                root.path("lowercase").asBoolean(true),
                Pattern.compile(root.path("pattern").asText("[a-z0-9]+")),
                vocab,
                root.get("max_length").asInt(),
                root.path("pad_id").asLong(0),
                root.path("unk_id").asLong(1));
    }

    public int maxLength() {
        return maxLength;
    }

    /** Token ids of one text, padded or truncated to {@link #maxLength()}. */
    public long[] encode(String text) {
        long[] ids = new long[maxLength];
        java.util.Arrays.fill(ids, padId);
        Matcher m = pattern.matcher(lowercase ? text.toLowerCase(Locale.ROOT) : text);
        int n = 0;
        while (n < maxLength && m.find()) {
            ids[n++] = vocab.getOrDefault(m.group(), unkId);
        }
        return ids;
    }

    /** How many words of the text are not in the vocabulary (they become the unknown token). */
    public int unknownWords(String text) {
        Matcher m = pattern.matcher(lowercase ? text.toLowerCase(Locale.ROOT) : text);
        int unknown = 0;
        while (m.find()) {
            if (!vocab.containsKey(m.group())) {
                unknown++;
            }
        }
        return unknown;
    }
}
