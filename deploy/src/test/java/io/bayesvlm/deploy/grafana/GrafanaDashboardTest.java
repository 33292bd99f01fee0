package io.bayesvlm.deploy.grafana;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bayesvlm.deploy.JobMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/grafana/bayesvlm-moderation.json queries only metrics the cluster test finds on a real TaskManager's
 * Prometheus endpoint ({@link JobMetrics}), covers what operators watch, and deploy/README.md lists every name.
 */
class GrafanaDashboardTest {
    private static final Path ROOT =
            Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();
    private static final Pattern METRIC = Pattern.compile("flink_[A-Za-z_]+");
    private static JsonNode dashboard;

    @BeforeAll
    static void load() throws IOException {
        dashboard = new ObjectMapper()
                .readTree(
                        ROOT.resolve("deploy/grafana/bayesvlm-moderation.json").toFile());
    }

    private static List<String> expressions() {
        List<String> out = new ArrayList<>();
        dashboard
                .path("panels")
                .forEach(p ->
                        p.path("targets").forEach(t -> out.add(t.path("expr").asText())));
        return out;
    }

    @Test
    void everyQueriedMetricIsOneTheClusterTestScrapes() {
        Set<String> used = new TreeSet<>();
        for (String expr : expressions()) {
            Matcher m = METRIC.matcher(expr);
            while (m.find()) {
                used.add(m.group());
            }
        }
        assertThat(used).isNotEmpty();
        assertThat(JobMetrics.ALL).containsAll(used);
        // and every job metric has a panel
        assertThat(used).containsAll(JobMetrics.ALL);
    }

    @Test
    void thePanelsOperatorsNeedAreThere() {
        List<String> titles = new ArrayList<>();
        dashboard
                .path("panels")
                .forEach(p -> titles.add(p.path("title").asText().toLowerCase()));
        for (String subject :
                List.of("throughput", "latency", "review rate", "ece", "map", "bayesvlm", "dead letters")) {
            assertThat(titles)
                    .as("a panel about %s", subject)
                    .anySatisfy(t -> assertThat(t).contains(subject));
        }
        Set<Integer> ids = new HashSet<>();
        dashboard.path("panels").forEach(p -> {
            assertThat(ids.add(p.path("id").asInt()))
                    .as("unique panel id %s", p.path("id"))
                    .isTrue();
            assertThat(p.path("gridPos").path("w").asInt()).isPositive();
            assertThat(p.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
            assertThat(p.path("targets").size()).isPositive();
        });
        assertThat(expressions()).allSatisfy(e -> assertThat(e).contains("job_name=~\"$job\""));
    }

    @Test
    void theReadmeListsEveryMetric() throws IOException {
        String readme = Files.readString(ROOT.resolve("deploy/README.md"));
        for (String name : JobMetrics.ALL) {
            String shortName = name.substring(name.lastIndexOf('_') + 1);
            assertThat(readme).as("deploy/README.md mentions %s", name).containsAnyOf(name, "`_" + shortName + "`");
        }
    }
}
