package io.bayesvlm.embedded;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Ports for embedded services, which listen on 127.0.0.1 only. */
public final class Loopback {

    private Loopback() {}

    /** A port free on the loopback interface right now. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
