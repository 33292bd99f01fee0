package io.bayesvlm.serde.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the Confluent-dialect client sends (credentials) and how it classifies answers. The registry's real
 * behaviour is covered by SchemaRegistryITCase; this HTTP endpoint only records headers and answers with a
 * chosen status, which a real registry cannot be made to do on demand.
 */
class ConfluentCompatClientTest {
    private HttpServer server;
    private final List<String> authorization = new CopyOnWriteArrayList<>();
    private volatile int status = 200;
    private volatile String body = "{\"schema\":\"\\\"string\\\"\"}";

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            authorization.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    RegistryConfig config(RegistryConfig.Auth auth) {
        return new RegistryConfig(
                "http://127.0.0.1:" + server.getAddress().getPort(),
                RegistryConfig.Api.CONFLUENT,
                auth,
                "svc",
                "secret",
                "tok-123",
                RegistryConfig.SubjectStrategy.TOPIC,
                false,
                Duration.ofMillis(10),
                Duration.ofMillis(100),
                Duration.ofSeconds(2));
    }

    @Test
    void sendsBasicCredentialsOrTheBearerTokenAsGiven() {
        assertThat(new ConfluentCompatClient(config(RegistryConfig.Auth.BASIC)).schemaById(1))
                .isEqualTo("\"string\"");
        new ConfluentCompatClient(config(RegistryConfig.Auth.BEARER)).schemaById(1);
        new ConfluentCompatClient(config(RegistryConfig.Auth.NONE)).schemaById(1);
        assertThat(authorization)
                .containsExactly(
                        "Basic " + Base64.getEncoder().encodeToString("svc:secret".getBytes(StandardCharsets.UTF_8)),
                        "Bearer tok-123",
                        "null");
    }

    @Test
    void classifiesAnswersByWhatTheCallerShouldDo() {
        ConfluentCompatClient client = new ConfluentCompatClient(config(RegistryConfig.Auth.NONE));
        status = 404;
        body = "{\"error_code\":40403,\"message\":\"Schema 7 not found\"}";
        assertKind(() -> client.schemaById(7), RegistryException.Kind.NOT_FOUND, "(error 40403) Schema 7 not found");
        status = 409;
        body = "{\"error_code\":409,\"message\":\"incompatible\"}";
        assertKind(() -> client.register("s", "\"string\""), RegistryException.Kind.REJECTED, "HTTP 409");
        status = 401;
        assertKind(() -> client.subjects(), RegistryException.Kind.REJECTED, "HTTP 401");
        for (int s : new int[] {500, 503, 429, 408}) {
            status = s;
            body = "overloaded";
            assertKind(() -> client.subjects(), RegistryException.Kind.UNAVAILABLE, "HTTP " + s + " overloaded");
        }
        server.stop(0);
        assertKind(() -> client.subjects(), RegistryException.Kind.UNAVAILABLE, "unreachable");
    }

    @Test
    void lookupOfAnUnregisteredSchemaIsEmptyNotAnError() {
        status = 404;
        body = "{\"error_code\":40403,\"message\":\"Schema not found\"}";
        assertThat(new ConfluentCompatClient(config(RegistryConfig.Auth.NONE)).lookup("s", "\"string\""))
                .isNull();
    }

    private static void assertKind(Runnable call, RegistryException.Kind kind, String message) {
        assertThatThrownBy(call::run)
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(RegistryException.classify(e)).isEqualTo(kind));
    }
}
