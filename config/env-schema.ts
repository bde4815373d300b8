import { z } from 'zod';

/**
 * Building blocks for reading environment variables. Each pairs a zod schema with a phrase that finishes
 * "expected …", so that a rejected value produces one line a person can act on.
 */
export interface VariableType<T> {
  readonly schema: z.ZodType<T, string>;
  readonly expected: string;
}

// Django's env.bool accepts these spellings (and Heroku users paste any of them), so we do too.
const boolean: VariableType<boolean> = {
  schema: z.stringbool({
    truthy: ['true', '1', 'yes', 'on', 'y', 't'],
    falsy: ['false', '0', 'no', 'off', 'n', 'f'],
    case: 'insensitive',
  }),
  expected: 'a boolean (true/false, 1/0, yes/no, on/off)',
};

export const envTypes = {
  boolean,
  string: { schema: z.string(), expected: 'a string' } satisfies VariableType<string>,
  port: {
    schema: z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(1).max(65535)),
    expected: 'a TCP port number between 1 and 65535',
  } satisfies VariableType<number>,
  count(min: number): VariableType<number> {
    return {
      schema: z
        .string()
        .regex(/^\s*\d+\s*$/)
        .transform(Number)
        .pipe(z.number().int().min(min)),
      expected: `a whole number of at least ${min}`,
    };
  },
  oneOf<const T extends readonly [string, ...string[]]>(values: T): VariableType<T[number]> {
    return {
      schema: z.string().pipe(z.enum(values)),
      expected: `one of ${values.join(', ')}`,
    };
  },
  /** Comma-separated, as Django's env.list reads it: items trimmed, empty items dropped. */
  list: {
    schema: z.string().transform((raw) =>
      raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== ''),
    ),
    expected: 'a comma-separated list',
  } satisfies VariableType<string[]>,
  /**
   * DJANGO_CSRF_TRUSTED_ORIGINS: a list of `http(s)://host[:port]`, the host optionally `*.domain`. Django
   * refuses an entry without a scheme at start-up (check 4_0.E001); an entry that silently trusts nothing
   * is worse than a clear error.
   */
  originList: {
    schema: z.string().transform((raw, context) => {
      const items = raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
      for (const item of items) {
        if (!/^https?:\/\/(\*\.)?[^/?#*\s]+$/i.test(item) || !URL.canParse(item.replace('*.', 'x.'))) {
          context.addIssue({ code: 'custom', message: item });
          return z.NEVER;
        }
      }
      return items;
    }),
    expected: 'a comma-separated list of origins such as https://flags.example.com or https://*.example.com',
  } satisfies VariableType<string[]>,
  /** CORS_ALLOWED_ORIGINS: `*`, or exact http(s) origins (scheme, host and port; no paths, no wildcards). */
  corsOriginList: {
    schema: z.string().transform((raw, context) => {
      const items = raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
      for (const item of items) {
        if (item !== '*' && (!/^https?:\/\/[^/?#*\s]+$/i.test(item) || !URL.canParse(item))) {
          context.addIssue({ code: 'custom', message: item });
          return z.NEVER;
        }
      }
      return items;
    }),
    expected: '* or a comma-separated list of origins such as https://app.example.com',
  } satisfies VariableType<string[]>,
} as const;
