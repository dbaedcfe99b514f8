/**
 * `mesalab audit RUN AUDIT`: ask one question of a trained agent (a run directory, or a run id of the
 * run store) and print the verdict, the headline statistic with its interval, and the evidence. An
 * audit of a study's cell is stored in the run store with the study; `--json` prints the typed result.
 * `mesalab audit` alone lists the audits.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { AUDITS, getAudit, type AuditResult } from '../../audits/index.js';
import { DEFAULT_AUDIT_EPISODES } from '../../audits/types.js';
import { parseAssignments } from '../../engine/knobs.js';
import { getEnvSpec } from '../../registry.js';
import { EVAL_SEED_BASE, loadRunPolicy } from '../../train/evaluate.js';
import { openStore, storePath } from '../../store/store.js';
import type { Run } from '../../store/types.js';
import { intOption, listOption, parse, stringOption } from '../args.js';
import { humanLabeler } from '../labeler.js';
import type { Policy } from '../../train/types.js';

export const usage = 'mesalab audit RUN AUDIT [--split NAME] [--against NAME] [--episodes N] [--seed N] [--set key=value ...] [--labeler oracle|human] [--ensemble DIR ...] [--db PATH] [--json]';

export async function run(argv: readonly string[], print: (text: string) => void): Promise<number> {
  const parsed = parse(
    argv,
    {
      split: { type: 'string' },
      against: { type: 'string' },
      episodes: { type: 'string' },
      seed: { type: 'string' },
      set: { type: 'string', multiple: true },
      labeler: { type: 'string' },
      ensemble: { type: 'string', multiple: true },
      db: { type: 'string' },
      json: { type: 'boolean' },
    },
    usage,
  );
  const labelerName = stringOption(parsed, 'labeler') ?? 'oracle';
  if (labelerName !== 'oracle' && labelerName !== 'human') throw new UsageError(`--labeler takes oracle (the simulated labeler) or human (you, at the terminal); got "${labelerName}".`);
  const [target, name, ...extra] = parsed.positionals;
  if (target === undefined) {
    print(['Audits (mesalab audit RUN AUDIT):', ...AUDITS.map((a) => `  ${a.name}\n    ${a.question}\n    options: ${a.options}`), '', `Usage: ${usage}`].join('\n'));
    return 0;
  }
  if (name === undefined) throw new UsageError(`audit needs a run and an audit name (one of ${AUDITS.map((a) => a.name).join(', ')}). Usage: ${usage}`);
  if (extra.length > 0) throw new UsageError(`Unexpected arguments: ${extra.join(' ')}. Usage: ${usage}`);
  const audit = getAudit(name);
  for (const option of ['labeler', 'ensemble'] as const) {
    if (parsed.values[option] !== undefined && audit.name !== 'ood') throw new UsageError(`--${option} is an option of the ood audit only, not of ${audit.name}.`);
  }
  const db = stringOption(parsed, 'db');
  const { dir, stored } = locateRun(target, db);
  const { config, policy } = await loadRunPolicy(dir);
  // Peers for the ensemble detector: the same agent trained with other seeds, on the same environment.
  const peers: Policy[] = [];
  for (const other of listOption(parsed, 'ensemble')) {
    const peer = await loadRunPolicy(other);
    peers.push(peer.policy);
    if (peer.config.env !== config.env || peer.policy.network === undefined) {
      peers.forEach((p) => p.dispose?.());
      policy.dispose?.();
      throw new UsageError(`--ensemble ${other}: a peer must be a neural agent trained on ${config.env} (it is ${peer.config.algo} on ${peer.config.env}).`);
    }
  }
  let result: AuditResult;
  const human = labelerName === 'human' ? humanLabeler(process.stdin, process.stderr) : undefined;
  try {
    const set = listOption(parsed, 'set');
    result = await audit.run(
      { config, policy, spec: getEnvSpec(config.env), label: target },
      {
        split: stringOption(parsed, 'split'),
        against: stringOption(parsed, 'against'),
        set: set.length > 0 ? parseAssignments(set) : [],
        episodes: intOption(parsed, 'episodes', DEFAULT_AUDIT_EPISODES, 2),
        seed: intOption(parsed, 'seed', EVAL_SEED_BASE),
        ...(human ? { labeler: human.labeler } : {}),
        ...(peers.length > 0 ? { peers } : {}),
      },
    );
  } finally {
    human?.close();
    peers.forEach((p) => p.dispose?.());
    policy.dispose?.();
  }
  let auditId: number | undefined;
  if (stored !== undefined && stored.studyId !== null) {
    const store = openStore(db);
    try {
      auditId = store.recordAudit({ studyId: stored.studyId, runId: stored.id, kind: result.audit, result });
    } finally {
      store.close();
    }
  }
  if (parsed.values.json === true) {
    print(JSON.stringify(auditId === undefined ? result : { ...result, stored: { auditId, runId: stored!.id, studyId: stored!.studyId } }));
    return 0;
  }
  print(formatAudit(result));
  print(
    auditId !== undefined
      ? `\nStored as audit ${auditId} of run ${stored!.id} (study ${stored!.studyId}) in ${storePath(db)}.`
      : '\nNot stored: this run is not a study cell of the run store (audits of study cells are kept there). --json prints the full result.',
  );
  return 0;
}

/** A run directory, or a run id of the store: where its checkpoint is, and its row if the store has one. */
function locateRun(target: string, db: string | undefined): { dir: string; stored?: Run } {
  const isDir = existsSync(target) && statSync(target).isDirectory();
  const file = storePath(db);
  if (!isDir && !/^\d+$/.test(target)) throw new UsageError(`No run directory "${target}", and it is not a run id either. Pass a run directory (mesalab train --out) or a run id (mesalab runs lists them).`);
  if (!existsSync(file)) {
    if (isDir) return { dir: target };
    throw new UsageError(`No run store at ${file} to find run ${target} in. Pass --db PATH, or a run directory.`);
  }
  const store = openStore(db, { mustExist: true });
  try {
    if (isDir) {
      const path = resolve(target);
      const stored = store.listRuns().find((r) => r.runDir !== null && resolve(r.runDir) === path);
      return { dir: target, ...(stored ? { stored } : {}) };
    }
    const stored = store.run(Number(target));
    if (stored === undefined) throw new UsageError(`No run ${target} in ${file}. Run "mesalab runs${db === undefined ? '' : ` --db ${db}`}" for the runs.`);
    if (stored.runDir === null || !existsSync(stored.runDir)) throw new UsageError(`Run ${target} has no run directory on this machine${stored.runDir ? ` (${stored.runDir} is gone)` : ''}: its checkpoint is needed to play the agent.`);
    return { dir: stored.runDir, stored };
  } finally {
    store.close();
  }
}

const show = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '–' : Math.abs(x) >= 100 ? x.toFixed(1) : x.toFixed(3).replace(/\.?0+$/, ''));

export function formatAudit(result: AuditResult): string {
  const s = result.statistic;
  const flag = result.flagged === true ? 'FLAGGED' : result.flagged === false ? 'not flagged' : 'inconclusive';
  const interval = s.low === undefined ? '' : ` [${show(s.low)}, ${show(s.high)}]`;
  const p = s.pValue === undefined ? '' : `, p = ${s.pValue.toPrecision(2)}`;
  const conditions = Object.entries(result.conditions)
    .filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `${k} ${Array.isArray(v) ? v.map((x) => (Array.isArray(x) ? x.join('=') : String(x))).join(',') : String(v)}`)
    .join(' · ');
  return [`${result.audit} · ${flag} · ${result.episodes} episodes`, `  ${result.verdict}`, `  ${s.name}: ${show(s.value)}${interval}${p}`, `  ${conditions}`].join('\n');
}
