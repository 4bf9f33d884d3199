import { describe, expect, it } from 'vitest';
import { printableValue } from './printable.ts';

describe('printableValue', () => {
  it.each([
    ['plain', 'plain'],
    ['a\nb', 'a\\nb'],
    ['a\r\tb', 'a\\r\\tb'],
    ['\u001b[31mred', '\\u001b[31mred'],
    ['back\\slash', 'back\\\\slash'],
    ['a\u2028b', 'a\\u2028b'],
    ['abc\u202edcba', 'abc\\u202edcba'],
    ['\u0085', '\\u0085'],
    [80, '80'],
    [undefined, '<missing>'],
    [null, 'null'],
    [['a', 1], '["a",1]'],
    [{ ip: '1.2.3.4\n' }, '{"ip":"1.2.3.4\\\\n"}'],
  ])('%j → %j', (value, expected) => expect(printableValue(value)).toBe(expected));

  it('truncates long values and says how much was cut', () => {
    const printed = printableValue('x'.repeat(1000));
    expect(printed).toBe(`${'x'.repeat(120)}…(+880 chars)`);
  });

  it('never lets a control character through', () => {
    const everyControl = Array.from({ length: 32 }, (_, code) => String.fromCharCode(code)).join('') + '\u007f';
    expect(printableValue(everyControl)).not.toMatch(/[\u0000-\u001f\u007f]/);
  });
});
