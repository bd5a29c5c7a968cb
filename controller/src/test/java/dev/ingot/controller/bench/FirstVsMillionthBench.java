package dev.ingot.controller.bench;

import dev.ingot.config.ConfigParser;
import dev.ingot.controller.Allocator;
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
 * A /8 serving its first Service and its millionth: the pool holds {@code held} Services allocated in order, and
 * one operation allocates the next address to a new Service and releases it again, so every operation allocates
 * at the same depth. Equal figures for 0 and 1,000,000 show the cost does not grow with what the pool holds.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx3g"})
public class FirstVsMillionthBench {
    @Param({"0", "1000000"})
    int held;

    Allocator allocator;
    long next;

    @Setup
    public void fill() {
        allocator = new Allocator(((ConfigParser.Valid) ConfigParser.parse("address-pools:\n- name: p\n"
                + "  protocol: bgp\n  addresses: [10.0.0.0/8]\n")).config());
        for (int i = 0; i < held; i++) {
            allocator.allocate(AllocatorBench.request("ns/h" + i));
        }
    }

    @Benchmark
    public Object allocateAndRelease() {
        String svc = "ns/n" + (next++ & 1023);
        Allocator.Result r = allocator.allocate(AllocatorBench.request(svc));
        allocator.unassign(svc);
        return r;
    }
}
