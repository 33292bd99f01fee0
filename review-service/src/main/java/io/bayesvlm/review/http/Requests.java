package io.bayesvlm.review.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import io.bayesvlm.review.JsonSerde;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reading a request: path segments, a bounded JSON body, integer parameters in a stated range. */
final class Requests {
    /** The largest JSON body read (a label or a sign-in is a few dozen bytes). */
    static final int MAX_BODY = 64 * 1024;

    private Requests() {}

    static List<String> segments(String rawPath) {
        List<String> out = new ArrayList<>();
        for (String s : rawPath.split("/")) {
            if (!s.isEmpty()) {
                out.add(URLDecoder.decode(s, StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    /** The body, at most {@link #MAX_BODY} bytes (read once: handlers that need it as bytes and JSON call this). */
    static byte[] body(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            return in.readNBytes(MAX_BODY);
        }
    }

    static JsonNode json(byte[] b) {
        if (b.length == 0) {
            return JsonSerde.MAPPER.createObjectNode();
        }
        try {
            return JsonSerde.MAPPER.readTree(b);
        } catch (IOException e) {
            throw new HttpError(400, "the body is not JSON");
        }
    }

    /** A cross-site form cannot send JSON without a CORS preflight, which this service never grants. */
    static void requireJson(HttpExchange ex) {
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.toLowerCase().startsWith("application/json")) {
            throw new HttpError(415, "POST bodies must be application/json");
        }
    }

    static String rawParam(HttpExchange ex, String name) {
        String q = ex.getRequestURI().getRawQuery();
        if (q == null) {
            return null;
        }
        for (String kv : q.split("&")) {
            if (kv.startsWith(name + "=")) {
                return kv.substring(name.length() + 1);
            }
        }
        return null;
    }

    static int intParam(HttpExchange ex, String name, int fallback, int min, int max) {
        String raw = rawParam(ex, name);
        if (raw == null) {
            return fallback;
        }
        try {
            int v = Integer.parseInt(raw);
            if (v < min || v > max) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new HttpError(400, name + " must be an integer from " + min + " to " + max);
        }
    }

    /** The path and query as sent, e.g. {@code /api/items/x/label?y=1}. */
    static String pathAndQuery(HttpExchange ex) {
        String q = ex.getRequestURI().getRawQuery();
        return ex.getRequestURI().getRawPath() + (q == null ? "" : "?" + q);
    }
}
