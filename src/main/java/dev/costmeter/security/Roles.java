package dev.costmeter.security;

import java.util.Set;

/** The API's roles. */
public final class Roles {
    /** Reads spend, rate cards, quarantine, interactions. */
    public static final String VIEWER = "viewer";
    /** Also publishes rate cards and re-prices quarantined events. */
    public static final String ADMIN = "admin";
    public static final Set<String> ALL = Set.of(VIEWER, ADMIN);

    private Roles() {
    }
}
