/**
 * MetalLB's {@code config} ConfigMap, read exactly as MetalLB v0.12 reads it (strict YAML, go-yaml v2 scalars), with
 * MetalLB's defaults and validation rules, minus its known bugs.
 *
 * <p>Public API: {@link dev.ingot.config.ConfigParser#parse(String)} turns the text of a ConfigMap manifest or of a
 * bare config document into either a valid, normalised {@link dev.ingot.config.Config} or the complete list of
 * {@link dev.ingot.config.ConfigError}s, each naming its YAML path. {@link dev.ingot.config.Cidr} and
 * {@link dev.ingot.config.IpAddresses} are the address arithmetic the other modules share. Nothing here does I/O.
 */
package dev.ingot.config;
