/**
 * Gossip membership that speaks hashicorp/memberlist's wire protocol (what MetalLB's speakers use). The public API
 * is {@link dev.ingot.memberlist.Memberlist}, {@link dev.ingot.memberlist.MemberlistConfig},
 * {@link dev.ingot.memberlist.Member} and {@link dev.ingot.memberlist.MemberEvent}, plus
 * {@link dev.ingot.memberlist.wire.Keyring#metallbKey}; see docs/memberlist.md. Package {@code wire} is the pure codec.
 */
package dev.ingot.memberlist;
