package dev.ingot.memberlist;

/**
 * A change of membership, as hashicorp/memberlist's EventDelegate reports it: JOIN when a node becomes alive after
 * being unknown, dead or left; UPDATE when an alive node's metadata changes; LEAVE when a node is declared dead
 * (failed) or has left gracefully ({@link Member#state()} tells which).
 */
public record MemberEvent(Kind kind, Member member) {
    public enum Kind { JOIN, UPDATE, LEAVE }
}
