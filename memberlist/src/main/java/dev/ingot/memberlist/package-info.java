/** Ingot's memberlist module; see docs/architecture.md for its job and its public API. */
package dev.ingot.memberlist;
