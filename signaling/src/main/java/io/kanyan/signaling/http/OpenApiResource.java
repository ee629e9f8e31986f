package io.kanyan.signaling.http;

import io.kanyan.signaling.Problem;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * {@code GET /api/openapi.json}: the OpenAPI 3 document of the whole HTTP API ({@code signaling/openapi.json},
 * beside API.md, packed into the jar). Public: it describes routes, not data. {@code OpenApiConformanceTest}
 * checks real answers against it and fails when the router has a route it lacks.
 */
public final class OpenApiResource implements Api.Resource {

  /** Where the document is on the class path. */
  public static final String RESOURCE = "/kanyan/openapi.json";
  private final Buffer document;

  public OpenApiResource() {
    try (InputStream in = OpenApiResource.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the OpenAPI document " + RESOURCE + " is missing from the jar");
      }
      document = Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void mount(Router api) {
    api.get("/openapi.json").handler(this::serve);
  }

  private void serve(RoutingContext ctx) {
    if (document.length() == 0) {
      Api.problem(ctx, Problem.notFound("there is no OpenAPI document"));
      return;
    }
    ctx.response().putHeader("Content-Type", "application/json; charset=utf-8").end(document);
  }
}
