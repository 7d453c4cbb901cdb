// Why api/auth.ts should verify with a KeyObject: jsonwebtoken 9, given a string secret, first tries
// crypto.createPublicKey() on it on EVERY call and only falls back to a secret key after that throws.
//   node --import tsx bench/jwt-verify.micro.ts
import { createSecretKey } from 'node:crypto';
import jwt from 'jsonwebtoken';

const secret = 'bench-secret-bench-secret-bench-secret-0123';
const options = { algorithms: ['HS256' as const], issuer: 'saga-orders', audience: 'saga-orders-api' };
const token = jwt.sign({ role: 'customer' }, secret, { algorithm: 'HS256', subject: 'x', issuer: options.issuer, audience: options.audience, expiresIn: 3600 });
const key = createSecretKey(Buffer.from(secret));

for (const [name, k] of [['string secret', secret], ['KeyObject (createSecretKey once)', key]] as const) {
  for (let i = 0; i < 2000; i++) jwt.verify(token, k, options);
  const n = 20_000;
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) jwt.verify(token, k, options);
  const used = process.cpuUsage(before);
  console.log(`${name}: ${((used.user + used.system) / n).toFixed(1)} µs CPU per jwt.verify`);
}
