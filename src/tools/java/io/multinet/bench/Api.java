package io.multinet.bench;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;

/**
 * The API server the scale bench runs against: fabric8's mock, or a real kube-apiserver. Both say how
 * many requests were made since the last asking, by whom it cannot tell: the bench asks around windows
 * in which only the operator and the bench's one write run.
 */
interface Api extends AutoCloseable {

    KubernetesClient client();

    /** Where the operator connects. */
    String url();

    /** What the operator needs besides the URL to be let in. */
    Map<String, String> operatorEnv();

    /** Requests since the last call. The bench's own polling of MultiNetworks (LIST) is not counted. */
    Requests requests();

    boolean real();

    String describe();

    @Override
    void close();

    /** Requests in a window: writes (create, update, patch, delete), all (watches excluded), and reconciles in it. */
    record Requests(long writes, long all, double reconciles, int windows) {
        Requests less(int ownWrites, int ownRequests) {
            return new Requests(writes - ownWrites, all - ownRequests, reconciles, windows);
        }

        Requests reconciles(double n) {
            return new Requests(writes, all, n, windows);
        }

        Requests plus(Requests o) {
            return new Requests(writes + o.writes, all + o.all, reconciles + o.reconciles, windows + o.windows);
        }

        /** Per change, averaged over the windows; `ideal` writes per change named for the reader. */
        String per(int ideal) {
            double w = (double) writes / windows;
            double a = (double) all / windows;
            double r = reconciles / windows;
            return String.format("%.1f / %.1f / %.1f / %.1f", w, a, r, r == 0 ? 0 : a / r);
        }
    }

    static Api mock() {
        KubernetesMockServer server = io.multinet.testing.MockApi.start();
        KubernetesClient client = server.createClient();
        return new Api() {
            public KubernetesClient client() {
                return client;
            }

            public String url() {
                return server.url("/");
            }

            public Map<String, String> operatorEnv() {
                return Map.of();
            }

            public Requests requests() {
                long writes = 0;
                long all = 0;
                try {
                    io.fabric8.mockwebserver.http.RecordedRequest r;
                    while ((r = server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
                        boolean poll = "GET".equals(r.getMethod()) && r.getPath().contains("/multinetworks?") && !r.getPath().contains("watch=true");
                        if (r.getPath().contains("watch=true") || poll) {
                            continue;
                        }
                        all++;
                        if (!"GET".equals(r.getMethod())) {
                            writes++;
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return new Requests(writes, all, 0, 1);
            }

            public boolean real() {
                return false;
            }

            public String describe() {
                return "fabric8 mock API server";
            }

            public void close() {
                client.close();
                server.destroy();
            }
        };
    }

    /** A kube-apiserver reached with a bearer token (bench/scale-real starts one). */
    static Api real(String url, String token) {
        KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl(url).withOauthToken(token)
                .withTrustCerts(true).withRequestTimeout(120_000).withMaxConcurrentRequests(128).withMaxConcurrentRequestsPerHost(128).build())
                .build();
        String version = client.getKubernetesVersion().getGitVersion();
        return new Api() {
            private Map<String, Double> last = counts();

            public KubernetesClient client() {
                return client;
            }

            public String url() {
                return url;
            }

            public Map<String, String> operatorEnv() {
                return Map.of("QUARKUS_KUBERNETES_CLIENT_TOKEN", token);
            }

            /** apiserver_request_total by verb and resource, read from the API server's own metrics. */
            private Map<String, Double> counts() {
                Map<String, Double> out = new HashMap<>();
                Pattern sample = Pattern.compile("^apiserver_request_total\\{(.*)\\} ([0-9.e+]+)$");
                Pattern label = Pattern.compile("(\\w+)=\"([^\"]*)\"");
                for (String line : client.raw("/metrics").split("\n")) {
                    Matcher m = sample.matcher(line);
                    if (!m.matches()) {
                        continue;
                    }
                    Map<String, String> labels = new HashMap<>();
                    Matcher l = label.matcher(m.group(1));
                    while (l.find()) {
                        labels.put(l.group(1), l.group(2));
                    }
                    String resource = labels.getOrDefault("resource", "");
                    String verb = labels.getOrDefault("verb", "");
                    if (resource.isEmpty() || verb.equals("WATCH") || (verb.equals("LIST") && resource.equals("multinetworks"))) {
                        continue; // not a resource, a watch, or the bench's own polling
                    }
                    out.merge(verb, Double.parseDouble(m.group(2)), Double::sum);
                }
                return out;
            }

            public synchronized Requests requests() {
                Map<String, Double> now = counts();
                long writes = 0;
                long all = 0;
                for (var e : now.entrySet()) {
                    long d = Math.round(e.getValue() - last.getOrDefault(e.getKey(), 0.0));
                    all += d;
                    if (e.getKey().matches("POST|CREATE|PUT|UPDATE|PATCH|APPLY|DELETE|DELETECOLLECTION")) {
                        writes += d;
                    }
                }
                last = now;
                return new Requests(writes, all, 0, 1);
            }

            public boolean real() {
                return true;
            }

            public String describe() {
                return "kube-apiserver " + version;
            }

            public void close() {
                client.close();
            }
        };
    }
}
