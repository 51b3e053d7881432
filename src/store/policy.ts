import { CapstanError } from '../core/errors.ts';
import type { TrafficSpec } from './traffic.ts';
import type { ModelPolicy, Principal, Role } from './types.ts';

/*
 * The registry's governance rules, free of I/O so every backend applies exactly the same ones inside its transactions, and
 * every entry point (the REST API, the MLflow routes, the CLI on a local store, the SDK) passes through them.
 *
 * The rule: a change that puts a version in front of the callers of a model's bare name is a move of the served alias
 * (`champion`): moving the alias itself, or giving a version a traffic weight above 0. When that alias is protected (the
 * default), the version needs an approval for it, by an approver who is not its author (unless the model's policy allows
 * self-approval, which the audit log records as such). A shadow is exempt: its answers are never returned.
 */

/** The alias the server answers a model's bare name with (when no traffic split is set). */
export const SERVED_ALIAS = 'champion';
export const DEFAULT_POLICY: ModelPolicy = { protectedAliases: ['champion', 'production'], selfApproval: false };

const RANK: Record<Role, number> = { viewer: 0, member: 1, approver: 2, admin: 3 };

export function hasRole(p: Principal, least: Role): boolean {
  return RANK[p.role] >= RANK[least];
}

function denied(message: string): CapstanError {
  return new CapstanError('PERMISSION_DENIED', message);
}

/**
 * Who may approve a version: the approver or admin role, and not the version's own author unless the policy allows
 * self-approval. Returns whether this is a self-approval (to be recorded as one).
 */
export function checkApprover(approver: Principal, author: string, ref: string, model: string, policy: ModelPolicy): { self: boolean } {
  if (!hasRole(approver, 'approver')) throw denied(`approving needs the approver role; ${approver.name} has the ${approver.role} role`);
  if (approver.name !== author) return { self: false };
  if (policy.selfApproval) return { self: true };
  throw denied(
    `${approver.name} registered ${ref} and cannot approve it: approvals must come from someone else. Ask a colleague with an approver token ` +
      `(an admin creates one: capstan tokens create --name NAME --role approver), or, where one person runs this model, allow self-approval ` +
      `in its policy (an admin: capstan models policy ${model} --self-approval; every self-approval is audited as such)`,
  );
}

/** Moving a protected alias needs an approval of that very version for that alias. */
export function checkAliasMove(alias: string, policy: ModelPolicy, approvers: string[], ref: string): void {
  if (!policy.protectedAliases.includes(alias) || approvers.length > 0) return;
  throw denied(`alias "${alias}" is protected: ${ref} needs an approval for "${alias}" from an approver who is not its author (capstan models approve ${ref} --alias ${alias})`);
}

/** Removing a protected alias takes a version away from its callers: the approver role at least. */
export function checkAliasDelete(alias: string, policy: ModelPolicy, actor: Principal): void {
  if (policy.protectedAliases.includes(alias) && !hasRole(actor, 'approver')) throw denied(`alias "${alias}" is protected: removing it needs the approver role (${actor.name} has the ${actor.role} role)`);
}

/**
 * A traffic split puts every version with a weight above 0 in front of callers, so when the served alias is protected each
 * such version needs an approval for it, and an alias route must name a protected alias (an unprotected one could be moved
 * to any version without approval). The shadow is exempt.
 */
export function checkTraffic(spec: TrafficSpec, policy: ModelPolicy, approvers: (version: number) => string[], model: string): void {
  if (!policy.protectedAliases.includes(SERVED_ALIAS)) return;
  for (const r of spec.routes) {
    if (r.weight === 0) continue;
    if ('alias' in r) {
      if (!policy.protectedAliases.includes(r.alias)) throw denied(`traffic route @${r.alias}: the alias is not protected, so it could move to an unapproved version; route to a version number or protect the alias`);
    } else if (approvers(r.version).length === 0) {
      throw denied(`a traffic weight puts ${model}:${r.version} in front of callers: it needs an approval for "${SERVED_ALIAS}" from an approver who is not its author (capstan models approve ${model}:${r.version} --alias ${SERVED_ALIAS})`);
    }
  }
}

/** The policy itself is an admin decision; it may not unprotect an alias the current traffic split routes to. */
export function checkPolicyChange(actor: Principal, next: ModelPolicy, traffic: TrafficSpec | null): void {
  if (!hasRole(actor, 'admin')) throw denied(`changing a model's policy needs the admin role (${actor.name} has the ${actor.role} role)`);
  if (!next.protectedAliases.includes(SERVED_ALIAS)) return;
  for (const r of traffic?.routes ?? []) {
    if ('alias' in r && r.weight > 0 && !next.protectedAliases.includes(r.alias)) throw denied(`alias "${r.alias}" carries traffic in the current split; clear or change the split before unprotecting it`);
  }
}

/** Whether a bare name may fall back to the latest version when it has no champion and no split. */
export function servesLatest(policy: ModelPolicy): boolean {
  return !policy.protectedAliases.includes(SERVED_ALIAS);
}
