/**
 * What a PKCS#8 PEM private key is, read synchronously from its DER (RFC 5208 §5, RFC 5958 §2), so
 * that a key that does not fit its algorithm is refused at construction: importing it (Web Crypto)
 * is asynchronous and happens on first use.
 */

/** The kind of key a PEM holds: its algorithm, curve and, for RSA, modulus size in bits. */
export type Pkcs8Shape =
  | { kind: 'RSA' | 'RSA-PSS'; modulusBits: number | undefined }
  | { kind: 'EC'; curve: string | undefined }
  | { kind: 'Ed25519' };

/** A PEM that is not an unencrypted PKCS#8 private key; the message never quotes the key. */
export class Pkcs8Error extends Error {}

const PEM = /^-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\s]+?)\r?\n?-----END \1-----\s*$/;

/** Algorithm identifiers (DER contents of the OID) and named curves. */
const KEY_OIDS: Record<string, Pkcs8Shape['kind']> = {
  '2a864886f70d010101': 'RSA', // rsaEncryption, RFC 8017 Appendix A.1
  '2a864886f70d01010a': 'RSA-PSS', // id-RSASSA-PSS, RFC 8017 Appendix A.2.3
  '2a8648ce3d0201': 'EC', // id-ecPublicKey, RFC 5480 §2.1.1
  '2b6570': 'Ed25519', // id-Ed25519, RFC 8410 §3
};
const CURVE_OIDS: Record<string, string> = {
  '2a8648ce3d030107': 'P-256',
  '2b81040022': 'P-384',
  '2b81040023': 'P-521',
};

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const OCTET_STRING = 0x04;
const OID = 0x06;

/**
 * The shape of the key in a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
 * @throws Pkcs8Error naming what is wrong (another PEM type, encrypted, not DER), never quoting the key
 * @see https://www.rfc-editor.org/rfc/rfc5208#section-5
 */
export function pkcs8Shape(pem: string): Pkcs8Shape {
  const match = PEM.exec(pem.trim());
  if (!match)
    throw new Pkcs8Error('is not a PEM document (-----BEGIN PRIVATE KEY----- ... -----END PRIVATE KEY-----)');
  const label = match[1] as string;
  if (label === 'ENCRYPTED PRIVATE KEY') {
    throw new Pkcs8Error('is an encrypted PKCS#8 key; decrypt it first (openssl pkcs8 -in key.pem -nocrypt)');
  }
  if (label === 'RSA PRIVATE KEY' || label === 'EC PRIVATE KEY') {
    throw new Pkcs8Error(
      `is a ${label} PEM, not PKCS#8; convert it with openssl pkcs8 -topk8 -nocrypt -in key.pem`,
    );
  }
  if (label !== 'PRIVATE KEY') throw new Pkcs8Error(`is a ${label} PEM, not a PKCS#8 private key`);
  let der: Uint8Array;
  try {
    der = Uint8Array.from(atob(match[2]?.replace(/\s+/g, '') ?? ''), (c) => c.charCodeAt(0));
  } catch {
    throw new Pkcs8Error('is not valid base64 inside its PEM armour');
  }
  try {
    return readPrivateKeyInfo(der);
  } catch (error) {
    if (error instanceof Pkcs8Error) throw error;
    throw new Pkcs8Error('is not a well-formed PKCS#8 PrivateKeyInfo');
  }
}

function readPrivateKeyInfo(der: Uint8Array): Pkcs8Shape {
  const info = new Der(new Der(der).take(SEQUENCE));
  info.take(INTEGER); // version
  const algorithm = new Der(info.take(SEQUENCE));
  const kind = KEY_OIDS[hex(algorithm.take(OID))];
  if (!kind) throw new Pkcs8Error('holds a key type other than RSA, RSA-PSS, EC or Ed25519');
  if (kind === 'EC') {
    const curve = algorithm.next === OID ? CURVE_OIDS[hex(algorithm.take(OID))] : undefined;
    return { kind, curve };
  }
  if (kind === 'Ed25519') return { kind };
  // RSAPrivateKey (RFC 8017 Appendix A.1.2): version, then the modulus.
  const rsa = new Der(new Der(info.take(OCTET_STRING)).take(SEQUENCE));
  rsa.take(INTEGER);
  const modulus = rsa.take(INTEGER);
  const leadingZero = modulus[0] === 0 ? 1 : 0;
  return { kind, modulusBits: (modulus.length - leadingZero) * 8 };
}

/** A cursor over DER elements (X.690 §8.1): tag, definite length, contents. */
class Der {
  #offset = 0;
  constructor(readonly bytes: Uint8Array) {}

  get next(): number | undefined {
    return this.bytes[this.#offset];
  }

  take(tag: number): Uint8Array {
    if (this.bytes[this.#offset] !== tag) throw new Error('unexpected DER tag');
    let length = this.bytes[this.#offset + 1] ?? 0;
    let start = this.#offset + 2;
    if (length & 0x80) {
      const octets = length & 0x7f;
      if (octets === 0 || octets > 4) throw new Error('unsupported DER length');
      length = 0;
      for (let i = 0; i < octets; i++) length = length * 256 + (this.bytes[start + i] ?? 0);
      start += octets;
    }
    const end = start + length;
    if (end > this.bytes.length) throw new Error('truncated DER');
    this.#offset = end;
    return this.bytes.subarray(start, end);
  }
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
