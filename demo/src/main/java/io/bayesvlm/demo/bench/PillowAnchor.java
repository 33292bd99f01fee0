package io.bayesvlm.demo.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Pillow as the photo benchmark's anchor: one Python process ({@code demo/src/main/python/pillow_anchor.py}) that
 * runs a round on request, so that its rounds interleave with this project's and both are measured with the machine
 * in the same state (on a shared virtual machine the speed of the same work drifts by 10–20% over a minute).
 */
final class PillowAnchor implements AutoCloseable {

    private final Process process;
    private final Writer requests;
    private final BufferedReader answers;

    private PillowAnchor(Process process) {
        this.process = process;
        this.requests = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** The anchor for these files at this size, or null (and a line saying why) where there is no Pillow. */
    static PillowAnchor start(List<Path> files, int size, int repeats) throws IOException, InterruptedException {
        DebianPackages.Python python = DebianPackages.pillow();
        if (python == null) {
            System.out.println("Pillow anchor: no python3 with Pillow, and python3-pil could not be fetched");
            return null;
        }
        Path script = Path.of(System.getProperty("bayesvlm.home", "."), "demo/src/main/python/pillow_anchor.py");
        List<String> command = new ArrayList<>(
                List.of(python.executable(), script.toString(), Integer.toString(size), Integer.toString(repeats)));
        files.forEach(f -> command.add(f.toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        python.environment().forEach(pb.environment()::put);
        return new PillowAnchor(pb.start());
    }

    /** CPU milliseconds per photo of one round in {@code mode} ("full" or "draft"). */
    double round(String mode) throws IOException {
        requests.write(mode + "\n");
        requests.flush();
        String line = answers.readLine();
        String[] f = line == null ? new String[0] : line.trim().split(" ");
        if (f.length != 3 || !f[0].equals(mode)) {
            throw new IOException("Pillow anchor failed: " + (line == null ? "it exited" : line.strip()));
        }
        return Double.parseDouble(f[2]) * 1000 / Integer.parseInt(f[1]);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        requests.close();
        process.waitFor();
    }
}
