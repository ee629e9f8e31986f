package io.kanyan.recorder.timestamp;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertStore;
import java.security.cert.CertificateFactory;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.tsp.TSPAlgorithms;
import org.bouncycastle.tsp.TSPException;
import org.bouncycastle.tsp.TimeStampToken;

/**
 * Checks an RFC 3161 time-stamp token against the bytes it stamps and the configured trust anchors: the
 * message imprint is the SHA-256 of those bytes, the CMS signature verifies with the TSA certificate in the
 * token, that certificate is marked for time stamping only (critical extended key usage, checked by
 * BouncyCastle's {@link TimeStampToken#validate}) and chains to a trust anchor as of the stamped time.
 */
public final class TimestampVerifier {

  private final Set<TrustAnchor> anchors;

  public TimestampVerifier(Collection<X509Certificate> trusted) {
    if (trusted.isEmpty()) {
      throw new IllegalArgumentException("no TSA trust anchor");
    }
    Set<TrustAnchor> set = new HashSet<>();
    trusted.forEach(cert -> set.add(new TrustAnchor(cert, null)));
    this.anchors = Set.copyOf(set);
  }

  /** Trust anchors read from a PEM file of one or more certificates. Blocking. */
  public static TimestampVerifier fromPem(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      List<X509Certificate> certs = new ArrayList<>();
      CertificateFactory.getInstance("X.509").generateCertificates(in)
          .forEach(cert -> certs.add((X509Certificate) cert));
      if (certs.isEmpty()) {
        throw new IllegalArgumentException(file + " holds no PEM certificate");
      }
      return new TimestampVerifier(certs);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the TSA trust anchors " + file, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(file + " is not a PEM file of certificates: " + e.getMessage(), e);
    }
  }

  /** What a valid token says. */
  public record Stamp(Instant time, String tsa, String serial) {
  }

  /**
   * Verifies {@code token} (DER) for {@code data}.
   *
   * @throws TimestampException naming what does not hold
   */
  public Stamp verify(byte[] token, byte[] data) {
    TimeStampToken parsed;
    try {
      parsed = new TimeStampToken(new org.bouncycastle.cms.CMSSignedData(token));
    } catch (CMSException | TSPException | IOException | IllegalArgumentException e) {
      throw new TimestampException("not an RFC 3161 time-stamp token: " + e.getMessage(), e);
    }
    var info = parsed.getTimeStampInfo();
    if (!TSPAlgorithms.SHA256.equals(info.getMessageImprintAlgOID())) {
      throw new TimestampException("the token stamps a " + info.getMessageImprintAlgOID() + " digest, not SHA-256");
    }
    if (!MessageDigest.isEqual(info.getMessageImprintDigest(), sha256(data))) {
      throw new TimestampException("the token stamps other bytes: its message imprint is not the SHA-256 of "
          + "this tree head");
    }
    X509Certificate signer = signerCertificate(parsed);
    try {
      parsed.validate(new JcaSimpleSignerInfoVerifierBuilder().build(signer));
    } catch (TSPException | OperatorCreationException e) {
      throw new TimestampException("the token's signature does not verify: " + e.getMessage(), e);
    }
    checkChain(signer, parsed, info.getGenTime().toInstant());
    return new Stamp(info.getGenTime().toInstant(), signer.getSubjectX500Principal().getName(),
        info.getSerialNumber().toString());
  }

  private static X509Certificate signerCertificate(TimeStampToken token) {
    @SuppressWarnings("unchecked")
    Collection<X509CertificateHolder> matches = token.getCertificates().getMatches(token.getSID());
    if (matches.isEmpty()) {
      throw new TimestampException("the token does not carry the TSA's certificate (the query asks for it)");
    }
    try {
      return new JcaX509CertificateConverter().getCertificate(matches.iterator().next());
    } catch (GeneralSecurityException e) {
      throw new TimestampException("the TSA certificate in the token is unreadable: " + e.getMessage(), e);
    }
  }

  private void checkChain(X509Certificate signer, TimeStampToken token, Instant at) {
    try {
      List<X509Certificate> intermediates = new ArrayList<>();
      JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
      @SuppressWarnings("unchecked")
      Collection<X509CertificateHolder> all = token.getCertificates().getMatches(null);
      for (X509CertificateHolder holder : all) {
        intermediates.add(converter.getCertificate(holder));
      }
      X509CertSelector target = new X509CertSelector();
      target.setCertificate(signer);
      PKIXBuilderParameters params = new PKIXBuilderParameters(anchors, target);
      params.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(intermediates)));
      // No CRL or OCSP here: the server has no route to them in every deployment. The chain is checked as of
      // the stamped time, so a TSA certificate that expired since keeps its old stamps valid.
      params.setRevocationEnabled(false);
      params.setDate(java.util.Date.from(at));
      CertPathBuilder.getInstance("PKIX").build(params);
    } catch (GeneralSecurityException e) {
      throw new TimestampException("the TSA certificate " + signer.getSubjectX500Principal().getName()
          + " does not chain to a configured trust anchor: " + e.getMessage(), e);
    }
  }

  static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
  }

  @Override
  public String toString() {
    return "TSA trust anchors " + Arrays.toString(anchors.stream()
        .map(a -> a.getTrustedCert().getSubjectX500Principal().getName()).toArray());
  }
}
