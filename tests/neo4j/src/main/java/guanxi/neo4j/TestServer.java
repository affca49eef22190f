package guanxi.neo4j;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.neo4j.cli.AdminTool;
import org.neo4j.cli.ExecutionContext;
import org.neo4j.server.CommunityBootstrapper;
import org.neo4j.server.NeoBootstrapper;

/**
 * Neo4j Community for guanxi's tests, started as {@code neo4j console} would start it.
 *
 * <pre>java -cp ... guanxi.neo4j.TestServer HOME</pre>
 *
 * HOME holds {@code conf/neo4j.conf} (written by tests/neo4j_server.py) and the data.
 * Before the first start of a fresh HOME, the {@code neo4j} user's password is set to
 * {@code $GUANXI_NEO4J_INITIAL_PASSWORD} ({@code neo4j-admin dbms set-initial-password}).
 * The server then runs until its standard input closes (the test process closed it, or
 * died), SIGTERM or SIGINT, each of which shuts it down cleanly; SIGKILL is the crash
 * the fault tests want. Once Neo4j has started (every database is up and Bolt
 * listens), the file {@code HOME/run/guanxi-ready} is written with this process's id.
 * (Neo4j sends standard output to {@code HOME/logs/neo4j.log}, so a line there would be
 * harder to wait for.)
 */
public final class TestServer {
    /** Written under HOME once the server has started. */
    public static final String READY_FILE = "run/guanxi-ready";

    private TestServer() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: TestServer HOME");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        Path conf = home.resolve("conf");
        setInitialPassword(home, conf);
        watchStandardInput();
        int status = NeoBootstrapper.start(
                new CommunityBootstrapper(), "--home-dir=" + home, "--config-dir=" + conf);
        if (status != 0) {
            System.err.println("Neo4j did not start (status " + status + "); see HOME/logs");
            System.exit(status);
        }
        Path ready = home.resolve(READY_FILE);
        Files.createDirectories(ready.getParent());
        Path partial = ready.resolveSibling(ready.getFileName() + ".tmp");
        Files.writeString(partial, ProcessHandle.current().pid() + "\n", StandardCharsets.UTF_8);
        Files.move(partial, ready, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void setInitialPassword(Path home, Path conf) {
        String password = System.getenv("GUANXI_NEO4J_INITIAL_PASSWORD");
        if (password == null || password.isEmpty()) {
            return;
        }
        // only for a store that has never started: afterwards the system database has it
        if (Files.exists(home.resolve("data").resolve("databases").resolve("system"))) {
            return;
        }
        int status = AdminTool.execute(
                new ExecutionContext(home, conf), "dbms", "set-initial-password", password);
        if (status != 0) {
            System.err.println("neo4j-admin dbms set-initial-password failed (status " + status + ")");
            System.exit(status);
        }
    }

    /** Exit (cleanly: the shutdown hook stops Neo4j) when standard input closes. */
    private static void watchStandardInput() {
        Thread watcher = new Thread(() -> {
            try {
                while (System.in.read() != -1) {
                    // nothing is ever sent; only the end of the stream matters
                }
            } catch (IOException ignored) {
                // a broken pipe is an end too
            }
            System.exit(0);
        }, "guanxi-stdin-watcher");
        watcher.setDaemon(true);
        watcher.start();
    }
}
