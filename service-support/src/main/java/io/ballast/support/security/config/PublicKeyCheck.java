package io.ballast.support.security.config;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Says once, at start (INFO: the gateway and the worker run so on purpose), when the service has no key to verify bearer tokens with: every request that needs a role is
 * then refused (401). Services without protected endpoints (the gateway, the worker) start like that on purpose;
 * for the others it is the line that explains the 401s.
 */
@ApplicationScoped
public class PublicKeyCheck {

    private static final Logger LOG = Logger.getLogger(PublicKeyCheck.class);

    void atStart(
            @Observes StartupEvent start,
            @ConfigProperty(name = "mp.jwt.verify.publickey.location") Optional<String> location,
            @ConfigProperty(name = "mp.jwt.verify.publickey") Optional<String> inline) {
        if (location.filter(PublicKeyCheck::names).isEmpty()
                && inline.filter(PublicKeyCheck::names).isEmpty()) {
            LOG.info("no key to verify bearer tokens with (BALLAST_JWT_PUBLIC_KEY is not set): requests that need a"
                    + " role are refused with 401");
        }
    }

    /** Whether a key setting names a key: SmallRye JWT reads {@code NONE} as no key. */
    private static boolean names(String value) {
        return !value.isBlank() && !value.equals("NONE");
    }
}
