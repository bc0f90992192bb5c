package io.ballast.gateway.identity;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/** The VM an agent is, as its verified client certificate says: the subject's common name. */
public final class AgentIdentity {

    private AgentIdentity() {}

    /** The VM id in the leaf certificate of a verified chain, if it names one. */
    public static Optional<String> vmId(Certificate[] chain) {
        if (chain == null || chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            return Optional.empty();
        }
        try {
            String commonName = null;
            for (Rdn rdn : new LdapName(leaf.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    if (commonName != null) {
                        return Optional.empty();
                    }
                    commonName = rdn.getValue().toString();
                }
            }
            return Optional.ofNullable(commonName)
                    .filter(id -> CertificateAuthority.VM_ID.matcher(id).matches());
        } catch (InvalidNameException e) {
            return Optional.empty();
        }
    }
}
