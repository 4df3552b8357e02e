import { describe, expect, it } from 'vitest';
import { interleaveAccounts } from './import.ts';

const grant = (account: string, n: number) => ({
  user: { id: `${account}${n}`, account_id: account },
});
const ids = (grants: { user: { id: string } }[]) => grants.map((g) => g.user.id);

describe('interleaveAccounts', () => {
  it('takes the accounts in turn, each keeping its own order', () => {
    const grants = [
      grant('a', 1),
      grant('a', 2),
      grant('a', 3),
      grant('b', 1),
      grant('c', 1),
      grant('c', 2),
    ];
    expect(ids(interleaveAccounts(grants))).toEqual(['a1', 'b1', 'c1', 'a2', 'c2', 'a3']);
  });

  it('keeps every grant once, duplicates included, and handles nothing', () => {
    const grants = [grant('a', 1), grant('a', 1), grant('b', 1)];
    expect(ids(interleaveAccounts(grants))).toEqual(['a1', 'b1', 'a1']);
    expect(interleaveAccounts([])).toEqual([]);
  });

  it('goes on with the larger accounts once the smaller ones are used up', () => {
    const grants = [grant('a', 1), grant('b', 1), grant('b', 2), grant('b', 3), grant('c', 1)];
    expect(ids(interleaveAccounts(grants))).toEqual(['a1', 'b1', 'c1', 'b2', 'b3']);
  });
});
