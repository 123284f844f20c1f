import { describe, expect, it } from 'vitest';
import { isInterruption, isOutputFault } from './segment-fault.js';

describe('failure classification', () => {
  it('tells output faults from bad segments and interruptions', () => {
    const enospc = Object.assign(new Error('no space left'), { code: 'ENOSPC' });
    expect(isOutputFault(enospc)).toBe(true);
    expect(isOutputFault(Object.assign(new Error('wrapped'), { code: 'E_WRITE', cause: enospc }))).toBe(true);
    expect(isOutputFault(new Error('x', { cause: Object.assign(new Error('ro'), { code: 'EROFS' }) }))).toBe(
      true,
    );
    // Reading the segment failed: the segment's problem, even with a permission error inside.
    expect(
      isOutputFault(Object.assign(new Error('cannot read'), { code: 'E_READ', cause: { code: 'EACCES' } })),
    ).toBe(false);
    expect(isOutputFault(Object.assign(new Error('too many'), { code: 'E_TOO_MANY_ERRORS' }))).toBe(false);
    expect(isInterruption(Object.assign(new Error('stop'), { code: 'E_ABORTED' }))).toBe(true);
    expect(isInterruption(enospc)).toBe(false);
  });
});
