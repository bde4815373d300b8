import { strict as assert } from 'node:assert';
import { JsonSyntaxError, parseJson, stringifyJson } from './python-json.js';
import { orderedEntries, PythonFloat, pythonStr, stringRepr, toContextValue } from './python-value.js';

describe('parseJson / stringifyJson (Python json)', () => {
  it('keeps 2.0 a float, ints past 2^53 exact, and reads NaN and Infinity', () => {
    const value = parseJson('[2, 2.0, 1e2, -0.0, 12345678901234567890, NaN, -Infinity, 0.5]') as unknown[];
    assert.equal(value[0], 2);
    assert.ok(value[1] instanceof PythonFloat);
    assert.ok(value[2] instanceof PythonFloat && value[2].value === 100);
    assert.ok(value[3] instanceof PythonFloat && Object.is(value[3].value, -0));
    assert.equal(value[4], 12345678901234567890n);
    assert.ok(Number.isNaN(value[5] as number));
    assert.equal(value[6], Number.NEGATIVE_INFINITY);
    assert.equal(stringifyJson(value), '[2,2.0,100.0,-0.0,12345678901234567890,NaN,-Infinity,0.5]');
  });
  it("keeps an object's key order, integer-like keys included, and a repeated key's first place", () => {
    const object = parseJson('{"10": 1, "2": 2, "a": 3, "10": 4}') as object;
    assert.deepEqual(orderedEntries(object), [
      ['10', 4],
      ['2', 2],
      ['a', 3],
    ]);
    assert.equal(stringifyJson(object), '{"10":4,"2":2,"a":3}');
    const proto = parseJson('{"__proto__": 1}') as object;
    assert.deepEqual(Object.getOwnPropertyDescriptor(proto, '__proto__')?.value, 1);
    assert.equal(Object.getPrototypeOf(proto), Object.prototype);
  });
  it('refuses what Python refuses', () => {
    for (const text of ['[1,]', '01', '1.', '"\\q"', '"a\nb"', '[1] x', "{'a': 1}", '']) {
      assert.throws(() => parseJson(text), JsonSyntaxError, text);
    }
  });
});

describe('Python values', () => {
  it("coerces as Flagsmith's context mapper: ASCII numerals only, containers to their str()", () => {
    assert.equal(toContextValue('007'), 7);
    assert.ok(toContextValue('2.0') instanceof PythonFloat);
    assert.equal(toContextValue('9007199254740993'), 9007199254740993n);
    assert.equal(toContextValue('١٢'), '١٢');
    assert.equal(toContextValue('1e3'), '1e3');
    assert.equal(toContextValue(' 7'), ' 7');
    assert.equal(toContextValue([1, 'a', null, true, new PythonFloat(2)]), "[1, 'a', None, True, 2.0]");
    assert.equal(toContextValue({ a: { b: "it's" } }), `{'a': {'b': "it's"}}`);
  });
  it('prints like str() and repr()', () => {
    assert.equal(pythonStr(new PythonFloat(50)), '50.0');
    assert.equal(pythonStr(new PythonFloat(1e16)), '1e+16');
    // A plain integral number is an int.
    assert.equal(pythonStr(1e16), '10000000000000000');
    assert.equal(pythonStr(1e-5), '1e-05');
    assert.equal(pythonStr(2n ** 70n), '1180591620717411303424');
    assert.equal(stringRepr('a\nb\u0085é😀\u200b'), "'a\\nb\\x85é😀\\u200b'");
  });
});
