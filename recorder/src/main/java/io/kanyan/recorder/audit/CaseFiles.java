package io.kanyan.recorder.audit;

import io.kanyan.recorder.redis.RedisStore;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The store of inspection facts ({@link CaseFile}) and their lookup indexes in Redis.
 *
 * <p>Keys: {@code kanyan:case:<id>} (hash), {@code kanyan:cases:by-time} (zset, score = created ms),
 * {@code kanyan:cases:by-inspector:<user>}, {@code kanyan:cases:by-number:<caseNumber>} and
 * {@code kanyan:cases:by-phone:<hash>} (zsets, same score). None of them ever expires.
 */
public final class CaseFiles {

  static final String BY_TIME = "kanyan:cases:by-time";

  private final RedisStore redis;
  private final byte[] phoneKey;

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
  }

  static String key(String id) {
    return "kanyan:case:" + id;
  }

  static String byInspector(String user) {
    return "kanyan:cases:by-inspector:" + user;
  }

  static String byNumber(String caseNumber) {
    return "kanyan:cases:by-number:" + caseNumber.trim().toLowerCase();
  }

  static String byPhone(String hash) {
    return "kanyan:cases:by-phone:" + hash;
  }

  /**
   * Stores a new case file and its index entries. The commands are pipelined on the shared connection
   * (a MULTI there would take in other callers' commands); the record is written first, so an index entry
   * never points at nothing.
   */
  public Future<CaseFile> create(CaseFile file) {
    double score = file.createdAt().toEpochMilli();
    return redis.call(c -> c.hset(key(file.id()), file.toFields()))
        .compose(ok -> Future.all(
            redis.call(c -> c.zadd(BY_TIME, score, file.id())),
            redis.call(c -> c.zadd(byInspector(file.inspector()), score, file.id())),
            redis.call(c -> c.zadd(byNumber(file.caseNumber()), score, file.id())),
            redis.call(c -> c.zadd(byPhone(file.applicantPhoneHash()), score, file.id()))))
        .map(file);
  }

  /** Rewrites the mutable facts (status, times, conclusion) of an existing case file. */
  public Future<CaseFile> update(CaseFile file) {
    return redis.call(c -> c.hset(key(file.id()), file.toFields())).map(file);
  }

  public Future<Optional<CaseFile>> get(String id) {
    return redis.call(c -> c.hgetall(key(id)))
        .map(fields -> fields.isEmpty() ? Optional.<CaseFile>empty() : Optional.of(CaseFile.fromFields(fields)));
  }

  /**
   * Finds case files, newest first. The most selective exact criterion picks the index; the rest are
   * checked on the loaded records.
   */
  public Future<List<CaseFile>> search(CaseQuery q) {
    String index = q.caseNumber() != null ? byNumber(q.caseNumber())
        : q.applicantPhone() != null ? byPhone(phoneHash(q.applicantPhone()))
        : q.inspector() != null ? byInspector(q.inspector())
        : BY_TIME;
    Range<Double> range = Range.create(
        q.from() == null ? Double.NEGATIVE_INFINITY : (double) q.from().toEpochMilli(),
        q.to() == null ? Double.POSITIVE_INFINITY : (double) q.to().toEpochMilli());
    int limit = Math.max(1, Math.min(200, q.limit()));
    List<CaseFile> found = new ArrayList<>();
    return scan(index, range, q, 0, limit, found);
  }

  /** Walks the index in pages of 500 ids, filtering, until a page of results or the index end. */
  private Future<List<CaseFile>> scan(String index, Range<Double> range, CaseQuery q, long position, int limit,
      List<CaseFile> found) {
    int batch = 500;
    return redis.call(c -> c.zrevrangebyscore(index, range, Limit.create(position, batch)))
        .compose(ids -> loadAll(ids).map(files -> {
          for (CaseFile f : files) {
            if (matches(f, q)) {
              found.add(f);
            }
          }
          return ids.size();
        }))
        .compose(seen -> {
          boolean full = found.size() >= q.offset() + limit;
          if (full || seen < batch) {
            int from = Math.min(q.offset(), found.size());
            return Future.succeededFuture(List.copyOf(found.subList(from, Math.min(found.size(), q.offset() + limit))));
          }
          return scan(index, range, q, position + batch, limit, found);
        });
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

  private boolean matches(CaseFile f, CaseQuery q) {
    return (q.caseNumber() == null || f.caseNumber().equalsIgnoreCase(q.caseNumber().trim()))
        && (q.inspector() == null || f.inspector().equals(q.inspector()))
        && (q.applicantName() == null || f.applicantName().contains(q.applicantName().trim()))
        && (q.applicantPhone() == null || f.applicantPhoneHash().equals(phoneHash(q.applicantPhone())))
        && (q.matterType() == null || f.matterType().equals(q.matterType()))
        && (q.conclusion() == null || q.conclusion().equals(f.conclusion()))
        && (q.status() == null || q.status() == f.status());
  }

  /** The keyed hash of a phone number, digits only, so "138 0013 8000" and "13800138000" match. */
  public String phoneHash(String phone) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(phoneKey, "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(digits(phone).getBytes(StandardCharsets.US_ASCII)));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /** {@code 13800138000} → {@code 138****8000}; short numbers keep only their last two digits. */
  public static String maskPhone(String phone) {
    String d = digits(phone);
    if (d.length() >= 7) {
      return d.substring(0, 3) + "*".repeat(d.length() - 7) + d.substring(d.length() - 4);
    }
    return "*".repeat(Math.max(0, d.length() - 2)) + d.substring(Math.max(0, d.length() - 2));
  }

  static String digits(String phone) {
    return phone.replaceAll("[^0-9+]", "");
  }
}
