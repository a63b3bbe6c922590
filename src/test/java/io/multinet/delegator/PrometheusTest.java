package io.multinet.delegator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.multinet.testing.PrometheusText;

/** The node daemon's hand-written exposition reads as Prometheus reads it. */
class PrometheusTest {

    @Test
    void countersGaugesAndHistogramsInTheTextFormat() {
        Prometheus p = new Prometheus();
        p.counter("multinet_cni_requests", "CNI requests", "command", "ADD", "result", "success").increment();
        p.counter("multinet_cni_requests", "CNI requests", "command", "ADD", "result", "success").increment();
        p.counter("multinet_cni_requests", "CNI requests", "command", "DEL", "result", "error");
        p.gauge("multinet_cni_attachments", "interfaces", () -> 3);
        Prometheus.Histogram h = p.histogram("multinet_cni_request_duration_seconds", "latency", "command", "ADD");
        h.observeNanos(3_000_000); // 3 ms
        h.observeNanos(400_000_000); // 400 ms
        h.observeNanos(500_000_000_000L); // beyond the last bucket
        p.counter("multinet_cni_errors", "errors", "code", "a \"quoted\"\\value").increment();
        p.processMetrics();
        String text = p.scrape();

        assertThat(PrometheusText.problems(text)).isEmpty();
        assertThat(PrometheusText.value(text, "multinet_cni_requests_total", Map.of("command", "ADD", "result", "success"))).isEqualTo(2.0);
        assertThat(PrometheusText.value(text, "multinet_cni_requests_total", Map.of("command", "DEL", "result", "error"))).isZero();
        assertThat(PrometheusText.value(text, "multinet_cni_attachments", Map.of())).isEqualTo(3.0);
        assertThat(PrometheusText.value(text, "multinet_cni_request_duration_seconds_bucket", Map.of("le", "0.005"))).isEqualTo(1.0);
        assertThat(PrometheusText.value(text, "multinet_cni_request_duration_seconds_bucket", Map.of("le", "0.5"))).isEqualTo(2.0);
        assertThat(PrometheusText.value(text, "multinet_cni_request_duration_seconds_bucket", Map.of("le", "120.0"))).isEqualTo(2.0);
        assertThat(PrometheusText.value(text, "multinet_cni_request_duration_seconds_bucket", Map.of("le", "+Inf"))).isEqualTo(3.0);
        assertThat(PrometheusText.value(text, "multinet_cni_request_duration_seconds_count", Map.of())).isEqualTo(3.0);
        assertThat(PrometheusText.value(text, "multinet_cni_request_duration_seconds_sum", Map.of())).isCloseTo(500.403, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(text).contains("# TYPE multinet_cni_request_duration_seconds histogram\n", "# TYPE multinet_cni_requests_total counter\n",
                "code=\"a \\\"quoted\\\"\\\\value\"");
        assertThat(PrometheusText.value(text, "process_resident_memory_bytes", Map.of())).isPositive();
    }
}
