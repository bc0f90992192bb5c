package io.ballast.gateway.cli;

import io.ballast.cli.ExitCode;
import io.ballast.cli.Program;
import io.ballast.gateway.identity.CertificateAuthority;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ./ballast certs ...}: the CA of agent identities, the gateway's certificate and one certificate per VM.
 * Key stores are PKCS#12 protected by their file mode (root only) and the password in
 * {@code BALLAST_CERTS_PASSWORD} (default {@value #DEFAULT_PASSWORD}). Exit codes: 0 done, 1 failed, 2 refused.
 */
@Command(
        name = "ballast certs",
        mixinStandardHelpOptions = true,
        description = "Create the CA of agent identities and issue certificates.",
        subcommands = {CertsCommand.Init.class, CertsCommand.Issue.class})
public final class CertsCommand implements Runnable {

    static final String DEFAULT_PASSWORD = "ballast";

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        program().exit(args);
    }

    static Program program() {
        return Program.of(new CertsCommand());
    }

    /** The key stores' password: {@code BALLAST_CERTS_PASSWORD}, or {@value #DEFAULT_PASSWORD}. */
    public static char[] password() {
        String value = System.getenv("BALLAST_CERTS_PASSWORD");
        return (value == null || value.isEmpty() ? DEFAULT_PASSWORD : value).toCharArray();
    }

    abstract static class Operation implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(
                names = "--dir",
                paramLabel = "DIR",
                description = "Where the CA and certificates are (default: ${DEFAULT-VALUE}).",
                defaultValue = ".ballast/certs")
        Path directory;

        abstract String run() throws IOException, GeneralSecurityException;

        @Override
        public Integer call() throws IOException, GeneralSecurityException {
            spec.commandLine().getOut().println(run());
            return ExitCode.DONE;
        }
    }

    @Command(name = "init", mixinStandardHelpOptions = true, description = "Create the CA and the gateway certificate.")
    static final class Init extends Operation {
        @Option(
                names = "--name",
                paramLabel = "NAME",
                description =
                        "DNS name or IP address agents reach the gateways by (repeatable; default localhost and 127.0.0.1).")
        List<String> names = List.of("localhost", "127.0.0.1");

        @Override
        String run() throws IOException, GeneralSecurityException {
            CertificateAuthority.create(directory, password(), names);
            return "created the CA (" + directory.resolve("ca.pem") + ") and the gateway certificate ("
                    + directory.resolve("gateway.p12") + ") for " + String.join(", ", names);
        }
    }

    @Command(name = "issue", mixinStandardHelpOptions = true, description = "Issue the certificate of one VM's agent.")
    static final class Issue extends Operation {
        @Parameters(index = "0", paramLabel = "VM_ID", description = "The VM id (the certificate's common name).")
        String vmId;

        @Override
        String run() throws IOException, GeneralSecurityException {
            return "issued " + CertificateAuthority.open(directory, password()).issueAgent(vmId);
        }
    }
}
