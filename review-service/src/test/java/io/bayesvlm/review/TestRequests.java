package io.bayesvlm.review;

import io.bayesvlm.avro.ClassScore;
import io.bayesvlm.avro.ReviewReason;
import io.bayesvlm.avro.ReviewRequest;
import io.bayesvlm.config.Options;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Review requests and configurations for the review service's tests. */
public final class TestRequests {
    private TestRequests() {}

    public static final List<String> CLASSES = List.of("t-shirt", "trouser", "pullover", "dress", "coat");

    public static ReviewRequest request(String id, ReviewReason reason, double priority, byte[] image) {
        return ReviewRequest.newBuilder()
                .setEventId(id)
                .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L))
                .setReason(reason)
                .setPriority(priority)
                .setTopK(List.of(new ClassScore("dress", 0.6, 1.2), new ClassScore("coat", 0.3, 0.9)))
                .setImage(image == null ? null : ByteBuffer.wrap(image))
                .setImageRef(image == null ? id : null)
                .setModelName("fashion")
                .setModelVersion("1")
                .setClasses(CLASSES)
                .setUncertainty(Map.of("mutual_info", priority, "entropy", 1.1))
                .setRoutingScore("mutual_info")
                .build();
    }

    /** A config with a users file (alice and bob review, carol views; passwords = names) and any overrides. */
    public static ReviewConfig config(Path dir, String... keyValues) throws IOException {
        Path users = dir.resolve("users");
        if (!Files.exists(users)) {
            Files.writeString(
                    users,
                    "# test users\n"
                            + "alice:reviewer:" + io.bayesvlm.review.http.Passwords.hash("alice".toCharArray()) + "\n"
                            + "bob:reviewer:" + io.bayesvlm.review.http.Passwords.hash("bob".toCharArray()) + "\n"
                            + "carol:viewer:" + io.bayesvlm.review.http.Passwords.hash("carol".toCharArray()) + "\n");
        }
        Map<String, String> m = new HashMap<>();
        m.put("bootstrap.servers", "127.0.0.1:1");
        m.put("auth.users-file", users.toString());
        m.put("state.dir", dir.resolve("state").toString());
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        return ReviewConfig.from(new Options(m));
    }
}
