package io.multinet.testing;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** A network namespace a test created through {@link NetnsFixture}. */
public final class Netns {

    private final String name;
    private final Set<String> kept = new HashSet<>(Set.of("lo"));

    Netns(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    /** Path a CNI runtime passes as CNI_NETNS. */
    public String path() {
        return "/var/run/netns/" + name;
    }

    /** Runs a command inside this namespace and returns its standard output. */
    public String exec(String... command) {
        return NetnsFixture.run(Stream.concat(Stream.of("ip", "netns", "exec", name), Arrays.stream(command)).toList());
    }

    /** `ip ...` inside this namespace. */
    public String ip(String... args) {
        return NetnsFixture.run(Stream.concat(Stream.of("ip", "-n", name), Arrays.stream(args)).toList());
    }

    /** Link names in this namespace. */
    public List<String> links() {
        return NetnsFixture.linkNames(ip("-o", "link", "show"));
    }

    /** Declares links that belong to the set-up (a node's eth0, say) rather than to what is tested. */
    public Netns keep(String... links) {
        kept.addAll(List.of(links));
        return this;
    }

    /** Links here that the set-up did not declare. */
    List<String> unexpectedLinks() {
        return links().stream().filter(l -> !kept.contains(l)).toList();
    }

    @Override
    public String toString() {
        return name;
    }
}
