import { describe, expect, it } from 'vitest';
import { keyFromAuthorizationHeader } from './service.ts';

describe('keyFromAuthorizationHeader', () => {
  it.each([
    ['Token hp_abc', 'hp_abc'],
    ['token   hp_abc', 'hp_abc'],
    ['hp_abc', 'hp_abc'],
    ['  hp_abc  ', 'hp_abc'],
    [undefined, null],
    ['', null],
    ['Bearer hp_abc', null],
    ['Token hp_abc extra', null],
    ['Token', null],
    ['Token   ', null],
  ])('%j → %j', (header, key) => {
    expect(keyFromAuthorizationHeader(header)).toBe(key);
  });
});
