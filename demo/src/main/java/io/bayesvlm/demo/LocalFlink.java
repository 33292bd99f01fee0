package io.bayesvlm.demo;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** A local Flink MiniCluster for the demo and the benchmark, listening on loopback only (REST, RPC, blob server). */
public final class LocalFlink {

    private LocalFlink() {}

    public static StreamExecutionEnvironment environment(int parallelism) {
        Configuration conf = new Configuration();
        conf.setString("rest.bind-address", "127.0.0.1");
        conf.setString("jobmanager.bind-host", "127.0.0.1"); // the blob server follows it
        conf.setString("taskmanager.bind-host", "127.0.0.1");
        return StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
    }
}
