package io.kanyan.recorder.redis;

import java.nio.file.Path;

/**
 * Run in a child JVM by {@link RedisServerProcessTest}: starts the embedded redis-server on a directory, prints
 * its URL and pid, and waits to be killed with SIGKILL, as a crashed server would be.
 */
public final class OrphanMaker {

  private OrphanMaker() {
  }

  public static void main(String[] args) throws InterruptedException {
    RedisServerProcess redis = RedisServerProcess.start(Path.of(args[0]), 0);
    System.out.println("READY " + redis.pid() + " " + redis.url());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
