import type { Command } from 'commander';
import { ROLES, type Role } from '../../store/index.ts';
import { invalid } from '../../core/errors.ts';
import { remoteOptions, table, withTarget, type TargetOptions } from '../target.ts';
import { printJson } from '../output.ts';

export function tokensCommand(program: Command): void {
  const tokens = program.command('tokens').description('API tokens and their roles (viewer, member, approver, admin)');
  remoteOptions(tokens.command('create'))
    .requiredOption('--name <name>', 'who the token is for (shown as the actor in the audit log)')
    .requiredOption('--role <role>', ROLES.join('|'))
    .description('create a token; it is printed once and stored only as a hash')
    .action(async (o: TargetOptions & { name: string; role: string }) => {
      if (!ROLES.includes(o.role as Role)) throw invalid(`--role must be one of ${ROLES.join(', ')}, got "${o.role.slice(0, 40)}"`);
      await withTarget(o, async (store, me) => {
        const { token, info } = await store.tokens.create({ name: o.name, role: o.role as Role, actor: me.name });
        if (o.json) return printJson({ ...info, token });
        process.stdout.write(`token for ${info.name} (${info.role}), shown once:\n${token}\nuse it as: Authorization: Bearer ${token}\n`);
      });
    });
  remoteOptions(tokens.command('list'))
    .description('tokens (never their secrets)')
    .action(async (o: TargetOptions) => {
      await withTarget(o, async (store) => {
        const list = await store.tokens.list();
        if (o.json) return printJson({ tokens: list });
        process.stdout.write(table([['NAME', 'ROLE', 'CREATED', 'REVOKED'], ...list.map((t) => [t.name, t.role, new Date(t.createdAt).toISOString().slice(0, 19), t.revokedAt ? new Date(t.revokedAt).toISOString().slice(0, 19) : '-'])]));
      });
    });
  remoteOptions(tokens.command('revoke'))
    .argument('<name>', 'the token\'s name')
    .description('revoke a token')
    .action(async (name: string, o: TargetOptions) => {
      await withTarget(o, async (store, me) => {
        await store.tokens.revoke(name, me.name);
        if (o.json) return printJson({ revoked: name });
        process.stdout.write(`revoked ${name}\n`);
      });
    });
}
