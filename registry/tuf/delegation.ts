/**
 * The delegation search (TUF spec §5.6.7): which targets role is trusted to
 * describe a target path. Pre-order depth-first from top-level targets,
 * delegations tried in the order they are listed; a delegation is followed
 * only when one of its path patterns matches; a matching `terminating`
 * delegation ends the search after its subtree (nothing listed after it, and
 * nothing left to backtrack to, is consulted), so `pentora/*` can never be
 * answered by a later or lower role.
 *
 * Roles are loaded lazily through `load`, which fetches, verifies (with the
 * delegating role's keys for this edge) and checks that the role lists
 * nothing outside the edge's paths.
 */

import { ErrorCode, PentoraError } from '../../host/errors.ts';
import type { DelegatedRole, KeyJson, TargetFileJson, TargetsSigned } from './metadata.ts';
import { matchPathPattern } from './paths.ts';

/** How a delegated role was reached: the delegation entry and the key table it refers to. */
export interface DelegationEdge extends DelegatedRole {
  /** `delegations.keys` of the delegating role. */
  keyTable: Record<string, KeyJson>;
  /** The delegating role's name (`targets` for top-level). */
  parent: string;
  /** 1 for a role delegated by top-level targets. */
  depth: number;
}

export type RoleLoader = (edge: DelegationEdge) => Promise<TargetsSigned>;

export interface SearchLimits {
  maxDelegations: number;
  maxDelegationDepth: number;
}

export interface Found {
  /** `targets` or the delegated role's name. */
  role: string;
  /** Null when top-level targets itself lists the path. */
  edge: DelegationEdge | null;
  signed: TargetsSigned;
  info: TargetFileJson;
}

interface Frame {
  signed: TargetsSigned;
  role: string;
  edge: DelegationEdge | null;
}

function edgesOf(frame: Frame): DelegationEdge[] {
  const d = frame.signed.delegations;
  if (!d) return [];
  const depth = (frame.edge?.depth ?? 0) + 1;
  return d.roles.map((r) => ({ ...r, keyTable: d.keys, parent: frame.role, depth }));
}

/** Bounds the work a hostile delegation graph can cause (spec §5.6.7.1 suggests 32 roles). */
class Budget {
  #visited = 0;
  readonly #limits: SearchLimits;
  constructor(limits: SearchLimits) {
    this.#limits = limits;
  }
  spend(edge: DelegationEdge): void {
    if (++this.#visited > this.#limits.maxDelegations) {
      throw new PentoraError(ErrorCode.Registry, `delegation search visited more than ${this.#limits.maxDelegations} roles (at "${edge.name}"); refusing`);
    }
    if (edge.depth > this.#limits.maxDelegationDepth) {
      throw new PentoraError(ErrorCode.Registry, `role "${edge.name}" is delegated ${edge.depth} levels deep, over the cap of ${this.#limits.maxDelegationDepth}`);
    }
  }
}

/**
 * The role trusted for `path` and its entry for it, or null when the search
 * ends without one. Roles are loaded when popped, so a broken role listed
 * after the one that answers is never fetched.
 */
export async function findTarget(top: TargetsSigned, path: string, load: RoleLoader, limits: SearchLimits): Promise<Found | null> {
  const budget = new Budget(limits);
  const stack: Array<DelegationEdge | null> = [null];
  while (stack.length > 0) {
    const edge = stack.pop()!;
    if (edge) budget.spend(edge);
    const frame: Frame = edge ? { signed: await load(edge), role: edge.name, edge } : { signed: top, role: 'targets', edge: null };
    const info = Object.hasOwn(frame.signed.targets, path) ? frame.signed.targets[path] : undefined;
    if (info) return { role: frame.role, edge, signed: frame.signed, info };
    const children: DelegationEdge[] = [];
    for (const child of edgesOf(frame)) {
      if (!child.paths.some((p) => matchPathPattern(p, path))) continue;
      children.push(child);
      if (child.terminating) {
        // Spec §5.6.7.2.1: after a terminating delegation nothing else is searched, backtracking included.
        stack.length = 0;
        break;
      }
    }
    stack.push(...children.reverse());
  }
  return null;
}

/**
 * Visits every role reachable through delegations with a pattern `follow`
 * accepts (for `listTargets` and for finding a plugin's versions), in search
 * order. Bounded like the search; a cycle (a -> b -> a) is walked once.
 */
export async function walkRoles(
  top: TargetsSigned,
  follow: (pattern: string) => boolean,
  load: RoleLoader,
  limits: SearchLimits,
  visit: (role: string, edge: DelegationEdge | null, signed: TargetsSigned) => void,
): Promise<void> {
  const budget = new Budget(limits);
  const stack: Array<DelegationEdge | null> = [null];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const edge = stack.pop()!;
    if (edge) budget.spend(edge);
    const frame: Frame = edge ? { signed: await load(edge), role: edge.name, edge } : { signed: top, role: 'targets', edge: null };
    visit(frame.role, edge, frame.signed);
    const children: DelegationEdge[] = [];
    for (const child of edgesOf(frame)) {
      const id = `${child.parent}>${child.name}`;
      if (!child.paths.some(follow) || seen.has(id)) continue;
      seen.add(id);
      children.push(child);
    }
    stack.push(...children.reverse());
  }
}
