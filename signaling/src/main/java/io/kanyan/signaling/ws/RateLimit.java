package io.kanyan.signaling.ws;

/**
 * A per-connection token bucket (rate per second, burst of twice that), plus a flood detector that asks
 * for the connection to be closed when a client sends more than three times the rate within one second.
 * Used from one event loop only.
 */
final class RateLimit {

  enum Verdict { ACCEPT, DROP, CLOSE }

  private final int rate;
  private final double burst;
  private double tokens;
  private long lastRefill;
  private long windowStart;
  private int inWindow;

  RateLimit(int rate, long nowMillis) {
    this.rate = rate;
    this.burst = 2.0 * rate;
    this.tokens = burst;
    this.lastRefill = nowMillis;
    this.windowStart = nowMillis;
  }

  Verdict take(long nowMillis) {
    if (nowMillis - windowStart >= 1000) {
      windowStart = nowMillis;
      inWindow = 0;
    }
    inWindow++;
    if (inWindow > 3 * rate) {
      return Verdict.CLOSE;
    }
    tokens = Math.min(burst, tokens + (nowMillis - lastRefill) * rate / 1000.0);
    lastRefill = nowMillis;
    if (tokens < 1) {
      return Verdict.DROP;
    }
    tokens -= 1;
    return Verdict.ACCEPT;
  }
}
