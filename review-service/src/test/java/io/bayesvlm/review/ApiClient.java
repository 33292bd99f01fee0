package io.bayesvlm.review;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;

/** A signed-in user of the review service's HTTP API, as a browser would be (session cookie). */
public final class ApiClient {
    public record Answer(int status, JsonNode json, byte[] body, HttpResponse<byte[]> raw) {}

    private final String base;
    private final HttpClient http;

    /** The session cookie from sign-in, sent back as a browser would. */
    private volatile String cookie;

    /** The whole Set-Cookie header of the sign-in (its attributes: HttpOnly, Secure, ...). */
    private volatile String setCookie;

    public String setCookieHeader() {
        return setCookie;
    }

    private final javax.net.ssl.SSLContext tls;

    private ApiClient(String base) {
        this(base, null);
    }

    /** {@code tls}: what an HTTPS service's certificate is checked against (null: plain HTTP or the JDK's CAs). */
    private ApiClient(String base, javax.net.ssl.SSLContext tls) {
        this.base = base;
        this.tls = tls;
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (tls != null) {
            b.sslContext(tls);
        }
        this.http = b.build();
    }

    public static ApiClient anonymous(String base) {
        return new ApiClient(base);
    }

    public static ApiClient signIn(String base, String user, String password) throws Exception {
        return signIn(base, user, password, null);
    }

    public static ApiClient signIn(String base, String user, String password, javax.net.ssl.SSLContext tls)
            throws Exception {
        ApiClient c = new ApiClient(base, tls);
        Answer a = c.post("/api/login", Map.of("username", user, "password", password));
        if (a.status() != 200) {
            throw new AssertionError("sign-in of " + user + " failed: " + a.status());
        }
        c.setCookie = a.raw().headers().firstValue("Set-Cookie").orElseThrow();
        c.cookie = c.setCookie.split(";")[0];
        return c;
    }

    /** The same signed-in session, talking to another instance. */
    public ApiClient at(String otherBase) {
        ApiClient c = new ApiClient(otherBase, tls);
        c.cookie = cookie;
        return c;
    }

    /** The session cookie ({@code name=value}), or null. */
    public String cookie() {
        return cookie;
    }

    public static String item(String id) {
        return "/api/items/" + URLEncoder.encode(id, StandardCharsets.UTF_8);
    }

    public Answer get(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    public Answer post(String path, Object body) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JsonSerde.MAPPER.writeValueAsBytes(body))));
    }

    /** Polls until the answer's status is {@code status} (the service starting or rebalancing answers 503). */
    public Answer await(String path, int status, Duration timeout) throws Exception {
        return Awaitility.await("GET " + path + " answering " + status)
                .atMost(timeout)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> get(path), a -> a.status() == status);
    }

    private Answer send(HttpRequest.Builder b) throws Exception {
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        HttpResponse<byte[]> r =
                http.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
        JsonNode json = null;
        if (r.headers().firstValue("Content-Type").orElse("").startsWith("application/json") && r.body().length > 0) {
            json = JsonSerde.MAPPER.readTree(r.body());
        }
        return new Answer(r.statusCode(), json, r.body(), r);
    }
}
