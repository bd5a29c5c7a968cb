/** Ingot's bgp module; see docs/architecture.md for its job and its public API. */
package dev.ingot.bgp;
