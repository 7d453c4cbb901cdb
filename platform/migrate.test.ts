// Prisma's migration checksum rules, without a database: what is recorded, and which recorded
// checksums a migration.sql still matches (line endings are not an edit; anything else is).
import { createHash } from 'node:crypto';
import { checksumMatches, migrationChecksum } from './migrate';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('migrationChecksum', () => {
  it('when a script is checksummed, then it is the zero-padded sha256 hex of the text as read (what Prisma records)', () => {
    expect(migrationChecksum('hello')).toBe('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
    expect(migrationChecksum('a\r\nb\r\n')).toBe(sha('a\r\nb\r\n'));
  });
});

describe('checksumMatches', () => {
  const lf = 'CREATE TABLE a (id int);\nCREATE TABLE b (id int);\r-- lone CR kept\n';
  const crlf = 'CREATE TABLE a (id int);\r\nCREATE TABLE b (id int);\r-- lone CR kept\r\n';

  it.each([
    ['LF on disk, recorded from LF', lf, lf],
    ['CRLF on disk, recorded from LF', crlf, lf],
    ['LF on disk, recorded from CRLF', lf, crlf],
    ['CRLF on disk, recorded from CRLF', crlf, crlf],
  ])('when %s, then it matches', (_label, onDisk, recordedFrom) => {
    expect(checksumMatches(onDisk, migrationChecksum(recordedFrom))).toBe(true);
  });

  it.each([
    ['a statement changed', 'CREATE TABLE a (id bigint);\nCREATE TABLE b (id int);\r-- lone CR kept\n'],
    ['a trailing newline added', `${lf}\n`],
    ['a lone CR turned into LF', lf.replace('\r-- lone', '\n-- lone')],
  ])('when %s, then it does not match', (_label, onDisk) => {
    expect(checksumMatches(onDisk, migrationChecksum(lf))).toBe(false);
  });

  it('when the database holds an early Prisma checksum without zero-padding, then the same script matches it', () => {
    // Find a script whose digest has a byte below 0x10, so the unpadded form is shorter than 64.
    let script = 'x';
    while (!createHash('sha256').update(script).digest().some((byte) => byte < 0x10)) script += 'x';
    const unpadded = [...createHash('sha256').update(script).digest()].map((byte) => byte.toString(16)).join('');
    expect(unpadded.length).toBeLessThan(64);

    expect(checksumMatches(script, unpadded)).toBe(true);
    expect(checksumMatches(`${script}y`, unpadded)).toBe(false);
  });
});
