package io.perfmetrics.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Issue 16: every command and subcommand of the CLI answers --help and -V. */
class CommandModelTest {

  /** Every command of the model with the words that reach it, e.g. [collectors, create]. */
  private static List<List<String>> everyCommand() {
    List<List<String>> all = new ArrayList<>();
    walk(Main.commandLine(), new ArrayList<>(), all);
    return all;
  }

  private static void walk(CommandLine cmd, List<String> words, List<List<String>> all) {
    all.add(List.copyOf(words));
    cmd.getSubcommands()
        .forEach(
            (name, sub) -> {
              // aliases are listed under each of their names; walk a command once, by its own name
              if (!name.equals(sub.getCommandName())) {
                return;
              }
              List<String> deeper = new ArrayList<>(words);
              deeper.add(name);
              walk(sub, deeper, all);
            });
  }

  private static String run(List<String> words, String... flags) {
    CommandLine cli = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    List<String> args = new ArrayList<>(words);
    args.addAll(List.of(flags));
    int rc = cli.execute(args.toArray(String[]::new));
    assertThat(rc)
        .as("exit code of perfmetrics %s; stderr: %s", String.join(" ", args), err)
        .isZero();
    return out.toString();
  }

  @Test
  void theModelHasTheNestedCommandsTheReadmeUses() {
    assertThat(everyCommand())
        .contains(
            List.of("collectors", "create"),
            List.of("targets", "accept-host-key"),
            List.of("scans", "start"),
            List.of("generate-completion"),
            List.of("serve"));
  }

  @Test
  void everyCommandHasHelpAndVersionOptions() {
    for (List<String> words : everyCommand()) {
      CommandLine cmd = Main.commandLine();
      for (String w : words) {
        cmd = cmd.getSubcommands().get(w);
      }
      var spec = cmd.getCommandSpec();
      assertThat(spec.findOption("--help"))
          .as("--help of perfmetrics %s", String.join(" ", words))
          .isNotNull();
      assertThat(spec.findOption("-V"))
          .as("-V of perfmetrics %s", String.join(" ", words))
          .isNotNull();
      assertThat(spec.version())
          .as("version of perfmetrics %s", String.join(" ", words))
          .isNotEmpty();
    }
  }

  @Test
  void everyCommandAnswersHelpWithItsOwnUsage() {
    for (List<String> words : everyCommand()) {
      String usage = run(words, "--help");
      String name = words.isEmpty() ? "perfmetrics" : "perfmetrics " + String.join(" ", words);
      assertThat(usage)
          .as("perfmetrics %s --help", String.join(" ", words))
          .startsWith("Usage: " + name);
    }
  }

  @Test
  void everyCommandAnswersDashVWithTheVersion() {
    for (List<String> words : everyCommand()) {
      assertThat(run(words, "-V"))
          .as("perfmetrics %s -V", String.join(" ", words))
          .startsWith("perfmetrics ");
    }
  }

  @Test
  void everyOptionAndParameterSaysWhatItIs() {
    List<String> bare = new ArrayList<>();
    for (List<String> words : everyCommand()) {
      CommandLine cmd = Main.commandLine();
      for (String w : words) {
        cmd = cmd.getSubcommands().get(w);
      }
      var spec = cmd.getCommandSpec();
      spec.options().stream()
          .filter(o -> String.join("", o.description()).isBlank())
          .forEach(o -> bare.add(String.join(" ", words) + " " + o.longestName()));
      spec.positionalParameters().stream()
          .filter(p -> String.join("", p.description()).isBlank())
          .forEach(p -> bare.add(String.join(" ", words) + " " + p.paramLabel()));
    }
    assertThat(bare).as("options and parameters without a description in --help").isEmpty();
  }

  @Test
  void collectorsCreateHelpDescribesItsOptions() {
    assertThat(run(List.of("collectors", "create"), "--help"))
        .contains("--label", "--ttl-days", "--token", "--url");
  }

  @Test
  void theCompletionScriptIsGeneratedFromTheModel() {
    String script = run(List.of("generate-completion"));
    assertThat(script)
        .contains("complete -F _complete_perfmetrics", "accept-host-key", "--ttl-days");
  }
}
