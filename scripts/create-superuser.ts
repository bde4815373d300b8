import { stdin, stdout } from 'node:process';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
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

if (values.help) {
  stdout.write(usage);
} else {
  await runCli(async (ctx) => {
    let email = values.email ?? process.env.DJANGO_SUPERUSER_EMAIL;
    let password = values.password ?? process.env.DJANGO_SUPERUSER_PASSWORD;
    const username = values.username ?? process.env.DJANGO_SUPERUSER_USERNAME;
    if (!values.noinput && (!email || !password)) {
      // Lines are read through the interface's iterator, which buffers them: question() would drop answers
      // that arrive before it is asked, as they do when a script pipes them in.
      const prompt = createInterface({ input: stdin, terminal: false });
      const lines = prompt[Symbol.asyncIterator]();
      const ask = async (question: string) => {
        stdout.write(question);
        const { value, done } = await lines.next();
        if (done) throw new Error('input ended before every question was answered');
        return String(value);
      };
      try {
        email ||= (await ask('Email: ')).trim();
        if (!password) {
          password = await ask('Password: ');
          if ((await ask('Password (again): ')) !== password) throw new Error("passwords don't match");
        }
      } finally {
        prompt.close();
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
