package io.linuxns.cli;

import io.linuxns.cli.Cli.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The {@code ./linuxns} launcher's AOT cache is an optimisation only: made quietly on first use,
 * used afterwards, made again for a rebuilt jar, and a broken or impossible cache changes nothing
 * the user sees. Each test runs a copy of the launcher, {@code with-jdk} and the jar in a
 * world-readable directory of its own, so the worktree's cli/target is never touched.
 */
class LauncherIT {
    Path repo;
    Path target;
    Path jar;

    @BeforeEach
    void copyLauncher() throws IOException {
        assumeTrue(Runtime.version().feature() >= 25, "the launcher keeps an AOT cache on JDK 25+ only");
        repo = Files.createTempDirectory("linuxns-launcher", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        target = Files.createDirectories(repo.resolve("cli/target"));
        Files.setPosixFilePermissions(repo.resolve("cli"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String script : List.of("linuxns", "with-jdk")) {
            Files.copy(Cli.REPO.resolve(script), repo.resolve(script));
            Files.setPosixFilePermissions(repo.resolve(script), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path tool = Path.of("cli/src/build/UpgradeClassFiles.java");
        Files.createDirectories(repo.resolve(tool).getParent());
        Files.copy(Cli.REPO.resolve(tool), repo.resolve(tool));
        jar = target.resolve("linuxns-cli.jar");
        Files.copy(Cli.JAR, jar);
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
    }

    @AfterEach
    void removeCopy() {
        if (repo != null) Cli.exec("rm", "-rf", repo.toString());
    }

    /** Runs {@code ./linuxns ARGS} in the copy, logging class loading to {@code log} (or not, when null). */
    private Result launcher(Path log, String prefix, String args) {
        String opts = log == null ? "" : "LINUXNS_JAVA_OPTS=-Xlog:class+load:file=" + log + " ";
        return Cli.exec(List.of("sh", "-c", prefix + opts + "./linuxns " + args), repo);
    }

    private Result launcher(Path log, String args) {
        return launcher(log, "", args);
    }

    private List<Path> caches() throws IOException {
        try (Stream<Path> s = Files.list(target)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".aot")).toList();
        }
    }

    /** Whether the run that wrote {@code log} took the command's main class from the AOT cache. */
    private static boolean mainFromCache(Path log) throws IOException {
        return fromCache(log, "io.linuxns.cli.Main");
    }

    /** Whether the run that wrote {@code log} took class {@code name} from the AOT cache. */
    private static boolean fromCache(Path log, String name) throws IOException {
        return Files.readAllLines(log).stream()
                .anyMatch(l -> l.contains(" " + name + " ") && l.contains("shared objects file"));
    }

    private void assertRanQuietly(Result r) {
        assertEquals(0, r.exit(), r::toString);
        assertEquals("ok", r.line(), r::toString);
        assertEquals("", r.err(), "nothing about the cache reaches the user: " + r);
    }

    @Test
    void theFirstRunMakesTheCachesQuietlyTheNextUseThemAndABrokenOneIsIgnored() throws IOException {
        assumeTrue(Cli.isRoot(), "unshare -u needs root");
        assertRanQuietly(launcher(null, "unshare -u echo ok"));
        List<Path> caches = caches();
        assertEquals(2, caches.size(), "one for every command line, one for the quick ones: " + caches);
        for (Path cache : caches) {
            assertTrue(Files.getLastModifiedTime(cache).compareTo(Files.getLastModifiedTime(jar)) > 0, cache::toString);
        }

        Path log = repo.resolve("classes.log");
        assertRanQuietly(launcher(log, "unshare -u echo ok"));
        assertTrue(mainFromCache(log), "the second run maps a cache");
        // A line QuickUnshare takes runs with the cache that holds no picocli: the JVM loads every
        // class of a cache at start, and this run never uses picocli.
        assertTrue(!fromCache(log, "picocli.CommandLine"), "the quick line's cache holds no picocli");
        // The training covers more than its own command line (AotTraining): the wait on a command
        // that is still running (pollfd).
        assertTrue(fromCache(log, "io.linuxns.bindings.pollfd"), "the wait on a running command is trained");
        // What a fresh JVM still makes at run time for it: one downcall stub (the one system-call
        // shape, docs/spawn.md), no annotation proxy (picocli is not used), no bound-method-handle
        // species (layout-path VarHandles, the variadic linker path).
        List<String> made = Files.readAllLines(log).stream().filter(l -> !l.contains("shared objects file")).toList();
        assertEquals(1, made.stream().filter(l -> l.contains(" jdk.internal.foreign.abi.DowncallStub/")).count(), made::toString);
        assertEquals(List.of(), made.stream().filter(l -> l.contains("jdk.proxy") || l.contains("$Species_")).toList());

        // Every other line runs with the full cache: picocli's Java 5 classes too, through the
        // launcher's upgraded copy of the jar, and the picocli model that every such line builds
        // (OneLineHelp is the help's, never loaded without picocli).
        Path picocliRun = repo.resolve("picocli.log");
        Result help = launcher(picocliRun, "unshare --help");
        assertEquals(0, help.exit(), help::toString);
        assertTrue(help.out().contains("--map-root-user"), help::toString);
        assertTrue(fromCache(picocliRun, "picocli.CommandLine"), "picocli is in the cache");
        assertTrue(fromCache(picocliRun, "picocli.CommandLine$Interpreter"), "picocli is in the cache");
        assertTrue(fromCache(picocliRun, "io.linuxns.cli.OneLineHelp"), "the picocli model is trained");
        Path killChild = repo.resolve("kill-child.log");
        assertRanQuietly(launcher(killChild, "unshare --kill-child -u echo ok"));
        assertTrue(fromCache(killChild, "picocli.CommandLine$Interpreter"), "a line with a value runs with the full cache");

        // A broken cache (a disk full while it was written, say) is refused by the JVM, without a word.
        for (Path cache : caches) Files.writeString(cache, "not an AOT cache");
        assertRanQuietly(launcher(null, "unshare -u echo ok"));
        assertRanQuietly(launcher(null, "unshare --kill-child -u echo ok"));
        for (Path cache : caches) Files.write(cache, new byte[0]);
        assertRanQuietly(launcher(null, "unshare -u echo ok"));
    }

    @Test
    void aRebuiltJarGetsANewCache() throws IOException {
        assumeTrue(Cli.isRoot(), "unshare -u needs root");
        assertRanQuietly(launcher(null, "unshare -u echo ok"));
        List<Path> caches = caches();
        assertEquals(2, caches.size(), caches::toString);
        // What a rebuild looks like to the launcher and to the JVM: the jar's time changes, to after the caches'.
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now()));
        for (Path cache : caches) assertTrue(Files.getLastModifiedTime(jar).compareTo(Files.getLastModifiedTime(cache)) > 0);

        Path log = repo.resolve("classes.log");
        assertRanQuietly(launcher(log, "unshare -u echo ok"));
        for (Path cache : caches) {
            assertTrue(Files.getLastModifiedTime(cache).compareTo(Files.getLastModifiedTime(jar)) > 0, "made again: " + cache);
        }
        Path again = repo.resolve("again.log");
        assertRanQuietly(launcher(again, "unshare -u echo ok"));
        assertTrue(mainFromCache(again), "and used");
    }

    @Test
    void whereTheCacheCannotBeWrittenTheCommandRunsWithout() throws IOException {
        assumeTrue(Cli.isRoot() && Cli.onPath("setpriv"), "dropping to uid 65534 needs root and setpriv");
        String nobody = "setpriv --reuid=65534 --regid=65534 --clear-groups -- ";
        assertRanQuietly(launcher(null, nobody, "unshare -r -u echo ok"));
        assertEquals(List.of(), caches(), "cli/target is root's");
        assertRanQuietly(launcher(null, nobody, "unshare -r -u echo ok"));
    }

    @Test
    void theCacheCanBeTurnedOff() throws IOException {
        assumeTrue(Cli.isRoot(), "unshare -u needs root");
        assertRanQuietly(launcher(null, "LINUXNS_AOT=0 ", "unshare -u echo ok"));
        assertEquals(List.of(), caches());
    }

    @Test
    void withoutTheUpgradedCopyTheCacheIsMadeForTheJarItself() throws IOException {
        Files.delete(repo.resolve("cli/src/build/UpgradeClassFiles.java"));
        // Deleting it made cli/src/build newer than the jar, which the launcher takes for a change to
        // build from: the jar stays the newer, as after a build.
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now()));
        assertRanQuietly(launcher(null, "unshare -u echo ok"));
        Path log = repo.resolve("class-load.log");
        assertRanQuietly(launcher(log, "unshare -u echo ok"));
        assertTrue(mainFromCache(log), "the cache is used");
        assertTrue(!fromCache(log, "picocli.CommandLine"), "picocli as built cannot be in it");
        try (Stream<Path> s = Files.list(target)) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().endsWith(".jar") && !p.equals(jar)).toList(),
                    "no copy of the jar is left");
        }
    }

    /**
     * A run ends through {@code Runtime.halt} (Main.exit, as the launcher asks with
     * {@code -Dlinuxns.cli.halt=true}): the command's status and output still come through, and
     * no shutdown hook thread starts (the library's reaper hook is the one the command has).
     * The same property given false in {@code LINUXNS_JAVA_OPTS}, which comes after the
     * launcher's, brings {@code System.exit} and its hooks back.
     */
    @Test
    void aRunEndsThroughHaltWithTheCommandsStatusAndRunsNoShutdownHook() throws IOException {
        assumeTrue(Cli.isRoot(), "unshare -u needs root");
        for (boolean halt : List.of(true, false)) {
            Path threads = repo.resolve("threads-" + halt + ".log");
            String opts = "LINUXNS_JAVA_OPTS='" + (halt ? "" : "-Dlinuxns.cli.halt=false ") + "-Xlog:os+thread:file=" + threads + "' ";
            Result r = Cli.exec(List.of("sh", "-c", opts + "./linuxns unshare -u sh -c 'echo ok; exit 3'"), repo);
            assertEquals(3, r.exit(), r::toString);
            assertEquals("ok", r.line(), r::toString);
            assertEquals(!halt, Files.readString(threads).contains("\"linuxns-reaper-exit\""),
                    (halt ? "a shutdown hook ran: System.exit, not halt" : "System.exit ran no hook") + ": " + Files.readString(threads));
        }
    }

    /**
     * A flight recording asked for in {@code LINUXNS_JAVA_OPTS} (README, "JFR events": the
     * command's own recording) is written at exit. JFR writes it from a shutdown hook, which
     * {@code Runtime.halt} skips, leaving no file and its disk repository's chunks behind: with
     * JVM options that start a recording or a Java agent the launcher keeps {@code System.exit}.
     */
    @Test
    void aFlightRecordingAskedForInTheJavaOptionsIsWrittenAtExit() throws IOException {
        assumeTrue(Cli.isRoot(), "unshare -u needs root");
        for (String line : List.of("unshare -u true", "unshare --kill-child -u true")) {
            Path jfr = repo.resolve("run.jfr");
            Files.deleteIfExists(jfr);
            Path repository = Files.createDirectories(repo.resolve("jfr-repository"));
            Result r = Cli.exec(List.of("sh", "-c", "LINUXNS_JAVA_OPTS='-XX:StartFlightRecording:filename=" + jfr
                    + " -XX:FlightRecorderOptions:repository=" + repository + "' ./linuxns " + line), repo);
            assertEquals(0, r.exit(), r::toString);
            assertTrue(Files.exists(jfr) && Files.size(jfr) > 0, "no recording written at exit of " + line + ": " + r);
            try (Stream<Path> left = Files.walk(repository)) {
                assertEquals(List.of(), left.filter(Files::isRegularFile).toList(), "JFR's chunks left behind by " + line);
            }
        }
    }

    /**
     * A flight recording started after the launch ({@code jcmd PID JFR.start filename=...}),
     * which no option the launcher reads can tell of, is written at exit too: the command keeps
     * {@code System.exit} once the recorder has started. The command waits on a FIFO that the
     * test opens only after {@code jcmd} has returned, so the recording is running at the exit.
     */
    @Test
    void aFlightRecordingStartedWhileTheCommandRunsIsWrittenAtExit() throws Exception {
        assumeTrue(Cli.isRoot(), "unshare -u needs root");
        Path fifo = repo.resolve("go");
        assertEquals(0, Cli.exec("mkfifo", fifo.toString()).exit());
        Path jfr = repo.resolve("attached.jfr");
        Path out = repo.resolve("command.out");
        // exec: the launcher becomes the JVM, so the process's pid is the one jcmd attaches to.
        Process command = new ProcessBuilder("sh", "-c", "exec ./linuxns unshare -u sh -c 'read x < " + fifo + "; echo done'")
                .directory(repo.toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
            Result started = null;
            // The JVM's attach listener answers once the VM is up; until then jcmd fails.
            for (int attempt = 0; attempt < 100 && command.isAlive(); attempt++) {
                started = Cli.exec(jcmd, Long.toString(command.pid()), "JFR.start", "filename=" + jfr);
                if (started.exit() == 0 && started.out().contains("Started recording")) break;
                Thread.sleep(100);
            }
            assertTrue(started != null && started.out().contains("Started recording"), "jcmd JFR.start: " + started);
            Files.writeString(fifo, "go\n");
            assertTrue(command.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the command did not end");
            assertEquals(0, command.exitValue(), () -> "the command: " + readQuietly(out));
            assertTrue(readQuietly(out).contains("done"), () -> "the command: " + readQuietly(out));
            assertTrue(Files.exists(jfr) && Files.size(jfr) > 0, "no recording written at exit: " + readQuietly(out));
        } finally {
            command.destroyForcibly().waitFor();
        }
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
