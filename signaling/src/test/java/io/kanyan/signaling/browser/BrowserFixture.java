package io.kanyan.signaling.browser;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.jupiter.api.function.Executable;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The part every browser-test class repeated, as a JUnit 5 extension registered in a static field: Chromium must be
 * installed (the class fails, saying what to install, never skips); the browsers start while the server does
 * ({@link KanyanServer}: real redis-server, the inspector {@value KanyanServer#INSPECTOR} and the auditor
 * {@value KanyanServer#AUDITOR}); when a test or a before/after method fails, every browser's screenshot, page
 * text and console log go to {@code target/screenshots/failure-<class>-<test>-<browser>.png/.txt} (kept, for
 * the person reading the failure); after the class the browsers quit (their profiles deleted) and the server
 * closes (its data and Redis files deleted).
 *
 * <pre>{@code
 * @RegisterExtension
 * static final BrowserFixture fixture = BrowserFixture.withServer()
 *     .browser("inspector", Launch.desktop())
 *     .browser("applicant", Launch.phoneWithMedia());
 * }</pre>
 *
 * <p>A test that needs browsers no other test touched takes them from {@link #forTest}: quit after that test.
 * A class whose browsers start otherwise (one in a network namespace) or whose server is not a
 * {@link KanyanServer} (a cluster behind haproxy) still gets the failure dumps: {@link #watch} its drivers.
 */
final class BrowserFixture implements BeforeAllCallback, AfterAllCallback, AfterEachCallback,
    TestExecutionExceptionHandler, LifecycleMethodExecutionExceptionHandler {

  private final Supplier<KanyanServer> serverStart;
  private final List<Executable> first = new ArrayList<>();
  private final Map<String, Browsers.Launch> launches = new LinkedHashMap<>();
  private final Map<String, ChromeDriver> browsers = new LinkedHashMap<>();
  private final Map<String, ChromeDriver> watched = new LinkedHashMap<>();
  private final Map<String, ChromeDriver> forTest = new LinkedHashMap<>();
  private KanyanServer server;
  private String prefix = "browser";

  private BrowserFixture(Supplier<KanyanServer> serverStart) {
    this.serverStart = serverStart;
  }

  /** A {@link KanyanServer} with its default settings. */
  static BrowserFixture withServer() {
    return withServer(Map.of());
  }

  /** A {@link KanyanServer} with extra environment settings. */
  static BrowserFixture withServer(Map<String, String> env) {
    return new BrowserFixture(() -> KanyanServer.start(env));
  }

  /** Browsers only: the class starts whatever serves them. */
  static BrowserFixture withoutServer() {
    return new BrowserFixture(null);
  }

  /**
   * Runs {@code step} before the server starts and any browser launches: what must exist before a browser runs (the
   * phone's network namespace, whose making changes this machine's network: a browser already running takes that as a
   * network change and fails the requests it is opening). The class closes what it made, in its {@code @AfterAll}.
   */
  BrowserFixture first(Executable step) {
    first.add(step);
    return this;
  }

  /** One more browser, launched before the class's tests, quit after them. */
  BrowserFixture browser(String name, Browsers.Launch launch) {
    launches.put(name, launch);
    return this;
  }

  KanyanServer server() {
    if (server == null) {
      throw new IllegalStateException("this fixture has no server (withoutServer), or it has not started");
    }
    return server;
  }

  ChromeDriver browser(String name) {
    ChromeDriver driver = browsers.get(name);
    if (driver == null) {
      throw new IllegalArgumentException("no browser named " + name + " (launched: " + browsers.keySet() + ")");
    }
    return driver;
  }

  /**
   * Fresh browsers for the running test only (a test that needs a browser no earlier test touched), launched at
   * once; dumped if the test fails, quit after it.
   */
  Map<String, ChromeDriver> forTest(Map<String, Browsers.Launch> wanted) {
    Map<String, CompletableFuture<ChromeDriver>> launching = new LinkedHashMap<>();
    wanted.forEach((name, launch) -> launching.put(name, Browsers.launchAsync(launch)));
    Map<String, ChromeDriver> launched = new LinkedHashMap<>();
    RuntimeException failed = null;
    for (var entry : launching.entrySet()) {
      try {
        // Registered as each comes up: one that fails to start leaves the others to be quit after the test.
        ChromeDriver driver = entry.getValue().join();
        forTest.put(entry.getKey(), driver);
        launched.put(entry.getKey(), driver);
      } catch (RuntimeException e) {
        failed = failed == null ? e : failed;
      }
    }
    if (failed != null) {
      throw failed;
    }
    return launched;
  }

  /** One fresh browser for the running test only (see {@link #forTest(Map)}). */
  ChromeDriver forTest(String name, Browsers.Launch launch) {
    return forTest(Map.of(name, launch)).get(name);
  }

  /**
   * Replaces the running test's browser {@code name} with a new one (launched with another user agent, for example):
   * the old one quits now, the new one after the test.
   */
  ChromeDriver replaceForTest(String name, java.util.concurrent.Callable<ChromeDriver> launch) throws Exception {
    Browsers.quit(forTest.remove(name));
    ChromeDriver driver = launch.call();
    forTest.put(name, driver);
    return driver;
  }

  /** Dumps {@code driver} too when something fails (a browser the class made itself; the class still quits it). */
  void watch(String name, ChromeDriver driver) {
    watched.put(name, driver);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    prefix = hyphenated(context.getRequiredTestClass().getSimpleName().replaceFirst("BrowserTest$", ""));
    Browsers.requireChromium();
    for (Executable step : first) {
      try {
        step.execute();
      } catch (Exception | Error e) {
        throw e;
      } catch (Throwable t) {
        throw new IllegalStateException(t);
      }
    }
    // Browsers start slowly (seconds on a busy machine): all of them and the server at once.
    Map<String, CompletableFuture<ChromeDriver>> launching = new LinkedHashMap<>();
    launches.forEach((name, launch) -> launching.put(name, Browsers.launchAsync(launch)));
    try {
      if (serverStart != null) {
        server = serverStart.get();
      }
      for (var entry : launching.entrySet()) {
        browsers.put(entry.getKey(), entry.getValue().get());
      }
    } catch (Throwable failed) {
      // Nothing half-started stays behind: the browsers that did come up quit, the server closes.
      browsers.clear();
      for (CompletableFuture<ChromeDriver> launch : launching.values()) {
        try {
          Browsers.quit(launch.join());
        } catch (RuntimeException notLaunched) {
          // nothing to quit
        }
      }
      close();
      throw failed;
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    try {
      forTest.values().forEach(Browsers::quit);
    } finally {
      forTest.clear();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  private void close() {
    List<RuntimeException> problems = new ArrayList<>();
    for (ChromeDriver driver : browsers.values()) {
      try {
        Browsers.quit(driver);
      } catch (RuntimeException e) {
        problems.add(e);
      }
    }
    browsers.clear();
    watched.clear();
    if (server != null) {
      server.close();
      server = null;
    }
    if (!problems.isEmpty()) {
      throw problems.get(0);
    }
  }

  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
    dumpAll(context.getRequiredTestMethod().getName(), throwable);
    throw throwable;
  }

  @Override
  public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable throwable)
      throws Throwable {
    dumpAll("setup", throwable);
    throw throwable;
  }

  @Override
  public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable throwable)
      throws Throwable {
    dumpAll(context.getRequiredTestMethod().getName() + "-before", throwable);
    throw throwable;
  }

  @Override
  public void handleAfterEachMethodExecutionException(ExtensionContext context, Throwable throwable)
      throws Throwable {
    dumpAll(context.getRequiredTestMethod().getName() + "-after", throwable);
    throw throwable;
  }

  @Override
  public void handleAfterAllMethodExecutionException(ExtensionContext context, Throwable throwable)
      throws Throwable {
    dumpAll("teardown", throwable);
    throw throwable;
  }

  private void dumpAll(String when, Throwable cause) {
    if (cause instanceof org.opentest4j.TestAbortedException) {
      return; // an assumption (no network namespaces here): nothing failed
    }
    browsers.forEach((name, driver) -> Browsers.dump(driver, prefix + "-" + when + "-" + name));
    watched.forEach((name, driver) -> Browsers.dump(driver, prefix + "-" + when + "-" + name));
    forTest.forEach((name, driver) -> Browsers.dump(driver, prefix + "-" + when + "-" + name));
  }

  /** {@code AdminUsers} → {@code admin-users}. */
  static String hyphenated(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
  }
}
