package io.bayesvlm.deploy;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Flink's REST API as deploy/README.md uses it with curl: upload the job jar, run it (optionally from a
 * savepoint, with a parallelism), stop it with a savepoint, cancel it, and read job, vertex and TaskManager state.
 */
final class FlinkRest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String base;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    FlinkRest(String base) {
        this.base = base;
    }

    String base() {
        return base;
    }

    /** {@code curl -X POST -F jarfile=@job.jar $FLINK/jars/upload}: returns the jar id. */
    String uploadJar(Path jar) throws Exception {
        String boundary = "----bayesvlm" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--"
                        + boundary
                        + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                        + jar.getFileName()
                        + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        body.write(Files.readAllBytes(jar));
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        JsonNode r = send(
                HttpRequest.newBuilder(URI.create(base + "/jars/upload"))
                        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())),
                200);
        String file = r.get("filename").asText();
        return Path.of(file).getFileName().toString();
    }

    /**
     * {@code curl -X POST -H 'Content-Type: application/json' -d '{"programArgsList": [...]}' $FLINK/jars/$JAR/run}:
     * runs the jar's main class (from its manifest) in the JobManager; returns the job id.
     */
    String run(String jarId, List<String> programArgs, String savepointPath) throws Exception {
        ObjectNode req = JSON.createObjectNode();
        req.set("programArgsList", JSON.valueToTree(programArgs));
        if (savepointPath != null) {
            req.put("savepointPath", savepointPath);
        }
        return send(post("/jars/" + jarId + "/run", req), 200).get("jobid").asText();
    }

    /** {@code POST /jobs/$JOB/stop {"targetDirectory": ..., "drain": false}}, then polls; returns the savepoint. */
    String stopWithSavepoint(String jobId, String targetDirectory, Duration timeout) throws Exception {
        ObjectNode req = JSON.createObjectNode();
        req.put("targetDirectory", targetDirectory);
        req.put("drain", false);
        String trigger = send(post("/jobs/" + jobId + "/stop", req), 202)
                .get("request-id")
                .asText();
        JsonNode op = await("stop-with-savepoint of " + jobId)
                .atMost(timeout)
                .pollInterval(Duration.ofMillis(250))
                .until(
                        () -> get("/jobs/" + jobId + "/savepoints/" + trigger),
                        s -> s.path("status").path("id").asText().equals("COMPLETED"))
                .path("operation");
        if (op.has("failure-cause")) {
            throw new AssertionError("stop-with-savepoint failed: " + op.get("failure-cause"));
        }
        return op.get("location").asText();
    }

    /** {@code curl -X PATCH '$FLINK/jobs/$JOB?mode=cancel'}. */
    void cancel(String jobId) throws Exception {
        send(
                HttpRequest.newBuilder(URI.create(base + "/jobs/" + jobId + "?mode=cancel"))
                        .method("PATCH", HttpRequest.BodyPublishers.noBody()),
                202);
    }

    String jobState(String jobId) throws Exception {
        return get("/jobs/" + jobId).get("state").asText();
    }

    /** Waits until the job and all its tasks are RUNNING. */
    void awaitRunning(String jobId, Duration timeout) throws Exception {
        await("job " + jobId + " and all its tasks RUNNING")
                .atMost(timeout)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    JsonNode job = get("/jobs/" + jobId);
                    String state = job.get("state").asText();
                    if (state.equals("FAILED") || state.equals("CANCELED") || state.equals("FINISHED")) {
                        throw new AssertionError(
                                "job " + jobId + " is " + state + ": " + get("/jobs/" + jobId + "/exceptions"));
                    }
                    boolean allRunning = state.equals("RUNNING");
                    for (JsonNode v : job.get("vertices")) {
                        allRunning &= v.get("status").asText().equals("RUNNING");
                    }
                    return allRunning;
                });
    }

    void awaitState(String jobId, String state, Duration timeout) throws Exception {
        await("job " + jobId + " " + state)
                .atMost(timeout)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> jobState(jobId), state::equals);
    }

    /** The resource ids of the TaskManagers running any task of the job now. */
    Set<String> taskManagersOf(String jobId) throws Exception {
        Set<String> ids = new HashSet<>();
        for (JsonNode v : get("/jobs/" + jobId).get("vertices")) {
            for (JsonNode tm : get("/jobs/" + jobId + "/vertices/" + v.get("id").asText() + "/taskmanagers")
                    .get("taskmanagers")) {
                if (tm.get("status").asText().equals("RUNNING")) {
                    ids.add(tm.get("taskmanager-id").asText());
                }
            }
        }
        return ids;
    }

    List<String> taskManagerIds() throws Exception {
        List<String> ids = new ArrayList<>();
        for (JsonNode tm : get("/taskmanagers").get("taskmanagers")) {
            ids.add(tm.get("id").asText());
        }
        return ids;
    }

    /** Completed checkpoints of the job ({@code /jobs/$JOB/checkpoints}). */
    long completedCheckpoints(String jobId) throws Exception {
        return get("/jobs/" + jobId + "/checkpoints")
                .path("counts")
                .path("completed")
                .asLong();
    }

    /** The highest execution attempt of any subtask: 0 until a failover restarted tasks (read live, not cached). */
    long restarts(String jobId) throws Exception {
        long max = 0;
        for (JsonNode v : get("/jobs/" + jobId).get("vertices")) {
            for (JsonNode st :
                    get("/jobs/" + jobId + "/vertices/" + v.get("id").asText()).get("subtasks")) {
                max = Math.max(max, st.get("attempt").asLong());
            }
        }
        return max;
    }

    /** Sum of one operator metric over all subtasks of the vertex whose name contains {@code vertexName}. */
    double operatorMetricSum(String jobId, String vertexName, String metricSuffix) throws Exception {
        for (JsonNode v : get("/jobs/" + jobId).get("vertices")) {
            if (!v.get("name").asText().contains(vertexName)) {
                continue;
            }
            String path = "/jobs/" + jobId + "/vertices/" + v.get("id").asText() + "/subtasks/metrics";
            for (JsonNode m : get(path)) {
                String id = m.get("id").asText();
                if (id.endsWith("." + metricSuffix)) {
                    JsonNode agg = get(path + "?agg=sum&get=" + java.net.URLEncoder.encode(id, StandardCharsets.UTF_8));
                    return agg.get(0).get("sum").asDouble();
                }
            }
            return 0;
        }
        throw new AssertionError("job " + jobId + " has no vertex named like '" + vertexName + "'");
    }

    void awaitUp(Duration timeout, Process jobManager) throws Exception {
        await("the JobManager's REST API at " + base + " answering 200")
                .atMost(timeout)
                .pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    if (!jobManager.isAlive()) {
                        throw new AssertionError("the JobManager exited with " + jobManager.exitValue());
                    }
                    try {
                        // 503 "ongoing leader election": the REST endpoint is up before the
                        // JobManager is leader.
                        return http.send(
                                                HttpRequest.newBuilder(URI.create(base + "/overview"))
                                                        .timeout(Duration.ofSeconds(10))
                                                        .GET()
                                                        .build(),
                                                HttpResponse.BodyHandlers.ofString())
                                        .statusCode()
                                == 200;
                    } catch (IOException e) {
                        return false; // not listening yet
                    }
                });
    }

    JsonNode get(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET(), 200);
    }

    private HttpRequest.Builder post(String path, JsonNode body) throws IOException {
        return HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    }

    private JsonNode send(HttpRequest.Builder request, int expected) throws Exception {
        HttpResponse<String> r =
                http.send(request.timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != expected) {
            throw new AssertionError(
                    r.request().method() + " " + r.request().uri() + " answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }
}
