package io.kanyan.recorder.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real RFC 3161 timestamp authority on loopback: OpenSSL's {@code openssl ts -reply}, fed by a small Vert.x
 * HTTP handler. {@link #create} makes a root CA and a TSA certificate (critical extended key usage
 * timeStamping) with {@code openssl}, so every token is signed by a key only this TSA holds.
 */
public final class LocalTsa implements AutoCloseable {

  private static final String CONFIG = """
      [ tsa ]
      default_tsa = tsa_config
      [ tsa_config ]
      serial = %s
      crypto_device = builtin
      signer_digest = sha256
      default_policy = 1.2.3.4.1
      digests = sha256, sha384, sha512
      accuracy = secs:1
      ordering = yes
      tsa_name = yes
      ess_cert_id_chain = no
      ess_cert_id_alg = sha256
      [ v3_tsa ]
      basicConstraints = CA:FALSE
      keyUsage = critical, digitalSignature
      extendedKeyUsage = critical, timeStamping
      [ v3_ca ]
      basicConstraints = critical, CA:TRUE
      keyUsage = critical, keyCertSign, cRLSign
      [ req ]
      distinguished_name = dn
      [ dn ]
      """;

  private final Vertx vertx;
  private final Path dir;
  private final AtomicInteger refuseNext = new AtomicInteger();
  private final AtomicInteger answered = new AtomicInteger();
  private HttpServer server;

  private LocalTsa(Vertx vertx, Path dir) {
    this.vertx = vertx;
    this.dir = dir;
  }

  /** Makes the CA and TSA keys and certificates under {@code dir} and starts serving on a free port. */
  public static LocalTsa start(Vertx vertx, Path dir, String name) {
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("tsa.cnf"), CONFIG.formatted(dir.resolve("serial")));
      Files.writeString(dir.resolve("serial"), "01\n");
      LocalTsa tsa = new LocalTsa(vertx, dir);
      tsa.openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
          "-keyout", "ca.key", "-out", "ca.crt", "-days", "3650", "-subj", "/CN=" + name + " root",
          "-config", "tsa.cnf", "-extensions", "v3_ca");
      tsa.openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
          "-keyout", "tsa.key", "-out", "tsa.csr", "-subj", "/CN=" + name, "-config", "tsa.cnf");
      tsa.openssl("x509", "-req", "-in", "tsa.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
          "-out", "tsa.crt", "-days", "3650", "-extfile", "tsa.cnf", "-extensions", "v3_tsa");
      tsa.server = vertx.createHttpServer().requestHandler(tsa::handle).listen(0, "127.0.0.1").await();
      return tsa;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The URL to POST time-stamp queries to. */
  public String url() {
    return "http://127.0.0.1:" + server.actualPort() + "/tsa";
  }

  /** The PEM root certificate the TSA certificate chains to: the verifier's trust anchor. */
  public Path rootCertificate() {
    return dir.resolve("ca.crt");
  }

  /** The next {@code n} queries are answered HTTP 503, as by a TSA under maintenance. */
  public void refuseNext(int n) {
    refuseNext.set(n);
  }

  /** How many queries were answered with a token. */
  public int answered() {
    return answered.get();
  }

  private void handle(HttpServerRequest request) {
    request.body()
        .compose(body -> {
          if (refuseNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return Future.failedFuture("refused");
          }
          return vertx.executeBlocking(() -> reply(body), false);
        })
        .onSuccess(reply -> {
          answered.incrementAndGet();
          request.response().putHeader("Content-Type", "application/timestamp-reply").end(Buffer.buffer(reply));
        })
        .onFailure(err -> request.response().setStatusCode(503).end());
  }

  private byte[] reply(Buffer query) throws IOException {
    String id = UUID.randomUUID().toString();
    Path in = dir.resolve(id + ".tsq");
    Path out = dir.resolve(id + ".tsr");
    Files.write(in, query.getBytes());
    try {
      openssl("ts", "-reply", "-config", "tsa.cnf", "-queryfile", in.toString(), "-inkey", "tsa.key",
          "-signer", "tsa.crt", "-chain", "ca.crt", "-out", out.toString());
      return Files.readAllBytes(out);
    } finally {
      Files.deleteIfExists(in);
      Files.deleteIfExists(out);
    }
  }

  private void openssl(String... args) {
    List<String> command = new java.util.ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    try {
      Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException("openssl " + args[0] + " failed: " + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    server.close().await();
  }
}
