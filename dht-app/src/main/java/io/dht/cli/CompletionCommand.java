package io.dht.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code dht completion}: prints a bash (and zsh, through bashcompinit) completion script for every command. */
@Command(
    name = "completion",
    mixinStandardHelpOptions = true,
    description = {
      "Print a bash completion script for dht (zsh: run 'autoload -U +X bashcompinit && bashcompinit' first).",
      "Use it now:       source <(dht completion)",
      "Or install it:    dht completion > /etc/bash_completion.d/dht"
    })
final class CompletionCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    out.print(AutoComplete.bash("dht", spec.root().commandLine()));
    out.flush();
    return 0;
  }
}
