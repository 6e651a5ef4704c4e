package dev.polyglot.scheduler.it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The dashboard in a real browser: Debian's chromium, driven by Selenium through Debian's chromedriver (nothing is
 * downloaded: the driver and the browser are given by path). With a live node and session the page shows the numbers
 * the API gives, its drain button stops placements on the node, and a screenshot is saved as
 * {@code target/dashboard.png}.
 */
class DashboardBrowserIT {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final String TOKEN = "dash-admin";
  static Server server;
  static WebDriver browser;

  @BeforeAll
  static void start() {
    assertTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER), "the browser test needs Debian's"
        + " chromium and chromedriver (" + CHROMIUM + ", " + CHROMEDRIVER + "): apt-get install -y chromium"
        + " chromium-driver (.ci/run installs them)");
    server = Server.start("scheduler.stats.snapshot-interval = 200ms\nscheduler.admin.token = \"" + TOKEN + "\"\n");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        "--window-size=1400,1700", "--no-first-run", "--disable-extensions");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
    browser = new ChromeDriver(service, options);
    browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
  }

  @AfterAll
  static void stop() {
    if (browser != null) browser.quit();
    if (server != null) server.close();
  }

  @Test
  void thePageShowsTheApisNumbersAndItsDrainButtonStopsPlacementsOnTheNode() throws Exception {
    FakeNode a = FakeNode.ready(server.port, List.of("en", "ja"));
    FakeNode b = FakeNode.ready(server.port, List.of("en", "ja"));
    a.keepHeartbeating(300);
    b.keepHeartbeating(300);
    java.util.concurrent.atomic.AtomicInteger aJobs = respond(a);
    respond(b);
    FakeClient client = FakeClient.connect(server.port);
    String sid = client.initOneWay("en", "ja");
    for (int i = 0; i < 4; i++) {
      client.speak(sid, i);
      client.awaitResult(sid);
    }
    browser.get("http://127.0.0.1:" + server.port + "/dashboard/?refresh=500");
    await("both nodes in the page's table", () -> rows("#nodes-table tbody tr").size() == 2);

    // the page and the API read the same snapshots: once nothing happens, they agree
    await("the cards show the API's figures", () -> {
      JsonNode cluster = Api.json(server.port, "/api/v1/cluster");
      JsonNode metrics = Api.json(server.port, "/api/v1/metrics");
      return text("nodes-online").equals(cluster.path("online_nodes").asText())
          && text("nodes-ready").equals(cluster.path("ready_nodes").asText())
          && text("instances-total").equals(cluster.path("total_instances").asText())
          && text("sessions-total").equals(Api.json(server.port, "/api/v1/sessions").path("total").asText())
          && text("jobs-created-total").equals(metrics.path("scheduler").path("jobs_created_total").asText())
          && text("jobs-created-total").equals("4");
    });
    assertEquals("2", text("nodes-online"));
    assertEquals("1", text("sessions-total"));
    await("the node rows show the API's status and free slots", () -> {
      for (JsonNode n : Api.json(server.port, "/api/v1/nodes").path("nodes")) {
        WebElement row = browser.findElement(By.cssSelector("#nodes-table tr[data-node-id='" + n.path("node_id").asText() + "']"));
        if (!row.findElement(By.cssSelector(".status")).getText().equals(n.path("status").asText())) return false;
        if (!row.findElement(By.cssSelector(".free")).getText().equals(n.path("free_slots").asText())) return false;
      }
      return true;
    });
    await("the pool row shows the API's free slots", () -> {
      JsonNode pool = null;
      for (JsonNode p : Api.json(server.port, "/api/v1/pools").path("pools")) if (p.path("pair").asText().equals("en:ja")) pool = p;
      WebElement row = browser.findElement(By.cssSelector("#pools-table tr[data-pool='en:ja']"));
      return pool != null && row.findElement(By.cssSelector(".free")).getText().equals(pool.path("free_slots").asText())
          && row.findElement(By.cssSelector(".eligible")).getText().equals(pool.path("eligible_nodes").asText());
    });
    await("the latency table shows the API's percentiles", () -> {
      JsonNode l = Api.json(server.port, "/api/v1/metrics").path("scheduler").path("latency_ms").path("job_latency");
      WebElement row = browser.findElement(By.cssSelector("#latency-table tr[data-latency='job_latency']"));
      return row.findElement(By.cssSelector(".p95")).getText().equals(l.path("p95_ms").asText())
          && row.findElement(By.cssSelector(".count")).getText().equals("4");
    });
    await("the live session in the page's list", () -> browser.findElement(By.cssSelector(
        "#sessions-table tr[data-session-id='" + sid + "']")).isDisplayed());
    await("a chart of nodes by status with both ready", () -> "2".equals(browser.findElement(By.cssSelector(
        "#status-chart svg rect[data-label='ready']")).getAttribute("data-value")));

    // the node's detail, and its drain button (the admin token is needed: without it the drain is refused)
    await("a click on the node's row (the table is redrawn every refresh)", () -> {
      browser.findElement(By.cssSelector("#nodes-table tr[data-node-id='" + a.nodeId + "']")).click();
      return true;
    });
    await("the node's detail", () -> browser.findElement(By.id("detail-node-id")).getText().equals(a.nodeId)
        && !browser.findElements(By.cssSelector("#detail-fields .detail-status")).isEmpty());
    browser.findElement(By.id("drain-button")).click();
    await("the refusal without a token", () -> text("detail-message").contains("admin token"));
    assertFalse(Api.json(server.port, "/api/v1/nodes/" + a.nodeId).path("draining").asBoolean());
    browser.findElement(By.id("admin-token")).sendKeys(TOKEN);
    browser.findElement(By.id("drain-button")).click();
    await("the page shows the node draining", () -> browser.findElement(By.cssSelector("#detail-fields .detail-draining"))
        .getText().equals("yes"));
    assertTrue(Api.json(server.port, "/api/v1/nodes/" + a.nodeId).path("draining").asBoolean(), "drained for real");

    int aBefore = aJobs.get();
    for (int i = 4; i < 8; i++) {
      client.speak(sid, i);
      client.awaitResult(sid);
    }
    assertEquals(aBefore, aJobs.get(), "no job was placed on the drained node");
    await("the page shows the drained node's status", () -> browser.findElement(By.cssSelector(
        "#nodes-table tr[data-node-id='" + a.nodeId + "'] .status")).getText().equals("draining"));
    await("the page counts the new jobs", () -> text("jobs-created-total").equals("8"));

    File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
    Path target = Path.of("target", "dashboard.png");
    Files.createDirectories(target.getParent());
    Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
    assertTrue(Files.size(target) > 10_000, "a screenshot of the page: " + target.toAbsolutePath());
    System.out.println("dashboard screenshot: " + target.toAbsolutePath());
    client.close();
    a.close();
    b.close();
  }

  /** Answers every job the node is given, on a daemon thread; returns how many it was given. */
  private static java.util.concurrent.atomic.AtomicInteger respond(FakeNode n) {
    java.util.concurrent.atomic.AtomicInteger given = new java.util.concurrent.atomic.AtomicInteger();
    Thread t = new Thread(() -> {
      while (!n.peer.closed.isDone()) {
        try {
          JsonNode job = n.awaitJob();
          given.incrementAndGet();
          n.succeed(job, "text " + job.path("utterance_index").asInt(), "translation");
        } catch (AssertionError idle) {
          // no job within the wait: keep waiting
        } catch (RuntimeException e) {
          return;
        }
      }
    }, "dashboard-node-" + n.nodeId);
    t.setDaemon(true);
    t.start();
    return given;
  }

  private static String text(String id) {
    return browser.findElement(By.id(id)).getText().trim();
  }

  private static List<WebElement> rows(String css) {
    return browser.findElements(By.cssSelector(css));
  }

  private static void await(String what, Supplier<Boolean> condition) {
    Server.await(what, () -> {
      try {
        return condition.get();
      } catch (RuntimeException stale) {
        return false; // the page redrew the element while it was read
      }
    }, Duration.ofSeconds(20));
  }
}
