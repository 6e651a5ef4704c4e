package dev.polyglot.scheduler.http;

import static org.junit.jupiter.api.Assertions.*;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.polyglot.scheduler.ops.JobMdc;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** conf/logback.xml: one setting switches to JSON lines that carry the job ids of the MDC. */
class JsonLogTest {

  private static String logWith(String format) throws Exception {
    PrintStream stdout = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    String before = System.getProperty("scheduler.log.format");
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(org.slf4j.MDC.getMDCAdapter()); // the MDC the scheduler writes (slf4j's, bound to logback)
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      if (format != null) System.setProperty("scheduler.log.format", format);
      JoranConfigurator joran = new JoranConfigurator();
      joran.setContext(context);
      joran.doConfigure(Path.of("../conf/logback.xml").toFile());
      try (JobMdc.Scope s = JobMdc.with(JobMdc.TRACE_ID, "trace-7", JobMdc.JOB_ID, "job-1", JobMdc.ATTEMPT_ID, "2",
          JobMdc.SESSION_ID, "s-1")) {
        context.getLogger("dev.polyglot.scheduler.jobs").info("job finished: completed after {} ms", 812);
      }
      context.stop();
    } finally {
      System.setOut(stdout);
      if (before == null) System.clearProperty("scheduler.log.format");
      else System.setProperty("scheduler.log.format", before);
    }
    return captured.toString(StandardCharsets.UTF_8).trim();
  }

  @Test
  void jsonLogLinesCarryTheMessageLevelAndTheJobIdsAsFields() throws Exception {
    String line = logWith("json");
    JsonNode json = new ObjectMapper().readTree(line);
    assertEquals("job finished: completed after 812 ms", json.path("message").asText(), line);
    assertEquals("INFO", json.path("level").asText());
    assertEquals("dev.polyglot.scheduler.jobs", json.path("logger_name").asText());
    assertEquals("trace-7", json.path("trace_id").asText());
    assertEquals("job-1", json.path("job_id").asText());
    assertEquals("2", json.path("attempt_id").asText());
    assertEquals("s-1", json.path("session_id").asText());
    assertFalse(json.path("@timestamp").asText().isEmpty());
  }

  @Test
  void theDefaultTextLinesEndWithTheIdsThatAreSet() throws Exception {
    String line = logWith(null);
    assertTrue(line.contains("job finished: completed after 812 ms trace=trace-7 session=s-1 job=job-1 attempt=2"), line);
    assertFalse(line.contains("node="), "an id that is not set is left out: " + line);
  }
}
