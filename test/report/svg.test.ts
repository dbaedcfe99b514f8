import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dodge, heatTicks } from '../../src/report/charts.js';
import { boardColours, isSafeColour, textColourOn, viridis } from '../../src/report/palette.js';
import {
  BandScale,
  escapeXml,
  formatCount,
  formatNumber,
  formatSi,
  formatTick,
  legend,
  LinearScale,
  niceExtent,
  niceStep,
  num,
  pathData,
  svgDocument,
  text,
  whisker,
} from '../../src/report/svg.js';

describe('nice ticks', () => {
  it('steps are 1, 2 or 5 times a power of ten', () => {
    assert.equal(niceStep(1, 5), 0.2);
    assert.equal(niceStep(60_000, 5), 20_000);
    assert.equal(niceStep(2.9, 5), 1);
    assert.equal(niceStep(7, 5), 2);
    assert.equal(niceStep(0, 5), 1);
  });

  it('widens the range to whole steps, free of floating-point noise', () => {
    assert.deepEqual(niceExtent(0, 1).ticks, [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceExtent(0.1, 0.7).ticks, [0, 0.2, 0.4, 0.6, 0.8]);
    assert.deepEqual(niceExtent(0, 2.9).ticks, [0, 1, 2, 3]);
    assert.deepEqual(niceExtent(-0.3, 0.7).ticks, [-0.4, -0.2, 0, 0.2, 0.4, 0.6, 0.8]);
    assert.deepEqual(niceExtent(1000, 60_000).ticks, [0, 20_000, 40_000, 60_000]);
    assert.deepEqual(niceExtent(0, 60_000).domain, [0, 60_000]);
  });

  it('draws an axis for an empty, single-valued or reversed range', () => {
    assert.deepEqual(niceExtent(0, 0).ticks, [-1, -0.5, 0, 0.5, 1]);
    assert.deepEqual(niceExtent(5, 5).domain, [4.4, 5.6]);
    assert.deepEqual(niceExtent(NaN, Infinity).ticks, [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceExtent(3, 0).ticks, niceExtent(0, 3).ticks);
  });

  it('labels ticks with the decimals their step needs and SI suffixes', () => {
    assert.equal(formatTick(20_000, 20_000), '20k');
    assert.equal(formatTick(1_500_000, 500_000), '1.5M');
    assert.equal(formatTick(0.2, 0.2), '0.2');
    assert.equal(formatTick(1, 0.5), '1.0');
    assert.equal(formatTick(-0.00001, 0.1), '0.0');
    assert.equal(formatSi(950), '950');
    assert.equal(formatNumber(2.7), '2.7');
    assert.equal(formatNumber(3), '3.0');
    assert.equal(formatNumber(0.3), '0.3');
    assert.equal(formatNumber(0.25), '0.25');
    assert.equal(formatNumber(-0.001), '0');
    assert.equal(formatNumber(123.4), '123');
    assert.equal(formatNumber(NaN), '–');
    assert.equal(formatCount(90), '90');
    assert.equal(formatCount(25_000), '25k');
  });
});

describe('scales', () => {
  it('maps linearly, reversed ranges included', () => {
    const y = new LinearScale([0, 10], [100, 0]);
    assert.equal(y.map(0), 100);
    assert.equal(y.map(5), 50);
    assert.equal(y.map(10), 0);
    assert.equal(new LinearScale([2, 2], [0, 10]).map(2), 5);
  });

  it('splits a range into padded bands', () => {
    const bands = new BandScale(4, [0, 400], 0.2);
    assert.equal(bands.step, 100);
    assert.equal(bands.bandwidth, 80);
    assert.equal(bands.start(0), 10);
    assert.equal(bands.centre(3), 350);
  });
});

describe('shapes', () => {
  it('prints coordinates with two decimals and no negative zero', () => {
    assert.equal(num(1.23456), '1.23');
    assert.equal(num(-0.001), '0');
    assert.equal(num(NaN), '0');
    assert.equal(pathData([[0, 0], [1.006, 2], [NaN, 3], [3, 3], [4, 4]]), 'M0 0 L1.01 2 M3 3 L4 4');
  });

  it('leaves out a whisker with a missing end', () => {
    assert.equal(whisker(5, NaN, 3, 4), '');
    assert.equal(whisker(5, 1, 3, 4, { stroke: '#000' }), '<path d="M5 1 L5 3 M3 1 L7 1 M3 3 L7 3" fill="none" stroke="#000"/>');
  });

  it('escapes every label, title and attribute', () => {
    const nasty = '</script><b title="x">&\'';
    assert.equal(escapeXml(nasty), '&lt;/script&gt;&lt;b title=&quot;x&quot;&gt;&amp;&#39;');
    assert.equal(text(1, 2, nasty, { 'data-x': nasty }), `<text x="1" y="2" data-x="${escapeXml(nasty)}">${escapeXml(nasty)}</text>`);
    const doc = svgDocument(10, 10, nasty, '');
    assert.ok(!doc.includes('</script>') && !doc.includes('<b '), doc);
    const key = legend([{ label: nasty, colour: '#000', swatch: 'box' }], 0, 0, 100).markup;
    assert.ok(!key.includes('</script>') && key.includes(escapeXml(nasty)), key);
  });

  it('spreads end labels apart in order', () => {
    assert.deepEqual(dodge([50, 52, 10], 14), [50, 64, 10]);
    assert.deepEqual(dodge([0, 0, 0], 10), [0, 10, 20]);
  });
});

describe('colours', () => {
  it('interpolates viridis between its ends', () => {
    assert.equal(viridis(0), '#440154');
    assert.equal(viridis(1), '#fde725');
    assert.equal(viridis(2), '#fde725');
    assert.equal(viridis(NaN), '#440154');
  });

  it('writes black on light cells and white on dark ones', () => {
    assert.equal(textColourOn('#440154'), '#ffffff');
    assert.equal(textColourOn('#fde725'), '#000000');
    assert.equal(textColourOn('#F0E442'), '#000000');
  });

  it('takes a legend colour only where it is safe in a style attribute', () => {
    assert.ok(isSafeColour('#D55E00') && isSafeColour('teal') && isSafeColour('rgb(1, 2, 3)'));
    assert.ok(!isSafeColour('red; background: url(x)') && !isSafeColour('"><script>'));
    const colours = boardColours({ A: { label: 'agent', colour: 'red;}' }, '#': { label: 'wall' }, S: { label: 's', colour: '#D55E00' } });
    assert.equal(colours.get('S'), '#D55E00');
    assert.equal(colours.get('#'), '#4d4d4d');
    assert.match(colours.get('A') ?? '', /^#[0-9a-f]{6}$/);
  });

  it('puts heatmap ticks at 0, powers of ten and the maximum', () => {
    assert.deepEqual(heatTicks(0), [{ t: 0, label: '0' }]);
    assert.deepEqual(heatTicks(500).map((t) => t.label), ['0', '1', '10', '100', '500']);
    // 100 would crowd 150 at the end of the bar.
    assert.deepEqual(heatTicks(150).map((t) => t.label), ['0', '1', '10', '150']);
    assert.equal(heatTicks(500).at(-1)?.t, 1);
  });
});
