package dev.costmeter.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * CPU time of processes on this machine, from /proc (Linux): what the benchmarks report as each
 * part's share of the cores, the database's included.
 */
final class ProcessCpu {

    /** Linux reports utime and stime in clock ticks of 1/100 s on every platform we run. */
    private static final long NANOS_PER_TICK = 10_000_000L;

    private ProcessCpu() {
    }

    /** User plus system CPU time of one process, in nanoseconds (0 when it is gone). */
    static long of(long pid) {
        try {
            return of(Path.of("/proc", Long.toString(pid)));
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /**
     * CPU time of each of a process's threads, in nanoseconds, summed by name with numbers taken out
     * ("GC Thread#0" and "GC Thread#1" are "GC Thread#N"): where a process's CPU goes. Linux keeps the
     * first 15 characters of a thread's name.
     */
    static Map<String, Long> threads(long pid) {
        return byThreadName(pid, ProcessCpu::of);
    }

    /**
     * Time each of a process's threads spent runnable but waiting for a core (the scheduler's run
     * queue, {@code /proc/PID/task/TID/schedstat}'s second field), in nanoseconds, summed by name as in
     * {@link #threads}: on a saturated machine, the time a thread lost to the others. Empty where the
     * kernel keeps no scheduler statistics.
     */
    static Map<String, Long> runQueueWaits(long pid) {
        return byThreadName(pid, task -> Long.parseLong(Files.readString(task.resolve("schedstat")).strip().split(" ")[1]));
    }

    /** A figure read from {@code /proc/PID/task/TID}. */
    private interface TaskFigure {
        long of(Path task) throws IOException;
    }

    /** A figure of each of a process's threads, summed by name with numbers taken out. */
    private static Map<String, Long> byThreadName(long pid, TaskFigure figure) {
        Map<String, Long> byName = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            tasks.forEach(task -> {
                try {
                    String name = Files.readString(task.resolve("comm")).strip().replaceAll("[0-9]+", "N");
                    byName.merge(name, figure.of(task), Long::sum);
                } catch (IOException | RuntimeException e) {
                    // the thread ended between the listing and the read, or the kernel keeps no such figure
                }
            });
        } catch (IOException e) {
            // the process is gone
        }
        return byName;
    }

    private static long of(Path procEntry) throws IOException {
        String stat = Files.readString(procEntry.resolve("stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * NANOS_PER_TICK; // utime, stime
    }

    /** CPU time of every process whose command is {@code postgres} (the server and its backends). */
    static long postgres() {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(ProcessCpu::isPostgres)
                    .mapToLong(p -> of(Long.parseLong(p.getFileName().toString())))
                    .sum();
        } catch (IOException e) {
            return 0;
        }
    }

    private static boolean isPostgres(Path proc) {
        try {
            return Files.readString(proc.resolve("comm")).strip().equals("postgres");
        } catch (IOException e) {
            return false;
        }
    }

    /** This JVM (the benchmark, with the Kafka broker in it). */
    static long self() {
        return of(ProcessHandle.current().pid());
    }
}
