package io.kanyan.signaling.browser;

import static io.kanyan.signaling.browser.Browsers.screenshot;
import static io.kanyan.signaling.browser.Browsers.visible;
import static io.kanyan.signaling.browser.Browsers.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.signaling.testing.TestServer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The admin page in real headless Chromium: the admin logs in, lands on the admin page and creates an
 * inspector, who can log in; the admin disables them, and the inspector is sent back to the login page and
 * cannot log in again.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AdminUsersBrowserTest {

  static final String NEW_USER = "zhou.min";
  static final String NEW_NAME = "周敏";
  static final long T0 = System.currentTimeMillis();

  @RegisterExtension
  static final BrowserFixture fixture = BrowserFixture.withServer()
      .browser("admin", Browsers.Launch.desktop())
      .browser("staff", Browsers.Launch.desktop());

  static KanyanServer server;
  static ChromeDriver admin;
  static ChromeDriver staff;

  @BeforeAll
  static void start() {
    server = fixture.server();
    admin = fixture.browser("admin");
    staff = fixture.browser("staff");
  }

  @Test
  void adminCreatesAnInspectorWhoLogsInThenDisablesThem() throws Exception {
    journey();
  }

  private void journey() throws Exception {
    step("The admin logs in and lands on the admin page.");
    logIn(admin, "admin", TestServer.ADMIN_PASSWORD);
    waitFor(admin, 10).until(ExpectedConditions.urlContains("/admin.html"));
    waitFor(admin, 10).until(d -> !d.findElements(By.cssSelector("#users tr[data-username='admin']")).isEmpty());
    assertThat(admin.findElement(By.id("to-auditor")).getDomAttribute("href")).isEqualTo("/auditor.html");
    assertThat(row(KanyanServer.INSPECTOR).getText()).contains("王检查", "检查员", "正常");
    // No disable button for the admin's own account.
    assertThat(row("admin").findElements(By.tagName("button"))).isEmpty();

    step("A too-short password is refused on the page, in words.");
    admin.findElement(By.id("u-username")).sendKeys(NEW_USER);
    admin.findElement(By.id("u-display")).sendKeys(NEW_NAME);
    admin.findElement(By.id("u-password")).sendKeys("short");
    admin.findElement(By.id("create-submit")).click();
    assertThat(visible(admin, "create-error", 5).getText()).contains("10");

    step("The admin creates an inspector; the table shows them.");
    admin.findElement(By.id("u-password")).sendKeys("-enough-now");
    admin.findElement(By.id("create-submit")).click();
    waitFor(admin, 10).until(d -> !d.findElements(By.cssSelector("#users tr[data-username='" + NEW_USER + "']")).isEmpty());
    assertThat(row(NEW_USER).getText()).contains(NEW_NAME, "检查员", "正常");
    assertThat(visible(admin, "users-message", 5).getText()).contains(NEW_NAME);
    assertThat(admin.findElement(By.id("create-error")).isDisplayed()).isFalse();
    screenshot(admin, "admin-desktop");

    step("The new inspector logs in in a second browser.");
    logIn(staff, NEW_USER, "short-enough-now");
    visible(staff, "create-form", 10);
    assertThat(staff.findElement(By.id("user-name")).getText()).contains(NEW_NAME);

    step("The admin disables the inspector.");
    row(NEW_USER).findElement(By.cssSelector("button[data-action='disable']")).click();
    waitFor(admin, 10).until(d -> "true".equals(row(NEW_USER).getDomAttribute("data-disabled")));
    assertThat(row(NEW_USER).getText()).contains("已停用");
    assertThat(row(NEW_USER).findElement(By.cssSelector("button[data-action='enable']")).isDisplayed()).isTrue();
    screenshot(admin, "admin-disabled-desktop");

    step("The inspector's next page load sends them to login, and logging in again fails.");
    staff.navigate().refresh();
    waitFor(staff, 10).until(ExpectedConditions.urlContains("/login.html"));
    logIn(staff, NEW_USER, "short-enough-now");
    assertThat(visible(staff, "login-error", 10).getText()).contains("用户名或密码不正确");
    assertThat(staff.getCurrentUrl()).contains("/login.html");

    step("After failed logins the inspector must wait; the admin clears the wait.");
    for (int i = 0; i < 5; i++) {
      assertThat(server.failLogin(KanyanServer.INSPECTOR)).isEqualTo(401);
    }
    logIn(staff, KanyanServer.INSPECTOR, KanyanServer.PASSWORD);
    waitFor(staff, 10).until(d -> d.findElement(By.id("login-error")).getText().contains("登录失败次数过多"));
    row(KanyanServer.INSPECTOR).findElement(By.cssSelector("button[data-action='unlock']")).click();
    waitFor(admin, 10).until(d -> d.findElement(By.id("users-message")).getText().contains("已解除"));
    screenshot(admin, "admin-unlocked-desktop");

    step("An inspector who opens the admin page is sent to their own page.");
    logIn(staff, KanyanServer.INSPECTOR, KanyanServer.PASSWORD);
    visible(staff, "create-form", 10);
    staff.get(server.base + "/admin.html");
    waitFor(staff, 10).until(ExpectedConditions.urlContains("/inspector.html"));
    step("Done.");
  }

  @Test
  void adminCreatesAnApprovalSystemKeyShownOnceThenRevokesIt() {
    step("The admin opens the hand-off section.");
    admin.get(server.base + "/admin.html");
    waitFor(admin, 10).until(d -> d.getCurrentUrl().contains("/admin.html") || d.getCurrentUrl().contains("/login.html"));
    if (admin.getCurrentUrl().contains("/login.html")) {
      logIn(admin, "admin", TestServer.ADMIN_PASSWORD);
      waitFor(admin, 10).until(ExpectedConditions.urlContains("/admin.html"));
    }
    waitFor(admin, 10).until(d -> d.findElement(By.id("dead-letters-empty")).isDisplayed());

    step("Without an inspector in charge the form says what is missing.");
    admin.findElement(By.id("i-name")).sendKeys("审批系统");
    admin.findElement(By.id("integration-submit")).click();
    waitFor(admin, 10).until(d -> d.findElement(By.id("integrations-message")).isDisplayed());
    assertThat(admin.findElement(By.id("integrations-message")).getText()).contains("承办检查员");

    step("With one, the key is shown once and the integration is listed as active.");
    admin.findElement(By.id("i-inspector")).sendKeys(KanyanServer.INSPECTOR);
    admin.findElement(By.id("i-webhook")).sendKeys("http://127.0.0.1:9/hooks");
    admin.findElement(By.id("integration-submit")).click();
    waitFor(admin, 10).until(d -> d.findElement(By.id("integration-secret")).isDisplayed());
    assertThat(admin.findElement(By.id("integration-key")).getText()).startsWith("kyk_");
    assertThat(admin.findElement(By.id("integration-whsec")).getText()).startsWith("whsec_");
    WebElement listed = admin.findElement(By.cssSelector("#integrations tr[data-integration]"));
    assertThat(listed.getText()).contains("审批系统", KanyanServer.INSPECTOR, "有效")
        .doesNotContain(admin.findElement(By.id("integration-key")).getText());

    step("Its scopes change with the same key: booking is added.");
    assertThat(listed.getText()).doesNotContain("inspections:book");
    listed.findElement(By.cssSelector("button[data-edit-scopes]")).click();
    WebElement editor = waitFor(admin, 10).until(d -> d.findElement(By.cssSelector("tr[data-scopes-editor]")));
    assertThat(editor.findElement(By.cssSelector("input[value='inspections:read']")).isSelected()).isTrue();
    editor.findElement(By.cssSelector("input[value='inspections:book']")).click();
    editor.findElement(By.cssSelector("button[data-save-scopes]")).click();
    waitFor(admin, 10).until(d -> d.findElement(By.cssSelector("#integrations tr[data-integration]")).getText()
        .contains("inspections:book"));
    assertThat(admin.findElement(By.id("integrations-message")).getText()).contains("已修改", "审批系统");
    assertThat(admin.findElements(By.cssSelector("tr[data-scopes-editor]"))).isEmpty();
    listed = admin.findElement(By.cssSelector("#integrations tr[data-integration]"));

    step("Revoking it marks it revoked.");
    listed.findElement(By.cssSelector("button[data-revoke]")).click();
    waitFor(admin, 10).until(d -> d.findElement(By.cssSelector("#integrations tr[data-integration]")).getText()
        .contains("已吊销"));
    step("Done.");
  }

  private WebElement row(String username) {
    return admin.findElement(By.cssSelector("#users tr[data-username='" + username + "']"));
  }

  private void logIn(ChromeDriver driver, String username, String password) {
    if (!driver.getCurrentUrl().contains("/login.html")) {
      driver.get(server.base + "/login.html");
    }
    WebElement name = visible(driver, "username", 10);
    name.clear();
    name.sendKeys(username);
    WebElement secret = driver.findElement(By.id("password"));
    secret.clear();
    secret.sendKeys(password);
    driver.findElement(By.id("login-submit")).click();
  }

  private static void step(String what) {
    System.out.printf("admin +%.1fs: %s%n", (System.currentTimeMillis() - T0) / 1000.0, what);
  }
}
