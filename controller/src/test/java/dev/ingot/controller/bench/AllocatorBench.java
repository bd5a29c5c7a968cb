package dev.ingot.controller.bench;

import dev.ingot.config.Config;
import dev.ingot.config.ConfigParser;
import dev.ingot.controller.Allocator;
import dev.ingot.controller.Family;
import dev.ingot.controller.Port;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Allocations per second for a /24, a /16 and a /8 pool, each filled to three quarters (the /8 with 1,000,000
 * Services): one operation releases a random Service's address and allocates the lowest free address to a new
 * Service, so the pool stays equally full and the allocator must find the hole. If the cost grew with the pool or
 * with how much of it is used, the /8 would be far slower than the /24.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx3g"})
public class AllocatorBench {
    @Param({"24", "16", "8"})
    int prefix;

    Allocator allocator;
    String[] held;
    SplittableRandom rnd;
    long next;
    static final List<Port> PORTS = List.of(new Port("TCP", 80));

    @Setup
    public void fill() {
        Config c = ((ConfigParser.Valid) ConfigParser.parse("address-pools:\n- name: p\n  protocol: bgp\n"
                + "  addresses: [10.0.0.0/" + prefix + "]\n")).config();
        allocator = new Allocator(c);
        long size = 1L << (32 - prefix);
        int fill = (int) Math.min(size * 3 / 4, 1_000_000);
        held = new String[fill];
        for (int i = 0; i < fill; i++) {
            held[i] = "ns/s" + i;
            allocator.allocate(request(held[i]));
        }
        next = fill;
        rnd = new SplittableRandom(1);
    }

    static Allocator.Request request(String svc) {
        return new Allocator.Request(svc, Family.IPV4, List.of(), null, PORTS, "", "");
    }

    @Benchmark
    public Object releaseOneAllocateOne() {
        int i = rnd.nextInt(held.length);
        allocator.unassign(held[i]);
        held[i] = "ns/s" + next++;
        Allocator.Result r = allocator.allocate(request(held[i]));
        if (!(r instanceof Allocator.Assigned)) {
            throw new IllegalStateException(r.toString());
        }
        return r;
    }

    public static void main(String[] args) throws Exception {
        org.openjdk.jmh.Main.main(args.length > 0 ? args : new String[] {AllocatorBench.class.getName()});
    }
}
