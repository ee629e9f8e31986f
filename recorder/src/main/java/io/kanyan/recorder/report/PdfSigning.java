package io.kanyan.recorder.report;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Calendar;
import java.util.GregorianCalendar;
import java.util.TimeZone;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.PDSignature;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.SignatureOptions;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.CMSTypedData;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/**
 * Signs a PDF as a PDF digital signature (adbe.pkcs7.detached: a CMS SignedData over the byte ranges around the
 * signature, with the signing certificate), saved as an incremental update, so an ordinary PDF reader reports the
 * document as signed and unmodified since. Blocking.
 */
public final class PdfSigning {

  private PdfSigning() {
  }

  /** Signs {@code pdf} with {@code cert}; the reason and location are shown by PDF readers. */
  public static byte[] sign(byte[] pdf, SigningCertificate cert, String reason, Instant when) throws IOException {
    try (PDDocument doc = Loader.loadPDF(pdf)) {
      PDSignature signature = new PDSignature();
      signature.setFilter(PDSignature.FILTER_ADOBE_PPKLITE);
      signature.setSubFilter(PDSignature.SUBFILTER_ADBE_PKCS7_DETACHED);
      signature.setName("Kanyan");
      signature.setReason(reason);
      Calendar time = new GregorianCalendar(TimeZone.getTimeZone("UTC"));
      time.setTimeInMillis(when.toEpochMilli());
      signature.setSignDate(time);
      SignatureOptions options = new SignatureOptions();
      // room for the CMS with an RSA-4096 chain of a few certificates
      options.setPreferredSignatureSize(32 * 1024);
      doc.addSignature(signature, content -> cms(content, cert), options);
      ByteArrayOutputStream out = new ByteArrayOutputStream(pdf.length + 40 * 1024);
      doc.saveIncremental(out);
      options.close();
      return out.toByteArray();
    }
  }

  private static byte[] cms(InputStream content, SigningCertificate cert) throws IOException {
    try {
      String algorithm = cert.key().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
      ContentSigner signer = new JcaContentSignerBuilder(algorithm).build(cert.key());
      CMSSignedDataGenerator gen = new CMSSignedDataGenerator();
      gen.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(
          new JcaDigestCalculatorProviderBuilder().build()).build(signer, cert.certificate()));
      gen.addCertificates(new JcaCertStore(cert.chain()));
      CMSTypedData data = new CMSProcessableByteArray(content.readAllBytes());
      return gen.generate(data, false).getEncoded();
    } catch (GeneralSecurityException | OperatorCreationException | CMSException e) {
      throw new IOException("cannot sign the record: " + e.getMessage(), e);
    }
  }
}
