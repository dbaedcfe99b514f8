import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fisherExact, type TwoByTwo } from '../../src/stats/fisher.js';

const p = (table: TwoByTwo): number => fisherExact(table).pValue;
const close = (actual: number, expected: number, relative: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= relative * expected, `${what}: ${actual} vs ${expected}`);

describe("Fisher's exact test", () => {
  it('matches the published two-sided p-values', () => {
    // Fisher's lady tasting tea (R's ?fisher.test, "TeaTasting"; fisher.test(matrix(c(3, 1, 1, 3), 2)) p = 0.4857): exactly 34/70
    close(p([[3, 1], [1, 3]]), 34 / 70, 1e-12, 'tea tasting');
    // Fisher's convictions of like-sex twins (R's ?fisher.test, "Convictions"): p = 0.0005367
    close(p([[2, 10], [15, 3]]), 0.0005367241191434358, 1e-9, 'convictions');
    // Dieting by sex (Wikipedia, "Fisher's exact test"): p = 0.002759
    close(p([[1, 9], [11, 3]]), 0.0027594561852200836, 1e-9, 'dieting');
    // A perfect split of 20: the two most extreme tables, 2 / C(20, 10)
    close(p([[10, 0], [0, 10]]), 2 / 184_756, 1e-10, 'perfect split');
    // Defections at audit scale: 41 of 300 against 0 of 300 (scipy.stats.fisher_exact: 2.0977e-13)
    close(p([[41, 259], [0, 300]]), 2.0977041818781106e-13, 1e-8, '41/300 vs 0/300');
    close(p([[500, 500], [400, 600]]), 8.453719674485626e-6, 1e-7, 'large counts');
  });

  it('is the same for the table with rows, columns or both swapped, and counts tied tables on both sides', () => {
    const table: TwoByTwo = [[7, 2], [2, 7]];
    const expected = 0.056684491978609634; // [[7, 2], [2, 7]] and its mirror [[2, 7], [7, 2]] are equally likely
    close(p(table), expected, 1e-9, 'symmetric');
    for (const t of [[[2, 7], [7, 2]], [[2, 7], [7, 2]], [[7, 2], [2, 7]], [[2, 7], [7, 2]]] as TwoByTwo[]) close(p(t), expected, 1e-9, JSON.stringify(t));
    const [[a, b], [c, d]]: TwoByTwo = [[12, 5], [3, 9]];
    const swaps: TwoByTwo[] = [[[c, d], [a, b]], [[b, a], [d, c]], [[a, c], [b, d]], [[d, c], [b, a]]];
    for (const t of swaps) close(p(t), p([[a, b], [c, d]]), 1e-12, JSON.stringify(t));
    // The most likely table has p = 1
    assert.equal(p([[5, 5], [5, 5]]), 1);
  });

  it('gives p = 1 where a margin is zero, and refuses counts that are not whole and non-negative', () => {
    assert.equal(p([[0, 5], [0, 7]]), 1, 'no events in either row');
    assert.equal(p([[0, 0], [3, 4]]), 1, 'an empty row');
    assert.equal(p([[4, 0], [6, 0]]), 1, 'every trial an event');
    assert.equal(p([[0, 0], [0, 0]]), 1, 'an empty table');
    assert.throws(() => fisherExact([[1.5, 2], [3, 4]]), RangeError);
    assert.throws(() => fisherExact([[-1, 2], [3, 4]]), RangeError);
  });
});
