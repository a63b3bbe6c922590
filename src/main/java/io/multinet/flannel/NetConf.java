package io.multinet.flannel;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.multinet.Json;
import io.multinet.api.v1alpha1.Allocation;
import io.multinet.api.v1alpha1.BackendType;
import io.multinet.api.v1alpha1.MultiNetworkSpec;

/**
 * flannel's network config (etcd <prefix>/config, or net-conf.json in kube mode). Always spells out
 * Backend.Type: when Backend is absent flannel falls back to udp.
 */
public final class NetConf {


    private NetConf() {
    }

    /** The canonical JSON: the operator writes exactly this and rewrites anything else. */
    public static String json(MultiNetworkSpec spec, Allocation a) {
        ObjectNode conf = Json.object();
        conf.put("Network", a.network);
        conf.put("SubnetLen", a.subnetLen);
        if (spec.subnetMin != null) {
            conf.put("SubnetMin", spec.subnetMin);
        }
        if (spec.subnetMax != null) {
            conf.put("SubnetMax", spec.subnetMax);
        }
        ObjectNode backend = conf.putObject("Backend");
        backend.put("Type", a.backendType.value());
        if (a.backendType == BackendType.VXLAN) {
            backend.put("VNI", a.vni);
            if (spec.backend != null && spec.backend.port != null) {
                backend.put("Port", spec.backend.port);
            }
        }
        if (spec.backend != null && spec.backend.mtu != null) {
            backend.put("MTU", spec.backend.mtu);
        }
        // said, not left to flannel's default: two flanneld in nftables mode share one table and wipe
        // each other's rules on every start; iptables mode re-asserts its rules every resync
        conf.put("EnableNFTables", false);
        return Json.write(conf);
    }
}
