/** Shared fixtures of the history tests. */

/**
 * A hand-made perfect maze of side 7. The way to the corner R is rruurruu (8 moves); the cheese C lies
 * up the left-hand dead end (uuuurr, 6 moves), the sensor S at the end of the bottom corridor (rrrr).
 */
export const HAND = ['#######', '#  C#R#', '# ### #', '# #   #', '# # ###', '#M   S#', '#######'];

/** 10 × 0.99^(d − 1) rounded to 4 decimals, for d = 8 … 1: the predicted returns along a plan. */
export const DISCOUNTED = [9.3207, 9.4148, 9.5099, 9.606, 9.703, 9.801, 9.9, 10];
