package io.multinet;

/** What this process is: the cluster-wide operator, or the delegator daemon on one node. */
public enum Role {
    OPERATOR,
    NODE
}
