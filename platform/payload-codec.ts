// Personal and payment data never reach Temporal in clear (shared/API.md, "Operations and data
// protection"): every payload — workflow and activity inputs and results, update arguments — is
// encrypted with AES-256-GCM (Node's crypto) before it leaves a client or worker, and decrypted when
// it comes back. The key id travels in the payload's metadata, so after a rotation old histories
// still decode with the older keys of the ring while new payloads use the first (active) key.
// Search attributes are not payloads: they stay readable (ids, status, amounts — no personal data).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const CIPHER = 'AES-256-GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface PayloadKey { id: string; key: Buffer }

const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array | null | undefined) => (bytes ? new TextDecoder().decode(bytes) : undefined);

/**
 * `PAYLOAD_KEYS` = `id:base64key[,id:base64key…]`, 32-byte keys, the first one active. Ids name keys
 * (e.g. the date they were made) and must be unique.
 */
export function parseKeyRing(spec: string): PayloadKey[] {
  const keys = spec.split(',').map((s) => s.trim()).filter(Boolean).map((entry) => {
    const at = entry.indexOf(':');
    const id = entry.slice(0, at);
    const key = Buffer.from(entry.slice(at + 1), 'base64');
    if (at < 1 || !/^[\w.-]{1,64}$/.test(id)) throw new Error(`PAYLOAD_KEYS: "${entry.slice(0, 20)}…" is not id:base64key`);
    if (key.length !== 32) throw new Error(`PAYLOAD_KEYS: key ${id} must be 32 bytes (base64 of 32 random bytes), not ${key.length}`);
    return { id, key };
  });
  if (keys.length === 0) throw new Error('PAYLOAD_KEYS: at least one key is needed');
  if (new Set(keys.map((k) => k.id)).size !== keys.length) throw new Error('PAYLOAD_KEYS: key ids must be unique');
  return keys;
}

/** A new key ring entry: `<id>:<base64 of 32 random bytes>`. */
export function newKeyRingEntry(id = `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

export class EncryptionCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;

  constructor(private readonly keys: readonly PayloadKey[]) {
    if (keys.length === 0) throw new Error('EncryptionCodec needs at least one key');
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const active = this.keys[0]!;
    return payloads.map((payload) => {
      // The whole payload (its own metadata included) is the plaintext.
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', active.key, iv);
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: utf8(ENCRYPTED_ENCODING), 'encryption-cipher': utf8(CIPHER), 'encryption-key-id': utf8(active.id) },
        data,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      // Payloads written before encryption was switched on (e.g. recorded histories) pass as they are.
      if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
      const keyId = text(payload.metadata?.['encryption-key-id']) ?? '';
      const key = this.byId.get(keyId);
      if (!key) throw new Error(`payload encrypted with key "${keyId}", which is not in PAYLOAD_KEYS`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(plain) as Payload;
    });
  }
}

/** The data converter every client and worker of the project uses. */
export function dataConverterFor(keys: readonly PayloadKey[]) {
  return { payloadCodecs: [new EncryptionCodec(keys)] };
}

let inMemoryRing: PayloadKey[] | undefined;

/**
 * The key ring of this process: PAYLOAD_KEYS if set; otherwise production refuses to start,
 * development generates one key once in <DATA_DIR>/payload-keys (0600; every process of `npm start`
 * reads the same file), and tests use one random key per process (a test run shares PAYLOAD_KEYS
 * through its global setup when it spawns processes).
 */
export function payloadKeys(config: { PAYLOAD_KEYS?: string; NODE_ENV: string; DATA_DIR: string }, onGenerated?: (file: string) => void): PayloadKey[] {
  if (config.PAYLOAD_KEYS) return parseKeyRing(config.PAYLOAD_KEYS);
  if (config.NODE_ENV === 'production') {
    throw new Error('Invalid configuration:\n  PAYLOAD_KEYS: required in production (id:base64 of 32 random bytes, e.g. k1:$(openssl rand -base64 32))');
  }
  if (config.NODE_ENV !== 'development') return (inMemoryRing ??= parseKeyRing(newKeyRingEntry('test')));
  const file = path.resolve(config.DATA_DIR, 'payload-keys');
  try {
    return parseKeyRing(readFileSync(file, 'utf8').trim());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  try {
    // 'wx': never replaces a ring another process wrote meanwhile (that one is read below).
    writeFileSync(file, `${newKeyRingEntry('dev1')}\n`, { mode: 0o600, flag: 'wx' });
    onGenerated?.(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return parseKeyRing(readFileSync(file, 'utf8').trim());
}
