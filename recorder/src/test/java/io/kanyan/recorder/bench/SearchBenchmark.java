package io.kanyan.recorder.bench;

import io.kanyan.recorder.audit.CaseFile;
import io.kanyan.recorder.audit.CaseFiles;
import io.kanyan.recorder.audit.CaseQuery;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.KillableRedis;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;

/**
 * Case-file search latency with {@code -Dcases=1000000} inspections loaded (through {@link CaseFiles#create},
 * the production path). Queries run one at a time, a mix of every facet, combinations, time ranges and
 * pages, and report p50/p99 per kind and overall.
 *
 * <pre>mvn -q -pl recorder test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=io.kanyan.recorder.bench.SearchBenchmark [-Dcases=1000000] [-Dqueries=3000]</pre>
 */
public final class SearchBenchmark {

  static final int CASES = Integer.getInteger("cases", 1_000_000);
  static final int QUERIES = Integer.getInteger("queries", 3_000);
  static final int INSPECTORS = 200;
  static final int MATTERS = 30;
  static final int NAMES = 20_000;
  static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
  static final long SPAN_MS = Duration.ofDays(730).toMillis();

  enum Kind { CASE_NUMBER, PHONE, APPLICANT, INSPECTOR_PAGE, INSPECTOR_MONTH, INSPECTOR_DEEP_PAGE, MATTER_MONTH,
    MATTER_CONCLUSION, STATUS_MATTER, CONCLUSION_INSPECTOR, RARE_STATUS_INSPECTOR, ALL_WEEK }

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("kanyan-search-bench");
    Vertx vertx = Vertx.vertx();
    try (KillableRedis server = KillableRedis.start(dir)) {
      RedisStore redis = RedisStore.connect(vertx, server.url()).await();
      // Loading a million case files is not what is measured; the search path does not write.
      redis.call(c -> c.configSet("appendonly", "no")).await();
      CaseFiles cases = new CaseFiles(redis, new byte[32]);
      long start = System.nanoTime();
      load(vertx, cases);
      System.out.printf("loaded %,d case files in %.0f s; redis used_memory %s%n", CASES,
          (System.nanoTime() - start) / 1e9, info(redis, "used_memory_human"));

      Random random = new Random(1);
      for (int i = 0; i < 300; i++) {
        cases.searchPage(query(Kind.values()[i % Kind.values().length], random)).await();
      }
      Map<Kind, Stats> byKind = new EnumMap<>(Kind.class);
      Stats all = new Stats(QUERIES);
      long found = 0;
      for (int i = 0; i < QUERIES; i++) {
        Kind kind = Kind.values()[i % Kind.values().length];
        CaseQuery q = query(kind, random);
        long t0 = System.nanoTime();
        CaseFiles.Page page = cases.searchPage(q).await();
        long took = System.nanoTime() - t0;
        found += page.items().size();
        all.add(took);
        byKind.computeIfAbsent(kind, k -> new Stats(QUERIES)).add(took);
      }
      System.out.printf("search over %,d case files, %,d queries one at a time (%.1f results per query on average)%n",
          CASES, QUERIES, found / (double) QUERIES);
      byKind.forEach((kind, stats) -> System.out.printf("  %-22s %s%n", kind, stats.summary()));
      System.out.printf("  %-22s %s%n", "ALL", all.summary());
      redis.close();
    } finally {
      vertx.close().await();
    }
  }

  static String info(RedisStore redis, String field) {
    String info = redis.call(c -> c.info("memory")).await();
    for (String line : info.split("\r?\n")) {
      if (line.startsWith(field + ":")) {
        return line.substring(field.length() + 1);
      }
    }
    return "?";
  }

  static CaseFile caseFile(CaseFiles cases, int i, Random random) {
    Instant created = T0.plusMillis((long) i * (SPAN_MS / CASES) + random.nextInt(1000));
    String phone = phone(i);
    CaseFile file = new CaseFile("case-" + i, caseNumber(i), "matter-" + random.nextInt(MATTERS),
        "inspector-" + random.nextInt(INSPECTORS), "Inspector", "applicant-" + random.nextInt(NAMES),
        CaseFiles.maskPhone(phone), cases.phoneHash(phone), "No. " + i + " Road", 31.2, 121.4,
        CaseFile.Status.CREATED, created, null, null, null, null);
    int roll = random.nextInt(100);
    if (roll < 2) {
      return file.withStatus(CaseFile.Status.CANCELLED, null, created.plusSeconds(600), null, "no show");
    }
    if (roll < 5) {
      return file.withStatus(CaseFile.Status.IN_PROGRESS, created.plusSeconds(60), null, null, null);
    }
    if (roll < 10) {
      return file;
    }
    String conclusion = roll < 73 ? "pass" : roll < 83 ? "fail" : "rectify";
    return file.withStatus(CaseFile.Status.ENDED, created.plusSeconds(60), created.plusSeconds(1800), conclusion, "");
  }

  static String caseNumber(int i) {
    return "KY-" + (2025 + i / (CASES / 2 + 1)) + "-" + String.format("%07d", i);
  }

  static String phone(int i) {
    return "139" + String.format("%08d", (i * 7919L) % 100_000_000L);
  }

  static void load(Vertx vertx, CaseFiles cases) {
    WindowedLoad.run(vertx, CASES, (i, random) -> cases.create(caseFile(cases, i, random)));
  }

  static CaseQuery query(Kind kind, Random r) {
    Instant monthStart = T0.plusMillis((long) (r.nextDouble() * (SPAN_MS - Duration.ofDays(30).toMillis())));
    Instant monthEnd = monthStart.plus(Duration.ofDays(30));
    String inspector = "inspector-" + r.nextInt(INSPECTORS);
    String matter = "matter-" + r.nextInt(MATTERS);
    return switch (kind) {
      case CASE_NUMBER -> q(caseNumber(r.nextInt(CASES)), null, null, null, null, null, null, null, null, 0);
      case PHONE -> q(null, null, null, phone(r.nextInt(CASES)), null, null, null, null, null, 0);
      case APPLICANT -> q(null, null, "applicant-" + r.nextInt(NAMES), null, null, null, null, null, null, 0);
      case INSPECTOR_PAGE -> q(null, inspector, null, null, null, null, null, null, null, 0);
      case INSPECTOR_MONTH -> q(null, inspector, null, null, null, null, null, monthStart, monthEnd, 0);
      case INSPECTOR_DEEP_PAGE -> q(null, inspector, null, null, null, null, null, null, null, 200 + r.nextInt(800));
      case MATTER_MONTH -> q(null, null, null, null, matter, null, null, monthStart, monthEnd, 0);
      case MATTER_CONCLUSION -> q(null, null, null, null, matter, "fail", null, null, null, 0);
      case STATUS_MATTER -> q(null, null, null, null, matter, null, CaseFile.Status.ENDED, monthStart, monthEnd, 0);
      case CONCLUSION_INSPECTOR -> q(null, inspector, null, null, null, "rectify", null, null, null, 0);
      case RARE_STATUS_INSPECTOR -> q(null, inspector, null, null, matter, null, CaseFile.Status.CANCELLED, null, null, 0);
      case ALL_WEEK -> q(null, null, null, null, null, null, null, monthStart, monthStart.plus(Duration.ofDays(7)), 0);
    };
  }

  private static CaseQuery q(String number, String inspector, String applicant, String phone, String matter,
      String conclusion, CaseFile.Status status, Instant from, Instant to, int offset) {
    return new CaseQuery(number, inspector, applicant, phone, matter, conclusion, status, from, to, offset, 20);
  }
}
