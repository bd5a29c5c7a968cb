/**
 * BFD (RFC 5880 asynchronous mode, RFC 5881 single-hop, RFC 5883 multihop) for Ingot's BGP sessions.
 *
 * <p>Public API: {@link dev.ingot.bgp.bfd.BfdSessionManager} (open, update, close sessions; one per
 * process), {@link dev.ingot.bgp.bfd.BfdPeer} (what identifies a session),
 * {@link dev.ingot.bgp.bfd.BfdProfile} (MetalLB's {@code bfd-profiles[]} entry; refuses
 * {@code echo-mode}), {@link dev.ingot.bgp.bfd.BfdListener} and
 * {@link dev.ingot.bgp.bfd.BfdStateChange} (tear the BGP session down on {@code pathFailed()}).
 * The codec ({@link dev.ingot.bgp.bfd.BfdCodec}) and the state machine
 * ({@link dev.ingot.bgp.bfd.BfdSession}) are pure and public for tests and tools. See docs/bfd.md.
 */
package dev.ingot.bgp.bfd;
