package io.kanyan.recorder.keys;

import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_CLASS;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_EC_POINT;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_EXTRACTABLE;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_KEY_TYPE;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_LABEL;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_SENSITIVE;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKK_EC_EDWARDS;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_EDDSA;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKO_PRIVATE_KEY;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKO_PUBLIC_KEY;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKU_USER;

import io.kanyan.recorder.log.note.Ed25519NoteKey;
import io.kanyan.recorder.log.note.NoteSigner;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xipki.pkcs11.wrapper.AttributeVector;
import org.xipki.pkcs11.wrapper.Mechanism;
import org.xipki.pkcs11.wrapper.PKCS11Constants;
import org.xipki.pkcs11.wrapper.PKCS11Exception;
import org.xipki.pkcs11.wrapper.PKCS11Module;
import org.xipki.pkcs11.wrapper.Session;
import org.xipki.pkcs11.wrapper.Slot;
import org.xipki.pkcs11.wrapper.Token;
import org.xipki.pkcs11.wrapper.TokenException;

/**
 * An Ed25519 key pair held in a PKCS#11 token: the private key never leaves it, signatures are made by the
 * token (CKM_EDDSA). The key pair is found by its label; a private key the token would let out
 * (CKA_EXTRACTABLE true or CKA_SENSITIVE false) is refused, since the point is that no copy of the data
 * directory, and no one who reads it, can sign as the server.
 *
 * <p>Why not the JDK's SunPKCS11: on Java 17 it offers no EdDSA signature (its services against SoftHSM2 list
 * ECDSA, RSA and DSA only), and C2SP signed notes, which witnesses verify, use Ed25519 (signature type 0x01).
 *
 * <p>All calls are blocking (they talk to the token): call them from {@code executeBlocking}. A PKCS#11
 * session serves one thread at a time, hence the lock.
 */
public final class Pkcs11Ed25519Key implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Pkcs11Ed25519Key.class);
  /** SubjectPublicKeyInfo prefix of an Ed25519 key (RFC 8410): the DER before the 32 key bytes. */
  private static final byte[] SPKI_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

  private final Pkcs11Settings settings;
  private final PKCS11Module module;
  private final Token token;
  private final byte[] rawPublicKey;
  private final PublicKey publicKey;
  private final ReentrantLock lock = new ReentrantLock();
  /** Whether this key initialised the module (and so finalises it on close). */
  private final boolean initialized;
  private Session session;
  private long privateKeyHandle;

  private Pkcs11Ed25519Key(Pkcs11Settings settings, PKCS11Module module, Token token, boolean initialized)
      throws TokenException {
    this.settings = settings;
    this.module = module;
    this.token = token;
    this.initialized = initialized;
    openSession();
    this.rawPublicKey = readPublicKey();
    this.publicKey = toPublicKey(rawPublicKey);
  }

  /**
   * Opens the token, logs in with the PIN and finds the key pair. Blocking.
   *
   * @throws IllegalStateException with what to fix when the module, token or key cannot be used
   */
  public static Pkcs11Ed25519Key open(Pkcs11Settings settings) {
    PKCS11Module module;
    boolean initialized = true;
    try {
      module = PKCS11Module.getInstance(settings.module().toString());
      try {
        module.initialize();
      } catch (PKCS11Exception e) {
        if (e.getErrorCode() != PKCS11Constants.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
          throw e;
        }
        // Another user of the module in this JVM initialised it; it stays theirs to finalise.
        initialized = false;
      }
    } catch (IOException | TokenException | RuntimeException e) {
      throw new IllegalStateException("cannot load the PKCS#11 module " + settings.module() + ": " + e, e);
    }
    try {
      Pkcs11Ed25519Key key = new Pkcs11Ed25519Key(settings, module, findToken(module, settings), initialized);
      log.info("checkpoints: signing with the Ed25519 key in {}", settings);
      return key;
    } catch (TokenException | RuntimeException e) {
      if (initialized) {
        finalizeQuietly(module);
      }
      throw new IllegalStateException("cannot use the signing key in " + settings + ": " + e.getMessage(), e);
    }
  }

  private static Token findToken(PKCS11Module module, Pkcs11Settings settings) throws TokenException {
    Slot[] slots = module.getSlotList(true);
    if (settings.tokenLabel() == null) {
      if (settings.slot() < 0 || settings.slot() >= slots.length) {
        throw new IllegalStateException("no token in slot #" + settings.slot() + " (" + slots.length
            + " slots with a token)");
      }
      return slots[settings.slot()].getToken();
    }
    for (Slot slot : slots) {
      Token token = slot.getToken();
      if (settings.tokenLabel().equals(token.getTokenInfo().getLabel().strip())) {
        return token;
      }
    }
    throw new IllegalStateException("no token labelled '" + settings.tokenLabel() + "' (" + slots.length
        + " slots with a token)");
  }

  private void openSession() throws TokenException {
    session = token.openSession(false);
    session.login(CKU_USER, settings.pin());
    long[] found = session.findObjectsSingle(new AttributeVector()
        .attr(CKA_CLASS, CKO_PRIVATE_KEY).attr(CKA_KEY_TYPE, CKK_EC_EDWARDS).attr(CKA_LABEL, settings.keyLabel()), 2);
    if (found.length != 1) {
      throw new IllegalStateException(found.length == 0
          ? "the token holds no Ed25519 private key labelled '" + settings.keyLabel() + "'"
          : "the token holds more than one Ed25519 private key labelled '" + settings.keyLabel() + "'");
    }
    AttributeVector attrs = session.getAttrValues(found[0], CKA_EXTRACTABLE, CKA_SENSITIVE);
    if (!Boolean.FALSE.equals(attrs.getBooleanAttrValue(CKA_EXTRACTABLE))
        || !Boolean.TRUE.equals(attrs.getBooleanAttrValue(CKA_SENSITIVE))) {
      throw new IllegalStateException("the private key '" + settings.keyLabel() + "' can leave the token "
          + "(CKA_EXTRACTABLE true or CKA_SENSITIVE false): generate the key pair on the token, e.g. pkcs11-tool "
          + "--keypairgen --key-type EC:edwards25519 --sensitive, and never import one");
    }
    privateKeyHandle = found[0];
  }

  private byte[] readPublicKey() throws TokenException {
    long[] found = session.findObjectsSingle(new AttributeVector()
        .attr(CKA_CLASS, CKO_PUBLIC_KEY).attr(CKA_KEY_TYPE, CKK_EC_EDWARDS).attr(CKA_LABEL, settings.keyLabel()), 2);
    if (found.length != 1) {
      throw new IllegalStateException("the token holds " + (found.length == 0 ? "no" : "more than one")
          + " Ed25519 public key labelled '" + settings.keyLabel() + "'");
    }
    byte[] point = session.getAttrValues(found[0], CKA_EC_POINT).getByteArrayAttrValue(CKA_EC_POINT);
    // PKCS#11 3.0 says DER OCTET STRING (04 20 || key); some tokens return the 32 bytes bare.
    if (point != null && point.length == 34 && point[0] == 0x04 && point[1] == 0x20) {
      return Arrays.copyOfRange(point, 2, 34);
    }
    if (point != null && point.length == 32) {
      return point;
    }
    throw new IllegalStateException("the public key '" + settings.keyLabel() + "' is not a 32-byte Ed25519 "
        + "point (Ed448 is not supported)");
  }

  /** Signs {@code message} in the token (pure Ed25519, RFC 8032). Blocking. */
  public byte[] sign(byte[] message) {
    lock.lock();
    try {
      try {
        return session.signSingle(new Mechanism(CKM_EDDSA), privateKeyHandle, message);
      } catch (PKCS11Exception first) {
        // A token that was reset or unplugged invalidates the session: open a new one once.
        log.warn("checkpoints: signing in {} failed ({}); opening a new session", settings, first.getMessage());
        closeSessionQuietly();
        openSession();
        return session.signSingle(new Mechanism(CKM_EDDSA), privateKeyHandle, message);
      }
    } catch (TokenException e) {
      throw new IllegalStateException("the token " + settings + " could not sign: " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  /**
   * This key as a C2SP note signer under {@code keyName} (signature type 0x01): what signs the log's
   * checkpoints. Its verifier is {@code Ed25519NoteKey.verifier(keyName, publicKey())}.
   */
  public NoteSigner noteSigner(String keyName) {
    int keyId = Ed25519NoteKey.verifier(keyName, publicKey).keyId();
    return new NoteSigner() {
      @Override
      public String keyName() {
        return keyName;
      }

      @Override
      public int keyId() {
        return keyId;
      }

      @Override
      public byte[] sign(byte[] text) {
        return Pkcs11Ed25519Key.this.sign(text);
      }
    };
  }

  /** The public key as the JDK's Ed25519 key (verify with {@code Signature.getInstance("Ed25519")}). */
  public PublicKey publicKey() {
    return publicKey;
  }

  /** The 32 bytes of the public key (RFC 8032 encoding), as signed notes carry it. */
  public byte[] rawPublicKey() {
    return rawPublicKey.clone();
  }

  static PublicKey toPublicKey(byte[] raw) {
    byte[] der = Arrays.copyOf(SPKI_PREFIX, SPKI_PREFIX.length + raw.length);
    System.arraycopy(raw, 0, der, SPKI_PREFIX.length, raw.length);
    try {
      return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("not an Ed25519 public key: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      closeSessionQuietly();
      if (initialized) {
        finalizeQuietly(module);
      }
    } finally {
      lock.unlock();
    }
  }

  private void closeSessionQuietly() {
    try {
      if (session != null) {
        session.closeSession();
      }
    } catch (TokenException | RuntimeException e) {
      log.debug("checkpoints: closing the token session: {}", e.toString());
    }
  }

  private static void finalizeQuietly(PKCS11Module module) {
    try {
      module.finalize(null);
    } catch (TokenException | RuntimeException e) {
      log.debug("checkpoints: finalising the PKCS#11 module: {}", e.toString());
    }
  }

  @Override
  public String toString() {
    return settings.toString();
  }
}
