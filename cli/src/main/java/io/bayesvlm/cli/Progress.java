package io.bayesvlm.cli;

import io.bayesvlm.core.data.Activations;
import java.io.PrintWriter;

/** Progress of a long pass on stderr: at most one line every few seconds, with rate and time left. */
final class Progress implements Activations.Progress {

    private final PrintWriter err;
    private final String what;
    private final long start = System.nanoTime();
    private long lastPrint;

    Progress(PrintWriter err, String what) {
        this.err = err;
        this.what = what;
    }

    @Override
    public void update(long done, long total) {
        long now = System.nanoTime();
        if (done < total && now - lastPrint < 3_000_000_000L) {
            return;
        }
        lastPrint = now;
        double seconds = (now - start) / 1e9;
        double rate = done / Math.max(seconds, 1e-9);
        err.printf(
                "%s: %,d / %,d (%.0f%%), %.0f images/s, %s%n",
                what,
                done,
                total,
                100.0 * done / total,
                rate,
                done < total
                        ? String.format("about %.0f s left", (total - done) / Math.max(rate, 1e-9))
                        : String.format("done in %.1f s", seconds));
        err.flush();
    }
}
