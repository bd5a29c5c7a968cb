package dev.ingot.ipvs.netlink;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A netlink socket of one protocol (NETLINK_ROUTE or NETLINK_GENERIC), talking to the kernel through libc
 * {@code socket}/{@code bind}/{@code sendmsg}/{@code recvmsg} called through the FFM API. It lives in the network
 * namespace of the thread that opened it.
 *
 * <p>{@link #execute} sends requests with sequence numbers. Changes go out in batches, many per {@code sendmsg}, with
 * NLM_F_ACK only on the last of each batch: the kernel reports an error for any message that fails, and the ACK of
 * the last one says the batch is done. GETs and dumps go one at a time (the kernel runs one dump per socket).
 * Buffers are bounded: a fixed send buffer, a fixed receive buffer, a batch size limit. Not thread-safe in its calls;
 * {@link #execute} is synchronized.
 */
public final class NetlinkSocket implements AutoCloseable {
    /** Send buffer: also the largest batch in bytes. Well under the kernel's default socket send buffer. */
    public static final int SEND_BUFFER = 64 * 1024;
    /** Receive buffer: a netlink dump datagram is at most 32 KiB; bigger ones are reported as truncated. */
    public static final int RECV_BUFFER = 64 * 1024;
    /** Kernel-side receive queue: room for the error replies of a full batch. */
    private static final int SOCKET_RCVBUF = 1 << 20;
    private static final int DUMP_RETRIES = 3;

    private final int protocol;
    private final String name;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment state = Libc.newCallState(arena);
    private final MemorySegment sendSeg = arena.allocate(SEND_BUFFER, 8);
    private final MemorySegment recvSeg = arena.allocate(RECV_BUFFER, 8);
    private final MemorySegment kernelAddr = arena.allocate(12, 4);
    private final MemorySegment sendIov = arena.allocate(16, 8);
    private final MemorySegment sendHdr = arena.allocate(Libc.MSGHDR_SIZE, 8);
    private final MemorySegment recvIov = arena.allocate(16, 8);
    private final MemorySegment recvHdr = arena.allocate(Libc.MSGHDR_SIZE, 8);
    private final MessageWriter writer = new MessageWriter(SEND_BUFFER);
    private final int maxBatch;
    private final int fd;
    private int seq;
    private boolean closed;

    private NetlinkSocket(int protocol, int fd, int maxBatch, int timeoutMillis) throws NetlinkException {
        this.protocol = protocol;
        this.name = protocol == Nl.NETLINK_ROUTE ? "rtnetlink" : protocol == Nl.NETLINK_GENERIC ? "genetlink"
                : "netlink(" + protocol + ")";
        this.fd = fd;
        this.maxBatch = maxBatch;
        this.seq = (int) (System.nanoTime() & 0x3fffffff);
        kernelAddr.set(JAVA_SHORT, 0, (short) Nl.AF_NETLINK); // sockaddr_nl: family, pad, pid 0, groups 0
        sendIov.set(ADDRESS, 0, sendSeg);
        sendHdr.set(ADDRESS, 0, kernelAddr);
        sendHdr.set(JAVA_INT, 8, 12);
        sendHdr.set(ADDRESS, 16, sendIov);
        sendHdr.set(JAVA_LONG, 24, 1L);
        recvIov.set(ADDRESS, 0, recvSeg);
        recvIov.set(JAVA_LONG, 8, RECV_BUFFER);
        recvHdr.set(ADDRESS, 16, recvIov);
        recvHdr.set(JAVA_LONG, 24, 1L);
        // Ask for the kernel's error texts, and not to echo whole requests in errors (smaller replies).
        setIntOption(Nl.SOL_NETLINK, Nl.NETLINK_EXT_ACK, 1, false);
        setIntOption(Nl.SOL_NETLINK, Nl.NETLINK_CAP_ACK, 1, false);
        if (!setIntOption(Libc.SOL_SOCKET, Libc.SO_RCVBUFFORCE, SOCKET_RCVBUF, false)) {
            setIntOption(Libc.SOL_SOCKET, Libc.SO_RCVBUF, SOCKET_RCVBUF, false);
        }
        MemorySegment tv = arena.allocate(16, 8);
        tv.set(JAVA_LONG, 0, timeoutMillis / 1000);
        tv.set(JAVA_LONG, 8, (timeoutMillis % 1000) * 1000L);
        call("setsockopt(SO_RCVTIMEO)", () -> (int) Libc.SETSOCKOPT.invokeExact(state, fd, Libc.SOL_SOCKET,
                Libc.SO_RCVTIMEO, tv, 16));
        MemorySegment local = arena.allocate(12, 4);
        local.set(JAVA_SHORT, 0, (short) Nl.AF_NETLINK);
        call("bind(" + name + ")", () -> (int) Libc.BIND.invokeExact(state, fd, local, 12));
    }

    /**
     * Opens a socket of the protocol in the calling thread's network namespace.
     *
     * @param maxBatch      most change messages per {@code sendmsg}
     * @param timeoutMillis how long to wait for the kernel's answer before giving up
     */
    public static NetlinkSocket open(int protocol, int maxBatch, int timeoutMillis) throws NetlinkException {
        if (maxBatch < 1 || timeoutMillis < 1) {
            throw new IllegalArgumentException("maxBatch and timeoutMillis must be positive");
        }
        int fd;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Libc.newCallState(a);
            try {
                fd = (int) Libc.SOCKET.invokeExact(st, Nl.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, protocol);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            if (fd < 0) {
                throw new NetlinkException("socket(AF_NETLINK, " + protocol + ")", Libc.errno(st), null);
            }
        }
        try {
            return new NetlinkSocket(protocol, fd, maxBatch, timeoutMillis);
        } catch (NetlinkException | RuntimeException e) {
            closeFd(fd);
            throw e;
        }
    }

    public static NetlinkSocket open(int protocol) throws NetlinkException {
        return open(protocol, 256, 30_000);
    }

    public int protocol() {
        return protocol;
    }

    /**
     * Executes requests in order and returns those the kernel refused (empty when all succeeded). Data replies go
     * to each request's {@code onReply} as they arrive (a dump's, once it is complete and consistent).
     *
     * @throws NetlinkException when the socket itself fails (send or receive error, time-out, lost replies): the
     *                          outcome of the requests not yet answered is then unknown
     */
    public synchronized List<Failure> execute(List<Request> requests) throws NetlinkException {
        if (closed) {
            throw new IllegalStateException(name + " socket is closed");
        }
        List<Failure> failures = new ArrayList<>();
        int i = 0;
        while (i < requests.size()) {
            Request r = requests.get(i);
            if (r.kind() == Request.Kind.CHANGE) {
                i = batch(requests, i, failures);
            } else {
                single(r, failures);
                i++;
            }
        }
        return failures;
    }

    /** Executes requests and throws the first refusal, if any. */
    public void executeOrThrow(List<Request> requests) throws NetlinkException {
        List<Failure> f = execute(requests);
        if (!f.isEmpty()) {
            throw f.getFirst().error();
        }
    }

    private int batch(List<Request> requests, int from, List<Failure> failures) throws NetlinkException {
        writer.clear();
        int first = nextSeq();
        int n = 0;
        int i = from;
        while (i < requests.size() && n < maxBatch && requests.get(i).kind() == Request.Kind.CHANGE) {
            try {
                requests.get(i).encoder().write(writer, first + n, Nl.F_REQUEST);
            } catch (BufferOverflowException e) {
                writer.abandon();
                if (n == 0) {
                    throw new IllegalArgumentException("message larger than " + SEND_BUFFER + " bytes: "
                            + requests.get(i).description(), e);
                }
                break;
            }
            n++;
            i++;
        }
        seq = first + n - 1;
        writer.orFlagsOfLast(Nl.F_ACK);
        send();
        int last = first + n - 1;
        boolean done = false;
        while (!done) {
            for (Message m : receive()) {
                int k = m.seq() - first;
                if (k < 0 || k >= n || !m.isError()) {
                    continue; // a late answer to an earlier, abandoned exchange
                }
                if (m.errno() != 0) {
                    Request r = requests.get(from + k);
                    failures.add(new Failure(r, new NetlinkException(r.description(), m.errno(), m.extAckMessage())));
                }
                if (m.seq() == last) {
                    done = true;
                }
            }
        }
        return i;
    }

    private void single(Request r, List<Failure> failures) throws NetlinkException {
        boolean dump = r.kind() == Request.Kind.DUMP;
        for (int attempt = 1; ; attempt++) {
            writer.clear();
            int s = nextSeq();
            r.encoder().write(writer, s, Nl.F_REQUEST | (dump ? Nl.F_DUMP : 0));
            send();
            List<Message> parts = new ArrayList<>();
            boolean interrupted = false;
            NetlinkException error = null;
            boolean done = false;
            while (!done) {
                for (Message m : receive()) {
                    if (m.seq() != s || done) {
                        continue;
                    }
                    if (m.isError() && m.errno() != 0) {
                        error = new NetlinkException(r.description(), m.errno(), m.extAckMessage());
                        done = true;
                    } else if (m.isDone()) {
                        if (m.errno() != 0) {
                            error = new NetlinkException(r.description(), m.errno(), m.extAckMessage());
                        }
                        done = true;
                    } else if (m.isError()) {
                        done = !dump; // an ACK
                    } else {
                        interrupted |= (m.flags() & Nl.F_DUMP_INTR) != 0;
                        parts.add(m);
                        done = !dump;
                    }
                }
            }
            if (error != null) {
                failures.add(new Failure(r, error));
                return;
            }
            if (interrupted && attempt < DUMP_RETRIES) {
                continue; // the table changed during the dump: read it again
            }
            if (interrupted) {
                failures.add(new Failure(r, new NetlinkException(r.description(), Errno.EINTR.number(),
                        "the table kept changing during " + DUMP_RETRIES + " dumps")));
                return;
            }
            parts.forEach(r.onReply());
            return;
        }
    }

    private int nextSeq() {
        seq = (seq + 1) & 0x3fffffff;
        if (seq == 0) {
            seq = 1;
        }
        return seq;
    }

    private void send() throws NetlinkException {
        ByteBuffer out = writer.contents();
        int len = out.remaining();
        MemorySegment.copy(MemorySegment.ofBuffer(out), 0, sendSeg, 0, len);
        sendIov.set(JAVA_LONG, 8, len);
        long sent;
        try {
            sent = (long) Libc.SENDMSG.invokeExact(state, fd, sendHdr, 0);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (sent < 0) {
            throw new NetlinkException("sendmsg(" + name + ")", Libc.errno(state), null);
        }
        if (sent != len) {
            throw new NetlinkException("sendmsg(" + name + ") sent " + sent + " of " + len + " bytes",
                    Errno.EIO.number(), null);
        }
    }

    /** One datagram's messages, copied out of the receive buffer. */
    private List<Message> receive() throws NetlinkException {
        recvHdr.set(JAVA_INT, Libc.MSGHDR_FLAGS, 0);
        long got;
        try {
            got = (long) Libc.RECVMSG.invokeExact(state, fd, recvHdr, 0);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (got < 0) {
            int e = Libc.errno(state);
            if (e == Errno.EAGAIN.number()) {
                throw new NetlinkException("recvmsg(" + name + ")", Errno.ETIMEDOUT.number(),
                        "the kernel did not answer in time");
            }
            if (e == Errno.ENOBUFS.number()) {
                throw new NetlinkException("recvmsg(" + name + ")", e,
                        "replies were lost (receive queue overrun); the outcome of the last requests is unknown");
            }
            throw new NetlinkException("recvmsg(" + name + ")", e, null);
        }
        if ((recvHdr.get(JAVA_INT, Libc.MSGHDR_FLAGS) & Libc.MSG_TRUNC) != 0) {
            throw new NetlinkException("recvmsg(" + name + ")", Errno.EMSGSIZE.number(),
                    "a reply was larger than the " + RECV_BUFFER + "-byte receive buffer");
        }
        byte[] copy = recvSeg.asSlice(0, got).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        return Message.parseAll(ByteBuffer.wrap(copy).order(ByteOrder.nativeOrder()));
    }

    private boolean setIntOption(int level, int option, int value, boolean required) throws NetlinkException {
        MemorySegment v = arena.allocate(JAVA_INT);
        v.set(JAVA_INT, 0, value);
        int rc;
        try {
            rc = (int) Libc.SETSOCKOPT.invokeExact(state, fd, level, option, v, 4);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (rc < 0 && required) {
            throw new NetlinkException("setsockopt(" + level + ", " + option + ")", Libc.errno(state), null);
        }
        return rc == 0;
    }

    @FunctionalInterface
    private interface IntCall {
        int call() throws Throwable;
    }

    private void call(String what, IntCall c) throws NetlinkException {
        int rc;
        try {
            rc = c.call();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (rc < 0) {
            throw new NetlinkException(what, Libc.errno(state), null);
        }
    }

    private static void closeFd(int fd) {
        try (Arena a = Arena.ofConfined()) {
            int ignored = (int) Libc.CLOSE.invokeExact(Libc.newCallState(a), fd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            closeFd(fd);
            arena.close();
        }
    }

    @Override
    public String toString() {
        return name + " socket fd " + fd;
    }
}
