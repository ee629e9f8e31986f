package io.kanyan.recorder.audit;

import io.kanyan.recorder.redis.LuaScript;
import io.kanyan.recorder.redis.RedisStore;
import io.lettuce.core.ScriptOutputType;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The store of inspection facts ({@link CaseFile}) and their lookup indexes in Redis.
 *
 * <p>Keys: {@code kanyan:case:<id>} (hash) and one sorted set per facet value, scored by the created time
 * in ms, member = id: {@code kanyan:cases:by-time} (all), {@code by-inspector:<user>},
 * {@code by-number:<case number>}, {@code by-phone:<keyed hash>}, {@code by-applicant:<name>},
 * {@code by-matter:<type>}, {@code by-status:<status>}, {@code by-conclusion:<c>} and the composite
 * {@code by-matter-conclusion:<type>|<c>}, {@code by-nonconforming:<checklist item id>} (values trimmed and lower-cased). A search intersects the sets of
 * its criteria inside Redis, walking the smallest from the newest entry in the time range and stopping as
 * soon as the page is full; see {@code recorder/TRAIL.md}. None of the keys ever expires.
 */
public final class CaseFiles {

  static final String BY_TIME = "kanyan:cases:by-time";
  private static final String PREFIX = "kanyan:cases:";
  /** The most index entries one search walks before answering with what it found (a guard, not a limit). */
  static final int SEARCH_BUDGET = 300_000;

  private final RedisStore redis;
  private final byte[] phoneKey;
  private final LuaScript put;
  private final LuaScript find;

  /** One page of search results; {@code more} is true when further matches exist. */
  public record Page(List<CaseFile> items, boolean more) {
  }

  /**
   * @param phoneKey the secret for the applicant phone's keyed hash (at least 32 bytes); without it the
   *                 stored hash cannot be reversed by trying every phone number
   */
  public CaseFiles(RedisStore redis, byte[] phoneKey) {
    if (phoneKey.length < 32) {
      throw new IllegalArgumentException("the phone index key must be at least 32 bytes");
    }
    this.redis = redis;
    this.phoneKey = phoneKey.clone();
    this.put = new LuaScript(redis, CaseFiles.class, "case_put.lua");
    this.find = new LuaScript(redis, CaseFiles.class, "case_search.lua");
  }

  static String key(String id) {
    return "kanyan:case:" + id;
  }

  static String byInspector(String user) {
    return PREFIX + "by-inspector:" + user;
  }

  static String byNumber(String caseNumber) {
    return PREFIX + "by-number:" + norm(caseNumber);
  }

  static String byPhone(String hash) {
    return PREFIX + "by-phone:" + hash;
  }

  static String byApplicant(String name) {
    return PREFIX + "by-applicant:" + norm(name);
  }

  static String byMatter(String matterType) {
    return PREFIX + "by-matter:" + norm(matterType);
  }

  static String byStatus(CaseFile.Status status) {
    return PREFIX + "by-status:" + status.wire();
  }

  static String byConclusion(String conclusion) {
    return PREFIX + "by-conclusion:" + norm(conclusion);
  }

  static String byMatterConclusion(String matterType, String conclusion) {
    return PREFIX + "by-matter-conclusion:" + norm(matterType) + "|" + norm(conclusion);
  }

  static String byNonConforming(String itemId) {
    return PREFIX + "by-nonconforming:" + norm(itemId);
  }

  /** Indexes a concluded inspection under each checklist item that did not conform (search by such an item). */
  public Future<Void> indexNonConforming(CaseFile file, List<String> itemIds) {
    String score = Long.toString(file.createdAt().toEpochMilli());
    List<Future<Long>> adds = new ArrayList<>();
    for (String itemId : itemIds) {
      adds.add(redis.call(c -> c.zadd(byNonConforming(itemId), Double.parseDouble(score), file.id())));
    }
    return Future.all(adds).mapEmpty();
  }

  private static String norm(String value) {
    return value.trim().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
  }

  /** The index sets of the facts that never change once a case file exists. */
  static List<String> fixedIndexesOf(CaseFile f) {
    return List.of(BY_TIME, byInspector(f.inspector()), byNumber(f.caseNumber()), byPhone(f.applicantPhoneHash()),
        byApplicant(f.applicantName()), byMatter(f.matterType()));
  }

  /** The index sets of the facts that change as an inspection goes on (status, conclusion). */
  static List<String> changingIndexesOf(CaseFile f) {
    List<String> keys = new ArrayList<>(List.of(byStatus(f.status())));
    if (f.conclusion() != null) {
      keys.add(byConclusion(f.conclusion()));
      keys.add(byMatterConclusion(f.matterType(), f.conclusion()));
    }
    return keys;
  }

  /** Stores a new case file and its index entries (one atomic script). */
  public Future<CaseFile> create(CaseFile file) {
    return store(file);
  }

  /** Rewrites the mutable facts (status, times, conclusion) of a case file and moves its index entries. */
  public Future<CaseFile> update(CaseFile file) {
    return store(file);
  }

  private Future<CaseFile> store(CaseFile file) {
    List<String> args = new ArrayList<>(List.of(file.id(), Long.toString(file.createdAt().toEpochMilli()),
        String.join("\n", changingIndexesOf(file)), String.join("\n", fixedIndexesOf(file))));
    file.toFields().forEach((k, v) -> {
      args.add(k);
      args.add(v);
    });
    return put.runAcknowledged(ScriptOutputType.STATUS, new String[] {key(file.id())}, args.toArray(String[]::new))
        .map(file);
  }

  public Future<Optional<CaseFile>> get(String id) {
    return redis.call(c -> c.hgetall(key(id)))
        .map(fields -> fields.isEmpty() ? Optional.<CaseFile>empty() : Optional.of(CaseFile.fromFields(fields)));
  }

  /** Finds case files, newest first: {@link #searchPage} without the "more" flag. */
  public Future<List<CaseFile>> search(CaseQuery q) {
    return searchPage(q).map(Page::items);
  }

  /**
   * Finds case files matching every criterion of {@code q}, newest first. Exact criteria (case number,
   * inspector, applicant name, phone, matter type, status, conclusion; case-insensitive, spaces trimmed)
   * and the created-time range are answered from the indexes in one script; then the page is loaded.
   */
  public Future<Page> searchPage(CaseQuery q) {
    List<String> keys = queryKeys(q);
    int limit = Math.max(1, Math.min(200, q.limit()));
    String min = q.from() == null ? "-inf" : Long.toString(q.from().toEpochMilli());
    String max = q.to() == null ? "+inf" : Long.toString(q.to().toEpochMilli());
    String[] args = {min, max, Integer.toString(Math.max(0, q.offset())), Integer.toString(limit),
        Integer.toString(SEARCH_BUDGET)};
    return find.<List<Object>>run(ScriptOutputType.MULTI, keys.toArray(String[]::new), args)
        .compose(reply -> {
          boolean more = ((Number) reply.get(0)).longValue() == 1;
          List<String> ids = new ArrayList<>();
          for (Object id : reply.subList(2, reply.size())) {
            ids.add((String) id);
          }
          return loadAll(ids).map(files -> new Page(files, more));
        });
  }

  private List<String> queryKeys(CaseQuery q) {
    List<String> keys = new ArrayList<>();
    if (q.caseNumber() != null) {
      keys.add(byNumber(q.caseNumber()));
    }
    if (q.inspector() != null) {
      keys.add(byInspector(q.inspector()));
    }
    if (q.applicantPhone() != null) {
      keys.add(byPhone(phoneHash(q.applicantPhone())));
    }
    if (q.applicantName() != null) {
      keys.add(byApplicant(q.applicantName()));
    }
    if (q.status() != null) {
      keys.add(byStatus(q.status()));
    }
    if (q.matterType() != null && q.conclusion() != null) {
      keys.add(byMatterConclusion(q.matterType(), q.conclusion()));
    } else if (q.matterType() != null) {
      keys.add(byMatter(q.matterType()));
    } else if (q.conclusion() != null) {
      keys.add(byConclusion(q.conclusion()));
    }
    if (q.nonConforming() != null) {
      keys.add(byNonConforming(q.nonConforming()));
    }
    if (keys.isEmpty()) {
      keys.add(BY_TIME);
    }
    return keys;
  }

  private Future<List<CaseFile>> loadAll(List<String> ids) {
    List<Future<Map<String, String>>> loads = new ArrayList<>(ids.size());
    for (String id : ids) {
      loads.add(redis.call(c -> c.hgetall(key(id))));
    }
    return Future.all(loads).map(all -> {
      List<CaseFile> files = new ArrayList<>(ids.size());
      for (int i = 0; i < ids.size(); i++) {
        Map<String, String> fields = all.resultAt(i);
        if (!fields.isEmpty()) {
          files.add(CaseFile.fromFields(fields));
        }
      }
      return files;
    });
  }

  /**
   * The keyed hash of a phone number, digits only, so "138 0013 8000" and "13800138000" match, and so do
   * "+86 138 0013 8000" and "0086 13800138000" (the Chinese country code is dropped from mobile numbers).
   */
  public String phoneHash(String phone) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(phoneKey, "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(searchableDigits(phone).getBytes(StandardCharsets.US_ASCII)));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /**
   * {@code 13800138000} (or {@code +86 138 0013 8000}) → {@code 138****8000}; short numbers keep only their
   * last two digits.
   */
  public static String maskPhone(String phone) {
    String d = searchableDigits(phone);
    if (d.length() >= 7) {
      return d.substring(0, 3) + "*".repeat(d.length() - 7) + d.substring(d.length() - 4);
    }
    return "*".repeat(Math.max(0, d.length() - 2)) + d.substring(Math.max(0, d.length() - 2));
  }

  static String searchableDigits(String phone) {
    String d = phone.replaceAll("[^0-9]", "");
    if (d.length() == 15 && d.startsWith("00861")) {
      return d.substring(4);
    }
    if (d.length() == 13 && d.startsWith("861")) {
      return d.substring(2);
    }
    return d;
  }
}
