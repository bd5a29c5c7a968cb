package dev.ingot.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every file in config-samples/ is a valid configuration with at least one pool. */
class SamplesTest {
    @TestFactory
    Stream<DynamicTest> everySampleIsValid() throws IOException {
        Path dir = Path.of("..", "config-samples");
        try (Stream<Path> files = Files.list(dir)) {
            var samples = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
            assertThat(samples).hasSizeGreaterThanOrEqualTo(5);
            return samples.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
                var result = ConfigParser.parse(Files.readString(f));
                assertThat(result).as("%s", result).isInstanceOf(ConfigParser.Valid.class);
                assertThat(((ConfigParser.Valid) result).config().pools()).isNotEmpty();
            }));
        }
    }
}
