// Request validation with zod: one schema gives the runtime check, the TypeScript type and the
// OpenAPI document. Violations become 400 VALIDATION_FAILED with a path per offending field.
import { z } from 'zod';
import { HttpError } from './problem';

export function parse<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new HttpError(400, 'VALIDATION_FAILED', 'the request does not match the expected shape',
    result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || '', message: issue.message })));
}
