package org.nova.gpu;

/**
 * The GSP's three LibOS log buffers, as nova-core registers them (gsp.rs Gsp::new) and nouveau's
 * debugfs shows them (loginit, logintr, logrm).
 */
public enum GspLogBuffer {
    /** GSP-RM's early initialisation and exception dumps. */
    LOGINIT,
    /** What GSP-RM logs from interrupt context. */
    LOGINTR,
    /** GSP-RM's log once it runs. */
    LOGRM
}
