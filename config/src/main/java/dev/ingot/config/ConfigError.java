package dev.ingot.config;

/**
 * One thing wrong with a configuration.
 *
 * @param path where, as a YAML path ({@code address-pools[1].addresses[0]}; empty for the whole document)
 * @param line the 1-based line in the config document, or 0 when unknown
 * @param message what is wrong, in plain words, quoting the offending value (never a password)
 */
public record ConfigError(String path, int line, String message) {
    @Override
    public String toString() {
        String where = path.isEmpty() ? "config" : path;
        return line > 0 ? where + " (line " + line + "): " + message : where + ": " + message;
    }
}
