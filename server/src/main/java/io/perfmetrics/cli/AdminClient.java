package io.perfmetrics.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The admin API as the CLI uses it: {@code --url} and {@code --token}, shared by every subcommand.
 */
final class AdminClient {
  static final ObjectMapper JSON = new ObjectMapper();

  @Option(
      names = "--url",
      scope = ScopeType.INHERIT,
      defaultValue = "${env:PERFMETRICS_URL:-https://127.0.0.1:8080}",
      description = "appliance URL (env PERFMETRICS_URL, default ${DEFAULT-VALUE})")
  String url;

  @Option(
      names = "--token",
      scope = ScopeType.INHERIT,
      defaultValue = "${env:PERFMETRICS_ADMIN_TOKEN}",
      description = "admin token (env PERFMETRICS_ADMIN_TOKEN)")
  String token;

  @Option(
      names = "--ca",
      scope = ScopeType.INHERIT,
      defaultValue = "${env:PERFMETRICS_CA}",
      description =
          "PEM certificate to trust for https (env PERFMETRICS_CA; default: the appliance's CA in"
              + " $PERFMETRICS_DATA_DIR/tls/ca.pem, ./data if unset, else the JDK's CAs)")
  String ca;

  /** An answer of the API, or the reason there is none. */
  record Answer(int status, String body) {
    JsonNode json() throws IOException {
      return JSON.readTree(body);
    }

    boolean ok() {
      return status >= 200 && status < 300;
    }

    /** An error answer in words: its detail and status, or the body as it came. */
    String problem() {
      try {
        JsonNode e = JSON.readTree(body);
        if (e != null && e.hasNonNull("detail")) {
          return e.get("detail").asText() + " (" + status + " " + e.path("error").asText("") + ")";
        }
      } catch (IOException notJson) {
        // said as it came below
      }
      return "answered " + status + (body.isBlank() ? "" : ": " + body.strip());
    }
  }

  Answer send(String method, String path, String body) throws IOException, InterruptedException {
    if (token == null || token.isBlank()) {
      throw new IOException("no admin token: set PERFMETRICS_ADMIN_TOKEN or pass --token");
    }
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url + path))
            .timeout(Duration.ofSeconds(60))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    // a --ca that cannot be read is said as it is, not as an appliance that cannot be reached
    HttpClient client = client(url, ca);
    try (client) {
      HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(r.statusCode(), r.body());
    } catch (javax.net.ssl.SSLHandshakeException e) {
      throw new IOException(
          "cannot reach "
              + url
              + ": its certificate is not trusted ("
              + e.getMessage()
              + "); pass --ca with the appliance's CA (data/tls/ca.pem, or GET /ca.pem and compare"
              + " the fingerprint serve printed)",
          e);
    } catch (IOException e) {
      throw new IOException("cannot reach " + url + ": " + FailureLine.of(e), e);
    }
  }

  /**
   * The certificate to trust: {@code --ca}, else the appliance's own CA when this machine holds its
   * data directory, else none (the JDK's CAs, for an operator certificate from a public CA).
   */
  static @Nullable Path trustFile(@Nullable String ca) throws IOException {
    if (ca != null && !ca.isBlank()) {
      Path p = Path.of(ca);
      if (!Files.isReadable(p)) {
        throw new IOException("--ca " + ca + ": no such readable file");
      }
      return p;
    }
    String dataDir = System.getenv("PERFMETRICS_DATA_DIR");
    Path own =
        Path.of(dataDir == null || dataDir.isBlank() ? "./data" : dataDir)
            .resolve("tls")
            .resolve("ca.pem");
    return Files.isReadable(own) ? own : null;
  }

  /** A client for {@code url}: over https it trusts {@link #trustFile} when there is one. */
  static HttpClient client(String url, @Nullable String ca) throws IOException {
    HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
    if (url.startsWith("https:")) {
      Path trust = trustFile(ca);
      if (trust != null) {
        builder.sslContext(CaTrust.sslContext(trust));
      }
    }
    return builder.build();
  }

  /** Sends, prints the body, and turns the status into an exit code. */
  int print(String method, String path, String body) {
    try {
      Answer a = send(method, path, body);
      // as it came, ended with one newline (a CSV body has its own)
      System.out.print(a.body());
      if (!a.body().isEmpty() && !a.body().endsWith("\n")) {
        System.out.println();
      }
      if (!a.ok()) {
        System.err.println("perfmetrics: " + method + " " + path + " answered " + a.status());
        return 1;
      }
      return 0;
    } catch (IOException e) {
      System.err.println("perfmetrics: " + e.getMessage());
      return 2;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 130;
    }
  }
}
