package io.kanyan.recorder.report;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificate that PDF-signs finalised records: a configured PEM pair, or an RSA-2048 self-signed pair (the key size every PDF reader checks)
 * generated on first use in {@code <data>/keys/} (key file mode 600). Blocking file and key work.
 *
 * @param chain the signing certificate first, then any issuers
 */
public record SigningCertificate(PrivateKey key, List<X509Certificate> chain) {

  private static final Logger log = LoggerFactory.getLogger(SigningCertificate.class);
  static final String CERT_FILE = "record-signing-cert.pem";
  static final String KEY_FILE = "record-signing-key.pem";

  /**
   * The configured pair when both paths are given, else the pair in {@code dataDir/keys}, generated when absent.
   */
  public static SigningCertificate resolve(Path configuredCert, Path configuredKey, Path dataDir) {
    if (configuredCert != null || configuredKey != null) {
      if (configuredCert == null || configuredKey == null) {
        throw new IllegalArgumentException("set both KANYAN_RECORD_CERT and KANYAN_RECORD_KEY, or neither");
      }
      return load(configuredCert, configuredKey);
    }
    Path cert = dataDir.resolve("keys").resolve(CERT_FILE);
    Path key = dataDir.resolve("keys").resolve(KEY_FILE);
    if (!Files.exists(cert) || !Files.exists(key)) {
      generate(cert, key);
    }
    return load(cert, key);
  }

  /** Reads a PEM certificate chain and a PEM private key (PKCS#8 or traditional). */
  public static SigningCertificate load(Path certFile, Path keyFile) {
    try {
      List<X509Certificate> chain = new ArrayList<>();
      JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
      try (Reader r = Files.newBufferedReader(certFile); PEMParser parser = new PEMParser(r)) {
        for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
          if (o instanceof X509CertificateHolder holder) {
            chain.add(converter.getCertificate(holder));
          }
        }
      }
      if (chain.isEmpty()) {
        throw new IllegalArgumentException("no certificate in " + certFile);
      }
      PrivateKey key;
      try (Reader r = Files.newBufferedReader(keyFile); PEMParser parser = new PEMParser(r)) {
        Object o = parser.readObject();
        JcaPEMKeyConverter keys = new JcaPEMKeyConverter();
        if (o instanceof PEMKeyPair pair) {
          key = keys.getKeyPair(pair).getPrivate();
        } else if (o instanceof PrivateKeyInfo info) {
          key = keys.getPrivateKey(info);
        } else {
          throw new IllegalArgumentException("no unencrypted private key in " + keyFile);
        }
      }
      return new SigningCertificate(key, List.copyOf(chain));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the record signing certificate " + certFile, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("the record signing certificate " + certFile + " is not usable", e);
    }
  }

  static void generate(Path certFile, Path keyFile) {
    try {
      Files.createDirectories(certFile.getParent());
      KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
      gen.initialize(2048, new SecureRandom());
      KeyPair keys = gen.generateKeyPair();
      Instant now = Instant.now();
      X500Name subject = new X500Name("CN=Kanyan inspection records, O=Kanyan");
      JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
          new BigInteger(64, new SecureRandom()), Date.from(now.minus(Duration.ofDays(1))),
          Date.from(now.plus(Duration.ofDays(3650))), subject, keys.getPublic());
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.keyUsage, true,
          new KeyUsage(KeyUsage.digitalSignature | KeyUsage.nonRepudiation));
      X509CertificateHolder cert = builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate()));
      Files.writeString(keyFile, pem(new JcaPKCS8Generator(keys.getPrivate(), null)));
      try {
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException ignored) {
        // not a POSIX file system
      }
      Files.writeString(certFile, pem(cert));
      log.info("records: generated a self-signed record signing certificate in {}", certFile.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException("could not write the record signing certificate to " + certFile.getParent(), e);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("could not generate the record signing certificate", e);
    }
  }

  private static String pem(Object object) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    }
    return out.toString();
  }

  /** The signing certificate itself. */
  public X509Certificate certificate() {
    return chain.get(0);
  }
}
