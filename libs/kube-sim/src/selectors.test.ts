import { describe, expect, it } from 'vitest';
import {
  checkFieldSupport,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
} from './selectors.js';

const match = (sel: string, labels?: Record<string, string>): boolean =>
  matchesLabels(parseLabelSelector(sel), labels);

describe('label selectors', () => {
  it('supports equality, inequality, set and existence operators joined by commas', () => {
    const l = { app: 'web', tier: 'front', n: '5' };
    expect(match('app=web', l)).toBe(true);
    expect(match('app==web', l)).toBe(true);
    expect(match('app!=web', l)).toBe(false);
    expect(match('app!=db', {})).toBe(true);
    expect(match('tier in (front, back)', l)).toBe(true);
    expect(match('tier notin (front)', l)).toBe(false);
    expect(match('tier notin (front)', {})).toBe(true);
    expect(match('app', l)).toBe(true);
    expect(match('!app', l)).toBe(false);
    expect(match('!missing', l)).toBe(true);
    expect(match('n>4,n<6', l)).toBe(true);
    expect(match('n>5', l)).toBe(false);
    expect(match('app=web,tier in (back)', l)).toBe(false);
    expect(match('', l)).toBe(true);
  });

  it('accepts prefixed keys and rejects malformed selectors with a SelectorError naming the selector', () => {
    expect(match('example.com/role=x', { 'example.com/role': 'x' })).toBe(true);
    expect(() => parseLabelSelector('app=(x')).toThrow(SelectorError);
    expect(() => parseLabelSelector('bad key=x')).toThrow(/unable to parse requirement/);
    expect(() => parseLabelSelector('app=v@lue')).toThrow(/invalid label value "v@lue"/);
  });
});

describe('field selectors', () => {
  const obj = { metadata: { name: 'a', namespace: 'ns' }, type: 'Opaque' };
  it('matches =, == and != on dotted paths', () => {
    expect(matchesFields(parseFieldSelector('metadata.name=a'), obj)).toBe(true);
    expect(matchesFields(parseFieldSelector('metadata.name==a,metadata.namespace!=ns'), obj)).toBe(false);
    expect(matchesFields(parseFieldSelector('type=Opaque'), obj)).toBe(true);
  });
  it('allows only the fields the resource supports', () => {
    expect(() => checkFieldSupport(parseFieldSelector('metadata.name=a'), 'configmaps')).not.toThrow();
    expect(() => checkFieldSupport(parseFieldSelector('type=Opaque'), 'secrets')).not.toThrow();
    expect(() => checkFieldSupport(parseFieldSelector('type=Opaque'), 'configmaps')).toThrow(
      'field label not supported: type',
    );
  });
});
