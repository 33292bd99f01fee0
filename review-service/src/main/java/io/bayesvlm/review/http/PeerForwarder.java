package io.bayesvlm.review.http;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Asks another instance, on behalf of a caller this instance has authenticated: the request carries the caller's
 * name signed for peers ({@link PeerSigning}), never their password or cookie, and the answer counts only when the
 * peer signed it too. Only JSON, or an image whose bytes are a known image type, is relayed to the caller: a
 * listener that merely advertises itself as an instance learns no credential and gets nothing onto the page.
 */
final class PeerForwarder {
    static final Duration TIMEOUT = Duration.ofSeconds(15);

    private final HttpClient client;
    private final String scheme;
    private final PeerSigning signing;
    private final LongSupplier clock;

    /** {@code tls} null: peers over plain HTTP; else over HTTPS, trusting what that context trusts. */
    PeerForwarder(PeerSigning signing, javax.net.ssl.SSLContext tls, LongSupplier clock) {
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (tls != null) {
            b.sslContext(tls);
        }
        this.client = b.build();
        this.scheme = tls == null ? "http://" : "https://";
        this.signing = signing;
        this.clock = clock;
    }

    /** What a peer's answer may be. */
    enum Expect {
        JSON,
        IMAGE
    }

    Response call(String user, HostInfo host, String method, String pathAndQuery, byte[] body, Expect expect)
            throws IOException {
        byte[] sent = method.equals("POST") ? (body == null || body.length == 0 ? "{}".getBytes() : body) : new byte[0];
        long now = clock.getAsLong();
        String signature = signing.signRequest(method, pathAndQuery, user, now, sent);
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(scheme + hostString(host) + pathAndQuery))
                .timeout(TIMEOUT)
                .header(PeerSigning.USER, user)
                .header(PeerSigning.TIME, Long.toString(now))
                .header(PeerSigning.SIGNATURE, signature);
        if (method.equals("POST")) {
            b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(sent));
        } else {
            b.GET();
        }
        HttpResponse<byte[]> r;
        try {
            r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HttpError(503, "interrupted");
        } catch (java.net.ConnectException | java.net.http.HttpTimeoutException e) {
            throw new HttpError(503, "instance " + hostString(host) + " is unreachable; retry");
        }
        String type = r.headers().firstValue("Content-Type").orElse("");
        if (!signing.verifyAnswer(
                signature,
                r.statusCode(),
                type,
                r.body(),
                r.headers().firstValue(PeerSigning.ANSWER).orElse(null))) {
            throw new HttpError(
                    502, "instance " + hostString(host) + " answered without a valid peer signature; refused");
        }
        if (r.statusCode() >= 500 || r.statusCode() == 401) {
            throw new HttpError(
                    r.statusCode() == 401 ? 503 : r.statusCode(),
                    "instance " + hostString(host) + " answered " + r.statusCode() + ": "
                            + new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
        }
        if (r.statusCode() == 200 && expect == Expect.IMAGE) {
            String sniffed = ImageTypes.sniff(r.body());
            return new Response(200, sniffed, r.body(), Map.of("Content-Disposition", "inline; filename=\"image\""));
        }
        if (r.body().length > 0 && !type.toLowerCase().startsWith("application/json")) {
            throw new HttpError(502, "instance " + hostString(host) + " answered " + type + ", not JSON; refused");
        }
        return new Response(r.statusCode(), "application/json; charset=utf-8", r.body(), Map.of());
    }

    static String hostString(HostInfo h) {
        return h.host() + ":" + h.port();
    }
}
