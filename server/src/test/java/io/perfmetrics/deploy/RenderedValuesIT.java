package io.perfmetrics.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.perfmetrics.testing.Busybox;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whatever a value holds, the real shells read it back as the same string and run none of it. */
class RenderedValuesIT {
  @Test
  void hostileValuesSurviveDashAndBusyboxUnchanged(@TempDir Path dir) throws Exception {
    Path pwned = dir.resolve("pwned");
    String hostile =
        "x'; touch "
            + pwned
            + "; echo '$(touch "
            + pwned
            + ") `touch "
            + pwned
            + "` \"q\" \\ $HOME\nnext";
    Map<String, String> v = TemplateRendererTest.values();
    v.put("TOKEN", hostile);
    String script = new TemplateRenderer().render(CollectorTemplate.UNIX_SH, v);
    // the rendered block alone, then print what the shell made of the value
    int from = script.indexOf("PM_URL=");
    int to = script.indexOf("# ---- END RENDERED PARAMETERS");
    Path probe = dir.resolve("probe.sh");
    Files.writeString(probe, script.substring(from, to) + "printf '%s' \"$PM_TOKEN\"\n");

    for (String[] shell : new String[][] {{"dash"}, {Busybox.path().toString(), "sh"}}) {
      String[] cmd = new String[shell.length + 1];
      System.arraycopy(shell, 0, cmd, 0, shell.length);
      cmd[shell.length] = probe.toString();
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor()).as(String.join(" ", shell) + ": " + out).isZero();
      assertThat(out).as(shell[0]).isEqualTo(hostile);
      assertThat(Files.exists(pwned)).as(shell[0] + " ran part of a value").isFalse();
    }
  }
}
