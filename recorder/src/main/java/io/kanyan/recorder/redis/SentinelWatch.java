package io.kanyan.recorder.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Subscribes to {@code +switch-master} on every sentinel of a {@code redis-sentinel://} URL and calls back with the
 * new primary's {@code host:port} when the sentinels announce one for its master name (once per sentinel). Sentinels it cannot reach are skipped (Lettuce reconnects
 * the ones it reached); one is enough, as each announces every failover.
 */
final class SentinelWatch implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SentinelWatch.class);
  static final String CHANNEL = "+switch-master";

  private final List<StatefulRedisPubSubConnection<String, String>> connections = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  SentinelWatch(RedisClient client, RedisURI uri, java.util.function.Consumer<String> onSwitch) {
    String prefix = uri.getSentinelMasterId() + " ";
    for (RedisURI sentinel : uri.getSentinels()) {
      client.connectPubSubAsync(StringCodec.UTF8, sentinel).whenComplete((connection, err) -> {
        if (err != null) {
          log.warn("redis: cannot listen to the sentinel at {}:{} ({}); the others are heard", sentinel.getHost(),
              sentinel.getPort(), err.toString());
          return;
        }
        if (closed) {
          connection.closeAsync();
          return;
        }
        connections.add(connection);
        connection.addListener(new RedisPubSubAdapter<>() {
          @Override
          public void message(String channel, String message) {
            // "<master name> <old ip> <old port> <new ip> <new port>"; every sentinel sends it
            if (CHANNEL.equals(channel) && message.startsWith(prefix)) {
              String[] parts = message.split(" ");
              onSwitch.accept(parts[parts.length - 2] + ":" + parts[parts.length - 1]);
            }
          }
        });
        connection.async().subscribe(CHANNEL);
      });
    }
  }

  @Override
  public void close() {
    closed = true;
    connections.forEach(StatefulRedisPubSubConnection::closeAsync);
  }
}
