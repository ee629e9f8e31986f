package io.kanyan.signaling.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's TLS certificate: the configured PEM pair, or a self-signed one generated on first start
 * and kept in {@code <data>/tls/} (EC P-256, valid 825 days, names: localhost, this host's name and every
 * address of its network interfaces, so a phone on the LAN can open {@code https://<lan-ip>:8443}).
 * Blocking file and key work: call off the event loop.
 */
public final class Certificates {

  private static final Logger log = LoggerFactory.getLogger(Certificates.class);

  /** Paths of a PEM certificate chain and its private key. */
  public record PemPair(Path cert, Path key) {
  }

  private Certificates() {
  }

  /** The configured pair when both are given, else the self-signed pair in {@code dataDir/tls}. */
  public static PemPair resolve(Path configuredCert, Path configuredKey, Path dataDir) {
    if (configuredCert != null || configuredKey != null) {
      if (configuredCert == null || configuredKey == null) {
        throw new IllegalArgumentException("set both KANYAN_TLS_CERT and KANYAN_TLS_KEY, or neither");
      }
      for (Path p : List.of(configuredCert, configuredKey)) {
        if (!Files.isReadable(p)) {
          throw new IllegalArgumentException("cannot read the TLS file " + p);
        }
      }
      return new PemPair(configuredCert, configuredKey);
    }
    Path dir = dataDir.resolve("tls");
    PemPair pair = new PemPair(dir.resolve("self-signed-cert.pem"), dir.resolve("self-signed-key.pem"));
    if (!Files.exists(pair.cert()) || !Files.exists(pair.key())) {
      generate(pair, hostNames());
    }
    return pair;
  }

  static void generate(PemPair pair, Set<String> names) {
    try {
      Files.createDirectories(pair.cert().getParent());
      KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
      gen.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      KeyPair keys = gen.generateKeyPair();
      Instant now = Instant.now();
      X500Name subject = new X500Name("CN=Kanyan self-signed, O=Kanyan");
      List<GeneralName> alt = new ArrayList<>();
      for (String name : names) {
        boolean ip = name.matches("[0-9.]+") || name.contains(":");
        alt.add(new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, name));
      }
      JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
          new BigInteger(64, new SecureRandom()), Date.from(now.minus(Duration.ofDays(1))),
          Date.from(now.plus(Duration.ofDays(825))), subject, keys.getPublic());
      builder.addExtension(Extension.subjectAlternativeName, false,
          new GeneralNames(alt.toArray(GeneralName[]::new)));
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      X509CertificateHolder cert = builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
      Files.writeString(pair.cert(), pem(cert));
      // PKCS#8, which every PEM reader takes, Vert.x's included (the default EC form is not).
      Files.writeString(pair.key(), pem(new JcaPKCS8Generator(keys.getPrivate(), null)));
      try {
        Files.setPosixFilePermissions(pair.key(), PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException ignored) {
        // not a POSIX file system
      }
      log.info("tls: generated a self-signed certificate for {} in {}", names, pair.cert().getParent());
    } catch (IOException e) {
      throw new UncheckedIOException("could not write the self-signed certificate to " + pair.cert().getParent(), e);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("could not generate a self-signed certificate", e);
    }
  }

  private static String pem(Object object) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    }
    return out.toString();
  }

  /** localhost, loopback, this host's name and every interface address (IPv6 scope ids dropped). */
  static Set<String> hostNames() {
    Set<String> names = new LinkedHashSet<>(List.of("localhost", "127.0.0.1", "::1"));
    try {
      names.add(InetAddress.getLocalHost().getHostName());
    } catch (IOException ignored) {
      // no resolvable host name: the addresses below still work
    }
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        for (InetAddress addr : Collections.list(nic.getInetAddresses())) {
          String a = addr.getHostAddress();
          int scope = a.indexOf('%');
          names.add(scope >= 0 ? a.substring(0, scope) : a);
        }
      }
    } catch (SocketException e) {
      log.warn("tls: could not list network interfaces: {}", e.getMessage());
    }
    return names;
  }
}
