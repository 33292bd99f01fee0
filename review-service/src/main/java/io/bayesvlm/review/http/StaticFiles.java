package io.bayesvlm.review.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/** The web UI: a few plain HTML, JS and CSS files from the jar (no CDN, no external fonts, no build step). */
final class StaticFiles {
    private static final Map<String, String> PAGES = Map.of(
            "/", "review.html",
            "/review", "review.html",
            "/login", "login.html",
            "/dashboard", "dashboard.html");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml");

    private StaticFiles() {}

    static Response serve(String method, String path) throws IOException {
        if (!method.equals("GET")) {
            throw new HttpError(405, "GET only");
        }
        String file = PAGES.get(path);
        if (file == null && path.startsWith("/static/") && path.matches("/static/[a-z-]+\\.(js|css|svg)")) {
            file = path.substring("/static/".length());
        }
        if (file == null) {
            throw new HttpError(404, "not found: " + path);
        }
        try (InputStream in = StaticFiles.class.getResourceAsStream("/web/" + file)) {
            if (in == null) {
                throw new HttpError(404, "not found: " + path);
            }
            String ext = file.substring(file.lastIndexOf('.') + 1);
            return new Response(200, TYPES.get(ext), in.readAllBytes(), Map.of("X-Frame-Options", "DENY"));
        }
    }
}
