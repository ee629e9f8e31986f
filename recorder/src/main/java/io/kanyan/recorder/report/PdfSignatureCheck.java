package io.kanyan.recorder.report;

import java.io.IOException;
import java.security.cert.CertificateException;
import java.util.Collection;
import java.util.List;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.PDSignature;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.operator.OperatorCreationException;

/**
 * Checks the PDF digital signature of a finalised record, as a PDF reader does: the last signature covers the
 * whole file and its CMS signature verifies with the certificate it carries. It says nothing about whether that
 * certificate is trusted: the record's SHA-256 on the hash-chained trail is what ties it to the inspection.
 * Blocking.
 */
public final class PdfSignatureCheck {

  private PdfSignatureCheck() {
  }

  /**
   * @return the signer's subject when the signature is valid
   * @throws IOException with a sentence saying what is wrong otherwise
   */
  public static String check(byte[] pdf) throws IOException {
    try (PDDocument doc = Loader.loadPDF(pdf)) {
      List<PDSignature> signatures = doc.getSignatureDictionaries();
      if (signatures.isEmpty()) {
        throw new IOException("it has no PDF digital signature");
      }
      PDSignature sig = signatures.get(signatures.size() - 1);
      int[] range = sig.getByteRange();
      if (range == null || range.length != 4 || (long) range[2] + range[3] != pdf.length) {
        throw new IOException("its PDF digital signature does not cover the whole file (bytes were added after signing)");
      }
      CMSSignedData cms = new CMSSignedData(new CMSProcessableByteArray(sig.getSignedContent(pdf)), sig.getContents(pdf));
      SignerInformation signer = cms.getSignerInfos().getSigners().iterator().next();
      @SuppressWarnings("unchecked")
      Collection<X509CertificateHolder> certs = cms.getCertificates().getMatches(signer.getSID());
      if (certs.isEmpty()) {
        throw new IOException("its PDF digital signature carries no certificate");
      }
      X509CertificateHolder cert = certs.iterator().next();
      if (!signer.verify(new JcaSimpleSignerInfoVerifierBuilder().build(cert))) {
        throw new IOException("its PDF digital signature does not verify: the signed bytes were altered");
      }
      return cert.getSubject().toString();
    } catch (CMSException | OperatorCreationException | CertificateException | RuntimeException e) {
      throw new IOException("its PDF digital signature cannot be checked: " + e.getMessage(), e);
    }
  }
}
