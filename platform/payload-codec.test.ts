import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec, ENCRYPTED_ENCODING, newKeyRingEntry, parseKeyRing } from './payload-codec';

const input = { orderId: 'o-1', shippingAddress: { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' }, paymentToken: 'tok_visa_4242' };
const payload = () => defaultPayloadConverter.toPayload(input);
const asText = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('latin1');

describe('EncryptionCodec', () => {
  it('when a payload is encoded, then neither the address nor the token is readable, the key id is in the metadata, and decoding gives it back', async () => {
    const codec = new EncryptionCodec(parseKeyRing(newKeyRingEntry('k1')));
    const [encrypted] = await codec.encode([payload()]);
    expect(asText(encrypted!.data)).not.toContain('Springfield');
    expect(asText(encrypted!.data)).not.toContain('tok_visa_4242');
    expect(asText(encrypted!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(asText(encrypted!.metadata!['encryption-key-id'])).toBe('k1');
    const [decoded] = await codec.decode([encrypted!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(input);
  });

  it('when the same payload is encoded twice, then the ciphertexts differ (a fresh IV each time)', async () => {
    const codec = new EncryptionCodec(parseKeyRing(newKeyRingEntry('k1')));
    const [a, b] = await codec.encode([payload(), payload()]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('when a new key becomes active (rotation), then payloads of the old key still decode and new ones use the new key', async () => {
    const old = newKeyRingEntry('k1');
    const [before] = await new EncryptionCodec(parseKeyRing(old)).encode([payload()]);
    const rotated = new EncryptionCodec(parseKeyRing(`${newKeyRingEntry('k2')},${old}`));
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([before!]))[0]!)).toEqual(input);
    const [after] = await rotated.encode([payload()]);
    expect(asText(after!.metadata!['encryption-key-id'])).toBe('k2');
  });

  it('when a payload was tampered with, then decoding fails (GCM authenticates)', async () => {
    const codec = new EncryptionCodec(parseKeyRing(newKeyRingEntry('k1')));
    const [encrypted] = await codec.encode([payload()]);
    const data = Buffer.from(encrypted!.data!);
    data.writeUInt8(data.readUInt8(20) ^ 0xff, 20);
    await expect(codec.decode([{ ...encrypted!, data }])).rejects.toThrow();
  });

  it('when its key is not in the ring, then decoding says which key is missing', async () => {
    const [encrypted] = await new EncryptionCodec(parseKeyRing(newKeyRingEntry('gone'))).encode([payload()]);
    await expect(new EncryptionCodec(parseKeyRing(newKeyRingEntry('k1'))).decode([encrypted!])).rejects.toThrow(/"gone"/);
  });

  it('when a payload was never encrypted (a history recorded before), then it passes unchanged', async () => {
    const plain = payload();
    expect(await new EncryptionCodec(parseKeyRing(newKeyRingEntry())).decode([plain])).toEqual([plain]);
  });
});

describe('parseKeyRing', () => {
  it.each([
    ['no key', ''],
    ['a short key', `k1:${randomBytes(16).toString('base64')}`],
    ['no id', `:${randomBytes(32).toString('base64')}`],
    ['duplicate ids', `k1:${randomBytes(32).toString('base64')},k1:${randomBytes(32).toString('base64')}`],
  ])('when PAYLOAD_KEYS has %s, then it is refused', (_why, spec) => {
    expect(() => parseKeyRing(spec)).toThrow(/PAYLOAD_KEYS/);
  });
});
