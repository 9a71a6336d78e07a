import { describe, expect, it } from 'vitest';
import { labelSelectorProblem } from './label-selector.js';

describe('labelSelectorProblem (the syntax of k8s.io/apimachinery labels.Parse)', () => {
  it.each([
    '',
    'team=a',
    'team==a',
    'team!=a',
    'team = a',
    'key=',
    'tier',
    '!legacy',
    'example.io/team=a',
    'team=a,tier!=db',
    'env in (prod,staging)',
    'env in (prod, staging), !legacy',
    'env notin (a)',
    'replicas>1',
    'replicas < 10',
    'app.kubernetes.io/managed-by=lostromos',
  ])('accepts %j', (s) => expect(labelSelectorProblem(s)).toBeUndefined());

  it.each([
    ['team=a=b', /is not a requirement/],
    ['env in (prod', /parentheses do not balance/],
    ['env in prod)', /parentheses do not balance/],
    ['!', /is not a requirement/],
    ['-team=a', /"-team" is not a valid label key/],
    ['team=a b', /is not a requirement/],
    ['env in ()', /is empty/],
    ['team=a,', /empty requirement/],
    ['a,,b', /empty requirement/],
    ['Example.io/team=a', /prefix "Example\.io" is not a DNS subdomain/],
    [`team=${'v'.repeat(64)}`, /not a valid label value/],
    ['replicas>one', /not a whole number/],
    ['team in (a,-b)', /"-b" is not a valid label value/],
  ])('rejects %j', (s, re) => expect(labelSelectorProblem(s)).toMatch(re));
});
