package org.nova.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import org.nova.config.ConfigStatus;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.ReferenceDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;

/**
 * Who owns a configuration, from SCR's runtime view: the DS component whose configuration PID
 * names the configuration's PID (or its factory PID). An owner that declares
 * {@link ConfigStatus#ANSWERS} answers every configuration it is given; whether it can answer now
 * depends on its state (enabled, its bundle active, the component configuration for the PID
 * satisfied). Stateless: every question asks SCR again.
 */
final class ConfigOwners {
    /** DS's configuration-policy of an owner that runs without a configuration too. */
    static final String POLICY_OPTIONAL = "optional";
    /** The package separator of a component name, for its short form. */
    private static final char PACKAGE_SEPARATOR = '.';

    /**
     * An owner that answers.
     *
     * @param description its SCR description
     * @param optional    whether it runs without a configuration (then it answers for its own PID)
     */
    record Owner(ComponentDescriptionDTO description, boolean optional) {
        /** @return the component's name without its package, as messages give it */
        String name() {
            return shortName(description.name);
        }

        /** @return the configuration PIDs it takes (singleton or factory) */
        List<String> pids() {
            return description.configurationPid == null ? List.of() : Arrays.asList(description.configurationPid);
        }
    }

    private final BundleContext context;
    private final ServiceComponentRuntime scr;

    /** @return a component name (its class's, by DS's default) without the package */
    static String shortName(String componentName) {
        return componentName.substring(componentName.lastIndexOf(PACKAGE_SEPARATOR) + 1);
    }

    ConfigOwners(BundleContext context, ServiceComponentRuntime scr) {
        this.context = Objects.requireNonNull(context);
        this.scr = Objects.requireNonNull(scr);
    }

    /** @return every enabled owner that answers, of an active bundle */
    List<Owner> answering() {
        List<Owner> out = new ArrayList<>();
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
            if (answers(d) && active(d) && scr.isComponentEnabled(d)) {
                out.add(new Owner(d, POLICY_OPTIONAL.equals(d.configurationPolicy)));
            }
        }
        return out;
    }

    /**
     * @param pid        a configuration's PID
     * @param factoryPid its factory PID, or null
     * @return the enabled owner, of an active bundle, that answers for it
     */
    Optional<Owner> owner(String pid, String factoryPid) {
        String taken = factoryPid != null ? factoryPid : pid;
        return answering().stream().filter(o -> o.pids().contains(taken)).findFirst();
    }

    /** @return whether any component of any bundle, answering or not, is configured by this (factory) PID */
    boolean claimed(String pidOrFactoryPid) {
        return scr.getComponentDescriptionDTOs().stream().anyMatch(d -> d.configurationPid != null
                && Arrays.asList(d.configurationPid).contains(pidOrFactoryPid));
    }

    /**
     * @param owner the owner
     * @param pid   a PID it takes; without a configuration stored, an optional owner's own PID
     * @return why the owner cannot answer for the PID now (it lacks a reference: no service is
     *         registered that could satisfy it), or empty. SCR shows a component configuration it
     *         is still setting up as unsatisfied too; a reference a registered service matches is
     *         one SCR has not bound yet, not a missing one.
     */
    Optional<String> unable(Owner owner, String pid) {
        Optional<ComponentConfigurationDTO> c = configuration(owner, pid);
        if (c.isEmpty() || c.get().state != ComponentConfigurationDTO.UNSATISFIED_REFERENCE) {
            return Optional.empty();
        }
        List<String> missing = new ArrayList<>();
        for (UnsatisfiedReferenceDTO r : c.get().unsatisfiedReferences) {
            if (noService(owner, r)) {
                missing.add(r.name);
            }
        }
        if (missing.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(owner.name() + " is not active: it lacks its reference" + (missing.size() == 1 ? " " : "s ")
                + String.join(", ", missing));
    }

    /** @return whether no registered service could satisfy the reference */
    private boolean noService(Owner owner, UnsatisfiedReferenceDTO r) {
        ReferenceDTO declared = owner.description().references == null ? null
                : Arrays.stream(owner.description().references).filter(d -> d.name.equals(r.name)).findFirst().orElse(null);
        if (declared == null) {
            return true;
        }
        try {
            ServiceReference<?>[] found = context.getAllServiceReferences(declared.interfaceName, r.target);
            return found == null || found.length == 0;
        } catch (InvalidSyntaxException e) {
            return true;
        }
    }

    /** @return why the owner's component configuration for the PID failed to activate, or empty */
    Optional<String> failed(Owner owner, String pid) {
        return configuration(owner, pid).filter(c -> c.state == ComponentConfigurationDTO.FAILED_ACTIVATION)
                .map(c -> owner.name() + " failed to activate: " + firstLine(c.failure));
    }

    /** @return the component configuration of the owner that is configured by the PID (by none: the defaults) */
    private Optional<ComponentConfigurationDTO> configuration(Owner owner, String pid) {
        boolean ownPid = owner.pids().contains(pid);
        for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(owner.description())) {
            Object p = c.properties == null ? null : c.properties.get(Constants.SERVICE_PID);
            if (pid.equals(p) || p == null && ownPid && owner.optional()) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    private static String firstLine(String failure) {
        if (failure == null || failure.isBlank()) {
            return "no reason given";
        }
        return failure.lines().findFirst().orElse(failure).trim();
    }

    private static boolean answers(ComponentDescriptionDTO d) {
        Map<String, Object> p = d.properties;
        Object v = p == null ? null : p.get(ConfigStatus.ANSWERS);
        return Boolean.TRUE.equals(v) || Boolean.TRUE.toString().equals(v);
    }

    private boolean active(ComponentDescriptionDTO d) {
        Bundle b = context.getBundle(d.bundle.id);
        return b != null && b.getState() == Bundle.ACTIVE;
    }
}
