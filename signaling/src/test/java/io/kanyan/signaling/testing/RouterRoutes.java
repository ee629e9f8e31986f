package io.kanyan.signaling.testing;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.util.TreeSet;

/** The endpoints of a router as {@code METHOD /path}, for tests that must cover every route (matrix, OpenAPI). */
public final class RouterRoutes {

  private RouterRoutes() {
  }

  /**
   * Every route, through sub-routers, as {@code METHOD /path} with Vert.x's {@code :param}. Routes that match every
   * path are skipped, and so are prefix guards (e.g. {@code /invite/record*} for any method: a check in front of the
   * routes below it). A route for any method at an exact path is an endpoint like any other: {@code ANY /path}.
   */
  public static TreeSet<String> of(Router router) {
    TreeSet<String> out = new TreeSet<>();
    collect(router, "", out);
    return out;
  }

  private static void collect(Router router, String prefix, TreeSet<String> out) {
    for (Route route : router.getRoutes()) {
      if (route.getSubRouter() != null) {
        collect(route.getSubRouter(), prefix + route.getPath().replaceAll("/\\*?$", ""), out);
      } else if (route.getPath() != null) {
        if (route.methods() == null || route.methods().isEmpty()) {
          if (route.isExactPath()) {
            out.add("ANY " + prefix + route.getPath());
          }
          continue;
        }
        for (HttpMethod m : route.methods()) {
          out.add(m + " " + prefix + route.getPath());
        }
      }
    }
  }
}
