package io.bayesvlm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every relative link in the repository's Markdown points at a file or folder that exists. */
class MarkdownLinksTest {
    static final Path ROOT =
            Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();
    static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

    @Test
    void noLinkPointsAtAMissingFile() throws IOException {
        List<Path> docs;
        try (Stream<Path> s = Files.walk(ROOT)) {
            docs = s.filter(p -> p.toString().endsWith(".md"))
                    .filter(p -> ROOT.relativize(p).toString().split("/").length > 0)
                    .filter(p -> {
                        String rel = ROOT.relativize(p).toString();
                        return !rel.contains("target/") && !rel.contains("node_modules/") && !rel.startsWith(".");
                    })
                    .toList();
        }
        assertThat(docs).as("Markdown files under %s", ROOT).isNotEmpty();
        List<String> broken = new ArrayList<>();
        int links = 0;
        for (Path doc : docs) {
            Matcher m = LINK.matcher(Files.readString(doc));
            while (m.find()) {
                String target = m.group(1);
                if (target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*") || target.startsWith("#")) {
                    continue; // a URL, or an anchor in the same file
                }
                String path = target.replaceAll("#.*$", "");
                links++;
                if (!Files.exists(doc.getParent().resolve(path).normalize())) {
                    broken.add(ROOT.relativize(doc) + " -> " + target);
                }
            }
        }
        assertThat(links).as("relative links found").isGreaterThan(20);
        assertThat(broken).as("links to missing files").isEmpty();
    }
}
