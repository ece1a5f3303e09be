package org.nova.runtime;

/**
 * The line a failed command shows. Most failures are the command's own error (a DriverException
 * with its errno and reason) and show their message. Two are a command meeting its bundle's stop,
 * and are told as what they are: Gogo's, a command whose service is unregistered between Gogo
 * finding it and calling it reaches Gogo 1.1.6's Reflective.invoke with a null target (a raw
 * NullPointerException); and the framework's, a command already running when its bundle stops
 * uses the bundle's context, which the framework has invalidated (IllegalStateException from
 * Felix's BundleContextImpl). A command should not let the second escape; this is the net under it.
 */
final class CommandErrors {
    /** Where Gogo 1.1.6 calls a command's method on its service object. */
    private static final String GOGO_DISPATCH = "org.apache.felix.gogo.runtime.Reflective";
    /** Where Felix checks that a bundle's context is still valid (its bundle not stopped). */
    private static final String FELIX_CONTEXT = "org.apache.felix.framework.BundleContextImpl";

    private CommandErrors() {
    }

    /**
     * @param statement the statement that failed, as typed
     * @param e what it threw
     * @return the line to show
     */
    static String describe(String statement, Throwable e) {
        if (isVanishedService(e)) {
            return statement.strip() + ": command unavailable: the service providing it went away while it was"
                    + " being called (its bundle is stopping); try again once it is back";
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /**
     * @return whether {@code e} is Gogo calling a command on a service that was just unregistered,
     *     or a command using its bundle's context after the bundle stopped
     */
    static boolean isVanishedService(Throwable e) {
        StackTraceElement[] st = e.getStackTrace();
        if (st.length == 0) {
            return false;
        }
        return e instanceof NullPointerException && GOGO_DISPATCH.equals(st[0].getClassName())
                || e instanceof IllegalStateException && FELIX_CONTEXT.equals(st[0].getClassName());
    }
}
