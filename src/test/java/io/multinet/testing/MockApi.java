package io.multinet.testing;

import java.lang.reflect.Field;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;

/**
 * The fabric8 mock API server in CRUD mode, taught the one field selector multinet uses: pods by
 * {@code spec.nodeName}. Without it the mock answers that selector with nothing, so the node
 * daemon's pod informer stayed empty and every ADD fell back to a GET: the tests and the bench
 * then measured a path a real cluster never takes.
 */
public final class MockApi {

    private MockApi() {
    }

    /** A started server on a free loopback port. */
    public static KubernetesMockServer start() {
        return start(0);
    }

    /** A started server on this loopback port (0: any free one). */
    public static KubernetesMockServer start(int port) {
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher(), false);
        server.init(InetAddress.getLoopbackAddress(), port);
        return server;
    }

    /**
     * A started server on a free loopback port over TLS, as a real API server serves: its self-signed
     * certificate (for localhost) is written to ca, for the client to trust.
     */
    public static KubernetesMockServer startTls(java.nio.file.Path ca) throws java.io.IOException {
        MockWebServer web = new MockWebServer();
        KubernetesMockServer server = new KubernetesMockServer(new Context(), web, new HashMap<>(), dispatcher(), true);
        server.init(InetAddress.getLoopbackAddress(), 0);
        java.nio.file.Files.copy(java.nio.file.Path.of(web.getSelfSignedCertificate().certificatePath()), ca,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return server;
    }

    /**
     * The CRUD dispatcher with an attribute extractor that also files pods under their node. The
     * dispatcher builds its own extractor and hands it to a request handler; there is no way to
     * pass one in, so every reference to the original is replaced.
     */
    public static KubernetesCrudDispatcher dispatcher() {
        KubernetesCrudDispatcher d = new KubernetesCrudDispatcher();
        try {
            KubernetesAttributesExtractor original = (KubernetesAttributesExtractor) field(d.getClass(), "kubernetesAttributesExtractor").get(d);
            NodeNameExtractor replacement = new NodeNameExtractor();
            Object processor = field(KubernetesAttributesExtractor.class, "customResourceDefinitionProcessor").get(original);
            replacement.setCustomResourceDefinitionProcessor((io.fabric8.kubernetes.client.server.mock.CustomResourceDefinitionProcessor) processor);
            int replaced = replace(d, original, replacement);
            for (Class<?> c = d.getClass(); c != Object.class; c = c.getSuperclass()) {
                for (Field f : c.getDeclaredFields()) {
                    if (f.getType().getName().endsWith("KubernetesCrudDispatcherHandler")) {
                        f.setAccessible(true);
                        replaced += replace(f.get(d), original, replacement);
                    }
                }
            }
            if (replaced < 3) {
                throw new IllegalStateException("the mock's extractor is held in " + replaced + " places, expected 3: fabric8 changed, look again");
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot teach the mock API server spec.nodeName: " + e, e);
        }
        return d;
    }

    private static int replace(Object holder, Object original, Object replacement) throws IllegalAccessException {
        int n = 0;
        for (Class<?> c = holder.getClass(); c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (!java.lang.reflect.Modifier.isStatic(f.getModifiers()) && f.getType().isInstance(replacement)) {
                    f.setAccessible(true);
                    if (f.get(holder) == original) {
                        f.set(holder, replacement);
                        n++;
                    }
                }
            }
        }
        return n;
    }

    private static Field field(Class<?> c, String name) throws NoSuchFieldException {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f;
    }

    /** Adds spec.nodeName to a pod's attributes, which a query's fieldSelector=spec.nodeName=X matches. */
    static final class NodeNameExtractor extends KubernetesAttributesExtractor {
        @Override
        public AttributeSet extract(HasMetadata resource) {
            AttributeSet set = super.extract(resource);
            String node = nodeName(resource);
            return node == null ? set : set.add(new Attribute("spec.nodeName", node));
        }

        static String nodeName(HasMetadata resource) {
            if (resource instanceof Pod p) {
                return p.getSpec() == null ? null : p.getSpec().getNodeName();
            }
            if (resource instanceof GenericKubernetesResource g && "Pod".equals(g.getKind())
                    && g.getAdditionalProperties().get("spec") instanceof Map<?, ?> spec && spec.get("nodeName") instanceof String s) {
                return s;
            }
            return null;
        }
    }
}
