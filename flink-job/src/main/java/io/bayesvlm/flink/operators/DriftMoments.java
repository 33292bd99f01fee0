package io.bayesvlm.flink.operators;

import io.bayesvlm.avro.Decision;
import io.bayesvlm.avro.Routing;
import org.apache.flink.api.common.functions.AggregateFunction;

/**
 * Sums, per window, of the four label-free statistics of every decision: its confidence (max predictive
 * probability), the logit std of its predicted class, its mutual information, and whether it was routed to review.
 * The accumulator is [n, Σx, Σx² for each statistic in that order]: a window keeps nine numbers, not its decisions.
 */
public class DriftMoments implements AggregateFunction<Decision, double[], double[]> {
    private static final long serialVersionUID = 1L;

    static final int STATISTICS = 4;

    @Override
    public double[] createAccumulator() {
        return new double[1 + 2 * STATISTICS];
    }

    @Override
    public double[] add(Decision d, double[] acc) {
        double[] x = {
            d.getUncertainty().getMaxProb(),
            d.getUncertainty().getTopLogitStd(),
            d.getUncertainty().getMutualInfo(),
            d.getRouting() == Routing.REVIEW ? 1 : 0
        };
        acc[0]++;
        for (int k = 0; k < STATISTICS; k++) {
            acc[1 + 2 * k] += x[k];
            acc[2 + 2 * k] += x[k] * x[k];
        }
        return acc;
    }

    @Override
    public double[] getResult(double[] acc) {
        return acc;
    }

    @Override
    public double[] merge(double[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] + b[i];
        }
        return out;
    }
}
