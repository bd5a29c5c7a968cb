package dev.ingot.ipvs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * rtnetlink on this machine's own kernel, in a network namespace the test creates. This kernel has no dummy links,
 * so a bridge stands in for kube-ipvs0; and it has no IPVS, which gives the "no IPVS" message a real test.
 */
class DataplaneHostTest {
    static final List<Prefix> OWNED = List.of(Prefix.parse("172.19.0.0/16"), Prefix.parse("fd00:19::/64"));
    NetNs ns;

    @BeforeEach
    void setUp() throws Exception {
        ns = NetNs.create();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (ns != null) {
            ns.close();
        }
    }

    Dataplane open(String kind) throws Exception {
        return ns.call(() -> Dataplane.open(DataplaneOptions.owning(OWNED).withLink("kube-ipvs0", kind)));
    }

    Set<String> addresses() throws Exception {
        String out = ns.exec("ip", "-br", "addr", "show", "dev", "kube-ipvs0");
        return Arrays.stream(out.trim().split("\\s+")).skip(2).collect(Collectors.toCollection(TreeSet::new));
    }

    static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    @Test
    void createsTheLinkOnceAndBindsExactlyTheOwnedVips() throws Exception {
        try (Dataplane dp = open("bridge")) {
            int index = dp.ensureLink();
            assertThat(ns.exec("ip", "-d", "link", "show", "kube-ipvs0")).contains(index + ": kube-ipvs0")
                    .contains("bridge");
            assertThat(dp.ensureLink()).isEqualTo(index);

            // An address someone else put there (kube-proxy's ClusterIP, say) is not ours to remove.
            ns.exec("ip", "addr", "add", "10.96.0.1/32", "dev", "kube-ipvs0");
            dp.bindAddresses(Set.of(ip("172.19.100.1"), ip("172.19.100.2"), ip("fd00:19::1"), ip("fd00:19::2")));
            assertThat(addresses()).containsExactly("10.96.0.1/32", "172.19.100.1/32", "172.19.100.2/32",
                    "fd00:19::1/128", "fd00:19::2/128");
            assertThat(dp.boundAddresses()).containsExactlyInAnyOrder(ip("172.19.100.1"), ip("172.19.100.2"),
                    ip("fd00:19::1"), ip("fd00:19::2"));

            dp.bindAddresses(Set.of(ip("172.19.100.2"), ip("172.19.100.3"), ip("fd00:19::2")));
            assertThat(addresses()).containsExactly("10.96.0.1/32", "172.19.100.2/32", "172.19.100.3/32",
                    "fd00:19::2/128");

            // Changed behind its back: an owned VIP removed, a stray owned one added.
            ns.exec("ip", "addr", "del", "172.19.100.3/32", "dev", "kube-ipvs0");
            ns.exec("ip", "addr", "add", "172.19.200.200/32", "dev", "kube-ipvs0");
            dp.bindAddresses(Set.of(ip("172.19.100.2"), ip("172.19.100.3"), ip("fd00:19::2")));
            assertThat(addresses()).containsExactly("10.96.0.1/32", "172.19.100.2/32", "172.19.100.3/32",
                    "fd00:19::2/128");

            dp.bindAddresses(Set.of());
            assertThat(addresses()).containsExactly("10.96.0.1/32");
        }
    }

    @Test
    void refusesVipsOutsideTheOwnedPrefixes() throws Exception {
        try (Dataplane dp = open("bridge")) {
            assertThatThrownBy(() -> dp.bindAddresses(Set.of(ip("172.19.1.1"), ip("10.0.0.1"))))
                    .isInstanceOf(DataplaneException.class).hasMessageContaining("10.0.0.1")
                    .hasMessageContaining("outside the owned prefixes [172.19.0.0/16, fd00:19:0:0:0:0:0:0/64]");
            assertThat(ns.exec("ip", "link", "show")).doesNotContain("kube-ipvs0");
        }
    }

    @Test
    void aLinkOfAnotherKindIsAConflictWithAnAnswer() throws Exception {
        ns.exec("ip", "link", "add", "kube-ipvs0", "type", "veth", "peer", "name", "kube-ipvs0p");
        try (Dataplane dp = open("bridge")) {
            assertThatThrownBy(dp::ensureLink)
                    .isInstanceOfSatisfying(DataplaneException.class,
                            e -> assertThat(e.reason()).isEqualTo(DataplaneException.Reason.CONFLICT))
                    .hasMessage("link kube-ipvs0 exists but is a 'veth' link, not a 'bridge' link: Ingot puts VIPs"
                            + " on kube-ipvs0 and will not use another kind of device; delete it ('ip link del"
                            + " kube-ipvs0') or configure another link name");
        }
    }

    @Test
    void aDummyLinkIsCreatedOrTheMissingDriverIsNamed() throws Exception {
        try (Dataplane dp = open("dummy")) {
            try {
                dp.ensureLink();
                assertThat(ns.exec("ip", "-d", "link", "show", "kube-ipvs0")).contains("dummy");
            } catch (DataplaneException e) {
                assertThat(e.reason()).isEqualTo(DataplaneException.Reason.UNSUPPORTED);
                assertThat(e).hasMessageStartingWith("cannot create link kube-ipvs0: the kernel has no 'dummy' link"
                        + " type (EOPNOTSUPP); load it with 'modprobe dummy'");
            }
        }
    }

    @Test
    void withoutCapNetAdminSaysWhatToDo() throws Exception {
        // Capabilities are per thread: the namespace's thread drops CAP_NET_ADMIN and works as a weak process would.
        DataplaneException e = ns.call(() -> {
            try {
                Caps.dropNetAdminInThisThread();
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            try (Dataplane weak = Dataplane.open(DataplaneOptions.owning(OWNED).withLink("kube-ipvs0", "bridge"))) {
                weak.ensureLink();
                return null;
            } catch (DataplaneException ex) {
                return ex;
            }
        });
        assertThat(e).isNotNull();
        assertThat(e.reason()).isEqualTo(DataplaneException.Reason.NOT_PERMITTED);
        assertThat(e).hasMessageContaining("creating link kube-ipvs0 was refused (EPERM): the process lacks"
                + " CAP_NET_ADMIN");
        assertThat(ns.exec("ip", "link", "show")).doesNotContain("kube-ipvs0");
    }

    @Test
    void aKernelWithoutIpvsIsNamed() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.exists(Path.of("/proc/net/ip_vs")),
                "this kernel has IPVS");
        try (Dataplane dp = open("bridge")) {
            assertThatThrownBy(() -> dp.apply(List.of()))
                    .isInstanceOfSatisfying(DataplaneException.class,
                            e -> assertThat(e.reason()).isEqualTo(DataplaneException.Reason.NO_IPVS))
                    .hasMessageContaining("the kernel has no IPVS").hasMessageContaining("modprobe ip_vs");
        }
    }
}
