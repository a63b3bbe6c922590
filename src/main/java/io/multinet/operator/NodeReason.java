package io.multinet.operator;

/** Why a node is not ready for a network, in the order they are checked; an admin fixes the first first. */
public enum NodeReason {
    NodeNotReady("the Node is not Ready"),
    FlanneldNotReady("the network's flanneld pod on the node is missing or not Ready"),
    DelegatorNotReady("the multinet-delegator pod on the node is missing or not Ready"),
    SubnetFileMissing("the delegator does not see the network's subnet file on the node"),
    LeaseMissing("flanneld holds no subnet lease in etcd for the node's address"),
    LeaseExpired("the node's subnet lease disappeared from etcd: flanneld stopped renewing it");

    public final String meaning;

    NodeReason(String meaning) {
        this.meaning = meaning;
    }
}
