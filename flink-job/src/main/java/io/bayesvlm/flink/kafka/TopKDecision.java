package io.bayesvlm.flink.kafka;

import io.bayesvlm.avro.Decision;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.flink.util.function.SerializableFunction;

/**
 * decisions.top-k: a Decision as written to the topic with only its k most probable classes (by BayesVLM's
 * probabilities): {@code classes} and every per-class array trimmed to them, in that order and aligned, and
 * {@code num_classes} set. At K = 1000 a full decision carries a thousand class ids and four thousand doubles.
 */
public final class TopKDecision implements SerializableFunction<Decision, Decision> {
    private static final long serialVersionUID = 1L;

    private final int k;

    public TopKDecision(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("top-k must be at least 1, got " + k);
        }
        this.k = k;
    }

    @Override
    public Decision apply(Decision d) {
        int n = d.getClasses().size();
        if (n <= k) {
            return d;
        }
        List<Double> p = d.getProbs();
        int[] top = IntStream.range(0, n)
                .boxed()
                .sorted(Comparator.comparingDouble((Integer c) -> -p.get(c)))
                .limit(k)
                .mapToInt(Integer::intValue)
                .toArray();
        Decision out = Decision.newBuilder(d)
                .setClasses(pick(d.getClasses(), top))
                .setProbs(pick(d.getProbs(), top))
                .setMapProbs(pick(d.getMapProbs(), top))
                .setLogitsMean(pick(d.getLogitsMean(), top))
                .setLogitsVar(pick(d.getLogitsVar(), top))
                .setNumClasses(n)
                .build();
        if (d.getRecalibratedProbs() != null) {
            out.setRecalibratedProbs(pick(d.getRecalibratedProbs(), top));
        }
        if (d.getRecalibratedMapProbs() != null) {
            out.setRecalibratedMapProbs(pick(d.getRecalibratedMapProbs(), top));
        }
        return out;
    }

    private static <T> List<T> pick(List<T> all, int[] idx) {
        List<T> out = new ArrayList<>(idx.length);
        for (int i : idx) {
            out.add(all.get(i));
        }
        return out;
    }
}
