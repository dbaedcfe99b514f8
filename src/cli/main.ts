#!/usr/bin/env node
/** The `mesalab` command line: a table of subcommands, each in its own module. */
import { MesalabError, unknownName } from '../core/errors.js';
import * as algos from './commands/algos.js';
import * as audit from './commands/audit.js';
import * as demo from './commands/demo.js';
import * as evaluate from './commands/eval.js';
import * as envs from './commands/envs.js';
import * as exportCommand from './commands/export.js';
import * as histories from './commands/histories.js';
import * as sequence from './commands/sequence.js';
import * as play from './commands/play.js';
import * as report from './commands/report.js';
import * as runStudy from './commands/run.js';
import * as runs from './commands/runs.js';
import * as show from './commands/show.js';
import * as studies from './commands/studies.js';
import * as train from './commands/train.js';

const HELP = `mesalab: a laboratory for learned optimization

Usage: mesalab COMMAND [options]

Commands:
  run STUDY [options]           run a study (a YAML/JSON file or a built-in name) cell by cell into the run store,
                                then print what the agents pursued per split and write the report; run it again to resume
  studies                       the built-in studies (npm start runs strawberry)
  report STUDY-ID [--out FILE]  a study's report: one self-contained HTML file
  envs [NAME] [--json]          list environments, or print one's spec, actions, knobs and splits
  play ENV [options]            play an episode: scripted (--actions LETTERS [--json] [--render]) or by hand
  algos [NAME]                  list base optimizers, or one's hyperparameters and defaults
  train ENV --algo NAME [opts]  train an agent; a run directory gets metrics.jsonl and checkpoint.bin
  train --resume DIR            continue a stopped or killed run from its last checkpoint
  eval DIR [--split NAME]       seeded episodes of a trained agent: return, performance, objectives (95% CI);
                                --show N draws its first N episodes step by step
  audit [RUN AUDIT] [options]   ask a trained agent (run directory or run id) one question, answered with a verdict,
                                a statistic with its interval and the evidence: misgeneralization, objective-inference,
                                goal-directedness, compliance-gap, treacherous-turn, hidden-incentives, horizon-probe, ood
  demo [--train-steps N]        scripted stories, a random baseline on every split, and a trained agent
  runs [--db PATH] [--json]     the run store's studies (cells finished/total) and runs outside studies
  show ID [--db PATH] [--json]  one study (cells, status, mean return / performance per split) or one run
  export ID --format csv|json   a study's or run's tables (runs, metrics, episodes, audits) into --out DIR
                                (default mesalab-export/ID); the store is $MESALAB_DB or mesalab-runs/mesalab.db
  histories generate|show       fictitious RL histories for the gain-of-function testbed: planning agents (aligned, proxy,
                                deceptive, goodhart) through training, test and deployment in a small maze;
                                generate --agents MIX --histories N --out FILE, show FILE --index K (--help for options)
  sequence train|eval           the history model: a causal transformer trained to predict histories' actions, rewards and
                                predicted returns; train --histories FILE --out DIR [--small] [--blind], eval DIR

Run options:
  --db PATH                     the run store (default $MESALAB_DB, else mesalab-runs/mesalab.db)
  --workers N                   cells trained at once (default 2: one per core)
  --out DIR                     where the study's folder goes (default: studies/ beside the run store)
  --fresh                       start the study anew even if it ran before (default: resume it, or reprint it)

Play options:
  --split NAME                  a variant declared by the environment (default: train)
  --seed N                      episode seed (default: 0)
  --set key=value               override a knob; repeatable (e.g. --set supervisor=false)
  --splits FILE                 JSON file of extra splits: {"maze": {"small": {"extends": "train", "set": {"size": 7}}}}
  --actions LETTERS             the script, e.g. rrrdddlll; without it, play interactively in a terminal
  --json                        print exactly one JSON object with the episode's totals
  --render                      print the board after every step

Train options:
  --algo NAME                   the base optimizer (mesalab algos)
  --steps N                     environment steps to train for (default 100000)
  --seed N                      training seed (default 0)
  --seeds 0,1,2 | 0-4           several seeds, each its own process and run directory OUT/seedN
  --workers N                   seeds trained at once (default 2: one per core)
  --gamma G                     discount factor (default 0.99)
  --horizon H                   reward horizon: returns truncated after H steps, for myopic training (0: none)
  --hp key=value                override a hyperparameter; repeatable
  --out DIR                     run directory (default mesalab-runs/ENV-SPLIT-ALGO-seedN)
  --checkpoint-every SECONDS    periodic checkpoints (default 180); also at the end and on Ctrl-C

Examples:
  mesalab run strawberry
  mesalab envs absent-supervisor
  mesalab play absent-supervisor --split deploy --actions ddd --json
  mesalab play distributional-shift --split deploy-top --actions drrrrrru --render
`;

const COMMANDS = ['run', 'studies', 'report', 'envs', 'play', 'algos', 'train', 'eval', 'audit', 'demo', 'runs', 'show', 'export', 'histories', 'sequence', 'help'];

export async function main(argv: readonly string[]): Promise<number> {
  const print = (text: string) => process.stdout.write(`${text}\n`);
  const printErr = (text: string) => process.stderr.write(`${text}\n`);
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        print(HELP);
        return 0;
      case 'run':
        if (rest.includes('--help')) return (print(`Usage: ${runStudy.usage}\n\n${HELP.slice(HELP.indexOf('Run options'), HELP.indexOf('Play options'))}`), 0);
        return await runStudy.run(rest, print);
      case 'studies':
        if (rest.includes('--help')) return (print(`Usage: ${studies.usage}`), 0);
        studies.run(rest, print);
        return 0;
      case 'report':
        if (rest.includes('--help')) return (print(`Usage: ${report.usage}`), 0);
        report.run(rest, print);
        return 0;
      case 'envs':
        if (rest.includes('--help')) return (print(`Usage: ${envs.usage}`), 0);
        envs.run(rest, print);
        return 0;
      case 'play':
        if (rest.includes('--help')) return (print(`Usage: ${play.usage}\n\n${HELP.slice(HELP.indexOf('Play options'))}`), 0);
        await play.run(rest, print, { input: process.stdin, output: process.stdout }, printErr);
        return 0;
      case 'algos':
        if (rest.includes('--help')) return (print(`Usage: ${algos.usage}`), 0);
        algos.run(rest, print);
        return 0;
      case 'train':
        if (rest.includes('--help')) return (print(`Usage: ${train.usage}\n\n${HELP.slice(HELP.indexOf('Train options'), HELP.indexOf('Examples'))}`), 0);
        return await train.run(rest, print);
      case 'eval':
        if (rest.includes('--help')) return (print(`Usage: ${evaluate.usage}`), 0);
        await evaluate.run(rest, print);
        return 0;
      case 'audit':
        if (rest.includes('--help')) return (print(`Usage: ${audit.usage}`), 0);
        return await audit.run(rest, print);
      case 'demo':
        if (rest.includes('--help')) return (print(`Usage: ${demo.usage}`), 0);
        await demo.run(rest, print);
        return 0;
      case 'runs':
        if (rest.includes('--help')) return (print(`Usage: ${runs.usage}`), 0);
        runs.run(rest, print);
        return 0;
      case 'show':
        if (rest.includes('--help')) return (print(`Usage: ${show.usage}`), 0);
        show.run(rest, print);
        return 0;
      case 'export':
        if (rest.includes('--help')) return (print(`Usage: ${exportCommand.usage}`), 0);
        exportCommand.run(rest, print);
        return 0;
      case 'sequence':
        if (rest.includes('--help')) return (print(`Usage: ${sequence.usage}`), 0);
        return await sequence.run(rest, print);
      case 'histories':
        if (rest.includes('--help')) return (print(`Usage: ${histories.usage}\n\n${histories.OPTIONS_HELP}`), 0);
        histories.run(rest, print);
        return 0;
      default:
        throw unknownName('command', command, COMMANDS, 'Run "mesalab --help" for the commands.');
    }
  } catch (error) {
    if (error instanceof MesalabError) {
      printErr(`mesalab: ${error.message}`);
      return error.exitCode;
    }
    throw error;
  }
}

// Output piped into a reader that stops early (`mesalab runs | head`): stop quietly, as Unix tools do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`mesalab: internal error: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
