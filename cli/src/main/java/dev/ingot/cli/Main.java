package dev.ingot.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ingot} command. Each module's operator tool is one subcommand. */
@Command(name = "ingot", mixinStandardHelpOptions = true, version = "ingot 0.1.0",
        description = "MetalLB-compatible load balancer for bare-metal Kubernetes.",
        subcommands = {ConfigCommand.class, BgpCommand.class, MemberlistCommand.class, IpvsCommand.class,
                dev.ingot.controller.ControllerMain.class, dev.ingot.speaker.SpeakerMain.class, StatusCommand.class,
                ExplainCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand");
    }

    /** Runs a command line and returns its exit status (2 for usage errors, as every subcommand documents). */
    public static int execute(String... args) {
        return execute(new java.io.PrintWriter(System.out, true), new java.io.PrintWriter(System.err, true), args);
    }

    /** As {@link #execute(String...)}, writing to the given streams. */
    public static int execute(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExitCodeExceptionMapper(e -> 2);
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("ingot: " + ex.getMessage());
            ex.getCommandLine().getErr().println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            return 2;
        });
        return cl.execute(args);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }
}
