import { stdin, stdout } from 'node:process';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { read } from 'read';
import { runCli } from '../core/cli.js';

const usage = `Usage: npm run createsuperuser [-- --email E --password P --username U --noinput]

Without --noinput, asks for whatever is missing. For scripts and Heroku, pass the values as flags or set
DJANGO_SUPERUSER_EMAIL, DJANGO_SUPERUSER_PASSWORD and DJANGO_SUPERUSER_USERNAME and use --noinput.
`;

const { values } = parseArgs({
  options: {
    email: { type: 'string' },
    password: { type: 'string' },
    username: { type: 'string' },
    noinput: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

interface Prompter {
  ask(question: string, secret: boolean): Promise<string>;
  close(): void;
}

/** At a terminal: passwords are not echoed, as Django's createsuperuser does. */
function terminalPrompter(): Prompter {
  return {
    async ask(question, secret) {
      const answer = String(await read({ prompt: question, silent: secret, replace: '' }));
      // The muted input leaves the cursor after the prompt; the next line starts below it.
      if (secret) stdout.write('\n');
      return answer;
    },
    close: () => undefined,
  };
}

/**
 * From a pipe: lines are read through one interface's iterator, which buffers them; asking afresh for each
 * answer would drop lines that arrived before the question, as they do when a script pipes them in.
 */
function pipedPrompter(): Prompter {
  const lines = createInterface({ input: stdin, terminal: false });
  const next = lines[Symbol.asyncIterator]();
  return {
    async ask(question) {
      stdout.write(question);
      const { value, done } = await next.next();
      if (done) throw new Error('input ended before every question was answered');
      return String(value);
    },
    close: () => lines.close(),
  };
}

if (values.help) {
  stdout.write(usage);
} else {
  await runCli(async (ctx) => {
    let email = values.email ?? process.env.DJANGO_SUPERUSER_EMAIL;
    let password = values.password ?? process.env.DJANGO_SUPERUSER_PASSWORD;
    const username = values.username ?? process.env.DJANGO_SUPERUSER_USERNAME;
    if (!values.noinput && (!email || !password)) {
      const prompter = stdin.isTTY ? terminalPrompter() : pipedPrompter();
      try {
        email ||= (await prompter.ask('Email: ', false)).trim();
        if (!password) {
          password = await prompter.ask('Password: ', true);
          if ((await prompter.ask('Password (again): ', true)) !== password)
            throw new Error("passwords don't match");
        }
      } finally {
        prompter.close();
      }
    }
    if (!email || !password) {
      throw new Error(
        '--noinput needs --email and --password (or DJANGO_SUPERUSER_EMAIL and DJANGO_SUPERUSER_PASSWORD)',
      );
    }
    const user = await ctx.users.createSuperuser({ email, password, username: username || undefined });
    stdout.write(`Superuser ${user.email} created.\n`);
  });
}
