package io.bayesvlm.flink.memory;

import io.bayesvlm.flink.records.RawRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

/**
 * Bounded in-memory sources and collecting sinks for running the job's graph on a MiniCluster in this JVM (the
 * flink-training pattern): the data lives in static maps under a fresh id, so the serialized functions carry only
 * the id.
 */
public final class InMemory {

    private static final Map<String, List<RawRecord>> SOURCES = new ConcurrentHashMap<>();
    private static final Map<String, List<Object>> SINKS = new ConcurrentHashMap<>();

    private InMemory() {}

    /** A bounded source of these records, in this order (run it with parallelism 1 to keep the order). */
    public static DataGeneratorSource<RawRecord> source(List<RawRecord> records) {
        String id = UUID.randomUUID().toString();
        SOURCES.put(id, List.copyOf(records));
        return new DataGeneratorSource<>(new Lookup(id), records.size(), TypeInformation.of(RawRecord.class));
    }

    /** A sink that keeps everything written to it; read it with {@link #written}. */
    public static <T> CollectingSink<T> sink() {
        String id = UUID.randomUUID().toString();
        SINKS.put(id, java.util.Collections.synchronizedList(new ArrayList<>()));
        return new CollectingSink<>(id);
    }

    private record Lookup(String id) implements GeneratorFunction<Long, RawRecord> {
        @Override
        public RawRecord map(Long index) {
            return SOURCES.get(id).get(index.intValue());
        }
    }

    /** Collects every element in this JVM. */
    public record CollectingSink<T>(String id) implements Sink<T> {
        @Override
        public SinkWriter<T> createWriter(WriterInitContext context) {
            List<Object> out = SINKS.get(id);
            return new SinkWriter<>() {
                @Override
                public void write(T element, Context ctx) {
                    out.add(element);
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }

        @SuppressWarnings("unchecked")
        public List<T> written() {
            synchronized (SINKS.get(id)) {
                return (List<T>) List.copyOf(SINKS.get(id));
            }
        }
    }
}
