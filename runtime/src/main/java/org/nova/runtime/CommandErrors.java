package org.nova.runtime;

/**
 * The line a failed command shows. Most failures are the command's own error (a DriverException
 * with its errno and reason) and show their message. One is Gogo's: a command whose service is
 * unregistered between Gogo finding it and calling it (its bundle stopping) reaches Gogo 1.1.6's
 * Reflective.invoke with a null target, a raw NullPointerException that says nothing to a person;
 * it is told as what it is.
 */
final class CommandErrors {
    /** Where Gogo 1.1.6 calls a command's method on its service object. */
    private static final String GOGO_DISPATCH = "org.apache.felix.gogo.runtime.Reflective";

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

    /** @return whether {@code e} is Gogo calling a command on a service that was just unregistered */
    static boolean isVanishedService(Throwable e) {
        if (!(e instanceof NullPointerException)) {
            return false;
        }
        StackTraceElement[] st = e.getStackTrace();
        return st.length > 0 && GOGO_DISPATCH.equals(st[0].getClassName());
    }
}
