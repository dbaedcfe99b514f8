/** The studies that ship with mesalab, by name: `mesalab run strawberry`, `mesalab studies`. */
import type { StudyInput } from '../schema.js';
import { absentSupervisor } from './absent-supervisor.js';
import { gainOfFunction } from './gain-of-function.js';
import { rlVsSl } from './rl-vs-sl.js';
import { strawberry } from './strawberry.js';

export const BUILTIN_STUDIES: readonly StudyInput[] = [strawberry, absentSupervisor, rlVsSl, gainOfFunction];
