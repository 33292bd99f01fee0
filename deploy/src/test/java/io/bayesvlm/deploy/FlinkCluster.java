package io.bayesvlm.deploy;

import io.bayesvlm.embedded.Loopback;
import io.bayesvlm.embedded.TempDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * A real Flink session cluster of separate JVM processes on loopback: one JobManager
 * ({@code StandaloneSessionClusterEntrypoint}) and TaskManagers ({@code TaskManagerRunner}), started from Flink's
 * own entrypoint classes as the distribution's scripts do. Their classpath is a Flink 2.2 distribution's lib/
 * (target/flink-dist.classpath: the binary distribution is not on Maven Central, its jars are) plus what a user
 * copies into lib/ (target/flink-lib). Their configuration is the shipped fragment (target/flink-conf.yaml) plus
 * addresses, ports, memory sizes and directories, written to one config.yaml as a user would.
 */
final class FlinkCluster implements AutoCloseable {
    static final Path FLINK_LIB = Path.of(System.getProperty("bayesvlm.flink.lib", "target/flink-lib"));
    static final Path FRAGMENT = Path.of(System.getProperty("bayesvlm.flink.conf", "target/flink-conf.yaml"));
    private static final Path DIST_CLASSPATH =
            Path.of(System.getProperty("bayesvlm.flink.dist.classpath", "target/flink-dist.classpath"));

    private final Path work;
    private final Path confDir;
    private final String classpath;
    private final List<String> jvmOptions;
    private final int restPort;
    private final Process jobManager;
    private final Map<String, TaskManager> taskManagers = new LinkedHashMap<>();
    final FlinkRest rest;

    /** The JobManager's Prometheus port. */
    int jobManagerMetricsPort;

    /** One TaskManager process, its resource id and its Prometheus port. */
    record TaskManager(String id, Process process, int metricsPort, Path log) {}

    private FlinkCluster(
            Path work, Path confDir, String classpath, List<String> jvmOptions, int restPort, Process jobManager) {
        this.work = work;
        this.confDir = confDir;
        this.classpath = classpath;
        this.jvmOptions = jvmOptions;
        this.restPort = restPort;
        this.jobManager = jobManager;
        this.rest = new FlinkRest("http://127.0.0.1:" + restPort);
    }

    /** Starts a JobManager and {@code taskManagers} TaskManagers and waits until all have registered. */
    static FlinkCluster start(int taskManagers, Map<String, String> extra) throws Exception {
        Path work = Files.createTempDirectory("bayesvlm-flink-cluster");
        Path confDir = Files.createDirectories(work.resolve("conf"));
        int restPort = Loopback.freePort();
        Map<String, String> conf = readFlatYaml(FRAGMENT);
        // Addresses and ports: everything on loopback.
        conf.put("jobmanager.rpc.address", "127.0.0.1");
        conf.put("jobmanager.bind-host", "127.0.0.1");
        conf.put("jobmanager.rpc.port", String.valueOf(Loopback.freePort()));
        conf.put("rest.address", "127.0.0.1");
        conf.put("rest.bind-address", "127.0.0.1");
        conf.put("rest.port", String.valueOf(restPort));
        conf.put("blob.server.port", String.valueOf(Loopback.freePort()));
        conf.put("taskmanager.host", "127.0.0.1");
        conf.put("taskmanager.bind-host", "127.0.0.1");
        conf.put("metrics.reporter.prom.host", "127.0.0.1");
        // Slots and memory: without the distribution's scripts the TaskManager needs explicit sizes.
        conf.put("taskmanager.numberOfTaskSlots", "2");
        conf.put("taskmanager.cpu.cores", "2");
        conf.put("taskmanager.memory.framework.heap.size", "128m");
        conf.put("taskmanager.memory.task.heap.size", "384m");
        conf.put("taskmanager.memory.framework.off-heap.size", "128m");
        conf.put("taskmanager.memory.task.off-heap.size", "128m");
        conf.put("taskmanager.memory.managed.size", "128m");
        conf.put("taskmanager.memory.network.min", "64m");
        conf.put("taskmanager.memory.network.max", "64m");
        conf.put("taskmanager.memory.jvm-metaspace.size", "256m");
        conf.put("taskmanager.memory.jvm-overhead.min", "192m");
        conf.put("taskmanager.memory.jvm-overhead.max", "192m");
        conf.put("jobmanager.memory.process.size", "1024m");
        // A killed TaskManager is noticed within seconds, not the default 50 s.
        conf.put("heartbeat.interval", "1000");
        conf.put("heartbeat.timeout", "5000");
        conf.put("restart-strategy.exponential-delay.initial-backoff", "500 ms");
        conf.put(
                "web.upload.dir",
                Files.createDirectories(work.resolve("uploads")).toString());
        conf.put("io.tmp.dirs", Files.createDirectories(work.resolve("tmp")).toString());
        conf.put("state.savepoints.dir", work.resolve("savepoints").toUri().toString());
        // libtorch unpacks into the build's cache (the fragment's /tmp/djl-cache is for a real machine).
        String djlCache = System.getProperty(
                "bayesvlm.djl.cache", work.resolve("djl-cache").toString());
        conf.put("env.java.opts.all", conf.getOrDefault("env.java.opts.all", "").replace("/tmp/djl-cache", djlCache));
        conf.putAll(extra);
        writeFlatYaml(confDir.resolve("config.yaml"), conf);
        Files.writeString(
                confDir.resolve("log4j.properties"),
                String.join(
                        "\n",
                        "rootLogger.level = INFO",
                        "rootLogger.appenderRef.file.ref = MainAppender",
                        "appender.main.name = MainAppender",
                        "appender.main.type = File",
                        "appender.main.append = true",
                        "appender.main.fileName = ${sys:log.file}",
                        "appender.main.layout.type = PatternLayout",
                        "appender.main.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
                        ""));

        String classpath = Stream.concat(
                        Arrays.stream(Files.readString(DIST_CLASSPATH).strip().split(":")), jars(FLINK_LIB).stream())
                .collect(Collectors.joining(":"));
        List<String> jvm = new ArrayList<>();
        // The distribution's config.yaml sets these (env.java.default-opts.all) for Java 17.
        jvm.addAll(Arrays.asList(
                System.getProperty("bayesvlm.flink.jvm.args", "").trim().split("\\s+")));
        jvm.addAll(Arrays.asList(conf.get("env.java.opts.all").trim().split("\\s+")));
        jvm.add("-Dlog4j.configurationFile="
                + confDir.resolve("log4j.properties").toUri());

        int jmMetricsPort = Loopback.freePort();
        Process jm = launch(
                work,
                classpath,
                jvm,
                List.of("-Xmx512m"),
                "jobmanager",
                "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                "--configDir",
                confDir.toString(),
                "-Dmetrics.reporter.prom.port=" + jmMetricsPort);
        FlinkCluster cluster = new FlinkCluster(work, confDir, classpath, jvm, restPort, jm);
        cluster.jobManagerMetricsPort = jmMetricsPort;
        try {
            cluster.rest.awaitUp(Duration.ofSeconds(90), jm);
            for (int i = 1; i <= taskManagers; i++) {
                cluster.startTaskManager("tm-" + i);
            }
            cluster.awaitTaskManagers(taskManagers);
        } catch (Exception | AssertionError e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /** Starts one more TaskManager with the given resource id (visible in the REST API). */
    TaskManager startTaskManager(String id) throws IOException {
        int metricsPort = Loopback.freePort();
        // Heap and direct memory as the distribution's scripts derive them from the sizes above.
        Process p = launch(
                work,
                classpath,
                jvmOptions,
                List.of("-Xmx512m", "-Xms512m", "-XX:MaxDirectMemorySize=320m", "-XX:MaxMetaspaceSize=256m"),
                id,
                "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
                "--configDir",
                confDir.toString(),
                "-Dtaskmanager.resource-id=" + id,
                "-Dmetrics.reporter.prom.port=" + metricsPort);
        TaskManager tm = new TaskManager(id, p, metricsPort, work.resolve(id + ".log"));
        taskManagers.put(id, tm);
        return tm;
    }

    /** {@code kill -9} of a TaskManager process (SIGKILL: no shutdown hooks, no goodbye to the JobManager). */
    void killTaskManager(String id) throws InterruptedException {
        Process p = taskManagers.get(id).process();
        p.destroyForcibly();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("TaskManager " + id + " did not die");
        }
        taskManagers.remove(id);
    }

    void awaitTaskManagers(int n) throws Exception {
        Awaitility.await(n + " TaskManagers registered (logs in " + work + ")")
                .atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(250))
                .until(rest::taskManagerIds, ids -> ids.size() == n);
    }

    TaskManager taskManager(String id) {
        return taskManagers.get(id);
    }

    /** The JobManager's and every live TaskManager's process. */
    List<Process> processes() {
        List<Process> all = new ArrayList<>();
        all.add(jobManager);
        taskManagers.values().forEach(t -> all.add(t.process()));
        return all;
    }

    List<String> taskManagerIds() {
        return new ArrayList<>(taskManagers.keySet());
    }

    Path work() {
        return work;
    }

    private static Process launch(
            Path work,
            String classpath,
            List<String> jvm,
            List<String> memory,
            String name,
            String mainClass,
            String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(memory);
        cmd.addAll(jvm.stream().filter(s -> !s.isEmpty()).toList());
        cmd.add("-Dlog.file=" + work.resolve(name + ".log"));
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(work.resolve(name + ".out").toFile())
                .start();
    }

    private static List<String> jars(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".jar"))
                    .map(Path::toString)
                    .sorted()
                    .toList();
        }
    }

    /** The fragment is flat {@code key: value} YAML (Flink's own config.yaml accepts that form). */
    static Map<String, String> readFlatYaml(Path file) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            int colon = t.indexOf(": ");
            if (colon < 0) {
                throw new IllegalArgumentException(file + ": not a 'key: value' line: " + line);
            }
            m.put(t.substring(0, colon).strip(), t.substring(colon + 2).strip());
        }
        return m;
    }

    private static void writeFlatYaml(Path file, Map<String, String> conf) throws IOException {
        StringBuilder sb = new StringBuilder();
        conf.forEach((k, v) -> sb.append(k).append(": ").append(v).append('\n'));
        Files.writeString(file, sb.toString());
    }

    @Override
    public void close() throws Exception {
        for (TaskManager tm : taskManagers.values()) {
            tm.process().destroy();
        }
        jobManager.destroy();
        for (TaskManager tm : taskManagers.values()) {
            if (!tm.process().waitFor(20, TimeUnit.SECONDS)) {
                tm.process().destroyForcibly();
            }
        }
        if (!jobManager.waitFor(20, TimeUnit.SECONDS)) {
            jobManager.destroyForcibly().waitFor();
        }
        if (System.getProperty("bayesvlm.keep.cluster") == null) {
            TempDirs.deleteRecursively(work);
        }
    }
}
