package io.bayesvlm.review.http;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The users file: one {@code name:role:hash} line per person ({@code #} comments), role {@code reviewer} (works the
 * queue and sees the dashboard) or {@code viewer} (dashboard only). Read once at startup; errors name the line.
 */
public final class Users {
    public enum Role {
        REVIEWER,
        VIEWER
    }

    public record User(String name, Role role) {}

    private record Entry(User user, String hash) {}

    private final Map<String, Entry> entries;

    private Users(Map<String, Entry> entries) {
        this.entries = entries;
    }

    public static Users load(Path file) throws IOException {
        Map<String, Entry> m = new LinkedHashMap<>();
        int n = 0;
        for (String line : Files.readAllLines(file)) {
            n++;
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            String[] p = t.split(":", 3);
            String where = file + ":" + n + ": ";
            if (p.length != 3 || !p[0].matches("[A-Za-z0-9._@-]{1,64}")) {
                throw new IllegalArgumentException(
                        where + "expected name:role:hash with a name of letters, digits, '.', '_', '@' or '-'");
            }
            Role role = switch (p[1]) {
                case "reviewer" -> Role.REVIEWER;
                case "viewer" -> Role.VIEWER;
                default ->
                    throw new IllegalArgumentException(where + "role must be reviewer or viewer, got '" + p[1] + "'");
            };
            try {
                Passwords.check(p[2]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        where + e.getMessage() + " (make one with bin/bayesvlm review --hash-password)");
            }
            if (m.put(p[0], new Entry(new User(p[0], role), p[2])) != null) {
                throw new IllegalArgumentException(where + "user '" + p[0] + "' appears twice");
            }
        }
        if (m.isEmpty()) {
            throw new IllegalArgumentException(file + ": no users");
        }
        return new Users(m);
    }

    /** The user, when the password is theirs. */
    public Optional<User> authenticate(String name, char[] password) {
        Entry e = entries.get(name);
        if (e == null) {
            // Same work for an unknown name, so that timing does not tell which names exist.
            Passwords.matches(
                    password,
                    "pbkdf2-sha256$210000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
            return Optional.empty();
        }
        return Passwords.matches(password, e.hash) ? Optional.of(e.user) : Optional.empty();
    }

    public Optional<User> byName(String name) {
        Entry e = entries.get(name);
        return e == null ? Optional.empty() : Optional.of(e.user);
    }
}
