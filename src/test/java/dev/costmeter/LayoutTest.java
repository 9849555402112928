package dev.costmeter;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The floor plan: no package uses one that uses it back, the batch and the store know no Kafka
 * type, and the README's Anatomy lists every package, in data-path order, one line each.
 */
class LayoutTest {

    private static final Path SOURCES = Path.of("src/main/java/dev/costmeter");
    private static final Pattern REFERENCE = Pattern.compile("dev\\.costmeter\\.(\\w+)\\.[A-Z]");

    @Test
    void noPackageUsesOneThatUsesItBack() throws IOException {
        Map<String, Set<String>> uses = packageUses();
        List<String> cycles = new ArrayList<>();
        for (String from : uses.keySet()) {
            for (String to : uses.get(from)) {
                if (reaches(uses, to, from)) {
                    cycles.add(from + " -> " + to);
                }
            }
        }
        assertThat(cycles).as("package cycles").isEmpty();
        // the check itself: the data path is there to be seen
        assertThat(uses.get("ingest")).contains("metering", "aggregation", "storage", "publish", "kafka");
        assertThat(uses.get("metering")).contains("decoding", "pricing");
        assertThat(uses.get("pricing")).isEmpty();
    }

    @Test
    void theBatchAndTheStoreKnowNoKafkaType() throws IOException {
        for (String pkg : List.of("aggregation", "storage", "pricing", "metering")) {
            for (Path file : javaFiles(SOURCES.resolve(pkg))) {
                String text = Files.readString(file);
                boolean usesKafkaType = Pattern.compile("org\\.apache\\.kafka\\.(clients|common\\.TopicPartition)").matcher(text).find();
                assertThat(usesKafkaType).as(file + " uses a Kafka client type").isFalse();
            }
        }
    }

    @Test
    void theReadmeAnatomyListsEveryPackageOnce() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        int section = readme.indexOf("## Anatomy");
        assertThat(section).as("README has an Anatomy section").isPositive();
        int open = readme.indexOf("```", section);
        int close = readme.indexOf("```", open + 3);
        List<String> listed = readme.substring(open + 3, close).lines().map(String::strip).filter(l -> !l.isEmpty())
                .map(l -> l.split("\\s+", 2)[0]).toList();
        Set<String> packages = new TreeSet<>();
        try (Stream<Path> dirs = Files.list(SOURCES)) {
            dirs.filter(Files::isDirectory).forEach(d -> packages.add(d.getFileName().toString()));
        }
        assertThat(listed).doesNotHaveDuplicates();
        assertThat(new TreeSet<>(listed)).isEqualTo(packages);
        // data-path order: where records come in before what reads the results
        assertThat(listed.indexOf("decoding")).isLessThan(listed.indexOf("metering"));
        assertThat(listed.indexOf("metering")).isLessThan(listed.indexOf("aggregation"));
        assertThat(listed.indexOf("aggregation")).isLessThan(listed.indexOf("storage"));
        assertThat(listed.indexOf("storage")).isLessThan(listed.indexOf("api"));
    }

    private static Map<String, Set<String>> packageUses() throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        for (Path file : javaFiles(SOURCES)) {
            String pkg = SOURCES.relativize(file).getName(0).toString();
            Set<String> used = uses.computeIfAbsent(pkg, p -> new TreeSet<>());
            Matcher m = REFERENCE.matcher(Files.readString(file));
            while (m.find()) {
                if (!m.group(1).equals(pkg)) {
                    used.add(m.group(1));
                }
            }
        }
        return uses;
    }

    private static boolean reaches(Map<String, Set<String>> uses, String from, String target) {
        Deque<String> todo = new ArrayDeque<>(List.of(from));
        Set<String> seen = new TreeSet<>();
        while (!todo.isEmpty()) {
            String next = todo.pop();
            if (next.equals(target)) {
                return true;
            }
            if (seen.add(next)) {
                todo.addAll(uses.getOrDefault(next, Set.of()));
            }
        }
        return false;
    }

    private static List<Path> javaFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.toString().endsWith(".java")).toList();
        }
    }
}
