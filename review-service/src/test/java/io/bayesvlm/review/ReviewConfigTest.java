package io.bayesvlm.review;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bayesvlm.review.http.Users;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Startup validation: every bad value fails with a message that names the option; the README lists every option. */
class ReviewConfigTest {
    @TempDir
    Path dir;

    @Test
    void defaultsAndOverrides() throws Exception {
        ReviewConfig c = TestRequests.config(dir, "queue.lease", "90 s", "kafka.security.protocol", "SSL");
        assertThat(c.httpHost()).isEqualTo("127.0.0.1");
        assertThat(c.lease()).isEqualTo(Duration.ofSeconds(90));
        assertThat(c.maxWait()).isEqualTo(Duration.ofHours(1));
        // the service's own topics are the application id's: two deployments on one broker never share them
        assertThat(c.topics().commands()).isEqualTo("bayesvlm-review-commands");
        assertThat(c.topics().labelsByItem()).isEqualTo("bayesvlm-review-labels-by-item");
        assertThat(c.topics().revokedSessions()).isEqualTo("bayesvlm-review-revoked-sessions");
        ReviewConfig other = TestRequests.config(dir, "application.id", "moderation-eu");
        assertThat(other.topics().commands()).isEqualTo("moderation-eu-commands");
        assertThat(other.topics().labelsByItem()).isEqualTo("moderation-eu-labels-by-item");
        assertThat(TestRequests.config(dir, "topics.commands", "review-commands")
                        .topics()
                        .commands())
                .as("the names before, kept by setting them")
                .isEqualTo("review-commands");
        assertThat(c.registry().enabled()).isFalse();
        assertThat(c.clientProperties()).containsEntry("security.protocol", "SSL");
    }

    @Test
    void theStreamThreadsRetryTransactionsPromptlyUnlessTheOperatorSaysOtherwise() throws Exception {
        org.apache.kafka.streams.state.HostInfo self = new org.apache.kafka.streams.state.HostInfo("127.0.0.1", 8080);
        // a commit per answer: a 100 ms backoff after CONCURRENT_TRANSACTIONS sat in the answers' p99
        assertThat(ReviewService.streamsProperties(TestRequests.config(dir), self))
                .containsEntry("producer.retry.backoff.ms", "5")
                .containsEntry("processing.guarantee", "exactly_once_v2");
        assertThat(ReviewService.streamsProperties(
                        TestRequests.config(dir, "kafka.producer.retry.backoff.ms", "50"), self))
                .containsEntry("producer.retry.backoff.ms", "50");
    }

    @Test
    void badValuesAreRefusedNamingTheOption() {
        String[][] cases = {
            {"queue.lease", "soon", "queue.lease"},
            {"queue.lease", "0 s", "queue.lease must be positive"},
            {"queue.audit-every", "0", "queue.audit-every must be at least 1"},
            {"http.port", "70000", "http.port must be at most 65535"},
            {"http.host", "0.0.0.0", "http.advertised-host is needed"},
            {"topics.labels", "no spaces", "topics.labels must be a Kafka topic name"},
            {"registry.url", "ftp://x", "registry.url must be an http"},
            {"auth.users-file", "/nonexistent/users", "auth.users-file: cannot read"},
            {"queue.leese", "1 s", "unknown option 'queue.leese'"},
            {"topics.replication-factor", "0", "topics.replication-factor must be -1 or at least 1"},
        };
        for (String[] c : cases) {
            assertThatThrownBy(() -> TestRequests.config(dir, c[0], c[1]))
                    .as(c[0] + "=" + c[1])
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(c[2]);
        }
    }

    @Test
    void aBrokenUsersFileIsRefusedNamingTheLine() throws Exception {
        Path users = dir.resolve("bad-users");
        Files.writeString(users, "# ok\nalice:admin:pbkdf2-sha256$210000$AAAA$AAAA\n");
        assertThatThrownBy(() -> Users.load(users)).hasMessageContaining(users + ":2: role must be reviewer or viewer");
        Files.writeString(users, "alice:reviewer:secret\n");
        assertThatThrownBy(() -> Users.load(users))
                .hasMessageContaining(":1: not a pbkdf2-sha256")
                .hasMessageContaining("--hash-password");
    }

    @Test
    void theModuleReadmeListsEveryOption() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        Matcher m = Pattern.compile("^\\| `([a-z.-]+)` \\|", Pattern.MULTILINE).matcher(readme);
        java.util.Set<String> documented = new java.util.TreeSet<>();
        while (m.find()) {
            documented.add(m.group(1));
        }
        java.util.Set<String> options = new java.util.TreeSet<>(ReviewConfig.OPTIONS.keySet());
        options.removeIf(k -> k.startsWith("registry.")); // documented once, in the job's README
        assertThat(documented).containsAll(options);
        assertThat(options)
                .containsAll(
                        documented.stream().filter(k -> !k.startsWith("kafka.")).toList());
    }
}
