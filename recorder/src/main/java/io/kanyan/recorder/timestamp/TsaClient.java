package io.kanyan.recorder.timestamp;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.math.BigInteger;
import java.security.SecureRandom;
import org.bouncycastle.tsp.TSPAlgorithms;
import org.bouncycastle.tsp.TSPException;
import org.bouncycastle.tsp.TimeStampRequest;
import org.bouncycastle.tsp.TimeStampRequestGenerator;
import org.bouncycastle.tsp.TimeStampResponse;

/**
 * Asks an RFC 3161 timestamp authority to stamp some bytes: a time-stamp query over HTTP (RFC 3161 section
 * 3.4, {@code application/timestamp-query}) with the SHA-256 of the bytes, a random nonce and a request for
 * the TSA's certificate. The answer is checked against the query (status granted, same imprint, same nonce)
 * before its token is returned; the token's signature and certificate chain are checked by
 * {@link TimestampVerifier}.
 */
public final class TsaClient {

  private static final SecureRandom NONCES = new SecureRandom();

  private final HttpClient http;
  private final TsaSettings settings;

  public TsaClient(Vertx vertx, TsaSettings settings) {
    this.http = vertx.createHttpClient();
    this.settings = settings;
  }

  /** The DER of the time-stamp token (a CMS SignedData) for {@code data}. */
  public Future<byte[]> stamp(byte[] data) {
    TimeStampRequestGenerator generator = new TimeStampRequestGenerator();
    generator.setCertReq(true);
    TimeStampRequest request = generator.generate(TSPAlgorithms.SHA256, TimestampVerifier.sha256(data),
        new BigInteger(64, NONCES));
    byte[] query;
    try {
      query = request.getEncoded();
    } catch (IOException e) {
      return Future.failedFuture(new TimestampException("cannot encode the time-stamp query", e));
    }
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST)
        .setAbsoluteURI(settings.url().toString())
        .setConnectTimeout(settings.timeout().toMillis())
        .setIdleTimeout(settings.timeout().toMillis())
        .putHeader("Content-Type", "application/timestamp-query");
    return http.request(options)
        .compose(req -> req.send(Buffer.buffer(query)))
        .compose(this::body)
        .map(body -> token(request, body));
  }

  private Future<Buffer> body(HttpClientResponse response) {
    if (response.statusCode() != 200) {
      return response.body().transform(ignored -> Future.failedFuture(new TimestampException(
          "the TSA " + settings.url() + " answered HTTP " + response.statusCode())));
    }
    return response.body();
  }

  private byte[] token(TimeStampRequest request, Buffer body) {
    try {
      TimeStampResponse response = new TimeStampResponse(body.getBytes());
      response.validate(request);
      if (response.getTimeStampToken() == null) {
        throw new TimestampException("the TSA " + settings.url() + " refused: status " + response.getStatus()
            + " " + response.getStatusString());
      }
      return response.getTimeStampToken().getEncoded();
    } catch (TSPException | IOException | IllegalArgumentException e) {
      throw new TimestampException("the TSA " + settings.url() + " sent an unusable answer: " + e.getMessage(), e);
    }
  }

  public Future<Void> close() {
    return http.close();
  }
}
