package io.bayesvlm.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The TCP sockets a process listens on, read from Linux's /proc as {@code ss -ltnp} would: its socket inodes from
 * /proc/PID/fd, matched with the LISTEN rows of /proc/net/tcp and tcp6. For the check that a service binds to loopback
 * only.
 */
public final class ListeningSockets {
    private ListeningSockets() {}

    /** One listening socket: its local address (dotted IPv4 or hex IPv6) and port. */
    public record Listener(String address, int port) {
        public boolean loopback() {
            return address.startsWith("127.") || address.equals("::1") || address.equals("::ffff:127.0.0.1");
        }
    }

    public static List<Listener> of(long pid) throws IOException {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException gone) {
                    // closed while listing
                }
            }
        }
        List<Listener> out = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path p = Path.of(table);
            if (!Files.exists(p)) {
                continue;
            }
            // Read once: the table changes while sockets open and close (a second read can be shorter or longer).
            List<String> rows = Files.readAllLines(p);
            for (String line : rows.subList(Math.min(1, rows.size()), rows.size())) {
                String[] f = line.trim().split("\\s+");
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
                if (f.length > 9 && f[3].equals("0A") && inodes.contains(f[9])) {
                    String[] local = f[1].split(":");
                    out.add(new Listener(address(local[0]), Integer.parseInt(local[1], 16)));
                }
            }
        }
        return out;
    }

    /** /proc's little-endian hex address as text. */
    static String address(String hex) {
        if (hex.length() == 8) {
            long v = Long.parseLong(hex, 16);
            return (v & 0xff) + "." + ((v >> 8) & 0xff) + "." + ((v >> 16) & 0xff) + "." + ((v >> 24) & 0xff);
        }
        if (hex.equals("00000000000000000000000001000000")) {
            return "::1";
        }
        if (hex.equals("0000000000000000FFFF00000100007F")) {
            return "::ffff:127.0.0.1";
        }
        if (hex.equals("00000000000000000000000000000000")) {
            return "::";
        }
        return hex;
    }
}
