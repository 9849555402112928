package dev.costmeter.security;

import io.smallrye.config.ConfigMapping;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** API users: {@code costmeter.security.users."alice".password=…}, {@code …roles=admin}. */
@ConfigMapping(prefix = "costmeter.security")
public interface SecurityConfig {

    Map<String, User> users();

    interface User {
        /** Empty or unset: the user cannot sign in. */
        Optional<String> password();

        /** viewer, admin (admin implies viewer). */
        List<String> roles();
    }
}
