package io.kanyan.signaling.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import io.kanyan.signaling.notify.Masks;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/** The shipped logback.xml: plain lines by default, one JSON object per line with KANYAN_LOG_FORMAT=json. */
class LogFormatTest {

  /** Configures a fresh logger context from the shipped logback.xml and returns what one log call printed. */
  static List<String> logOnce(String format) throws Exception {
    PrintStream stdout = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      if (format != null) {
        context.putProperty("KANYAN_LOG_FORMAT", format);
      }
      JoranConfigurator configurator = new JoranConfigurator();
      configurator.setContext(context);
      configurator.doConfigure(LogFormatTest.class.getResource("/logback.xml"));
      // A warning in the configuration makes logback print its whole status to the console at every start.
      assertThat(new ch.qos.logback.core.status.StatusUtil(context).getHighestLevel(0))
          .as("logback configuration status: %s", context.getStatusManager().getCopyOfStatusList())
          .isLessThan(ch.qos.logback.core.status.Status.WARN);
      Logger log = context.getLogger("io.kanyan.signaling.notify.LogNotifier");
      log.info("inspection {}: invite sent to {}", "0b7e1d6c-7c51-4a55-9b1e-2f4c1e0d9a11", Masks.phone("13800138000"));
      context.stop();
    } finally {
      System.setOut(stdout);
    }
    return Arrays.stream(out.toString(StandardCharsets.UTF_8).split("\n")).filter(l -> !l.isBlank()).toList();
  }

  @Test
  void writesOneJsonObjectPerLineForLogShippers() throws Exception {
    List<String> lines = logOnce("json");
    assertThat(lines).hasSize(1);
    JsonObject entry = new JsonObject(lines.get(0));
    assertThat(entry.getString("level")).isEqualTo("INFO");
    assertThat(entry.getString("loggerName")).isEqualTo("io.kanyan.signaling.notify.LogNotifier");
    assertThat(entry.getLong("timestamp")).isPositive();
    assertThat(entry.getString("formattedMessage"))
        .isEqualTo("inspection 0b7e1d6c-7c51-4a55-9b1e-2f4c1e0d9a11: invite sent to " + Masks.phone("13800138000"));
    // The masked phone only: no raw arguments beside the message.
    assertThat(entry.containsKey("arguments")).isFalse();
    assertThat(lines.get(0)).doesNotContain("13800138000");
  }

  @Test
  void writesPlainLinesByDefault() throws Exception {
    List<String> lines = logOnce(null);
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0)).contains(" INFO  ").contains("invite sent to").doesNotStartWith("{")
        .doesNotContain("13800138000");
  }
}
