package io.bayesvlm.review.http;

import com.sun.net.httpserver.HttpExchange;
import io.bayesvlm.review.JsonSerde;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** An HTTP answer: status, content type, body and extra headers; {@link #send} writes it with the security headers. */
record Response(int status, String contentType, byte[] body, Map<String, String> headers) {

    static Response json(int status, Object value) {
        try {
            return new Response(
                    status, "application/json; charset=utf-8", JsonSerde.MAPPER.writeValueAsBytes(value), Map.of());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Response error(int status, String message) {
        return json(status, Map.of("error", message));
    }

    static Response noContent() {
        return new Response(204, "application/json", new byte[0], Map.of());
    }

    Response with(String header, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(header, value);
        return new Response(status, contentType, body, h);
    }

    void send(HttpExchange ex) throws IOException {
        var h = ex.getResponseHeaders();
        h.set("Content-Type", contentType);
        // Untrusted text only ever reaches the page as text; this policy also refuses inline and foreign scripts.
        h.set(
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self'; script-src 'self'; style-src 'self';"
                        + " object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
        h.set("X-Content-Type-Options", "nosniff");
        h.set("Referrer-Policy", "no-referrer");
        h.set("Cache-Control", "no-store");
        headers.forEach(h::set);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            ex.getResponseBody().write(body);
        }
        ex.close();
    }
}
