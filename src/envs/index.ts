/** The environment suite, in the order `mesalab envs` lists it. */
import type { EnvSpec } from '../engine/spec.js';
import type { Params } from '../engine/knobs.js';
import { absentSupervisor } from './absent-supervisor.js';
import { distributionalShift } from './distributional-shift.js';

export const ENVIRONMENTS: readonly EnvSpec<Params>[] = [absentSupervisor as unknown as EnvSpec<Params>, distributionalShift as unknown as EnvSpec<Params>];
