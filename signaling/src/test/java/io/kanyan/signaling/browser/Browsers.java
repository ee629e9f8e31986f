package io.kanyan.signaling.browser;

import static org.assertj.core.api.Assertions.fail;

import io.kanyan.recorder.testing.TempDirs;
import java.awt.Image;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by /usr/bin/chromedriver
 * (override with -Dkanyan.chromium / -Dkanyan.chromedriver). Nothing is downloaded: when the browser is
 * missing the tests fail and say what to install.
 */
public final class Browsers {

  static final Path CHROMIUM = Path.of(System.getProperty("kanyan.chromium", "/usr/bin/chromium"));
  static final Path CHROMEDRIVER = Path.of(System.getProperty("kanyan.chromedriver", "/usr/bin/chromedriver"));
  static final Path SCREENSHOTS = Path.of("target", "screenshots");
  static final Dimension DESKTOP = new Dimension(1366, 900);
  static final Dimension PHONE = new Dimension(390, 844);
  private static final long MAX_SCREENSHOT_BYTES = 300 * 1024;

  private Browsers() {
  }

  /** Fails the test (never skips it) when Chromium or its driver is not installed. */
  public static void requireChromium() {
    if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
      fail("The browser tests need Chromium and its driver at " + CHROMIUM + " and " + CHROMEDRIVER
          + ". Install them with 'apt-get install chromium chromium-driver' (or point -Dkanyan.chromium and "
          + "-Dkanyan.chromedriver at them).");
    }
    // Never let Selenium Manager try to download anything.
    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
  }

  /** How a browser is launched; {@code networkLog}: keep Chromium's DevTools network events (see {@link #network}). */
  public record Launch(boolean phone, boolean grantMedia, boolean networkLog) {
    public Launch(boolean phone, boolean grantMedia) {
      this(phone, grantMedia, false);
    }

    public static Launch desktop() {
      return new Launch(false, true);
    }

    public static Launch desktopWithNetworkLog() {
      return new Launch(false, true, true);
    }

    public static Launch phoneWithMedia() {
      return new Launch(true, true);
    }

    public static Launch phoneDenyingMedia() {
      return new Launch(true, false);
    }
  }

  /**
   * Launches on a thread of its own (browsers start slowly; tests start several at once). Not the common pool: on
   * two cores it has one thread, which ran the launches one after the other, behind anything else queued there.
   */
  public static java.util.concurrent.CompletableFuture<ChromeDriver> launchAsync(Launch launch) {
    return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return launch(launch);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, task -> {
      Thread thread = new Thread(task, "chromium-launch");
      thread.setDaemon(true);
      thread.start();
    });
  }

  static ChromeDriver launch(Launch launch) throws IOException {
    return launch(launch, null);
  }

  /**
   * @param userAgent a phone's user agent other than the default Android Chrome (e.g. an in-app browser's;
   *   ChromeDriver's phone emulation sets it again on every page, so a DevTools override would not last)
   */
  static ChromeDriver launch(Launch launch, String userAgent) throws IOException {
    Path profile = TempDirs.create("kanyan-chromium");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    List<String> args = new ArrayList<>(List.of("--headless=new", "--no-sandbox", "--disable-gpu",
        "--use-fake-device-for-media-stream=fps=15", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required",
        "--user-data-dir=" + profile, "--lang=zh-CN"));
    args.add(launch.grantMedia() ? "--use-fake-ui-for-media-stream" : "--deny-permission-prompts");
    Dimension size = launch.phone() ? PHONE : DESKTOP;
    args.add("--window-size=" + size.width + "," + size.height);
    options.addArguments(args);
    if (launch.phone()) {
      options.setExperimentalOption("mobileEmulation", Map.of(
          "deviceMetrics", Map.of("width", PHONE.width, "height", PHONE.height, "pixelRatio", 2.0, "touch", true),
          "userAgent", userAgent != null ? userAgent : "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
              + "(KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36"));
    }
    options.setCapability("goog:loggingPrefs", launch.networkLog()
        ? Map.of("browser", "ALL", "performance", "ALL") : Map.of("browser", "ALL"));
    if (launch.networkLog()) {
      options.setExperimentalOption("perfLoggingPrefs", Map.of("enableNetwork", true, "enablePage", false));
    }
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        .build();
    ChromeDriver driver;
    try {
      driver = new Chromium(service, options, profile);
    } catch (RuntimeException e) {
      TempDirs.delete(profile);
      throw e;
    }
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
    return driver;
  }

  /** A ChromeDriver whose {@link #quit()} also deletes the browser's fresh profile directory. */
  private static final class Chromium extends ChromeDriver {
    private final Path profile;

    Chromium(ChromeDriverService service, ChromeOptions options, Path profile) {
      super(service, options);
      this.profile = profile;
    }

    @Override
    public void quit() {
      try {
        super.quit();
      } finally {
        TempDirs.delete(profile);
      }
    }
  }

  /** Fakes the phone's position and lets the page read it without a prompt. */
  static void fakeLocation(ChromeDriver driver, String origin, double lat, double lng, double accuracy) {
    driver.executeCdpCommand("Browser.grantPermissions", Map.of("origin", origin, "permissions", List.of("geolocation")));
    driver.executeCdpCommand("Emulation.setGeolocationOverride",
        Map.of("latitude", lat, "longitude", lng, "accuracy", accuracy));
  }

  /** Turns the emulated phone to landscape (or back to portrait). */
  static void rotate(ChromeDriver driver, boolean landscape) {
    int w = landscape ? PHONE.height : PHONE.width;
    int h = landscape ? PHONE.width : PHONE.height;
    driver.executeCdpCommand("Emulation.setDeviceMetricsOverride", Map.of("width", w, "height", h,
        "deviceScaleFactor", 2, "mobile", true, "screenOrientation",
        Map.of("type", landscape ? "landscapePrimary" : "portraitPrimary", "angle", landscape ? 90 : 0)));
  }

  /** One HTTP request a page made, and the status it got (0 while none came, e.g. aborted). */
  record Request(String method, String url, int status) {
  }

  /**
   * The HTTP requests of one browser, from Chromium's DevTools network events (the browser must be
   * launched with {@link Launch#networkLog()}), collected across reads.
   */
  static final class NetworkLog {
    private final ChromeDriver driver;
    private final Map<String, String[]> sent = new java.util.LinkedHashMap<>();
    private final Map<String, Integer> status = new java.util.HashMap<>();

    NetworkLog(ChromeDriver driver) {
      this.driver = driver;
    }

    /** Every request so far, in the order they were sent. */
    List<Request> requests() {
      for (var entry : driver.manage().logs().get("performance")) {
        io.vertx.core.json.JsonObject message = new io.vertx.core.json.JsonObject(entry.getMessage())
            .getJsonObject("message");
        io.vertx.core.json.JsonObject params = message.getJsonObject("params");
        switch (message.getString("method")) {
          case "Network.requestWillBeSent" -> sent.put(params.getString("requestId"), new String[] {
              params.getJsonObject("request").getString("method"), params.getJsonObject("request").getString("url")});
          case "Network.responseReceived" -> status.put(params.getString("requestId"),
              params.getJsonObject("response").getInteger("status"));
          default -> { }
        }
      }
      return sent.entrySet().stream()
          .map(e -> new Request(e.getValue()[0], e.getValue()[1], status.getOrDefault(e.getKey(), 0))).toList();
    }
  }

  /** Opens the login page at {@code base} and submits {@code user} and {@code password} (no wait for the result). */
  public static void logIn(ChromeDriver driver, String base, String user, String password) {
    driver.get(base + "/login.html");
    visible(driver, "username", 10).sendKeys(user);
    driver.findElement(By.id("password")).sendKeys(password);
    driver.findElement(By.id("login-submit")).click();
  }

  public static WebDriverWait waitFor(ChromeDriver driver, int seconds) {
    WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(seconds), Duration.ofMillis(100));
    // Pages re-render lists; an element found a moment ago may be gone: look again.
    wait.ignoring(StaleElementReferenceException.class);
    return wait;
  }

  public static WebElement visible(ChromeDriver driver, String id, int seconds) {
    return waitFor(driver, seconds).until(d -> {
      try {
        WebElement e = d.findElement(By.id(id));
        return e.isDisplayed() ? e : null;
      } catch (org.openqa.selenium.NoSuchElementException | StaleElementReferenceException gone) {
        throw gone;
      } catch (org.openqa.selenium.WebDriverException e) {
        // A click that just submitted a form is still navigating: look again once the next page is there.
        if (String.valueOf(e.getMessage()).contains("aborted by navigation")) {
          return null;
        }
        throw e;
      }
    });
  }

  public static Object js(ChromeDriver driver, String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  /** Video frames decoded so far on a page's remote video (written there from RTCPeerConnection.getStats). */
  public static long framesDecoded(ChromeDriver driver) {
    Object v = js(driver, "return Number(document.getElementById('remote-video').dataset.framesDecoded || 0);");
    return ((Number) v).longValue();
  }

  /** Saves a PNG screenshot under target/screenshots, scaled down until it is under 300 KB. */
  public static Path screenshot(ChromeDriver driver, String name) throws IOException {
    Files.createDirectories(SCREENSHOTS);
    byte[] png = driver.getScreenshotAs(OutputType.BYTES);
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
    while (png.length > MAX_SCREENSHOT_BYTES && image.getWidth() > 320) {
      int w = image.getWidth() * 3 / 4;
      int h = image.getHeight() * 3 / 4;
      BufferedImage smaller = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
      smaller.createGraphics().drawImage(image.getScaledInstance(w, h, Image.SCALE_SMOOTH), 0, 0, null);
      image = smaller;
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ImageIO.write(image, "png", out);
      png = out.toByteArray();
    }
    Path file = SCREENSHOTS.resolve(name + ".png");
    Files.write(file, png);
    return file;
  }

  /** After a failure: a screenshot, the page's visible text and its console log, for the report. */
  public static void dump(ChromeDriver driver, String name) {
    if (driver == null) {
      return;
    }
    try {
      screenshot(driver, "failure-" + name);
      StringBuilder text = new StringBuilder("URL: ").append(driver.getCurrentUrl()).append("\n\n");
      text.append(driver.findElement(By.tagName("body")).getText()).append("\n\n--- console ---\n");
      driver.manage().logs().get("browser").forEach(entry -> text.append(entry.getLevel()).append(' ')
          .append(entry.getMessage()).append('\n'));
      Files.writeString(SCREENSHOTS.resolve("failure-" + name + ".txt"), text);
    } catch (RuntimeException | IOException e) {
      System.err.println("could not dump browser " + name + ": " + e);
    }
  }

  public static void quit(ChromeDriver driver) {
    if (driver != null) {
      driver.quit();
    }
  }

  static File file(Path p) {
    return p.toFile();
  }
}
