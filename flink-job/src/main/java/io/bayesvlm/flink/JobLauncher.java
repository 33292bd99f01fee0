package io.bayesvlm.flink;

/**
 * {@code bin/bayesvlm job}: the moderation job on a local MiniCluster; a startup problem is one line on stderr and
 * exit status 2. (On a cluster, {@link ModerationJob#main} is the entry point and never exits the JVM.)
 */
public final class JobLauncher {
    private JobLauncher() {}

    public static void main(String[] args) throws Exception {
        try {
            // A local MiniCluster would default to one subtask per core; one is the predictable local default.
            org.apache.flink.configuration.Configuration local = new org.apache.flink.configuration.Configuration();
            local.set(org.apache.flink.configuration.CoreOptions.DEFAULT_PARALLELISM, 1);
            ModerationJob.run(args, org.apache.flink.streaming.api.environment.StreamExecutionEnvironment
                    .getExecutionEnvironment(local));
        } catch (ModerationJob.StartupException e) {
            System.err.println("bayesvlm job: " + e.getMessage());
            System.exit(2);
        }
    }
}
