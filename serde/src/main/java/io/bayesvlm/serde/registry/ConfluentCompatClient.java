package io.bayesvlm.serde.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.apicurio.registry.resolver.client.RegistryArtifactReference;
import io.apicurio.registry.resolver.client.RegistryClientFacade;
import io.apicurio.registry.resolver.client.RegistryVersionCoordinates;
import io.apicurio.registry.resolver.strategy.ArtifactReference;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * Lets Apicurio's serde (which owns the wire layout and the Avro encoding) look schemas up through the
 * Confluent Schema Registry REST API, so the job works against a Confluent Schema Registry as well as against
 * Apicurio's Confluent-compatible endpoint. Schema ids of that API are Apicurio's content ids, which the serde
 * writes as the 4-byte id.
 *
 * <p>Subjects map to artifact ids (the group is ignored: Confluent has none). Schema references are not
 * supported: the job's schemas are self-contained.
 */
public final class ConfluentCompatClient implements RegistryClientFacade {
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String base;
    private final String authorization;
    private final java.time.Duration timeout;
    private final HttpClient http;

    public ConfluentCompatClient(RegistryConfig config) {
        this.base = config.displayUrl();
        this.timeout = config.requestTimeout();
        this.authorization = switch (config.auth()) {
            case NONE -> null;
            case BASIC ->
                "Basic "
                        + Base64.getEncoder()
                                .encodeToString(
                                        (config.username() + ":" + config.password()).getBytes(StandardCharsets.UTF_8));
            case BEARER -> "Bearer " + config.bearerToken();
        };
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** GET /subjects: the cheapest call that proves the registry answers and accepts our credentials. */
    public List<String> subjects() {
        JsonNode n = call("GET", "/subjects", null, "list subjects");
        return JSON.convertValue(n, JSON.getTypeFactory().constructCollectionType(List.class, String.class));
    }

    /** POST /subjects/{subject}/versions: registers (or finds) a schema; returns its id. */
    public long register(String subject, String schema) {
        JsonNode n = call(
                "POST",
                "/subjects/" + enc(subject) + "/versions",
                body(schema),
                "register a schema under subject '" + subject + "'");
        return n.path("id").asLong();
    }

    /** GET /schemas/ids/{id}: the schema text of an id. */
    public String schemaById(long id) {
        JsonNode n = call("GET", "/schemas/ids/" + id, null, "fetch schema id " + id);
        if (n.has("references") && n.get("references").size() > 0) {
            throw new RegistryException(
                    RegistryException.Kind.REJECTED,
                    "schema id " + id + " has references, which this job does not support",
                    null);
        }
        return n.path("schema").asText();
    }

    /** POST /subjects/{subject}: the registered version of this exact schema under the subject, or null. */
    public RegistryVersionCoordinates lookup(String subject, String schema) {
        try {
            JsonNode n = call(
                    "POST",
                    "/subjects/" + enc(subject),
                    body(schema),
                    "look up a schema under subject '" + subject + "'");
            return coordinates(subject, n);
        } catch (RegistryException e) {
            if (e.kind() == RegistryException.Kind.NOT_FOUND) {
                return null;
            }
            throw e;
        }
    }

    @Override
    public String getSchemaByContentId(Long contentId) {
        return schemaById(contentId);
    }

    @Override
    public String getSchemaByGlobalId(long globalId, boolean dereferenced) {
        return schemaById(globalId);
    }

    @Override
    public String getSchemaByGAV(String groupId, String artifactId, String version) {
        return call("GET", versionPath(artifactId, version), null, "fetch subject '" + artifactId + "'")
                .path("schema")
                .asText();
    }

    @Override
    public String getSchemaByContentHash(String contentHash) {
        throw new UnsupportedOperationException("the Confluent API has no lookup by content hash");
    }

    @Override
    public List<RegistryArtifactReference> getReferencesByContentId(long contentId) {
        return List.of();
    }

    @Override
    public List<RegistryArtifactReference> getReferencesByGlobalId(long globalId) {
        return List.of();
    }

    @Override
    public List<RegistryArtifactReference> getReferencesByGAV(String groupId, String artifactId, String version) {
        return List.of();
    }

    @Override
    public List<RegistryArtifactReference> getReferencesByContentHash(String contentHash) {
        return List.of();
    }

    @Override
    public List<RegistryVersionCoordinates> searchVersionsByContent(
            String schema, String artifactType, ArtifactReference reference, boolean canonical) {
        RegistryVersionCoordinates found = lookup(reference.getArtifactId(), schema);
        return found == null ? List.of() : List.of(found);
    }

    @Override
    public RegistryVersionCoordinates createSchema(
            String artifactType,
            String groupId,
            String artifactId,
            String version,
            String autoCreateBehavior,
            boolean canonical,
            String schema,
            Set<RegistryArtifactReference> references) {
        register(artifactId, schema);
        // The register call answers only the id; the lookup adds the version.
        RegistryVersionCoordinates c = lookup(artifactId, schema);
        if (c == null) {
            throw new RegistryException(
                    RegistryException.Kind.NOT_FOUND,
                    "schema registered under subject '" + artifactId + "' but not found there afterwards",
                    null);
        }
        return c;
    }

    @Override
    public RegistryVersionCoordinates getVersionCoordinatesByGAV(String groupId, String artifactId, String version) {
        return coordinates(
                artifactId, call("GET", versionPath(artifactId, version), null, "fetch subject '" + artifactId + "'"));
    }

    @Override
    public Object getClient() {
        return this;
    }

    private static RegistryVersionCoordinates coordinates(String subject, JsonNode n) {
        long id = n.path("id").asLong();
        return RegistryVersionCoordinates.create(
                id, id, null, subject, n.path("version").asText());
    }

    private static String versionPath(String subject, String version) {
        return "/subjects/" + enc(subject) + "/versions/"
                + (version == null || version.isEmpty() ? "latest" : enc(version));
    }

    private static String body(String schema) {
        // schemaType is optional for Avro in Confluent's API, but Apicurio's ccompat otherwise guesses the type.
        return JSON.createObjectNode()
                .put("schemaType", "AVRO")
                .put("schema", schema)
                .toString();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private JsonNode call(String method, String path, String body, String what) {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout).header("Accept", CONTENT_TYPE);
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        if (body != null) {
            b.header("Content-Type", CONTENT_TYPE).method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> response;
        try {
            response = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new RegistryException(
                    RegistryException.Kind.UNAVAILABLE,
                    "schema registry " + base + " unreachable (" + what + "): " + e,
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(
                    RegistryException.Kind.UNAVAILABLE, "interrupted while calling the schema registry", e);
        }
        int status = response.statusCode();
        if (status / 100 == 2) {
            try {
                return JSON.readTree(response.body());
            } catch (IOException e) {
                throw new RegistryException(
                        RegistryException.Kind.REJECTED,
                        "schema registry " + base + " answered " + what + " with non-JSON: " + e.getMessage(),
                        e);
            }
        }
        throw new RegistryException(
                RegistryException.fromStatus(status),
                "schema registry " + base + " refused to " + what + ": HTTP " + status + " "
                        + errorMessage(response.body()),
                null);
    }

    private static String errorMessage(String body) {
        try {
            JsonNode n = JSON.readTree(body);
            if (n.has("message")) {
                return (n.has("error_code") ? "(error " + n.get("error_code").asText() + ") " : "")
                        + n.get("message").asText();
            }
        } catch (IOException | RuntimeException ignored) {
            // not JSON: show the raw body
        }
        return body == null ? "" : body.length() > 300 ? body.substring(0, 300) + "..." : body;
    }
}
