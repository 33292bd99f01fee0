package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.DeadLetter;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * Counts dead letters by error code on their way to the sink: metric {@code deadLetters} in a group keyed
 * {@code error_code} (Prometheus: {@code flink_taskmanager_job_task_operator_error_code_deadLetters{error_code=...}}).
 */
public class CountDeadLetters extends RichMapFunction<DeadLetter, DeadLetter> {
    private static final long serialVersionUID = 1L;

    private transient MetricGroup group;
    private transient Map<String, Counter> byCode;

    @Override
    public void open(OpenContext context) {
        group = getRuntimeContext().getMetricGroup();
        byCode = new HashMap<>();
    }

    @Override
    public DeadLetter map(DeadLetter d) {
        byCode.computeIfAbsent(
                        d.getErrorCode(),
                        code -> group.addGroup("error_code", code).counter("deadLetters"))
                .inc();
        return d;
    }
}
