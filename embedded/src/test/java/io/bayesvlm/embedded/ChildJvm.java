package io.bayesvlm.embedded;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a test's child JVM: this JVM's java, its {@code --add-opens} and {@code -D} options (Flink's
 * opens, DJL's cache and offline mode), its classpath, then a main class. For what must run as its own process: a
 * launcher to {@code kill -9}, a demo whose sockets are inspected, a measurement that needs a fresh heap.
 */
public final class ChildJvm {
    private ChildJvm() {}

    public static List<String> command(Class<?> main, List<String> jvmOptions, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("-D"))
                .forEach(cmd::add);
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(args);
        return cmd;
    }
}
