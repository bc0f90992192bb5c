package io.ballast.bench;

import org.jboss.logmanager.Level;
import org.jboss.logmanager.LogContext;

/**
 * Logging in a benchmark's JVM: warnings and errors only, for every benchmark.
 *
 * <p>This JVM has the gateway's and the worker's classes on its class path, and with them Quarkus' JBoss LogManager
 * set-up: every logger starts at {@code ALL} and its records queue for a Quarkus start that never comes here. Left
 * so, Netty formats every HTTP/2 frame of the 10,000 sessions at DEBUG (with a hex dump) and the Kafka producer every
 * command at TRACE, only for the queue to drop them: in a JFR profile of a 10,000-agent run, about 30 % of this
 * JVM's CPU samples and nearly 90 % of its allocation. ({@code -Dorg.slf4j.simpleLogger.defaultLogLevel} does nothing
 * here: SLF4J's binding is JBoss LogManager's, not slf4j-simple.)
 *
 * <p>Only the level changes: the records that remain still go where they went before (Quarkus' start-up queue).
 */
public final class BenchLogging {

    private static final String JUL_MANAGER = "java.util.logging.manager";

    private BenchLogging() {}

    /** From now on no logger of this JVM makes a record below WARN. */
    public static void warningsOnly() {
        // JBoss LogManager is to be the JDK's log manager too (its System.Logger finder sets this property on first
        // use, and reports on standard error when java.util.logging started first): the LogContext starts it.
        if (System.getProperty(JUL_MANAGER) == null) {
            System.setProperty(JUL_MANAGER, org.jboss.logmanager.LogManager.class.getName());
        }
        LogContext.getLogContext().getLogger("").setLevel(Level.WARN);
    }
}
