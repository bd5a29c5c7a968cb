package dev.ingot.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The rule table: every case in {@code config-cases.yaml} is one config and either the normalised values it must
 * give (a subset of {@link ConfigView}) or exactly the errors it must give (path equal, message containing).
 */
class ConfigCasesTest {

    @TestFactory
    Stream<DynamicTest> cases() throws Exception {
        List<Map<String, Object>> cases;
        try (InputStream in = getClass().getResourceAsStream("/config-cases.yaml")) {
            cases = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
        }
        assertThat(cases).hasSizeGreaterThan(100);
        return cases.stream().map(c -> DynamicTest.dynamicTest((String) c.get("name"), () -> run(c)));
    }

    @SuppressWarnings("unchecked")
    private static void run(Map<String, Object> c) {
        String text = (String) c.getOrDefault("config", "");
        ConfigParser.Result r = ConfigParser.parse(text);
        if (c.containsKey("errors")) {
            if (!(r instanceof ConfigParser.Invalid(List<ConfigError> errors))) {
                fail("expected errors, but the config was accepted: " + ConfigView.of(((ConfigParser.Valid) r).config()));
                return;
            }
            List<Map<String, Object>> want = (List<Map<String, Object>>) c.get("errors");
            List<String> got = errors.stream().map(ConfigError::toString).toList();
            assertThat(errors).as("errors %s", got).hasSize(want.size());
            List<ConfigError> left = new ArrayList<>(errors);
            for (Map<String, Object> w : want) {
                ConfigError match = left.stream()
                        .filter(e -> e.path().equals(w.get("path"))
                                && e.message().contains((String) w.get("message")))
                        .findFirst().orElse(null);
                assertThat(match).as("an error at %s containing \"%s\" among %s", w.get("path"), w.get("message"), got)
                        .isNotNull();
                left.remove(match);
            }
            if (c.containsKey("not")) {
                for (String forbidden : (List<String>) c.get("not")) {
                    assertThat(String.join("\n", got)).doesNotContain(forbidden);
                }
            }
        } else {
            if (r instanceof ConfigParser.Invalid(List<ConfigError> errors)) {
                fail("expected a valid config, got " + errors);
            }
            Map<String, Object> view = ConfigView.of(((ConfigParser.Valid) r).config());
            if (c.containsKey("expect")) {
                assertSubset("", c.get("expect"), view);
            }
        }
    }

    @SuppressWarnings("unchecked")
    static void assertSubset(String path, Object want, Object got) {
        if (want instanceof Map<?, ?> wm) {
            assertThat(got).as(path).isInstanceOf(Map.class);
            Map<String, Object> gm = (Map<String, Object>) got;
            for (var e : ((Map<String, Object>) wm).entrySet()) {
                assertThat(gm).as(path).containsKey(e.getKey());
                assertSubset(path + "." + e.getKey(), e.getValue(), gm.get(e.getKey()));
            }
        } else if (want instanceof List<?> wl) {
            assertThat(got).as(path).isInstanceOf(List.class);
            List<Object> gl = (List<Object>) got;
            assertThat(gl).as(path + " " + gl).hasSize(wl.size());
            for (int i = 0; i < wl.size(); i++) {
                assertSubset(path + "[" + i + "]", wl.get(i), gl.get(i));
            }
        } else if (want instanceof Number wn && got instanceof Number gn) {
            assertThat(gn.longValue()).as(path).isEqualTo(wn.longValue());
        } else {
            assertThat(got).as(path).isEqualTo(want);
        }
    }
}
