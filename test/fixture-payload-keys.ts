// The key the committed saga histories (workflows/histories/*.json) are encrypted with, as every
// saga's payloads are. A test-only key, published on purpose so the replay test can decode them; it
// never protects anything. npm run record-histories records with it; the replay test decodes with a
// ring in which a newer key is active and this one is only kept (rotation: old histories still replay).
export const FIXTURE_PAYLOAD_KEYS = 'fixtures-2026-11:54fEZ/U7VBmBw2WKXwdbxj2poWHmZTItJ43RCbiVwZc=';
