package io.multinet.bench;

/**
 * A benchmark's main: it exits with 0 or 1 when its body ends, since the mock API server's and the
 * client's threads would otherwise keep the JVM, and `make bench`, alive after a failure.
 */
final class Exit {

    interface Body {
        void run() throws Exception;
    }

    private Exit() {
    }

    static void after(Body body) {
        try {
            body.run();
        } catch (Exception | AssertionError e) {
            // an unmet check (the test helpers' AssertionError) is a failure too, not a JVM left running
            e.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }
}
