package org.nova.it.lifecycle.unsatisfied;

/** A service nobody provides. */
public interface Missing {
}
