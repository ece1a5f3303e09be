package org.nova.it.lifecycle.unsatisfied;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** An immediate component whose mandatory reference never has a target: the settle report lists it. */
@Component(service = {}, immediate = true)
public final class Waiting {
    /** The reference's name, as the report names it. */
    public static final String REFERENCE = "missing";

    @Activate
    public Waiting(@Reference(name = REFERENCE) Missing missing) {
    }
}
