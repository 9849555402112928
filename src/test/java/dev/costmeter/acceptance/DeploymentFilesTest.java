package dev.costmeter.acceptance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The deployment files, checked without a Docker engine or a cluster: docker-compose.yml passes
 * {@code docker-compose config} (Debian's docker-compose, which .ci/run installs) with every image
 * pinned and every mounted file present; the Kubernetes manifests have the kinds, probes and
 * scaling limits the README describes, and their PrometheusRule is the rules file.
 */
class DeploymentFilesTest {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void theComposeFileIsValidAndPinned() throws Exception {
        Process process;
        try {
            process = new ProcessBuilder("docker-compose", "-f", "docker-compose.yml", "config").redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("docker-compose is not installed: apt-get install --no-install-recommends docker-compose", e);
        }
        String resolved = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(resolved).isZero();

        JsonNode compose = YAML.readTree(resolved);
        List<String> services = new ArrayList<>();
        compose.path("services").fieldNames().forEachRemaining(services::add);
        assertThat(services).containsExactlyInAnyOrder("kafka", "postgres", "costmeter", "prometheus", "grafana", "generator");
        compose.path("services").forEach(service -> {
            String image = service.path("image").asText();
            assertThat(image).as("every image pinned to a version").matches("[\\w./-]+:[\\w.-]+").doesNotEndWith(":latest");
            service.path("volumes").forEach(volume -> {
                String source = volume.isTextual() ? volume.asText().split(":")[0] : volume.path("source").asText();
                if (source.startsWith("/")) { // a bind mount (named volumes have no path)
                    assertThat(Path.of(source)).as("mounted file").exists();
                }
            });
        });
        assertThat(compose.path("services").path("costmeter").path("build").path("dockerfile").asText()).isEqualTo("src/main/docker/Dockerfile");
    }

    @Test
    void theKubernetesManifestsDescribeAProbedScaledService() throws IOException {
        Path dir = Path.of("deploy/kubernetes");
        JsonNode kustomization = YAML.readTree(dir.resolve("kustomization.yaml").toFile());
        List<String> kinds = new ArrayList<>();
        for (JsonNode resource : kustomization.path("resources")) {
            kinds.add(YAML.readTree(dir.resolve(resource.asText()).toFile()).path("kind").asText());
        }
        assertThat(kinds).containsExactlyInAnyOrder("ConfigMap", "Deployment", "Service", "ServiceMonitor", "PrometheusRule", "ScaledObject");

        JsonNode container = YAML.readTree(dir.resolve("deployment.yaml").toFile()).path("spec").path("template").path("spec")
                .path("containers").get(0);
        assertThat(container.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/q/health/live");
        assertThat(container.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/q/health/ready");
        assertThat(container.path("startupProbe").path("httpGet").path("path").asText()).isEqualTo("/q/health/started");
        List<String> secrets = new ArrayList<>();
        container.path("env").forEach(e -> secrets.add(e.path("valueFrom").path("secretKeyRef").path("name").asText()));
        assertThat(secrets).as("passwords come from a Secret").containsOnly("costmeter");

        JsonNode scaler = YAML.readTree(dir.resolve("keda-scaledobject.yaml").toFile()).path("spec");
        JsonNode trigger = scaler.path("triggers").get(0);
        assertThat(trigger.path("type").asText()).isEqualTo("kafka");
        assertThat(trigger.path("metadata").path("consumerGroup").asText()).isEqualTo("costmeter"); // costmeter.ingest.consumer-group
        assertThat(trigger.path("metadata").path("topic").asText()).isEqualTo("bedrock.usage");
        assertThat(scaler.path("maxReplicaCount").asInt()).as("no more instances than partitions").isEqualTo(4);

        JsonNode rule = YAML.readTree(dir.resolve("prometheusrule.yaml").toFile()).path("spec").path("groups");
        JsonNode rules = YAML.readTree(Path.of("deploy/prometheus/costmeter-rules.yml").toFile()).path("groups");
        assertThat(rule).as("the PrometheusRule is deploy/prometheus/costmeter-rules.yml").isEqualTo(rules);
        assertThat(Files.readString(dir.resolve("servicemonitor.yaml"))).contains("path: /q/metrics");
    }
}
