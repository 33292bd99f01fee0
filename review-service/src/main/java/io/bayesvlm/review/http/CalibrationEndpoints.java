package io.bayesvlm.review.http;

import com.fasterxml.jackson.core.type.TypeReference;
import com.sun.net.httpserver.HttpExchange;
import io.bayesvlm.review.JsonSerde;
import io.bayesvlm.review.ReviewStores;
import io.bayesvlm.review.calibration.KeepCalibrationHistory;
import io.bayesvlm.review.calibration.ReportView;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;

/** The calibration history for the dashboard: every instance's part of it, the latest report per model. */
final class CalibrationEndpoints {
    private final ReviewStores stores;
    private final PeerForwarder peers;

    private final double alertEce;
    private final int minLabels;

    CalibrationEndpoints(ReviewStores stores, PeerForwarder peers, double alertEce, int minLabels) {
        this.stores = stores;
        this.peers = peers;
        this.alertEce = alertEce;
        this.minLabels = minLabels;
    }

    Response calibration(HttpExchange ex, Authenticator.Caller caller, List<String> seg) throws IOException {
        String what = seg.size() > 2 ? seg.get(2) : "";
        if (what.equals("settings")) {
            // what the job alerts on, as configured here: the dashboard's threshold line and its "too few labels"
            return Response.json(200, Map.of("alertEce", alertEce, "minLabels", minLabels));
        }
        int limit = Requests.intParam(ex, "limit", 200, 1, 10_000);
        List<ReportView> all = history(caller, limit);
        return switch (what) {
            case "history" -> Response.json(200, all);
            case "latest" -> {
                Map<String, ReportView> latest = new TreeMap<>();
                for (ReportView r : all) {
                    latest.merge(r.model(), r, (a, b) -> a.windowEnd() >= b.windowEnd() ? a : b);
                }
                yield Response.json(200, new ArrayList<>(latest.values()));
            }
            default -> throw new HttpError(404, "calibration/latest, calibration/history or calibration/settings");
        };
    }

    /** The latest {@code limit} reports of every model from all instances, oldest first. */
    private List<ReportView> history(Authenticator.Caller caller, int limit) throws IOException {
        List<ReportView> all = new ArrayList<>(localHistory(limit));
        for (HostInfo h : stores.others(KeepCalibrationHistory.STORE)) {
            all.addAll(JsonSerde.MAPPER.readValue(
                    peers.call(
                                    caller.user().name(),
                                    h,
                                    "GET",
                                    "/api/local/calibration?limit=" + limit,
                                    null,
                                    PeerForwarder.Expect.JSON)
                            .body(),
                    new TypeReference<List<ReportView>>() {}));
        }
        all.sort(Comparator.comparing(ReportView::model).thenComparingLong(ReportView::windowEnd));
        Map<String, List<ReportView>> byModel = new LinkedHashMap<>();
        all.forEach(
                r -> byModel.computeIfAbsent(r.model(), k -> new ArrayList<>()).add(r));
        List<ReportView> out = new ArrayList<>();
        byModel.values().forEach(l -> out.addAll(l.subList(Math.max(0, l.size() - limit), l.size())));
        return out;
    }

    List<ReportView> localHistory(int limit) {
        if (!stores.holdsCalibration()) {
            return List.of();
        }
        Map<String, List<ReportView>> byModel = new HashMap<>();
        try (KeyValueIterator<String, ReportView> it = stores.localCalibration().all()) {
            it.forEachRemaining(kv -> byModel.computeIfAbsent(kv.value.model(), k -> new ArrayList<>())
                    .add(kv.value));
        }
        List<ReportView> out = new ArrayList<>();
        for (List<ReportView> l : byModel.values()) {
            l.sort(Comparator.comparingLong(ReportView::windowEnd));
            out.addAll(l.subList(Math.max(0, l.size() - limit), l.size()));
        }
        return out;
    }
}
