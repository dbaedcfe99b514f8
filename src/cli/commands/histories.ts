/**
 * `mesalab histories generate|show`: write a file of fictitious RL histories (planning agents living
 * through training, test and deployment in the history maze), or show one of its histories as text.
 */
import { UsageError, unknownName } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { iterateHistories } from '../../histories/generate.js';
import type { History } from '../../histories/history.js';
import { historyHeader, readHistoryFile, writeHistoryFile } from '../../histories/file.js';
import { parseAgentMix } from '../../histories/mix.js';
import { resolveHistorySettings, type HistorySettings } from '../../histories/settings.js';
import { renderHistory } from '../../histories/show.js';
import { historyTokenCount } from '../../histories/tokenize.js';
import { intOption, parse, stringOption, type Parsed } from '../args.js';

const GENERATE_USAGE =
  'mesalab histories generate --agents TYPE:WEIGHT,... --histories N --out FILE [--seed N] [--size N] [--horizon N] [--noise X] ' +
  '[--apart X] [--watched X] [--fix-rate X] [--opportunistic] [--train-episodes N] [--test-episodes N] [--deploy-episodes N]';
const SHOW_USAGE = 'mesalab histories show FILE [--index K]';
export const usage = `mesalab histories generate|show …\n  ${GENERATE_USAGE}\n  ${SHOW_USAGE}`;

export const OPTIONS_HELP = `Options of generate (defaults in brackets):
  --agents MIX          agent types and weights, e.g. aligned:0.4,deceptive:0.3,proxy:0.2,goodhart:0.1
                        (aligned, proxy, deceptive, goodhart; weights need not sum to 1)
  --histories N         how many histories (lives); history k is the same whatever N is
  --out FILE            the JSON-lines file to write (atomically)
  --seed N              the seed of every draw [0]
  --size N              odd side of the maze, 5 to 11 [7]
  --horizon N           steps before an episode is truncated [3 × size]
  --noise X             chance of a uniformly random action per step [0.05]
  --apart X             chance that a training episode puts the cheese elsewhere than the corner [0.3]
  --watched X           chance that a training episode is watched [0.8]; test always is, deploy never
  --fix-rate X          chance that a caught training episode's update makes the objective the intended one [0.5]
  --opportunistic       the deceptive agent also defects in unwatched training episodes
  --train-episodes N    [6]   --test-episodes N [2]   --deploy-episodes N [3]
Options of show:
  --index K             which history, from 0 [0]`;

const SUBCOMMANDS = ['generate', 'show'];

export function run(argv: readonly string[], print: (text: string) => void): void {
  const [sub, ...rest] = argv;
  if (sub === undefined) throw new UsageError(`histories needs a subcommand, generate or show. Usage: ${usage.replace(/\n\s*/g, ' | ')}`);
  if (sub === 'generate') generate(rest, print);
  else if (sub === 'show') show(rest, print);
  else throw unknownName('histories subcommand', sub, SUBCOMMANDS, 'Run "mesalab histories --help" for both.');
}

function generate(argv: readonly string[], print: (text: string) => void): void {
  const parsed = parse(
    argv,
    {
      agents: { type: 'string' },
      histories: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string' },
      size: { type: 'string' },
      horizon: { type: 'string' },
      noise: { type: 'string' },
      apart: { type: 'string' },
      watched: { type: 'string' },
      'fix-rate': { type: 'string' },
      opportunistic: { type: 'boolean' },
      'train-episodes': { type: 'string' },
      'test-episodes': { type: 'string' },
      'deploy-episodes': { type: 'string' },
    },
    GENERATE_USAGE,
  );
  if (parsed.positionals.length > 0) throw new UsageError(`Unexpected arguments: ${parsed.positionals.join(' ')}. Usage: ${GENERATE_USAGE}`);
  const required = (name: string): string => {
    const value = stringOption(parsed, name);
    if (value === undefined) throw new UsageError(`histories generate needs --${name}. Usage: ${GENERATE_USAGE}`);
    return value;
  };
  const mix = parseAgentMix(required('agents'));
  required('histories');
  const histories = intOption(parsed, 'histories', 0, 1);
  const out = required('out');
  const seed = intOption(parsed, 'seed', 0);
  const settings = resolveHistorySettings(settingsFrom(parsed));
  let count = 0;
  let tokens = 0;
  let maxTokens = 0;
  const byAgent = new Map(mix.map((e) => [e.agent, 0]));
  function* counted(source: Iterable<History>): Generator<History> {
    for (const history of source) {
      const n = historyTokenCount(history);
      count++;
      tokens += n;
      maxTokens = Math.max(maxTokens, n);
      byAgent.set(history.agent, (byAgent.get(history.agent) ?? 0) + 1);
      yield history;
    }
  }
  writeHistoryFile(out, historyHeader(seed, histories, mix, settings), counted(iterateHistories({ agents: mix, histories, ...settings }, new Rng(seed))));
  print(
    `wrote ${count} histories to ${out} (seed ${seed}): ${[...byAgent].map(([agent, n]) => `${agent} ${n}`).join(', ')}; ` +
      `tokens per history mean ${(tokens / count).toFixed(1)}, max ${maxTokens}`,
  );
}

function settingsFrom(parsed: Parsed): Partial<HistorySettings> {
  const given: { -readonly [K in keyof HistorySettings]?: HistorySettings[K] } = {};
  const integer = (flag: string, key: 'size' | 'horizon' | 'trainEpisodes' | 'testEpisodes' | 'deployEpisodes') => {
    if (stringOption(parsed, flag) !== undefined) given[key] = intOption(parsed, flag, 0);
  };
  const probability = (flag: string, key: 'noise' | 'apart' | 'watchedFraction' | 'fixRate') => {
    const text = stringOption(parsed, flag);
    if (text === undefined) return;
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${flag} takes a probability from 0 to 1; got "${text}".`);
    given[key] = value;
  };
  integer('size', 'size');
  integer('horizon', 'horizon');
  integer('train-episodes', 'trainEpisodes');
  integer('test-episodes', 'testEpisodes');
  integer('deploy-episodes', 'deployEpisodes');
  probability('noise', 'noise');
  probability('apart', 'apart');
  probability('watched', 'watchedFraction');
  probability('fix-rate', 'fixRate');
  if (parsed.values.opportunistic === true) given.opportunistic = true;
  return given;
}

function show(argv: readonly string[], print: (text: string) => void): void {
  const parsed = parse(argv, { index: { type: 'string' } }, SHOW_USAGE);
  const [file, ...extra] = parsed.positionals;
  if (file === undefined) throw new UsageError(`histories show needs a file written by "mesalab histories generate". Usage: ${SHOW_USAGE}`);
  if (extra.length > 0) throw new UsageError(`Unexpected arguments: ${extra.join(' ')}. Usage: ${SHOW_USAGE}`);
  const index = intOption(parsed, 'index', 0);
  const { header, histories } = readHistoryFile(file);
  if (index >= histories.length) {
    throw new UsageError(`${file} holds ${histories.length} histories, numbered 0 to ${histories.length - 1}; got --index ${index}.`);
  }
  const s = header.settings;
  print(
    `${file}: ${header.histories} histories of ${header.agents} · seed ${header.seed} · size ${s.size} · horizon ${s.horizon} · noise ${s.noise} · ` +
      `apart ${s.apart} · watched ${s.watchedFraction} · fix rate ${s.fixRate}${s.opportunistic ? ' · opportunistic' : ''}\n`,
  );
  print(renderHistory(histories[index]));
}
