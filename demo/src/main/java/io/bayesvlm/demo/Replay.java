package io.bayesvlm.demo;

import io.bayesvlm.avro.ImageEvent;
import io.bayesvlm.core.data.ImageShift;
import io.bayesvlm.core.data.SampleImages;
import io.bayesvlm.flink.JobConfig;
import io.bayesvlm.serde.RecordCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Replays the committed Fashion-MNIST sample as image events at a fixed rate: clean for the first half, shifted for
 * the second, with a share of deliberately corrupt events. Remembers each good event's true label only until its
 * decision and, when a simulated reviewer answers it, its review request have used it ({@link #use}): the memory
 * stays bounded by what is in flight, however long the demo runs.
 */
public final class Replay {

    /** What the demo knows about an event it produced, and how many of its two readers have yet to use it. */
    static final class Truth {
        final String label;
        final String phase;
        final AtomicInteger uses = new AtomicInteger(2);

        Truth(String label, String phase) {
            this.label = label;
            this.phase = phase;
        }
    }

    static final String CLEAN = "clean";
    static final String DRIFTED = "drifted";

    private final DemoOptions options;
    private final Path samples;
    private final AtomicBoolean stopping;
    private final Map<String, Truth> truth = new ConcurrentHashMap<>();
    final AtomicLong produced = new AtomicLong();
    final AtomicLong producedBad = new AtomicLong();
    /** Wall time the drifted phase began (event times are wall times here); MAX_VALUE until then. */
    final AtomicLong driftStartedAt = new AtomicLong(Long.MAX_VALUE);

    private volatile String phase = CLEAN;

    Replay(DemoOptions options, Path root, AtomicBoolean stopping) {
        this.options = options;
        this.samples = root.resolve("models/fashion-mnist-sample");
        this.stopping = stopping;
    }

    public static ImageEvent event(String id, long eventTime, String source, byte[] png) {
        return ImageEvent.newBuilder()
                .setEventId(id)
                .setEventTime(Instant.ofEpochMilli(eventTime))
                .setSource(source)
                .setContentType("image/png")
                .setImage(ByteBuffer.wrap(png))
                .setMetadata(Map.of())
                .build();
    }

    /** Refuses a --relabel that names a class the replay does not have, before anything is started. */
    static void checkRelabel(DemoOptions options, Path root) throws java.io.IOException {
        java.util.Set<String> classes = new java.util.TreeSet<>();
        SampleImages.items(root.resolve("models/fashion-mnist-sample")).forEach(i -> classes.add(i.label()));
        options.relabel().forEach((from, to) -> {
            if (!classes.contains(from) || !classes.contains(to)) {
                throw new IllegalStateException(
                        "--relabel " + from + "=" + to + ": the replayed classes are " + classes);
            }
        });
    }

    String phase() {
        return phase;
    }

    /**
     * The event's truth for one reader, counted as {@code uses} of its two: the monitor takes 1 for a decision a
     * simulated reviewer will answer (the reviewer takes the other) and 2 for any other. Null for a corrupt event or
     * one already used up.
     */
    Truth use(String eventId, int uses) {
        Truth t = truth.get(eventId);
        if (t != null && t.uses.addAndGet(-uses) <= 0) {
            truth.remove(eventId);
        }
        return t;
    }

    /** How many events still wait for their decision or label (bounded by what is in flight). */
    int remembered() {
        return truth.size();
    }

    void run(KafkaProducer<byte[], byte[]> producer, JobConfig config, long start) throws Exception {
        List<SampleImages.Item> items = SampleImages.items(samples);
        RecordCodec<ImageEvent> codec = RecordCodec.of(ImageEvent.class, config.registry());
        long end = start + options.durationSeconds() * 1000L;
        long half = start + options.durationSeconds() * 500L;
        Random rng = new Random(42);
        for (long n = 0; !stopping.get(); n++) {
            long due = start + (long) (n * 1000 / options.rate());
            long now = System.currentTimeMillis();
            if (due >= end) {
                break;
            }
            if (due > now) {
                Thread.sleep(due - now);
            }
            boolean drifted = due >= half;
            if (drifted && !phase.equals(DRIFTED)) {
                driftStartedAt.set(due);
            }
            phase = drifted ? DRIFTED : CLEAN;
            String id = phase + "-" + n;
            SampleImages.Item item = items.get((int) (n % items.size()));
            byte[] image;
            if (rng.nextDouble() < options.badFraction()) {
                image = Arrays.copyOf(SampleImages.png(item.file(), ImageShift.NONE, 1, n), 40); // truncated
                producedBad.incrementAndGet();
            } else {
                image = SampleImages.png(
                        item.file(), drifted ? options.drift() : ImageShift.NONE, options.severity(), n);
                truth.put(id, new Truth(options.relabel().getOrDefault(item.label(), item.label()), phase));
            }
            byte[] value = codec.encode(config.topics().images(), event(id, System.currentTimeMillis(), "demo", image));
            producer.send(new ProducerRecord<>(config.topics().images(), id.getBytes(StandardCharsets.UTF_8), value));
            produced.incrementAndGet();
        }
        producer.flush();
    }
}
