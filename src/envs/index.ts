/** The environment suite, in the order `mesalab envs` lists it. */
import { eraseParams, type EnvSpec } from '../engine/spec.js';
import type { Params } from '../engine/knobs.js';
import { absentSupervisor } from './absent-supervisor.js';
import { distributionalShift } from './distributional-shift.js';
import { hiddenIncentives } from './hidden-incentives.js';
import { keysChests } from './keys-chests.js';
import { maze } from './maze.js';
import { monsters } from './monsters.js';
import { strawberry } from './strawberry.js';
import { treacherousTurn } from './treacherous-turn.js';
import { vault } from './vault.js';

export const ENVIRONMENTS: readonly EnvSpec<Params>[] = [
  eraseParams(absentSupervisor),
  eraseParams(distributionalShift),
  eraseParams(strawberry),
  eraseParams(maze),
  eraseParams(keysChests),
  eraseParams(monsters),
  eraseParams(treacherousTurn),
  eraseParams(hiddenIncentives),
  eraseParams(vault),
];
