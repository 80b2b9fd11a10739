package io.perfmetrics.observe;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 16: PERFMETRICS_LOG_FORMAT=json makes the appliance's logback.xml log one JSON object a
 * line.
 */
class LogFormatTest {

  /**
   * Configures a fresh logback context from the shipped logback.xml and renders one event with the
   * encoder of the appender the root logger writes to.
   */
  private static String logOnce(String format) throws Exception {
    // logback looks the variable up in system properties before the environment
    String previous = System.getProperty("PERFMETRICS_LOG_FORMAT");
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new LogbackMDCAdapter());
    try {
      if (format != null) {
        System.setProperty("PERFMETRICS_LOG_FORMAT", format);
      }
      JoranConfigurator joran = new JoranConfigurator();
      joran.setContext(context);
      joran.doConfigure(LogFormatTest.class.getResource("/logback.xml"));
      Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
      List<Appender<ILoggingEvent>> appenders = new ArrayList<>();
      root.iteratorForAppenders().forEachRemaining(appenders::add);
      assertThat(appenders).hasSize(1);
      var appender = (ConsoleAppender<ILoggingEvent>) appenders.get(0);
      Logger app = context.getLogger("io.perfmetrics.App");
      var event =
          new LoggingEvent(
              Logger.class.getName(),
              app,
              Level.INFO,
              "listening on {} with \"quotes\"",
              null,
              new Object[] {"http://0.0.0.0:8080"});
      return new String(appender.getEncoder().encode(event), StandardCharsets.UTF_8);
    } finally {
      context.stop();
      if (previous == null) {
        System.clearProperty("PERFMETRICS_LOG_FORMAT");
      } else {
        System.setProperty("PERFMETRICS_LOG_FORMAT", previous);
      }
    }
  }

  @Test
  void jsonFormatWritesOneParsableObjectPerLine() throws Exception {
    String out = logOnce("json").strip();

    assertThat(out.lines()).hasSize(1);
    JsonNode line = new ObjectMapper().readTree(out);
    assertThat(line.get("level").asText()).isEqualTo("INFO");
    assertThat(line.get("loggerName").asText()).isEqualTo("io.perfmetrics.App");
    assertThat(line.get("formattedMessage").asText())
        .isEqualTo("listening on http://0.0.0.0:8080 with \"quotes\"");
    assertThat(line.has("timestamp")).isTrue();
  }

  @Test
  void textIsTheDefault() throws Exception {
    String out = logOnce(null);

    assertThat(out).contains("INFO  [main] io.perfmetrics.App - listening on http://0.0.0.0:8080");
    assertThat(out).doesNotStartWith("{");
  }
}
