package io.kanyan.signaling.media.kurento;

import io.kanyan.signaling.media.Media;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.List;

/**
 * The start-up finalisation of leftover recordings ({@link LeftoverRecordings}), as a process of its own, so a test
 * can run it as another uid than its own ({@code setpriv}). Prints each leftover's details, one JSON per line; exits
 * 1 if any could not be finalised.
 */
public final class FinaliseLeftovers {

  private FinaliseLeftovers() {
  }

  public static void main(String[] args) {
    Vertx vertx = Vertx.vertx();
    int status = 0;
    try {
      List<Media.Leftover> found = LeftoverRecordings.finalise(vertx, Path.of(args[0])).await();
      for (Media.Leftover leftover : found) {
        leftover.settle().get().await();
        System.out.println(leftover.details().encode());
        if (leftover.details().containsKey("error")) {
          status = 1;
        }
      }
    } catch (RuntimeException e) {
      System.out.println("failed: " + e);
      status = 2;
    } finally {
      vertx.close().await();
    }
    System.exit(status);
  }
}
