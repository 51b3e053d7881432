import { CapstanError } from '../core/errors.ts';
import type { Principal } from './types.ts';

/*
 * The registry's governance rules, free of I/O so every backend applies exactly the same ones inside its transactions.
 */

export const DEFAULT_PROTECTED_ALIASES = ['production'];

/** Who may approve a version: the approver or admin role, and never the version's own author (four eyes). */
export function checkApprover(approver: Principal, author: string, ref: string): void {
  if (approver.role !== 'approver' && approver.role !== 'admin') {
    throw new CapstanError('PERMISSION_DENIED', `approving needs the approver role; ${approver.name} has the ${approver.role} role`);
  }
  if (approver.name === author) throw new CapstanError('PERMISSION_DENIED', `${approver.name} registered ${ref} and cannot approve it: approvals must come from someone else`);
}

/** Moving a protected alias needs an approval of that very version for that alias. */
export function checkAliasMove(alias: string, protectedAliases: string[], approvers: string[], ref: string): void {
  if (!protectedAliases.includes(alias)) return;
  if (approvers.length === 0) {
    throw new CapstanError('PERMISSION_DENIED', `alias "${alias}" is protected: ${ref} needs an approval for "${alias}" from an approver who is not its author (capstan models approve)`);
  }
}
