package io.kanyan.signaling.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kanyan.signaling.Config;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Notifier settings: the log notifier by default, a channel without its keys refused at start with their names. */
class NotifySettingsTest {

  @Test
  void theLogNotifierIsTheDefault() {
    assertThat(Config.from(Map.of()).notifications().channels()).containsExactly("log");
  }

  @Test
  void aChannelWithoutItsKeysIsRefusedNamingThem() {
    assertThatThrownBy(() -> Config.from(Map.of("KANYAN_NOTIFIERS", "sms")))
        .hasMessageContaining("KANYAN_SMS_WEBHOOK_URL").hasMessageContaining("KANYAN_SMS_WEBHOOK_SECRET");
    assertThatThrownBy(() -> Config.from(Map.of("KANYAN_NOTIFIERS", "email", "KANYAN_SMTP_HOST", "mail")))
        .hasMessageContaining("KANYAN_MAIL_FROM");
    assertThatThrownBy(() -> Config.from(Map.of("KANYAN_NOTIFIERS", "fax"))).hasMessageContaining("fax");
  }

  @Test
  void secretsAreNotInTheDescription() {
    Config c = Config.from(Map.of("KANYAN_NOTIFIERS", "sms", "KANYAN_SMS_WEBHOOK_URL", "https://sms.example/send",
        "KANYAN_SMS_WEBHOOK_SECRET", "very-secret-value", "KANYAN_SMTP_PASSWORD", "mail-password"));
    assertThat(c.describe()).doesNotContain("very-secret-value").doesNotContain("mail-password").contains("smsSecret=(set)");
  }
}
