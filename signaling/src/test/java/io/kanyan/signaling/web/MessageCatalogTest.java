package io.kanyan.signaling.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.TextNode;
import org.jsoup.select.NodeTraversor;
import org.jsoup.select.NodeVisitor;
import org.junit.jupiter.api.Test;

/**
 * The web client's message catalogs: both languages have the same keys, every key the pages use exists in
 * both, and no user-visible text is written into a page or script instead of the catalogs.
 */
class MessageCatalogTest {

  static final Path WEBROOT = Path.of("..", "web-client", "src", "main", "resources", "webroot");
  static final List<String> LANGUAGES = List.of("zh-CN", "en");
  /** The classic script that says a page did not load: it carries copies of catalogue texts (see below). */
  static final Path BOOT_SCRIPT = WEBROOT.resolve("js").resolve("boot.js");
  /** Literal keys: t('a.b') / setState('a.b') style calls in scripts. */
  static final Pattern JS_KEY = Pattern.compile("'((?:app|role|actor|status|conclusion|field|login|inspector|call|"
      + "recording|media|ws|applicant|auditor|admin|error|event|index|stats)\\.[A-Za-z0-9_.-]+)'");
  /** Attributes people read (or hear), each translated through data-i18n-<attribute>. */
  static final List<String> TEXT_ATTRIBUTES = List.of("alt", "title", "placeholder", "aria-label");
  /** Text that is the same in every language: each language's own name in the language switch. */
  static final Set<String> UNTRANSLATED = Set.of("简体中文", "English");
  /** Han characters (Chinese written into the code rather than the catalog). */
  static final Pattern HAN = Pattern.compile("\\p{IsHan}");
  /** An English sentence or phrase: a capitalised word followed by more words. */
  static final Pattern ENGLISH_PHRASE = Pattern.compile("^[A-Z][a-z']*(?: \\S+)+$");
  /**
   * English literals allowed in scripts, each with why it never reaches a page in the wrong language.
   * Keys: file name and the literal's start.
   */
  static final Map<String, String> ALLOWED_ENGLISH = Map.of(
      "api.js:The server could not be reached", "ApiError message for code 'network'; pages show error.network",
      "api.js:The server answered HTTP", "ApiError message for codes http_<status>; pages show error.http",
      "i18n.js:The ${lang} texts could not be loaded", "the catalog itself failed to load: there is nothing to translate with");

  @Test
  void bothLanguagesHaveTheSameKeys() throws IOException {
    assertThat(catalog("en").fieldNames()).containsExactlyInAnyOrderElementsOf(catalog("zh-CN").fieldNames());
  }

  @Test
  void everyLiteralKeyUsedByThePagesIsInBothCatalogs() throws IOException {
    Set<String> used = new TreeSet<>();
    for (Path file : files(".html")) {
      Document page = Jsoup.parse(Files.readString(file, StandardCharsets.UTF_8));
      for (Element e : page.getAllElements()) {
        e.attributes().forEach(a -> {
          if (a.getKey().equals("data-i18n") || a.getKey().startsWith("data-i18n-")) {
            used.add(a.getValue());
          }
        });
      }
    }
    for (Path file : files(".js")) {
      Matcher m = JS_KEY.matcher(Files.readString(file, StandardCharsets.UTF_8));
      while (m.find()) {
        used.add(m.group(1));
      }
    }
    // Trail event type names are data, not message keys (they are looked up as "event.<type>").
    used.removeAll(Set.of("recording.slice", "recording.gap", "recording.finalised", "recording.started",
        "recording.segment.started", "media.event", "call.connected"));
    assertThat(used).isNotEmpty();
    for (String lang : LANGUAGES) {
      assertThat(catalog(lang).fieldNames()).as("keys missing from %s.json", lang).containsAll(used);
    }
  }

  @Test
  void everyTextInThePagesComesFromTheCatalogs() throws IOException {
    List<String> untranslated = new ArrayList<>();
    for (Path file : files(".html")) {
      Document page = Jsoup.parse(Files.readString(file, StandardCharsets.UTF_8));
      NodeTraversor.traverse((NodeVisitor) (node, depth) -> {
        if (node instanceof TextNode text && !text.isBlank() && node.parent() instanceof Element parent
            && !parent.hasAttr("data-i18n") && !UNTRANSLATED.contains(text.text().strip())
            && !parent.tagName().equals("script") && !parent.tagName().equals("style")) {
          untranslated.add(file.getFileName() + ": <" + parent.tagName() + "> \"" + text.text().strip() + "\"");
        }
        if (node instanceof Element e) {
          for (String attribute : TEXT_ATTRIBUTES) {
            if (e.hasAttr(attribute) && !e.attr(attribute).isBlank() && !e.hasAttr("data-i18n-" + attribute)) {
              untranslated.add(file.getFileName() + ": <" + e.tagName() + " " + attribute + "=\"" + e.attr(attribute)
                  + "\"> has no data-i18n-" + attribute);
            }
          }
        }
      }, page);
    }
    assertThat(untranslated).as("page text that is not taken from the catalogs").isEmpty();
  }

  /**
   * js/boot.js keeps its own copy of the {@code app.loadFailed.*} texts: it says that the page did not load,
   * when js/i18n.js or the catalogue may be what failed. The copy must be the catalogues' texts, in both languages.
   */
  @Test
  void theBootScriptCarriesTheCatalogsLoadFailureTexts() throws IOException {
    String source = Files.readString(BOOT_SCRIPT, StandardCharsets.UTF_8);
    int english = source.indexOf("en: {");
    assertThat(english).as("js/boot.js has its English texts after its Chinese ones").isPositive();
    Map<String, String> chinese = bootTexts(source.substring(0, english));
    Map<String, String> inEnglish = bootTexts(source.substring(english));
    assertThat(chinese).isNotEmpty().containsOnlyKeys(inEnglish.keySet());
    for (String lang : LANGUAGES) {
      JsonObject catalog = catalog(lang);
      Map<String, String> copy = lang.equals("en") ? inEnglish : chinese;
      Map<String, String> inCatalog = new java.util.TreeMap<>();
      catalog.fieldNames().stream().filter(k -> k.startsWith("app.loadFailed."))
          .forEach(k -> inCatalog.put(k, catalog.getString(k)));
      assertThat(copy).as("js/boot.js's %s texts", lang).isEqualTo(inCatalog);
    }
  }

  private static Map<String, String> bootTexts(String source) {
    Map<String, String> texts = new java.util.TreeMap<>();
    Matcher m = Pattern.compile("'(app\\.loadFailed\\.[A-Za-z]+)': '([^']*)'").matcher(source);
    while (m.find()) {
      texts.put(m.group(1), m.group(2));
    }
    return texts;
  }

  @Test
  void scriptsWriteNoUserVisibleTextOfTheirOwn() throws IOException {
    List<String> found = new ArrayList<>();
    for (Path file : files(".js")) {
      String name = file.getFileName().toString();
      if (file.equals(BOOT_SCRIPT)) {
        continue; // its texts are the catalogues' own (theBootScriptCarriesTheCatalogsLoadFailureTexts)
      }
      for (String literal : stringLiterals(Files.readString(file, StandardCharsets.UTF_8))) {
        boolean chinese = HAN.matcher(literal).find();
        boolean english = ENGLISH_PHRASE.matcher(literal.strip()).matches();
        boolean allowed = ALLOWED_ENGLISH.keySet().stream().anyMatch(k -> k.startsWith(name + ":")
            && literal.startsWith(k.substring(name.length() + 1)));
        if (chinese || (english && !allowed)) {
          found.add(name + ": \"" + literal + "\"");
        }
      }
    }
    assertThat(found).as("user-visible strings in scripts: put them in both catalogs and use t(key)").isEmpty();
  }

  @Test
  void theScannerFindsTextThatIsNotInTheCatalogs() {
    // The checks above would pass vacuously if the scanner saw nothing: it must see literals and skip comments.
    assertThat(stringLiterals("// 'Not this one'\nconst a = 'Save the note now'; /* \"nor this\" */ b(`录像 ${x}`);"))
        .containsExactly("Save the note now", "录像 ${x}");
    assertThat(ENGLISH_PHRASE.matcher("The inspection has ended.").matches()).isTrue();
    assertThat(ENGLISH_PHRASE.matcher("inspector.call.end").matches()).isFalse();
  }

  /** The contents of the string and template literals of a script, comments skipped. */
  static List<String> stringLiterals(String source) {
    List<String> out = new ArrayList<>();
    int i = 0;
    int n = source.length();
    while (i < n) {
      char c = source.charAt(i);
      if (source.startsWith("//", i)) {
        int end = source.indexOf('\n', i);
        i = end < 0 ? n : end;
      } else if (source.startsWith("/*", i)) {
        int end = source.indexOf("*/", i + 2);
        i = end < 0 ? n : end + 2;
      } else if (c == '\'' || c == '"' || c == '`') {
        StringBuilder literal = new StringBuilder();
        int j = i + 1;
        while (j < n && source.charAt(j) != c) {
          if (source.charAt(j) == '\\' && j + 1 < n) {
            literal.append(source, j, j + 2);
            j += 2;
          } else {
            literal.append(source.charAt(j++));
          }
        }
        out.add(literal.toString());
        i = j + 1;
      } else {
        i++;
      }
    }
    return out;
  }

  /** The web client's own files with this ending (third-party code under vendor/ excluded). */
  private static List<Path> files(String ending) throws IOException {
    try (Stream<Path> all = Files.walk(WEBROOT)) {
      return all.filter(Files::isRegularFile).filter(f -> !f.toString().contains("vendor"))
          .filter(f -> f.getFileName().toString().endsWith(ending)).sorted().toList();
    }
  }

  private static JsonObject catalog(String lang) throws IOException {
    return new JsonObject(Files.readString(WEBROOT.resolve("i18n").resolve(lang + ".json"), StandardCharsets.UTF_8));
  }
}
