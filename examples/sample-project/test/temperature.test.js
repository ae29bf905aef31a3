import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toCelsius } from '../src/temperature.js';

test('toCelsius converts the boiling point', () => {
  assert.equal(toCelsius(212), 100);
});
