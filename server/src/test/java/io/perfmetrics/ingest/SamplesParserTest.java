package io.perfmetrics.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class SamplesParserTest {
  static final long NOW = 1_764_000_000L;
  final MetricIds ids = new MetricIds(null);
  final SamplesParser parser =
      new SamplesParser(ids, Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC));

  SamplesParserTest() {
    ids.remember("cpu.busy_pct", (short) 1);
    ids.remember("mem.used_bytes", (short) 2);
  }

  SampleBatch text(String body) throws MalformedSamplesException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    return parser.parseText(7, b, b.length);
  }

  SampleBatch json(String body) throws MalformedSamplesException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    return parser.parseJson(7, b, b.length);
  }

  @Test
  void readsLinesIntoColumns() throws Exception {
    SampleBatch b =
        text(
            "1763999940,cpu.busy_pct,12.5\r\n1763999940,mem.used_bytes,-3e2\n\n1764000000,cpu.busy_pct,0\n");

    assertThat(b.collectorId()).isEqualTo(7);
    assertThat(b.size()).isEqualTo(3);
    assertThat(b.epochSeconds()).startsWith(1763999940L, 1763999940L, 1764000000L);
    assertThat(b.metricIds()).startsWith((short) 1, (short) 2, (short) 1);
    assertThat(b.values()).startsWith(12.5, -300.0, 0.0);
  }

  @Test
  void anEmptyBodyIsAnEmptyBatch() throws Exception {
    assertThat(text("").size()).isZero();
    assertThat(json("[]").size()).isZero();
  }

  @Test
  void namesTheFirstBadLineAndWhy() {
    assertThatThrownBy(() -> text("1764000000,cpu.busy_pct,1\n1764000000,cpu.busy_pct\n"))
        .hasMessageContaining("line 2")
        .hasMessageContaining("three comma-separated fields");
    assertThatThrownBy(() -> text("1764000000,cpu.busy_pct,1,2\n")).hasMessageContaining("line 1");
    assertThatThrownBy(() -> text("17640000x0,cpu.busy_pct,1\n"))
        .hasMessageContaining("integer epoch seconds");
    assertThatThrownBy(() -> text("1764000000,Cpu,1\n")).hasMessageContaining("metric name");
    assertThatThrownBy(() -> text("1764000000," + "a".repeat(65) + ",1\n"))
        .hasMessageContaining("metric name");
    assertThatThrownBy(() -> text("1764000000,cpu.busy_pct,NaN\n")).hasMessageContaining("finite");
    assertThatThrownBy(() -> text("1764000000,cpu.busy_pct,1e999\n"))
        .hasMessageContaining("finite");
    assertThatThrownBy(() -> text("1764000000,cpu.busy_pct,\n")).hasMessageContaining("value");
  }

  @Test
  void refusesTimestampsFromABrokenClock() {
    assertThatThrownBy(() -> text("946684799,cpu.busy_pct,1\n"))
        .hasMessageContaining("outside 2000-01-01");
    assertThatThrownBy(() -> text((NOW + 86_401) + ",cpu.busy_pct,1\n"))
        .hasMessageContaining("clock");
  }

  @Test
  void acceptsTimestampsALittleAhead() throws Exception {
    assertThat(text((NOW + 3600) + ",cpu.busy_pct,1\n").size()).isEqualTo(1);
  }

  @Test
  void readsTheDocumentedJsonArray() throws Exception {
    SampleBatch b =
        json(
            "[{\"ts\":1764000000,\"metric\":\"cpu.busy_pct\",\"value\":5},"
                + "{\"metric\":\"mem.used_bytes\",\"value\":1.5,\"ts\":1764000060,\"extra\":[1]}]");

    assertThat(b.size()).isEqualTo(2);
    assertThat(b.metricIds()).startsWith((short) 1, (short) 2);
    assertThat(b.values()).startsWith(5.0, 1.5);
  }

  @Test
  void namesTheBadJsonElement() {
    assertThatThrownBy(() -> json("{}")).hasMessageContaining("JSON array");
    assertThatThrownBy(
            () ->
                json(
                    "[{\"ts\":1764000000,\"metric\":\"cpu.busy_pct\",\"value\":1},{\"ts\":\"x\"}]"))
        .hasMessageContaining("element 2");
    assertThatThrownBy(() -> json("[{\"ts\":1764000000,\"metric\":\"cpu.busy_pct\"}]"))
        .hasMessageContaining("needs");
    assertThatThrownBy(
            () -> json("[{\"ts\":1764000000,\"metric\":\"cpu.busy_pct\",\"value\":1}] x"))
        .hasMessageContaining("JSON");
  }

  @Test
  void plainDecimalsReadTheVeryDoubleThatDoubleParseDoubleReads() throws Exception {
    // the receiver reads short decimals itself (no String per value); it must agree with the JDK
    // to the bit, and leave everything else (exponents, long mantissas, junk) to the JDK's rules
    java.util.SplittableRandom r = new java.util.SplittableRandom(17);
    java.util.List<String> values =
        new java.util.ArrayList<>(
            java.util.List.of(
                "0",
                "-0",
                "+0",
                "-0.0",
                "0.1",
                "0.3",
                "1.",
                ".5",
                "-.5",
                "+7.25",
                "007",
                "123456789012345",
                "1234567890123456",
                "99999999999999.9",
                "0.000000000000001",
                "-273.15",
                "4.2e15",
                "1e-300",
                "18446744073709551615",
                "0.30000000000000004"));
    for (int i = 0; i < 20_000; i++) {
      int digits = r.nextInt(1, 18);
      StringBuilder v = new StringBuilder(r.nextBoolean() ? "-" : "");
      for (int k = 0; k < digits; k++) {
        v.append((char) ('0' + r.nextInt(10)));
      }
      if (r.nextBoolean()) {
        v.insert(v.length() - r.nextInt(0, digits), '.');
      }
      values.add(v.toString());
    }
    StringBuilder body = new StringBuilder();
    for (String v : values) {
      body.append(NOW).append(",cpu.busy_pct,").append(v).append('\n');
    }
    SampleBatch b = text(body.toString());
    assertThat(b.size()).isEqualTo(values.size());
    for (int i = 0; i < values.size(); i++) {
      assertThat(Double.doubleToRawLongBits(b.values()[i]))
          .as(values.get(i))
          .isEqualTo(Double.doubleToRawLongBits(Double.parseDouble(values.get(i))));
    }
    for (String bad : new String[] {".", "-", "+", "1.2.3", "--1", "1-2", "e5"}) {
      assertThatThrownBy(() -> text(NOW + ",cpu.busy_pct," + bad + "\n"))
          .as(bad)
          .hasMessageContaining("line 1: value must be a finite decimal number");
    }
  }

  @Test
  void aNameRepeatedOnEveryLineIsCheckedLikeAnyOtherAndManyNamesStillResolve() throws Exception {
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < 100; i++) {
      body.append(NOW).append(",m.x").append(i).append(",1\n");
      body.append(NOW).append(",cpu.busy_pct,").append(i).append('\n');
    }
    for (int i = 0; i < 100; i++) {
      ids.remember("m.x" + i, (short) (100 + i));
    }
    SampleBatch b = text(body.toString());
    for (int i = 0; i < 100; i++) {
      assertThat(b.metricIds()[2 * i]).isEqualTo((short) (100 + i));
      assertThat(b.metricIds()[2 * i + 1]).isEqualTo((short) 1);
      assertThat(b.values()[2 * i + 1]).isEqualTo(i);
    }
    assertThatThrownBy(() -> text(NOW + ",cpu.busy_pct,1\n" + NOW + ",cpu.Busy_pct,1\n"))
        .hasMessageContaining("line 2: metric name must match");
  }
}
