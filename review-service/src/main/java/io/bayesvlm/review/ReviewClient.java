package io.bayesvlm.review;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A reviewer as a program: signs in, takes the next item, labels or skips it, through the HTTP API
 * (docs/review-api.md). The demo's simulated reviewers and the benchmark use it; so can labelling tools.
 */
public final class ReviewClient {
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String cookie;

    private ReviewClient(String base, String cookie) {
        this.base = base;
        this.cookie = cookie;
    }

    public static ReviewClient signIn(String base, String user, String password)
            throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(base + "/api/login"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(JsonSerde.MAPPER.writeValueAsString(
                                        Map.of("username", user, "password", password))))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("sign-in of " + user + " at " + base + " failed: " + r.statusCode() + " " + r.body());
        }
        return new ReviewClient(
                base, r.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0]);
    }

    /** The next item, claimed for this reviewer; empty when the queue has nothing for them. */
    public Optional<JsonNode> next() throws IOException, InterruptedException {
        HttpResponse<String> r = post("/api/queue/next", "{}");
        if (r.statusCode() == 204 || r.statusCode() == 503) {
            return Optional.empty();
        }
        check(r);
        return Optional.of(JsonSerde.MAPPER.readTree(r.body()));
    }

    /** Labels an item; returns the HTTP status (200 labelled, 409 already labelled or held by another reviewer). */
    public int label(String eventId, String classId) throws IOException, InterruptedException {
        return post(item(eventId) + "/label", JsonSerde.MAPPER.writeValueAsString(Map.of("label", classId)))
                .statusCode();
    }

    public int skip(String eventId) throws IOException, InterruptedException {
        return post(item(eventId) + "/skip", "{}").statusCode();
    }

    public JsonNode queue() throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(base + "/api/queue"))
                        .header("Cookie", cookie)
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        check(r);
        return JsonSerde.MAPPER.readTree(r.body());
    }

    private static String item(String eventId) {
        return "/api/items/" + URLEncoder.encode(eventId, StandardCharsets.UTF_8);
    }

    private HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create(base + path))
                        .header("Content-Type", "application/json")
                        .header("Cookie", cookie)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void check(HttpResponse<String> r) throws IOException {
        if (r.statusCode() != 200) {
            throw new IOException(
                    r.request().method() + " " + r.request().uri() + ": " + r.statusCode() + " " + r.body());
        }
    }
}
