package dev.costmeter.support;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** The service's background chores (dedup cleanup, rate card reload, interactions, standing resources). */
public final class Daemons {

    private Daemons() {
    }

    /** One daemon thread with the given name, so a chore never keeps the JVM alive at shutdown. */
    public static ScheduledExecutorService scheduler(String threadName) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }
}
