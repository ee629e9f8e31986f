package io.kanyan.signaling.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The web client's message catalogs: both languages have the same keys, and every key the pages use exists. */
class MessageCatalogTest {

  static final Path WEBROOT = Path.of("..", "web-client", "src", "main", "resources", "webroot");
  /** Literal keys: data-i18n attributes in pages, and t('a.b') / setState('a.b') style calls in scripts. */
  static final Pattern HTML_KEY = Pattern.compile("data-i18n(?:-[a-z-]+)?=\"([^\"]+)\"");
  static final Pattern JS_KEY = Pattern.compile("'((?:app|role|actor|status|conclusion|field|login|inspector|call|"
      + "recording|media|ws|applicant|auditor|admin|error|event)\\.[A-Za-z0-9_.-]+)'");

  @Test
  void bothLanguagesHaveTheSameKeys() throws IOException {
    assertThat(catalog("en").fieldNames()).containsExactlyInAnyOrderElementsOf(catalog("zh-CN").fieldNames());
  }

  @Test
  void everyLiteralKeyUsedByThePagesIsInTheCatalog() throws IOException {
    Set<String> used = new TreeSet<>();
    try (Stream<Path> files = Files.walk(WEBROOT)) {
      for (Path file : files.filter(Files::isRegularFile).filter(f -> !f.toString().contains("vendor")).toList()) {
        String name = file.getFileName().toString();
        String text = Files.readString(file, StandardCharsets.UTF_8);
        Pattern pattern = name.endsWith(".html") ? HTML_KEY : name.endsWith(".js") ? JS_KEY : null;
        if (pattern == null) {
          continue;
        }
        Matcher m = pattern.matcher(text);
        while (m.find()) {
          used.add(m.group(1));
        }
      }
    }
    // Trail event type names are data, not message keys (they are looked up as "event.<type>").
    used.removeAll(Set.of("recording.slice", "recording.gap", "recording.finalised", "recording.started",
        "recording.segment.started", "media.event", "call.connected"));
    assertThat(used).isNotEmpty();
    assertThat(catalog("zh-CN").fieldNames()).containsAll(used);
  }

  private static JsonObject catalog(String lang) throws IOException {
    return new JsonObject(Files.readString(WEBROOT.resolve("i18n").resolve(lang + ".json"), StandardCharsets.UTF_8));
  }
}
