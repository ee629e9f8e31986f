package io.kanyan.recorder.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class CaseFilesTest {

  static final List<String> INSPECTORS = List.of("wang", "li", "zhao");
  static final List<String> MATTERS = List.of("餐饮许可", "Fire Safety", "建筑工地");
  static final List<String> NAMES = List.of("张三", "李四", "Zhang Wei");
  static final List<String> CONCLUSIONS = List.of("pass", "fail", "rectify");
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  static TestRedis server;
  static RedisStore redis;
  static CaseFiles cases;
  static final List<CaseFile> all = new ArrayList<>();

  @BeforeAll
  static void load(Vertx vertx) {
    server = TestRedis.start();
    redis = RedisStore.connect(vertx, server.url()).await();
    cases = new CaseFiles(redis, new byte[32]);
    Random random = new Random(7);
    List<Future<CaseFile>> writes = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      String phone = "1380013" + String.format("%04d", random.nextInt(40));
      CaseFile file = new CaseFile("case-" + i, "KY-" + (i % 150), pick(MATTERS, random), pick(INSPECTORS, random),
          "Inspector", pick(NAMES, random), CaseFiles.maskPhone(phone), cases.phoneHash(phone), "Road " + i,
          null, null, CaseFile.Status.CREATED, T0.plusSeconds(3600L * i + random.nextInt(600)), null, null, null, null);
      if (random.nextInt(3) > 0) {
        file = file.withStatus(CaseFile.Status.ENDED, file.createdAt(), file.createdAt().plusSeconds(900),
            pick(CONCLUSIONS, random), "ok");
      }
      all.add(file);
      writes.add(cases.create(file));
    }
    long start = System.nanoTime();
    Future.all(writes).await();
    System.out.println("loaded 400 case files in " + (System.nanoTime() - start) / 1_000_000 + " ms");
  }

  @AfterAll
  static void stop() {
    redis.close();
    server.close();
  }

  static <T> T pick(List<T> list, Random random) {
    return list.get(random.nextInt(list.size()));
  }

  /** The same search done by brute force over the loaded list. */
  static List<String> expected(CaseQuery q) {
    String phoneHash = q.applicantPhone() == null ? null : cases.phoneHash(q.applicantPhone());
    return all.stream()
        .filter(f -> q.caseNumber() == null || f.caseNumber().equalsIgnoreCase(q.caseNumber().trim()))
        .filter(f -> q.inspector() == null || f.inspector().equals(q.inspector()))
        .filter(f -> q.applicantName() == null || f.applicantName().equalsIgnoreCase(q.applicantName().trim()))
        .filter(f -> q.applicantPhone() == null || f.applicantPhoneHash().equals(phoneHash))
        .filter(f -> q.matterType() == null || f.matterType().equalsIgnoreCase(q.matterType()))
        .filter(f -> q.conclusion() == null || q.conclusion().equals(f.conclusion()))
        .filter(f -> q.status() == null || q.status() == f.status())
        .filter(f -> q.from() == null || !f.createdAt().isBefore(q.from()))
        .filter(f -> q.to() == null || !f.createdAt().isAfter(q.to()))
        .sorted(Comparator.comparing(CaseFile::createdAt).reversed())
        .map(CaseFile::id)
        .skip(q.offset())
        .limit(q.limit())
        .toList();
  }

  @Test
  void randomSearchesAnswerExactlyWhatABruteForceFilterFinds() {
    Random random = new Random(11);
    for (int i = 0; i < 300; i++) {
      Instant from = random.nextBoolean() ? null : T0.plusSeconds(3600L * random.nextInt(300));
      Instant to = random.nextBoolean() ? null : T0.plusSeconds(3600L * (100 + random.nextInt(300)));
      CaseQuery q = new CaseQuery(
          random.nextInt(5) == 0 ? "ky-" + random.nextInt(150) : null,
          random.nextInt(3) == 0 ? pick(INSPECTORS, random) : null,
          random.nextInt(4) == 0 ? " " + pick(NAMES, random).toLowerCase() : null,
          random.nextInt(5) == 0 ? "+86 138-0013-" + String.format("%04d", random.nextInt(40)) : null,
          random.nextInt(3) == 0 ? pick(MATTERS, random) : null,
          random.nextInt(3) == 0 ? pick(CONCLUSIONS, random) : null,
          random.nextInt(4) == 0 ? pick(List.of(CaseFile.Status.values()), random) : null,
          from, to, random.nextInt(3) == 0 ? random.nextInt(20) : 0, 1 + random.nextInt(30));
      CaseFiles.Page page = cases.searchPage(q).await();
      List<String> want = expected(q);
      assertThat(page.items()).extracting(CaseFile::id).as("query %s", q).containsExactlyElementsOf(want);
      boolean more = expected(new CaseQuery(q.caseNumber(), q.inspector(), q.applicantName(), q.applicantPhone(),
          q.matterType(), q.conclusion(), q.status(), q.from(), q.to(), q.offset(), q.limit() + 1)).size() > want.size();
      assertThat(page.more()).as("more of %s", q).isEqualTo(more);
    }
  }

  @Test
  void pagesFollowEachOtherWithoutGapsOrRepeats() {
    List<String> seen = new ArrayList<>();
    for (int offset = 0; ; offset += 25) {
      CaseFiles.Page page = cases.searchPage(new CaseQuery(null, "wang", null, null, null, null, null, null, null,
          offset, 25)).await();
      page.items().forEach(f -> seen.add(f.id()));
      if (!page.more()) {
        break;
      }
    }
    assertThat(seen).containsExactlyElementsOf(expected(new CaseQuery(null, "wang", null, null, null, null, null,
        null, null, 0, 1000)));
  }

  @Test
  void endingAnInspectionMovesItBetweenStatusAndConclusionIndexes() {
    CaseFile open = new CaseFile("case-move", "KY-MOVE", "餐饮许可", "qian", "Qian", "王五", "138****0000",
        cases.phoneHash("13800000000"), "Road", 31.2, 121.4, CaseFile.Status.IN_PROGRESS, T0, T0, null, null, null);
    cases.create(open).await();
    CaseQuery inProgress = new CaseQuery(null, "qian", null, null, null, null, CaseFile.Status.IN_PROGRESS, null, null, 0, 10);
    assertThat(cases.search(inProgress).await()).extracting(CaseFile::id).containsExactly("case-move");

    cases.update(open.withStatus(CaseFile.Status.ENDED, T0, T0.plusSeconds(60), "fail", "blocked exit")).await();
    assertThat(cases.search(inProgress).await()).isEmpty();
    assertThat(cases.search(new CaseQuery(null, "qian", null, null, "餐饮许可", "fail", CaseFile.Status.ENDED, null,
        null, 0, 10)).await()).extracting(CaseFile::conclusion).containsExactly("fail");
  }

  @Test
  void phoneIsSearchableInAnyFormatButStoredOnlyMaskedAndHashed() {
    assertThat(CaseFiles.maskPhone("+86 138 0013 8000")).isEqualTo("138****8000");
    assertThat(CaseFiles.maskPhone("13800138000")).isEqualTo("138****8000");
    assertThat(cases.phoneHash("+86 138-0013-8000")).isEqualTo(cases.phoneHash("13800138000"))
        .isEqualTo(cases.phoneHash("0086 13800138000"));
    assertThat(new CaseFiles(redis, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
        21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32}).phoneHash("13800138000"))
        .isNotEqualTo(cases.phoneHash("13800138000"));
    CaseFile any = all.get(0);
    assertThat(redis.call(c -> c.hgetall(CaseFiles.key(any.id()))).await().values())
        .noneMatch(v -> v.matches(".*1380013\\d{4}.*"));
  }
}
