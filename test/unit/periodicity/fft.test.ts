import { fftInPlace, nextPow2, spectrumAndAutocovariance } from '../../../src/periodicity/fft';
import { whiteNoise } from './synth';

describe('fftInPlace', () => {
  it('matches a direct DFT on 64 seeded points, and the inverse restores the input', () => {
    const x = whiteNoise(64, 1, 3);
    const re = Float64Array.from(x);
    const im = new Float64Array(64);
    fftInPlace(re, im);
    for (const k of [0, 1, 5, 31, 32, 63]) {
      let sr = 0;
      let si = 0;
      for (let t = 0; t < 64; t++) {
        sr += x[t]! * Math.cos((-2 * Math.PI * k * t) / 64);
        si += x[t]! * Math.sin((-2 * Math.PI * k * t) / 64);
      }
      expect(re[k]).toBeCloseTo(sr, 9);
      expect(im[k]).toBeCloseTo(si, 9);
    }
    fftInPlace(re, im, true);
    for (let t = 0; t < 64; t++) expect(re[t]! / 64).toBeCloseTo(x[t]!, 12);
  });

  it('rejects lengths that are not a power of two, naming the length', () => {
    expect(() => fftInPlace(new Float64Array(12), new Float64Array(12))).toThrow(/length is 12: expected a power of two/);
    expect(() => fftInPlace(new Float64Array(8), new Float64Array(4))).toThrow(/im has length 4: expected 8/);
    expect(() => nextPow2(0)).toThrow(/n is 0/);
  });
});

describe('spectrumAndAutocovariance', () => {
  it('gives the linear (not circular) autocovariance sums', () => {
    const x = whiteNoise(100, 1, 9);
    const { acov, nfft } = spectrumAndAutocovariance(x);
    expect(nfft).toBe(256);
    for (const lag of [0, 1, 7, 50, 99]) {
      let s = 0;
      for (let t = 0; t + lag < 100; t++) s += x[t]! * x[t + lag]!;
      expect(acov[lag]).toBeCloseTo(s, 9);
    }
  });
});
