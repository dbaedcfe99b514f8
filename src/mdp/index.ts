/** Objective inference and goal-directedness on tabular environments: the library's public face. */
export {
  collectExperience,
  collectModel,
  featuresOf,
  isTried,
  ModelRecorder,
  namedWeights,
  transitions,
  untriedPairs,
  weightVector,
  type BehaviourPolicy,
  type CollectOptions,
  type CollectSummary,
  type EnvSetup,
  type StatePolicy,
  type TabularModel,
} from './model.js';
export {
  evaluatePolicy,
  mixPolicies,
  optimalPolicy,
  rewardTable,
  softPolicy,
  uniformPolicy,
  type SoftOptions,
  type SoftPolicy,
} from './soft.js';
export {
  demonstrationCounts,
  recordDemonstrations,
  tableActor,
  type DemonstrationCounts,
  type Demonstrations,
  type Step,
  type Trajectory,
} from './demonstrations.js';
export { inverseRL, rewardCorrelation, type CandidateFit, type IrlOptions, type IrlResult } from './irl.js';
export { meg, megBestLinear, megPerObjective, occupancy, type Behaviour, type MegOptions, type MegResult, type Utility } from './meg.js';
