import { describe, expect, it } from 'vitest';
import { PythonLiteralError, parsePythonLiteral } from '../src/python-literal.js';

describe('parsePythonLiteral', () => {
  it('parses the dicts, tuples, strings, integers and keywords of .npy headers', () => {
    expect(parsePythonLiteral("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }   ")).toEqual({
      descr: '<f4',
      fortran_order: false,
      shape: [2, 3],
    });
    expect(parsePythonLiteral('(5,)')).toEqual([5]);
    expect(parsePythonLiteral('()')).toEqual([]);
    expect(parsePythonLiteral('[1, -2, +3, 4L]')).toEqual([1, -2, 3, 4]);
    expect(parsePythonLiteral(`{"a": True, 'b': None, 'c': 'it\\'s'}`)).toEqual({ a: true, b: null, c: "it's" });
  });

  it('rejects anything else without evaluating it', () => {
    const bad = [
      '',
      "{'a': 1",
      "{'a' 1}",
      '{1: 2}',
      "{'a': 1, 'a': 2}",
      '1.5',
      '1e3',
      "'open",
      'Truey',
      "__import__('os')",
      '(1, 2) 3',
      '99999999999999999999',
      "'\\x41'",
    ];
    for (const text of bad) expect(() => parsePythonLiteral(text), text).toThrow(PythonLiteralError);
  });

  it('does not let a __proto__ key change the prototype of the result', () => {
    const d = parsePythonLiteral("{'__proto__': {'polluted': True}}") as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(d)).toEqual(['__proto__']);
  });
});
