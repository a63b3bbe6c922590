package io.multinet.cni;

import java.util.Map;

/** Runs one CNI plugin: the node-side effect the delegator hides behind an interface. */
public interface PluginRunner {

    /** Standard output of a plugin that exited 0; a CniException (naming the plugin) otherwise. */
    byte[] run(String type, Map<String, String> env, byte[] stdin);

    /** Makes a pod's default route go via gateway on device (the annotation's "default-route"). */
    void replaceDefaultRoute(String netnsPath, String gateway, String device);
}
