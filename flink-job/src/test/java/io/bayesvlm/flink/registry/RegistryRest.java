package io.bayesvlm.flink.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;

/**
 * The test's independent view of the registry: raw calls to the Confluent-compatible REST API and the wire
 * layout written out by hand (magic byte 0, 4-byte big-endian id, Avro binary), to check the job's serde against.
 */
public final class RegistryRest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String base;
    private final HttpClient http = HttpClient.newHttpClient();

    public RegistryRest(String confluentBaseUrl) {
        this.base = confluentBaseUrl;
    }

    public record Response(int status, JsonNode body) {}

    public Response call(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json");
        b.method(
                method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body()));
    }

    /** POST /subjects/{subject}/versions; returns the schema id. */
    public int register(String subject, Schema schema) throws IOException, InterruptedException {
        Response r = call("POST", "/subjects/" + subject + "/versions", schemaBody(schema));
        if (r.status() != 200) {
            throw new IllegalStateException("register " + subject + ": HTTP " + r.status() + " " + r.body());
        }
        return r.body().get("id").asInt();
    }

    /** GET /schemas/ids/{id}. */
    public Schema schema(int id) throws IOException, InterruptedException {
        Response r = call("GET", "/schemas/ids/" + id, null);
        if (r.status() != 200) {
            throw new IllegalStateException("schema " + id + ": HTTP " + r.status() + " " + r.body());
        }
        return new Schema.Parser().parse(r.body().get("schema").asText());
    }

    /** GET /subjects/{subject}/versions/latest → id. */
    public int latestId(String subject) throws IOException, InterruptedException {
        Response r = call("GET", "/subjects/" + subject + "/versions/latest", null);
        if (r.status() != 200) {
            throw new IllegalStateException("latest of " + subject + ": HTTP " + r.status() + " " + r.body());
        }
        return r.body().get("id").asInt();
    }

    public static String schemaBody(Schema schema) {
        return JSON.createObjectNode().put("schema", schema.toString()).toString();
    }

    /** Confluent wire bytes: 0, id (big-endian), Avro binary of the record with its own schema. */
    public static byte[] confluentBytes(int id, GenericRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(id).array());
        BinaryEncoder e = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(record.getSchema()).write(record, e);
        e.flush();
        return out.toByteArray();
    }

    /** Reads Confluent wire bytes with the schema this registry holds for their id. */
    public GenericRecord decode(byte[] bytes) throws IOException, InterruptedException {
        if (bytes.length < 5 || bytes[0] != 0) {
            throw new AssertionError("not the Confluent layout: first byte " + (bytes.length == 0 ? "none" : bytes[0]));
        }
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
        Schema schema = schema(id);
        var decoder = DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null);
        GenericRecord r = new GenericDatumReader<GenericRecord>(schema).read(null, decoder);
        if (!decoder.isEnd()) {
            throw new AssertionError("trailing bytes after the Avro body");
        }
        return r;
    }

    public static int id(byte[] bytes) {
        return ByteBuffer.wrap(bytes, 1, 4).getInt();
    }
}
