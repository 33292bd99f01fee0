package io.bayesvlm.demo.bench;

import io.bayesvlm.avro.Decision;
import io.bayesvlm.core.BayesVlmModel;
import io.bayesvlm.core.ScoringOptions;
import io.bayesvlm.core.data.ImageShift;
import io.bayesvlm.core.data.SampleImages;
import io.bayesvlm.core.model.DeviceSpec;
import io.bayesvlm.demo.LocalFlink;
import io.bayesvlm.demo.Replay;
import io.bayesvlm.embedded.EmbeddedKafka;
import io.bayesvlm.embedded.KafkaClients;
import io.bayesvlm.embedded.TempDirs;
import io.bayesvlm.flink.FlinkSettings;
import io.bayesvlm.flink.JobConfig;
import io.bayesvlm.flink.ModerationJob;
import io.bayesvlm.flink.kafka.KafkaEndpoints;
import io.bayesvlm.serde.AvroCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * {@code bin/bayesvlm bench}: the demo pipeline's throughput and latency with exactly-once on, against the bare
 * batched model's throughput, measured in the same run on the same machine.
 *
 * <ol>
 *   <li>Bare model: preprocessed tensors through {@link BayesVlmModel#scoreTensors} in batches (encoder + Laplace
 *       head), after a warm-up; measured before and again after the pipeline, and averaged.</li>
 *   <li>Pipeline throughput: a backlog of image events in Kafka, the job (bounded sources, exactly-once sinks) run
 *       over it; rate over the second half of the decisions as seen by a read_committed consumer (warm, like the
 *       bare model: start-up and JIT compilation excluded, commit cadence included).</li>
 *   <li>Latency: events produced at half the measured pipeline rate; per event, the time from production to the
 *       decision being visible to a read_committed consumer (p50/p99), which includes waiting for the checkpoint
 *       that commits it; and the job's own read-to-decision latency.</li>
 * </ol>
 */
public final class PipelineBenchmark {

    /** Checkpoint directories of this run's jobs, removed at the end. */
    private static final List<Path> CHECKPOINT_DIRS = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        int backlog = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int latencySeconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        Path root = Path.of(System.getProperty("bayesvlm.home", "."))
                .toAbsolutePath()
                .normalize();
        // Optional: another model directory (e.g. the ViT-B/32-shaped one of models/scripts/make_vit_b32_bench.py)
        // and how many sample images the bare-model rounds use (all 2,000 by default; fewer for a slow model).
        Path model = args.length > 2 ? Path.of(args[2]).toAbsolutePath() : root.resolve("models/fashion-clip");
        List<SampleImages.Item> items = SampleImages.items(root.resolve("models/fashion-mnist-sample"));
        if (args.length > 3) {
            items = items.subList(0, Math.min(items.size(), Integer.parseInt(args[3])));
        }
        // Optional: a folder of photos (e.g. the Debian set of bench-photos) as the events' images instead of the
        // sample's 28 x 28 PNGs; the bare model then scores the same photos, decoded beforehand.
        List<byte[]> inputs = new ArrayList<>();
        if (args.length > 4) {
            try (var files = java.nio.file.Files.list(Path.of(args[4]))) {
                for (Path f : files.filter(java.nio.file.Files::isRegularFile)
                        .sorted()
                        .toList()) {
                    inputs.add(java.nio.file.Files.readAllBytes(f));
                }
            }
            System.out.printf("images: %d photos from %s%n", inputs.size(), args[4]);
            // the bare model's batches as full as the pipeline's: the photos repeated up to BARE_IMAGES
            int photos = inputs.size();
            for (int i = photos; args.length > 3 && i < Integer.parseInt(args[3]); i++) {
                inputs.add(inputs.get(i % photos));
            }
        } else {
            for (SampleImages.Item item : items) {
                inputs.add(SampleImages.png(item.file(), ImageShift.NONE, 1, 0));
            }
        }
        System.out.printf(
                "machine: %d cores, Java %s; model %s; batch size 32; libtorch threads %s%n",
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"),
                model,
                System.getProperty("ai.djl.pytorch.num_threads", "DJL default (one per core)"));

        double bareBefore = bareModel(model, inputs);
        System.out.printf("bare batched model: %.0f images/s%n", bareBefore);

        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            double pipeline = pipelineThroughput(kafka, model, inputs, backlog);
            System.out.printf("pipeline (exactly-once, checkpoint 1 s): %.0f events/s%n", pipeline);
            // A shared machine's speed drifts over a run: measure the bare model again right after the pipeline
            // and compare against the mean of both, so that neither side alone gets a fast or slow spell.
            double bareAfter = bareModel(model, inputs);
            double bare = (bareBefore + bareAfter) / 2;
            System.out.printf(
                    "bare batched model again: %.0f images/s; pipeline = %.0f%% of the bare model's mean"
                            + " (%.0f images/s)%n",
                    bareAfter, 100 * pipeline / bare, bare);
            latency(kafka, model, inputs, pipeline / 2, latencySeconds);
        } finally {
            CHECKPOINT_DIRS.forEach(TempDirs::deleteRecursively);
        }
        System.exit(0);
    }

    static double bareModel(Path model, List<byte[]> inputs) throws Exception {
        try (BayesVlmModel m = BayesVlmModel.load(model, ScoringOptions.DEFAULTS.withDevice(DeviceSpec.AUTO))) {
            List<float[]> tensors = new ArrayList<>();
            for (byte[] input : inputs) {
                tensors.add(m.loader().load(input));
            }
            for (int i = 0; i < 3; i++) {
                m.scoreTensors(tensors); // warm-up
            }
            int rounds = 5;
            long start = System.nanoTime();
            for (int i = 0; i < rounds; i++) {
                m.scoreTensors(tensors);
            }
            return rounds * tensors.size() / ((System.nanoTime() - start) / 1e9);
        }
    }

    static JobConfig config(EmbeddedKafka kafka, Path model) throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> m = new HashMap<>();
        m.put("kafka.bootstrap-servers", kafka.bootstrapServers());
        m.put("kafka.group-id", "bench-" + suffix);
        m.put("kafka.starting-offsets", "earliest");
        m.put("kafka.transactional-id-prefix", "bench-" + suffix);
        for (var t : io.bayesvlm.flink.JobOptions.TOPICS) {
            m.put(t.key(), t.defaultValue() + "-" + suffix);
        }
        m.put("model.dir", model.toString());
        Path checkpoints = java.nio.file.Files.createTempDirectory("bayesvlm-checkpoints");
        CHECKPOINT_DIRS.add(checkpoints);
        m.put("checkpoint.dir", checkpoints.toUri().toString());
        m.put("checkpoint.interval", "1 s");
        m.put("inference.batch-size", "32");
        // camera photos reach 1.2 MB: above the job's default images.max-bytes (Kafka's default record size)
        m.put("images.max-bytes", String.valueOf(16 << 20));
        JobConfig c = JobConfig.from(Configuration.fromMap(m));
        kafka.createTopics(c.topics().all(), 1);
        // camera photos reach 1.2 MB: above the broker's default record limit
        KafkaClients.allowRecordsUpTo(kafka.bootstrapServers(), c.topics().images(), 16 << 20);
        return c;
    }

    static double pipelineThroughput(EmbeddedKafka kafka, Path model, List<byte[]> inputs, int n) throws Exception {
        JobConfig c = config(kafka, model);
        AvroCodec<io.bayesvlm.avro.ImageEvent> codec = new AvroCodec<>(io.bayesvlm.avro.ImageEvent.class);
        List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(kafka.bootstrapServers(), 16 << 20)) {
            for (int i = 0; i < n; i++) {
                byte[] v = codec.encode(
                        Replay.event("b" + i, System.currentTimeMillis(), "bench", inputs.get(i % inputs.size())));
                sent.add(p.send(
                        new ProducerRecord<>(c.topics().images(), ("b" + i).getBytes(StandardCharsets.UTF_8), v)));
            }
        }
        for (var f : sent) {
            f.get(); // a record the broker refused would leave the pipeline waiting for a decision that never comes
        }
        StreamExecutionEnvironment env = LocalFlink.environment(1);
        FlinkSettings.configure(env, c);
        ModerationJob.buildPipeline(env, KafkaEndpoints.sources(c, true), KafkaEndpoints.sinks(c), c);
        JobClient job = env.executeAsync("bench-throughput");
        // Like the bare model, the pipeline is measured warm: over the second half of the backlog, so that job
        // start-up, model loading and JIT compilation of the pipeline's code paths fall outside the window.
        long halfAt = -1;
        long halfCount = 0;
        long lastAt = -1;
        long seen = 0;
        try (KafkaConsumer<byte[], byte[]> consumer =
                KafkaClients.readCommitted(kafka.bootstrapServers(), c.topics().decisions())) {
            long deadline = System.currentTimeMillis() + 600_000;
            while (seen < n && System.currentTimeMillis() < deadline) {
                int got = consumer.poll(Duration.ofMillis(50)).count();
                if (got == 0 && job.getJobExecutionResult().isDone()) {
                    break; // finished or failed short of n decisions: its result below says why
                }
                if (got > 0) {
                    long now = System.nanoTime();
                    seen += got;
                    if (halfAt < 0 && seen >= n / 2) {
                        halfAt = now;
                        halfCount = seen;
                    }
                    lastAt = now;
                }
            }
        }
        job.getJobExecutionResult().get();
        return (seen - halfCount) / ((lastAt - halfAt) / 1e9);
    }

    static void latency(EmbeddedKafka kafka, Path model, List<byte[]> inputs, double rate, int seconds)
            throws Exception {
        JobConfig c = config(kafka, model);
        StreamExecutionEnvironment env = LocalFlink.environment(1);
        FlinkSettings.configure(env, c);
        ModerationJob.buildPipeline(env, KafkaEndpoints.sources(c, false), KafkaEndpoints.sinks(c), c);
        JobClient job = env.executeAsync("bench-latency");
        AtomicBoolean done = new AtomicBoolean();
        List<Long> endToEnd = new ArrayList<>();
        List<Long> processing = new ArrayList<>();
        Thread reader = new Thread(() -> {
            AvroCodec<Decision> codec = new AvroCodec<>(Decision.class);
            try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.readCommitted(
                    kafka.bootstrapServers(), c.topics().decisions())) {
                while (!done.get()) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(20))) {
                        Decision d = codec.decode(r.value());
                        endToEnd.add(
                                System.currentTimeMillis() - d.getEventTime().toEpochMilli());
                        processing.add(d.getProcessingLatencyMs());
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        reader.start();
        Thread.sleep(8000); // job start-up and model load, before measuring
        AvroCodec<io.bayesvlm.avro.ImageEvent> codec = new AvroCodec<>(io.bayesvlm.avro.ImageEvent.class);
        long start = System.currentTimeMillis();
        int count = 0;
        try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(kafka.bootstrapServers(), 16 << 20)) {
            while (System.currentTimeMillis() < start + seconds * 1000L) {
                long due = start + (long) (count * 1000 / rate);
                long wait = due - System.currentTimeMillis();
                if (wait > 0) {
                    Thread.sleep(wait);
                }
                byte[] v = codec.encode(Replay.event(
                        "l" + count, System.currentTimeMillis(), "bench", inputs.get(count % inputs.size())));
                p.send(new ProducerRecord<>(c.topics().images(), ("l" + count).getBytes(StandardCharsets.UTF_8), v));
                count++;
            }
        }
        Thread.sleep(4000);
        done.set(true);
        reader.join();
        job.cancel().get();
        System.out.printf(
                "latency at %.0f events/s (%d events): produce-to-visible decision p50 %d ms, p99 %d ms;"
                        + " read-to-decision in the job p50 %d ms, p99 %d ms%n",
                rate, endToEnd.size(), pct(endToEnd, 50), pct(endToEnd, 99), pct(processing, 50), pct(processing, 99));
    }

    static long pct(List<Long> v, int p) {
        if (v.isEmpty()) {
            return -1;
        }
        List<Long> s = new ArrayList<>(v);
        s.sort(null);
        return s.get(Math.min(s.size() - 1, (int) Math.ceil(p / 100.0 * s.size()) - 1));
    }
}
