package io.bayesvlm.review.http;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS for the HTTP server and between instances ({@code http.tls.*}): the server presents the keystore's key and
 * certificate; an instance calling another trusts the truststore's certificates (by default the keystore's own, which
 * is enough when every instance has the same certificate or one signed by a CA in it) and checks the peer's host name
 * against its certificate, as any HTTPS client does. Loaded once at startup: a wrong path or password stops the
 * service with a message naming the option.
 */
public record Tls(Path keystore, char[] keystorePassword, Path truststore, char[] truststorePassword) {

    /** The server's context: its key and certificate, and the trust for calling peers. */
    public SSLContext context() {
        try {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(load(keystore, keystorePassword, "http.tls.keystore"), keystorePassword);
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(load(truststore, truststorePassword, "http.tls.truststore"));
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("http.tls.keystore: cannot use " + keystore + ": " + e.getMessage(), e);
        }
    }

    private static KeyStore load(Path file, char[] password, String option) {
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException(option + ": cannot read " + file.toAbsolutePath());
        }
        try {
            // PKCS12 and JKS alike: the JDK detects the type from the file
            return KeyStore.getInstance(file.toFile(), password);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    option + ": cannot open " + file + " (wrong password, or not a PKCS12/JKS keystore): "
                            + e.getMessage(),
                    e);
        }
    }
}
